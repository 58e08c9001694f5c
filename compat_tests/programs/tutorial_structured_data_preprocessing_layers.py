"""Follows tensorflow/docs, site/en/tutorials/structured_data/preprocessing_layers.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
classifying structured data (PetFinder mini) with Keras preprocessing layers: Normalization for
numeric columns, StringLookup / IntegerLookup followed by CategoryEncoding for categorical ones,
a functional model taking a dict of inputs, and a .keras save / load round trip.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the CSV download and
pandas are replaced by _synthetic.petfinder_mini columns in NumPy (pandas is not installed here):
dataframe.sample / np.split become a fixed permutation split into 80/10/10%, df_to_dataset builds its
dict from the NumPy columns; sizes shrunk (480 rows, batch_size 64); plot_model left out; the final print formats
prob[0] (TF 2.21 with NumPy 2 cannot format the shape-(1,) prob with %.1f).

Covers: tf.data.Dataset.from_tensor_slices((dict, labels)), shuffle / batch / prefetch, take(1) and
list(dict.keys()), Dataset.map(lambda x, y: x[name]), layers.Normalization(axis=None).adapt on a
Dataset, layers.StringLookup(max_tokens) and layers.IntegerLookup(max_tokens) adapt and
vocabulary_size, layers.CategoryEncoding(num_tokens) multi-hot output, tf.keras.Input(shape=(1,),
dtype='string' / 'int64', name=...), layers.concatenate, Dense / Dropout, BinaryCrossentropy(
from_logits=True), compile(run_eagerly=True), fit with validation_data, evaluate(return_dict=True),
save / load_model of a model with lookup layers, predict on a dict of tf.convert_to_tensor values,
tf.nn.sigmoid.
"""

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

tf.__version__

dataframe = _synthetic.petfinder_mini()
dataframe["target"] = np.where(dataframe["AdoptionSpeed"] == 4, 0, 1)
del dataframe["AdoptionSpeed"], dataframe["Description"]

rows = len(dataframe["target"])
order = np.random.default_rng(0).permutation(rows)
train_rows, val_rows, test_rows = np.split(order, [int(0.8 * rows), int(0.9 * rows)])
train, val, test = ({key: value[part] for key, value in dataframe.items()}
                    for part in (train_rows, val_rows, test_rows))
print(len(train["target"]), "training examples")
print(len(val["target"]), "validation examples")
print(len(test["target"]), "test examples")


def df_to_dataset(dataframe, shuffle=True, batch_size=32):
    df = dict(dataframe)
    labels = df.pop("target")
    df = {key: value[:, tf.newaxis] for key, value in df.items()}
    ds = tf.data.Dataset.from_tensor_slices((dict(df), labels))
    if shuffle:
        ds = ds.shuffle(buffer_size=len(labels))
    ds = ds.batch(batch_size)
    ds = ds.prefetch(batch_size)
    return ds


batch_size = 5
train_ds = df_to_dataset(train, batch_size=batch_size)
[(train_features, label_batch)] = train_ds.take(1)
print("Every feature:", list(train_features.keys()))
print("A batch of ages:", train_features["Age"])
print("A batch of targets:", label_batch)


def get_normalization_layer(name, dataset):
    normalizer = layers.Normalization(axis=None)
    feature_ds = dataset.map(lambda x, y: x[name])
    normalizer.adapt(feature_ds)
    return normalizer


photo_count_col = train_features["PhotoAmt"]
photo_layer = get_normalization_layer("PhotoAmt", train_ds)
photo_normalized = photo_layer(photo_count_col)


def get_category_encoding_layer(name, dataset, dtype, max_tokens=None):
    if dtype == "string":
        index = layers.StringLookup(max_tokens=max_tokens)
    else:
        index = layers.IntegerLookup(max_tokens=max_tokens)
    feature_ds = dataset.map(lambda x, y: x[name])
    index.adapt(feature_ds)
    encoder = layers.CategoryEncoding(num_tokens=index.vocabulary_size())
    return lambda feature: encoder(index(feature))


test_type_col = train_features["Type"]
test_type_layer = get_category_encoding_layer(name="Type", dataset=train_ds, dtype="string")
type_encoded = test_type_layer(test_type_col)

