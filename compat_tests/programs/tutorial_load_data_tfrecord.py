"""Follows tensorflow/docs, site/en/tutorials/load_data/tfrecord.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
tf.train.Example messages built from Python values, written to and read back from TFRecord files,
parsed with a feature description; then images stored as raw JPEG bytes with their shapes.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the observations
come from a seeded np.random (10000 -> 200 of them); the two downloaded photos are replaced by two
small JPEGs written with PIL from a fixed seed (the same bytes on both backends); `!du -sh` and the
IPython image display are left out.

Covers: tf.train.Feature / BytesList / FloatList / Int64List and their text, Feature.SerializeToString,
a @tf.py_function(Tout=tf.string) building a tf.train.Example (Features, SerializeToString), called
eagerly; tf.train.Example.FromString, tf.io.TFRecordWriter as a context manager, tf.data.TFRecordDataset
(its repr, take, repr of the records), Example.ParseFromString, features.feature.items() and
WhichOneof('kind'), tf.io.FixedLenFeature with defaults, tf.io.parse_single_example in Dataset.map,
tf.io.decode_jpeg(...).shape, an image Example's text, and parsing the image records back.
"""

import os

import numpy as np
import tensorflow as tf
from PIL import Image


def _bytes_feature(value):
    """A BytesList feature from one string / bytes value (an EagerTensor's bytes taken out first)."""
    if isinstance(value, type(tf.constant(0))):
        value = value.numpy()
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _float_feature(value):
    """A FloatList feature from one float / double."""
    return tf.train.Feature(float_list=tf.train.FloatList(value=[value]))


def _int64_feature(value):
    """An Int64List feature from one bool / enum / int / uint."""
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


print(_bytes_feature(b"test_string"))
print(_bytes_feature("test_bytes".encode("utf-8")))
print(_float_feature(np.exp(1)))
print(_int64_feature(int(True)))  # TF 2.21's protobuf takes no bool in an Int64List
print(_int64_feature(1))

feature = _float_feature(np.exp(1))
serialized_feature = feature.SerializeToString()
print(serialized_feature)

np.random.seed(0)
n_observations = 200
feature0 = np.random.choice([False, True], n_observations)
feature1 = np.random.randint(0, 5, n_observations)
strings = np.array([b"cat", b"dog", b"chicken", b"horse", b"goat"])
feature2 = strings[feature1]
feature3 = np.random.randn(n_observations)


@tf.py_function(Tout=tf.string)
def serialize_example(feature0, feature1, feature2, feature3):
    """One observation as a serialized tf.train.Example."""
    feature = {
        "feature0": _int64_feature(int(feature0)),
        "feature1": _int64_feature(int(feature1)),
        "feature2": _bytes_feature(feature2),
        "feature3": _float_feature(float(feature3)),
    }
    example_proto = tf.train.Example(features=tf.train.Features(feature=feature))
    return example_proto.SerializeToString()


example_observation = [False, 4, b"goat", 0.9876]
serialized_example = serialize_example(*example_observation)
print(repr(serialized_example))
example_proto = tf.train.Example.FromString(serialized_example.numpy())
print(example_proto)

filename = "test.tfrecord"
with tf.io.TFRecordWriter(filename) as writer:
    for i in range(n_observations):
        example = serialize_example(feature0[i], feature1[i], feature2[i], feature3[i])
        writer.write(example.numpy())
file_size = os.path.getsize(filename)

filenames = [filename]
raw_dataset = tf.data.TFRecordDataset(filenames)
print(raw_dataset)

for raw_record in raw_dataset.take(1):
    example = tf.train.Example()
    example.ParseFromString(raw_record.numpy())
    print(example)

result = {}
for key, feature in example.features.feature.items():
    kind = feature.WhichOneof("kind")
    result[key] = np.array(getattr(feature, kind).value)
print(sorted(result.items()))

raw_dataset = tf.data.TFRecordDataset(filenames)
for raw_record in raw_dataset.take(10):
    print(repr(raw_record))

feature_description = {
    "feature0": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "feature1": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "feature2": tf.io.FixedLenFeature([], tf.string, default_value=""),
    "feature3": tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
}


def _parse_function(example_proto):
    return tf.io.parse_single_example(example_proto, feature_description)


parsed_dataset = raw_dataset.map(_parse_function)
print(parsed_dataset)
for parsed_record in parsed_dataset.take(10):
    print(repr(parsed_record))
parsed_all = list(parsed_dataset)

# Two small photos stand in for the downloaded ones.
rng = np.random.default_rng(21)
cat_in_snow, williamsburg_bridge = "cat_on_snow.jpg", "bridge.jpg"
for path, (height, width) in ((cat_in_snow, (48, 64)), (williamsburg_bridge, (40, 30))):
    pixels = rng.integers(0, 256, size=(height, width, 3)).astype("uint8")
    Image.fromarray(pixels).save(path, format="JPEG", quality=90)

image_labels = {cat_in_snow: 0, williamsburg_bridge: 1}
image_string = open(cat_in_snow, "rb").read()
label = image_labels[cat_in_snow]


def image_example(image_string, label):
    image_shape = tf.io.decode_jpeg(image_string).shape
    feature = {
        "height": _int64_feature(image_shape[0]),
        "width": _int64_feature(image_shape[1]),
        "depth": _int64_feature(image_shape[2]),
        "label": _int64_feature(label),
        "image_raw": _bytes_feature(image_string),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


for line in str(image_example(image_string, label)).split("\n")[:15]:
    print(line)
print("...")

record_file = "images.tfrecords"
with tf.io.TFRecordWriter(record_file) as writer:
    for filename, label in image_labels.items():
        image_string = open(filename, "rb").read()
        tf_example = image_example(image_string, label)
        writer.write(tf_example.SerializeToString())

raw_image_dataset = tf.data.TFRecordDataset("images.tfrecords")
image_feature_description = {
    "height": tf.io.FixedLenFeature([], tf.int64),
    "width": tf.io.FixedLenFeature([], tf.int64),
    "depth": tf.io.FixedLenFeature([], tf.int64),
    "label": tf.io.FixedLenFeature([], tf.int64),
    "image_raw": tf.io.FixedLenFeature([], tf.string),
}


def _parse_image_function(example_proto):
    return tf.io.parse_single_example(example_proto, image_feature_description)


parsed_image_dataset = raw_image_dataset.map(_parse_image_function)
print(parsed_image_dataset)
image_records = []
for image_features in parsed_image_dataset:
    image_raw = image_features["image_raw"].numpy()
    image_records.append((int(image_features["height"]), int(image_features["width"]),
                          int(image_features["label"]), len(image_raw),
                          tf.io.decode_jpeg(image_raw).shape))

COMPAT_RESULTS = {
    "serialized_feature": serialized_feature, "serialized_example": serialized_example,
    "file_size": file_size,
    "feature0": [r["feature0"] for r in parsed_all], "feature1": [r["feature1"] for r in parsed_all],
    "feature2": [r["feature2"] for r in parsed_all], "feature3": [r["feature3"] for r in parsed_all],
    "image_records": image_records, "images_file_size": os.path.getsize(record_file),
}
# Everything here is deterministic (seeded NumPy data, PIL-written JPEGs): compare it, and all
# that was printed, exactly.
COMPAT_COMPARE = {"__stdout__": "lines"}
