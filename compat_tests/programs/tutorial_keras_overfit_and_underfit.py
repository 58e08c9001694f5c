"""Follows tensorflow/docs, site/en/tutorials/keras/overfit_and_underfit.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
models of growing size, L2 weight regularization, dropout, and both combined, trained on the Higgs
dataset read from a gzipped CSV through tf.data.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the 2.6 GB HIGGS.csv.gz
download is replaced by a 1500-row gzipped CSV from _synthetic (28 features shifted by the label);
N_TRAIN 10000 -> 1000, N_VALIDATION 1000 -> 200, BATCH_SIZE 500 -> 100, max_epochs 10000 -> 3 and the
512-unit layers -> 64 units; tensorflow_docs (EpochDots, HistoryPlotter), matplotlib and the
%tensorboard magics are left out (the TensorBoard callback still writes its logs).

Covers: tf.data.experimental.CsvDataset with compression_type="GZIP" and float record defaults,
batch(...).map(pack_row with tf.stack(row[1:], 1)).unbatch(), take / skip / cache / shuffle / repeat,
tf.keras.optimizers.schedules.InverseTimeDecay called on a NumPy array and given to Adam,
EarlyStopping(monitor='val_binary_crossentropy') and TensorBoard callbacks, compile with
BinaryCrossentropy(from_logits=True) and a named metrics.BinaryCrossentropy plus 'accuracy',
summary, fit on a mapped infinite dataset with steps_per_epoch and validation_data, Dense(elu,
input_shape=...), regularizers.l2 kernel regularizers and model.losses with tf.add_n, Dropout.
"""

import pathlib
import shutil
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers
from tensorflow.keras import regularizers

from compat_tests.programs import _synthetic

print(tf.__version__)

logdir = pathlib.Path(tempfile.mkdtemp()) / "tensorboard_logs"
shutil.rmtree(logdir, ignore_errors=True)

gz = _synthetic.write_higgs_csv_gz("HIGGS.csv.gz")
FEATURES = 28
ds = tf.data.experimental.CsvDataset(gz, [float(), ] * (FEATURES + 1), compression_type="GZIP")


def pack_row(*row):
    label = row[0]
    features = tf.stack(row[1:], 1)
    return features, label


packed_ds = ds.batch(10000).map(pack_row).unbatch()
for features, label in packed_ds.batch(1000).take(1):
    print(features[0])
first_features = features

N_VALIDATION = 200
N_TRAIN = 1000
BUFFER_SIZE = 1000
BATCH_SIZE = 100
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE

validate_ds = packed_ds.take(N_VALIDATION).cache()
train_ds = packed_ds.skip(N_VALIDATION).take(N_TRAIN).cache()
print(train_ds.element_spec)
validate_ds = validate_ds.batch(BATCH_SIZE)
train_ds = train_ds.shuffle(BUFFER_SIZE).repeat().batch(BATCH_SIZE)

lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
    0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False)


def get_optimizer():
    return tf.keras.optimizers.Adam(lr_schedule)


step = np.linspace(0, 100000)
lr = lr_schedule(step)


def get_callbacks(name):
    return [
        tf.keras.callbacks.EarlyStopping(monitor="val_binary_crossentropy", patience=200),
        tf.keras.callbacks.TensorBoard(logdir / name),
    ]


def compile_and_fit(model, name, optimizer=None, max_epochs=3):
    if optimizer is None:
        optimizer = get_optimizer()
    model.compile(optimizer=optimizer,
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
                           "accuracy"])
    model.summary()
    history = model.fit(
        train_ds.map(lambda x, y: (x, tf.expand_dims(y, axis=-1))),
        steps_per_epoch=STEPS_PER_EPOCH,
        epochs=max_epochs,
        validation_data=validate_ds.map(lambda x, y: (x, tf.expand_dims(y, axis=-1))),
        callbacks=get_callbacks(name),
        verbose=0)
    return history


tiny_model = tf.keras.Sequential([layers.Dense(16, activation="elu", input_shape=(FEATURES,)), layers.Dense(1)])
size_histories = {}
size_histories["Tiny"] = compile_and_fit(tiny_model, "sizes/Tiny")

