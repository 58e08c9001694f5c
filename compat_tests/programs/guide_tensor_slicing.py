"""Follows tensorflow/docs, site/en/guide/tensor_slicing.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
extracting and inserting tensor pieces with slice, gather, gather_nd, scatter_nd and sparse tensors.
Written for tapejax's compat suite (not a copy of the tutorial's code); no download is needed; sizes shrunk.

Covers: tf.slice on 1-D and 3-D tensors, Python slicing (ranges, negative starts, strides),
tf.gather on ints and strings, tf.gather_nd with row, element and nested indices (on a NumPy array too),
tf.scatter_nd with a shape tensor, gather_nd followed by scatter_nd, tf.SparseTensor and
tf.sparse.to_dense, tf.tensor_scatter_nd_add / _sub / _min / _max.
"""

import numpy as np
import tensorflow as tf

vec = tf.constant([10, 11, 12, 13, 14, 15, 16, 17])
print(tf.slice(vec, begin=[2], size=[4]))
print(vec[2:6])
print(vec[-2:])

grid = tf.reshape(tf.range(20), [4, 5])
print(grid[1:, :2])

cube = tf.constant([[[2, 4, 6, 8], [10, 12, 14, 16]],
                    [[18, 20, 22, 24], [26, 28, 30, 32]]])
print(tf.slice(cube, begin=[0, 1, 1], size=[2, 1, 2]))

print(tf.gather(vec, indices=[1, 4, 7]))
every_third = vec[::3]  # the strided-slice spelling of a regular gather

letters = tf.constant(list("abcdefghijklmnopqrstuvwxyz"))
print(tf.gather(letters, indices=[7, 4, 11, 15]))

pairs = tf.constant([[0, 10], [1, 11], [2, 12], [3, 13], [4, 14]])
print(tf.gather_nd(pairs, indices=[[4], [1], [1]]))

blocks = np.arange(18).reshape([2, 3, 3])
print(tf.gather_nd(blocks, indices=[[1, 0, 2], [0, 1, 1]]))
print(tf.gather_nd(blocks, indices=[[[0, 1], [1, 1]], [[0, 2], [1, 2]]]))  # two matrices
print(tf.gather_nd(blocks, indices=[[1, 1], [0, 0], [1, 2], [0, 2]]))  # one matrix

where = tf.constant([[0], [2], [4], [6], [8]])
spread = tf.scatter_nd(indices=where, updates=tf.constant([1, 3, 5, 7, 9]), shape=tf.constant([9]))
print(spread)

picked_at = tf.constant([[0, 4], [1, 1], [3, 2]])
picked = tf.gather_nd(grid, indices=picked_at)
rebuilt = tf.scatter_nd(indices=picked_at, updates=picked, shape=tf.constant([4, 5]))
print(rebuilt)

sparse_grid = tf.SparseTensor(indices=[[0, 4], [1, 1], [3, 2]], values=[4, 6, 17], dense_shape=[4, 5])
print(sparse_grid)
from_sparse = tf.sparse.to_dense(sparse_grid)
print(from_sparse)

base = tf.constant([[4, 3, 0], [0, 5, 1], [8, 0, 6]])
added = tf.tensor_scatter_nd_add(base, indices=[[0, 2], [1, 0], [2, 1]], updates=[8, 9, 1])
print(added)
subtracted = tf.tensor_scatter_nd_sub(base, indices=[[0, 0], [0, 1], [1, 1], [1, 2], [2, 0], [2, 2]],
                                      updates=[3, 3, 4, 1, 8, 5])
print(subtracted)

negatives = tf.constant([[-4, -3, 0], [0, -5, -1], [-8, 0, -6]])
lowest = tf.tensor_scatter_nd_min(negatives, indices=[[0, 2], [1, 0], [2, 1]], updates=[-8, -9, -1])
print(lowest)
highest = tf.tensor_scatter_nd_max(negatives, indices=[[0, 2], [1, 0], [2, 1]], updates=[8, 9, 1])
print(highest)

COMPAT_RESULTS = {"rebuilt": rebuilt, "from_sparse": from_sparse, "added": added,
                  "subtracted": subtracted, "lowest": lowest, "highest": highest, "stride": every_third}
# Everything printed is deterministic: compare it line by line too.
COMPAT_COMPARE = {"__stdout__": "lines"}
