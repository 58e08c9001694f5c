"""The public door: tapejax's top-level names are TF 2.21's (tapejax/_tf_api_names.json, written from
a real TF install), apart from tapejax's own, listed; the op-table modules are not public."""

import json
import os
import re

import tapejax as tf

NAMES = os.path.join(os.path.dirname(tf.__file__), "_tf_api_names.json")


def _tf_names(namespace):
    with open(NAMES) as f:
        return set(json.load(f)["namespaces"][namespace])


def test_every_top_level_name_is_tensorflows_or_listed_as_tapejaxs_own():
    public = {n for n in dir(tf) if not n.startswith("_")}
    extra = public - _tf_names("tf")
    assert "clear_caches" in extra and extra <= set(tf._TAPEJAX_OWN_NAMES)  # submodules once imported
    assert set(tf.__all__) <= public and public - set(tf.__all__) <= {"explain", "run", "compare", "demo"}


def test_the_op_table_modules_and_tf1_spellings_are_not_top_level_names():
    for name in ("array_ops", "math_ops", "nn_ops", "log", "rsqrt", "Function", "InvalidArgumentError"):
        assert not hasattr(tf, name), name
    assert tf.compat.v1.log is tf.math.log  # TF 1 spellings stay where TF keeps them
    assert tf.errors.InvalidArgumentError.__name__ == "InvalidArgumentError"
    assert tf.autodiff.ForwardAccumulator.__name__ == "ForwardAccumulator"
    assert tf.config.PhysicalDevice.__name__ == "PhysicalDevice"


def test_the_missing_top_level_names_are_listed_in_the_differences():
    missing = sorted(_tf_names("tf") - {n for n in dir(tf) if not n.startswith("_")})
    with open(os.path.join(os.path.dirname(os.path.dirname(tf.__file__)), "docs", "tf_api_differences.md")) as f:
        line = next(line for line in f if line.startswith("- `tf`: "))
    listed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", line.split(":", 1)[1]))
    assert [n for n in missing if n not in listed] == []


# tapejax's own names inside TF's namespaces (documented in the README).
OWN_IN_NAMESPACES = {
    "tf.config.experimental": {"get_compilation_cache", "set_compilation_cache"},
    "tf.version": {"TAPEJAX_VERSION"},
    # Keras 3's `keras.saving` (register_keras_serializable, load_model, ...), which TF 2.21's tf.keras lacks;
    # programs written for `import keras` spell it so.
    "tf.keras": {"saving"},
}


def _tapejax_namespaces():
    with open(NAMES) as f:
        namespaces = json.load(f)["namespaces"]
    for dotted in sorted(namespaces):
        if dotted == "tf" or dotted.startswith("tf.compat"):
            continue
        obj = tf
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            yield dotted, obj, set(namespaces[dotted])


def test_every_namespace_holds_only_tensorflows_names_and_listed_own_ones():
    extra = {}
    for dotted, obj, tf_names in _tapejax_namespaces():
        names = {n for n in dir(obj) if not n.startswith("_")} - tf_names - OWN_IN_NAMESPACES.get(dotted, set())
        if names:
            extra[dotted] = sorted(names)
    assert extra == {}


def test_the_keras_namespaces_and_tf2s_aliases_of_them_are_checked():
    checked = {dotted for dotted, _, _ in _tapejax_namespaces()}
    assert {"tf.keras", "tf.keras.layers", "tf.keras.losses", "tf.keras.ops", "tf.keras.ops.numpy",
            "tf.keras.optimizers.schedules", "tf.losses", "tf.metrics", "tf.optimizers", "tf.initializers",
            "tf.distribute"} <= checked
    assert tf.losses is tf.keras.losses and tf.optimizers.schedules is tf.keras.optimizers.schedules
    assert tf.keras.ops.numpy.add is tf.keras.ops.add and tf.keras.Loss is tf.keras.losses.Loss


def test_the_door_is_an_explicit_list_and_the_package_uses_no_globals_tricks():
    import ast

    with open(tf.__file__) as f:
        tree = ast.parse(f.read())
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "globals" not in calls
    assigned = [n for n in tree.body if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
    assert len(assigned) == 1 and isinstance(assigned[0].value, ast.List)
    public = {n for n in dir(tf) if not n.startswith("_")} - set(tf._TAPEJAX_OWN_NAMES[1:])
    assert sorted(tf.__all__) == tf.__all__ and set(tf.__all__) == public


def test_tf_errors_has_tensorflows_classes_codes_and_constructor():
    assert set(tf.errors.__all__) == _tf_names("tf.errors")
    err = tf.errors.InternalError(None, None, "boom")
    assert (err.error_code, err.message, str(err), err.op, err.node_def) == (tf.errors.INTERNAL, "boom", "boom",
                                                                             None, None)
    assert tf.errors.OpError(None, None, "m", tf.errors.ABORTED).error_code == 10
    assert tf.errors.UnknownError(None, None, "m", 5).error_code == tf.errors.UNKNOWN
    assert issubclass(tf.errors.AbortedError, tf.errors.OpError)
    assert tf.errors.InvalidArgumentError("tapejax's own one-argument form").message.startswith("tapejax")


KERAS_PUBLIC_MODULES = ["activations", "backend", "callbacks", "constraints", "datasets", "initializers", "layers",
                        "losses", "metrics", "mixed_precision", "models", "ops", "optimizers", "random",
                        "regularizers", "saving", "utils"]


def test_the_public_keras_modules_only_re_export_from_private_modules():
    import ast
    import importlib

    for name in KERAS_PUBLIC_MODULES:
        module = importlib.import_module(f"tapejax.keras.{name}")
        with open(module.__file__) as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module in ("tapejax", "tapejax.keras"):
                assert all(alias.name.startswith("_") for alias in node.names), (name, node.module)
            elif isinstance(node, ast.ImportFrom):
                assert node.module.startswith("tapejax.keras._"), (name, node.module)
            else:  # the docstring, __all__, __path__ and sub-namespaces made from the private modules
                assert isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign)), (name, ast.dump(node)[:80])
        public = {n for n in dir(module) if not n.startswith("_")}
        assert set(module.__all__) == public, (name, sorted(public ^ set(module.__all__)))
