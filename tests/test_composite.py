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


def test_custom_gradient_output_that_is_an_input_gets_its_own_entry():
    @tf.custom_gradient
    def f(x):
        return [x, x * 2.0], lambda da, db: da * 10.0 + db

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = f(x)
        y = a * 3.0 + b
    assert a is not x
    assert float(tape.gradient(y, x)) == pytest.approx(31.0)  # grad_fn only, not the identity path


def test_custom_gradient_inside_function_reaches_an_outer_tape():
    @tf.custom_gradient
    def clip(y):
        return y, lambda dy: tf.clip_by_norm(dy, 0.5)

    forward = tf.function(lambda v: clip(v * v))
    v = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(v)
        out = forward(v)
    assert float(tape.gradient(out, v)) == pytest.approx(2.0)  # clip(4) * 2v / 4


def test_custom_gradient_inside_function_second_order_through_grad_fn():
    @tf.custom_gradient
    def cube(x):
        return x ** 3, lambda dy: dy * 3.0 * x * x

    f = tf.function(lambda x: cube(x))
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        d = inner.gradient(y, x)
    assert float(d) == pytest.approx(12.0)
    assert float(outer.gradient(d, x)) == pytest.approx(12.0)  # d/dx of grad_fn's 3 x^2


def test_custom_gradient_in_grad_fn_overrides_the_second_order():
    @tf.custom_gradient
    def op(x):
        def first_order(dy):
            @tf.custom_gradient
            def inner(unused_x):
                return 3.0 * x * x, lambda ddy: ddy * 1000.0
            return dy * inner(x)
        return x ** 3, first_order

    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(x)
        d = tape.gradient(y, x)
    assert float(d) == pytest.approx(12.0)
    assert float(outer.gradient(d, x)) == pytest.approx(1000.0)


def test_recompute_grad_under_forward_accumulator_raises_as_tf():
    @tf.recompute_grad
    def f(a):
        return a * a

    x = tf.constant([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="recompute_grad tried to transpose grad of f"):
        with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])):
            f(x)


@pytest.mark.parametrize("as_kwarg", [False, True])
def test_custom_gradient_python_argument_values_are_not_reused(as_kwarg):
    @tf.custom_gradient
    def scaled(x, s=1.0):
        def grad_fn(dy):
            return dy * s
        return x * s, grad_fn

    x = tf.constant(3.0)
    for s in (2.0, 5.0, [7.0]):
        scale = s[0] if isinstance(s, list) else s
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = scaled(x, s=scale) if as_kwarg else scaled(x, scale)
        assert float(tape.gradient(y, x)) == scale


def test_custom_gradient_functions_made_in_turn_keep_their_own_gradients():
    # Each function is freed before the next is made, so Python may reuse its id(): cached
    # programs must be keyed by the function itself, not by its id.
    x = tf.constant(1.0)
    for k in range(30):
        @tf.custom_gradient
        def f(a, k=k):
            def grad(dy):
                return dy * float(k)
            return a * 2.0, grad

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        assert float(tape.gradient(y, x)) == float(k)
        del f
