"""The structural cache: one compilation per tape structure, new ones for new shapes, bounded."""

import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax import _backward, _lazy


def _mlp_step(x, y, params, lr=0.01):
    ws, bs = params
    with tf.GradientTape() as tape:
        h = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = tf.matmul(h, w) + b
            if i < len(ws) - 1:
                h = tf.nn.relu(h)
        loss = tf.reduce_mean((h - y) ** 2)
    grads = tape.gradient(loss, ws + bs)
    for v, g in zip(ws + bs, grads):
        v.assign_sub(lr * g)
    return float(loss)


def _params(rs, sizes):
    ws = [tf.Variable(rs.randn(a, b).astype(np.float32) * 0.1) for a, b in zip(sizes, sizes[1:])]
    bs = [tf.Variable(np.zeros(b, np.float32)) for b in sizes[1:]]
    return ws, bs


def test_training_loop_of_100_identical_steps_compiles_once():
    rs = np.random.RandomState(0)
    x = tf.constant(rs.randn(16, 8).astype(np.float32))
    y = tf.constant(rs.randn(16, 1).astype(np.float32))
    params = _params(rs, [8, 12, 1])
    before = _backward.traces["gradient"]
    losses = [_mlp_step(x, y, params) for _ in range(100)]
    assert _backward.traces["gradient"] - before == 1
    assert losses[-1] < losses[0]  # the compiled program really trains


def test_new_shapes_compile_anew_and_old_ones_are_reused():
    rs = np.random.RandomState(1)
    params = _params(rs, [4, 6, 1])
    before = _backward.traces["gradient"]
    for batch in (3, 5, 3, 5):
        x = tf.constant(rs.randn(batch, 4).astype(np.float32))
        y = tf.constant(rs.randn(batch, 1).astype(np.float32))
        _mlp_step(x, y, params)
    assert _backward.traces["gradient"] - before == 2


def test_python_scalars_are_arguments_not_constants():
    x = tf.Variable(2.0)
    before = _backward.traces["gradient"]
    grads = []
    for c in (1.0, 2.0, 3.0, 4.0):
        with tf.GradientTape() as tape:
            y = x * c
        grads.append(float(tape.gradient(y, x)))
    assert grads == [1.0, 2.0, 3.0, 4.0]
    assert _backward.traces["gradient"] - before == 1


def test_variable_values_are_arguments():
    v = tf.Variable(1.0)
    seen = []
    before = _backward.traces["gradient"]
    for value in (1.0, 2.0, 3.0):
        v.assign(value)
        with tf.GradientTape() as tape:
            y = v * v
        seen.append(float(tape.gradient(y, v)))
    assert seen == [2.0, 4.0, 6.0]
    assert _backward.traces["gradient"] - before == 1


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_backward._programs, "limit", 3)
    x = tf.constant(1.0)
    for n in range(1, 8):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(n):  # a different structure each time
                y = y * x
        assert float(tape.gradient(y, x)) == pytest.approx(n + 1)
    assert len(_backward._programs) <= 3


def test_backward_does_not_rerun_the_forward_ops():
    calls = []
    from tapejax._ops import math_ops

    op = math_ops.OPS["sin"]
    original = op.fn

    def counting_sin(a):
        calls.append(1)
        return original(a)

    op.fn = counting_sin
    op.kernels.clear()
    try:
        x = tf.constant(0.5)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.sin(x)
        forward_traces = len(calls)
        g = tape.gradient(y, x)
        # The backward traces the pullback once (to build the program), never runs sin eagerly again.
        assert len(calls) - forward_traces <= 1
        assert float(g) == pytest.approx(np.cos(0.5))
    finally:
        op.fn = original
        op.kernels.clear()


def _backward_programs():
    rs = np.random.RandomState(3)
    w = tf.Variable(rs.randn(4, 3).astype(np.float32))
    b = tf.Variable(rs.randn(3).astype(np.float32))
    x = tf.constant(rs.randn(5, 4).astype(np.float32))
    v = tf.constant(rs.randn(5, 4).astype(np.float32))

    def mlp():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.relu(x @ w + b) ** 2)
        return tape.gradient(loss, [w, b])

    def two_targets_and_unconnected():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y1 = tf.reduce_sum(tf.sin(x @ w))
            y2 = tf.reduce_sum(b * b)
        return tape.gradient([y1, y2], [x, w, b, tf.Variable(1.0)])

    def hessian_vector_product():
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.tanh(x @ w) ** 2)
            g = inner.gradient(y, x)
            gv = tf.reduce_sum(g * v)
        return [outer.gradient(gv, x)]

    return {"mlp": mlp, "two_targets": two_targets_and_unconnected, "hvp": hessian_vector_product}


@pytest.mark.parametrize("name", ["mlp", "two_targets", "hvp"])
def test_a_backward_on_deferred_values_matches_one_on_computed_values(name, monkeypatch):
    program = _backward_programs()[name]
    deferred = program()
    monkeypatch.setattr(_lazy, "ENABLED", False)  # every op runs at once: the saved values are arrays
    computed = program()
    saved, replayed = computed, deferred
    assert [g is None for g in saved] == [g is None for g in replayed]
    for a, b in zip(saved, replayed):
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_output_dependencies_follow_nested_programs():
    import jax

    inner = jax.jit(lambda a, b: (a * 2.0, b + a))

    def f(x, y, z):
        p, q = inner(x, y)
        return p, q * 0.0, jnp.sin(z) + 1.0, jnp.float32(3.0)

    jaxpr = jax.make_jaxpr(f)(1.0, 2.0, 3.0).jaxpr
    assert _backward._output_dependencies(jaxpr) == [0b001, 0b011, 0b100, 0]


def test_a_recorded_gradient_reads_only_the_inputs_it_depends_on():
    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, y])
        with tf.GradientTape() as inner:
            inner.watch([x, y])
            z = x * y
        gx, gy = inner.gradient(z, [x, y])
    # one gradient entry per output: gx = seed * y reads y's slot, gy = seed * x reads x's
    slot_x, slot_y = outer._tape.local_of[x._id], outer._tape.local_of[y._id]
    reads = [{r for r in in_refs if r >= 0} for _, in_refs, _ in outer._tape.entries[-2:]]
    assert sorted(reads, key=sorted) == sorted([{slot_y}, {slot_x}], key=sorted)
    dgx = outer.gradient(gx, [x, y])
    assert dgx[0] is None and float(dgx[1]) == 1.0
