"""Follows tensorflow/docs, site/en/tutorials/keras/classification.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
a dense network classifying Fashion MNIST clothing images, then predictions through a Softmax head.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 3 epochs). The tutorial's plots are left out
(their helpers keep only the label arithmetic).

Covers: inspecting the arrays' shapes and lengths, scaling by 255.0, a Sequential of
Flatten(input_shape=(28, 28)) / Dense relu / Dense logits, compile with adam /
SparseCategoricalCrossentropy(from_logits=True) / accuracy, fit, evaluate(verbose=2), a Sequential
wrapping the trained model and tf.keras.layers.Softmax, predict on the test set and on a single image
made a batch with np.expand_dims, np.argmax of the probabilities.
"""

import numpy as np
import tensorflow as tf

from compat_tests.programs import _synthetic

print(tf.__version__)

(garments, garment_ids), (check_garments, check_ids) = _synthetic.fashion_mnist.load_data()
GARMENTS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
garments.shape, len(garment_ids), garment_ids, check_garments.shape, len(check_ids)

garments = garments / 255.0
check_garments = check_garments / 255.0

scorer = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dense(10),
])
scorer.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               metrics=["accuracy"])
scorer.fit(garments, garment_ids, epochs=3)
check_loss, check_accuracy = scorer.evaluate(check_garments, check_ids, verbose=2)
print("test accuracy:", check_accuracy)

with_probabilities = tf.keras.Sequential([scorer, tf.keras.layers.Softmax()])
probabilities = with_probabilities.predict(check_garments)
probabilities[0], np.argmax(probabilities[0]), check_ids[0]


def describe(index, row_probabilities, true_ids):
    """What the tutorial's plots show for one image: its guess, its confidence, and whether it is right."""
    guess = int(np.argmax(row_probabilities))
    return GARMENTS[guess], float(np.max(row_probabilities)), guess == true_ids[index]


for index in [0, 12, *range(15)]:
    describe(index, probabilities[index], check_ids)

single = check_garments[1]
print(single.shape)
single = np.expand_dims(single, 0)  # a batch of one
print(single.shape)
single_probabilities = with_probabilities.predict(single)
print(single_probabilities.shape)
describe(1, single_probabilities[0], check_ids)
np.argmax(single_probabilities[0])

COMPAT_RESULTS = {"test_accuracy": check_accuracy, "test_loss": check_loss,
                  "predictions_shape": probabilities.shape, "predictions_dtype": str(probabilities.dtype),
                  "row_sums": probabilities.sum(axis=1), "single": single_probabilities.shape}
# Random initial weights differ between frameworks: the outcome is compared with bounds.
COMPAT_COMPARE = {"test_accuracy": {"above": 0.9, "within": 0.1}, "test_loss": {"below": 0.5, "within": 0.3},
                  "row_sums": {"atol": 1e-5}}
