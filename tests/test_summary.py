"""tf.summary writers: file naming, buffering and flushing, the optional tensorboard dependency,
per-thread defaults, summaries inside `tapejax.function`, and no TensorFlow import."""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import tapejax as tf
from tapejax import _summary

pytest.importorskip("tensorboard")


def _events(logdir):
    """[(step, tag, value)] of the summaries in `logdir`, read with TensorBoard's record reader."""
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util
    out = []
    for name in sorted(os.listdir(logdir)):
        for event in event_file_loader.EventFileLoader(os.path.join(logdir, name)).Load():
            for value in event.summary.value:
                out.append((event.step, value.tag, tensor_util.make_ndarray(value.tensor)))
    return out


def test_file_is_named_as_tf_names_it(tmp_path):
    tf.summary.create_file_writer(str(tmp_path / "a")).close()
    tf.summary.create_file_writer(str(tmp_path / "b"), filename_suffix=".mine").close()
    (a,), (b,) = os.listdir(tmp_path / "a"), os.listdir(tmp_path / "b")
    parts = a.split(".")
    assert a.startswith("events.out.tfevents.") and a.endswith(".v2") and b.endswith(".mine")
    assert parts[3].isdigit() and str(os.getpid()) in parts


def test_events_are_buffered_until_max_queue_then_flushed(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=3, flush_millis=10 ** 9)
    with writer.as_default(step=0):
        tf.summary.scalar("x", 1.0)
        tf.summary.scalar("x", 2.0)
        assert _events(str(tmp_path)) == []
        tf.summary.scalar("x", 3.0)
        assert [float(v) for _, _, v in _events(str(tmp_path))] == [1.0, 2.0, 3.0]
        tf.summary.scalar("x", 4.0)
    # leaving as_default() flushes, as TF's
    assert [float(v) for _, _, v in _events(str(tmp_path))] == [1.0, 2.0, 3.0, 4.0]


def test_missing_tensorboard_raises_import_error_with_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(_summary, "_modules", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match=r"pip install \"tapejax\[summary\]\""):
        tf.summary.create_file_writer(str(tmp_path))


def test_default_writer_and_step_are_per_thread(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    seen = []
    with writer.as_default(step=4):
        thread = threading.Thread(target=lambda: seen.append(
            (bool(tf.summary.scalar("x", 1.0)), tf.summary.experimental.get_step())))
        thread.start()
        thread.join()
        assert bool(tf.summary.scalar("x", 1.0))
    assert seen == [(False, None)]


def test_traced_record_if_returns_the_traced_condition_and_writes_in_order(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def log(x):
        step.assign_add(1)
        with tf.summary.record_if(x > 0.0):
            first = tf.summary.scalar("a", x, step=step)
        second = tf.summary.scalar("b", -x, step=step)
        return first, second

    with writer.as_default():
        results = [log(tf.constant(v)) for v in (1.0, -1.0, 2.0)]
    assert [(bool(a), bool(b)) for a, b in results] == [(True, True), (False, True), (True, True)]
    assert [(s, t, float(v)) for s, t, v in _events(str(tmp_path))] == [
        (1, "a", 1.0), (1, "b", -1.0), (2, "b", 1.0), (3, "a", 2.0), (3, "b", -2.0)]


def test_a_summary_does_not_record_on_a_tape(tmp_path):
    x = tf.Variable([1.0, 2.0])
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=1):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(x * x)
            tf.summary.scalar("y", y)
            tf.summary.histogram("x", x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])


def test_writes_without_importing_tensorflow_and_flushes_at_exit(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        import tapejax as tf
        writer = tf.summary.create_file_writer({str(tmp_path)!r}, flush_millis=10 ** 9)
        writer.set_as_default(step=7)
        tf.summary.scalar("loss", 0.5)
        tf.summary.image("img", [[[[0.5]]]])
        assert "tensorflow" not in sys.modules, sorted(m for m in sys.modules if "tensorflow" in m)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    events = _events(str(tmp_path))
    assert [(s, t) for s, t, _ in events] == [(7, "loss"), (7, "img")] and float(events[0][2]) == 0.5


def test_a_function_called_under_a_tape_writes_once_per_call(tmp_path):
    x = tf.Variable([1.0, 2.0])

    @tf.function
    def loss(step):
        y = tf.reduce_sum(x * x)
        tf.summary.scalar("y", y, step=step)
        return y

    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        for i in range(2):
            with tf.GradientTape() as tape:
                y = loss(tf.constant(i, tf.int64))
            np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])
    assert [(s, t) for s, t, _ in _events(str(tmp_path))] == [(0, "y"), (1, "y")]


def test_trace_collection_hooks_function_calls_only_while_a_trace_is_on(tmp_path):
    from tensorboard.compat.proto import config_pb2

    from tapejax import _function
    original = _function.Function._call_concrete
    step = tf.function(lambda x: tf.nn.relu(x) * 2.0)
    tf.summary.trace_on(graph=True)
    assert _function.Function._call_concrete is not original
    step(tf.constant([1.0, -1.0]))
    step(tf.constant([2.0, -2.0]))  # the same compiled call: one graph
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert tf.summary.trace_export("steps", step=3) is None
    assert _function.Function._call_concrete is original
    ((event_step, tag, value),) = _events(str(tmp_path))
    run_metadata = config_pb2.RunMetadata()
    run_metadata.ParseFromString(value[0])
    (graph,) = run_metadata.function_graphs
    ops = [n.op for n in graph.pre_optimization_graph.node]
    assert ops[0] == "_Arg" and ops[-1] == "_Retval" and "relu" in ops and (event_step, tag) == (3, "steps")
