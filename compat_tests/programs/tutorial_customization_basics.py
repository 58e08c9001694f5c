"""Follows tensorflow/docs, site/en/tutorials/customization/basics.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
first steps with tensors, operations, NumPy conversion, devices and tf.data.
Written for tapejax's compat suite (not a copy of the tutorial's code); no download is needed; sizes shrunk.

Covers: tf.math.add / square / reduce_sum on Python values and operator overloading, tf.linalg.matmul
and a result's shape/dtype, NumPy arrays into TF ops and tensors into NumPy ops, .numpy(),
tf.random.uniform, tf.config.list_physical_devices('GPU'), Tensor.device, tf.device('CPU:0') (and
'GPU:0' when one is listed) around a timed matmul, tf.data.Dataset.from_tensor_slices with
map(tf.math.square) / shuffle / batch, and tf.data.TextLineDataset over a temporary file.
"""

import tempfile
import time

import numpy as np
import tensorflow as tf

print(tf.math.add(4, 5))
print(tf.math.add([10, 20], [1, 2]))
print(tf.math.square(7))
print(tf.math.reduce_sum([4, 5, 6]))
print(tf.math.square(3) - tf.math.square(1))  # operators work on tensors too

outer = tf.linalg.matmul([[3]], [[1, 4]])
print(outer, outer.shape, outer.dtype)

threes = np.full([2, 3], 3.0)
scaled = tf.math.multiply(threes, 7)  # a NumPy array becomes a tensor
print("TF op on a NumPy array:", scaled)
print("NumPy op on a tensor:", np.add(scaled, 2))
print("back to NumPy:", scaled.numpy())

draws = tf.random.uniform([2, 2])
gpus = tf.config.list_physical_devices("GPU")
print("GPUs listed:", gpus)
print("tensor on GPU 0:", draws.device.endswith("GPU:0"))


def benchmark_square_product(square):
    """Times a few square @ square products and prints the milliseconds."""
    started = time.time()
    for _ in range(5):
        tf.linalg.matmul(square, square)
    print(f"5 products: {1000 * (time.time() - started):0.2f}ms")


with tf.device("CPU:0"):
    square = tf.random.uniform([200, 200])
    assert square.device.endswith("CPU:0")
    benchmark_square_product(square)
if gpus:
    with tf.device("GPU:0"):
        square = tf.random.uniform([200, 200])
        assert square.device.endswith("GPU:0")
        benchmark_square_product(square)

numbers = tf.data.Dataset.from_tensor_slices([2, 3, 4, 5, 6, 7])
_, text_path = tempfile.mkstemp()
with open(text_path, "w") as handle:
    handle.write("first row\nsecond row\nthird row\n  ")
text_lines = tf.data.TextLineDataset(text_path)

numbers = numbers.map(tf.math.square).shuffle(2).batch(2)
text_lines = text_lines.batch(2)
for batch in numbers:
    print(batch.shape, batch.dtype)  # shuffling reorders values differently per framework
for batch in text_lines:
    print(batch)

COMPAT_RESULTS = {
    "arithmetic": [tf.math.add(4, 5), tf.math.add([10, 20], [1, 2]), tf.math.square(7),
                   tf.math.reduce_sum([4, 5, 6]), tf.math.square(3) - tf.math.square(1)],
    "matmul": outer, "tensor": scaled, "np_add": np.add(scaled, 2),
    "gpu_devices": len(gpus),
    "ds_tensors_sorted": sorted(int(v) for batch in numbers for v in batch.numpy()),
    "ds_file": [batch for batch in text_lines],
}
