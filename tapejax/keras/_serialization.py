"""Keras 3's `serialize`/`deserialize`/`get` for small config objects (regularizers,
constraints): `{'module': ..., 'class_name': ..., 'config': ..., 'registered_name': None}`."""

from __future__ import annotations

import inspect
import re


def snake(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def objects_dict(classes):
    """Keras' lookup table: each class by its name and by its snake_case name."""
    table = {cls.__name__: cls for cls in classes}
    table.update({snake(cls.__name__): cls for cls in classes})
    return table


def serialize(obj, module):
    if obj is None:
        return None
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


def deserialize(config, table, kind, custom_objects=None):
    if config is None:
        return None
    table = {**table, **(custom_objects or {})}
    if isinstance(config, str):
        cls = table.get(config)
        if cls is None:
            raise ValueError(f"Could not interpret {kind} identifier: {config}")
        return cls() if inspect.isclass(cls) else cls
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} identifier: {config}")
    cls = table.get(config["class_name"])
    if cls is None:
        raise TypeError(f"Could not locate class '{config['class_name']}'. Make sure custom "
                        f"classes are decorated with `@keras.saving.register_keras_serializable()`. "
                        f"Full object config: {config}")
    return cls.from_config(config.get("config") or {})


def get(identifier, table, kind):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier, table, kind)
    elif isinstance(identifier, str):
        obj = table.get(identifier, None)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
