"""Tensor: an immutable wrapper of a jax.Array with TF's surface (shape, dtype, numpy, reprs).

Arithmetic operators are attached by `tapejax._ops._operators`, which routes them through the op
tables so that they record on tapes like any other op.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

from tapejax import _checks, _context, _device, _dtypes, _explain
from tapejax._errors import OperatorNotAllowedInGraphError, from_runtime_error
from tapejax._lazy import Pending
from tapejax._tensor_shape import TensorShape

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
    # Set by the op layer above (`_ops/_operators.py`) with the operators: `tf.unstack`, and a traced
    # Tensor's TF graph name (`_trace_graph.symbolic_name`: "add:0").
    _unstack = None
    _symbolic_name = None

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
            return self._symbolic_name()
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def numpy(self):
        """Returns the value as a NumPy array (a NumPy scalar for rank 0)."""
        if isinstance(self._v, _SYMBOLIC):  # a traced Tensor (e.g. one that leaked out of a function)
            raise AttributeError("'SymbolicTensor' object has no attribute 'numpy'")
        array = self._host_value(".numpy()")
        if array.dtype.kind == "O":  # a string tensor's host array: a copy, as TF returns
            array = array.copy()
        return array[()] if array.ndim == 0 else array

    def _host_value(self, how):
        """The value on the host; with TAPEJAX_EXPLAIN, noted as leaving the tapes (by `how`)."""
        if _settings.explain:
            _explain.note_exit(self, how)
        return _host(self._value)

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        shape = TensorShape(shape)
        if len(shape) != self.ndim or any(
                d is not None and d != s for d, s in zip(shape, self._v.shape)):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape {shape}.")

    def ref(self):
        return _Reference(self)

    experimental_ref = ref

    def __array__(self, dtype=None, copy=None):
        array = self._host_value("a NumPy conversion (np.asarray or a NumPy function)")
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
        return bool(self._host_value("bool()"))

    def __float__(self):
        return float(self._host_value("float()"))

    def __int__(self):
        return int(self._host_value("int()"))

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
            return f"<tf.Tensor '{self._symbolic_name()}' shape={self.shape} dtype={self.dtype.name}>"
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(_host(self._value), True)}>")

    def __str__(self):
        if isinstance(self._v, _SYMBOLIC):
            return f'Tensor("{self._symbolic_name()}", shape={self.shape}, dtype={self.dtype.name})'
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
