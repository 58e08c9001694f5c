"""Custom training: walkthrough (penguin classification, TF tutorial).

Source: tensorflow/docs, site/en/tutorials/customization/custom_training_walkthrough.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (1), cell 1 (1), cell 6 (7), cell 17 (2)
  - cells 1-2, 4: tensorflow_datasets removed: tfds.load('penguins/processed', split 20%/80%) -> tf.data datasets of
    `_synthetic.penguins_processed()` (334 rows, float32 features in [0, 1], int64 labels), the tfds/pandas
    previews (tfds.as_dataframe, info.features) removed
  - cell 16: num_epochs 201 -> 20
  - cell 17 (plotting) removed
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]


# [cell 1]
import os
import tensorflow as tf

print("TensorFlow version: {}".format(tf.__version__))

# [cell 2]
# [adapted] the tfds preview of 'penguins/simple' (a pandas DataFrame print) removed

# [cell 3]
class_names = ['Adélie', 'Chinstrap', 'Gentoo']

# [cell 4]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
_features, _labels = _synthetic.penguins_processed()
ds_split = [tf.data.Dataset.from_tensor_slices((_features[:67], _labels[:67])),
            tf.data.Dataset.from_tensor_slices((_features[67:], _labels[67:]))]

ds_test = ds_split[0]
ds_train = ds_split[1]
assert isinstance(ds_test, tf.data.Dataset)


ds_train_batch = ds_train.batch(32)

# [cell 5]
features, labels = next(iter(ds_train_batch))

print(features)
print(labels)

# [cell 6]


# [cell 7]
model = tf.keras.Sequential([
  tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(4,)),  # input shape required
  tf.keras.layers.Dense(10, activation=tf.nn.relu),
  tf.keras.layers.Dense(3)
])

# [cell 8]
predictions = model(features)
predictions[:5]

# [cell 9]
tf.nn.softmax(predictions[:5])

# [cell 10]
print("Prediction: {}".format(tf.math.argmax(predictions, axis=1)))
print("    Labels: {}".format(labels))

# [cell 11]
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

# [cell 12]
def loss(model, x, y, training):
  # training=training is needed only if there are layers with different
  # behavior during training versus inference (e.g. Dropout).
  y_ = model(x, training=training)

  return loss_object(y_true=y, y_pred=y_)

l = loss(model, features, labels, training=False)
print("Loss test: {}".format(l))

# [cell 13]
def grad(model, inputs, targets):
  with tf.GradientTape() as tape:
    loss_value = loss(model, inputs, targets, training=True)
  return loss_value, tape.gradient(loss_value, model.trainable_variables)

# [cell 14]
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

# [cell 15]
loss_value, grads = grad(model, features, labels)

print("Step: {}, Initial Loss: {}".format(optimizer.iterations.numpy(),
                                          loss_value.numpy()))

optimizer.apply_gradients(zip(grads, model.trainable_variables))

print("Step: {},         Loss: {}".format(optimizer.iterations.numpy(),
                                          loss(model, features, labels, training=True).numpy()))

# [cell 16]
## Note: Rerunning this cell uses the same model parameters

# Keep results for plotting
train_loss_results = []
train_accuracy_results = []

num_epochs = 20

for epoch in range(num_epochs):
  epoch_loss_avg = tf.keras.metrics.Mean()
  epoch_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

  # Training loop - using batches of 32
  for x, y in ds_train_batch:
    # Optimize the model
    loss_value, grads = grad(model, x, y)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

    # Track progress
    epoch_loss_avg.update_state(loss_value)  # Add current batch loss
    # Compare predicted label to actual label
    # training=True is needed only if there are layers with different
    # behavior during training versus inference (e.g. Dropout).
    epoch_accuracy.update_state(y, model(x, training=True))

  # End epoch
  train_loss_results.append(epoch_loss_avg.result())
  train_accuracy_results.append(epoch_accuracy.result())

  if epoch % 50 == 0:
    print("Epoch {:03d}: Loss: {:.3f}, Accuracy: {:.3%}".format(epoch,
                                                                epoch_loss_avg.result(),
                                                                epoch_accuracy.result()))

# [cell 17] removed: plotting

# [cell 18]
test_accuracy = tf.keras.metrics.Accuracy()
ds_test_batch = ds_test.batch(10)

for (x, y) in ds_test_batch:
  # training=False is needed only if there are layers with different
  # behavior during training versus inference (e.g. Dropout).
  logits = model(x, training=False)
  prediction = tf.math.argmax(logits, axis=1, output_type=tf.int64)
  test_accuracy(prediction, y)

print("Test set accuracy: {:.3%}".format(test_accuracy.result()))

# [cell 19]
tf.stack([y,prediction],axis=1)

# [cell 20]
predict_dataset = tf.convert_to_tensor([
    [0.3, 0.8, 0.4, 0.5,],
    [0.4, 0.1, 0.8, 0.5,],
    [0.7, 0.9, 0.8, 0.4]
])

# training=False is needed only if there are layers with different
# behavior during training versus inference (e.g. Dropout).
predictions = model(predict_dataset, training=False)

for i, logits in enumerate(predictions):
  class_idx = tf.math.argmax(logits).numpy()
  p = tf.nn.softmax(logits)[class_idx]
  name = class_names[class_idx]
  print("Example {} prediction: {} ({:4.1f}%)".format(i, name, 100*p))

# [added for the compat suite]
COMPAT_RESULTS = {"final_loss": train_loss_results[-1], "final_accuracy": train_accuracy_results[-1],
                  "test_accuracy": test_accuracy.result(), "steps": int(optimizer.iterations),
                  "features_shape": features.shape, "labels_dtype": labels.dtype}
# Initial weights differ between frameworks: 20 epochs of SGD compared with bounds.
COMPAT_COMPARE = {"final_loss": {"within": 0.6}, "final_accuracy": {"within": 0.4},
                  "test_accuracy": {"within": 0.4}}