small_model = tf.keras.Sequential([
    layers.Dense(16, activation="elu", input_shape=(FEATURES,)),
    layers.Dense(16, activation="elu"),
    layers.Dense(1),
])
size_histories["Small"] = compile_and_fit(small_model, "sizes/Small")

medium_model = tf.keras.Sequential([
    layers.Dense(64, activation="elu", input_shape=(FEATURES,)),
    layers.Dense(64, activation="elu"),
    layers.Dense(64, activation="elu"),
    layers.Dense(1),
])
size_histories["Medium"] = compile_and_fit(medium_model, "sizes/Medium")

large_model = tf.keras.Sequential([
    layers.Dense(64, activation="elu", input_shape=(FEATURES,)),
    layers.Dense(64, activation="elu"),
    layers.Dense(64, activation="elu"),
    layers.Dense(64, activation="elu"),
    layers.Dense(1),
])
size_histories["large"] = compile_and_fit(large_model, "sizes/large")

shutil.rmtree(logdir / "regularizers/Tiny", ignore_errors=True)
shutil.copytree(logdir / "sizes/Tiny", logdir / "regularizers/Tiny")
regularizer_histories = {}
regularizer_histories["Tiny"] = size_histories["Tiny"]

l2_model = tf.keras.Sequential([
    layers.Dense(64, activation="elu", kernel_regularizer=regularizers.l2(0.001), input_shape=(FEATURES,)),
    layers.Dense(64, activation="elu", kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(64, activation="elu", kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(64, activation="elu", kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(1),
])
regularizer_histories["l2"] = compile_and_fit(l2_model, "regularizers/l2")

result = l2_model(features)
regularization_loss = tf.add_n(l2_model.losses)

dropout_model = tf.keras.Sequential([
    layers.Dense(64, activation="elu", input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(64, activation="elu"),
    layers.Dropout(0.5),
    layers.Dense(64, activation="elu"),
    layers.Dropout(0.5),
    layers.Dense(64, activation="elu"),
    layers.Dropout(0.5),
    layers.Dense(1),
])
regularizer_histories["dropout"] = compile_and_fit(dropout_model, "regularizers/dropout")

combined_model = tf.keras.Sequential([
    layers.Dense(64, kernel_regularizer=regularizers.l2(0.0001), activation="elu", input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(64, kernel_regularizer=regularizers.l2(0.0001), activation="elu"),
    layers.Dropout(0.5),
    layers.Dense(64, kernel_regularizer=regularizers.l2(0.0001), activation="elu"),
    layers.Dropout(0.5),
    layers.Dense(64, kernel_regularizer=regularizers.l2(0.0001), activation="elu"),
    layers.Dropout(0.5),
    layers.Dense(1),
])
regularizer_histories["combined"] = compile_and_fit(combined_model, "regularizers/combined")

histories = dict(size_histories, **regularizer_histories)
COMPAT_RESULTS = {
    "first_features": first_features, "lr": lr,
    "history_keys": {name: sorted(h.history) for name, h in histories.items()},
    "epochs": {name: len(h.history["loss"]) for name, h in histories.items()},
    "val_bce": [histories[name].history["val_binary_crossentropy"][-1] for name in sorted(histories)],
    "val_accuracy": [histories[name].history["val_accuracy"][-1] for name in sorted(histories)],
    "result_shape": tuple(result.shape), "regularization_loss": regularization_loss,
    "logs_written": sorted(p.name for p in (logdir / "sizes").iterdir()),
}
# The data pipeline and the learning-rate schedule are deterministic; the models start from random
# weights (and dropout draws differ), so validation results are compared by bounds (chance: a
# cross-entropy of ln 2 = 0.69 and an accuracy of 0.5) and the L2 penalty of random weights by a
# band around TF's value.
COMPAT_COMPARE = {"val_bce": {"below": 0.69}, "val_accuracy": {"above": 0.6},
                  "regularization_loss": {"within": 0.05}}
