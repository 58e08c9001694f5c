"""cond / while_loop / vectorized_map."""

import numpy as np
import pytest

import tapejax as tf


def test_cond_records_only_the_branch_taken():
    a, b = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape() as tape:
        y = tf.cond(a > 1.0, lambda: a * a, lambda: b * b)
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 4.0 and gb is None


def test_while_loop_gradient_through_iterations():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        (y,) = tf.while_loop(lambda v: v < 100.0, lambda v: (v * v,), [x])
    assert float(y) == 256.0
    assert float(tape.gradient(y, x)) == pytest.approx(1024.0)


def test_traced_cond_and_while_loop_inside_function():
    @tf.function
    def f(v):
        return tf.cond(v > 0, lambda: v * 2.0, lambda: v * 3.0), tf.while_loop(
            lambda t: t < 10.0, lambda t: t + 3.0, [v])[0]

    pos, neg = f(tf.constant(1.0)), f(tf.constant(-1.0))
    assert [float(t) for t in pos] == [2.0, 10.0]
    assert [float(t) for t in neg] == [-3.0, 11.0]
    assert f.trace_count == 1


def test_vectorized_map_per_example_gradients_match_a_loop():
    rs = np.random.RandomState(4)
    w = tf.Variable(rs.randn(3, 2).astype(np.float32))
    xs = tf.constant(rs.randn(5, 3).astype(np.float32))

    def example_grad(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(tf.reshape(x, (1, 3)) @ w) ** 2)
        return tape.gradient(loss, w)

    batched = tf.vectorized_map(example_grad, xs).numpy()
    looped = np.stack([example_grad(xs[i]).numpy() for i in range(5)])
    np.testing.assert_allclose(batched, looped, rtol=1e-5, atol=1e-6)


def test_vectorized_map_is_differentiable_under_an_outer_tape():
    w = tf.Variable([1.0, 2.0, 3.0])
    xs = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = tf.reduce_sum(tf.vectorized_map(lambda x: tf.reduce_sum(x * w) ** 2, xs))
    gx, gw = tape.gradient(y, [xs, w])
    s = xs.numpy() @ w.numpy()
    np.testing.assert_allclose(gw.numpy(), (2 * s[:, None] * xs.numpy()).sum(0), rtol=1e-6)
    np.testing.assert_allclose(gx.numpy(), 2 * s[:, None] * w.numpy()[None, :], rtol=1e-6)
