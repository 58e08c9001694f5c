"""`tf.distribute.ReduceOp`: how values from the replicas are combined."""

from __future__ import annotations

import enum

from tapejax._variable import VariableAggregation


class ReduceOp(enum.Enum):
    """Indicates how a set of values should be reduced.

    * `SUM`: add all the values.
    * `MEAN`: take the arithmetic mean ("average") of the values.
    """

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation):
        """The ReduceOp for a `tf.VariableAggregation` (SUM or MEAN)."""
        found = {VariableAggregation.SUM: ReduceOp.SUM, VariableAggregation.MEAN: ReduceOp.MEAN}.get(aggregation)
        if found is None:
            raise ValueError(f"Could not convert from `tf.VariableAggregation` {aggregation} to "
                             f"`tf.distribute.ReduceOp` type")
        return found


def as_reduce_op(op):
    """A `ReduceOp` from a ReduceOp or its name (`"SUM"`), raising TF's ValueError otherwise."""
    if isinstance(op, ReduceOp):
        return op
    return ReduceOp(op)  # ValueError: 'MAX' is not a valid ReduceOp
