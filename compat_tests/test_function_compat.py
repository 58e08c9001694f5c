"""tf.function programs run on TF and on tapejax.function."""

import numpy as np

from compat_tests._harness import raises


def _data():
    rs = np.random.RandomState(7)
    return rs.randn(8, 3).astype(np.float32), rs.randn(8, 1).astype(np.float32)


def test_training_step_in_function_matches(compare):
    def program(tf):
        x, y = (tf.constant(a) for a in _data())
        w = tf.Variable(np.full((3, 1), 0.1, np.float32))
        b = tf.Variable(np.zeros(1, np.float32))

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((x @ w + b - y) ** 2)
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            return loss

        losses = [step(x, y) for _ in range(5)]
        return losses, w, b, step.experimental_get_tracing_count()
    compare(program)


def test_retrace_on_new_shape_and_python_value(compare):
    def program(tf):
        @tf.function
        def f(x, k):
            return x * k

        outs = [f(tf.constant([1.0, 2.0]), 2.0), f(tf.constant([1.0, 2.0, 3.0]), 2.0),
                f(tf.constant([1.0, 2.0]), 3.0), f(tf.constant([5.0, 6.0]), 2.0)]
        return outs, f.experimental_get_tracing_count()
    compare(program)


def test_variable_created_on_first_call_only(compare):
    def program(tf):
        holder = []

        @tf.function
        def f(x):
            if not holder:
                holder.append(tf.Variable(3.0))
            return holder[0] * x

        return [f(tf.constant(2.0)), f(tf.constant(4.0))]
    compare(program)


def test_variable_created_every_call_raises(compare):
    @raises("ValueError")
    def program(tf):
        @tf.function
        def f(x):
            return tf.Variable(1.0) * x

        f(tf.constant(1.0))
        return f(tf.constant(2.0))
    compare(program, messages=False)


def test_gradient_of_function_call_under_eager_tape(compare):
    def program(tf):
        w = tf.Variable([1.0, -2.0])

        @tf.function
        def f(x):
            return tf.reduce_sum(tf.sin(x * w) ** 2)

        x = tf.constant([0.3, 0.7])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return y, tape.gradient(y, [x, w])
    compare(program)


def test_nested_tapes_and_jacobian_inside_function(compare):
    def program(tf):
        @tf.function
        def hessian(x):
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = tf.reduce_sum(tf.exp(x) * x ** 2)
                g = inner.gradient(y, x)
            return g, outer.jacobian(g, x)

        return hessian(tf.constant([0.5, -1.0, 2.0]))
    compare(program, rtol=1e-5)


def test_run_functions_eagerly(compare):
    def program(tf):
        seen = []

        @tf.function
        def f(x):
            seen.append(1)
            return x + 1.0

        tf.config.run_functions_eagerly(True)
        try:
            out = [f(tf.constant(1.0)), f(tf.constant(2.0))]
        finally:
            tf.config.run_functions_eagerly(False)
        return out, len(seen), tf.config.functions_run_eagerly()
    compare(program)


def test_unhashable_python_argument_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        class Unhashable:
            __hash__ = None

            def __init__(self, v):
                self.v = v

        @tf.function
        def f(x, u):
            return x * u.v

        return f(tf.constant(1.0), Unhashable(2.0))
    compare(program, messages=False)
