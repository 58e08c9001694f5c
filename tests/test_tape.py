"""GradientTape internals: what is recorded, released, and kept per thread."""

import gc
import threading
import weakref

import numpy as np
import pytest

import tapejax as tf
from tapejax import _context, _record


def test_ops_without_a_watched_input_are_not_recorded():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.watch(y)
        z = y * 3.0
    assert len(tape._tape.entries) == 1
    assert float(tape.gradient(z, y)) == 3.0


def test_no_tape_means_no_recording_state():
    assert _context.current.recording == []
    x = tf.constant(1.0) + 1.0
    assert float(x) == 2.0
    assert _context.current.recording == []


def test_non_persistent_tape_releases_saved_values_after_gradient():
    x = tf.Variable(np.ones((64, 64), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * x)
    recorder = weakref.ref(tape._tape)
    tape.gradient(y, x)
    assert tape._tape is None
    del y
    gc.collect()
    assert recorder() is None


def test_persistent_tape_keeps_values_until_deleted():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    first = float(tape.gradient(y, x))
    second = float(tape.gradient(y, x))
    assert first == second == 4.0
    recorder = weakref.ref(tape._tape)
    del tape
    gc.collect()
    assert recorder() is None


def test_exception_inside_block_pops_tape():
    x = tf.Variable(1.0)
    tape = tf.GradientTape()
    with pytest.raises(ZeroDivisionError):
        with tape:
            _ = x * 2.0
            raise ZeroDivisionError
    assert _context.current.recording == []
    assert tape._recording is False


def test_tape_stack_is_thread_local():
    x = tf.Variable(3.0)
    results = {}

    def worker():
        results["stack"] = list(_context.current.recording)
        results["y"] = x * x

    with tf.GradientTape() as tape:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        y_here = x * x
    assert results["stack"] == []
    assert tape.gradient([results["y"], y_here], x).numpy() == pytest.approx(6.0)


def test_variable_read_after_assign_is_a_new_slot():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        a = v * v
        v.assign_sub(1.0)
        b = v * v
        total = a + b
    assert len(tape._tape.var_slots[v._id]) == 2
    # d(a + b)/dv sums over both reads: 2*2 + 2*1
    assert float(tape.gradient(total, v)) == pytest.approx(6.0)


def test_same_variable_read_twice_without_assign_shares_a_slot():
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = v * v + v
    assert len(tape._tape.var_slots[v._id]) == 1
    assert float(tape.gradient(y, v)) == pytest.approx(5.0)


def test_structural_key_is_independent_of_tensor_identity():
    keys = []
    for value in (1.0, 2.0):
        x = tf.constant(value)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            tf.sin(x) * x
        keys.append(tape._tape.structure)
    assert keys[0] == keys[1]


def _structure_of(op, shape):
    x = tf.constant(np.ones(shape, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        op(x)
    return tape._tape.structure


def test_structural_key_differs_for_different_ops_and_shapes():
    assert _structure_of(tf.sin, (2,)) == _structure_of(tf.sin, (2,))
    assert _structure_of(tf.sin, (2,)) != _structure_of(tf.cos, (2,))
    assert _structure_of(tf.sin, (2,)) != _structure_of(tf.sin, (3,))


def test_a_cleared_structure_table_never_gives_a_structure_another_ones_id(monkeypatch):
    monkeypatch.setattr(_record, "MAX_STRUCTURE_IDS", 2)
    owner = {}
    for op in (tf.sin, tf.cos, tf.sin, tf.tanh, tf.cos, tf.sin):
        assert owner.setdefault(_structure_of(op, (2,)), op) is op
    assert len(_record._structure_ids) <= 2
    x = tf.constant([0.5, 1.0])
    for op, derivative in ((tf.sin, np.cos), (tf.cos, lambda v: -np.sin(v)), (tf.sin, np.cos)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(x)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), derivative(x.numpy()), rtol=1e-6)


def test_a_recorded_structure_gives_output_shapes_without_evaluating_the_kernel(monkeypatch):
    from tapejax import _lazy
    w = tf.Variable(np.ones((3, 4), np.float32))
    x = tf.constant(np.ones((2, 3), np.float32))

    def record():
        with tf.GradientTape() as tape:
            y = tf.nn.relu(tf.matmul(x, w)) * 2.0
        return tape, y

    record()  # the structure's output shapes are learnt here
    evaluated = []
    real = _lazy.output_avals
    monkeypatch.setattr(_lazy, "output_avals", lambda *a: evaluated.append(a) or real(*a))
    tape, y = record()
    assert evaluated == []
    assert (y.shape, y.dtype) == ((2, 4), tf.float32)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), np.full((3, 4), 4.0, np.float32))


def test_an_op_that_fails_while_recording_leaves_the_tape_as_it_was():
    w = tf.Variable(np.ones((3, 4), np.float32))
    v = tf.Variable(np.ones((5, 5), np.float32))
    x = tf.constant(np.ones((2, 3), np.float32))
    with tf.GradientTape() as clean:
        y = tf.matmul(x, w)
    with tf.GradientTape() as tape:
        with pytest.raises(tf.errors.InvalidArgumentError):
            x + v  # (2, 3) + (5, 5): a new read of v, then a shape error
        y = tf.matmul(x, w)
    recorder = tape._tape
    assert recorder.structure == clean._tape.structure
    assert len(recorder.values) == len(clean._tape.values)
    assert v._id not in recorder.var_read and recorder.var_slots.get(v._id, []) == []
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), np.full((3, 4), 2.0, np.float32))
