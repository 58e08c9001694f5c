"""custom_gradient, recompute_grad, grad_pass_through: recorded as one op each."""

import numpy as np
import pytest

import tapejax as tf
from tests._numeric import numeric_grad


def test_custom_gradient_replaces_the_gradient_and_records_one_entry():
    @tf.custom_gradient
    def scaled_identity(x):
        return tf.identity(x), lambda dy: dy * 10.0

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(scaled_identity(x) * x)
        entries = len(tape._tape.entries)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1 * 10 + 1, 2 * 10 + 2])
    assert entries == 3  # custom op, multiply, reduce_sum: the inner identity is not recorded


def test_custom_gradient_with_variables_and_second_order():
    w = tf.Variable(3.0)

    @tf.custom_gradient
    def f(x):
        y = w * x * x

        def grad(dy, variables=None):
            return dy * 2.0 * w * x, [dy * x * x]

        return y, grad

    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = f(x)
        dx, dw = inner.gradient(y, [x, w])
    assert float(dx) == pytest.approx(12.0) and float(dw) == pytest.approx(4.0)
    assert float(outer.gradient(dx, x)) == pytest.approx(6.0)  # d/dx (2 w x)


def test_custom_gradient_wrong_count_raises_at_gradient_time():
    @tf.custom_gradient
    def f(x):
        return x * 2.0, lambda dy: (dy, dy)

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    with pytest.raises(ValueError, match="expected to return 1 gradients, but returned 2"):
        tape.gradient(y, x)


def test_recompute_grad_matches_plain_gradient():
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]]))

    def block(x):
        return tf.tanh(x @ w) * tf.sin(x)

    checkpointed = tf.recompute_grad(block)
    x = tf.constant(np.array([[0.3, -0.7]]))
    grads = []
    for f in (block, checkpointed):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(f(x) ** 2)
        grads.append([g.numpy() for g in tape.gradient(y, [x, w])])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)

    def np_loss(wv):
        xv = np.array([[0.3, -0.7]])
        return np.sum((np.tanh(xv @ wv) * np.sin(xv)) ** 2)

    np.testing.assert_allclose(grads[1][1], numeric_grad(np_loss, w.numpy()), rtol=1e-6)


def test_grad_pass_through_assign():
    v = tf.Variable(1.0)
    z = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(z)
        r = tf.grad_pass_through(v.assign)(z ** 2)
    assert float(r) == 9.0 and float(v) == 9.0
    assert float(tape.gradient(r, z)) == pytest.approx(6.0)
