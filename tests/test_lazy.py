"""Deferred forward: ops under a tape run fused with the gradient, or when a value is read."""

import gc

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax import _backward, _lazy
from tapejax._lazy import Pending


def _mlp_problem(seed=0):
    rs = np.random.RandomState(seed)
    x = tf.constant(rs.randn(8, 4).astype(np.float32))
    y = tf.constant(rs.randn(8, 1).astype(np.float32))
    w1 = tf.Variable(rs.randn(4, 5).astype(np.float32))
    w2 = tf.Variable(rs.randn(5, 1).astype(np.float32))
    return x, y, [w1, w2]


def _mlp_loss(x, y, ws):
    h = tf.nn.relu(tf.matmul(x, ws[0]))
    return tf.reduce_mean((tf.matmul(h, ws[1]) - y) ** 2)


@pytest.fixture(autouse=True)
def _fresh_programs():
    """Each test starts with new backward programs (some count the programs they build)."""
    _backward.clear_cache()


def _programs_run():
    """Programs dispatched so far (every program, deferred or run at once, is the executor's)."""
    return _lazy.calls["force"]


@pytest.fixture
def eager_forward(monkeypatch):
    """Runs the block with deferral off (every op dispatched at once), for comparison."""
    def run(fn):
        monkeypatch.setattr(_lazy, "ENABLED", False)
        try:
            return fn()
        finally:
            monkeypatch.setattr(_lazy, "ENABLED", True)
    return run


def test_forward_and_backward_are_deferred_and_run_as_one_program():
    x, y, ws = _mlp_problem()
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    assert type(loss._v) is Pending
    ran = _programs_run()
    grads = tape.gradient(loss, ws)
    assert type(loss._v) is Pending and all(type(g._v) is Pending for g in grads)
    assert _programs_run() == ran  # nothing ran yet
    loss_value = float(loss)
    assert _programs_run() == ran + 1
    grad_values = [g.numpy() for g in grads]
    assert _programs_run() == ran + 1  # the loss's program computed the gradients too
    with tf.GradientTape() as tape:
        h = tf.nn.relu(tf.matmul(x, ws[0]))
        h.numpy()  # read inside the tape: the forward runs here, eagerly equal values below
        again = tf.reduce_mean((tf.matmul(h, ws[1]) - y) ** 2)
    np.testing.assert_allclose(loss_value, float(again), rtol=1e-6)
    for got, want in zip(grad_values, tape.gradient(again, ws)):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)


def _programs():
    def mlp():
        x, y, ws = _mlp_problem()
        with tf.GradientTape() as tape:
            loss = _mlp_loss(x, y, ws)
        return [loss] + tape.gradient(loss, ws)

    def read_inside_tape():
        x, y, ws = _mlp_problem(1)
        with tf.GradientTape() as tape:
            loss = _mlp_loss(x, y, ws)
            scale = 2.0 if float(loss) > 0 else 3.0  # Python control flow on a deferred value
            loss2 = loss * scale
        return [loss2] + tape.gradient(loss2, ws)

    def persistent_two_gradients():
        x, y, ws = _mlp_problem(2)
        with tf.GradientTape(persistent=True) as tape:
            h = tf.tanh(tf.matmul(x, ws[0]))
            a = tf.reduce_sum(h)
            b = tf.reduce_sum(h * h)
        return [tape.gradient(a, ws[0]), tape.gradient(b, ws[0]), tape.gradient([a, b], h)]

    def hessian_vector_product():
        x, _, ws = _mlp_problem(3)
        v = tf.ones((4, 5))
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = tf.reduce_sum(tf.sin(tf.matmul(x, ws[0])) ** 2)
            g = inner.gradient(y, ws[0])
            gv = tf.reduce_sum(g * v)
        return [g, outer.gradient(gv, ws[0])]

    def jacobian():
        x, _, ws = _mlp_problem(4)
        with tf.GradientTape() as tape:
            out = tf.tanh(tf.matmul(x[:2], ws[0]))
        return [out, tape.jacobian(out, ws[0])]

    def stop_recording_and_stop_gradient():
        x, y, ws = _mlp_problem(5)
        with tf.GradientTape() as tape:
            h = tf.matmul(x, ws[0])
            with tape.stop_recording():
                c = tf.reduce_mean(h)
            loss = tf.reduce_sum(h * tf.stop_gradient(h)) + c
        return [loss, tape.gradient(loss, ws[0])]

    return {f.__name__: f for f in (mlp, read_inside_tape, persistent_two_gradients,
                                    hessian_vector_product, jacobian, stop_recording_and_stop_gradient)}


