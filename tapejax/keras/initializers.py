"""Keras initializers by name (`glorot_uniform`, `he_normal`, `zeros`, ...)."""

from __future__ import annotations

import math

from tapejax import _dtypes
from tapejax._ops import array_ops, random_ops
from tapejax._ops._convert import convert_to_tensor


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


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return array_ops.zeros(shape, dtype or _dtypes.float32)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return array_ops.ones(shape, dtype or _dtypes.float32)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return array_ops.fill(shape, _dtypes.as_dtype(dtype or _dtypes.float32).as_numpy_dtype(self.value))


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return random_ops.normal(shape, self.mean, self.stddev, dtype or _dtypes.float32, seed=self.seed)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return random_ops.uniform(shape, self.minval, self.maxval, dtype or _dtypes.float32, seed=self.seed)


class VarianceScaling(Initializer):
    """Samples scaled by fan-in/fan-out, as Keras' VarianceScaling."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, n)
        dtype = dtype or _dtypes.float32
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            return random_ops.uniform(shape, -limit, limit, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.normal(shape, 0.0, math.sqrt(var), dtype, seed=self.seed)
        return random_ops.truncated_normal(shape, 0.0, math.sqrt(var) / 0.87962566103423978, dtype,
                                           seed=self.seed)


def GlorotUniform(seed=None):  # noqa: N802 - Keras' name
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def GlorotNormal(seed=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed)


def HeNormal(seed=None):  # noqa: N802
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def HeUniform(seed=None):  # noqa: N802
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def LecunNormal(seed=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def LecunUniform(seed=None):  # noqa: N802
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times `gain`
    (Keras 3's recipe; the default `recurrent_initializer` of recurrent layers)."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        import numpy as np
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = dtype or _dtypes.float32
        rows, cols = math.prod(shape[:-1]), shape[-1]
        sample = random_ops.normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, dtype,
                                   seed=self.seed).numpy()
        q, r = np.linalg.qr(sample)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return convert_to_tensor((self.gain * q).reshape(shape).astype(
            _dtypes.as_dtype(dtype)._np))


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform, "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal,
}


def get(identifier):
    """An initializer from a name, an Initializer, or a callable `(shape, dtype) -> Tensor`.

    Raises:
      ValueError: for an unknown name.
    """
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else \
            "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key in _BY_NAME:
            return _BY_NAME[key]()
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
