"""Public TF2 programs (see README.md here) run on real TensorFlow and on tapejax, results compared.

Each program file sets `COMPAT_RESULTS` (a dict of what the original printed or plotted) and, where
the two frameworks' random numbers differ, `COMPAT_COMPARE` (how a result is compared instead of
value for value). Both backends run side by side in fresh subprocesses (`_runner.py`).
"""

from __future__ import annotations

import glob
import os
import re

import numpy as np
import pytest

from compat_tests import _harness
from compat_tests.programs import _runner

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = sorted(p for p in glob.glob(os.path.join(HERE, "*.py"))
                  if not os.path.basename(p).startswith(("_", "test_")))
RULES = {"rtol", "atol", "below", "above", "within", "shape_only"}


def _values(normalised):
    """The array inside a normalised tensor/ndarray/python scalar."""
    kind = normalised[0]
    if kind in ("tensor", "ndarray"):
        return np.asarray(normalised[3], dtype=np.float64)
    if kind == "python":
        return np.asarray(normalised[2], dtype=np.float64)
    raise AssertionError(f"a bound applies to numbers, not {normalised!r}")


def _signature(normalised):
    """Kind, dtype and shape of a normalised value (what bounds compare besides the numbers)."""
    kind = normalised[0]
    if kind in ("tensor", "ndarray"):
        return (kind, normalised[1], normalised[2])
    return (kind, normalised[1]) if kind == "python" else (kind,)


def compare_results(expected, got, rules):
    """Asserts tapejax's results `got` match TF's `expected` under the program's `COMPAT_COMPARE`."""
    assert isinstance(expected, dict) and isinstance(got, dict), "COMPAT_RESULTS must be a dict"
    expected, got = expected["__dict__"], got["__dict__"]
    assert set(got) == set(expected), f"result keys: TF {sorted(expected)}, tapejax {sorted(got)}"
    unknown = set(rules) - set(expected) - {"__stdout__"}
    assert not unknown, f"COMPAT_COMPARE names results the program does not set: {sorted(unknown)}"
    for key in expected:
        rule = rules.get(key, {})
        assert set(rule) <= RULES, f"{key}: unknown comparison rule(s) {sorted(set(rule) - RULES)}"
        path = f"COMPAT_RESULTS[{key!r}]"
        if not rule.keys() - {"rtol", "atol"}:
            _harness.assert_same(expected[key], got[key], rtol=rule.get("rtol", 1e-5),
                                 atol=rule.get("atol", 1e-6), path=path)
            continue
        _check_rule(expected[key], got[key], rule, path)


def _check_rule(e, g, rule, path):
    """Applies a bound rule to each number leaf of a (possibly nested list/tuple) result."""
    if e is not None and e[0] in ("list", "tuple"):
        assert g is not None and g[0] == e[0] and len(g[1]) == len(e[1]), f"{path}: TF {e!r}, tapejax {g!r}"
        for i, (ei, gi) in enumerate(zip(e[1], g[1])):
            _check_rule(ei, gi, rule, f"{path}[{i}]")
        return
    assert _signature(g) == _signature(e), f"{path}: TF {_signature(e)}, tapejax {_signature(g)}"
    if rule.get("shape_only"):
        return
    ev, gv = _values(e), _values(g)
    for name, v in (("TF", ev), ("tapejax", gv)):
        if "below" in rule:
            assert np.all(v < rule["below"]), f"{path} on {name}: {v} not below {rule['below']}"
        if "above" in rule:
            assert np.all(v > rule["above"]), f"{path} on {name}: {v} not above {rule['above']}"
    if "within" in rule:
        assert np.all(np.abs(gv - ev) <= rule["within"]), (
            f"{path}: TF {ev}, tapejax {gv}: differ by more than {rule['within']}")


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


def _lines_match(e, g, rtol=1e-5, atol=1e-6):
    """Same text apart from numbers, and every number within rtol/atol (printing rounds last digits)."""
    if e == g:
        return True
    if _NUMBER.split(e) != _NUMBER.split(g):
        return False
    e_nums, g_nums = _NUMBER.findall(e), _NUMBER.findall(g)
    return all(abs(float(a) - float(b)) <= atol + rtol * abs(float(a)) or a == b
               for a, b in zip(e_nums, g_nums))


