"""Keras 3's whole-model `.keras` format: a zip of `metadata.json`, `config.json` (the
architecture and compile arguments in Keras 3's JSON schema) and `model.weights.h5` (the
`_saving.py` layout). Sequential, Functional and subclassed models go both ways between TF's Keras
and tapejax.

Loading reads JSON and HDF5 datasets only: it never unpickles, never imports a module named by a
file, and never runs code from a file. A `Lambda` layer's Python bytecode is refused unless the
caller passes `safe_mode=False` (Keras' rule and message).
"""

from __future__ import annotations

import base64
import datetime
import inspect
import io
import json
import marshal
import os
import tempfile
import types
import zipfile

import h5py
import numpy as np

from tapejax.keras import _activations as activations
from tapejax.keras import _config_values, _operation, _saving
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _keras_ops as ops_module
from tapejax.keras import _layers as layers_module
from tapejax.keras import _losses as losses_module
from tapejax.keras import _metrics as metrics_module
from tapejax.keras import _optimizers as optimizers_module
from tapejax.keras import _regularizers as regularizers
from tapejax.keras import _schedules as schedules
from tapejax.keras._layer import Input, InputLayer, KerasTensor, _leaves
from tapejax.keras._layers_more import Bidirectional, Lambda, TimeDistributed
from tapejax.keras._models import Functional, Model, Sequential
from tapejax.keras._saving_registry import get_registered_name, get_registered_object
from tapejax.keras._serialization import snake

__all__ = ["save_model", "load_model", "serialize_layer", "deserialize_layer"]

KERAS_VERSION = "3.15.1"  # the Keras version whose format tapejax writes (TF 2.21's)
_CONFIG, _METADATA = "config.json", "metadata.json"

_LAMBDA_REFUSED = (
    "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. This "
    "carries a potential risk of arbitrary code execution and thus it is disallowed by default. If "
    "you trust the source of the artifact, you can override this error by passing "
    "`safe_mode=False` to the loading function, or calling "
    "`keras.config.enable_unsafe_deserialization().")


# -- values inside layer configs -----------------------------------------------------------------
def _is_tapejax_class(cls):
    return cls.__module__.startswith("tapejax.")


def plain(value):
    """A JSON-ready value of a layer config entry, in Keras 3's serialized form."""
    return _config_values.plain(value, serialize_layer)


def _shape_json(shape):
    if shape is None:
        return None
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_shape_json(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _shape_json(v) for k, v in shape.items()}
    return [None if d is None else int(d) for d in shape]


def _class_identity(obj):
    cls = type(obj)
    if isinstance(obj, Functional) and _is_tapejax_class(cls):
        return "keras.src.models.functional", "Functional", "Functional"
    if isinstance(obj, Sequential) and _is_tapejax_class(cls):
        return "keras", "Sequential", None
    if _is_tapejax_class(cls):  # a class TF's Keras exports from another module says which
        return getattr(cls, "_keras_module", "keras.layers"), cls.__name__, None
    return cls.__module__, cls.__name__, get_registered_name(cls)


# -- layers and models to JSON -------------------------------------------------------------------
def serialize_layer(layer):
    """`layer` (or model) as Keras 3's `{'module', 'class_name', 'config', 'registered_name',
    'build_config'}` dict."""
    if isinstance(layer, _operation.Operation):  # Keras 3's `keras.src.ops.numpy.Multiply`, ...
        return {"module": layer.module, "class_name": layer.class_name,
                "config": layer.get_config(), "registered_name": layer.class_name}
    if isinstance(layer, InputLayer):
        config = {"batch_shape": _shape_json(layer.batch_shape), "dtype": layer.dtype,
                  "sparse": False, "ragged": False, "name": layer.name, "optional": False}
        return {"module": "keras.layers", "class_name": "InputLayer", "config": config,
                "registered_name": None}
    module, class_name, registered = _class_identity(layer)
    if isinstance(layer, Functional):
        config = _functional_config(layer)
        if not _is_tapejax_class(type(layer)):  # a Model subclass built from inputs/outputs
            module, class_name, registered = "keras.src.models.functional", "Functional", "Functional"
        build = {"input_shape": None}
    elif isinstance(layer, Sequential):
        config = {"name": layer.name, "trainable": layer.trainable,
                  "dtype": layer.dtype_policy.name, "layers": []}
        if layer._input_kt is not None:
            config["layers"].append(serialize_layer(layer._input_kt._history[0]))
        config["layers"] += [serialize_layer(sub) for sub in layer.layers]
        shape = None if layer._input_kt is None else _shape_json(layer._input_kt.shape)
        config["build_input_shape"] = shape
        build = {"input_shape": shape}
    else:
        config = layer.get_config()
        if isinstance(layer, Bidirectional):
            config["layer"] = layer.forward_layer
        elif isinstance(layer, TimeDistributed):
            config["layer"] = layer.layer
        config = plain(config)
        build = {"input_shape": _shape_json(layer._build_shapes)} if layer.built and \
            layer._build_shapes is not None else None
    out = {"module": module, "class_name": class_name, "config": config,
           "registered_name": registered}
    if build is not None:
        out["build_config"] = build
    return out


