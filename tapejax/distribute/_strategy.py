"""Strategies: `MirroredStrategy`, `OneDeviceStrategy` and the default strategy, on a JAX mesh.

A strategy holds a one-axis `jax.sharding.Mesh` (axis `"replica"`) over its devices. Variables made in
its `scope()` are replicated on the mesh (`NamedSharding(mesh, P())`), distributed datasets split each
batch along the batch axis (`P("replica")`). With several replicas `run(fn, args)` runs `fn` once
per replica on its own slice, as TF does, on `jax.shard_map` (see `_replica`); its results are
`PerReplica` values. With one replica `fn` is called on the values themselves.
"""

from __future__ import annotations

import contextlib
import functools
import weakref

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from tapejax import _context, _device, _function, _nest
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax.data import Dataset
from tapejax.distribute import _input, _replica, _state
from tapejax.distribute._losses import INT_QUOTIENT
from tapejax.distribute._reduce_op import ReduceOp, as_reduce_op
from tapejax.distribute._values import AXIS, PerReplica, UnevenBatch


def _per_replica_leaf(x):
    return isinstance(x, PerReplica) or _nest._is_leaf(x)


class _PythonResult:
    """A Python value `fn` returned, carried through the compiled eager `run` as a static result."""

    def __init__(self, value):
        self.value = value


def _in_trace():
    return _context.current.trace is not None or _context.current.function_depth > 0


def _jax_device(spec):
    """The local JAX device a TF device string names ("/gpu:1", "/device:CPU:0", "cpu:0")."""
    if isinstance(spec, jax.Device):
        return spec
    parsed = _device.parse(spec if "/" in spec or ":" in spec else f"/{spec}")
    kind, index = (parsed[3] or "CPU").upper(), parsed[4] or 0
    kind = {"XLA_CPU": "CPU", "XLA_GPU": "GPU"}.get(kind, kind)
    of_kind = [d for k, i, d in _device._indexed_devices() if k == kind]
    if index < len(of_kind):
        return of_kind[index]
    raise ValueError(f"Unknown device {spec!r}: this process has {len(of_kind)} {kind} device(s) "
                     f"({[str(d) for d in jax.local_devices()]}).")


_strategy_classes = {}


def _assign_in_replica(method, op_name):
    """A Variable assign op that, in a replica of a per-replica `run`, applies the replicas' values
    combined as the Variable's aggregation says (TF's rule for a MirroredVariable)."""
    check = "_check_assignable" if op_name == "assign" else "_check_update"

    def assign_op(self, value, use_locking=None, name=None, read_value=True):
        body = _replica.current_body()
        if body is not None and _state.current()[1]:
            array = getattr(self, check)(value) if check == "_check_assignable" else \
                self._check_update(value, op_name)
            value = Tensor(_replica.aggregate_update(self, array, op_name))
        return method(self, value, use_locking=use_locking, name=name, read_value=read_value)
    assign_op.__name__ = method.__name__
    assign_op.__doc__ = method.__doc__
    return assign_op


def _strategy_class(cls, wait):
    """A subclass of the Variable class `cls` for a strategy's Variables.

    Its assign ops follow TF's aggregation rules inside a per-replica `run`. With `wait`, a read
    waits until the Variable's array has been computed: on XLA's CPU devices, programs with
    collectives dispatched back to back without a read can deadlock (the rendezvous of one program
    waits for threads busy in the next one), so a step reading a Variable runs after the last one.
    """
    key = (cls, wait)
    found = _strategy_classes.get(key)
    if found is None:
        members = {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                   "assign": _assign_in_replica(cls.assign, "assign"),
                   "assign_add": _assign_in_replica(cls.assign_add, "AssignAddVariableOp"),
                   "assign_sub": _assign_in_replica(cls.assign_sub, "AssignSubVariableOp")}
        if wait:
            stored = cls._array

            def ready_array(self):
                array = stored.fget(self)
                if not isinstance(array, jax.core.Tracer):
                    array.block_until_ready()
                return array
            members["_array"] = property(ready_array, stored.fset, doc=stored.__doc__)
        found = _strategy_classes[key] = type(cls.__name__, (cls,), members)
    return found


