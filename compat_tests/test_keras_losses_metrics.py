"""Keras losses (values, reductions, sample weights, gradients) and metrics (update/result/reset)
on TF/Keras 3 and on tapejax."""

import numpy as np
import pytest

RS = np.random.RandomState(21)
LOGITS = RS.randn(6, 4).astype(np.float32) * 2
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
LABELS = np.array([0, 3, 1, 1, 2, 3], np.int32)
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]
REG_PRED = RS.randn(6, 3).astype(np.float32)
REG_TRUE = RS.randn(6, 3).astype(np.float32)
BIN_TRUE = (RS.rand(6, 3) > 0.5).astype(np.float32)
BIN_PROB = RS.rand(6, 3).astype(np.float32)
WEIGHTS = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0], np.float32)

CASES = {
    "mse": ("MeanSquaredError", {}, REG_TRUE, REG_PRED),
    "mae": ("MeanAbsoluteError", {}, REG_TRUE, REG_PRED),
    "huber": ("Huber", {"delta": 0.7}, REG_TRUE, REG_PRED * 2),
    "bce_probs": ("BinaryCrossentropy", {}, BIN_TRUE, BIN_PROB),
    "bce_logits": ("BinaryCrossentropy", {"from_logits": True}, BIN_TRUE, REG_PRED * 3),
    "bce_smoothing": ("BinaryCrossentropy", {"label_smoothing": 0.2}, BIN_TRUE, BIN_PROB),
    "cce_probs": ("CategoricalCrossentropy", {}, ONE_HOT, PROBS),
    "cce_logits": ("CategoricalCrossentropy", {"from_logits": True}, ONE_HOT, LOGITS),
    "cce_smoothing": ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
                      ONE_HOT, LOGITS),
    "scce_probs": ("SparseCategoricalCrossentropy", {}, LABELS, PROBS),
    "scce_logits": ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS, LOGITS),
    "scce_logits_column_labels": ("SparseCategoricalCrossentropy", {"from_logits": True},
                                  LABELS[:, None], LOGITS),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
def test_loss_values_and_gradient(compare, case, reduction):
    cls, kwargs, y_true, y_pred = CASES[case]

    def program(tf):
        loss_fn = getattr(tf.keras.losses, cls)(reduction=reduction, **kwargs)
        pred = tf.constant(y_pred)
        with tf.GradientTape() as tape:
            tape.watch(pred)
            loss = loss_fn(y_true, pred)
            total = tf.reduce_sum(loss * loss)
        return loss, tape.gradient(total, pred)
    compare(program, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["mse", "bce_logits", "cce_probs", "scce_logits", "huber"])
def test_loss_with_sample_weight(compare, case):
    cls, kwargs, y_true, y_pred = CASES[case]

    def program(tf):
        out = []
        for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", "none"):
            loss_fn = getattr(tf.keras.losses, cls)(reduction=reduction, **kwargs)
            out.append(loss_fn(y_true, tf.constant(y_pred), sample_weight=WEIGHTS))
        return out
    compare(program, rtol=1e-5, atol=1e-6)


def test_loss_functions(compare):
    def program(tf):
        losses = tf.keras.losses
        return (losses.mse(REG_TRUE, REG_PRED), losses.MSE(REG_TRUE, REG_PRED),
                losses.mae(REG_TRUE, REG_PRED), losses.huber(REG_TRUE, REG_PRED),
                losses.binary_crossentropy(BIN_TRUE, BIN_PROB),
                losses.categorical_crossentropy(ONE_HOT, LOGITS, from_logits=True),
                losses.sparse_categorical_crossentropy(LABELS, PROBS))
    compare(program, rtol=1e-5, atol=1e-6)


def test_loss_defaults_and_names(compare):
    def program(tf):
        losses = tf.keras.losses
        objs = [losses.MeanSquaredError(), losses.SparseCategoricalCrossentropy(),
                losses.BinaryCrossentropy(), losses.Huber(), losses.CategoricalCrossentropy()]
        return [(o.name, o.reduction) for o in objs]
    compare(program)


def test_invalid_reduction_raises(compare):
    compare(lambda tf: tf.keras.losses.MeanSquaredError(reduction="avg"), messages=False, raises="ValueError")


def test_mse_of_column_prediction_against_flat_labels(compare):
    def program(tf):
        return tf.keras.losses.MeanSquaredError()(REG_TRUE[:, 0], REG_PRED[:, :1])
    compare(program, rtol=1e-6)


def test_mean_metric(compare):
    def program(tf):
        m = tf.keras.metrics.Mean()
        m.update_state([1.0, 2.0, 3.0])
        first = m.result()
        m.update_state([4.0, 5.0], sample_weight=[0.5, 2.0])
        second = m.result()
        m.reset_state()
        return first, second, m.result(), m.name, [v.numpy() for v in m.variables]
    compare(program, rtol=1e-6)


@pytest.mark.parametrize("cls,y_true,y_pred", [
    ("SparseCategoricalAccuracy", LABELS, LOGITS),
    ("SparseCategoricalAccuracy", LABELS[:, None].astype(np.float32), PROBS),
    ("CategoricalAccuracy", ONE_HOT, PROBS),
    ("BinaryAccuracy", BIN_TRUE, BIN_PROB),
])
def test_accuracy_metrics(compare, cls, y_true, y_pred):
    def program(tf):
        m = getattr(tf.keras.metrics, cls)()
        m.update_state(y_true[:4], y_pred[:4])
        first = m.result()
        m.update_state(y_true[4:], y_pred[4:])
        second = m.result()
        weighted = getattr(tf.keras.metrics, cls)()
        weighted.update_state(y_true, y_pred, sample_weight=WEIGHTS)
        called = getattr(tf.keras.metrics, cls)()(y_true, y_pred)
        m.reset_state()
        return first, second, weighted.result(), called, m.result(), m.name
    compare(program, rtol=1e-6)


def test_binary_accuracy_threshold(compare):
    def program(tf):
        m = tf.keras.metrics.BinaryAccuracy(threshold=0.3)
        m.update_state(BIN_TRUE, BIN_PROB)
        return m.result()
    compare(program, rtol=1e-6)


def test_metric_inside_function(compare):
    def program(tf):
        m = tf.keras.metrics.SparseCategoricalAccuracy()

        @tf.function
        def update(y, logits):
            m.update_state(y, logits)
            return m.result()

        out = [update(tf.constant(LABELS[i:i + 2]), tf.constant(LOGITS[i:i + 2]))
               for i in range(0, 6, 2)]
        return out, m.result()
    compare(program, rtol=1e-6)
