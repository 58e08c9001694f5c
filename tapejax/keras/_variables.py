"""Keras 3 variables: a tapejax Variable named like Keras (`name='kernel'`, `path='dense/kernel'`)."""

from __future__ import annotations

import numpy as np

from tapejax._tensor import _numpy_text
from tapejax._variable import Variable


class _DTypeName(str):
    """A Keras 3 variable's dtype: its name, a `str` as Keras 3 gives (`'float32'`), that also
    answers as the `tf.DType` (`.name`, `.is_floating`, ...; equal to it, same hash)."""

    def __new__(cls, dtype):
        obj = super().__new__(cls, dtype.name)
        obj._dtype = dtype
        return obj

    def __getattr__(self, name):
        if name == "_dtype":
            raise AttributeError(name)
        return getattr(self._dtype, name)

    def __reduce__(self):
        return str, (str(self),)


_NAMES = {}


def dtype_name(dtype):
    """The (cached) `_DTypeName` of a `tf.DType`."""
    found = _NAMES.get(dtype.name)
    if found is None:
        found = _NAMES[dtype.name] = _DTypeName(dtype)
    return found


class KerasVariable(Variable):
    """A Variable owned by a layer; `name` is the short name and `path` is `'<layer>/<name>'`."""

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None, path=None,
                 constraint=None, **kwargs):
        value = initializer(shape, dtype=dtype) if callable(initializer) else initializer
        super().__init__(value, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._name = name or "variable"
        self.path = path or self._name
        # Keras 3 applies a weight's constraint only after optimizer updates (not on `assign`),
        # so it is kept here rather than as the tf.Variable constraint (applied on every write).
        self._keras_constraint = constraint
        self.regularizer = None

    @property
    def dtype(self):
        """The dtype's name, as Keras 3 (`'float32'`); it also works as the `tf.DType`."""
        return dtype_name(super().dtype)

    @property
    def constraint(self):
        return self._keras_constraint

    @constraint.setter
    def constraint(self, value):
        self._keras_constraint = value

    def __repr__(self):
        value = _numpy_text(np.asarray(self._read()), False).lstrip("\n")
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype.name}, "
                f"value={value}>")

    __str__ = __repr__