@pytest.mark.parametrize("name", sorted(_programs()))
def test_deferred_and_eager_forward_agree(name, eager_forward):
    program = _programs()[name]
    deferred = program()
    eager = eager_forward(program)
    assert len(deferred) == len(eager)
    for a, b in zip(deferred, eager):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_reading_a_deferred_value_computes_it_and_its_inputs_in_one_program():
    x, y, ws = _mlp_problem()
    with tf.GradientTape():
        h = tf.matmul(x, ws[0])
        r = tf.nn.relu(h)
        s = tf.reduce_sum(r)
    forced = _lazy.calls["force"]
    expected = np.sum(np.maximum(x.numpy() @ ws[0].numpy(), 0))
    np.testing.assert_allclose(float(s), expected, rtol=1e-5)
    assert _lazy.calls["force"] == forced + 1
    np.testing.assert_allclose(h.numpy(), x.numpy() @ ws[0].numpy(), rtol=1e-5)  # already computed
    assert _lazy.calls["force"] == forced + 1


def test_shape_errors_raise_at_the_op():
    v = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape():
        with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
            v + tf.ones((4,))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Matrix size-incompatible"):
            tf.matmul(v, tf.ones((2, 3)))


def test_a_deferred_read_sees_the_variable_as_it_was():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = v * 3.0
    assert type(y._v) is Pending
    v.assign([10.0, 20.0])
    v.assign_sub([1.0, 1.0])  # in place only when nothing holds the old value; the node does
    np.testing.assert_array_equal(y.numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [9.0, 19.0])


def test_ops_no_tape_tracks_run_at_once():
    c = tf.constant([1.0, 2.0])
    with tf.GradientTape():
        d = c * 2.0
        e = tf.argmax(c)  # no gradient: never deferred
    assert type(d._v) is not Pending and type(e._v) is not Pending


def test_forward_accumulator_sees_values():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
            y = x * x * x
        assert float(acc.jvp(y)) == 12.0
    assert float(tape.gradient(y, x)) == 12.0


def test_forced_nodes_release_their_inputs():
    x, _, ws = _mlp_problem()
    with tf.GradientTape():
        h = tf.matmul(x, ws[0])
    node = h._v.node
    h.numpy()
    assert node.inputs is None and node.results is not None


def test_caches_are_bounded(monkeypatch):
    monkeypatch.setattr(_lazy._programs, "limit", 3)
    monkeypatch.setattr(_lazy, "MAX_SHAPE_ENTRIES", 5)
    v = tf.Variable(1.0)
    for n in range(1, 9):
        with tf.GradientTape():
            y = tf.reduce_sum(tf.ones((n,)) * v)
        y.numpy()
    assert len(_lazy._programs) <= 3
    assert len(_lazy._shapes) <= 5


def _grads_of_mlp(seed=0):
    x, y, ws = _mlp_problem(seed)
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    return ws, tape.gradient(loss, ws)


