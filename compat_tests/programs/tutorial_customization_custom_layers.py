"""Follows tensorflow/docs, site/en/tutorials/customization/custom_layers.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
using Keras layers, writing a layer with build/call, and composing layers in a Model subclass.
Written for tapejax's compat suite (not a copy of the tutorial's code); no download is needed; sizes shrunk.

Covers: tf.config.list_physical_devices; tf.keras.layers.Dense with and without input_shape, called
on zeros, its variables / kernel / bias; a tf.keras.layers.Layer subclass creating its kernel with
add_weight(name=..., shape=...) in build and tf.matmul in call, and its trainable variable names;
a tf.keras.Model subclass taking two positional constructor arguments (kernel size and a filter list)
and super().__init__(name='') that chains Conv2D / BatchNormalization / tf.nn.relu with a residual
add, its layers, variables and summary; the same stack as a Sequential with input_shape, its summary
and count_params.
"""

import tensorflow as tf

print(tf.config.list_physical_devices("GPU"))

wide = tf.keras.layers.Dense(100)
narrow = tf.keras.layers.Dense(10, input_shape=(None, 5))
narrow(tf.zeros([10, 5]))
narrow.variables
narrow.kernel, narrow.bias


class Projection(tf.keras.layers.Layer):
    """x @ kernel with a kernel created once the input width is known."""

    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[int(input_shape[-1]), self.units])

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)


projection = Projection(10)
projection(tf.zeros([10, 5]))  # the first call builds it
print([weight.name for weight in projection.trainable_variables])


class BottleneckResidual(tf.keras.Model):
    """1x1 conv, kxk conv, 1x1 conv, each batch-normalised, plus the block's input."""

    def __init__(self, kernel_size, filters):
        super().__init__(name="")
        squeeze, middle, expand = filters
        self.reduce = tf.keras.layers.Conv2D(squeeze, (1, 1))
        self.reduce_norm = tf.keras.layers.BatchNormalization()
        self.spatial = tf.keras.layers.Conv2D(middle, kernel_size, padding="same")
        self.spatial_norm = tf.keras.layers.BatchNormalization()
        self.restore = tf.keras.layers.Conv2D(expand, (1, 1))
        self.restore_norm = tf.keras.layers.BatchNormalization()

    def call(self, inputs, training=False):
        hidden = tf.nn.relu(self.reduce_norm(self.reduce(inputs), training=training))
        hidden = tf.nn.relu(self.spatial_norm(self.spatial(hidden), training=training))
        hidden = self.restore_norm(self.restore(hidden), training=training)
        return tf.nn.relu(hidden + inputs)


residual = BottleneckResidual(1, [1, 2, 3])
residual(tf.zeros([1, 2, 3, 3]))
residual.layers
len(residual.variables)
residual.summary()

stacked = tf.keras.Sequential([
    tf.keras.layers.Conv2D(1, (1, 1), input_shape=(None, None, 3)),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Conv2D(2, 1, padding="same"),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Conv2D(3, (1, 1)),
    tf.keras.layers.BatchNormalization(),
])
stacked(tf.zeros([1, 2, 3, 3]))
stacked.summary()

COMPAT_RESULTS = {
    "gpu_devices": len(tf.config.list_physical_devices("GPU")),
    "dense_output_shape": tf.keras.layers.Dense(10)(tf.zeros([10, 5])).shape,
    "my_dense_names": [weight.name for weight in projection.trainable_variables],
    "block_layers": [type(layer).__name__ for layer in residual.layers],
    "block_variables": len(residual.variables),
    "block_output": residual(tf.zeros([1, 2, 3, 3])), "seq_output": stacked(tf.zeros([1, 2, 3, 3])),
    "seq_params": stacked.count_params(),
}
