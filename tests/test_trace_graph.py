"""A function trace's graph (tapejax/_trace_graph.py): TF's op names, and its recorded ops run on other shapes."""

import numpy as np
import pytest

import tapejax as tf
from tapejax import _trace_graph


def test_unique_names_follow_tf_graph_unique_name_case_insensitively():
    # TF 2.21: tf.Graph().unique_name over this sequence of requests
    names = _trace_graph.TraceGraph()
    requested = ["add", "Add", "add_1", "ADD", "Sum", "sum", "blk/mul", "blk/mul", "mul"]
    assert [names.unique(n) for n in requested] == [
        "add", "Add_1", "add_1_1", "ADD_2", "Sum", "sum_1", "blk/mul", "blk/mul_1", "mul"]


def test_eager_tensors_have_no_name_and_eager_ops_pay_no_naming():
    x = tf.constant(1.0) + 1.0
    assert not hasattr(x, "_name")
    with pytest.raises(AttributeError, match="eager execution"):
        _ = x.name


def test_a_concrete_function_called_with_another_shape_runs_its_recorded_ops_without_tracing():
    state = {"bias": 1.0}

    @tf.function
    def f(x):
        return x * 2.0 + state["bias"]

    concrete = f.get_concrete_function(tf.constant(1.0))
    state["bias"] = 10.0
    assert concrete(tf.constant([1.0, 2.0])).numpy().tolist() == [3.0, 5.0]  # the traced bias
    assert f.experimental_get_tracing_count() == 1


def test_a_trace_its_recorded_ops_do_not_cover_is_traced_again_for_another_shape():
    state = {"bias": 1.0}

    @tf.function
    def f(x):
        return x * 2.0 + state["bias"] + 0.0 * tf.random.uniform([])  # a random draw: not recorded

    concrete = f.get_concrete_function(tf.constant(1.0))
    state["bias"] = 10.0
    assert concrete(tf.constant([1.0, 2.0])).numpy().tolist() == [12.0, 14.0]  # traced again: bias now
    assert f.experimental_get_tracing_count() == 2


def test_a_replay_binds_only_when_every_input_it_reads_is_an_argument():
    graph = _trace_graph.TraceGraph()
    x = np.float32(2.0)
    out = _trace_graph.run_recorded(np.multiply, (x, x))
    graph.entries.append((np.multiply, (x, x), (out,), False, False))
    replay = _trace_graph.replay_program(graph, [(("T", 0), x)], [out])
    assert replay.bound([("T", 1)]) is None
    assert replay.bound([("T", 0)])(np.float32(3.0)) == [9.0]
