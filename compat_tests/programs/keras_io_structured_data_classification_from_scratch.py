"""Follows keras-team/keras-io, examples/structured_data/structured_data_classification_from_scratch.py (commit 002c7bbfe68f2f82b7294b712e9784c03a16e960):
binary classification of heart-disease records with numerical features standardised by
Normalization layers and categorical ones one-hot encoded by IntegerLookup / StringLookup inside a
tf.data map, feeding a dict-input functional model.
Written for tapejax's compat suite (not a copy of the example's code). Changes: the CSV download and
pandas (read_csv, sample, drop, pop) are replaced by _synthetic.heart's columns in NumPy (pandas is
not installed here; 150 rows instead of 303; the 20% validation sample is a fixed permutation); the example's
os.environ["KERAS_BACKEND"] = "torch" line is left out (the program runs on TF's Keras and on
tapejax); keras.utils.plot_model is left out (graphviz's dot is not installed here); 50 -> 5 epochs.

Covers: tf.data.Dataset.from_tensor_slices((dict of int64 / float64 / string columns, labels)), a map
function building layers.StringLookup / IntegerLookup(vocabulary=..., mask_token=None,
num_oov_indices=0, output_mode="binary") per feature (chosen by features[name].dtype == "string"),
shuffle, batch, Normalization.adapt on a dataset of one expanded column, a dict of layers.Input
(int64 one-hot and float32 scalar inputs, named), a custom Layer whose call concatenates a dict's
values (int64 and float32) with layers.concatenate and whose build only sets self.built,
keras.Model(dict, output), compile("adam", "binary_crossentropy", metrics=["accuracy"]), fit with
validation_data, predict on a dict of tf.convert_to_tensor([value]).
"""

import keras
import numpy as np
from keras import layers

from compat_tests.programs import _synthetic

dataframe = _synthetic.heart(n=150)
rows = len(dataframe["target"])
val_rows = np.random.default_rng(1337).permutation(rows)[: round(0.2 * rows)]
train_rows = np.setdiff1d(np.arange(rows), val_rows)
val_dataframe = {name: column[val_rows] for name, column in dataframe.items()}
train_dataframe = {name: column[train_rows] for name, column in dataframe.items()}
print(f"Using {len(train_rows)} samples for training and {len(val_rows)} for validation")

COLUMN_NAMES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak",
                "slope", "ca", "thal", "target"]
TARGET_FEATURE_NAME = "target"
NUMERIC_FEATURE_NAMES = ["age", "trestbps", "thalach", "oldpeak", "slope", "chol"]
# The vocabulary of each categorical feature: ints stay ints, other values become strings.
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    name: sorted(value if dataframe[name].dtype == "int64" else str(value)
                 for value in np.unique(dataframe[name]).tolist())
    for name in COLUMN_NAMES if name not in NUMERIC_FEATURE_NAMES + [TARGET_FEATURE_NAME]
}
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(CATEGORICAL_FEATURES_WITH_VOCABULARY)

import tensorflow as tf  # noqa: E402 - the example imports TF here, for tf.data


def encode_categorical(features, target):
    """One-hot encodes each categorical feature of a record with a lookup layer."""
    for feature_name in features:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            lookup_class = layers.StringLookup if features[feature_name].dtype == "string" else layers.IntegerLookup
            index = lookup_class(vocabulary=CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name], mask_token=None,
                                 num_oov_indices=0, output_mode="binary")
            features[feature_name] = index(features[feature_name])
    return dict(features), target


def encode_numerical_feature(feature, name, dataset):
    """`feature` standardised by a Normalization layer adapted on the dataset's `name` column."""
    normalizer = layers.Normalization()
    feature_ds = dataset.map(lambda x, y: x[name])
    feature_ds = feature_ds.map(lambda x: tf.expand_dims(x, -1))
    normalizer.adapt(feature_ds)
    return normalizer(feature)


