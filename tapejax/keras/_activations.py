"""Keras activations by name, on tapejax ops."""

from __future__ import annotations

from tapejax._ops import math_ops, nn_ops


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn_ops.relu(x)
    out = nn_ops.leaky_relu(x, negative_slope) if negative_slope else nn_ops.relu(x)
    if max_value is not None:
        out = math_ops.minimum(out, max_value)
    return out


def softmax(x, axis=-1):
    return nn_ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return nn_ops.log_softmax(x, axis=axis)


def gelu(x, approximate=False):
    return nn_ops.gelu(x, approximate=approximate)


ACTIVATIONS = {
    "linear": linear, "relu": relu, "relu6": nn_ops.relu6, "elu": nn_ops.elu, "selu": nn_ops.selu,
    "gelu": gelu, "silu": nn_ops.silu, "swish": nn_ops.silu, "sigmoid": math_ops.sigmoid,
    "tanh": math_ops.tanh, "softplus": math_ops.softplus, "softsign": math_ops.softsign,
    "softmax": softmax, "log_softmax": log_softmax, "leaky_relu": nn_ops.leaky_relu,
    "exponential": math_ops.exp,
}
globals().update({k: v for k, v in ACTIVATIONS.items() if k not in globals()})


def serialize(activation):
    """The name of a built-in activation function (Keras 3 serializes them by name), or for
    another function Keras' `{'module', 'class_name': 'function', 'config': name, ...}` dict.

    Raises:
      ValueError: for a string or another non-function.
    """
    for name, fn in ACTIVATIONS.items():
        if fn is activation:
            return name
    name = getattr(activation, "__name__", None)
    if callable(activation) and isinstance(name, str):
        if name in ACTIVATIONS:  # e.g. tf.nn.relu
            return name
        # Keras 3 names the module of the function's class ('builtins'), not the function's
        return {"module": "builtins", "class_name": "function",
                "config": name, "registered_name": "function"}
    name = activation
    raise ValueError(f"Unknown activation function '{name}' cannot be serialized due to invalid "
                     f"function name. Make sure to use an activation name that matches the "
                     f"references defined in activations.py or use "
                     f"`@keras.saving.register_keras_serializable()`to register any custom "
                     f"activations. config={name}")


def deserialize(config, custom_objects=None):
    """The activation function a name (or Keras 3's `{'class_name': 'function', 'config': name}`)
    names.

    Raises:
      ValueError: for an unknown name.
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config.get("config")
    if custom_objects and config in custom_objects:
        return custom_objects[config]
    if isinstance(config, str) and config in ACTIVATIONS:
        return ACTIVATIONS[config]
    raise ValueError(f"Could not interpret activation function identifier: {config!r}")


def get(identifier):
    """An activation function from a name, a serialized dict, a callable, or None (linear).

    Raises:
      ValueError: for an unknown name.
    """
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier in ACTIVATIONS:
        return ACTIVATIONS[identifier]
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
