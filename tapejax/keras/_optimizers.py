"""Keras optimizers on optax: Keras' names, arguments, defaults and update rules.

Each optimizer keeps its state (`iterations`, the learning rate, optax's per-variable moments) in
tapejax Variables, so it works eagerly and inside `tapejax.function` alike. `apply_gradients` runs
the whole update (clipping, weight decay, the optax transformation of every variable, the
iteration counter) as ONE jitted call; inside `tapejax.function` the same code is traced into the
step's program.

Where optax's formula differs from Keras' (Adam's epsilon is added to the *uncorrected*
`sqrt(v)` in Keras; SGD's momentum accumulates `lr * g`), the optax transformations are composed so
that the result equals Keras' update to float32 rounding.
"""

from __future__ import annotations

import collections
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

from tapejax import _context, _dtypes, _lazy, _variable
from tapejax._indexed_slices import IndexedSlices
from tapejax._ops import math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tape import GradientTape
from tapejax._tensor import Tensor
from tapejax._variable import Variable
from tapejax.distribute._strategy import check_optimizer_variables
from tapejax.keras import _config_values, _trackable
from tapejax.keras import _schedules as schedules
from tapejax.keras._optimizer_checks import check_apply
from tapejax.keras._variables import KerasVariable

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Nadam",
           "Adadelta", "Lion", "Ftrl", "LossScaleOptimizer", "schedules", "get"]

_COUNT, _CONST, _VAR = 0, 1, 2


