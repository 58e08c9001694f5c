"""Every code cell of TF's guides "Introduction to gradients and automatic differentiation"
(tensorflow.org/guide/autodiff) and "Advanced automatic differentiation"
(tensorflow.org/guide/advanced_autodiff), run on TF and tapejax.

Random draws (`tf.random.normal`, Keras' initializers) are replaced by fixed NumPy RandomState data;
Keras layers get their weights set explicitly. Plotting calls are replaced by returning the plotted
arrays, `print`s by returning what is printed.
"""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(1234)
W_3x2 = RS.randn(3, 2).astype(np.float32)
K_3x2 = RS.randn(3, 2).astype(np.float32)
B_2 = RS.randn(2).astype(np.float32) * 0.1
X_7x5 = RS.randn(7, 5).astype(np.float32)
K_5x10 = (RS.randn(5, 10) * 0.4).astype(np.float32)
B_10 = (RS.randn(10) * 0.1).astype(np.float32)
K_5x8 = (RS.randn(5, 8) * 0.4).astype(np.float32)
B_8 = (RS.randn(8) * 0.1).astype(np.float32)
K_8x6 = (RS.randn(8, 6) * 0.4).astype(np.float32)
B_6 = (RS.randn(6) * 0.1).astype(np.float32)

CELLS = {}


def cell(f):
    CELLS[f.__name__] = f
    return f


def dense(tf, kernel, bias, activation=None):
    """`tf.keras.layers.Dense(units, activation)` with fixed weights instead of a random init."""
    layer = tf.keras.layers.Dense(kernel.shape[1], activation=activation)
    layer.build((None, kernel.shape[0]))
    layer.set_weights([kernel, bias])
    return layer


# ==== Introduction to gradients and automatic differentiation ===================================
# -- Gradient tapes -----------------------------------------------------------------------------
@cell
def intro_01_gradient_tape_square(tf):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x ** 2
    dy_dx = tape.gradient(y, x)
    return dy_dx, dy_dx.numpy()


@cell
def intro_02_tensors_list_of_sources(tf):
    w = tf.Variable(tf.constant(W_3x2), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y ** 2)
    [dl_dw, dl_db] = tape.gradient(loss, [w, b])
    return y, loss, dl_dw, dl_db, w.shape, dl_dw.shape


@cell
def intro_03_dict_of_sources(tf):
    w = tf.Variable(tf.constant(W_3x2), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y ** 2)
    my_vars = {"w": w, "b": b}
    grad = tape.gradient(loss, my_vars)
    return grad, grad["b"]


