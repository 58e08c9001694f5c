"""Issue 3's items on TF and tapejax: jacobians, higher order, forward mode, custom gradients,
recompute_grad, IndexedSlices, vectorized_map, control flow and gradient edge cases."""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(9)
W = (RS.randn(4, 4) / 2).astype(np.float32)
XV = RS.randn(4).astype(np.float32)
XS = RS.randn(5, 4).astype(np.float32)

PROGRAMS = {}


def program(f):
    PROGRAMS[f.__name__] = f
    return f


@program
def jacobian_shapes_and_values(tf):
    x = tf.constant(XV)
    v = tf.Variable(W)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(tf.linalg.matvec(v, x))
        s = tf.reduce_sum(y)
    return (tape.jacobian(y, x), tape.jacobian(y, {"v": v, "x": [x]}), tape.jacobian(s, x),
            tape.jacobian(y, tf.constant(1.0)), tape.jacobian(y, tf.constant([1.0]),
                                                               unconnected_gradients="zero"))


@program
@H.raises("RuntimeError")
def jacobian_errors(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)
    return tape.jacobian(y, x)


@program
@H.raises("AttributeError")
def jacobian_of_list_target(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian([y], x)


@program
@H.raises("RuntimeError")
def jacobian_no_pfor_nonpersistent(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, experimental_use_pfor=False)


@program
def batch_jacobian_values(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    u = tf.constant([[1.0], [2.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = x * x
        z = tf.reduce_sum(x, axis=1, keepdims=True) * tf.constant([[1.0, 2.0, 3.0]])
    return tape.batch_jacobian(y, x), tape.batch_jacobian(z, x), tape.batch_jacobian(y, u)


@program
@H.raises("ValueError")
def batch_jacobian_rank_error(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    return tape.batch_jacobian(y, x)


@program
@H.raises("ValueError")
def batch_jacobian_batch_mismatch(tf):
    x = tf.ones([2, 3])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.ones([4, 3]) * tf.reduce_sum(x)
    return tape.batch_jacobian(y, x)


@program
def hessian_via_jacobian_of_gradient(tf):
    x = tf.constant(XV)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.sin(tf.linalg.matvec(tf.constant(W), x)) ** 2)
        g = inner.gradient(y, x)
    return g, outer.jacobian(g, x)


@program
def third_derivative(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x ** 3 + tf.sin(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    return d1, d2, t3.gradient(d2, x)


@program
def gradient_penalty(tf):
    w = tf.Variable(W)
    x = tf.constant(XV[None, :])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.softplus(x @ w))
        gx = inner.gradient(y, x)
        penalty = tf.reduce_sum(gx ** 2)
    return penalty, outer.gradient(penalty, w)


@program
def forward_accumulator_basics(tf):
    x = tf.constant(XV)
    v = tf.Variable(2.0)
    with tf.autodiff.ForwardAccumulator([x, v], [tf.ones_like(x), tf.constant(0.5)]) as acc:
        y = tf.sin(x) * v
        z = tf.stop_gradient(y)
        u = tf.constant(3.0) * 2.0
    return (acc.jvp(y), acc.jvp(z), acc.jvp(u), acc.jvp([y, {"v": v}]),
            acc.jvp(u, unconnected_gradients="zero"))


@program
@H.raises("ValueError")
def forward_accumulator_errors(tf):
    x = tf.constant(1.0)
    acc = tf.autodiff.ForwardAccumulator(x, tf.constant(1.0))
    with acc:
        with acc:
            pass


@program
@H.raises("ValueError")
def forward_accumulator_duplicate_primal(tf):
    x = tf.constant(1.0)
    return tf.autodiff.ForwardAccumulator([x, x], [tf.constant(1.0), tf.constant(1.0)])


@program
def forward_over_backward_hvp(tf):
    v = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.0])) as acc:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(v ** 3.0)
        g = tape.gradient(y, v)
    return g, acc.jvp(g)


@program
def backward_over_forward(tf):
    c = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(c)
        with tf.autodiff.ForwardAccumulator(c, tf.constant(0.1)) as acc:
            d = tf.cos(c)
        jv = acc.jvp(d)
    return jv, tape.gradient(jv, c)


@program
def nested_accumulators(tf):
    x = tf.constant(1.1)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as inner:
            y = x ** 3.5
    return inner.jvp(y), outer.jvp(inner.jvp(y)), inner.jvp(outer.jvp(y))


@program
def custom_gradient_forms(tf):
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad

    @tf.custom_gradient
    def two_inputs(a, b):
        return a * b, lambda dy: (dy * 10.0, dy * -1.0)

    @tf.custom_gradient
    def two_outputs(a):
        return (a * 2.0, a * 3.0), lambda d1, d2: d1 + 100.0 * d2

    x = tf.constant(100.0)
    a, b = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, a, b])
        y = log1pexp(x)
        p = two_inputs(a, b)
        q1, q2 = two_outputs(a)
        q = q1 * 1.0
    return (y, tape.gradient(y, x), tape.gradient(p, [a, b]), tape.gradient(q, a),
            tape.gradient([q1, q2], a), tape.gradient(p * [3.0, 4.0], a))


def test_custom_gradient_none_for_an_input(compare):
    def prog(tf):
        @tf.custom_gradient
        def two_inputs(a, b):
            return a * b, lambda dy: (dy * 10.0, None)

        a, b = tf.constant(2.0), tf.constant(3.0)
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            p = two_inputs(a, b)
        return tape.gradient(p, [a, b])
    compare(prog)


@program
def custom_gradient_variables(tf):
    weights = tf.Variable([2.0, 3.0])

    @tf.custom_gradient
    def linear_poly(x):
        poly = weights[1] * x + weights[0]

        def grad_fn(dpoly, variables):
            return tf.ones_like(x), [tf.constant([6.0, 3.0])]
        return poly, grad_fn

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        poly = linear_poly(x)
    return poly, tape.gradient(poly, x), tape.gradient(poly, weights)


@program
@H.raises("TypeError")
def custom_gradient_missing_variables_kwarg(tf):
    vv = tf.Variable(2.0, name="vv")

    @tf.custom_gradient
    def f(x):
        return x * vv, lambda dy: dy

    return f(tf.constant(1.0))


@program
@H.raises("ValueError")
def custom_gradient_wrong_count(tf):
    @tf.custom_gradient
    def f(x):
        return x * 2.0, lambda dy: (dy, dy)

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


@program
def custom_gradient_second_order(tf):
    @tf.custom_gradient
    def cube(x):
        return x ** 3, lambda dy: dy * 3 * x * x

    x = tf.Variable(2.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = cube(x)
        d1 = t1.gradient(y, x)
    return d1, t2.gradient(d1, x)


@program
def custom_gradient_keyword_pitfall(tf):
    @tf.custom_gradient
    def bar(x, y):
        def grad(dz):
            return 1000.0 * dz, -1000.0 * dz
        return x * y, grad

    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = bar(x=x, y=y)
    return tape.gradient(z, [x, y])


@program
def recompute_grad_values(tf):
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
def grad_pass_through(tf):
    v = tf.Variable(1.0)
    z = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(z)
        r = tf.grad_pass_through(v.assign)(z ** 2)
    return r, tape.gradient(r, z), v


@program
def indexed_slices(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]) * 2)
        z = tf.reduce_sum(tf.gather(v, [0, 1])) + tf.reduce_sum(tf.gather(v, [1]))
        w = tf.reduce_sum(tf.gather(v, [0])) + tf.reduce_sum(v)
        e = tf.reduce_sum(tf.nn.embedding_lookup(v, [2]))
    out = []
    for target in (y, z, e):
        g = tape.gradient(target, v)
        out.append([type(g).__name__, g.values, g.indices, g.dense_shape, tf.convert_to_tensor(g)])
    dense = tape.gradient(w, v)
    return out, isinstance(dense, tf.Tensor), dense, tape.jacobian(y, v)


@program
def vectorized_map_per_example(tf):
    w = tf.Variable(W[:, :2])
    xs = tf.constant(XS)

    def grad_one(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(tf.reshape(x, (1, 4)) @ w) ** 2)
        return tape.gradient(loss, w)

    return tf.vectorized_map(grad_one, xs)


@program
def control_flow_gradients(tf):
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.cond(x > 0, lambda: x * x, lambda: x)
        (z,) = tf.while_loop(lambda v: v < 100.0, lambda v: (v * 2.0,), [x])
    return y, z, tape.gradient(y, x), tape.gradient(z, x)


@program
def edge_cases(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.reduce_sum(x * 3.0)
    return (tape.gradient(y, [x, x]), tape.gradient(x, x),
            tape.gradient([y, z], x, output_gradients=[tf.constant([1.0, 0.5]), tf.constant(2.0)]))


@program
def low_precision_dtypes(tf):
    out = []
    for dtype in (tf.float16, tf.bfloat16, tf.float64):
        x = tf.constant([1.5, -0.5], dtype=dtype)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.cast(x, tf.float32) ** 2)
        out.append(tape.gradient(y, x))
    return out


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program(name):
    H.compare(PROGRAMS[name], rtol=2e-5, atol=1e-5)
