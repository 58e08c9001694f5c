"""Migrate early stopping: the TF2 (Keras callbacks and custom loop) half (TF migration guide).

Source: tensorflow/docs, site/en/guide/migrate/early_stopping.ipynb (code cells 0-1 in part and 3-9: the TF1 Estimator cells need
tf.compat.v1.estimator, which TF 2.21 no longer has), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cell 3: tfds.load('mnist', as_supervised=True) -> tf.data datasets of `_synthetic.mnist` (tfds' shapes and dtypes:
    (28, 28) uint8 images here as the Flatten input expects, int64 labels)
  - cells 4, 6, 9: epochs 100 -> 6, 2 and 3
  - cell 9: metric.reset_states() -> reset_state() (Keras 3 in TF 2.21 has only reset_state)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0] (its TF1 and tensorflow_datasets imports left out)
import time
import numpy as np
import tensorflow as tf

# [cell 1] (normalize_img only; the rest is the TF1 Estimator)
def normalize_img(image, label):
  return tf.cast(image, tf.float32) / 255., label

# [cell 3]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(_x_train, _y_train), (_x_test, _y_test) = _synthetic.mnist.load_data()
ds_train = tf.data.Dataset.from_tensor_slices((_x_train, _y_train.astype("int64")))
ds_test = tf.data.Dataset.from_tensor_slices((_x_test, _y_test.astype("int64")))

ds_train = ds_train.map(
    normalize_img, num_parallel_calls=tf.data.AUTOTUNE)
ds_train = ds_train.batch(128)

ds_test = ds_test.map(
    normalize_img, num_parallel_calls=tf.data.AUTOTUNE)
ds_test = ds_test.batch(128)

model = tf.keras.models.Sequential([
  tf.keras.layers.Flatten(input_shape=(28, 28)),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dense(10)
])

model.compile(
    optimizer=tf.keras.optimizers.Adam(0.005),
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[tf.keras.metrics.SparseCategoricalAccuracy()],
)

# [cell 4]
callback = tf.keras.callbacks.EarlyStopping(monitor='loss', patience=3)

# Only around 25 epochs are run during training, instead of 100.
history = model.fit(
    ds_train,
    epochs=6,
    validation_data=ds_test,
    callbacks=[callback]
)

len(history.history['loss'])

# [cell 5]
class LimitTrainingTime(tf.keras.callbacks.Callback):
  def __init__(self, max_time_s):
    super().__init__()
    self.max_time_s = max_time_s
    self.start_time = None

  def on_train_begin(self, logs):
    self.start_time = time.time()

  def on_train_batch_end(self, batch, logs):
    now = time.time()
    if now - self.start_time >  self.max_time_s:
      self.model.stop_training = True

# [cell 6]
# Limit the training time to 30 seconds.
callback = LimitTrainingTime(30)
history = model.fit(
    ds_train,
    epochs=2,
    validation_data=ds_test,
    callbacks=[callback]
)
len(history.history['loss'])

# [cell 7]
model = tf.keras.models.Sequential([
  tf.keras.layers.Flatten(input_shape=(28, 28)),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dense(10)
])

optimizer = tf.keras.optimizers.Adam(0.005)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

train_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
train_loss_metric = tf.keras.metrics.SparseCategoricalCrossentropy()
val_acc_metric = tf.keras.metrics.SparseCategoricalAccuracy()
val_loss_metric = tf.keras.metrics.SparseCategoricalCrossentropy()

# [cell 8]
@tf.function
def train_step(x, y):
  with tf.GradientTape() as tape:
      logits = model(x, training=True)
      loss_value = loss_fn(y, logits)
  grads = tape.gradient(loss_value, model.trainable_weights)
  optimizer.apply_gradients(zip(grads, model.trainable_weights))
  train_acc_metric.update_state(y, logits)
  train_loss_metric.update_state(y, logits)
  return loss_value

@tf.function
def test_step(x, y):
  logits = model(x, training=False)
  val_acc_metric.update_state(y, logits)
  val_loss_metric.update_state(y, logits)

# [cell 9]
epochs = 3
patience = 5
wait = 0
best = float('inf')

for epoch in range(epochs):
    print("\nStart of epoch %d" % (epoch,))
    start_time = time.time()

    for step, (x_batch_train, y_batch_train) in enumerate(ds_train):
      loss_value = train_step(x_batch_train, y_batch_train)
      if step % 200 == 0:
        print("Training loss at step %d: %.4f" % (step, loss_value.numpy()))
        print("Seen so far: %s samples" % ((step + 1) * 128))        
    train_acc = train_acc_metric.result()
    train_loss = train_loss_metric.result()
    train_acc_metric.reset_state()
    train_loss_metric.reset_state()
    print("Training acc over epoch: %.4f" % (train_acc.numpy()))

    for x_batch_val, y_batch_val in ds_test:
      test_step(x_batch_val, y_batch_val)
    val_acc = val_acc_metric.result()
    val_loss = val_loss_metric.result()
    val_acc_metric.reset_state()
    val_loss_metric.reset_state()
    print("Validation acc: %.4f" % (float(val_acc),))
    print("Time taken: %.2fs" % (time.time() - start_time))

    # The early stopping strategy: stop the training if `val_loss` does not
    # decrease over a certain number of epochs.
    wait += 1
    if val_loss < best:
      best = val_loss
      wait = 0
    if wait >= patience:
      break

# [added for the compat suite]
COMPAT_RESULTS = {"fit_epochs": len(history.history['loss']), "history_keys": sorted(history.history),
                  "train_acc": train_acc, "val_acc": val_acc, "val_loss": val_loss, "epoch": epoch}
COMPAT_COMPARE = {"train_acc": {"above": 0.8, "within": 0.2}, "val_acc": {"above": 0.8, "within": 0.2},
                  "val_loss": {"below": 1.0, "within": 0.8}}
