"""`tf.train`: `Checkpoint` and `CheckpointManager` in a safe on-disk format (a `.npz` archive, read
with `allow_pickle=False`), and `latest_checkpoint`.

A checkpoint holds TF 2.21's object graph: each value is keyed by its object-graph path, the
attribute names from the root to it (`model/dense/_kernel/.ATTRIBUTES/VARIABLE_VALUE`, measured on
TF 2.21 with Keras 3), and the graph itself (every object and its named children, as JSON) is
stored under `_CHECKPOINTABLE_OBJECT_GRAPH`, so `tf.train.list_variables` lists TF's names and a
restore matches objects as TF does: walking the saved graph from the root by child names, through
any path (a model's kernel is reached through `model/...` and through the optimizer's
`_trainable_variables/N`). Values of objects that do not exist yet are restored when they are
created (TF's deferred restoration): a layer built later, a variable appended to a list, an
optimizer's slots by their position in `optimizer.variables` (Keras 3's `_variables/N`).
Restoring reads and checks the whole archive first: a truncated checkpoint, or a value of another
shape or dtype than its variable, raises and changes nothing.

Checkpoints written by earlier tapejax versions (`tapejax-checkpoint-v1`, keyed by tapejax's
structural names such as `model/weights/0`) are still read and restored.
"""

from __future__ import annotations

import collections
import glob
import json
import os
import re
import weakref
import zipfile

import numpy as np

from tapejax import _context, _dtypes, _example, _namespaces
from tapejax._dtypes import DType
from tapejax._errors import DataLossError, InvalidArgumentError, NotFoundError
from tapejax._module import Module
from tapejax._npz import load_arrays, save_arrays
from tapejax._ops.random_ops import Generator
from tapejax._variable import Variable

_FORMAT_V1 = "tapejax-checkpoint-v1"
_FORMAT = "tapejax-checkpoint-v2"
_VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_ITERATOR_SUFFIX = "/.ATTRIBUTES/ITERATOR_STATE"
_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_GRAPH_ARRAY = "object_graph"
_VARIANT = DType("variant", object, "variant")  # TF's dtype of a serialized iterator state


def _kind(obj):
    """What a Keras object is to a checkpoint (its class's `_checkpoint_kind`: "layer", "model" for a
    subclassed Model, "graph_model" for Sequential/Functional, "optimizer", "metric"), or None.
    Keras classes declare it, and describe their children with `_trackable_children(saving)`, so
    this module imports no Keras."""
    return getattr(type(obj), "_checkpoint_kind", None)


_LAYER_KINDS = frozenset({"layer", "model", "graph_model"})


def _is_optimizer(obj):
    return _kind(obj) == "optimizer"


def _is_layer(obj):
    return _kind(obj) in _LAYER_KINDS


# -- TF 2.21's object graph of tapejax's objects -----------------------------------------------------
# Measured on TF 2.21 (Keras 3): a Checkpoint's children are its keyword arguments sorted by name,
# then attributes in assignment order, then `save_counter`; a tf.Module's are its attributes in
# assignment order (private ones too) with lists, tuples and dicts as nodes keyed by index or
# key; a Keras layer's are its attributes holding variables, layers, modules or an optimizer
# (Keras 3 does not track lists or dicts of layers for checkpoints), with Dense/Conv's kernel as
# `_kernel`, Embedding's table as `_embeddings` and an RNN's weights under `cell`; a Sequential's
# layers are `_functional/_operations/<i>` and a Functional's `_operations/<i>` (index 0: the
# InputLayer); a Keras 3 optimizer has `_iterations`, `_learning_rate`, `_variables/<i>` (its
# `variables`) and `_trainable_variables/<i>`. An object's name is its shortest path from the root
# (breadth first, children in that order).
TAPEJAX_ATTRIBUTES = frozenset({
    "_layers", "_own_trainable", "_own_non_trainable", "_losses", "_compiled_metrics", "_metric_specs",
    "_loss_tracker", "_auto_config", "_build_shapes", "_initial_weights", "_seq"})


class View:
    """A node of TF's object graph that tapejax keeps no object for (Keras' `_functional`, its
    `_operations` list, an RNN's `cell`, an optimizer's variable lists)."""

    __slots__ = ("key", "items", "owner", "name")

    def __init__(self, parent, name, items, owner=None):
        self.key, self.items, self.owner, self.name = (id(parent), name), items, owner, name


