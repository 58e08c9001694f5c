"""Effective TensorFlow 2 (TF guide).

Source: tensorflow/docs, site/en/guide/effective_tf2.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cells 0-1: tensorflow_datasets' tfds.load('mnist', as_supervised=True) -> tf.data datasets of `_synthetic.mnist`
    with tfds' element shapes and dtypes ((28, 28, 1) uint8 images, int64 labels)
  - cell 2: NUM_EPOCHS 5 -> 2
  - cells 7-8 (a DynamicRNN model) removed: `super(DynamicRNN, self).__init__(self)` raises TypeError on TF 2.21
  - cell 10: metric.reset_states() -> reset_state() (Keras 3 in TF 2.21 has only reset_state)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(_x_train, _y_train), (_x_test, _y_test) = _synthetic.mnist.load_data()
mnist_train = tf.data.Dataset.from_tensor_slices((_x_train[..., None], _y_train.astype("int64")))
mnist_test = tf.data.Dataset.from_tensor_slices((_x_test[..., None], _y_test.astype("int64")))

# [cell 2]
BUFFER_SIZE = 10 # Use a much larger value for real code
BATCH_SIZE = 64
NUM_EPOCHS = 2


def scale(image, label):
  image = tf.cast(image, tf.float32)
  image /= 255

  return image, label

# [cell 3]
train_data = mnist_train.map(scale).shuffle(BUFFER_SIZE).batch(BATCH_SIZE)
test_data = mnist_test.map(scale).batch(BATCH_SIZE)

STEPS_PER_EPOCH = 5

train_data = train_data.take(STEPS_PER_EPOCH)
test_data = test_data.take(STEPS_PER_EPOCH)

# [cell 4]
image_batch, label_batch = next(iter(train_data))

# [cell 5]
model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(32, 3, activation='relu',
                           kernel_regularizer=tf.keras.regularizers.l2(0.02),
                           input_shape=(28, 28, 1)),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dropout(0.1),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Dense(10)
])

# Model is the full model w/o custom layers
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

model.fit(train_data, epochs=NUM_EPOCHS)
loss, acc = model.evaluate(test_data)

print("Loss {}, Accuracy {}".format(loss, acc))

# [cell 6]
model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(32, 3, activation='relu',
                           kernel_regularizer=tf.keras.regularizers.l2(0.02),
                           input_shape=(28, 28, 1)),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dropout(0.1),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Dense(10)
])

optimizer = tf.keras.optimizers.Adam(0.001)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

@tf.function
def train_step(inputs, labels):
  with tf.GradientTape() as tape:
    predictions = model(inputs, training=True)
    regularization_loss=tf.math.add_n(model.losses)
    pred_loss=loss_fn(labels, predictions)
    total_loss=pred_loss + regularization_loss

  gradients = tape.gradient(total_loss, model.trainable_variables)
  optimizer.apply_gradients(zip(gradients, model.trainable_variables))

for epoch in range(NUM_EPOCHS):
  for inputs, labels in train_data:
    train_step(inputs, labels)
  print("Finished epoch", epoch)

# [cells 7-8] removed: DynamicRNN's super().__init__(self) raises TypeError on TF 2.21 (Keras 3)

# [cell 9]
cce = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
cce([[1, 0]], [[-1.0,3.0]]).numpy()

# [cell 10]
# Create the metrics
loss_metric = tf.keras.metrics.Mean(name='train_loss')
accuracy_metric = tf.keras.metrics.SparseCategoricalAccuracy(name='train_accuracy')

@tf.function
def train_step(inputs, labels):
  with tf.GradientTape() as tape:
    predictions = model(inputs, training=True)
    regularization_loss=tf.math.add_n(model.losses)
    pred_loss=loss_fn(labels, predictions)
    total_loss=pred_loss + regularization_loss

  gradients = tape.gradient(total_loss, model.trainable_variables)
  optimizer.apply_gradients(zip(gradients, model.trainable_variables))
  # Update the metrics
  loss_metric.update_state(total_loss)
  accuracy_metric.update_state(labels, predictions)


for epoch in range(NUM_EPOCHS):
  # Reset the metrics
  loss_metric.reset_state()
  accuracy_metric.reset_state()

  for inputs, labels in train_data:
    train_step(inputs, labels)
  # Get the metric results
  mean_loss=loss_metric.result()
  mean_accuracy = accuracy_metric.result()

  print('Epoch: ', epoch)
  print('  loss:     {:.3f}'.format(mean_loss))
  print('  accuracy: {:.3f}'.format(mean_accuracy))

# [cell 11]
model.compile(
    optimizer = tf.keras.optimizers.Adam(0.001),
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics = ['acc', 'accuracy', tf.keras.metrics.SparseCategoricalAccuracy(name="my_accuracy")])
history = model.fit(train_data)

# [cell 12]
history.history.keys()

# [added for the compat suite]
COMPAT_RESULTS = {"loss": loss, "acc": acc, "cce": cce([[1, 0]], [[-1.0, 3.0]]), "mean_loss": mean_loss, "mean_accuracy": mean_accuracy,
                  "history_keys": sorted(history.history.keys())}
# Initial weights and dropout differ between frameworks: training outcomes compared with bounds.
COMPAT_COMPARE = {"loss": {"within": 2.0}, "acc": {"within": 0.5}, "mean_loss": {"within": 2.0},
                  "mean_accuracy": {"within": 0.5}}
