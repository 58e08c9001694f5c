"""Follows tensorflow/docs, site/en/tutorials/load_data/csv.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
CSV data into Keras models (in memory, with preprocessing layers for mixed columns) and through
tf.data (make_csv_dataset, gzip, cache, snapshot, decode_csv, CsvDataset, interleaved files).
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the downloaded
abalone, titanic, traffic-volume (.csv.gz) and fonts CSVs are written by _synthetic into the working
folder (a few hundred rows; 3 fonts with 4x4 pixel columns instead of 153 fonts at 20x20);
pandas (read_csv, pop, head) is replaced by NumPy columns read with the csv module (pandas is not
installed here); epochs shrunk (10 -> 2) and fit runs with verbose=0; %%time timings, plot_model and
matplotlib plots are left out.

Covers: Sequential Dense models fit on a float64 array and int labels, layers.Normalization adapted
on it, a symbolic Keras expression (2*input + 1) as a Model, a dict of tf.keras.Input with string and
float dtypes, Concatenate, StringLookup(vocabulary=...) + CategoryEncoding(num_tokens=
vocabulary_size()), a preprocessing Model called on a dict of arrays, a Model nesting it with
BinaryCrossentropy(from_logits=True), .keras save / load_model, Dataset.from_tensor_slices of a dict,
tf.data.experimental.make_csv_dataset (label_name, num_epochs, ignore_errors, compression_type=
"GZIP", file_pattern, num_parallel_reads, shuffle_buffer_size), Dataset.cache / snapshot / repeat,
a map stacking columns into images, tf.io.decode_csv with string and typed record_defaults,
tf.data.experimental.CsvDataset (header=True, a list of files), TextLineDataset.skip.map,
Dataset.list_files, interleave(cycle_length=3), and CsvDataset(select_cols=...) in batches.
"""

import csv
import itertools
import pathlib
import re

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

np.set_printoptions(precision=3, suppress=True)

# In-memory data: the abalone table (no header; the last column is the label).
abalone_path = _synthetic.write_abalone_csv("abalone_train.csv")
abalone_table = np.loadtxt(abalone_path, delimiter=",")
abalone_features = abalone_table[:, :-1]
abalone_labels = abalone_table[:, -1].astype("int64")
print(abalone_features[:3])

abalone_model = tf.keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
abalone_model.compile(loss=tf.keras.losses.MeanSquaredError(), optimizer=tf.keras.optimizers.Adam())
abalone_history = abalone_model.fit(abalone_features, abalone_labels, epochs=2, verbose=0)

normalize = layers.Normalization()
normalize.adapt(abalone_features)
norm_abalone_model = tf.keras.Sequential([normalize, layers.Dense(64, activation="relu"), layers.Dense(1)])
norm_abalone_model.compile(loss=tf.keras.losses.MeanSquaredError(), optimizer=tf.keras.optimizers.Adam())
norm_history = norm_abalone_model.fit(abalone_features, abalone_labels, epochs=2, verbose=0)

# Mixed data types: the titanic table, its columns as NumPy arrays (what pandas' columns hold).
titanic_file_path = _synthetic.write_titanic_csv("train.csv")
with open(titanic_file_path) as f:
    titanic_rows = list(csv.DictReader(f))
numeric = {"survived": "int64", "age": "float64", "n_siblings_spouses": "int64", "parch": "int64",
           "fare": "float64"}
titanic = {name: np.array([row[name] for row in titanic_rows], dtype=numeric.get(name, object))
           for name in _synthetic.TITANIC_COLUMNS}
titanic_features = dict(titanic)
titanic_labels = titanic_features.pop("survived")

input = tf.keras.Input(shape=(), dtype=tf.float32)
result = 2 * input + 1
calc = tf.keras.Model(inputs=input, outputs=result)
print(calc(np.array([1])).numpy())
print(calc(np.array([2])).numpy())

inputs = {}
for name, column in titanic_features.items():
    dtype = column.dtype
    if dtype == object:
        dtype = tf.string
    else:
        dtype = tf.float32
    inputs[name] = tf.keras.Input(shape=(1,), name=name, dtype=dtype)
print(sorted((name, str(value.dtype), tuple(value.shape)) for name, value in inputs.items()))

numeric_inputs = {name: input for name, input in inputs.items() if input.dtype == tf.float32}
x = layers.Concatenate()(list(numeric_inputs.values()))
norm = layers.Normalization()
norm.adapt(np.stack([titanic[name] for name in numeric_inputs], axis=1))
all_numeric_inputs = norm(x)
print(tuple(all_numeric_inputs.shape))