def _snake(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _leaf_name(path):
    names = [getattr(k, "name", getattr(k, "key", getattr(k, "idx", ""))) for k in path]
    return "_".join(str(n) for n in names if n != "inner_state")


_TEMPLATES = {}  # Optimizer._template_key -> NumPy leaves of the optax state of a zero scalar

_SLOT_NAMES = {"mu": "momentum", "nu": "velocity", "trace": "momentum", "sum_of_squares": "accumulator",
               "nu_max": "velocity_hat"}


class _Slots:
    """One variable's optax state: its tree structure, and per leaf either the iteration counter,
    a constant (injected hyperparameters, recomputed every step), or a state Variable."""

    def __init__(self, treedef, kinds, consts, variables):
        self.treedef = treedef
        self.kinds = kinds
        self.consts = consts
        self.variables = variables

    def state(self, values, count):
        it = iter(values)
        leaves = [count.astype(c.dtype) if k == _COUNT else c if k == _CONST else next(it)
                  for k, c in zip(self.kinds, self.consts)]
        return jax.tree_util.tree_unflatten(self.treedef, leaves)

    def stored(self, state):
        leaves = jax.tree_util.tree_leaves(state)
        return [leaf for k, leaf in zip(self.kinds, leaves) if k == _VAR]


def _clip_by_norm(t, clip_norm):
    # tf.clip_by_norm's formula (Keras' TF backend), NaN-safe at 0.
    l2sum = jnp.sum(t * t, keepdims=True)
    pred = l2sum > 0
    l2norm = jnp.where(pred, jnp.sqrt(jnp.where(pred, l2sum, jnp.ones_like(l2sum))), l2sum)
    clip = jnp.asarray(clip_norm, t.dtype)
    return t * clip / jnp.maximum(l2norm, clip)


class Optimizer:
    """Base class of the Keras optimizers.

    Args:
      learning_rate: a float, a `LearningRateSchedule`, or a callable of the iteration.
      weight_decay: if set, `var -= var * weight_decay * lr` before each update (decoupled).
      clipnorm: clip each gradient to this L2 norm.
      clipvalue: clip each gradient element to [-clipvalue, clipvalue].
      global_clipnorm: clip all gradients together to this global norm.
      loss_scale_factor: gradients are divided by it before the update.
      name: optimizer name.
    """

    _checkpoint_kind = "optimizer"  # what tapejax._checkpoint reads (see keras/_trackable.py)

    def _trackable_children(self, saving=False):
        """`[(name, child)]`: this optimizer's children in TF 2.21's checkpoint object graph."""
        return _trackable.optimizer_children(self)

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            raise ValueError("decay is deprecated in the new Keras optimizer, please check the "
                             "docstring for valid arguments, or use the legacy optimizer, e.g., "
                             "tf.keras.optimizers.legacy.SGD.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps and not (
                isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.name = name or _snake(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.loss_scale_factor = loss_scale_factor
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.gradient_accumulation_steps = gradient_accumulation_steps or None
        self._averages = {}  # var id -> its moving average (use_ema)
        self._accumulators = {}  # var id -> its summed gradients (gradient_accumulation_steps)
        self._iterations = KerasVariable(np.int64(0), dtype=_dtypes.int64, trainable=False,
                                         name="iteration", path=f"{self.name}/iteration")
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
            self._learning_rate = None
        else:
            if isinstance(learning_rate, (Variable, Tensor)):
                learning_rate = float(learning_rate.numpy())
            if not isinstance(learning_rate, (float, int)) or isinstance(learning_rate, bool):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current iteration "
                    "value and returns the corresponding learning rate value). Received instead: "
                    f"learning_rate={learning_rate}")
            self._schedule = None
            self._learning_rate = KerasVariable(np.float32(learning_rate), dtype=_dtypes.float32,
                                                trainable=False, name="learning_rate",
                                                path=f"{self.name}/learning_rate")
        self._slots = {}
        self._plans = {}
        self._update_avals = {}  # (plan, has_lr, gradient avals) -> output avals of a deferred update
        self._trainable_variables = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._pending_slots = {}  # var id -> state arrays restored before the slots existed
        self.built = False

    # -- the update rule (subclasses) ----------------------------------------------------------
    def _transform(self, lr, count):
        """The optax transformation for one step, given the learning rate and the iteration."""
        raise NotImplementedError

    # -- Keras' surface ------------------------------------------------------------------------
    @property
    def iterations(self):
        """The update count: with `gradient_accumulation_steps` N, the calls made divided by N (a
        Tensor, as Keras'); otherwise the `iteration` Variable itself."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations._read() // self.gradient_accumulation_steps)
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(value)

    @property
    def learning_rate(self):
        if self._schedule is not None:
            return self._schedule_value(self._updates_made(self._iterations._read()))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, (Variable, Tensor))):
            if self._learning_rate is not None:
                raise TypeError("This optimizer was created with a `learning_rate` float; it "
                                "cannot be changed to a LearningRateSchedule.")
            self._schedule = value
            return
        if self._learning_rate is None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule`. You "
                            "cannot set `learning_rate` to a new value.")
        self._learning_rate.assign(np.float32(float(np.asarray(value))))

    lr = learning_rate

    def _updates_made(self, calls):
        """Keras' `iterations` from the calls made (the `iteration` Variable's value)."""
        steps = self.gradient_accumulation_steps
        return calls // steps if steps else calls

    def _schedule_value(self, step):
        schedule = self._schedule
        if isinstance(schedule, schedules.LearningRateSchedule):
            return Tensor(schedule._jax(step))
        value = schedule(Tensor(step))
        return convert_to_tensor(value, dtype=_dtypes.float32)

    def _lr_jax(self, step, lr_value):
        if self._schedule is None:
            return lr_value
        if isinstance(self._schedule, schedules.LearningRateSchedule):
            return self._schedule._jax(step).astype(jnp.float32)
        return jnp.asarray(self._schedule(Tensor(step))._value, jnp.float32)

    @property
    def variables(self):
        out = [self._iterations]
        if self._learning_rate is not None:
            out.append(self._learning_rate)
        # Keras' order: the moving averages, then the accumulators, then each variable's slots
        out.extend(self._averages.values())
        out.extend(self._accumulators.values())
        for var in self._trainable_variables:
            out.extend(self._slots[var._id].variables)
        return out

    def finalize_variable_values(self, var_list):
        """Writes each variable's moving average over it when `use_ema` is set (`fit` calls this
        when training ends); otherwise does nothing.

        Args:
          var_list: the model's trainable variables, in the order the optimizer was built on.

        Raises:
          ValueError: if `var_list` and the stored averages differ in length.
        """
        if not self.use_ema:
            return
        averages = [self._averages[var._id] for var in self._trainable_variables]
        var_list = list(var_list)
        if len(var_list) != len(averages):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match the "
                f"length of model variables stored in the optimizer ({len(averages)}). Please "
                f"check if the optimizer was called on your model.")
        for var, average in zip(var_list, averages):
            var.assign(average)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude Variables (or Variables whose name contains one of `var_names`) from decay."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {v._id for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, var):
        if self.weight_decay is None or var._id in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            name = getattr(var, "path", None) or var.name
            if self._exclude_pattern.search(name) or self._exclude_pattern.search(var.name):
                return False
        return True

    def build(self, var_list):
        """Creates the optimizer's state for `var_list` (done on the first `apply_gradients`).
        A built optimizer ignores another build, as Keras 3's: it updates only the variables it
        was built with (`apply_gradients` on another raises ValueError)."""
        if self.built:
            return
        var_list = list(var_list)
        for var in var_list:  # Keras creates every average, then every accumulator, then the slots
            self._extra(var, self._averages, "average")
        for var in var_list:
            self._extra(var, self._accumulators, "gradient_accumulator")
        for var in var_list:
            self._slot(var)
        self.built = True

    def _extra(self, var, table, kind):
        """`var`'s moving average (use_ema) or gradient accumulator (gradient_accumulation_steps):
        a zero variable like it, or None when the option is off."""
        if (kind == "average" and not self.use_ema) or (
                kind == "gradient_accumulator" and not self.gradient_accumulation_steps):
            return None
        found = table.get(var._id)
        if found is not None:
            return found
        value = var._stored if _context.current.read_hook is None else var._read()  # shape, dtype only
        init = np.zeros(tuple(value.shape), np.dtype(value.dtype))
        by_position = self._pending_slots.get("by_position")
        if by_position is not None:  # its place in `variables`: after the averages (and accumulators)
            place = 1 + (self._learning_rate is not None) + len(self._averages)
            init = by_position.slot(place if kind == "average" else place + len(self._accumulators), init)
        base = (getattr(var, "path", None) or var.name.split(":")[0]).replace("/", "_")
        found = table[var._id] = KerasVariable(init, dtype=_dtypes.from_jax(np.dtype(value.dtype)),
                                               trainable=False, name=f"{base}_{kind}",
                                               path=f"{self.name}/{base}_{kind}")
        return found

    def _slot(self, var):
        found = self._slots.get(var._id)
        if found is not None:
            return found
        check_optimizer_variables(self, self._iterations, [var])  # TF's errors across strategy scopes
        self._extra(var, self._averages, "average")
        self._extra(var, self._accumulators, "gradient_accumulator")
        value = var._stored if _context.current.read_hook is None else var._read()  # shape, dtype only
        paths, treedef = self._initial_state(tuple(value.shape), np.dtype(value.dtype))
        kinds, consts, variables = [], [], []
        pending = self._pending_slots.pop(var._id, None)
        # a tf.train.Checkpoint restored before the build: its `_variables/<i>` by position (as TF)
        by_position = self._pending_slots.get("by_position")
        first = len(self.variables) if by_position is not None else 0
        base = (getattr(var, "path", None) or var.name.split(":")[0]).replace("/", "_")
        for path, leaf in paths:
            names = [getattr(k, "name", getattr(k, "key", None)) for k in path]
            if names and names[-1] == "count":
                kinds.append(_COUNT)
                consts.append(np.asarray(leaf))
            elif "hyperparams" in names or "hyperparams_states" in names:
                kinds.append(_CONST)
                consts.append(np.asarray(leaf))
            else:
                kinds.append(_VAR)
                consts.append(None)
                slot_name = _SLOT_NAMES.get(names[-1], _leaf_name(path))
                init = np.asarray(leaf)
                if pending is not None:
                    init = pending[len(variables)]
                elif by_position is not None:
                    init = by_position.slot(first + len(variables), init)
                variables.append(KerasVariable(init, dtype=_dtypes.from_jax(np.asarray(leaf).dtype),
                                               trainable=False, name=f"{base}_{slot_name}",
                                               path=f"{self.name}/{base}_{slot_name}"))
        slots = self._slots[var._id] = _Slots(treedef, kinds, consts, variables)
        self._trainable_variables.append(var)
        return slots

    def _init_transform(self):
        return self._transform(jnp.float32(0.0), jnp.int32(0))

    def _template_key(self, dtype):
        """What the initial optax state of a scalar parameter depends on: the class and the
        hyperparameters (for tapejax's own classes; another subclass may keep them anywhere)."""
        if type(self) not in _BY_NAME.values():
            return None
        return (type(self), dtype, tuple(sorted(
            (k, v) for k, v in vars(self).items()
            if k != "name" and isinstance(v, (bool, int, float, str, type(None))))))

    def _initial_state(self, shape, dtype):
        """`(path, NumPy value)` per leaf of the optax state of a zero parameter of `shape`, and
        the state's treedef, without a compiled program per shape or per op: the state of a
        scalar parameter is computed by one jitted program (cached per class, hyperparameters
        and dtype), and each leaf shaped like the parameter is that scalar's leaf filled on the
        host. A state that is not such a per-element fill is computed as optax computes it."""
        full = jax.eval_shape(lambda p: self._init_transform().init(p),
                              jax.ShapeDtypeStruct(shape, dtype))
        paths, treedef = jax.tree_util.tree_flatten_with_path(full)
        key = self._template_key(dtype)
        templates = _TEMPLATES if key is not None else self.__dict__.setdefault("_own_templates", {})
        scalar = templates.get(key if key is not None else dtype)
        if scalar is None:
            def init(lr, count, zero):  # arguments, not constants: one program, not op by op
                return jax.tree_util.tree_leaves(self._transform(lr, count).init(zero))
            args = (np.float32(0.0), np.int32(0), np.zeros((), dtype))
            # compiled ahead and called: concrete even while tapejax.function traces
            scalar = [np.asarray(leaf) for leaf in jax.jit(init).lower(*args).compile()(*args)]
            if len(templates) >= 256:
                templates.clear()
            templates[key if key is not None else dtype] = scalar
        out = []
        for (path, leaf), small in zip(paths, scalar if len(scalar) == len(paths) else ()):
            if tuple(leaf.shape) == small.shape:
                out.append((path, small.astype(leaf.dtype)))
            elif tuple(leaf.shape) == shape and small.shape == ():
                out.append((path, np.full(shape, small, leaf.dtype)))
            else:
                break
        if len(out) != len(paths):  # not a per-element fill: the state as optax computes it
            with jax.ensure_compile_time_eval():
                state = self._init_transform().init(jnp.zeros(shape, dtype))
            out = [(path, np.asarray(leaf)) for path, leaf in
                   jax.tree_util.tree_flatten_with_path(state)[0]]
        return out, treedef

    def _clip(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [_clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            clipped, _ = optax.clip_by_global_norm(self.global_clipnorm).update(grads, None)
            return clipped
        if self.clipvalue and self.clipvalue > 0:
            clipped, _ = optax.clip(self.clipvalue).update(grads, None)
            return clipped
        return grads

    def _plan(self, variables):
        key = tuple(v._id for v in variables)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        slots = [self._slot(v) for v in variables]
        averages = [self._averages[v._id] for v in variables] if self.use_ema else []
        accumulators = ([self._accumulators[v._id] for v in variables]
                        if self.gradient_accumulation_steps else [])
        state_vars = [sv for s in slots for sv in s.variables] + averages + accumulators
        sizes = [len(s.variables) for s in slots]
        n_slot_states = sum(sizes)
        decay = [self._use_weight_decay(v) for v in variables]
        wd = self.weight_decay
        scale = self.loss_scale_factor
        accumulate = self.gradient_accumulation_steps
        ema, ema_every = (self.ema_momentum if self.use_ema else None), self.ema_overwrite_frequency

        def fused(grads, params, states, iteration, lr_value):
            updates_made = iteration // accumulate if accumulate else iteration
            lr = self._lr_jax(updates_made, lr_value)
            grads = [g.astype(p.dtype) for g, p in zip(grads, params)]
            if scale is not None:
                grads = [g / jnp.asarray(scale, g.dtype) for g in grads]
            old_params, slot_states = params, states[:n_slot_states]
            if accumulate:  # as Keras: the update uses the mean on every Nth call; the rest accumulate
                summed = [g + a for g, a in zip(grads, states[len(states) - len(params):])]
                grads = [s / jnp.asarray(accumulate, s.dtype) for s in summed]
            grads = self._clip(grads)
            count = updates_made.astype(jnp.int32)
            tx = self._transform(lr, count)
            new_params, new_states = [], []
            k = 0
            for i, (g, p, slot) in enumerate(zip(grads, params, slots)):
                state = slot.state(states[k:k + sizes[i]], count)
                k += sizes[i]
                if decay[i]:
                    p = p - p * jnp.asarray(wd, p.dtype) * lr.astype(p.dtype)
                updates, new_state = tx.update(g, state, p)
                new_params.append((p + updates).astype(p.dtype))
                new_states.extend(slot.stored(new_state))
            if accumulate:
                is_update = (iteration + 1) % accumulate == 0
                new_params = [jnp.where(is_update, n, p) for n, p in zip(new_params, old_params)]
                new_states = [jnp.where(is_update, n, o) for n, o in zip(new_states, slot_states)]
            if ema is not None:  # the average starts at the first call's weights
                momentum = jnp.where(updates_made != 0, ema, 0.0)
                old_averages = states[n_slot_states:n_slot_states + len(params)]
                new_averages = [(momentum * a + (1 - momentum) * p).astype(a.dtype)
                                for a, p in zip(old_averages, new_params)]
                new_states.extend(new_averages)
                if ema_every:
                    overwrite = (updates_made + 1) % ema_every == 0
                    new_params = [jnp.where(overwrite, a, p) for a, p in zip(new_averages, new_params)]
            if accumulate:
                new_states.extend(jnp.where(is_update, jnp.zeros_like(s), s) for s in summed)
            return new_params, new_states, iteration + 1

        # The donating form updates parameters and slots in place (eager calls); the other is
        # inlined into an enclosing tapejax.function trace.
        plan = self._plans[key] = (jax.jit(fused), jax.jit(fused, donate_argnums=(1, 2)), state_vars)
        return plan

    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False,
                        **kwargs):
        """Applies gradients to variables; pairs whose gradient is None are skipped (with a
        warning naming them), as Keras does.

        Args:
          grads_and_vars: iterable of (gradient, variable) pairs.

        Returns:
          The `iterations` Variable.

        Raises:
          ValueError: if every gradient is None.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = [], []
        missing = []
        for g, v in pairs:
            if g is None:
                missing.append(v)
                continue
            grads.append(g)
            variables.append(v)
        if not variables:
            raise ValueError("No gradients provided for any variable.")
        if missing and not self.built:
            self.build([v for _, v in pairs])  # Keras 3 builds on every variable, gradient or not
        if missing:
            warnings.warn(f"Gradients do not exist for variables "
                          f"{[getattr(v, 'path', v.name) for v in reversed(missing)]} when "
                          f"minimizing the loss. If using `model.compile()`, did you forget to "
                          f"provide a `loss` argument?", stacklevel=2)
        self.apply(grads, variables)
        return self._iterations

    def _variables_to_apply(self, trainable_variables, built_on):
        """`trainable_variables` as a list, or when None the ones `built_on` was built on (Keras'
        ValueError when this optimizer is not built yet)."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first. ")
            return list(built_on._trainable_variables)
        return list(trainable_variables)

    def apply(self, grads, trainable_variables=None):
        """Applies `grads` to `trainable_variables` (the variables the optimizer was built on
        when omitted)."""
        trainable_variables = self._variables_to_apply(trainable_variables, self)
        grads = list(grads)
        if len(grads) == 0:
            return
        pairs = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        arrays = []
        for g, v in pairs:
            if isinstance(g, IndexedSlices):
                vals = g.values._value
                arrays.append(jnp.zeros(tuple(v.shape), vals.dtype).at[g.indices._value].add(vals))
            elif type(g) is Tensor:
                arrays.append(g._v)  # a deferred gradient stays deferred (see _defer_apply)
            else:
                arrays.append(convert_to_tensor(g)._value)
        variables = [v for _, v in pairs]
        check_apply(self, arrays, variables)
        fn, donating_fn, state_vars = self._plan(variables)
        self.built = True
        lr_value = self._learning_rate._read() if self._learning_rate is not None else None
        if (_lazy.deferring() and _context.current.read_hook is None and not _context.current.recording
                and all(v._constraint is None and getattr(v, "_keras_constraint", None) is None
                        for v in variables)):
            self._defer_apply(fn, arrays, variables, state_vars, lr_value)
            return
        arrays = _lazy.resolve_all(arrays)
        # Ctrl-C after donation, before the writes, would lose them; another thread must not read
        # a donated value meanwhile
        with _context.donation_lock, _lazy.deferred_interrupts():
            if _context.current.read_hook is None and not _context.current.recording:
                new_params, new_states, new_iter = donating_fn(
                    arrays, _variable.arrays_to_donate(variables), _variable.arrays_to_donate(state_vars),
                    self._iterations._read(), lr_value)
            else:
                new_params, new_states, new_iter = fn(arrays, [v._read() for v in variables],
                                                      [s._read() for s in state_vars],
                                                      self._iterations._read(), lr_value)
            for v, a in zip(variables, new_params):
                v._write(a)
            for s, a in zip(state_vars, new_states):
                s._write(a)
            self._iterations._write(new_iter)
        for v in variables:  # Keras 3 projects constrained weights after the update
            constraint = getattr(v, "_keras_constraint", None)
            if constraint is not None:
                v.assign(constraint(v))

    def _defer_apply(self, fn, grads, variables, state_vars, lr_value):
        """The update as a pending write (see `_lazy.add_write`): it runs, in place, with the next
        program -- with the step's gradient program when nothing read the gradients first."""
        written = list(variables) + list(state_vars) + [self._iterations]
        old = [v._array for v in written]
        has_lr = lr_value is not None
        inputs = list(grads) + old + ([lr_value] if has_lr else [])
        n_grads, n_params, n_states = len(grads), len(variables), len(state_vars)

        def update(*values):
            new_params, new_states, new_iter = fn.__wrapped__(
                list(values[:n_grads]), list(values[n_grads:n_grads + n_params]),
                list(values[n_grads + n_params:n_grads + n_params + n_states]),
                values[n_grads + n_params + n_states], values[-1] if has_lr else None)
            return (*new_params, *new_states, new_iter)

        key = (fn, has_lr, tuple([(g.shape, g.dtype) for g in grads]))
        avals = self._update_avals.get(key)
        if avals is None:
            outs = jax.eval_shape(update, *[jax.ShapeDtypeStruct(x.shape, x.dtype) for x in inputs])
            avals = self._update_avals[key] = [(tuple(o.shape), np.dtype(o.dtype)) for o in outs]
        _lazy.defer_update(update, ("optimizer update", fn, has_lr), written, inputs,
                           range(n_grads, n_grads + len(written)), avals,
                           donatable=range(n_grads, n_grads + n_params + n_states))  # not the iteration count

    def scale_loss(self, loss):
        """`loss` times `loss_scale_factor` (unchanged when it is None), as Keras 3's `fit` scales
        the loss before its gradient; the update divides the gradients by it again."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def minimize(self, loss, var_list, tape=None):
        """Minimizes `loss` over `var_list`: computes gradients with `tape` (or a new tape when
        `loss` is a callable) and applies them.

        Args:
          loss: a scalar Tensor (with `tape`) or a zero-argument callable returning one.
          var_list: list of Variables, or a callable returning one.
          tape: the GradientTape that recorded `loss`.

        Returns:
          The `iterations` Variable.
        """
        if callable(loss):
            with GradientTape() as tape:
                if callable(var_list):
                    var_list = var_list()
                tape.watch(var_list)
                loss = loss()
        elif tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. Received: "
                             f"loss={loss}, tape={tape}.")
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def get_config(self):
        config = {"name": self.name, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
                  "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "gradient_accumulation_steps": self.gradient_accumulation_steps}
        if self._learning_rate is not None:
            config["learning_rate"] = float(self._learning_rate.numpy())
        return config

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as `keras.optimizers.SGD`.

    `m = momentum * m - lr * g; var += m` (Nesterov: `var += momentum * m - lr * g`).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = momentum, nesterov

    def _transform(self, lr, count):
        if self.momentum == 0:
            return optax.scale_by_learning_rate(lr)
        # Scaling by -lr *before* the trace accumulates `momentum * m - lr * g`, Keras' momentum.
        return optax.chain(optax.scale_by_learning_rate(lr),
                           optax.trace(decay=self.momentum, nesterov=self.nesterov))


class Adam(Optimizer):
    """Adam, as `keras.optimizers.Adam` (epsilon added to the uncorrected `sqrt(v)`).

    Args:
      learning_rate: default 0.001.
      beta_1, beta_2: default 0.9, 0.999.
      epsilon: default 1e-7.
      amsgrad: whether to use the maximum of past `v`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _transform(self, lr, count):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        t = count + 1
        # Keras computes its bias corrections from float32 betas in float32
        # (`alpha = lr * sqrt(1 - b2**t) / (1 - b1**t)`), optax from the Python betas (float64 under
        # x64): with b2 = 0.999 the two differ by ~6e-6 relative at step 1. Scale the learning rate
        # by the ratio so the update equals Keras' to float32 rounding.
        tf32 = t.astype(jnp.float32)
        b1f, b2f = jnp.float32(b1), jnp.float32(b2)
        keras_b1 = 1 - jnp.power(b1f, tf32)
        keras_b2 = jnp.sqrt(1 - jnp.power(b2f, tf32))
        optax_b1 = 1 - b1 ** t  # the expressions optax's bias_correction evaluates
        optax_b2 = jnp.sqrt(1 - b2 ** t)
        if self.amsgrad:
            # Keras: alpha * m / (sqrt(max(v)) + eps); optax (nu uncorrected): m_hat / (sqrt(max(v)) + eps).
            ratio = keras_b2 * optax_b1 / keras_b1
            return optax.chain(optax.scale_by_amsgrad(b1, b2, eps, bias_correction_nu=False),
                               optax.scale_by_learning_rate((lr * ratio).astype(jnp.float32)))
        # Keras' m / (sqrt(v) + eps) with bias corrections equals optax's m_hat / (sqrt(v_hat) + eps_t)
        # with eps_t = eps / sqrt(1 - b2**t): inject eps_t as a schedule of the step.
        ratio = (keras_b2 / keras_b1) / (optax_b2 / optax_b1)
        adam = optax.inject_hyperparams(optax.scale_by_adam, static_args=("b1", "b2", "eps_root"))(
            b1=b1, b2=b2, eps_root=0.0, eps=lambda c: eps / jnp.sqrt(1 - b2 ** (c + 1)))
        return optax.chain(adam, optax.scale_by_learning_rate((lr * ratio).astype(jnp.float32)))


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004), as `keras.optimizers.AdamW`."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class RMSprop(Optimizer):
    """RMSprop, as `keras.optimizers.RMSprop` (`g / sqrt(v + eps)`, optional momentum, centered).

    Args:
      learning_rate: default 0.001.
      rho: default 0.9.
      momentum: default 0.0.
      epsilon: default 1e-7.
      centered: subtract the squared mean gradient from `v`.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _transform(self, lr, count):
        if self.centered:
            scale = optax.scale_by_stddev(decay=self.rho, eps=self.epsilon)
        else:
            scale = optax.scale_by_rms(decay=self.rho, eps=self.epsilon, eps_in_sqrt=True)
        parts = [scale, optax.scale_by_learning_rate(lr)]
        if self.momentum > 0:
            parts.append(optax.trace(decay=self.momentum))
        return optax.chain(*parts)


class Adagrad(Optimizer):
    """Adagrad, as `keras.optimizers.Adagrad` (`acc += g^2; var -= lr * g / sqrt(acc + eps)`).

    Args:
      learning_rate: default 0.001.
      initial_accumulator_value: default 0.1.
      epsilon: default 1e-7.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _transform(self, lr, count):
        return optax.chain(optax.scale_by_rss(self.initial_accumulator_value, self.epsilon),
                           optax.scale_by_learning_rate(lr))


