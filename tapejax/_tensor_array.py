"""`tf.TensorArray` with TF's eager semantics, differentiable through the ops it is built from.

Eagerly (and in Python loops inside `tapejax.function`) a TensorArray is a list of Tensors, as TF's
eager TensorArray: `write` stores the Tensor and returns the same array, `read` returns it (or zeros
of the element shape for an unwritten index), `stack`/`gather`/`concat` are `tf.stack`/`tf.concat`
of the elements, so a GradientTape differentiates through writes and reads with TF's gradients.
Reads clear the element when `clear_after_read` (TF's default): a second read raises.

As a `tf.while_loop` variable of a compiled loop (a traced predicate, `lax.while_loop`), or when it
is indexed by a traced value, the array becomes one buffer Tensor `[size, *element_shape]`:
`write` is `tensor_scatter_nd_update`, `read` is `gather`. That needs a static size
(`dynamic_size=False`) and a fully known element shape (given, or inferred from a write before the
loop); otherwise a ValueError says so. In buffer form reads do not clear elements, and an
out-of-range traced index is not checked (its write is dropped).
"""

from __future__ import annotations

import jax
import numpy as np

from tapejax import _dtypes, _staging
from tapejax._errors import InvalidArgumentError, OutOfRangeError
from tapejax._ops import array_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor, TensorShape
from tapejax._variable import Variable


class _UnknownShape(TensorShape):
    """TF's `TensorShape(None)`: a shape of unknown rank."""

    @property
    def rank(self):
        return None

    ndims = rank

    def as_list(self):
        raise ValueError("as_list() is not defined on an unknown TensorShape.")

    def is_fully_defined(self):
        return False

    def is_compatible_with(self, other):
        return True

    def merge_with(self, other):
        return other if isinstance(other, TensorShape) else TensorShape(other)

    def __eq__(self, other):
        return isinstance(other, _UnknownShape)

    __hash__ = TensorShape.__hash__

    def __repr__(self):
        return "TensorShape(None)"

    def __str__(self):
        return "<unknown>"


def _shape(shape):
    if shape is None or isinstance(shape, _UnknownShape):
        return _UnknownShape()
    return TensorShape(shape)


def _traced(value):
    return isinstance(getattr(value, "_v", value), jax.core.Tracer)


def _concrete_int(value):
    """`value` as a Python int, or None when it is traced."""
    array = value._value if isinstance(value, (Tensor, Variable)) else value
    if isinstance(array, jax.core.Tracer):
        return None
    return int(np.asarray(array))


