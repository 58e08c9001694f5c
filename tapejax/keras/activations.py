"""Keras activations by name, on tapejax ops."""

from tapejax.keras._activations import (
    deserialize,
    elu,
    exponential,
    gelu,
    get,
    leaky_relu,
    linear,
    log_softmax,
    relu,
    relu6,
    selu,
    serialize,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    swish,
    tanh,
)

__all__ = ["deserialize", "elu", "exponential", "gelu", "get", "leaky_relu", "linear", "log_softmax", "relu",
           "relu6", "selu", "serialize", "sigmoid", "silu", "softmax", "softplus", "softsign", "swish", "tanh"]
