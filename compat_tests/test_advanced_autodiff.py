"""Issue 3's scope item by item, and TF_SEMANTICS §1.8-1.9, §2.7-2.10 and §3, on TF and tapejax:
jacobian / batch_jacobian (shapes, None/zeros, errors with TF's exact texts), Hessians and HVPs,
ForwardAccumulator, custom_gradient, recompute_grad, IndexedSlices, vectorized_map, control flow
and gradient edge cases, complex and low-precision dtypes.
"""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(2024)
W4 = (RS.randn(4, 4) / 2).astype(np.float32)
W43 = (RS.randn(4, 3) / 2).astype(np.float32)
X4 = RS.randn(4).astype(np.float32)
XB = RS.randn(5, 4).astype(np.float32)
X23 = RS.randn(2, 3).astype(np.float32)
X423 = RS.randn(4, 2, 3).astype(np.float32)
W35 = RS.randn(3, 5).astype(np.float32)
V4 = RS.randn(4).astype(np.float32)
ALPHA = RS.rand(5, 1).astype(np.float32)
Y53 = RS.randn(5, 3).astype(np.float32)

PROGRAMS = {}


def program(f):
    PROGRAMS[f.__name__] = f
    return f


def slices(tf, g):
    """An IndexedSlices gradient as comparable plain parts."""
    return (type(g).__name__, isinstance(g, tf.IndexedSlices), g.values, g.indices, g.dense_shape,
            g.dtype, tf.convert_to_tensor(g))


# ==== 1. jacobian ==============================================================================
@program
def jacobian_shapes_scalar_vector_matrix(tf):
    x = tf.constant(X4)
    m = tf.constant(X23)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, m])
        s = tf.reduce_sum(x ** 3)                     # scalar target
        v = tf.tanh(tf.linalg.matvec(tf.constant(W4), x))  # vector target
        mm = tf.matmul(m, tf.constant(W35)) * tf.reduce_sum(x)  # matrix target
    out = [tape.jacobian(s, x), tape.jacobian(v, x), tape.jacobian(mm, m), tape.jacobian(mm, x),
           tape.jacobian(v, tf.reduce_sum(x))]
    return out, [o.shape if o is not None else None for o in out]


@program
def jacobian_scalar_source_and_scalar_target(tf):
    a = tf.constant(1.5)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        y = a * tf.constant([1.0, 2.0, 3.0])
        z = a ** 3
    return tape.jacobian(y, a), tape.jacobian(z, a)


@program
def jacobian_nested_sources_and_variables(tf):
    x = tf.constant(X4)
    w = tf.Variable(W4, name="w")
    b = tf.Variable(tf.zeros(4), name="b")
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.nn.sigmoid(tf.linalg.matvec(w, x) + b)
    j = tape.jacobian(y, {"w": w, "inner": [x, (b,)]})
    return j, tape.jacobian(y, [w, b]), tape.jacobian(y, (x,))


@program
def jacobian_unconnected_none_and_zero(tf):
    x = tf.constant(X4)
    u = tf.constant(X23)
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = x * 2.0
    return (tape.jacobian(y, [x, u, v]),
            tape.jacobian(y, [x, u, v], unconnected_gradients=tf.UnconnectedGradients.ZERO),
            tape.jacobian(y, u, unconnected_gradients="zero"))


