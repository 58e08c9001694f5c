"""`keras.mixed_precision`: `DTypePolicy`/`Policy`, `global_policy`, `set_global_policy`,
`LossScaleOptimizer`.

A policy of one dtype (`'float32'`, `'float16'`, `'bfloat16'`, ...) sets the dtype of layers created
afterwards, as Keras 3. A mixed policy (`'mixed_float16'`, `'mixed_bfloat16'`) gives layers float32
variables and float16/bfloat16 computations: inputs are cast to the compute dtype and variables are
read in it inside `call` (see `_dtype_policy`); `Model.compile` under `'mixed_float16'` wraps the
optimizer in a `LossScaleOptimizer`, as Keras 3 does.
"""

from __future__ import annotations

from tapejax.keras import _config
from tapejax.keras._dtype_policy import DTypePolicy
from tapejax.keras._optimizers import LossScaleOptimizer

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy", "dtype_policy",
           "set_dtype_policy", "LossScaleOptimizer"]

Policy = DTypePolicy


def global_policy():
    """The policy of layers created without a dtype (from `floatx()` unless set)."""
    return DTypePolicy(_config.default_layer_dtype())


def set_global_policy(policy):
    """Sets the policy of layers created afterwards.

    Args:
      policy: a `DTypePolicy` or its name (`'mixed_float16'`, `'float32'`, ...).

    Raises:
      ValueError: for anything else (None included), as Keras.
    """
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(f"Invalid `policy` argument. Expected the string name of a policy (such "
                         f"as 'mixed_float16') or a `DTypePolicy` instance. Received: "
                         f"policy={policy} (of type {type(policy)})")
    _config._state["policy"] = policy.name


dtype_policy = global_policy
set_dtype_policy = set_global_policy