def _default_devices():
    """All devices of the default backend (every process's, as TF's MirroredStrategy uses the local GPUs or the CPU)."""
    return list(jax.devices())


class ReplicaContext:
    """The context of code running in a replica (inside `strategy.run`).

    With several replicas `fn` runs per replica (see `_replica`): `replica_id_in_sync_group` is the
    replica's index and the collectives combine the replicas' values. Outside a per-replica run (one
    replica, or the default strategy) they return the value itself.
    """

    def __init__(self, strategy, replica_id_in_sync_group=0):
        self._strategy = strategy
        self._replica_id = replica_id_in_sync_group

    @property
    def strategy(self):
        """The strategy this replica context belongs to."""
        return self._strategy

    @property
    def num_replicas_in_sync(self):
        """The number of replicas computing in sync."""
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self):
        """This replica's index among the replicas in sync (an int32 Tensor)."""
        if _replica.current_body() is not None:
            return Tensor(_replica.replica_id())
        return convert_to_tensor(self._replica_id)

    @property
    def devices(self):
        return tuple(_device.device_string(d) for d in self._strategy._devices)

    def all_reduce(self, reduce_op, value, options=None):
        """All-reduces `value` across replicas.

        Args:
          reduce_op: a `tf.distribute.ReduceOp` (or "SUM" / "MEAN").
          value: a Tensor, or a nest of them.
          options: a `tf.distribute.experimental.CommunicationOptions` (accepted).

        Returns:
          The replicas' values summed (or averaged), the same on every replica.
        """
        op = as_reduce_op(reduce_op)
        if _replica.current_body() is None:
            return jax.tree_util.tree_map(convert_to_tensor, value)
        return jax.tree_util.tree_map(
            lambda v: Tensor(_replica.all_reduce(op.value, convert_to_tensor(v)._value)), value)

    def all_gather(self, value, axis, options=None):
        """All-gathers `value` across replicas along `axis`.

        Args:
          value: a Tensor (of rank 1 or more), or a nest of them.
          axis: the axis to concatenate the replicas' values along.
          options: accepted.

        Returns:
          The replicas' values concatenated along `axis` (replica 0 first), on every replica.
        """
        if _replica.current_body() is None:
            return jax.tree_util.tree_map(convert_to_tensor, value)

        def gather(v):
            array = convert_to_tensor(v)._value
            if array.ndim == 0:
                raise ValueError("all_gather needs values of rank 1 or more (a scalar has no axis to "
                                 "concatenate along): expand its dimensions first (tf.expand_dims).")
            stacked = _replica.stack(array)
            return Tensor(jax.numpy.concatenate(list(stacked), axis=axis))
        return jax.tree_util.tree_map(gather, value)

    def merge_call(self, merge_fn, args=(), kwargs=None):
        """Calls `merge_fn(strategy, *args, **kwargs)` in the cross-replica context.

        Inside a per-replica run, each Tensor in `args` and `kwargs` reaches `merge_fn` as a
        `PerReplica` of every replica's value, and what `merge_fn` returns goes back to each replica.
        """
        if _replica.current_body() is not None:
            args, kwargs = jax.tree_util.tree_map(
                lambda v: PerReplica(Tensor(_replica.stack(v._value))) if type(v) is Tensor else v,
                (tuple(args), dict(kwargs or {})), is_leaf=_per_replica_leaf)
        _state.push(self._strategy, False)
        try:
            return merge_fn(self._strategy, *args, **(kwargs or {}))
        finally:
            _state.pop()


