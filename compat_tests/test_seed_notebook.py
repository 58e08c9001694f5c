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


# -- The same cells as programs compared value by value (dtypes, shapes, None patterns, containers) ---
# Where the notebook draws random numbers, the programs either use the fixed values above or compare
# only what does not depend on them (shapes, dtypes, names).
NOTEBOOK = {}


def notebook_program(f):
    NOTEBOOK[f.__name__] = f
    return f


def _printed(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn()
    return result, out.getvalue()


@notebook_program
def cell_3_4_gradient_of_variable_square(tf):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x ** 2
    dy_dx = tape.gradient(y, x)
    return y, dy_dx, dy_dx.numpy(), repr(dy_dx.numpy())


@notebook_program
def cell_7_8_9_list_sources_fixed_weights(tf):
    w = tf.Variable(tf.constant(FIXED_NORMAL), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y ** 2)
    [dl_dw, dl_db] = tape.gradient(loss, [w, b])
    shown = _printed(lambda: (print(w.shape), print(dl_dw.shape)))[1]
    return y, loss, dl_dw, dl_db, w.shape, dl_dw.shape, shown, w.name, b.name


@notebook_program
def cell_7_8_9_random_weights_shapes_only(tf):
    w = tf.Variable(tf.random.normal((3, 2)), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y ** 2)
    grads = tape.gradient(loss, [w, b])
    return ([(g.shape, g.dtype) for g in grads], type(grads).__name__, y.shape, loss.shape,
            w.dtype, b.numpy())


@notebook_program
def cell_10_dict_of_sources(tf):
    w = tf.Variable(tf.constant(FIXED_NORMAL), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y ** 2)
    my_vars = {"w": w, "b": b}
    grad = tape.gradient(loss, my_vars)
    return grad, grad["b"], sorted(grad), tape.gradient(loss, [w, b])[1]


@notebook_program
def cell_10_dict_of_sources_repr(tf):
    w = tf.Variable(tf.constant(FIXED_NORMAL), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(([[1.0, 2.0, 3.0]] @ w + b) ** 2)
    grad = tape.gradient(loss, {"w": w, "b": b})
    return repr(grad["b"]), str(grad["b"]), repr(grad["w"])


@notebook_program
def cell_12_13_dense_layer_names_and_shapes(tf):
    layer = tf.keras.layers.Dense(2, activation="relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_mean(y ** 2)
    grad = tape.gradient(loss, layer.trainable_variables)

    def show():
        for var, g in zip(layer.trainable_variables, grad):
            print(f"{var.name}, shape: {g.shape}")

    return ([var.name for var in layer.trainable_variables], [g.shape for g in grad],
            [g.dtype for g in grad], type(grad).__name__, _printed(show)[1], y.shape, loss.shape)


@notebook_program
def cell_12_13_dense_layer_fixed_weights(tf):
    layer = tf.keras.layers.Dense(2, activation="relu")
    layer.build((None, 3))
    layer.set_weights([FIXED_NORMAL, np.array([0.5, -0.25], np.float32)])
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_mean(y ** 2)
    grad = tape.gradient(loss, layer.trainable_variables)
    return y, loss, grad, len(tape.watched_variables())


@notebook_program
def cell_12_dense_layer_watched_variable_names(tf):
    # TF lists the backing tf.Variables ('dense_<n>/kernel:0'); the layer counter <n> depends on how many
    # Dense layers the process made, so only the last path component is compared.
    layer = tf.keras.layers.Dense(2, activation="relu")
    with tf.GradientTape() as tape:
        _ = tf.reduce_mean(layer(tf.constant([[1.0, 2.0, 3.0]])) ** 2)
    return [v.name.split("/")[-1] for v in tape.watched_variables()]


@notebook_program
def cell_14_controlling_what_is_watched(tf):
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    x3 = tf.constant(3.0, name="x3")
    with tf.GradientTape() as tape:
        y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
    grad = tape.gradient(y, [x0, x1, x2, x3])

    def show():
        for g in grad:
            print(g)

    return grad, _printed(show)[1], y


@notebook_program
def cell_15_watched_variables(tf):
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    with tf.GradientTape() as tape:
        _ = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
    return [var.name for var in tape.watched_variables()], type(tape.watched_variables()).__name__


@notebook_program
def cell_16_watch_a_tensor(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 2
    dy_dx = tape.gradient(y, x)
    return dy_dx, _printed(lambda: print(dy_dx.numpy()))[1]


@notebook_program
def cell_17_watch_accessed_variables_false(tf):
    # The cell the seed's last paragraph introduces (TF guide): only the explicitly watched variable.
    x0 = tf.Variable(0.0)
    x1 = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.softplus(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    return tape.gradient(ys, {"x0": x0, "x1": x1})


@notebook_program
def cell_17_printed_output(tf):
    x0 = tf.Variable(0.0)
    x1 = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x1)
        ys = tf.reduce_sum(tf.math.sin(x0) + tf.nn.softplus(x1))
    grad = tape.gradient(ys, {"x0": x0, "x1": x1})

    def show():
        print("dy/dx0:", grad["x0"])
        print("dy/dx1:", grad["x1"].numpy())

    return _printed(show)[1]


@pytest.mark.parametrize("name", sorted(NOTEBOOK))
def test_notebook_cell_program(name):
    H.compare(NOTEBOOK[name])
