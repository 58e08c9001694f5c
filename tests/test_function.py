"""tapejax.function: one trace per signature, lifted Variables, TF's creation rule, retraces."""

import logging

import numpy as np
import pytest

import tapejax as tf
from tapejax import _backward


def _linear_problem(seed=0):
    rs = np.random.RandomState(seed)
    x = tf.constant(rs.randn(16, 3).astype(np.float32))
    y = tf.constant(rs.randn(16, 1).astype(np.float32))
    w = tf.Variable(np.zeros((3, 1), np.float32))
    b = tf.Variable(np.zeros(1, np.float32))
    return x, y, w, b


def _make_step(w, b):
    @tf.function
    def step(x, y, lr):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((x @ w + b - y) ** 2)
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(lr * gw)
        b.assign_sub(lr * gb)
        return loss
    return step


def test_compiled_step_matches_eager_step():
    x, y, w1, b1 = _linear_problem()
    _, _, w2, b2 = _linear_problem()
    step = _make_step(w1, b1)
    eager = _make_step(w2, b2).python_function
    for _ in range(5):
        compiled_loss = step(x, y, 0.1)
        eager_loss = eager(x, y, 0.1)
        np.testing.assert_allclose(compiled_loss.numpy(), eager_loss.numpy(), rtol=1e-6)
    np.testing.assert_allclose(w1.numpy(), w2.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b1.numpy(), b2.numpy(), rtol=1e-6)


def test_python_side_effects_run_once_when_the_trace_finds_variables():
    w = tf.Variable(2.0)
    n = tf.Variable(0)
    traced = []

    @tf.function
    def step(x):
        traced.append(1)
        n.assign_add(1)
        return x * w

    assert step(tf.constant(3.0)).numpy() == 6.0
    w.assign(5.0)
    assert step(tf.constant(3.0)).numpy() == 15.0
    assert (len(traced), n.numpy()) == (1, 2)
    with tf.GradientTape() as tape:
        y = step(tf.constant(3.0))
    assert tape.gradient(y, w).numpy() == 3.0


def test_100_step_loop_traces_once_per_signature():
    x, y, w, b = _linear_problem()
    step = _make_step(w, b)
    before = _backward.traces["function"]
    losses = [float(step(x, y, 0.1)) for _ in range(100)]
    assert step.trace_count == 1
    # one trace: the Variables it finds (w and b) are lifted from that trace, not traced again
    assert _backward.traces["function"] - before == 1
    assert losses[-1] < losses[0]


def test_100_step_loop_compiles_once():
    x, y, w, b = _linear_problem()
    step = _make_step(w, b)
    before = _backward.compilations["function"]
    for _ in range(100):
        step(x, y, 0.1)
    assert _backward.compilations["function"] - before == 1


def _counter_step(shape=(256, 256)):
    v = tf.Variable(np.zeros(shape, np.float32))

    @tf.function
    def step():
        v.assign_add(tf.ones(shape))
        return v.read_value()[0, 0]

    return v, step


def test_written_variable_buffers_are_donated():
    v, step = _counter_step()
    step()
    step()
    pointer = v._array.unsafe_buffer_pointer()
    step()
    # XLA wrote the new value into the donated buffer of the old one
    assert v._array.unsafe_buffer_pointer() == pointer
    assert float(v.numpy()[0, 0]) == 3.0


@pytest.mark.parametrize("holder", ["tensor", "numpy", "assigned_tensor", "tape"])
def test_values_held_elsewhere_survive_donation(holder):
    v, step = _counter_step((4, 4))
    step()
    if holder == "tensor":
        held = tf.convert_to_tensor(v)
    elif holder == "numpy":
        held = v.numpy()
    elif holder == "assigned_tensor":
        held = tf.constant(np.full((4, 4), 5.0, np.float32))
        v.assign(held)
    else:
        with tf.GradientTape() as tape:
            tape.watch(v)
            held = tf.reduce_sum(v * v)
    expected = np.asarray(held).copy()
    step()
    step()
    np.testing.assert_array_equal(np.asarray(held), expected)
    if holder == "tape":
        np.testing.assert_allclose(tape.gradient(held, v).numpy(), 2.0 * np.ones((4, 4)))


def test_new_shape_and_new_python_value_retrace():
    x, y, w, b = _linear_problem()
    step = _make_step(w, b)
    step(x, y, 0.1)
    step(x[:8], y[:8], 0.1)
    step(x, y, 0.05)
    step(x, y, 0.1)
    assert step.trace_count == 3
    assert "Python value 0.1 became 0.05" in step.retrace_reasons[-1]


def test_variables_created_on_first_call_only():
    created = []

    @tf.function
    def make_once(x):
        if not created:
            created.append(tf.Variable(2.0))
        return x * created[0]

    assert float(make_once(tf.constant(3.0))) == 6.0
    assert float(make_once(tf.constant(4.0))) == 8.0

    @tf.function
    def make_every_time(x):
        return x * tf.Variable(2.0)

    # As TF (measured): the function is traced again right after the call that created Variables,
    # so one that creates them on every call raises on its first call.
    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on the first call"):
        make_every_time(tf.constant(1.0))


def test_run_functions_eagerly_disables_compilation():
    calls = []

    @tf.function
    def f(x):
        calls.append(type(x._value).__name__)
        return x + 1.0

    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
        f(tf.constant(1.0))
    finally:
        tf.config.run_functions_eagerly(False)
    assert calls == ["ArrayImpl", "ArrayImpl"]
    assert f.trace_count == 0