def _keras_rule(slot_names, step, initial=None):
    """An optax transformation from a Keras update rule written per variable:
    `step(g, p, *slots) -> (delta, *new_slots)`; each slot starts at `initial` (zeros by default)
    and is stored as a Variable named after it."""
    state_type = collections.namedtuple("KerasSlots", slot_names)
    initial = initial or (0.0,) * len(slot_names)

    def init(params):
        return state_type(*[jnp.full_like(params, value) for value in initial])

    def update(updates, state, params=None):
        delta, *slots = step(updates, params, *state)
        return delta, state_type(*slots)

    return optax.GradientTransformation(init, update)


def _f(value, dtype):
    return jnp.asarray(value, dtype)


class Adamax(Optimizer):
    """Adamax (Adam on the infinity norm), as `keras.optimizers.Adamax`:
    `m += (g - m)(1 - b1); u = max(b2 u, |g|); var -= lr m / ((1 - b1^t)(u + eps))`.

    Args:
      learning_rate: default 0.001.
      beta_1: default 0.9.
      beta_2: default 0.999.
      epsilon: default 1e-7.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _transform(self, lr, count):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon

        def step(g, p, m, u):
            dt = p.dtype
            t = (count + 1).astype(dt)
            m = m + (g - m) * _f(1 - b1, dt)
            u = jnp.maximum(_f(b2, dt) * u, jnp.abs(g))
            power = jnp.power(_f(b1, dt), t)
            return -((lr.astype(dt) * m) / ((1 - power) * (u + _f(eps, dt)))), m, u
        return _keras_rule(("momentum", "norm"), step)


def _nadam_u_product(count, b1, dt):
    # Keras keeps prod_{i<=t} b1 (1 - 0.5 * 0.96^i) in a variable updated every step; the same
    # products in the same order, from the iteration count before the step.
    def body(i, prod):
        factor = 1.0 - 0.5 * jnp.power(_f(0.96, dt), jnp.asarray(i).astype(dt))
        return prod * _f(b1, dt) * factor
    return jax.lax.fori_loop(1, jnp.asarray(count).astype(jnp.int32) + 2, body, jnp.ones((), dt))


class Nadam(Optimizer):
    """Adam with Nesterov momentum, as `keras.optimizers.Nadam` (Keras' momentum schedule
    `u_t = b1 (1 - 0.5 * 0.96^t)` and its running product).

    Args:
      learning_rate: default 0.001.
      beta_1: default 0.9.
      beta_2: default 0.999.
      epsilon: default 1e-7.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

        self._u_product = KerasVariable(np.float32(1.0), dtype=_dtypes.float32, trainable=False,
                                        name="u_product", path=f"{self.name}/u_product")

    @property
    def variables(self):
        return super().variables + ([self._u_product] if self.built else [])

    def apply(self, grads, trainable_variables=None):
        super().apply(grads, trainable_variables)
        # Keras' running product, kept as a variable (as Keras does) for checkpoints.
        self._u_product._write(_nadam_u_product(self._iterations._read() - 1, self.beta_1,
                                                jnp.float32))

    def _transform(self, lr, count):
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon

        def u_product(dt):
            return _nadam_u_product(count, b1, dt)

        def step(g, p, m, v):
            dt = p.dtype
            t, t1 = (count + 1).astype(dt), (count + 2).astype(dt)
            decay, beta_1, beta_2 = _f(0.96, dt), _f(b1, dt), _f(b2, dt)
            u_t = beta_1 * (1.0 - 0.5 * jnp.power(decay, t))
            u_t_1 = beta_1 * (1.0 - 0.5 * jnp.power(decay, t1))
            u_product_t = u_product(dt)
            u_product_t_1 = u_product_t * u_t_1
            beta_2_power = jnp.power(beta_2, t)
            m = m + (g - m) * _f(1 - b1, dt)
            v = v + (jnp.square(g) - v) * _f(1 - b2, dt)
            m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
            v_hat = v / (1 - beta_2_power)
            return -((m_hat * lr.astype(dt)) / (jnp.sqrt(v_hat) + _f(eps, dt))), m, v
        return _keras_rule(("momentum", "velocity"), step)


