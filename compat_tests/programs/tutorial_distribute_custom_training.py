"""Follows tensorflow/docs, site/en/tutorials/distribute/custom_training.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
a custom training loop run through tf.distribute.MirroredStrategy on Fashion MNIST, with checkpoints.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 2 epochs, 4 steps per epoch in the iterator loop).

Covers: tf.distribute.MirroredStrategy and num_replicas_in_sync; experimental_distribute_dataset;
a Conv2D / MaxPooling2D / Dense Sequential with tf.keras.regularizers.L2 kernel regularisers, built
under strategy.scope() with Adam and a tf.train.Checkpoint; SparseCategoricalCrossentropy with
reduction=tf.keras.losses.Reduction.NONE, tf.nn.compute_average_loss and
tf.nn.scale_regularization_loss(tf.add_n(model.losses)); Mean / SparseCategoricalAccuracy metrics
created in the scope; strategy.run and strategy.reduce(tf.distribute.ReduceOp.SUM, axis=None) inside
tf.function; checkpoint.save and restoring into a fresh model outside the strategy; stepping an
iterator of the distributed dataset; a whole epoch looped inside one tf.function.
"""

import os

import numpy as np
import tensorflow as tf

from compat_tests.programs import _synthetic

print(tf.__version__)

(train_x, train_y), (test_x, test_y) = _synthetic.fashion_mnist.load_data()
train_x = train_x[..., None] / np.float32(255)  # channel axis for the convolutions, scale to [0, 1]
test_x = test_x[..., None] / np.float32(255)

mirrored = tf.distribute.MirroredStrategy()
print("replicas:", mirrored.num_replicas_in_sync)

PER_REPLICA_BATCH = 64
GLOBAL_BATCH = PER_REPLICA_BATCH * mirrored.num_replicas_in_sync
EPOCHS = 2

train_batches = tf.data.Dataset.from_tensor_slices((train_x, train_y)).shuffle(len(train_x)).batch(GLOBAL_BATCH)
test_batches = tf.data.Dataset.from_tensor_slices((test_x, test_y)).batch(GLOBAL_BATCH)
train_distributed = mirrored.experimental_distribute_dataset(train_batches)
test_distributed = mirrored.experimental_distribute_dataset(test_batches)


def build_classifier():
    """Two conv/pool stages and two dense layers, every kernel lightly L2-regularised."""
    penalty = tf.keras.regularizers.L2(1e-5)
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(32, 3, activation="relu", kernel_regularizer=penalty),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Conv2D(64, 3, activation="relu", kernel_regularizer=penalty),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(64, activation="relu", kernel_regularizer=penalty),
        tf.keras.layers.Dense(10, kernel_regularizer=penalty),
    ])


ckpt_dir = "./training_checkpoints"
ckpt_prefix = os.path.join(ckpt_dir, "ckpt")

with mirrored.scope():
    # Per-example losses: the averaging over the global batch is done by hand below.
    per_example_xent = tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=tf.keras.losses.Reduction.NONE)

    def replica_loss(labels, logits, extra_losses):
        total = tf.nn.compute_average_loss(per_example_xent(labels, logits))
        if extra_losses:
            total += tf.nn.scale_regularization_loss(tf.add_n(extra_losses))
        return total

    held_out_loss = tf.keras.metrics.Mean(name="test_loss")
    fit_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    held_out_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="test_accuracy")
    classifier = build_classifier()
    adam = tf.keras.optimizers.Adam(learning_rate=0.001)
    ckpt = tf.train.Checkpoint(optimizer=adam, model=classifier)


def replica_train(batch):
    images, labels = batch
    with tf.GradientTape() as tape:
        logits = classifier(images, training=True)
        loss = replica_loss(labels, logits, classifier.losses)
    adam.apply_gradients(zip(tape.gradient(loss, classifier.trainable_variables), classifier.trainable_variables))
    fit_accuracy.update_state(labels, logits)
    return loss


def replica_test(batch):
    images, labels = batch
    logits = classifier(images, training=False)
    held_out_loss.update_state(per_example_xent(labels, logits))
    held_out_accuracy.update_state(labels, logits)


@tf.function
def train_on_all_replicas(batch):
    losses = mirrored.run(replica_train, args=(batch,))
    return mirrored.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)


@tf.function
def test_on_all_replicas(batch):
    return mirrored.run(replica_test, args=(batch,))


for epoch in range(EPOCHS):
    loss_sum, steps = 0.0, 0
    for batch in train_distributed:
        loss_sum += train_on_all_replicas(batch)
        steps += 1
    train_loss = loss_sum / steps
    for batch in test_distributed:
        test_on_all_replicas(batch)
    if epoch % 2 == 0:
        ckpt.save(ckpt_prefix)
    print(f"epoch {epoch + 1}: loss {train_loss}, accuracy {fit_accuracy.result() * 100}, "
          f"test loss {held_out_loss.result()}, test accuracy {held_out_accuracy.result() * 100}")
    for metric in (held_out_loss, fit_accuracy, held_out_accuracy):
        metric.reset_state()

# ---- restore the checkpoint into a model built without the strategy ----
restored_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="eval_accuracy")
fresh_classifier = build_classifier()
fresh_adam = tf.keras.optimizers.Adam()
plain_test_batches = tf.data.Dataset.from_tensor_slices((test_x, test_y)).batch(GLOBAL_BATCH)


@tf.function
def evaluate_batch(images, labels):
    restored_accuracy(labels, fresh_classifier(images, training=False))


restoring = tf.train.Checkpoint(optimizer=fresh_adam, model=fresh_classifier)
restoring.restore(tf.train.latest_checkpoint(ckpt_dir))
for images, labels in plain_test_batches:
    evaluate_batch(images, labels)
print("accuracy of the restored model:", restored_accuracy.result() * 100)

# ---- driving the distributed dataset through an explicit iterator ----
for _ in range(EPOCHS):
    loss_sum, steps = 0.0, 0
    batches = iter(train_distributed)
    for _ in range(4):
        loss_sum += train_on_all_replicas(next(batches))
        steps += 1
    iterator_loss = loss_sum / steps
    print(f"epoch {epoch + 1}: loss {iterator_loss}, accuracy {fit_accuracy.result() * 100}")
    fit_accuracy.reset_state()


# ---- a whole epoch inside one tf.function ----
@tf.function
def train_whole_epoch(dataset):
    loss_sum, steps = 0.0, 0
    for batch in dataset:
        loss_sum += mirrored.reduce(tf.distribute.ReduceOp.SUM, mirrored.run(replica_train, args=(batch,)), axis=None)
        steps += 1
    return loss_sum / tf.cast(steps, dtype=tf.float32)


for epoch in range(EPOCHS):
    train_loss = train_whole_epoch(train_distributed)
    print(f"epoch {epoch + 1}: loss {train_loss}, accuracy {fit_accuracy.result() * 100}")
    fit_accuracy.reset_state()

COMPAT_RESULTS = {"replicas": mirrored.num_replicas_in_sync, "train_loss": train_loss,
                  "eval_accuracy": restored_accuracy.result(), "average_train_loss": iterator_loss,
                  "checkpoint": tf.train.latest_checkpoint(ckpt_dir)}
# Initial weights differ between frameworks: training outcomes are compared with bounds.
COMPAT_COMPARE = {"train_loss": {"within": 1.0}, "eval_accuracy": {"within": 0.5},
                  "average_train_loss": {"within": 1.0}}
