"""A metric updated with a training step's deferred output runs inside that step's program."""

import numpy as np
import pytest

import tapejax as tf
from tapejax import _lazy


def _step_and_metric(metric_name, weighted=False):
    rs = np.random.RandomState(0)
    w = tf.Variable(rs.randn(5, 3).astype(np.float32))
    x = tf.constant(rs.randn(8, 5).astype(np.float32))
    y = tf.constant(rs.randint(0, 3, 8).astype(np.int32))
    sample_weight = tf.constant(rs.rand(8).astype(np.float32)) if weighted else None
    metric = getattr(tf.keras.metrics, metric_name)()
    optimizer = tf.keras.optimizers.SGD(0.1)

    def step():
        with tf.GradientTape() as tape:
            logits = tf.matmul(x, w)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        if metric_name == "Mean":
            metric.update_state(loss, sample_weight=None if sample_weight is None else sample_weight[0])
        else:
            metric.update_state(y, logits, sample_weight=sample_weight)
        return loss

    return step, metric


@pytest.mark.parametrize("metric_name", ["SparseCategoricalAccuracy", "Mean", "SparseCategoricalCrossentropy"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_a_deferred_metric_update_equals_the_eager_one(metric_name, weighted, monkeypatch):
    step, metric = _step_and_metric(metric_name, weighted)
    deferred = [float(step()) for _ in range(3)]
    result = float(metric.result())
    monkeypatch.setattr(_lazy, "ENABLED", False)
    step, metric = _step_and_metric(metric_name, weighted)
    eager = [float(step()) for _ in range(3)]
    np.testing.assert_allclose(deferred, eager, rtol=1e-6)
    np.testing.assert_allclose(result, float(metric.result()), rtol=1e-6)


def test_the_metric_update_runs_in_the_steps_program():
    step, metric = _step_and_metric("SparseCategoricalAccuracy")
    float(step())
    calls = _lazy.calls["force"]
    loss = step()
    assert type(metric.total._stored) is _lazy.Pending  # pending until the step's program runs
    float(loss)
    assert _lazy.calls["force"] == calls + 1
    assert type(metric.total._stored) is not _lazy.Pending or metric.total._stored.node.results is not None


def test_two_updates_in_one_step_and_a_reset_after_a_pending_update():
    step, metric = _step_and_metric("Mean")
    loss = step()
    metric.update_state(loss)  # a second update of the same metric before anything ran
    value = float(loss)
    assert float(metric.count) == 2.0
    np.testing.assert_allclose(float(metric.result()), value, rtol=1e-6)
    step()
    metric.reset_state()
    assert (float(metric.total), float(metric.count)) == (0.0, 0.0)
