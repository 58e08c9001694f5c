"""Follows tensorflow/docs, site/en/tutorials/quickstart/beginner.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
the beginners' quickstart: a Sequential MNIST classifier built, checked untrained, fitted and evaluated.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 3 epochs).

Covers: tf.keras.models.Sequential of Flatten(input_shape=(28, 28)) / Dense relu / Dropout / Dense
logits; calling it on one image and .numpy(); tf.nn.softmax; SparseCategoricalCrossentropy
(from_logits=True) on the untrained logits; compile with adam / accuracy; fit; evaluate(verbose=2);
a Sequential of the trained model and tf.keras.layers.Softmax, called on a few images.
"""

import tensorflow as tf

from compat_tests.programs import _synthetic

print("TF version:", tf.__version__)

(fit_x, fit_y), (eval_x, eval_y) = _synthetic.mnist.load_data()
fit_x, eval_x = fit_x / 255.0, eval_x / 255.0

net = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10),
])

untrained_logits = net(fit_x[:1]).numpy()
tf.nn.softmax(untrained_logits).numpy()
xent = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
xent(fit_y[:1], untrained_logits).numpy()  # about -log(1/10) before training

net.compile(optimizer="adam", loss=xent, metrics=["accuracy"])
net.fit(fit_x, fit_y, epochs=3)
eval_loss, eval_accuracy = net.evaluate(eval_x, eval_y, verbose=2)

as_probabilities = tf.keras.Sequential([net, tf.keras.layers.Softmax()])
as_probabilities(eval_x[:5])

COMPAT_RESULTS = {
    "version": tf.__version__, "predictions_shape": untrained_logits.shape,
    "initial_loss": xent(fit_y[:1], untrained_logits).numpy(),
    "test_loss": eval_loss, "test_accuracy": eval_accuracy,
    "probabilities_sum": tf.reduce_sum(as_probabilities(eval_x[:5]), axis=1),
}
# Random initial weights differ between frameworks: the untrained loss is near log(10), training learns.
COMPAT_COMPARE = {"initial_loss": {"within": 2.0}, "test_loss": {"below": 0.5, "within": 0.3},
                  "test_accuracy": {"above": 0.9, "within": 0.1}, "probabilities_sum": {"atol": 1e-5}}
