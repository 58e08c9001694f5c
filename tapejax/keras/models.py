"""`keras.models`: `Sequential`, `Model`, `clone_model`, and `save_model`/`load_model`.

tapejax does not write Keras 3's whole-model `.keras` zip (or legacy `.h5`) yet: `save_model`
and `load_model` check the path as Keras does and then say so, pointing at `save_weights`.
"""

from __future__ import annotations

import inspect
import json
import os

import numpy as np

from tapejax.keras._layer import Input, InputLayer, KerasTensor, Layer, _leaves, _map
from tapejax.keras._layers_more import Bidirectional, TimeDistributed
from tapejax.keras._models import Functional, Model, Sequential

__all__ = ["Model", "Sequential", "clone_model", "load_model", "save_model", "model_from_json"]

_NOT_YET = ("tapejax cannot {what} whole models in Keras' `.keras`/`.h5` formats yet. Save the "
            "weights with `model.save_weights('model.weights.h5')` and rebuild the model in code "
            "(or copy it with `keras.models.clone_model`), then `load_weights`.")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves a whole model, as `keras.models.save_model`.

    Raises:
      ValueError: for a path without a `.keras` or `.h5` extension (Keras' message).
      NotImplementedError: for `.keras`/`.h5` paths (not supported by tapejax yet).
    """
    filepath = os.fspath(filepath)
    if not (filepath.endswith(".keras") or filepath.endswith(".h5")):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         "extension. Use `model.export(filepath)` if you want to export a "
                         f"SavedModel for use with TFLite/TFServing/etc. Received: "
                         f"filepath={filepath}.")
    raise NotImplementedError(_NOT_YET.format(what="save"))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Loads a whole model, as `keras.models.load_model`.

    Raises:
      ValueError: for a missing `.keras` file or an unsupported extension (Keras' messages).
      NotImplementedError: for existing `.keras`/`.h5` files (not supported by tapejax yet).
    """
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        if not os.path.exists(filepath):
            raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                             f"accessible `.keras` zip file.")
    elif not filepath.endswith(".h5"):
        raise ValueError(
            f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
            f"files, legacy H5 format files (`.h5` extension). Note that the legacy SavedModel "
            f"format is not supported by `load_model()` in Keras 3. In order to reload a "
            f"TensorFlow SavedModel as an inference-only layer in Keras 3, use "
            f"`keras.layers.TFSMLayer({filepath}, call_endpoint='serving_default')` (note that "
            f"your `call_endpoint` might have a different name).")
    raise NotImplementedError(_NOT_YET.format(what="load"))


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same structure and fresh weights (new initializations), as
    `keras.models.clone_model`: each layer is rebuilt from its config (same names).

    Args:
      model: a `Sequential` or functional `Model`.
      input_tensors: optional new `keras.Input` tensor(s) for the clone.
      clone_function: optional `layer -> new layer` (default: `from_config(get_config())`).

    Returns:
      The clone (built when the original was built on known input shapes).

    Raises:
      ValueError: for a subclassed model (Keras needs its config too).
    """
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if input_tensors is not None:
            inputs = _leaves(input_tensors)[0]
            head = [inputs]
        elif model._input_kt is not None:
            source = model._input_kt._history[0]
            head = [Input(batch_shape=source.batch_shape, dtype=source.dtype, name=source.name)]
        else:
            head = []
        return Sequential(head + layers, name=model.name, trainable=model.trainable)
    if isinstance(model, Functional):
        if input_tensors is None:
            new_inputs = [Input(batch_shape=kt._history[0].batch_shape, dtype=kt._history[0].dtype,
                                name=kt._history[0].name) for kt in model._flat_inputs]
        else:
            new_inputs = _leaves(input_tensors)
        values = {id(kt): new for kt, new in zip(model._flat_inputs, new_inputs)}
        cloned = {}
        for layer, args, extra, kw, outputs in model._nodes:
            new_layer = cloned.get(id(layer))
            if new_layer is None:
                new_layer = cloned[id(layer)] = clone_function(layer)
            def sub(a):
                return values[id(a)] if type(a) is KerasTensor else a
            call_in = _map(sub, args)
            out = new_layer(call_in, *_map(sub, tuple(extra)), **_map(sub, dict(kw)))
            for kt, o in zip(_leaves(outputs), _leaves(out)):
                values[id(kt)] = o
        inputs = _map(lambda kt: values[id(kt)], model._inputs_struct)
        outputs = _map(lambda kt: values[id(kt)], model._outputs_struct)
        return Model(inputs=inputs, outputs=outputs, name=model.name, trainable=model.trainable)
    if clone_function is _clone_layer and input_tensors is None:
        return type(model).from_config(model.get_config())
    raise ValueError("Arguments `clone_function` and `input_tensors` are only supported for "
                     "Sequential models or Functional models. Received model of type "
                     f"'{type(model).__name__}', with clone_function={clone_function} and "
                     f"input_tensors={input_tensors}")



# -- JSON architectures (Keras 3's schema) ----------------------------------------------------------
def _plain(value):
    """A JSON-ready value of a layer config entry, in Keras 3's serialized form."""
    from tapejax.keras import activations, constraints, initializers, regularizers
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    for module, base in (("keras.initializers", initializers.Initializer),
                         ("keras.regularizers", regularizers.Regularizer),
                         ("keras.constraints", constraints.Constraint)):
        if isinstance(value, base):
            return {"module": module, "class_name": type(value).__name__,
                    "config": _plain(value.get_config()), "registered_name": None}
    if callable(value):
        for name, fn in activations.ACTIVATIONS.items():
            if fn is value:
                return name
    if isinstance(value, Layer):
        return _layer_json(value)
    raise TypeError(f"Cannot serialize {value!r} to JSON: tapejax's to_json knows layers, "
                    f"initializers, regularizers, constraints and named activations.")


