"""Keras metrics: stateful accumulators (`update_state`, `result`, `reset_state`) whose state lives
in tapejax Variables, so they work eagerly and inside `tapejax.function`. Each update is one jitted
call on the variables' values (metrics are not differentiated, so nothing records on tapes).

An eager update of a deferred value (the logits or loss of a training step whose program has not
run yet, see `_lazy`) is itself deferred, as a pending write of the metric's variables: it runs
inside the step's program instead of forcing that program and compiling one more of its own."""

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

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
           "CategoricalCrossentropy", "FalseNegatives", "FalsePositives", "Mean", "MeanAbsoluteError",
           "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "Recall", "SparseCategoricalAccuracy",
           "SparseCategoricalCrossentropy", "Sum", "TrueNegatives", "TruePositives", "get"]
