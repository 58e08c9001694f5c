"""`tf.compat`: the helpers TF 2 code reaches there, and the part of `tf.compat.v1` eager code can use.

tapejax runs TF 2 eager and `tf.function` code. `tf.compat.v1` holds TF 2's API (built by
`tapejax/__init__.py` from the top-level names) plus what this module adds: `Dimension`,
`enable_eager_execution`/`enable_v2_behavior` (no-ops: eager is always on), `executing_eagerly`,
`enable_tensor_equality`/`disable_tensor_equality`; the names that need TF 1 graphs and sessions
(`Session`, `placeholder`, `get_variable`, `variable_scope`, `disable_eager_execution`, ...) raise
NotImplementedError. `tf.compat.v2` is tapejax itself.
"""

from __future__ import annotations

import numbers
import os
import sys

import numpy as np

from tapejax import _function, _namespaces
from tapejax._dimension import Dimension, dimension_at_index, dimension_value
from tapejax._ops import _operators
from tapejax._tensor import Tensor
from tapejax._variable import Variable

# ---- tf.compat ----------------------------------------------------------------------------------

bytes_or_text_types = (bytes, str)
integral_types = (numbers.Integral, np.integer)
real_types = (numbers.Real, np.integer, np.floating)
complex_types = (numbers.Complex, np.number)
_FORWARD_COMPATIBILITY_HORIZON = (2026, 1, 16)  # TF 2.21's (tensorflow/python/compat/compat.py)


def as_bytes(bytes_or_text, encoding="utf-8"):
    """`bytes_or_text` as bytes (str encoded with `encoding`), as `tf.compat.as_bytes`.

    Raises:
      TypeError: for a value that is neither bytes nor str.
    """
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """`bytes_or_text` as str (bytes decoded with `encoding`), as `tf.compat.as_text`.

    Raises:
      TypeError: for a value that is neither bytes nor str.
    """
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8"):
    """`value` as str: bytes decoded, anything else through `str()`."""
    return as_text(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path):
    """A path-like object as its str (`os.fspath`); other values unchanged."""
    return as_str_any(os.fspath(path)) if isinstance(path, os.PathLike) else path


def forward_compatible(year, month, day):
    """Whether TF 2.21's forward-compatibility horizon is past the given date."""
    return _FORWARD_COMPATIBILITY_HORIZON > (year, month, day)


COMPAT = ["as_bytes", "as_str", "as_str_any", "as_text", "bytes_or_text_types", "complex_types",
          "dimension_at_index", "dimension_value", "forward_compatible", "integral_types", "path_to_str",
          "real_types"]

# ---- tf.compat.v1 -------------------------------------------------------------------------------

_WHY = ("tapejax runs TF 2 eager and tf.function code only, not TF 1 graphs and sessions; write it "
        "as TF 2 code (eager ops, tf.function, tf.Variable, tf.GradientTape, Keras).")


def executing_eagerly_outside_functions():
    """Always True: tapejax has no TF 1 graph mode."""
    return True


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """A no-op: tapejax always executes eagerly (TF 2 behaviour)."""


def enable_v2_behavior():
    """A no-op: tapejax always has TF 2 behaviour."""


def enable_v2_tensorshape():
    """A no-op: tapejax's shapes index to ints and None (TF 2 behaviour)."""


def _graph_only(name):
    def missing(*args, **kwargs):
        raise NotImplementedError(f"tf.compat.v1.{name}: {_WHY}")

    missing.__name__ = missing.__qualname__ = name.rsplit(".", 1)[-1]
    missing.__doc__ = f"`tf.compat.v1.{name}`: needs TF 1 graphs (raises NotImplementedError)."
    return missing


def _graph_only_class(name):
    def __new__(cls, *args, **kwargs):
        raise NotImplementedError(f"tf.compat.v1.{name}: {_WHY}")

    return type(name.rsplit(".", 1)[-1], (), {
        "__new__": __new__, "__module__": "tapejax.compat.v1",
        "__doc__": f"`tf.compat.v1.{name}`: needs TF 1 graphs (creating one raises NotImplementedError)."})


