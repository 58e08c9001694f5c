"""`PerReplica`: the values `strategy.run` returns with several replicas, one per replica.

A PerReplica holds one Tensor stacking the replicas' values along a new first axis, split over the
strategy's devices (`P("replica")`): replica `i`'s value is `stacked[i]`, on device `i`. It is a
one-field named tuple so that `tapejax.function` and `jax.tree_util` carry the stacked Tensor across
a traced function's arguments and results (a distributed batch enters a `tf.function` step as one).
"""

from __future__ import annotations

import collections

import jax
from jax.sharding import NamedSharding, PartitionSpec

from tapejax._tensor import Tensor

AXIS = "replica"


class PerReplica(collections.namedtuple("PerReplica", ["stacked"])):
    """One value per replica, as TF's `tf.distribute.DistributedValues` (`PerReplica`).

    Attributes:
      stacked: a Tensor of shape `[num_replicas, *value_shape]`; row `i` is replica `i`'s value.
      values: the replicas' values, as a tuple of Tensors.
    """

    __slots__ = ()

    @property
    def values(self):
        """The value of each replica of this process, as a tuple of Tensors (replica 0 first)."""
        stacked = self.stacked
        array = stacked._value
        sharding = getattr(array, "sharding", None)
        if isinstance(sharding, NamedSharding) and not isinstance(array, jax.core.Tracer) \
                and sharding.spec == PartitionSpec(AXIS):
            ordered = sorted(array.addressable_shards, key=lambda s: s.index[0].start or 0)
            return tuple(Tensor(s.data[0]) for s in ordered)
        return tuple(stacked[i] for i in range(stacked.shape[0]))

    @property
    def dtype(self):
        return self.stacked.dtype

    def __repr__(self):
        lines = [f"  {i}: {v!r}" for i, v in enumerate(self.values)]
        return "PerReplica:{\n" + ",\n".join(lines) + "\n}"

    def __str__(self):
        lines = [f"  {i}: {v!s}" for i, v in enumerate(self.values)]
        return "PerReplica:{\n" + ",\n".join(lines) + "\n}"

    def __bool__(self):
        raise TypeError("A PerReplica value (one value per replica) has no truth value: reduce it "
                        "with strategy.reduce or read strategy.experimental_local_results(value).")

    def __float__(self):
        raise TypeError("float() argument must be a Tensor, not PerReplica (one value per replica): "
                        "reduce it first with strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None).")

    __int__ = __float__


class UnevenBatch(PerReplica):
    """A distributed batch whose rows do not split evenly over the replicas: `stacked` holds the
    global batch, whole. `strategy.reduce` along an axis and `strategy.gather` take it; `run`
    raises (its replicas would get slices of different sizes)."""

    __slots__ = ()

    @property
    def values(self):
        raise NotImplementedError(
            f"tapejax.distribute: a distributed batch of {self.stacked.shape[0]} rows does not split evenly "
            f"over the replicas. Batch with drop_remainder=True, or use a dataset whose size divides by "
            f"the global batch size.")
