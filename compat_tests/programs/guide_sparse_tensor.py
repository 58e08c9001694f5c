"""Follows tensorflow/docs, site/en/guide/sparse_tensor.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
building, converting and combining tf.sparse.SparseTensors, and passing them through Keras, tf.data
and tf.function.
Written for tapejax's compat suite (not a copy of the guide's code); no download is needed.

Covers: tf.sparse.SparseTensor and its repr, iterating .indices/.values, tf.sparse.from_dense /
to_dense, tf.sparse.add, tf.sparse.sparse_dense_matmul, tf.sparse.concat(axis=1) and tf.sparse.slice
(past the dense shape too), tf.sparse.map_values, a SparseTensor rebuilt from .values + 5,
tf.keras.Input(sparse=True) into a Dense layer (called and predicted), Dataset.from_tensor_slices over
a SparseTensor, batch / unbatch / map on it, sparse_dense_matmul inside a tf.function with
tf.sparse.transpose, tf.sparse.reduce_max against tf.math.reduce_max.
"""

import tensorflow as tf

st1 = tf.sparse.SparseTensor(indices=[[0, 3], [2, 4]], values=[10, 20], dense_shape=[3, 10])
print(st1)


def pprint_sparse_tensor(st):
    text = "<SparseTensor shape=%s \n values={" % (st.dense_shape.numpy().tolist(),)
    for index, value in zip(st.indices, st.values):
        text += "\n  %s: %s" % (index.numpy().tolist(), value.numpy().tolist())
    return text + "}>"


print(pprint_sparse_tensor(st1))

st2 = tf.sparse.from_dense([[1, 0, 0, 8], [0, 0, 0, 0], [0, 0, 3, 0]])
print(pprint_sparse_tensor(st2))
st3 = tf.sparse.to_dense(st2)
print(st3)

st_a = tf.sparse.SparseTensor(indices=[[0, 2], [3, 4]], values=[31, 2], dense_shape=[4, 10])
st_b = tf.sparse.SparseTensor(indices=[[0, 2], [3, 0]], values=[56, 38], dense_shape=[4, 10])
st_sum = tf.sparse.add(st_a, st_b)
print(pprint_sparse_tensor(st_sum))

st_c = tf.sparse.SparseTensor(indices=([0, 1], [1, 0], [1, 1]), values=[13, 15, 17], dense_shape=(2, 2))
mb = tf.constant([[4], [6]])
product = tf.sparse.sparse_dense_matmul(st_c, mb)
print(product)

pattern_a = tf.sparse.SparseTensor(indices=[[2, 4], [3, 3], [3, 4], [4, 3], [4, 4], [5, 4]],
                                   values=[1] * 6, dense_shape=[8, 5])
pattern_b = tf.sparse.SparseTensor(indices=[[0, 2], [1, 1], [1, 3], [2, 0], [2, 4], [2, 5], [3, 5],
                                            [4, 5], [5, 0], [5, 4], [5, 5], [6, 1], [6, 3], [7, 2]],
                                   values=[1] * 14, dense_shape=[8, 6])
pattern_c = tf.sparse.SparseTensor(indices=[[3, 0], [4, 0]], values=[1, 1], dense_shape=[8, 6])
sparse_pattern = tf.sparse.concat(axis=1, sp_inputs=[pattern_a, pattern_b, pattern_c])
print(tf.sparse.to_dense(sparse_pattern))

slice_a = tf.sparse.slice(pattern_a, start=[0, 0], size=[8, 5])
slice_b = tf.sparse.slice(pattern_b, start=[0, 5], size=[8, 6])
slice_c = tf.sparse.slice(pattern_c, start=[0, 10], size=[8, 6])
print(tf.sparse.to_dense(slice_a))
print(tf.sparse.to_dense(slice_b))
print(tf.sparse.to_dense(slice_c))

st2_plus_5 = tf.sparse.map_values(tf.add, st2, 5)
print(tf.sparse.to_dense(st2_plus_5))
st2_plus_5 = tf.sparse.SparseTensor(st2.indices, st2.values + 5, st2.dense_shape)
print(tf.sparse.to_dense(st2_plus_5))

x = tf.keras.Input(shape=(4,), sparse=True)
y = tf.keras.layers.Dense(4)(x)
model = tf.keras.Model(x, y)
sparse_data = tf.sparse.SparseTensor(indices=[(0, 0), (0, 1), (0, 2), (4, 3), (5, 0), (5, 1)],
                                     values=[1, 1, 1, 1, 1, 1], dense_shape=(6, 4))
called = model(sparse_data)
predicted = model.predict(sparse_data, verbose=0)  # no progress bar (its timing differs per run)

dataset = tf.data.Dataset.from_tensor_slices(sparse_data)
for element in dataset:
    print(pprint_sparse_tensor(element))
batched_dataset = dataset.batch(2)
for element in batched_dataset:
    print(pprint_sparse_tensor(element))
unbatched_dataset = batched_dataset.unbatch()
for element in unbatched_dataset:
    print(pprint_sparse_tensor(element))
transform_dataset = dataset.map(lambda x: x * 2)
for element in transform_dataset:
    print(pprint_sparse_tensor(element))


@tf.function
def f(x, y):
    return tf.sparse.sparse_dense_matmul(x, y)


a = tf.sparse.SparseTensor(indices=[[0, 3], [2, 4]], values=[15, 25], dense_shape=[3, 10])
b = tf.sparse.to_dense(tf.sparse.transpose(a))
c = f(a, b)
print(c)

print(tf.sparse.reduce_max(tf.sparse.from_dense([-5, 0, -3])))
print(tf.math.reduce_max([-5, 0, -3]))

COMPAT_RESULTS = {
    "st_sum": tf.sparse.to_dense(st_sum), "product": product,
    "sparse_pattern": tf.sparse.to_dense(sparse_pattern), "slice_c_shape": slice_c.dense_shape,
    "called": called, "predicted": predicted, "c": c,
    "sparse_max": tf.sparse.reduce_max(tf.sparse.from_dense([-5, 0, -3])),
}
# The Dense layer starts from random weights: its outputs are compared by shape and dtype; all the
# rest (and everything printed) is deterministic.
COMPAT_COMPARE = {"called": {"shape_only": True}, "predicted": {"shape_only": True}, "__stdout__": "lines"}