class _GeneratorStateVar:
    """A `tf.random.Generator`'s `_state_var` as TF lists it (int64, shape [3]); tapejax's state is
    its seed and counter, saved in the first two entries."""

    shape = (3,)

    def __init__(self, generator):
        self._state = generator._checkpoint_value()
        self.key = (id(generator), "_state_var")
        self.dtype = self._state.dtype
        self.name = self.path = "_state_var"

    def numpy(self):
        return np.concatenate([self._state.numpy(), np.zeros(1, np.int64)])

    def assign(self, value):
        self._state.assign(np.asarray(value)[:2])


def _key(obj):
    return obj.key if isinstance(obj, (View, _GeneratorStateVar)) else id(obj)


def _is_generator(obj):
    return isinstance(obj, Generator)


def _module_trackable(value):
    if _kind(value) == "metric":
        return False  # Keras 3 metrics are not trackable in TF 2.21
    return (isinstance(value, (Variable, Module, Checkpoint, list, tuple, dict, _GeneratorStateVar))
            or _is_optimizer(value) or hasattr(value, "_checkpoint_value"))


def _escape(name):
    """TF's escaping of a name inside a checkpoint key ('.' -> '..', '/' -> '.S')."""
    return str(name).replace(".", "..").replace("/", ".S")


def _children(obj, saving=False):
    """`[(name, child)]`: `obj`'s children in TF 2.21's object graph, in TF's order.

    Raises:
      ValueError: (when `saving`) a dict holding a trackable object under a non-string key, which
        TF cannot save.
    """
    if isinstance(obj, View):
        return obj.items
    if isinstance(obj, Checkpoint):
        root = obj._root
        items = [] if root is None or isinstance(root, Variable) else list(_children(root, saving))
        items += list(obj._children.items())
        if obj._save_counter is not None:
            items.append(("save_counter", obj._save_counter))
        return items
    trackable_children = getattr(obj, "_trackable_children", None)  # Keras layers and optimizers
    if trackable_children is not None:
        return trackable_children(saving)
    if _is_generator(obj):
        return [("_state_var", _GeneratorStateVar(obj))]
    if isinstance(obj, Module):
        return [(name, value) for name, value in vars(obj).items()
                if name not in TAPEJAX_ATTRIBUTES and value is not obj and _module_trackable(value)]
    if isinstance(obj, (list, tuple)):
        return [(str(i), value) for i, value in enumerate(obj) if _module_trackable(value)]
    if isinstance(obj, dict):
        items = []
        for k, value in obj.items():
            if not _module_trackable(value):
                continue
            if not isinstance(k, str):
                if saving:
                    raise ValueError(
                        f"Unable to save the object {obj!r} (a dictionary wrapper constructed "
                        f"automatically on attribute assignment). The wrapped dictionary contains a "
                        f"non-string key which maps to a trackable object or mutable data structure."
                        f"\n\nIf you don't need this dictionary checkpointed, wrap it in a "
                        f"non-trackable object; it will be subsequently ignored.")
                continue
            items.append((k, value))
        return items
    return []


def _held_value(obj):
    """`(key suffix, value)` of what a node itself saves (a variable's value, an iterator's
    position), or None."""
    if isinstance(obj, (Variable, _GeneratorStateVar)):
        return _VALUE_SUFFIX, obj
    if isinstance(obj, Checkpoint) and isinstance(obj._root, Variable):
        return _VALUE_SUFFIX, obj._root
    if hasattr(obj, "_checkpoint_value") and not _is_generator(obj):
        return _ITERATOR_SUFFIX, obj._checkpoint_value()
    return None


def _object_graph(root, saving=False):
    """The objects reachable from `root` breadth first, each one's path (TF's checkpoint name) and
    its children as `[name, object index]`."""
    order, index, paths, children = [root], {_key(root): 0}, [""], []
    i = 0
    while i < len(order):
        kids = []
        for name, child in _children(order[i], saving):
            k = _key(child)
            if k not in index:
                index[k] = len(order)
                order.append(child)
                paths.append(f"{paths[i]}/{_escape(name)}" if i else _escape(name))
            kids.append([str(name), index[k]])
        children.append(kids)
        i += 1
    return order, paths, children