class TensorArray:
    """A list of Tensors of one dtype, written and read by index (`tf.TensorArray`).

    Args:
      dtype: the element dtype.
      size: the number of elements (required, as in TF eager).
      dynamic_size: whether writes past the end grow the array. Default False.
      clear_after_read: whether a read clears the element (a second read raises). Default True.
      infer_shape: whether the first write fixes the element shape. Default True.
      element_shape: the element shape, if known.
      tensor_array_name, handle, flow, colocate_with_first_write_call, name: as TF eager
        (`handle` is not supported).

    Raises:
      ValueError: `size` is missing or `handle` is given.
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None:
            raise ValueError("TensorArray handles are not supported when eager execution is enabled.")
        if size is None:
            raise ValueError("Size must be declared for TensorArrays when eager execution is enabled.")
        self._dtype = _dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = _shape(element_shape)
        n = _concrete_int(size)
        if n is None:
            raise ValueError("A TensorArray's size must be known when it is created (a Python int or "
                             "a concrete Tensor), not a value traced inside tapejax.function.")
        self._elements = [None] * n
        self._read_indices = set()
        self._buffer = None  # the buffer form: one Tensor [size, *element_shape]

    # -- metadata ----------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self):
        return self._dynamic_size

    @property
    def element_shape(self):
        return self._element_shape

    @property
    def flow(self):
        """For compatibility (TF eager's flow is a constant 0)."""
        return Tensor(np.asarray(0, np.int32))

    @property
    def handle(self):
        """For compatibility (None, as in TF eager)."""
        return None

    def _length(self):
        return self._buffer._v.shape[0] if self._buffer is not None else len(self._elements)

    def size(self, name=None):
        """The number of elements, as an int32 scalar Tensor."""
        return Tensor(np.asarray(self._length(), np.int32))

    def identity(self):
        """Returns this TensorArray (as TF eager)."""
        return self

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError(
            "TensorArray.grad is not supported when executing eagerly; eager's gradient "
            "implementation does not use/need this function to compute gradients of operations "
            "that use TensorArrays.")

    def close(self, name=None):
        """Drops every element."""
        self._elements = []
        self._buffer = None

    def __repr__(self):
        return f"<tapejax.TensorArray dtype={self._dtype.name} size={self._length()}>"

    # -- values --------------------------------------------------------------------------------
    def _convert(self, value):
        if isinstance(value, Tensor):
            return value
        try:  # TF converts with the array's dtype preferred, falling back to the default
            return convert_to_tensor(value, dtype=self._dtype)
        except (TypeError, ValueError):
            return convert_to_tensor(value)

    def _check(self, value):
        if value.dtype != self._dtype:
            raise InvalidArgumentError(f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                                       f"write dtype {value.dtype.name} ")
        shape = TensorShape(value._v.shape)
        if not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Incompatible shape for value ({shape}), expected ({self._element_shape})")
        if self._infer_shape:
            self._element_shape = self._element_shape.merge_with(shape)

    def _zeros(self):
        if not self._element_shape.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {self._element_shape} to "
                             f"a Tensor.")
        return array_ops.zeros(list(self._element_shape), self._dtype)

    def _maybe_zero(self, index):
        value = self._elements[index]
        if value is None:
            value = self._elements[index] = self._zeros()
        return value

    def _to_buffer(self):
        """Switches to the buffer form (one `[size, *element_shape]` Tensor)."""
        if self._buffer is None:
            if self._dynamic_size:
                _staging.shape_fallback(
                    "a TensorArray with dynamic_size=True written at a traced index or in a loop on "
                    "Tensors (a compiled loop's buffers cannot grow)", None, ValueError(
                        "tapejax compiles this use of a TensorArray into fixed-shape buffers (a traced "
                        "index, or a loop variable of a compiled tf.while_loop), which cannot grow: "
                        "create it with dynamic_size=False and its final size."))
            if not self._element_shape.is_fully_defined():
                raise ValueError(
                    f"tapejax compiles this use of a TensorArray into a fixed-shape buffer (a traced "
                    f"index, or a loop variable of a compiled tf.while_loop), which needs the element "
                    f"shape: pass element_shape= (known so far: {self._element_shape}).")
            if self._elements:
                self._buffer = array_ops.stack([self._maybe_zero(i) for i in range(len(self._elements))])
            else:
                self._buffer = array_ops.zeros([0] + list(self._element_shape), self._dtype)
            self._elements = None
        return self._buffer

    def read(self, index, name=None):
        """The element at `index` (zeros of the element shape if it was never written).

        Raises:
          OutOfRangeError: `index` is negative or not below `size()`.
          InvalidArgumentError: a second read of an element cleared by `clear_after_read`.
        """
        i = _concrete_int(index)
        if i is None or self._buffer is not None:
            if i is not None:
                self._check_read(i)
            return array_ops.gather(self._to_buffer(), index)
        self._check_read(i)
        value = self._elements[i]
        if value is None:
            if i in self._read_indices:
                raise InvalidArgumentError(
                    f"Could not read index {i} twice because it was cleared after a previous read "
                    f"(perhaps try setting clear_after_read = false?)")
            value = self._maybe_zero(i)
        if self._clear_after_read:
            self._elements[i] = None
            self._read_indices.add(i)
        return value

    def _check_read(self, i):
        if i < 0:
            raise OutOfRangeError(f"Reading from negative indices (index {i}) is not allowed.")
        if i >= self._length():
            raise OutOfRangeError(f"Tried to read from index {i} but array size is: {self._length()} ")

    def _write(self, index, value):
        i = _concrete_int(index)
        if i is not None:
            if i < 0:
                raise OutOfRangeError(f"Writing to negative indices (index {i}) is not allowed.")
            size = self._length()
            if i >= size:
                if not self._dynamic_size or self._buffer is not None:
                    raise OutOfRangeError(f"Tried to write to index {i} but array is not resizeable and "
                                          f"size is: {size} ")
                self._elements.extend(None for _ in range(i - size + 1))
        value = self._convert(value)
        self._check(value)
        if i is None or self._buffer is not None:
            position = array_ops.reshape(convert_to_tensor(index), [1, 1])
            self._buffer = array_ops.tensor_scatter_nd_update(
                self._to_buffer(), position, array_ops.expand_dims(value, 0))
        else:
            self._elements[i] = value

    def write(self, index, value, name=None):
        """Writes `value` at `index`; returns this TensorArray (use the result, as in TF).

        Raises:
          OutOfRangeError: a negative index, or one past the end without `dynamic_size`.
          InvalidArgumentError: `value` has another dtype.
          ValueError: `value`'s shape does not match the element shape.
        """
        self._write(index, value)
        return self

    def stack(self, name=None):
        """The elements stacked on a new first axis (unwritten ones as zeros)."""
        if self._buffer is not None:
            return self._buffer
        for i in range(len(self._elements)):
            self._maybe_zero(i)
        if not self._elements:
            if self._element_shape.is_fully_defined():
                return array_ops.zeros([0] + list(self._element_shape), self._dtype)
            return array_ops.zeros([0], self._dtype)
        return array_ops.stack(self._elements, name="packed")

    def gather(self, indices, name=None):
        """The elements at `indices`, stacked."""
        if self._buffer is not None or _traced(indices):
            return array_ops.gather(self._to_buffer(), indices)
        positions = np.asarray(indices._value if isinstance(indices, Tensor) else indices).tolist()
        return array_ops.stack([self._maybe_zero(i) for i in positions])

    def concat(self, name=None):
        """The elements concatenated along their first axis.

        Raises:
          InvalidArgumentError: an element is a scalar.
        """
        if self._buffer is not None:
            if self._buffer._v.ndim < 2:
                raise InvalidArgumentError("Concat saw a scalar shape at index 0 but requires at "
                                           "least vectors.")
            shape = self._buffer._v.shape
            return array_ops.reshape(self._buffer, [shape[0] * shape[1], *shape[2:]])
        values = [self._maybe_zero(i) for i in range(len(self._elements))]
        for i, value in enumerate(values):
            if value._v.ndim == 0:
                raise InvalidArgumentError(f"Concat saw a scalar shape at index {i} but requires at "
                                           f"least vectors.")
        return array_ops.concat(values, 0)

    def unstack(self, value, name=None):
        """Replaces the elements by the rows of `value`; returns this TensorArray.

        Raises:
          ValueError: more rows than a static size.
        """
        value = self._convert(value)
        if self._buffer is not None:
            self._check(value[0] if value._v.shape[0] else value)
            self._buffer = value
            return self
        rows = array_ops.unstack(value)
        if len(rows) > len(self._elements) and not self._dynamic_size:
            raise ValueError(f"Cannot unstack {len(rows)} tensors into a TensorArray of static size "
                             f"{len(self._elements)} ")
        self._elements = list(rows)
        self._read_indices = set()
        return self

    def scatter(self, indices, value, name=None):
        """Writes the rows of `value` at `indices`; returns this TensorArray."""
        value = value if isinstance(value, Tensor) else convert_to_tensor(value)
        if self._buffer is not None or _traced(indices):
            self._check(value[0])
            self._buffer = array_ops.tensor_scatter_nd_update(
                self._to_buffer(), array_ops.expand_dims(convert_to_tensor(indices), -1), value)
            return self
        positions = np.asarray(indices._value if isinstance(indices, Tensor) else indices).tolist()
        for index, row in zip(positions, array_ops.unstack(value)):
            self._write(index, row)
        return self

    def split(self, value, lengths, name=None):
        """Replaces the elements by consecutive pieces of `value` of the given `lengths`.

        Raises:
          InvalidArgumentError: `lengths` is not a vector, does not sum to `value`'s first
            dimension, or (without `dynamic_size`) does not have `size()` entries.
        """
        value = self._convert(value)
        if value.dtype != self._dtype:
            raise InvalidArgumentError(f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                                       f"write dtype {value.dtype.name} ")
        sizes = np.asarray(lengths._value if isinstance(lengths, Tensor) else lengths)
        if sizes.ndim != 1:
            raise InvalidArgumentError(f"Expected lengths to be a vector, received shape: "
                                       f"{list(sizes.shape)} ")
        if value._v.ndim == 0:
            raise InvalidArgumentError("Expected value to be at least a vector, but received shape: [] ")
        if int(sizes.sum()) != value._v.shape[0]:
            raise InvalidArgumentError(
                f"Expected sum of lengths to be equal to values.shape[0], but sum of lengths is "
                f"{int(sizes.sum())} and value's shape is: {list(value._v.shape)} ")
        if not self._dynamic_size and sizes.shape[0] != self._length():
            raise InvalidArgumentError(
                f"TensorArray's size is not equal to the size of lengths ({self._length()} vs. "
                f"{sizes.shape[0]}), and the TensorArray is not marked as dynamically resizeable.")
        self._elements = list(array_ops.split(value, [int(s) for s in sizes]))
        self._buffer = None
        self._read_indices = set()
        return self

    # -- as a loop variable of a compiled tf.while_loop (see _control_flow.while_loop) ---------
    def _to_loop_array(self):
        return self._to_buffer()._value

    def _from_loop_array(self, array):
        out = TensorArray.__new__(TensorArray)
        out.__dict__.update(self.__dict__)
        out._elements, out._read_indices = None, set()
        out._buffer = Tensor(array)
        return out


__all__ = ["TensorArray"]
