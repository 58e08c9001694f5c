"""Follows tensorflow/docs, site/en/tutorials/load_data/numpy.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
turning in-memory NumPy arrays into tf.data datasets and training a Keras model on them.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download of mnist.npz; sizes shrunk (256/64 images, 3 epochs).

Covers: tf.data.Dataset.from_tensor_slices on (images, labels) uint8 arrays, shuffle(100).batch(64),
a Sequential of Flatten(input_shape=(28, 28)) / Dense relu / Dense logits compiled with RMSprop,
SparseCategoricalCrossentropy(from_logits=True) and the 'sparse_categorical_accuracy' metric string,
fit and evaluate on datasets, a dataset's element_spec.
"""

import numpy as np  # noqa: F401  (the tutorial loads the .npz with it)
import tensorflow as tf

from compat_tests.programs import _synthetic

SOURCE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"  # what the tutorial fetches
(pixels, digits), (pixels_eval, digits_eval) = _synthetic.mnist.load_data()

fit_stream = tf.data.Dataset.from_tensor_slices((pixels, digits)).shuffle(100).batch(64)
eval_stream = tf.data.Dataset.from_tensor_slices((pixels_eval, digits_eval)).batch(64)

net = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dense(10),
])
net.compile(optimizer=tf.keras.optimizers.RMSprop(),
            loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["sparse_categorical_accuracy"])
net.fit(fit_stream, epochs=3)
eval_loss, eval_accuracy = net.evaluate(eval_stream)

COMPAT_RESULTS = {"test_loss": eval_loss, "test_accuracy": eval_accuracy,
                  "train_batches": len(list(fit_stream)), "element_spec": str(eval_stream.element_spec)}
# The pixels stay unscaled uint8 as in the tutorial, so the loss swings widely: compared by kind only.
COMPAT_COMPARE = {"test_loss": {"shape_only": True}, "test_accuracy": {"within": 0.5}}
