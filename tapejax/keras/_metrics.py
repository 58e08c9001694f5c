"""Keras metrics: stateful accumulators (`update_state`, `result`, `reset_state`) whose state lives
in tapejax Variables, so they work eagerly and inside `tapejax.function`. Each update is one jitted
call on the variables' values (metrics are not differentiated, so nothing records on tapes).

An eager update of a deferred value (the logits or loss of a training step whose program has not
run yet, see `_lazy`) is itself deferred, as a pending write of the metric's variables: it runs
inside the step's program instead of forcing that program and compiling one more of its own."""

from __future__ import annotations

import functools
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _context, _dtypes, _lazy
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor
from tapejax._variable import VariableAggregation, VariableSynchronization
from tapejax.keras import _kernels, _serialization
from tapejax.keras._operation import unique_name
from tapejax.keras._variables import KerasVariable

# Keras 3's metric-variable aggregation names
_AGGREGATIONS = {"none": VariableAggregation.NONE, "sum": VariableAggregation.SUM, "mean": VariableAggregation.MEAN,
                 "only_first_replica": VariableAggregation.ONLY_FIRST_REPLICA}

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "SparseCategoricalAccuracy",
           "CategoricalAccuracy", "BinaryAccuracy", "MeanSquaredError", "MeanAbsoluteError",
           "SparseCategoricalCrossentropy", "BinaryCrossentropy", "CategoricalCrossentropy", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision", "Recall", "AUC", "get",
           "RootMeanSquaredError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
           "LogCoshError", "R2Score", "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "PearsonCorrelation", "ConcordanceCorrelation",
           "FBetaScore", "F1Score", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "PrecisionAtRecall",
           "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity", "serialize", "deserialize",
           "METRIC_FUNCTION", "hinge", "squared_hinge", "categorical_hinge", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "log_cosh", "kl_divergence", "poisson", "pearson_correlation",
           "concordance_correlation", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "binary_focal_crossentropy",
           "categorical_focal_crossentropy", "kld", "KLD", "kullback_leibler_divergence", "logcosh", "mape", "MAPE",
           "msle", "MSLE"]


def _array(x):
    if hasattr(x, "_read") and not isinstance(x, Tensor):
        return x._read()
    if type(x) is Tensor:
        return x._value
    return convert_to_tensor(np.asarray(x) if not hasattr(x, "_value") else x)._value


def _raw(x):
    """A Tensor's value as it is (a deferred value stays deferred); else as `_array`."""
    return x._v if type(x) is Tensor else _array(x)


def _defer(variables, kernel, inputs):
    """Registers `variables = kernel(*variables, *inputs)` as a pending write (see
    `_lazy.add_write`) when an input is a deferred value not computed yet and nothing traces or
    records; returns whether it did (else the caller updates at once)."""
    if not _lazy.deferring() or _context.current.read_hook is not None or _context.current.recording:
        return False
    if not any(type(x) is _lazy.Pending and x.node.results is None for x in inputs):
        return False
    # a computed value as its array (donated when nothing else holds it); an update still pending
    # (a second update in the same step) as its deferred value
    old = [v._array if type(v._stored) is not _lazy.Pending or v._stored.node.results is not None
           else v._stored for v in variables]
    _lazy.defer_update(kernel, ("metric update", kernel), variables, old + list(inputs), range(len(variables)),
                       [(tuple(v._stored.shape), np.dtype(v._stored.dtype)) for v in variables])
    return True


class Metric:
    """Base class of metrics: `update_state(...)`, `result()`, `reset_state()`; calling a metric
    updates it and returns the result."""

    _checkpoint_kind = "metric"  # not trackable in TF 2.21 (tapejax._checkpoint reads it)

    def __init__(self, name=None, dtype=None):
        self.name = name or re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        self._dtype = _dtypes.as_dtype(dtype or "float32")
        self._variables = []

    @property
    def dtype(self):
        return self._dtype.name

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        dtype = _dtypes.as_dtype(dtype or self._dtype)
        value = np.zeros(shape, dtype._np) if initializer == "zeros" else np.asarray(initializer,
                                                                                  dtype._np)
        # Keras 3 makes metric state sync-on-read (summed over replicas when read, by default)
        var = KerasVariable(value, dtype=dtype, trainable=False, name=name, path=f"{self.name}/{name}",
                            synchronization=VariableSynchronization.ON_READ,
                            aggregation=_AGGREGATIONS[aggregation])
        self._variables.append(var)
        return var

    add_weight = add_variable

    @property
    def variables(self):
        return list(self._variables)

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), v.dtype._np))

    reset_states = reset_state

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """The metric `get_config`'s dict describes (`cls(**config)`, as Keras 3)."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


@jax.jit
def _mean_update(total, count, values):
    values = values.astype(total.dtype)
    return total + jnp.sum(values), count + jnp.asarray(values.size, count.dtype)


@jax.jit
def _mean_update_weighted(total, count, values, weights):
    values = values.astype(total.dtype)
    weights = weights.astype(total.dtype)
    while weights.ndim > values.ndim and weights.shape[-1] == 1:
        weights = jnp.squeeze(weights, -1)
    while weights.ndim < values.ndim:
        weights = weights[..., None]
    weights = jnp.broadcast_to(weights, values.shape)
    return total + jnp.sum(values * weights), count + jnp.sum(weights)


@jax.jit
def _divide_no_nan(total, count):
    return jnp.where(count == 0, jnp.zeros_like(total), total / jnp.where(count == 0, 1, count))


class Mean(Metric):
    """The (weighted) mean of the values given to `update_state`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def _accumulate(self, values, sample_weight=None):
        variables = (self.total, self.count)
        if sample_weight is None:
            if _defer(variables, _mean_update.__wrapped__, [values]):
                return
        elif _defer(variables, _mean_update_weighted.__wrapped__, [values, _raw(sample_weight)]):
            return
        values = _lazy.resolve_all([values])[0]
        if sample_weight is None:
            total, count = _mean_update(self.total._read(), self.count._read(), values)
        else:
            total, count = _mean_update_weighted(self.total._read(), self.count._read(), values,
                                                 _array(sample_weight))
        self.total._write(total)
        self.count._write(count)

    def update_state(self, values, sample_weight=None):
        self._accumulate(_raw(values), sample_weight)

    def result(self):
        return Tensor(_divide_no_nan(self.total._read(), self.count._read()))


