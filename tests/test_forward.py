"""ForwardAccumulator: JVPs against finite differences, nesting with tapes."""

import numpy as np
import pytest

import tapejax as tf
from tests._numeric import numeric_jacobian

A = np.random.RandomState(3).randn(4, 4)


def test_jvp_matches_finite_differences():
    x0 = np.array([0.1, -0.4, 0.7, 0.2])
    v = np.array([1.0, 0.5, -1.0, 2.0])
    x = tf.constant(x0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(v)) as acc:
        y = tf.sin(tf.linalg.matvec(tf.constant(A), x)) ** 2
    expected = numeric_jacobian(lambda a: np.sin(A @ a) ** 2, x0) @ v
    np.testing.assert_allclose(acc.jvp(y).numpy(), expected, rtol=1e-6)


def test_forward_over_backward_hvp_matches_hessian():
    x0 = np.array([0.3, 0.1, -0.2, 0.5])
    v = np.array([1.0, -1.0, 0.5, 0.0])
    x = tf.constant(x0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(v)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.sin(tf.linalg.matvec(tf.constant(A), x)) ** 2)
        g = tape.gradient(y, x)
    hvp = acc.jvp(g).numpy()

    def grad(a):
        s = A @ a
        return A.T @ (2 * np.sin(s) * np.cos(s))

    np.testing.assert_allclose(hvp, numeric_jacobian(grad, x0) @ v, rtol=1e-5, atol=1e-8)


def test_backward_over_forward():
    c = tf.constant(1.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(c)
        with tf.autodiff.ForwardAccumulator(c, tf.constant(0.1, dtype=tf.float64)) as acc:
            d = tf.cos(c)
        jv = acc.jvp(d)
    np.testing.assert_allclose(tape.gradient(jv, c).numpy(), -0.1 * np.cos(1.0))


def test_untracked_tensor_gives_none_or_zeros():
    x = tf.constant(1.0)
    u = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = u * 3.0
    assert acc.jvp(y) is None
    assert float(acc.jvp(y, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0.0


def test_custom_gradient_tangents_follow_the_primal_ops():
    @tf.custom_gradient
    def f(x):
        return x * 3.0, lambda dy: dy * 100.0

    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = f(x) * x
    assert float(acc.jvp(y)) == 12.0  # 3 * 2x, never grad_fn's 100


def test_tangent_of_another_shape_raises_when_an_op_uses_it():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 2.0])) as acc:
        np.testing.assert_allclose(acc.jvp(x).numpy(), [1.0, 2.0])  # as TF: kept until used
        with pytest.raises(ValueError, match=r"^Dimension 0 in both shapes must be equal, but are 2 "
                                             r"and 3\. Shapes are \[2\] and \[3\]\."):
            x * 2.0
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)):
        with pytest.raises(ValueError, match="^Shapes must be equal rank, but are 0 and 1"):
            x * 2.0
