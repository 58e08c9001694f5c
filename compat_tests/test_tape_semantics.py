"""tf.GradientTape rule by rule (TF_SEMANTICS.md §1.1-1.9 and §2.1-2.6), one small program per rule.

Every program runs on TensorFlow (the oracle) and on tapejax through `compare`; the program's result
(values, dtypes, shapes, None patterns, containers) or the exception it raises (type and TF's first
line of the message) must match.
"""

import collections
import logging
import threading

import numpy as np
import pytest

from compat_tests import _harness as H

PROGRAMS = {}
NO_MESSAGE = set()  # programs whose exception text contains reprs that cannot match


def program(f=None, messages=True):
    def register(g):
        PROGRAMS[g.__name__] = g
        if not messages:
            NO_MESSAGE.add(g.__name__)
        return g
    return register(f) if f is not None else register


Pair = collections.namedtuple("Pair", ["a", "b"])


def _raised(fn):
    """Runs `fn`; returns the exception's type name, or None if it did not raise."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the exception type is the outcome
        return type(exc).__name__
    return None


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _capture_warnings(tf, fn):
    """Runs `fn()`; returns (its result, the warning messages the backend logged meanwhile)."""
    logger = logging.getLogger(tf.__name__)
    handler, level = _Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        result = fn()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return result, handler.messages


# ---------------------------------------------------------------------------------------------
# §1.1 constructor
@program
@H.raises("RuntimeError")
def nonpersistent_second_gradient_raises(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    return g.gradient(y, x)


@program
@H.raises("RuntimeError")
def nonpersistent_jacobian_after_gradient_raises(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    return g.jacobian(y, x)


@program
@H.raises("RuntimeError")
def nonpersistent_gradient_after_jacobian_raises(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.jacobian(y, x)
    return g.gradient(y, x)


@program
def nonpersistent_first_result_kept(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    first = g.gradient(y, x)
    return first, _raised(lambda: g.gradient(y, x))


@program
def persistent_many_calls(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        z = y * y
    return g.gradient(y, x), g.gradient(z, x), g.gradient(z, y), g.gradient(y, x), g.jacobian(z, x)


@program
def persistent_true_many_calls(tf):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x ** 3
    return g.gradient(y, x), g.gradient(y, x)


@program
@H.raises("InternalError")
def persistent_non_bool_truthy_second_gradient(tf):
    # TF 2.21: the Python side treats 1 as persistent, the C tape does not (it wants a bool), so the
    # second gradient fails with InternalError instead of working.
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=1) as g:
        g.watch(x)
        y = x ** 3
    return g.gradient(y, x), g.gradient(y, x)


@program
def persistent_falsy_value_is_not_persistent(tf):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=0) as g:
        g.watch(x)
        y = x ** 3
    return g.gradient(y, x), _raised(lambda: g.gradient(y, x))


@program
def watch_accessed_variables_false(tf):
    x0 = tf.Variable(0.0)
    x1 = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as g:
        g.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.softplus(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    return g.gradient(ys, {"x0": x0, "x1": x1})


@program
def watch_accessed_variables_false_watched_list(tf):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    with tf.GradientTape(watch_accessed_variables=False) as g:
        g.watch(b)
        y = a * b
    return [v.name for v in g.watched_variables()], g.gradient(y, [a, b])


@program
def trainable_variable_auto_watched(tf):
    v = tf.Variable(3.0)
    with tf.GradientTape() as g:
        y = v * v
    return g.gradient(y, v)


@program
def nontrainable_variable_not_auto_watched(tf):
    v = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as g:
        y = v * v
    return g.gradient(y, v), g.watched_variables()


@program
def constant_not_auto_watched(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        y = x * x
    return g.gradient(y, x * 1.0)


# ---------------------------------------------------------------------------------------------
# §1.2 __enter__ / __exit__
@program
def enter_returns_self(tf):
    g = tf.GradientTape()
    with g as h:
        same = h is g
    return same


@program
def exit_returns_none(tf):
    g = tf.GradientTape()
    g.__enter__()
    return g.__exit__(None, None, None)


@program
def reenter_continues_same_tape(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape()
    with g:
        g.watch(x)
        y = 2 * x
    with g:
        z = 2 * y
    return g.gradient(z, [x])


@program
def reenter_with_variable(tf):
    v = tf.Variable(3.0)
    g = tf.GradientTape(persistent=True)
    with g:
        y = v * v
    outside = y * 10.0
    with g:
        z = y * v
    return g.gradient(z, v), g.gradient(outside, v), g.gradient(y, v)


@program
@H.raises("ValueError")
def reenter_active_raises(tf):
    g = tf.GradientTape()
    with g:
        with g:
            pass


@program
def reenter_active_outer_keeps_recording(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape()
    with g:
        g.watch(x)
        err = _raised(g.__enter__)
        y = x * x
    return err, g.gradient(y, x)


@program
@H.raises("KeyError")
def exception_in_block_propagates(tf):
    g = tf.GradientTape()
    with g:
        raise KeyError("boom")


@program
def exception_in_block_tape_still_usable(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape()
    try:
        with g:
            g.watch(x)
            y = x * x
            raise KeyError("boom")
    except KeyError:
        pass
    z = y * x  # outside: not recorded
    return g.gradient([y, z], x)


@program
@H.raises("ValueError")
def exception_in_block_tape_popped(tf):
    g = tf.GradientTape()
    try:
        with g:
            raise KeyError("boom")
    except KeyError:
        pass
    with g.stop_recording():
        pass


@program
def exit_after_inside_gradient_is_noop(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        d = g.gradient(y, x)
    return d


@program
def reenter_after_consumed_gives_fresh_tape(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape()
    with g:
        g.watch(x)
        y = x * x
    d1 = g.gradient(y, x)
    with g:
        g.watch(x)
        z = x * x * x
    return d1, g.gradient(z, x)


@program
def ops_before_enter_not_recorded(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape(persistent=True)
    y = x * x
    with g:
        g.watch(x)
        z = x * 2.0
    return g.gradient(y, x), g.gradient(z, x)


# ---------------------------------------------------------------------------------------------
# §1.3 watch
@program
def watch_list(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b
    return g.gradient(y, [a, b])


@program
def watch_tuple(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch((a, b))
        y = a * a * b
    return g.gradient(y, (a, b))


@program
def watch_dict(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch({"a": a, "b": b})
        y = a + 3.0 * b
    return g.gradient(y, {"b": b, "a": a})


@program
def watch_namedtuple(tf):
    p = Pair(tf.constant(2.0), tf.constant(5.0))
    with tf.GradientTape() as g:
        g.watch(p)
        y = p.a * p.b
    return g.gradient(y, p)


@program
def watch_nested(tf):
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch({"x": [a, (b,)], "y": c})
        y = a * b * c
    return g.gradient(y, {"x": [a, (b,)], "y": c})


@program
def watch_mixed_tensor_and_variable(tf):
    a = tf.constant(2.0)
    v = tf.Variable(3.0, trainable=False, name="nt")
    with tf.GradientTape() as g:
        g.watch([a, v])
        y = a * v
    return g.gradient(y, [a, v]), [w.name for w in g.watched_variables()]


@program(messages=True)
@H.raises("ValueError")
def watch_python_float_raises(tf):
    with tf.GradientTape() as g:
        g.watch(1.0)


@program
@H.raises("ValueError")
def watch_none_raises(tf):
    with tf.GradientTape() as g:
        g.watch(None)


@program
@H.raises("ValueError")
def watch_ndarray_raises(tf):
    with tf.GradientTape() as g:
        g.watch(np.array(1.0))


@program
@H.raises("ValueError")
def watch_list_with_python_scalar_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch([x, 2.0])


@program
def watch_int_gives_none(tf):
    x = tf.constant(3)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, x)


@program
def watch_int_zero_gives_int_zeros(tf):
    x = tf.constant([3, 4])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, x, unconnected_gradients="zero")


@program
def watch_int64_and_cast_gives_none(tf):
    x = tf.constant([3, 4], dtype=tf.int64)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(x, tf.float32) * 2.0
    return g.gradient(y, x)


@program
def watch_int_logs_warning_five_times_per_line(tf):
    x = tf.constant(3)

    def run():
        for _ in range(7):
            with tf.GradientTape() as g:
                g.watch(x)
        return None

    _, messages = _capture_warnings(tf, run)
    return len(messages), messages[:1]


@program
def watch_bool_logs_warning(tf):
    x = tf.constant(True)

    def run():
        with tf.GradientTape() as g:
            g.watch(x)
        return None

    _, messages = _capture_warnings(tf, run)
    return messages


@program
def watch_float_logs_nothing(tf):
    x = tf.constant(3.0)

    def run():
        with tf.GradientTape() as g:
            g.watch(x)
            y = x * x
        return g.gradient(y, x)

    return _capture_warnings(tf, run)


@program
def watch_not_retroactive(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        y = x * x
        g.watch(x)
    return g.gradient(y, x)


@program
@H.raises("AttributeError")
def watch_never_entered_raises(tf):
    g = tf.GradientTape()
    g.watch(tf.constant(1.0))


@program
def watch_after_exit_records_nothing(tf):
    x = tf.constant(3.0)
    g = tf.GradientTape()
    with g:
        pass
    g.watch(x)
    y = x * x
    return g.gradient(y, x)


@program
def watch_twice_same_tensor(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        g.watch(x)
        y = x * x
    return g.gradient(y, x)


@program
@H.raises("AttributeError")
def watch_consumed_tape_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    g.watch(x)


# ---------------------------------------------------------------------------------------------
# §1.4 stop_recording
@program
def stop_recording_ops_not_recorded(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        with g.stop_recording():
            z = y * x
    return g.gradient(y, x), g.gradient(z, x)


@program
def stop_recording_resumes_after_block(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        with g.stop_recording():
            c = y * 0.0 + 2.0
        w = y * c
    return g.gradient(w, x)


@program
def stop_recording_other_tapes_keep_recording(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            with inner.stop_recording():
                y = x * x
    return outer.gradient(y, x), inner.gradient(y, x)


@program
def stop_recording_variables_not_auto_watched(tf):
    v = tf.Variable(2.0, name="sv")
    with tf.GradientTape() as g:
        with g.stop_recording():
            y = v * v
    return g.gradient(y, v), [w.name for w in g.watched_variables()]


@program
@H.raises("RuntimeError")
def stop_recording_never_entered_raises(tf):
    g = tf.GradientTape()
    with g.stop_recording():
        pass


@program
@H.raises("ValueError")
def stop_recording_after_exit_raises(tf):
    g = tf.GradientTape()
    with g:
        pass
    with g.stop_recording():
        pass


@program
@H.raises("ValueError")
def stop_recording_nested_raises(tf):
    with tf.GradientTape() as g:
        with g.stop_recording():
            with g.stop_recording():
                pass


@program
def stop_recording_repushes_after_exception(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        try:
            with g.stop_recording():
                raise KeyError("boom")
        except KeyError:
            pass
        y = x * x
    return g.gradient(y, x)


# ---------------------------------------------------------------------------------------------
# §1.5 reset
@program
def reset_clears_recorded_ops(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        g.reset()
        g.watch(x)
        z = x * x * x
    return g.gradient(y, x), g.gradient(z, x)


@program
def reset_unwatches_tensors(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        g.reset()
        y = x * x
    return g.gradient(y, x)


@program
def reset_clears_watched_variables(tf):
    a = tf.Variable(1.0, name="ra")
    b = tf.Variable(2.0, name="rb")
    with tf.GradientTape() as g:
        _ = a * 2.0
        before = [v.name for v in g.watched_variables()]
        g.reset()
        after_reset = g.watched_variables()
        y = b * 3.0
    return before, after_reset, [v.name for v in g.watched_variables()], g.gradient(y, [a, b])


@program
def reset_keeps_persistent(tf):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.reset()
        g.watch(x)
        y = x * x
    return g.gradient(y, x), g.gradient(y, x)


@program
def reset_keeps_watch_accessed_variables_false(tf):
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as g:
        g.reset()
        y = v * v
    return g.gradient(y, v), g.watched_variables()


@program
@H.raises("ValueError")
def reset_never_entered_raises(tf):
    tf.GradientTape().reset()


@program
@H.raises("ValueError")
def reset_after_exit_raises(tf):
    g = tf.GradientTape()
    with g:
        pass
    g.reset()


@program
def reset_in_loop_keeps_last(tf):
    v = tf.Variable(1.0)
    with tf.GradientTape() as g:
        for i in range(3):
            g.reset()
            y = v * float(i + 1)
    return g.gradient(y, v)


# ---------------------------------------------------------------------------------------------
# §1.6 watched_variables
@program
def watched_variables_before_enter(tf):
    g = tf.GradientTape()
    return g.watched_variables()


@program
def watched_variables_is_tuple(tf):
    v = tf.Variable(1.0)
    with tf.GradientTape() as g:
        _ = v * 2.0
    return type(g.watched_variables()).__name__, len(g.watched_variables())


@program
def watched_variables_creation_order(tf):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    c = tf.Variable(3.0, name="c")
    with tf.GradientTape() as g:
        g.watch(c)
        _ = a * 1.0
        _ = b * 1.0
    return [v.name for v in g.watched_variables()]


@program
def watched_variables_read_twice_listed_once(tf):
    a = tf.Variable(1.0, name="once")
    with tf.GradientTape() as g:
        _ = a * 1.0
        _ = a * 2.0
    return [v.name for v in g.watched_variables()]


@program
def watched_variables_after_nonpersistent_gradient(tf):
    a = tf.Variable(1.0, name="kept")
    with tf.GradientTape() as g:
        y = a * 3.0
    g.gradient(y, a)
    return [v.name for v in g.watched_variables()]


@program
def watched_variables_includes_int_variable(tf):
    i = tf.Variable(3, name="iv")
    with tf.GradientTape() as g:
        y = i * 2
    return i.trainable, [v.name for v in g.watched_variables()], g.gradient(y, i)


@program
def watched_variables_created_not_read(tf):
    with tf.GradientTape() as g:
        tf.Variable(1.0, name="unread")
        v = tf.Variable(2.0, name="read")
        _ = v * 1.0
    return [w.name for w in g.watched_variables()]


@program
def watched_variables_values_are_the_variables(tf):
    a = tf.Variable(1.0, name="same")
    with tf.GradientTape() as g:
        _ = a * 1.0
    return g.watched_variables()[0] is a, g.watched_variables()


# ---------------------------------------------------------------------------------------------
# §1.7 gradient()
@program
@H.raises("RuntimeError")
def gradient_never_entered_raises(tf):
    g = tf.GradientTape()
    return g.gradient(tf.constant(1.0), tf.constant(1.0))


@program
@H.raises("TypeError")
def gradient_target_none_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
    return g.gradient(None, x)


@program
@H.raises("TypeError")
def gradient_source_none_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, None)


@program
@H.raises("TypeError")
def gradient_none_in_sources_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, [x, None])


@program
@H.raises("TypeError")
def gradient_none_in_target_list_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient([y, None], x)


@program
@H.raises("AttributeError")
def gradient_float_source_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, 1.0)


@program
@H.raises("AttributeError")
def gradient_float_target_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
    return g.gradient(2.0, x)


@program
@H.raises("AttributeError")
def gradient_ndarray_source_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, np.array(1.0))


@program
def gradient_empty_target(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
    return g.gradient([], x)


@program
def gradient_empty_sources(tf):
    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, []), g.gradient(y, {}), g.gradient(y, ())


@program
def output_gradients_scalar(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, x, output_gradients=tf.constant(10.0))


@program
def output_gradients_fewer_than_targets(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y, z = 2 * x, 3 * x
    return g.gradient([y, z], x, output_gradients=[tf.constant(10.0)])


@program
def output_gradients_extra_ignored(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2 * x
    return g.gradient([y], x, output_gradients=[tf.constant(10.0), tf.constant(5.0)])


@program
@H.raises("ValueError")
def output_gradients_none_entry_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y, z = 2 * x, 3 * x
    return g.gradient([y, z], x, output_gradients=[None, tf.constant(1.0)])


@program
@H.raises("InvalidArgumentError")
def output_gradients_dtype_mismatch_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2 * x
    return g.gradient(y, x, output_gradients=tf.constant(1.0, dtype=tf.float64))


@program
def output_gradients_python_and_numpy(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
    return (g.gradient(y, x, output_gradients=2.0), g.gradient(y, x, output_gradients=np.float32(3.0)),
            g.gradient(y, x, output_gradients=tf.Variable(4.0)))


@program
def output_gradients_non_scalar_target(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))


@program
def output_gradients_dict_target(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        t = {"b": x * x, "a": 3.0 * x}
    return g.gradient(t, x, output_gradients={"a": tf.constant(10.0), "b": tf.constant(1.0)})


def test_output_gradients_shape_mismatch(tf):
    """TF silently returns garbage for a [3] upstream on a [2] target; tapejax raises ValueError."""
    if tf.__name__ == "tensorflow":
        pytest.skip("TF returns a shape-(3,) gradient here (no shape validation)")
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2.0 * x
    with pytest.raises(ValueError):
        g.gradient(y, x, output_gradients=tf.constant([1.0, 2.0, 3.0]))


@program
def unconnected_zero_string(tf):
    x, u = tf.constant(1.0), tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch([x, u])
        y = x * 2.0
    return g.gradient(y, [x, u], unconnected_gradients="zero")


@program
def unconnected_zero_enum(tf):
    x, u = tf.constant(1.0), tf.constant([[1.0, 2.0]], dtype=tf.float64)
    with tf.GradientTape() as g:
        g.watch([x, u])
        y = x * 2.0
    return g.gradient(y, [x, u], unconnected_gradients=tf.UnconnectedGradients.ZERO)


@program
def unconnected_none_string_and_enum(tf):
    x, u = tf.constant(1.0), tf.constant(5.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, u])
        y = x * 2.0
    return (g.gradient(y, [x, u], unconnected_gradients="none"),
            g.gradient(y, [x, u], unconnected_gradients=tf.UnconnectedGradients.NONE))


@program
def unconnected_zero_variable_source(tf):
    x = tf.constant(1.0)
    v = tf.Variable([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    return g.gradient(y, v, unconnected_gradients="zero")


@program
@H.raises("ValueError")
def unconnected_uppercase_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    return g.gradient(y, x, unconnected_gradients="ZERO")


@program
@H.raises("ValueError")
def unconnected_nonsense_raises(tf):
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    return g.gradient(y, x, unconnected_gradients="nonsense")


@program
def unconnected_enum_values(tf):
    u = tf.UnconnectedGradients
    return u.NONE.value, u.ZERO.value, u("zero") is u.ZERO, [m.name for m in u]


@program
def sources_list_result_list(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b
    return g.gradient(y, [a, b])


@program
def sources_tuple_result_tuple(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b
    return g.gradient(y, (a, b))


@program
def sources_dict_result_dict(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b * b
    return g.gradient(y, {"z": a, "a": b})


@program
def sources_namedtuple_result_namedtuple(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b
    return g.gradient(y, Pair(a=b, b=a))


@program
def sources_deep_nest(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    v = tf.Variable(3.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * b * v
    return g.gradient(y, {"k": [a, (b, {"v": v})], "p": Pair(a, [v])})


@program
def gradient_dtype_follows_source(tf):
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(tf.cast(x, tf.float32) ** 2)
    return g.gradient(y, x)


# ---------------------------------------------------------------------------------------------
# §2.1 what is recorded / watched
@program
def ops_on_unwatched_inputs_invisible(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        y = x * x
        g.watch(x)
        z = y * x
    return g.gradient(z, x)


@program
def variable_read_forms(tf):
    v = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as g:
        ys = [v * 2.0, v.value(), v.read_value(), tf.identity(v), tf.convert_to_tensor(v)]
        broken = tf.constant(v.numpy()) * 2.0
    return [g.gradient(y, v) for y in ys], g.gradient(broken, v)


@program
def guide_trainable_nontrainable_tensor(tf):
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    x3 = tf.constant(3.0, name="x3")
    with tf.GradientTape() as tape:
        y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
    grad = tape.gradient(y, [x0, x1, x2, x3])
    return grad, [var.name for var in tape.watched_variables()], type(x2).__name__ == type(x3).__name__


@program
def variable_created_inside_tape(tf):
    with tf.GradientTape() as g:
        v = tf.Variable(2.0, name="inside")
        y = v * v * v
    return g.gradient(y, v), [w.name for w in g.watched_variables()]


@program
def explicit_watch_nontrainable(tf):
    v = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as g:
        g.watch(v)
        y = v * v
    return g.gradient(y, v)


@program
def python_if_records_taken_branch(tf):
    x = tf.constant(1.0)
    v0 = tf.Variable(2.0)
    v1 = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        if x > 0.0:
            result = v0
        else:
            result = v1 ** 2
    return g.gradient(result, [v0, v1]), g.gradient(result, x)


@program
def python_while_loop(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x
        while y < 100:
            y = y * y
    return y, g.gradient(y, x)


@program
def tf_cond_eager(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cond(x > 0.0, lambda: x * x, lambda: -x)
    return g.gradient(y, x)


@program
def tf_while_loop_eager(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        _, y = tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * 2.0), [tf.constant(0), x])
    return y, g.gradient(y, x)


@program
def tf_function_inside_tape(tf):
    @tf.function
    def f(a):
        return a * a * a

    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = f(x)
    return g.gradient(y, x)


@program
def tape_inside_tf_function(tf):
    v = tf.Variable(2.0)

    @tf.function
    def grad(a):
        with tf.GradientTape() as g:
            g.watch(a)
            y = a * a * v
        return g.gradient(y, [a, v])

    return grad(tf.constant(3.0))


@program
def python_max_over_variables(tf):
    xs = [tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)]
    with tf.GradientTape() as g:
        m = max(xs)
    return g.gradient(m, xs)


@program
def numpy_in_the_middle(tf):
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as g:
        x2 = x ** 2
        y = np.mean(x2, axis=0)
        y = tf.reduce_mean(y, axis=0)
    return g.gradient(y, x)


# ---------------------------------------------------------------------------------------------
# §2.2 None vs zeros
@program
def none_for_non_differentiable_ops(tf):
    x = tf.constant([1.2, -2.7])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        ys = [tf.stop_gradient(x), tf.cast(x, tf.int32), tf.round(x), tf.floor(x), tf.math.ceil(x),
              tf.math.rint(x), x // 1.0, tf.equal(x, 1.2), tf.argmax(x), tf.shape(x), tf.zeros_like(x),
              tf.ones_like(x)]
    return [g.gradient(y, x) for y in ys]


@program
def sign_gives_zeros_floormod_ones(tf):
    x = tf.constant([1.2, -2.7])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        s = tf.sign(x)
        m = tf.math.floormod(x, 1.0)
    return g.gradient(s, x), g.gradient(m, x)


@program
def int_cast_round_trip_gives_none(tf):
    x = tf.constant(2.5)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * x
    return g.gradient(y, x), g.gradient(y, x, unconnected_gradients="zero")


@program
def int_target_gives_none_or_float_zeros(tf):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.cast(x, tf.int32) * 3
    return g.gradient(y, x), g.gradient(y, x, unconnected_gradients="zero")


@program
def zero_per_element_in_list(tf):
    a, b = tf.constant(1.0), tf.constant([1, 2])
    c = tf.Variable(tf.zeros([2, 2], dtype=tf.float64))
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * a
    return g.gradient(y, [a, b, c], unconnected_gradients="zero")


@program
def stop_gradient_partial(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * tf.stop_gradient(x)
    return g.gradient(y, x)


@program
def assign_breaks_chain(tf):
    v = tf.Variable(2.0)
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        v.assign(x * 2.0)
        y = v * 1.0
    return g.gradient(y, x), g.gradient(y, v)


# ---------------------------------------------------------------------------------------------
# §2.3 targets
@program
def non_scalar_target_summed(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * [3.0, 4.0]
    return g.gradient(y, x)


@program
def dict_targets_summed(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = {"y0": x ** 2, "y1": 1 / x}
    return g.gradient(y, x)


@program
def nested_targets_summed(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y0 = x ** 2
        y1 = 1 / x
    return g.gradient((y0, [y1, y1]), x)


@program
def target_is_unwatched_constant(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        pass
    return g.gradient(x, x)


@program
def target_is_unaccessed_variable(tf):
    v = tf.Variable(3.0)
    with tf.GradientTape() as g:
        pass
    return g.gradient(v, v)


@program
def target_is_source_matrix(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
    return g.gradient(x, x), g.gradient([x, x], x)


@program
def target_is_source_int(tf):
    i = tf.constant(3)
    with tf.GradientTape() as g:
        g.watch(i)
    return g.gradient(i, i)


@program
def target_is_source_string(tf):
    s = tf.constant("a")
    with tf.GradientTape() as g:
        pass
    return g.gradient(s, s)


@program
def variable_as_target(tf):
    vx = tf.Variable(3.0)
    vy = tf.Variable(4.0)
    with tf.GradientTape(persistent=True) as g:
        _ = vx * vy
    return g.gradient(vx, vx), g.gradient(vx, vy)


@program
def target_computed_outside(tf):
    x = tf.constant(3.0)
    y = x * x
    with tf.GradientTape() as g:
        g.watch(x)
        z = y + 1
    return g.gradient(z, x), g.watched_variables()


# ---------------------------------------------------------------------------------------------
# §2.4 sources
@program
def same_source_twice(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x ** 3 - x
    return g.gradient(y, [x, x])


@program
def same_source_twice_in_dict(tf):
    x = tf.Variable(2.0)
    with tf.GradientTape() as g:
        y = x ** 3 - x
    return g.gradient(y, {"a": x, "b": [x]})


@program
def intermediate_source(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = 2 * x
        z = y * x
    return g.gradient(z, [y, x])


@program
def intermediate_source_guide(tf):
    x = tf.ones((2, 2))
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.reduce_sum(x)
        z = tf.multiply(y, y)
    return g.gradient(z, y), g.gradient(z, x)


@program
def watched_unused_source(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([a, b])
        y = a * 5.0
    return g.gradient(y, [a, b])


# ---------------------------------------------------------------------------------------------
# §2.5 nested tapes / higher order
@program
def nested_tapes_watch_per_tape(tf):
    x1, x2 = tf.constant(3.0), tf.constant(3.0)
    with tf.GradientTape() as tape1, tf.GradientTape() as tape2:
        tape1.watch(x1)
        tape2.watch([x1, x2])
        y = x1 ** 2
        z = x2 ** 2
    return tape1.gradient(z, x1), tape2.gradient([y, z], [x1, x2])


@program
def second_derivative(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy_dx = t1.gradient(y, x)
    d2y_dx2 = t2.gradient(dy_dx, x)
    return dy_dx, d2y_dx2


@program
def third_derivative(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x ** 4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    return d1, d2, d3


@program
def inner_gradient_after_outer_exit(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
    dy_dx = t1.gradient(y, x)
    return dy_dx, t2.gradient(dy_dx, x)


@program
def persistent_gradient_inside_context(tf):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x ** 3
        d1 = g.gradient(y, x)
        d2 = g.gradient(d1, x)
        d3 = g.gradient(d2, x)
    return d1, d2, d3


@program
def persistent_gradient_inside_context_warns_once_per_line(tf):
    x = tf.constant(3.0)

    def run():
        with tf.GradientTape(persistent=True) as g:
            g.watch(x)
            y = x ** 3
            for _ in range(3):
                g.gradient(y, x)
        return None

    _, messages = _capture_warnings(tf, run)
    return messages


@program
def outer_sees_inner_block_ops(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            y = x * x
    return inner.gradient(y, x), outer.gradient(y, x)


@program
def two_tapes_one_with(tf):
    x = tf.constant(0.0)
    with tf.GradientTape() as a, tf.GradientTape() as b:
        a.watch(x)
        b.watch(x)
        y0 = tf.math.sin(x)
        y1 = tf.nn.sigmoid(x)
    return a.gradient(y0, x), b.gradient(y1, x)


@program
def nested_jacobian_of_gradient(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x ** 3)
        g = inner.gradient(y, x)
    return g, outer.jacobian(g, x)


@program
def second_order_none_where_a_gradient_does_not_depend_on_a_source(tf):
    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, y])
        with tf.GradientTape() as inner:
            inner.watch([x, y])
            z = x * y
        gx, gy = inner.gradient(z, [x, y])
    return gx, gy, outer.gradient(gx, [x, y]), outer.gradient(gy, [x, y]), outer.gradient([gx, gy], [x, y])


@program
def second_order_of_a_linear_function_is_none(tf):
    x = tf.constant([1.0, 2.0])
    w = tf.Variable([3.0, -1.0])
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(3.0 * x + w * x)
        g = inner.gradient(y, [x, w])
    return g, outer.gradient(g[0], [x, w]), outer.gradient(g[1], [x, w])


@program
def second_order_mixed_variables_and_unused_source(tf):
    a, b, c = tf.Variable(1.5), tf.Variable(-0.5), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            y = a * a * b + tf.sin(b)
        ga, gb, gc = inner.gradient(y, [a, b, c])
    return (ga, gb, gc, outer.gradient(ga, [a, b, c]), outer.gradient(gb, [a, b, c]),
            outer.gradient(ga * gb, [a, b, c]))


@program
def second_order_through_output_gradients(tf):
    x, seed = tf.constant([1.0, -2.0]), tf.constant([0.5, 2.0])
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, seed])
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = 4.0 * x
        g = inner.gradient(y, x, output_gradients=seed)
    return g, outer.gradient(g, [x, seed])


@program
def third_order_nested_with_a_variable_and_python_control_flow(tf):
    v, x = tf.Variable([1.5, -0.5]), tf.constant([0.3, 2.0])
    with tf.GradientTape(persistent=True) as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.reduce_sum(tf.sin(x * v) * x)
            g1, gv = t1.gradient(y, [x, v])
            if float(tf.reduce_sum(g1)) > -100.0:  # a Python branch on an inner gradient's value
                s = tf.reduce_sum(g1 * g1) + tf.reduce_sum(gv)
        g2 = t2.gradient(s, [x, v], unconnected_gradients="zero")
        s2 = tf.reduce_sum(g2[0])
    return g1, gv, g2, t3.gradient(s2, [x, v]), t3.gradient(s, x)


@program
def second_order_on_one_persistent_tape(tf):
    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = x * x * y
        gx, gy = tape.gradient(z, [x, y])
        h = tape.gradient(gy, [x, y])
    return gx, gy, h


# ---------------------------------------------------------------------------------------------
# §2.6 variables and state
@program
def assign_add_not_differentiable(tf):
    x0 = tf.Variable(2.0)
    x1 = tf.Variable(3.0)
    with tf.GradientTape() as g:
        x1.assign_add(x0)
        y = x1 ** 2
    return g.gradient(y, [x0, x1])


@program
def assign_result_gradient(tf):
    t = tf.constant(1.5)
    v = tf.Variable(0.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(t)
        r = v.assign(t * 2)
        y = r * 1.0
    return g.gradient(y, t), g.gradient(y, v)


@program
def assign_sub_between_reads(tf):
    v = tf.Variable(2.0)
    with tf.GradientTape() as g:
        a = v * v
        v.assign_sub(1.0)
        b = v * v
    return g.gradient(a + b, v)


@program
def grad_pass_through_assign(tf):
    x = tf.Variable(1.0)
    z = tf.Variable(3.0)
    with tf.GradientTape() as g:
        y = tf.grad_pass_through(x.assign)(z ** 2)
    return y, g.gradient(y, z)


# ---------------------------------------------------------------------------------------------
# threads (the tape stack is thread-local)
@program
def ops_in_other_thread_not_recorded(tf):
    x = tf.constant(3.0)
    out = {}
    with tf.GradientTape() as g:
        g.watch(x)
        t = threading.Thread(target=lambda: out.update(y=x * x))
        t.start()
        t.join()
    return g.gradient(out["y"], x)


@program
def tape_inside_thread(tf):
    x = tf.constant(3.0)
    out = {}

    def work():
        with tf.GradientTape() as g:
            g.watch(x)
            y = x * x
        out["g"] = g.gradient(y, x)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    return out["g"]


@program
def thread_tape_does_not_see_main_thread(tf):
    x = tf.constant(3.0)
    out = {}
    started, done = threading.Event(), threading.Event()

    def work():
        with tf.GradientTape() as g:
            g.watch(x)
            started.set()
            done.wait()
        out["g"] = g
    t = threading.Thread(target=work)
    t.start()
    started.wait()
    y = x * x
    done.set()
    t.join()
    return out["g"].gradient(y, x)


# ---------------------------------------------------------------------------------------------
# §1.8 jacobian
@program
def jacobian_vector_vector(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.stack([tf.reduce_sum(x * x), tf.reduce_prod(x)])
    return g.jacobian(y, x)


@program
def jacobian_scalar_target_and_scalar_source(tf):
    x = tf.constant([1.0, 2.0])
    s = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, s])
        y = tf.reduce_sum(x * x) * s
        v = x * s
    return g.jacobian(y, x), g.jacobian(v, s)


@program
def jacobian_matrix_shapes(tf):
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.matmul(x, x, transpose_b=True)
    j = g.jacobian(y, x)
    return j.shape, j


@program
def jacobian_nest_of_sources(tf):
    x = tf.constant([1.0, 2.0])
    v = tf.Variable([[1.0, 0.5], [0.0, 2.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.linalg.matvec(v, x)
    return g.jacobian(y, {"v": v, "x": [x]})


@program
@H.raises("AttributeError")
def jacobian_list_target_raises(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.jacobian([y, y], x)


@program
@H.raises("RuntimeError")
def jacobian_consumed_raises(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.jacobian(y, x)
    return g.jacobian(y, x)


@program
def jacobian_inside_context_nonpersistent(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        z = y * y
        j = g.jacobian(z, x)
    return j


@program
def jacobian_unconnected(tf):
    x = tf.constant([1.0, 2.0])
    u = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, u])
        y = x * x
    return g.jacobian(y, u), g.jacobian(y, u, unconnected_gradients="zero")


@program
def jacobian_int_target_and_outside_target(tf):
    x = tf.constant([1.0, 2.0])
    outside = x * x
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        i = tf.cast(x, tf.int32)
    return g.jacobian(i, x), g.jacobian(outside, x)


@program
def jacobian_empty_target(tf):
    x = tf.constant(np.arange(7, dtype=np.float32))
    with tf.GradientTape() as g:
        g.watch(x)
        y = x[:0] * 2.0
    return g.jacobian(y, x)


@program
@H.raises("RuntimeError")
def jacobian_no_pfor_nonpersistent_raises(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.jacobian(y, x, experimental_use_pfor=False)


@program
def jacobian_no_pfor_persistent_and_parallel_iterations(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.sin(x) * tf.reduce_sum(x)
    return (g.jacobian(y, x), g.jacobian(y, x, experimental_use_pfor=False),
            g.jacobian(y, x, parallel_iterations=2))


# ---------------------------------------------------------------------------------------------
# §1.9 batch_jacobian
@program
def batch_jacobian_values(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.batch_jacobian(y, x)


@program
def batch_jacobian_rank3_shape(tf):
    x = tf.constant(np.linspace(-1, 1, 24, dtype=np.float32).reshape(4, 2, 3))
    w = tf.constant(np.linspace(0, 1, 15, dtype=np.float32).reshape(3, 5))
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.tanh(tf.einsum("bij,jk->bik", x, w))
    j = g.batch_jacobian(y, x)
    return j.shape, j


@program
@H.raises("AttributeError")
def batch_jacobian_list_source_raises(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.batch_jacobian(y, [x])


@program
@H.raises("RuntimeError")
def batch_jacobian_consumed_raises(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    return g.batch_jacobian(y, x)


@program
@H.raises("ValueError")
def batch_jacobian_target_rank_raises(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(x * x, axis=0)
    return g.batch_jacobian(y, x)


@program
@H.raises("ValueError")
def batch_jacobian_source_rank_raises(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reshape(x * x, [3, 1])
    return g.batch_jacobian(y, x)


@program
@H.raises("ValueError")
def batch_jacobian_batch_mismatch_raises(tf):
    x = tf.ones([2, 3])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.concat([x, x], axis=0)
    return g.batch_jacobian(y, x)


@program
@H.raises("RuntimeError")
def batch_jacobian_no_pfor_nonpersistent_raises(tf):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    return g.batch_jacobian(y, x, experimental_use_pfor=False)


@program
def batch_jacobian_no_pfor_persistent(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.sin(x) * tf.reduce_sum(x, axis=1, keepdims=True)
    return g.batch_jacobian(y, x), g.batch_jacobian(y, x, experimental_use_pfor=False)


@program
def batch_jacobian_unconnected_is_zeros(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    u = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, u])
        y = x * x
    return g.batch_jacobian(y, u), g.batch_jacobian(y, u, unconnected_gradients="zero")


@program
def batch_jacobian_degenerate(tf):
    x = tf.zeros([1, 0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    return g.batch_jacobian(y, x)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_tape_semantics(name):
    H.compare(PROGRAMS[name], messages=name not in NO_MESSAGE)
