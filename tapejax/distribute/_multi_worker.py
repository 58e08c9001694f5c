"""`MultiWorkerMirroredStrategy` on `jax.distributed`, its cluster resolvers and communication options.

The processes join one JAX runtime when tapejax is imported (`tapejax._distribute_bootstrap`, from
`TF_CONFIG`); the strategy is then a `MirroredStrategy` over every process's devices. Each worker
feeds its rows of each global batch, and the programs' all-reduces cross processes (gloo on CPU,
NCCL on GPU).
"""

from __future__ import annotations

import enum
import json
import os

import jax
import numpy as np
from jax.experimental import multihost_utils

from tapejax import _distribute_bootstrap
from tapejax._errors import UnavailableError
from tapejax._ops import random_ops
from tapejax.distribute._strategy import Strategy


class CommunicationImplementation(enum.Enum):
    """Cross-worker communication: `AUTO`, `RING` (gRPC/gloo) or `NCCL` (XLA picks in tapejax)."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


class CommunicationOptions:
    """Options for cross-worker communication (accepted; XLA chooses how collectives run).

    Args:
      bytes_per_pack: split the gradients into packs of about this many bytes (0: no split).
      timeout_seconds: a timeout for collectives (None: none).
      implementation: a `CommunicationImplementation`.
    """

    def __init__(self, bytes_per_pack=0, timeout_seconds=None,
                 implementation=CommunicationImplementation.AUTO):
        if bytes_per_pack < 0:
            raise ValueError(f"bytes_per_pack must be non-negative, got {bytes_per_pack}.")
        if isinstance(implementation, str):
            implementation = CommunicationImplementation(implementation.upper())
        if not isinstance(implementation, CommunicationImplementation):
            raise ValueError("implementation should be a tf.distribute.experimental.CommunicationImplementation")
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = implementation


class ClusterSpec:
    """The tasks of a cluster, by job name (`tf.train.ClusterSpec`).

    Args:
      cluster: a dict `{job name: [address, ...]}` (or `{job: {index: address}}`), or a ClusterSpec.
    """

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        self._jobs = {}
        for job, tasks in dict(cluster).items():
            if isinstance(tasks, dict):
                self._jobs[job] = {int(i): a for i, a in tasks.items()}
            else:
                self._jobs[job] = dict(enumerate(tasks))

    @property
    def jobs(self):
        return sorted(self._jobs)

    def as_dict(self):
        """`{job: [address, ...]}` (a dict by index where the indices have gaps)."""
        out = {}
        for job, tasks in self._jobs.items():
            out[job] = [tasks[i] for i in sorted(tasks)] if sorted(tasks) == list(range(len(tasks))) else dict(tasks)
        return out

    def num_tasks(self, job_name):
        return len(self._jobs[job_name])

    def task_indices(self, job_name):
        return sorted(self._jobs[job_name])

    def task_address(self, job_name, task_index):
        try:
            return self._jobs[job_name][task_index]
        except KeyError:
            raise ValueError(f"No task with index {task_index!r} in job {job_name!r}") from None

    def job_tasks(self, job_name):
        tasks = self._jobs[job_name]
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []

    def __bool__(self):
        return bool(self._jobs)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return f"ClusterSpec({self.as_dict()!r})"


class ClusterResolver:
    """Base class of cluster resolvers: the cluster, this task's type and index."""

    task_type = None
    task_id = None
    rpc_layer = "grpc"

    def cluster_spec(self):
        raise NotImplementedError

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        spec = self.cluster_spec()
        task_type = self.task_type if task_type is None else task_type
        task_id = self.task_id if task_id is None else task_id
        if not spec or task_type is None:
            return ""
        address = spec.task_address(task_type, task_id)
        layer = self.rpc_layer if rpc_layer is None else rpc_layer
        return f"{layer}://{address}" if layer else address

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        gpus = [d for d in jax.local_devices() if d.platform == "gpu"]
        return {"GPU": len(gpus)} if gpus else {}

    @property
    def environment(self):
        return ""


class SimpleClusterResolver(ClusterResolver):
    """A cluster resolver holding what it is given.

    Args:
      cluster_spec: a `ClusterSpec`.
      master: the master address.
      task_type: this task's job name.
      task_id: this task's index.
      environment: the environment ("" or "google").
      num_accelerators: `{device type: count}`.
      rpc_layer: the RPC protocol.
    """

    def __init__(self, cluster_spec, master="", task_type=None, task_id=None, environment="",
                 num_accelerators=None, rpc_layer=None):
        self._cluster_spec = cluster_spec if isinstance(cluster_spec, ClusterSpec) else ClusterSpec(cluster_spec)
        self._master = master
        self.task_type, self.task_id = task_type, task_id
        self._environment = environment
        self._num_accelerators = num_accelerators
        self.rpc_layer = rpc_layer

    def cluster_spec(self):
        return self._cluster_spec

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        if task_type is not None and task_id is not None:
            return super().master(task_type, task_id, rpc_layer)
        return self._master

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        return dict(self._num_accelerators or {})

    @property
    def environment(self):
        return self._environment


