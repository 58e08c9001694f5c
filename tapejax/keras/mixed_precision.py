"""`keras.mixed_precision`: `DTypePolicy`/`Policy`, `global_policy`, `set_global_policy`,
`LossScaleOptimizer`.

A policy of one dtype (`'float32'`, `'float16'`, `'bfloat16'`, ...) sets the dtype of layers created
afterwards, as Keras 3. A mixed policy (`'mixed_float16'`, `'mixed_bfloat16'`) gives layers float32
variables and float16/bfloat16 computations: inputs are cast to the compute dtype and variables are
read in it inside `call` (see `_dtype_policy`); `Model.compile` under `'mixed_float16'` wraps the
optimizer in a `LossScaleOptimizer`, as Keras 3 does.
"""

from tapejax.keras._mixed_precision import (
    DTypePolicy,
    LossScaleOptimizer,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
