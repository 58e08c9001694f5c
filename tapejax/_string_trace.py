"""String Tensors inside `tapejax.function`: symbolic strings carried through `jax.jit` as handles.

TF traces a string Tensor argument by its shape and dtype, like a numeric one: one trace serves
every value (`f(tf.constant("a"))` then `f(tf.constant("b"))` trace once), and the string ops run
when the function is called. `jax.jit` carries only numeric arrays, and tapejax's strings are host
NumPy object arrays, so inside a trace a string whose value is not known yet (an argument, or what
a string op makes of one) holds a `_tensor.SymbolicStrings`: an int64 array of its shape holding *handles*.
A handle names one `bytes` object in a host `Pool` (`pool id << 32 | index`).

- A call of a function that uses strings puts its string arguments in a fresh pool, passes their
  handles, waits for its results and reads its string results from the pool. Such calls run one at
  a time (the pool that string ops add to is the call's).
- A string op with a symbolic input (a string one, or a traced number such as `as_string(x)`) runs
  on the host when the function runs, as a `jax.pure_callback` of its NumPy kernel: it reads its
  inputs' strings and adds the strings it makes to the call's pool. Its result shapes and dtypes are
  found at trace time by running the kernel on placeholder strings (every TF string op with a
  static result shape gives the same shape for any strings).
- An op whose result shape depends on the strings' values (`tf.strings.split` of a traced string)
  cannot be compiled with static shapes: the function runs as Python from then on (with a warning).

Strings have no gradient (TF registers none); numbers computed from strings are constants to tapes.
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import weakref

import jax
import numpy as np

from tapejax._tensor import SymbolicStrings, Tensor

_pools = {}  # pool id -> list of bytes
_next_pool = itertools.count(1).__next__
_alloc_lock = threading.Lock()
_call_lock = threading.RLock()
_current = [None]  # the pool of the string call running now
_loose = collections.deque(maxlen=4096)  # pools made outside a call (a tape's backward rerun)
_failures = collections.deque(maxlen=64)  # exceptions string kernels raised inside compiled calls
_created = threading.local()  # callbacks made by the trace running on this thread
_INDEX_BITS = 32
_INDEX_MASK = (1 << _INDEX_BITS) - 1
_PLACEHOLDERS = (b"0", b"0" * 256)
# tf.strings ops whose result shape depends on the strings' values (one more dimension, or pieces)
_VALUE_SHAPED = {"split", "bytes_split", "unicode_split", "unicode_decode", "decode_raw"}


class Pool:
    """The strings of one call (or one trace's constants); freed with the object."""

    def __init__(self):
        self.id = _next_pool()
        self.strings = _pools[self.id] = []
        weakref.finalize(self, _pools.pop, self.id, None)

    def encode(self, array):
        return _encode_into(self.id, self.strings, np.asarray(array, dtype=object))


def _encode_into(pool_id, strings, array):
    flat = array.reshape(-1)
    with _alloc_lock:
        start = len(strings)
        strings.extend(flat.tolist())
    base = (pool_id << _INDEX_BITS) + start
    return np.arange(base, base + flat.size, dtype=np.int64).reshape(array.shape)


def decode(handles):
    """The object array of bytes that `handles` (a host int64 array) name."""
    handles = np.asarray(handles)
    out = np.empty(handles.size, dtype=object)
    out[:] = [_pools[h >> _INDEX_BITS][h & _INDEX_MASK] for h in handles.reshape(-1).tolist()]
    return out.reshape(handles.shape)


def _pool_for(inputs):
    """Where a kernel's new strings go: the call's pool, else its first string input's."""
    current = _current[0]
    if current is not None:
        return current.id, current.strings
    for handles in inputs:
        if handles.size:
            pool_id = int(handles.reshape(-1)[0]) >> _INDEX_BITS
            return pool_id, _pools[pool_id]
    pool = Pool()
    _loose.append(pool)
    return pool.id, pool.strings


def symbolic(value):
    """Whether a Tensor's value is not known on the host now (a tracer or symbolic strings)."""
    return type(value) is SymbolicStrings or isinstance(value, jax.core.Tracer)


def note_trace_start():
    _created.count = 0


def traced_callbacks():
    """How many string callbacks the trace on this thread has made since `note_trace_start`."""
    return getattr(_created, "count", 0)


class StringFallback(Exception):
    """A string op whose result shape depends on the strings: the function runs as Python."""

    def __init__(self, what):
        super().__init__(what)
        self.what = what


def _placeholder(value, text):
    if type(value) is SymbolicStrings:
        out = np.empty(value.shape, dtype=object)
        out[...] = text
        return out
    return np.zeros(value.shape, value.dtype)


def _host_run(kernel, result_arrays, values, dynamic):
    """`result_arrays(kernel(values))` at trace time, on placeholders for the symbolic values."""
    first = None
    for text in _PLACEHOLDERS:
        trial = list(values)
        for i in dynamic:
            trial[i] = _placeholder(values[i], text)
        try:
            with jax.ensure_compile_time_eval():  # host values, not staged into the trace
                out = kernel(trial)
                return result_arrays(out)
        except StringFallback:
            raise
        except Exception as err:  # noqa: BLE001 - a placeholder may not suit the op: try the next
            if first is None:
                first = err
    raise first


def host_call(kernel, values, wrap_input, result_arrays, what):
    """Runs the host `kernel` over `values` with symbolic ones among them, at call time.

    Args:
      kernel: `kernel(list of inputs) -> results`, computed on the host.
      values: the inputs: host values, tracers and `SymbolicStrings`.
      wrap_input: `wrap_input(array) -> input` for the kernel (an object or numeric NumPy array).
      result_arrays: `result_arrays(results) -> (list of NumPy arrays, rebuild)`; `rebuild(list of
        values)` builds the results from traced values (`SymbolicStrings` for strings).
      what: the op's name, for errors.

    Returns:
      The results, with traced values.
    """
    dynamic = [i for i, v in enumerate(values) if symbolic(v)]
    is_string = [type(values[i]) is SymbolicStrings for i in dynamic]

    def run(inputs):
        return kernel([wrap_input(v) for v in inputs])

    example, rebuild = _host_run(run, result_arrays, values, dynamic)
    shapes = [jax.ShapeDtypeStruct(a.shape, np.int64 if a.dtype.kind == "O" else a.dtype) for a in example]

    def callback(*arrays):
        try:
            inputs = list(values)
            string_handles = []
            for i, strings, array in zip(dynamic, is_string, arrays):
                if strings:
                    string_handles.append(array)
                    inputs[i] = decode(array)
                else:
                    inputs[i] = np.asarray(array)
            outputs, _ = result_arrays(run(inputs))
            pool_id, strings = None, None
            encoded = []
            for out, shape in zip(outputs, shapes):
                out = np.asarray(out)
                if out.shape != shape.shape:
                    raise ValueError(f"{what}: the result's shape {out.shape} depends on the strings' "
                                     f"values (traced as {shape.shape}).")
                if out.dtype.kind == "O":
                    if pool_id is None:
                        pool_id, strings = _pool_for(string_handles)
                    encoded.append(_encode_into(pool_id, strings, out))
                else:
                    encoded.append(out.astype(shape.dtype, copy=False))
            return tuple(encoded)
        except Exception as err:
            _failures.append(err)
            raise

    operands = []
    for i in dynamic:
        value = values[i]
        if type(value) is SymbolicStrings:
            operands.append(value.handles)
        else:  # strings have no gradient: neither do the numbers a string op reads
            operands.append(jax.lax.stop_gradient(value))
    _created.count = traced_callbacks() + 1
    outs = jax.pure_callback(callback, tuple(shapes), *operands, vmap_method="sequential")
    return rebuild([SymbolicStrings(o) if e.dtype.kind == "O" else o for o, e in zip(outs, example)])


class _QuietFailures(logging.Filter):
    """Drops JAX's "jax.pure_callback failed" traceback for a string kernel's error (re-raised)."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or not any(exc is f for f in _failures)


logging.getLogger("jax._src.callback").addFilter(_QuietFailures())


def reraise_failure(err):
    """Raises the exception a string kernel raised inside the compiled call that failed with `err`."""
    text = str(err)
    for exc in reversed(list(_failures)):
        if str(exc) in text:
            _failures.clear()
            raise exc from None


class CallScope:
    """One call of a function that uses strings: its pool, current while the call runs."""

    def __init__(self):
        self.pool = Pool()

    def __enter__(self):
        _call_lock.acquire()
        self._outer, _current[0] = _current[0], self.pool
        return self.pool

    def __exit__(self, *exc):
        _current[0] = self._outer
        _call_lock.release()
        return False


def host_op(fn, values, attrs, multi, name):
    """A string op-table row's NumPy kernel `fn` on inputs among which some are symbolic.

    Returns:
      The output value (a `SymbolicStrings` or a traced numeric array), or a list for `multi`.
    """
    def kernel(inputs):
        return fn(*inputs, **dict(attrs))

    def result_arrays(out):
        arrays = [np.asarray(o) for o in (out if multi else (out,))]
        return arrays, (lambda traced: list(traced) if multi else traced[0])

    return host_call(kernel, values, np.asarray, result_arrays, name)


def _tensor_leaves(value, found):
    if type(value) is Tensor:
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _tensor_leaves(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _tensor_leaves(item, found)
    return found


def _replace(value, new):
    """`value` with each Tensor leaf replaced by `new[id(leaf)]`."""
    if type(value) is Tensor:
        return new.get(id(value), value)
    if isinstance(value, (list, tuple)):
        items = [_replace(item, new) for item in value]
        return type(value)(items) if type(value) in (list, tuple) else type(value)(*items)
    if isinstance(value, dict):
        return {k: _replace(item, new) for k, item in value.items()}
    return value


def traced(fn):
    """Wraps a `tf.strings` function so that it runs at call time on symbolic Tensor inputs (the
    whole function, on the host, inside one callback); with host inputs it runs as it is."""
    def wrapper(*args, **kwargs):
        tensors = _tensor_leaves((args, kwargs), [])
        dynamic = [t for t in tensors if symbolic(t._v)]
        if not dynamic:
            return fn(*args, **kwargs)
        if fn.__name__ in _VALUE_SHAPED:
            raise StringFallback(f"tf.strings.{fn.__name__} of a traced Tensor (its result's shape "
                                 f"depends on the strings)")
        values = [t._v for t in dynamic]

        def kernel(inputs):
            new = {id(t): v for t, v in zip(dynamic, inputs)}
            call_args, call_kwargs = _replace((args, kwargs), new)
            return fn(*call_args, **call_kwargs)

        def result_arrays(out):
            leaves = _tensor_leaves(out, [])
            if type(out) is not Tensor and not (isinstance(out, (list, tuple)) and all(
                    type(x) is Tensor for x in out)):
                raise StringFallback(f"{fn.__name__} of a traced string Tensor (its result, "
                                     f"{type(out).__name__}, has a shape that depends on the strings)")
            arrays = [np.asarray(t._value) for t in leaves]

            def rebuild(traced_values):
                wrapped = [Tensor(v) for v in traced_values]
                return wrapped[0] if type(out) is Tensor else type(out)(wrapped)
            return arrays, rebuild

        return host_call(kernel, values, _as_input, result_arrays, fn.__name__)

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _as_input(array):
    """A Tensor of a host array, as a kernel's input."""
    array = np.asarray(array)
    return Tensor(array if array.dtype.kind == "O" else jax.numpy.asarray(array))
