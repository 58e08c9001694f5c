"""Mixed precision: policies, dtypes, Model.fit, float16 overflow (TF guide).

Source: tensorflow/docs, site/en/guide/mixed_precision.ipynb (code cells 0-14; cells 15-20, the custom loop with
LossScaleOptimizer.get_scaled_loss, are left out: Keras 3 in TF 2.21 has no get_scaled_loss), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 1 (1)
  - cell 10: keras.datasets.mnist.load_data() -> `_synthetic.mnist.load_data()` (same shapes and dtypes, 256/64
    examples), so the reshapes say 256 and 64 instead of 60000 and 10000
  - cells 6-8: `x.dtype.name`, `dense1.kernel.dtype.name`, `outputs.dtype.name` -> `.dtype` (Keras 3 dtypes are strings in TF 2.21;
    the original raises AttributeError)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras import mixed_precision

# [cell 1]


# [cell 2]
policy = mixed_precision.Policy('mixed_float16')
mixed_precision.set_global_policy(policy)

# [cell 3]
# Equivalent to the two lines above
mixed_precision.set_global_policy('mixed_float16')

# [cell 4]
print('Compute dtype: %s' % policy.compute_dtype)
print('Variable dtype: %s' % policy.variable_dtype)

# [cell 5]
inputs = keras.Input(shape=(784,), name='digits')
if tf.config.list_physical_devices('GPU'):
  print('The model will run with 4096 units on a GPU')
  num_units = 4096
else:
  # Use fewer units on CPUs so the model finishes in a reasonable amount of time
  print('The model will run with 64 units on a CPU')
  num_units = 64
dense1 = layers.Dense(num_units, activation='relu', name='dense_1')
x = dense1(inputs)
dense2 = layers.Dense(num_units, activation='relu', name='dense_2')
x = dense2(x)

# [cell 6]
print(dense1.dtype_policy)
print('x.dtype: %s' % x.dtype)
# 'kernel' is dense1's variable
print('dense1.kernel.dtype: %s' % dense1.kernel.dtype)

# [cell 7]
# INCORRECT: softmax and model output will be float16, when it should be float32
outputs = layers.Dense(10, activation='softmax', name='predictions')(x)
print('Outputs dtype: %s' % outputs.dtype)

# [cell 8]
# CORRECT: softmax and model output are float32
x = layers.Dense(10, name='dense_logits')(x)
outputs = layers.Activation('softmax', dtype='float32', name='predictions')(x)
print('Outputs dtype: %s' % outputs.dtype)

# [cell 9]
# The linear activation is an identity function. So this simply casts 'outputs'
# to float32. In this particular case, 'outputs' is already float32 so this is a
# no-op.
outputs = layers.Activation('linear', dtype='float32')(outputs)

# [cell 10]
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(loss='sparse_categorical_crossentropy',
              optimizer=keras.optimizers.RMSprop(),
              metrics=['accuracy'])

from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(x_train, y_train), (x_test, y_test) = _synthetic.mnist.load_data()
x_train = x_train.reshape(256, 784).astype('float32') / 255
x_test = x_test.reshape(64, 784).astype('float32') / 255

# [cell 11]
initial_weights = model.get_weights()

# [cell 12]
history = model.fit(x_train, y_train,
                    batch_size=8192,
                    epochs=5,
                    validation_split=0.2)
test_scores = model.evaluate(x_test, y_test, verbose=2)
print('Test loss:', test_scores[0])
print('Test accuracy:', test_scores[1])

# [cell 13]
x = tf.constant(256, dtype='float16')
(x ** 2).numpy()  # Overflow

# [cell 14]
x = tf.constant(1e-5, dtype='float16')
(x ** 2).numpy()  # Underflow

# [added for the compat suite]
COMPAT_RESULTS = {"compute_dtype": policy.compute_dtype, "variable_dtype": policy.variable_dtype,
                  "kernel_dtype": dense1.kernel.dtype, "outputs_dtype": outputs.dtype,
                  "n_weights": len(initial_weights), "test_loss": test_scores[0], "test_accuracy": test_scores[1],
                  "overflow": (tf.constant(256, dtype='float16') ** 2).numpy(), "underflow": (x ** 2).numpy(),
                  "history_keys": sorted(history.history)}
# Initial weights differ between frameworks: 5 full-batch RMSprop epochs compared with bounds.
COMPAT_COMPARE = {"test_loss": {"within": 1.5}, "test_accuracy": {"within": 0.5}}
