"""Keras 3's `CompileMetrics`: the one metric a compiled model holds for `compile(metrics=...,
weighted_metrics=...)`, so `model.metrics` is `[loss tracker, compile_metrics, <per-output loss
trackers>]` and `model.metrics_names` is `['loss', 'compile_metrics', ...]`; the compiled metrics
themselves are `model.metrics[1].metrics` once the first batch has built it (Keras 3 resolves
`'accuracy'` and the other names from that batch's shapes).

Measured on TF 2.21: the container exists from `compile` whenever `metrics` or `weighted_metrics`
is given (even `[]`), is unbuilt with no metrics until a `fit`/`evaluate`/`train_on_batch` step;
`metrics` are updated without the sample weights and `weighted_metrics` with them; `result()` is a
dict whose repeated names get `_1`, `_2`, ... (a weighted metric whose name is taken is
`weighted_<name>`), while the metric objects keep their names. For a model of several outputs the
metrics are a list (one entry, a metric or a list of them, per output) or a dict by output name,
and their results are named `<output_name>_<metric name>` (a dict output's key for its name); a
single sample weight array weights every output.
"""

from __future__ import annotations

import collections

from tapejax.keras import _metrics as metrics_module
from tapejax.keras._compile_losses import (
    flatten,
    is_nested,
    lists_to_tuples,
    map_structure,
    map_structure_up_to,
    pack_sequence_as,
)

__all__ = ["CompileMetrics", "MetricsList", "get_metric"]


