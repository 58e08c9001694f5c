"""`keras.regularizers`: weight penalties (`L1`, `L2`, `L1L2`), with Keras 3's formulas, names,
validation and configs. A layer's `kernel_regularizer` etc. adds `regularizer(weight)` to its
`losses`, which `Model.compute_loss` adds to the training loss."""

from tapejax.keras._regularizers import L1, L1L2, L2, Regularizer, deserialize, get, l1, l1_l2, l2, serialize

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2", "serialize"]
