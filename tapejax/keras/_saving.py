"""Keras 3's weights layout (`.weights.h5`, and `model.weights.h5` inside a `.keras` zip), via h5py.

Keras 3 stores each saveable (layer, model, optimizer) as an HDF5 group `<path>/vars` (attribute
`name`) holding its own variables as datasets `"0"`, `"1"`, ...; `<path>` is the chain of Python
attribute names that reach the object from the model (`layers/dense`, `block/parts/dense_1`,
`optimizer`). Objects in a list, tuple or dict are named by their class in snake_case, made unique
(`dense`, `dense_1`), nested containers `container`, `container_1`. Attributes are visited in
sorted order with private names last; a Sequential or Functional model visits `layers` first (a
Functional model's layers in Keras' order: by depth from the inputs, ties in traversal order).
An object reached twice is saved once, at the first path.

Reading opens datasets only (no pickle, no code); links to other files and virtual datasets are
refused.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
import zipfile

import h5py
import ml_dtypes
import numpy as np

from tapejax.keras import _layers_more
from tapejax.keras import _optimizers as optimizers_module
from tapejax.keras._layer import InputLayer, KerasTensor, Layer, _leaves
from tapejax.keras._serialization import snake

__all__ = ["save_weights_h5", "load_weights_h5", "H5_WEIGHTS_NAME"]

H5_WEIGHTS_NAME = "model.weights.h5"


class _Node:
    """A saveable Keras has where tapejax keeps no object (an RNN layer's `cell`)."""

    def __init__(self, name, variables, owner):
        self.name = name
        self.variables = variables
        self.owner = owner

    def __repr__(self):
        return f"<{type(self.owner).__name__}Cell name={self.name}>"


def _is_saveable(obj):
    return isinstance(obj, (Layer, optimizers_module.Optimizer, _Node))


def _rnn_cell(layer):
    if isinstance(layer, _layers_more._RNN):
        variables = [v for v in (getattr(layer, "kernel", None), getattr(layer, "recurrent_kernel", None),
                                 getattr(layer, "bias", None)) if v is not None]
        return _Node(f"{snake(type(layer).__name__)}_cell", variables, layer)
    return None


def _attention_parts(layer):
    """A MultiHeadAttention's EinsumDense sublayers as Keras names them (tapejax keeps the
    projections' weights on the layer itself)."""
    if not isinstance(layer, _layers_more.MultiHeadAttention):
        return None
    parts = [("_dropout_layer", "dropout", ()), ("_softmax", "softmax", ())]
    if getattr(layer, "_weights_built", False):
        for attr, part, name in (("key_dense", "_key", "key"), ("output_dense", "_out", "attention_output"),
                                 ("query_dense", "_query", "query"), ("value_dense", "_value", "value")):
            parts.append((attr, name, tuple(v for v in getattr(layer, part) if v is not None)))
    return [(attr, _Node(name, list(variables), layer)) for attr, name, variables in
            sorted(parts, key=lambda p: _name_key(p[0]))]


def own_variables(obj):
    """The variables Keras' `save_own_variables` writes for `obj`, in its order."""
    if isinstance(obj, _Node):
        return list(obj.variables)
    if isinstance(obj, optimizers_module.Optimizer):
        return list(obj.variables)
    if _rnn_cell(obj) is not None or _attention_parts(obj) is not None:
        return []
    return list(obj._own_trainable) + list(obj._own_non_trainable)


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def functional_layers(model):
    """A Functional model's layers in Keras 3's order (`Functional.layers`): by depth from the
    inputs (deepest first), ties broken by the order a traversal from the outputs meets them."""
    inputs = {id(kt) for kt in model._flat_inputs}
    index, order, finished = {}, [], set()

    def parent_tensors(node):
        layer, args, extra, kwargs, _ = node
        if isinstance(layer, InputLayer):
            return []
        return [kt for kt in _leaves([args, list(extra), dict(kwargs)])
                if type(kt) is KerasTensor and kt._history is not None]

    def visit(kt):
        node = kt._history
        if node is None or id(node) in finished:
            return
        if id(kt) in inputs and not isinstance(node[0], InputLayer):
            finished.add(id(node))
            return
        index.setdefault(id(node[0]), (len(index), node[0]))
        for parent in parent_tensors(node):
            visit(parent)
        finished.add(id(node))
        order.append(node)

    for kt in model._flat_outputs:
        visit(kt)
    node_depth, layer_depth = {}, {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node[0]), 0))
        layer_depth[id(node[0])] = node_depth[id(node)] = depth
        for parent in parent_tensors(node):
            key = id(parent._history)
            node_depth[key] = max(depth + 1, node_depth.get(key, 0))
    for kt in model._flat_inputs:  # unused inputs come last (depth 0)
        layer = kt._history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            index[id(layer)] = (-1, layer)
    layers = [index[key][1] for key in layer_depth]
    return sorted(layers, key=lambda layer: (-layer_depth[id(layer)], index[id(layer)][0]))