class TFConfigClusterResolver(ClusterResolver):
    """Reads the cluster from the `TF_CONFIG` environment variable.

    Args:
      task_type: overrides `TF_CONFIG["task"]["type"]`.
      task_id: overrides `TF_CONFIG["task"]["index"]`.
      rpc_layer: overrides `TF_CONFIG["rpc_layer"]`.
      environment: overrides `TF_CONFIG["environment"]`.
    """

    def __init__(self, task_type=None, task_id=None, rpc_layer=None, environment=None):
        self._task_type, self._task_id = task_type, task_id
        self._rpc_layer, self._environment = rpc_layer, environment

    def _config(self):
        text = os.environ.get("TF_CONFIG", "")
        return json.loads(text) if text else {}

    @property
    def task_type(self):
        if self._task_type is not None:
            return self._task_type
        return self._config().get("task", {}).get("type")

    @task_type.setter
    def task_type(self, value):
        self._task_type = value

    @property
    def task_id(self):
        if self._task_id is not None:
            return self._task_id
        index = self._config().get("task", {}).get("index")
        return None if index is None else int(index)

    @task_id.setter
    def task_id(self, value):
        self._task_id = value

    @property
    def rpc_layer(self):
        return self._rpc_layer if self._rpc_layer is not None else self._config().get("rpc_layer")

    @rpc_layer.setter
    def rpc_layer(self, value):
        self._rpc_layer = value

    @property
    def environment(self):
        return self._environment if self._environment is not None else self._config().get("environment", "")

    def cluster_spec(self):
        return ClusterSpec(self._config().get("cluster", {}))


def _agree_on_seed():
    """One base for tapejax's global random seed on every process (process 0's), unless the user set one."""
    seed = random_ops._global
    if seed.seed is not None:
        return
    agreed = multihost_utils.broadcast_one_to_all(np.asarray(seed.base & 0x7FFFFFFF, np.int32))
    seed.base = int(np.asarray(agreed))


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous training across several workers (processes), each with its local devices.

    The workers join one JAX runtime (`jax.distributed`) when tapejax is imported, from `TF_CONFIG`
    (`{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": i}}`); the
    strategy's mesh holds every worker's devices. Variables made in `scope()` are replicated,
    each worker supplies its rows of every global batch, and gradients are all-reduced across
    workers by the compiled program. Random initial values agree across workers (process 0's seed).

    Args:
      cluster_resolver: a cluster resolver (default: `TFConfigClusterResolver()`).
      communication_options: a `tf.distribute.experimental.CommunicationOptions` (accepted).

    Raises:
      tf.errors.UnavailableError: the cluster could not be joined (a worker did not start in time).
      RuntimeError: `TF_CONFIG` names several workers but was set after tapejax was imported.
    """

    _name = "MultiWorkerMirroredStrategy"

    def __init__(self, cluster_resolver=None, communication_options=None):
        resolver = TFConfigClusterResolver() if cluster_resolver is None else cluster_resolver
        spec = resolver.cluster_spec().as_dict() if resolver.cluster_spec() else {}
        tasks = _distribute_bootstrap.collective_tasks(spec)
        if len(tasks) > 1 and jax.process_count() != len(tasks):
            error = _distribute_bootstrap.status["error"]
            if error:
                raise UnavailableError(error)
            raise RuntimeError(
                f"The cluster names {len(tasks)} tasks ({tasks}) but this process runs alone: tapejax joins "
                f"the cluster when it is imported, so set TF_CONFIG before `import tensorflow` "
                f"(or `import tapejax`), e.g. in the environment the worker starts with.")
        super().__init__(jax.devices())
        self._cluster_resolver = resolver
        self._communication_options = communication_options or CommunicationOptions()
        if jax.process_count() > 1:
            _agree_on_seed()

    @property
    def cluster_resolver(self):
        """The cluster resolver (task type and id of this worker)."""
        return self._cluster_resolver

    def _is_chief(self):
        resolver = self._cluster_resolver
        spec = resolver.cluster_spec().as_dict() if resolver.cluster_spec() else {}
        if resolver.task_type in (None, "chief"):
            return True
        return resolver.task_type == "worker" and not spec.get("chief") and (resolver.task_id or 0) == 0
