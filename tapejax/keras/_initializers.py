"""Keras initializers by name (`glorot_uniform`, `he_normal`, `zeros`, ...).

Initial values are made without compiling an XLA program per shape (a cold start's largest cost):
constants are filled on the host, random values drawn on the host by `random_ops.initial_values`
(from the same global seed, op seed and call counter as `tf.random`), then copied to the device.
"""

from __future__ import annotations

import math

import numpy as np

from tapejax import _dtypes
from tapejax._ops import random_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.keras import _serialization


def _fans(shape, input_axes=None, output_axes=None):
    if input_axes is not None and output_axes is not None:  # Keras 3's compute_fans with axes (EinsumDense)
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: `initializer(shape, dtype)` returns a Tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return dict(vars(self))

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _filled(shape, value, dtype):
    """A Tensor of `shape` filled with `value`, made on the host (no program per shape)."""
    dtype = _dtypes.as_dtype(dtype or _dtypes.float32)
    return convert_to_tensor(np.full(random_ops._shape(shape), value, dtype._np), dtype=dtype)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return _filled(shape, 0, dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return _filled(shape, 1, dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return _filled(shape, _dtypes.as_dtype(dtype or _dtypes.float32).as_numpy_dtype(self.value), dtype)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.seed, self.mean, self.stddev = seed, mean, stddev

    def __call__(self, shape, dtype=None):
        return random_ops.initial_values("normal", shape, self.mean, self.stddev,
                                         dtype or _dtypes.float32, seed=self.seed)


class TruncatedNormal(Initializer):
    """Normal samples redrawn outside two standard deviations of the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.seed, self.mean, self.stddev = seed, mean, stddev

    def __call__(self, shape, dtype=None):
        return random_ops.initial_values("truncated_normal", shape, self.mean, self.stddev,
                                         dtype or _dtypes.float32, seed=self.seed)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.seed, self.minval, self.maxval = seed, minval, maxval

    def __call__(self, shape, dtype=None):
        return random_ops.initial_values("uniform", shape, self.minval, self.maxval,
                                         dtype or _dtypes.float32, seed=self.seed)


class VarianceScaling(Initializer):
    """Samples scaled by fan-in/fan-out, as Keras' VarianceScaling."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {allowed_modes}")
        distribution = distribution.lower()
        if distribution == "normal":  # Keras 3 reads "normal" as truncated normal
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution}.Please use one of {allowed}")
        self.seed, self.scale, self.mode, self.distribution = seed, scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, n)
        dtype = dtype or _dtypes.float32
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            return random_ops.initial_values("uniform", shape, -limit, limit, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.initial_values("normal", shape, 0.0, math.sqrt(var), dtype, seed=self.seed)
        return random_ops.initial_values("truncated_normal", shape, 0.0,
                                         math.sqrt(var) / 0.87962566103423978, dtype, seed=self.seed)


def _preset(name, scale, mode, distribution):
    """A VarianceScaling subclass with fixed arguments whose config is only its seed (Keras')."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__module__": __name__,
                                           "__doc__": f"VarianceScaling({scale}, {mode!r}, "
                                                      f"{distribution!r})."})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times `gain`
    (Keras 3's recipe; the default `recurrent_initializer` of recurrent layers)."""

    def __init__(self, gain=1.0, seed=None):
        self.seed, self.gain = seed, gain

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = dtype or _dtypes.float32
        rows, cols = math.prod(shape[:-1]), shape[-1]
        sample = random_ops.initial_values("normal", (max(rows, cols), min(rows, cols)), 0.0, 1.0,
                                           dtype, seed=self.seed).numpy()
        q, r = np.linalg.qr(sample)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return convert_to_tensor((self.gain * q).reshape(shape).astype(
            _dtypes.as_dtype(dtype)._np))


class Identity(Initializer):
    """The identity matrix (rectangular for a non-square shape) times `gain`; 2-D shapes only.

    Args:
      gain: the factor the identity matrix is multiplied by.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        """The matrix of `shape` (rows, columns) in `dtype` (float32 by default).

        Raises:
          ValueError: for a shape that is not 2-D.
          TypeError: for a float `gain` and an integer dtype (as TF converts it).
        """
        shape = tuple(int(d) for d in shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtypes.as_dtype(dtype or _dtypes.float32)
        if not dtype.is_floating and not dtype.is_complex and isinstance(self.gain, float):
            raise TypeError(f"Cannot convert {self.gain} to EagerTensor of dtype {dtype.name}")
        return convert_to_tensor((np.eye(*shape) * self.gain).astype(dtype._np), dtype=dtype)

    def get_config(self):
        return {}  # Keras 3's Identity keeps no config (a deserialized one has gain 1.0)


def _general_cosine(m, coefficients):
    fac = np.linspace(-np.pi, np.pi, m)
    return sum(a * np.cos(k * fac) for k, a in enumerate(coefficients))


def _triang(m):
    n = np.arange(1, (m + 1) // 2 + 1)
    if m % 2 == 0:
        w = (2 * n - 1.0) / m
        return np.concatenate([w, w[::-1]])
    w = 2 * n / (m + 1.0)
    return np.concatenate([w, w[-2::-1]])


# scipy.signal.get_window's windows without parameters (scipy's formulas; scipy.signal is not imported:
# it would add half a second to `import tapejax`)
_WINDOWS = {
    "hann": lambda m: _general_cosine(m, [0.5, 0.5]),
    "hamming": lambda m: _general_cosine(m, [0.54, 0.46]),
    "blackman": lambda m: _general_cosine(m, [0.42, 0.50, 0.08]),
    "nuttall": lambda m: _general_cosine(m, [0.3635819, 0.4891775, 0.1365995, 0.0106411]),
    "blackmanharris": lambda m: _general_cosine(m, [0.35875, 0.48829, 0.14128, 0.01168]),
    "flattop": lambda m: _general_cosine(m, [0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368]),
    "bartlett": np.bartlett,
    "boxcar": np.ones,
    "triang": _triang,
    "cosine": lambda m: np.sin(np.pi / m * (np.arange(m) + 0.5)),
}
_WINDOW_ALIASES = {"han": "hann", "hamm": "hamming", "ham": "hamming", "black": "blackman", "blk": "blackman",
                   "nutl": "nuttall", "nut": "nuttall", "blackharr": "blackmanharris", "bkh": "blackmanharris",
                   "flat": "flattop", "flt": "flattop", "bart": "bartlett", "brt": "bartlett", "box": "boxcar",
                   "ones": "boxcar", "rect": "boxcar", "rectangular": "boxcar", "triangle": "triang",
                   "tri": "triang", "halfcosine": "cosine"}


def _window(name, length, periodic):
    """scipy.signal.get_window(name, length, fftbins=periodic) for the windows in `_WINDOWS`."""
    key = _WINDOW_ALIASES.get(name, name)
    if key not in _WINDOWS:
        raise ValueError(f"Invalid window name '{name}' in parameter window='{name}'!")
    if length == 1:
        return np.ones(1)
    return _WINDOWS[key](length + 1)[:-1] if periodic else _WINDOWS[key](length)


class STFT(Initializer):
    """Convolution kernels of a short-time Fourier transform (the real or the imaginary part), as
    Keras 3's STFT initializer: shape `(frame_length, 1, fft_length // 2 + 1)`.

    Args:
      side: `"real"` or `"imag"`.
      window: a window name (`"hann"`, `"hamming"`, `"blackman"`, `"bartlett"`, `"boxcar"`, ...), the window's
        values, or None.
      scaling: `"density"` (L2), `"spectrum"` (L1) or None: how the window is normalised.
      periodic: whether a named window is periodic (scipy's `fftbins`).

    Raises:
      ValueError: for another `side` or `scaling`, or a window name scipy does not know.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _window(window, 1, False)
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = _dtypes.as_dtype(dtype or _dtypes.float32)
        frame_length, _, fft_length = (int(d) for d in shape)
        np_dtype = dtype._np
        win, scaling = None, np_dtype.type(1)
        if self.window is not None:
            win = _window(self.window, frame_length, self.periodic) if isinstance(self.window, str) else \
                np.asarray(self.window)
            win = win.astype(np_dtype)
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError(f"The shape of `window` must be equal to [frame_length].Received: "
                                 f"window shape={tuple(win.shape)}")
            win = win.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scaling = np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                scaling = np.sum(np.abs(win))
        freq = np.arange(fft_length, dtype=np_dtype).reshape(1, 1, fft_length) / np_dtype.type((fft_length - 1) * 2)
        time = np.arange(frame_length, dtype=np_dtype).reshape(frame_length, 1, 1)
        args = (np_dtype.type(-2) * time * freq * np.arccos(np_dtype.type(-1))).astype(np_dtype)
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if win is not None:
            kernel = kernel * win / scaling
        return convert_to_tensor(kernel.astype(np_dtype), dtype=dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}


_CLASSES = [Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
            GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, Identity, STFT]
_BY_NAME = {_serialization.snake(cls.__name__): cls for cls in _CLASSES}
# Keras 3's third spellings (IdentityInitializer, OrthogonalInitializer, STFTInitializer), by class name only
_TABLE = {**_serialization.objects_dict([Initializer] + _CLASSES), "IdentityInitializer": Identity,
          "OrthogonalInitializer": Orthogonal, "STFTInitializer": STFT}

# Keras' short aliases
zeros, ones, constant, random_normal, truncated_normal, random_uniform = (
    Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform)
variance_scaling, orthogonal, identity, stft = VarianceScaling, Orthogonal, Identity, STFT
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform = (
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform)


def serialize(initializer):
    """Keras 3's config dict of an initializer:
    `{'module': 'keras.initializers', 'class_name': ..., 'config': ..., 'registered_name': None}`."""
    return _serialization.serialize(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    """An initializer from `serialize`'s dict or a name (`'he_normal'`, `'HeNormal'`)."""
    return _serialization.deserialize(config, _TABLE, "initializer", custom_objects)


def get(identifier):
    """An initializer from None, a name, a config dict, an Initializer (class or instance), or
    a callable `(shape, dtype) -> Tensor`.

    Raises:
      ValueError: for an identifier Keras cannot interpret.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = identifier if identifier in _TABLE else _serialization.snake(identifier)
        if key in _TABLE:
            return _TABLE[key]()
        raise ValueError(f"Could not interpret initializer identifier: {identifier}")
    return _serialization.get(identifier, _TABLE, "initializer")
