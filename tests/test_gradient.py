"""gradient(): numeric checks against finite differences, higher order, seeds, structures."""

import jax
import numpy as np
import pytest
from jax.sharding import Mesh, PartitionSpec

import tapejax as tf
from tapejax import _context
from tapejax._tensor import Tensor
from tests._numeric import numeric_grad, numeric_jacobian

RS = np.random.RandomState(0)
W = RS.randn(5, 4)
X = RS.randn(4)


def _model(tfm, w, x):
    return tfm.reduce_sum(tfm.tanh(tfm.linalg.matvec(w, x)) ** 2) + tfm.exp(-tfm.square(x[0]))


def _np_model(w, x):
    return np.sum(np.tanh(w @ x) ** 2) + np.exp(-x[0] ** 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_matches_finite_differences(dtype):
    w = tf.Variable(W.astype(dtype))
    x = tf.constant(X.astype(dtype))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _model(tf, w, x)
    gw, gx = tape.gradient(y, [w, x])
    assert gw.dtype == tf.as_dtype(dtype) and gx.dtype == tf.as_dtype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-8
    np.testing.assert_allclose(gw.numpy(), numeric_grad(lambda a: _np_model(a, X), W), rtol=tol, atol=tol)
    np.testing.assert_allclose(gx.numpy(), numeric_grad(lambda a: _np_model(W, a), X), rtol=tol, atol=tol)


def test_hessian_by_nested_tapes_matches_finite_differences():
    x = tf.constant(X)
    w = tf.constant(W)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = _model(tf, w, x)
        g = inner.gradient(y, x)
    hessian = outer.jacobian(g, x)
    expected = numeric_jacobian(lambda a: numeric_grad(lambda b: _np_model(W, b), a, 1e-5), X, 1e-4)
    np.testing.assert_allclose(hessian.numpy(), expected, rtol=1e-4, atol=1e-4)


def test_third_derivative_with_three_tapes():
    x = tf.Variable(1.5, dtype=tf.float64)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = tf.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    v = 1.5
    # d3/dx3 (x sin x) = -3 sin x - x cos x
    assert float(d3) == pytest.approx(-3 * np.sin(v) - v * np.cos(v), rel=1e-10)


def test_output_gradients_weight_each_target():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = 3.0 * x
    g = tape.gradient([y, z], x, output_gradients=[tf.constant([1.0, 10.0]), tf.constant([2.0, 0.0])])
    np.testing.assert_allclose(g.numpy(), [2 * 1 * 1 + 6, 2 * 2 * 10 + 0])


def test_output_gradient_of_wrong_shape_raises():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="shape"):
        tape.gradient(y, x, output_gradients=tf.constant([1.0, 2.0, 3.0]))


def test_gradient_of_gradient_wrt_variables():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    x = tf.constant([[0.5, -1.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.tanh(x @ w))
        gx = inner.gradient(y, x)
        penalty = tf.reduce_sum(gx ** 2)
    gw = outer.gradient(penalty, w)

    def np_penalty(wv):
        h = np.tanh(np.array([[0.5, -1.0]]) @ wv)
        grad_x = (1 - h ** 2) @ wv.T
        return np.sum(grad_x ** 2)

    np.testing.assert_allclose(gw.numpy(), numeric_grad(np_penalty, w.numpy().astype(np.float64)),
                               rtol=1e-3, atol=1e-3)


def test_complex_gradient_follows_tf_convention():
    z = tf.constant(1.0 + 1.0j, dtype=tf.complex64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = z * z
    # TF: grad = conj(dy/dz) * upstream = conj(2z) = 2 - 2j
    assert complex(tape.gradient(y, z).numpy()) == pytest.approx(2 - 2j)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_gradients_keep_their_dtype(dtype):
    x = tf.constant(1.5, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x)
    assert g.dtype == tf.as_dtype(dtype)
    assert float(g) == pytest.approx(3.0, rel=1e-2)


def test_a_tape_inside_jax_shard_map_gives_the_gradients_of_a_tape_outside():
    # Inside shard_map each cotangent must vary over the mesh axes its primal varies over (JAX's
    # check); the seeds and the zero cotangents of unused multi-output parts are cast to match.
    def grads(x):
        t = Tensor(x)
        w = Tensor(np.float32(3.0))
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([t, w])
            first, _ = tf.unstack(tf.reshape(t, [2, 2]))  # a multi-output op with one unused part
            loss = tf.reduce_sum(first * first * w) + tf.reduce_sum(tf.sin(t))
        return tape.gradient(loss, t)._value, tape.gradient(loss, w)._value

    def body(x):
        with _context.scope(read_hook=None, write_hook=None, recording=[], trace=None):
            return grads(x)

    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    mesh = Mesh(np.array(jax.local_devices()[:1]), ("replica",))
    inside = jax.jit(jax.shard_map(body, mesh=mesh, in_specs=PartitionSpec("replica"),
                                   out_specs=(PartitionSpec("replica"), PartitionSpec())))(x)
    outside = grads(x)
    np.testing.assert_allclose(inside[0], outside[0], rtol=1e-6)
    np.testing.assert_allclose(inside[1], outside[1], rtol=1e-6)
