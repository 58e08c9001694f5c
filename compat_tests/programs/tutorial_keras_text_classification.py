"""Follows tensorflow/docs, site/en/tutorials/keras/text_classification.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
sentiment analysis of movie reviews from raw text files, with a TextVectorization layer adapted on the
training text, an Embedding / GlobalAveragePooling1D classifier, and an export model taking raw strings.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the aclImdb download
(get_file with untar) is replaced by _synthetic.write_review_folders, which writes the same folder
layout (train/pos, train/neg, train/unsup, test/...) of short synthetic reviews; sizes shrunk (96/32
reviews, max_features 1000, sequence_length 40, batch_size 16, 5 epochs); the printed vocabulary
entries are 12 and 31 (the tutorial's 1287 and 313 lie beyond the small vocabulary); plots left out.

Covers: keras.utils.text_dataset_from_directory (validation_split/subset/seed, class_names),
tf.strings.lower / regex_replace in a custom standardization, layers.TextVectorization (max_tokens,
output_mode='int', output_sequence_length) with adapt on a mapped Dataset, get_vocabulary, a Dataset
map calling the layer, cache/prefetch(AUTOTUNE), Sequential Embedding / Dropout /
GlobalAveragePooling1D / Dense(sigmoid), BinaryCrossentropy, tf.metrics.BinaryAccuracy(threshold),
history.history keys, a Sequential export model [vectorize_layer, model, Activation('sigmoid')]
evaluated on raw strings with return_dict, and predict on a string constant.
"""

import os
import re
import shutil
import string

import tensorflow as tf
from tensorflow.keras import layers
from tensorflow.keras import losses

from compat_tests.programs import _synthetic

print(tf.__version__)

dataset_dir = _synthetic.write_review_folders(os.path.join(".", "aclImdb_v1", "aclImdb"))
dataset_dir = os.path.dirname(dataset_dir)
sorted(os.listdir(dataset_dir))

train_dir = os.path.join(dataset_dir, "aclImdb", "train")
test_dir = os.path.join(dataset_dir, "aclImdb", "test")
sorted(os.listdir(train_dir))

sample_file = os.path.join(train_dir, "pos", "3_7.txt")
with open(sample_file) as f:
    sample_text = f.read()
    print(sample_text)

shutil.rmtree(os.path.join(train_dir, "unsup"))

batch_size = 16
seed = 42
raw_train_ds = tf.keras.utils.text_dataset_from_directory(
    train_dir, batch_size=batch_size, validation_split=0.2, subset="training", seed=seed)

for text_batch, label_batch in raw_train_ds.take(1):
    for i in range(3):
        print("Review", text_batch.numpy()[i])
        print("Label", label_batch.numpy()[i])

print("Label 0 corresponds to", raw_train_ds.class_names[0])
print("Label 1 corresponds to", raw_train_ds.class_names[1])

raw_val_ds = tf.keras.utils.text_dataset_from_directory(
    train_dir, batch_size=batch_size, validation_split=0.2, subset="validation", seed=seed)
raw_test_ds = tf.keras.utils.text_dataset_from_directory(test_dir, batch_size=batch_size)


def custom_standardization(input_data):
    lowered = tf.strings.lower(input_data)
    without_breaks = tf.strings.regex_replace(lowered, "<br />", " ")
    return tf.strings.regex_replace(without_breaks, "[%s]" % re.escape(string.punctuation), "")


max_features = 1000
sequence_length = 40
vectorize_layer = layers.TextVectorization(
    standardize=custom_standardization, max_tokens=max_features, output_mode="int",
    output_sequence_length=sequence_length)

train_text = raw_train_ds.map(lambda x, y: x)
vectorize_layer.adapt(train_text)


def vectorize_text(text, label):
    text = tf.expand_dims(text, -1)
    return vectorize_layer(text), label


text_batch, label_batch = next(iter(raw_train_ds))
first_review, first_label = text_batch[0], label_batch[0]
print("Review", first_review)
print("Label", raw_train_ds.class_names[first_label])
first_vectorized = vectorize_text(first_review, first_label)
print("Vectorized review", first_vectorized)

vocabulary = vectorize_layer.get_vocabulary()
print("  12 ---> ", vocabulary[12])
print("  31 ---> ", vocabulary[31])
print("Vocabulary size: {}".format(len(vocabulary)))

train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)
test_ds = raw_test_ds.map(vectorize_text)

AUTOTUNE = tf.data.AUTOTUNE
train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
test_ds = test_ds.cache().prefetch(buffer_size=AUTOTUNE)

embedding_dim = 16
model = tf.keras.Sequential([
    layers.Embedding(max_features, embedding_dim),
    layers.Dropout(0.2),
    layers.GlobalAveragePooling1D(),
    layers.Dropout(0.2),
    layers.Dense(1, activation="sigmoid")])
model.summary()

model.compile(loss=losses.BinaryCrossentropy(), optimizer=tf.keras.optimizers.Adam(0.02),
              metrics=[tf.metrics.BinaryAccuracy(threshold=0.5)])

epochs = 5
history = model.fit(train_ds, validation_data=val_ds, epochs=epochs)

loss, accuracy = model.evaluate(test_ds)
print("Loss: ", loss)
print("Accuracy: ", accuracy)

history_dict = history.history
history_keys = sorted(history_dict.keys())

export_model = tf.keras.Sequential([vectorize_layer, model, layers.Activation("sigmoid")])
export_model.compile(loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam",
                     metrics=["accuracy"])
metrics = export_model.evaluate(raw_test_ds, return_dict=True)
print(metrics)

examples = tf.constant(["The movie was great!", "The movie was okay.", "The movie was terrible..."])
example_scores = export_model.predict(examples)

COMPAT_RESULTS = {
    "class_names": raw_train_ds.class_names,
    "vocabulary": vocabulary,
    "vectorized": first_vectorized[0],
    "label": first_vectorized[1],
    "vectorized_sample": vectorize_layer(tf.constant([sample_text])),
    "history_keys": history_keys,
    "test_accuracy": accuracy,
    "test_loss": loss,
    "export_metric_keys": sorted(metrics), "export_accuracy": metrics["accuracy"],
    "example_scores": example_scores,
}
# Random initial weights, dropout and the datasets' per-epoch shuffles differ between frameworks:
# training outcomes are compared with bounds (the synthetic reviews are separable by their sentiment
# words), the first shuffled review's vectors by shape and dtype. The seeded split, the adapted
# vocabulary and the vectors of the sample review file are deterministic and compared exactly; the
# export model's accuracy is exact too (a sigmoid of a sigmoid is above 0.5: every review counts as
# positive, and half of the test reviews are).
COMPAT_COMPARE = {"test_accuracy": {"above": 0.8}, "test_loss": {"below": 0.6},
                  "vectorized": {"shape_only": True}, "label": {"shape_only": True},
                  "example_scores": {"shape_only": True}}
