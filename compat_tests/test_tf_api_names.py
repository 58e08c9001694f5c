"""The checked-in TF 2.21 names (tapejax/_tf_api_names.json) are those of the installed TensorFlow."""

import importlib.util
import os

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
    import tensorflow as tf

    if not tf.__version__.startswith("2.21"):
        pytest.skip(f"the names file records TF 2.21; TensorFlow {tf.__version__} is installed")
    generator = _generator()
    with open(generator.OUT, encoding="utf-8") as f:
        checked_in = f.read()
    assert generator.dumps(generator.generate()) == checked_in, (
        "tapejax/_tf_api_names.json is out of date: run python tools/gen_tf_api_names.py")