def _layer_json(layer):
    if isinstance(layer, Sequential):
        config = {"name": layer.name, "trainable": layer.trainable, "dtype": layer.dtype,
                  "layers": []}
        if layer._input_kt is not None:
            source = layer._input_kt._history[0]
            config["layers"].append(_layer_json(source))
        config["layers"] += [_layer_json(sub) for sub in layer.layers]
        return {"module": "keras", "class_name": "Sequential", "config": config,
                "registered_name": None}
    if isinstance(layer, InputLayer):
        config = {"batch_shape": list(layer.batch_shape), "dtype": layer.dtype, "sparse": False,
                  "ragged": False, "name": layer.name, "optional": False}
        return {"module": "keras.layers", "class_name": "InputLayer", "config": config,
                "registered_name": None}
    if isinstance(layer, Functional):
        raise NotImplementedError("tapejax's to_json supports Sequential models and layers; "
                                  "functional graphs are not serialized yet.")
    config = layer.get_config()
    if isinstance(layer, Bidirectional):
        config["layer"] = layer.forward_layer
    elif isinstance(layer, TimeDistributed):
        config["layer"] = layer.layer
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": _plain(config), "registered_name": None}


def _from_plain(value, custom_objects):
    from tapejax.keras import constraints, initializers, regularizers
    if isinstance(value, list):
        return [_from_plain(v, custom_objects) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {k: _from_plain(v, custom_objects) for k, v in value.items()}
    module, name = value.get("module"), value["class_name"]
    config = value.get("config") or {}
    if name == "DTypePolicy":
        return config.get("name")
    if name in (custom_objects or {}):
        return custom_objects[name].from_config(config)
    if module == "keras.initializers":
        key = initializers._BY_NAME.get(_snake_name(name))
        if key is None:
            raise ValueError(f"Unknown initializer in the JSON config: {name}")
        return key(**{k: _from_plain(v, custom_objects) for k, v in config.items()
                      if k in inspect.signature(key).parameters})
    if module == "keras.regularizers":
        return regularizers.deserialize(value)
    if module == "keras.constraints":
        return constraints.deserialize(value)
    return _layer_from_json(value, custom_objects)


def _snake_name(name):
    from tapejax.keras._serialization import snake
    return snake(name)


def _accepted(cls):
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(inspect.signature(init).parameters)
    return names - {"self", "args", "kwargs"}


def _layer_from_json(value, custom_objects):
    from tapejax.keras import layers as layers_module
    name, config = value["class_name"], dict(value.get("config") or {})
    if name == "Sequential":
        layers = [_layer_from_json(sub, custom_objects) for sub in config.get("layers", [])]
        return Sequential(layers, name=config.get("name"), trainable=config.get("trainable", True))
    if name == "InputLayer":
        return Input(batch_shape=tuple(config["batch_shape"]), dtype=config.get("dtype"),
                     name=config.get("name"))._history[0]
    cls = (custom_objects or {}).get(name) or getattr(layers_module, name, None)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"Unknown layer: '{name}'. Please ensure you are using a `keras.Layer` "
                         f"and that it is registered, or pass it in `custom_objects`.")
    accepted = _accepted(cls)
    kwargs = {k: _from_plain(v, custom_objects) for k, v in config.items() if k in accepted}
    return cls(**kwargs)


def model_from_json(json_string, custom_objects=None):
    """A model (or layer) from its JSON architecture in Keras 3's schema (`model.to_json()` of
    TF's Keras or of tapejax), with fresh weights.

    Supports Sequential models and layers tapejax has; functional graphs are not read yet.

    Raises:
      ValueError: for a layer class tapejax does not have (pass it in `custom_objects`).
      NotImplementedError: for a functional model's JSON.
    """
    value = json.loads(json_string)
    if value.get("class_name") == "Functional":
        raise NotImplementedError("tapejax's model_from_json reads Sequential models and layers; "
                                  "functional graphs are not supported yet.")
    return _layer_from_json(value, custom_objects)


def to_json(model, **kwargs):
    """`model.to_json()`: the architecture in Keras 3's JSON schema."""
    return json.dumps(_layer_json(model), **kwargs)
