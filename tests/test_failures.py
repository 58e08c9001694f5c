"""Failures lose nothing: a deferred step whose program fails raises at the read, naming the op, and
leaves every Variable with its last value computed successfully; Ctrl-C at any point of a step
leaves every Variable readable."""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax import _lazy
from tapejax._ops.array_ops import ARRAY


def _problem(seed):
    rs = np.random.RandomState(seed)
    x = tf.constant(rs.randn(8, 4).astype(np.float32))
    y = tf.constant(rs.randn(8, 1).astype(np.float32))
    return x, y, tf.Variable(rs.randn(4, 1).astype(np.float32))


def _step(x, y, w, lr=0.1, tile=False):
    with tf.GradientTape() as tape:
        pred = tf.matmul(x, w)
        if tile:  # the op that fails
            pred = tf.reduce_mean(tf.reshape(tf.tile(pred, [1, 3]), [8, 3]), axis=1, keepdims=True)
        loss = tf.reduce_mean((pred - y) ** 2)
    (g,) = tape.gradient(loss, [w])
    w.assign_sub(lr * g)
    return loss


@pytest.fixture
def failing_tile(monkeypatch):
    """Tile fails when it runs (shapes still infer), as an op too big for the device would, and so
    does any fused program: a step containing Tile cannot be computed."""
    real = ARRAY["tile"].fn

    def refuse(x):
        raise MemoryError("Out of memory while trying to allocate (simulated)")

    def tile(x, multiples):  # runs on the device: the failure comes when the op runs, not at the op
        stopped = jax.lax.stop_gradient(x)  # (a callback has no derivative: add it as a constant 0)
        zero = jax.pure_callback(refuse, jax.ShapeDtypeStruct(x.shape, x.dtype), stopped) * 0
        return real(x + jax.lax.stop_gradient(zero), multiples)

    monkeypatch.setattr(ARRAY["tile"], "fn", tile)
    monkeypatch.setattr(ARRAY["tile"], "kernels", {})

    def failing_program(*args):
        raise MemoryError("RESOURCE_EXHAUSTED: Out of memory (simulated, whole program)")

    lookup = _lazy._programs.lookup
    monkeypatch.setattr(_lazy._programs, "lookup", lambda key: failing_program)
    yield
    monkeypatch.setattr(_lazy._programs, "lookup", lookup)


def _expected(seed, steps):
    x, y, w = _problem(seed)
    for _ in range(steps):
        _step(x, y, w).numpy()
    return w.numpy()


def test_a_failed_step_raises_at_the_read_naming_the_op_and_keeps_the_earlier_update(failing_tile):
    after_one = _expected(1, 1)
    x, y, w = _problem(1)
    _step(x, y, w)  # a good update, still pending
    assert type(w._stored) is _lazy.Pending
    loss = _step(x, y, w, tile=True)  # its update must be dropped
    with pytest.raises(jax.errors.JaxRuntimeError, match="failed while running Tile") as raised:
        loss.numpy()
    assert "keep their previous values" in str(raised.value)
    # the user's line that recorded the failing op (the tf.tile call in _step)
    tile_line = next(i for i, line in enumerate(open(__file__), 1) if "tf.tile(pred" in line)
    assert f"(recorded at {__file__}:{tile_line})" in str(raised.value)
    np.testing.assert_allclose(w.numpy(), after_one, rtol=1e-6)
    with pytest.raises(jax.errors.JaxRuntimeError, match="Tile"):  # the failed value stays failed
        loss.numpy()
    assert not _lazy._writes


def test_the_step_after_a_failed_one_runs_normally_and_the_model_can_be_saved(failing_tile, monkeypatch,
                                                                             tmp_path):
    x, y, w = _problem(2)
    with pytest.raises(jax.errors.JaxRuntimeError, match="Tile"):
        _step(x, y, w, tile=True).numpy()
    start = _problem(2)[2].numpy()
    np.testing.assert_array_equal(w.numpy(), start)  # the failed step never happened
    monkeypatch.undo()
    for _ in range(2):
        _step(x, y, w)
    np.testing.assert_allclose(w.numpy(), _expected(2, 2), rtol=1e-6)
    path = tf.train.Checkpoint(w=w).write(str(tmp_path / "ckpt"))
    restored = tf.Variable(tf.zeros([4, 1]))
    tf.train.Checkpoint(w=restored).restore(path)
    np.testing.assert_array_equal(restored.numpy(), w.numpy())


def test_a_keras_optimizer_update_in_a_failed_step_is_dropped(failing_tile):
    x, y, w = _problem(3)
    optimizer = tf.keras.optimizers.Adam(0.1)
    with tf.GradientTape() as tape:
        pred = tf.reduce_mean(tf.reshape(tf.tile(tf.matmul(x, w), [1, 2]), [8, 2]), axis=1, keepdims=True)
        loss = tf.reduce_mean((pred - y) ** 2)
    optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    with pytest.raises(jax.errors.JaxRuntimeError, match="Tile"):
        w.numpy()
    np.testing.assert_array_equal(w.numpy(), _problem(3)[2].numpy())
    assert int(optimizer.iterations.numpy()) == 0


def test_a_program_that_fails_only_when_fused_still_gives_every_value(monkeypatch):
    expected = _expected(4, 2)
    x, y, w = _problem(4)

    def failing_program(*args):
        raise MemoryError("RESOURCE_EXHAUSTED: Out of memory (simulated)")

    monkeypatch.setattr(_lazy._programs, "lookup", lambda key: failing_program)
    losses = [_step(x, y, w) for _ in range(2)]
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)
    assert all(np.isfinite(loss.numpy()) for loss in losses)


_INTERRUPTED_LOOP = """
import os, signal, threading, time
import numpy as np
import tapejax as tf

rs = np.random.RandomState(5)
x = tf.constant(rs.randn(64, 32).astype(np.float32))
y = tf.constant(rs.randn(64, 1).astype(np.float32))
model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(1)])
model.build((None, 32))
optimizer = tf.keras.optimizers.Adam(1e-3)
w = tf.Variable(tf.ones([32, 1]))
counter = tf.Variable(0)

def step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) + tf.matmul(x, w) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables + [w])
    optimizer.apply_gradients(zip(grads[:-1], model.trainable_variables))
    w.assign_sub(0.01 * grads[-1])
    counter.assign_add(1)
    return loss

for _ in range(3):
    step().numpy()
interrupted = 0
for k in range(24):
    timer = threading.Timer(0.0005 * (k % 8 + 1), os.kill, (os.getpid(), signal.SIGINT))
    try:
        try:
            timer.start()
            for _ in range(200):
                step()
            float(counter.numpy())
            timer.join()
            time.sleep(0.05)  # an interrupt that came after the loop arrives here
        finally:
            timer.join()
    except KeyboardInterrupt:
        interrupted += 1
    for v in model.trainable_variables + [w, counter] + list(optimizer.variables):
        assert np.all(np.isfinite(v.numpy()))  # readable: never a donated buffer
before = int(counter.numpy())
step().numpy()
print("interrupted", interrupted, "counter_advanced", int(counter.numpy()) - before)
"""


def test_ctrl_c_at_many_points_of_a_training_loop_leaves_every_variable_readable():
    # its own process: the SIGINTs it sends itself must not reach the test runner
    done = subprocess.run([sys.executable, "-c", _INTERRUPTED_LOOP], capture_output=True, text=True,
                          timeout=300, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr[-3000:]
    words = done.stdout.split()
    assert words[0] == "interrupted" and int(words[1]) >= 12, done.stdout
    assert words[2:] == ["counter_advanced", "1"]
