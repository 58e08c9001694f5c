"""Op tables grouped as TF groups them, over one dispatch path (`_dispatch.apply`)."""

from tapejax._ops import _operators, array_ops, linalg_ops, math_ops, nn_ops, random_ops, variable_scatter_ops

__all__ = ["_operators", "array_ops", "linalg_ops", "math_ops", "nn_ops", "random_ops", "variable_scatter_ops"]
