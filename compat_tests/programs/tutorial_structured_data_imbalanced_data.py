"""Follows tensorflow/docs, site/en/tutorials/structured_data/imbalanced_data.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
classifying a highly imbalanced dataset (credit card fraud): confusion-matrix and curve metrics, a
careful initial output bias, class weights, and oversampling with tf.data.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the creditcard.csv
download is replaced by _synthetic.creditcard (2000 rows, about 3% positive); pandas, scikit-learn
(train_test_split, StandardScaler, confusion_matrix, roc/pr curves) and seaborn are replaced by NumPy
(a fixed permutation split, mean/std scaling, a confusion matrix by counting); EPOCHS 100 -> 5, the
bias comparison runs 20 -> 2 epochs, BATCH_SIZE 2048 -> 64; plots are left out.

Covers: keras.metrics BinaryCrossentropy, MeanSquaredError, TruePositives / FalsePositives /
TrueNegatives / FalseNegatives, BinaryAccuracy, Precision, Recall, AUC and AUC(curve='PR') by name,
initializers.Constant as a bias initializer from a NumPy array, Dense + Dropout Sequential with
input_shape, evaluate(batch_size=..., verbose=0), save_weights('...weights.h5') / load_weights,
assigning a layer's bias, fit with validation_data, EarlyStopping(monitor='val_prc', mode='max',
restore_best_weights=True), model.metrics_names, fit(class_weight=...), Dataset.from_tensor_slices /
shuffle / repeat, tf.data.Dataset.sample_from_datasets(weights=...), batch / prefetch, and fit on an
infinite dataset with steps_per_epoch.
"""

import os
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow import keras

from compat_tests.programs import _synthetic

raw = _synthetic.creditcard()
neg, pos = np.bincount(raw["Class"])
total = neg + pos
print("Examples:\n    Total: {}\n    Positive: {} ({:.2f}% of total)\n".format(total, pos, 100 * pos / total))

cleaned = dict(raw)
cleaned.pop("Time")
eps = 0.001
cleaned["Log Amount"] = np.log(cleaned.pop("Amount") + eps)

order = np.random.default_rng(0).permutation(total)
test_rows, val_rows, train_rows = np.split(order, [int(0.2 * total), int(0.36 * total)])
labels = cleaned.pop("Class")
columns = list(cleaned)
table = np.stack([cleaned[name] for name in columns], axis=1)
train_labels = labels[train_rows].reshape(-1, 1)
bool_train_labels = train_labels[:, 0] != 0
val_labels = labels[val_rows].reshape(-1, 1)
test_labels = labels[test_rows].reshape(-1, 1)
train_features, val_features, test_features = table[train_rows], table[val_rows], table[test_rows]
print(f"Average class probability in training set:   {train_labels.mean():.4f}")
print(f"Average class probability in validation set: {val_labels.mean():.4f}")
print(f"Average class probability in test set:       {test_labels.mean():.4f}")

mean, std = train_features.mean(axis=0), train_features.std(axis=0)
train_features = np.clip((train_features - mean) / std, -5, 5)
val_features = np.clip((val_features - mean) / std, -5, 5)
test_features = np.clip((test_features - mean) / std, -5, 5)
print("Training labels shape:", train_labels.shape)
print("Training features shape:", train_features.shape)

