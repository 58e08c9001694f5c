"""Keras losses: `Loss` classes (`MeanSquaredError`, `SparseCategoricalCrossentropy`, ...) with
Keras' formulas, `from_logits`, `reduction` and `sample_weight`, and their function forms.

Each loss records as one tape entry (the per-sample values and the reduction are one fused op).
"""

from __future__ import annotations

from tapejax import _dtypes
from tapejax._ops import math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import apply
from tapejax.keras import _config, _kernels

__all__ = ["Loss", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Huber",
           "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "huber", "get", "Reduction"]

_REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", None, "none")


def _float(x, keep_int=False):
    t = x if hasattr(type(x), "_value") and hasattr(type(x), "dtype") else convert_to_tensor(x)
    if t.dtype == _dtypes.float32 or (keep_int and t.dtype.is_integer):
        return t
    return math_ops.cast(t, _dtypes.float32)


def _compute(kind, y_true, y_pred, sample_weight=None, reduction="sum_over_batch_size",
             from_logits=False, label_smoothing=0.0, delta=1.0, axis=-1):
    y_pred = _float(y_pred)
    y_true = _float(y_true, keep_int=(kind == "scce"))
    inputs = [y_true, y_pred]
    if sample_weight is not None:
        inputs.append(_float(sample_weight))
    _check_shapes(kind, y_true, y_pred)
    return apply(_kernels.LOSS, inputs, (
        ("kind", kind), ("reduction", reduction), ("from_logits", bool(from_logits)),
        ("label_smoothing", float(label_smoothing)), ("delta", float(delta)), ("axis", int(axis)),
        ("epsilon", float(_config.epsilon()))))


def _check_shapes(kind, y_true, y_pred):
    t, p = tuple(y_true.shape), tuple(y_pred.shape)
    if kind == "scce":
        t2 = t[:-1] if len(t) == len(p) and t and t[-1] == 1 else t
        if len(t2) != len(p) - 1:
            raise ValueError(f"Argument `output` must have rank (ndim) `target.ndim - 1`. "
                             f"Received: target.shape={t}, output.shape={p}")
        if t2 != p[:-1]:
            raise ValueError(f"Arguments `target` and `output` must have the same shape up until "
                             f"the last dimension: target.shape={t}, output.shape={p}")
    elif kind in ("cce",):
        if len(t) != len(p):
            raise ValueError(f"Arguments `target` and `output` must have the same rank (ndim). "
                             f"Received: target.shape={t}, output.shape={p}")
        if t != p:
            raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                             f"Received: target.shape={t}, output.shape={p}")


class Loss:
    """Base class: `loss(y_true, y_pred, sample_weight=None)` returns the reduced loss.

    Args:
      reduction: `'sum_over_batch_size'` (default), `'sum'`, `'mean'`,
        `'mean_with_sample_weight'`, or `None`/`'none'` for per-sample values.
      name: loss name.
    """

    _kind = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                             f"{_REDUCTIONS}. Received: reduction={reduction}")
        self.name = name
        self.reduction = reduction
        self.dtype = "float32"
        self._options = {}

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._kind is None:  # a user subclass that implements `call`
            values = _float(self.call(y_true, y_pred))
            if sample_weight is not None:
                values = math_ops.multiply(values, _float(sample_weight))
            if self.reduction in (None, "none") or values.ndim == 0:
                return values
            total = math_ops.reduce_sum(values)
            if self.reduction == "sum":
                return total
            return math_ops.divide_no_nan(total, math_ops.cast(
                math_ops.reduce_prod(convert_to_tensor(list(values.shape) or [1])), _dtypes.float32))
        return _compute(self._kind, y_true, y_pred, sample_weight, self.reduction, **self._options)

    def call(self, y_true, y_pred):
        return _compute(self._kind, y_true, y_pred, None, "none", **self._options)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, **self._options}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MeanSquaredError(Loss):
    """`mean(square(y_true - y_pred), axis=-1)`, reduced."""

    _kind = "mse"

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name, reduction, dtype)


class MeanAbsoluteError(Loss):
    """`mean(abs(y_true - y_pred), axis=-1)`, reduced."""

    _kind = "mae"

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name, reduction, dtype)


class Huber(Loss):
    """Quadratic for `|error| <= delta`, linear beyond; mean over the last axis, reduced."""

    _kind = "huber"

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(name, reduction, dtype)
        self._options = {"delta": delta}


class BinaryCrossentropy(Loss):
    """Binary cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7], or logits)."""

    _kind = "bce"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.from_logits = from_logits
        self._options = {"from_logits": from_logits, "label_smoothing": label_smoothing,
                         "axis": axis}


class CategoricalCrossentropy(Loss):
    """Cross-entropy of one-hot (or soft) labels against probabilities or logits."""

    _kind = "cce"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        self.from_logits = from_logits
        self._options = {"from_logits": from_logits, "label_smoothing": label_smoothing,
                         "axis": axis}


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy of integer labels against probabilities or logits (`from_logits=True`)."""

    _kind = "scce"

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name, reduction, dtype)
        if ignore_class is not None:
            raise NotImplementedError("tapejax's SparseCategoricalCrossentropy does not support "
                                      "ignore_class.")
        self.from_logits = from_logits
        self._options = {"from_logits": from_logits}


def mean_squared_error(y_true, y_pred):
    return _compute("mse", y_true, y_pred, reduction="none")


def mean_absolute_error(y_true, y_pred):
    return _compute("mae", y_true, y_pred, reduction="none")


def huber(y_true, y_pred, delta=1.0):
    return _compute("huber", y_true, y_pred, reduction="none", delta=delta)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    return _compute("bce", y_true, y_pred, reduction="none", from_logits=from_logits,
                    label_smoothing=label_smoothing, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    return _compute("cce", y_true, y_pred, reduction="none", from_logits=from_logits,
                    label_smoothing=label_smoothing, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    return _compute("scce", y_true, y_pred, reduction="none", from_logits=from_logits)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError, "huber": Huber,
    "huber_loss": Huber, "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(identifier):
    """A loss from a name (`'sparse_categorical_crossentropy'`), a Loss, or a callable."""
    if identifier is None or isinstance(identifier, Loss) or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else \
            "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key in _BY_NAME:
            return _BY_NAME[key]()
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


class Reduction:
    """The reductions a loss can apply (`tf.keras.losses.Reduction`, Keras' legacy names; strings)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')