# -- tapejax-checkpoint-v1 (read only): structural keys ----------------------------------------------
def _collect(obj, prefix, out, empty=None):
    """Appends (key, Variable) for every variable `obj` owns, in tapejax v1's structural order.

    `empty`, when given, collects (prefix, object) for each layer or module that owns no variable
    yet (not built).
    """
    if empty is not None and isinstance(obj, Module) and _kind(obj) != "metric":
        if not (obj.weights if _is_layer(obj) else obj.variables):
            empty.append((prefix, obj))
            return
    if isinstance(obj, Variable):
        out.append((prefix, obj))
    elif hasattr(obj, "_checkpoint_value"):  # a tf.data iterator's position, a Generator's state
        value = obj._checkpoint_value()
        out.append((f"{prefix}/{value.name}", value))
    elif _is_layer(obj):
        for i, w in enumerate(obj.weights):
            out.append((f"{prefix}/weights/{i}", w))
    elif _kind(obj) == "metric":
        for i, w in enumerate(obj.variables):
            out.append((f"{prefix}/variables/{i}", w))
    elif isinstance(obj, Checkpoint):
        for name, child in obj._v1_children().items():
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
        for name, child in obj._v1_children().items():
            _optimizers(child, f"{prefix}/{name}", out)


_GRAPH_PATHS = "graph_paths"  # v1: each value's object-graph path, beside its structural key


