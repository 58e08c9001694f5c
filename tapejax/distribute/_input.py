"""Distributed input: `InputContext`, `InputOptions`, and the datasets a strategy distributes.

A distributed dataset yields each global batch split along the batch axis over the strategy's
devices: with several replicas as `PerReplica` values (replica `i` holding its slice, on device
`i`), with one as the batch itself. In a multi-process run each process supplies the rows of its own
devices and JAX assembles the global array (`jax.make_array_from_process_local_data`). A batch whose
rows do not split evenly is kept whole (`UnevenBatch`), which `strategy.run` refuses. Keras'
`fit` takes each batch as one global Tensor split over the devices (`distribute_keras_batch`).
"""

from __future__ import annotations

import contextlib
import enum
import weakref

import jax
import numpy as np

from tapejax._function import check_host_iteration
from tapejax._tensor import Tensor
from tapejax.distribute import _state
from tapejax.distribute._values import PerReplica, UnevenBatch


class InputReplicationMode(enum.Enum):
    """How input is replicated: `PER_WORKER` (one pipeline per worker) or `PER_REPLICA`."""

    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """Options for distributed input (accepted; tapejax places every batch on the strategy's mesh).

    Args:
      experimental_fetch_to_device: whether batches are moved to the devices (they always are).
      experimental_replication_mode: an `InputReplicationMode`.
      experimental_place_dataset_on_device: accepted for compatibility.
      experimental_per_replica_buffer_size: accepted for compatibility.
    """

    def __init__(self, experimental_fetch_to_device=None,
                 experimental_replication_mode=InputReplicationMode.PER_WORKER,
                 experimental_place_dataset_on_device=False, experimental_per_replica_buffer_size=1):
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size


class InputContext:
    """What an input pipeline needs to know in `distribute_datasets_from_function`.

    Args:
      num_input_pipelines: the number of input pipelines (one per worker process).
      input_pipeline_id: this pipeline's index, in `[0, num_input_pipelines)`.
      num_replicas_in_sync: the number of replicas computing in sync.
    """

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self._num_input_pipelines = num_input_pipelines
        self._input_pipeline_id = input_pipeline_id
        self._num_replicas_in_sync = num_replicas_in_sync

    @property
    def num_replicas_in_sync(self):
        """The number of replicas computing in sync."""
        return self._num_replicas_in_sync

    @property
    def input_pipeline_id(self):
        """This input pipeline's id, in `[0, num_input_pipelines)`."""
        return self._input_pipeline_id

    @property
    def num_input_pipelines(self):
        """The number of input pipelines."""
        return self._num_input_pipelines

    def get_per_replica_batch_size(self, global_batch_size):
        """Returns the per-replica batch size.

        Args:
          global_batch_size: the global batch size, divisible by `num_replicas_in_sync`.

        Returns:
          `global_batch_size // num_replicas_in_sync`.

        Raises:
          ValueError: `global_batch_size` does not divide by `num_replicas_in_sync`.
        """
        if global_batch_size % self._num_replicas_in_sync != 0:
            raise ValueError(f"The `global_batch_size` {global_batch_size!r} is not divisible by "
                             f"`num_replicas_in_sync` {self._num_replicas_in_sync!r} ")
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self):
        return (f"tf.distribute.InputContext(input pipeline id {self._input_pipeline_id}, "
                f"total: {self._num_input_pipelines})")


_distributed = weakref.WeakValueDictionary()  # id -> the Tensors `run` returned or distributed input holds


def mark_distributed(value):
    """Records a Tensor as a distributed value (TF's PerReplica/Mirrored: what `reduce` may SUM)."""
    if isinstance(value, Tensor):
        _distributed[id(value)] = value


def is_distributed(value):
    return isinstance(value, Tensor) and _distributed.get(id(value)) is value


def _is_batch_leaf(leaf):
    return isinstance(leaf, Tensor) and leaf.dtype.name != "string"


def _place_leaf(strategy, array, local_rows):
    """A global array for one leaf: `array` holds this process's rows (all rows in one process)."""
    mesh = strategy._mesh
    processes = jax.process_count()
    split = array.ndim > 0 and array.shape[0] % strategy._local_device_count == 0
    if processes == 1:
        return jax.device_put(array, strategy._batch_sharding if split else strategy._replicated)
    if not split:
        raise ValueError(f"In a multi-worker run each worker's batch must divide by its {strategy._local_device_count} "
                         f"local devices; got {array.shape[0] if array.ndim else 'a scalar'} rows on this "
                         f"worker (mesh {dict(mesh.shape)}).")
    host = np.asarray(array)
    if not local_rows:  # the same global batch on every process: take this process's rows
        per = host.shape[0] // processes
        if per * processes != host.shape[0]:
            raise ValueError(f"The global batch size {host.shape[0]} does not divide by the "
                             f"{processes} workers.")
        index = jax.process_index()
        host = host[index * per:(index + 1) * per]
    return jax.make_array_from_process_local_data(strategy._batch_sharding, host)