# -- Gradients with respect to a model ------------------------------------------------------------
@cell
def intro_04_model_gradients(tf):
    layer = dense(tf, K_3x2, B_2, activation="relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        # Forward pass
        y = layer(x)
        loss = tf.reduce_mean(y ** 2)
    # Calculate gradients with respect to every trainable variable
    grad = tape.gradient(loss, layer.trainable_variables)
    shapes = [(var.name, tuple(g.shape)) for var, g in zip(layer.trainable_variables, grad)]
    return y, loss, grad, shapes, len(layer.trainable_variables)


# -- Controlling what the tape watches -------------------------------------------------------------
@cell
def intro_05_controlling_what_is_watched(tf):
    # A trainable variable
    x0 = tf.Variable(3.0, name="x0")
    # Not trainable
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    # Not a Variable: A variable + tensor returns a tensor.
    x2 = tf.Variable(2.0, name="x2") + 1.0
    # Not a variable
    x3 = tf.constant(3.0, name="x3")
    with tf.GradientTape() as tape:
        y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
    grad = tape.gradient(y, [x0, x1, x2, x3])
    return grad, [str(g) for g in grad], isinstance(x2, tf.Variable)


@cell
def intro_06_watched_variables_names(tf):
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    with tf.GradientTape() as tape:
        y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
    return [var.name for var in tape.watched_variables()], y


@cell
def intro_07_watch_a_tensor(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 2
    # dy = 2x * dx
    dy_dx = tape.gradient(y, x)
    return dy_dx.numpy()


@cell
def intro_08_watch_accessed_variables_false(tf):
    x0 = tf.Variable(0.0)
    x1 = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.softplus(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    # dys/dx1 = exp(x1) / (1 + exp(x1)) = sigmoid(x1)
    grad = tape.gradient(ys, {"x0": x0, "x1": x1})
    return grad["x0"], grad["x1"].numpy()


# -- Intermediate results -------------------------------------------------------------------------
@cell
def intro_09_intermediate_result(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    # Use the tape to compute the gradient of z with respect to the
    # intermediate value y.
    # dz_dy = 2 * y and y = x ** 2 = 9
    return tape.gradient(z, y).numpy()


@cell
def intro_10_persistent_tape(tf):
    x = tf.constant([1, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    a = tape.gradient(z, x).numpy()  # [4.0, 108.0] (4 * x**3 at x = [1.0, 3.0])
    b = tape.gradient(y, x).numpy()  # [2.0, 6.0] (2 * x at x = [1.0, 3.0])
    del tape  # Drop the reference to the tape
    return a, b


# -- Gradients of non-scalar targets -----------------------------------------------------------
@cell
def intro_11_two_targets_separately(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y0 = x ** 2
        y1 = 1 / x
    return tape.gradient(y0, x).numpy(), tape.gradient(y1, x).numpy()


@cell
def intro_12_dict_target_sums(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y0 = x ** 2
        y1 = 1 / x
    return tape.gradient({"y0": y0, "y1": y1}, x).numpy()


@cell
def intro_13_vector_target_sums(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * [3.0, 4.0]
    return tape.gradient(y, x).numpy()


@cell
def intro_14_sigmoid_elementwise(tf):
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.sigmoid(x)
    dy_dx = tape.gradient(y, x)
    # plt.plot(x, y, label='y'); plt.plot(x, dy_dx, label='dy/dx')
    return x, y, dy_dx


# -- Control flow --------------------------------------------------------------------------------
@cell
def intro_15_control_flow(tf):
    x = tf.constant(1.0)
    v0 = tf.Variable(2.0)
    v1 = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        if x > 0.0:
            result = v0
        else:
            result = v1 ** 2
    dv0, dv1 = tape.gradient(result, [v0, v1])
    dx = tape.gradient(result, x)
    return dv0, dv1, dx


# -- Cases where gradient returns None ------------------------------------------------------------
@cell
def intro_16_unconnected_returns_none(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = y * y
    return tape.gradient(z, x)


@cell
def intro_17_replaced_variable_with_tensor(tf):
    x = tf.Variable(2.0)
    printed = []
    for epoch in range(2):
        with tf.GradientTape() as tape:
            y = x + 1
        printed.append((type(x).__name__, epoch, tape.gradient(y, x)))
        x = x + 1  # This should be `x.assign_add(1)`
    return [(name.endswith("Variable"), epoch, g) for name, epoch, g in printed]


@cell
def intro_18_calculations_outside_tensorflow(tf):
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        x2 = x ** 2
        # This step is calculated with NumPy
        y = np.mean(x2, axis=0)
        # Like most ops, reduce_mean will cast the NumPy array to a constant tensor
        # using `tf.convert_to_tensor`.
        y = tf.reduce_mean(y, axis=0)
    return tape.gradient(y, x), y


@cell
def intro_19_gradient_through_integer(tf):
    x = tf.constant(10)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, x)


@cell
def intro_20_gradient_through_stateful_object(tf):
    x0 = tf.Variable(3.0)
    x1 = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        # Update x1 = x1 + x0.
        x1.assign_add(x0)
        # The tape starts recording from x1.
        y = x1 ** 2  # y = (x1 + x0)**2
    # This doesn't work.
    return tape.gradient(y, x0), y


@cell
def intro_21_no_gradient_registered(tf):
    image = tf.Variable([[[0.5, 0.0, 0.0]]])
    delta = tf.Variable(0.1)
    with tf.GradientTape() as tape:
        new_image = tf.image.adjust_contrast(image, delta)
    try:
        tape.gradient(new_image, [image, delta])
        raise AssertionError("This should not happen.")
    except LookupError as e:
        return f"{type(e).__name__}: {e}", new_image


@cell
def intro_22_zeros_instead_of_none(tf):
    x = tf.Variable([2.0, 2.0])
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = y ** 2
    return tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


# ==== Advanced automatic differentiation =========================================================
# -- Controlling gradient recording ----------------------------------------------------------
@cell
def adv_01_stop_recording(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        x_sq = x * x
        with t.stop_recording():
            y_sq = y * y
        z = x_sq + y_sq
    grad = t.gradient(z, {"x": x, "y": y})
    return grad["x"], grad["y"], z


@cell
def adv_02_reset(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    reset = True
    with tf.GradientTape() as t:
        y_sq = y * y
        if reset:
            # Throw out all the tape recorded so far.
            t.reset()
        z = x * x + y_sq
    grad = t.gradient(z, {"x": x, "y": y})
    return grad["x"], grad["y"]


# -- Stop gradient -----------------------------------------------------------------------------
@cell
def adv_03_stop_gradient(tf):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y_sq = y ** 2
        z = x ** 2 + tf.stop_gradient(y_sq)
    grad = t.gradient(z, {"x": x, "y": y})
    return grad["x"], grad["y"]


# -- Custom gradients ------------------------------------------------------------------------------
def _clip_gradients(tf):
    # Establish an identity operation, but clip during the gradient pass.
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)
        return y, backward
    return clip_gradients


@cell
def adv_04_custom_gradient_clip(tf):
    clip_gradients = _clip_gradients(tf)
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    return t.gradient(output, v), output  # calls "backward", which clips 4 to 2


@cell
def adv_05_custom_gradient_in_module_function(tf):
    # The SavedModel cell's module, called directly (the round trip is the next cell).
    clip_gradients = _clip_gradients(tf)

    class MyModule(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(None)])
        def call_custom_grad(self, x):
            return clip_gradients(x)

    model = MyModule()
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = model.call_custom_grad(v * v)
    return t.gradient(output, v), output


@cell
def adv_06_custom_gradient_saved_model(tf):
    import tempfile

    clip_gradients = _clip_gradients(tf)

    class MyModule(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(None)])
        def call_custom_grad(self, x):
            return clip_gradients(x)

    model = MyModule()
    with tempfile.TemporaryDirectory() as tmp:
        tf.saved_model.save(model, tmp + "/saved_model",
                            options=tf.saved_model.SaveOptions(experimental_custom_gradients=True))
        # The loaded gradients will be the same as the above example.
        v = tf.Variable(2.0)
        loaded = tf.saved_model.load(tmp + "/saved_model")
        with tf.GradientTape() as t:
            output = loaded.call_custom_grad(v * v)
        return t.gradient(output, v)


# -- Multiple tapes ------------------------------------------------------------------------------
@cell
def adv_07_multiple_tapes(tf):
    x0 = tf.constant(0.0)
    x1 = tf.constant(0.0)
    with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
        tape0.watch(x0)
        tape1.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.sigmoid(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    a = tape0.gradient(ys, x0).numpy()  # cos(x) => 1.0
    b = tape1.gradient(ys, x1).numpy()  # sigmoid(x1)*(1-sigmoid(x1)) => 0.25
    return a, b


# -- Higher-order gradients ------------------------------------------------------------------------
@cell
def adv_08_higher_order(tf):
    x = tf.Variable(1.0)  # Create a Tensorflow variable initialized to 1.0
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        # Compute the gradient inside the outer `t2` context manager
        # which means the gradient computation is differentiable as well.
        dy_dx = t1.gradient(y, x)
    d2y_dx2 = t2.gradient(dy_dx, x)
    return dy_dx.numpy(), d2y_dx2.numpy()


@cell
def adv_09_input_gradient_regularization(tf):
    x = tf.constant(X_7x5)
    layer = dense(tf, K_5x10, B_10, activation=tf.nn.relu)
    with tf.GradientTape() as t2:
        # The inner tape only takes the gradient with respect to the input,
        # not the variables.
        with tf.GradientTape(watch_accessed_variables=False) as t1:
            t1.watch(x)
            y = layer(x)
            out = tf.reduce_sum(layer(x) ** 2)
        # 1. Calculate the input gradient.
        g1 = t1.gradient(out, x)
        # 2. Calculate the magnitude of the input gradient.
        g1_mag = tf.norm(g1)
    # 3. Calculate the gradient of the magnitude with respect to the model.
    dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
    return y.shape, g1, g1_mag, [var.shape for var in dg1_mag], dg1_mag


# -- Jacobians -----------------------------------------------------------------------------------
@cell
def adv_10_jacobian_scalar_source(tf):
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    delta = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.nn.sigmoid(x + delta)
    dy_dx = tape.jacobian(y, delta)
    # plt.plot(x.numpy(), y, label='y'); plt.plot(x.numpy(), dy_dx, label='dy/dx')
    return y.shape, dy_dx.shape, y, dy_dx


@cell
def adv_11_jacobian_tensor_source(tf):
    x = tf.constant(X_7x5)
    layer = dense(tf, K_5x10, B_10, activation=tf.nn.relu)
    with tf.GradientTape(persistent=True) as tape:
        y = layer(x)
    j = tape.jacobian(y, layer.kernel)
    g = tape.gradient(y, layer.kernel)
    j_sum = tf.reduce_sum(j, axis=[0, 1])
    delta = tf.reduce_max(abs(g - j_sum)).numpy()
    assert delta < 1e-3
    return y.shape, layer.kernel.shape, j.shape, g.shape, j, g, j_sum


@cell
def adv_12_hessian_newton_step(tf):
    x = tf.constant(X_7x5)
    layer1 = dense(tf, K_5x8, B_8, activation=tf.nn.relu)
    layer2 = dense(tf, K_8x6, B_6, activation=tf.nn.relu)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            x = layer1(x)
            x = layer2(x)
            loss = tf.reduce_mean(x ** 2)
        g = t1.gradient(loss, layer1.kernel)
    h = t2.jacobian(g, layer1.kernel)
    shapes = (layer1.kernel.shape, h.shape)
    n_params = tf.reduce_prod(layer1.kernel.shape)
    g_vec = tf.reshape(g, [n_params, 1])
    h_mat = tf.reshape(h, [n_params, n_params])
    eps = 1e-3
    eye_eps = tf.eye(h_mat.shape[0]) * eps
    # X(k+1) = X(k) - (∇²f(X(k)))^-1 @ ∇f(X(k))
    # h_mat = ∇²f(X(k))
    # g_vec = ∇f(X(k))
    update = tf.linalg.solve(h_mat + eye_eps, g_vec)
    # Reshape the update and apply it to the variable.
    _ = layer1.kernel.assign_sub(tf.reshape(update, layer1.kernel.shape))
    return shapes, n_params, g_vec, h_mat, tf.convert_to_tensor(layer1.kernel)


@cell
def adv_13_batch_jacobian(tf):
    x = tf.constant(X_7x5)
    layer1 = dense(tf, K_5x8, B_8, activation=tf.nn.elu)
    layer2 = dense(tf, K_8x6, B_6, activation=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = layer2(y)
    j = tape.jacobian(y, x)
    # imshow_zero_center(j[:, 0, :, 0])
    j_sum = tf.reduce_sum(j, axis=2)
    j_select = tf.einsum("bxby->bxy", j)
    jb = tape.batch_jacobian(y, x)
    error = tf.reduce_max(abs(jb - j_sum))
    assert error < 1e-3
    return y.shape, j.shape, j[:, 0, :, 0], j_sum.shape, j_select.shape, jb.shape, jb, j_sum


@cell
def adv_14_batch_jacobian_with_batch_norm(tf):
    x = tf.constant(X_7x5)
    layer1 = dense(tf, K_5x8, B_8, activation=tf.nn.elu)
    bn = tf.keras.layers.BatchNormalization()
    layer2 = dense(tf, K_8x6, B_6, activation=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = bn(y, training=True)
        y = layer2(y)
    j = tape.jacobian(y, x)
    j_sum = tf.reduce_sum(j, axis=2)
    jb = tape.batch_jacobian(y, x)
    return j.shape, j_sum.shape, jb.shape, j, jb


@pytest.mark.parametrize("name", sorted(CELLS))
def test_guide_cell(name):
    H.compare(CELLS[name], rtol=1e-4, atol=1e-5)
