"""`tf.nn.compute_average_loss` and `tf.nn.scale_regularization_loss`.

Inside `strategy.run` with several replicas, `fn` runs per replica (see `_replica`), as in TF: the
average divides by the per-replica batch times the number of replicas, and the regularization loss
is divided by the number of replicas, so that `strategy.reduce(SUM, ...)` of the replicas' losses is
the single-device loss. With one replica both are the plain average and sum.
"""

from __future__ import annotations

import numpy as np

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.distribute import _state

# TF's true division of integers: int8/int16 (and unsigned) give float32, int32/int64 float64.
INT_QUOTIENT = {"int8": _dtypes.float32, "int16": _dtypes.float32, "uint8": _dtypes.float32,
                 "uint16": _dtypes.float32, "int32": _dtypes.float64, "int64": _dtypes.float64}


def _divide_no_nan(numerator, denominator):
    quotient = INT_QUOTIENT.get(numerator.dtype.name)
    if quotient is not None:
        numerator, denominator = math_ops.cast(numerator, quotient), math_ops.cast(denominator, quotient)
    return math_ops.divide_no_nan(numerator, denominator)


def _check_replica_context(name):
    if _state.in_cross_replica_context():
        raise RuntimeError(f"You are calling `{name}` in cross replica context, while it was expected "
                           f"to be called in replica context.")


def _global_batch_size(value):
    """TF's checks of `global_batch_size`: a non-negative integer scalar."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise InvalidArgumentError(
                f"global_batch_size must be non-negative..   \nCondition x >= 0 did not hold element-wise:\n"
                f"x (shape=() dtype=int32) = \n{int(value)}")
        return value
    size = convert_to_tensor(value)
    if size.shape.rank != 0:
        raise InvalidArgumentError("global_batch_size must be scalar.")
    if not size.dtype.is_integer:
        raise TypeError(f'global_batch_size must be an integer..  Expected "x" to be integer type.  '
                        f"Found: tensor of dtype <dtype: '{size.dtype.name}'>")
    return size


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """Scales per-example losses with sample_weights and computes their average.

    Args:
      per_example_loss: Per-example loss, of rank 1 or more.
      sample_weight: Optional weighting for each example (broadcast to the losses).
      global_batch_size: Optional global batch size value. Defaults to the size of the first
        dimension of `per_example_loss` times the number of replicas (inside `strategy.run`).

    Returns:
      Scalar loss value, obtained by summing the `per_example_loss` and dividing by
      `global_batch_size`. If `global_batch_size` is zero, the result is zero.

    Raises:
      ValueError: `per_example_loss` is a scalar.
      RuntimeError: `global_batch_size` is not given and this runs in a strategy's cross-replica
        context (inside `strategy.scope()` but outside `strategy.run`).
    """
    per_example_loss = convert_to_tensor(per_example_loss)
    input_dtype = per_example_loss.dtype
    if per_example_loss.shape.rank == 0:
        raise ValueError(f"Invalid value passed for `per_example_loss`. Expected a tensor with at least "
                         f"rank 1. Received per_example_loss={per_example_loss.numpy()} with rank 0")
    if sample_weight is not None:
        weights = math_ops.cast(convert_to_tensor(sample_weight), input_dtype)
        per_example_loss = math_ops.cast(math_ops.multiply(per_example_loss, weights), input_dtype)
    if global_batch_size is None:
        _check_replica_context("compute_average_loss")
        rows = per_example_loss.shape[0]
        global_batch_size = array_ops.shape(per_example_loss)[0] if rows is None else rows
        replicas = _state.replicas_in_run()
        if replicas is not None:
            global_batch_size = global_batch_size * replicas
    global_batch_size = _global_batch_size(global_batch_size)
    loss = math_ops.reduce_sum(per_example_loss)
    return _divide_no_nan(loss, math_ops.cast(global_batch_size, input_dtype))


def scale_regularization_loss(regularization_loss):
    """Scales the sum of the given regularization losses by number of replicas.

    Each replica adds it to its share of the loss, so it is divided by the number of replicas
    (inside `strategy.run`; by one elsewhere).

    Args:
      regularization_loss: Regularization loss (a scalar, or losses to sum).

    Returns:
      Scalar loss value.

    Raises:
      RuntimeError: this runs in a strategy's cross-replica context.
    """
    _check_replica_context("scale_regularization_loss")
    total = math_ops.reduce_sum(convert_to_tensor(regularization_loss))
    return _divide_no_nan(total, math_ops.cast(_state.replicas_in_run() or 1, total.dtype))
