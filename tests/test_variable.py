"""Variable updates: assign_add/assign_sub update the buffer in place when nothing else holds it."""

import numpy as np
import pytest

import tapejax as tf


def test_unshared_variable_is_updated_in_place():
    v = tf.Variable(np.zeros((256, 256), np.float32))
    delta = tf.ones((256, 256))
    v.assign_add(delta)
    pointer = v._array.unsafe_buffer_pointer()
    v.assign_sub(delta * 0.5)
    v.assign_add(delta)
    assert v._array.unsafe_buffer_pointer() == pointer
    np.testing.assert_array_equal(v.numpy(), np.full((256, 256), 1.5, np.float32))


@pytest.mark.parametrize("holder", ["read_value", "numpy", "tape", "assigned_tensor", "self_delta"])
def test_values_held_elsewhere_keep_their_value(holder):
    v = tf.Variable(np.full((4, 4), 2.0, np.float32))
    delta = tf.ones((4, 4))
    if holder == "read_value":
        held = v.read_value()
    elif holder == "numpy":
        held = v.numpy()
    elif holder == "tape":
        with tf.GradientTape() as tape:
            held = tf.reduce_sum(v * v)
    elif holder == "assigned_tensor":
        held = tf.constant(np.full((4, 4), 3.0, np.float32))
        v.assign(held)
    else:
        held = v.numpy().copy()
        v.assign_add(v)
    expected = np.asarray(held).copy()
    v.assign_add(delta)
    v.assign_sub(delta * 3.0)
    np.testing.assert_array_equal(np.asarray(held), expected)
    if holder == "tape":
        np.testing.assert_array_equal(tape.gradient(held, v).numpy(), np.full((4, 4), 4.0))
    if holder == "self_delta":
        np.testing.assert_array_equal(v.numpy(), np.full((4, 4), 2.0))


def test_in_place_update_inside_function_and_eager_agree():
    v_eager = tf.Variable([1.0, 2.0])
    v_fn = tf.Variable([1.0, 2.0])

    @tf.function
    def step(v):
        v.assign_sub(tf.constant([0.5, 0.5]))
        v.assign_add(tf.constant([0.25, 0.0]))

    for _ in range(3):
        step.python_function(v_eager)
        step(v_fn)
    np.testing.assert_allclose(v_eager.numpy(), [0.25, 0.5])
    np.testing.assert_allclose(v_fn.numpy(), [0.25, 0.5])


def test_constant_minus_zero_keeps_its_sign_after_a_plus_zero_scalar():
    import math

    import tapejax as tf
    assert float((tf.constant([1.0]) * 0.0).numpy()[0]) == 0.0
    assert math.copysign(1.0, float(tf.constant(-0.0).numpy())) == -1.0
    assert math.copysign(1.0, float((tf.constant(1.0) * -0.0).numpy())) == -1.0
