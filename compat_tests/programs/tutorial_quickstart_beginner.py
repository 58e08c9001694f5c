"""TensorFlow 2 quickstart for beginners (TF tutorial).

Source: tensorflow/docs, site/en/tutorials/quickstart/beginner.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cell 1: `tf.keras.datasets.mnist` -> `_synthetic.mnist` (same shapes and dtypes, 256/64 examples, no download)
  - cell 8: epochs 5 -> 3
  - cell 9: the evaluate result kept as `evaluation`
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf
print("TensorFlow version:", tf.__version__)

# [cell 1]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
mnist = _synthetic.mnist

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

# [cell 2]
model = tf.keras.models.Sequential([
  tf.keras.layers.Flatten(input_shape=(28, 28)),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dropout(0.2),
  tf.keras.layers.Dense(10)
])

# [cell 3]
predictions = model(x_train[:1]).numpy()
predictions

# [cell 4]
tf.nn.softmax(predictions).numpy()

# [cell 5]
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

# [cell 6]
loss_fn(y_train[:1], predictions).numpy()

# [cell 7]
model.compile(optimizer='adam',
              loss=loss_fn,
              metrics=['accuracy'])

# [cell 8]
model.fit(x_train, y_train, epochs=3)

# [cell 9]
evaluation = model.evaluate(x_test,  y_test, verbose=2)

# [cell 10]
probability_model = tf.keras.Sequential([
  model,
  tf.keras.layers.Softmax()
])

# [cell 11]
probability_model(x_test[:5])

# [added for the compat suite]
COMPAT_RESULTS = {
    "version": tf.__version__, "predictions_shape": predictions.shape,
    "initial_loss": loss_fn(y_train[:1], predictions).numpy(),
    "test_loss": evaluation[0], "test_accuracy": evaluation[1],
    "probabilities_sum": tf.reduce_sum(probability_model(x_test[:5]), axis=1),
}
# Initial weights differ between frameworks: the untrained loss is near log(10), training learns.
COMPAT_COMPARE = {"initial_loss": {"within": 2.0}, "test_loss": {"below": 0.5, "within": 0.3},
                  "test_accuracy": {"above": 0.9, "within": 0.1}, "probabilities_sum": {"atol": 1e-5}}
