"""Keras 3's `CompileMetrics`: the one metric a compiled model holds for `compile(metrics=...,
weighted_metrics=...)`, so `model.metrics` is `[loss tracker, compile_metrics]` and
`model.metrics_names` is `['loss', 'compile_metrics']`; the compiled metrics themselves are
`model.metrics[1].metrics` once the first batch has built it (Keras 3 resolves `'accuracy'` and
the other names from that batch's shapes).

Measured on TF 2.21: the container exists from `compile` whenever `metrics` or `weighted_metrics`
is given (even `[]`), is unbuilt with no metrics until a `fit`/`evaluate`/`train_on_batch` step;
`metrics` are updated without the sample weights and `weighted_metrics` with them; `result()` is a
dict whose repeated names get `_1`, `_2`, ... (a weighted metric whose name is taken is
`weighted_<name>`), while the metric objects keep their names.
"""

from __future__ import annotations

from tapejax.keras import _metrics as metrics_module
from tapejax.keras._layer import _leaves

__all__ = ["CompileMetrics"]


def _metric(spec, y_true, y_pred):
    """Keras 3's `get_metric`: `'accuracy'`/`'acc'` by the shapes, a name names the metric."""
    if str(spec).lower() in ("accuracy", "acc"):
        t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
        binary = p_shape[-1] == 1
        sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
        cls = (metrics_module.BinaryAccuracy if binary else
               metrics_module.SparseCategoricalAccuracy if sparse else
               metrics_module.CategoricalAccuracy)
        metric = cls()
    else:
        metric = metrics_module.get(spec)
    if isinstance(spec, str):
        metric.name = spec
    return metric


def _specs(specs):
    if not specs:
        return []
    if isinstance(specs, dict):
        return [s for v in specs.values() for s in _leaves(v)]
    return [s for s in _leaves(list(specs))]


class CompileMetrics(metrics_module.Metric):
    """The metrics of `compile(metrics=..., weighted_metrics=...)` as one metric.

    Args:
      metrics: a list (or dict) of metrics or names, updated without sample weights.
      weighted_metrics: the same, updated with the sample weights.

    Raises:
      ValueError: for `metrics` or `weighted_metrics` that is not a list, tuple or dict.
    """

    def __init__(self, metrics, weighted_metrics, name="compile_metric", output_names=None):
        super().__init__(name=name)
        if metrics and not isinstance(metrics, (list, tuple, dict)):
            raise ValueError(f"Expected `metrics` argument to be a list, tuple, or dict. Received "
                             f"instead: metrics={metrics} of type {type(metrics)}")
        if weighted_metrics and not isinstance(weighted_metrics, (list, tuple, dict)):
            raise ValueError(f"Expected `weighted_metrics` argument to be a list, tuple, or dict. "
                             f"Received instead: weighted_metrics={weighted_metrics} of type "
                             f"{type(weighted_metrics)}")
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self._flat_metrics, self._flat_weighted_metrics = [], []
        self.built = False
        self.name = "compile_metrics"
        self.output_names = output_names

    @property
    def metrics(self):
        """The compiled metrics (unweighted, then weighted); empty until built."""
        if not self.built:
            return []
        return self._flat_metrics + self._flat_weighted_metrics

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true, y_pred):
        """Makes the metrics from their names for these targets and predictions."""
        y_t, y_p = _leaves(y_true)[0], _leaves(y_pred)[0]
        self._flat_metrics = [_metric(s, y_t, y_p) for s in _specs(self._user_metrics)]
        self._flat_weighted_metrics = [_metric(s, y_t, y_p)
                                       for s in _specs(self._user_weighted_metrics)]
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        for m in self._flat_metrics:
            m.update_state(y_true, y_pred)
        for m in self._flat_weighted_metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    reset_states = reset_state

    def result(self):
        """`{name: result}` of every compiled metric, with Keras 3's unique names.

        Raises:
          ValueError: before the container is built.
        """
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results, counters = {}, {}
        for m in self._flat_metrics:
            name = m.name
            if name in counters:
                counters[name] += 1
                name = f"{name}_{counters[name] - 1}"
            else:
                counters[name] = 1
            results[name] = m.result()
        for m in self._flat_weighted_metrics:
            name = m.name
            if name in counters:
                name = f"weighted_{m.name}"
                if name in counters:
                    counters[name] += 1
                    name = f"{name}_{counters[name] - 1}"
                else:
                    counters[name] = 1
            else:
                counters[name] = 1
            results[name] = m.result()
        return results

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        raise NotImplementedError
