"""`tf.train`: `Checkpoint` and `CheckpointManager` in a safe on-disk format (a `.npz` archive, read
with `allow_pickle=False`), and `latest_checkpoint`.

Values are keyed by the object structure, not by auto-generated layer names: `model/weights/3` is
the model's fourth weight in Keras' `weights` order, and an optimizer slot is keyed by the key of
the variable it belongs to (`optimizer/slots/model/weights/3/0`), so a checkpoint restores into a
freshly built model and optimizer in another process. Restoring reads and checks the whole archive
first (names, shapes, dtypes): a truncated or mismatched checkpoint raises and changes nothing.
Slots of an optimizer that has not been built yet are restored when it creates them (TF's deferred
restoration), so training continues exactly where it stopped.
"""

from __future__ import annotations

import glob
import os
import re
import weakref

import numpy as np

from tapejax import _context, _namespaces
from tapejax._errors import DataLossError, NotFoundError
from tapejax._module import Module
from tapejax._variable import Variable

_FORMAT = "tapejax-checkpoint-v1"


def _is_optimizer(obj):
    from tapejax.keras.optimizers import Optimizer
    return isinstance(obj, Optimizer)


def _collect(obj, prefix, out, empty=None):
    """Appends (key, Variable) for every variable `obj` owns, in a stable structural order.

    `empty`, when given, collects (prefix, object) for each layer or module that owns no variable
    yet (not built). A checkpoint's values for it are restored when its variables are created
    (a tf.Module, a Keras layer, a Sequential model), except for a subclassed keras.Model not built
    yet: TF 2.21 (Keras 3) restores nothing into it, and restore() does not raise.
    """
    from tapejax.keras._layer import Layer
    from tapejax.keras.metrics import Metric
    if empty is not None and isinstance(obj, (Layer, Module)) and not isinstance(obj, Metric):
        if not (obj.weights if isinstance(obj, Layer) else obj.variables):
            empty.append((prefix, obj))
            return
    if isinstance(obj, Variable):
        out.append((prefix, obj))
    elif hasattr(obj, "_checkpoint_value"):  # a tf.data iterator's position, a Generator's state
        value = obj._checkpoint_value()
        out.append((f"{prefix}/{value.name}", value))
    elif isinstance(obj, Layer):
        for i, w in enumerate(obj.weights):
            out.append((f"{prefix}/weights/{i}", w))
    elif isinstance(obj, Metric):
        for i, w in enumerate(obj.variables):
            out.append((f"{prefix}/variables/{i}", w))
    elif isinstance(obj, Checkpoint):
        for name, child in obj._children.items():
            if not _is_optimizer(child):
                _collect(child, f"{prefix}/{name}", out, empty)
    elif isinstance(obj, Module):
        for i, v in enumerate(obj.variables):
            out.append((f"{prefix}/variables/{i}", v))
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            _collect(obj[k], f"{prefix}/{k}", out, empty)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _collect(v, f"{prefix}/{i}", out, empty)
    else:
        raise ValueError(f"`Checkpoint` was expecting a trackable object (a Variable, Module, "
                         f"Keras layer/model, optimizer or metric), got {obj!r}.")


def _optimizers(obj, prefix, out):
    if _is_optimizer(obj):
        out.append((prefix, obj))
    elif isinstance(obj, Checkpoint):
        for name, child in obj._children.items():
            _optimizers(child, f"{prefix}/{name}", out)


# TF keys a checkpoint by object-graph paths: the attribute names from the root to each variable
# (`model/dense/bias`; measured on TF 2.21, whose Keras 3 Dense/Conv keep their kernel as `_kernel`
# and Embedding its table as `_embeddings`). tapejax stores values under its structural keys and
# records each variable's object-graph path beside them, so stand-in objects with the same paths
# (`tf.train.Checkpoint(model=tf.train.Checkpoint(dense=tf.train.Checkpoint(bias=v)))`) restore
# from it and `load_checkpoint` reads values by those names too. Paths are recorded for
# tf.Modules, Checkpoints, containers and Keras layers (not inside Sequential/Functional models,
# whose TF paths go through Keras' internal `_functional/_operations`).
_TAPEJAX_ATTRIBUTES = frozenset({
    "_layers", "_own_trainable", "_own_non_trainable", "_losses", "_compiled_metrics", "_metric_specs",
    "_loss_tracker", "_auto_config", "_build_shapes", "_initial_weights", "optimizer"})
