"""The checked-in TF 2.21 names (tapejax/_tf_api_names.json) are those of the installed TensorFlow."""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _generator():
    spec = importlib.util.spec_from_file_location("gen_tf_api_names",
                                                  os.path.join(ROOT, "tools", "gen_tf_api_names.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs real TensorFlow")
def test_the_checked_in_tf_api_names_match_the_installed_tensorflow():
    import json

    import keras
    import tensorflow as tf

    generator = _generator()
    with open(generator.OUT, encoding="utf-8") as f:
        checked_in = f.read()
    recorded = json.loads(checked_in)
    installed = {"tensorflow_version": tf.__version__, "keras_version": keras.__version__}
    if any(recorded[k] != v for k, v in installed.items()):  # tf.keras is the separately released keras
        pytest.skip(f"the names file records TF {recorded['tensorflow_version']} with Keras "
                    f"{recorded['keras_version']}; installed: TF {tf.__version__}, Keras {keras.__version__}")
    # In a fresh process: TF's lazily loaded modules gain public names once other tests touched them.
    script = ("import importlib.util, sys\n"
              f"spec = importlib.util.spec_from_file_location('g', {os.path.join(ROOT, 'tools', 'gen_tf_api_names.py')!r})\n"
              "g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)\n"
              "sys.stdout.write(g.dumps(g.generate()))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == checked_in, (
        "tapejax/_tf_api_names.json is out of date: run python tools/gen_tf_api_names.py")