class Adadelta(Optimizer):
    """Adadelta, as `keras.optimizers.Adadelta` (`learning_rate` default 0.001, `rho` 0.95,
    `epsilon` 1e-7)."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _transform(self, lr, count):
        rho, eps = self.rho, self.epsilon

        def step(g, p, acc_grad, acc_delta):
            dt = p.dtype

            def rms(x):
                return jnp.sqrt(x + _f(eps, dt))
            acc_grad = _f(rho, dt) * acc_grad + _f(1 - rho, dt) * jnp.square(g)
            delta = -(rms(acc_delta) * g / rms(acc_grad))
            acc_delta = _f(rho, dt) * acc_delta + _f(1 - rho, dt) * jnp.square(delta)
            return lr.astype(dt) * delta, acc_grad, acc_delta
        return _keras_rule(("accumulated_grad", "accumulated_delta_var"), step)


class Lion(Optimizer):
    """Lion, as `keras.optimizers.Lion`:
    `var -= lr * sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g`.

    Args:
      learning_rate: default 0.001.
      beta_1: default 0.9 (must be in (0, 1]).
      beta_2: default 0.99.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")

    def _transform(self, lr, count):
        b1, b2 = self.beta_1, self.beta_2

        def step(g, p, m):
            dt = p.dtype
            beta_1, beta_2 = _f(b1, dt), _f(b2, dt)
            delta = -(lr.astype(dt) * jnp.sign(m * beta_1 + g * (1.0 - beta_1)))
            return delta, m * beta_2 + g * (1.0 - beta_2)
        return _keras_rule(("momentum",), step)


