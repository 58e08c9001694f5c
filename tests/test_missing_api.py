"""A TF 2.21 name tapejax lacks raises an AttributeError that says so; any other name, Python's plain one."""

import json
import os
import subprocess
import sys

import pytest

import tapejax as tf
from tapejax import _missing_api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HINT = ("but tapejax does not implement it yet (the TF 2.21 APIs tapejax lacks are listed in "
        "docs/tf_api_differences.md; `python -m tapejax.compare --missing {path}` lists this namespace's)")


def _message(get):
    with pytest.raises(AttributeError) as info:
        get()
    return str(info.value)


# Names TF 2.21 has (checked in tapejax/_tf_api_names.json below) that tapejax does not implement.
CASES = [
    (lambda: tf.distribute.TPUStrategy, "tapejax.distribute", "tf.distribute", "TPUStrategy"),
    (lambda: tf.math.bessel_i0, "tapejax.math", "tf.math", "bessel_i0"),
    (lambda: tf.keras.quantizers, "tapejax.keras", "tf.keras", "quantizers"),
    (lambda: tf.keras.layers.TFSMLayer, "tapejax.keras.layers", "tf.keras.layers", "TFSMLayer"),
    (lambda: tf.data.experimental.service, "tapejax.data.experimental", "tf.data.experimental", "service"),
    (lambda: tf.keras.optimizers.schedules.CosineDecayRestarts, "tapejax.keras.optimizers.schedules",
     "tf.keras.optimizers.schedules", "CosineDecayRestarts"),
]


@pytest.mark.parametrize("get,module,path,name", CASES, ids=[c[2] + "." + c[3] for c in CASES])
def test_a_tf_name_tapejax_lacks_says_tf_has_it_and_where_the_differences_are(get, module, path, name):
    assert _missing_api.tf_has(path, name)
    assert _message(get) == (f"module {module!r} has no attribute {name!r}: TensorFlow 2.21 has "
                             f"`{path}.{name}`, " + HINT.format(path=path))


@pytest.mark.parametrize("get,module,path,name", CASES, ids=[c[2] + "." + c[3] for c in CASES])
def test_hasattr_stays_false_for_a_tf_name_tapejax_lacks(get, module, path, name):
    namespace = sys.modules[module]
    assert not hasattr(namespace, name)
    assert getattr(namespace, name, "default") == "default"


@pytest.mark.parametrize("namespace,module", [
    (tf, "tapejax"), (tf.math, "tapejax.math"), (tf.keras.layers, "tapejax.keras.layers"),
    (tf.data.experimental, "tapejax.data.experimental"), (tf.keras, "tapejax.keras")])
def test_a_name_tf_does_not_have_keeps_pythons_plain_message(namespace, module):
    assert not _missing_api.tf_has("tf", "no_such_api")
    assert _message(lambda: namespace.no_such_api) == f"module {module!r} has no attribute 'no_such_api'"
    assert not hasattr(namespace, "no_such_api")


def test_private_and_dunder_names_keep_pythons_plain_message():
    assert _message(lambda: tf._no_such_thing) == "module 'tapejax' has no attribute '_no_such_thing'"
    assert _message(lambda: tf.math.__wrapped__) == "module 'tapejax.math' has no attribute '__wrapped__'"


def test_the_error_names_the_attribute_and_the_module_for_pythons_suggestions():
    with pytest.raises(AttributeError) as info:
        _ = tf.keras.layers.Dens
    assert info.value.name == "Dens" and info.value.obj is tf.keras.layers


def test_tf_2_aliases_of_a_namespace_resolve_to_the_recorded_one():
    assert _missing_api.tf_has("tf.compat.v2", "distribute")
    assert _missing_api.tf_has("tf.optimizers.schedules", "CosineDecayRestarts")
    assert _missing_api.tf_has("tf.compat.v1.keras.layers", "Dense")
    assert not _missing_api.tf_has("tf.no_such_namespace", "Dense")


def test_names_tapejax_implements_are_untouched():
    assert tf.math.exp is tf.exp and tf.keras.layers.Dense.__name__ == "Dense"
    assert callable(tf.data.experimental.CsvDataset)


def test_missing_lists_the_tf_names_of_a_namespace_that_tapejax_lacks():
    lacking = _missing_api.missing("tf.math")
    assert "bessel_i0" in lacking and "exp" not in lacking
    assert lacking == sorted(lacking)
    assert _missing_api.missing("tf.distribute.experimental.rpc") == _missing_api.tf_names(
        "tf.distribute.experimental.rpc")
    with pytest.raises(ValueError, match="TensorFlow 2.21 has no namespace 'tf.nope'"):
        _missing_api.missing("tf.nope")


def test_the_names_file_records_tf_2_21_and_its_keras_and_sub_namespaces():
    with open(os.path.join(ROOT, "tapejax", "_tf_api_names.json"), encoding="utf-8") as f:
        data = json.load(f)
    assert data["tensorflow_version"].startswith("2.21")
    namespaces = data["namespaces"]
    for path in ("tf", "tf.math", "tf.nn", "tf.linalg", "tf.data", "tf.data.experimental", "tf.keras",
                 "tf.keras.layers", "tf.keras.optimizers.schedules", "tf.compat.v1"):
        assert path in namespaces, path
    assert {"GradientTape", "function", "keras", "data"} <= set(namespaces["tf"])
    assert "Dense" in namespaces["tf.keras.layers"] and "AUTOTUNE" in namespaces["tf.data.experimental"]
    assert data["aliases"]["tf.compat.v2"] == "tf"


def test_importing_tapejax_does_not_read_the_names_file():
    code = ("import sys, tapejax; from tapejax import _missing_api as m; "
            "hasattr(tapejax, '_private'); hasattr(tapejax.math, '__foo__'); "
            "print(m._names is None); hasattr(tapejax, 'foo'); print(m._names is None)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False"]
