"""`keras.regularizers`: weight penalties (`L1`, `L2`, `L1L2`), with Keras 3's formulas, names,
validation and configs. A layer's `kernel_regularizer` etc. adds `regularizer(weight)` to its
`losses`, which `Model.compute_loss` adds to the training loss."""

from __future__ import annotations

import math

import numpy as np

from tapejax._ops import math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.keras import _serialization

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize",
           "deserialize"]


def _validate_float_arg(value, name):
    if (not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float."
                         f"Received: {name}={value}")
    return float(value)


def _factor(value, x):
    return math_ops.cast(convert_to_tensor(np.float32(value)), x.dtype)


class Regularizer:
    """Base class: `regularizer(weight)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


class L1L2(Regularizer):
    """`l1 * sum(abs(x)) + l2 * sum(square(x))`.

    Args:
      l1: L1 factor (default 0).
      l2: L2 factor (default 0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = _validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = convert_to_tensor(x)
        regularization = convert_to_tensor(np.zeros((), x.dtype._np))
        if self.l1 != 0.0:
            regularization = regularization + _factor(self.l1, x) * math_ops.reduce_sum(
                math_ops.abs(x))
        if self.l2 != 0.0:
            regularization = regularization + _factor(self.l2, x) * math_ops.reduce_sum(
                math_ops.square(x))
        return regularization

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(abs(x))` (default l1=0.01)."""

    def __init__(self, l1=0.01):
        # Keras keeps the factor as a float32 tensor (so get_config returns its float32 value).
        self.l1 = float(np.float32(_validate_float_arg(0.01 if l1 is None else l1, name="l1")))

    def __call__(self, x):
        x = convert_to_tensor(x)
        return _factor(self.l1, x) * math_ops.reduce_sum(math_ops.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(square(x))` (default l2=0.01)."""

    def __init__(self, l2=0.01):
        self.l2 = _validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = convert_to_tensor(x)
        return _factor(self.l2, x) * math_ops.reduce_sum(math_ops.square(x))

    def get_config(self):
        return {"l2": self.l2}


l1 = L1
l2 = L2
l1_l2 = L1L2

_TABLE = _serialization.objects_dict([Regularizer, L1, L2, L1L2])


def serialize(regularizer):
    """Keras 3's config dict of a regularizer."""
    return _serialization.serialize(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    """A regularizer from `serialize`'s dict (or a name)."""
    return _serialization.deserialize(config, _TABLE, "regularizer", custom_objects)


def get(identifier):
    """A regularizer from None, a name (`'l2'`), a config dict, a class or a callable.

    Raises:
      ValueError: for an identifier Keras cannot interpret.
    """
    return _serialization.get(identifier, _TABLE, "regularizer")
