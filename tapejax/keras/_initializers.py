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


def _fans(shape):
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
        if input_axes is not None or output_axes is not None:
            raise NotImplementedError("tapejax's VarianceScaling computes the fans from the last "
                                      "two axes only; `input_axes`/`output_axes` must be None.")
        self.seed, self.scale, self.mode, self.distribution = seed, scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape)
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


_CLASSES = [Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
            GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal]
_BY_NAME = {_serialization.snake(cls.__name__): cls for cls in _CLASSES}
_TABLE = _serialization.objects_dict([Initializer] + _CLASSES)

# Keras' short aliases
zeros, ones, constant, random_normal, truncated_normal, random_uniform = (
    Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform)
variance_scaling, orthogonal = VarianceScaling, Orthogonal
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
