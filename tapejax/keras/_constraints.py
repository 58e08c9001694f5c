"""`keras.constraints`: projections that optimizers apply to a weight after each update
(`MaxNorm`, `NonNeg`, `UnitNorm`, `MinMaxNorm`), with Keras 3's formulas and configs."""

from __future__ import annotations

from tapejax._ops import math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.keras import _config, _serialization

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg",
           "unit_norm", "min_max_norm", "get", "serialize", "deserialize"]

def _norms(w, axis):
    return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `constraint(w)` returns the projected weight (default: `w` unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales weights whose norm along `axis` exceeds `max_value` (default 2, axis 0)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = math_ops.clip_by_value(norms, 0.0, float(self.max_value))
        return math_ops.cast(w, norms.dtype) * (desired / (_config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clips weights below zero to zero."""

    def __call__(self, w):
        w = convert_to_tensor(w)
        return math_ops.maximum(w, math_ops.cast(0.0, w.dtype))


class UnitNorm(Constraint):
    """Divides weights by their norm along `axis` (plus epsilon)."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return math_ops.cast(w, norms.dtype) / (_config.epsilon() + norms)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Rescales weights so that their norm moves (by `rate`) into `[min_value, max_value]`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = (float(self.rate) * math_ops.clip_by_value(norms, float(self.min_value),
                                                             float(self.max_value))
                   + float(1 - self.rate) * norms)
        return math_ops.cast(w, norms.dtype) * (desired / (_config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_TABLE = _serialization.objects_dict([Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm])


def serialize(constraint):
    """Keras 3's config dict of a constraint."""
    return _serialization.serialize(constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    """A constraint from `serialize`'s dict (or a name)."""
    return _serialization.deserialize(config, _TABLE, "constraint", custom_objects)


def get(identifier):
    """A constraint from None, a name (`'non_neg'`), a config dict, a class or a callable.

    Raises:
      ValueError: for an identifier Keras cannot interpret.
    """
    return _serialization.get(identifier, _TABLE, "constraint")
