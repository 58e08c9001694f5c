"""`tf.compat.v1.Dimension`: one dimension of a TensorShape, known (an int >= 0) or unknown (None).

TF 2 shapes index to ints and None; `TensorShape.dims` and TF1-style code still see Dimensions.
Semantics measured on TF 2.21: comparisons with an unknown dimension give None, arithmetic with one
gives Dimension(None), `/` raises TypeError (use `//`), and a Dimension is unhashable.
"""

from __future__ import annotations

import operator


def _value_of(other):
    return other.value if isinstance(other, Dimension) else other


class Dimension:
    """One dimension of a shape.

    Args:
      value: an int >= 0 (or anything with `__index__`), None for unknown, or a Dimension.

    Raises:
      TypeError: for a value that is not an integer or None.
      ValueError: for a negative value.
    """

    __slots__ = ("_value",)
    __hash__ = None  # TF's Dimension is unhashable

    def __init__(self, value):
        if isinstance(value, Dimension):
            value = value.value
        if value is not None:
            if isinstance(value, bool) or not hasattr(value, "__index__"):
                raise TypeError(f"Dimension value must be integer or None or have an __index__ method, got "
                                f"value '{value!r}' with type '{type(value)}'")
            value = operator.index(value)
            if value < 0:
                raise ValueError(f"Dimension {value} must be >= 0")
        self._value = value

    @property
    def value(self):
        """The dimension's int, or None when unknown."""
        return self._value

    def __repr__(self):
        return f"Dimension({self._value!r})"

    def __str__(self):
        return "?" if self._value is None else str(self._value)

    def __int__(self):
        return self._value

    def __index__(self):
        return self._value

    def __bool__(self):
        return bool(self._value)

    def is_compatible_with(self, other):
        """Whether `other` (an int, None or Dimension) can be the same dimension."""
        other = _value_of(other)
        return self._value is None or other is None or self._value == other

    def assert_is_compatible_with(self, other):
        """Raises ValueError unless `other` is compatible with this dimension."""
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {Dimension(_value_of(other))} are not compatible")

    def merge_with(self, other):
        """The known one of two compatible dimensions.

        Raises:
          ValueError: when they are not compatible.
        """
        self.assert_is_compatible_with(other)
        other = _value_of(other)
        return Dimension(other if self._value is None else self._value)

    def _compare(self, other, op):
        other = _value_of(other)
        if self._value is None or other is None:
            return None
        return op(self._value, other)

    def __eq__(self, other):
        return self._compare(other, operator.eq)

    def __ne__(self, other):
        return self._compare(other, operator.ne)

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    def _arith(self, other, op):
        other = _value_of(other)
        if self._value is None or other is None:
            return Dimension(None)
        return Dimension(op(self._value, other))

    def __add__(self, other):
        return self._arith(other, operator.add)

    def __sub__(self, other):
        return self._arith(other, operator.sub)

    def __mul__(self, other):
        return self._arith(other, operator.mul)

    def __floordiv__(self, other):
        return self._arith(other, operator.floordiv)

    def __mod__(self, other):
        return self._arith(other, operator.mod)

    def __radd__(self, other):
        return Dimension(other) + self

    def __rsub__(self, other):
        return Dimension(other) - self

    def __rmul__(self, other):
        return Dimension(other) * self

    def __rfloordiv__(self, other):
        return Dimension(other) // self

    def __rmod__(self, other):
        return Dimension(other) % self

    def __truediv__(self, other):
        raise TypeError(f"unsupported operand type(s) for /: 'Dimension' and '{type(other).__name__}', "
                        f"please use // instead")


def dimension_value(dimension):
    """The int (or None) of a Dimension, or `dimension` itself (`tf.compat.dimension_value`)."""
    return dimension.value if isinstance(dimension, Dimension) else dimension


def dimension_at_index(shape, index):
    """Dimension `index` of `shape` as a Dimension; unknown for a shape of unknown rank."""
    dims = getattr(shape, "dims", None)
    return Dimension(None) if dims is None else Dimension(dims[index])
