"""The one dispatch path: unwrap inputs, run the op's cached jitted kernel, wrap, record.

An `Op` is a row of an op table: TF's op name, a pure JAX function of arrays with keyword
attributes, and whether it has a gradient (ops without one, like `floor` or `argmax`, give `None`
gradients as in TF). Kernels are `jax.jit`-compiled once per attribute tuple and cached on the row.
"""

from __future__ import annotations

import functools
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _cache, _context, _explain, _lazy, _record, _string_trace, _trace_graph
from tapejax._errors import InvalidArgumentError, call_site, from_runtime_error
from tapejax._lazy import Pending
from tapejax._tensor import SymbolicStrings, Tensor

MAX_KERNELS_PER_OP = 512

_state = _context.current  # this thread's; read once per op
_settings = _context.settings
_record_all = _record.record_all
_Recorder = _record._Recorder
_ArrayImpl = _lazy.ArrayImpl

# String tensors hold NumPy object arrays, which JAX refuses at the call boundary (before tracing):
# an op meeting one runs here instead, from this table of NumPy kernels with the op row's signature
# (TF op name -> fn(*arrays, **attrs)), filled by `string_ops`. The numeric path pays nothing.
HOST_KERNELS = {}

_ALL_OPS = weakref.WeakSet()  # every op row, whose jitted kernels `tapejax.clear_caches` drops


@_cache.register
def _clear_kernels():
    for op in list(_ALL_OPS):
        op.kernels.clear()


class Op:
    """An op-table row.

    Args:
      name: TF's op name (used in error messages, e.g. `AddV2`).
      fn: pure JAX function `fn(*arrays, **attrs)`, returning an array or a tuple of arrays.
      differentiable: False for ops TF registers no gradient for (their outputs are not traced).
      multi: True when `fn` returns a tuple of outputs.
    """

    __slots__ = ("name", "fn", "differentiable", "multi", "kernels", "__weakref__")

    def __init__(self, name, fn, differentiable=True, multi=False):
        self.name = name
        self.fn = fn
        self.differentiable = differentiable
        self.multi = multi
        self.kernels = {}
        _ALL_OPS.add(self)

    def kernel(self, attrs):
        found = self.kernels.get(attrs)
        if found is None:
            if len(self.kernels) >= MAX_KERNELS_PER_OP:  # e.g. reshape to ever new shapes
                _cache.note_eviction(len(self.kernels))
                self.kernels.clear()
            bound = functools.partial(self.fn, **dict(attrs)) if attrs else self.fn
            found = self.kernels[attrs] = jax.jit(bound)
            found._tapejax_op = self.name  # named in errors of programs that run it (see _lazy)
        return found

    def __repr__(self):
        return f"Op({self.name})"


def apply(op, inputs, attrs=()):
    """Runs `op` on `inputs` (Tensors and Variables) with static `attrs` (a tuple of pairs).

    Returns:
      A Tensor, or a list of Tensors for multi-output ops.
    """
    kernel = op.kernels.get(attrs)
    if kernel is None:
        kernel = op.kernel(attrs)
    if _lazy.deferring():
        if _state.recording:
            if op.differentiable:
                result = _apply_deferred(op, kernel, inputs, attrs)
                if result is not None:
                    if _settings.explain:
                        _explain.note_op(op, inputs, result)
                    return result
        else:
            values = _on_gradients(inputs)
            if values is not None:  # one op on gradients outside a tape: deferred one step
                _, outputs = _deferred(op, kernel, (op, attrs), values)
                return outputs if op.multi else outputs[0]
    values = [x._value for x in inputs]
    folded = False
    try:
        if _context.current.read_hook is not None and _foldable(values):
            folded = True
            with jax.ensure_compile_time_eval():  # constants inside a trace stay constants (see below)
                out = kernel(*values)
        else:
            out = kernel(*values)
    except (TypeError, ValueError) as err:  # JAX's shape/type errors: TF raises InvalidArgumentError
        if _on_host(values, attrs):
            return _apply_host(op, values, attrs)
        raise _invalid_argument(op, values, err) from None
    except jax.errors.JaxRuntimeError as err:  # out of memory: TF's ResourceExhaustedError
        translated = from_runtime_error(err)
        if translated is None:
            raise
        raise translated from err
    if op.multi:
        outputs = [Tensor(o) for o in out]
        result = outputs
    else:
        result = Tensor(out)
        outputs = (result,)
    graph = _state.trace_graph
    if graph is not None:  # inside a tapejax.function trace: recorded, with TF's op names
        _trace_graph.note_op(graph, op.name, kernel, inputs, values, out, op.multi, folded, outputs)
    if _state.recording:
        _record_all(kernel if op.differentiable else None, (op, attrs), inputs, values, outputs)
    if _settings.explain:
        _explain.note_op(op, inputs, result)
    return result


MAX_FOLDED_ELEMENTS = 1024


def _foldable(values):
    """Inside a trace, an op whose inputs are all small constants is computed now, so shapes made
    from them stay Python-usable (`tf.zeros([tf.shape(x)[0], 3])`, TF's constant folding of
    shapes); large results are left to XLA."""
    total = 0
    for value in values:
        if isinstance(value, jax.core.Tracer) or not hasattr(value, "size"):
            return False
        total += value.size
    return total <= MAX_FOLDED_ELEMENTS