preprocessed_inputs = [all_numeric_inputs]
for name, input in inputs.items():
    if input.dtype == tf.float32:
        continue
    lookup = layers.StringLookup(vocabulary=np.unique(titanic_features[name]))
    one_hot = layers.CategoryEncoding(num_tokens=lookup.vocabulary_size())
    x = lookup(input)
    x = one_hot(x)
    preprocessed_inputs.append(x)

preprocessed_inputs_cat = layers.Concatenate()(preprocessed_inputs)
titanic_preprocessing = tf.keras.Model(inputs, preprocessed_inputs_cat)

titanic_features_dict = {name: np.array(value) for name, value in titanic_features.items()}
features_dict = {name: values[:1] for name, values in titanic_features_dict.items()}
preprocessed_first = titanic_preprocessing(features_dict)
print(preprocessed_first)


def titanic_model(preprocessing_head, inputs):
    body = tf.keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(1)])
    preprocessed_inputs = preprocessing_head(inputs)
    result = body(preprocessed_inputs)
    model = tf.keras.Model(inputs, result)
    model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), optimizer=tf.keras.optimizers.Adam())
    return model


titanic_model = titanic_model(titanic_preprocessing, inputs)
titanic_history = titanic_model.fit(x=titanic_features_dict, y=titanic_labels, epochs=2, verbose=0)

titanic_model.save("test.keras")
reloaded = tf.keras.models.load_model("test.keras")
features_dict = {name: values[:1] for name, values in titanic_features_dict.items()}
before = titanic_model(features_dict)
after = reloaded(features_dict)
assert (before - after) < 1e-3


def slices(features):
    for i in itertools.count():
        example = {name: values[i] for name, values in features.items()}
        yield example


for example in slices(titanic_features_dict):
    for name, value in example.items():
        print(f"{name:19s}: {value}")
    break

features_ds = tf.data.Dataset.from_tensor_slices(titanic_features_dict)
for example in features_ds:
    for name, value in example.items():
        print(f"{name:19s}: {value}")
    break

titanic_ds = tf.data.Dataset.from_tensor_slices((titanic_features_dict, titanic_labels))
titanic_batches = titanic_ds.shuffle(len(titanic_labels)).batch(32)
batches_history = titanic_model.fit(titanic_batches, epochs=2, verbose=0)

# tf.data from CSV files.
titanic_csv_ds = tf.data.experimental.make_csv_dataset(
    titanic_file_path, batch_size=5, label_name="survived", num_epochs=1, ignore_errors=True)
for batch, label in titanic_csv_ds.take(1):
    csv_batch = {key: (str(value.dtype), tuple(value.shape)) for key, value in batch.items()}
    csv_label = (str(label.dtype), tuple(label.shape))

traffic_volume_csv_gz = _synthetic.write_traffic_csv_gz("Metro_Interstate_Traffic_Volume.csv.gz")
traffic_volume_csv_gz_ds = tf.data.experimental.make_csv_dataset(
    traffic_volume_csv_gz, batch_size=64, label_name="traffic_volume", num_epochs=1, compression_type="GZIP")
for batch, label in traffic_volume_csv_gz_ds.take(1):
    traffic_batch = {key: (str(value.dtype), tuple(value.shape)) for key, value in batch.items()}
    traffic_label = (str(label.dtype), tuple(label.shape))

repeated = sum(1 for _ in traffic_volume_csv_gz_ds.repeat(3))
caching = traffic_volume_csv_gz_ds.cache().shuffle(1000)
cached = sum(int(tf.size(label)) for batch, label in caching.shuffle(1000).repeat(3))
snapshotting = traffic_volume_csv_gz_ds.snapshot("titanic.tfsnap").shuffle(1000)
snapshotted = sum(int(tf.size(label)) for batch, label in snapshotting.shuffle(1000).repeat(3))

font_csvs = sorted(_synthetic.write_font_csvs("fonts"))
font_csvs = sorted(str(p) for p in pathlib.Path("fonts").glob("*.csv"))
print(font_csvs[:10], len(font_csvs))

fonts_ds = tf.data.experimental.make_csv_dataset(
    file_pattern="fonts/*.csv", batch_size=10, num_epochs=1, num_parallel_reads=20, shuffle_buffer_size=10000)
for features in fonts_ds.take(1):
    fonts_batch = [(name, str(value.dtype), tuple(value.shape)) for name, value in features.items()]
