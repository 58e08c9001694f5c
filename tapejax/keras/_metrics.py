"""Keras metrics: stateful accumulators (`update_state`, `result`, `reset_state`) whose state lives
in tapejax Variables, so they work eagerly and inside `tapejax.function`. Each update is one jitted
call on the variables' values (metrics are not differentiated, so nothing records on tapes).

An eager update of a deferred value (the logits or loss of a training step whose program has not
run yet, see `_lazy`) is itself deferred, as a pending write of the metric's variables: it runs
inside the step's program instead of forcing that program and compiling one more of its own."""

from __future__ import annotations

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _context, _dtypes, _lazy
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import VariableAggregation, VariableSynchronization
from tapejax.keras import _kernels
from tapejax.keras._operation import unique_name
from tapejax.keras._variables import KerasVariable

# Keras 3's metric-variable aggregation names
_AGGREGATIONS = {"none": VariableAggregation.NONE, "sum": VariableAggregation.SUM, "mean": VariableAggregation.MEAN,
                 "only_first_replica": VariableAggregation.ONLY_FIRST_REPLICA}

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "SparseCategoricalAccuracy",
           "CategoricalAccuracy", "BinaryAccuracy", "MeanSquaredError", "MeanAbsoluteError",
           "SparseCategoricalCrossentropy", "BinaryCrossentropy", "CategoricalCrossentropy", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision", "Recall", "AUC", "get"]


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
    if not _lazy.ENABLED or _context.current.read_hook is not None or _context.current.recording:
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


def get(identifier):
    """A metric from a name or a Metric instance (a callable is wrapped in MeanMetricWrapper)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
