"""Explanations of None gradients and retraces: each case of TF's autodiff guide ("Cases where
gradient returns None") names its cause and the user's line."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tapejax as tf
import tapejax.explain
from tapejax.explain import NoneGradientWarning, RetraceWarning

HERE = os.path.abspath(__file__)


@pytest.fixture
def explain():
    tapejax.explain.enable()
    yield
    tapejax.explain.disable()


def _line_of(marker):
    with open(HERE) as f:
        for i, line in enumerate(f, 1):
            if line.rstrip().endswith(f"# {marker}"):
                return f"{HERE}:{i}"
    raise AssertionError(marker)


def _only_warning(record):
    found = [w for w in record if issubclass(w.category, NoneGradientWarning)]
    assert len(found) == 1, [str(w.message) for w in record]
    return found[0]


def test_a_variable_replaced_by_a_tensor_is_named_with_the_line_that_replaced_it(explain):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x + 1
    assert tape.gradient(y, x).numpy() == 1.0
    x = x + 1  # replaced
    with tf.GradientTape() as tape:
        y = x + 1
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, x) is None
    w = _only_warning(record)
    assert "not the Variable 'Variable:0' but a Tensor computed from it by AddV2 at " \
           f"{_line_of('replaced')}" in str(w.message)
    assert "assign_add" in str(w.message)
    assert (w.filename, w.lineno) == (HERE, record[0].lineno)


def test_a_calculation_in_numpy_cuts_the_path_at_the_numpy_call(explain):
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        x2 = x ** 2
        y = np.mean(x2, axis=0)  # numpy
        y = tf.reduce_mean(y, axis=0)
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, x) is None
    message = str(_only_warning(record).message)
    assert f"cut by leaving tapejax at {_line_of('numpy')}" in message
    assert "NumPy conversion" in message


def test_numpy_and_float_of_a_tracked_tensor_name_the_conversion(explain):
    a = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        z = a * 3.0
        y1 = tf.constant(z.numpy()) * 2.0  # dot-numpy
        y2 = tf.constant(float(z)) * 2.0  # float
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y1, a) is None
    assert f"at {_line_of('dot-numpy')}: .numpy() turned a Tensor" in str(_only_warning(record).message)
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y2, a) is None
    # both conversions cut paths from `a`: the first one met is named
    assert "cut by leaving tapejax" in str(_only_warning(record).message)


def test_an_integer_source_is_explained_by_its_dtype(explain):
    x = tf.constant(10)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    with pytest.warns(NoneGradientWarning) as record:
        assert g.gradient(y, x) is None
    assert "its dtype is int32: gradients exist only for floating-point" in str(_only_warning(record).message)


def test_a_path_through_an_assignment_names_the_assigned_variable_and_line(explain):
    x0 = tf.Variable(3.0)
    x1 = tf.Variable(0.0, name="x1")
    with tf.GradientTape() as tape:
        x1.assign_add(x0)  # stateful
        y = x1 ** 2
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, x0) is None
    assert (f"through an assignment to Variable 'x1:0' at {_line_of('stateful')}"
            in str(_only_warning(record).message))


def test_an_unwatched_constant_gets_the_watch_fix(explain):
    c = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = c * c
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, c) is None
    assert "never watched" in str(_only_warning(record).message)
    assert "tape.watch(x)" in str(_only_warning(record).message)


def test_a_non_trainable_variable_is_named_by_its_position_in_the_sources(explain):
    v = tf.Variable(3.0, trainable=False, name="frozen")
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = v * w
    with pytest.warns(NoneGradientWarning) as record:
        grads = tape.gradient(y, {"a": [w, v]})
    assert grads["a"][1] is None and grads["a"][0].numpy() == 3.0
    message = str(_only_warning(record).message)
    assert message.startswith("gradient() returned None for sources['a'][1] (Variable 'frozen:0'): "
                              "it is a non-trainable Variable")


def test_stop_gradient_names_its_line(explain):
    w = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(w * 2.0) * 3.0  # stop
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, w) is None
    assert f"cut by tf.stop_gradient at {_line_of('stop')}" in str(_only_warning(record).message)


def test_an_op_without_a_gradient_names_the_op_and_line(explain):
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.cast(tf.argmax(tf.stack([a, b])), tf.float32)  # argmax
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, a) is None
    message = str(_only_warning(record).message)
    assert f"an op without a gradient, at {_line_of('argmax')}" in message


def test_a_target_that_does_not_depend_on_a_source_says_so(explain):
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * 2.0
    with pytest.warns(NoneGradientWarning) as record:
        grads = tape.gradient(y, [a, b])
    assert grads[0].numpy() == 2.0 and grads[1] is None
    assert "sources[1]" in str(_only_warning(record).message)
    assert "the target does not depend on it" in str(_only_warning(record).message)


def test_stop_recording_names_its_line(explain):
    a = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():  # paused
            y = a * 2.0
    with pytest.warns(NoneGradientWarning) as record:
        assert tape.gradient(y, a) is None
    assert f"the tape stopped recording at {_line_of('paused')}" in str(_only_warning(record).message)


def test_jacobian_nones_are_explained_too(explain):
    a, b = tf.Variable([1.0, 2.0]), tf.Variable([3.0])
    with tf.GradientTape() as tape:
        y = a * 2.0
    with pytest.warns(NoneGradientWarning) as record:
        jac = tape.jacobian(y, [a, b])
    assert jac[1] is None
    assert str(_only_warning(record).message).startswith("jacobian() returned None for sources[1]")


def test_a_retrace_names_what_changed_and_the_calls_line(explain):
    @tf.function
    def f(x, n):
        return x * n

    with warnings.catch_warnings():
        warnings.simplefilter("error", RetraceWarning)
        f(tf.constant(1.0), 2)  # the first trace is not a retrace
    with pytest.warns(RetraceWarning) as record:
        f(tf.constant(1.0), 3)  # retrace
    message = str(record[0].message)
    assert f"f traced again (trace 2) at {_line_of('retrace')}" in message
    assert "Python value 2 became 3" in message
    with pytest.warns(RetraceWarning, match="tensor"):
        f(tf.constant([1.0, 2.0]), 3)


def test_nothing_is_explained_while_explanations_are_off():
    assert not tapejax.explain.is_enabled()
    c = tf.constant(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", tapejax.explain.ExplainWarning)
        with tf.GradientTape() as tape:
            y = c * c
        assert tape.gradient(y, c) is None

        @tf.function
        def f(x, n):
            return x * n
        f(c, 1)
        f(c, 2)


def test_the_environment_variable_turns_explanations_on_at_import():
    script = ("import warnings, tapejax as tf\nwarnings.simplefilter('always')\nc = tf.constant(1.0)\n"
              "with tf.GradientTape() as t:\n    y = c * 2.0\nprint(t.gradient(y, c))\n")
    env = dict(os.environ, TAPEJAX_EXPLAIN="1")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(os.path.dirname(HERE)), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"
    assert "NoneGradientWarning: gradient() returned None for the source" in done.stderr
    assert "never watched" in done.stderr
