"""`keras.constraints`: projections that optimizers apply to a weight after each update
(`MaxNorm`, `NonNeg`, `UnitNorm`, `MinMaxNorm`), with Keras 3's formulas and configs."""

from tapejax.keras._constraints import (
    Constraint,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    UnitNorm,
    deserialize,
    get,
    max_norm,
    min_max_norm,
    non_neg,
    serialize,
    unit_norm,
)

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get", "max_norm",
           "min_max_norm", "non_neg", "serialize", "unit_norm"]
