"""Keras 3's serialized form of the values inside layer and optimizer configs (initializers,
regularizers, constraints, schedules, functions, nests of plain values), shared by
`_saving_lib` (layers and models) and `optimizers` (a LossScaleOptimizer's inner optimizer)."""

from __future__ import annotations

import base64
import inspect
import marshal
import types
import warnings

import numpy as np

from tapejax.keras import _activations as activations
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _regularizers as regularizers
from tapejax.keras import _schedules as schedules
from tapejax.keras._layer import Layer
from tapejax.keras._saving_registry import get_registered_name


def _function_json(fn):
    for name, known in activations.ACTIVATIONS.items():
        if known is fn:
            return name
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        warnings.warn("The object being serialized includes a `lambda`. This is unsafe. In order "
                      "to reload the object, you will have to pass `safe_mode=False` to the "
                      "loading function. Please avoid using `lambda` in the future, and use named "
                      "Python functions instead.", stacklevel=5)
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": None,
                                                       "closure": None}}
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": fn.__name__, "registered_name": get_registered_name(fn)}


def plain(value, layer_json=None):
    """A JSON-ready value of a layer config entry, in Keras 3's serialized form (a layer's by
    `layer_json`, `tapejax.keras._saving_lib.serialize_layer`)."""
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, tuple):
        return [plain(v, layer_json) for v in value]
    if isinstance(value, list):
        return [plain(v, layer_json) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, layer_json) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "is_floating") and hasattr(value, "name"):  # a DType
        return value.name
    for module, base in (("keras.initializers", initializers.Initializer),
                         ("keras.regularizers", regularizers.Regularizer),
                         ("keras.constraints", constraints.Constraint),
                         ("keras.optimizers.schedules", schedules.LearningRateSchedule)):
        if isinstance(value, base):
            return {"module": module, "class_name": type(value).__name__,
                    "config": plain(value.get_config(), layer_json), "registered_name": None}
    if isinstance(value, Layer) and layer_json is not None:
        return layer_json(value)
    if callable(value) and not inspect.isclass(value):
        return _function_json(value)
    raise TypeError(f"Cannot serialize {value!r} to JSON: tapejax's Keras serialization knows "
                    f"layers, initializers, regularizers, constraints, schedules and functions.")


def optimizer_json(optimizer, layer_json=None):
    """`optimizer` as Keras 3's `{'module', 'class_name', 'config', 'registered_name'}` dict."""
    if hasattr(optimizer, "inner_optimizer"):  # its config nests the inner one
        return {"module": "keras.optimizers", "class_name": "LossScaleOptimizer",
                "config": optimizer.get_config(), "registered_name": None}
    config = {"name": optimizer.name}
    params = inspect.signature(type(optimizer).__init__).parameters
    for key in params:
        if key in ("self", "kwargs", "name"):
            continue
        if key == "learning_rate":
            schedule = getattr(optimizer, "_schedule", None)
            config[key] = plain(schedule, layer_json) if schedule is not None else \
                float(np.asarray(optimizer._learning_rate.numpy()))
        elif hasattr(optimizer, key):
            config[key] = plain(getattr(optimizer, key), layer_json)
    for key in ("weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema"):
        if key not in config and hasattr(optimizer, key):
            config[key] = plain(getattr(optimizer, key), layer_json)
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": config, "registered_name": None}
