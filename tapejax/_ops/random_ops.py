"""`tf.random` on JAX PRNG keys: a global seed plus a call counter, folded in inside one kernel."""

from __future__ import annotations

import functools
import itertools
import os
import threading

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _context, _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._ops import _shapes
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor


class _GlobalSeed:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset(None)

    def reset(self, seed):
        self.seed = seed
        self.base = int.from_bytes(os.urandom(4), "little") if seed is None else int(seed)
        self.counter = 0

    def next(self, op_seed):
        hook = _context.current.rng_hook
        if hook is not None:
            return hook(op_seed)
        with self.lock:
            self.counter += 1
            return np.asarray([self.base & 0xFFFFFFFF, (op_seed or 0) & 0xFFFFFFFF, self.counter],
                              np.uint32)


_global = _GlobalSeed()


def set_seed(seed):
    """Sets the global random seed: later random ops draw a reproducible sequence."""
    _global.reset(seed)


def get_global_generator():
    return Generator.from_seed(_global.base)


def _key_from_words(words):
    key = jax.random.key(words[0])
    key = jax.random.fold_in(key, words[1])
    return jax.random.fold_in(key, words[2])


@functools.partial(jax.jit, static_argnames=("kind", "shape", "dtype"))
def _sample(words, params, kind, shape, dtype):
    key = _key_from_words(words)
    return _draw(key, params, kind, shape, dtype)


def _draw(key, params, kind, shape, dtype):
    if kind == "normal":
        mean, std = params
        return (jax.random.normal(key, shape, dtype) * std + mean).astype(dtype)
    if kind == "truncated_normal":
        mean, std = params
        return (jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype) * std + mean).astype(dtype)
    if kind == "uniform":
        lo, hi = params
        if jnp.issubdtype(dtype, jnp.integer):
            return jax.random.randint(key, shape, lo, hi, dtype)
        return jax.random.uniform(key, shape, dtype, lo, hi)
    raise ValueError(kind)


# Initial values up to this many elements are drawn on the host (see `initial_values`); larger
# ones by the jitted sampler (one program per shape, cheaper than the host's time at that size).
HOST_DRAW_LIMIT = 1 << 20


def _host_draw(words, kind, params, shape, dtype):
    """Samples drawn with NumPy's Philox generator keyed by the three seed words: no XLA program,
    the same values for the same words in every process."""
    w0, w1, w2 = (int(w) for w in np.asarray(words, np.uint64))
    generator = np.random.Generator(np.random.Philox(key=(w0 << 64) | (w1 << 32) | w2))
    dtype = np.dtype(dtype)
    work = dtype if dtype in (np.dtype(np.float32), np.dtype(np.float64)) else np.dtype(np.float32)
    a, b = (work.type(p) for p in params)
    if kind == "uniform":
        values = np.maximum(generator.random(shape, dtype=work) * (b - a) + a, a)
    else:
        values = generator.standard_normal(shape, dtype=work)
        if kind == "truncated_normal":  # redraw beyond two standard deviations, as TF
            outside = np.abs(values) > 2
            while outside.any():
                values[outside] = generator.standard_normal(int(outside.sum()), dtype=work)
                outside = np.abs(values) > 2
        values = values * b + a
    return values.astype(dtype, copy=False)


def initial_values(kind, shape, a, b, dtype=_dtypes.float32, seed=None):
    """A Tensor of `kind` samples ("normal", "truncated_normal" with mean `a` and stddev `b`, or
    "uniform" in [a, b)) for an initial value, as `normal`/`truncated_normal`/`uniform` draw it
    from the global seed, the op seed and the call counter, but without compiling a program per
    shape: up to `HOST_DRAW_LIMIT` floating values are drawn on the host (Philox) and copied to
    the device. Inside a traced function, for other dtypes and for larger shapes, the jitted
    sampler draws them (its stream differs from the host's)."""
    dtype = _dtypes.as_dtype(dtype)
    shape = _shape(shape)
    words = _global.next(seed)
    if (type(words) is np.ndarray and dtype.is_floating and isinstance(a, (int, float))
            and isinstance(b, (int, float)) and int(np.prod(shape, dtype=np.int64)) <= HOST_DRAW_LIMIT):
        return Tensor(jax.device_put(_host_draw(words, kind, (a, b), shape, dtype._np)))
    return Tensor(_sample(words, _params(a, b, dtype), kind, shape, dtype._np))


def _shape(shape):
    return _shapes.dims(shape, "RandomStandardNormal", float_attr="T")


_sample_unchecked = _sample


def _sample(words, params, kind, shape, dtype):  # noqa: F811 - the jitted sampler, memory checked first
    _shapes.check_allocation(shape, dtype, "RandomUniform" if kind == "uniform" else "RandomStandardNormal")
    return _sample_unchecked(words, params, kind, shape, dtype)


def _params(a, b, dtype):
    return (convert_to_tensor(a, dtype=dtype)._value, convert_to_tensor(b, dtype=dtype)._value)


def normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Samples from N(mean, stddev**2), as `tf.random.normal`.

    Args:
      shape: output shape.
      mean, stddev: scalars of `dtype`.
      dtype: a floating dtype.
      seed: optional op seed; combine with `tf.random.set_seed` for reproducibility.

    Returns:
      A Tensor.
    """
    dtype = _dtypes.as_dtype(dtype)
    return Tensor(_sample(_global.next(seed), _params(mean, stddev, dtype), "normal", _shape(shape), dtype._np))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal samples redrawn beyond two standard deviations."""
    dtype = _dtypes.as_dtype(dtype)
    return Tensor(_sample(_global.next(seed), _params(mean, stddev, dtype), "truncated_normal",
                          _shape(shape), dtype._np))


def uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """Samples uniformly from [minval, maxval) (maxval defaults to 1 for floats).

    Raises:
      ValueError: for an integer dtype without `maxval`.
    """
    dtype = _dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    return Tensor(_sample(_global.next(seed), _params(minval, maxval, dtype), "uniform",
                          _shape(shape), dtype._np))


def _stateless_words(seed):
    """The three key words of a stateless op's `seed` (a shape-[2] int Tensor or list)."""
    seed = convert_to_tensor(seed)
    if tuple(seed.shape) != (2,):
        raise InvalidArgumentError(f"seed must have shape [2], not {list(seed.shape)} "
                                   f"[Op:StatelessRandomGetKeyCounter]")
    words = seed._value.astype(jnp.uint32)
    return jnp.concatenate([words, jnp.asarray([0x57A7E], jnp.uint32)])


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None, alg="auto_select"):
    """Samples from N(mean, stddev**2) determined by `seed` alone, as `tf.random.stateless_normal`.

    The same `seed` gives the same values on every call (tapejax's own stream: the numbers differ
    from TF's).
    """
    dtype = _dtypes.as_dtype(dtype)
    return Tensor(_sample(_stateless_words(seed), _params(mean, stddev, dtype), "normal", _shape(shape),
                          dtype._np))


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None,
                               alg="auto_select"):
    """Samples a normal truncated to two standard deviations, determined by `seed` alone."""
    dtype = _dtypes.as_dtype(dtype)
    return Tensor(_sample(_stateless_words(seed), _params(mean, stddev, dtype), "truncated_normal",
                          _shape(shape), dtype._np))


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=_dtypes.float32, name=None,
                      alg="auto_select"):
    """Samples uniformly from [minval, maxval), determined by `seed` alone.

    Raises:
      ValueError: for an integer dtype without `maxval`.
    """
    dtype = _dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    return Tensor(_sample(_stateless_words(seed), _params(minval, maxval, dtype), "uniform", _shape(shape),
                          dtype._np))


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    logits = convert_to_tensor(logits)
    key = _key_from_words(_global.next(seed))
    out = jax.random.categorical(key, logits._value, axis=-1, shape=(num_samples,) + tuple(logits.shape[:-1]))
    return Tensor(jnp.moveaxis(out, 0, -1).astype((_dtypes.as_dtype(dtype) if dtype else _dtypes.int64)._np))


def shuffle(value, seed=None, name=None):
    value = convert_to_tensor(value)
    key = _key_from_words(_global.next(seed))
    return Tensor(jax.random.permutation(key, value._value, axis=0))


class _GeneratorState:
    """A Generator's state as the checkpoint sees a variable: int64 [seed, counter]."""

    _next_id = itertools.count(1)

    def __init__(self, generator):
        self._generator = generator
        self._id = ("generator", next(self._next_id))
        self.shape = (2,)
        self.dtype = _dtypes.int64
        self.name = self.path = "state"

    def numpy(self):
        g = self._generator
        with g._lock:
            return np.asarray([g._seed, g._counter], np.int64)

    def assign(self, value):
        g = self._generator
        seed, counter = (int(v) for v in np.asarray(value))
        with g._lock:
            g._seed, g._counter = seed, counter


class Generator:
    """A random-number generator with its own state, as `tf.random.Generator`.

    Create with `Generator.from_seed(seed)`; each call advances the state.
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        self._seed = 0 if state is None else int(np.asarray(state).ravel()[0])
        self._counter = 0
        self._lock = threading.Lock()

    @classmethod
    def from_seed(cls, seed, alg=None):
        return cls(state=[int(seed)])

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        return cls(state=[int.from_bytes(os.urandom(4), "little")])

    def _words(self):
        with self._lock:
            self._counter += 1
            return np.asarray([self._seed & 0xFFFFFFFF, 0x5EED, self._counter], np.uint32)

    def reset_from_seed(self, seed):
        self._seed, self._counter = int(seed), 0

    def _checkpoint_value(self):
        """The state as a saveable value (for `tf.train.Checkpoint(generator=g)`)."""
        return _GeneratorState(self)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None):
        dtype = _dtypes.as_dtype(dtype)
        return Tensor(_sample(self._words(), _params(mean, stddev, dtype), "normal", _shape(shape), dtype._np))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None):
        dtype = _dtypes.as_dtype(dtype)
        return Tensor(_sample(self._words(), _params(mean, stddev, dtype), "truncated_normal",
                              _shape(shape), dtype._np))

    def uniform(self, shape, minval=0, maxval=None, dtype=_dtypes.float32, name=None):
        dtype = _dtypes.as_dtype(dtype)
        if maxval is None:
            if dtype.is_integer:
                raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
            maxval = 1
        return Tensor(_sample(self._words(), _params(minval, maxval, dtype), "uniform",
                              _shape(shape), dtype._np))

    def split(self, count=1):
        return [Generator(state=[(self._seed * 1000003 + i + 1 + self._counter) & 0x7FFFFFFF])
                for i in range(count)]