METRICS = [
    keras.metrics.BinaryCrossentropy(name="cross entropy"),
    keras.metrics.MeanSquaredError(name="Brier score"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.BinaryAccuracy(name="accuracy"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
    keras.metrics.AUC(name="auc"),
    keras.metrics.AUC(name="prc", curve="PR"),
]


def make_model(metrics=METRICS, output_bias=None):
    if output_bias is not None:
        output_bias = tf.keras.initializers.Constant(output_bias)
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", input_shape=(train_features.shape[-1],)),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(1, activation="sigmoid", bias_initializer=output_bias),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.BinaryCrossentropy(),
                  metrics=metrics)
    return model


EPOCHS = 5
BATCH_SIZE = 64


def early_stopping():
    return tf.keras.callbacks.EarlyStopping(monitor="val_prc", verbose=1, patience=10, mode="max",
                                            restore_best_weights=True)


model = make_model()
model.summary()
model.predict(train_features[:10], verbose=0)
results = model.evaluate(train_features, train_labels, batch_size=BATCH_SIZE, verbose=0)
zero_bias_loss = results[0]

initial_bias = np.log([pos / neg])
model = make_model(output_bias=initial_bias)
careful_predictions = model.predict(train_features[:10], verbose=0)
results = model.evaluate(train_features, train_labels, batch_size=BATCH_SIZE, verbose=0)
careful_bias_loss = results[0]

initial_weights = os.path.join(tempfile.mkdtemp(), "initial.weights.h5")
model.save_weights(initial_weights)

model = make_model()
model.load_weights(initial_weights)
model.layers[-1].bias.assign([0.0])
zero_bias_history = model.fit(train_features, train_labels, batch_size=BATCH_SIZE, epochs=2,
                              validation_data=(val_features, val_labels), verbose=0)
model = make_model()
model.load_weights(initial_weights)
careful_bias_history = model.fit(train_features, train_labels, batch_size=BATCH_SIZE, epochs=2,
                                 validation_data=(val_features, val_labels), verbose=0)

model = make_model()
model.load_weights(initial_weights)
baseline_history = model.fit(train_features, train_labels, batch_size=BATCH_SIZE, epochs=EPOCHS,
                             callbacks=[early_stopping()], validation_data=(val_features, val_labels), verbose=0)
test_predictions_baseline = model.predict(test_features, batch_size=BATCH_SIZE, verbose=0)
baseline_results = model.evaluate(test_features, test_labels, batch_size=BATCH_SIZE, verbose=0)
# Keras 3's metrics_names is ['loss', 'compile_metrics']: name the results with return_dict instead.
baseline_named = model.evaluate(test_features, test_labels, batch_size=BATCH_SIZE, verbose=0, return_dict=True)


def confusion(labels, predictions, threshold=0.5):
    predicted = (predictions > threshold)[:, 0]
    actual = labels[:, 0] != 0
    return [[int(np.sum(~actual & ~predicted)), int(np.sum(~actual & predicted))],
            [int(np.sum(actual & ~predicted)), int(np.sum(actual & predicted))]]


baseline_cm = confusion(test_labels, test_predictions_baseline)

weight_for_0 = (1 / neg) * (total / 2.0)
weight_for_1 = (1 / pos) * (total / 2.0)
class_weight = {0: weight_for_0, 1: weight_for_1}
print("Weight for class 0: {:.2f}".format(weight_for_0))
print("Weight for class 1: {:.2f}".format(weight_for_1))

weighted_model = make_model()
weighted_model.load_weights(initial_weights)
weighted_history = weighted_model.fit(train_features, train_labels, batch_size=BATCH_SIZE, epochs=EPOCHS,
                                      callbacks=[early_stopping()], validation_data=(val_features, val_labels),
                                      class_weight=class_weight, verbose=0)
weighted_results = weighted_model.evaluate(test_features, test_labels, batch_size=BATCH_SIZE, verbose=0,
                                          return_dict=True)

pos_features = train_features[bool_train_labels]
neg_features = train_features[~bool_train_labels]
pos_labels = train_labels[bool_train_labels]
neg_labels = train_labels[~bool_train_labels]

BUFFER_SIZE = 100000


def make_ds(features, labels):
    ds = tf.data.Dataset.from_tensor_slices((features, labels))
    ds = ds.shuffle(BUFFER_SIZE).repeat()
    return ds


pos_ds = make_ds(pos_features, pos_labels)
neg_ds = make_ds(neg_features, neg_labels)
for features, label in pos_ds.take(1):
    pos_label = label.numpy()

resampled_ds = tf.data.Dataset.sample_from_datasets([pos_ds, neg_ds], weights=[0.5, 0.5])
resampled_ds = resampled_ds.batch(BATCH_SIZE).prefetch(2)
for features, label in resampled_ds.take(1):
    resampled_mean = label.numpy().mean()

resampled_steps_per_epoch = int(np.ceil(2.0 * neg / BATCH_SIZE))
resampled_model = make_model()
resampled_model.load_weights(initial_weights)
output_layer = resampled_model.layers[-1]
output_layer.bias.assign([0])
val_ds = tf.data.Dataset.from_tensor_slices((val_features, val_labels)).cache().batch(BATCH_SIZE).prefetch(2)
resampled_history = resampled_model.fit(resampled_ds, epochs=EPOCHS, steps_per_epoch=resampled_steps_per_epoch,
                                        callbacks=[early_stopping()], validation_data=val_ds, verbose=0)

COMPAT_RESULTS = {
    "counts": (int(neg), int(pos)), "initial_bias": initial_bias,
    "careful_predictions_mean": float(careful_predictions.mean()),
    "zero_bias_loss": zero_bias_loss, "careful_bias_loss": careful_bias_loss,
    "metrics_names": model.metrics_names, "named_keys": sorted(baseline_named), "history_keys": sorted(baseline_history.history),
    "baseline_auc": baseline_named["auc"], "baseline_cm_total": sum(map(sum, baseline_cm)),
    "weighted_auc": weighted_results["auc"], "baseline_results_len": len(baseline_results),
    "pos_label": pos_label, "resampled_mean": float(resampled_mean),
    "resampled_epochs": len(resampled_history.history["loss"]),
}
# The models start from random weights and use dropout; the sampling draws differ: training
# outcomes are compared by bounds (a careful bias predicts about pos/total = 0.03 at first, and its
# loss is near the data's entropy, about 0.13; a zero bias starts near ln 2 = 0.69).
COMPAT_COMPARE = {"careful_predictions_mean": {"below": 0.2}, "zero_bias_loss": {"above": 0.3},
                  "careful_bias_loss": {"below": 0.3}, "baseline_auc": {"above": 0.5},
                  "weighted_auc": {"above": 0.5}, "resampled_mean": {"above": 0.3, "below": 0.7}}
