"""jacobian() / batch_jacobian(): shapes, finite differences, vectorised compilation."""

import numpy as np
import pytest

import tapejax as tf
from tapejax import _backward
from tests._numeric import numeric_jacobian

RS = np.random.RandomState(2)


def test_jacobian_of_tanh_wx_matches_finite_differences():
    w = RS.randn(6, 5)
    x = RS.randn(5)
    wt = tf.constant(w)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.tanh(tf.linalg.matvec(wt, xt))
    jac = tape.jacobian(y, xt)
    assert jac.shape == (6, 5)
    np.testing.assert_allclose(jac.numpy(), numeric_jacobian(lambda a: np.tanh(w @ a), x), rtol=1e-6, atol=1e-8)


def test_jacobian_wrt_variable_and_nested_sources():
    v = tf.Variable(RS.randn(2, 3))
    x = tf.constant(RS.randn(3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.linalg.matvec(v, x) ** 2
    jac = tape.jacobian(y, {"v": v, "x": [x]})
    assert jac["v"].shape == (2, 2, 3) and jac["x"][0].shape == (2, 3)
    vv, xx = v.numpy(), x.numpy()
    np.testing.assert_allclose(jac["v"].numpy(), numeric_jacobian(lambda a: (a @ xx) ** 2, vv), rtol=1e-6)
    np.testing.assert_allclose(jac["x"][0].numpy(), numeric_jacobian(lambda a: (vv @ a) ** 2, xx), rtol=1e-6)


def test_batch_jacobian_matches_per_example_jacobians():
    w = RS.randn(3, 4)
    x = RS.randn(5, 3)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.sin(tf.matmul(xt, tf.constant(w)))
    bj = tape.batch_jacobian(y, xt)
    assert bj.shape == (5, 4, 3)
    for b in range(5):
        np.testing.assert_allclose(bj.numpy()[b], numeric_jacobian(lambda a: np.sin(a @ w), x[b]),
                                   rtol=1e-6, atol=1e-8)


def test_jacobian_compiles_once_across_calls():
    before = _backward.traces["jacobian"]
    for _ in range(5):
        x = tf.constant(RS.randn(8).astype(np.float32))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tanh(x) * 2.0
        tape.jacobian(y, x)
    assert _backward.traces["jacobian"] - before == 1


def test_unconnected_jacobian_is_none_or_zeros():
    x = tf.constant([1.0, 2.0])
    u = tf.constant([3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = x * 2.0
    assert tape.jacobian(y, u) is None
    zeros = tape.jacobian(y, u, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zeros.shape == (2, 1) and not zeros.numpy().any()


def test_unknown_unconnected_gradients_raises_tf_vectorization_error():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="^Encountered an exception while vectorizing the jacobian") as info:
        tape.jacobian(y, x, unconnected_gradients="nonsense")
    assert "Unknown value for unconnected_gradients: 'nonsense'" in str(info.value.__cause__)