print(f"[total: {len(features)} features]")


def make_images(features):
    image = [None] * 16
    new_feats = {}
    for name, value in features.items():
        match = re.match(r"r(\d+)c(\d+)", name)
        if match:
            image[int(match.group(1)) * 4 + int(match.group(2))] = value
        else:
            new_feats[name] = value
    image = tf.stack(image, axis=0)
    image = tf.reshape(image, [4, 4, -1])
    new_feats["image"] = image
    return new_feats


fonts_image_ds = fonts_ds.map(make_images)
for features in fonts_image_ds.take(1):
    break
font_image = (str(features["image"].dtype), tuple(features["image"].shape))

# Lower-level functions.
text = pathlib.Path(titanic_file_path).read_text()
lines = text.split("\n")[1:-1]
all_strings = [str()] * 10
features = tf.io.decode_csv(lines, record_defaults=all_strings)
for f in features:
    print(f"type: {f.dtype.name}, shape: {f.shape}")
print(lines[0])

titanic_types = [int(), str(), float(), int(), int(), float(), str(), str(), str(), str()]
features = tf.io.decode_csv(lines, record_defaults=titanic_types)
for f in features:
    print(f"type: {f.dtype.name}, shape: {f.shape}")
decoded_typed = list(features)

simple_titanic = tf.data.experimental.CsvDataset(titanic_file_path, record_defaults=titanic_types, header=True)
for example in simple_titanic.take(1):
    print([e.numpy() for e in example])


def decode_titanic_line(line):
    return tf.io.decode_csv(line, titanic_types)


manual_titanic = tf.data.TextLineDataset(titanic_file_path).skip(1).map(decode_titanic_line)
for example in manual_titanic.take(1):
    print([e.numpy() for e in example])

font_line = pathlib.Path(font_csvs[0]).read_text().splitlines()[1]
print(font_line)
num_font_features = font_line.count(",") + 1
font_column_types = [str(), str()] + [float()] * (num_font_features - 2)
simple_font_ds = tf.data.experimental.CsvDataset(font_csvs, record_defaults=font_column_types, header=True)
for row in simple_font_ds.take(10):
    print(row[0].numpy())

font_files = tf.data.Dataset.list_files("fonts/*.csv")
listed = sorted(f.numpy() for f in font_files)


def make_font_csv_ds(path):
    return tf.data.experimental.CsvDataset(path, record_defaults=font_column_types, header=True)


font_rows = font_files.interleave(make_font_csv_ds, cycle_length=3)
fonts_dict = {"font_name": [], "character": []}
for row in font_rows.take(10):
    fonts_dict["font_name"].append(row[0].numpy().decode())
    fonts_dict["character"].append(chr(int(row[2].numpy())))
interleaved_fonts = sorted(set(fonts_dict["font_name"]))

BATCH_SIZE = 8
fast_font_ds = tf.data.experimental.CsvDataset(
    font_csvs, record_defaults=[str()] + [float()] * 3, header=True, select_cols=[0, 2, 3, 4]).batch(BATCH_SIZE)
fast_batches = [tuple(tuple(c.shape) for c in batch) for batch in fast_font_ds]

COMPAT_RESULTS = {
    "abalone_loss": abalone_history.history["loss"], "norm_abalone_loss": norm_history.history["loss"],
    "calc": calc(np.array([1, 2])), "preprocessed_first": preprocessed_first,
    "titanic_loss": titanic_history.history["loss"], "reloaded_same": float(tf.reduce_max(tf.abs(before - after))),
    "batches_loss": batches_history.history["loss"],
    "csv_batch": csv_batch, "csv_label": csv_label, "traffic_batch": traffic_batch, "traffic_label": traffic_label,
    "repeated": repeated, "cached": cached, "snapshotted": snapshotted, "fonts_batch": fonts_batch,
    "font_image": font_image, "decoded_typed": decoded_typed, "listed": listed,
    "interleaved_fonts": interleaved_fonts, "fast_batches": fast_batches,
}
# The models start from random weights and the CSV datasets shuffle: training losses are compared
# by bounds (the abalone ages are about 3-30, so an untrained MSE is in the hundreds), batches by
# their columns, dtypes and shapes; the rest is deterministic.
COMPAT_COMPARE = {"abalone_loss": {"below": 400.0}, "norm_abalone_loss": {"below": 400.0},
                  "titanic_loss": {"below": 1.0}, "batches_loss": {"below": 1.0},
                  "reloaded_same": {"below": 1e-3}}
