"""tf.debugging (tapejax/_debugging.py): eager checks, and data assertions inside tapejax.function.

TF's messages and exception classes are compared in compat_tests/test_surface_compat.py; these
tests pin what happens inside compiled functions and around tapes.
"""

import numpy as np
import pytest

import tapejax as tf


def test_failing_assertion_in_function_raises_invalid_argument_at_each_failing_call():
    @tf.function
    def f(x):
        tf.debugging.assert_positive(x)
        return x * 2

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    for _ in range(2):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x > 0 did not hold element-wise"):
            f(tf.constant([1.0, -2.0]))
    assert f(tf.constant([3.0, 4.0])).numpy().tolist() == [6.0, 8.0]
    assert f.experimental_get_tracing_count() == 1


def test_failing_assertion_message_in_function_shows_the_call_values():
    @tf.function
    def f(x, y):
        tf.debugging.assert_equal(x, y)
        return x

    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.constant([1, 2, 3]), tf.constant([1, 5, 3]))
    assert str(info.value).startswith("Graph execution error:\n\nCondition x == y did not hold.")
    assert "Corresponding y values:\n[5]" in str(info.value)


def test_failed_assertion_in_function_logs_no_jax_callback_traceback(capfd):
    @tf.function
    def f(x):
        return tf.debugging.check_numerics(x, "x")

    with pytest.raises(tf.errors.InvalidArgumentError, match="x : Tensor had NaN values"):
        f(tf.constant([np.nan]))
    assert "jax.debug.callback failed" not in capfd.readouterr().err


def test_assertion_on_constants_in_function_raises_while_tracing():
    @tf.function
    def f(x):
        tf.debugging.assert_rank(x, 3)
        return x

    with pytest.raises(ValueError, match="must have rank 3"):
        f(tf.constant([1.0]))


def test_check_numerics_in_function_passes_values_and_gradients():
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.debugging.check_numerics(v * v, "loss"))
        return tape.gradient(loss, v)

    assert step().numpy().tolist() == [2.0, 4.0]


def test_assert_equal_short_circuits_on_the_same_object():
    x = tf.constant([np.nan])
    assert tf.debugging.assert_equal(x, x) is None


def test_enable_check_numerics_makes_jax_raise_on_nan():
    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(FloatingPointError):
            tf.math.log(tf.constant([-1.0])).numpy()
    finally:
        tf.debugging.disable_check_numerics()
    assert np.isnan(tf.math.log(tf.constant([-1.0])).numpy()[0])