def test_random_ops_draw_new_values_each_call():
    @tf.function
    def noise():
        return tf.random.normal((3,))

    a, b = noise(), noise()
    assert not np.allclose(a.numpy(), b.numpy())


def test_jacobian_and_nested_tapes_inside_function():
    @tf.function
    def hessian(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(x ** 3)
            g = inner.gradient(y, x)
        return outer.jacobian(g, x)

    x = np.array([1.0, 2.0], np.float32)
    np.testing.assert_allclose(hessian(tf.constant(x)).numpy(), np.diag(6 * x))


def test_function_called_under_eager_tape_is_differentiable():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        return tf.reduce_sum(tf.sin(x * w))

    x = tf.constant([0.5, 0.25])
    f(x)  # discover + compile
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), np.cos(x.numpy() * w.numpy()) * w.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gw.numpy(), np.cos(x.numpy() * w.numpy()) * x.numpy(), rtol=1e-6)


def test_input_signature_is_enforced():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        return x * 2.0

    assert f(tf.constant([[1.0, 2.0]])).shape == (1, 2)
    with pytest.raises(TypeError):
        f(tf.constant([1.0, 2.0, 3.0]))


def test_repeated_retracing_warns_with_the_reason(caplog):
    @tf.function
    def f(x, k):
        return x * k

    with caplog.at_level(logging.WARNING, logger="tapejax"):
        for k in range(8):
            f(tf.constant(1.0), float(k))
    assert f.trace_count == 8
    assert any("retracing" in r.getMessage() and "Python value" in r.getMessage() for r in caplog.records)


def test_the_retracing_warning_is_logged_three_times_per_call_site_however_many_retraces(caplog):
    @tf.function
    def f(x):
        return x * 2.0

    with caplog.at_level(logging.WARNING, logger="tapejax"):
        for n in range(1, 15):
            f(tf.ones((n,)))
    assert f.trace_count == 14
    assert sum("triggered tapejax.function retracing" in r.getMessage() for r in caplog.records) == 3


def test_a_variable_sharing_its_array_with_a_constant_is_lifted_without_aliasing_it():
    # tf.Variable(0) may hold the very cached scalar that a literal 0 in the function uses.
    step = tf.Variable(0, dtype=tf.int64)
    shared = tf.constant(np.ones(3, np.float32))
    w = tf.Variable(shared)

    @tf.function
    def f():
        step.assign_add(1)
        w.assign_add(shared)
        return step + 0, step % 2, w + shared

    results = [[x.numpy().tolist() for x in f()] for _ in range(3)]
    assert [r[:2] for r in results] == [[1, 1], [2, 0], [3, 1]]
    assert [r[2] for r in results] == [[3.0] * 3, [4.0] * 3, [5.0] * 3]


def test_a_none_dimension_traces_the_python_function_once_and_compiles_per_shape():
    seen = []

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        seen.append(tuple(x.shape))
        return tf.reduce_sum(x, axis=1) * tf.cast(tf.shape(x)[0], tf.float32)

    before = _backward.traces["function"]
    for n in (1, 3, 5, 3):
        np.testing.assert_allclose(f(tf.ones([n, 2])).numpy(), np.full(n, 2.0 * n))
    assert seen == [(None, 2)] and f.trace_count == 1
    assert _backward.traces["function"] - before == 1  # the Python body ran once, for every shape
    jitted = f._concrete[next(iter(f._concrete))].compiled
    assert jitted._cache_size() == 3  # compiled for (1, 2), (3, 2) and (5, 2)


def test_a_relaxed_trace_holding_a_host_callback_runs_every_shape_from_its_one_trace():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        tf.print(x)  # a host callback, which a program exported with symbolic sizes cannot hold
        return x * 2.0

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(tf.constant([3.0])).numpy(), [6.0])
    assert f.trace_count == 1 and f._relax  # its recorded ops, compiled per shape


def test_a_relaxed_trace_with_a_host_callback_its_recorded_ops_do_not_cover_is_traced_per_shape():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        tf.print(x)
        return x * 2.0 + 0.0 * tf.random.uniform([])  # a random draw: not among the recorded ops

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(tf.constant([3.0])).numpy(), [6.0])
    assert f.trace_count == 2 and not f._relax


def test_a_relaxed_trace_whose_python_needs_static_sizes_falls_back_to_exact_shapes():
    @tf.function(reduce_retracing=True)
    def f(x):
        return tf.zeros([int(x.shape[0] or 0) + 1]) + tf.reduce_sum(x)

    assert f(tf.ones([2])).shape == (3,)
    assert f(tf.ones([4])).shape == (1,)  # as TF: the relaxed trace sees x.shape[0] as None
    assert f.trace_count == 2


def test_string_calls_free_their_pools_and_trace_once():
    from tapejax import _string_trace

    @tf.function
    def f(s):
        return tf.strings.join([s, tf.strings.as_string(tf.strings.length(s))], separator="#")

    before = _backward.traces["function"]
    f(tf.constant(["warm"]))
    pools = len(_string_trace._pools)
    for i in range(50):
        assert f(tf.constant([f"w{i}"])).numpy().tolist() == [f"w{i}#{len(str(i)) + 1}".encode()]
    assert _backward.traces["function"] - before == 1
    assert len(_string_trace._pools) <= pools + 1


def test_a_string_function_under_a_tape_keeps_its_strings_for_the_backward_program():
    @tf.function
    def f(s, w):
        return tf.strings.to_number(s) * w

    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = f(tf.constant(["3", "4"]), w)
    del y  # the recorded call keeps the call's pool
    with tf.GradientTape() as tape:
        y = f(tf.constant(["5", "6"]), w)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [5.0, 6.0])
