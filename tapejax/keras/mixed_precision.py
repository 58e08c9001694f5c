"""`keras.mixed_precision`: `DTypePolicy`/`Policy`, `global_policy`, `set_global_policy`.

A policy of one dtype (`'float32'`, `'float16'`, `'bfloat16'`, `'float64'`, ...) sets the dtype of
layers created afterwards, as Keras 3. The mixed policies (`'mixed_float16'`, `'mixed_bfloat16'`:
float16/bfloat16 compute with float32 variables) can be built and inspected, but tapejax's layers
keep one dtype for their computation and variables, so making one the global policy raises
NotImplementedError instead of training in another precision than TF.
"""

from __future__ import annotations

from tapejax import _dtypes
from tapejax.keras import _config

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy", "dtype_policy",
           "set_dtype_policy"]


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
        if name in ("mixed_float16", "mixed_bfloat16"):
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


Policy = DTypePolicy


def global_policy():
    """The policy of layers created without a dtype (from `floatx()` unless set)."""
    return DTypePolicy(_config.default_layer_dtype())


def set_global_policy(policy):
    """Sets the policy of layers created afterwards.

    Args:
      policy: a `DTypePolicy` or its name.

    Raises:
      ValueError: for anything else (None included), as Keras.
      NotImplementedError: for a mixed policy (tapejax layers have one dtype).
    """
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(f"Invalid `policy` argument. Expected the string name of a policy (such "
                         f"as 'mixed_float16') or a `DTypePolicy` instance. Received: "
                         f"policy={policy} (of type {type(policy)})")
    if policy.compute_dtype != policy.variable_dtype:
        raise NotImplementedError(
            f"tapejax's Keras layers compute in the dtype of their variables, so the mixed policy "
            f"'{policy.name}' ({policy.compute_dtype} compute, {policy.variable_dtype} variables) "
            f"is not supported yet. Use a single-dtype policy such as "
            f"'{policy.compute_dtype}' or 'float32'.")
    _config._state["policy"] = policy.compute_dtype


dtype_policy = global_policy
set_dtype_policy = set_global_policy
