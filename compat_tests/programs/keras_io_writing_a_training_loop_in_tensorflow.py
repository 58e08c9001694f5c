"""Follows keras-team/keras-io, guides/writing_a_custom_training_loop_in_tensorflow.py (commit 1806537c4333fbff1f9fd038b78179beeda480fb):
training a Keras model with a hand-written loop over tf.data batches, metrics and tf.function (the
parts before the guide's GAN, which keras_io_custom_train_step_in_tensorflow already covers).
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256 images, the last 64 held out, 1 epoch per loop).

Covers: KERAS_BACKEND=tensorflow; a functional 784-64-64-10 keras.Model; keras.optimizers.Adam and
SparseCategoricalCrossentropy(from_logits=True); tf.data.Dataset.from_tensor_slices with shuffle/batch;
an eager loop of tf.GradientTape, tape.gradient over trainable_weights and optimizer.apply;
SparseCategoricalAccuracy update_state / result / reset_state for training and validation;
the same step as tf.function train/test steps; a layer calling add_loss, and a step adding
sum(model.losses).
"""

import os
import time

os.environ["KERAS_BACKEND"] = "tensorflow"  # the guide is written for the TF backend

import keras
import numpy as np
import tensorflow as tf

from compat_tests.programs import _synthetic

BATCH = 32
HELD_OUT = 64


def digit_classifier():
    """784 pixels -> two relu layers of 64 -> 10 logits."""
    pixels = keras.Input(shape=(784,), name="digits")
    hidden = keras.layers.Dense(64, activation="relu")(pixels)
    hidden = keras.layers.Dense(64, activation="relu")(hidden)
    return keras.Model(inputs=pixels, outputs=keras.layers.Dense(10, name="predictions")(hidden))


(images, labels), _ = _synthetic.mnist.load_data()
images = images.reshape(-1, 784)  # the guide keeps the raw uint8 pixel scale
fit_images, fit_labels = images[:-HELD_OUT], labels[:-HELD_OUT]
check_images, check_labels = images[-HELD_OUT:], labels[-HELD_OUT:]
train_batches = tf.data.Dataset.from_tensor_slices((fit_images, fit_labels)).shuffle(buffer_size=1024).batch(BATCH)
check_batches = tf.data.Dataset.from_tensor_slices((check_images, check_labels)).batch(BATCH)


def report(step, loss):
    if step % 100 == 0:
        print(f"step {step}: batch loss {float(loss):.4f}, {(step + 1) * BATCH} examples seen")


# ---- 1. the plainest loop: forward under a tape, gradients, apply ----
net = digit_classifier()
adam = keras.optimizers.Adam(learning_rate=1e-3)
xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
for epoch in range(1):
    print(f"epoch {epoch}")
    for step, (batch_x, batch_y) in enumerate(train_batches):
        with tf.GradientTape() as tape:
            batch_loss = xent(batch_y, net(batch_x, training=True))
        adam.apply(tape.gradient(batch_loss, net.trainable_weights), net.trainable_weights)
        report(step, batch_loss)
first_loop_loss = float(batch_loss)

# ---- 2. the same loop with training and validation accuracy ----
net = digit_classifier()
adam = keras.optimizers.Adam(learning_rate=1e-3)
xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
fit_accuracy = keras.metrics.SparseCategoricalAccuracy()
check_accuracy = keras.metrics.SparseCategoricalAccuracy()


def close_epoch(started):
    """Prints and resets both accuracies; returns (train accuracy, validation accuracy)."""
    seen = fit_accuracy.result()
    fit_accuracy.reset_state()
    held = check_accuracy.result()
    check_accuracy.reset_state()
    print(f"train accuracy {float(seen):.4f}, validation accuracy {float(held):.4f}")
    print(f"epoch took {time.time() - started:.2f}s")
    return seen, held


for epoch in range(1):
    print(f"epoch {epoch}")
    started = time.time()
    for step, (batch_x, batch_y) in enumerate(train_batches):
        with tf.GradientTape() as tape:
            batch_logits = net(batch_x, training=True)
            batch_loss = xent(batch_y, batch_logits)
        adam.apply(tape.gradient(batch_loss, net.trainable_weights), net.trainable_weights)
        fit_accuracy.update_state(batch_y, batch_logits)
        report(step, batch_loss)
    for batch_x, batch_y in check_batches:
        check_accuracy.update_state(batch_y, net(batch_x, training=False))
    train_acc, val_acc = close_epoch(started)


# ---- 3. the steps compiled with tf.function ----
@tf.function
def fitting_step(batch_x, batch_y):
    with tf.GradientTape() as tape:
        batch_logits = net(batch_x, training=True)
        batch_loss = xent(batch_y, batch_logits)
    adam.apply(tape.gradient(batch_loss, net.trainable_weights), net.trainable_weights)
    fit_accuracy.update_state(batch_y, batch_logits)
    return batch_loss


@tf.function
def checking_step(batch_x, batch_y):
    check_accuracy.update_state(batch_y, net(batch_x, training=False))


for epoch in range(1):
    print(f"epoch {epoch}")
    started = time.time()
    for step, (batch_x, batch_y) in enumerate(train_batches):
        report(step, fitting_step(batch_x, batch_y))
    for batch_x, batch_y in check_batches:
        checking_step(batch_x, batch_y)
    train_acc, val_acc = close_epoch(started)


# ---- 4. losses a layer adds during the forward pass ----
class PenaliseActivations(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * tf.reduce_sum(inputs))
        return inputs


pixels = keras.Input(shape=(784,), name="digits")
hidden = keras.layers.Dense(64, activation="relu")(pixels)
hidden = PenaliseActivations()(hidden)
hidden = keras.layers.Dense(64, activation="relu")(hidden)
net = keras.Model(inputs=pixels, outputs=keras.layers.Dense(10, name="predictions")(hidden))


@tf.function
def fitting_step(batch_x, batch_y):
    with tf.GradientTape() as tape:
        batch_logits = net(batch_x, training=True)
        batch_loss = xent(batch_y, batch_logits) + sum(net.losses)
    adam.apply(tape.gradient(batch_loss, net.trainable_weights), net.trainable_weights)
    fit_accuracy.update_state(batch_y, batch_logits)
    return batch_loss


net(fit_images[:2].astype("float32"))  # one call so that the layer's loss is collected
COMPAT_RESULTS = {"first_loop_loss": first_loop_loss, "train_acc": train_acc, "val_acc": val_acc,
                  "n_losses": len(net.losses), "optimizer_steps": int(adam.iterations)}
# Initial weights differ and the pixels are unscaled (losses of 10-30 after one epoch): loose bounds.
COMPAT_COMPARE = {"first_loop_loss": {"above": 0.0}, "train_acc": {"within": 0.5}, "val_acc": {"within": 0.5}}
