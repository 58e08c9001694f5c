"""tf.__version__ is the TF API version; tapejax's own version is pyproject.toml's."""

import os
import re

import tapejax as tf

_PYPROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")


def test_tapejax_version_is_the_package_version_in_pyproject():
    with open(_PYPROJECT, encoding="utf-8") as f:  # the [project] table's version line
        package_version = re.search(r'^\[project\][^\[]*?^version = "([^"]+)"', f.read(), re.M | re.S).group(1)
    assert tf.__tapejax_version__ == package_version
    assert tf.version.TAPEJAX_VERSION == package_version


def test_tf_version_is_the_implemented_tf_api_version():
    assert tf.__version__ == tf.version.VERSION == "2.21.0"
    assert tf.version.GIT_VERSION.startswith("v2.21.0-tapejax-")
