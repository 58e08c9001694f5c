"""`strategy.run(fn)` with several replicas: `fn` runs once per replica on its own slice, on `jax.shard_map`.

`fn` is traced once inside `jax.shard_map` over the strategy's mesh: each replica gets its slice of
the distributed arguments (`PerReplica`), the same copy of every other argument and of every
Variable (replicated: unvarying), and returns its own values, stacked into `PerReplica` results.
This is TF's per-replica semantics:

- A Variable read gives the mirrored value. A gradient of a replicated value inside `shard_map` is
  already summed over the replicas (JAX transposes the implicit broadcast into a `psum`), which is
  exactly what TF's `optimizer.apply_gradients` applies after its all-reduce: it is not
  all-reduced again. TF's `tape.gradient` gives the replica's own gradient, so a program that uses
  that value otherwise than by handing it to a Keras optimizer (returns it, clips it, assigns a
  Variable from it) raises `NotImplementedError` rather than computing another number (see
  `_taint`).
- Writes follow TF's aggregation rules (`_write_back`, `MirroredAssignments`): a value that differs
  between replicas may only go to a Variable whose aggregation says how to combine it (SUM, MEAN,
  ONLY_FIRST_REPLICA) or to a sync-on-read Variable (a Keras metric's state, summed on read).
  tapejax keeps one copy of a Variable, so TF's diverging copies (aggregation NONE) raise instead.
- A sync-on-read Variable (SUM) is read inside `fn` as replica 0 holding the whole value and the
  others zero (its sum is then TF's); a replica reading its own part otherwise raises, as above.

The program is traced with `jax.make_jaxpr` (once per trace of the enclosing `tapejax.function`),
checked, and evaluated into the enclosing trace.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import Var
from jax.sharding import PartitionSpec

from tapejax import _context, _nest
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import VariableAggregation, VariableSynchronization
from tapejax.distribute import _state
from tapejax.distribute._values import AXIS, PerReplica, UnevenBatch

_OPTIMIZER_UPDATES = ("fused",)  # the jitted update of tapejax.keras optimizers (a gradient's one use)


# -- collectives: named jits, so that `_taint` tells them from a gradient's implicit psum --------------
@jax.jit
def _tapejax_psum(x):
    return jax.lax.psum(x, AXIS)


@jax.jit
def _tapejax_pmean(x):
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return jax.lax.psum(x, AXIS) // jax.lax.axis_size(AXIS)
    return jax.lax.pmean(x, AXIS)


@jax.jit
def _tapejax_first_replica(x):
    first = jax.lax.axis_index(AXIS) == 0
    return jax.lax.psum(jnp.where(first, x, jnp.zeros(x.shape, x.dtype)), AXIS)


@jax.jit
def _tapejax_stack(x):
    """Every replica's `x`, stacked along a new first axis, the same on every replica."""
    rows = jnp.zeros((jax.lax.axis_size(AXIS),) + x.shape, x.dtype)
    return jax.lax.psum(rows.at[jax.lax.axis_index(AXIS)].set(x), AXIS)


@jax.jit
def _tapejax_replica_local_sum(x):
    """A sync-on-read SUM Variable's value on this replica: replica 0 holds it all, the others 0."""
    return jnp.where(jax.lax.axis_index(AXIS) == 0, x, jnp.zeros(x.shape, x.dtype))


@jax.jit
def _tapejax_replica_local(x):
    return jax.lax.pcast(x, AXIS, to="varying")


def varies(array):
    """Whether `array` (inside the per-replica trace) may differ between replicas."""
    return varies_aval(jax.typeof(array))


def replica_id():
    return jax.lax.axis_index(AXIS).astype(jnp.int32)


def all_reduce(reduce_op_name, array):
    if reduce_op_name == "SUM":
        return _tapejax_psum(array)
    return _tapejax_pmean(array)


def stack(array):
    return _tapejax_stack(array)


