"""tapejax.compare: a script runs on real TensorFlow and on tapejax; the first divergence is reported."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tapejax import compare
from tapejax.compare import Divergence, Line, Run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_tf = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                              reason="tapejax.compare needs real TensorFlow")

# One script for all the subprocess tests; its first argument picks what it does. Line numbers matter.
SCRIPT = textwrap.dedent("""\
    import sys
    import tensorflow as tf

    mode = sys.argv[1]
    x = tf.constant([1.0, 2.0])
    print(tf.reduce_sum(x))
    print(x.numpy(), "argv:", sys.argv[2:])
    tf.print("tf.print:", x * 2)
    if __name__ == "__main__":
        print("running as __main__")
    if mode == "agree":
        sys.exit(0)
    if mode == "random":
        tf.random.set_seed(1)
        print("uniform:", tf.random.uniform([3]).numpy())
        print("class:", type(x).__name__)
    if mode == "raise":
        layer_class = tf.keras.layers.TFSMLayer
        print("found", layer_class.__name__)
""")


def _compare(tmp_path, *script_args, flags=()):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    proc = subprocess.run([sys.executable, "-m", "tapejax.compare", "--parallel", "--json", "--timeout", "300",
                           *flags, str(script), *script_args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=700, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@needs_tf
def test_a_script_that_agrees_exits_0_with_each_line_and_its_printing_line(tmp_path):
    status, result = _compare(tmp_path, "agree", "a", "--b=1")
    assert (status, result["status"], result["divergence"]) == (0, 0, None)
    for backend in ("tensorflow", "tapejax"):
        run = result[backend]
        assert run["finished"] and run["status"] == 0 and run["exception"] is None
        assert run["seconds"] > 0 and run["script_seconds"] >= 0
        assert [(line["at"], line["stream"]) for line in run["lines"]] == [
            ("script.py:6", "stdout"), ("script.py:7", "stdout"), ("script.py:8", "tf.print"),
            ("script.py:10", "stdout")]
    assert [line["text"] for line in result["tensorflow"]["lines"]] == [
        "tf.Tensor(3.0, shape=(), dtype=float32)", "[1. 2.] argv: ['a', '--b=1']", "tf.print: [2 4]",
        "running as __main__"]


@needs_tf
def test_random_numbers_diverge_at_their_line_and_a_tolerance_that_covers_them_finds_the_next(tmp_path):
    status, result = _compare(tmp_path, "random")
    assert status == 1 and result["status"] == 1
    divergence = result["divergence"]
    assert divergence["kind"] == "line" and divergence["index"] == 4
    assert divergence["at"] == {"tensorflow": "script.py:15", "tapejax": "script.py:15"}
    assert divergence["text"]["tensorflow"].startswith("uniform: [")

    # every uniform number is within atol=1 of TF's: the first divergence is then the tensor's class name
    status, result = _compare(tmp_path, "random", flags=("--atol", "1"))
    assert status == 1
    divergence = result["divergence"]
    assert divergence["kind"] == "line" and divergence["at"]["tapejax"] == "script.py:16"
    assert divergence["text"] == {"tensorflow": "class: EagerTensor", "tapejax": "class: Tensor"}


@needs_tf
def test_an_exception_on_one_side_only_is_reported_with_its_line(tmp_path):
    status, result = _compare(tmp_path, "raise")
    assert status == 1
    divergence = result["divergence"]
    assert divergence["kind"] == "exception" and divergence["index"] == 4
    assert divergence["at"] == {"tapejax": "script.py:18"}
    assert divergence["text"]["tapejax"].startswith(
        "AttributeError: module 'tapejax.keras.layers' has no attribute 'TFSMLayer': TensorFlow 2.21 "
        "has `tf.keras.layers.TFSMLayer`")
    assert result["tensorflow"]["finished"] and not result["tapejax"]["finished"]
    assert result["tapejax"]["exception"]["exception"] == "AttributeError"


def test_without_tensorflow_compare_says_so_and_exits_3(tmp_path, monkeypatch, capsys):
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    monkeypatch.setattr(compare, "_tensorflow_available", lambda python: False)
    assert compare.main([str(script)]) == compare.NO_TENSORFLOW == 3
    assert "real TensorFlow cannot be imported" in capsys.readouterr().err


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert compare.main([]) == 2
    assert compare.main([str(tmp_path / "missing.py")]) == 2
    assert "no such script" in capsys.readouterr().err


def test_missing_lists_the_tf_names_a_namespace_lacks(capsys):
    assert compare.main(["--missing", "tf.keras.layers"]) == 0
    names = capsys.readouterr().out.split()
    assert "tf.keras.layers.TFSMLayer" in names and "tf.keras.layers.Dense" not in names
    assert compare.main(["--missing", "tf.nope"]) == 2


@pytest.mark.parametrize("tf_line,tapejax_line", [
    ("tf.Tensor(6.0, shape=(), dtype=float32)", "tf.Tensor(6.0000005, shape=(), dtype=float32)"),
    ("[1.        2.5       ]", "[1.  2.5]"),
    ("[[ 1.5 -2. ]\n", "[[ 1.5 -2. ]\n"),
    ("loss: nan acc: inf", "loss: nan acc: inf"),
    ("1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 25ms/step - loss: 0.6931", "1/1 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - loss: 0.6931"),
    ("InvalidArgumentError: {{function_node __wrapped__Reshape_device_/job:localhost}} bad [Op:Reshape]",
     "InvalidArgumentError: bad [Op:Reshape]"),
    ("step 3: 1e-05", "step 3: 1.0000001e-05"),
    ("\x1b[1m4/4\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 9ms/step - loss: 3.1275  ",
     "\x1b[1m4/4\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m1s\x1b[0m 631us/step - loss: 3.1275"),
])
def test_lines_agree_token_by_token_with_numbers_to_tolerance(tf_line, tapejax_line):
    assert compare.lines_match(tf_line, tapejax_line)


@pytest.mark.parametrize("tf_line,tapejax_line", [
    ("tf.Tensor(6.0, shape=(), dtype=float32)", "tf.Tensor(6.001, shape=(), dtype=float32)"),
    ("tf.Tensor(6.0, shape=(), dtype=float32)", "tf.Tensor(6.0, shape=(), dtype=float64)"),
    ("[1. 2.]", "[1. 2. 3.]"),
    ("EagerTensor", "Tensor"),
    ("loss: nan", "loss: 0.5"),
    ("value: inf", "value: -inf"),
])
def test_lines_differ_on_numbers_beyond_tolerance_and_on_any_other_text(tf_line, tapejax_line):
    assert not compare.lines_match(tf_line, tapejax_line)


def test_rtol_and_atol_set_the_tolerance():
    assert not compare.lines_match("x 100.0", "x 100.5")
    assert compare.lines_match("x 100.0", "x 100.5", rtol=0.01)
    assert compare.lines_match("x 100.0", "x 100.5", rtol=0, atol=0.5)


def test_numbers_inside_names_are_text():
    assert compare.tokens("float32 x1 conv2d_1 -3") == [
        ("text", "float32"), ("text", "x1"), ("text", "conv2d_1"), ("number", -3.0)]


def _run(backend, *texts, exception=None, status=0):
    run = Run(backend, [Line(t, f"s.py:{i + 1}") for i, t in enumerate(texts)], exception=exception,
              status=status)
    run.end = {"end": status, "seconds": 0.1}
    return run


def test_the_first_divergence_is_a_line_then_an_exception_then_extra_lines_then_the_exit_status():
    raised = {"exception": "ValueError", "message": "boom", "at": "s.py:9"}
    assert compare.first_divergence(_run("tensorflow", "a", "b"), _run("tapejax", "a", "b")) is None
    d = compare.first_divergence(_run("tensorflow", "a", "b 1.0"), _run("tapejax", "a", "b 2.0", exception=raised))
    assert (d.kind, d.index, d.at) == ("line", 1, {"tensorflow": "s.py:2", "tapejax": "s.py:2"})
    d = compare.first_divergence(_run("tensorflow", "a", "b"), _run("tapejax", "a", exception=raised, status=1))
    assert isinstance(d, Divergence) and (d.kind, d.index, d.at) == ("exception", 1, {"tapejax": "s.py:9"})
    assert d.summary == "tapejax raised ValueError at s.py:9; TensorFlow did not"
    both = compare.first_divergence(_run("tensorflow", "a", exception=raised, status=1),
                                    _run("tapejax", "a", exception=raised, status=1))
    assert both is None
    d = compare.first_divergence(_run("tensorflow", "a", "b"), _run("tapejax", "a"))
    assert (d.kind, d.at, d.text) == ("extra lines", {"tensorflow": "s.py:2"}, {"tensorflow": "b"})
    d = compare.first_divergence(_run("tensorflow", "a"), _run("tapejax", "a", status=3))
    assert d.kind == "exit status" and d.summary == "exit status: TensorFlow 0, tapejax 3"


def test_a_timed_out_run_without_a_divergence_before_it_exits_4():
    stopped = _run("tapejax", "a")
    stopped.timed_out, stopped.status, stopped.end = True, None, None
    tf_run = _run("tensorflow", "a", "b")
    assert compare.first_divergence(tf_run, stopped) is None
    assert compare.status_of(tf_run, stopped, None) == compare.INCOMPLETE == 4
    assert "a run did not finish" in compare.report("s.py", tf_run, stopped, None, 1e-5, 1e-6)[-1]


def test_a_tensorflow_that_fails_to_import_in_its_run_exits_3(tmp_path):
    broken = tmp_path / "site" / "tensorflow"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('this TensorFlow is broken')\n")
    script = tmp_path / "s.py"
    script.write_text("import tensorflow as tf\nprint(tf.constant(1.0))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), ROOT]))
    proc = subprocess.run([sys.executable, "-m", "tapejax.compare", "--parallel", str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "TensorFlow: could not import the backend (ImportError: this TensorFlow is broken)" in proc.stdout
    assert proc.stdout.rstrip().endswith("nothing compared: real TensorFlow could not be imported in its run")


def test_ignored_lines_are_left_out_on_both_sides():
    tf_run = _run("tensorflow", "Epoch 1/1", "\x1b[1m4/4\x1b[0m \x1b[32m━━━━\x1b[0m 12ms/step - loss: 3.1275 ", "[3.1275]")
    tapejax_run = _run("tapejax", "Epoch 1/1", "4/4 [====] 0s 3ms/step - loss: 3.1275", "[3.1275]")
    d = compare.first_divergence(tf_run, tapejax_run)
    assert (d.kind, d.index) == ("line", 1)
    assert compare.first_divergence(tf_run, tapejax_run, ignore=["step - "]) is None
    d = compare.first_divergence(tf_run, _run("tapejax", "Epoch 1/1", "[3.5]"), ignore=["step - "])
    assert (d.kind, d.text) == ("line", {"tensorflow": "[3.1275]", "tapejax": "[3.5]"})
    assert d.at == {"tensorflow": "s.py:3", "tapejax": "s.py:2"}
    assert len(tf_run.lines) == 3  # the runs keep every line
    report = compare.report("s.py", tf_run, tapejax_run, None, 1e-5, 1e-6, ignore=["step - "])
    assert report[-1] == "no divergence: 2 printed line(s) agree (rtol=1e-05, atol=1e-06); 1 ignored"
