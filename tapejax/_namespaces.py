"""The TF-shaped sub-namespaces (`tf.math`, `tf.nn`, `tf.linalg`, ...) as real modules."""

from __future__ import annotations

import sys
import types

from tapejax import _missing_api


def make(name, doc, members):
    """Registers module `tapejax.<name>` holding `members` (so `from tapejax.math import exp` works)."""
    module = types.ModuleType(f"tapejax.{name}", doc)
    for key, value in members.items():
        setattr(module, key, value)
    module.__all__ = sorted(members)
    module.__path__ = []  # a package to the import system, so `import tensorflow.x.y.z` under tapejax.run finds z
    sys.modules[module.__name__] = module
    return _missing_api.hook(module)  # a TF name tapejax lacks says so (see _missing_api)


def pick(source, names):
    return {n: getattr(source, n) for n in names}