# -- the Variables of a per-replica trace ----------------------------------------------------------
def sync_on_read(variable):
    """The aggregation of a sync-on-read Variable (TF's ON_READ: each replica updates its own part,
    a read outside `run` combines them), or None for a mirrored one."""
    if getattr(variable, "_synchronization", None) == VariableSynchronization.ON_READ:
        return variable._aggregation
    return None


class _Body:
    """Variable values inside one per-replica trace: reads of the enclosing values, writes kept."""

    def __init__(self, strategy, outer_read):
        self.strategy = strategy
        self.outer_read = outer_read
        self.values = {}
        self.variables = {}
        self.written = {}
        self.assigning = 0  # > 0 inside an assign op (its own read of a sync-on-read Variable)

    def read(self, variable):
        found = self.values.get(variable._id)
        if found is not None:
            return found
        value = self.outer_read(variable) if self.outer_read is not None else variable._array
        on_read = sync_on_read(variable)
        if on_read == VariableAggregation.SUM:
            value = _tapejax_replica_local_sum(value)
        elif on_read is not None:
            value = _tapejax_replica_local(value)
        self.values[variable._id] = value
        self.variables[variable._id] = variable
        return value

    def write(self, variable, array):
        self.values[variable._id] = array
        self.variables[variable._id] = variable
        self.written[variable._id] = variable


def current_body():
    bodies = _state.state.bodies
    return bodies[-1] if bodies else None


def _diverging_error(variable, how):
    return NotImplementedError(
        f"tapejax.distribute: {how} of Variable '{variable.name}' inside strategy.run gives each replica "
        f"a different value. TF then lets the replicas' copies of this Variable (aggregation "
        f"{_aggregation_name(variable)}) diverge; tapejax keeps one copy, so it cannot. Update it with a "
        f"Keras optimizer (optimizer.apply_gradients), all-reduce the value first "
        f"(tf.distribute.get_replica_context().all_reduce), or create the Variable with "
        f"aggregation=tf.VariableAggregation.MEAN (or SUM, ONLY_FIRST_REPLICA).")


def _aggregation_name(variable):
    aggregation = variable._aggregation
    return getattr(aggregation, "name", None) or str(aggregation).rsplit(".", 1)[-1].upper()


def aggregate_update(variable, array, op_name):
    """The value an assign op in a replica applies to `variable`: the replicas' values combined
    as the Variable's aggregation says (TF's `_on_write_update_replica`)."""
    if sync_on_read(variable) is not None:
        return array  # each replica updates its own part (combined on write back)
    aggregation = variable._aggregation
    if aggregation == VariableAggregation.SUM:
        return _tapejax_psum(array)
    if aggregation == VariableAggregation.MEAN:
        return _tapejax_pmean(array)
    if aggregation == VariableAggregation.ONLY_FIRST_REPLICA:
        return _tapejax_first_replica(array)
    if varies(array):
        raise _diverging_error(variable, f"{op_name}(...)")
    return array


def _write_back(variable, array):
    """The one value of a Variable after the replicas' writes (see `aggregate_update`)."""
    on_read = sync_on_read(variable)
    if on_read == VariableAggregation.SUM:
        return _tapejax_psum(array)
    if on_read == VariableAggregation.ONLY_FIRST_REPLICA:
        return _tapejax_first_replica(array)
    if on_read is not None:
        return _tapejax_pmean(array)
    if varies(array):
        raise _diverging_error(variable, "an update")
    return array


# -- which results depend on what TF computes differently --------------------------------------------
# Tags of a value in the per-replica program: _SUMMED, a linear function (the same on every replica)
# of gradients of replicated values, which TF computes per replica and its optimizer sums, so that
# handing it to a Keras optimizer gives TF's update; _CHANGED, any other function of such a gradient
# (TF's would differ); _LOCAL, a replica's part of a sync-on-read Variable (TF's differs); _ZERO, a
# known zero (adding it keeps a sum linear).
_SUMMED, _CHANGED, _LOCAL, _ZERO = "summed", "changed", "local", "zero"
_GRADIENT_TAGS = frozenset({_SUMMED, _CHANGED})
_STRUCTURAL = frozenset({"convert_element_type", "reshape", "broadcast_in_dim", "squeeze", "expand_dims",
                         "transpose", "reduce_sum", "slice", "dynamic_slice", "gather", "copy", "copy_p",
                         "rev", "real", "imag", "conj", "reduce_precision", "cumsum", "pcast", "pvary",
                         "optimization_barrier", "reshard", "sharding_constraint", "mesh_cast"})
