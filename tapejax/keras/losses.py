"""Keras losses: `Loss` classes (`MeanSquaredError`, `SparseCategoricalCrossentropy`, ...) with
Keras' formulas, `from_logits`, `reduction` and `sample_weight`, and their function forms.

Each loss records as one tape entry (the per-sample values and the reduction are one fused op).
"""

from tapejax.keras._losses import (
    MAE,
    MSE,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    Reduction,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    get,
    huber,
    mae,
    mse,
    sparse_categorical_crossentropy,
)

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "Loss", "MAE", "MSE", "MeanAbsoluteError",
           "MeanSquaredError", "Reduction", "SparseCategoricalCrossentropy", "binary_crossentropy",
           "categorical_crossentropy", "get", "huber", "mae", "mse", "sparse_categorical_crossentropy"]
