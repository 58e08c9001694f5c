"""`keras.models`: `Sequential`, `Model`, `clone_model`, and `save_model`/`load_model`.

`save_model`/`load_model` use Keras 3's `.keras` zip or Keras' legacy whole-model `.h5` layout
(see `_saving_lib.py`).
"""

from __future__ import annotations

import json
import os

from tapejax.keras import _saving_lib
from tapejax.keras._layer import Input, KerasTensor, Layer, _leaves, _map
from tapejax.keras._models import Functional, Model, Sequential

__all__ = ["Model", "Sequential", "clone_model", "load_model", "save_model", "model_from_json"]


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves a whole model in Keras 3's `.keras` zip (`config.json`, `metadata.json`,
    `model.weights.h5`), or for a `.h5` path in Keras' legacy HDF5 layout (Sequential and
    Functional models), which TF's `keras.models.load_model` reads, as `keras.models.save_model`.

    Raises:
      ValueError: for a path without a `.keras` or `.h5` extension (Keras' message).
      ValueError: for a subclassed model in the legacy `.h5` format (Keras' message).
    """
    filepath = os.fspath(filepath)
    if not (filepath.endswith(".keras") or filepath.endswith(".h5")):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         "extension. Use `model.export(filepath)` if you want to export a "
                         f"SavedModel for use with TFLite/TFServing/etc. Received: "
                         f"filepath={filepath}.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if filepath.endswith(".h5"):
        _saving_lib.save_legacy_h5(model, filepath)
        return
    _saving_lib.save_model(model, filepath)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Loads a whole model from a Keras 3 `.keras` file (saved by TF's Keras or tapejax), as
    `keras.models.load_model`.

    Args:
      filepath: the `.keras` file.
      custom_objects: `{name: class or function}` for custom layers, models and losses (or
        register them with `keras.saving.register_keras_serializable`).
      compile: whether to compile the model with the saved `compile()` arguments (and restore the
        optimizer's variables).
      safe_mode: refuse to load a `Lambda` layer's Python bytecode (default True, as Keras).

    Raises:
      ValueError: for a missing `.keras` file, an unsupported extension, or a `Lambda` with
        bytecode under `safe_mode` (Keras' messages).
      TypeError: for a custom class that is neither registered nor in `custom_objects`.
    """
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        if not os.path.exists(filepath):
            raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                             f"accessible `.keras` zip file.")
        return _saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                      safe_mode=safe_mode)
    if not filepath.endswith(".h5"):
        raise ValueError(
            f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
            f"files, legacy H5 format files (`.h5` extension). Note that the legacy SavedModel "
            f"format is not supported by `load_model()` in Keras 3. In order to reload a "
            f"TensorFlow SavedModel as an inference-only layer in Keras 3, use "
            f"`keras.layers.TFSMLayer({filepath}, call_endpoint='serving_default')` (note that "
            f"your `call_endpoint` might have a different name).")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file or directory: '{filepath}'")
    return _saving_lib.load_legacy_h5(filepath, custom_objects=custom_objects, compile=compile,
                                      safe_mode=safe_mode)


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
            if new_layer is None:  # a symbolic operation is stateless: the clone shares it
                new_layer = cloned[id(layer)] = (clone_function(layer) if isinstance(layer, Layer)
                                                 else layer)
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
def model_from_json(json_string, custom_objects=None):
    """A model (or layer) from its JSON architecture in Keras 3's schema (`model.to_json()` of
    TF's Keras or of tapejax), with fresh weights.

    Raises:
      TypeError: for a layer class tapejax does not have (pass it in `custom_objects`).
    """
    return _saving_lib.deserialize_layer(json.loads(json_string),
                                         _saving_lib._Context(custom_objects, True))


def to_json(model, **kwargs):
    """`model.to_json()`: the architecture in Keras 3's JSON schema."""
    return json.dumps(_saving_lib.serialize_layer(model), **kwargs)


def _model_to_json(self, **kwargs):
    """The architecture in Keras 3's JSON schema (see `keras.models.model_from_json`)."""
    return to_json(self, **kwargs)


def _model_save(self, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves the whole model (Keras 3's `.keras`/`.h5` formats; see `keras.models.save_model`)."""
    save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


# Model's saving methods are attached here, above the saving code that builds models when loading.
for _name, _method in (("to_json", _model_to_json), ("save", _model_save)):
    _method.__name__, _method.__qualname__ = _name, f"Model.{_name}"
    setattr(Model, _name, _method)
