"""tapejax.run: an unchanged TF script runs with `tensorflow` (and `keras`) resolving to tapejax."""

import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent("""
    import sys
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers
    import tensorflow.keras.layers as layers_again
    from tensorflow.keras.layers import Dense
    import keras as standalone_keras
    import tensorflow.math
    print("tf", tf.__name__)
    print("keras", keras.__name__, standalone_keras is keras)
    print("layers", layers.__name__, layers_again is layers, Dense is layers.Dense)
    print("math", tensorflow.math is tf.math)
    print("argv", sys.argv[1:])
    print("main", __name__)
    print("value", float(tf.reduce_sum(tf.constant([1.0, 2.0]))))
    try:
        import tensorflow.no_such_module
    except ModuleNotFoundError as exc:
        print("missing", exc.name)
""")


def _run(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(source)
    return subprocess.run([sys.executable, "-m", "tapejax.run", str(script), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))


def test_run_resolves_tensorflow_and_its_submodules_to_tapejax(tmp_path):
    proc = _run(tmp_path, SCRIPT, "a", "--b")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "tf tapejax",
        "keras tapejax.keras True",
        "layers tapejax.keras.layers True True",
        "math True",
        "argv ['a', '--b']",
        "main __main__",
        "value 3.0",
        "missing tensorflow.no_such_module",
    ]


def test_run_reports_the_scripts_exception_with_its_line(tmp_path):
    proc = _run(tmp_path, "import tensorflow as tf\n\nraise ValueError('boom')\n")
    assert proc.returncode == 1
    assert "script.py\", line 3" in proc.stderr and "ValueError: boom" in proc.stderr


def test_run_script_returns_the_namespace_and_leaves_the_modules_untouched(tmp_path):
    import tapejax
    from tapejax import run

    spec_before, loader_before = tapejax.__spec__, tapejax.__loader__
    math_spec_before = tapejax.math.__spec__
    script = tmp_path / "s.py"
    script.write_text("import tensorflow as tf\nimport tensorflow.math\nx = tf.constant(2.0) * 3\n")
    try:
        namespace = run.run_script(str(script))
        assert sys.modules["tensorflow"] is tapejax
        assert float(namespace["x"]) == 6.0
        assert tapejax.__spec__ is spec_before and tapejax.__loader__ is loader_before
        assert tapejax.math.__spec__ is math_spec_before
    finally:
        run.uninstall()
    assert "tensorflow" not in sys.modules or sys.modules["tensorflow"] is not tapejax
    assert run.TensorflowFinder not in [type(f) for f in sys.meta_path]


def test_uninstall_puts_back_a_tensorflow_module_that_was_imported_before():
    from tapejax import run

    sentinel = type(sys)("tensorflow")
    saved = sys.modules.get("tensorflow")
    sys.modules["tensorflow"] = sentinel
    try:
        run.install()
        import tensorflow
        assert tensorflow.__name__ == "tapejax"
        run.uninstall()
        assert sys.modules["tensorflow"] is sentinel
    finally:
        run.uninstall()
        if saved is None:
            sys.modules.pop("tensorflow", None)
        else:
            sys.modules["tensorflow"] = saved


def test_run_without_a_script_prints_usage_and_fails():
    proc = subprocess.run([sys.executable, "-m", "tapejax.run"], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 2 and "usage: python -m tapejax.run SCRIPT" in proc.stdout


@pytest.mark.parametrize("name", ["tensorflow_datasets_like", "tensorflowx"])
def test_names_that_only_start_like_tensorflow_are_not_redirected(name):
    from tapejax import run

    assert run.TensorflowFinder().find_spec(name) is None


TRAINING = textwrap.dedent("""\
    import tensorflow as tf
    from tensorflow.keras.layers import Dense

    x = tf.constant([[0.0], [1.0], [2.0], [3.0]])
    y = 2.0 * x + 1.0
    layer = Dense(1, kernel_initializer="zeros")
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
    for step in range(200):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((layer(x) - y) ** 2)
        grads = tape.gradient(loss, layer.trainable_variables)
        optimizer.apply_gradients(zip(grads, layer.trainable_variables))
    print("kernel", round(float(layer.kernel[0, 0]), 3), "bias", round(float(layer.bias[0]), 3))
    print("loss below 1e-4", float(loss) < 1e-4)
""")


def test_an_unchanged_tf_training_script_runs_and_learns(tmp_path):
    proc = _run(tmp_path, TRAINING)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["kernel 2.0 bias 1.0", "loss below 1e-4 True"]


def test_the_traceback_starts_at_the_script_and_the_exit_status_is_1(tmp_path):
    proc = _run(tmp_path, "import tensorflow as tf\n\ndef f():\n    raise ValueError('boom')\n\nf()\n")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].endswith('script.py", line 6, in <module>') and lines[-1] == "ValueError: boom"
    assert "runpy" not in proc.stderr and "tapejax/run.py" not in proc.stderr


@pytest.mark.parametrize("code,status", [("sys.exit(3)", 3), ("sys.exit(0)", 0), ("sys.exit('bye')", 1)])
def test_the_scripts_sys_exit_sets_the_exit_status(tmp_path, code, status):
    proc = _run(tmp_path, f"import sys\nimport tensorflow\n{code}\n")
    assert proc.returncode == status, proc.stderr


def test_a_script_that_does_not_exist_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tapejax.run", str(tmp_path / "nope.py")], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 2 and "can't open file" in proc.stderr


def test_a_tf_module_tapejax_lacks_says_tf_has_it(tmp_path):
    proc = _run(tmp_path, "import tensorflow.keras.applications\n")
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        "ModuleNotFoundError: No module named 'tensorflow.keras.applications': TensorFlow 2.21 has "
        "`tf.keras.applications`, but tapejax does not implement it yet (the TF 2.21 APIs tapejax lacks are "
        "listed in docs/tf_api_differences.md; `python -m tapejax.compare --missing tf.keras` lists this "
        "namespace's)")


def test_from_tensorflow_import_of_a_name_tapejax_lacks_says_tf_has_it(tmp_path):
    proc = _run(tmp_path, "from tensorflow.keras.layers import Dense, TFSMLayer\n")
    assert proc.returncode == 1
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("ImportError: cannot import name 'TFSMLayer' from 'tapejax.keras.layers' (")
    assert last.endswith("): TensorFlow 2.21 has `tf.keras.layers.TFSMLayer`, but tapejax does not "
                         "implement it yet (the TF 2.21 APIs tapejax lacks are listed in docs/tf_api_differences.md; "
                         "`python -m tapejax.compare --missing tf.keras.layers` lists this namespace's)")
    proc = _run(tmp_path, "from tensorflow.keras.layers import NoSuchLayer\n")
    assert proc.stderr.splitlines()[-1].startswith("ImportError: cannot import name 'NoSuchLayer' from")
    assert "TensorFlow" not in proc.stderr


def test_the_readmes_first_example_runs_unchanged_and_prints_what_its_comments_say(tmp_path):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    source = readme.split("cat > step.py <<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0] + "\n"
    proc = _run(tmp_path, source)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "tf.Tensor(121.0, shape=(), dtype=float32)", "tf.Tensor(", "[[66.]", " [88.]], shape=(2, 1), dtype=float32)",
        "Tensor"]
    assert source.splitlines()[8].startswith("print(type(loss).__name__)")  # line 9, as the README's compare says