def _functional_config(model):
    layers = _saving.functional_layers(model)
    node_of = {}  # id(node) -> (layer name, node index)
    per_layer = {}
    for node in model._nodes:
        count = per_layer.setdefault(id(node[0]), [])
        node_of[id(node)] = (node[0].name, len(count))
        count.append(node)

    def history(kt):
        node = kt._history
        if isinstance(node[0], InputLayer):
            return [node[0].name, 0, 0]
        name, index = node_of[id(node)]
        position = next(i for i, out in enumerate(_leaves(node[4])) if out is kt)
        return [name, index, position]

    def arg(value):
        if type(value) is KerasTensor:
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": _shape_json(value.shape), "dtype": value.dtype.name,
                               "keras_history": history(value)}}
        if isinstance(value, slice):
            return {"class_name": "__slice__", "config": {"start": arg(value.start),
                                                          "stop": arg(value.stop),
                                                          "step": arg(value.step)}}
        if value is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(value, tuple):
            return {"class_name": "__tuple__", "config": {"value": [arg(v) for v in value]}}
        if isinstance(value, list):
            return [arg(v) for v in value]
        if isinstance(value, dict):
            return {k: arg(v) for k, v in value.items()}
        return plain(value)

    configs = []
    for layer in layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": [arg(node[1])] + [arg(v) for v in node[2]],
             "kwargs": {k: arg(v) for k, v in dict(node[3]).items()}}
            for node in per_layer.get(id(layer), [])]
        configs.append(entry)

    def endpoints(structure):
        if type(structure) is KerasTensor:
            return history(structure)
        if isinstance(structure, dict):
            return {k: endpoints(v) for k, v in structure.items()}
        return [endpoints(v) for v in structure]
    return {"name": model.name, "trainable": model.trainable, "layers": configs,
            "input_layers": endpoints(model._inputs_struct),
            "output_layers": endpoints(model._outputs_struct)}


# -- JSON to layers and models -------------------------------------------------------------------
def _accepted(cls):
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(inspect.signature(init).parameters)
    return names - {"self", "args", "kwargs"}


def _lookup(value, custom_objects):
    name, registered = value.get("class_name"), value.get("registered_name")
    for key in (registered, name):
        if key:
            found = get_registered_object(key, custom_objects)
            if found is not None:
                return found
    return None


class _Context:
    def __init__(self, custom_objects, safe_mode):
        self.custom_objects = custom_objects or {}
        self.safe_mode = safe_mode