class Ftrl(Optimizer):
    """Follow-the-regularized-leader, as `keras.optimizers.Ftrl` (accumulator and linear slots,
    L1/L2/shrinkage regularization, `beta`).

    Args:
      learning_rate: default 0.001.
      learning_rate_power: default -0.5 (must be <= 0).
      initial_accumulator_value: default 0.1 (must be >= 0).
      l1_regularization_strength, l2_regularization_strength,
      l2_shrinkage_regularization_strength: default 0 (must be >= 0).
      beta: default 0.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for name, value, sign in (
                ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                ("learning_rate_power", -learning_rate_power, "negative or zero"),
                ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                 "positive or zero")):
            if value < 0.0:
                shown = learning_rate_power if name == "learning_rate_power" else value
                raise ValueError(f"`{name}` needs to be {sign}. Received: {name}={shown}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _transform(self, lr, count):
        lr_power = self.learning_rate_power
        l1 = self.l1_regularization_strength
        shrink = self.l2_shrinkage_regularization_strength

        def step(g, p, accum, linear):
            dt = p.dtype
            rate = lr.astype(dt)
            l2_reg = self.l2_regularization_strength + self.beta / (2.0 * rate)
            grad_to_use = g + _f(2 * shrink, dt) * p
            new_accum = accum + jnp.square(g)
            linear = linear + (grad_to_use - ((jnp.power(new_accum, _f(-lr_power, dt))
                                               - jnp.power(accum, _f(-lr_power, dt))) / rate) * p)
            quadratic = jnp.power(new_accum, _f(-lr_power, dt)) / rate + 2 * l2_reg
            clipped = jnp.clip(linear, _f(-l1, dt), _f(l1, dt))
            return (clipped - linear) / quadratic - p, new_accum, linear
        return _keras_rule(("accumulator", "linear"), step,
                           (self.initial_accumulator_value, 0.0))


_LSO_REFUSED = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                "loss_scale_factor": None, "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around another optimizer, as Keras 3's (`keras.mixed_precision`).

    `scale_loss(loss)` multiplies the loss by the current scale; `apply`/`apply_gradients` divide
    the gradients by it and let the inner optimizer update, unless a gradient is not finite: then
    the step is skipped (no variable changes, `iterations` stays) and the scale halves. After
    `dynamic_growth_steps` finite steps in a row the scale doubles.

    Args:
      inner_optimizer: the optimizer to wrap.
      initial_scale: the first scale (default 2**15).
      dynamic_growth_steps: finite steps between doublings (default 2000).
      name: default `'loss_scale_optimizer'`.

    Raises:
      ValueError: for `dynamic=False` (Keras 3 dropped it: set `loss_scale_factor` on the inner
        optimizer instead), for another base optimizer argument, or an unknown one.
    """

    def _trackable_children(self, saving=False):
        return _trackable.loss_scale_optimizer_children(self)

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for arg_name, default in _LSO_REFUSED.items():
            if arg_name in kwargs:
                value = kwargs.pop(arg_name)
                if (default is None and value is not None) or value != default:
                    raise ValueError(f"LossScaleOptimizer does not support `{arg_name}`. "
                                     f"Instead, set `{arg_name}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        self._steps = {}  # inner plan -> jitted scaled step

    def build(self, var_list):
        """Creates `step_counter` (int64) and `dynamic_scale` (float32), and builds the inner
        optimizer on `var_list`."""
        if self.built:
            return
        self.step_counter = KerasVariable(np.int64(0), dtype=_dtypes.int64, trainable=False,
                                          name="step_counter", path=f"{self.name}/step_counter")
        self.dynamic_scale = KerasVariable(np.float32(self.initial_scale), dtype=_dtypes.float32,
                                           trainable=False, name="dynamic_scale",
                                           path=f"{self.name}/dynamic_scale")
        self.inner_optimizer.build(var_list)
        self.built = True

    @property
    def variables(self):
        own = super().variables[:2]
        if self.built:
            own += [self.step_counter, self.dynamic_scale]
        return own + self.inner_optimizer.variables

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    def scale_loss(self, loss):
        """`loss` times the current scale (`initial_scale` before the first step builds the
        optimizer): float32 once built, as Keras multiplies by the float32 `dynamic_scale`."""
        loss = convert_to_tensor(loss)
        if not self.built:
            return loss * self.initial_scale
        if loss.dtype != _dtypes.float32 and loss.dtype in (_dtypes.float16, _dtypes.bfloat16):
            loss = math_ops.cast(loss, _dtypes.float32)
        return loss * self.dynamic_scale

    def apply(self, grads, trainable_variables=None):
        """Unscales `grads` and applies them with the inner optimizer when all are finite, then
        updates the scale (see the class)."""
        inner = self.inner_optimizer
        trainable_variables = self._variables_to_apply(trainable_variables, inner)
        grads = list(grads)
        if not self.built:
            self.build(trainable_variables)
        pairs = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        arrays = []
        for g, v in pairs:
            if isinstance(g, IndexedSlices):
                vals = g.values._value
                arrays.append(jnp.zeros(tuple(v.shape), vals.dtype).at[g.indices._value].add(vals))
            else:
                arrays.append(convert_to_tensor(g)._value)
        arrays = _lazy.resolve_all(arrays)
        variables = [v for _, v in pairs]
        check_apply(inner, arrays, variables)
        fn, _, state_vars = inner._plan(variables)
        inner.built = True
        step = self._steps.get(fn)
        if step is None:
            step = self._steps[fn] = jax.jit(_scaled_step(fn, int(self.dynamic_growth_steps)))
        lr_value = inner._learning_rate._read() if inner._learning_rate is not None else None
        new_params, new_states, new_iter, new_scale, new_count = step(
            arrays, [v._read() for v in variables], [s._read() for s in state_vars],
            inner._iterations._read(), lr_value, self.dynamic_scale._read(),
            self.step_counter._read())
        for v, a in zip(variables, new_params):
            v._write(a)
        for s, a in zip(state_vars, new_states):
            s._write(a)
        inner._iterations._write(new_iter)
        self.dynamic_scale._write(new_scale)
        self.step_counter._write(new_count)
        for v in variables:  # Keras 3 projects constrained weights after the update
            constraint = getattr(v, "_keras_constraint", None)
            if constraint is not None:
                v.assign(constraint(v))

    def get_config(self):
        return {"name": self.name, "inner_optimizer": _config_values.optimizer_json(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}


def _scaled_step(fn, growth_steps):
    """The jittable step of a LossScaleOptimizer around the inner update `fn`."""
    def step(grads, params, states, iteration, lr_value, scale, counter):
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in grads]))
        unscaled = [g / scale if jnp.issubdtype(g.dtype, jnp.floating) else g for g in grads]
        new_params, new_states, new_iter = fn(unscaled, params, states, iteration, lr_value)

        def keep(new, old):
            return [jnp.where(finite, n, o) for n, o in zip(new, old)]
        grow = counter == growth_steps - 1
        new_count = jnp.where(finite, jnp.where(grow, 0, counter + 1), 0).astype(counter.dtype)
        new_scale = jnp.where(finite, jnp.where(grow, scale * 2.0, scale),
                              scale * 0.5).astype(scale.dtype)
        return (keep(new_params, params), keep(new_states, states),
                jnp.where(finite, new_iter, iteration), new_scale, new_count)
    return step


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
            "adamax": Adamax, "nadam": Nadam, "adadelta": Adadelta, "lion": Lion, "ftrl": Ftrl}


def get(identifier):
    """An optimizer from a name (`'adam'`) or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
