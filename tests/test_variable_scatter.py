"""Variable scatter updates: in place when nothing else holds the buffer, safe with pending updates,
and inside `tapejax.function`."""

import numpy as np
import pytest

import tapejax as tf
from tapejax._lazy import Pending


def _rows(values, indices):
    return tf.IndexedSlices(tf.constant(values), tf.constant(indices))


def test_unshared_variable_is_scattered_in_place():
    v = tf.Variable(np.zeros((256, 4), np.float32))
    v.scatter_add(_rows(np.ones((1, 4), np.float32), [3]))
    pointer = v._array.unsafe_buffer_pointer()
    v.scatter_update(_rows(np.full((2, 4), 5.0, np.float32), [0, 1]))
    v.scatter_nd_add(tf.constant([[0, 0]]), tf.constant([1.0]))
    assert v._array.unsafe_buffer_pointer() == pointer
    expected = np.zeros((256, 4), np.float32)
    expected[3] = 1.0
    expected[:2] = 5.0
    expected[0, 0] = 6.0
    np.testing.assert_array_equal(v.numpy(), expected)


def test_a_tensor_read_before_a_scatter_keeps_its_value():
    v = tf.Variable([1.0, 2.0, 3.0])
    held = v.read_value()
    v.scatter_update(_rows([9.0], [1]))
    np.testing.assert_array_equal(held.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 9.0, 3.0])


def test_scatter_after_a_pending_update_applies_both_in_order():
    w = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    x = tf.constant(np.ones((2, 4), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
    grad = tape.gradient(loss, w)
    start, xs = np.arange(12, dtype=np.float32).reshape(4, 3), np.ones((2, 4), np.float32)
    expected = start - 0.1 * (2 * xs.T @ (xs @ start))  # not read from `grad`: that would run it
    expected[2] = [7.0, 8.0, 9.0]
    w.assign_sub(0.1 * grad)
    assert type(w._stored) is Pending
    w.scatter_update(_rows([[7.0, 8.0, 9.0]], [2]))
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)


def test_scatter_inside_function_matches_eager_and_is_seen_by_later_reads():
    eager, traced = tf.Variable([1.0, 2.0, 3.0]), tf.Variable([1.0, 2.0, 3.0])

    def step(v):
        v.scatter_mul(_rows([2.0, 3.0], [0, 0]))
        v.scatter_nd_update(tf.constant([[2]]), tf.constant([v[0] + 1.0]))
        return v.read_value()

    compiled = tf.function(step)
    for _ in range(2):
        a, b = step(eager), compiled(traced)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(traced.numpy(), [36.0, 2.0, 37.0])


def test_inside_function_an_out_of_range_row_is_skipped():
    # Indices are traced values there, so no eager check runs: like TF on GPU, the row is dropped
    # (a negative index too; JAX alone would wrap it).
    v = tf.Variable([1.0, 2.0, 3.0])

    @tf.function
    def step(i):
        v.scatter_update(tf.IndexedSlices(tf.constant([9.0]), i))
        return v.read_value()

    np.testing.assert_array_equal(step(tf.constant([5])).numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(step(tf.constant([-1])).numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(step(tf.constant([1])).numpy(), [1.0, 9.0, 3.0])


def test_eager_out_of_range_raises_and_changes_nothing():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 2 is not in \[0, 2\)"):
        v.scatter_add(_rows([1.0, 1.0], [0, 2]))
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_scatter_returns_the_variable():
    v = tf.Variable([1.0, 2.0])
    assert v.scatter_sub(_rows([1.0], [0])) is v
    assert v.batch_scatter_update(_rows([5.0], [1])) is v
    np.testing.assert_array_equal(v.numpy(), [0.0, 5.0])
