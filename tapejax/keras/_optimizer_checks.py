"""Checks Keras 3 makes before an optimizer updates its variables (called by `optimizers.Optimizer.apply`).

Keras 3 (`BaseOptimizer._check_variables_are_known`) refuses a variable the optimizer was not built
with, and TF's update op refuses a gradient of another shape; without the checks a new variable
would silently start training and a gradient would broadcast into the variable.
"""

from __future__ import annotations

from tapejax._errors import InvalidArgumentError


def check_apply(optimizer, gradients, variables):
    """Raises Keras'/TF's error for an update `optimizer` cannot make.

    Args:
      optimizer: the Optimizer (its `built` flag and `_slots`, keyed by variable id).
      gradients: the gradient arrays (dense), one per variable.
      variables: the variables to update.

    Raises:
      ValueError: a variable the built optimizer does not know (Keras 3's message).
      InvalidArgumentError: a gradient whose shape is not its variable's (TF's message).
    """
    if optimizer.built:
        slots = optimizer._slots
        for v in variables:
            if v._id not in slots:
                raise ValueError(
                    f"Unknown variable: {v!r}. This optimizer can only be called for the variables it was "
                    f"originally built with. When working with a new set of variables, you should recreate "
                    f"a new optimizer instance.")
    for g, v in zip(gradients, variables):
        g_shape, v_shape = tuple(g.shape), tuple(v.shape)
        if g_shape != v_shape:
            raise InvalidArgumentError(
                f"Cannot update variable with shape [{','.join(map(str, v_shape))}] using a Tensor with "
                f"shape [{','.join(map(str, g_shape))}], shapes must be equal. [Op:AssignSubVariableOp] "
                f"name: \ntapejax: the gradient for {v.name} has another shape than the variable.")