def _from_plain(value, ctx):
    if isinstance(value, list):
        return [_from_plain(v, ctx) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {k: _from_plain(v, ctx) for k, v in value.items()}
    module, name = value.get("module"), value["class_name"]
    config = value.get("config")
    if name == "__lambda__":
        return _load_lambda(config, ctx)
    if name == "__tuple__":
        return tuple(_from_plain(v, ctx) for v in config["value"])
    if name == "DTypePolicy":
        return config.get("name")
    if name == "function":
        found = _lookup(value, ctx.custom_objects) or activations.ACTIVATIONS.get(config)
        if found is None:
            found = getattr(losses_module, str(config), None)
        if found is None:
            raise TypeError(f"Could not locate function '{config}'. Make sure custom classes and "
                            f"functions are decorated with "
                            f"`@keras.saving.register_keras_serializable()`. Full object config: "
                            f"{value}")
        return found
    custom = _lookup(value, ctx.custom_objects)
    if custom is not None and module not in ("keras.layers", "keras"):
        return custom.from_config(config or {})
    config = config or {}
    if module == "keras.initializers":
        key = initializers._BY_NAME.get(snake(name))
        if key is None:
            raise ValueError(f"Unknown initializer in the config: {name}")
        return key(**{k: _from_plain(v, ctx) for k, v in config.items()
                      if k in inspect.signature(key).parameters})
    if module == "keras.regularizers":
        return regularizers.deserialize(value)
    if module == "keras.constraints":
        return constraints.deserialize(value)
    if module == "keras.optimizers.schedules":
        cls = getattr(schedules, name, None)
        if cls is None:
            raise ValueError(f"Unknown learning rate schedule: {name}")
        return cls(**{k: v for k, v in config.items() if k in _accepted(cls)})
    return deserialize_layer(value, ctx)


def _load_lambda(config, ctx):
    if ctx.safe_mode:
        raise ValueError(_LAMBDA_REFUSED)
    # The caller opted in (safe_mode=False): Keras' func_load, marshal (never pickle).
    code = marshal.loads(base64.b64decode(config["code"].encode("ascii")))
    defaults = config.get("defaults")
    return types.FunctionType(code, globals(), code.co_name,
                              tuple(defaults) if defaults is not None else None)


def deserialize_layer(value, ctx=None):
    """A layer (or model) from its Keras 3 JSON dict, unbuilt unless the dict says how."""
    ctx = ctx or _Context(None, True)
    name, config = value["class_name"], dict(value.get("config") or {})
    module = value.get("module")
    if name == "Functional" or module == "keras.src.models.functional":
        return _functional_from_config(config, ctx)
    if name == "Sequential" and module in (None, "keras", "keras.models",
                                           "keras.src.models.sequential"):
        layers = [deserialize_layer(sub, ctx) for sub in config.get("layers", [])]
        model = Sequential(layers, name=config.get("name"), trainable=config.get("trainable", True))
        shape = config.get("build_input_shape")
        if not model.built and shape is not None:
            model.build(tuple(shape))
        return model
    if str(module).startswith("keras.src.ops."):  # an operation of a functional model
        fn = _operation.get_item if name == "GetItem" else getattr(ops_module, snake(name), None)
        if fn is None or name.startswith("_"):
            raise TypeError(f"Could not locate operation '{name}' ({module}): tapejax's keras.ops "
                            f"has no `{snake(name)}`. Full object config: {value}")
        return _operation.Operation(name, fn, name=config.get("name"))
    if name == "InputLayer":
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        return Input(batch_shape=tuple(shape), dtype=config.get("dtype"),
                     name=config.get("name"))._history[0]
    custom = _lookup(value, ctx.custom_objects)
    if custom is not None:
        config = {k: _from_plain(v, ctx) for k, v in config.items()}
        obj = custom.from_config(config)
        _build_from_config(obj, value.get("build_config"))
        return obj
    cls = getattr(layers_module, name, None) if module in (None, "keras.layers", "keras") or \
        str(module).startswith("keras.") else None
    if cls is None or not isinstance(cls, type):
        raise TypeError(f"Could not locate class '{name}'. Make sure custom classes are decorated "
                        f"with `@keras.saving.register_keras_serializable()`. Full object config: "
                        f"{value}")
    if cls is Lambda and isinstance(config.get("function"), dict) and \
            config["function"].get("class_name") == "__lambda__" and ctx.safe_mode:
        raise ValueError(_LAMBDA_REFUSED)
    accepted = _accepted(cls)
    kwargs = {k: _from_plain(v, ctx) for k, v in config.items() if k in accepted}
    layer = cls(**kwargs)
    return layer


def _build_from_config(obj, build_config):
    shape = (build_config or {}).get("input_shape")
    if shape is None or obj.built:
        return
    if isinstance(obj, Model):
        obj.build(tuple(shape))
    else:
        shape = tuple(shape) if not (shape and isinstance(shape[0], list)) else \
            [tuple(s) for s in shape]
        obj._build_shapes = shape
        obj.build(shape)
        obj.built = True


def _functional_from_config(config, ctx):
    created, order = {}, []
    for entry in config["layers"]:
        layer = deserialize_layer(entry, ctx)
        created[entry.get("name", layer.name)] = layer
        order.append((entry.get("name", layer.name), layer, entry.get("inbound_nodes", [])))
    outputs = {}  # (layer name, node index) -> output structure
    for name, layer, _ in order:
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = layer.output

    def tensor(history):
        out = outputs.get((history[0], history[1]))
        if out is None:
            raise KeyError(history)
        return _leaves(out)[history[2]]

    def value(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            return tensor(v["config"]["keras_history"])
        if isinstance(v, dict) and v.get("class_name") == "__tuple__":
            return tuple(value(x) for x in v["config"]["value"])
        if isinstance(v, dict) and v.get("class_name") == "__slice__":
            return slice(*(value(v["config"].get(k)) for k in ("start", "stop", "step")))
        if isinstance(v, dict) and v.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(v, list):
            return [value(x) for x in v]
        if isinstance(v, dict) and "class_name" not in v:
            return {k: value(x) for k, x in v.items()}
        return _from_plain(v, ctx)

    pending = [(name, layer, i, node) for name, layer, nodes in order
               if not isinstance(layer, InputLayer) for i, node in enumerate(nodes)]
    while pending:
        progress, rest = False, []
        for item in pending:
            name, layer, i, node = item
            if i > 0 and (name, i - 1) not in outputs:
                rest.append(item)
                continue
            try:
                args = [value(a) for a in node.get("args", [])]
                kwargs = {k: value(v) for k, v in node.get("kwargs", {}).items()
                          if k != "training" and not (k == "mask" and v is None)}
            except KeyError:
                rest.append(item)
                continue
            outputs[(name, i)] = layer(*args, **kwargs)
            progress = True
        if not progress:
            raise ValueError(f"Could not rebuild the functional model {config.get('name')!r}: "
                             f"the inputs of layer(s) {[p[0] for p in rest]} never appear.")
        pending = rest

    def endpoints(spec):
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str) and \
                isinstance(spec[1], int):
            return tensor(spec)
        if isinstance(spec, dict):
            return {k: endpoints(v) for k, v in spec.items()}
        return [endpoints(s) for s in spec]
    inputs = endpoints(config["input_layers"])
    outs = endpoints(config["output_layers"])
    return Model(inputs=inputs, outputs=outs, name=config.get("name"),
                 trainable=config.get("trainable", True))


# -- compile arguments -----------------------------------------------------------------------------
def _optimizer_json(optimizer):
    return _config_values.optimizer_json(optimizer, serialize_layer)


def _loss_or_metric_json(value, module):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_loss_or_metric_json(v, module) for v in value]
    if isinstance(value, dict):
        return {k: _loss_or_metric_json(v, module) for k, v in value.items()}
    if hasattr(value, "get_config") and not inspect.isclass(value):
        cls = type(value)
        if _is_tapejax_class(cls):
            config = {k: plain(v) for k, v in value.get_config().items()}
            if config.get("name") is None and module == "keras.losses":
                config["name"] = snake(cls.__name__)
            return {"module": module, "class_name": cls.__name__, "config": config,
                    "registered_name": None}
        return {"module": cls.__module__, "class_name": cls.__name__,
                "config": plain(value.get_config()), "registered_name": get_registered_name(cls)}
    if callable(value):
        return {"module": module, "class_name": "function", "config": value.__name__,
                "registered_name": get_registered_name(value)}
    raise TypeError(f"Cannot serialize the compile argument {value!r}.")


