"""Tensor: an immutable wrapper of a jax.Array with TF's surface (shape, dtype, numpy, reprs).

Arithmetic operators are attached by `tapejax._ops._operators`, which routes them through the op
tables so that they record on tapes like any other op.
"""

from __future__ import annotations

import inspect
import itertools
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer
from jax.export import is_symbolic_dim

from tapejax import _checks, _context, _device, _dtypes, _explain
from tapejax._dimension import Dimension
from tapejax._errors import OperatorNotAllowedInGraphError, from_runtime_error
from tapejax._lazy import Pending

_next_id = itertools.count(1).__next__
_settings = _context.settings


class SymbolicStrings:
    """A string Tensor's value inside a `tapejax.function` trace, not known until the call runs:
    `handles`, a traced int64 array of its shape naming host strings (see `tapejax._string_trace`)."""

    __slots__ = ("handles",)
    dtype = np.dtype(object)

    def __init__(self, handles):
        self.handles = handles

    @property
    def shape(self):
        return self.handles.shape

    @property
    def ndim(self):
        return len(self.handles.shape)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("A string Tensor traced inside a tapejax.function has no value until the "
                        "function runs; return it to read it.")

    def __repr__(self):
        return f"SymbolicStrings(shape={self.shape})"


_SYMBOLIC = (Tracer, SymbolicStrings)  # values with no host value during a trace


class TensorShape(tuple):
    """The static shape of a Tensor: a tuple of ints (or None for unknown dims) with TF's repr."""

    def __new__(cls, dims=()):
        unknown_rank = dims is None
        if dims is None:
            dims = ()
        if isinstance(dims, int):
            dims = (dims,)
        # A symbolic size (a None dimension exported by tf.saved_model) reads as None, as in TF's trace.
        shape = super().__new__(cls, tuple(None if d is None or is_symbolic_dim(d) else int(d) for d in dims))
        if unknown_rank:
            shape._unknown_rank = True  # TensorShape(None): false, and `dims` is None (as TF)
        return shape

    @property
    def rank(self):
        return len(self)

    @property
    def dims(self):
        """The dimensions as `tf.compat.v1.Dimension`s, or None for a shape of unknown rank."""
        if not self:
            return None
        return [Dimension(d) for d in self]

    def __bool__(self):
        return self.rank is not None and not getattr(self, "_unknown_rank", False)

    ndims = rank

    def as_list(self):
        return list(self)

    def num_elements(self):
        if any(d is None for d in self):
            return None
        return int(np.prod(self, dtype=np.int64))

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def is_compatible_with(self, other):
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def merge_with(self, other):
        other = TensorShape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self, other)])

    def concatenate(self, other):
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def __getitem__(self, item):
        got = tuple.__getitem__(self, item)
        return TensorShape(got) if isinstance(item, slice) else got

    def __eq__(self, other):
        try:
            return tuple(self) == tuple(other)
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    __hash__ = tuple.__hash__

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        return "(" + ", ".join(str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


def _host(value):
    """`np.asarray(value)`: a host read, where pending value checks raise (see `_checks`)."""
    if _checks._state.pending and not isinstance(value, Tracer):
        _checks.raise_pending()
    try:
        return np.asarray(value)
    except jax.errors.JaxRuntimeError as err:  # an asynchronous program's failure (out of memory)
        translated = from_runtime_error(err)
        if translated is None:
            raise
        raise translated from err


def _numpy_text(array, is_repr):
    if array.ndim == 0:
        text = str(array[()])
    else:
        text = repr(array) if is_repr else str(array)
    return "\n" + text if "\n" in text else text


class Tensor:
    """An immutable multidimensional array, as `tf.Tensor` in eager mode.

    Create tensors with `tf.constant`, `tf.convert_to_tensor` or any op. A Tensor wraps a
    `jax.Array` (or a tracer inside `tapejax.function`); `numpy()` returns its value.
    """

    __slots__ = ("_v", "_id", "_name", "__weakref__")  # _name: TF's, set in traces only
    __array_priority__ = 100
    _unstack = None  # `tf.unstack`, set by the op layer above (`_ops/_operators.py`) with the operators

    def __init__(self, value):
        self._v = value  # a jax.Array, a tracer, or a `_lazy.Pending` (shape and dtype known)
        self._id = _next_id()

    @property
    def _value(self):
        """The value as a JAX array; a deferred value is computed here."""
        value = self._v
        if type(value) is Pending:
            value = self._v = value.resolve()
        return value

    @_value.setter
    def _value(self, value):
        self._v = value

    @property
    def shape(self):
        return TensorShape(self._v.shape)

    @property
    def dtype(self):
        return _dtypes.from_jax(self._v.dtype)

    @property
    def ndim(self):
        return self._v.ndim

    @property
    def device(self):
        return _device.value_device(self._value)

    @property
    def name(self):
        if isinstance(self._v, _SYMBOLIC):  # a traced Tensor: TF's graph name ("add:0")
            return _symbolic_name(self)
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def numpy(self):
        """Returns the value as a NumPy array (a NumPy scalar for rank 0)."""
        if isinstance(self._v, _SYMBOLIC):  # a traced Tensor (e.g. one that leaked out of a function)
            raise AttributeError("'SymbolicTensor' object has no attribute 'numpy'")
        if _settings.explain:
            _explain.note_exit(self, ".numpy()")
        array = _host(self._value)
        if array.dtype.kind == "O":  # a string tensor's host array: a copy, as TF returns
            array = array.copy()
        return array[()] if array.ndim == 0 else array

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        shape = TensorShape(shape)
        if len(shape) != self.ndim or any(
                d is not None and d != s for d, s in zip(shape, self._v.shape)):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape {shape}.")

    def ref(self):
        return _Reference(self)

    def experimental_ref(self):
        return _Reference(self)

    def __array__(self, dtype=None, copy=None):
        if _settings.explain:
            _explain.note_exit(self, "a NumPy conversion (np.asarray or a NumPy function)")
        array = _host(self._value)
        return array if dtype is None else array.astype(dtype)

    def __len__(self):
        if self._v.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._v.shape[0]

    def __iter__(self):
        if self._v.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if isinstance(self._v, _SYMBOLIC) and _context.current.function_depth:
            raise OperatorNotAllowedInGraphError(
                "Iterating over a symbolic `tf.Tensor` is not allowed. You can attempt the following "
                "resolutions to the problem: If you are running in Graph mode, use Eager execution mode or "
                "decorate this function with @tf.function. If you are using AutoGraph, you can try "
                "decorating this function with @tf.function. If that does not work, then you may be using "
                "an unsupported feature or your source code may not be visible to AutoGraph. See "
                "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/"
                "reference/limitations.md#access-to-source-code for more information.")
        return iter(self._unstack())

    def __bool__(self):
        if isinstance(self._v, _SYMBOLIC):
            raise OperatorNotAllowedInGraphError(
                "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. AutoGraph converts "
                "`if`, `while`, `for`, `and`, `or` and `not` written in the function itself; this use "
                "(e.g. `bool(x)`, or control flow in a function AutoGraph does not convert) needs "
                "tf.cond/tf.while_loop or a Python value.")
        if _settings.explain:
            _explain.note_exit(self, "bool()")
        return bool(_host(self._value))

    def __float__(self):
        if _settings.explain:
            _explain.note_exit(self, "float()")
        return float(_host(self._value))

    def __int__(self):
        if _settings.explain:
            _explain.note_exit(self, "int()")
        return int(_host(self._value))

    def __index__(self):
        if not _dtypes.from_jax(self._v.dtype).is_integer or self._v.ndim:
            raise TypeError("Only integer scalar tensors can be used as an index.")
        return int(_host(self._value))

    def __complex__(self):
        return complex(_host(self._value))

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __repr__(self):
        if isinstance(self._v, _SYMBOLIC):
            return f"<tf.Tensor '{_symbolic_name(self)}' shape={self.shape} dtype={self.dtype.name}>"
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(_host(self._value), True)}>")

    def __str__(self):
        if isinstance(self._v, _SYMBOLIC):
            return f'Tensor("{_symbolic_name(self)}", shape={self.shape}, dtype={self.dtype.name})'
        return (f"tf.Tensor({_numpy_text(_host(self._value), False)}, shape={self.shape}, "
                f"dtype={self.dtype.name})")

    def __format__(self, spec):
        if isinstance(self._v, _SYMBOLIC):
            return format(str(self), spec)
        return format(self.numpy(), spec)

    def __reduce__(self):
        return _rebuild_tensor, (_host(self._value),)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


