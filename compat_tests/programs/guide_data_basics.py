"""Follows tensorflow/docs, site/en/guide/data.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
basic-mechanics, dataset-structure, NumPy and generator sections: building and iterating tf.data pipelines.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: Dataset.from_tensor_slices over a list, iteration, iter/next, Dataset.reduce; element_spec of
sliced tensors, of (float, int) tuples, of Dataset.zip, of Dataset.from_tensors(tf.SparseTensor(...))
and its value_type; nested unpacking while iterating a zipped dataset; slicing (images, labels)
NumPy arrays (the synthetic Fashion-MNIST); Dataset.from_generator with args/output_types/
output_shapes, repeat().batch().take(); a variable-length generator with output_shapes (None,),
shuffle and padded_batch.
"""

import numpy as np

import tensorflow as tf
from compat_tests.programs import _synthetic

np.set_printoptions(precision=4)

numbers = tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])
for item in numbers:
    print(item.numpy())
walker = iter(numbers)
print(next(walker).numpy())
print(numbers.reduce(0, lambda acc, item: acc + item).numpy())

rows = tf.data.Dataset.from_tensor_slices(tf.random.uniform([4, 10]))
rows.element_spec
pairs = tf.data.Dataset.from_tensor_slices(
    (tf.random.uniform([4]), tf.random.uniform([4, 100], maxval=100, dtype=tf.int32)))
pairs.element_spec
nested = tf.data.Dataset.zip((rows, pairs))
nested.element_spec

sparse_single = tf.data.Dataset.from_tensors(
    tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2], dense_shape=[3, 4]))
sparse_single.element_spec
sparse_type = sparse_single.element_spec.value_type

rows = tf.data.Dataset.from_tensor_slices(tf.random.uniform([4, 10], minval=1, maxval=10, dtype=tf.int32))
for row in rows:
    print(row.numpy())
pairs = tf.data.Dataset.from_tensor_slices(
    (tf.random.uniform([4]), tf.random.uniform([4, 100], maxval=100, dtype=tf.int32)))
nested = tf.data.Dataset.zip((rows, pairs))
for first, (second, third) in nested:
    print(f"shapes: {first.shape}, {second.shape}, {third.shape}")

(train_images, train_labels), _ = _synthetic.fashion_mnist.load_data()
pictures = tf.data.Dataset.from_tensor_slices((train_images / 255, train_labels))


def count_up(limit):
    n = 0
    while n < limit:
        yield n
        n += 1


for n in count_up(5):
    print(n)

counted = tf.data.Dataset.from_generator(count_up, args=[25], output_types=tf.int32, output_shapes=())
for chunk in counted.repeat().batch(10).take(10):
    print(chunk.numpy())


def ragged_series():
    index = 0
    while True:
        length = np.random.randint(0, 10)
        yield index, np.random.normal(size=(length,))
        index += 1


for index, values in ragged_series():
    print(index, ":", str(values))
    if index > 5:
        break

series = tf.data.Dataset.from_generator(ragged_series, output_types=(tf.int32, tf.float32),
                                        output_shapes=((), (None,)))
padded = series.shuffle(20).padded_batch(10)
batch_ids, batch_values = next(iter(padded))
print(batch_ids.numpy())
print(batch_values.numpy())

COMPAT_RESULTS = {
    "items": [item for item in tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])],
    "reduce": tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1]).reduce(0, lambda acc, item: acc + item),
    "nested_spec": str(nested.element_spec), "sparse_type": sparse_type.__name__,
    "pictures_spec": str(pictures.element_spec),
    "counted": [chunk for chunk in counted.repeat().batch(10).take(3)],
    "series_spec": str(series.element_spec), "ids_shape": batch_ids.shape, "values_rank": len(batch_values.shape),
}
