"""TensorArray: list form eagerly, buffer form in compiled loops and with traced indices."""

import numpy as np
import pytest

import tapejax as tf


def _compiled_fill(ta):
    @tf.function
    def fill(n):
        _, out = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32))),
                               [tf.constant(0), ta])
        return out.stack()
    return fill


def test_a_growing_array_in_a_compiled_loop_runs_the_call_as_python_and_grows_as_tf():
    @tf.function
    def fill(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])
        _, out = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32))),
                               [tf.constant(0), ta])
        return out.stack()

    np.testing.assert_array_equal(fill(tf.constant(2)).numpy(), [0.0, 1.0])  # TF 2.21: [0. 1.]
    np.testing.assert_array_equal(fill(tf.constant(3)).numpy(), [0.0, 1.0, 2.0])  # TF 2.21: [0. 1. 2.]


def test_compiled_loop_needs_the_element_shape():
    fill = _compiled_fill(tf.TensorArray(tf.float32, size=3))
    with pytest.raises(ValueError, match="element_shape="):
        fill(tf.constant(2))


def test_compiled_loop_keeps_elements_written_before_it():
    ta = tf.TensorArray(tf.float32, size=4).write(3, 7.0)  # the write fixes the element shape ()

    @tf.function
    def fill(n):
        _, out = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32))),
                               [tf.constant(0), ta])
        return out.stack(), out.read(3), out.size()

    stacked, last, size = fill(tf.constant(2))
    np.testing.assert_array_equal(stacked.numpy(), [0.0, 1.0, 0.0, 7.0])
    assert float(last) == 7.0 and int(size) == 4


def test_traced_index_switches_to_a_buffer_and_bounds_still_checked_eagerly():
    @tf.function
    def put(i, value):
        ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])
        ta = ta.write(i, value)
        return ta.stack(), ta.read(i)

    stacked, back = put(tf.constant(1), tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(stacked.numpy(), [[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(back.numpy(), [1.0, 2.0])
    ta = tf.TensorArray(tf.float32, size=2, element_shape=[])
    ta._to_buffer()
    with pytest.raises(tf.errors.OutOfRangeError, match="Tried to read from index 2"):
        ta.read(2)
    with pytest.raises(tf.errors.OutOfRangeError, match="not resizeable"):
        ta.write(2, 1.0)


def test_gradient_through_a_tensor_array_inside_a_function():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            ta = tf.TensorArray(tf.float32, size=2)
            for i in range(2):
                ta = ta.write(i, x[i] * w)
            loss = tf.reduce_sum(ta.stack() ** 2)
        return tape.gradient(loss, w)

    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    # d/dw sum((x_i * w)^2) = 2 w sum_i x_i^2
    np.testing.assert_allclose(step(tf.constant(x)).numpy(), 2 * w.numpy() * (x ** 2).sum(0), rtol=1e-6)


def test_unknown_element_shape_is_tf_unknown_shape():
    shape = tf.TensorArray(tf.float32, size=1).element_shape
    assert shape.rank is None and repr(shape) == "TensorShape(None)" and not shape.is_fully_defined()
    with pytest.raises(ValueError, match="unknown TensorShape"):
        shape.as_list()