def _strict(obj):
    """v1: whether a saved value this object does not take is an error (a Keras layer or tf.Module)."""
    return isinstance(obj, Module) or _is_layer(obj)


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
    """What `restore` returns: assertions about how the checkpoint matched the objects.

    `unused_keys` (checkpoint values not restored yet) and `unmatched_keys` (existing variables that
    got no value) are live: a deferred restoration removes what it restores.
    """

    def __init__(self, unused_keys, unmatched_keys, nontrivial):
        self._unused = unused_keys
        self._unmatched = unmatched_keys
        self._nontrivial = nontrivial

    def assert_consumed(self):
        """Raises AssertionError unless every checkpoint value was restored into an object and
        every existing object got a value."""
        if self._unused or self._unmatched:
            raise AssertionError(
                f"Unresolved object in checkpoint: checkpoint values not used: {self._unused}; "
                f"objects not restored: {self._unmatched}")
        return self

    def assert_existing_objects_matched(self):
        """Raises AssertionError unless every existing object got a value from the checkpoint."""
        if self._unmatched:
            raise AssertionError(f"Objects not restored from the checkpoint: {self._unmatched}")
        return self

    def assert_nontrivial_match(self):
        """Raises AssertionError if nothing was matched."""
        if not (self._nontrivial() if callable(self._nontrivial) else self._nontrivial):
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
    """Groups trackable objects (`model=`, `optimizer=`, Variables, Modules, iterators) for saving.

    Args:
      root: optional object that is the root of the object graph (its attributes are saved at the
        top level).
      **kwargs: named trackable objects.
    """

    def __init__(self, root=None, **kwargs):
        self._children = {}
        self._root = root
        self._save_counter = None
        for name, obj in sorted(kwargs.items()):  # TF orders the keyword arguments by name
            if obj is None or _kind(obj) == "metric":
                raise ValueError(f"`Checkpoint` was expecting {name} to be a trackable object (an "
                                 f"object derived from `Trackable`), got {obj}. If you believe this "
                                 f"object should be trackable (i.e. it is part of the TensorFlow "
                                 f"Python API and manages state), please open an issue.")
            self._children[name] = obj

    def __getattr__(self, name):
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        if name == "root" and self.__dict__.get("_root") is not None:
            return self._root
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

    def _v1_children(self):
        out = {} if self._root is None else {"root": self._root}
        out.update(self._children)
        return out

    def _restore_attached(self, name):
        """Restores into objects attached after `restore()` what it saved for them."""
        if _attach_waiting:
            _attach_waiting[:] = [p for p in _attach_waiting if not p.try_apply()]
        pending = self.__dict__.get("_pending")  # a v1 checkpoint's values by structural key
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
        """An int64 Variable counting `save()` calls (created on the first save or restore)."""
        if self._save_counter is None:
            self._save_counter = Variable(np.int64(0), trainable=False, name="save_counter")
            self._restore_attached("save_counter")  # a `read()` checkpoint's saved count
        return self._save_counter

    # -- writing -------------------------------------------------------------------------------
    def write(self, file_prefix, options=None):
        """Writes the values to `file_prefix` (as `<file_prefix>.npz`); returns `file_prefix`.

        Raises:
          ValueError: an object TF cannot save (a dict with a non-string key holding a variable).
        """
        order, paths, children = _object_graph(self, saving=True)
        keys, arrays, nodes = [], {}, []
        for obj, path, kids in zip(order, paths, children):
            held = _held_value(obj)
            key = None
            if held is not None:
                key = path + held[0]
                arrays[f"v{len(keys):06d}"] = np.asarray(held[1].numpy())
                keys.append(key)
            nodes.append({"children": kids, "key": key})
        arrays[_GRAPH_ARRAY] = np.asarray(json.dumps({"nodes": nodes}))
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
        """Restores from a path written by `write` or `save`; unlike `restore`, creates no
        `save_counter` (a saved one is restored when `save` creates it), as TF."""
        return self._restore(save_path, create_counter=False)

    def restore(self, save_path, options=None):
        """Restores every saved value into the current objects (and, when they are created later,
        into objects that do not exist yet).

        Returns:
          A `CheckpointLoadStatus` (`assert_consumed`, `assert_existing_objects_matched`, ...).

        Raises:
          NotFoundError: if there is no such checkpoint.
          DataLossError: if the file is truncated or not a tapejax checkpoint.
          ValueError: if a saved value has another shape or dtype than the variable it belongs
            to. Nothing is changed when it raises.
        """
        return self._restore(save_path, create_counter=True)

    def _restore(self, save_path, create_counter):
        if save_path is None:
            return _NoCheckpoint()
        arrays, meta = load_arrays(_data_path(save_path), error_type=DataLossError)
        if not meta or meta[0] not in (_FORMAT, _FORMAT_V1):
            raise DataLossError(f"{save_path!r} is not a tapejax checkpoint. Nothing was restored.")
        keys = meta[1:]
        for i, k in enumerate(keys):
            if f"v{i:06d}" not in arrays:
                raise DataLossError(f"Checkpoint {save_path!r} is missing the value of {k!r}. "
                                    f"Nothing was restored.")
        if meta[0] == _FORMAT_V1:
            return self._restore_v1(save_path, arrays, keys)
        if _GRAPH_ARRAY not in arrays:
            raise DataLossError(f"Checkpoint {save_path!r} has no object graph. Nothing was restored.")
        try:
            nodes = json.loads(str(arrays[_GRAPH_ARRAY][()]))["nodes"]
        except (ValueError, KeyError, TypeError) as err:
            raise DataLossError(f"Checkpoint {save_path!r} has an unreadable object graph ({err}). "
                                f"Nothing was restored.") from None
        values = {k: arrays[f"v{i:06d}"] for i, k in enumerate(keys)}
        if create_counter:
            self.save_counter  # noqa: B018 - TF creates it on restore, and restores it
        restoration = _Restoration(save_path, nodes, values)
        restoration.restore(self, 0, first=True)
        return CheckpointLoadStatus(restoration.unused, restoration.unmatched,
                                    lambda: restoration.nontrivial)

    # -- tapejax-checkpoint-v1 -----------------------------------------------------------------
    def _entries(self, empty=None):
        """v1: (key, Variable) pairs of everything saved, and (key, optimizer) pairs."""
        out = []
        for name, obj in self._v1_children().items():
            if not _is_optimizer(obj):
                _collect(obj, name, out, empty)
        optimizers = []
        for name, obj in self._v1_children().items():
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

    def _restore_v1(self, save_path, arrays, keys):
        """Restores a checkpoint of tapejax's first format (values by structural key)."""
        children = self._v1_children()
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
                        and _strict(children.get(k.split("/")[0]))):
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
            if (k.split("/")[0] in children and not m and not matched_by_path
                    and _strict(children[k.split("/")[0]])):
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
        for prefix, (obj, arrays) in deferred.items():
            unused.extend(arrays)
            if _kind(obj) != "model":  # not a subclassed Model
                slots = [(o, k, j, a) for o, k, j, a in deferred_slots if k in arrays]
                _defer(_Deferred(save_path, prefix, obj, arrays, slots, unused))
        return CheckpointLoadStatus(unused, unmatched, bool(plan or pending or deferred))




