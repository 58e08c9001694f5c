"""TensorShape: the static shape of a Tensor or Variable, as TF's `tensor_shape.TensorShape`."""

from __future__ import annotations

import numpy as np
from jax.export import is_symbolic_dim

from tapejax._dimension import Dimension


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
