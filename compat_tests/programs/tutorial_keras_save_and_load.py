"""Save and load models (TF Keras tutorial).

Source: tensorflow/docs, site/en/tutorials/keras/save_and_load.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (1), cell 16 (1), cell 17 (2)
  - cell 2: tf.keras.datasets.mnist.load_data() -> `_synthetic.mnist.load_data()` (same shapes and dtypes, 256/64
    examples; the [:1000] slices keep them all)
  - cells 4, 8, 13, 16, 19: epochs 10, 50, 5, 5, 5 -> 2, 10, 1, 1, 1
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]


# [cell 1]
import os

import tensorflow as tf
from tensorflow import keras

print(tf.version.VERSION)

# [cell 2]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(train_images, train_labels), (test_images, test_labels) = _synthetic.mnist.load_data()

train_labels = train_labels[:1000]
test_labels = test_labels[:1000]

train_images = train_images[:1000].reshape(-1, 28 * 28) / 255.0
test_images = test_images[:1000].reshape(-1, 28 * 28) / 255.0

# [cell 3]
# Define a simple sequential model
def create_model():
  model = tf.keras.Sequential([
    keras.layers.Dense(512, activation='relu', input_shape=(784,)),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10)
  ])

  model.compile(optimizer='adam',
                loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])

  return model

# Create a basic model instance
model = create_model()

# Display the model's architecture
model.summary()

# [cell 4]
checkpoint_path = "training_1/cp.weights.h5" # Since you're only saving weights, you should use the .weights.h5 extension. If you're saving the whole model, you would use the .keras extension instead
checkpoint_dir = os.path.dirname(checkpoint_path)

# Create a callback that saves the model's weights
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path,
                                                 save_weights_only=True,
                                                 verbose=1)

# Train the model with the new callback
model.fit(train_images,
          train_labels,
          epochs=2,
          validation_data=(test_images, test_labels),
          callbacks=[cp_callback])  # Pass callback to training

# This may generate warnings related to saving the state of the optimizer.
# These warnings (and similar warnings throughout this notebook)
# are in place to discourage outdated usage, and can be ignored.

# [cell 5]
os.listdir(checkpoint_dir)

# [cell 6]
# Create a basic model instance
model = create_model()

# Evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Untrained model, accuracy: {:5.2f}%".format(100 * acc))

# [cell 7]
# Loads the weights
model.load_weights(checkpoint_path)

# Re-evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))

# [cell 8]
# Include the epoch in the file name (uses `str.format`)
checkpoint_path = "training_2/cp-{epoch:04d}.weights.h5"
checkpoint_dir = os.path.dirname(checkpoint_path)
os.mkdir(checkpoint_dir)

batch_size = 32

# Calculate the number of batches per epoch
import math
n_batches = len(train_images) / batch_size
n_batches = math.ceil(n_batches)    # round up the number of batches to the nearest whole integer

# Create a callback that saves the model's weights every 5 epochs
cp_callback = tf.keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_path,
    verbose=1,
    save_weights_only=True,
    save_freq=5*n_batches)

# Create a new model instance
model = create_model()

# Save the weights using the `checkpoint_path` format
model.save_weights(checkpoint_path.format(epoch=0))

# Train the model with the new callback
model.fit(train_images,
          train_labels,
          epochs=10,
          batch_size=batch_size,
          callbacks=[cp_callback],
          validation_data=(test_images, test_labels),
          verbose=0)

# [cell 9]
os.listdir(checkpoint_dir)

# [cell 10]
def load_latest_checkpoint(checkpoint_dir):
    latest = max(os.listdir(checkpoint_dir), key=lambda f: int(f.split('-')[1].split('.')[0]))
    return os.path.join(checkpoint_dir, latest)

latest = load_latest_checkpoint(checkpoint_dir)
latest

# [cell 11]
# Create a new model instance
model = create_model()

# Load the previously saved weights
model.load_weights(latest)

# Re-evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))

# [cell 12]
# Save the weights
os.mkdir('./checkpoints')
model.save_weights('./checkpoints/my_checkpoint.weights.h5')

# Create a new model instance
model = create_model()

# Restore the weights
model.load_weights('./checkpoints/my_checkpoint.weights.h5')

# Evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))

# [cell 13]
# Create and train a new model instance.
model = create_model()
model.fit(train_images, train_labels, epochs=1)

# Save the entire model as a `.keras` zip archive.
model.save('my_model.keras')

# [cell 14]
new_model = tf.keras.models.load_model('my_model.keras')

# Show the model architecture
new_model.summary()

# [cell 15]
# Evaluate the restored model
loss, acc = new_model.evaluate(test_images, test_labels, verbose=2)
print('Restored model, accuracy: {:5.2f}%'.format(100 * acc))

print(new_model.predict(test_images).shape)

# [cell 16]
# Create and train a new model instance.
model = create_model()
model.fit(train_images, train_labels, epochs=1)

# Save the entire model as a SavedModel.
tf.saved_model.save(model, 'saved_model/my_model')

# [cell 17]
# my_model directory

# Contains an assets folder, saved_model.pb, and variables folder.

# [cell 18]
saved_model = tf.saved_model.load('saved_model/my_model')
saved_model

# [cell 19]
# Create and train a new model instance.
model = create_model()
model.fit(train_images, train_labels, epochs=1)

# Save the entire model to a HDF5 file.
# The '.h5' extension indicates that the model should be saved to HDF5.
model.save('my_model.h5')

# [cell 20]
# Recreate the exact same model, including its weights and the optimizer
new_model = tf.keras.models.load_model('my_model.h5')

# Show the model architecture
new_model.summary()

# [cell 21]
loss, acc = new_model.evaluate(test_images, test_labels, verbose=2)
print('Restored model, accuracy: {:5.2f}%'.format(100 * acc))

# [added for the compat suite]
COMPAT_RESULTS = {"restored_accuracy": acc, "restored_loss": loss, "latest": latest,
                  "training_2": sorted(os.listdir("training_2")), "training_1": sorted(os.listdir("training_1")),
                  "predict_shape": new_model.predict(test_images).shape}
COMPAT_COMPARE = {"restored_accuracy": {"above": 0.8, "within": 0.2}, "restored_loss": {"within": 1.0}}