def compile_config(model):
    spec = getattr(model, "_compile_args", None)
    if not getattr(model, "compiled", False) or spec is None:
        return None
    # Keras 3 keeps the optimizer compile was given (not the LossScaleOptimizer it wrapped it in)
    return {"optimizer": _optimizer_json(spec.get("optimizer") or model.optimizer),
            "loss": _loss_or_metric_json(spec.get("loss"), "keras.losses"),
            "loss_weights": plain(spec.get("loss_weights")),
            "metrics": _loss_or_metric_json(spec.get("metrics"), "keras.metrics"),
            "weighted_metrics": _loss_or_metric_json(spec.get("weighted_metrics"), "keras.metrics"),
            "run_eagerly": bool(spec.get("run_eagerly")),
            "steps_per_execution": spec.get("steps_per_execution", 1),
            "jit_compile": spec.get("jit_compile") is True}


def _object_from_json(value, module, ctx):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_object_from_json(v, module, ctx) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _object_from_json(v, module, ctx) for k, v in value.items()}
    name, config = value["class_name"], value.get("config")
    custom = _lookup(value, ctx.custom_objects)
    if name == "function":
        if custom is not None:
            return custom
        return config  # a built-in function by name: `losses.get`/`metrics.get` resolve it
    if custom is not None:
        return custom.from_config(config or {})
    cls = getattr(module, name, None)
    if cls is None:
        raise TypeError(f"Could not locate class '{name}'. Make sure custom classes are decorated "
                        f"with `@keras.saving.register_keras_serializable()`. Full object config: "
                        f"{value}")
    config = dict(config or {})
    if module is optimizers_module and name == "LossScaleOptimizer":
        inner = _object_from_json(config.pop("inner_optimizer"), optimizers_module, ctx)
        return cls(inner, **{k: v for k, v in config.items() if k in _accepted(cls)})
    if module is optimizers_module:
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = _from_plain(lr, ctx)
    return cls(**{k: v for k, v in config.items() if k in _accepted(cls)})


