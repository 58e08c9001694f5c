"""`keras.layers.serialize` / `deserialize`: a layer as Keras 3's config dict and back (the `.keras` file's
layer entries, `_saving_lib`'s)."""

from __future__ import annotations

from tapejax.keras._saving_lib import _build_from_config, _Context, deserialize_layer, serialize_layer

__all__ = ["serialize", "deserialize"]


def _shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        return [tuple(s) for s in shape]
    return tuple(shape) if isinstance(shape, list) else shape


def serialize(layer):
    """Keras 3's `{'module', 'class_name', 'config', 'registered_name'}` dict of `layer` (with its
    `build_config` once built, its shape a tuple as Keras keeps it before JSON)."""
    config = serialize_layer(layer)
    if "build_config" in config:
        config["build_config"] = {**config["build_config"],
                                  "input_shape": _shape(config["build_config"].get("input_shape"))}
    return config


def deserialize(config, custom_objects=None):
    """The layer `serialize`'s dict describes, built when the dict says how (`build_config`).

    Raises:
      ValueError: for a `keras.*` module's class that Keras does not have.
      TypeError: for another class tapejax's Keras does not know (register custom classes or pass them in
        `custom_objects`).
    """
    try:
        layer = deserialize_layer(config, _Context(custom_objects, True))
    except TypeError as error:
        module = config.get("module") if isinstance(config, dict) else None
        if str(error).startswith("Could not locate class") and str(module).startswith("keras"):
            raise ValueError(f"Could not deserialize '{module}.{config['class_name']}' because it is not a "
                             f"KerasSaveable subclass") from None
        raise
    _build_from_config(layer, config.get("build_config"))
    return layer
