"""`tf.distribute`: TF's distribution strategies on JAX's sharding (one process) and `jax.distributed`.

`MirroredStrategy` replicates the Variables made in its `scope()` over a `jax.sharding.Mesh` and
splits each distributed batch along the batch axis into `PerReplica` values. With several replicas
`strategy.run(fn)` runs `fn` once per replica on its own slice, on `jax.shard_map` (see `_replica`);
values TF computes per replica in a way tapejax cannot reproduce raise `NotImplementedError`.
`MultiWorkerMirroredStrategy` does the same over the devices of several processes joined from
`TF_CONFIG`. Keras' `fit` splits each batch over the devices and runs one global-batch step.
"""

from tapejax import _namespaces
from tapejax.distribute import _multi_worker
from tapejax.distribute._cross_device_ops import (
    CrossDeviceOps,
    HierarchicalCopyAllReduce,
    NcclAllReduce,
    ReductionToOneDevice,
    RunOptions,
)
from tapejax.distribute._input import (
    DistributedDataset,
    DistributedIterator,
    InputContext,
    InputOptions,
    InputReplicationMode,
)
from tapejax.distribute._multi_worker import MultiWorkerMirroredStrategy
from tapejax.distribute._reduce_op import ReduceOp
from tapejax.distribute._state import get_strategy, has_strategy, in_cross_replica_context
from tapejax.distribute._strategy import (
    MirroredStrategy,
    OneDeviceStrategy,
    ReplicaContext,
    Strategy,
    StrategyExtended,
    experimental_set_strategy,
    get_replica_context,
)
from tapejax.distribute._strategy import ValueContext as _ValueContext
from tapejax.distribute._values import PerReplica as DistributedValues

cluster_resolver = _namespaces.make("distribute.cluster_resolver", "tf.distribute.cluster_resolver", {
    **_namespaces.pick(_multi_worker, ["ClusterResolver", "SimpleClusterResolver", "TFConfigClusterResolver"])})

experimental = _namespaces.make("distribute.experimental", "tf.distribute.experimental", {
    "CommunicationImplementation": _multi_worker.CommunicationImplementation,
    "CollectiveCommunication": _multi_worker.CommunicationImplementation,
    "CommunicationOptions": _multi_worker.CommunicationOptions,
    "MultiWorkerMirroredStrategy": MultiWorkerMirroredStrategy,
    "ValueContext": _ValueContext})

__all__ = ["CrossDeviceOps", "DistributedDataset", "DistributedValues", "DistributedIterator", "HierarchicalCopyAllReduce",
           "InputContext", "InputOptions", "InputReplicationMode", "MirroredStrategy",
           "MultiWorkerMirroredStrategy", "NcclAllReduce", "OneDeviceStrategy", "ReduceOp",
           "ReductionToOneDevice", "ReplicaContext", "RunOptions", "Strategy", "StrategyExtended",
           "cluster_resolver", "experimental", "experimental_set_strategy", "get_replica_context",
           "get_strategy", "has_strategy", "in_cross_replica_context"]