test_age_col = train_features["Age"]
test_age_layer = get_category_encoding_layer(name="Age", dataset=train_ds, dtype="int64", max_tokens=5)
age_encoded = test_age_layer(test_age_col)

batch_size = 64
train_ds = df_to_dataset(train, batch_size=batch_size)
val_ds = df_to_dataset(val, shuffle=False, batch_size=batch_size)
test_ds = df_to_dataset(test, shuffle=False, batch_size=batch_size)

all_inputs = {}
encoded_features = []
for header in ["PhotoAmt", "Fee"]:
    numeric_col = tf.keras.Input(shape=(1,), name=header)
    normalization_layer = get_normalization_layer(header, train_ds)
    encoded_numeric_col = normalization_layer(numeric_col)
    all_inputs[header] = numeric_col
    encoded_features.append(encoded_numeric_col)

age_col = tf.keras.Input(shape=(1,), name="Age", dtype="int64")
encoding_layer = get_category_encoding_layer(name="Age", dataset=train_ds, dtype="int64", max_tokens=5)
encoded_age_col = encoding_layer(age_col)
all_inputs["Age"] = age_col
encoded_features.append(encoded_age_col)

categorical_cols = ["Type", "Color1", "Color2", "Gender", "MaturitySize", "FurLength", "Vaccinated",
                    "Sterilized", "Health", "Breed1"]
for header in categorical_cols:
    categorical_col = tf.keras.Input(shape=(1,), name=header, dtype="string")
    encoding_layer = get_category_encoding_layer(name=header, dataset=train_ds, dtype="string", max_tokens=5)
    encoded_categorical_col = encoding_layer(categorical_col)
    all_inputs[header] = categorical_col
    encoded_features.append(encoded_categorical_col)

encoded_shapes = [tuple(feature.shape) for feature in encoded_features]

all_features = tf.keras.layers.concatenate(encoded_features)
x = tf.keras.layers.Dense(32, activation="relu")(all_features)
x = tf.keras.layers.Dropout(0.5)(x)
output = tf.keras.layers.Dense(1)(x)
model = tf.keras.Model(all_inputs, output)

model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=["accuracy"], run_eagerly=True)
model.fit(train_ds, epochs=10, validation_data=val_ds)
result = model.evaluate(test_ds, return_dict=True)
print(result)

model.save("my_pet_classifier.keras")
reloaded_model = tf.keras.models.load_model("my_pet_classifier.keras")

sample = {
    "Type": "Cat", "Age": 3, "Breed1": "Tabby", "Gender": "Male", "Color1": "Black",
    "Color2": "White", "MaturitySize": "Small", "FurLength": "Short", "Vaccinated": "No",
    "Sterilized": "No", "Health": "Healthy", "Fee": 100, "PhotoAmt": 2,
}
input_dict = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
predictions = reloaded_model.predict(input_dict)
original_predictions = model.predict(input_dict)
prob = tf.nn.sigmoid(predictions[0])
print("This particular pet had a %.1f percent probability of getting adopted." % (100 * prob[0]))

COMPAT_RESULTS = {
    "feature_keys": list(train_features.keys()),
    "photo_normalized_shape": tuple(photo_normalized.shape),
    "type_encoded": type_encoded, "age_encoded_shape": tuple(age_encoded.shape),
    "age_encoded_rows": np.asarray(age_encoded).sum(axis=1),
    "encoded_shapes": encoded_shapes, "result_keys": sorted(result), "accuracy": result["accuracy"],
    "reloaded_matches": bool(np.allclose(predictions, original_predictions, atol=1e-6)),
    "prediction_shape": predictions.shape,
}
# The first shuffled batch differs between frameworks' shuffles, so the values encoded from it are
# compared by shape (and by each multi-hot row holding one 1); the model starts from random weights,
# so its accuracy is compared with a bound (the synthetic target is near balanced; ten short epochs of Adam(0.001) reach 0.55-0.65 on TF).
COMPAT_COMPARE = {"type_encoded": {"shape_only": True}, "accuracy": {"above": 0.45}}