class StrategyExtended:
    """Additional strategy APIs (`strategy.extended`)."""

    def __init__(self, strategy):
        self._strategy = strategy

    @property
    def worker_devices(self):
        """The devices of this worker's replicas, as TF's device strings."""
        return tuple(_device.device_string(d) for d in self._strategy._devices
                     if d.process_index == jax.process_index())

    @property
    def parameter_devices(self):
        return self.worker_devices

    @property
    def experimental_require_static_shapes(self):
        return False

    @property
    def should_checkpoint(self):
        """Whether this worker writes checkpoints (the chief, in a multi-worker run)."""
        return self._strategy._is_chief()

    @property
    def should_save_summary(self):
        return self._strategy._is_chief()

    def variable_created_in_scope(self, v):
        """Whether the Variable `v` was created inside this strategy's `scope()`."""
        return getattr(v, "_distribute_strategy", None) is self._strategy

    @contextlib.contextmanager
    def colocate_vars_with(self, colocate_with_variable):
        """A scope where new Variables are placed like `colocate_with_variable` (all are replicated)."""
        if not self.variable_created_in_scope(colocate_with_variable):
            raise ValueError(f"`colocate_vars_with` must only be passed a variable created in this "
                             f"tf.distribute.Strategy.scope(), not: {colocate_with_variable!r}")
        yield