# -- restoring a v2 checkpoint: the saved object graph matched to the current objects ---------------
def _symbolic_build_quirk(obj):
    """TF 2.21 (Keras 3) builds an unbuilt layer without a `build` of its own (a subclassed
    keras.Model) by first calling it on symbolic inputs. A checkpoint value waiting for a variable
    created there fails to restore in that graph (the restoration is lost) and that variable
    stays tracked beside the one the eager call then creates. Measured: restoring a
    `Dense`-holding subclassed model before its first call leaves `model.weights` as
    [kernel (unused copy), kernel, bias], both kernels unrestored, the bias restored. Returns the
    marker shared by the layers built inside `obj` (the first one to create a restored variable
    loses it), or None."""
    if _kind(obj) in ("layer", "model") and not obj.built and obj._builds_by_default():
        return {"armed": True}
    return None


def _describe(obj):
    return getattr(obj, "path", None) or getattr(obj, "name", None) or type(obj).__name__


class _Restoration:
    """One `restore()` of a v2 checkpoint: which saved nodes are bound to which objects, and the
    values still waiting for objects that do not exist yet."""

    def __init__(self, save_path, nodes, values):
        self.save_path, self.nodes, self.values = save_path, nodes, values
        self.bound = set()        # saved node ids matched to an object
        self.matched = _MatchedObjects()  # the current objects matched (by identity, never by a reusable id)
        self.unused = [n["key"] for n in nodes if n.get("key") is not None]   # live
        self.unmatched = []       # live: existing objects that got no value
        self.nontrivial = False
        self._has_values = {}

    def has_values(self, node_id):
        """Whether the saved subtree at `node_id` holds any value not restored yet."""
        found = self._has_values.get(node_id)
        if found is None:
            found, stack, seen = False, [node_id], set()
            while stack and not found:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                node = self.nodes[n]
                found = node.get("key") is not None and n not in self.bound
                stack.extend(child for _, child in node["children"])
            self._has_values[node_id] = found
        return found

    def _walk(self, obj, node_id, quirk):
        plan, pending = [], []
        queue = collections.deque([(obj, node_id, quirk)])
        while queue:
            cur, nid, q = queue.popleft()
            if nid in self.bound or (_key(cur), cur) in self.matched:
                continue
            self.bound.add(nid)
            self.matched.add((_key(cur), cur))
            node = self.nodes[nid]
            if node.get("key") is not None:
                plan.append((node["key"], cur))
            q = q or _symbolic_build_quirk(cur)
            kids = dict(_children(cur))
            for name, child_id in node["children"]:
                if child_id in self.bound:
                    continue
                child = kids.get(name)
                if child is not None:
                    queue.append((child, child_id, q))
                elif self.has_values(child_id):
                    pending.append((cur, name, child_id, q))
        return plan, pending

    def _check(self, plan):
        checked = []
        for key, cur in plan:
            held = _held_value(cur)
            if held is None or not key.endswith(held[0]):
                continue  # a saved value where the current object holds none: left unused
            target, array = held[1], self.values[key]
            if array.dtype != _np_dtype(target.dtype):
                raise InvalidArgumentError(
                    f"tensor_name = {key}; expected dtype {_dtypes.as_dtype(target.dtype)._tf_kind} "
                    f"does not equal original dtype {_dtypes.as_dtype(array.dtype)._tf_kind} "
                    f"[Op:RestoreV2] (checkpoint {self.save_path!r}; nothing was restored)")
            if tuple(array.shape) != tuple(target.shape):
                name = getattr(target, "path", None) or target.name
                raise ValueError(
                    f"Received incompatible tensor with shape {tuple(array.shape)} when attempting "
                    f"to restore variable with shape {tuple(target.shape)} and name "
                    f"{name if name.endswith(':0') else name + ':0'}. (checkpoint "
                    f"{self.save_path!r}, key {key!r}; nothing was restored)")
            checked.append((key, target, array))
        return checked

    def _apply(self, checked):
        for key, target, array in checked:
            target.assign(array)
            if key in self.unused:
                self.unused.remove(key)
            self.nontrivial = True

    def restore(self, obj, node_id, quirk=None, first=False):
        """Matches the saved subtree at `node_id` to `obj`, restores what exists now and waits
        for the rest. Raises ValueError (changing nothing) on a value of another shape or dtype."""
        plan, pending = self._walk(obj, node_id, quirk)
        self._apply(self._check(plan))
        self._has_values.clear()
        if first:  # existing objects with a value that the checkpoint has none for
            order, _, _ = _object_graph(obj)
            self.unmatched.extend(_describe(o) for o in order
                                  if (_key(o), o) not in self.matched and _held_value(o) is not None)
        for cur, name, child_id, q in pending:
            self._wait(cur, name, child_id, q)

    def _wait(self, cur, name, child_id, quirk):
        if isinstance(cur, View) and _is_optimizer(cur.owner):
            if cur.name != "_variables":
                return  # TF 2.21 restores nothing into the variables an optimizer is built on later
            by_position = cur.owner._pending_slots.get("by_position")
            if by_position is None or by_position.restoration is not self:
                by_position = cur.owner._pending_slots["by_position"] = _ByPosition(self)
            by_position.slots[int(name)] = child_id
            self.nontrivial = True
            return
        if isinstance(cur, View):
            return  # a part of a built Keras model that lacks this child: it will not get it
        entry = _Pending(self, cur, name, child_id, quirk)
        self.nontrivial = True
        if isinstance(cur, (Checkpoint, ListWrapper, list, tuple, dict)) and not entry.try_apply():
            _attach_waiting.append(entry)
        elif not isinstance(cur, (Checkpoint, ListWrapper, list, tuple, dict)):
            _defer(entry)

    def lose_to_symbolic_build(self, layer, var, node_id):
        """TF 2.21's symbolic build (see `_symbolic_build_quirk`): `var`'s saved value is not
        restored, and a copy of it made before it stays tracked by `layer` in front of it."""
        self.bound.add(node_id)
        self.unmatched.append(_describe(var))
        layer._track_copy_before(var)