def _per_replica(strategy, array, local_rows):
    """A batch leaf as a `PerReplica` whose replica `i` holds the `i`-th slice of its rows (an
    `UnevenBatch` when they do not split evenly)."""
    local = strategy._local_device_count
    host = np.asarray(array)
    processes = jax.process_count()
    if processes > 1 and not local_rows:  # the same global batch on every process: take this process's rows
        per = host.shape[0] // processes if host.ndim else 0
        if host.ndim == 0 or per * processes != host.shape[0]:
            raise ValueError(f"The global batch size {host.shape[0] if host.ndim else 'of a scalar'} does not "
                             f"divide by the {processes} workers.")
        index = jax.process_index()
        host = host[index * per:(index + 1) * per]
    if host.ndim == 0 or host.shape[0] % local != 0:
        if processes > 1:
            raise ValueError(f"In a multi-worker run each worker's batch must divide by its {local} local "
                             f"devices; got {host.shape[0] if host.ndim else 'a scalar'} rows on this worker.")
        return UnevenBatch(Tensor(jax.device_put(array, strategy._replicated)))
    rows = host.reshape((local, host.shape[0] // local) + host.shape[1:])
    if processes == 1:
        return PerReplica(Tensor(jax.device_put(rows, strategy._batch_sharding)))
    return PerReplica(Tensor(jax.make_array_from_process_local_data(strategy._batch_sharding, rows)))


def distribute_element(strategy, element, local_rows=False, per_replica=False):
    """`element` (a nest of Tensors holding one batch) with each array split over the strategy's
    devices: as one global Tensor, or (`per_replica`, with several replicas) as `PerReplica` values,
    what `strategy.run` gives each replica its slice of."""
    per_replica = per_replica and strategy.num_replicas_in_sync > 1

    def place(leaf):
        if not _is_batch_leaf(leaf):
            return leaf
        if per_replica:
            return _per_replica(strategy, leaf._value, local_rows)
        placed = Tensor(_place_leaf(strategy, leaf._value, local_rows))
        mark_distributed(placed)
        return placed
    return jax.tree_util.tree_map(place, element)


def keras_strategy(model):
    """The strategy a Keras model was made in: its weights' or (not built yet) its optimizer's."""
    for variable in model.weights:
        return getattr(variable, "_distribute_strategy", None)
    iterations = getattr(getattr(model, "optimizer", None), "_iterations", None)
    return getattr(iterations, "_distribute_strategy", None)


def keras_scope(model):
    """The model's strategy's scope, as Keras enters it around each training step (weights a
    step builds are then made in it); a no-op scope for a model made outside scopes."""
    strategy = keras_strategy(model)
    if strategy is None or _state.current()[0] is strategy:
        return contextlib.nullcontext()
    return strategy.scope()


def distribute_keras_batch(model, data):
    """A Keras `fit`/`evaluate` batch split over the devices of the model's strategy (as Keras 3's
    `DataParallel` places data); unchanged for a model made outside scopes."""
    strategy = keras_strategy(model)
    if strategy is None or (strategy.num_replicas_in_sync == 1 and jax.process_count() == 1):
        return data
    return distribute_element(strategy, data)


def _concat_batches(batches):
    def concat(*leaves):
        first = leaves[0]
        if not _is_batch_leaf(first):
            return first
        return Tensor(np.concatenate([np.asarray(leaf._value) for leaf in leaves]))
    return jax.tree_util.tree_map(concat, *batches)


class DistributedIterator:
    """An iterator over a distributed dataset: each `next()` is one global batch, split on the devices."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._strategy = dataset._strategy
        self._iterator = iter(dataset._dataset)

    def __iter__(self):
        return self

    def __next__(self):
        self._strategy._wait_for_steps()
        if self._dataset._per_replica:  # one batch of the pipeline per local device, as TF
            parts = [next(self._iterator) for _ in range(self._strategy._local_device_count)]
            return distribute_element(self._strategy, _concat_batches(parts), local_rows=True, per_replica=True)
        return distribute_element(self._strategy, next(self._iterator), per_replica=True)

    def get_next(self):
        """Returns the next global batch (raises `StopIteration` at the end, as TF's `OutOfRangeError` for loops)."""
        return next(self)

    @property
    def element_spec(self):
        return self._dataset.element_spec


class DistributedDataset:
    """A dataset distributed by a strategy: iterate it to get global batches split over the devices.

    Made by `strategy.experimental_distribute_dataset(dataset)` (each batch of `dataset` is a global
    batch) or `strategy.distribute_datasets_from_function(fn)` (`fn`'s dataset gives per-replica
    batches; one per local device makes a global batch, as in TF).
    """

    def __init__(self, strategy, dataset, per_replica=False):
        self._strategy = strategy
        self._dataset = dataset
        self._per_replica = per_replica

    def __iter__(self):
        check_host_iteration("iterating a distributed dataset")
        return DistributedIterator(self)

    @property
    def element_spec(self):
        """The element spec of the underlying dataset's elements."""
        return self._dataset.element_spec

    def cardinality(self):
        """The number of global batches (as the underlying dataset counts them)."""
        return self._dataset.cardinality()

    def __repr__(self):
        return f"<DistributedDataset of {self._dataset!r} over {self._strategy.num_replicas_in_sync} replicas>"