def _on_host(values, attrs):
    """Whether an op is on string tensors (an input, or a cast to tf.string)."""
    return any((type(v) is np.ndarray and v.dtype.kind == "O") or type(v) is SymbolicStrings for v in values) \
        or any(isinstance(a, np.dtype) and a.kind == "O" for _, a in attrs)


def _apply_host(op, values, attrs):
    """Runs `op` on string tensors with its NumPy kernel; never recorded (strings have no gradient).

    Raises:
      InvalidArgumentError: for an op TF does not define on strings (TF's message).
    """
    fn = HOST_KERNELS.get(op.name)
    if fn is None:
        raise InvalidArgumentError(
            f"Value for attr 'T' of string is not in the list of allowed values\n\t; NodeDef: "
            f"{{{{node {op.name}}}}} [Op:{op.name}] name: \ntapejax: {op.name} does not take string "
            f"tensors; use the tf.strings ops (tf.strings.to_number to parse numbers).")
    if any(_string_trace.symbolic(v) for v in values):  # inside a trace: run when the function runs
        out = _string_trace.host_op(fn, values, attrs, op.multi, op.name)
        return [Tensor(o) for o in out] if op.multi else Tensor(out)
    out = fn(*[v if type(v) is np.ndarray else np.asarray(v) for v in values], **dict(attrs))
    if op.multi:
        return [_host_tensor(o) for o in out]
    return _host_tensor(out)


def _host_tensor(array):
    array = np.asarray(array)
    return Tensor(array if array.dtype.kind == "O" else jnp.asarray(array))


def _apply_deferred(op, kernel, inputs, attrs):
    """Records `op` with deferred outputs (see `_lazy`); None where it must run now instead.

    It runs now inside a JAX trace (tracer inputs), under a forward accumulator (it needs values),
    and when no tape tracks an input (nothing would fuse it).
    """
    recording = _state.recording
    for recorder in recording:
        if type(recorder) is not _Recorder:
            return None
    if _context.current.read_hook is not None:  # tracing a function or collecting reads: values now
        return None
    values = []
    for x in inputs:
        value = x._v
        if type(value) is not _ArrayImpl and type(value) is not Pending:
            return None
        values.append(value)
    key = (op, attrs)
    if len(recording) == 1:  # the common case: the tape's structure gives the output shapes
        try:
            outputs = recording[0].record_deferred(kernel, key, inputs, values, op.multi)
        except (TypeError, ValueError) as err:
            raise _invalid_argument(op, values, err) from None
        if outputs is not None:
            return outputs if op.multi else outputs[0]
        return _run_now(op, kernel, values)
    node, outputs = _deferred(op, kernel, key, values)
    if not _record_all(kernel, key, inputs, values, outputs):  # no tape tracks it: run it now
        if any(type(v) is Pending for v in values):
            _lazy.force([node])
            results = node.results
        else:
            out = kernel(*values)
            results = out if op.multi else (out,)
        for out, value in zip(outputs, results):
            out._v = value
    return outputs if op.multi else outputs[0]


def _run_now(op, kernel, values):
    """Runs `op` on `values` (arrays or deferred values) now, unrecorded."""
    if any(type(v) is Pending for v in values):
        values = _lazy.resolve_all(values)
    try:
        out = kernel(*values)
    except (TypeError, ValueError) as err:
        raise _invalid_argument(op, values, err) from None
    return [Tensor(o) for o in out] if op.multi else Tensor(out)


def _on_gradients(inputs):
    """The input values when one is a gradient `tape.gradient` returned and the others are
    computed values (the op is then deferred, to fuse into a following assign_add/sub), else None."""
    values = []
    found = False
    for x in inputs:
        value = x._v
        if type(value) is Pending:
            if not value.node.gradient:
                return None
            found = True
        elif type(value) is not _ArrayImpl:
            return None
        values.append(value)
    return values if found else None


def _deferred(op, kernel, key, values):
    """A Node for `kernel(*values)` and its output Tensors, whose shapes and dtypes are known now.

    Raises:
      InvalidArgumentError: where the kernel rejects these shapes or dtypes (as running it would).
    """
    try:
        avals = _lazy.output_avals(kernel, key, values, op.multi)
    except (TypeError, ValueError) as err:
        raise _invalid_argument(op, values, err) from None
    node = _lazy.Node(kernel, key, values, op.multi)
    return node, [Tensor(p) for p in _lazy.outputs_of(node, avals, call_site(3))]  # from the op function up


def _invalid_argument(op, values, err):
    message = str(err).split("\n")[0]
    if "ncompatible shapes for broadcasting" in message or "incompatible shapes" in message:
        shapes = " vs. ".join("[" + ",".join(map(str, v.shape)) + "]" for v in values)
        first = f"Incompatible shapes: {shapes} [Op:{op.name}] name: "
    else:
        first = f"{message} [Op:{op.name}]"
    return InvalidArgumentError(f"{first}\ntapejax: the inputs of {op.name} have incompatible shapes or "
                                f"values ({message}).")


def apply_raw(op, values, attrs=()):
    """Runs `op`'s kernel on raw arrays (no tape), for ops on plain values."""
    return op.kernel(attrs)(*values)