def dataframe_to_dataset(dataframe):
    dataframe = dict(dataframe)
    labels = dataframe.pop("target")
    ds = tf.data.Dataset.from_tensor_slices((dict(dataframe), labels)).map(encode_categorical)
    return ds.shuffle(buffer_size=len(labels))


train_ds = dataframe_to_dataset(train_dataframe)
val_ds = dataframe_to_dataset(val_dataframe)
for x, y in train_ds.take(1):
    print("Input:", x)
    print("Target:", y)
record_spec = {name: (value.dtype.name, tuple(value.shape)) for name, value in x.items()}

train_ds = train_ds.batch(32)
val_ds = val_ds.batch(32)


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            num_categories = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name])
            inputs[feature_name] = layers.Input(name=feature_name, shape=(num_categories,), dtype="int64")
        else:
            feature_input = layers.Input(name=feature_name, shape=(1,), dtype="float32")
            inputs[feature_name] = encode_numerical_feature(feature_input, feature_name, train_ds)
    return inputs


class Classifier(keras.layers.Layer):
    """Concatenates every encoded feature, then Dense(32, relu) -> Dropout(0.5) -> Dense(1, sigmoid)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(32, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.dense_2 = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        all_features = layers.concatenate(list(inputs.values()))
        x = self.dense_1(all_features)
        x = self.dropout(x)
        return self.dense_2(x)

    def build(self, input_shape):  # no weights of its own: its sublayers build on their first call
        self.built = True


def create_model():
    all_inputs = create_model_inputs()
    output = Classifier()(all_inputs)
    return keras.Model(all_inputs, output)


model = create_model()
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
history = model.fit(train_ds, epochs=5, validation_data=val_ds)

sample = {"age": 60, "sex": 1, "cp": 1, "trestbps": 145, "chol": 233, "fbs": 1, "restecg": 2, "thalach": 150,
          "exang": 0, "oldpeak": 2.3, "slope": 3, "ca": 0, "thal": "fixed"}


def get_cat_encoding(cat, cat_value):
    """The one-hot list of `cat_value` among the categories `cat`."""
    encoding = [0] * len(cat)
    if cat_value in cat:
        encoding[cat.index(cat_value)] = 1
    return encoding


for name, value in sample.items():
    if name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
        sample.update({name: get_cat_encoding(CATEGORICAL_FEATURES_WITH_VOCABULARY[name], sample[name])})
input_dict = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
predictions = model.predict(input_dict)
print(f"This particular patient had a {100 * predictions[0][0]:.1f} percent probability of having a heart "
      "disease, as evaluated by our model.")

COMPAT_RESULTS = {
    "vocabularies": CATEGORICAL_FEATURES_WITH_VOCABULARY, "record_spec": record_spec,
    "input_dtypes": {name: (t.dtype.name, tuple(t.shape)) for name, t in input_dict.items()},
    "params": model.count_params(), "history_keys": sorted(history.history),
    "accuracy": history.history["accuracy"][-1], "val_accuracy": history.history["val_accuracy"][-1],
    "prediction_shape": predictions.shape, "prediction_dtype": str(predictions.dtype),
    "prediction_in_unit_range": bool(0.0 <= predictions[0][0] <= 1.0),
}
# The encodings are deterministic. The example's create_model_inputs puts each numeric feature's
# Normalization *output* into the model's input dict, so Keras 3 makes that KerasTensor a model input:
# the model is fed the raw numbers (ages, cholesterol levels) and leaves the Normalization layers out
# (params counts only the Classifier's). It still trains, from random weights (different draws per
# framework) and with dropout, and its sigmoid often saturates on the unscaled inputs: a model
# answering one class everywhere scores 0.30 / 0.37 (all positive) or 0.70 / 0.63 (all negative) on
# the training / validation rows, so the accuracies are bounded below that; the losses are large
# (unscaled inputs) and left out.
COMPAT_COMPARE = {"accuracy": {"above": 0.25}, "val_accuracy": {"above": 0.25}}
