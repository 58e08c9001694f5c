"""Code cells of TF's guides "Introduction to gradients and automatic differentiation" and
"Advanced automatic differentiation", with random inputs replaced by fixed values, on TF and tapejax.
"""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(21)
W32 = RS.randn(3, 2).astype(np.float32)
X7 = RS.randn(7, 5).astype(np.float32)
L1 = RS.randn(5, 10).astype(np.float32) * 0.3
L2 = RS.randn(10, 10).astype(np.float32) * 0.3
XB = RS.randn(7, 5).astype(np.float32)

CELLS = {}


def cell(f):
    CELLS[f.__name__] = f
    return f


def _dense(tf, kernel, activation=None):
    layer = tf.keras.layers.Dense(kernel.shape[1], activation=activation)
    layer.build((None, kernel.shape[0]))
    layer.set_weights([kernel, np.zeros(kernel.shape[1], np.float32)])
    return layer


# -- Introduction to gradients and automatic differentiation ----------------------------------
@cell
def intro_gradient_tapes(tf):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x ** 2
    return tape.gradient(y, x).numpy()


@cell
def intro_tensors_and_dict_sources(tf):
    w = tf.Variable(W32, name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y ** 2)
    [dl_dw, dl_db] = tape.gradient(loss, [w, b])
    my_vars = {"w": w, "b": b}
    grad = tape.gradient(loss, my_vars)
    return dl_dw, dl_db, grad["b"], w.shape, dl_dw.shape