class Strategy:
    """A list of devices and how computation is distributed over them (see `MirroredStrategy`)."""

    _name = "Strategy"

    def __init__(self, devices):
        devices = list(devices)
        if not devices:
            raise ValueError("Got an empty `devices` list and unable to recognize any local devices.")
        if len(set(devices)) != len(devices):
            raise ValueError(f"No duplicates allowed in `devices` argument: {devices}")
        self._devices = devices
        self._mesh = Mesh(np.array(devices), (AXIS,))
        self._replicated = NamedSharding(self._mesh, PartitionSpec())
        self._batch_sharding = NamedSharding(self._mesh, PartitionSpec(AXIS))
        self._local_device_count = sum(d.process_index == jax.process_index() for d in devices)
        self._variables = []  # weak references to the Variables made in scope()
        # Unread back-to-back collective programs can deadlock XLA's CPU devices: wait on each step.
        self._wait = sum(d.process_index == jax.process_index() for d in devices) > 1 and all(
            d.platform == "cpu" for d in devices)
        self._eager_runs = weakref.WeakKeyDictionary()  # fn -> its compiled per-replica eager `run`
        self.extended = StrategyExtended(self)

    # -- facts --------------------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self):
        """The number of replicas over which gradients are aggregated (the mesh's devices)."""
        return len(self._devices)

    @property
    def cluster_resolver(self):
        """The cluster resolver of a multi-worker strategy; None here."""
        return None

    def _is_chief(self):
        return True

    # -- scope ----------------------------------------------------------------------------------
    def scope(self):
        """Returns a context manager selecting this strategy as current.

        Inside it, new Variables (those of Keras layers, models, optimizers and metrics included)
        are replicated on the strategy's devices, and `tf.distribute.get_strategy()` returns this
        strategy.

        Returns:
          A context manager.

        Raises:
          RuntimeError: on entering, when another strategy's scope is active.
        """
        return _Scope(self)

    def _note_variable(self, variable):
        variable._distribute_strategy = self
        self._variables.append(weakref.ref(variable))
        if self._wait or self.num_replicas_in_sync > 1:
            variable.__class__ = _strategy_class(type(variable), self._wait)
        array = variable._array
        if isinstance(array, jax.core.Tracer):
            return
        with jax.ensure_compile_time_eval():  # a Variable made in a trace holds a real array, placed now
            if jax.process_count() == 1:
                variable._array = jax.device_put(array, self._replicated)
            else:
                host = np.asarray(array)
                variable._array = jax.make_array_from_callback(host.shape, self._replicated,
                                                               lambda index: host[index])

    def _wait_for_steps(self):
        """Blocks until the programs that update this strategy's Variables have run (CPU meshes only)."""
        if not self._wait or _in_trace():
            return
        live, arrays = [], []
        for ref in self._variables:
            variable = ref()
            if variable is not None:
                live.append(ref)
                arrays.append(variable._array)
        self._variables = live
        jax.block_until_ready(arrays)

    # -- input ------------------------------------------------------------------------------------
    def experimental_distribute_dataset(self, dataset, options=None):
        """Distributes a `tf.data.Dataset` of global batches over the replicas.

        Args:
          dataset: a `tf.data.Dataset` whose elements are global batches.
          options: a `tf.distribute.InputOptions` (accepted).

        Returns:
          A `DistributedDataset`; each element is a global batch whose arrays are split along the
          batch axis over the replicas.
        """
        if not isinstance(dataset, Dataset):
            raise AttributeError(f"'{type(dataset).__name__}' object has no attribute '_variant_tensor' "
                                 f"(experimental_distribute_dataset takes a tf.data.Dataset)")
        if self.num_replicas_in_sync > 1:
            for spec in jax.tree_util.tree_leaves(dataset.element_spec):
                if getattr(spec, "shape", None) is not None and spec.shape.rank == 0:
                    raise IndexError("list index out of range (experimental_distribute_dataset needs batched "
                                     "elements to split them over the replicas: call .batch() first)")
        return _input.DistributedDataset(self, dataset)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """Distributes the dataset `dataset_fn(input_context)` returns, one pipeline per worker.

        Args:
          dataset_fn: a function of a `tf.distribute.InputContext` returning a `tf.data.Dataset` of
            per-replica batches (`input_context.get_per_replica_batch_size(GLOBAL_BATCH_SIZE)`).
          options: a `tf.distribute.InputOptions` (accepted).

        Returns:
          A `DistributedDataset`; each global batch is one batch of the pipeline per local replica.
        """
        context = _input.InputContext(num_input_pipelines=jax.process_count(),
                                      input_pipeline_id=jax.process_index(),
                                      num_replicas_in_sync=self.num_replicas_in_sync)
        return _input.DistributedDataset(self, dataset_fn(context), per_replica=True)

    def experimental_distribute_values_from_function(self, value_fn):
        """Distributes the values `value_fn(context)` returns for each replica.

        Args:
          value_fn: a function of a `tf.distribute.experimental.ValueContext` returning a replica's value.

        Returns:
          A `PerReplica` value (a nest of them) with several replicas; with one, its value.
        """
        values = [value_fn(ValueContext(i, self.num_replicas_in_sync)) for i in range(self.num_replicas_in_sync)]
        if self.num_replicas_in_sync == 1:
            return _input.distribute_element(self, jax.tree_util.tree_map(convert_to_tensor, values[0]))
        return jax.tree_util.tree_map(
            lambda *parts: PerReplica(Tensor(jax.device_put(np.stack([np.asarray(convert_to_tensor(p)._value)
                                                                      for p in parts]), self._batch_sharding))),
            *values)

    # -- computation ------------------------------------------------------------------------------
    def run(self, fn, args=(), kwargs=None, options=None):
        """Runs `fn` on each replica, with the replica's values of `args` and `kwargs`.

        With several replicas `fn` runs once per replica, as in TF, on `jax.shard_map` over the
        strategy's devices (see `_replica` for what can and cannot differ between replicas); with one
        it is called on the values themselves.

        Args:
          fn: the function to run; it may create no Variables (as in TF after the first call).
          args: positional arguments of `fn` (distributed batches, Tensors, Python values).
          kwargs: keyword arguments of `fn`.
          options: a `tf.distribute.RunOptions` (accepted).

        Returns:
          What `fn` returns, with each Tensor a `PerReplica` value (one per replica) when there are
          several replicas.

        Raises:
          NotImplementedError: `fn` computes a value that TF computes per replica and tapejax cannot
            (the message says what to change), or a GradientTape outside `run` records it.
        """
        kwargs = kwargs or {}
        listeners = _context.current.creation_listeners
        if self._note_variable not in listeners:  # Variables made in `fn` are the strategy's, as in its scope
            listeners = [self._note_variable, *listeners]  # placed before a trace's listener records it
        if self.num_replicas_in_sync == 1:
            _state.push(self, True)
            try:
                with _context.scope(creation_listeners=listeners):
                    result = fn(*args, **kwargs)
            finally:
                _state.pop()
        else:
            if _context.current.recording:
                raise NotImplementedError(
                    "tapejax.distribute: a GradientTape outside strategy.run records it; compute the "
                    "gradients inside the replica function (with the tape and the optimizer there), as "
                    "TF's distributed training loops do.")
            if _in_trace():
                result = _replica.run(self, fn, args, kwargs, listeners)
            else:  # one compiled program per (fn, argument signature), as a tf.function step
                compiled = self._eager_runs.get(fn)
                if compiled is None:  # its own, so that its first call may create Variables (as eager TF)
                    compiled = self._eager_runs[fn] = _function.function(
                        functools.partial(self._traced_run, fn), autograph=False)
                result = jax.tree_util.tree_map(lambda v: v.value if isinstance(v, _PythonResult) else v,
                                                compiled(tuple(args), kwargs), is_leaf=_per_replica_leaf)
        self._wait_for_steps()
        for leaf in jax.tree_util.tree_leaves(result, is_leaf=_per_replica_leaf):
            _input.mark_distributed(leaf)
        return result

    def _traced_run(self, fn, args, kwargs):  # noqa: D401 - the body of an eager `run`
        listeners = [self._note_variable, *_context.current.creation_listeners]
        result = _replica.run(self, fn, args, kwargs, listeners)
        # Python numbers come back as they are (a traced function's would become Tensors)
        return jax.tree_util.tree_map(
            lambda v: _PythonResult(v) if isinstance(v, (bool, int, float, complex, np.number, np.bool_)) else v,
            result, is_leaf=_per_replica_leaf)

    def reduce(self, reduce_op, value, axis):
        """Reduces `value` across replicas (and along `axis`) in the cross-replica context.

        Args:
          reduce_op: a `tf.distribute.ReduceOp` (or its name, "SUM" / "MEAN").
          value: a `PerReplica` value (what `run` returns, a distributed batch), a Variable, a
            Tensor, or a nest of them.
          axis: None to reduce only across replicas, or an axis of the per-replica values to
            reduce along too.

        Returns:
          A Tensor (or a nest of them).

        Raises:
          ValueError: an unknown `reduce_op`, an `axis` the per-replica values do not have, or a
            SUM with `axis=None` of a value that is not distributed (with more than one replica, as TF).
        """
        reduce_op = as_reduce_op(reduce_op)

        def per_replica(v):
            stacked = v.stacked
            if isinstance(v, UnevenBatch):  # the global batch, unsplit
                if axis is None:
                    raise _replica.uneven_error(stacked.shape, self.num_replicas_in_sync)
                return math_ops.reduce_mean(stacked, axis=axis) if reduce_op is ReduceOp.MEAN else \
                    math_ops.reduce_sum(stacked, axis=axis)
            if axis is None:
                axes = 0
            else:
                rank = stacked.shape.rank - 1
                if not -rank <= axis < rank:
                    raise ValueError(f"Invalid reduction dimension {axis} for input with {rank} dimensions.")
                axes = [0, axis % rank + 1]
            if reduce_op is ReduceOp.MEAN:
                quotient = INT_QUOTIENT.get(stacked.dtype.name)  # TF divides the sum by the count
                if quotient is not None:
                    stacked = math_ops.cast(stacked, quotient)
                return math_ops.reduce_mean(stacked, axis=axes)
            return math_ops.reduce_sum(stacked, axis=axes)

        def one(v):
            if isinstance(v, PerReplica):
                return per_replica(v)
            distributed = _input.is_distributed(v) or self.extended.variable_created_in_scope(v)
            v = convert_to_tensor(v)
            if axis is None:
                if reduce_op is ReduceOp.SUM and self.num_replicas_in_sync > 1 and not distributed:
                    raise ValueError(f"A non-DistributedValues value {v!s} cannot be reduced with the given "
                                     f"reduce op {reduce_op}.")
                return v
            if reduce_op is ReduceOp.MEAN:
                return math_ops.reduce_mean(v, axis=axis)
            total = math_ops.reduce_sum(v, axis=axis)
            # TF: a value that is not distributed is the same on every replica, each adding it once
            return total if distributed else total * self.num_replicas_in_sync
        return jax.tree_util.tree_map(one, value, is_leaf=_per_replica_leaf)

    def gather(self, value, axis):
        """Gathers `value` from all replicas along `axis`.

        Args:
          value: a `PerReplica` value (or a Tensor, the same on every replica), or a nest of them.
          axis: the axis to concatenate the replicas' values along.

        Returns:
          A Tensor (or nest) with the replicas' values concatenated along `axis`, replica 0 first.

        Raises:
          ValueError: the per-replica values are scalars (they have no axis to concatenate along).
        """
        def one(v):
            if isinstance(v, UnevenBatch):
                return v.stacked
            if isinstance(v, PerReplica):
                if v.stacked.shape.rank < 2:
                    raise ValueError("strategy.gather needs per-replica values of rank 1 or more (a scalar has "
                                     "no axis to concatenate along): expand its dimensions first.")
                stacked = v.stacked
                rank = stacked.shape.rank - 1
                at = axis % rank
                order = list(range(1, at + 1)) + [0] + list(range(at + 1, rank + 1))
                shape = list(stacked.shape[1:])
                shape[at] = shape[at] * stacked.shape[0]
                return array_ops.reshape(array_ops.transpose(stacked, order), shape)
            return convert_to_tensor(v)
        return jax.tree_util.tree_map(one, value, is_leaf=_per_replica_leaf)

    def experimental_local_results(self, value):
        """The values on this worker's replicas, as a tuple (one entry per local replica).

        A `PerReplica` value (a result of `run`, a distributed batch) gives each local replica's
        value; a value split along its batch axis over the replicas gives its slices; any other
        value (replicated) gives itself once.
        """
        leaves, tree = jax.tree_util.tree_flatten(value, is_leaf=_per_replica_leaf)
        if leaves and all(isinstance(leaf, PerReplica) and not isinstance(leaf, UnevenBatch)
                          for leaf in leaves):
            split = [leaf.values for leaf in leaves]
            return tuple(jax.tree_util.tree_unflatten(tree, [s[i] for s in split]) for i in range(len(split[0])))

        def shards(v):
            array = getattr(v, "_value", None) if isinstance(v, Tensor) else None
            sharding = getattr(array, "sharding", None)
            if (isinstance(sharding, NamedSharding) and sharding.mesh is self._mesh
                    and sharding.spec == PartitionSpec(AXIS)):
                ordered = sorted(array.addressable_shards, key=lambda s: s.index[0].start or 0)
                return tuple(Tensor(s.data) for s in ordered)
            return None
        split = [shards(leaf) for leaf in leaves]
        if leaves and all(s is not None for s in split):
            return tuple(jax.tree_util.tree_unflatten(tree, [s[i] for s in split]) for i in range(len(split[0])))
        return (value,)

    def __repr__(self):
        return f"<tapejax.distribute.{self._name} over {self.num_replicas_in_sync} device(s)>"