_KERAS_ATTRIBUTE_NAMES = {"kernel": "_kernel", "embeddings": "_embeddings"}
_GRAPH_PATHS = "graph_paths"


def _graph_paths(children):
    """{variable id: object-graph path} for the variables reachable from `children` by attributes."""
    from tapejax.keras._layer import Layer
    from tapejax.keras._models import Functional, Sequential
    paths, seen = {}, set()

    def walk(obj, prefix):
        if isinstance(obj, Variable):
            paths.setdefault(obj._id, prefix)
            return
        if id(obj) in seen or _is_optimizer(obj) or isinstance(obj, (Sequential, Functional)):
            return
        seen.add(id(obj))
        if isinstance(obj, Checkpoint):
            items = list(obj._children.items())
        elif isinstance(obj, Layer):
            items = [(_KERAS_ATTRIBUTE_NAMES.get(k, k), v) for k, v in vars(obj).items()
                     if k not in _TAPEJAX_ATTRIBUTES and isinstance(v, (Variable, Module))]
        elif isinstance(obj, Module):
            items = [(k, v) for k, v in vars(obj).items() if k not in _TAPEJAX_ATTRIBUTES]
        elif isinstance(obj, dict):
            items = sorted(obj.items(), key=lambda kv: str(kv[0]))
        elif isinstance(obj, (list, tuple)):
            items = list(enumerate(obj))
        else:
            return
        for name, child in items:
            walk(child, f"{prefix}/{name}")

    for name, child in children.items():
        walk(child, name)
    return paths


def _strict(obj):
    """Whether a saved value this object does not take is an error (a Keras layer or tf.Module: it
    was saved from another architecture); containers and stand-in Checkpoints take subsets, as TF."""
    from tapejax.keras._layer import Layer
    return isinstance(obj, (Layer, Module))


class ListWrapper(list):
    """A list assigned to a `tf.train.Checkpoint` attribute (TF's ListWrapper): it is saved with the
    checkpoint, and a variable appended to it after a `restore()` gets its saved value."""

    def __init__(self, items, owner, name):
        super().__init__(items)
        self._owner, self._name = weakref.ref(owner), name

    def _attached(self):
        owner = self._owner()
        if owner is not None:
            owner._restore_attached(self._name)

    def append(self, item):
        super().append(item)
        self._attached()

    def extend(self, items):
        super().extend(items)
        self._attached()

    def insert(self, index, item):
        super().insert(index, item)
        self._attached()

    def __setitem__(self, index, item):
        super().__setitem__(index, item)
        self._attached()

    def __repr__(self):
        return f"ListWrapper({list.__repr__(self)})"


class CheckpointLoadStatus:
    """What `restore` returns: assertions about how the checkpoint matched the objects."""

    def __init__(self, unused_keys, unmatched_keys, nontrivial):
        self._unused = unused_keys
        self._unmatched = unmatched_keys
        self._nontrivial = nontrivial

    def assert_consumed(self):
        if self._unused or self._unmatched:
            raise AssertionError(
                f"Unresolved object in checkpoint: checkpoint values not used: {self._unused}; "
                f"objects not restored: {self._unmatched}")
        return self

    def assert_existing_objects_matched(self):
        if self._unmatched:
            raise AssertionError(f"Objects not restored from the checkpoint: {self._unmatched}")
        return self

    def assert_nontrivial_match(self):
        if not self._nontrivial:
            raise AssertionError("Nothing was restored from the checkpoint.")
        return self

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        return None

    def initialize_or_restore(self, session=None):
        return None


class _NoCheckpoint(CheckpointLoadStatus):
    def __init__(self):
        super().__init__([], [], False)

    def assert_consumed(self):
        raise AssertionError("No checkpoint was restored (the save path was None).")


def _data_path(path):
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


