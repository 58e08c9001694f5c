"""Keras' confusion-matrix metrics (tutorials/structured_data/imbalanced_data compiles with them)."""

import numpy as np


def _config(metric):
    # TF's tracking wraps a list attribute as a TrackedList; the values are what is compared
    return sorted((k, list(v) if isinstance(v, (list, tuple)) else v) for k, v in metric.get_config().items())

Y = np.array([[1], [0], [1], [0], [1]], np.float32)
P = np.array([[0.8], [0.5], [0.4], [0.1], [0.5]], np.float32)
W = np.array([1.0, 2.0, 3.0, 0.5, 1.0], np.float32)


def test_count_metrics_at_one_and_several_thresholds(compare):
    def program(tf):
        tf.keras.backend.clear_session()  # unnamed metrics are numbered (true_positives_1)
        out = []
        for cls in (tf.keras.metrics.TruePositives, tf.keras.metrics.FalsePositives,
                    tf.keras.metrics.TrueNegatives, tf.keras.metrics.FalseNegatives):
            one, several = cls(), cls(thresholds=[0.3, 0.5, 0.7])
            one.update_state(Y, P)
            several.update_state(Y, P, sample_weight=W)
            several.update_state(Y[:2], P[:2])
            out.append((one.name, [v.name for v in one.variables], float(one.result()),
                        np.asarray(several.result()), _config(several)))
        return out
    compare(program)


def test_precision_and_recall_with_weights_thresholds_and_reset(compare):
    def program(tf):
        tf.keras.backend.clear_session()
        precision, recall = tf.keras.metrics.Precision(), tf.keras.metrics.Recall(thresholds=[0.45, 0.6])
        precision.update_state(Y, P, sample_weight=W)
        recall.update_state(Y.ravel(), P.ravel())
        first = (precision.result(), np.asarray(recall.result()))
        empty = tf.keras.metrics.Precision()
        precision.reset_state()
        return (first, precision.result(), empty.result(), [v.name for v in recall.variables],
                _config(precision), _config(recall))
    compare(program)


def test_a_threshold_outside_0_1_raises_value_error(compare):
    def program(tf):
        return tf.keras.metrics.Precision(thresholds=1.5)
    compare(program, raises="ValueError")


def test_compile_and_fit_report_confusion_metrics(compare):
    def program(tf):
        tf.keras.utils.set_random_seed(1)
        model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1, activation="sigmoid",
                                                                               kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="binary_crossentropy",
                      metrics=[tf.keras.metrics.TruePositives(name="tp"), tf.keras.metrics.Precision(name="precision"),
                               tf.keras.metrics.Recall(name="recall")])
        history = model.fit(P * 4 - 2, Y, epochs=2, batch_size=5, verbose=0, shuffle=False)
        return {k: np.asarray(v) for k, v in sorted(history.history.items())}
    compare(program, rtol=1e-5)


PROBS = np.array([0.9, 0.1, 0.35, 0.8, 0.65, 0.2, 0.55, 0.4], np.float32)
LABELS = np.array([1, 0, 1, 1, 0, 0, 1, 0], np.float32)


def test_auc_roc_and_pr_with_every_summation_method(compare):
    def program(tf):
        tf.keras.backend.clear_session()
        out = []
        for kwargs in ({}, {"curve": "PR"}, {"summation_method": "minoring"}, {"curve": "PR", "summation_method": "majoring"},
                       {"num_thresholds": 7}, {"thresholds": [0.3, 0.5, 0.7]}):
            metric = tf.keras.metrics.AUC(**kwargs)
            metric.update_state(LABELS, PROBS)
            metric.update_state(LABELS[:4], PROBS[:4], sample_weight=np.array([1.0, 2.0, 0.5, 1.0], np.float32))
            out.append((metric.name, float(metric.result()), _config(metric)))
        logits = tf.keras.metrics.AUC(from_logits=True, name="auc_logits")
        logits.update_state(LABELS, np.log(PROBS / (1 - PROBS)))
        out.append(float(logits.result()))
        return out
    compare(program, rtol=1e-5)


def test_auc_bad_arguments_raise_value_error(compare):
    def program(tf):
        return tf.keras.metrics.AUC(num_thresholds=1)
    compare(program, raises="ValueError")
