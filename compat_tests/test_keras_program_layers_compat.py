"""Keras 3 layer behaviours public programs hit: `Conv2D.convolution_op` (the convolution without
bias or activation, and the hook a subclass overrides to change what `call` convolves with: keras-io's
subclassing_conv_layers), and `Concatenate` promoting mixed dtypes (keras-io's structured data
classification)."""

import numpy as np

X = np.random.RandomState(3).randn(2, 6, 6, 3).astype(np.float32)
KERNEL = np.random.RandomState(4).randn(3, 3, 3, 4).astype(np.float32)
BIAS = np.linspace(-1.0, 1.0, 4).astype(np.float32)


def test_convolution_op_is_the_convolution_without_bias_or_activation(compare):
    def program(tf):
        layer = tf.keras.layers.Conv2D(4, 3, activation="relu")
        layer(X)
        layer.set_weights([KERNEL, BIAS])
        return layer.convolution_op(tf.constant(X), layer.kernel), layer(X)
    compare(program)


def test_a_subclass_overriding_convolution_op_changes_what_call_computes(compare):
    def program(tf):
        class StandardizedConv2D(tf.keras.layers.Conv2D):
            def convolution_op(self, inputs, kernel):
                mean, var = tf.nn.moments(kernel, axes=[0, 1, 2], keepdims=True)
                return tf.nn.conv2d(inputs, (kernel - mean) / tf.sqrt(var + 1e-10), padding="VALID",
                                    strides=list(self.strides), name=self.__class__.__name__)

        layer = StandardizedConv2D(4, 3, activation="tanh")
        layer(X)
        layer.set_weights([KERNEL, BIAS])
        with tf.GradientTape() as tape:
            y = layer(X)
            loss = tf.reduce_sum(y ** 2)
        return y, tape.gradient(loss, layer.trainable_weights)
    # the kernel's gradient goes through 1/sqrt(variance) of 27 values: float32 sums in another
    # order differ by a few ulps there (outputs agree to 1e-6)
    compare(program, rtol=1e-4, atol=1e-5)


def test_concatenate_promotes_mixed_dtypes_as_keras_ops_does(compare):
    def program(tf):
        ints, floats = tf.constant([[1], [2]], tf.int64), tf.constant([[0.5], [1.5]])
        inputs = {"a": tf.keras.Input((1,), dtype="int64"), "b": tf.keras.Input((1,))}
        model = tf.keras.Model(inputs, tf.keras.layers.concatenate(list(inputs.values())))
        return (tf.keras.layers.Concatenate()([ints, floats]), tf.keras.layers.Concatenate()([ints, ints]),
                model({"a": ints, "b": floats}))
    compare(program)
