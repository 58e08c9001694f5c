"""Keras' cross-entropy metrics (tutorials/keras/overfit_and_underfit compiles with them)."""

import numpy as np

Y = np.array([[1.0], [0.0], [1.0]], np.float32)
P = np.array([[0.8], [0.3], [0.4]], np.float32)
LOGITS = np.array([[2.0], [-1.0], [0.5]], np.float32)
ONE_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
PROBS = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], np.float32)


def test_binary_crossentropy_metric_values_weights_and_config(compare):
    def program(tf):
        plain = tf.keras.metrics.BinaryCrossentropy()
        plain.update_state(Y, P)
        logits = tf.keras.metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
        logits.update_state(Y, LOGITS)
        weighted = tf.keras.metrics.BinaryCrossentropy(name="bce")
        weighted.update_state(Y, P, sample_weight=np.array([1.0, 0.0, 2.0], np.float32))
        return (plain.result(), logits.result(), weighted.result(), plain.name, weighted.name,
                sorted(logits.get_config().items()))
    compare(program, rtol=1e-5)


def test_categorical_crossentropy_metric(compare):
    def program(tf):
        metric = tf.keras.metrics.CategoricalCrossentropy()
        metric.update_state(ONE_HOT, PROBS)
        smoothed = tf.keras.metrics.CategoricalCrossentropy(label_smoothing=0.2)
        smoothed.update_state(ONE_HOT, PROBS)
        return metric.result(), smoothed.result(), sorted(metric.get_config().items())
    compare(program, rtol=1e-5)


def test_compile_takes_crossentropy_metrics_by_name_and_by_object(compare):
    def program(tf):
        tf.keras.utils.set_random_seed(1)
        model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tf.keras.metrics.BinaryCrossentropy(from_logits=True, name="bce"),
                               "binary_crossentropy"])
        history = model.fit(LOGITS, Y, epochs=1, batch_size=3, verbose=0, shuffle=False)
        return sorted(history.history), history.history["bce"]
    compare(program, rtol=1e-5)
