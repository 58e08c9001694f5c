"""Follows tensorflow/docs, site/en/tutorials/distribute/keras.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
distributed training with Keras Model.fit under tf.distribute.MirroredStrategy, with callbacks,
weight checkpoints, and saving/reloading the model with and without the strategy.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic MNIST from
_synthetic.py replaces tensorflow_datasets; sizes shrunk (256/64 images, 4 epochs, smaller layers);
TensorBoard's notebook magics and `!ls` are left out (the checkpoint folder is listed in Python).

Covers: MirroredStrategy and num_replicas_in_sync; a global batch of BATCH_SIZE_PER_REPLICA *
num_replicas_in_sync; a tf.data map (cast and scale) / cache / shuffle / batch pipeline; a Conv2D /
MaxPooling2D / Flatten / Dense Sequential with input_shape built and compiled in strategy.scope() with
SparseCategoricalCrossentropy(from_logits=True), Adam and accuracy; the TensorBoard, ModelCheckpoint
(save_weights_only, epoch-formatted .weights.h5 names), LearningRateScheduler callbacks and a custom
callback printing the learning rate; fit; load_weights of the latest checkpoint and evaluate;
model.save to .keras; load_model outside the scope and inside it, compiled and evaluated.
"""

import os
import pathlib

import numpy as np
import tensorflow as tf

from compat_tests.programs import _synthetic

print(tf.__version__)

(train_images, train_labels), (test_images, test_labels) = _synthetic.mnist.load_data()
mnist_train = tf.data.Dataset.from_tensor_slices((train_images[..., None], train_labels.astype(np.int64)))
mnist_test = tf.data.Dataset.from_tensor_slices((test_images[..., None], test_labels.astype(np.int64)))

strategy = tf.distribute.MirroredStrategy()
print("Number of devices: {}".format(strategy.num_replicas_in_sync))

num_train_examples = len(train_images)
BUFFER_SIZE = 1000
BATCH_SIZE_PER_REPLICA = 64
BATCH_SIZE = BATCH_SIZE_PER_REPLICA * strategy.num_replicas_in_sync


def normalise(image, label):
    """Pixel values from [0, 255] to [0, 1]."""
    return tf.cast(image, tf.float32) / 255, label


train_dataset = mnist_train.map(normalise).cache().shuffle(BUFFER_SIZE).batch(BATCH_SIZE)
eval_dataset = mnist_test.map(normalise).batch(BATCH_SIZE)

with strategy.scope():
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, 3, activation="relu", input_shape=(28, 28, 1)),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(10),
    ])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"])

checkpoint_dir = "./training_checkpoints"
checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt_{epoch:04d}.weights.h5")


def learning_rate_for(epoch):
    """A step decay: 1e-3 for the first epochs, then 1e-4, then 1e-5."""
    if epoch < 2:
        return 1e-3
    if epoch < 3:
        return 1e-4
    return 1e-5


printed_rates = []


class ShowLearningRate(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        rate = model.optimizer.learning_rate.numpy()
        printed_rates.append(float(rate))
        print("\nLearning rate for epoch {} is {}".format(epoch + 1, rate))


callbacks = [
    tf.keras.callbacks.TensorBoard(log_dir="./logs"),
    tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_prefix, save_weights_only=True),
    tf.keras.callbacks.LearningRateScheduler(learning_rate_for),
    ShowLearningRate(),
]

EPOCHS = 4
history = model.fit(train_dataset, epochs=EPOCHS, callbacks=callbacks, verbose=0)

checkpoints = sorted(os.listdir(checkpoint_dir))
print(checkpoints)
latest_checkpoint = sorted(pathlib.Path(checkpoint_dir).glob("*"))[-1]
model.load_weights(latest_checkpoint)
eval_loss, eval_acc = model.evaluate(eval_dataset, verbose=0)
print("Eval loss: {}, Eval accuracy: {}".format(eval_loss, eval_acc))

path = "my_model.keras"
model.save(path)

unreplicated_model = tf.keras.models.load_model(path)
unreplicated_model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                           optimizer=tf.keras.optimizers.Adam(), metrics=["accuracy"])
unreplicated_loss, unreplicated_acc = unreplicated_model.evaluate(eval_dataset, verbose=0)
print("Eval loss: {}, Eval Accuracy: {}".format(unreplicated_loss, unreplicated_acc))

with strategy.scope():
    replicated_model = tf.keras.models.load_model(path)
    replicated_model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                             optimizer=tf.keras.optimizers.Adam(), metrics=["accuracy"])
    replicated_loss, replicated_acc = replicated_model.evaluate(eval_dataset, verbose=0)
    print("Eval loss: {}, Eval Accuracy: {}".format(replicated_loss, replicated_acc))

COMPAT_RESULTS = {"replicas": strategy.num_replicas_in_sync, "checkpoints": checkpoints,
                  "learning_rates": printed_rates, "train_loss": history.history["loss"][-1],
                  "eval_loss": eval_loss, "eval_accuracy": eval_acc,
                  "reload_matches": [unreplicated_loss == eval_loss, replicated_loss == eval_loss,
                                     unreplicated_acc == eval_acc, replicated_acc == eval_acc]}
# Initial weights differ between frameworks: training outcomes are compared with bounds.
COMPAT_COMPARE = {"learning_rates": {"rtol": 1e-6}, "train_loss": {"within": 1.0}, "eval_loss": {"within": 1.0},
                  "eval_accuracy": {"within": 0.5}}
