"""IndexedSlices gradients of row gathers, and their dense conversion."""

import numpy as np

import tapejax as tf


def test_gather_gradient_is_indexed_slices_matching_dense_gradient():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    v = tf.Variable(table)
    ids = tf.constant([3, 1, 3])
    with tf.GradientTape(persistent=True) as tape:
        rows = tf.gather(v, ids)
        y = tf.reduce_sum(rows * rows)
        dense_y = tf.reduce_sum(v * 0.0) + y
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), [3, 1, 3])
    np.testing.assert_allclose(g.values.numpy(), 2 * table[[3, 1, 3]])
    assert g.shape == (4, 3)
    dense = tape.gradient(dense_y, v)
    assert isinstance(dense, tf.Tensor)
    np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), dense.numpy())


def test_jacobian_densifies():
    v = tf.Variable(np.ones((3, 2), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 0]), axis=1)
    jac = tape.jacobian(y, v)
    assert isinstance(jac, tf.Tensor) and jac.shape == (2, 3, 2)
    np.testing.assert_allclose(jac.numpy()[:, 0], np.ones((2, 2)))
    np.testing.assert_allclose(jac.numpy()[:, 1:], np.zeros((2, 2, 2)))