class Checkpoint:
    """Groups trackable objects (`model=`, `optimizer=`, Variables, Modules, metrics) for saving.

    Args:
      root: optional object whose variables are saved at the top level.
      **kwargs: named trackable objects.
    """

    def __init__(self, root=None, **kwargs):
        self._children = {}
        if root is not None:
            self._children["root"] = root
        for name, obj in kwargs.items():
            if obj is None:
                raise ValueError(f"`Checkpoint` was expecting a trackable object (an object "
                                 f"derived from `Trackable`), got None. If you believe this "
                                 f"object should be trackable (i.e. it is part of the TensorFlow "
                                 f"Python API and manages state), please open an issue. "
                                 f"(argument {name!r})")
            self._children[name] = obj
        self._save_counter = None

    def __getattr__(self, name):
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        """Tracks an object assigned to a public attribute (saved with the checkpoint, as TF), and
        restores into it what the last `restore()` saved under that name."""
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if type(value) is list:
            value = ListWrapper(value, self, name)
        self._children[name] = value
        self._restore_attached(name)

    def _restore_attached(self, name):
        pending = self.__dict__.get("_pending")
        if not pending or name not in self._children:
            return
        entries = []
        _collect(self._children[name], name, entries)
        for key, var in entries:
            array = pending.get(key)
            if array is not None and tuple(array.shape) == tuple(var.shape) and array.dtype == var.dtype._np:
                var.assign(array)
                del pending[key]

    @property
    def save_counter(self):
        if self._save_counter is None:
            self._save_counter = Variable(np.int64(0), trainable=False, name="save_counter")
        return self._save_counter

    # -- gathering -----------------------------------------------------------------------------
    def _entries(self, empty=None):
        """(key, Variable) pairs of everything saved, and (key, optimizer) pairs."""
        out = []
        for name, obj in self._children.items():
            if not _is_optimizer(obj):
                _collect(obj, name, out, empty)
        optimizers = []
        for name, obj in self._children.items():
            _optimizers(obj, name, optimizers)
        return out, optimizers

    def _values(self, empty=None):
        entries, optimizers = self._entries(empty)
        key_of = {v._id: k for k, v in entries}
        values = {k: v for k, v in entries}
        for prefix, opt in optimizers:
            values[f"{prefix}/iteration"] = opt.iterations
            if opt._learning_rate is not None:
                values[f"{prefix}/learning_rate"] = opt._learning_rate
            for i, var in enumerate(opt._trainable_variables):
                owner = key_of.get(var._id, f"unnamed_{i}")
                for j, slot in enumerate(opt._slots[var._id].variables):
                    values[f"{prefix}/slots/{owner}/{j}"] = slot
        if self._save_counter is not None:
            values["save_counter"] = self._save_counter
        return values, key_of, optimizers

    # -- writing -------------------------------------------------------------------------------
    def write(self, file_prefix, options=None):
        """Writes the values to `file_prefix` (as `<file_prefix>.npz`); returns `file_prefix`."""
        from tapejax.keras._models import save_arrays
        values, _, _ = self._values()
        keys = sorted(values)
        arrays = {f"v{i:06d}": np.asarray(values[k].numpy()) for i, k in enumerate(keys)}
        paths = _graph_paths(self._children)
        arrays[_GRAPH_PATHS] = np.asarray(
            [paths.get(values[k]._id, k) if isinstance(values[k], Variable) else k for k in keys], dtype=str)
        save_arrays(_data_path(file_prefix), arrays, [_FORMAT] + keys)
        return os.fspath(file_prefix)

    def save(self, file_prefix, options=None):
        """Increments `save_counter` and writes `<file_prefix>-<n>`; returns that path.

        Also records it as the latest checkpoint of the directory (`tf.train.latest_checkpoint`).
        """
        counter = self.save_counter
        counter.assign_add(np.int64(1))
        path = f"{os.fspath(file_prefix)}-{int(counter.numpy())}"
        self.write(path)
        _record_latest(path)
        return path

    # -- reading -------------------------------------------------------------------------------
    def read(self, save_path, options=None):
        """Restores from a path written by `write` or `save`."""
        return self.restore(save_path)

    def restore(self, save_path, options=None):
        """Restores every saved value into the current objects.

        Raises:
          NotFoundError: if there is no such checkpoint.
          DataLossError: if the file is truncated or not a tapejax checkpoint.
          ValueError: if the checkpoint does not match the objects (a missing or extra variable of
            a saved object, a different shape or dtype). Nothing is changed when it raises.
        """
        if save_path is None:
            return _NoCheckpoint()
        from tapejax.keras._models import load_arrays
        arrays, meta = load_arrays(_data_path(save_path), error_type=DataLossError)
        if not meta or meta[0] != _FORMAT:
            raise DataLossError(f"{save_path!r} is not a tapejax checkpoint. Nothing was restored.")
        keys = meta[1:]
        saved = {}
        for i, k in enumerate(keys):
            name = f"v{i:06d}"
            if name not in arrays:
                raise DataLossError(f"Checkpoint {save_path!r} is missing the value of {k!r}. "
                                    f"Nothing was restored.")
            saved[k] = arrays[name]
        empty = []
        values, key_of, optimizers = self._values(empty)
        var_by_key = {k: v for k, v in values.items()}
        deferred = {}      # prefix of an object without variables yet -> (object, {key: array})
        for k in saved:
            owner = next(((p, o) for p, o in empty if k.startswith(p + "/")), None)
            if owner is not None and "/slots/" not in k:
                deferred.setdefault(owner[0], (owner[1], {}))[1][k] = saved[k]
        roots_saved = {k.split("/")[0] for k in saved}
        by_path = {}       # object-graph path -> saved key, where they differ
        if _GRAPH_PATHS in arrays and len(arrays[_GRAPH_PATHS]) == len(keys):
            for k, path in zip(keys, arrays[_GRAPH_PATHS].tolist()):
                if path != k:
                    by_path.setdefault(path, k)
        matched_by_path = False
        plan = []          # (variable, array) to assign
        pending = []       # (optimizer, model variable, [arrays]) for slots not created yet
        unmatched = []
        for k, var in var_by_key.items():
            if k not in saved and k in by_path:  # a stand-in object with the saved object's path
                plan.append((by_path[k], var, saved[by_path[k]]))
                matched_by_path = True
                continue
            if k not in saved:
                if (k.split("/")[0] in roots_saved and "/slots/" not in k and k != "save_counter"
                        and _strict(self._children.get(k.split("/")[0]))):
                    raise ValueError(
                        f"The checkpoint {save_path!r} does not match the objects: it has no value "
                        f"for {k!r} ({getattr(var, 'path', var.name)}, shape {tuple(var.shape)}). "
                        f"Was it saved from a different model? Nothing was restored.")
                unmatched.append(k)
                continue
            plan.append((k, var, saved[k]))
        used = {k for k, _, _ in plan}
        slot_re = re.compile(r"^(.*)/slots/(.*)/(\d+)$")
        grouped = {}
        unused = []
        deferred_slots = []   # (optimizer, owner key, slot index, array) of deferred variables
        for k in saved:
            if k in used or k == "save_counter":
                continue
            m = slot_re.match(k)
            if m and any(m.group(2) in arrays for _, arrays in deferred.values()):
                opt = next((o for p, o in optimizers if p == m.group(1)), None)
                if opt is not None:
                    deferred_slots.append((opt, m.group(2), int(m.group(3)), saved[k]))
                    continue
            if any(k in arrays for _, arrays in deferred.values()):
                continue
            opt = None
            if m:
                opt = next((o for p, o in optimizers if p == m.group(1)), None)
            owner = m.group(2) if m else None
            target = var_by_key.get(owner) if owner else None
            if opt is not None and target is not None and target._id not in opt._slots:
                grouped.setdefault((id(opt), target._id), (opt, target, {}))[2][int(m.group(3))] = \
                    saved[k]
                continue
            if (k.split("/")[0] in self._children and not m and not matched_by_path
                    and _strict(self._children[k.split("/")[0]])):
                raise ValueError(
                    f"The checkpoint {save_path!r} does not match the objects: it has a value for "
                    f"{k!r} that no current variable takes. Was it saved from a different model? "
                    f"Nothing was restored.")
            unused.append(k)
        for k, var, array in plan:
            if tuple(array.shape) != tuple(var.shape) or array.dtype != var.dtype._np:
                raise ValueError(
                    f"The checkpoint {save_path!r} does not match the objects: {k!r} is saved with "
                    f"shape {tuple(array.shape)} and dtype {array.dtype}, but the variable "
                    f"{getattr(var, 'path', var.name)} has shape {tuple(var.shape)} and dtype "
                    f"{var.dtype.name}. Nothing was restored.")
        for opt, target, slots in grouped.values():
            arrays_list = [slots[j] for j in sorted(slots)]
            for a in arrays_list:
                if tuple(a.shape) != tuple(target.shape):
                    raise ValueError(
                        f"The checkpoint {save_path!r} does not match the objects: an optimizer "
                        f"slot of {getattr(target, 'path', target.name)} has shape "
                        f"{tuple(a.shape)}, the variable {tuple(target.shape)}. Nothing was "
                        f"restored.")
            pending.append((opt, target, arrays_list))
        for _, var, array in plan:
            var.assign(array)
        for opt, target, arrays_list in pending:
            opt._pending_slots[target._id] = arrays_list
        if "save_counter" in saved:
            self.save_counter.assign(saved["save_counter"])
        self._pending = {k: saved[k] for k in unused if "/slots/" not in k}  # for objects attached later
        from tapejax.keras._models import Functional, Model, Sequential
        for prefix, (obj, arrays) in deferred.items():
            unused.extend(arrays)
            if not isinstance(obj, Model) or isinstance(obj, (Sequential, Functional)):
                slots = [(o, k, j, a) for o, k, j, a in deferred_slots if k in arrays]
                _defer(_Deferred(save_path, prefix, obj, arrays, slots, unused))
        return CheckpointLoadStatus(unused, unmatched, bool(plan or pending or deferred))


