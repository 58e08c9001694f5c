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