GRAPH_ONLY = [
    "disable_eager_execution", "disable_v2_behavior", "disable_v2_tensorshape", "disable_resource_variables",
    "placeholder", "placeholder_with_default", "get_variable", "get_local_variable", "variable_scope",
    "get_variable_scope", "global_variables_initializer", "local_variables_initializer",
    "tables_initializer", "initialize_all_variables", "variables_initializer", "global_variables",
    "local_variables", "trainable_variables", "get_default_graph", "reset_default_graph",
    "get_collection", "add_to_collection", "get_default_session", "train.Saver", "train.Optimizer",
    "train.GradientDescentOptimizer", "train.AdamOptimizer", "train.MomentumOptimizer",
    "train.RMSPropOptimizer", "train.AdagradOptimizer", "train.get_or_create_global_step",
    "train.MonitoredTrainingSession", "train.import_meta_graph", "layers.dense", "layers.conv2d",
    "layers.dropout", "layers.batch_normalization", "layers.flatten", "layers.max_pooling2d",
    "losses.mean_squared_error", "losses.softmax_cross_entropy", "losses.sparse_softmax_cross_entropy",
    "metrics.accuracy", "summary.FileWriter", "summary.scalar", "summary.merge_all",
    "saved_model.simple_save", "saved_model.loader.load", "Session", "InteractiveSession", "ConfigProto",
    "GraphDef", "RunOptions", "RunMetadata", "AUTO_REUSE"]


def graph_only_members():
    """The NotImplementedError stand-ins, by dotted name under `tf.compat.v1` (CamelCase: classes)."""
    out = {}
    for name in GRAPH_ONLY:
        last = name.rsplit(".", 1)[-1]
        out[name] = _graph_only_class(name) if last[:1].isupper() and not last.isupper() else _graph_only(name)
    return out


def disable_tensor_equality():
    """Makes `==`/`!=` on Tensors and Variables compare identity and Variables hashable (TF 1's rule).

    Tensors stay unhashable, as on TF 2.21.
    """
    for cls in (Tensor, Variable):
        cls.__eq__ = object.__eq__
        cls.__ne__ = object.__ne__
    Variable.__hash__ = object.__hash__


def enable_tensor_equality():
    """Makes `==`/`!=` on Tensors and Variables elementwise again (TF 2's rule; Variables unhashable)."""
    for cls in (Tensor, Variable):
        cls.__eq__ = _operators.OPERATORS["__eq__"]
        cls.__ne__ = _operators.OPERATORS["__ne__"]
        cls.__hash__ = _operators._unhashable[cls]


V1 = {"Dimension": Dimension, "dimension_value": dimension_value, "dimension_at_index": dimension_at_index,
      "executing_eagerly": _function.executing_eagerly,
      "executing_eagerly_outside_functions": executing_eagerly_outside_functions,
      "enable_eager_execution": enable_eager_execution, "enable_v2_behavior": enable_v2_behavior,
      "enable_v2_tensorshape": enable_v2_tensorshape, "enable_tensor_equality": enable_tensor_equality,
      "disable_tensor_equality": disable_tensor_equality}


def namespaces(top_level, package, tf1_spellings):
    """Builds `tf.compat` (with `v1` and `v2`) as modules.

    Args:
      top_level: tapejax's top-level names (the TF 2 API that `tf.compat.v1` also holds).
      package: the tapejax package module (`tf.compat.v2`).
      tf1_spellings: top-level names TF 1 had that TF 2 keeps in a namespace (`tf.compat.v1.log`).

    Returns:
      The `tapejax.compat` module.
    """
    members = {**{n: v for n, v in top_level.items() if not n.startswith("_")}, **tf1_spellings, **V1}
    groups = {}
    for dotted, stub in graph_only_members().items():
        group, _, name = dotted.rpartition(".")
        if group:
            groups.setdefault(group, {})[name] = stub
        else:
            members[name] = stub
    for group, stubs in groups.items():
        base = top_level.get(group)
        inherited = {n: getattr(base, n) for n in getattr(base, "__all__", ())} if base is not None else {}
        members[group] = _namespaces.make(f"compat.v1.{group}", f"tf.compat.v1.{group}", {**inherited, **stubs})
    v1 = _namespaces.make("compat.v1", "tf.compat.v1 (TF 2's API; TF 1 graph APIs raise NotImplementedError)",
                          members)
    v1.__path__ = []  # packages, so that `import tensorflow.compat.v1 as tf` resolves
    sys.modules[f"{package.__name__}.compat.v2"] = package
    compat = _namespaces.make("compat", "tf.compat", {
        **{n: globals()[n] for n in COMPAT}, "v1": v1, "v2": package})
    compat.__path__ = []
    return compat
