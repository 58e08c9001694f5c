"""Basic classification: Fashion MNIST (TF Keras tutorial).

Source: tensorflow/docs, site/en/tutorials/keras/classification.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (1), cell 8 (5), cell 10 (8), cell 20 (13), cell 21 (4), cell 22 (4), cell 23 (5), cell 27 (2)
  - cell 1: `tf.keras.datasets.fashion_mnist` -> `_synthetic.fashion_mnist` (same shapes and dtypes, 256/64 examples)
  - cell 10: the plotting loop removed; cell 20: the `thisplot` lines (set colours of a plot) removed
  - cell 13: epochs 10 -> 3
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
# TensorFlow and tf.keras
import tensorflow as tf

# Helper libraries
import numpy as np

print(tf.__version__)

# [cell 1]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
fashion_mnist = _synthetic.fashion_mnist

(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()

# [cell 2]
class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
               'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

# [cell 3]
train_images.shape

# [cell 4]
len(train_labels)

# [cell 5]
train_labels

# [cell 6]
test_images.shape

# [cell 7]
len(test_labels)

# [cell 8]


# [cell 9]
train_images = train_images / 255.0

test_images = test_images / 255.0

# [cell 10]

# [cell 11]
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])

# [cell 12]
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

# [cell 13]
model.fit(train_images, train_labels, epochs=3)

# [cell 14]
test_loss, test_acc = model.evaluate(test_images,  test_labels, verbose=2)

print('\nTest accuracy:', test_acc)

# [cell 15]
probability_model = tf.keras.Sequential([model, 
                                         tf.keras.layers.Softmax()])

# [cell 16]
predictions = probability_model.predict(test_images)

# [cell 17]
predictions[0]

# [cell 18]
np.argmax(predictions[0])

# [cell 19]
test_labels[0]

# [cell 20]
def plot_image(i, predictions_array, true_label, img):
  true_label, img = true_label[i], img[i]


  predicted_label = np.argmax(predictions_array)
  if predicted_label == true_label:
    color = 'blue'
  else:
    color = 'red'


def plot_value_array(i, predictions_array, true_label):
  true_label = true_label[i]
  predicted_label = np.argmax(predictions_array)


# [cell 21]
i = 0
plot_image(i, predictions[i], test_labels, test_images)
plot_value_array(i, predictions[i],  test_labels)

# [cell 22]
i = 12
plot_image(i, predictions[i], test_labels, test_images)
plot_value_array(i, predictions[i],  test_labels)

# [cell 23]
# Plot the first X test images, their predicted labels, and the true labels.
# Color correct predictions in blue and incorrect predictions in red.
num_rows = 5
num_cols = 3
num_images = num_rows*num_cols
for i in range(num_images):
  plot_image(i, predictions[i], test_labels, test_images)
  plot_value_array(i, predictions[i], test_labels)

# [cell 24]
# Grab an image from the test dataset.
img = test_images[1]

print(img.shape)

# [cell 25]
# Add the image to a batch where it's the only member.
img = (np.expand_dims(img,0))

print(img.shape)

# [cell 26]
predictions_single = probability_model.predict(img)

print(predictions_single)

# [cell 27]
plot_value_array(1, predictions_single[0], test_labels)

# [cell 28]
np.argmax(predictions_single[0])

# [added for the compat suite]
COMPAT_RESULTS = {"test_accuracy": test_acc, "test_loss": test_loss, "predictions_shape": predictions.shape,
                  "predictions_dtype": str(predictions.dtype), "row_sums": predictions.sum(axis=1),
                  "single": predictions_single.shape}
COMPAT_COMPARE = {"test_accuracy": {"above": 0.9, "within": 0.1}, "test_loss": {"below": 0.5, "within": 0.3},
                  "row_sums": {"atol": 1e-5}}