def _np_dtype(dtype):
    return _dtypes.as_dtype(dtype)._np


class _MatchedObjects:
    """A set of objects by identity that does not keep them alive: an id is a member only while its object
    lives (a bare id of a freed object would match whatever new object gets it)."""

    def __init__(self):
        self._refs = {}
        self._views = set()  # Views are matched by their key (a new View object stands for the same part)

    def add(self, key_or_obj):
        key, obj = key_or_obj
        if isinstance(obj, View):
            self._views.add(key)
            return
        try:
            self._refs[key] = weakref.ref(obj)
        except TypeError:  # lists, dicts, tuples: held by the object graph being walked
            self._refs[key] = lambda obj=obj: obj

    def __contains__(self, key_or_obj):
        key, obj = key_or_obj
        if isinstance(obj, View):
            return key in self._views
        ref = self._refs.get(key)
        return ref is not None and ref() is obj


class _Pending:
    """A saved child that `obj` does not have yet; restored once it does."""

    def __init__(self, restoration, obj, name, node_id, quirk):
        self.restoration, self.name, self.node_id, self.quirk = restoration, name, node_id, quirk
        self.seen = None  # what the object held when last checked (unchanged: nothing to do)
        try:
            self.ref = weakref.ref(obj)
        except TypeError:
            self.ref = lambda obj=obj: obj

    def try_apply(self):
        """True when done (restored, bound through another path, or the object is gone)."""
        obj = self.ref()
        if obj is None or self.node_id in self.restoration.bound:
            return True
        if isinstance(obj, Checkpoint):
            held = (*map(id, obj._children.values()), id(obj._save_counter))
        else:
            held = tuple(map(id, obj.values() if isinstance(obj, dict) else obj
                             if isinstance(obj, (list, tuple)) else vars(obj).values()))
        if held == self.seen:  # checked on every variable read while waiting: keep it cheap
            return False
        self.seen = held
        child = dict(_children(obj)).get(self.name)
        if child is None:  # a built Keras layer or optimizer that lacks it will not make it
            return (_is_layer(obj) or _is_optimizer(obj)) and bool(getattr(obj, "built", False))
        if self.quirk is not None and self.quirk["armed"] and _is_layer(obj) and isinstance(
                child, Variable):
            self.quirk["armed"] = False
            self.restoration.lose_to_symbolic_build(obj, child, self.node_id)
            return True
        self.restoration.restore(child, self.node_id, self.quirk)
        return True


