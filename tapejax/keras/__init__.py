"""A Keras-shaped subset (`tf.keras`) built on tapejax ops, so everything records on tapes:
layers, `Sequential`/functional/subclassed models with `compile`/`fit`, losses, metrics, and
optimizers on optax."""

from tapejax.keras import activations, initializers, layers, losses, metrics, optimizers, schedules, utils
from tapejax.keras._layer import Input, InputLayer, KerasTensor, Layer
from tapejax.keras._models import Functional, History, Model, Sequential
from tapejax.keras._variables import KerasVariable as Variable

optimizers.schedules = schedules


class _Backend:
    """`keras.backend`: the few helpers training code uses."""

    @staticmethod
    def epsilon():
        return 1e-7

    @staticmethod
    def floatx():
        return "float32"

    @staticmethod
    def clear_session():
        from tapejax.keras import _layer
        _layer._name_counts.clear()


backend = _Backend()

__all__ = ["Variable", "activations", "initializers", "layers", "losses", "metrics", "optimizers",
           "schedules", "utils", "Input", "InputLayer", "KerasTensor", "Layer", "Model",
           "Sequential", "Functional", "History", "backend"]
