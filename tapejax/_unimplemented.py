"""TF names tapejax does not implement yet: `tf.sets`, and the few `tf.sparse` / `tf.ragged` ops
that `tapejax._sparse` / `tapejax._ragged` do not have.

Each such name TF 2.21 exports exists, so `hasattr` answers as in TF; calling a function raises
`NotImplementedError` naming the missing API. A name TF does not export raises `AttributeError`,
as TF does.
"""

from __future__ import annotations

SPARSE = ["cross", "cross_hashed", "sampled_addmm"]  # the rest: tapejax._sparse
RAGGED = ["cross", "cross_hashed", "stack_dynamic_partitions"]  # the rest: tapejax._ragged
SETS = ["difference", "intersection", "size", "union"]
TOP_LEVEL = {}  # tf.SparseTensor, tf.RaggedTensor and their specs are implemented

_WHY = {
    "sparse": "tapejax has no sparse tensors yet; use dense tensors (e.g. tf.scatter_nd / tf.gather).",
    "ragged": "tapejax's tf.ragged has the common ops but not this one; convert with rt.to_tensor() or "
              "work on rt.flat_values.",
    "sets": "tapejax has no tf.sets ops yet (they work on sparse tensors).",
}


def _message(api):
    namespace = api.split(".")[1] if api.count(".") >= 2 else ("sparse" if "Sparse" in api else "ragged")
    return f"{api} is not implemented in tapejax yet: {_WHY[namespace]}"


def _missing_function(api):
    def missing(*args, **kwargs):
        raise NotImplementedError(_message(api))

    missing.__name__ = api.rsplit(".", 1)[1]
    missing.__qualname__ = missing.__name__
    missing.__doc__ = f"`{api}`: not implemented in tapejax (raises NotImplementedError)."
    return missing


def _missing_class(api):
    def __new__(cls, *args, **kwargs):
        raise NotImplementedError(_message(api))

    name = api.rsplit(".", 1)[1]
    return type(name, (), {"__new__": __new__, "__module__": "tapejax",
                           "__doc__": f"`{api}`: not implemented in tapejax (creating one raises "
                                      f"NotImplementedError; isinstance checks are False)."})


def members(namespace, names):
    """The stand-ins for `tf.<namespace>.<name>` for each name (classes for CamelCase names)."""
    out = {}
    for name in names:
        api = f"tf.{namespace}.{name}"
        out[name] = _missing_class(api) if name[:1].isupper() else _missing_function(api)
    return out


def top_level():
    """`tf.SparseTensor`, `tf.RaggedTensor` and their specs (the same classes as the namespaces')."""
    return {name: _missing_class(api) for name, api in TOP_LEVEL.items()}