_attach_waiting = []  # pending children of Checkpoints and their containers (tried on attach)


class _ByPosition:
    """An optimizer's saved `_variables/<i>` waiting for it to be built: TF restores them by
    position, each as it is created (a slot of another shape or dtype
    than the saved one keeps its initial value, as TF's)."""

    def __init__(self, restoration):
        self.restoration = restoration
        self.slots = {}  # index in optimizer.variables -> saved node id

    def slot(self, index, init):
        """The value a slot created at `index` of `optimizer.variables` starts from."""
        r = self.restoration
        node_id = self.slots.pop(index, None)
        if node_id is None or node_id in r.bound:
            return init
        key = r.nodes[node_id].get("key")
        array = r.values.get(key)
        if array is None or array.shape != np.shape(init) or array.dtype != np.asarray(init).dtype:
            return init
        r.bound.add(node_id)
        if key in r.unused:
            r.unused.remove(key)
        return array


# -- deferred restoration ----------------------------------------------------------------------------
# TF restores a checkpoint's values into objects created after `restore()` (a tf.Module that makes
# its variables on its first call, a Keras layer built then). A waiting child of a tf.Module or
# Keras layer (`_Pending`, v2) is checked when any Variable is read (a read hook installed only
# while restorations wait), so each value is in place before the first computation that reads it.
# A v1 checkpoint (`_Deferred`) restores a module that owned no variable at restore time once it
# owns as many variables as were saved for it (its keys index the module's variables in their
# final order).
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
        still, failure = [], None
        for entry in list(_waiting):
            try:
                if not entry.try_apply():
                    still.append(entry)
            except ValueError as err:  # raised once, as TF raises it once; the entry is dropped
                failure = failure or err
        _waiting[:] = still
        if failure is not None:
            raise failure
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
# A v2 checkpoint lists TF's names: each value's object-graph key and `_CHECKPOINTABLE_OBJECT_GRAPH`
# (a string scalar; tapejax's graph is JSON where TF's is a serialized proto). An iterator's
# position is listed with TF's dtype (variant) but tapejax's own shape ([2]: TF's size is that of
# its internal serialization). A v1 checkpoint lists its structural keys with TF's suffix, and each
# value's object-graph path too.


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

    Names are TF's checkpoint keys, as `get_variable_to_shape_map()` lists them:
    `<object-graph path>/.ATTRIBUTES/VARIABLE_VALUE` (e.g. `model/dense/_kernel/...`),
    `<path>/.ATTRIBUTES/ITERATOR_STATE` and `_CHECKPOINTABLE_OBJECT_GRAPH`.
    """

    def __init__(self, path):
        self._path = path
        self._values = {}   # name -> array (read), or archive member (read on get_tensor)
        self._headers = {}  # name -> (shape, NumPy dtype)
        meta, headers, graph = _read_index(_data_path(path))
        if not meta or meta[0] not in (_FORMAT, _FORMAT_V1):
            raise DataLossError(f"{path!r} is not a tapejax checkpoint.")
        for i, key in enumerate(meta[1:]):
            if f"v{i:06d}" not in headers:
                raise DataLossError(f"Checkpoint {path!r} is missing the value of {key!r}.")
        if meta[0] == _FORMAT:  # names and shapes from the archive's headers, values when asked for
            for i, key in enumerate(meta[1:]):
                self._values[key] = f"v{i:06d}"
                self._headers[key] = headers[f"v{i:06d}"]
            if graph is not None:
                self._values[_GRAPH_KEY] = np.asarray(graph.encode(), dtype=object)
                self._headers[_GRAPH_KEY] = ((), np.dtype(object))
            return
        arrays, meta = load_arrays(_data_path(path), error_type=DataLossError)
        for i, key in enumerate(meta[1:]):
            self._values[key + _VALUE_SUFFIX] = arrays[f"v{i:06d}"]
        paths = arrays.get(_GRAPH_PATHS)
        if paths is not None and len(paths) == len(meta) - 1:
            for key, path in zip(meta[1:], paths.tolist()):
                self._values.setdefault(path + _VALUE_SUFFIX, self._values[key + _VALUE_SUFFIX])
        self._headers = {k: (v.shape, v.dtype) for k, v in self._values.items()}

    def has_tensor(self, name):
        """Whether the checkpoint holds a value named `name`."""
        return name in self._values

    def get_tensor(self, name):
        """The saved value named `name` as a NumPy array (a NumPy scalar for a scalar; bytes for
        `_CHECKPOINTABLE_OBJECT_GRAPH`).

        Raises:
          NotFoundError: if there is no such name.
        """
        if name not in self._values:
            raise NotFoundError(f"Key {name} not found in checkpoint")
        value = self._values[name]
        if isinstance(value, str):
            value = _read_member(_data_path(self._path), value)
        return value[()] if value.ndim == 0 else value.copy()

    def _dtype(self, name):
        if name.endswith(_ITERATOR_SUFFIX):
            return _VARIANT
        return _dtypes.string if name == _GRAPH_KEY else _dtypes.as_dtype(self._headers[name][1])

    def get_variable_to_shape_map(self):
        """{name: shape as a list of ints}."""
        return {k: list(shape) for k, (shape, _) in self._headers.items()}

    def get_variable_to_dtype_map(self):
        """{name: DType}."""
        return {k: self._dtype(k) for k in self._headers}

    def debug_string(self):
        return "".join(f"{k} (DT_{self._dtype(k).name.upper()}) {list(shape)}\n"
                       for k, (shape, _) in sorted(self._headers.items())).encode()


_ARCHIVE_ERRORS = (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError)


def _read_index(filepath):
    """A checkpoint archive's metadata, each value's (shape, dtype) read from its .npy header, and
    the object graph's JSON (or None), without reading the values.

    Raises:
      DataLossError: a truncated file or not such an archive.
    """
    try:
        with zipfile.ZipFile(filepath) as archive:
            with archive.open("__tapejax_meta__.npy") as f:
                meta = [str(m) for m in np.lib.format.read_array(f, allow_pickle=False).tolist()]
            headers, graph = {}, None
            for member in archive.namelist():
                name = member[:-4]
                if name == _GRAPH_ARRAY:
                    with archive.open(member) as f:
                        graph = str(np.lib.format.read_array(f, allow_pickle=False)[()])
                elif member.endswith(".npy") and name != "__tapejax_meta__":
                    with archive.open(member) as f:
                        version = np.lib.format.read_magic(f)
                        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                       else np.lib.format.read_array_header_2_0)
                        shape, _, dtype = read_header(f)
                    headers[name] = (tuple(shape), dtype)
    except _ARCHIVE_ERRORS as err:
        raise DataLossError(f"Unable to read the checkpoint {filepath!r}: it is truncated or not a "
                            f"tapejax .npz archive ({type(err).__name__}: {err}).") from None
    return meta, headers, graph


def _read_member(filepath, name):
    try:
        with np.load(filepath, allow_pickle=False) as data:
            return np.asarray(data[name])
    except _ARCHIVE_ERRORS as err:
        raise DataLossError(f"Unable to read {name!r} from the checkpoint {filepath!r} "
                            f"({type(err).__name__}: {err}).") from None


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


def load_variable(ckpt_dir_or_file, name):
    """Returns the saved value named `name` (a trailing `:0` is ignored) of a checkpoint, or of a
    directory's latest one, as a NumPy array.

    Raises:
      NotFoundError: no such checkpoint, or no such name in it.
    """
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


train = _namespaces.make("train", "tf.train", {
    "Checkpoint": Checkpoint, "CheckpointManager": CheckpointManager,
    "latest_checkpoint": latest_checkpoint, "CheckpointOptions": lambda *a, **k: None,
    "load_checkpoint": load_checkpoint, "list_variables": list_variables, "load_variable": load_variable,
    **_namespaces.pick(_example, ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
                                  "FeatureLists", "Example", "SequenceExample"]),
})

__all__ = ["Checkpoint", "CheckpointManager", "CheckpointReader", "latest_checkpoint", "list_variables",
           "load_checkpoint", "load_variable", "train", "DataLossError", "NotFoundError"]
