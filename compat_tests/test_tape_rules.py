"""TF's GradientTape rules (TF_SEMANTICS.md sections 1-2), each program run on TF and on tapejax."""

import pytest

from compat_tests import _harness as H

progs = {}


def P(f):
    progs[f.__name__] = f
    return f


@P
def watch_not_retro(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        y = x * x
        g.watch(x)
    return g.gradient(y, x)


@P
def reenter(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape()
    with g:
        g.watch(x)
        y = 2 * x
    with g:
        z = 2 * y
    return g.gradient(z, [x])


@P
@H.raises("ValueError")
def reenter_active(tf):
    g = tf.GradientTape()
    with g:
        with g:
            pass


@P
@H.raises("ValueError")
def watch_bad(tf):
    import numpy as np

    with tf.GradientTape() as g:
        g.watch(np.array(1.0))


@P
@H.raises("RuntimeError")
def stop_rec_not_entered(tf):
    g = tf.GradientTape()
    with g.stop_recording():
        pass


@P
@H.raises("ValueError")
def stop_rec_nested(tf):
    with tf.GradientTape() as g:
        with g.stop_recording():
            with g.stop_recording():
                pass


@P
@H.raises("ValueError")
def reset_outside(tf):
    g = tf.GradientTape()
    g.reset()


@P
@H.raises("RuntimeError")
def grad_twice(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as g:
        y = x * x
    g.gradient(y, x)
    return g.gradient(y, x)


@P
@H.raises("RuntimeError")
def never_entered(tf):
    return tf.GradientTape().gradient(tf.constant(1.0), tf.constant(1.0))


@P
@H.raises("TypeError")
def target_none(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as g:
        x * x
    return g.gradient(None, x)


@P
@H.raises("TypeError")
def source_none(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as g:
        y = x * x
    return g.gradient(y, [x, None])


@P
@H.raises("AttributeError")
def float_source(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as g:
        y = x * x
    return g.gradient(y, 1.0)


@P
def empty(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as g:
        y = x * x
    return (g.gradient([], x), g.gradient(y, []), g.gradient(y, {}), g.gradient(y, ()))


@P
def outgrads(tf):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = 2 * x
        z = 3 * x
    return (
        g.gradient([y, z], x, output_gradients=[10.0]),
        g.gradient([y, z], x, output_gradients=[10.0, 1.0, 5.0]),
    )


@P
@H.raises("ValueError")
def outgrads_none(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2 * x
    return g.gradient([y], x, output_gradients=[None])


@P
@H.raises("InvalidArgumentError")
def outgrads_dtype(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2 * x
    return g.gradient(y, x, output_gradients=tf.constant(1.0, tf.float64))


@P
def unconn(tf):
    x = tf.Variable(2.0)
    z = tf.Variable(3)
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as g:
        y = x * x
    return (
        g.gradient(y, [x, z, w], unconnected_gradients="zero"),
        g.gradient(y, [w], unconnected_gradients=tf.UnconnectedGradients.NONE),
    )


@P
@H.raises("ValueError")
def unconn_bad(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape() as g:
        y = x * x
    return g.gradient(y, x, unconnected_gradients="ZERO")


@P
def nondiff(tf):
    x = tf.constant([1.5, 2.5])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        outs = [
            tf.stop_gradient(x),
            tf.cast(x, tf.int32),
            tf.round(x),
            tf.floor(x),
            tf.math.ceil(x),
            x // 1.0,
            tf.sign(x),
            tf.math.floormod(x, 1.0),
            tf.zeros_like(x),
            tf.ones_like(x),
        ]
    return [g.gradient(o, x) for o in outs]


@P
def target_is_source(tf):
    x = tf.constant(3.0)
    v = tf.Variable(2.0)
    i = tf.constant(3)
    m = tf.constant([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(i)
        g.watch(m)
    return (
        g.gradient(x, x),
        g.gradient(v, v),
        g.gradient(i, i),
        g.gradient(m, m),
        g.gradient([m, m], m),
        g.gradient(v, tf.Variable(1.0)),
    )


@P
def target_outside(tf):
    x = tf.Variable(2.0)
    y = x * x
    with tf.GradientTape() as g:
        z = y + 1
    return (g.gradient(z, x), g.watched_variables())


@P
def int_target(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as g:
        y = tf.cast(x, tf.int32) * 2
    return (g.gradient(y, x), g.gradient(y, x, unconnected_gradients="zero"))


@P
def dict_targets(tf):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y0 = x**2
        y1 = 1 / x
    return (
        g.gradient({"y0": y0, "y1": y1}, x),
        g.gradient((y0, [y1, y1]), x),
        g.gradient({"a": y0, "b": y1}, x, output_gradients={"a": 1.0, "b": 2.0}),
    )


@P
def non_scalar_target(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * [3.0, 4.0]
    return g.gradient(y, x)


@P
def same_source_twice(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x**3 - x
    return g.gradient(y, [x, x, {"a": x}])


@P
def intermediate_source(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2 * x
        z = y * x
    return g.gradient(z, [y, x])


@P
def watched_unused(tf):
    x = tf.constant(3.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch([x, u])
        y = x * x
    return g.gradient(y, [x, u])


@P
def watched_vars_order(tf):
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    c = tf.Variable(3.0)
    d = tf.Variable(3, name="iv")
    e = tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as g:
        g.watch(c)
        a * 1.0
        g.watch(b)
        d + 1
        e * 2.0
        tf.Variable(5.0)
    return ([v.name for v in g.watched_variables()], type(g.watched_variables()).__name__)


@P
def watch_nontrainable(tf):
    e = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as g:
        g.watch(e)
        y = e * e
    return g.gradient(y, e)


@P
def assign_between(tf):
    x0 = tf.Variable(3.0)
    x1 = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as g:
        x1.assign_add(x0)
        y = x1**2
    v = tf.Variable(2.0)
    with tf.GradientTape() as g2:
        a = v * v
        v.assign_sub(1.0)
        b = v * v
        s = a + b
    return (g.gradient(y, [x0, x1]), g2.gradient(s, v))


@P
def nonpersistent_inside(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        dy = g.gradient(y, x)
        y * 2
    return dy


@P
def max_var(tf):
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    c = tf.Variable(3.0)
    with tf.GradientTape() as g:
        r = max(a, b, c)
    return g.gradient(r, [a, b, c])


@P
def numpy_roundtrip(tf):
    import numpy as np

    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as g:
        y = x * 2.0
        z = tf.constant(np.mean(y)) * x
        w = tf.constant(x.numpy()) * 3.0
    return (g.gradient(w, x), g.gradient(z, x))


@P
def two_tapes(tf):
    x = tf.constant(0.0)
    with tf.GradientTape() as a, tf.GradientTape() as b:
        a.watch(x)
        b.watch(x)
        ya = tf.sin(x)
        yb = tf.sigmoid(x)
    return (a.gradient(ya, x), b.gradient(yb, x))


@P
def nested_watch(tf):
    x1 = tf.constant(2.0)
    x2 = tf.constant(3.0)
    with tf.GradientTape() as t1:
        with tf.GradientTape() as t2:
            t1.watch(x1)
            t2.watch([x1, x2])
            y = x1 * x1
            x2 * x1
        d2y = t2.gradient(y, x1)
    return (d2y, t1.gradient(y, x1))


@P
@H.raises("AttributeError")
def watch_after_consumed(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    g.watch(x)


@pytest.mark.parametrize("name", sorted(progs))
def test_tape_rule(name):
    H.compare(progs[name])


def test_output_gradients_are_differentiable_by_an_outer_tape():
    def program(tf):
        x = tf.constant(2.0)
        u = tf.constant(3.0)
        with tf.GradientTape(persistent=True) as outer:
            outer.watch([x, u])
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = x * x
            g = inner.gradient(y, x, output_gradients=u)
        return g, outer.gradient(g, [x, u])

    H.compare(program)