@program
def jacobian_unconnected_zero_float64(tf):
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    u = tf.constant([[1.0], [2.0], [3.0]], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = tf.sin(x)
    return tape.jacobian(y, [x, u], unconnected_gradients="zero")


@program
def jacobian_int_target_is_none(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x * 3.0, tf.int32)
    return tape.jacobian(y, x)


@program
def jacobian_target_computed_outside_tape(tf):
    x = tf.constant([1.0, 2.0])
    y = x * x
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        z = y + 1.0
    return tape.jacobian(z, x), tape.jacobian(z, x, unconnected_gradients="zero")


@program
def jacobian_empty_target(tf):
    x = tf.ones([7])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.zeros([0]) * tf.reduce_sum(x)
    j = tape.jacobian(y, x)
    return j, j.shape


@program
@H.raises("AttributeError")
def jacobian_list_target_error(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian([y, y], x)


@program
def jacobian_twice_on_non_persistent_tape(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    first = tape.jacobian(y, x)
    try:
        tape.jacobian(y, x)
    except RuntimeError as e:
        return first, str(e)


@program
@H.raises("RuntimeError")
def gradient_after_jacobian_on_non_persistent_tape(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)
    return tape.gradient(y, x)


@program
@H.raises("RuntimeError")
def jacobian_after_gradient_on_non_persistent_tape(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    return tape.jacobian(y, x)


@program
def jacobian_inside_context_non_persistent(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * y
        j = tape.jacobian(z, x)
    return j, z


@program
@H.raises("RuntimeError")
def jacobian_no_pfor_non_persistent_error(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, experimental_use_pfor=False)


@program
def jacobian_no_pfor_persistent_and_parallel_iterations(tf):
    x = tf.constant(X4)
    w = tf.Variable(W43)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(tf.linalg.matvec(w, x, transpose_a=True))
    return (tape.jacobian(y, [x, w], experimental_use_pfor=False),
            tape.jacobian(y, [x, w], parallel_iterations=2),
            tape.jacobian(y, [x, w], experimental_use_pfor=False, parallel_iterations=3),
            tape.jacobian(y, tf.constant(1.0), experimental_use_pfor=False),
            tape.jacobian(y, tf.constant(1.0), experimental_use_pfor=False, unconnected_gradients="zero"))


@program
def jacobian_of_gather_is_dense(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.gather(v, [2, 0, 2]) * tf.constant([[1.0, 2.0]])
    j = tape.jacobian(y, v)
    return isinstance(j, tf.Tensor), j, j.shape


@program
def jacobian_of_scalar_target_equals_gradient(tf):
    w = tf.Variable(W43)
    x = tf.constant(X4)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.nn.softplus(tf.linalg.matvec(w, x, transpose_a=True)))
    return tape.jacobian(loss, w), tape.gradient(loss, w)


@program
@H.raises("ValueError")
def jacobian_bad_unconnected_value(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, unconnected_gradients="nonsense")


@program
@H.raises("ValueError")
def jacobian_bad_unconnected_value_without_pfor(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, unconnected_gradients="nonsense", experimental_use_pfor=False)


@program
@H.raises("ValueError")
def batch_jacobian_bad_unconnected_value(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.batch_jacobian(y, x, unconnected_gradients="nonsense")


@program
@H.raises("ValueError")
def batch_jacobian_bad_unconnected_value_without_pfor(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    return tape.batch_jacobian(y, x, unconnected_gradients="nonsense", experimental_use_pfor=False)


@program
def batch_jacobian_unconnected_is_zeros_for_none_and_zero(tf):
    x = tf.constant([[1.0, 2.0]])
    z = tf.constant([[3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = x * 2.0
    return (tape.batch_jacobian(y, z), tape.batch_jacobian(y, z, unconnected_gradients="zero"))


@program
def jacobian_in_function(tf):
    w = tf.Variable(W43)

    @tf.function
    def jac(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tanh(tf.linalg.matvec(w, x, transpose_a=True))
        return tape.jacobian(y, [x, w])

    return jac(tf.constant(X4)), jac(tf.constant(V4))


@program
def jacobian_of_nested_tape_gradient_with_variables_and_zero(tf):
    w = tf.Variable([1.0, 2.0])
    u = tf.Variable([3.0])
    with tf.GradientTape(persistent=True) as t2:
        with tf.GradientTape() as t1:
            y = tf.reduce_sum(w ** 3)
        g = t1.gradient(y, w)
    return t2.jacobian(g, [w, u]), t2.jacobian(g, [w, u], unconnected_gradients="zero")


# ==== 1b. batch_jacobian =========================================================================
@program
def batch_jacobian_values(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.batch_jacobian(y, x)


@program
def batch_jacobian_rank3_shapes(tf):
    x = tf.constant(X423)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(tf.einsum("bij,jk->bik", x, tf.constant(W35)))
        y2 = tf.reduce_sum(x ** 2, axis=[1, 2], keepdims=True)[:, 0]   # [4, 1]
    jb = tape.batch_jacobian(y, x)
    jb2 = tape.batch_jacobian(y2, x)
    return jb, jb.shape, jb2, jb2.shape


@program
def batch_jacobian_matches_dense_network(tf):
    x = tf.constant(XB)
    w = tf.Variable(W43)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.nn.elu(x @ w)
    jb = tape.batch_jacobian(y, x)
    j = tape.jacobian(y, x)
    return jb, tf.einsum("bxby->bxy", j), tape.batch_jacobian(y, x, experimental_use_pfor=False)


@program
@H.raises("AttributeError")
def batch_jacobian_list_source_error(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.batch_jacobian(y, [x])


@program
@H.raises("RuntimeError")
def batch_jacobian_consumed_tape_typo(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.batch_jacobian(y, x)
    return tape.batch_jacobian(y, x)


@program
def batch_jacobian_after_gradient_typo(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    try:
        tape.batch_jacobian(y, x)
    except RuntimeError as e:
        return str(e)


@program
@H.raises("ValueError")
def batch_jacobian_target_rank_error(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x, axis=1)
    return tape.batch_jacobian(y, x)


@program
@H.raises("ValueError")
def batch_jacobian_source_rank_error(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stack([x, x])
    return tape.batch_jacobian(y, x)


@program
def batch_jacobian_target_checked_before_source(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    try:
        tape.batch_jacobian(y, x)
    except ValueError as e:
        return str(e)


@program
@H.raises("ValueError")
def batch_jacobian_batch_mismatch(tf):
    x = tf.constant(XB[:2, :3])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.concat([x, x], axis=0)
    return tape.batch_jacobian(y, x)


@program
@H.raises("RuntimeError")
def batch_jacobian_no_pfor_non_persistent_error(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.batch_jacobian(y, x, experimental_use_pfor=False)


@program
def batch_jacobian_unconnected_is_zeros_even_with_none(tf):
    x = tf.constant(XB[:3, :2])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.ones([3, 4]) * 2.0
        y64 = tf.ones([3, 2], dtype=tf.float64)
    return (tape.batch_jacobian(y, x), tape.batch_jacobian(y, x, unconnected_gradients="zero"),
            tape.batch_jacobian(y64, x))


@program
def batch_jacobian_degenerate_shape(tf):
    x = tf.zeros([1, 0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    j = tape.batch_jacobian(y, x)
    return j, j.shape


@program
def batch_jacobian_wrt_variable_batch(tf):
    v = tf.Variable(XB[:3, :2])
    with tf.GradientTape() as tape:
        y = tf.concat([v ** 2, tf.sin(v)], axis=1)
    return tape.batch_jacobian(y, v)


@program
def batch_jacobian_inside_context_and_in_function(tf):
    x = tf.constant(XB[:3, :2])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sin(x) * tf.reduce_sum(x, axis=1, keepdims=True)
        jb = tape.batch_jacobian(y, x)

    @tf.function
    def bj(a):
        with tf.GradientTape() as t:
            t.watch(a)
            b = tf.sin(a) * tf.reduce_sum(a, axis=1, keepdims=True)
        return t.batch_jacobian(b, a)

    return jb, bj(x)


# ==== 2. Higher order ==========================================================================
@program
def hessian_via_jacobian_of_gradient(tf):
    x = tf.Variable(X4)
    a = tf.constant(W4)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            f = tf.reduce_sum(tf.sin(x) * tf.linalg.matvec(a, x)) + tf.reduce_sum(x ** 4)
        g = t1.gradient(f, x)
    h = t2.jacobian(g, x)
    return g, h, h.shape


@program
def hessian_of_matrix_variable_and_cross_terms(tf):
    w = tf.Variable(W43)
    x = tf.constant(X4)
    with tf.GradientTape(persistent=True) as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            loss = tf.reduce_sum(tf.tanh(tf.linalg.matvec(w, x, transpose_a=True)) ** 2)
        gw, gx = t1.gradient(loss, [w, x])
    return gw, gx, t2.jacobian(gw, w).shape, t2.jacobian(gw, w), t2.jacobian(gx, w), t2.jacobian(gx, x)


@program
def third_derivative_three_tapes(tf):
    x = tf.constant(0.7)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x) * x ** 3
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    return y, d1, d2, d3


@program
def persistent_tape_gradients_inside_context(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x ** 3
        d1 = tape.gradient(y, x)
        d2 = tape.gradient(d1, x)
    d3 = tape.gradient(d2, x)
    return y, d1, d2, d3


@program
def hvp_nested_tapes(tf):
    x = tf.constant(X4)
    v = tf.constant(V4)
    a = tf.constant(W4)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            f = tf.reduce_sum(tf.exp(tf.linalg.matvec(a, x) * 0.3)) + tf.reduce_sum(x ** 3)
        g = inner.gradient(f, x)
        gv = tf.reduce_sum(g * v)
    hvp1 = outer.gradient(gv, x)
    hvp2 = outer.gradient(g, x, output_gradients=v)
    return hvp1, hvp2, tf.linalg.matvec(outer.jacobian(g, x), v)


@program
def hvp_forward_over_backward(tf):
    x = tf.constant(X4)
    v = tf.constant(V4)
    a = tf.constant(W4)
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            f = tf.reduce_sum(tf.exp(tf.linalg.matvec(a, x) * 0.3)) + tf.reduce_sum(x ** 3)
        g = tape.gradient(f, x)
    return g, acc.jvp(g)


@program
def hvp_forward_over_backward_docstring(tf):
    v = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.0])) as acc:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(v ** 3.0)
        backward = tape.gradient(y, v)
    return backward, acc.jvp(backward)


@program
def gradient_penalty_wgan_gp(tf):
    w1 = tf.Variable(W43)
    w2 = tf.Variable(W35[:, :1])
    real = tf.constant(XB)
    fake = tf.constant(XB[::-1] * 0.5)
    alpha = tf.constant(ALPHA)
    interp = real + alpha * (fake - real)

    def critic(z):
        return tf.nn.leaky_relu(z @ w1, 0.2) @ w2

    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(interp)
            d = critic(interp)
        grads = inner.gradient(d, interp)
        norm = tf.sqrt(tf.reduce_sum(grads ** 2, axis=1) + 1e-12)
        penalty = tf.reduce_mean((norm - 1.0) ** 2)
        loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real)) + 10.0 * penalty
    return penalty, loss, outer.gradient(loss, [w1, w2])


@program
def gradients_of_gradients_wrt_variables(tf):
    w = tf.Variable([0.5, -1.5, 2.0])
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(w * x ** 2 + tf.sin(w * x))
        gx = inner.gradient(y, x)
        s = tf.reduce_sum(gx ** 2)
    return gx, outer.gradient(s, [w, x])


@program
def stop_recording_inside_nested_tapes(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
            with inner.stop_recording():
                z = y * x  # recorded on outer only
            w = y + z
        gi = inner.gradient(w, x)
    go = outer.gradient(w, x)
    return gi, go


@program
def inner_gradient_after_outer_exit_breaks_second_order(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x ** 3
    d1 = t1.gradient(y, x)
    return d1, t2.gradient(d1, x)


# ==== 3. ForwardAccumulator ======================================================================
@program
def forward_accumulator_basic_and_nests(tf):
    x = tf.constant(X4)
    v = tf.Variable(2.0)
    with tf.autodiff.ForwardAccumulator([x, v], [tf.constant(V4), 0.5]) as acc:
        y = tf.sin(x) * v
        z = tf.reduce_sum(y ** 2)
    return acc.jvp(y), acc.jvp(z), acc.jvp({"y": y, "list": [z, x]}), acc.jvp(v), acc.jvp(x)


@program
def forward_accumulator_unconnected(tf):
    x = tf.constant([1.0, 2.0])
    before = x * 3.0
    other = tf.constant([[1.0], [2.0]])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0])) as acc:
        y = x * x
        s = tf.stop_gradient(y)
        i = tf.cast(y, tf.int32)
    return (acc.jvp(before), acc.jvp(other), acc.jvp(other, unconnected_gradients="zero"),
            acc.jvp(other, unconnected_gradients=tf.UnconnectedGradients.ZERO), acc.jvp(s), acc.jvp(i),
            acc.jvp(y))


@program
def forward_accumulator_jvp_after_exit_and_between(tf):
    x = tf.constant(2.0)
    acc = tf.autodiff.ForwardAccumulator(x, 1.0)
    with acc:
        y = x * 3.0
    between = y * y
    with acc:
        w = y * y
    return acc.jvp(y), acc.jvp(between), acc.jvp(w)


@program
def forward_accumulator_python_and_numpy_tangents(tf):
    x = tf.constant([1.0, 2.0])
    s = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator((x, s), (np.array([0.5, -1.0]), 2.0)) as acc:
        y = x * s
    return acc.jvp(y), acc.jvp(x), acc.jvp(s)


@program
@H.raises("ValueError")
def forward_accumulator_structure_mismatch(tf):
    x = tf.constant([1.0, 2.0])
    return tf.autodiff.ForwardAccumulator(x, [1.0, 2.0])


@program
@H.raises("ValueError")
def forward_accumulator_dtype_mismatch(tf):
    x = tf.constant([1.0, 2.0])
    return tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 2.0], dtype=tf.float64))


@program
@H.raises("ValueError")
def forward_accumulator_tangent_shape_mismatch(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 2.0])) as acc:
        y = x * 2.0
    return acc.jvp(y)


@program
@H.raises("ValueError")
def forward_accumulator_duplicate_primal(tf):
    x = tf.constant(1.0)
    return tf.autodiff.ForwardAccumulator([x, x], [1.0, 2.0])


@program
@H.raises("ValueError")
def forward_accumulator_reenter_while_active(tf):
    x = tf.constant(1.0)
    acc = tf.autodiff.ForwardAccumulator(x, 1.0)
    with acc:
        with acc:
            pass
    return None


@program
def forward_accumulator_reenter_docstring_test(tf):
    x = tf.constant(-2.0)
    with tf.autodiff.ForwardAccumulator(x, 2.0) as acc:
        y = 3.0 * x
        first = acc.jvp(y)
    with acc:
        yy = y * y
    return first, acc.jvp(yy), acc.jvp(y)


@program
@H.raises("AttributeError")
def forward_accumulator_jvp_of_python_float(tf):
    x = tf.constant(1.0)
    with tf.autodiff.ForwardAccumulator(x, 1.0) as acc:
        pass
    return acc.jvp(3.0)


@program
@H.raises("ValueError")
def forward_accumulator_bad_unconnected_value(tf):
    x = tf.constant(1.0)
    with tf.autodiff.ForwardAccumulator(x, 1.0) as acc:
        y = x * 2.0
    return acc.jvp(y, unconnected_gradients="bogus")


@program
def forward_accumulator_int_primal(tf):
    i = tf.constant(3)
    with tf.autodiff.ForwardAccumulator(i, 1) as acc:
        j = i * 2
    return acc.jvp(j), j


@program
def forward_accumulator_variable_in_function(tf):
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        return v * x

    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 2.0])) as acc:
        y = f(tf.constant(11.0))
    return acc.jvp(y), y


@program
def forward_accumulator_nested_higher_order(tf):
    x = tf.constant(1.1)
    with tf.autodiff.ForwardAccumulator(x, 1.0) as outer:
        with tf.autodiff.ForwardAccumulator(x, 1.0) as inner:
            y = x ** 3.5
        first = inner.jvp(y)
    return first, outer.jvp(first), outer.jvp(y), inner.jvp(outer.jvp(y))


@program
def forward_accumulator_tape_inside_ignores_jvp(tf):
    c = tf.constant(1.0)
    with tf.autodiff.ForwardAccumulator(c, 0.1) as acc:
        with tf.GradientTape() as tape:
            tape.watch(c)
            d = tf.cos(c)
            jvp = acc.jvp(d)
    return jvp, tape.gradient(jvp, c)


@program
def backward_over_forward(tf):
    c = tf.constant(1.0)
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([c, x])
        with tf.autodiff.ForwardAccumulator(c, 0.1) as acc:
            d = tf.cos(c)
        jc = acc.jvp(d)
        with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc2:
            y = tf.reduce_sum(x ** 3)
        jx = acc2.jvp(y)
    return jc, tape.gradient(jc, c), jx, tape.gradient(jx, x)


@program
def forward_accumulator_keras_dense_docstring(tf):
    x = tf.constant([[2.0, 3.0], [1.0, 4.0]])
    targets = tf.constant([[1.0], [-1.0]])
    # The docstring's `tf.keras.layers.Dense(1)`, as plain Variables: TF 2.21's ForwardAccumulator
    # rejects Keras 3 variables (their dtype is a string).
    kernel = tf.Variable([[0.5], [-0.25]])
    bias = tf.Variable([0.1])

    def dense(inputs):
        return inputs @ kernel + bias

    with tf.autodiff.ForwardAccumulator(primals=kernel, tangents=tf.constant([[1.0], [0.0]])) as acc:
        loss = tf.reduce_sum((dense(x) - targets) ** 2.0)
    kernel_fprop = []
    with tf.autodiff.ForwardAccumulator(kernel, tf.constant([[1.0], [0.0]])) as acc1:
        kernel_fprop.append(acc1.jvp(dense(x)))
    with tf.autodiff.ForwardAccumulator(kernel, tf.constant([[0.0], [1.0]])) as acc2:
        kernel_fprop.append(acc2.jvp(dense(x)))
    with tf.autodiff.ForwardAccumulator(bias, tf.constant([1.0])) as acc3:
        bias_fprop = acc3.jvp(dense(x))
    return loss, acc.jvp(loss), kernel_fprop, bias_fprop


@program
def forward_accumulator_jacobian_columns(tf):
    w = tf.Variable(W43)
    x = tf.constant(X4)
    cols = []
    for k in range(3):
        tangent = np.zeros((4, 3), np.float32)
        tangent[1, k] = 1.0
        with tf.autodiff.ForwardAccumulator(w, tf.constant(tangent)) as acc:
            y = tf.tanh(tf.linalg.matvec(w, x, transpose_a=True))
        cols.append(acc.jvp(y))
    return tf.stack(cols, axis=1)


@program
def forward_accumulator_sees_primal_ops_of_custom_gradient(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy * 100.0
        return x * 1.0, grad

    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, 1.0) as acc:
        y = f(x)
    return acc.jvp(y)


@program
def hessian_by_vectorized_map_of_hvp(tf):
    x = tf.constant(X4)
    a = tf.constant(W4)

    def hvp(tangent):
        with tf.autodiff.ForwardAccumulator(x, tangent) as acc:
            with tf.GradientTape() as tape:
                tape.watch(x)
                f = tf.reduce_sum(tf.tanh(tf.linalg.matvec(a, x)) ** 2)
            g = tape.gradient(f, x)
        return acc.jvp(g)

    return tf.vectorized_map(hvp, tf.eye(4))


# ==== 4. custom_gradient, recompute_grad, grad_pass_through ========================================
@program
def custom_gradient_single_input_non_scalar_upstream(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy * 7.0  # the gradient shows the upstream: 7 * [3, 4]
        return x * 2.0, grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x) * tf.constant([3.0, 4.0])
    g = tape.gradient(y, x)
    return g


@program
def custom_gradient_multiple_inputs_list_and_tuple(tf):
    @tf.custom_gradient
    def f_list(x, y):
        def grad(dz):
            return [dz * y * 10.0, dz * x * 100.0]
        return x * y, grad

    @tf.custom_gradient
    def f_tuple(x, y):
        def grad(dz):
            return dz * 2.0, dz * 3.0
        return x + y, grad

    x, y = tf.constant(2.0), tf.constant(5.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        a = f_list(x, y)
        b = f_tuple(x, y)
    return a, b, tape.gradient(a, [x, y]), tape.gradient(b, [x, y]), tape.gradient([a, b], x)


@program
def custom_gradient_multiple_outputs_unused_output_upstream(tf):
    @tf.custom_gradient
    def f(x):
        def grad(d1, d2):
            # d2 (the upstream of the unused output) is zeros: only d1's term survives.
            return d1 * 2.0 + (d2 + 1.0) * 1000.0
        return (x * 2.0, x * 3.0), grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = f(x)
        y = tf.reduce_sum(a * 5.0)
    return tape.gradient(y, x)


@program
def custom_gradient_log1pexp_docstring(tf):
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    return y, tape.gradient(y, x)


@program
def custom_gradient_variables_docstring(tf):
    weights = tf.Variable(tf.ones([2]))

    @tf.custom_gradient
    def linear_poly(x):
        # Creating polynomial
        poly = weights[1] * x + weights[0]

        def grad_fn(dpoly, variables):
            # dy/dx = weights[1] and we need to left multiply dpoly
            grad_xs = dpoly * weights[1]  # Scalar gradient
            grad_vars = []  # To store gradients of passed variables
            assert variables is not None
            assert len(variables) == 1
            assert variables[0] is weights
            # Manually computing dy/dweights
            dy_dw = dpoly * tf.stack([x ** 1, x ** 0])
            grad_vars.append(tf.reduce_sum(tf.reshape(dy_dw, [2, -1]), axis=1))
            return grad_xs, grad_vars
        return poly, grad_fn

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        poly = linear_poly(x)
    return poly, tape.gradient(poly, x), tape.gradient(poly, weights)


@program
def custom_gradient_variables_via_kwargs(tf):
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def f(x):
        def grad(dy, **kwargs):
            return dy * 10.0, [dy * 20.0 + 0.0 * kwargs["variables"][0]]
        return x * v, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, [x, v])


@program
def custom_gradient_variable_as_argument_is_input(tf):
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def f(a):
        def grad(dy):
            return dy * 42.0
        return a * 2.0, grad

    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


@program
def custom_gradient_non_trainable_variable_ignored(tf):
    v = tf.Variable(3.0, trainable=False)

    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy * 5.0
        return x * v, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return y, tape.gradient(y, x)


@program
@H.raises("TypeError")
def custom_gradient_missing_variables_kwarg(tf):
    vv = tf.Variable(2.0, name="vv")

    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy
        return x * vv, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


@program
@H.raises("ValueError")
def custom_gradient_wrong_variable_grad_count(tf):
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def f(x):
        def grad(dy, variables=None):
            return dy, []
        return x * v, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


@program
@H.raises("ValueError")
def custom_gradient_returns_zero_gradients(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return []
        return x * 2.0, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


@program
@H.raises("ValueError")
def custom_gradient_returns_two_gradients_for_one_input(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy, dy
        return x * 2.0, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


@program
def custom_gradient_keyword_args_all_keywords_bypass(tf):
    @tf.custom_gradient
    def bar(x, y):
        def grad(dz):
            return 1000.0 * dz, -1000.0 * dz
        return x * y, grad

    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = bar(x=x, y=y)
    return z, tape.gradient(z, [x, y])


@program
@H.raises("ValueError")
def custom_gradient_keyword_args_mixed_error(tf):
    @tf.custom_gradient
    def bar(x, y):
        def grad(dz):
            return 1000.0 * dz, -1000.0 * dz
        return x * y, grad

    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = bar(x, y=y)
    return tape.gradient(z, [x, y])


@program
@H.raises("RuntimeError")
def custom_gradient_grad_fn_exception_propagates(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            raise RuntimeError("boom")
        return x * 2.0, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


@program
def custom_gradient_second_order_recorded_grad_fn(tf):
    @tf.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x
        return x ** 3, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = cube(x)
        d1 = t1.gradient(y, x)
    return y, d1, t2.gradient(d1, x)


@program
def custom_gradient_nested_overrides_second_order(tf):
    @tf.custom_gradient
    def op(x):
        def first_order_gradient(dy):
            @tf.custom_gradient
            def first_order_custom(unused_x):
                def second_order_and_transpose(ddy):
                    return ddy * 1000.0
                return 3.0 * x * x, second_order_and_transpose
            return dy * first_order_custom(x)
        return x ** 3, first_order_gradient

    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = op(x)
        d1 = t1.gradient(y, x)
    return y, d1, t2.gradient(d1, x)


@program
def custom_gradient_jacobian_and_batch_jacobian(tf):
    @tf.custom_gradient
    def scaled(x):
        def grad(dy):
            return dy * tf.constant([1.0, 10.0, 100.0])
        return tf.identity(x), grad

    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = scaled(x)
    return tape.jacobian(y, x), tape.batch_jacobian(y, x)


@program
def recompute_grad_values_and_variables(tf):
    w = tf.Variable([[0.5, -1.0], [2.0, 0.25]])

    @tf.recompute_grad
    def block(x):
        return tf.tanh(x @ w) * tf.sin(x)

    x = tf.constant([[0.3, -0.7]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(block(x) ** 2)
    return y, tape.gradient(y, [x, w])


@program
def recompute_grad_docstring_power(tf):
    @tf.recompute_grad
    def f(y):
        return y * y

    y = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(y)
        r = 2.0 * f(f(y))
    return r, tape.gradient(r, y)


@program
def recompute_grad_unconnected_input_gets_zeros(tf):
    @tf.recompute_grad
    def f(a, b):
        return a * 3.0

    a, b = tf.constant(2.0), tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = f(a, b)
    return y, tape.gradient(y, [a, b])


@program
def recompute_grad_nested_lists(tf):
    @tf.recompute_grad
    def f(xs, x1):
        return [xs[0] + 1.0, x1 + 1.0]

    x0, x1 = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([x0, x1])
        out = f([x0], x1)
        total = tf.reduce_sum(out[0]) + out[1]
    return out, tape.gradient(total, [x0, x1])


@program
def recompute_grad_second_order(tf):
    @tf.recompute_grad
    def f(x):
        return tf.sin(x) * x

    x = tf.constant(0.8)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = f(x)
        d1 = t1.gradient(y, x)
    return d1, t2.gradient(d1, x)


@program
@H.raises("NotImplementedError")
def recompute_grad_under_forward_accumulator(tf):
    @tf.recompute_grad
    def f(a):
        return a * a

    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
        y = f(x)
    return acc.jvp(y)


@program
def grad_pass_through_assign(tf):
    x = tf.Variable(1.0, name="x")
    z = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.grad_pass_through(x.assign)(z ** 2)
    return y, tape.gradient(y, z), tf.convert_to_tensor(x)


@program
def grad_pass_through_non_differentiable_op(tf):
    x = tf.constant([0.4, 1.6, -2.7])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.grad_pass_through(tf.round)(x * 2.0)
        z = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0]))
    return y, tape.gradient(z, x)


@program
def custom_gradient_in_function_and_on_tape_in_function(tf):
    @tf.custom_gradient
    def clip(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)
        return y, backward

    @tf.function
    def inside(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            out = clip(v * v)
        return out, tape.gradient(out, v)

    @tf.function
    def forward(v):
        return clip(v * v)

    v = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(v)
        out = forward(v)
    return inside(v), out, tape.gradient(out, v)


@program
def custom_gradient_nested_structure_output(tf):
    @tf.custom_gradient
    def f(x, y):
        def grad(da, db, dc):
            return da + 2.0 * db + 3.0 * dc, da * 10.0
        return {"a": x * y, "bc": [x * 1.0, x * 2.0]}, grad

    x, y = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        out = f(x, y)
        total = tf.reduce_sum(out["a"]) + tf.reduce_sum(out["bc"][0] * 5.0) + tf.reduce_sum(out["bc"][1])
    return out, tape.gradient(total, [x, y])


@program
def custom_gradient_output_is_an_input(tf):
    @tf.custom_gradient
    def f(x, y):
        def grad(da, db, dc):
            return da + 2.0 * db + 3.0 * dc, da * 10.0
        return {"a": x * y, "bc": [x, x * 2.0]}, grad  # "bc"[0] is the input itself

    x, y = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        out = f(x, y)
        total = tf.reduce_sum(out["a"]) + tf.reduce_sum(out["bc"][0] * 5.0) + tf.reduce_sum(out["bc"][1])
    return out, tape.gradient(total, [x, y])


# ==== 5. IndexedSlices ==========================================================================
@program
def indexed_slices_gather_variable(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]) * 2.0)
    g = tape.gradient(y, v)
    return slices(tf, g), g.shape


@program
def indexed_slices_embedding_lookup_watched_tensor(tf):
    t = tf.constant(XB)
    with tf.GradientTape() as tape:
        tape.watch(t)
        e = tf.nn.embedding_lookup(t, tf.constant([[3, 1], [1, 4]]))
        y = tf.reduce_sum(e * tf.constant([1.0, 2.0, 3.0, 4.0]))
    return slices(tf, tape.gradient(y, t))


@program
def indexed_slices_plus_indexed_slices_concatenates(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 1])) + tf.reduce_sum(tf.gather(v, [1]) * 3.0)
    return slices(tf, tape.gradient(y, v))


@program
def indexed_slices_mixed_with_dense_is_dense(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0])) + tf.reduce_sum(v * v)
    g = tape.gradient(y, v)
    return isinstance(g, tf.Tensor), isinstance(g, tf.IndexedSlices), g


@program
def indexed_slices_dense_paths(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape(persistent=True) as tape:
        a = v[1] * 2.0
        b = tf.gather(v, [1], axis=1)
        c = tf.gather_nd(v, [[0, 1], [2, 0]])
        d = tf.gather(v * 1.0, [0, 0])
    return [(isinstance(g, tf.IndexedSlices), g) for g in (tape.gradient(t, v) for t in (a, b, c, d))]


@program
def indexed_slices_zero_unconnected_keeps_slices(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    u = tf.Variable([1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [1]))
    gv, gu = tape.gradient(y, [v, u], unconnected_gradients="zero")
    return slices(tf, gv), gu


@program
def indexed_slices_int64_indices_and_scalar_index(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape(persistent=True) as tape:
        a = tf.reduce_sum(tf.gather(v, tf.constant([2, 1], dtype=tf.int64)))
        b = tf.reduce_sum(tf.gather(v, 2))
    return slices(tf, tape.gradient(a, v)), slices(tf, tape.gradient(b, v))


@program
def indexed_slices_optimizer_apply(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]) ** 2)
    g = tape.gradient(y, v)
    opt.apply_gradients([(g, v)])
    return isinstance(g, tf.IndexedSlices), tf.convert_to_tensor(v)


@program
def indexed_slices_arithmetic_on_values(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [2, 0]) * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    g = tape.gradient(y, v)
    dense = tf.convert_to_tensor(g)
    scaled = tf.IndexedSlices(g.values * 0.5, g.indices, g.dense_shape)
    return dense * 2.0, tf.convert_to_tensor(scaled), tf.math.unsorted_segment_sum(g.values, g.indices, 3)


# ==== 6. vectorized_map ===========================================================================
@program
def vectorized_map_per_example_gradients(tf):
    w = tf.Variable(W43)
    b = tf.Variable([0.1, -0.2, 0.3])
    xs = tf.constant(XB)
    ys = tf.constant(Y53)

    def per_example(args):
        x, y = args
        with tf.GradientTape() as tape:
            pred = tf.tanh(tf.reshape(x, (1, 4)) @ w + b)
            loss = tf.reduce_sum((pred - y) ** 2)
        return tape.gradient(loss, [w, b])

    gw, gb = tf.vectorized_map(per_example, (xs, ys))
    return gw, gb, gw.shape, gb.shape


@program
def vectorized_map_per_example_input_gradients(tf):
    xs = tf.constant(XB)

    def grad_x(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.sin(x) * x)
        return tape.gradient(y, x)

    return tf.vectorized_map(grad_x, xs)


@program
def vectorized_map_plain_function_and_nested_outputs(tf):
    xs = tf.constant(XB)
    return tf.vectorized_map(lambda x: {"s": tf.reduce_sum(x), "sq": x * x}, xs)


# ==== 7. Control flow and edge cases ===============================================================
@program
def cond_gradient_eager(tf):
    x = tf.Variable(3.0)
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.cond(x > 0, lambda: x * x, lambda: x)
        z = tf.cond(x < 0, lambda: x * v, lambda: v ** 3)
    return y, z, tape.gradient(y, x), tape.gradient(z, [x, v])


@program
def while_loop_gradient_eager(tf):
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        (y,) = tf.while_loop(lambda v: v < 10.0, lambda v: (v * 2.0,), [x])
        i, acc = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x + 1.0), (tf.constant(0), x))
    return y, tape.gradient(y, x), i, acc, tape.gradient(acc, x)


@program
def python_control_flow_gradients(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        while y < 100:
            y = y * y
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape2:
        m = max(a, b, c) * 1.0
    return y, tape.gradient(y, x), tape2.gradient(m, [a, b, c])


@program
def source_listed_twice(tf):
    x = tf.constant(2.0)
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 3 - x + v * x
    return tape.gradient(y, [x, x, {"a": x, "b": [v, v]}])


@program
def target_equal_to_source(tf):
    x = tf.constant(3.0)
    v = tf.Variable([1.0, 2.0])
    m = tf.constant([[1.0, 2.0]])
    i = tf.constant(4)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([m, i])
    return (tape.gradient(x, x), tape.gradient(v, v), tape.gradient(m, m), tape.gradient([m, m], m),
            tape.gradient(i, i))


@program
def jacobian_target_is_watched_source(tf):
    m = tf.constant([[1.0, 2.0]])
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([m, x])
    return tape.jacobian(m, m), tape.jacobian(x, [x, m])


@program
def jacobian_target_is_unwatched_source(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        pass
    return tape.jacobian(x, x)


@program
def intermediate_tensor_as_source(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = 2.0 * x
        z = y * x
    return tape.gradient(z, [y, x])


@program
def output_gradients_for_list_of_targets(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.reduce_sum(x * 3.0)
        w = tf.sin(x)
    return (tape.gradient([y, z], x, output_gradients=[tf.constant([1.0, 0.5]), tf.constant(2.0)]),
            # Fewer or more output_gradients than targets are left out: TF 2.21 reads past its list
            # (garbage, or a segfault of the whole process).
            tape.gradient([y, z, w], x, output_gradients=[tf.constant([1.0, 0.5]), 2.0, np.array([-1.0, 3.0], np.float32)]),
            tape.gradient([y, z], x, output_gradients=[tf.constant([1.0, 0.5]), 2.0]),
            tape.gradient({"b": y, "a": w}, x,
                          output_gradients={"b": tf.constant([1.0, -1.0]), "a": tf.constant([2.0, 3.0])}))


@program
@H.raises("ValueError")
def output_gradients_none_entry_error(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = x * 3.0
    return tape.gradient([y, z], x, output_gradients=[tf.constant([1.0, 1.0]), None])


# ==== 7b. complex and low precision =================================================================
@program
def complex_gradient_convention(tf):
    z = tf.constant(1.0 + 1.0j, dtype=tf.complex64)
    w = tf.constant(1.0 + 2.0j, dtype=tf.complex64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([z, w])
        sq = z * z
        abs2 = w * tf.math.conj(w)
        re = tf.math.real(z)
        im = tf.math.imag(z)
        cj = tf.math.conj(z)
        ex = tf.exp(z) * w
    return (tape.gradient(sq, z), tape.gradient(abs2, w), tape.gradient(re, z), tape.gradient(im, z),
            tape.gradient(cj, z), tape.gradient(ex, [z, w]),
            tape.gradient(sq, z, output_gradients=tf.constant(1j, dtype=tf.complex64)))


@program
def complex_variable_gradient(tf):
    v = tf.Variable(tf.constant([1.0 + 1.0j, 2.0 - 0.5j], dtype=tf.complex128))
    with tf.GradientTape() as tape:
        y = v * v + tf.math.conj(v) * 3.0
    return tape.gradient(y, v)


@program
def real_source_through_complex_cast(tf):
    x = tf.constant([0.5, -1.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        c = tf.cast(x, tf.complex64) * tf.constant(1.0 + 2.0j, dtype=tf.complex64)
        loss = tf.reduce_sum(tf.abs(c) ** 2) + tf.reduce_sum(tf.math.real(c * c))
    return tape.gradient(loss, x)


@program
def real_source_through_tf_complex(tf):
    x = tf.constant([0.5, -1.5])
    y = tf.constant([2.0, 0.25])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        c = tf.complex(x, y) * tf.constant(1.0 + 2.0j, dtype=tf.complex64)
        loss = tf.reduce_sum(tf.abs(c) ** 2) + tf.reduce_sum(tf.math.imag(c * c))
    return tape.gradient(loss, [x, y])


@program
def complex_jacobian(tf):
    z = tf.constant([1.0 + 1.0j, 2.0 - 1.0j], dtype=tf.complex64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = z * z * tf.constant(np.array([1.0, 1j], np.complex64))
    return tape.jacobian(y, z)


@program
def low_precision_gradient_dtypes(tf):
    out = []
    for dtype in (tf.float16, tf.bfloat16, tf.float64):
        x = tf.constant([1.5, -0.5, 2.0], dtype=dtype)
        v = tf.Variable(tf.constant([0.25, 1.0, -1.0], dtype=dtype))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * x * v + tf.sin(x))
        out.append(tape.gradient(y, [x, v]))
    return out


@program
def low_precision_cast_inside(tf):
    h = tf.constant([1.5, -0.5], dtype=tf.float16)
    b = tf.constant([1.5, -0.5], dtype=tf.bfloat16)
    f = tf.constant([1.5, -0.5])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([h, b, f])
        yh = tf.reduce_sum(tf.cast(h, tf.float32) ** 2)
        yb = tf.reduce_sum(tf.cast(b, tf.float32) ** 3)
        yf = tf.reduce_sum(tf.cast(f, tf.float64) ** 2)
        yhf = tf.reduce_sum(tf.cast(f, tf.float16) ** 2)
    return tape.gradient(yh, h), tape.gradient(yb, b), tape.gradient(yf, f), tape.gradient(yhf, f)


@program
def low_precision_jacobians(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float16)
    b = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype=tf.bfloat16)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, b])
        y = x * x
        z = b * 3.0
    return tape.jacobian(y, x), tape.batch_jacobian(y, x), tape.jacobian(z, b), tape.batch_jacobian(z, b)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program(name):
    rtol, atol = (1e-2, 1e-2) if "low_precision" in name else (2e-5, 1e-5)
    H.compare(PROGRAMS[name], rtol=rtol, atol=atol)