def compile_from_config(model, config, ctx, build=True):
    optimizer = _object_from_json(config.get("optimizer"), optimizers_module, ctx)
    model.compile(optimizer=optimizer or "rmsprop",
                  loss=_object_from_json(config.get("loss"), losses_module, ctx),
                  loss_weights=config.get("loss_weights"),
                  metrics=_object_from_json(config.get("metrics"), metrics_module, ctx),
                  weighted_metrics=_object_from_json(config.get("weighted_metrics"),
                                                     metrics_module, ctx),
                  run_eagerly=config.get("run_eagerly", False),
                  steps_per_execution=config.get("steps_per_execution", 1))
    if build and model.built:
        model.optimizer.build(model.trainable_variables)


# -- the .keras archive ----------------------------------------------------------------------------
def model_config(model):
    config = serialize_layer(model)
    if not isinstance(model, (Functional, Sequential)):
        shape = model._build_shapes if model.built else None
        config["build_config"] = {"input_shape": _shape_json(shape)}
    compiled = compile_config(model)
    if compiled is not None:
        config["compile_config"] = compiled
    return config


def save_model(model, filepath):
    """Writes `model` as a Keras 3 `.keras` zip (atomically)."""
    config = json.dumps(model_config(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = io.BytesIO()
    _saving.write_h5(model, weights)

    assets = _collect_assets(model)

    def write(tmp):
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr(_METADATA, metadata)
            archive.writestr(_CONFIG, config)
            archive.writestr(_saving.H5_WEIGHTS_NAME, weights.getvalue())
            for name, data in assets:
                archive.writestr(name, data)
    _saving._atomic_write(filepath, write)


_ASSETS = "assets"


def _collect_assets(model):
    """[(zip member name, bytes)] of what each object's `save_assets(dir)` writes, under
    `assets/<object path>/` as Keras 3 lays them out (lookup layers' vocabulary.txt)."""
    members = []
    with tempfile.TemporaryDirectory() as root:
        def visit(obj, path):
            save = getattr(obj, "save_assets", None)
            if not callable(save):
                return
            directory = os.path.join(root, path)
            os.makedirs(directory, exist_ok=True)
            save(directory)
            for name in sorted(os.listdir(directory)):
                full = os.path.join(directory, name)
                if os.path.isfile(full):
                    with open(full, "rb") as f:
                        members.append(("/".join(p for p in (_ASSETS, path, name) if p), f.read()))
        _saving._walk(model, "", visit, {})
    return members


def _load_assets(model, filepath):
    """Calls each object's `load_assets(dir)` with its `assets/<object path>/` files from the zip."""
    with zipfile.ZipFile(filepath, "r") as archive:
        names = [n for n in archive.namelist() if n.startswith(_ASSETS + "/") and not n.endswith("/")]
        if not names:
            return
        with tempfile.TemporaryDirectory() as root:
            for name in names:
                parts = name.split("/")
                if any(part in ("", ".", "..") for part in parts):
                    raise ValueError(f"{filepath!r}: refusing the asset path {name!r}.")
                target = os.path.join(root, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(archive.read(name))

            def visit(obj, path):
                load = getattr(obj, "load_assets", None)
                directory = os.path.join(root, _ASSETS, path)
                if callable(load) and os.path.isdir(directory):
                    load(directory)
            _saving._walk(model, "", visit, {})


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Reads a Keras 3 `.keras` zip into a tapejax model (built, weights loaded, compiled)."""
    try:
        config = json.loads(_saving.read_archive_member(filepath, _CONFIG).decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{filepath!r}: config.json is not UTF-8 JSON.") from None
    ctx = _Context(custom_objects, safe_mode)
    model = deserialize_layer(config, ctx)
    if not isinstance(model, (Functional, Sequential)):
        _build_from_config(model, config.get("build_config"))
    compiled = config.get("compile_config")
    if compile and compiled:
        compile_from_config(model, compiled, ctx)
    weights = _saving.read_archive_member(filepath, _saving.H5_WEIGHTS_NAME)
    _saving.read_h5(model, io.BytesIO(weights), filepath)
    _load_assets(model, filepath)
    return model


def is_keras_zip(filepath):
    return os.path.isfile(filepath) and zipfile.is_zipfile(filepath)


# -- Keras' legacy whole-model HDF5 (`model.save("x.h5")`) ------------------------------------------
def _legacy(value):
    """A v3 config in Keras' legacy form: layer entries without module/registered_name/build."""
    if isinstance(value, list):
        return [_legacy(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _legacy(v) for k, v in value.items()}
    if "class_name" in out and isinstance(out.get("config"), dict) and "layers" in out["config"] \
            or out.get("module") in ("keras.layers", "keras", "keras.src.models.functional"):
        for key in ("module", "registered_name", "build_config", "compile_config"):
            out.pop(key, None)
    return out


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _weight_name(model, layer, variable):
    return f"{model.name}/{getattr(variable, 'path', variable.name)}"


def save_legacy_h5(model, filepath):
    """Writes `model` in Keras' legacy whole-model HDF5 layout (Sequential and Functional)."""
    config = _legacy(model_config(model))
    config.pop("compile_config", None)
    compiled = compile_config(model)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            f.attrs["backend"] = "tensorflow"
            f.attrs["keras_version"] = KERAS_VERSION
            f.attrs["model_config"] = json.dumps(config)
            if compiled:
                training = {k: v for k, v in _legacy(compiled).items() if k != "optimizer"}
                training["optimizer_config"] = {
                    "class_name": compiled["optimizer"]["class_name"],
                    "config": compiled["optimizer"]["config"]}
                f.attrs["training_config"] = json.dumps(training)
            group = f.create_group("model_weights")
            group.attrs["backend"] = "tensorflow"
            group.attrs["keras_version"] = KERAS_VERSION
            layers = [layer for layer in model.layers if not isinstance(layer, InputLayer)] \
                if isinstance(model, Sequential) else model.layers
            group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
            for layer in layers:
                sub = group.create_group(layer.name)
                names = [_weight_name(model, layer, w) for w in _legacy_weights(layer)]
                sub.attrs["weight_names"] = [n.encode("utf8") for n in names]
                for name, w in zip(names, _legacy_weights(layer)):
                    sub.create_dataset(name, data=np.asarray(w.numpy()))
            top = group.create_group("top_level_model_weights")
            own = list(model._own_trainable) + list(model._own_non_trainable)
            names = [_weight_name(model, model, w) for w in own]
            top.attrs["weight_names"] = [n.encode("utf8") for n in names]
            for name, w in zip(names, own):
                top.create_dataset(name, data=np.asarray(w.numpy()))
            if compiled and model.optimizer is not None:
                opt = f.create_group("optimizer_weights")
                names = [f"{model.optimizer.name}/{getattr(v, 'path', v.name).split('/')[-1]}_{i}"
                         for i, v in enumerate(model.optimizer.variables)]
                opt.attrs["weight_names"] = [n.encode("utf8") for n in names]
                for name, v in zip(names, model.optimizer.variables):
                    opt.create_dataset(name, data=np.asarray(v.numpy()))
    _saving._atomic_write(filepath, write)


def _dataset_at(group, key, filepath):
    parts = [p for p in key.split("/") if p]
    for part in parts[:-1]:
        group = _saving._safe_child(group, part, h5py.Group, filepath)
        if group is None:
            raise ValueError(f"{filepath!r} has no weight {key!r}.")
    ds = _saving._safe_child(group, parts[-1], h5py.Dataset, filepath)
    if ds is None:
        raise ValueError(f"{filepath!r} has no weight {key!r}.")
    return np.asarray(ds[()])


def _names(attr):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in attr]


def load_legacy_h5(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Reads a Keras legacy whole-model HDF5 file (written by TF's Keras or tapejax)."""
    ctx = _Context(custom_objects, safe_mode)
    with h5py.File(filepath, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError(f"No model config found in the file at {filepath}.")
        raw = f.attrs["model_config"]
        config = json.loads(raw.decode("utf8") if isinstance(raw, bytes) else raw)
        model = deserialize_layer(config, ctx)
        if not isinstance(model, (Functional, Sequential)):
            _build_from_config(model, config.get("build_config"))
        training = f.attrs.get("training_config")
        if compile and training is not None:
            training = json.loads(training.decode("utf8") if isinstance(training, bytes) else training)
            training["optimizer"] = training.pop("optimizer_config", None)
            compile_from_config(model, training, ctx, build=False)
        group = f["model_weights"] if "model_weights" in f else f
        layers = [layer for layer in model.layers if _legacy_weights(layer)]
        stored = [name for name in _names(group.attrs["layer_names"])
                  if _names(group[name].attrs["weight_names"])]
        if len(layers) != len(stored):
            raise ValueError(f"Layer count mismatch when loading weights from file. Model expected "
                             f"{len(layers)} layers, found {len(stored)} saved layers.")
        assignments = []
        for layer, name in zip(layers, stored):
            names = _names(group[name].attrs["weight_names"])
            weights = _legacy_weights(layer)
            if len(names) != len(weights):
                raise ValueError(f"Weight count mismatch for layer #{layers.index(layer)} "
                                 f"(named {layer.name} in the current model, {name} in the save "
                                 f"file). Layer expects {len(weights)} weight(s). Received "
                                 f"{len(names)} saved weight(s)")
            for w, key in zip(weights, names):
                value = _dataset_at(group[name], key, filepath)
                if tuple(value.shape) != tuple(w.shape):
                    raise ValueError(f"Shape mismatch in layer #{layers.index(layer)} (named "
                                     f"{layer.name}) for weight {w.name}. Weight expects shape "
                                     f"{tuple(w.shape)}. Received saved weight with shape "
                                     f"{tuple(value.shape)}")
                assignments.append((w, value))
        top = group.get("top_level_model_weights")
        own = list(model._own_trainable) + list(model._own_non_trainable)
        if top is not None and len(_names(top.attrs["weight_names"])) == len(own):
            assignments += [(w, _dataset_at(top, n, filepath))
                            for w, n in zip(own, _names(top.attrs["weight_names"]))]
        if compile and training is not None and "optimizer_weights" in f:
            opt = f["optimizer_weights"]
            names = _names(opt.attrs["weight_names"])
            # Keras 3 restores the unbuilt optimizer's own variables (iterations, learning
            # rate) from the first saved values; the slots start fresh at the next step.
            variables = model.optimizer.variables
            assignments += [(v, _dataset_at(opt, n, filepath)) for v, n in zip(variables, names)]
    for variable, value in assignments:
        variable.assign(value.astype(variable.dtype._np))
    return model
