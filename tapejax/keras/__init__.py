"""A Keras-shaped subset (`tf.keras`) built on tapejax ops, so everything records on tapes:
layers, `Sequential`/functional/subclassed models with `compile`/`fit`, losses, metrics,
regularizers, constraints, the legacy `keras.backend` functions, and optimizers on optax."""

from tapejax.keras import (
                           activations,
                           backend,
                           callbacks,
                           constraints,
                           datasets,
                           initializers,
                           layers,
                           losses,
                           metrics,
                           mixed_precision,
                           models,
                           ops,
                           optimizers,
                           random,
                           regularizers,
                           saving,
                           schedules,
                           utils,
)
from tapejax.keras._layer import Input, InputLayer, InputSpec, KerasTensor, Layer
from tapejax.keras._models import Functional, History, Model, Sequential
from tapejax.keras._variables import KerasVariable as Variable

__all__ = ["Variable", "activations", "backend", "callbacks", "constraints", "datasets", "initializers", "layers", "losses",
           "metrics", "mixed_precision", "models", "ops", "optimizers", "random", "regularizers", "saving", "schedules", "utils", "Input",
           "InputLayer", "InputSpec", "KerasTensor", "Layer", "Model", "Sequential", "Functional", "History"]
