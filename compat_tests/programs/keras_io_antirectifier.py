"""Follows keras-team/keras-io, examples/keras_recipes/antirectifier.py (commit 2dd71c68bd2a1ebbe588f3571571abcb16d96c27):
a custom Keras layer (centre, split into positive and negative parts, project back) trained on MNIST.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 3 epochs).

Covers: a layers.Layer subclass with keras.initializers.get, add_weight in build, tf.reduce_mean /
tf.nn.relu / tf.concat / tf.matmul in call, get_config with keras.initializers.serialize; a
Sequential of Dense / the custom layer / Dropout; compile with SparseCategoricalCrossentropy(from_logits)
and RMSprop and SparseCategoricalAccuracy; fit with validation_split; evaluate; count_params.
"""

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic


class SignSplitProjection(layers.Layer):
    """Subtracts the feature mean, stacks relu(x) and relu(-x), and maps them back to the input width."""

    def __init__(self, initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        width = input_shape[-1]
        self.kernel = self.add_weight(shape=(2 * width, width), initializer=self.initializer,
                                      name="kernel", trainable=True)

    def call(self, inputs):
        centred = inputs - tf.reduce_mean(inputs, axis=-1, keepdims=True)
        both_signs = tf.concat([tf.nn.relu(centred), tf.nn.relu(-centred)], axis=-1)
        return tf.matmul(both_signs, self.kernel)

    def get_config(self):
        config = super().get_config()
        config["initializer"] = keras.initializers.serialize(self.initializer)
        return config


(train_images, train_labels), (test_images, test_labels) = _synthetic.mnist.load_data()
train_flat = train_images.reshape(-1, 28 * 28).astype("float32") / 255
test_flat = test_images.reshape(-1, 28 * 28).astype("float32") / 255
print(len(train_flat), "training images,", len(test_flat), "test images")

classifier = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(256),
    SignSplitProjection(),
    layers.Dense(256),
    SignSplitProjection(),
    layers.Dropout(0.5),
    layers.Dense(10),
])
classifier.compile(
    optimizer=keras.optimizers.RMSprop(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
classifier.fit(train_flat, train_labels, batch_size=128, epochs=3, validation_split=0.15)
test_loss, test_accuracy = classifier.evaluate(test_flat, test_labels)

COMPAT_RESULTS = {"test_loss": test_loss, "test_accuracy": test_accuracy,
                  "params": classifier.count_params(),
                  "config_initializer": classifier.layers[1].get_config()["initializer"]["class_name"]}
# Random initial weights and dropout differ between frameworks: the outcome is compared with bounds.
# Three epochs from a random start end anywhere between chance and good accuracy (TF measured loss
# 1.0-3.9) on either framework, so the outcome is compared by kind and shape; the parameter count and
# the serialized initializer are compared exactly.
COMPAT_COMPARE = {"test_loss": {"shape_only": True}, "test_accuracy": {"shape_only": True}}
