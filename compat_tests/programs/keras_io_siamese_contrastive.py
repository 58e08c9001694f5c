"""Follows keras-team/keras-io, examples/vision/siamese_contrastive.py (commit 12bad05fbf95911b2e994cde3c9340c13a5e76d0):
a Siamese network on MNIST pairs: one embedding network (BatchNormalization, tanh Conv2D,
AveragePooling2D, Dense) shared by two inputs, a Lambda layer computing their Euclidean distance,
and a contrastive loss written as a closure over the margin.
Written for tapejax's compat suite (not a copy of the example's code). Changes: keras.datasets.mnist
is replaced by _synthetic.mnist_every_class (256/64 digits, every class in each split, the train/validation split at 128 instead of 30000);
10 epochs -> 3; the pair visualisations and metric plots left out.

Covers: random.choice / random.randint pair making with np.where class indices, NumPy pair arrays,
layers.Input((28, 28, 1)) on float32 images of shape (28, 28), BatchNormalization, Conv2D tanh,
AveragePooling2D(pool_size), Flatten, Dense, a shared keras.Model called on two inputs, layers.Lambda
over a list of tensors with tf.math.reduce_sum / square / sqrt / maximum and
tf.keras.backend.epsilon(), a two-input keras.Model, compile with a custom loss function,
optimizer='RMSprop' and metrics=['accuracy'], summary, fit with a list of inputs and validation_data,
evaluate and predict on a list of inputs.
"""

import random

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

epochs = 3
batch_size = 16
margin = 1

(x_train_val, y_train_val), (x_test, y_test) = _synthetic.mnist_every_class.load_data()
x_train_val = x_train_val.astype("float32")
x_test = x_test.astype("float32")

x_train, x_val = x_train_val[:128], x_train_val[128:]
y_train, y_val = y_train_val[:128], y_train_val[128:]
del x_train_val, y_train_val


def make_pairs(x, y):
    """One matching and one non-matching partner per example: (pairs, float32 labels)."""
    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]
    pairs = []
    labels = []
    for idx1 in range(len(x)):
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = random.choice(digit_indices[label1])
        pairs += [[x1, x[idx2]]]
        labels += [1]
        label2 = random.randint(0, num_classes - 1)
        while label2 == label1:
            label2 = random.randint(0, num_classes - 1)
        idx2 = random.choice(digit_indices[label2])
        pairs += [[x1, x[idx2]]]
        labels += [0]
    return np.array(pairs), np.array(labels).astype("float32")


pairs_train, labels_train = make_pairs(x_train, y_train)
pairs_val, labels_val = make_pairs(x_val, y_val)
pairs_test, labels_test = make_pairs(x_test, y_test)

x_train_1 = pairs_train[:, 0]
x_train_2 = pairs_train[:, 1]
x_val_1 = pairs_val[:, 0]
x_val_2 = pairs_val[:, 1]
x_test_1 = pairs_test[:, 0]
x_test_2 = pairs_test[:, 1]


def euclidean_distance(vects):
    x, y = vects
    sum_square = tf.math.reduce_sum(tf.math.square(x - y), axis=1, keepdims=True)
    return tf.math.sqrt(tf.math.maximum(sum_square, tf.keras.backend.epsilon()))


input = layers.Input((28, 28, 1))
x = tf.keras.layers.BatchNormalization()(input)
x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
x = layers.AveragePooling2D(pool_size=(2, 2))(x)
x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
x = layers.AveragePooling2D(pool_size=(2, 2))(x)
x = layers.Flatten()(x)
x = tf.keras.layers.BatchNormalization()(x)
x = layers.Dense(10, activation="tanh")(x)
embedding_network = keras.Model(input, x)

input_1 = layers.Input((28, 28, 1))
input_2 = layers.Input((28, 28, 1))
tower_1 = embedding_network(input_1)
tower_2 = embedding_network(input_2)
merge_layer = layers.Lambda(euclidean_distance)([tower_1, tower_2])
normal_layer = tf.keras.layers.BatchNormalization()(merge_layer)
output_layer = layers.Dense(1, activation="sigmoid")(normal_layer)
siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)


def loss(margin=1):
    """The contrastive loss, closed over `margin`."""

    def contrastive_loss(y_true, y_pred):
        square_pred = tf.math.square(y_pred)
        margin_square = tf.math.square(tf.math.maximum(margin - (y_pred), 0))
        return tf.math.reduce_mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=["accuracy"])
siamese.summary()

history = siamese.fit([x_train_1, x_train_2], labels_train, validation_data=([x_val_1, x_val_2], labels_val),
                      batch_size=batch_size, epochs=epochs)

results = siamese.evaluate([x_test_1, x_test_2], labels_test)
print("test loss, test acc:", results)
predictions = siamese.predict([x_test_1, x_test_2])

COMPAT_RESULTS = {
    "pairs_train_shape": pairs_train.shape, "labels_train": labels_train, "labels_test": labels_test,
    "distance": euclidean_distance([tf.constant([[0.0, 3.0]]), tf.constant([[4.0, 0.0]])]),
    "contrastive": loss(margin=1)(tf.constant([1.0, 0.0]), tf.constant([0.25, 0.5])),
    "params": siamese.count_params(), "history_keys": sorted(history.history),
    "test_loss": results[0], "test_accuracy": results[1], "predictions_shape": predictions.shape,
}
# The pairs come from Python's random (seeded alike by the runner) and the loss / distance helpers are
# deterministic: compared exactly. Training starts from random weights: compared with bounds.
COMPAT_COMPARE = {"test_loss": {"below": 0.3}, "test_accuracy": {"above": 0.4}}
