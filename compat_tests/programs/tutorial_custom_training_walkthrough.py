"""Follows tensorflow/docs, site/en/tutorials/customization/custom_training_walkthrough.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
classifying penguin species with a small Keras network trained by a hand-written loop.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download (tfds 'penguins/processed': 334 rows, an 20%/80% test/train split); sizes shrunk
(20 epochs). The tutorial's dataframe previews and plots are left out.

Covers: tf.data.Dataset.from_tensor_slices and batch, next(iter(...)); a Sequential of
Dense(activation=tf.nn.relu, input_shape=(4,)) layers; calling it, tf.nn.softmax, tf.math.argmax;
SparseCategoricalCrossentropy(from_logits=True); a loss/gradient helper with tf.GradientTape;
SGD apply_gradients and optimizer.iterations; per-epoch keras.metrics.Mean and
SparseCategoricalAccuracy; a test loop with keras.metrics.Accuracy and argmax(output_type=tf.int64);
tf.stack; predicting on a tf.convert_to_tensor batch.
"""

import os  # noqa: F401  (imported by the tutorial)

import tensorflow as tf

from compat_tests.programs import _synthetic

print("TF version:", tf.__version__)
SPECIES = ["Adélie", "Chinstrap", "Gentoo"]

measurements, species = _synthetic.penguins_processed()
held_out = tf.data.Dataset.from_tensor_slices((measurements[:67], species[:67]))
training_rows = tf.data.Dataset.from_tensor_slices((measurements[67:], species[67:]))
assert isinstance(held_out, tf.data.Dataset)
training_batches = training_rows.batch(32)

sample_x, sample_y = next(iter(training_batches))
print(sample_x)
print(sample_y)

classifier = tf.keras.Sequential([
    tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(4,)),
    tf.keras.layers.Dense(10, activation=tf.nn.relu),
    tf.keras.layers.Dense(3),
])
sample_logits = classifier(sample_x)
tf.nn.softmax(sample_logits[:5])
print("predicted:", tf.math.argmax(sample_logits, axis=1))
print("actual:   ", sample_y)

xent = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def batch_loss(net, inputs, targets, training):
    return xent(y_true=targets, y_pred=net(inputs, training=training))


def loss_and_gradients(net, inputs, targets):
    with tf.GradientTape() as tape:
        value = batch_loss(net, inputs, targets, training=True)
    return value, tape.gradient(value, net.trainable_variables)


print("loss before training:", batch_loss(classifier, sample_x, sample_y, training=False))

sgd = tf.keras.optimizers.SGD(learning_rate=0.01)
value, grads = loss_and_gradients(classifier, sample_x, sample_y)
print("step", sgd.iterations.numpy(), "loss", value.numpy())
sgd.apply_gradients(zip(grads, classifier.trainable_variables))
print("step", sgd.iterations.numpy(), "loss",
      batch_loss(classifier, sample_x, sample_y, training=True).numpy())

loss_history, accuracy_history = [], []
for epoch in range(20):
    mean_loss = tf.keras.metrics.Mean()
    hit_rate = tf.keras.metrics.SparseCategoricalAccuracy()
    for batch_x, batch_y in training_batches:
        value, grads = loss_and_gradients(classifier, batch_x, batch_y)
        sgd.apply_gradients(zip(grads, classifier.trainable_variables))
        mean_loss.update_state(value)
        hit_rate.update_state(batch_y, classifier(batch_x, training=True))
    loss_history.append(mean_loss.result())
    accuracy_history.append(hit_rate.result())
    if epoch % 50 == 0:
        print(f"epoch {epoch:03d}: loss {mean_loss.result():.3f}, accuracy {hit_rate.result():.3%}")

exact_matches = tf.keras.metrics.Accuracy()
for batch_x, batch_y in held_out.batch(10):
    guessed = tf.math.argmax(classifier(batch_x, training=False), axis=1, output_type=tf.int64)
    exact_matches(guessed, batch_y)
print(f"test accuracy: {exact_matches.result():.3%}")
tf.stack([batch_y, guessed], axis=1)

unseen = tf.convert_to_tensor([[0.2, 0.7, 0.3, 0.6], [0.5, 0.2, 0.9, 0.4], [0.8, 0.8, 0.7, 0.5]])
for row, logits in enumerate(classifier(unseen, training=False)):
    best = tf.math.argmax(logits).numpy()
    print(f"penguin {row}: {SPECIES[best]} ({100 * tf.nn.softmax(logits)[best]:4.1f}%)")

COMPAT_RESULTS = {"final_loss": loss_history[-1], "final_accuracy": accuracy_history[-1],
                  "test_accuracy": exact_matches.result(), "steps": int(sgd.iterations),
                  "features_shape": sample_x.shape, "labels_dtype": sample_y.dtype}
# Initial weights differ between frameworks: 20 epochs of SGD are compared with bounds.
COMPAT_COMPARE = {"final_loss": {"within": 0.6}, "final_accuracy": {"within": 0.4},
                  "test_accuracy": {"within": 0.4}}
