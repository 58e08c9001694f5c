"""Convolutional Neural Network (CNN) (TF tutorial).

Source: tensorflow/docs, site/en/tutorials/images/cnn.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (1), cell 2 (8), cell 8 (6)
  - cell 1: `datasets.cifar10.load_data()` -> `_synthetic.cifar10.load_data()` (same shapes and dtypes, 128/32 examples)
  - cell 2: the plotting loop removed
  - cell 7: epochs 10 -> 3
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

from tensorflow.keras import datasets, layers, models

# [cell 1]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(train_images, train_labels), (test_images, test_labels) = _synthetic.cifar10.load_data()

# Normalize pixel values to be between 0 and 1
train_images, test_images = train_images / 255.0, test_images / 255.0

# [cell 2]
class_names = ['airplane', 'automobile', 'bird', 'cat', 'deer',
               'dog', 'frog', 'horse', 'ship', 'truck']


# [cell 3]
model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(32, 32, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))

# [cell 4]
model.summary()

# [cell 5]
model.add(layers.Flatten())
model.add(layers.Dense(64, activation='relu'))
model.add(layers.Dense(10))

# [cell 6]
model.summary()

# [cell 7]
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

history = model.fit(train_images, train_labels, epochs=3, 
                    validation_data=(test_images, test_labels))

# [cell 8]

test_loss, test_acc = model.evaluate(test_images,  test_labels, verbose=2)

# [cell 9]
print(test_acc)

# [added for the compat suite]
COMPAT_RESULTS = {"test_accuracy": test_acc, "test_loss": test_loss, "params": model.count_params(),
                  "epochs": len(history.history["loss"]), "history_keys": sorted(history.history)}
COMPAT_COMPARE = {"test_accuracy": {"above": 0.2, "within": 0.5}, "test_loss": {"below": 2.5, "within": 1.5}}
