"""The Keras namespaces on both backends: a name TF 2.21 keeps in two namespaces is the same object in
both (Keras 3's sub-namespaces and aliases re-export one function or class), and the implementation
modules' imports are not public names; a script imports the sub-namespaces as on TF."""

import os
import subprocess
import sys

import pytest

import tapejax

SAME_OBJECT = [
    ("ops.numpy.add", "ops.add"), ("ops.numpy.matmul", "ops.matmul"), ("ops.nn.relu", "ops.relu"),
    ("ops.nn.softmax", "ops.softmax"), ("ops.linalg.norm", "ops.norm"),
    ("metrics.mse", "losses.mse"), ("metrics.MAE", "losses.MAE"),
    ("metrics.binary_crossentropy", "losses.binary_crossentropy"), ("metrics.huber", "losses.huber"),
    ("config.floatx", "backend.floatx"), ("config.set_epsilon", "backend.set_epsilon"),
    ("config.image_data_format", "backend.image_data_format"),
    ("config.dtype_policy", "mixed_precision.dtype_policy"),
    ("config.set_dtype_policy", "mixed_precision.set_dtype_policy"),
    ("utils.clear_session", "backend.clear_session"), ("utils.is_keras_tensor", "backend.is_keras_tensor"),
    ("Loss", "losses.Loss"), ("Metric", "metrics.Metric"), ("Optimizer", "optimizers.Optimizer"),
    ("Initializer", "initializers.Initializer"), ("Regularizer", "regularizers.Regularizer"),
    ("DTypePolicy", "mixed_precision.DTypePolicy"),
]


def _get(keras, dotted):
    obj = keras
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("first,second", SAME_OBJECT, ids=[a for a, _ in SAME_OBJECT])
def test_a_name_in_two_keras_namespaces_is_one_object(tf, first, second):
    assert _get(tf.keras, first) is _get(tf.keras, second)


def test_keras_config_backend_names_tensorflow(tf):
    assert tf.keras.config.backend() == "tensorflow"
    assert tf.keras.config.dtype_policy().name == tf.keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize("namespace", ["layers", "losses", "metrics", "ops", "optimizers", "backend", "utils"])
def test_the_implementation_modules_imports_are_not_keras_names(tf, namespace):
    names = set(dir(_get(tf.keras, namespace)))
    assert not names & {"np", "jax", "jnp", "math_ops", "array_ops", "Tensor", "annotations"}


def test_tf2s_aliases_are_the_keras_namespaces(tf):
    assert tf.losses.Huber is tf.keras.losses.Huber and tf.metrics.Mean is tf.keras.metrics.Mean
    assert tf.optimizers.Adam is tf.keras.optimizers.Adam
    assert tf.optimizers.schedules.ExponentialDecay is tf.keras.optimizers.schedules.ExponentialDecay
    assert tf.initializers.GlorotUniform is tf.keras.initializers.GlorotUniform


_IMPORTS = """
from tensorflow.keras.optimizers.schedules import ExponentialDecay
from tensorflow.keras.preprocessing.image import load_img
from tensorflow.keras.ops.numpy import add
from keras.ops.numpy import add as add_from_keras
from tensorflow.keras.ops import nn
import tensorflow.keras.datasets.mnist as mnist
from tensorflow.keras.losses import Huber
print(ExponentialDecay.__name__, load_img.__name__, add is add_from_keras, nn.relu is nn.relu,
      mnist.load_data.__name__, Huber.__name__)
"""


def test_a_script_imports_keras_sub_namespaces_with_import_statements_as_on_tf(tmp_path):
    script = tmp_path / "imports.py"
    script.write_text(_IMPORTS)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = [subprocess.run([sys.executable, *launcher, str(script)], cwd=root, capture_output=True, text=True,
                           timeout=300) for launcher in ([], ["-m", "tapejax.run"])]
    assert [(r.returncode, r.stdout) for r in runs] == [(0, runs[0].stdout)] * 2, runs[1].stderr[-2000:]
    assert runs[0].stdout.split() == ["ExponentialDecay", "load_img", "True", "True", "load_data", "Huber"]


def test_keras_ops_functions_carry_keras_names(tf):
    names = [n for n in tapejax.keras.ops.__all__ if n not in ("numpy", "nn", "linalg")]
    assert {n: getattr(tf.keras.ops, n).__name__ for n in names} == {
        n: "silu" if n == "swish" else n for n in names}  # Keras 3's swish is silu
