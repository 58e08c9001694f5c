"""Follows tensorflow/docs, site/en/guide/data.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
"Using high-level APIs / tf.keras" section: fit, evaluate and predict fed by tf.data datasets.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download (256 Fashion-MNIST-shaped examples: 8 batches of 32); sizes shrunk.

Covers: a shuffled, batched (images, labels) dataset; a Flatten + Dense(10) Sequential compiled with
'adam', SparseCategoricalCrossentropy(from_logits=True) and ['accuracy']; fit for 2 epochs, fit on a
repeated dataset with steps_per_epoch=20; evaluate on the dataset and on a repeated one with steps=10;
predict on an images-only dataset and on the (images, labels) dataset with steps=10; model.history.
"""

import numpy as np

import tensorflow as tf
from compat_tests.programs import _synthetic

(pixels, classes), _ = _synthetic.fashion_mnist.load_data()
pixels = pixels / 255.0
classes = classes.astype(np.int32)

labelled = tf.data.Dataset.from_tensor_slices((pixels, classes)).shuffle(5000).batch(32)

classifier = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
classifier.compile(optimizer="adam",
                   loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   metrics=["accuracy"])

classifier.fit(labelled, epochs=2)
classifier.fit(labelled.repeat(), epochs=2, steps_per_epoch=20)

full_loss, full_acc = classifier.evaluate(labelled)
print("evaluate (whole dataset):", full_loss, full_acc)
step_loss, step_acc = classifier.evaluate(labelled.repeat(), steps=10)
print("evaluate (10 steps):", step_loss, step_acc)

images_only = tf.data.Dataset.from_tensor_slices(pixels).batch(32)
scores = classifier.predict(images_only, steps=10)
print(scores.shape)
scores = classifier.predict(labelled, steps=10)
print(scores.shape)

COMPAT_RESULTS = {"loss": step_loss, "accuracy": step_acc, "predict_shape": scores.shape,
                  "history_keys": sorted(classifier.history.history) if classifier.history else None}
COMPAT_COMPARE = {"loss": {"below": 0.5, "within": 0.4}, "accuracy": {"above": 0.85, "within": 0.15}}
