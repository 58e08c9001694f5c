"""Value checks (`tapejax._checks`): registered without a device read, raised at the next value read."""

import numpy as np
import pytest

import tapejax as tf
from tapejax import _checks


@pytest.fixture(autouse=True)
def _clean():
    _checks.discard_pending()
    yield
    _checks.discard_pending()


def test_integer_division_by_a_zero_tensor_raises_at_the_next_read_naming_the_calling_line():
    y = tf.constant([4, 6]) // tf.constant([2, 0])
    assert len(_checks._state.pending) == 1  # registered, not read
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Integer division by zero \[Op:FloorDiv\]") as info:
        (y + 1).numpy()
    assert "test_checks.py" in str(info.value)
    assert _checks._state.pending == []


def test_a_python_zero_divisor_raises_at_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        tf.math.floormod(tf.constant(7), 0)


def test_float_division_registers_no_check():
    tf.constant([1.0]) // tf.constant([0.0])
    tf.constant([1.0]) % tf.constant([0.0])
    assert _checks._state.pending == []


def test_valid_integer_division_reads_normally():
    np.testing.assert_array_equal((tf.constant([7, -7]) // tf.constant([2, 2])).numpy(), [3, -4])


def test_a_singular_inverse_raises_on_print_and_bool_reads():
    x = tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Input is not invertible\."):
        str(x)
    tf.linalg.inv(tf.zeros([1, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        bool(tf.constant(True))


def test_checks_are_read_together_once_many_are_pending():
    for _ in range(_checks.MAX_PENDING - 1):
        tf.constant([1]) // tf.constant([1])
    assert len(_checks._state.pending) == _checks.MAX_PENDING - 1
    tf.constant([1]) // tf.constant([1])
    assert _checks._state.pending == []


def test_no_check_is_registered_inside_a_function_trace():
    @tf.function
    def f(a, b):
        return a // b

    assert f(tf.constant(4), tf.constant(2)).numpy() == 2
    assert _checks._state.pending == []


def test_a_gradient_through_cholesky_under_a_tape_is_checked_once_computed():
    a = tf.Variable([[4.0, 2.0], [2.0, 3.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.linalg.cholesky(a))
    g = tape.gradient(loss, a)
    assert np.all(np.isfinite(g.numpy()))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.linalg.cholesky(-a))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cholesky decomposition was not successful"):
        tape.gradient(loss, a).numpy()