class ValueContext:
    """What `experimental_distribute_values_from_function`'s function is told about its replica."""

    def __init__(self, replica_id_in_sync_group=0, num_replicas_in_sync=1):
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync


class _Scope:
    """`strategy.scope()`: the strategy current, new Variables replicated on its mesh."""

    def __init__(self, strategy):
        self._strategy = strategy
        self._stack = None

    def __enter__(self):
        strategy = self._strategy
        current, _ = _state.current()
        if current is not None and current is not strategy:
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {current} is not {strategy}")
        stack = contextlib.ExitStack()
        if isinstance(strategy, _DefaultStrategy):  # the default scope changes nothing (has_strategy stays False)
            _state.push(None, True)
        else:
            stack.enter_context(_context.scope(
                creation_listeners=[*_context.current.creation_listeners, strategy._note_variable]))
            _state.push(strategy, False)
        stack.callback(_state.pop)
        self._stack = stack
        return strategy

    def __exit__(self, *exc):
        stack, self._stack = self._stack, None
        stack.close()
        return False


class MirroredStrategy(Strategy):
    """Synchronous training on several devices of one machine (or, here, of the JAX runtime).

    Variables made in `scope()` are replicated on every device; each global batch is split along its
    batch axis; gradients are all-reduced by the partitioned program JAX compiles.

    Args:
      devices: the devices to use, as TF device strings ("/gpu:0") or JAX devices. Default: every
        device of JAX's default backend (the GPUs, or the CPU devices `--xla_force_host_platform_device_count` makes).
      cross_device_ops: a `tf.distribute.CrossDeviceOps` (accepted; XLA chooses the all-reduce).
    """

    _name = "MirroredStrategy"

    def __init__(self, devices=None, cross_device_ops=None):
        if devices is None:
            chosen = _default_devices()
        else:
            if isinstance(devices, (str, jax.Device)):
                devices = [devices]
            chosen = [_jax_device(d) for d in devices]
        super().__init__(chosen)
        self._cross_device_ops = cross_device_ops


