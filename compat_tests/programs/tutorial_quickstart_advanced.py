"""Follows tensorflow/docs, site/en/tutorials/quickstart/advanced.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
the experts' quickstart: a subclassed Keras model trained on MNIST with tf.function train/test steps.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 2 epochs).

Covers: `from tensorflow.keras.layers import Dense, Flatten, Conv2D` and `from tensorflow.keras import
Model`; adding a channel axis with tf.newaxis; tf.data from_tensor_slices / shuffle / batch; a Model
subclass (Conv2D relu, Flatten, Dense relu, Dense logits) with call; SparseCategoricalCrossentropy
(from_logits=True) and Adam; Mean / SparseCategoricalAccuracy metrics called directly and
reset_state each epoch; @tf.function steps with tf.GradientTape and apply_gradients.
"""

import tensorflow as tf
from tensorflow.keras import Model
from tensorflow.keras.layers import Conv2D, Dense, Flatten

from compat_tests.programs import _synthetic

print("TF version:", tf.__version__)

(fit_x, fit_y), (eval_x, eval_y) = _synthetic.mnist.load_data()
fit_x = (fit_x / 255.0)[..., tf.newaxis].astype("float32")
eval_x = (eval_x / 255.0)[..., tf.newaxis].astype("float32")
fit_stream = tf.data.Dataset.from_tensor_slices((fit_x, fit_y)).shuffle(10000).batch(32)
eval_stream = tf.data.Dataset.from_tensor_slices((eval_x, eval_y)).batch(32)


class DigitNet(Model):
    def __init__(self):
        super().__init__()
        self.features = Conv2D(32, 3, activation="relu")
        self.flat = Flatten()
        self.hidden = Dense(128, activation="relu")
        self.logits = Dense(10)

    def call(self, images):
        return self.logits(self.hidden(self.flat(self.features(images))))


net = DigitNet()
xent = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
adam = tf.keras.optimizers.Adam()
fit_loss = tf.keras.metrics.Mean(name="train_loss")
fit_acc = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
eval_loss = tf.keras.metrics.Mean(name="test_loss")
eval_acc = tf.keras.metrics.SparseCategoricalAccuracy(name="test_accuracy")


@tf.function
def learn(images, labels):
    with tf.GradientTape() as tape:
        logits = net(images, training=True)
        loss = xent(labels, logits)
    adam.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
    fit_loss(loss)
    fit_acc(labels, logits)


@tf.function
def check(images, labels):
    logits = net(images, training=False)
    eval_loss(xent(labels, logits))
    eval_acc(labels, logits)


for epoch in range(2):
    for metric in (fit_loss, fit_acc, eval_loss, eval_acc):
        metric.reset_state()  # each epoch reports only its own batches
    for images, labels in fit_stream:
        learn(images, labels)
    for images, labels in eval_stream:
        check(images, labels)
    print(f"epoch {epoch + 1}: loss {fit_loss.result():0.2f}, accuracy {fit_acc.result() * 100:0.2f}, "
          f"test loss {eval_loss.result():0.2f}, test accuracy {eval_acc.result() * 100:0.2f}")

COMPAT_RESULTS = {
    "version": tf.__version__,
    "train_loss": fit_loss.result(), "train_accuracy": fit_acc.result(),
    "test_loss": eval_loss.result(), "test_accuracy": eval_acc.result(),
}
# Random initial weights differ between frameworks: the outcome is compared with bounds.
COMPAT_COMPARE = {"train_loss": {"below": 1.0, "within": 0.5}, "train_accuracy": {"above": 0.7, "within": 0.2},
                  "test_loss": {"below": 0.5, "within": 0.3}, "test_accuracy": {"above": 0.9, "within": 0.1}}
