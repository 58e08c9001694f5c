"""`keras.random`: seeded random ops, as Keras 3 with its TensorFlow backend.

A `seed` is an int (the same numbers on every call), a `SeedGenerator` (its state variable moves
on at each draw, so successive calls differ but a new generator with the same seed repeats
them, inside `tf.function` too) or None (a global generator). Each op is the matching stateless
op of `tf.random` on the drawn seed, so the numbers are tapejax's stream, not TF's.
"""

from __future__ import annotations

import random as python_random

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes
from tapejax._ops import array_ops, math_ops, random_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax.keras import _config
from tapejax.keras._variables import KerasVariable

__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "dropout",
           "shuffle", "categorical"]

_name_counts = {}


def _auto_name(base):
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


class SeedGenerator:
    """A random seed that moves on at each draw: pass it as the `seed` of `keras.random` ops.

    Args:
      seed: the initial int seed (default: a random one).
      name: the generator's name (default `seed_generator`, `seed_generator_1`, ...).

    Raises:
      ValueError: for a non-int seed or an unknown keyword argument.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else _auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _make_default_seed()
        if not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.state = KerasVariable(np.asarray([seed, 0], np.int64), dtype=_dtypes.int64,
                                   trainable=False, name="seed_generator_state",
                                   path=f"{self.name}/seed_generator_state")

    def next(self, ordered=True):
        """The current seed (a shape-[2] int64 Tensor); moves the state on."""
        value = convert_to_tensor(self.state) * 1
        if ordered:
            self.state.assign(value + np.asarray([0, 1], np.int64))
        else:
            self.state.assign((value + 1) * 5387 % 933199)
        return value

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_global_generator = None


def _make_default_seed():
    return python_random.randint(1, int(1e9))


def draw_seed(seed):
    """The shape-[2] seed an op uses: from a SeedGenerator, an int, or the global generator."""
    global _global_generator
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, int) and not isinstance(seed, bool):
        return convert_to_tensor(np.asarray([seed, 0], np.int64))
    if seed is None:
        if _global_generator is None:
            _global_generator = SeedGenerator()
        return _global_generator.next(ordered=False)
    raise ValueError(f"Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")


def _seed(seed):
    # Keras' TF backend folds an int64 seed into int32 before the stateless op
    return math_ops.cast(draw_seed(seed) % (2**31 - 2), _dtypes.int32)


def _dtype(dtype):
    return _dtypes.as_dtype(dtype or _config.floatx())


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev**2).

    Args:
      shape: the output shape.
      mean, stddev: the distribution's mean and standard deviation.
      dtype: a float dtype (default `keras.config.floatx()`).
      seed: an int, a `SeedGenerator` or None.

    Returns:
      A Tensor.
    """
    return random_ops.stateless_normal(shape, _seed(seed), mean, stddev, _dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniformly from [minval, maxval) (see `normal` for the arguments)."""
    dtype = _dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"`keras.random.uniform` requires a floating point `dtype`. Received: "
                         f"dtype={dtype.name} ")
    return random_ops.stateless_uniform(shape, _seed(seed), minval, maxval, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples a normal truncated to two standard deviations (see `normal`)."""
    return random_ops.stateless_truncated_normal(shape, _seed(seed), mean, stddev, _dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Samples integers uniformly from [minval, maxval).

    Returns:
      A Tensor of `dtype` (default int32).
    """
    dtype = _dtypes.as_dtype(dtype)
    inner = dtype if dtype in (_dtypes.int32, _dtypes.int64) else _dtypes.int64
    out = random_ops.stateless_uniform(shape, _seed(seed), minval, maxval, inner)
    return out if inner == dtype else math_ops.cast(out, dtype)


def _key(seed):
    return random_ops._key_from_words(random_ops._stateless_words(_seed(seed)))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws `num_samples` class indices per row of the 2-D `logits`.

    Returns:
      A `[batch, num_samples]` Tensor of `dtype` (default int32).
    """
    given, logits = logits, convert_to_tensor(logits)
    if len(logits.shape) != 2:
        raise ValueError(f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits={given}")
    out = jax.random.categorical(_key(seed), logits._value, axis=-1,
                                 shape=(int(num_samples), int(logits.shape[0])))
    return Tensor(jnp.transpose(out).astype(_dtypes.as_dtype(dtype)._np))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry with probability `rate` and scales the rest by `1 / (1 - rate)`;
    `noise_shape` (None entries take the input's size) broadcasts one draw over axes."""
    if rate == 0.0:  # Keras returns the input itself, whatever its type
        return inputs
    inputs = convert_to_tensor(inputs)
    if rate == 1.0:
        return array_ops.zeros_like(inputs)
    if noise_shape is None:
        noise_shape = tuple(inputs.shape)
    else:
        noise_shape = tuple(inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = random_ops.stateless_uniform(noise_shape, _seed(seed), dtype=inputs.dtype) >= rate
    return inputs / (1.0 - rate) * math_ops.cast(keep, inputs.dtype)


def shuffle(x, axis=0, seed=None):
    """A random permutation of `x` along `axis`."""
    x = convert_to_tensor(x)
    order = array_ops.argsort(random_ops.stateless_uniform((int(x.shape[axis]),), _seed(seed)))
    return array_ops.gather(x, order, axis=axis)
