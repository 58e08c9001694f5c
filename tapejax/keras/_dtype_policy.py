"""Keras 3 dtype policies and the autocast scope (behind `keras.mixed_precision`).

A policy names the dtype of a layer's computations and of its variables: `'float32'` (both),
`'mixed_float16'` / `'mixed_bfloat16'` (float16/bfloat16 compute, float32 variables). A layer whose
two dtypes differ opens an autocast scope around its `call`, as Keras 3 does: inside it, the float
variables created with `autocast=True` are read in the compute dtype (a recorded cast, so
gradients reach the float32 variables in float32). The scope is per thread, as Keras' global state.
"""

from __future__ import annotations

import threading

from tapejax import _dtypes
from tapejax.keras import _config

_MIXED = ("mixed_float16", "mixed_bfloat16")


class DTypePolicy:
    """A layer dtype policy: the dtype of its computations and of its variables.

    Args:
      name: `'mixed_float16'`, `'mixed_bfloat16'`, or a dtype name (`'float32'`); default
        `keras.config.floatx()`.

    Raises:
      TypeError: for a non-string name.
      ValueError: for a name that is neither.
    """

    def __init__(self, name=None):
        if name is None:
            name = _config.floatx()
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: "
                            f"name={name} (of type {type(name)})")
        if name in _MIXED:
            compute, variable = name.split("_")[1], "float32"
        else:
            try:
                compute = variable = _dtypes.as_dtype(name).name
            except (TypeError, ValueError, KeyError):
                raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. "
                                 f"Valid policies include 'mixed_float16', 'mixed_bfloat16', and "
                                 f"the name of any float dtype such as 'float32'.") from None
        self._name, self._compute_dtype, self._variable_dtype = name, compute, variable

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash((type(self), self._name))

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


def get(dtype):
    """The policy a layer built with `dtype` gets.

    Args:
      dtype: None (the global policy), a `DTypePolicy`, a policy name, or a dtype (a `tf.DType`,
        a NumPy dtype).

    Returns:
      A `DTypePolicy`.

    Raises:
      ValueError: for a name that is no policy.
    """
    if isinstance(dtype, DTypePolicy):
        return dtype
    if dtype is None:
        return DTypePolicy(_config.default_layer_dtype())
    if isinstance(dtype, str):
        return DTypePolicy(dtype)
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and name in _MIXED:
        return DTypePolicy(name)
    try:
        return DTypePolicy(_dtypes.as_dtype(dtype).name)
    except (TypeError, ValueError, KeyError):
        raise ValueError(f"Cannot interpret `dtype` argument. Expected a string (such as "
                         f"'float32' or 'mixed_float16') or a `DTypePolicy` instance. Received: "
                         f"dtype={dtype}") from None


# -- the autocast scope --------------------------------------------------------------------------
_scope = threading.local()


def autocast_dtype():
    """The dtype float variables are read in now (a dtype name), or None outside a scope."""
    return getattr(_scope, "dtype", None)


def set_autocast_dtype(dtype):
    """Sets the scope's dtype (None: no casting); returns the previous one."""
    previous = getattr(_scope, "dtype", None)
    _scope.dtype = dtype
    return previous