def test_sgd_update_on_a_gradient_is_one_fused_program_that_donates_the_old_values(monkeypatch):
    ws, grads = _grads_of_mlp()
    expected = [w.numpy() - 0.1 * g.numpy() for w, g in zip(ws, grads)]
    ws, grads = _grads_of_mlp()
    # Reference cycles left by earlier tests in this worker may still hold arrays until the
    # collector runs; donation only reuses a buffer nothing else holds, so collect them first.
    gc.collect()
    old_ids = {id(w._array) for w in ws}
    decided = []
    donated_leaves = _lazy._donated_leaves

    def recording(writes, leaves, leaf_index, leaf_uses):
        donated = donated_leaves(writes, leaves, leaf_index, leaf_uses)
        decided.append(({id(leaves[i]) for i in donated}, [jax.typeof(leaf) for leaf in leaves], donated))
        return donated

    monkeypatch.setattr(_lazy, "_donated_leaves", recording)
    forced = _lazy.calls["force"]
    for w, g in zip(ws, grads):
        delta = 0.1 * g
        assert type(delta._v) is Pending  # deferred: fused into the update below
        w.assign_sub(delta)
    assert _lazy.calls["force"] == forced
    for w, e in zip(ws, expected):
        # atol: the fused kernel may round w - lr * g once (a fused multiply-add): 1 ulp at most
        np.testing.assert_allclose(w.numpy(), e, rtol=1e-6, atol=2e-7)
    assert _lazy.calls["force"] == forced + 1  # forward, backward and both updates: one program
    [(donated_ids, avals, donated)] = decided
    assert donated_ids == old_ids  # both old values are donated ...
    program = next(p for key, p in _lazy._programs.items() if key[2] == donated)
    donated_avals = [avals[i] for i in donated]
    kept_avals = [a for i, a in enumerate(avals) if i not in donated]
    lowered = program.lower(donated_avals, kept_avals).as_text()
    # ... and JAX pairs each with an output (whether XLA's schedule then reuses the buffer or copies
    # it is XLA's choice: a fused backward still reading the old value may need the copy)
    assert lowered.count("tf.aliasing_output") == len(ws)


def test_deferred_op_on_a_gradient_reads_and_chains_correctly():
    ws, grads = _grads_of_mlp(1)
    g = grads[0].numpy()
    delta = 0.5 * grads[0]
    doubled = delta * 2.0  # a deferred input outside a tape: runs now
    assert type(doubled._v) is not Pending
    np.testing.assert_allclose(doubled.numpy(), g, rtol=1e-6)
    np.testing.assert_allclose(delta.numpy(), 0.5 * g, rtol=1e-6)
    before = ws[0].numpy()
    ws[0].assign_add(delta)  # already computed: the plain update
    np.testing.assert_allclose(ws[0].numpy(), before + 0.5 * g, rtol=1e-6)


def test_fused_update_keeps_assign_errors():
    ws, grads = _grads_of_mlp(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot update variable with shape"):
        ws[1].assign_sub(0.1 * grads[0])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float64"):
        tf.Variable(np.zeros((4, 5))).assign_sub(0.1 * grads[0])  # float64 variable, float32 delta


def test_fused_update_spares_a_held_old_value():
    ws, grads = _grads_of_mlp(3)
    held = tf.identity(ws[0])
    view = ws[0].numpy()
    old = view.copy()
    ws[0].assign_sub(0.1 * grads[0])
    np.testing.assert_array_equal(held.numpy(), old)
    np.testing.assert_array_equal(view, old)


def test_a_forward_read_inside_the_tape_is_not_run_again_by_the_gradient():
    x, y, ws = _mlp_problem(6)
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws) * 1.5
        value = float(loss)  # computes the whole forward
    grads = tape.gradient(loss, ws)
    node = grads[0]._v.node
    # the backward reads the computed forward values: nothing of the forward is pending any more
    assert all(type(v) is not Pending or v.node.results is not None for v in node.inputs)
    ran = _programs_run()
    grad_values = [g.numpy() for g in grads]
    assert _programs_run() == ran + 1
    with tf.GradientTape() as tape:
        loss2 = _mlp_loss(x, y, ws) * 1.5
    grads2 = tape.gradient(loss2, ws)
    assert float(loss2) == pytest.approx(value, rel=1e-6)
    for a, b in zip(grad_values, grads2):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)


def test_a_persistent_tape_computes_its_deferred_forward_once():
    x, y, ws = _mlp_problem(7)
    with tf.GradientTape(persistent=True) as tape:
        loss = _mlp_loss(x, y, ws)
        other = tf.reduce_sum(tf.matmul(x, ws[0]) ** 2)
    forced = _lazy.calls["force"]
    g1 = tape.gradient(loss, ws)
    assert _lazy.calls["force"] == forced + 2  # the whole forward, then this gradient's program
    g2 = tape.gradient(other, ws[0])
    jac = tape.jacobian(loss, ws[1])
    assert _lazy.calls["force"] == forced + 4  # one program each: the forward is not run again
    with tf.GradientTape() as once:
        loss_again = _mlp_loss(x, y, ws)
    np.testing.assert_allclose(g1[0].numpy(), once.gradient(loss_again, ws)[0].numpy(), rtol=1e-5)
    np.testing.assert_allclose(jac.numpy(), g1[1].numpy(), rtol=1e-5, atol=1e-6)
    assert g2 is not None