# -- deferred restoration -------------------------------------------------------------------------
# TF restores a checkpoint's values into variables created after `restore()` (a tf.Module that
# makes its variables on its first call, a Keras layer built then). Here a module that owned no variable at restore time
# gets its values as soon as it owns as many variables as were saved for it: checked when any
# Variable is read (a read hook installed only while restorations wait), so the values are in
# place before the first computation that reads all of them. The keys index the module's variables
# in their final order, so a partly built module waits: one whose sub-modules are built and called
# one after another (the first one's variables read before the last one exists) computes that
# first call with the first sub-module's initial values (TF restores each variable as it is made).
class _Deferred:
    def __init__(self, save_path, prefix, obj, arrays, slots, unused):
        self.save_path, self.prefix, self.arrays, self.slots, self.unused = (
            save_path, prefix, arrays, slots, unused)
        try:
            self.ref = weakref.ref(obj)
        except TypeError:
            self.ref = lambda obj=obj: obj

    def try_apply(self):
        """True when done (applied, or the object is gone)."""
        obj = self.ref()
        if obj is None:
            return True
        out = []
        _collect(obj, self.prefix, out)
        if len(out) < len(self.arrays):
            return False
        current = dict(out)
        for k, array in self.arrays.items():
            var = current.get(k)
            if var is None or tuple(array.shape) != tuple(var.shape) or array.dtype != var.dtype._np:
                got = "no variable" if var is None else f"shape {tuple(var.shape)} and dtype {var.dtype.name}"
                raise ValueError(
                    f"The checkpoint {self.save_path!r} does not match the variables created after "
                    f"restore(): {k!r} is saved with shape {tuple(array.shape)} and dtype "
                    f"{array.dtype}, the created variable has {got}.")
        for k, array in self.arrays.items():
            current[k].assign(array)
        by_owner = {}
        for opt, owner, j, array in self.slots:
            by_owner.setdefault((id(opt), owner), (opt, owner, {}))[2][j] = array
        for opt, owner, slots in by_owner.values():
            target = current[owner]
            if target._id not in opt._slots:
                opt._pending_slots[target._id] = [slots[j] for j in sorted(slots)]
        self.unused[:] = [k for k in self.unused if k not in self.arrays]
        return True


