"""A Keras-shaped subset (`tf.keras`) built on tapejax ops, so everything records on tapes."""

from tapejax.keras import activations, initializers, layers
from tapejax.keras._variables import KerasVariable as Variable

__all__ = ["Variable", "activations", "initializers", "layers"]