_SUMS = frozenset({"add", "add_any", "sub", "neg", "concatenate", "pad", "select_n", "dynamic_update_slice",
                   "scatter-add", "scatter_add"})
_PRODUCTS = frozenset({"mul", "div", "dot_general"})


def _sub_jaxprs(eqn):
    for value in eqn.params.values():
        for item in (value if isinstance(value, (tuple, list)) else (value,)):
            inner = getattr(item, "jaxpr", item)
            if hasattr(inner, "eqns"):
                yield inner


def _is_optimizer_update(eqn):
    if eqn.params.get("name") in _OPTIMIZER_UPDATES:
        return True
    return any(_is_optimizer_update(e) for inner in _sub_jaxprs(eqn) for e in inner.eqns
               if "jaxpr" in e.params)


class _GradientChanged(Exception):
    pass


def _input_tags(env, v):
    if isinstance(v, Var):
        return env.get(v, frozenset())
    value = getattr(v, "val", None)
    try:
        return frozenset({_ZERO}) if value is not None and not np.any(np.asarray(value)) else frozenset()
    except TypeError:
        return frozenset()


def _gradient_tag(name, eqn, ins):
    """The gradient tag (_SUMMED, _CHANGED or None) of the outputs of a plain primitive."""
    grads = [t & _GRADIENT_TAGS for t in ins]
    if not any(grads):
        return None
    if _CHANGED in frozenset().union(*grads):
        return _CHANGED
    if name in _STRUCTURAL:
        return _SUMMED
    if name in _SUMS:  # a sum stays linear when each term is a summed gradient or zero
        terms = ins[1:] if name == "select_n" else ins
        if name == "select_n" and ins[0] & _GRADIENT_TAGS:
            return _CHANGED
        if name in ("scatter-add", "scatter_add", "dynamic_update_slice", "pad"):
            terms = [ins[0], ins[-1]] if name != "pad" else [ins[0]]
        ok = all(_SUMMED in t or _ZERO in t for t in terms) and not (name == "pad" and ins[1])
        return _SUMMED if ok else _CHANGED
    if name in _PRODUCTS:  # linear in one summed factor when the other is the same on every replica
        tainted = [i for i, g in enumerate(grads) if g]
        if len(tainted) == 1 and not (name == "div" and tainted[0] == 1):
            other = eqn.invars[1 - tainted[0]]
            if not (isinstance(other, Var) and varies_aval(other.aval)):
                return _SUMMED
        return _CHANGED
    return _CHANGED


def varies_aval(aval):
    manual = getattr(aval, "manual_axis_type", None)
    return AXIS in (manual.varying if manual is not None else getattr(aval, "vma", ()))


