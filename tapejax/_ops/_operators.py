"""Python operators on Tensor and Variable, routed through the op tables (so they record)."""

from __future__ import annotations

import jax.numpy as jnp

from tapejax import _context, _trace_graph
from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops, linalg_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable


def _flip(fn):
    def reflected(self, other):
        return fn(other, self)
    return reflected


def _floordiv(x, y):
    return math_ops.floordiv(x, y)


def _eq(self, other):
    if other is None:
        return False
    try:
        return math_ops.equal(self, other)
    except (TypeError, ValueError, InvalidArgumentError):  # TF: False for non-broadcastable shapes
        return Tensor(jnp.asarray(False))


def _ne(self, other):
    if other is None:
        return True
    try:
        return math_ops.not_equal(self, other)
    except (TypeError, ValueError, InvalidArgumentError):
        return Tensor(jnp.asarray(True))


def _logical(op_name, fn):
    def logical(x, y):
        return fn(x, y)
    logical.__name__ = op_name
    return logical


OPERATORS = {
    "__add__": math_ops.add,
    "__radd__": _flip(math_ops.add),
    "__sub__": math_ops.subtract,
    "__rsub__": _flip(math_ops.subtract),
    "__mul__": math_ops.multiply,
    "__rmul__": _flip(math_ops.multiply),
    "__truediv__": math_ops._python_div,
    "__rtruediv__": _flip(math_ops._python_div),
    "__floordiv__": _floordiv,
    "__rfloordiv__": _flip(_floordiv),
    "__mod__": math_ops.floormod,
    "__rmod__": _flip(math_ops.floormod),
    "__pow__": math_ops.pow,
    "__rpow__": _flip(math_ops.pow),
    "__matmul__": linalg_ops.matmul,
    "__rmatmul__": _flip(linalg_ops.matmul),
    "__neg__": math_ops.negative,
    "__abs__": math_ops.abs,
    "__lt__": math_ops.less,
    "__le__": math_ops.less_equal,
    "__gt__": math_ops.greater,
    "__ge__": math_ops.greater_equal,
    "__and__": _logical("__and__", math_ops.logical_and),
    "__rand__": _flip(math_ops.logical_and),
    "__or__": _logical("__or__", math_ops.logical_or),
    "__ror__": _flip(math_ops.logical_or),
    "__xor__": _logical("__xor__", math_ops.logical_xor),
    "__invert__": math_ops.logical_not,
    "__eq__": _eq,
    "__ne__": _ne,
    "__getitem__": array_ops.getitem,
}



def _named(operator, fn):
    """`fn` asking, inside a function trace, for the op name TF's operator gives (`x + y`: "add")."""
    name = _trace_graph.OPERATOR_NAMES[operator]

    def named(x, y):
        names = _context.current.trace_graph
        if names is None:
            return fn(x, y)
        names.requested = name
        try:
            return fn(x, y)
        finally:
            names.requested = None

    named.__name__ = operator
    return named


for _operator in _trace_graph.OPERATOR_NAMES:
    OPERATORS[_operator] = _named(_operator, OPERATORS[_operator])

_unhashable = {Tensor: Tensor.__hash__, Variable: Variable.__hash__}
for _cls in (Tensor, Variable):
    for _name, _fn in OPERATORS.items():
        setattr(_cls, _name, _fn)
    _cls.__hash__ = _unhashable[_cls]  # defining __eq__ resets it; TF's unhashable message

Variable._to_tensor = staticmethod(convert_to_tensor)
Variable._identity = staticmethod(array_ops.identity)
Tensor._unstack = array_ops.unstack
Tensor._symbolic_name = _trace_graph.symbolic_name
