"""Follows tensorflow/docs, site/en/guide/tensor.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
dense-tensor sections: ranks, NumPy conversion, basic math, shapes, indexing, reshaping, dtypes, broadcasting.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: printing rank 0-3 tensors (int32, float32, float16); np.array(t) and t.numpy(); tf.add,
tf.multiply, tf.matmul and their operators; reduce_max, math.argmax, nn.softmax;
convert_to_tensor / reduce_max on lists and NumPy arrays; dtype, ndim, shape, shape[i], tf.size,
tf.rank, tf.shape; single-axis and multi-axis indexing and slicing; TensorShape.as_list; tf.reshape
with -1, a misleading reshape and a failing one (its error printed); casting float64 -> float16 ->
uint8; scalar/vector broadcasting, a [3, 1] x [4] outer product and tf.broadcast_to.
"""

import numpy as np

import tensorflow as tf

scalar = tf.constant(7)
print(scalar)
vector = tf.constant([1.5, 2.5, 3.5])
print(vector)
matrix = tf.constant([[9, 8], [7, 6], [5, 4]], dtype=tf.float16)
print(matrix)
cube = tf.constant([
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]],
    [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]],
    [[20, 21, 22, 23, 24], [25, 26, 27, 28, 29]],
])
print(cube)
np.array(matrix)
matrix.numpy()

lhs = tf.constant([[2, 3], [4, 5]])
rhs = tf.ones([2, 2], dtype=tf.int32)
print(tf.add(lhs, rhs))
print(tf.multiply(lhs, rhs))
print(tf.matmul(lhs, rhs))
print(lhs + rhs)
print(lhs * rhs)
print(lhs @ rhs)

scores = tf.constant([[1.0, 6.0], [8.0, 2.0]])
print(tf.reduce_max(scores))
print(tf.math.argmax(scores))
print(tf.nn.softmax(scores))
print(tf.convert_to_tensor([4, 5, 6]))
print(tf.reduce_max([4, 5, 6]))
print(tf.reduce_max(np.array([4, 5, 6])))

blank = tf.zeros([3, 2, 4, 5])
print("dtype:", blank.dtype)
print("ndim:", blank.ndim)
print("shape:", blank.shape)
print("first axis:", blank.shape[0], "last axis:", blank.shape[-1])
print("size:", tf.size(blank).numpy())
print(tf.rank(blank))
print(tf.shape(blank))

fib = tf.constant([0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
print(fib.numpy())
print("ends:", fib[0].numpy(), fib[1].numpy(), fib[-1].numpy())
for label, part in (("all", fib[:]), ("head", fib[:4]), ("tail", fib[4:]), ("middle", fib[2:7]),
                    ("evens", fib[::2]), ("backwards", fib[::-1])):
    print(label, part.numpy())

print(matrix.numpy())
print(matrix[1, 1].numpy())
print("row 1:", matrix[1, :].numpy())
print("column 1:", matrix[:, 1].numpy())
print("last row:", matrix[-1, :].numpy())
print("top right:", matrix[0, -1].numpy())
print(matrix[1:, :].numpy())
print(cube[:, :, 4])

column = tf.constant([[4], [5], [6]])
print(column.shape)
print(column.shape.as_list())
row = tf.reshape(column, [1, 3])
print(column.shape, row.shape)

print(tf.reshape(cube, [-1]))
print(tf.reshape(cube, [3 * 2, 5]))
print(tf.reshape(cube, [3, -1]))
print(tf.reshape(cube, [2, 3, 5]))
print(tf.reshape(cube, [5, 6]))
try:
    tf.reshape(cube, [7, -1])
except Exception as err:  # noqa: BLE001 - the guide prints whatever reshape raises
    print(f"{type(err).__name__}: {err}")

doubles = tf.constant([2.2, 3.3, 4.4], dtype=tf.float64)
halves = tf.cast(doubles, dtype=tf.float16)
bytes_ = tf.cast(halves, dtype=tf.uint8)
print(bytes_)

ints = tf.constant([4, 5, 6])
print(tf.multiply(ints, 3))
print(ints * tf.constant(3))
print(ints * tf.constant([3, 3, 3]))

as_column = tf.reshape(ints, [3, 1])
counter = tf.range(1, 5)
print(as_column)
print(counter)
print(tf.multiply(as_column, counter))

wide_a = tf.constant([[4, 4, 4, 4], [5, 5, 5, 5], [6, 6, 6, 6]])
wide_b = tf.constant([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]])
print(wide_a * wide_b)
print(tf.broadcast_to(tf.constant([4, 5, 6]), [3, 3]))

COMPAT_RESULTS = {"blank": blank, "as_column": as_column, "counter": counter, "bytes": bytes_}
# Every printed line is deterministic: compared line for line (numbers to float tolerance).
COMPAT_COMPARE = {"__stdout__": "lines"}