def _sgd_steps(ws, x, y, steps, lr=0.1):
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _mlp_loss(x, y, ws)
        grads = tape.gradient(loss, ws)
        for w, g in zip(ws, grads):
            w.assign_sub(lr * g)
        losses.append(loss)
    return losses


def test_a_training_step_runs_as_one_program(eager_forward):
    x, y, ws = _mlp_problem(4)
    _sgd_steps(ws, x, y, 2)  # warm up: programs compiled
    forced = _lazy.calls["force"]
    losses = _sgd_steps(ws, x, y, 5)
    # the forward, backward and both updates of a step run together, in one program, when the
    # next step reads the variables (the first read runs the warm-up's last step); the last
    # step's when the values are read below
    assert _lazy.calls["force"] - forced == 5
    got = [w.numpy() for w in ws] + [float(loss) for loss in losses]
    assert _lazy.calls["force"] - forced == 6
    x, y, ws_eager = _mlp_problem(4)
    want = eager_forward(lambda: (_sgd_steps(ws_eager, x, y, 2),
                                  [float(loss) for loss in _sgd_steps(ws_eager, x, y, 5)])[1])
    want = [w.numpy() for w in ws_eager] + want
    for a, b in zip(got, want):
        # the fused update may round w - lr * g once (a fused multiply-add)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_held_loss_holds_neither_the_step_nor_its_gradients():
    x, y, ws = _mlp_problem(5)
    losses = _sgd_steps(ws, x, y, 3)
    ws[0].numpy()  # runs the last step
    for loss in losses:
        node = loss._v.node
        assert node.inputs is None and len(node.results) == 1  # the loss only, no gradient program
    assert all(np.isfinite(float(loss)) for loss in losses)


def test_variable_metadata_does_not_run_pending_updates():
    x, y, ws = _mlp_problem(6)
    _sgd_steps(ws, x, y, 1)
    forced = _lazy.calls["force"]
    assert ws[0].shape == (4, 5) and ws[0].dtype == tf.float32 and ws[0].ndim == 2
    assert ws[0]._stored.node.results is None and _lazy.calls["force"] == forced
    before = ws[1].numpy()  # a read runs every pending update
    assert ws[0]._stored.node.results is not None and _lazy.calls["force"] == forced + 1
    assert before.shape == (5, 1)


def test_an_assign_before_any_read_replaces_the_pending_update():
    x, y, ws = _mlp_problem(7)
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    grads = tape.gradient(loss, ws)
    expected_w2 = ws[1].numpy() - 0.1 * grads[1].numpy()
    ws[0].assign_sub(0.1 * grads[0])
    ws[1].assign_sub(0.1 * grads[1])
    ws[0].assign(np.ones((4, 5), np.float32))
    assert ws[0]._id not in _lazy._writes
    np.testing.assert_array_equal(ws[0].numpy(), np.ones((4, 5), np.float32))
    np.testing.assert_allclose(ws[1].numpy(), expected_w2, rtol=1e-6, atol=1e-7)


def test_two_updates_before_a_read_both_apply():
    x, y, ws = _mlp_problem(8)
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    grads = tape.gradient(loss, ws)
    g = grads[0].numpy()
    start = ws[0].numpy()
    ws[0].assign_sub(0.1 * grads[0])
    ws[0].assign_add(0.5 * grads[0])
    np.testing.assert_allclose(ws[0].numpy(), start - 0.1 * g + 0.5 * g, rtol=1e-5, atol=1e-6)


def test_pending_updates_are_bounded(monkeypatch):
    monkeypatch.setattr(_lazy, "MAX_PENDING_WRITES", 2)
    x, y, ws = _mlp_problem(9)
    ws.append(tf.Variable(np.zeros((4, 5), np.float32)))
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws[:2]) + tf.reduce_sum(ws[2])
    grads = tape.gradient(loss, ws)
    expected = [w.numpy() - 0.1 * g.numpy() for w, g in zip(ws, grads)]
    for w, g in zip(ws, grads):
        w.assign_sub(0.1 * g)
        assert len(_lazy._writes) < 2
    for w, e in zip(ws, expected):
        np.testing.assert_allclose(w.numpy(), e, rtol=1e-6, atol=1e-7)


