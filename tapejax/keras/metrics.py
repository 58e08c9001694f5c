"""Keras metrics: stateful accumulators (`update_state`, `result`, `reset_state`) whose state lives
in tapejax Variables, so they work eagerly and inside `tapejax.function`. Each update is one jitted
call on the variables' values (metrics are not differentiated, so nothing records on tapes).

An eager update of a deferred value (the logits or loss of a training step whose program has not
run yet, see `_lazy`) is itself deferred, as a pending write of the metric's variables: it runs
inside the step's program instead of forcing that program and compiling one more of its own."""

# Keras 3's metric functions that are its loss functions (the same objects, as TF 2.21)
from tapejax.keras._losses import (
    MAE,
    MSE,
    binary_crossentropy,
    categorical_crossentropy,
    huber,
    mae,
    mse,
    sparse_categorical_crossentropy,
)
from tapejax.keras._metrics import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    FalseNegatives,
    FalsePositives,
    Mean,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
    Precision,
    Recall,
    SparseCategoricalAccuracy,
    SparseCategoricalCrossentropy,
    Sum,
    TrueNegatives,
    TruePositives,
    get,
)

__all__ = ["Accuracy", "AUC", "binary_crossentropy", "BinaryAccuracy", "BinaryCrossentropy",
           "categorical_crossentropy", "CategoricalAccuracy", "CategoricalCrossentropy", "FalseNegatives",
           "FalsePositives", "get", "huber", "MAE", "mae", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
           "MeanSquaredError", "Metric", "MSE", "mse", "Precision", "Recall", "sparse_categorical_crossentropy",
           "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "Sum", "TrueNegatives", "TruePositives"]
