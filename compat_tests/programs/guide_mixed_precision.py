"""Follows tensorflow/docs, site/en/guide/mixed_precision.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
training a Keras model under the 'mixed_float16' policy and the float16 range limits.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download (256/64 MNIST-shaped examples); sizes shrunk. The guide's custom
loop with LossScaleOptimizer.get_scaled_loss is left out: Keras 3 in TF 2.21 has no get_scaled_loss.
Keras 3 dtypes are strings, so `.dtype` is read where the guide reads `.dtype.name`.

Covers: tensorflow.keras.mixed_precision.Policy and set_global_policy (object and string); the
policy's compute/variable dtypes; a functional model whose Dense layers compute in float16 with
float32 kernels (dtype_policy); a softmax Dense output versus a float32 Activation('softmax') head
and a float32 linear Activation; compile with sparse_categorical_crossentropy/RMSprop/accuracy,
get_weights, fit(batch_size=8192, epochs=5, validation_split=0.2), evaluate; float16 overflow and
underflow.
"""

import tensorflow as tf
from compat_tests.programs import _synthetic
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras import mixed_precision

half_policy = mixed_precision.Policy("mixed_float16")
mixed_precision.set_global_policy(half_policy)
mixed_precision.set_global_policy("mixed_float16")
print("compute:", half_policy.compute_dtype, "variables:", half_policy.variable_dtype)

pixels_in = keras.Input(shape=(784,), name="pixels")
width = 4096 if tf.config.list_physical_devices("GPU") else 64
print("hidden width:", width)
hidden_a = layers.Dense(width, activation="relu", name="hidden_a")
features = hidden_a(pixels_in)
hidden_b = layers.Dense(width, activation="relu", name="hidden_b")
features = hidden_b(features)
print(hidden_a.dtype_policy)
print("features:", features.dtype, "kernel:", hidden_a.kernel.dtype)

half_head = layers.Dense(10, activation="softmax", name="probs")(features)
print("softmax inside Dense gives", half_head.dtype)

logits = layers.Dense(10, name="logits")(features)
probs = layers.Activation("softmax", dtype="float32", name="probs")(logits)
print("float32 softmax gives", probs.dtype)
probs = layers.Activation("linear", dtype="float32")(probs)

digits = keras.Model(inputs=pixels_in, outputs=probs)
digits.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(),
               metrics=["accuracy"])

(train_x, train_y), (test_x, test_y) = _synthetic.mnist.load_data()
train_x = train_x.reshape(256, 784).astype("float32") / 255
test_x = test_x.reshape(64, 784).astype("float32") / 255

start_weights = digits.get_weights()
fit_log = digits.fit(train_x, train_y, batch_size=8192, epochs=5, validation_split=0.2)
scores = digits.evaluate(test_x, test_y, verbose=2)
print("test loss and accuracy:", scores)

big = tf.constant(256, dtype="float16")
(big ** 2).numpy()
tiny = tf.constant(1e-5, dtype="float16")
(tiny ** 2).numpy()

COMPAT_RESULTS = {"compute_dtype": half_policy.compute_dtype, "variable_dtype": half_policy.variable_dtype,
                  "kernel_dtype": hidden_a.kernel.dtype, "probs_dtype": probs.dtype,
                  "n_weights": len(start_weights), "test_loss": scores[0], "test_accuracy": scores[1],
                  "overflow": (big ** 2).numpy(), "underflow": (tiny ** 2).numpy(),
                  "history_keys": sorted(fit_log.history)}
# Initial weights differ between frameworks: 5 full-batch RMSprop epochs compared with bounds.
COMPAT_COMPARE = {"test_loss": {"within": 1.5}, "test_accuracy": {"within": 0.5}}
