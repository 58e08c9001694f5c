"""Keras 3's registry of custom objects for saving: `register_keras_serializable`, the global
custom objects and `custom_object_scope` (`tf.keras.utils.*`)."""

from __future__ import annotations

import inspect

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "get_custom_objects", "custom_object_scope", "CustomObjectScope"]

_REGISTERED = {}        # "package>name" -> class or function
_REGISTERED_NAMES = {}  # class or function -> "package>name"
_GLOBAL_CUSTOM_OBJECTS = {}


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under `'<package>><name>'` so `load_model` finds it.

    Args:
      package: the prefix of the registered name (default `'Custom'`).
      name: default the object's `__name__`.

    Returns:
      A decorator returning the object unchanged.

    Raises:
      ValueError: for a package containing `>`, a name registered twice, or a class without
        `get_config`.
    """
    if ">" in package:
        raise ValueError("Package name must not contain '>'")

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _REGISTERED[registered] = obj
        _REGISTERED_NAMES[obj] = registered
        return obj
    return decorator


def get_registered_name(obj):
    """The name `obj` was registered under, or its `__name__`."""
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", None))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function in `custom_objects`, a `custom_object_scope`, the registry or
    `module_objects` under `name`, or None."""
    for table in (custom_objects or {}, _GLOBAL_CUSTOM_OBJECTS, _REGISTERED, module_objects or {}):
        if name in table:
            return table[name]
    return None


def get_custom_objects():
    """The global `{name: object}` dict that loading consults (it may be edited in place)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """`with custom_object_scope({'MyLayer': MyLayer}):` makes the objects visible to loading."""

    def __init__(self, *custom_objects):
        self.custom_objects = custom_objects
        self._backup = None

    def __enter__(self):
        self._backup = dict(_GLOBAL_CUSTOM_OBJECTS)
        for objects in self.custom_objects:
            _GLOBAL_CUSTOM_OBJECTS.update(objects or {})
        return self

    def __exit__(self, *exc):
        _GLOBAL_CUSTOM_OBJECTS.clear()
        _GLOBAL_CUSTOM_OBJECTS.update(self._backup)


custom_object_scope = CustomObjectScope