# The name of a traced (symbolic) Tensor, as TF's graph tensors ("a:0"): an op output has the name
# the trace gave it (see `_trace_graph`: "add:0", "Sum_1:0"); an argument of the tapejax.function
# being traced is named as TF names its placeholder (the parameter's name, `args_0` for *args, `x_1`
# for the second Tensor inside an argument `x`). Printing an argument is a debugging path, so the
# function being traced is found by looking up the stack for `tapejax._function`'s trace body (its
# `python_function`, `call_args`, `call_kwargs`) rather than by naming arguments on every traced call.
# Anything else (a value made inside JAX code that is not an op) prints as "tensor:0".
_UNNAMED = "tensor"


def _symbolic_name(tensor):
    named = getattr(tensor, "_name", None)
    if named is not None:
        return named
    return _argument_or_unnamed(tensor) + ":0"


def _argument_or_unnamed(tensor):
    frame = sys._getframe(2)
    while frame is not None:
        local = frame.f_locals
        if (frame.f_code.co_name == "body" and frame.f_code.co_filename.endswith("_function.py")
                and "call_args" in local and "python_function" in local):
            name = _argument_name(tensor, local["python_function"], local["call_args"],
                                  local.get("call_kwargs") or {})
            return _UNNAMED if name is None else name
        frame = frame.f_back
    return _UNNAMED


def _argument_name(tensor, function, args, kwargs):
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    for param_name, value in bound.arguments.items():
        kind = bound.signature.parameters[param_name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            named = [(f"{param_name}_{i}", v) for i, v in enumerate(value)]
        elif kind is inspect.Parameter.VAR_KEYWORD:
            named = list(value.items())
        else:
            named = [(param_name, value)]
        for base, value in named:
            for i, leaf in enumerate(_tensor_leaves(value)):
                if leaf is tensor:
                    return base if i == 0 else f"{base}_{i}"
    return None


def _tensor_leaves(value):
    if type(value) is Tensor:
        return [value]
    if isinstance(value, dict):
        return [t for k in sorted(value) for t in _tensor_leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensor_leaves(v)]
    return []


def _rebuild_tensor(array):
    return Tensor(array if array.dtype.kind == "O" else jnp.asarray(array))


class _Reference:
    """A hashable reference to a Tensor or Variable (`t.ref()`)."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Reference) and other._obj is self._obj