class Sum(Metric):
    """The sum of the values given to `update_state`."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values = _array(values)
        if sample_weight is not None:
            values = values * _array(sample_weight)
        self.total._write(self.total._read() + jnp.sum(values).astype(self.total._read().dtype))

    def result(self):
        return Tensor(self.total._read())


def _sparse_categorical_accuracy(y_true, y_pred):
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    pred = jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)
    return (y_true == pred).astype(jnp.float32)


def _categorical_accuracy(y_true, y_pred):
    return (jnp.argmax(y_true, -1) == jnp.argmax(y_pred, -1)).astype(jnp.float32)


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = jnp.squeeze(y_pred, -1)
    pred = (y_pred > jnp.asarray(threshold, y_pred.dtype)).astype(y_true.dtype)
    return jnp.mean((y_true == pred).astype(jnp.float32), axis=-1)


def _accuracy(y_true, y_pred):
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = jnp.squeeze(y_pred, -1)
    return (y_true == y_pred.astype(y_true.dtype)).astype(jnp.float32)


def _loss_values(kind, **options):
    def fn(y_true, y_pred):
        y_true = y_true if kind == "scce" and jnp.issubdtype(y_true.dtype, jnp.integer) else \
            y_true.astype(jnp.float32)
        return _kernels._per_sample(kind, y_true, y_pred.astype(jnp.float32), **options)
    return fn


def _wrapper_update(fn):
    def update(total, count, y_true, y_pred):
        return _mean_update.__wrapped__(total, count, fn(y_true, y_pred))

    def update_weighted(total, count, y_true, y_pred, weights):
        return _mean_update_weighted.__wrapped__(total, count, fn(y_true, y_pred), weights)
    return jax.jit(update), jax.jit(update_weighted)


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred)` over everything given to `update_state`."""

    _fn = None

    def __init__(self, fn=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if fn is not None:
            self._fn = fn
        self._fn_kwargs = kwargs
        self._jax = None

    def _updates(self):
        if self._jax is None:
            fn = self._fn
            if getattr(fn, "_pure_jax", False):
                key = (fn, tuple(sorted(self._fn_kwargs.items())))
                if key not in _UPDATE_CACHE:
                    _UPDATE_CACHE[key] = _wrapper_update(functools.partial(fn, **self._fn_kwargs))
                self._jax = _UPDATE_CACHE[key]
            else:
                self._jax = False
        return self._jax

    def update_state(self, y_true, y_pred, sample_weight=None):
        updates = self._updates()
        if updates:
            inputs = [_raw(y_true), _raw(y_pred)] + ([] if sample_weight is None else [_raw(sample_weight)])
            if _defer((self.total, self.count), updates[0 if sample_weight is None else 1].__wrapped__,
                      inputs):
                return
            args = [self.total._read(), self.count._read(), _array(y_true), _array(y_pred)]
            if sample_weight is None:
                total, count = updates[0](*args)
            else:
                total, count = updates[1](*args, _array(sample_weight))
            self.total._write(total)
            self.count._write(count)
            return
        self._accumulate(_array(self._fn(y_true, y_pred, **self._fn_kwargs)), sample_weight)


_UPDATE_CACHE = {}


def _pure(fn):
    fn._pure_jax = True
    return staticmethod(fn)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of `y_pred` equals the integer label `y_true`."""

    _direction = "up"  # which way is better (EarlyStopping's mode="auto")
    _fn = _pure(_sparse_categorical_accuracy)

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of `y_pred` equals the argmax of one-hot `y_true`."""

    _direction = "up"  # which way is better (EarlyStopping's mode="auto")
    _fn = _pure(_categorical_accuracy)

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` equals the binary label `y_true`."""

    _direction = "up"  # which way is better (EarlyStopping's mode="auto")
    _fn = _pure(_binary_accuracy)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class Accuracy(MeanMetricWrapper):
    """How often `y_pred` equals `y_true`."""

    _direction = "up"  # which way is better (EarlyStopping's mode="auto")
    _fn = _pure(_accuracy)

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    _direction = "down"  # which way is better (EarlyStopping's mode="auto")
    _fn = _pure(_loss_values("mse"))

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    _direction = "down"  # which way is better (EarlyStopping's mode="auto")
    _fn = _pure(_loss_values("mae"))

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(fn=_SCCE_LOGITS if from_logits else _SCCE_PROBS, name=name, dtype=dtype)


def _binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    return _kernels._per_sample("bce", y_true.astype(jnp.float32), y_pred.astype(jnp.float32),
                                from_logits=from_logits, label_smoothing=label_smoothing)


def _categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    return _kernels._per_sample("cce", y_true.astype(jnp.float32), y_pred.astype(jnp.float32),
                                from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy between labels and predictions (probabilities, or logits)."""

    _direction = "down"
    _fn = _pure(_binary_crossentropy)

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy between one-hot labels and predictions."""

    _direction = "down"
    _fn = _pure(_categorical_crossentropy)

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


# -- confusion-matrix counts (TruePositives ... Precision, Recall), thresholds as Keras 3's ----------
def _thresholds(thresholds):
    """(the thresholds as a float array, whether one was given as a number)."""
    one = thresholds is None or isinstance(thresholds, (int, float))
    values = [0.5] if thresholds is None else [float(thresholds)] if one else [float(t) for t in thresholds]
    if any(not 0.0 <= t <= 1.0 for t in values):
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return np.asarray(values, np.float32), one


def _confusion_counts(y_true, y_pred, thresholds, sample_weight):
    """(tp, fp, tn, fn) per threshold: a prediction is positive when strictly above it, as Keras."""
    y_pred = y_pred.astype(jnp.float32)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = jnp.squeeze(y_pred, -1)
    label = jnp.broadcast_to(y_true.astype(bool), y_pred.shape).reshape(1, -1)
    positive = y_pred.reshape(1, -1) > jnp.asarray(thresholds).reshape(-1, 1)
    weight = jnp.ones(y_pred.shape, jnp.float32) if sample_weight is None else jnp.broadcast_to(
        sample_weight.astype(jnp.float32).reshape(sample_weight.shape + (1,) * (y_pred.ndim - sample_weight.ndim)),
        y_pred.shape)
    weight = weight.reshape(1, -1)

    def count(mask):
        return jnp.sum(jnp.where(mask, weight, 0.0), axis=1)
    return count(label & positive), count(~label & positive), count(~label & ~positive), count(label & ~positive)


class _ConfusionMetric(Metric):
    _counts = ()  # which of (tp, fp, tn, fn) the metric keeps
    _accumulator = False  # a single count's variable is named "accumulator", as Keras names it

    def __init__(self, thresholds=None, name=None, dtype=None, top_k=None, class_id=None):
        # Keras 3 names an unnamed one uniquely (true_positives, true_positives_1, ...), as layers
        super().__init__(name=name or unique_name(re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()),
                         dtype=dtype)
        if top_k is not None or class_id is not None:
            raise NotImplementedError(f"tapejax's {type(self).__name__} has no top_k or class_id yet: compute the "
                                      f"metric on the class's column of y_true and y_pred instead.")
        self.init_thresholds = thresholds
        self._thresholds, self._one_threshold = _thresholds(thresholds)
        self._count_variables = {
            count: self.add_variable(shape=(len(self._thresholds),), name="accumulator" if self._accumulator else count)
            for count in self._counts}

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = dict(zip(("true_positives", "false_positives", "true_negatives", "false_negatives"),
                          _confusion_counts(_array(y_true), _array(y_pred), self._thresholds,
                                            None if sample_weight is None else _array(sample_weight))))
        for name, variable in self._count_variables.items():
            variable._write(variable._read() + counts[name].astype(variable._read().dtype))

    def _value(self, counts):
        return counts[self._counts[0]]

    def result(self):
        value = self._value({name: v._read() for name, v in self._count_variables.items()})
        return Tensor(value[0] if self._one_threshold else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


def _count_metric(class_name, count, doc):
    class CountMetric(_ConfusionMetric):
        _counts = (count,)
        _accumulator = True

        def __init__(self, thresholds=None, name=None, dtype=None):
            super().__init__(thresholds=thresholds, name=name, dtype=dtype)
    CountMetric.__name__ = CountMetric.__qualname__ = class_name
    CountMetric.__doc__ = doc
    return CountMetric


TruePositives = _count_metric("TruePositives", "true_positives", "The (weighted) number of true positives.")
FalsePositives = _count_metric("FalsePositives", "false_positives", "The (weighted) number of false positives.")
TrueNegatives = _count_metric("TrueNegatives", "true_negatives", "The (weighted) number of true negatives.")
FalseNegatives = _count_metric("FalseNegatives", "false_negatives", "The (weighted) number of false negatives.")


class Precision(_ConfusionMetric):
    """true_positives / (true_positives + false_positives), at each threshold."""

    _direction = "up"
    _counts = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype, top_k=top_k, class_id=class_id)

    def _value(self, counts):
        return _divide_no_nan(counts["true_positives"], counts["true_positives"] + counts["false_positives"])

    def get_config(self):
        return {**super().get_config(), "top_k": None, "class_id": None}


class Recall(_ConfusionMetric):
    """true_positives / (true_positives + false_negatives), at each threshold."""

    _direction = "up"
    _counts = ("true_positives", "false_negatives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype, top_k=top_k, class_id=class_id)

    def _value(self, counts):
        return _divide_no_nan(counts["true_positives"], counts["true_positives"] + counts["false_negatives"])

    def get_config(self):
        return {**super().get_config(), "top_k": None, "class_id": None}


class AUC(Metric):
    """The area under the ROC or precision-recall curve, from confusion counts at `num_thresholds`
    thresholds (Keras 3's thresholds, Riemann sums and Davis & Goadrich's PR interpolation)."""

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name or unique_name("auc"), dtype=dtype)
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise NotImplementedError(f"tapejax's AUC supports curve='ROC' or 'PR', not {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value "{summation_method}". Expected values are '
                             f'["interpolation", "majoring", "minoring"]')
        if multi_label or label_weights is not None:
            raise NotImplementedError("tapejax's AUC has no multi_label/label_weights yet: average per-label AUC "
                                      "metrics instead.")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._init_thresholds = thresholds is not None
        self.num_thresholds = len(inner) + 2
        self.curve, self.summation_method, self.from_logits = curve, summation_method, from_logits
        self.multi_label, self.num_labels, self.label_weights = False, num_labels, None
        epsilon = 1e-7  # keras.backend.epsilon()
        self._thresholds = np.asarray([0.0 - epsilon] + inner + [1.0 + epsilon])  # float64, as Keras keeps them
        self._count_variables = {count: self.add_variable(shape=(self.num_thresholds,), name=count) for count in (
            "true_positives", "false_positives", "true_negatives", "false_negatives")}

    @property
    def thresholds(self):
        return list(self._thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _array(y_pred)
        if self.from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        counts = dict(zip(("true_positives", "false_positives", "true_negatives", "false_negatives"),
                          _confusion_counts(_array(y_true), y_pred, self._thresholds.astype(np.float32),
                                            None if sample_weight is None else _array(sample_weight))))
        for name, variable in self._count_variables.items():
            variable._write(variable._read() + counts[name].astype(variable._read().dtype))

    def result(self):
        c = {name: v._read() for name, v in self._count_variables.items()}
        tp, fp, tn, fn = c["true_positives"], c["false_positives"], c["true_negatives"], c["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            dp = p[:-1] - p[1:]
            slope = _divide_no_nan(dtp, jnp.maximum(dp, 0))
            intercept = tp[1:] - slope * p[1:]
            ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)),
                              jnp.ones_like(p[1:]))
            return Tensor(jnp.sum(_divide_no_nan(slope * (dtp + intercept * jnp.log(ratio)),
                                                 jnp.maximum(tp[1:] + fn[1:], 0))))
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return Tensor(jnp.sum((x[:-1] - x[1:]) * heights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": False, "num_labels": self.num_labels,
                  "label_weights": None, "from_logits": self.from_logits}
        if self._init_thresholds:
            config["thresholds"] = list(self._thresholds[1:-1])
        return config


_SCCE_LOGITS = _pure(_loss_values("scce", from_logits=True)).__func__
_SCCE_PROBS = _pure(_loss_values("scce", from_logits=False)).__func__

_BY_NAME = {
    "accuracy": Accuracy, "acc": Accuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "binary_accuracy": BinaryAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
}


# -- Keras 3's metric functions (also its losses) and the metrics over them ---------------------------
# Each function is one JAX kernel on arrays: the metric classes run it inside their jitted updates, and
# the public function (`keras.metrics.hinge`, ...) runs it as one op (`METRIC_FUNCTION`), recorded on tapes.
_EPSILON = 1e-7  # keras.backend.epsilon()


def _floats(y_true, y_pred):
    """`y_pred` as floats (integers as float32) and `y_true` in its dtype, as Keras converts them."""
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    return y_true.astype(y_pred.dtype), y_pred


def _same_rank(x1, x2, expand_rank_1=True):
    """Keras' `squeeze_or_expand_to_same_rank`: a trailing axis of size one squeezed or expanded."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = jnp.squeeze(x1, -1)
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def _hinge_labels(y_true):
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def _hinge(y_true, y_pred):
    y_true, y_pred = _floats(y_true, y_pred)
    return jnp.mean(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def _squared_hinge(y_true, y_pred):
    y_true, y_pred = _floats(y_true, y_pred)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def _categorical_hinge(y_true, y_pred):
    y_true, y_pred = _floats(y_true, y_pred)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, jnp.zeros((), y_pred.dtype))


def _mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _same_rank(*_floats(y_true, y_pred))
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), jnp.asarray(_EPSILON, y_pred.dtype)))
    return 100.0 * jnp.mean(diff, axis=-1)


def _mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _same_rank(*_floats(y_true, y_pred))
    first = jnp.log(jnp.maximum(y_pred, _EPSILON) + 1.0)
    second = jnp.log(jnp.maximum(y_true, _EPSILON) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def _log_cosh(y_true, y_pred):
    y_true, y_pred = _same_rank(*_floats(y_true, y_pred))
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(x * -2.0) - jnp.log(jnp.asarray(2.0, y_pred.dtype)), axis=-1)


def _kl_divergence(y_true, y_pred):
    y_true, y_pred = _floats(y_true, y_pred)
    y_true, y_pred = jnp.clip(y_true, _EPSILON, 1), jnp.clip(y_pred, _EPSILON, 1)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def _poisson(y_true, y_pred):
    y_true, y_pred = _floats(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + jnp.asarray(_EPSILON, y_pred.dtype)), axis=-1)


def _squared_error(y_true, y_pred):
    y_true, y_pred = _same_rank(y_true.astype(jnp.float32), y_pred.astype(jnp.float32))
    return jnp.square(y_pred - y_true)


def _l2_normalize(x, axis):
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / _EPSILON)


def _cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _same_rank(*_floats(y_true, y_pred))
    return jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _pearson_correlation(y_true, y_pred, axis=-1):
    y_true, y_pred = _same_rank(*_floats(y_true, y_pred))
    y_true = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    y_true = y_true / jnp.std(y_true, axis=axis, keepdims=True)
    y_pred = y_pred / jnp.std(y_pred, axis=axis, keepdims=True)
    return jnp.mean(y_true * y_pred, axis=axis)


def _concordance_correlation(y_true, y_pred, axis=-1):
    y_true, y_pred = _same_rank(*_floats(y_true, y_pred))
    true_mean = jnp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = jnp.mean(y_pred, axis=axis, keepdims=True)
    true_var = jnp.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = jnp.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)  # Keras 3's formula, as it is
    norm = true_var + pred_var + jnp.square(true_mean - pred_mean)
    return jnp.mean(2 * covar / (norm + _EPSILON), axis=axis)


def _binary_accuracy_values(y_true, y_pred, threshold=0.5):
    """Keras 3's `binary_accuracy`: one match per element (no mean over the last axis)."""
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true, y_pred = _same_rank(y_true, y_pred)
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == y_pred).astype(jnp.float32)


def _categorical_accuracy_values(y_true, y_pred):
    y_true = jnp.argmax(y_true, axis=-1)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true = y_true.astype(y_pred.dtype)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(jnp.float32)
    return matches.reshape(shape) if reshape else matches


def _sparse_categorical_accuracy_values(y_true, y_pred):
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true = y_true.astype(y_pred.dtype)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(jnp.float32)
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = jnp.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """TF's `in_top_k`: a class is in the top k when fewer than k classes score strictly higher (ties
    straddling the boundary are all in); a non-finite score or a class out of range is not."""
    classes = predictions.shape[-1]
    valid = (targets >= 0) & (targets < classes)
    index = jnp.clip(targets, 0, classes - 1).astype(jnp.int32)
    score = jnp.take_along_axis(predictions, index[:, None], axis=-1)[:, 0]
    higher = jnp.sum(predictions > score[:, None], axis=-1)
    return valid & jnp.isfinite(score) & (higher < k)


def _top_k_values(y_true, y_pred, k=5):
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true = jnp.argmax(y_true.astype(y_pred.dtype), axis=-1)
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = _in_top_k(y_true.reshape(-1).astype(jnp.int32), y_pred, k).astype(jnp.float32)
    return matches.reshape(shape) if len(shape) > 1 else matches


def _sparse_top_k_values(y_true, y_pred, k=5, from_sorted_ids=False):
    if not jnp.issubdtype(y_pred.dtype, jnp.floating) and not from_sorted_ids:
        y_pred = y_pred.astype(jnp.float32)
    y_true = y_true.astype(y_pred.dtype if from_sorted_ids else jnp.int32)
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    y_true = y_true.reshape(-1)
    if from_sorted_ids:
        matches = jnp.any(y_true[:, None] == y_pred[:, :k], axis=1)
    else:
        matches = _in_top_k(y_true, y_pred, k)
    matches = matches.astype(jnp.float32)
    return matches.reshape(shape) if len(shape) > 1 else matches


def _binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                               from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    output = jnp.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
    bce = -(y_true * jnp.log(output) + (1 - y_true) * jnp.log(1 - output))
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def _categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                    label_smoothing=0.0, axis=-1):
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    output = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    output = jnp.clip(output, _EPSILON, 1.0 - _EPSILON)
    cce = -y_true * jnp.log(output)
    return jnp.sum(jnp.power(1.0 - output, gamma) * alpha * cce, axis=axis)


_FUNCTIONS = {
    "hinge": _hinge, "squared_hinge": _squared_hinge, "categorical_hinge": _categorical_hinge,
    "mean_absolute_percentage_error": _mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": _mean_squared_logarithmic_error, "log_cosh": _log_cosh,
    "kl_divergence": _kl_divergence, "poisson": _poisson, "pearson_correlation": _pearson_correlation,
    "concordance_correlation": _concordance_correlation, "binary_accuracy": _binary_accuracy_values,
    "categorical_accuracy": _categorical_accuracy_values,
    "sparse_categorical_accuracy": _sparse_categorical_accuracy_values,
    "top_k_categorical_accuracy": _top_k_values, "sparse_top_k_categorical_accuracy": _sparse_top_k_values,
    "binary_focal_crossentropy": _binary_focal_crossentropy,
    "categorical_focal_crossentropy": _categorical_focal_crossentropy,
}


def _metric_function(y_true, y_pred, *, function, options):
    return _FUNCTIONS[function](y_true, y_pred, **dict(options))


METRIC_FUNCTION = Op("KerasMetricFunction", _metric_function)


def _run_function(name, y_true, y_pred, **options):
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    return apply(METRIC_FUNCTION, [y_true, y_pred], (("function", name), ("options", tuple(sorted(options.items())))))


def hinge(y_true, y_pred):
    """The mean over the last axis of `max(1 - y_true * y_pred, 0)`; binary labels (0 or 1) become -1 or 1.

    Returns:
      A Tensor of shape `y_pred.shape[:-1]`.
    """
    return _run_function("hinge", y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """The mean over the last axis of `max(1 - y_true * y_pred, 0) ** 2` (binary labels become -1 or 1)."""
    return _run_function("squared_hinge", y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    return _run_function("categorical_hinge", y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|)` over the last axis."""
    return _run_function("mean_absolute_percentage_error", y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred):
    """The mean over the last axis of `(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2`."""
    return _run_function("mean_squared_logarithmic_error", y_true, y_pred)


def log_cosh(y_true, y_pred):
    """The mean over the last axis of `log(cosh(y_pred - y_true))`."""
    return _run_function("log_cosh", y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred))` over the last axis, both clipped to `[epsilon, 1]`."""
    return _run_function("kl_divergence", y_true, y_pred)


def poisson(y_true, y_pred):
    """The mean over the last axis of `y_pred - y_true * log(y_pred + epsilon)`."""
    return _run_function("poisson", y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """The Pearson correlation of `y_true` and `y_pred` along `axis`."""
    return _run_function("pearson_correlation", y_true, y_pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Keras 3's concordance correlation coefficient of `y_true` and `y_pred` along `axis`."""
    return _run_function("concordance_correlation", y_true, y_pred, axis=axis)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `y_pred > threshold` equals the binary label, else 0.0 (float32, per element)."""
    return _run_function("binary_accuracy", y_true, y_pred, threshold=float(threshold))


def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` equals the argmax of one-hot `y_true`, else 0.0."""
    return _run_function("categorical_accuracy", y_true, y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` equals the integer label `y_true`, else 0.0."""
    return _run_function("sparse_categorical_accuracy", y_true, y_pred)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the `k` highest scores of `y_pred` (TF's `in_top_k`)."""
    return _run_function("top_k_categorical_accuracy", y_true, y_pred, k=int(k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest scores (or the first `k` sorted ids)."""
    return _run_function("sparse_top_k_categorical_accuracy", y_true, y_pred, k=int(k),
                         from_sorted_ids=bool(from_sorted_ids))


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """The binary focal cross-entropy (Lin et al.), as Keras 3 computes it, averaged over `axis`."""
    return _run_function("binary_focal_crossentropy", y_true, y_pred, apply_class_balancing=bool(
        apply_class_balancing), alpha=float(alpha), gamma=float(gamma), from_logits=bool(from_logits),
        label_smoothing=float(label_smoothing), axis=int(axis))


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """The categorical focal cross-entropy, as Keras 3 computes it, summed over `axis`.

    Raises:
      ValueError: for a boolean `axis`.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    return _run_function("categorical_focal_crossentropy", y_true, y_pred, alpha=float(alpha), gamma=float(gamma),
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing), axis=int(axis))


# Keras' names: TF 2.21's tf.keras.metrics keeps tf.keras 2's short spellings
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
_FUNCTIONS_BY_NAME = {fn.__name__: fn for fn in (
    hinge, squared_hinge, categorical_hinge, mean_absolute_percentage_error, mean_squared_logarithmic_error, log_cosh,
    kl_divergence, poisson, pearson_correlation, concordance_correlation, binary_accuracy, categorical_accuracy,
    sparse_categorical_accuracy, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
    binary_focal_crossentropy, categorical_focal_crossentropy)}


def _mean_of(class_name, fn, default_name, direction, doc):
    """A MeanMetricWrapper of `fn` whose config is its name and dtype (Keras 3's plain wrappers)."""

    def __init__(self, name=default_name, dtype=None):
        MeanMetricWrapper.__init__(self, name=name, dtype=dtype)

    namespace = {"__init__": __init__, "_fn": _pure(fn), "__doc__": doc, "__module__": __name__}
    if direction:
        namespace["_direction"] = direction
    return type(class_name, (MeanMetricWrapper,), namespace)


Hinge = _mean_of("Hinge", _hinge, "hinge", "down", "The mean hinge loss (binary labels become -1 or 1).")
SquaredHinge = _mean_of("SquaredHinge", _squared_hinge, "squared_hinge", "down", "The mean squared hinge loss.")
CategoricalHinge = _mean_of("CategoricalHinge", _categorical_hinge, "categorical_hinge", "down",
                            "The mean categorical hinge loss.")
KLDivergence = _mean_of("KLDivergence", _kl_divergence, "kl_divergence", None,
                        "The mean Kullback-Leibler divergence of `y_pred` from `y_true`.")
Poisson = _mean_of("Poisson", _poisson, "poisson", None, "The mean Poisson loss.")
LogCoshError = _mean_of("LogCoshError", _log_cosh, "logcosh", "down", "The mean log-cosh error.")
MeanAbsolutePercentageError = _mean_of("MeanAbsolutePercentageError", _mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error", "down",
                                       "The mean absolute percentage error.")
MeanSquaredLogarithmicError = _mean_of("MeanSquaredLogarithmicError", _mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error", "down",
                                       "The mean squared logarithmic error.")


class RootMeanSquaredError(MeanMetricWrapper):
    """The square root of the (weighted) mean of `(y_pred - y_true) ** 2`."""

    _direction = "down"
    _fn = _pure(_squared_error)

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def result(self):
        return Tensor(jnp.sqrt(_divide_no_nan(self.total._read(), self.count._read())))


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity of `y_true` and `y_pred` along `axis` (Keras 3's config omits `axis`)."""

    _direction = "up"
    _fn = _pure(_cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean Pearson correlation of `y_true` and `y_pred` along `axis`."""

    _direction = "up"
    _fn = _pure(_pearson_correlation)

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ConcordanceCorrelation(PearsonCorrelation):
    """The mean concordance correlation coefficient of `y_true` and `y_pred` along `axis`."""

    _fn = _pure(_concordance_correlation)

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the `k` highest scores."""

    _direction = "up"
    _fn = _pure(_top_k_values)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` highest scores (or, with `from_sorted_ids`, among the
    first `k` ids of `y_pred`)."""

    _direction = "up"
    _fn = _pure(_sparse_top_k_values)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(name=name, dtype=dtype, k=k, from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids

    def get_config(self):
        config = {**super().get_config(), "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


# -- metrics with their own state (R2Score, F-scores, IoUs, sensitivity/specificity) -----------------------
def _state(metric):
    return [v._read() for v in metric._variables]


def _store(metric, values):
    for v, value in zip(metric._variables, values):
        v._write(value.astype(v._read().dtype))


@jax.jit
def _r2_update(num_samples, squared_sum, total, residual, count, y_true, y_pred, weight):
    weight = jnp.broadcast_to(weight, y_true.shape).astype(y_true.dtype)
    weighted = y_true * weight
    return (num_samples + y_true.size, squared_sum + jnp.sum(y_true * weighted, axis=0),
            total + jnp.sum(weighted, axis=0), residual + jnp.sum((y_true - y_pred) ** 2 * weight, axis=0),
            count + jnp.sum(weight, axis=0))


class R2Score(Metric):
    """The coefficient of determination of `(batch, outputs)` predictions, per output or averaged
    (`class_aggregation`), adjusted for `num_regressors` regressors.

    Raises:
      ValueError: for another `class_aggregation`, a negative `num_regressors`, or inputs that are not 2-D.
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={pred_shape} and y_true.shape={true_shape}.")
        classes = pred_shape[-1]
        # Keras' order of variables: num_samples, squared_sum, sum, residual, count
        self.squared_sum = self.add_variable(shape=(classes,), name="squared_sum")
        self.sum = self.add_variable(shape=(classes,), name="sum")
        self.total_mse = self.add_variable(shape=(classes,), name="residual")
        self.count = self.add_variable(shape=(classes,), name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(_array(y_true).astype(self._dtype._np), _array(y_pred).astype(self._dtype._np))
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        weight = jnp.ones((), self._dtype._np) if sample_weight is None else _array(sample_weight).astype(
            self._dtype._np)
        if weight.ndim == 1:
            weight = weight[:, None]
        _store(self, _r2_update(*_state(self), y_true, y_pred, weight))

    def result(self):
        if not self._built:
            raise ValueError("R2Score has no value before its first update_state (Keras 3 builds its "
                             "variables from the first batch's shapes).")
        total_sum, squared_sum, count = self.sum._read(), self.squared_sum._read(), self.count._read()
        mean = total_sum / count
        total = squared_sum - total_sum * mean
        raw = 1 - self.total_mse._read() / total
        raw = jnp.where(jnp.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(total * raw) / jnp.sum(total)
        else:
            score = raw
        if self.num_regressors != 0:
            n = float(self.num_samples._read())
            if self.num_regressors > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back "
                              "to standard R2 score.", stacklevel=2)
            elif self.num_regressors == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - float(self.num_regressors) - 1.0)
        return Tensor(jnp.asarray(score, self._dtype._np))

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), v.dtype._np))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


@functools.partial(jax.jit, static_argnames=("threshold", "axis"))
def _fbeta_update(tp, fp, fn, weights, y_true, y_pred, sample_weight, threshold, axis):
    if threshold is None:
        y_pred = (y_pred >= jnp.max(y_pred, axis=-1, keepdims=True)) & (jnp.abs(y_pred) > 1e-9)
    else:
        y_pred = y_pred > threshold
    y_pred = y_pred.astype(y_true.dtype)

    def total(value):
        if sample_weight is not None:
            value = value * sample_weight[:, None]
        return jnp.sum(value, axis=axis)
    return (tp + total(y_pred * y_true), fp + total(y_pred * (1 - y_true)), fn + total((1 - y_pred) * y_true),
            weights + total(y_true))


class FBetaScore(Metric):
    """The F-beta score of multi-label `(batch, classes)` predictions: per class (`average=None`), or
    `'micro'`, `'macro'` or `'weighted'` averaged; a prediction is positive above `threshold` (or, with
    None, where it is its row's maximum).

    Raises:
      ValueError: for another `average`, a `beta` that is not a positive float, a `threshold` that is not a
        float in (0, 1], or inputs that are not 2-D.
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"Invalid `average` argument value. Expected one of: {{None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} "
                             f"of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid `threshold` argument value. It should be a Python float. Received: "
                                 f"threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(f"FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={pred_shape} and y_true.shape={true_shape}.")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, name, self.add_variable(shape=shape, name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _array(y_true).astype(self._dtype._np), _array(y_pred).astype(self._dtype._np)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        weight = None if sample_weight is None else _array(sample_weight).astype(self._dtype._np)
        _store(self, _fbeta_update(*_state(self), y_true, y_pred, weight, threshold=self.threshold, axis=self.axis))

    def result(self):
        tp, fp, fn, weights = _state(self)
        precision = tp / (tp + fp + _EPSILON)
        recall = tp / (tp + fn + _EPSILON)
        beta2 = self.beta ** 2
        score = precision * recall / (beta2 * precision + recall + _EPSILON) * (1 + beta2)
        if self.average == "weighted":
            score = jnp.sum(score * (weights / (jnp.sum(weights) + _EPSILON)))
        elif self.average is not None:
            score = jnp.mean(score)
        return Tensor(score)

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), v.dtype._np))

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score (`FBetaScore` with `beta=1.0`)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


@functools.partial(jax.jit, static_argnames=("num_classes", "ignore_class"))
def _iou_update(total_cm, y_true, y_pred, weight, num_classes, ignore_class):
    y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    weight = jnp.broadcast_to(weight.reshape(-1) if weight.ndim > 1 else weight, y_true.shape)
    valid = (y_true >= 0) & (y_true < num_classes) & (y_pred >= 0) & (y_pred < num_classes)
    if ignore_class is not None:
        valid = valid & (y_true != ignore_class)
    y_true, y_pred = jnp.where(valid, y_true, 0), jnp.where(valid, y_pred, 0)
    weight = jnp.where(valid, weight, 0).astype(total_cm.dtype)
    cm = jnp.zeros((num_classes, num_classes), total_cm.dtype).at[y_true.astype(jnp.int32),
                                                                  y_pred.astype(jnp.int32)].add(weight)
    return total_cm + cm


class IoU(Metric):
    """The mean intersection-over-union of `target_class_ids`, from a confusion matrix of integer labels
    and predictions (or, with `sparse_y_true` / `sparse_y_pred` False, the argmax of one-hot ones along
    `axis`); the state is int64 unless `dtype` says otherwise, as Keras 3.

    Raises:
      ValueError: for a target class id outside `[0, num_classes)`.
    """

    _direction = "up"

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name or unique_name(_serialization.snake(type(self).__name__)), dtype=dtype or "int64")
        self.num_classes, self.ignore_class = num_classes, ignore_class
        self.sparse_y_true, self.sparse_y_pred, self.axis = sparse_y_true, sparse_y_pred, axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), name="total_confusion_matrix")
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _array(y_true), _array(y_pred)
        if not self.sparse_y_true:
            y_true = jnp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(y_pred, axis=self.axis)
        dtype = self._dtype._np
        if sample_weight is not None and "float" in str(_array(sample_weight).dtype) and "int" in self.dtype:
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may result in an incorrect "
                          "weight due to type casting Consider using integer weights.", stacklevel=2)
        weight = jnp.ones((), dtype) if sample_weight is None else _array(sample_weight).astype(dtype)
        self.total_cm._write(_iou_update(self.total_cm._read(), y_true.astype(dtype), y_pred.astype(dtype),
                                         weight, num_classes=self.num_classes, ignore_class=self.ignore_class))

    def result(self):
        cm = self.total_cm._read()
        true_positives = jnp.diag(cm).astype(jnp.float32)
        denominator = (jnp.sum(cm, axis=0) + jnp.sum(cm, axis=1)).astype(jnp.float32) - true_positives
        ids = np.asarray(self.target_class_ids, np.int32)
        true_positives, denominator = true_positives[ids], denominator[ids]
        valid = denominator > 1e-9
        iou = jnp.where(valid, true_positives / (denominator + _EPSILON), 0.0)
        return Tensor(jnp.sum(iou, axis=self.axis) / (jnp.sum(valid.astype(jnp.float32)) + _EPSILON))

    def reset_state(self):
        self.total_cm.assign(np.zeros(tuple(self.total_cm.shape), self.total_cm.dtype._np))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels and predictions thresholded at `threshold` (`>=`), for `target_class_ids`."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (_array(y_pred).astype(jnp.float32) >= self.threshold).astype(self._dtype._np)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)), name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU of one-hot labels (and scores, unless `sparse_y_pred`) for `target_class_ids`."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """Mean IoU of one-hot labels (and scores, unless `sparse_y_pred`) over all classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class _SensitivitySpecificity(Metric):
    """Confusion counts at `num_thresholds` evenly spaced thresholds (0 and 1 included), and the best of
    one rate where another reaches `value` (Keras 3's SensitivitySpecificityBase)."""

    _direction = "up"
    _argument = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._argument}` must be in the range [0, 1]. "
                             f"Received: {self._argument}={value}")
        super().__init__(name=name or unique_name(_serialization.snake(type(self).__name__)), dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds}")
        self.value, self.class_id, self.num_thresholds = value, class_id, num_thresholds
        setattr(self, self._argument, value)
        self.thresholds = [0.5] if num_thresholds == 1 else [0.0] + [
            (i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]
        for count in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, count, self.add_variable(shape=(len(self.thresholds),), name=count))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _array(y_true), _array(y_pred)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        tp, fp, tn, fn = _confusion_counts(y_true, y_pred, np.asarray(self.thresholds, np.float32),
                                           None if sample_weight is None else _array(sample_weight))
        for variable, count in zip((self.true_positives, self.false_positives, self.true_negatives,
                                    self.false_negatives), (tp, fp, tn, fn)):
            variable._write(variable._read() + count.astype(variable._read().dtype))

    def _rates(self):
        tp, fp, tn, fn = (v._read() for v in (self.true_positives, self.false_positives, self.true_negatives,
                                              self.false_negatives))
        return {"sensitivity": _divide_no_nan(tp, tp + fn), "specificity": _divide_no_nan(tn, tn + fp),
                "precision": _divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        constrained, dependent = rates[self._constrained], rates[self._dependent]
        return Tensor(jnp.max(jnp.where(constrained >= self.value, dependent, 0.0), initial=0.0))

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), v.dtype._np))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._argument: self.value}


class SensitivityAtSpecificity(_SensitivitySpecificity):
    """The best sensitivity (recall) at thresholds where the specificity is at least `specificity`."""

    _argument, _constrained, _dependent = "specificity", "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(_SensitivitySpecificity):
    """The best specificity at thresholds where the sensitivity is at least `sensitivity`."""

    _argument, _constrained, _dependent = "sensitivity", "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class PrecisionAtRecall(_SensitivitySpecificity):
    """The best precision at thresholds where the recall is at least `recall`."""

    _argument, _constrained, _dependent = "recall", "sensitivity", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class RecallAtPrecision(_SensitivitySpecificity):
    """The best recall at thresholds where the precision is at least `precision`."""

    _argument, _constrained, _dependent = "precision", "precision", "sensitivity"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)



_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score, AUC,
            FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
            SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives, ConcordanceCorrelation,
            PearsonCorrelation, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, F1Score, FBetaScore,
            IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU]
# Keras 3's ALL_OBJECTS_DICT: each class by its name and snake_case name, and the short names
_TABLE = {**_serialization.objects_dict(_CLASSES), "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
          "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
          "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
          "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError}


def serialize(metric):
    """Keras 3's config of a metric: `{'module': 'keras.metrics', 'class_name': ..., 'config': ...,
    'registered_name': None}`; a function is named by its `__name__`, as Keras serializes it."""
    if metric is None:
        return None
    if isinstance(metric, Metric):
        return _serialization.serialize(metric, "keras.metrics")
    if callable(metric) and hasattr(metric, "__name__"):
        return {"module": "builtins", "class_name": "function", "config": metric.__name__,
                "registered_name": "function"}
    raise TypeError(f"Cannot serialize {metric!r}: not a Keras metric or a function.")


def deserialize(config, custom_objects=None):
    """A metric from `serialize`'s dict (or a class name).

    Raises:
      ValueError: for a name or config Keras cannot interpret.
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        found = (custom_objects or {}).get(name) or _FUNCTIONS_BY_NAME.get(name)
        if found is None:
            raise ValueError(f"Could not interpret metric identifier: {config}")
        return found
    return _serialization.deserialize(config, _TABLE, "metric", custom_objects)


def get(identifier):
    """A metric from a name (a class's name or snake_case name, or Keras' short names), a config dict, or a
    Metric instance; a callable is wrapped in MeanMetricWrapper (what `compile` needs).

    Raises:
      ValueError: for an identifier Keras cannot interpret.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and (identifier in _BY_NAME or identifier in _TABLE):
        return (_BY_NAME.get(identifier) or _TABLE[identifier])()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