def _taint(jaxpr, inputs):
    """The tags (see above) of each output of `jaxpr`, given its inputs' tags.

    Raises:
      _GradientChanged: a Keras optimizer's update is given a changed gradient.
    """
    env = {}
    for var, tags in zip(jaxpr.invars, inputs):
        if tags:
            env[var] = tags
    empty = frozenset()
    for eqn in jaxpr.eqns:
        ins = [_input_tags(env, v) for v in eqn.invars]
        every = empty.union(*ins)
        name = eqn.primitive.name
        called = eqn.params.get("name", "") if "jaxpr" in eqn.params else ""
        if name == "psum_invariant":
            out = [(every & {_LOCAL}) | {_CHANGED if every & _GRADIENT_TAGS else _SUMMED}] * len(eqn.outvars)
        elif called.startswith("_tapejax_"):
            out = [frozenset({_LOCAL}) if called.startswith("_tapejax_replica_local") else empty] * len(eqn.outvars)
        elif called and _is_optimizer_update(eqn):
            if _CHANGED in every:
                raise _GradientChanged
            out = [empty] * len(eqn.outvars)
        elif name in ("pjit", "jit", "closed_call", "core_call"):
            inner = eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
            out = _taint(getattr(inner, "jaxpr", inner), ins)
        elif any(True for _ in _sub_jaxprs(eqn)):  # control flow, custom rules: conservatively changed
            found = every - {_ZERO}
            for inner in _sub_jaxprs(eqn):
                for tags in _taint(inner, [found] * len(inner.invars)):
                    found = found | (tags - {_ZERO})
            if found & _GRADIENT_TAGS:
                found = (found - {_SUMMED}) | {_CHANGED}
            out = [found] * len(eqn.outvars)
        else:
            tag = _gradient_tag(name, eqn, ins)
            tags = (every & {_LOCAL}) | ({tag} if tag else empty)
            if not tags and every and all(_ZERO in t for t in ins if isinstance(t, frozenset) and t) \
                    and name in _STRUCTURAL:
                tags = frozenset({_ZERO})
            if name == "broadcast_in_dim" and ins and _ZERO in ins[0]:
                tags = tags | {_ZERO}
            out = [tags] * len(eqn.outvars)
        for var, tags in zip(eqn.outvars, out):
            if tags:
                env[var] = tags
    return [_input_tags(env, v) for v in jaxpr.outvars]


_GRADIENT_MESSAGE = (
    "There TF's tape.gradient gives each replica its own gradient, which its optimizer all-reduces; "
    "tapejax's replicas get the gradient already summed over the replicas (what TF's optimizer applies), "
    "so the value would differ from TF's. Pass the gradients to a Keras optimizer (optimizer.apply_gradients) "
    "as they are (scaling them by a constant is fine), or compute this value outside strategy.run.")


def _check_results(closed, out_names):
    """Raises where a result of `fn` (or a Variable's new value) depends on a value TF computes per replica otherwise."""
    (shard_eqn,) = [e for e in closed.jaxpr.eqns if e.primitive.name == "shard_map"]
    inner = shard_eqn.params["jaxpr"]
    inner = getattr(inner, "jaxpr", inner)
    try:
        tags = _taint(inner, [frozenset()] * len(inner.invars))
    except _GradientChanged:
        raise NotImplementedError(
            "tapejax.distribute: the gradients given to a Keras optimizer inside strategy.run were changed "
            "(clipped, normalized, or combined with per-replica values) after tape.gradient. "
            + _GRADIENT_MESSAGE) from None
    for kinds, what in zip(tags, out_names):
        if kinds & _GRADIENT_TAGS:
            raise NotImplementedError(
                f"tapejax.distribute: {what} depends on a gradient of a replicated Variable (or Tensor) "
                f"computed inside strategy.run. " + _GRADIENT_MESSAGE)
        if _LOCAL in kinds:
            raise NotImplementedError(
                f"tapejax.distribute: {what} reads a sync-on-read Variable (a Keras metric's state) inside "
                f"strategy.run. In TF each replica reads its own part of it; tapejax keeps only the total. "
                f"Read it outside strategy.run (metric.result() after the step).")


def _optimizer_clip_error(optimizer):
    return NotImplementedError(
        f"tapejax.distribute: {type(optimizer).__name__}(clipnorm/clipvalue/global_clipnorm) inside "
        f"strategy.run: Keras clips each replica's gradient before all-reducing them, and tapejax's "
        f"replicas get the gradient already summed, so the clipped update would differ from TF's. Clip "
        f"outside the strategy (one replica), or drop the clipping setting.")


def _check_optimizers(body):
    for variable in body.written.values():
        optimizer = getattr(variable, "_distribute_optimizer", None)
        if optimizer is not None and any(getattr(optimizer, name, None) for name in
                                         ("clipnorm", "clipvalue", "global_clipnorm")):
            raise _optimizer_clip_error(optimizer)