def compare_stdout(expected, got, at=()):
    """Asserts the program printed the same lines on both backends (numbers to float tolerance);
    `at` is the program's file:line that printed each of TF's lines (named in the failure)."""
    # TF's messages name its internal graph node (`{{function_node ...}} `); the harness drops it too.
    e_lines = [re.sub(r"\{\{function_node [^}]*\}\} ", "", line) for line in expected.splitlines()]
    g_lines = got.splitlines()
    for i, (e, g) in enumerate(zip(e_lines, g_lines)):
        where = f" (printed at {at[i]})" if i < len(at) else ""
        assert _lines_match(e, g), f"printed line {i + 1}{where} differs:\nTF:      {e!r}\ntapejax: {g!r}"
    assert len(e_lines) == len(g_lines), (
        f"TF printed {len(e_lines)} lines, tapejax {len(g_lines)}; the first extra: "
        f"{(e_lines + g_lines)[min(len(e_lines), len(g_lines))]!r}")


@pytest.mark.parametrize("path", PROGRAMS, ids=[os.path.basename(p)[:-3] for p in PROGRAMS])
def test_program(path):
    wait_tf = _runner.start(path, "tensorflow")
    wait_tapejax = _runner.start(path, "tapejax")
    tf_result, tapejax_result = wait_tf(), wait_tapejax()
    assert tf_result.ok, (f"the program fails on real TensorFlow: {tf_result.error}\n"
                          f"{tf_result.output[-3000:]}")
    assert tapejax_result.ok, (f"tapejax: {tapejax_result.error}\n{tapejax_result.output[-3000:]}")
    compare_results(tf_result.results, tapejax_result.results, tf_result.compare)
    if tf_result.compare.get("__stdout__") == "lines":
        compare_stdout(tf_result.stdout, tapejax_result.stdout, tf_result.stdout_at)


def _normalised(**results):
    return _harness.normalize(results)


def test_values_compare_exactly_by_default_and_bounds_apply_to_both_backends():
    tf_side = _normalised(loss=np.float32(0.5), acc=np.float32(0.9), n=3)
    compare_results(tf_side, _normalised(loss=np.float32(0.5), acc=np.float32(0.9), n=3), {})
    with pytest.raises(AssertionError, match="n"):
        compare_results(tf_side, _normalised(loss=np.float32(0.5), acc=np.float32(0.9), n=4), {})
    with pytest.raises(AssertionError, match="dtype"):
        compare_results(tf_side, _normalised(loss=np.float64(0.5), acc=np.float32(0.9), n=3), {})
    rules = {"loss": {"below": 1.0, "within": 0.2}, "acc": {"above": 0.8}}
    compare_results(tf_side, _normalised(loss=np.float32(0.6), acc=np.float32(0.85), n=3), rules)
    with pytest.raises(AssertionError, match="differ by more than 0.2"):
        compare_results(tf_side, _normalised(loss=np.float32(0.8), acc=np.float32(0.85), n=3), rules)
    with pytest.raises(AssertionError, match="on tapejax.*not above 0.8"):
        compare_results(tf_side, _normalised(loss=np.float32(0.6), acc=np.float32(0.7), n=3), rules)
    with pytest.raises(AssertionError, match="on TF.*not below 0.1"):
        compare_results(tf_side, tf_side, {"loss": {"below": 0.1}})
    with pytest.raises(AssertionError, match="result keys"):
        compare_results(tf_side, _normalised(loss=np.float32(0.5), acc=np.float32(0.9)), {})


def test_shape_only_compares_kind_dtype_and_shape_of_each_list_item():
    tf_side = _normalised(w=[np.zeros((2, 3), np.float32), np.ones(4, np.float32)])
    compare_results(tf_side, _normalised(w=[np.full((2, 3), 7, np.float32), np.zeros(4, np.float32)]),
                    {"w": {"shape_only": True}})
    with pytest.raises(AssertionError, match=r"w'\]\[1\]"):
        compare_results(tf_side, _normalised(w=[np.zeros((2, 3), np.float32), np.zeros(5, np.float32)]),
                        {"w": {"shape_only": True}})


