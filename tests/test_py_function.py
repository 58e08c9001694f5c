"""tf.py_function / tf.numpy_function: eager calls, the trace-time probe, Tout checks."""

import numpy as np
import pytest

import tapejax as tf


def test_the_trace_time_probe_prints_nothing_and_each_call_runs_the_function(capsys):
    @tf.py_function(Tout=tf.float32)
    def noisy(x):
        print("ran")
        return x + 1.0

    f = tf.function(lambda x: noisy(x) * 2.0)
    assert f(tf.constant(1.0)).numpy() == 4.0
    assert f(tf.constant(2.0)).numpy() == 6.0
    assert capsys.readouterr().out == "ran\nran\n"


def test_py_function_output_count_must_match_tout():
    with pytest.raises(tf.errors.InvalidArgumentError, match="returned 1 values but Tout lists 2"):
        tf.py_function(lambda x: x, [tf.constant(1.0)], [tf.float32, tf.float32])


def test_numpy_function_inside_a_function_gets_host_arrays():
    seen = []

    def f(a):
        seen.append(type(a))
        return np.sort(a)
    out = tf.function(lambda a: tf.numpy_function(f, [a], tf.float32))(tf.constant([3.0, 1.0, 2.0]))
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0, 3.0])
    assert set(seen) == {np.ndarray}
