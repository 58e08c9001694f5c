"""Follows tensorflow/docs, site/en/tutorials/keras/regression.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
predicting fuel efficiency (Auto MPG) with a Normalization layer adapted on the features, single- and
multi-input linear models, DNNs, and a .keras save / load round trip.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the UCI download and
pandas (read_csv, get_dummies, sample, pop, describe) are replaced by _synthetic.auto_mpg columns in
NumPy (pandas is not installed here): the Origin column is one-hot encoded into USA/Europe/Japan
columns by hand and the split is a fixed permutation (120 rows); epochs shrunk (100 -> 50); seaborn / matplotlib plots and the results DataFrame left out (the results stay a dict).

Covers: layers.Normalization(axis=-1) adapted on a 2-D array and its .mean, Normalization(input_shape=
[1,], axis=None) on one column, Sequential [normalizer, Dense(1)], predict before training, the
Dense kernel, Adam(learning_rate=0.1) with loss='mean_absolute_error', fit(verbose=0,
validation_split=0.2), evaluate(verbose=0), predict on tf.linspace, two-hidden-layer DNNs sharing a
normalizer, summary, model.save('dnn_model.keras') and tf.keras.models.load_model.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

np.set_printoptions(precision=3, suppress=True)
print(tf.__version__)

columns = _synthetic.auto_mpg()
origin = columns.pop("Origin")
for code, name in ((1.0, "USA"), (2.0, "Europe"), (3.0, "Japan")):
    columns[name] = (origin == code).astype("float64")
feature_names = [name for name in columns if name != "MPG"]

order = np.random.default_rng(0).permutation(len(columns["MPG"]))
train_rows, test_rows = order[: int(0.8 * len(order))], order[int(0.8 * len(order)):]
train_features = np.stack([columns[name][train_rows] for name in feature_names], axis=1)
test_features = np.stack([columns[name][test_rows] for name in feature_names], axis=1)
train_labels, test_labels = columns["MPG"][train_rows], columns["MPG"][test_rows]
horsepower_column = feature_names.index("Horsepower")

normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))
print(normalizer.mean.numpy())

first = np.array(train_features[:1])
with np.printoptions(precision=2, suppress=True):
    print("First example:", first)
    print()
    normalized_first = normalizer(first).numpy()
    print("Normalized:", normalized_first)

horsepower = np.array(train_features[:, horsepower_column])
horsepower_normalizer = layers.Normalization(input_shape=[1,], axis=None)
horsepower_normalizer.adapt(horsepower)

horsepower_model = tf.keras.Sequential([horsepower_normalizer, layers.Dense(units=1)])
horsepower_model.summary()
untrained = horsepower_model.predict(horsepower[:10])

horsepower_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
history = horsepower_model.fit(train_features[:, horsepower_column], train_labels, epochs=50,
                               verbose=0, validation_split=0.2)
history_keys = sorted(history.history)

test_results = {}
test_results["horsepower_model"] = horsepower_model.evaluate(
    test_features[:, horsepower_column], test_labels, verbose=0)

x = tf.linspace(0.0, 250, 251)
y = horsepower_model.predict(x)

linear_model = tf.keras.Sequential([normalizer, layers.Dense(units=1)])
linear_model.predict(train_features[:10])
kernel_shape = linear_model.layers[1].kernel.shape
linear_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
history = linear_model.fit(train_features, train_labels, epochs=50, verbose=0, validation_split=0.2)
test_results["linear_model"] = linear_model.evaluate(test_features, test_labels, verbose=0)


def build_and_compile_model(norm):
    model = keras.Sequential([
        norm,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.001))
    return model


dnn_horsepower_model = build_and_compile_model(horsepower_normalizer)
dnn_horsepower_model.summary()
history = dnn_horsepower_model.fit(train_features[:, horsepower_column], train_labels,
                                   validation_split=0.2, verbose=0, epochs=50)
y = dnn_horsepower_model.predict(x)
test_results["dnn_horsepower_model"] = dnn_horsepower_model.evaluate(
    test_features[:, horsepower_column], test_labels, verbose=0)

dnn_model = build_and_compile_model(normalizer)
dnn_model.summary()
history = dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0, epochs=50)
test_results["dnn_model"] = dnn_model.evaluate(test_features, test_labels, verbose=0)
print(test_results)

test_predictions = dnn_model.predict(test_features).flatten()
error = test_predictions - test_labels

dnn_model.save("dnn_model.keras")
reloaded = tf.keras.models.load_model("dnn_model.keras")
test_results["reloaded"] = reloaded.evaluate(test_features, test_labels, verbose=0)
print(test_results)

COMPAT_RESULTS = {
    "mean": normalizer.mean.numpy(), "variance": normalizer.variance.numpy(),
    "normalized_first": normalized_first,
    "horsepower_mean": horsepower_normalizer.mean.numpy(),
    "untrained_shape": untrained.shape, "kernel_shape": tuple(kernel_shape),
    "history_keys": history_keys, "line_shape": y.shape,
    "horsepower_mae": test_results["horsepower_model"], "linear_mae": test_results["linear_model"],
    "dnn_mae": test_results["dnn_model"], "reloaded_matches": test_results["reloaded"] == test_results["dnn_model"],
    "predictions_shape": test_predictions.shape, "error_dtype": str(error.dtype),
}
# Normalization's statistics come from the data (compared to float tolerance); the models start from
# random weights, so their errors are compared with bounds (MPG spans about 15-45; a mean predictor's
# error is about 5). The reloaded model must evaluate exactly like the saved one on each framework.
COMPAT_COMPARE = {"mean": {"rtol": 1e-5}, "variance": {"rtol": 1e-4}, "normalized_first": {"atol": 1e-4},
                  "horsepower_mae": {"below": 14.0}, "linear_mae": {"below": 14.0},
                  "dnn_mae": {"below": 6.0}}
