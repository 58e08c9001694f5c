"""tf.data: basic mechanics, dataset structure, NumPy arrays and Python generators (TF guide).

Source: tensorflow/docs, site/en/guide/data.ipynb (code cells 0-25), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 1 (1)
  - cell 1: `import pandas as pd` removed (pandas is not installed here; these cells do not use it)
  - cell 16: tf.keras.datasets.fashion_mnist.load_data() -> `_synthetic.fashion_mnist.load_data()` (same shapes and dtypes)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1]
import pathlib
import os
import numpy as np

np.set_printoptions(precision=4)

# [cell 2]
dataset = tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])
dataset

# [cell 3]
for elem in dataset:
  print(elem.numpy())

# [cell 4]
it = iter(dataset)

print(next(it).numpy())

# [cell 5]
print(dataset.reduce(0, lambda state, value: state + value).numpy())

# [cell 6]
dataset1 = tf.data.Dataset.from_tensor_slices(tf.random.uniform([4, 10]))

dataset1.element_spec

# [cell 7]
dataset2 = tf.data.Dataset.from_tensor_slices(
   (tf.random.uniform([4]),
    tf.random.uniform([4, 100], maxval=100, dtype=tf.int32)))

dataset2.element_spec

# [cell 8]
dataset3 = tf.data.Dataset.zip((dataset1, dataset2))

dataset3.element_spec

# [cell 9]
# Dataset containing a sparse tensor.
dataset4 = tf.data.Dataset.from_tensors(tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2], dense_shape=[3, 4]))

dataset4.element_spec

# [cell 10]
# Use value_type to see the type of value represented by the element spec
dataset4.element_spec.value_type

# [cell 11]
dataset1 = tf.data.Dataset.from_tensor_slices(
    tf.random.uniform([4, 10], minval=1, maxval=10, dtype=tf.int32))

dataset1

# [cell 12]
for z in dataset1:
  print(z.numpy())

# [cell 13]
dataset2 = tf.data.Dataset.from_tensor_slices(
   (tf.random.uniform([4]),
    tf.random.uniform([4, 100], maxval=100, dtype=tf.int32)))

dataset2

# [cell 14]
dataset3 = tf.data.Dataset.zip((dataset1, dataset2))

dataset3

# [cell 15]
for a, (b,c) in dataset3:
  print('shapes: {a.shape}, {b.shape}, {c.shape}'.format(a=a, b=b, c=c))

# [cell 16]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
train, test = _synthetic.fashion_mnist.load_data()

# [cell 17]
images, labels = train
images = images/255

dataset = tf.data.Dataset.from_tensor_slices((images, labels))
dataset

# [cell 18]
def count(stop):
  i = 0
  while i<stop:
    yield i
    i += 1

# [cell 19]
for n in count(5):
  print(n)

# [cell 20]
ds_counter = tf.data.Dataset.from_generator(count, args=[25], output_types=tf.int32, output_shapes = (), )

# [cell 21]
for count_batch in ds_counter.repeat().batch(10).take(10):
  print(count_batch.numpy())

# [cell 22]
def gen_series():
  i = 0
  while True:
    size = np.random.randint(0, 10)
    yield i, np.random.normal(size=(size,))
    i += 1

# [cell 23]
for i, series in gen_series():
  print(i, ":", str(series))
  if i > 5:
    break

# [cell 24]
ds_series = tf.data.Dataset.from_generator(
    gen_series,
    output_types=(tf.int32, tf.float32),
    output_shapes=((), (None,)))

ds_series

# [cell 25]
ds_series_batch = ds_series.shuffle(20).padded_batch(10)

ids, sequence_batch = next(iter(ds_series_batch))
print(ids.numpy())
print()
print(sequence_batch.numpy())

# [added for the compat suite]
COMPAT_RESULTS = {
    "elements": [e for e in tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])],
    "reduce": tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1]).reduce(0, lambda state, value: state + value),
    "spec3": str(dataset3.element_spec), "spec4_value_type": dataset4.element_spec.value_type.__name__,
    "images_spec": str(dataset.element_spec),
    "counter": [b for b in ds_counter.repeat().batch(10).take(3)],
    "series_spec": str(ds_series.element_spec), "ids_shape": ids.shape, "sequence_rank": len(sequence_batch.shape),
}
