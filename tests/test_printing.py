"""tf.print (tapejax/_printing.py): TF's text eagerly and at each call of a compiled function.

The exact text of each kind of value is compared with TensorFlow's in
compat_tests/test_surface_compat.py; these tests pin tapejax's own paths (streams, traces, formats).
"""

import logging
import sys

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax import _printing


def test_print_writes_to_the_current_sys_stdout(capsys):
    tf.print("a", tf.constant([1, 2]), output_stream=sys.stdout)
    assert capsys.readouterr().out == "a [1 2]\n"


def test_print_writes_to_sys_stderr_by_default(capsys):
    tf.print(tf.constant(0.5))
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "0.5\n")


def test_print_at_each_call_of_a_function(capsys):
    @tf.function
    def step(x):
        tf.print("x:", x, output_stream=sys.stdout)
        return x + 1

    step(tf.constant(1))
    step(tf.constant(2))
    jax.effects_barrier()
    assert capsys.readouterr().out == "x: 1\nx: 2\n"
    assert step.experimental_get_tracing_count() == 1


def test_print_of_a_string_alone_inside_a_function_prints_each_call(capsys):
    @tf.function
    def step(x):
        tf.print("step", output_stream=sys.stdout)
        return x * 2

    for _ in range(3):
        step(tf.constant(1.0))
    jax.effects_barrier()
    assert capsys.readouterr().out == "step\n" * 3


def test_print_of_a_deferred_tensor_reads_its_value(capsys):
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape():
        y = v * 3.0
        tf.print(y, output_stream=sys.stdout)
    assert capsys.readouterr().out == "[3 6]\n"


def test_print_to_a_logging_level_writes_to_tapejax_logger(caplog):
    with caplog.at_level(logging.INFO, logger="tapejax"):
        tf.print("logged", tf.constant(3), output_stream=logging.INFO)
    assert [r.getMessage() for r in caplog.records] == ["logged 3"]


def test_print_rejects_a_file_object_as_tf(tmp_path):
    with open(tmp_path / "f.txt", "w") as f, pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print(1, output_stream=f)


def test_format_array_shows_every_element_with_summarize_minus_one():
    assert _printing.format_array(np.arange(8), -1) == "[0 1 2 3 4 5 6 7]"
    assert _printing.format_array(np.arange(8), 3) == "[0 1 2 ... 5 6 7]"


def test_float_text_rounds_trip_at_the_shortest_tf_precision():
    for value in [np.float32(1 / 3), np.float32(0.1), np.float32(123456789.0), np.float32(1e-30)]:
        text = _printing._float_text(value, True)
        assert np.float32(text) == value
    for value in [1 / 3, 0.1, 2.0 ** 0.5]:
        assert float(_printing._float_text(np.float64(value), False)) == value
