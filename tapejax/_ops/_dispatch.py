"""The one dispatch path: unwrap inputs, run the op's cached jitted kernel, wrap, record.

An `Op` is a row of an op table: TF's op name, a pure JAX function of arrays with keyword
attributes, and whether it has a gradient (ops without one, like `floor` or `argmax`, give `None`
gradients as in TF). Kernels are `jax.jit`-compiled once per attribute tuple and cached on the row.
"""

from __future__ import annotations

import functools

import jax

from tapejax import _tape
from tapejax._errors import InvalidArgumentError
from tapejax._tensor import Tensor

MAX_KERNELS_PER_OP = 512

_state = _tape.state
_record_all = _tape.record_all


class Op:
    """An op-table row.

    Args:
      name: TF's op name (used in error messages, e.g. `AddV2`).
      fn: pure JAX function `fn(*arrays, **attrs)`, returning an array or a tuple of arrays.
      differentiable: False for ops TF registers no gradient for (their outputs are not traced).
      multi: True when `fn` returns a tuple of outputs.
    """

    __slots__ = ("name", "fn", "differentiable", "multi", "kernels")

    def __init__(self, name, fn, differentiable=True, multi=False):
        self.name = name
        self.fn = fn
        self.differentiable = differentiable
        self.multi = multi
        self.kernels = {}

    def kernel(self, attrs):
        found = self.kernels.get(attrs)
        if found is None:
            if len(self.kernels) >= MAX_KERNELS_PER_OP:  # e.g. reshape to ever new shapes
                self.kernels.clear()
            bound = functools.partial(self.fn, **dict(attrs)) if attrs else self.fn
            found = self.kernels[attrs] = jax.jit(bound)
        return found

    def __repr__(self):
        return f"Op({self.name})"


def apply(op, inputs, attrs=()):
    """Runs `op` on `inputs` (Tensors and Variables) with static `attrs` (a tuple of pairs).

    Returns:
      A Tensor, or a list of Tensors for multi-output ops.
    """
    values = [x._value for x in inputs]
    kernel = op.kernels.get(attrs)
    if kernel is None:
        kernel = op.kernel(attrs)
    try:
        out = kernel(*values)
    except (TypeError, ValueError) as err:  # JAX's shape/type errors: TF raises InvalidArgumentError
        raise _invalid_argument(op, values, err) from None
    if op.multi:
        outputs = [Tensor(o) for o in out]
        result = outputs
    else:
        result = Tensor(out)
        outputs = (result,)
    if _state.recording:
        _record_all(kernel if op.differentiable else None, (op, attrs), inputs, values, outputs)
    return result


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
