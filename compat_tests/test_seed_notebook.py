"""The seed notebook (a copy of ../shared/seed/ in data/), run cell by cell, unchanged, on TF and tapejax.

Each code cell runs in one namespace per backend with `tf` bound to the backend; what a cell prints
and the repr of its last expression (what the notebook displays) must be identical. The only
substitution: `tf.random.normal` returns fixed values on both, so outputs do not depend on RNGs.
"""

import ast
import contextlib
import io
import os
import re

import numpy as np
import pytest

from compat_tests import _harness as H

SEED = os.path.join(os.path.dirname(__file__), "data", "seed_notebook.txt")
FIXED_NORMAL = np.random.RandomState(3).randn(3, 2).astype(np.float32)


def _is_output(paragraph):
    """True for a notebook output or markdown paragraph (what follows a cell's code)."""
    try:
        ast.parse(paragraph)
    except SyntaxError:
        return True

    def literal(line):
        try:
            ast.literal_eval(line)
            return True
        except (ValueError, SyntaxError):
            return line.startswith("tf.Tensor(")

    return all(literal(line.strip()) for line in paragraph.splitlines() if line.strip())


def _cells():
    """The code of each `In [n]:` cell: its paragraphs up to the first output or markdown one."""
    text = open(SEED, encoding="utf-8").read()
    cells = []
    for block in re.split(r"^In \[\d+\]:\n", text, flags=re.M)[1:]:
        code = []
        for paragraph in block.split("\n\n"):
            if not paragraph.strip():
                continue
            if _is_output(paragraph):
                break
            code.append(paragraph)
        lines = [ln for ln in "\n\n".join(code).splitlines()
                 if not ln.startswith(("import matplotlib", "import tensorflow"))]
        cells.append("\n".join(lines))
    return cells


def _run_cell(source, namespace):
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<cell>", "exec"), namespace)
        shown = repr(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)) if last else None
    return out.getvalue(), shown


def _run_notebook(backend):
    tf = H.load(backend)
    original = tf.random.normal
    tf.random.normal = lambda shape, *args, **kwargs: tf.constant(FIXED_NORMAL.reshape(shape))
    try:
        namespace = {"tf": tf, "np": np}
        return [_run_cell(cell, namespace) for cell in _cells()]
    finally:
        tf.random.normal = original


@pytest.fixture(scope="module")
def outputs():
    return _run_notebook("tensorflow"), _run_notebook("tapejax")


def test_the_seed_has_code_cells():
    assert len(_cells()) >= 10


@pytest.mark.parametrize("index", range(len(_cells())))
def test_cell_prints_what_tensorflow_prints(outputs, index):
    tf_out, tj_out = outputs
    assert tj_out[index] == tf_out[index], f"cell {index}:\n{_cells()[index]}"
