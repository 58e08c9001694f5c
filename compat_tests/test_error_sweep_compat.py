"""The error sweep (issue 16): every op-table row called with invalid arguments, one call per argument
kind that applies to it (wrong dtype, wrong rank, out-of-range axis, negative size, non-integer size),
compared with TF's exception class.

Cases are generated from the op tables (`tapejax._ops.*`), so a new row gets its invalid calls. TF's
class for each case was measured on TF 2.21 and is pinned in `TF_CLASS` (regenerate with
`python -m compat_tests.test_error_sweep_compat`); the test checks TF still raises it and tapejax
raises the same. Where TF returns a value for an invalid call (`TF_SILENT`: silently wrong), tapejax
raises instead and the test says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from compat_tests import _harness as H
from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops

M23 = np.arange(6, dtype=np.float32).reshape(2, 3)


def _s(tf):
    return tf.constant(["a", "b"])


# -- elementwise and reduction rows: uniform call conventions --------------------------------------
def _math_fn(tf, name):
    return getattr(tf.math, name, None) or getattr(tf, name)


def _unary_cases(name):
    return {
        f"{name}/dtype_string": lambda tf: _math_fn(tf, name)(_s(tf)),
        f"{name}/dtype_int": lambda tf: _math_fn(tf, name)(tf.constant([1, 2])),
    }


def _binary_cases(name):
    return {
        f"{name}/dtype_mismatch": lambda tf: _math_fn(tf, name)(tf.ones([2]), tf.ones([2], tf.float64)),
        f"{name}/dtype_string": lambda tf: _math_fn(tf, name)(_s(tf), _s(tf)),
        f"{name}/rank_incompatible": lambda tf: _math_fn(tf, name)(tf.ones([2, 3]), tf.ones([2])),
    }


def _bitwise_cases(name):
    fn = lambda tf: getattr(tf.bitwise, name)  # noqa: E731
    if name == "invert":
        return {f"{name}/dtype_float": lambda tf: fn(tf)(tf.ones([2]))}
    return {f"{name}/dtype_float": lambda tf: fn(tf)(tf.ones([2]), tf.ones([2])),
            f"{name}/rank_incompatible": lambda tf: fn(tf)(tf.constant([[1, 2, 3]]), tf.constant([1, 2]))}


def _reduction_cases(name):
    fn = lambda tf: getattr(tf.math, name)  # noqa: E731
    return {
        f"{name}/axis_out_of_range": lambda tf: fn(tf)(tf.constant(M23), axis=2),
        f"{name}/negative_axis_out_of_range": lambda tf: fn(tf)(tf.constant(M23), axis=-3),
        f"{name}/axis_non_integer": lambda tf: fn(tf)(tf.constant(M23), axis=0.5),
        f"{name}/dtype_string": lambda tf: fn(tf)(_s(tf)),
    }


# -- array, nn and linalg rows: each row's public function, invalid per argument kind ---------------
def _x(tf):
    return tf.constant(M23)


TABLE = {
    "argsort": {"axis_out_of_range": lambda tf: tf.argsort(_x(tf), axis=2),
                "dtype_string": lambda tf: tf.argsort(_s(tf))},
    "boolean_mask": {"rank": lambda tf: tf.boolean_mask(_x(tf), [True]),
                     "dtype": lambda tf: tf.boolean_mask(_x(tf), [1.0, 0.0])},
    "broadcast_to": {"negative_size": lambda tf: tf.broadcast_to(_x(tf), [-1, 3]),
                     "non_integer_size": lambda tf: tf.broadcast_to(_x(tf), [2.5, 3]),
                     "rank": lambda tf: tf.broadcast_to(_x(tf), [3])},
    "concat": {"axis_out_of_range": lambda tf: tf.concat([_x(tf), _x(tf)], 2),
               "dtype": lambda tf: tf.concat([_x(tf), tf.ones([2, 3], tf.float64)], 0),
               "rank": lambda tf: tf.concat([_x(tf), tf.ones([3])], 0)},
    "expand_dims": {"axis_out_of_range": lambda tf: tf.expand_dims(_x(tf), 4),
                    "axis_non_integer": lambda tf: tf.expand_dims(_x(tf), 0.5)},
    "gather": {"axis_out_of_range": lambda tf: tf.gather(_x(tf), [0], axis=2),
               "dtype": lambda tf: tf.gather(_x(tf), [0.5]),
               "index_out_of_range": lambda tf: tf.gather(_x(tf), [7])},
    "gather_nd": {"dtype": lambda tf: tf.gather_nd(_x(tf), [[0.5]]),
                  "index_out_of_range": lambda tf: tf.gather_nd(_x(tf), [[5, 0]]),
                  "rank": lambda tf: tf.gather_nd(_x(tf), [[0, 0, 0]])},
    "getitem": {"index_out_of_range": lambda tf: _x(tf)[5],
                "rank": lambda tf: _x(tf)[0, 0, 0],
                "dtype": lambda tf: _x(tf)[0.5]},
    "identity": {"dtype": lambda tf: tf.identity(object())},
    "linspace": {"negative_size": lambda tf: tf.linspace(0.0, 1.0, -1),
                 "non_integer_size": lambda tf: tf.linspace(0.0, 1.0, 2.5)},
    "one_hot": {"negative_size": lambda tf: tf.one_hot([0], -2),
                "non_integer_size": lambda tf: tf.one_hot([0], 2.5),
                "dtype": lambda tf: tf.one_hot([0.5], 2)},
    "ones_like": {"dtype": lambda tf: tf.ones_like(object())},
    "pad": {"negative_size": lambda tf: tf.pad(_x(tf), [[-1, 0], [0, 0]]),
            "rank": lambda tf: tf.pad(_x(tf), [[1, 1]]),
            "non_integer_size": lambda tf: tf.pad(_x(tf), [[0.5, 0], [0, 0]])},
    "repeat": {"negative_size": lambda tf: tf.repeat(_x(tf), -1, axis=0),
               "axis_out_of_range": lambda tf: tf.repeat(_x(tf), 2, axis=3)},
    "reshape": {"negative_size": lambda tf: tf.reshape(_x(tf), [-2, -3]),
                "non_integer_size": lambda tf: tf.reshape(_x(tf), [2.0, 3.0]),
                "size": lambda tf: tf.reshape(_x(tf), [4])},
    "reverse": {"axis_out_of_range": lambda tf: tf.reverse(_x(tf), [2]),
                "axis_non_integer": lambda tf: tf.reverse(_x(tf), [0.5])},
    "scatter_nd": {"negative_size": lambda tf: tf.scatter_nd([[0]], [1.0], [-1]),
                   "index_out_of_range": lambda tf: tf.scatter_nd([[4]], [1.0], [3]),
                   "dtype": lambda tf: tf.scatter_nd([[0.5]], [1.0], [3])},
    "slice": {"negative_size": lambda tf: tf.slice(_x(tf), [0, 0], [-2, 1]),
              "rank": lambda tf: tf.slice(_x(tf), [0], [1]),
              "out_of_range": lambda tf: tf.slice(_x(tf), [0, 0], [3, 1])},
    "sort": {"axis_out_of_range": lambda tf: tf.sort(_x(tf), axis=2)},
    "split": {"axis_out_of_range": lambda tf: tf.split(_x(tf), 2, axis=2),
              "size": lambda tf: tf.split(_x(tf), [1, 1], axis=1),
              "negative_size": lambda tf: tf.split(_x(tf), -1)},
    "squeeze": {"axis_out_of_range": lambda tf: tf.squeeze(tf.ones([1, 3]), [2]),
                "size": lambda tf: tf.squeeze(_x(tf), [0])},
    "stack": {"axis_out_of_range": lambda tf: tf.stack([_x(tf), _x(tf)], axis=4),
              "rank": lambda tf: tf.stack([_x(tf), tf.ones([3])]),
              "dtype": lambda tf: tf.stack([_x(tf), tf.ones([2, 3], tf.float64)])},
    "stop_gradient": {"dtype": lambda tf: tf.stop_gradient(object())},
    "tile": {"negative_size": lambda tf: tf.tile(_x(tf), [-1, 1]),
             "rank": lambda tf: tf.tile(_x(tf), [2]),
             "non_integer_size": lambda tf: tf.tile(_x(tf), [1.5, 1])},
    "transpose": {"rank": lambda tf: tf.transpose(_x(tf), [0]),
                  "axis_out_of_range": lambda tf: tf.transpose(_x(tf), [0, 2])},
    "transpose_conjugate": {"rank": lambda tf: tf.transpose(tf.complex(_x(tf), _x(tf)), [0], conjugate=True),
                            "axis_out_of_range": lambda tf: tf.transpose(tf.complex(_x(tf), _x(tf)), [0, 2],
                                                                         conjugate=True)},
    "unstack": {"axis_out_of_range": lambda tf: tf.unstack(_x(tf), axis=2),
                "size": lambda tf: tf.unstack(_x(tf), num=3)},
    "where": {"rank": lambda tf: tf.where(tf.constant([True, False]), tf.ones([3]), tf.ones([3])),
              "dtype": lambda tf: tf.where(tf.constant([True]), tf.ones([1]), tf.ones([1], tf.float64))},
    "where_index": {"dtype": lambda tf: tf.where(_s(tf))},
    "zeros_like": {"dtype": lambda tf: tf.zeros_like(object())},
    # tensor_scatter_nd_*: one set of invalid calls per row
    **{name: {"index_out_of_range": (lambda n: lambda tf: getattr(tf, n)(tf.ones([3]), [[5]], [1.0]))(name),
              "dtype": (lambda n: lambda tf: getattr(tf, n)(tf.ones([3]), [[0.5]], [1.0]))(name),
              "rank": (lambda n: lambda tf: getattr(tf, n)(tf.ones([3]), [[0]], [[1.0, 2.0]]))(name)}
       for name in ("tensor_scatter_nd_add", "tensor_scatter_nd_max", "tensor_scatter_nd_min",
                    "tensor_scatter_nd_sub", "tensor_scatter_nd_update")},
    # nn
    "avg_pool2d": {"rank": lambda tf: tf.nn.avg_pool2d(tf.ones([3, 3]), 2, 1, "VALID"),
                   "size": lambda tf: tf.nn.avg_pool2d(tf.ones([1, 3, 3, 1]), 5, 1, "VALID")},
    "bias_add": {"rank": lambda tf: tf.nn.bias_add(_x(tf), tf.ones([2])),
                 "dtype": lambda tf: tf.nn.bias_add(_x(tf), tf.ones([3], tf.float64))},
    "conv2d": {"rank": lambda tf: tf.nn.conv2d(tf.ones([3, 3]), tf.ones([2, 2, 1, 1]), 1, "VALID"),
               "dtype": lambda tf: tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1], tf.float64), 1,
                                                "VALID"),
               "size": lambda tf: tf.nn.conv2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 3, 1]), 1, "VALID")},
    "dropout": {"out_of_range": lambda tf: tf.nn.dropout(_x(tf), rate=1.5),
                "dtype": lambda tf: tf.nn.dropout(tf.constant([1, 2]), rate=0.5)},
    "elu": {"dtype": lambda tf: tf.nn.elu(tf.constant([1, 2]))},
    "gelu": {"dtype": lambda tf: tf.nn.gelu(tf.constant([1, 2]))},
    "l2_loss": {"dtype": lambda tf: tf.nn.l2_loss(_s(tf))},
    "leaky_relu": {"dtype": lambda tf: tf.nn.leaky_relu(_s(tf))},
    "log_softmax": {"axis_out_of_range": lambda tf: tf.nn.log_softmax(_x(tf), axis=2),
                    "dtype": lambda tf: tf.nn.log_softmax(tf.constant([1, 2]))},
    "max_pool2d": {"rank": lambda tf: tf.nn.max_pool2d(tf.ones([3, 3]), 2, 1, "VALID"),
                   "size": lambda tf: tf.nn.max_pool2d(tf.ones([1, 3, 3, 1]), 5, 1, "VALID")},
    "relu": {"dtype": lambda tf: tf.nn.relu(_s(tf))},
    "relu6": {"dtype": lambda tf: tf.nn.relu6(_s(tf))},
    "selu": {"dtype": lambda tf: tf.nn.selu(tf.constant([1, 2]))},
    "sigmoid_xent": {"rank": lambda tf: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones([2]),
                                                                                 logits=tf.ones([3])),
                     "dtype": lambda tf: tf.nn.sigmoid_cross_entropy_with_logits(
                         labels=tf.ones([2], tf.float64), logits=tf.ones([2]))},
    "silu": {"dtype": lambda tf: tf.nn.silu(tf.constant([1, 2]))},
    "softmax": {"axis_out_of_range": lambda tf: tf.nn.softmax(_x(tf), axis=2),
                "dtype": lambda tf: tf.nn.softmax(tf.constant([1, 2]))},
    "softmax_xent": {"rank": lambda tf: tf.nn.softmax_cross_entropy_with_logits(labels=tf.ones([2, 2]),
                                                                                 logits=tf.ones([2, 3])),
                     "dtype": lambda tf: tf.nn.softmax_cross_entropy_with_logits(
                         labels=tf.ones([2, 3], tf.float64), logits=_x(tf))},
    "sparse_softmax_xent": {
        "rank": lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[0, 1]], logits=_x(tf)),
        "dtype": lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0.5, 1.0], logits=_x(tf)),
        "index_out_of_range": lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 5],
                                                                                        logits=_x(tf))},
    # linalg
    "band_part": {"rank": lambda tf: tf.linalg.band_part(tf.ones([3]), 1, 1),
                  "non_integer_size": lambda tf: tf.linalg.band_part(_x(tf), 0.5, 1)},
    "cholesky": {"rank": lambda tf: tf.linalg.cholesky(tf.ones([3])),
                 "size": lambda tf: tf.linalg.cholesky(_x(tf)),
                 "dtype": lambda tf: tf.linalg.cholesky(tf.constant([[1, 0], [0, 1]]))},
    "det": {"rank": lambda tf: tf.linalg.det(tf.ones([3])), "size": lambda tf: tf.linalg.det(_x(tf)),
            "dtype": lambda tf: tf.linalg.det(tf.constant([[1, 0], [0, 1]]))},
    "diag": {"dtype": lambda tf: tf.linalg.diag(_s(tf))},
    "diag_part": {"rank": lambda tf: tf.linalg.diag_part(tf.ones([3]))},
    "eigh": {"rank": lambda tf: tf.linalg.eigh(tf.ones([3])), "size": lambda tf: tf.linalg.eigh(_x(tf)),
             "dtype": lambda tf: tf.linalg.eigh(tf.constant([[1, 0], [0, 1]]))},
    "einsum": {"rank": lambda tf: tf.einsum("ij,jk->ik", _x(tf), tf.ones([3])),
               "size": lambda tf: tf.einsum("ij,jk->ik", _x(tf), tf.ones([2, 2])),
               "dtype": lambda tf: tf.einsum("ij,jk->ik", _x(tf), tf.ones([3, 2], tf.float64))},
    "inv": {"rank": lambda tf: tf.linalg.inv(tf.ones([3])), "size": lambda tf: tf.linalg.inv(_x(tf)),
            "dtype": lambda tf: tf.linalg.inv(tf.constant([[1, 0], [0, 1]]))},
    "logdet": {"rank": lambda tf: tf.linalg.logdet(tf.ones([3])), "size": lambda tf: tf.linalg.logdet(_x(tf))},
    "matmul": {"rank": lambda tf: tf.matmul(tf.ones([3]), tf.ones([3, 2])),
               "size": lambda tf: tf.matmul(_x(tf), _x(tf)),
               "dtype": lambda tf: tf.matmul(_x(tf), tf.ones([3, 2], tf.float64))},
    "matvec": {"rank": lambda tf: tf.linalg.matvec(tf.ones([3]), tf.ones([3])),
               "size": lambda tf: tf.linalg.matvec(_x(tf), tf.ones([2])),
               "dtype": lambda tf: tf.linalg.matvec(_x(tf), tf.ones([3], tf.float64))},
    "norm": {"axis_out_of_range": lambda tf: tf.norm(_x(tf), axis=2),
             "dtype": lambda tf: tf.norm(_s(tf))},
    "qr": {"rank": lambda tf: tf.linalg.qr(tf.ones([3])),
           "dtype": lambda tf: tf.linalg.qr(tf.constant([[1, 0], [0, 1]]))},
    "slogdet": {"rank": lambda tf: tf.linalg.slogdet(tf.ones([3])), "size": lambda tf: tf.linalg.slogdet(_x(tf))},
    "solve": {"rank": lambda tf: tf.linalg.solve(tf.ones([3]), tf.ones([3, 1])),
              "size": lambda tf: tf.linalg.solve(tf.eye(2), tf.ones([3, 1])),
              "dtype": lambda tf: tf.linalg.solve(tf.eye(2), tf.ones([2, 1], tf.float64))},
    "svd": {"rank": lambda tf: tf.linalg.svd(tf.ones([3])),
            "dtype": lambda tf: tf.linalg.svd(tf.constant([[1, 0], [0, 1]]))},
    "tensordot": {"size": lambda tf: tf.tensordot(_x(tf), _x(tf), 1),
                  "axis_out_of_range": lambda tf: tf.tensordot(_x(tf), _x(tf), [[2], [0]])},
    "trace": {"rank": lambda tf: tf.linalg.trace(tf.ones([3])), "dtype": lambda tf: tf.linalg.trace(_s(tf))},
    "triangular_solve": {"rank": lambda tf: tf.linalg.triangular_solve(tf.ones([3]), tf.ones([3, 1])),
                         "size": lambda tf: tf.linalg.triangular_solve(tf.eye(2), tf.ones([3, 1])),
                         "dtype": lambda tf: tf.linalg.triangular_solve(tf.eye(2), tf.ones([2, 1], tf.float64))},
}


def cases():
    """Every sweep case: 'row/kind' -> program(tf)."""
    out = {}
    for name in math_ops.UNARY:
        out.update(_unary_cases(name))
    for name in math_ops.BINARY:
        out.update(_binary_cases(name))
    for name in math_ops.BITWISE:
        out.update(_bitwise_cases(name))
    for name in math_ops.REDUCTIONS:
        out.update(_reduction_cases(name))
    for row, kinds in TABLE.items():
        for kind, program in kinds.items():
            out[f"{row}/{kind}"] = program
    return out


CASES = cases()
TABLE_ROWS = set(array_ops.ARRAY) | set(nn_ops.NN) | set(linalg_ops.LINALG)


# TF 2.21's outcome per case: its exception class, or None where the call is valid and TF returns a
# value (then the values are compared). Measured with `python -m compat_tests.test_error_sweep_compat`.
TF_CLASS = {
    "abs/dtype_int": None,
    "abs/dtype_string": "InvalidArgumentError",
    "acos/dtype_int": "InvalidArgumentError",
    "acos/dtype_string": "InvalidArgumentError",
    "acosh/dtype_int": "InvalidArgumentError",
    "acosh/dtype_string": "InvalidArgumentError",
    "add/dtype_mismatch": "InvalidArgumentError",
    "add/dtype_string": None,
    "add/rank_incompatible": "InvalidArgumentError",
    "angle/dtype_int": "TypeError",
    "angle/dtype_string": "TypeError",
    "argsort/axis_out_of_range": "InvalidArgumentError",
    "argsort/dtype_string": "InvalidArgumentError",
    "asin/dtype_int": "InvalidArgumentError",
    "asin/dtype_string": "InvalidArgumentError",
    "asinh/dtype_int": "InvalidArgumentError",
    "asinh/dtype_string": "InvalidArgumentError",
    "atan/dtype_int": "InvalidArgumentError",
    "atan/dtype_string": "InvalidArgumentError",
    "atan2/dtype_mismatch": "InvalidArgumentError",
    "atan2/dtype_string": "InvalidArgumentError",
    "atan2/rank_incompatible": "InvalidArgumentError",
    "atanh/dtype_int": "InvalidArgumentError",
    "atanh/dtype_string": "InvalidArgumentError",
    "avg_pool2d/rank": "InvalidArgumentError",
    "avg_pool2d/size": "InvalidArgumentError",
    "band_part/non_integer_size": "TypeError",
    "band_part/rank": "InvalidArgumentError",
    "bias_add/dtype": "InvalidArgumentError",
    "bias_add/rank": "InvalidArgumentError",
    "bitwise_and/dtype_float": "InvalidArgumentError",
    "bitwise_and/rank_incompatible": "InvalidArgumentError",
    "bitwise_or/dtype_float": "InvalidArgumentError",
    "bitwise_or/rank_incompatible": "InvalidArgumentError",
    "bitwise_xor/dtype_float": "InvalidArgumentError",
    "bitwise_xor/rank_incompatible": "InvalidArgumentError",
    "boolean_mask/dtype": None,
    "boolean_mask/rank": "ValueError",
    "broadcast_to/negative_size": "InvalidArgumentError",
    "broadcast_to/non_integer_size": "InvalidArgumentError",
    "broadcast_to/rank": "InvalidArgumentError",
    "ceil/dtype_int": "InvalidArgumentError",
    "ceil/dtype_string": "InvalidArgumentError",
    "cholesky/dtype": "InvalidArgumentError",
    "cholesky/rank": "InvalidArgumentError",
    "cholesky/size": "InvalidArgumentError",
    "concat/axis_out_of_range": "InvalidArgumentError",
    "concat/dtype": "InvalidArgumentError",
    "concat/rank": "InvalidArgumentError",
    "conj/dtype_int": None,
    "conj/dtype_string": "TypeError",
    "conv2d/dtype": "InvalidArgumentError",
    "conv2d/size": "InvalidArgumentError",
    "cos/dtype_int": "InvalidArgumentError",
    "cos/dtype_string": "InvalidArgumentError",
    "cosh/dtype_int": "InvalidArgumentError",
    "cosh/dtype_string": "InvalidArgumentError",
    "det/dtype": "InvalidArgumentError",
    "det/rank": "InvalidArgumentError",
    "det/size": "InvalidArgumentError",
    "diag/dtype": "TypeError",
    "diag_part/rank": "InvalidArgumentError",
    "digamma/dtype_int": "InvalidArgumentError",
    "digamma/dtype_string": "InvalidArgumentError",
    "divide/dtype_mismatch": "TypeError",
    "divide/dtype_string": "TypeError",
    "divide/rank_incompatible": "InvalidArgumentError",
    "divide_no_nan/dtype_mismatch": "TypeError",
    "divide_no_nan/dtype_string": "TypeError",
    "divide_no_nan/rank_incompatible": "InvalidArgumentError",
    "dropout/dtype": "ValueError",
    "dropout/out_of_range": "ValueError",
    "eigh/dtype": "InvalidArgumentError",
    "eigh/rank": "InvalidArgumentError",
    "eigh/size": "InvalidArgumentError",
    "einsum/dtype": "InvalidArgumentError",
    "einsum/rank": "InvalidArgumentError",
    "einsum/size": "InvalidArgumentError",
    "elu/dtype": "InvalidArgumentError",
    "equal/dtype_mismatch": "InvalidArgumentError",
    "equal/dtype_string": None,
    "equal/rank_incompatible": "InvalidArgumentError",
    "erf/dtype_int": "InvalidArgumentError",
    "erf/dtype_string": "InvalidArgumentError",
    "erfc/dtype_int": "InvalidArgumentError",
    "erfc/dtype_string": "InvalidArgumentError",
    "exp/dtype_int": "InvalidArgumentError",
    "exp/dtype_string": "InvalidArgumentError",
    "expand_dims/axis_non_integer": "TypeError",
    "expand_dims/axis_out_of_range": "InvalidArgumentError",
    "expm1/dtype_int": "InvalidArgumentError",
    "expm1/dtype_string": "InvalidArgumentError",
    "floor/dtype_int": "InvalidArgumentError",
    "floor/dtype_string": "InvalidArgumentError",
    "floordiv/dtype_mismatch": "InvalidArgumentError",
    "floordiv/dtype_string": "InvalidArgumentError",
    "floordiv/rank_incompatible": "InvalidArgumentError",
    "floormod/dtype_mismatch": "InvalidArgumentError",
    "floormod/dtype_string": "InvalidArgumentError",
    "floormod/rank_incompatible": "InvalidArgumentError",
    "gather/axis_out_of_range": "InvalidArgumentError",
    "gather/dtype": "InvalidArgumentError",
    "gather/index_out_of_range": "InvalidArgumentError",
    "gather_nd/dtype": "InvalidArgumentError",
    "gather_nd/index_out_of_range": "InvalidArgumentError",
    "gather_nd/rank": "InvalidArgumentError",
    "gelu/dtype": "ValueError",
    "getitem/dtype": "TypeError",
    "getitem/index_out_of_range": "InvalidArgumentError",
    "getitem/rank": "InvalidArgumentError",
    "greater/dtype_mismatch": "InvalidArgumentError",
    "greater/dtype_string": "InvalidArgumentError",
    "greater/rank_incompatible": "InvalidArgumentError",
    "greater_equal/dtype_mismatch": "InvalidArgumentError",
    "greater_equal/dtype_string": "InvalidArgumentError",
    "greater_equal/rank_incompatible": "InvalidArgumentError",
    "identity/dtype": "ValueError",
    "imag/dtype_int": None,
    "inv/dtype": "InvalidArgumentError",
    "inv/rank": "InvalidArgumentError",
    "inv/size": "InvalidArgumentError",
    "invert/dtype_float": "InvalidArgumentError",
    "is_finite/dtype_int": "InvalidArgumentError",
    "is_finite/dtype_string": "InvalidArgumentError",
    "is_inf/dtype_int": "InvalidArgumentError",
    "is_inf/dtype_string": "InvalidArgumentError",
    "is_nan/dtype_int": "InvalidArgumentError",
    "is_nan/dtype_string": "InvalidArgumentError",
    "l2_loss/dtype": "InvalidArgumentError",
    "leaky_relu/dtype": "InvalidArgumentError",
    "left_shift/dtype_float": "InvalidArgumentError",
    "left_shift/rank_incompatible": "InvalidArgumentError",
    "less/dtype_mismatch": "InvalidArgumentError",
    "less/dtype_string": "InvalidArgumentError",
    "less/rank_incompatible": "InvalidArgumentError",
    "less_equal/dtype_mismatch": "InvalidArgumentError",
    "less_equal/dtype_string": "InvalidArgumentError",
    "less_equal/rank_incompatible": "InvalidArgumentError",
    "lgamma/dtype_int": "InvalidArgumentError",
    "lgamma/dtype_string": "InvalidArgumentError",
    "linspace/negative_size": "InvalidArgumentError",
    "linspace/non_integer_size": "TypeError",
    "log/dtype_int": "InvalidArgumentError",
    "log/dtype_string": "InvalidArgumentError",
    "log1p/dtype_int": "InvalidArgumentError",
    "log1p/dtype_string": "InvalidArgumentError",
    "log_sigmoid/dtype_int": "InvalidArgumentError",
    "log_sigmoid/dtype_string": "InvalidArgumentError",
    "log_softmax/axis_out_of_range": "InvalidArgumentError",
    "log_softmax/dtype": "InvalidArgumentError",
    "logdet/rank": "InvalidArgumentError",
    "logdet/size": "InvalidArgumentError",
    "logical_and/dtype_mismatch": "InvalidArgumentError",
    "logical_and/dtype_string": "InvalidArgumentError",
    "logical_and/rank_incompatible": "InvalidArgumentError",
    "logical_not/dtype_int": "InvalidArgumentError",
    "logical_not/dtype_string": "InvalidArgumentError",
    "logical_or/dtype_mismatch": "InvalidArgumentError",
    "logical_or/dtype_string": "InvalidArgumentError",
    "logical_or/rank_incompatible": "InvalidArgumentError",
    "logical_xor/dtype_mismatch": "InvalidArgumentError",
    "logical_xor/dtype_string": "InvalidArgumentError",
    "logical_xor/rank_incompatible": "InvalidArgumentError",
    "matmul/dtype": "InvalidArgumentError",
    "matmul/rank": "InvalidArgumentError",
    "matmul/size": "InvalidArgumentError",
    "matvec/dtype": "InvalidArgumentError",
    "matvec/rank": "InvalidArgumentError",
    "matvec/size": "InvalidArgumentError",
    "max_pool2d/rank": "InvalidArgumentError",
    "max_pool2d/size": "InvalidArgumentError",
    "maximum/dtype_mismatch": "InvalidArgumentError",
    "maximum/dtype_string": "InvalidArgumentError",
    "maximum/rank_incompatible": "InvalidArgumentError",
    "minimum/dtype_mismatch": "InvalidArgumentError",
    "minimum/dtype_string": "InvalidArgumentError",
    "minimum/rank_incompatible": "InvalidArgumentError",
    "multiply/dtype_mismatch": "InvalidArgumentError",
    "multiply/dtype_string": "InvalidArgumentError",
    "multiply/rank_incompatible": "InvalidArgumentError",
    "negative/dtype_int": None,
    "negative/dtype_string": "InvalidArgumentError",
    "norm/axis_out_of_range": "InvalidArgumentError",
    "norm/dtype": "TypeError",
    "not_equal/dtype_mismatch": "InvalidArgumentError",
    "not_equal/dtype_string": None,
    "not_equal/rank_incompatible": "InvalidArgumentError",
    "one_hot/dtype": "InvalidArgumentError",
    "one_hot/negative_size": "InvalidArgumentError",
    "one_hot/non_integer_size": "TypeError",
    "ones_like/dtype": "ValueError",
    "pad/negative_size": "InvalidArgumentError",
    "pad/non_integer_size": "InvalidArgumentError",
    "pad/rank": "InvalidArgumentError",
    "pow/dtype_mismatch": "InvalidArgumentError",
    "pow/dtype_string": "InvalidArgumentError",
    "pow/rank_incompatible": "InvalidArgumentError",
    "qr/dtype": "InvalidArgumentError",
    "qr/rank": "InvalidArgumentError",
    "real/dtype_int": None,
    "real/dtype_string": "TypeError",
    "reciprocal/dtype_int": "NotFoundError",
    "reciprocal/dtype_string": "InvalidArgumentError",
    "reduce_all/axis_non_integer": "TypeError",
    "reduce_all/axis_out_of_range": "InvalidArgumentError",
    "reduce_all/dtype_string": "InvalidArgumentError",
    "reduce_all/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_any/axis_non_integer": "TypeError",
    "reduce_any/axis_out_of_range": "InvalidArgumentError",
    "reduce_any/dtype_string": "InvalidArgumentError",
    "reduce_any/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_euclidean_norm/axis_non_integer": "TypeError",
    "reduce_euclidean_norm/axis_out_of_range": "InvalidArgumentError",
    "reduce_euclidean_norm/dtype_string": "InvalidArgumentError",
    "reduce_euclidean_norm/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_logsumexp/axis_non_integer": "TypeError",
    "reduce_logsumexp/axis_out_of_range": "InvalidArgumentError",
    "reduce_logsumexp/dtype_string": "InvalidArgumentError",
    "reduce_logsumexp/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_max/axis_non_integer": "TypeError",
    "reduce_max/axis_out_of_range": "InvalidArgumentError",
    "reduce_max/dtype_string": "InvalidArgumentError",
    "reduce_max/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_mean/axis_non_integer": "TypeError",
    "reduce_mean/axis_out_of_range": "InvalidArgumentError",
    "reduce_mean/dtype_string": "InvalidArgumentError",
    "reduce_mean/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_min/axis_non_integer": "TypeError",
    "reduce_min/axis_out_of_range": "InvalidArgumentError",
    "reduce_min/dtype_string": "InvalidArgumentError",
    "reduce_min/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_prod/axis_non_integer": "TypeError",
    "reduce_prod/axis_out_of_range": "InvalidArgumentError",
    "reduce_prod/dtype_string": "InvalidArgumentError",
    "reduce_prod/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_std/axis_non_integer": "TypeError",
    "reduce_std/axis_out_of_range": "InvalidArgumentError",
    "reduce_std/dtype_string": "InvalidArgumentError",
    "reduce_std/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_sum/axis_non_integer": "TypeError",
    "reduce_sum/axis_out_of_range": "InvalidArgumentError",
    "reduce_sum/dtype_string": "InvalidArgumentError",
    "reduce_sum/negative_axis_out_of_range": "InvalidArgumentError",
    "reduce_variance/axis_non_integer": "TypeError",
    "reduce_variance/axis_out_of_range": "InvalidArgumentError",
    "reduce_variance/dtype_string": "InvalidArgumentError",
    "reduce_variance/negative_axis_out_of_range": "InvalidArgumentError",
    "relu/dtype": "InvalidArgumentError",
    "relu6/dtype": "InvalidArgumentError",
    "repeat/axis_out_of_range": "ValueError",
    "repeat/negative_size": "InvalidArgumentError",
    "reshape/negative_size": "InvalidArgumentError",
    "reshape/non_integer_size": "InvalidArgumentError",
    "reshape/size": "InvalidArgumentError",
    "reverse/axis_non_integer": "InvalidArgumentError",
    "reverse/axis_out_of_range": "InvalidArgumentError",
    "right_shift/dtype_float": "InvalidArgumentError",
    "right_shift/rank_incompatible": "InvalidArgumentError",
    "rint/dtype_int": "InvalidArgumentError",
    "rint/dtype_string": "InvalidArgumentError",
    "round/dtype_int": None,
    "round/dtype_string": "InvalidArgumentError",
    "rsqrt/dtype_int": "InvalidArgumentError",
    "rsqrt/dtype_string": "InvalidArgumentError",
    "scatter_nd/dtype": "InvalidArgumentError",
    "scatter_nd/index_out_of_range": "InvalidArgumentError",
    "scatter_nd/negative_size": "InvalidArgumentError",
    "selu/dtype": "InvalidArgumentError",
    "sigmoid/dtype_int": "InvalidArgumentError",
    "sigmoid/dtype_string": "InvalidArgumentError",
    "sigmoid_xent/dtype": "InvalidArgumentError",
    "sigmoid_xent/rank": "ValueError",
    "sign/dtype_int": None,
    "sign/dtype_string": "InvalidArgumentError",
    "silu/dtype": "InvalidArgumentError",
    "sin/dtype_int": "InvalidArgumentError",
    "sin/dtype_string": "InvalidArgumentError",
    "sinh/dtype_int": "InvalidArgumentError",
    "sinh/dtype_string": "InvalidArgumentError",
    "slice/negative_size": "InvalidArgumentError",
    "slice/out_of_range": "InvalidArgumentError",
    "slice/rank": "InvalidArgumentError",
    "slogdet/rank": "InvalidArgumentError",
    "slogdet/size": "InvalidArgumentError",
    "softmax/axis_out_of_range": "InvalidArgumentError",
    "softmax/dtype": "InvalidArgumentError",
    "softmax_xent/rank": "InvalidArgumentError",
    "softplus/dtype_int": "InvalidArgumentError",
    "softplus/dtype_string": "InvalidArgumentError",
    "softsign/dtype_int": "InvalidArgumentError",
    "softsign/dtype_string": "InvalidArgumentError",
    "solve/dtype": "InvalidArgumentError",
    "solve/rank": "InvalidArgumentError",
    "solve/size": "InvalidArgumentError",
    "sort/axis_out_of_range": "InvalidArgumentError",
    "sparse_softmax_xent/dtype": "InvalidArgumentError",
    "sparse_softmax_xent/index_out_of_range": "InvalidArgumentError",
    "sparse_softmax_xent/rank": "ValueError",
    "split/axis_out_of_range": "InvalidArgumentError",
    "split/negative_size": "InvalidArgumentError",
    "split/size": "InvalidArgumentError",
    "sqrt/dtype_int": "InvalidArgumentError",
    "sqrt/dtype_string": "InvalidArgumentError",
    "square/dtype_int": None,
    "square/dtype_string": "InvalidArgumentError",
    "squared_difference/dtype_mismatch": "InvalidArgumentError",
    "squared_difference/dtype_string": "InvalidArgumentError",
    "squared_difference/rank_incompatible": "InvalidArgumentError",
    "squeeze/axis_out_of_range": "InvalidArgumentError",
    "squeeze/size": "InvalidArgumentError",
    "stack/axis_out_of_range": "ValueError",
    "stack/dtype": "InvalidArgumentError",
    "stack/rank": "InvalidArgumentError",
    "stop_gradient/dtype": "ValueError",
    "subtract/dtype_mismatch": "InvalidArgumentError",
    "subtract/dtype_string": "InvalidArgumentError",
    "subtract/rank_incompatible": "InvalidArgumentError",
    "svd/dtype": "InvalidArgumentError",
    "svd/rank": "InvalidArgumentError",
    "tan/dtype_int": "InvalidArgumentError",
    "tan/dtype_string": "InvalidArgumentError",
    "tanh/dtype_int": "InvalidArgumentError",
    "tanh/dtype_string": "InvalidArgumentError",
    "tensor_scatter_nd_add/dtype": "InvalidArgumentError",
    "tensor_scatter_nd_add/index_out_of_range": "InvalidArgumentError",
    "tensor_scatter_nd_add/rank": "InvalidArgumentError",
    "tensor_scatter_nd_max/dtype": "InvalidArgumentError",
    "tensor_scatter_nd_max/index_out_of_range": "InvalidArgumentError",
    "tensor_scatter_nd_max/rank": "InvalidArgumentError",
    "tensor_scatter_nd_min/dtype": "InvalidArgumentError",
    "tensor_scatter_nd_min/index_out_of_range": "InvalidArgumentError",
    "tensor_scatter_nd_min/rank": "InvalidArgumentError",
    "tensor_scatter_nd_sub/dtype": "InvalidArgumentError",
    "tensor_scatter_nd_sub/index_out_of_range": "InvalidArgumentError",
    "tensor_scatter_nd_sub/rank": "InvalidArgumentError",
    "tensor_scatter_nd_update/dtype": "InvalidArgumentError",
    "tensor_scatter_nd_update/index_out_of_range": "InvalidArgumentError",
    "tensor_scatter_nd_update/rank": "InvalidArgumentError",
    "tensordot/size": "InvalidArgumentError",
    "tile/negative_size": "InvalidArgumentError",
    "tile/non_integer_size": "InvalidArgumentError",
    "tile/rank": "InvalidArgumentError",
    "trace/dtype": "TypeError",
    "trace/rank": "InvalidArgumentError",
    "transpose/axis_out_of_range": "InvalidArgumentError",
    "transpose/rank": "InvalidArgumentError",
    "transpose_conjugate/axis_out_of_range": "InvalidArgumentError",
    "transpose_conjugate/rank": "InvalidArgumentError",
    "triangular_solve/dtype": "InvalidArgumentError",
    "triangular_solve/rank": "InvalidArgumentError",
    "triangular_solve/size": "InvalidArgumentError",
    "unstack/axis_out_of_range": "ValueError",
    "unstack/size": "InvalidArgumentError",
    "where/dtype": "InvalidArgumentError",
    "where/rank": "InvalidArgumentError",
    "where_index/dtype": "InvalidArgumentError",
    "xdivy/dtype_mismatch": "InvalidArgumentError",
    "xdivy/dtype_string": "InvalidArgumentError",
    "xdivy/rank_incompatible": "InvalidArgumentError",
    "xlogy/dtype_mismatch": "InvalidArgumentError",
    "xlogy/dtype_string": "InvalidArgumentError",
    "xlogy/rank_incompatible": "InvalidArgumentError",
    "zeros_like/dtype": "ValueError",
}

# Deliberate differences: case -> (TF's outcome, tapejax's class, why).
DIFFERENT = {
    "conv2d/rank": ("aborts the process (tensor_format.h Check failed)", "ValueError",
                    "a rank-2 input to conv2d kills TF's process; tapejax raises TF's rank ValueError"),
    "imag/dtype_string": ("returns a value", "TypeError",
                          "TF's tf.math.imag of a string tensor returns a value; strings have no imaginary part"),
    "softmax_xent/dtype": ("returns a value", "InvalidArgumentError",
                           "TF silently mixes float64 labels with float32 logits; tapejax refuses the mix as "
                           "every other TF op does"),
    "tensordot/axis_out_of_range": ("IndexError (list index out of range, inside TF's Python)",
                                    "InvalidArgumentError", "tapejax reports the bad axis with TF's op error"),
}


def test_every_sweep_case_has_a_measured_tf_outcome_or_a_stated_difference():
    assert set(CASES) == set(TF_CLASS) | set(DIFFERENT)
    assert not set(TF_CLASS) & set(DIFFERENT)
    assert {name.split("/")[0] for name in CASES} >= TABLE_ROWS | set(math_ops.UNARY) | set(math_ops.BINARY)


@pytest.mark.parametrize("name", sorted(TF_CLASS))
def test_sweep(name):
    H.compare(CASES[name], raises=TF_CLASS[name], messages=False)


@pytest.mark.parametrize("name", sorted(DIFFERENT))
def test_sweep_deliberate_difference(name):
    tf_outcome, tapejax_class, _ = DIFFERENT[name]
    if name != "conv2d/rank":  # would abort this process
        got = H.run(CASES[name], "tensorflow")
        assert (isinstance(got, H.Raised) and got.type_name in tf_outcome) or (
            not isinstance(got, H.Raised) and tf_outcome == "returns a value"), got
    got = H.run(CASES[name], "tapejax")
    assert isinstance(got, H.Raised) and got.type_name == tapejax_class, got


def _measure():
    """Prints TF's outcome for every case (to refresh `TF_CLASS`)."""
    for name in sorted(CASES):
        if name in DIFFERENT:
            continue
        got = H.run(CASES[name], "tensorflow")
        print(f"    {name!r}: {got.type_name if isinstance(got, H.Raised) else None!r},")


if __name__ == "__main__":
    _measure()