class OneDeviceStrategy(Strategy):
    """A strategy placing variables and computation on one device.

    Args:
      device: the device, as a TF device string ("/cpu:0", "/gpu:0") or a JAX device.
    """

    _name = "OneDeviceStrategy"

    def __init__(self, device):
        super().__init__([_jax_device(device)])


class _DefaultStrategy(Strategy):
    """The strategy current outside every scope: one replica, values left where they are."""

    _name = "_DefaultDistributionStrategy"

    def __init__(self):
        super().__init__([jax.local_devices()[0]])

    def run(self, fn, args=(), kwargs=None, options=None):
        return fn(*args, **(kwargs or {}))

    def experimental_distribute_dataset(self, dataset, options=None):
        return dataset

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        return dataset_fn(_input.InputContext())


_state.set_default_factory(_DefaultStrategy)


def check_optimizer_variables(optimizer, optimizer_variable, variables):
    """TF's errors for an optimizer building its slots for Variables of another strategy's scope.

    Args:
      optimizer: the Keras optimizer (its clipping settings decide what a per-replica step may do).
      optimizer_variable: a Variable the optimizer made when it was created (its `iterations`).
      variables: the Variables the optimizer is built for.

    Raises:
      ValueError: the optimizer was made in a strategy's scope and a Variable outside it.
      RuntimeError: a Variable was made in a strategy's scope and the optimizer outside it.
    """
    own = getattr(optimizer_variable, "_distribute_strategy", None)
    if own is not None and own.num_replicas_in_sync > 1:
        optimizer_variable._distribute_optimizer = optimizer
    for variable in variables:
        theirs = getattr(variable, "_distribute_strategy", None)
        if theirs is own:
            continue
        if own is not None:
            raise ValueError(f"`colocate_vars_with` must only be passed a variable created in this "
                             f"tf.distribute.Strategy.scope(), not: <tf.Variable '{variable.name}' "
                             f"shape={variable.shape} dtype={variable.dtype.name}> (create the model and "
                             f"the optimizer in the same strategy.scope())")
        raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {theirs} is not "
                           f"{_state.default_strategy()} (the optimizer was created outside the "
                           f"strategy.scope() its variables were created in)")


def get_replica_context():
    """Returns the current `tf.distribute.ReplicaContext`, or None in a cross-replica context.

    Returns:
      The replica context inside `strategy.run` and outside every scope (the default strategy's),
      None inside `strategy.scope()` but outside `run`.
    """
    strategy, in_replica = _state.current()
    if strategy is None:
        return ReplicaContext(_state.default_strategy())
    return ReplicaContext(strategy) if in_replica else None


def experimental_set_strategy(strategy):
    """Sets `strategy` as current for this thread outside of any `with` block (None: the default).

    Args:
      strategy: a `tf.distribute.Strategy`, or None to go back to the default strategy.
    """
    scope = _state.state.set_scope
    if scope is not None:
        _state.state.set_scope = None
        scope.__exit__(None, None, None)
    if strategy is not None:
        scope = strategy.scope()
        scope.__enter__()
        _state.state.set_scope = scope
