"""Follows keras-team/keras-io, examples/keras_recipes/subclassing_conv_layers.py (commit 12d96f9887792509a1f84dc3b70505ba97bb0890):
customising a Conv2D's convolution through `Conv.convolution_op()`: a standardized convolution
written once by overriding `convolution_op` and once by calling it from `call`, both used as
drop-in Conv2D layers of an MNIST classifier.
Written for tapejax's compat suite (not a copy of the example's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk (256/64 images, 5 -> 2 epochs).

Covers: subclassing layers.Conv2D, overriding convolution_op(inputs, kernel) with tf.nn.moments
(axes=[0, 1, 2], keepdims=True) and tf.nn.conv2d(padding="VALID", strides=list(self.strides),
name=...), calling self.convolution_op from an overridden call with self.kernel / self.use_bias /
self.bias, keras.layers.InputLayer(input_shape=...), keras.utils.to_categorical, summary, compile
with categorical_crossentropy / adam / accuracy, fit(validation_split=0.1), evaluate.
"""

import numpy as np
import tensorflow as tf
import tensorflow.keras as keras
import keras.layers as layers

from compat_tests.programs import _synthetic

print(keras.__version__)


class StandardizedConv2DWithOverride(layers.Conv2D):
    """A Conv2D whose kernel is standardised (zero mean, unit variance over the receptive field and
    input channels) inside its own convolution op."""

    def convolution_op(self, inputs, kernel):
        mean, var = tf.nn.moments(kernel, axes=[0, 1, 2], keepdims=True)
        standardized = (kernel - mean) / tf.sqrt(var + 1e-10)
        return tf.nn.conv2d(inputs, standardized, padding="VALID", strides=list(self.strides),
                            name=self.__class__.__name__)


class StandardizedConv2DWithCall(layers.Conv2D):
    """The same standardisation done in `call`, which then uses the layer's own convolution_op."""

    def call(self, inputs):
        mean, var = tf.nn.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / tf.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


num_classes = 10
input_shape = (28, 28, 1)

(x_train, y_train), (x_test, y_test) = _synthetic.mnist.load_data()
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential([
    keras.layers.InputLayer(input_shape=input_shape),
    StandardizedConv2DWithCall(32, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    StandardizedConv2DWithOverride(64, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(num_classes, activation="softmax"),
])
model.summary()

# The standardised convolutions on fixed kernels (set to known values): the call path (first
# layer) and the override path (second one) must each equal a hand-written standardisation.
with_call, with_override = model.layers[0], model.layers[2]
probe = x_test[:2]
fixed_kernel = np.linspace(-1.0, 1.0, num=np.prod(with_call.kernel.shape), dtype="float32").reshape(
    with_call.kernel.shape)
with_call.kernel.assign(fixed_kernel)
call_out = with_call(probe)
standardized = (fixed_kernel - fixed_kernel.mean(axis=(0, 1, 2), keepdims=True)) / np.sqrt(
    fixed_kernel.var(axis=(0, 1, 2), keepdims=True) + 1e-10)
by_hand = tf.nn.relu(tf.nn.conv2d(probe, standardized, strides=1, padding="VALID") + with_call.bias)

features = np.random.default_rng(0).normal(size=(2, 13, 13, 32)).astype("float32")
fixed_kernel = np.cos(np.arange(np.prod(with_override.kernel.shape), dtype="float32")).reshape(
    with_override.kernel.shape)
with_override.kernel.assign(fixed_kernel)
override_out = with_override(features)
standardized = (fixed_kernel - fixed_kernel.mean(axis=(0, 1, 2), keepdims=True)) / np.sqrt(
    fixed_kernel.var(axis=(0, 1, 2), keepdims=True) + 1e-10)
override_by_hand = tf.nn.relu(tf.nn.conv2d(features, standardized, strides=1, padding="VALID")
                              + with_override.bias)

batch_size = 128
epochs = 2
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print("test loss", test_loss, "test accuracy", test_accuracy)

COMPAT_RESULTS = {
    "x_train_shape": x_train.shape, "params": model.count_params(),
    "output_shape": tuple(model.output_shape),
    "call_out": call_out, "by_hand": by_hand,
    "override_out": override_out, "override_by_hand": override_by_hand,
    "history_keys": sorted(history.history), "epochs_run": len(history.history["loss"]),
    "test_loss": test_loss, "test_accuracy": test_accuracy,
}
# The fixed-kernel outputs are deterministic; training starts from random weights (different
# draws per framework) and dropout, so its outcome is compared with bounds.
COMPAT_COMPARE = {"call_out": {"rtol": 1e-4, "atol": 1e-4}, "by_hand": {"rtol": 1e-4, "atol": 1e-4},
                  "override_out": {"rtol": 1e-4, "atol": 1e-4}, "override_by_hand": {"rtol": 1e-4, "atol": 1e-4},
                  "test_loss": {"below": 2.5}, "test_accuracy": {"above": 0.3}}