def test_printed_lines_match_with_numbers_to_float_tolerance_and_tf_node_names_dropped():
    compare_stdout("x: [0.7310586 2]\n", "x: [0.7310585 2]\n")
    compare_stdout("InvalidArgumentError: {{function_node __wrapped__Reshape_device_/job:localhost}} bad [Op:Reshape]\n",
                   "InvalidArgumentError: bad [Op:Reshape]\n")
    with pytest.raises(AssertionError, match="printed line 1 differs"):
        compare_stdout("x: 0.5\n", "x: 0.6\n")
    with pytest.raises(AssertionError, match=r"printed line 2 \(printed at p.py:7\) differs"):
        compare_stdout("a\nx: 0.5\n", "a\nx: 0.6\n", ["p.py:3", "p.py:7"])
    with pytest.raises(AssertionError, match="printed line 1 differs"):
        compare_stdout("Tracing with 1\n", "Executing with 1\n")
    with pytest.raises(AssertionError, match="TF printed 2 lines, tapejax 1"):
        compare_stdout("a\nb\n", "a\n")


def test_the_runner_reports_a_programs_exception_with_its_line_and_kills_an_overrunning_one(tmp_path):
    failing = tmp_path / "failing.py"
    failing.write_text("import tensorflow as tf\nx = tf.constant(1.0)\nx.no_such_attribute\n")
    result = _runner.run(str(failing), "tapejax")
    assert not result.ok and result.error.startswith("AttributeError")
    assert result.error.endswith("(at failing.py:3: x.no_such_attribute)")
    sleeping = tmp_path / "sleeping.py"
    sleeping.write_text("import time\ntime.sleep(60)\nCOMPAT_RESULTS = {}\n")
    result = _runner.run(str(sleeping), "tapejax", timeout=3)
    assert not result.ok and result.error == "timed out after 3 s"
    finished = tmp_path / "finished.py"
    finished.write_text("import tensorflow as tf\nprint('hi')\nCOMPAT_RESULTS = {'x': tf.constant([1, 2])}\n")
    result = _runner.run(str(finished), "tapejax")
    assert result.ok and result.stdout == "hi\n" and result.stdout_at == ["finished.py:2"]
    assert result.results["__dict__"]["x"][:3] == ("tensor", "int32", (2,))


# ---- tapejax.compare over public programs (the whole script's printed lines, with their lines) ----

def _compare_program(name, workdir):
    """`python -m tapejax.compare --json` on a program here, run in the empty folder `workdir` (as
    `_runner` runs programs): (exit status, its JSON report)."""
    import json
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([_runner.ROOT, os.environ.get("PYTHONPATH", "")]),
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "tapejax.compare", "--parallel", "--json", "--timeout",
                           str(_runner.TIMEOUT_S), os.path.join(HERE, f"{name}.py")],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=3 * _runner.TIMEOUT_S)
    assert proc.stdout, proc.stderr[-3000:]
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("name", ["guide_variable", "guide_migrate_tf1_vs_tf2"])
def test_tapejax_compare_finds_no_divergence_in_a_passing_program(name, tmp_path):
    status, report = _compare_program(name, tmp_path)
    assert report["divergence"] is None and status == 0, report["divergence"]
    assert report["tensorflow"]["finished"] and report["tapejax"]["finished"]
    assert len(report["tapejax"]["lines"]) == len(report["tensorflow"]["lines"]) > 10


def test_tapejax_compare_reports_guide_autodiffs_known_divergence_at_its_line(tmp_path):
    # known_gaps.txt: line 144 prints type(counter).__name__, 'EagerTensor' on TF, 'Tensor' on tapejax
    status, report = _compare_program("guide_autodiff", tmp_path)
    assert status == 1
    divergence = report["divergence"]
    assert divergence["kind"] == "line"
    assert divergence["at"] == {"tensorflow": "guide_autodiff.py:144", "tapejax": "guide_autodiff.py:144"}
    assert divergence["text"] == {"tensorflow": "EagerTensor : None", "tapejax": "Tensor : None"}
