"""`tf.distribute.CrossDeviceOps` and its kinds: accepted by `MirroredStrategy(cross_device_ops=...)`.

XLA chooses how the compiled program's all-reduces run, so these only record what was asked for.
"""

from __future__ import annotations


class CrossDeviceOps:
    """Base class of cross-device reduction methods (accepted; XLA does the reductions)."""


class ReductionToOneDevice(CrossDeviceOps):
    """Reduce on one device, then broadcast (accepted).

    Args:
      reduce_to_device: the device to reduce on.
      accumulation_fn: the function adding the values.
    """

    def __init__(self, reduce_to_device=None, accumulation_fn=None):
        self.reduce_to_device = reduce_to_device
        self.accumulation_fn = accumulation_fn


class NcclAllReduce(CrossDeviceOps):
    """All-reduce with NCCL (accepted).

    Args:
      num_packs: the number of packs gradients are split into.
    """

    def __init__(self, num_packs=1):
        if num_packs < 0:
            raise ValueError(f"NCCL all-reduce requires num_packs >= 0, but {num_packs} is specified")
        self.num_packs = num_packs


class HierarchicalCopyAllReduce(CrossDeviceOps):
    """Hierarchical copy all-reduce (accepted).

    Args:
      num_packs: the number of packs gradients are split into.
    """

    def __init__(self, num_packs=1):
        if num_packs < 0:
            raise ValueError(f"HierarchicalCopy requires num_packs >= 0, but {num_packs} is specified")
        self.num_packs = num_packs


class RunOptions:
    """Options for `strategy.run` (accepted).

    Args:
      experimental_enable_dynamic_batch_size: accepted for compatibility.
      experimental_bucketizing_dynamic_shape: accepted for compatibility.
      experimental_xla_options: accepted for compatibility.
    """

    def __init__(self, experimental_enable_dynamic_batch_size=True, experimental_bucketizing_dynamic_shape=False,
                 experimental_xla_options=None):
        self.experimental_enable_dynamic_batch_size = experimental_enable_dynamic_batch_size
        self.experimental_bucketizing_dynamic_shape = experimental_bucketizing_dynamic_shape
        self.experimental_xla_options = experimental_xla_options