def _children(obj):
    """(attribute, value) pairs Keras' saving walk visits under `obj`, in its order."""
    if isinstance(obj, (_Node, optimizers_module.Optimizer)):
        return []
    cell = _rnn_cell(obj)
    if cell is not None:
        return [("cell", cell)]
    parts = _attention_parts(obj)
    if parts is not None:
        return parts
    attrs = {}
    base = obj._saving_base_attributes()
    for key, value in obj.__dict__.items():
        if key not in base and not key.startswith("__"):
            attrs[key] = value
    for klass in type(obj).__mro__:  # properties and class attributes of user classes
        if klass.__module__.startswith("tapejax.") or klass is object:
            continue
        for key in klass.__dict__:
            if key.startswith("__") or key in attrs or key in base:
                continue
            try:
                attrs[key] = getattr(obj, key)
            except Exception:  # noqa: BLE001 - Keras skips attributes that raise too
                continue
    first, extra = obj._saving_entries()  # a model's layers (and optimizer), as Keras visits them
    attrs.update(extra)
    return first + [(key, attrs[key]) for key in sorted(attrs, key=_name_key)]


def _walk(obj, path, visit, visited):
    """Calls `visit(obj, path)` for every saveable under `obj`, in Keras' order and paths."""
    if id(obj) in visited:
        return
    visit(obj, path)
    visited[id(obj)] = obj  # kept alive: a cell _Node's id must not be reused during the walk
    for attr, child in _children(obj):
        sub = f"{path}/{attr}" if path else attr
        if _is_saveable(child):
            _walk(child, sub, visit, visited)
        elif isinstance(child, (list, tuple, dict)):
            _walk_container(child, sub, visit, visited, set())


def _walk_container(container, path, visit, visited, containers):
    if id(container) in containers:
        return
    containers.add(id(container))
    used = {}

    def unique(name):
        if name in used:
            used[name] += 1
            return f"{name}_{used[name]}"
        used[name] = 0
        return name
    items = list(container.values()) if isinstance(container, dict) else container
    for item in items:
        if _is_saveable(item):
            _walk(item, f"{path}/{unique(snake(type(item).__name__))}", visit, visited)
        elif isinstance(item, (list, tuple, dict)):
            _walk_container(item, f"{path}/{unique('container')}", visit, visited, containers)


def _array(variable):
    return np.asarray(variable.numpy())


def write_h5(model, target):
    """Writes `model`'s weights in Keras 3's layout to `target` (a path or a binary file)."""
    with h5py.File(target, "w") as f:
        def visit(obj, path):
            group = f.create_group(f"{path}/vars" if path else "vars")
            group.attrs["name"] = obj.name
            for i, variable in enumerate(own_variables(obj)):
                value = _array(variable)
                if value.dtype == ml_dtypes.bfloat16:
                    ds = group.create_dataset(str(i), data=value.view(np.uint16))
                    ds.attrs["dtype"] = "bfloat16"
                else:
                    group[str(i)] = value
        _walk(model, "", visit, {})


def _safe_child(group, name, kind, filepath):
    link = group.get(name, getlink=True)
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"The weights file {filepath!r} links {group.name}/{name} to another "
                         f"location ({type(link).__name__}); tapejax reads only the file's own "
                         f"groups and datasets. Nothing was loaded.")
    item = group[name]
    if not isinstance(item, kind):
        raise ValueError(f"The weights file {filepath!r} has a {type(item).__name__} at "
                         f"{item.name} where Keras' layout has a {kind.__name__}. Nothing was "
                         f"loaded.")
    if kind is h5py.Dataset and item.is_virtual:
        raise ValueError(f"The weights file {filepath!r} has a virtual dataset at {item.name} "
                         f"(its data lives in other files); tapejax refuses it. Nothing was loaded.")
    return item


def _read_group(f, path, filepath):
    """The datasets of `<path>/vars` as {key: ndarray}, or {} when the file has no such group."""
    group = f
    for part in ([p for p in path.split("/") if p] + ["vars"]):
        group = _safe_child(group, part, h5py.Group, filepath)
        if group is None:
            return {}
    out = {}
    for key in group.keys():
        ds = _safe_child(group, key, h5py.Dataset, filepath)
        value = np.asarray(ds[()])
        if ds.attrs.get("dtype") == "bfloat16":
            value = value.view(ml_dtypes.bfloat16)
        out[key] = value
    return out


def _expected_error(obj, variables, stored):
    if not variables and not getattr(obj, "built", True):
        return (f"Layer '{obj.name}' was never built and thus it doesn't have any variables. "
                f"However the weights file lists {len(stored)} variables for this layer.")
    return (f"Layer '{obj.name}' expected {len(variables)} variables, but received "
            f"{len(stored)} variables during loading. Expected: "
            f"{[getattr(v, '_name', v.name) for v in variables]}")