_waiting = []


def _defer(entry):
    if not entry.try_apply():
        _waiting.append(entry)
        _context.current.read_hook = _read_with_deferred


def _read_with_deferred(variable):
    """The read hook while restorations wait: applies those whose variables now all exist."""
    _context.current.read_hook = None
    try:
        _waiting[:] = [d for d in _waiting if not d.try_apply()]
        return variable._read()
    finally:
        if _waiting and _context.current.read_hook is None:
            _context.current.read_hook = _read_with_deferred


def _record_latest(path, all_paths=None):
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    state = os.path.join(directory, "checkpoint")
    previous = []
    if all_paths is None:
        if os.path.exists(state):
            previous = [p for p in _read_state(state)[1] if p != name]
        all_paths = previous + [name]
    else:
        all_paths = [os.path.basename(p) for p in all_paths]
    text = f'model_checkpoint_path: "{name}"\n' + "".join(
        f'all_model_checkpoint_paths: "{p}"\n' for p in all_paths)
    tmp = state + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, state)


def _read_state(state):
    latest, paths = None, []
    for line in open(state, encoding="utf-8"):
        m = re.match(r'\s*(\w+):\s*"(.*)"', line)
        if not m:
            continue
        if m.group(1) == "model_checkpoint_path":
            latest = m.group(2)
        elif m.group(1) == "all_model_checkpoint_paths":
            paths.append(m.group(2))
    return latest, paths


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the latest checkpoint saved in `checkpoint_dir`, or None."""
    state = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.exists(state):
        return None
    latest, _ = _read_state(state)
    if latest is None:
        return None
    path = latest if os.path.isabs(latest) else os.path.join(checkpoint_dir, latest)
    return path if os.path.exists(_data_path(path)) else None


class CheckpointManager:
    """Saves numbered checkpoints in a directory and keeps the newest `max_to_keep`.

    Args:
      checkpoint: the `Checkpoint` to save.
      directory: where to write.
      max_to_keep: how many to keep (None keeps all).
      checkpoint_name: file name prefix (default `'ckpt'`).
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._name = checkpoint_name
        os.makedirs(self._directory, exist_ok=True)
        state = os.path.join(self._directory, "checkpoint")
        self._checkpoints = []
        if os.path.exists(state):
            _, paths = _read_state(state)
            # Only checkpoints inside the directory are the manager's: a state file listing
            # `../elsewhere/x` or `/abs/path` (crafted, or copied from another directory) never makes
            # it delete or overwrite files outside it.
            inside = (self._inside(p) for p in paths)
            self._checkpoints = [p for p in inside if p is not None and os.path.exists(_data_path(p))]
        self._remove_leftovers()

    def _inside(self, name):
        """The path of state-file entry `name` when it is a checkpoint directly in the directory, else None."""
        path = name if os.path.isabs(name) else os.path.join(self._directory, name)
        parent = os.path.dirname(os.path.realpath(path))
        return path if parent == os.path.realpath(self._directory) else None

    def _remove_leftovers(self):
        """Deletes the temporary files that saves interrupted by a kill left in the directory (the
        archive's `tmp*.tmp` and `checkpoint.tmp`); one manager saves into a directory at a time."""
        for leftover in glob.glob(os.path.join(glob.escape(self._directory), "tmp*.tmp")) + glob.glob(
                os.path.join(glob.escape(self._directory), "checkpoint.tmp")):
            try:
                os.remove(leftover)
            except OSError:  # another process removed or replaced it first
                pass

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoints(self):
        return list(self._checkpoints)

    @property
    def latest_checkpoint(self):
        return self._checkpoints[-1] if self._checkpoints else None

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Writes a new checkpoint, deletes the oldest beyond `max_to_keep`; returns its path."""
        counter = self._checkpoint.save_counter
        if checkpoint_number is None:
            counter.assign_add(np.int64(1))
            checkpoint_number = int(counter.numpy())
        else:
            counter.assign_add(np.int64(1))
            checkpoint_number = int(np.asarray(getattr(checkpoint_number, "numpy",
                                                       lambda: checkpoint_number)()))
        path = os.path.join(self._directory, f"{self._name}-{checkpoint_number}")
        self._checkpoint.write(path)
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        if self._max_to_keep is not None:
            while len(self._checkpoints) > self._max_to_keep:
                old = self._checkpoints.pop(0)
                if self._inside(old) is None:  # never outside the directory
                    continue
                for f in glob.glob(glob.escape(old) + ".npz"):
                    os.remove(f)
        _record_latest(path, self._checkpoints)
        return path

    def restore_or_initialize(self):
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        return None


# -- reading checkpoints without objects: tf.train.load_checkpoint / list_variables ----------------
# Names are tapejax's structural keys with TF's attribute suffix: a Variable saved as `a` (or `b/c`
# in a dict, or `save_counter`) is listed as `a/.ATTRIBUTES/VARIABLE_VALUE`, exactly TF's name for
# such an object. Layers keep tapejax's structural keys (`model/weights/3/.ATTRIBUTES/...`, TF:
# `model/layer_with_weights-0/kernel/...`), and there is no `_CHECKPOINTABLE_OBJECT_GRAPH` entry:
# tapejax checkpoints hold no object graph.
_VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


def _resolve_checkpoint(ckpt_dir_or_file):
    if not isinstance(ckpt_dir_or_file, (str, bytes, os.PathLike)):
        raise TypeError(f"Expected binary or unicode string, got {ckpt_dir_or_file!r}")
    path = os.fsdecode(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        return latest
    if not os.path.exists(_data_path(path)):
        hint = (f"\n{path}.index is a TensorFlow checkpoint: tapejax reads only its own checkpoints "
                f"(.npz files written by tf.train.Checkpoint in tapejax)."
                if os.path.exists(path + ".index") else "")
        raise NotFoundError(f"Unsuccessful TensorSliceReader constructor: Failed to find any matching "
                            f"files for {path}{hint}")
    return path


class CheckpointReader:
    """Reads the values of one checkpoint by name (what `tf.train.load_checkpoint` returns).

    Names are listed by `get_variable_to_shape_map()`: `<structural key>/.ATTRIBUTES/VARIABLE_VALUE`
    and, for a variable whose TF object-graph path differs from its key, also
    `<path>/.ATTRIBUTES/VARIABLE_VALUE` (TF's name, e.g. `model/dense/_kernel/...`).
    """

    def __init__(self, path):
        from tapejax.keras._models import load_arrays
        arrays, meta = load_arrays(_data_path(path), error_type=DataLossError)
        if not meta or meta[0] != _FORMAT:
            raise DataLossError(f"{path!r} is not a tapejax checkpoint.")
        self._path = path
        self._values = {}
        for i, key in enumerate(meta[1:]):
            if f"v{i:06d}" not in arrays:
                raise DataLossError(f"Checkpoint {path!r} is missing the value of {key!r}.")
            self._values[key + _VALUE_SUFFIX] = arrays[f"v{i:06d}"]
        paths = arrays.get(_GRAPH_PATHS)
        if paths is not None and len(paths) == len(meta) - 1:
            for key, path in zip(meta[1:], paths.tolist()):
                self._values.setdefault(path + _VALUE_SUFFIX, self._values[key + _VALUE_SUFFIX])

    def has_tensor(self, name):
        """Whether the checkpoint holds a value named `name`."""
        return name in self._values

    def get_tensor(self, name):
        """The saved value named `name` as a NumPy array (a NumPy scalar for a scalar).

        Raises:
          NotFoundError: if there is no such name.
        """
        if name not in self._values:
            raise NotFoundError(f"Key {name} not found in checkpoint")
        value = self._values[name]
        return value[()] if value.ndim == 0 else value.copy()

    def get_variable_to_shape_map(self):
        """{name: shape as a list of ints}."""
        return {k: list(v.shape) for k, v in self._values.items()}

    def get_variable_to_dtype_map(self):
        """{name: DType}."""
        from tapejax import _dtypes
        return {k: _dtypes.as_dtype(v.dtype) for k, v in self._values.items()}

    def debug_string(self):
        from tapejax import _dtypes
        return "".join(f"{k} (DT_{_dtypes.as_dtype(v.dtype).name.upper()}) {list(v.shape)}\n"
                       for k, v in sorted(self._values.items())).encode()


def load_checkpoint(ckpt_dir_or_file):
    """Returns a `CheckpointReader` for a checkpoint, or for a directory's latest one.

    Args:
      ckpt_dir_or_file: a checkpoint path (as `Checkpoint.save` returns) or a directory.

    Raises:
      ValueError: a directory without checkpoints.
      NotFoundError: no checkpoint at that path.
    """
    return CheckpointReader(_resolve_checkpoint(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file):
    """Returns `[(name, shape)]` of every value in a checkpoint, sorted by name (as TF)."""
    reader = load_checkpoint(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


train = _namespaces.make("train", "tf.train", {
    "Checkpoint": Checkpoint, "CheckpointManager": CheckpointManager,
    "latest_checkpoint": latest_checkpoint, "CheckpointOptions": lambda *a, **k: None,
    "load_checkpoint": load_checkpoint, "list_variables": list_variables,
})

__all__ = ["Checkpoint", "CheckpointManager", "CheckpointReader", "latest_checkpoint", "list_variables",
           "load_checkpoint", "train", "DataLossError", "NotFoundError"]