@cell
def intro_model_gradients(tf):
    layer = _dense(tf, W32, "relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_mean(y ** 2)
    grad = tape.gradient(loss, layer.trainable_variables)
    return [(var.name, g.shape) for var, g in zip(layer.trainable_variables, grad)], grad


@cell
def intro_controlling_watch(tf):
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    x3 = tf.constant(3.0, name="x3")
    with tf.GradientTape() as tape:
        y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
    grad = tape.gradient(y, [x0, x1, x2, x3])
    return [str(g) for g in grad], [var.name for var in tape.watched_variables()]


@cell
def intro_watch_tensor_and_no_auto_watch(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 2
    dy_dx = tape.gradient(y, x)
    x0, x1 = tf.Variable(0.0), tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape2:
        tape2.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.softplus(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    grad = tape2.gradient(ys, {"x0": x0, "x1": x1})
    return dy_dx, grad["x0"], grad["x1"]


@cell
def intro_intermediate_results_and_persistent(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    first = tape.gradient(z, y)
    x = tf.constant([1, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    return first, tape.gradient(z, x), tape.gradient(y, x)


@cell
def intro_gradients_of_non_scalar_targets(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y0 = x ** 2
        y1 = 1 / x
    a = tape.gradient({"y0": y0, "y1": y1}, x)
    with tf.GradientTape() as tape2:
        y = x * [3.0, 4.0]
    b = tape2.gradient(y, x)
    xs = tf.linspace(-10.0, 10.0, 200 + 1)
    with tf.GradientTape() as tape3:
        tape3.watch(xs)
        ys = tf.nn.sigmoid(xs)
    return tape.gradient(y0, x), tape.gradient(y1, x), a, b, tape3.gradient(ys, xs)


@cell
def intro_control_flow(tf):
    x = tf.constant(1.0)
    v0, v1 = tf.Variable(2.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        if x > 0.0:
            result = v0
        else:
            result = v1 ** 2
    dv0, dv1 = tape.gradient(result, [v0, v1])
    return dv0, dv1, tape.gradient(result, x)


@cell
def intro_none_cases(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = y * y
    a = tape.gradient(z, x)
    x = tf.Variable(2.0)
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = x + 1
        out = tape.gradient(y, x)
        x = x + 1
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        x2 = x ** 2
        y = np.mean(x2, axis=0)
        y = tf.reduce_mean(y, axis=0)
    c = tape.gradient(y, x)
    x = tf.constant(10)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    d = g.gradient(y, x)
    x0, x1 = tf.Variable(3.0), tf.Variable(0.0)
    with tf.GradientTape() as tape:
        x1.assign_add(x0)
        y = x1 ** 2
    return a, out, c, d, tape.gradient(y, x0)


@cell
def intro_zeros_instead_of_none(tf):
    x = tf.Variable([2.0, 2.0])
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = y ** 2
    return tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


# -- Advanced automatic differentiation ---------------------------------------------------------
@cell
def adv_stop_recording(tf):
    x, y = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as t:
        x_sq = x * x
        with t.stop_recording():
            y_sq = y * y
        z = x_sq + y_sq
    grad = t.gradient(z, {"x": x, "y": y})
    return grad["x"], grad["y"]


@cell
def adv_reset(tf):
    x, y = tf.Variable(2.0), tf.Variable(3.0)
    reset = True
    with tf.GradientTape() as t:
        y_sq = y * y
        if reset:
            t.reset()
        z = x * x + y_sq
    grad = t.gradient(z, {"x": x, "y": y})
    return grad["x"], grad["y"]


@cell
def adv_stop_gradient(tf):
    x, y = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as t:
        y_sq = y ** 2
        z = x ** 2 + tf.stop_gradient(y_sq)
    grad = t.gradient(z, {"x": x, "y": y})
    return grad["x"], grad["y"]


@cell
def adv_custom_gradient_clip(tf):
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)
        return y, backward

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    return t.gradient(output, v)


@cell
def adv_multiple_tapes(tf):
    x0 = tf.constant(0.0)
    x1 = tf.constant(0.0)
    with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
        tape0.watch(x0)
        tape1.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.sigmoid(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    return tape0.gradient(ys, x0), tape1.gradient(ys, x1)


@cell
def adv_higher_order(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy_dx = t1.gradient(y, x)
    return dy_dx, t2.gradient(dy_dx, x)


@cell
def adv_input_gradient_regularization(tf):
    x = tf.constant(XB)
    layer = _dense(tf, L1)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = layer(x)
            out = tf.reduce_sum(layer(x) ** 2)
        g1 = t1.gradient(out, x)
        g1_mag = tf.norm(g1)
    dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
    return y.shape, g1.shape, [var.shape for var in dg1_mag], dg1_mag


@cell
def adv_jacobian_scalar_source(tf):
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    delta = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.nn.sigmoid(x + delta)
    return tape.jacobian(y, delta)


@cell
def adv_jacobian_tensor_source(tf):
    x = tf.constant(X7)
    layer = _dense(tf, L1, "elu")
    with tf.GradientTape(persistent=True) as tape:
        y = layer(x)
    j = tape.jacobian(y, layer.kernel)
    g = tape.gradient(y, layer.kernel)
    j_sum = tf.reduce_sum(j, axis=[0, 1])
    return y.shape, layer.kernel.shape, j.shape, g, tf.reduce_max(abs(g - j_sum))


@cell
def adv_hessian_newton_step(tf):
    x = tf.constant(XB)
    layer1 = _dense(tf, L1, "relu")
    layer2 = _dense(tf, L2[:, :10], "relu")
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            x = layer1(x)
            x = layer2(x)
            loss = tf.reduce_mean(x ** 2)
        g = t1.gradient(loss, layer1.kernel)
    h = t2.jacobian(g, layer1.kernel)
    n_params = tf.reduce_prod(layer1.kernel.shape)
    g_vec = tf.reshape(g, [n_params, 1])
    h_mat = tf.reshape(h, [n_params, n_params])
    eps = 1e-3
    eye_eps = tf.eye(h_mat.shape[0]) * eps
    update = tf.linalg.solve(h_mat + eye_eps, g_vec)
    return g.shape, h.shape, g, h, tf.reshape(update, layer1.kernel.shape)


@cell
def adv_batch_jacobian(tf):
    x = tf.constant(X7)
    layer1 = _dense(tf, L1, "elu")
    layer2 = _dense(tf, L2, "elu")
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = layer2(y)
    j = tape.jacobian(y, x)
    j_sum = tf.reduce_sum(j, axis=2)
    j_select = tf.einsum("bxby->bxy", j)
    jb = tape.batch_jacobian(y, x)
    return y.shape, j.shape, j_sum.shape, j_select.shape, jb, tf.reduce_max(abs(jb - j_select))


# The Newton step solves a float32 system of condition number ~700: any float32 solver (TF's or
# XLA's) is only accurate to about cond * eps32 * max|update| ~ 2e-5 absolute (measured: TF 1.4e-5,
# tapejax 2.1e-5 from a float64 solve), while g and h themselves agree to 1e-7.
ATOL = {"adv_hessian_newton_step": 5e-5}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_guide_cell(name):
    H.compare(CELLS[name], rtol=1e-4, atol=ATOL.get(name, 1e-5))