def read_h5(model, source, filepath, skip_mismatch=False, build_optimizer=False):
    """Assigns the weights stored in Keras 3's layout in `source` to `model`.

    Every weight is checked first; on any failure nothing is assigned and ValueError is raised
    in Keras' words (with `skip_mismatch`, a warning names the objects left unloaded and the
    rest load).
    """
    assignments, errors, visited = [], [], []
    with h5py.File(source, "r") as f:
        def visit(obj, path):
            visited.append(obj)
            if build_optimizer and isinstance(obj, optimizers_module.Optimizer) and not obj.built:
                obj.build(model.trainable_variables)
            variables = own_variables(obj)
            stored = _read_group(f, path, filepath)
            if isinstance(obj, optimizers_module.Optimizer):
                if len(stored) != len(variables):
                    msg = (f"Skipping variable loading for optimizer '{obj.name}', because it has "
                           f"{len(variables)} variables whereas the saved optimizer has "
                           f"{len(stored)} variables. ")
                    if len(variables) <= 2:
                        msg += "This is likely because the optimizer has not been called/built yet."
                    warnings.warn(msg, stacklevel=4)
                    return
            elif len(stored) != len(variables):
                errors.append((obj, _expected_error(obj, variables, stored)))
                return
            pending = []
            for i, variable in enumerate(variables):
                value = stored.get(str(i))
                if value is None:
                    errors.append((obj, f"Layer '{obj.name}': the weights file has no variable "
                                        f"{i} (keys {sorted(stored)})."))
                    return
                if tuple(value.shape) != tuple(variable.shape):
                    what = "Optimizer variable" if isinstance(obj, optimizers_module.Optimizer) \
                        else "Layer"
                    errors.append((obj, f"{what} '{obj.name}' weight {variable.name} has shape "
                                        f"{tuple(variable.shape)}, but the saved value has shape "
                                        f"{tuple(value.shape)}."))
                    return
                pending.append((variable, value))
            assignments.extend(pending)
        _walk(model, "", visit, {})
    if errors:
        first_obj, first_error = errors[0]
        msg = (f"A total of {len(errors)} objects could not be loaded. Example error message for "
               f"object {first_obj!r}:\n\n{first_error}\n\nList of objects that could not be "
               f"loaded:\n{[repr(o) for o, _ in errors]}")
        if not skip_mismatch:
            raise ValueError(msg + "\nNothing was loaded.")
        warnings.warn(msg, stacklevel=3)
    for variable, value in assignments:
        variable.assign(np.asarray(value).astype(variable.dtype._np))
    for obj in visited:
        # Keras 3's preprocessing layers (Normalization, ...) recompute their state from the loaded
        # variables in load_own_variables
        finalize = getattr(obj, "finalize_state", None)
        if callable(finalize) and getattr(obj, "built", False):
            finalize()


def _atomic_write(filepath, write):
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_weights_h5(model, filepath):
    """`model.save_weights(filepath)` in Keras 3's `.weights.h5` layout (written atomically)."""
    _atomic_write(filepath, lambda tmp: write_h5(model, tmp))


def read_archive_member(filepath, name, limit=1 << 34):
    """The bytes of member `name` of the `.keras` zip at `filepath` (refusing a member whose
    declared size is beyond `limit`, as Keras refuses zip bombs)."""
    try:
        with zipfile.ZipFile(filepath, "r") as archive:
            info = archive.getinfo(name)
            if info.file_size > limit:
                raise ValueError(f"{filepath!r}: member {name!r} declares {info.file_size} bytes; "
                                 f"refusing to read it.")
            return archive.read(name)
    except zipfile.BadZipFile:
        raise ValueError(f"{filepath!r} is not a `.keras` zip archive.") from None
    except KeyError:
        raise ValueError(f"{filepath!r} is a zip archive without {name!r}: not a Keras 3 "
                         f"`.keras` file.") from None


def _open_check(filepath):
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file or directory: '{filepath}'")


def load_weights_h5(model, filepath, skip_mismatch=False):
    """`model.load_weights(filepath)` from a Keras 3 `.weights.h5` file or `.keras` archive."""
    _open_check(filepath)
    if filepath.endswith(".keras"):
        data = read_archive_member(filepath, H5_WEIGHTS_NAME)
        read_h5(model, io.BytesIO(data), filepath, skip_mismatch=skip_mismatch)
        return
    try:
        handle = h5py.File(filepath, "r")
    except OSError as err:
        raise ValueError(f"Unable to read the weights file {filepath!r}: it is not an HDF5 file "
                         f"({err}). Nothing was loaded.") from None
    handle.close()
    read_h5(model, filepath, filepath, skip_mismatch=skip_mismatch)
