"""Keras optimizers on optax: Keras' names, arguments, defaults and update rules.

Each optimizer keeps its state (`iterations`, the learning rate, optax's per-variable moments) in
tapejax Variables, so it works eagerly and inside `tapejax.function` alike. `apply_gradients` runs
the whole update (clipping, weight decay, the optax transformation of every variable, the
iteration counter) as ONE jitted call; inside `tapejax.function` the same code is traced into the
step's program.

Where optax's formula differs from Keras' (Adam's epsilon is added to the *uncorrected*
`sqrt(v)` in Keras; SGD's momentum accumulates `lr * g`), the optax transformations are composed so
that the result equals Keras' update to float32 rounding.
"""

from tapejax import _namespaces
from tapejax.keras import _schedules
from tapejax.keras._optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Ftrl,
    Lion,
    LossScaleOptimizer,
    Nadam,
    Optimizer,
    RMSprop,
    get,
)

__path__ = []  # a package to the import system: its sub-namespaces import as tapejax.keras.optimizers.<name>

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "LossScaleOptimizer", "Nadam",
           "Optimizer", "RMSprop", "SGD", "get", "schedules"]

schedules = _namespaces.make("keras.optimizers.schedules", "Learning-rate schedules (`keras.optimizers.schedules`): functions of the optimizer's iteration,", _namespaces.pick(_schedules, [
    "CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
    "PiecewiseConstantDecay"]))