# -- the per-replica call -------------------------------------------------------------------------
def _is_arg_leaf(x):
    return isinstance(x, PerReplica) or _nest._is_leaf(x)


def uneven_error(shape, replicas):
    return NotImplementedError(
        f"tapejax.distribute: a distributed batch of {shape[0] if shape else 0} rows does not split evenly "
        f"over {replicas} replicas, and strategy.run gives every replica a slice of the same size. Batch "
        f"with drop_remainder=True, or use a dataset whose size divides by the global batch size.")


def run(strategy, fn, args, kwargs, listeners):
    """Runs `fn` once per replica on `strategy`'s mesh (inside the current trace, or eagerly).

    Returns:
      `fn`'s result with each Tensor a `PerReplica`.
    """
    leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_arg_leaf)
    inputs, specs, kinds = [], [], []
    for leaf in leaves:
        if isinstance(leaf, PerReplica):
            if isinstance(leaf, UnevenBatch):
                raise uneven_error(leaf.stacked.shape, strategy.num_replicas_in_sync)
            inputs.append(leaf.stacked._value)
            specs.append(PartitionSpec(AXIS))
            kinds.append("split")
        elif type(leaf) is Tensor or isinstance(leaf, (np.ndarray, np.generic)):
            inputs.append(convert_to_tensor(leaf)._value)
            specs.append(PartitionSpec())
            kinds.append("same")
        else:
            kinds.append(None)
    context = _context.current
    outer_read, outer_write = context.read_hook, context.write_hook
    body_state = _Body(strategy, outer_read)
    results = {}

    def body(*arrays):
        it = iter(arrays)
        flat = []
        for leaf, kind in zip(leaves, kinds):
            if kind == "split":
                flat.append(Tensor(next(it)[0]))
            elif kind == "same":
                flat.append(Tensor(next(it)))
            else:
                flat.append(leaf)
        call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, flat)
        _state.state.bodies.append(body_state)
        _state.push(strategy, True)
        try:
            with _context.scope(read_hook=body_state.read, write_hook=body_state.write, recording=[],
                                trace=body_state, creation_listeners=listeners):
                out = fn(*call_args, **call_kwargs)
        finally:
            _state.pop()
            _state.state.bodies.pop()
        out_leaves = _nest.flatten(out)
        arrays_out, static = [], []
        for leaf in out_leaves:
            if isinstance(leaf, PerReplica):
                raise TypeError("strategy.run's function returned a PerReplica value: return Tensors "
                                "(each replica's own).")
            if type(leaf) is Tensor:
                arrays_out.append(leaf._value[None])
                static.append(None)
            else:  # Python values and Variables come back as they are, as in TF
                static.append(("python", leaf))
        _check_optimizers(body_state)
        written = list(body_state.written.values())
        new_values = [_write_back(v, body_state.values[v._id]) for v in written]
        results.update(out=out, static=static, written=written, n_out=len(arrays_out))
        return arrays_out, new_values

    mapped = jax.shard_map(body, mesh=strategy._mesh, in_specs=tuple(specs),
                           out_specs=(PartitionSpec(AXIS), PartitionSpec()), check_vma=True)
    closed = jax.make_jaxpr(mapped)(*inputs)
    written = results["written"]
    _check_results(closed, [f"strategy.run's result {i}" for i in range(results["n_out"])]
                   + [f"the new value of Variable '{v.name}'" for v in written])
    flat_out = jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *inputs)
    outputs, new_values = flat_out[:results["n_out"]], flat_out[results["n_out"]:]
    for variable, value in zip(written, new_values):
        if outer_write is not None:
            outer_write(variable, value)
        else:
            variable._array = value
    it = iter(outputs)
    flat = [PerReplica(Tensor(next(it))) if s is None else s[1] for s in results["static"]]
    return _nest.pack_sequence_as(results["out"], flat)