def test_a_deferred_update_spares_an_old_value_a_tape_still_holds():
    x, y, ws = _mlp_problem(10)
    with tf.GradientTape(persistent=True) as held:
        held_loss = tf.reduce_sum(ws[0] * ws[0])  # deferred: holds the variable's current array
    old = np.array(ws[0].numpy())
    _sgd_steps(ws, x, y, 2)
    assert not np.allclose(ws[0].numpy(), old)
    np.testing.assert_allclose(held.gradient(held_loss, ws[0]).numpy(), 2 * old, rtol=1e-6)
    np.testing.assert_allclose(float(held_loss), float(np.sum(old * old)), rtol=1e-6)


def test_a_gradient_nothing_holds_is_not_returned_but_a_held_one_is(eager_forward):
    def step(ws):
        with tf.GradientTape() as tape:
            loss = _mlp_loss(x, y, ws)
        return tape.gradient(loss, ws)

    x, y, ws_eager = _mlp_problem(11)
    want = [g.numpy() for g in eager_forward(lambda: step(ws_eager))]
    x, y, ws = _mlp_problem(11)
    grads = step(ws)
    held = grads[1]
    node = held._v.node
    for w, g in zip(ws, grads):
        w.assign_sub(0.1 * g)
    del grads, g
    ws[0].numpy()  # runs the step: the update used gradient 0, nothing outside holds it
    assert node.results[0] is None and node.results[1] is not None
    np.testing.assert_allclose(held.numpy(), want[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ws[0].numpy(), ws_eager[0].numpy() - 0.1 * want[0], rtol=1e-5, atol=1e-6)


def test_an_intermediate_held_after_the_gradient_comes_from_the_same_program(eager_forward):
    def step(ws):
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(tf.matmul(x, ws[0]))
            logits = tf.matmul(hidden, ws[1])
            loss = tf.reduce_mean((logits - y) ** 2)
        return logits, loss, tape.gradient(loss, ws)

    x, y, ws = _mlp_problem(12)
    want = eager_forward(lambda: [t.numpy() if not isinstance(t, list) else [g.numpy() for g in t]
                                  for t in step(ws)])
    traces = _lazy.traces["force"]
    for _ in range(3):
        ran = _programs_run()
        logits, loss, grads = step(ws)
        got = [logits.numpy(), loss.numpy(), [g.numpy() for g in grads]]
        assert _programs_run() == ran + 1  # the forward did not run a second time
    assert _lazy.traces["force"] - traces <= 1  # and that program compiled once
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-6)
    for a, b in zip(got[2], want[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_deferred_values_and_updates_read_inside_a_function_trace_are_concrete():
    x, y, ws = _mlp_problem(13)
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    grads = tape.gradient(loss, ws)
    ws[1].assign_sub(0.1 * grads[1])  # a pending update, read first by the trace below

    @tf.function
    def use():
        return tf.reduce_sum(ws[1]) + loss * 2.0 + tf.reduce_sum(grads[0])

    got = float(use())
    again = float(use())  # the compiled call: the captured values are constants of the trace
    expected_w2 = ws[1].numpy()
    want = float(np.sum(expected_w2)) + 2.0 * float(loss) + float(np.sum(grads[0].numpy()))
    np.testing.assert_allclose([got, again], [want, want], rtol=1e-5)


def test_a_long_chain_of_deferred_ops_runs_and_differentiates():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x
        for _ in range(400):
            y = y * 1.001
    grad = tape.gradient(y, x)
    np.testing.assert_allclose([float(y), float(grad)], [1.001 ** 400] * 2, rtol=1e-4)


def test_threads_training_their_own_variables_agree_with_one_thread():
    import threading

    def train(seed, out):
        x, y, ws = _mlp_problem(seed)
        losses = _sgd_steps(ws, x, y, 30)
        out[seed] = [float(loss) for loss in losses] + [w.numpy() for w in ws]

    alone, together = {}, {}
    for seed in (20, 21):
        train(seed, alone)
    threads = [threading.Thread(target=train, args=(seed, together)) for seed in (20, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (20, 21):
        for a, b in zip(alone[seed], together[seed]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_fused_program_that_fails_runs_its_ops_one_by_one_instead(monkeypatch, eager_forward):
    x, y, ws_eager = _mlp_problem(14)
    eager_forward(lambda: _sgd_steps(ws_eager, x, y, 1))
    expected = [w.numpy() for w in ws_eager]
    x, y, ws = _mlp_problem(14)
    _sgd_steps(ws, x, y, 1)
    pending = dict(_lazy._writes)
    assert len(pending) == 2

    def failing(*args):
        raise MemoryError("out of memory (simulated)")

    monkeypatch.setattr(_lazy._programs, "lookup", lambda key: failing)
    monkeypatch.setattr(_lazy._programs, "insert", lambda key, program: failing)
    for w, e in zip(ws, expected):  # each op fits alone: the read gets its value
        np.testing.assert_allclose(w.numpy(), e, rtol=1e-6, atol=1e-7)
    assert not _lazy._writes


def test_a_gradient_read_before_any_use_runs_with_its_forward_as_one_program(eager_forward):
    def step(ws):
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(tf.matmul(x, ws[0]))
            loss = tf.reduce_mean((tf.matmul(hidden, ws[1]) - y) ** 2)
        return hidden, loss, tape.gradient(loss, ws)

    x, y, ws = _mlp_problem(21)
    want = eager_forward(lambda: [t.numpy() if not isinstance(t, list) else [g.numpy() for g in t]
                                  for t in step(ws)])
    for _ in range(3):
        ran = _programs_run()
        hidden, loss, grads = step(ws)
        assert grads[0]._v.node.results is None and _programs_run() == ran  # deferred
        got = [[g.numpy() for g in grads], hidden.numpy(), loss.numpy()]
        assert _programs_run() == ran + 1  # the held hidden layer and the loss came with it
    np.testing.assert_allclose(got[1], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], want[1], rtol=1e-5, atol=1e-6)
    for a, b in zip(got[0], want[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_loss_read_after_the_gradient_computes_the_gradients_in_the_same_program():
    x, y, ws = _mlp_problem(24)
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    grads = tape.gradient(loss, ws)
    ran = _programs_run()
    float(loss)
    assert _programs_run() == ran + 1 and all(g._v.node.results is not None for g in grads)
    [g.numpy() for g in grads]
    assert _programs_run() == ran + 1


def test_gradients_that_feed_updates_stay_deferred():
    x, y, ws = _mlp_problem(22)

    def logged_step():  # logs its loss before the update
        with tf.GradientTape() as tape:
            loss = _mlp_loss(x, y, ws)
        grads = tape.gradient(loss, ws)
        float(loss)
        for w, g in zip(ws, grads):
            w.assign_sub(0.1 * g)

    for _ in range(3):
        logged_step()
        _sgd_steps(ws, x, y, 2)
    ws[0].numpy()
    with tf.GradientTape() as tape:
        loss = _mlp_loss(x, y, ws)
    grads = tape.gradient(loss, ws)
    assert grads[0]._v.node.results is None


def _hvp(a, x, v, seen=None):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.sin(tf.linalg.matvec(a, x)) ** 2)
        g = inner.gradient(y, x)
        if seen is not None:
            seen.append((_programs_run(), type(g._v) is Pending and g._v.node.results is None))
        gv = tf.reduce_sum(g * v)
    return g, outer.gradient(gv, x)


def test_a_gradient_inside_an_outer_tape_stays_deferred_and_runs_with_the_outer_one(eager_forward):
    rs = np.random.RandomState(23)
    a, x, v = (tf.constant(rs.randn(*s).astype(np.float32)) for s in ((6, 6), (6,), (6,)))
    want_g, want_hvp = (t.numpy() for t in eager_forward(lambda: _hvp(a, x, v)))
    for _ in range(3):
        ran, seen = _programs_run(), []
        g, hvp = _hvp(a, x, v, seen)
        assert seen == [(ran, True)]  # the inner gradient ran nothing: a deferred op on the outer tape
        np.testing.assert_allclose(hvp.numpy(), want_hvp, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g.numpy(), want_g, rtol=1e-5, atol=1e-6)
        assert _programs_run() == ran + 1  # forward, inner and outer backward (and g): one program
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.sin(tf.linalg.matvec(a, x)) ** 2)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), want_g, rtol=1e-5, atol=1e-6)  # read on its own
