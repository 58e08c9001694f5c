"""`tf.autodiff.ForwardAccumulator`: forward-mode autodiff with `jax.jvp` per executed op.

An accumulator sits on the same thread-local stack as the tapes. For every differentiable op run
while it is active, if an input has a tangent it computes the outputs' tangents with a cached,
jitted `jax.jvp` of the op's function, and records that tangent computation on the tapes and
accumulators entered before it, so they can differentiate it (backward-over-forward, nesting).
A composite op (custom_gradient, recompute_grad) gives its tangents through its `forward_fn`: TF's
forward mode follows the ops the user's function ran, never its grad_fn.
"""

from __future__ import annotations

import collections
import functools

import jax

from tapejax import _composite, _context, _nest, _record
from tapejax._dtypes import DIFFERENTIABLE_DTYPES
from tapejax._errors import user_line, warn_first_n
from tapejax._gradient import UnconnectedGradients
from tapejax._ops import array_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable

_JVP_CACHE_LIMIT = 512
_jvp_programs = collections.OrderedDict()


def _jvp_program(fn, key, mask):
    """A jitted `(values, tangents) -> output tangents` for one op and one tangent pattern."""
    cache_key = (key, mask)
    found = _jvp_programs.get(cache_key)
    if found is not None:
        return found
    positions = [i for i, m in enumerate(mask) if m]

    def tangents_of(values, tangents):
        def on_tracked(*tracked):
            full = list(values)
            for i, v in zip(positions, tracked):
                full[i] = v
            return fn(*full)

        with _record.suspended(), _composite.primal_ops():
            _, out = jax.jvp(on_tracked, [values[i] for i in positions], list(tangents))
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)

    found = jax.jit(tangents_of)
    _jvp_programs[cache_key] = found
    if len(_jvp_programs) > _JVP_CACHE_LIMIT:
        _jvp_programs.popitem(last=False)
    return found


class ForwardAccumulator:
    """Computes Jacobian-vector products with forward-mode autodiff, as `tf.autodiff.ForwardAccumulator`.

    Args:
      primals: a Tensor or Variable, or a nest of them, to differentiate with respect to.
      tangents: the same nest of tangents (converted to each primal's dtype).

    Raises:
      ValueError: if the nests differ or a primal is given twice.
    """

    def __init__(self, primals, tangents):
        flat_primals = _nest.flatten(primals)
        _nest.assert_same_structure(primals, tangents)
        flat_tangents = _nest.flatten(tangents)
        self._tangents = {}
        self._misshapen = {}  # primal id -> (tangent shape, primal shape), raised on first use
        seen = set()
        for p, t in zip(flat_primals, flat_tangents):
            if not isinstance(p, (Tensor, Variable)):
                p = convert_to_tensor(p)
            if p._id in seen:
                raise ValueError(
                    "Tensor {} was specified as a primal multiple times. This may indicate an error. "
                    "If it was intended, please sum the corresponding tangents.")
            seen.add(p._id)
            if isinstance(t, (Tensor, Variable)) and t.dtype != p.dtype:
                raise ValueError(f"Tensor conversion requested dtype {p.dtype.name} for Tensor with "
                                 f"dtype {t.dtype.name}: {t!r}")
            tangent = convert_to_tensor(t, dtype=p.dtype)
            if p._v.dtype not in DIFFERENTIABLE_DTYPES:
                warn_first_n(5, "The dtype of the watched primal must be floating (e.g. tf.float32), "
                                f"got {p.dtype!r}")
                continue
            self._tangents[p._id] = tangent
            if tuple(tangent.shape) != tuple(p.shape):
                self._misshapen[p._id] = (tuple(tangent.shape), tuple(p.shape))
        self._recording = False

    def __enter__(self):
        if self._recording:
            raise ValueError("Accumulator is already recording.")
        _context.current.recording.append(self)
        self._recording = True
        return self

    def __exit__(self, typ, value, traceback):
        if self._recording:
            stack = _context.current.recording
            for i in range(len(stack) - 1, -1, -1):
                if stack[i] is self:
                    del stack[i]
                    break
            self._recording = False

    # The recorder protocol (see _record.record_all).
    watch_accessed_variables = False

    def record(self, fn, key, inputs, values, outputs):
        if fn is None:
            return False
        tangents = self._tangents
        found = [None if x is None else tangents.get(x._id) for x in inputs]
        if all(t is None for t in found):
            return False
        if self._misshapen:
            self._check_shapes(inputs)
        mask = tuple(t is not None for t in found)
        program = _jvp_program(getattr(fn, "forward_fn", fn), key, mask)
        tangent_tensors = [t for t in found if t is not None]
        tangent_values = [t._value for t in tangent_tensors]
        out_tangents = program(list(values), tangent_values)
        new = []
        for out, tangent in zip(outputs, out_tangents):
            if out._v.dtype in DIFFERENTIABLE_DTYPES:
                t = Tensor(tangent)
                tangents[out._id] = t
                new.append(t)
        stack = _context.current.recording
        outer = stack[:stack.index(self)] if self in stack else []
        if outer and new:
            n = len(values)
            op = functools.partial(_tangent_op, program, n)
            for recorder in outer:
                recorder.record(op, ("jvp", key, mask), list(inputs) + tangent_tensors,
                                list(values) + tangent_values, new)
        return True

    def _check_shapes(self, inputs):
        for x in inputs:
            shapes = None if x is None else self._misshapen.get(x._id)
            if shapes is not None:
                raise ValueError(_shape_mismatch_message(*shapes))

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The tangents of `primals` (a Tensor or nest): the JVPs computed so far.

        Args:
          primals: tensors computed while the accumulator was active (or the watched primals).
          unconnected_gradients: NONE (default) gives None for untracked tensors; ZERO gives zeros.

        Returns:
          Tangents in the structure of `primals`.
        """
        unconnected = UnconnectedGradients(unconnected_gradients)

        def one(x):
            if not isinstance(x, (Tensor, Variable)):
                raise AttributeError(f"'{type(x).__name__}' object has no attribute '_id'")
            t = self._tangents.get(x._id)
            if t is None and unconnected is UnconnectedGradients.ZERO:
                return array_ops.zeros_like(x)
            return t

        return _nest.map_structure(one, primals)


def _tangent_op(program, n, *values):
    return program(list(values[:n]), list(values[n:]))


def _shape_mismatch_message(tangent_shape, primal_shape):
    """TF's message when an elementwise op merges a tangent with its primal's shape."""
    def dims(shape):
        return "[" + ",".join(str(d) for d in shape) + "]"

    if len(tangent_shape) != len(primal_shape):
        first = f"Shapes must be equal rank, but are {len(tangent_shape)} and {len(primal_shape)}"
    else:
        i, t, p = next((i, t, p) for i, (t, p) in enumerate(zip(tangent_shape, primal_shape)) if t != p)
        first = (f"Dimension {i} in both shapes must be equal, but are {t} and {p}. Shapes are "
                 f"{dims(tangent_shape)} and {dims(primal_shape)}.")
    return (f"{first}\n\tFrom merging shape 0 with other shapes.\ntapejax: a ForwardAccumulator "
            f"tangent must have its primal's shape {primal_shape}, got {tangent_shape} ({user_line()}).")