def get_metric(identifier, y_true, y_pred):
    """Keras 3's `get_metric`: `'accuracy'`/`'acc'` by the shapes, a name names the metric, a
    function becomes a `MeanMetricWrapper` named after it.

    Raises:
      ValueError: for None or an unknown identifier.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
        binary = p_shape[-1] == 1
        sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
        cls = (metrics_module.BinaryAccuracy if binary else
               metrics_module.SparseCategoricalAccuracy if sparse else
               metrics_module.CategoricalAccuracy)
        metric = cls()
    else:
        metric = metrics_module.get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


class MetricsList(metrics_module.Metric):
    """The metrics of one output (`output_name` prefixes their result names)."""

    def __init__(self, metrics, name="metrics_list", output_name=None):
        super().__init__(name=name)
        self.metrics = metrics
        self.output_name = output_name

    def update_state(self, y_true, y_pred, sample_weight=None):
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        raise NotImplementedError


def _metrics_list(metrics, y_true, y_pred, output_name=None):
    if metrics is None:
        return None
    if isinstance(metrics, (list, tuple)):
        return MetricsList([get_metric(m, y_true, y_pred) for m in metrics], output_name=output_name)
    return MetricsList([get_metric(metrics, y_true, y_pred)], output_name=output_name)


class CompileMetrics(metrics_module.Metric):
    """The metrics of `compile(metrics=..., weighted_metrics=...)` as one metric.

    Args:
      metrics: a list (or dict) of metrics or names, updated without sample weights; for several
        outputs, one entry per output (a list) or per output name (a dict).
      weighted_metrics: the same, updated with the sample weights.
      output_names: the model's output names (a functional model's `output_names`).

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
        self._resolved_output_names = None
        self.built = False
        self.name = "compile_metrics"
        self.output_names = output_names

    @property
    def metrics(self):
        """The compiled metrics (unweighted, then weighted, output by output); empty until built."""
        if not self.built:
            return []
        return [m for mls in self._flat_metrics + self._flat_weighted_metrics if mls
                for m in mls.metrics]

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true, y_pred):
        """Makes the metrics from their names for these targets and predictions.

        Raises:
          ValueError: for metrics that match neither the outputs nor their names.
        """
        num_outputs = len(flatten(y_pred))
        flat = is_nested(y_pred) and len(y_pred) == num_outputs
        if flat and isinstance(y_pred, dict):
            if self.output_names and set(y_pred) == set(self.output_names):
                output_names = self.output_names
            elif isinstance(y_pred, collections.OrderedDict):
                output_names = list(y_pred)
            else:
                output_names = sorted(y_pred)
        else:
            output_names = self.output_names
        self._resolved_output_names = output_names if num_outputs > 1 and flat else None
        self._flat_metrics = self._build_set(self._user_metrics, num_outputs, output_names, y_true,
                                             y_pred, flat, "metrics")
        self._flat_weighted_metrics = self._build_set(self._user_weighted_metrics, num_outputs,
                                                      output_names, y_true, y_pred, flat,
                                                      "weighted_metrics")
        self.built = True

    def _build_set(self, metrics, num_outputs, output_names, y_true, y_pred, flat, argument):
        if not metrics:
            return [None] * num_outputs
        if num_outputs == 1:  # every metric is the output's (no output name)
            return [_metrics_list(flatten(metrics), flatten(y_true)[0], flatten(y_pred)[0])]
        flat_metrics = None
        if flat:
            if isinstance(metrics, (list, tuple)) and len(metrics) == num_outputs:
                flat_metrics = metrics
            elif (output_names and isinstance(metrics, dict) and len(metrics) <= num_outputs
                  and set(metrics) <= set(output_names)):
                flat_metrics = [metrics.get(name) for name in output_names]
        if flat_metrics is not None:
            try:
                return [_metrics_list(m, yt, yp, n) for m, yt, yp, n in zip(
                    flat_metrics, self._flatten_y(y_true), self._flatten_y(y_pred),
                    output_names if output_names else [None] * num_outputs)]
            except ValueError as e:
                raise ValueError(f"{e}\nReceived: {argument}={metrics}") from e
        try:  # a nested structure: `metrics` has the structure of `y_pred` (and so has `y_true`)
            tuples_y_pred = lists_to_tuples(y_pred)
            names = pack_sequence_as(tuples_y_pred, output_names if output_names
                                     else [None] * num_outputs)
            return flatten(map_structure_up_to(tuples_y_pred, _metrics_list,
                                               lists_to_tuples(metrics), lists_to_tuples(y_true),
                                               tuples_y_pred, names))
        except (ValueError, TypeError) as e:
            structure = map_structure(lambda _: "X", y_pred)
            names = (f"either be a dict or a list matching the output names of the functional "
                     f"model {self.output_names} or " if self.output_names else "")
            raise ValueError(f"{e}\nInvalid `{argument}`. "
                             f"`{argument}` should contain metrics objects and {names}match the "
                             f"output structure of the model: {structure}.\nReceived: "
                             f"{argument}={metrics}") from e

    def _flatten_y(self, y):
        if isinstance(y, dict) and self._resolved_output_names is not None:
            return [y[name] for name in self._resolved_output_names]
        return flatten(y)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        y_true, y_pred = self._flatten_y(y_true), self._flatten_y(y_pred)
        for m, y_t, y_p in zip(self._flat_metrics, y_true, y_pred):
            if m:
                m.update_state(y_t, y_p)
        if sample_weight is not None:
            sample_weight = self._flatten_y(sample_weight)
            if len(sample_weight) < len(y_true):  # one sample weight for every output
                sample_weight = [sample_weight[0] for _ in y_true]
        else:
            sample_weight = [None] * len(y_true)
        for m, y_t, y_p, s_w in zip(self._flat_weighted_metrics, y_true, y_pred, sample_weight):
            if m:
                m.update_state(y_t, y_p, s_w)

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

        def unique(name):
            index = counters.get(name, 0)
            counters[name] = index + 1
            return name if index == 0 else f"{name}_{index}"
        for mls in self._flat_metrics:
            for m in (mls.metrics if mls else []):
                prefix = f"{mls.output_name}_" if mls.output_name else ""
                results[unique(prefix + m.name)] = m.result()
        for mls in self._flat_weighted_metrics:
            for m in (mls.metrics if mls else []):
                prefix = f"{mls.output_name}_" if mls.output_name else ""
                name = prefix + m.name
                if name in counters:
                    name = unique(f"{prefix}weighted_{m.name}")
                else:
                    counters[name] = 1
                results[name] = m.result()
        return results

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        raise NotImplementedError

