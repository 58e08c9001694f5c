"""Every op-table row on fixed inputs: value and gradient on real TF and on tapejax, compared.

Each program builds `tf.constant`s of fixed numbers, runs the op under a tape, and returns the
outputs and the gradients of a fixed weighted sum of the floating outputs (gradients densified with
`tf.convert_to_tensor`, since TF returns IndexedSlices for gathers). `compare` checks values,
dtypes, shapes, None patterns and exception types. Rows are parametrized from the op tables, so a
new row without a program fails `test_table_row[...]`. Then: TF's kink conventions, losses,
matmul flags, creation ops, `tf.random` shapes/dtypes, dropout, `tf.nest`, and error types.
"""

from __future__ import annotations

import numpy as np
import pytest

from compat_tests._harness import raises, skip_on_eigen_tf
from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-9, atol=1e-12),
       "complex64": dict(rtol=1e-5, atol=1e-6), "complex128": dict(rtol=1e-9, atol=1e-12)}


def _weighted_loss(tf, outputs):
    """sum_i sum(w_i * out_i) over floating outputs, with fixed non-uniform weights w_i."""
    terms = []
    for k, out in enumerate(outputs):
        dt = out.dtype
        if not (dt.is_floating or dt.is_complex):
            continue
        n = int(np.prod(out.shape.as_list(), dtype=np.int64))
        w = (np.linspace(0.5, 1.5, n) + 0.25 * k).reshape(out.shape.as_list())
        if dt.is_complex:
            terms.append(tf.math.real(tf.reduce_sum(out * tf.constant((w + 0.5j * w[::-1]).astype(
                dt.as_numpy_dtype)))))
        else:
            terms.append(tf.reduce_sum(out * tf.constant(w.astype(dt.as_numpy_dtype))))
    return terms


def value_and_gradient(body, inputs, dtype):
    """A program: tensors of `dtype` from the fixed `inputs`, `body(tf, *tensors)`, its gradient."""
    @raises("InvalidArgumentError", optional_=True)
    def program(tf):
        tensors = [tf.constant(a, dtype=getattr(tf, dtype)) for a in inputs]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            out = body(tf, *tensors)
            outputs = list(out) if isinstance(out, (list, tuple)) else [out]
            terms = _weighted_loss(tf, outputs)
            if not terms:  # integer/bool outputs only: a float loss of them (the cast has no gradient)
                terms = [tf.reduce_sum(tf.cast(o, tf.float32)) for o in outputs]
            target = tf.add_n([tf.cast(t, tf.float64) for t in terms])
        grads = tape.gradient(target, tensors)
        return out, [g if g is None else tf.convert_to_tensor(g) for g in grads]
    return program


def check(compare, body, inputs, dtype="float32", tol=None):
    compare(value_and_gradient(body, inputs, dtype), **(tol or TOL[dtype]))


# -- fixed inputs -----------------------------------------------------------------------------------
X_ANY = [[-1.5, -0.25, 0.5], [0.75, 1.25, 2.0]]
X_POS = [[0.5, 0.75, 1.0], [1.5, 2.0, 3.5]]
X_UNIT = [[-0.75, -0.25, 0.0], [0.3, 0.5, 0.9]]
X_KINK = [-2.0, -0.5, 0.0, 0.5, 2.0]
X_ROUND = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.3, -0.7]
X_SPECIAL = [float("nan"), float("inf"), -float("inf"), 1.0, 0.0]
X_CPLX = [1.5 - 0.5j, -0.25 + 1.0j, 2.0 + 0.0j, -1.0 - 2.0j]
Y_ROW = [0.5, -1.25, 2.0]
Y_NZ = [[0.5, -1.25, 2.0], [-0.75, 1.5, 0.25]]
M23 = [[1.5, -0.5, 0.25], [0.75, 2.0, -1.0]]
M32 = [[0.5, 1.0], [-1.5, 0.25], [2.0, -0.75]]
SPD = [[4.0, 1.0, 0.5], [1.0, 3.0, -0.5], [0.5, -0.5, 2.0]]
GEN = [[2.0, -1.0, 0.5], [0.25, 3.0, 1.0], [-0.5, 0.75, 2.5]]
LOW = [[2.0, 0.0, 0.0], [0.5, 1.5, 0.0], [-1.0, 0.25, 3.0]]
V3 = [0.5, -1.0, 2.0]
IMG = np.arange(32.0).reshape(1, 4, 4, 2).__mod__(7.0).__mul__(0.25).tolist()  # ties on purpose
FILT = (np.arange(18.0).reshape(3, 3, 2, 1) / 9.0 - 1.0).tolist()

UNARY_INPUTS = {
    "abs": X_KINK, "negative": X_ANY, "sign": X_KINK, "square": X_ANY, "sqrt": X_POS, "rsqrt": X_POS,
    "reciprocal": Y_NZ, "exp": X_ANY, "expm1": X_ANY, "log": X_POS, "log1p": X_POS, "sin": X_ANY,
    "cos": X_ANY, "tan": X_UNIT, "asin": X_UNIT, "acos": X_UNIT, "atan": X_ANY, "sinh": X_ANY,
    "cosh": X_ANY, "tanh": X_ANY, "asinh": X_ANY, "acosh": [1.25, 2.0, 3.0], "atanh": X_UNIT,
    "sigmoid": X_ANY, "log_sigmoid": X_ANY, "softplus": X_ANY, "softsign": X_ANY, "erf": X_ANY,
    "erfc": X_ANY, "lgamma": [0.5, 1.0, 2.5, 4.0, -0.5, -1.5], "digamma": [0.5, 1.0, 2.5, 4.0, -0.5, -1.5],
    "floor": X_ROUND, "ceil": X_ROUND, "round": X_ROUND, "rint": X_ROUND,
    "is_nan": X_SPECIAL, "is_inf": X_SPECIAL, "is_finite": X_SPECIAL,
}
COMPLEX_UNARY = {"real", "imag", "conj", "angle"}
BOOL_UNARY = {"logical_not"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(math_ops.UNARY))
def test_unary_row(compare, name, dtype):
    if name in COMPLEX_UNARY:
        dtype = dtype.replace("float32", "complex64").replace("float64", "complex128")
        check(compare, lambda tf, x: getattr(tf.math, name)(x), [X_CPLX], dtype)
    elif name in BOOL_UNARY:
        check(compare, lambda tf, x: getattr(tf.math, name)(x > 0.0), [X_KINK], dtype)
    else:
        assert name in UNARY_INPUTS, f"no fixed input for unary row {name!r}"
        check(compare, lambda tf, x: getattr(tf.math, name)(x), [UNARY_INPUTS[name]], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(COMPLEX_UNARY))
def test_complex_rows_on_real_input(compare, name, dtype):
    check(compare, lambda tf, x: getattr(tf.math, name)(x), [X_KINK], dtype)


BINARY_INPUTS = {
    "add": (X_ANY, Y_ROW), "subtract": (X_ANY, Y_ROW), "multiply": (X_ANY, Y_ROW),
    "divide": (X_ANY, Y_NZ), "floordiv": (X_ANY, Y_ROW), "floormod": ([[3.7, -2.2, 0.6], [5.1, -0.4, 1.3]], Y_ROW),
    "pow": (X_POS, Y_ROW), "maximum": (X_ANY, Y_ROW), "minimum": (X_ANY, Y_ROW),
    "squared_difference": (X_ANY, Y_ROW), "atan2": (X_ANY, Y_NZ), "xlogy": (X_ANY, X_POS),
    "xdivy": (X_ANY, Y_NZ), "divide_no_nan": (X_ANY, Y_NZ),
    "equal": (X_ANY, [[-1.5, 0.0, 0.5], [0.0, 1.25, 0.0]]), "not_equal": (X_ANY, [[-1.5, 0.0, 0.5], [0.0, 1.25, 0.0]]),
    "less": (X_ANY, Y_ROW), "less_equal": (X_ANY, [0.75, -0.25, 2.0]), "greater": (X_ANY, Y_ROW),
    "greater_equal": (X_ANY, [0.75, -0.25, 2.0]),
}
LOGICAL = {"logical_and", "logical_or", "logical_xor"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(math_ops.BINARY))
def test_binary_row(compare, name, dtype):
    if name in LOGICAL:
        check(compare, lambda tf, x, y: getattr(tf.math, name)(x > 0.0, y > 0.0), [X_ANY, Y_ROW], dtype)
    else:
        assert name in BINARY_INPUTS, f"no fixed input for binary row {name!r}"
        check(compare, lambda tf, x, y: getattr(tf.math, name)(x, y), list(BINARY_INPUTS[name]), dtype)


INT_X = [[-7, 0, 5], [12, -1, 3]]
SHIFTS = [[0, 1, 3], [2, 7, 1]]


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "uint32"])
@pytest.mark.parametrize("name", sorted(math_ops.BITWISE))
def test_bitwise_row(compare, name, dtype):
    """tf.bitwise on integer tensors: values (wrapping for unsigned), shapes, dtypes, None gradients."""
    def program(tf):
        x = tf.cast(tf.constant(INT_X), dtype)
        y = tf.cast(tf.constant(SHIFTS), dtype)
        fn = getattr(tf.bitwise, name)
        out = [fn(x)] if name == "invert" else [fn(x, y), fn(x, y[0]), fn(x[0, 0], y)]
        with tf.GradientTape() as tape:
            f = tf.constant(1.5)
            tape.watch(f)
            z = tf.cast(fn(tf.cast(f, dtype)) if name == "invert" else fn(tf.cast(f, dtype), x[0, 2]), tf.float32)
        return out + [tape.gradient(z, f)]
    compare(program)


@pytest.mark.parametrize("name", sorted(math_ops.BITWISE))
def test_bitwise_rejects_floats(compare, name):
    compare(lambda tf: getattr(tf.bitwise, name)(*[tf.constant([1.0, 2.0])] * (1 if name == "invert" else 2)), raises="InvalidArgumentError")


def test_bitwise_dtype_mismatch(compare):
    compare(lambda tf: tf.bitwise.bitwise_xor(tf.constant([1, 2]), tf.constant([1, 2], tf.int64)), raises="InvalidArgumentError")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(set(math_ops.BINARY) - LOGICAL))
def test_binary_row_scalar_and_broadcast(compare, name, dtype):
    """Scalar with matrix and (2,1) with (3,): the gradients are summed over broadcast axes."""
    check(compare, lambda tf, x, y: [getattr(tf.math, name)(x[0, 0], y), getattr(tf.math, name)(x[:, :1], y[0])],
          [X_POS, Y_NZ], dtype)


REDUCE_INPUT = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ([0, 1], False), (-1, False)])
@pytest.mark.parametrize("name", sorted(math_ops.REDUCTIONS))
def test_reduction_row(compare, name, axis, keepdims, dtype):
    def body(tf, x):
        fn = getattr(tf.math, name)
        if name in ("reduce_any", "reduce_all"):
            return fn(x > 0.0, axis=axis, keepdims=keepdims)
        return fn(x, axis=axis, keepdims=keepdims)
    check(compare, body, [REDUCE_INPUT], dtype)


# -- array, nn and linalg table rows ---------------------------------------------------------------
ARRAY_PROGRAMS = {
    "identity": (lambda tf, x: tf.identity(x), [M23]),
    "stop_gradient": (lambda tf, x: tf.stop_gradient(x) * x, [M23]),
    "reshape": (lambda tf, x: [tf.reshape(x, [3, 2]), tf.reshape(x, [-1]), tf.reshape(x[0, 0], [1, 1])], [M23]),
    "transpose": (lambda tf, x: [tf.transpose(x), tf.transpose(tf.reshape(x, [1, 2, 3]), [2, 0, 1])], [M23]),
    "expand_dims": (lambda tf, x: [tf.expand_dims(x, 0), tf.expand_dims(x, -1), tf.expand_dims(x, 1)], [M23]),
    "squeeze": (lambda tf, x: [tf.squeeze(x[:1]), tf.squeeze(tf.reshape(x, [1, 2, 1, 3]), [2])], [M23]),
    "tile": (lambda tf, x: [tf.tile(x, [2, 1]), tf.tile(x[0], [3])], [M23]),
    "broadcast_to": (lambda tf, x: [tf.broadcast_to(x[0], [4, 3]), tf.broadcast_to(x[:, :1], [2, 3])], [M23]),
    "reverse": (lambda tf, x: [tf.reverse(x, [1]), tf.reverse(x, [0, 1])], [M23]),
    "pad": (lambda tf, x: [tf.pad(x, [[1, 0], [0, 2]]), tf.pad(x, [[1, 1], [2, 2]], "REFLECT"),
                           tf.pad(x, [[1, 1], [2, 1]], "SYMMETRIC"), tf.pad(x, [[0, 1], [1, 0]], constant_values=3.0)],
            [M23]),
    "concat": (lambda tf, x, y: [tf.concat([x, y], 0), tf.concat([x, x * 2.0], -1)], [M23, [[1.0, 2.0, 3.0]]]),
    "stack": (lambda tf, x, y: [tf.stack([x, y]), tf.stack([x, y], axis=-1)], [V3, Y_ROW]),
    "unstack": (lambda tf, x: tf.unstack(x) + tf.unstack(x, axis=1), [M23]),
    "split": (lambda tf, x: tf.split(x, 3, axis=1) + tf.split(x, [1, -1], axis=1) + tf.split(x, [1, 1]), [M23]),
    "getitem": (lambda tf, x: [x[1], x[:, 1:], x[::-1, ::2], x[..., tf.newaxis, 0], x[-1, -1]], [M23]),
    "slice": (lambda tf, x: [tf.slice(x, [0, 1], [2, 2]), tf.slice(x, [1, 0], [-1, -1])], [M23]),
    "gather": (lambda tf, x: [tf.gather(x, [1, 1, 0]), tf.gather(x, [2, 0], axis=1),
                              tf.gather(x, [[0, 1], [2, 2]], axis=1, batch_dims=1), tf.gather(x[0], [[2], [2]])],
               [M23]),
    "gather_nd": (lambda tf, x: [tf.gather_nd(x, [[1, 2], [0, 0], [1, 2]]), tf.gather_nd(x, [[1]]),
                                 tf.gather_nd(x, [[2], [0]], batch_dims=1)], [M23]),
    "where": (lambda tf, x, y: [tf.where(x > 0, x * x, -x), tf.where([True, False, True], x, y)], [M23, Y_ROW]),
    "where_index": (lambda tf, x: tf.where(x > 0), [M23]),
    "one_hot": (lambda tf, x: [tf.one_hot(tf.cast(x * 2.0, tf.int32), 3), tf.one_hot([0, 2, -1], 3, axis=0),
                               tf.one_hot([1], 2, on_value=x[0, 0], off_value=x[0, 1])], [[[0.5, 1.0, 0.0]]]),
    "zeros_like": (lambda tf, x: [tf.zeros_like(x), tf.zeros_like(x, dtype=tf.int32)], [M23]),
    "ones_like": (lambda tf, x: [tf.ones_like(x) * x, tf.ones_like(x, dtype=tf.bool)], [M23]),
    "repeat": (lambda tf, x: [tf.repeat(x, 2, axis=0), tf.repeat(x, 3, axis=1), tf.repeat(x, 2)], [M23]),
    "sort": (lambda tf, x: [tf.sort(x), tf.sort(x, axis=0, direction="DESCENDING")], [M23]),
    "argsort": (lambda tf, x: [tf.argsort(x), tf.argsort(x, axis=0, direction="DESCENDING")], [M23]),
    "tensor_scatter_nd_update": (lambda tf, x, u: [tf.tensor_scatter_nd_update(x, [[1]], u),
                                                   tf.tensor_scatter_nd_update(x, [[0, 2], [1, 0]], u[0, :2])],
                                 [M23, [[9.0, 8.0, 7.0]]]),
    "tensor_scatter_nd_add": (lambda tf, x, u: [tf.tensor_scatter_nd_add(x, [[1], [1]], tf.concat([u, u], 0)),
                                                tf.tensor_scatter_nd_add(x, [[0, 2], [1, 0]], u[0, :2])],
                              [M23, [[9.0, 8.0, 7.0]]]),
    "boolean_mask": (lambda tf, x: [tf.boolean_mask(x, [True, False]), tf.boolean_mask(x, x > 0)], [M23]),
    "tensor_scatter_nd_sub": (lambda tf, x, u: [tf.tensor_scatter_nd_sub(x, [[1], [1]], tf.concat([u, u], 0)),
                                                tf.tensor_scatter_nd_sub(x, [[0, 2], [1, 0]], u[0, :2])],
                              [M23, [[9.0, 8.0, 7.0]]]),
    "tensor_scatter_nd_max": (lambda tf, x, u: [tf.tensor_scatter_nd_max(x, [[0], [1]], tf.concat([u, -u], 0))],
                              [M23, [[0.3, -8.0, 7.0]]]),
    "tensor_scatter_nd_min": (lambda tf, x, u: [tf.tensor_scatter_nd_min(x, [[0], [1]], tf.concat([u, -u], 0))],
                              [M23, [[0.3, -8.0, 7.0]]]),
    "scatter_nd": (lambda tf, u: [tf.scatter_nd([[1], [3]], u, [4, 3]), tf.scatter_nd([[0, 1], [0, 1]], u[0, :2], [2, 3])],
                   [M23]),
    "linspace": (lambda tf, x: [tf.linspace(x[0, 0], x[1, 2], 5), tf.linspace(x[0, 1], x[0, 0], 1)], [M23]),
}

NN_PROGRAMS = {
    "relu": (lambda tf, x: tf.nn.relu(x), [X_KINK]),
    "relu6": (lambda tf, x: tf.nn.relu6(x), [[-1.0, 0.0, 3.0, 6.0, 7.5]]),
    "elu": (lambda tf, x: tf.nn.elu(x), [X_KINK]),
    "selu": (lambda tf, x: tf.nn.selu(x), [X_KINK]),
    "gelu": (lambda tf, x: [tf.nn.gelu(x), tf.nn.gelu(x, approximate=True)], [X_KINK]),
    "silu": (lambda tf, x: [tf.nn.silu(x), tf.nn.silu(x, beta=2.0), tf.nn.swish(x)], [X_KINK]),
    "leaky_relu": (lambda tf, x: [tf.nn.leaky_relu(x), tf.nn.leaky_relu(x, alpha=0.3)], [X_KINK]),
    "softmax": (lambda tf, x: [tf.nn.softmax(x), tf.nn.softmax(x, axis=0), tf.math.softmax(x, axis=-1)], [M23]),
    "log_softmax": (lambda tf, x: [tf.nn.log_softmax(x), tf.nn.log_softmax(x, axis=0)], [M23]),
    "sigmoid_xent": (lambda tf, z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x * 10.0),
                     [[[0.0, 1.0, 0.5], [1.0, 0.0, 0.2]], M23]),
    "softmax_xent": (lambda tf, z, x: [tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x),
                                       tf.nn.softmax_cross_entropy_with_logits(labels=tf.constant(
                                           [[0.25, 1.0, 0.0], [0.75, 0.0, 1.0]], x.dtype), logits=x, axis=0)],
                     [[[0.0, 1.0, 0.0], [0.5, 0.25, 0.25]], M23]),
    "sparse_softmax_xent": (lambda tf, x: [
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([2, 0]), logits=x),
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([1, 1], tf.int64), logits=x)], [M23]),
    "l2_loss": (lambda tf, x: [tf.nn.l2_loss(x), tf.nn.l2_loss(x[0, 0])], [M23]),
    "bias_add": (lambda tf, x, b: tf.nn.bias_add(x, b), [M23, Y_ROW]),
    "dropout": (lambda tf, x: tf.nn.dropout(x, rate=0.0), [M23]),
    "conv2d": (lambda tf, x, w: [tf.nn.conv2d(x, w, 1, "SAME"), tf.nn.conv2d(x, w, 2, "VALID"),
                                 tf.nn.conv2d(x, w[:2, :2], [1, 2, 2, 1], "SAME")], [IMG, FILT]),
    "max_pool2d": (lambda tf, x: [tf.nn.max_pool2d(x, 2, 2, "VALID"), tf.nn.max_pool2d(x, 3, 1, "SAME"),
                                  tf.nn.max_pool(x, [2, 2], [1, 1], "VALID")], [IMG]),
    "avg_pool2d": (lambda tf, x: [tf.nn.avg_pool2d(x, 2, 2, "VALID"), tf.nn.avg_pool2d(x, 3, 2, "SAME"),
                                  tf.nn.avg_pool(x, 3, 1, "SAME")], [IMG]),
}

LINALG_PROGRAMS = {
    "matmul": (lambda tf, a, b: [tf.matmul(a, b), a @ b, tf.matmul(a, a, transpose_b=True)], [M23, M32]),
    "matvec": (lambda tf, a, v: [tf.linalg.matvec(a, v), tf.linalg.matvec(a, v[:2], transpose_a=True),
                                 tf.linalg.matvec(a, v[:2], adjoint_a=True)], [M23, V3]),
    "inv": (lambda tf, a: [tf.linalg.inv(a), tf.linalg.inv(tf.stack([a, a * 2.0]))], [GEN]),
    "det": (lambda tf, a: [tf.linalg.det(a), tf.linalg.det(tf.stack([a, -a]))], [GEN]),
    "logdet": (lambda tf, a: tf.linalg.logdet(a), [SPD]),
    "slogdet": (lambda tf, a: list(tf.linalg.slogdet(a)) + list(tf.linalg.slogdet(-a)), [GEN]),
    "cholesky": (lambda tf, a: [tf.linalg.cholesky(a), tf.linalg.cholesky(tf.stack([a, a * 2.0]))], [SPD]),
    "solve": (lambda tf, a, b: [tf.linalg.solve(a, b), tf.linalg.solve(a, b, adjoint=True)], [GEN, M32]),
    "triangular_solve": (lambda tf, a, b: [tf.linalg.triangular_solve(a, b), tf.linalg.triangular_solve(
        a, b, adjoint=True), tf.linalg.triangular_solve(tf.transpose(a), b, lower=False)], [LOW, M32]),
    "trace": (lambda tf, a: [tf.linalg.trace(a), tf.linalg.trace(tf.stack([a, a]))], [GEN]),
    "diag": (lambda tf, v: [tf.linalg.diag(v), tf.linalg.diag(tf.stack([v, v]))], [V3]),
    "diag_part": (lambda tf, a: [tf.linalg.diag_part(a), tf.linalg.diag_part(a[:2])], [GEN]),
    "einsum": (lambda tf, a, b: [tf.einsum("ij,jk->ik", a, b), tf.einsum("ij,ij->", a, tf.transpose(b)),
                                 tf.einsum("ii->i", b[:2]), tf.einsum("ij->j", a), tf.einsum("i,j->ij", a[0], b[0]),
                                 tf.einsum("bi,bj->bij", a, tf.transpose(b)[:, :2])], [M23, M32]),
    "tensordot": (lambda tf, a, b: [tf.tensordot(a, b, 1), tf.tensordot(a, b, [[0, 1], [1, 0]]),
                                    tf.tensordot(a[0], b[0], 0)], [M23, M32]),
    "norm": (lambda tf, a: [tf.norm(a), tf.norm(a, axis=1), tf.norm(a, ord=1, axis=0), tf.norm(a, ord="fro", axis=[0, 1]),
                            tf.norm(a, ord=np.inf, axis=1), tf.norm(a, axis=-1, keepdims=True)], [M23]),
    "qr": (lambda tf, a: [t ** 2 for t in tf.linalg.qr(a)] + [t ** 2 for t in tf.linalg.qr(a[:, :2])], [GEN]),
    "eigh": (lambda tf, a: [tf.linalg.eigh(a)[0], tf.linalg.eigh(a)[1] ** 2], [SPD]),
    "svd": (lambda tf, a: [tf.linalg.svd(a, compute_uv=False)] + [t ** 2 for t in tf.linalg.svd(a)], [M32]),
    "band_part": (lambda tf, a: [tf.linalg.band_part(a, 1, 0), tf.linalg.band_part(a, -1, 0),
                                 tf.linalg.band_part(a, 0, -1)], [GEN]),
}

TABLE_PROGRAMS = {**ARRAY_PROGRAMS, **NN_PROGRAMS, **LINALG_PROGRAMS}
# complex inputs only: compat_tests/test_conversion_compat.py::test_a_complex_conjugate_transpose_and_its_gradient
COMPLEX_TABLE_ROWS = {"transpose_conjugate"}
TABLE_ROWS = sorted((set(array_ops.ARRAY) | set(nn_ops.NN) | set(linalg_ops.LINALG)) - COMPLEX_TABLE_ROWS)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", TABLE_ROWS)
def test_table_row(compare, name, dtype):
    assert name in TABLE_PROGRAMS, f"no compat program for table row {name!r}"
    body, inputs = TABLE_PROGRAMS[name]
    tol = dict(TOL[dtype])
    if name in ("qr", "eigh", "svd", "inv", "det", "slogdet", "logdet", "solve", "cholesky", "triangular_solve"):
        tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-8, atol=1e-10)
    check(compare, body, inputs, dtype, tol)


def test_every_table_row_has_a_program():
    rows = (set(math_ops.UNARY) | set(math_ops.BINARY) | set(math_ops.BITWISE) | set(math_ops.REDUCTIONS)
            | set(TABLE_ROWS))
    have = set(UNARY_INPUTS) | COMPLEX_UNARY | BOOL_UNARY | set(BINARY_INPUTS) | LOGICAL | set(math_ops.BITWISE)
    have |= set(math_ops.REDUCTIONS) | set(TABLE_PROGRAMS)
    assert not rows - have, f"rows without a compat program: {sorted(rows - have)}"


# -- TF's conventions at kinks, ties and edges -----------------------------------------------------
CONVENTIONS = {
    "abs_at_zero": (lambda tf, x: tf.abs(x), [[0.0, -0.0, 1.0, -1.0]]),
    "maximum_ties_to_first": (lambda tf, x, y: tf.maximum(x, y), [[1.0, 2.0, -1.0], [1.0, 1.0, -1.0]]),
    "minimum_ties_to_first": (lambda tf, x, y: tf.minimum(x, y), [[1.0, 2.0, -1.0], [1.0, 1.0, -1.0]]),
    "maximum_tie_with_python_scalar": (lambda tf, x: [tf.maximum(x, 1.0), tf.minimum(1.0, x)], [[1.0, 0.0, 2.0]]),
    "clip_by_value_edges": (lambda tf, x: tf.clip_by_value(x, 0.0, 2.0), [[-1.0, 0.0, 1.0, 2.0, 3.0]]),
    "clip_by_value_tensor_bounds": (lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
                                    [[-1.0, 0.0, 1.0, 2.0, 3.0], 0.0, 2.0]),
    "clip_by_value_vector_bounds": (lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
                                    [[-1.0, 0.0, 1.0], [0.0, 0.0, 1.5], [2.0, 2.0, 2.0]]),
    "relu_at_zero": (lambda tf, x: tf.nn.relu(x), [[-1.0, 0.0, 1.0]]),
    "relu6_at_0_and_6": (lambda tf, x: tf.nn.relu6(x), [[-1.0, 0.0, 3.0, 6.0, 7.0]]),
    "leaky_relu_at_zero": (lambda tf, x: tf.nn.leaky_relu(x, 0.3), [[-1.0, 0.0, 1.0]]),
    "elu_selu_at_zero": (lambda tf, x: [tf.nn.elu(x), tf.nn.selu(x)], [[-1.0, 0.0, 1.0]]),
    "reduce_max_ties_split": (lambda tf, x: [tf.reduce_max(x), tf.reduce_max(x, axis=1)],
                              [[[0.5, 0.5, 0.5], [1.0, 2.0, 2.0]]]),
    "reduce_min_ties_split": (lambda tf, x: [tf.reduce_min(x), tf.reduce_min(x, axis=0)],
                              [[[0.5, 0.5, 0.5], [0.5, 2.0, 0.0]]]),
    "reduce_prod_with_zeros": (lambda tf, x: [tf.reduce_prod(x[0]), tf.reduce_prod(x[1]), tf.reduce_prod(x, axis=0)],
                               [[[2.0, 0.0, 3.0], [0.0, 0.0, 4.0]]]),
    "xlogy_at_zero": (lambda tf, x, y: tf.math.xlogy(x, y), [[0.0, 0.0, 1.0, 2.0], [0.0, 2.0, 1.0, 0.5]]),
    "xdivy_at_zero": (lambda tf, x, y: tf.math.xdivy(x, y), [[0.0, 0.0, 1.0], [0.0, 2.0, 0.5]]),
    "divide_no_nan_at_zero": (lambda tf, x, y: tf.math.divide_no_nan(x, y), [[1.0, 0.0, 3.0], [0.0, 0.0, 2.0]]),
    "sign_gradient_zero": (lambda tf, x: tf.sign(x) * 3.0, [[-2.0, 0.0, 2.0]]),
    "floormod_gradient": (lambda tf, x, y: tf.math.floormod(x, y), [[3.7, -2.2, 5.5], [1.5, 1.5, -2.0]]),
    "floor_round_none": (lambda tf, x: [tf.floor(x), tf.round(x)], [[0.5, 1.5, -0.5]]),
    "pow_at_zero_base": (lambda tf, x, y: tf.pow(x, y), [[0.0, 0.0, 2.0, 0.0], [2.0, 0.5, 0.0, 0.0]]),
    "pow_negative_base_integer_exponent": (lambda tf, x, y: tf.pow(x, y), [[-2.0, -1.5], [2.0, 3.0]]),
    "pow_grid_of_bases_and_exponents": (lambda tf, x, y: tf.pow(x[:, None], y[None, :]),
                                        [[-2.0, -0.5, 0.0, 0.5, 2.0], [-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]]),
    "sqrt_at_zero": (lambda tf, x: tf.sqrt(x), [[0.0, 1.0]]),
    "log_at_zero": (lambda tf, x: tf.math.log(x), [[0.0, 1.0]]),
    "reciprocal_at_zero": (lambda tf, x: tf.math.reciprocal(x), [[0.0, 2.0]]),
    "saturating_sigmoid": (lambda tf, x: [tf.sigmoid(x), tf.math.log_sigmoid(x), tf.math.softplus(x)],
                           [[-100.0, -20.0, 0.0, 20.0, 100.0]]),
    "softmax_large_logits": (lambda tf, x: [tf.nn.softmax(x), tf.nn.log_softmax(x), tf.reduce_logsumexp(x)],
                             [[1000.0, 999.0, -1000.0]]),
    "logsumexp_with_minus_inf": (lambda tf, x: tf.reduce_logsumexp(x), [[-float("inf"), 0.0, 1.0]]),
    "norm_at_zero": (lambda tf, x: tf.norm(x), [[0.0, 0.0]]),
    "l2_normalize_at_zero": (lambda tf, x: tf.math.l2_normalize(x), [[0.0, 0.0]]),
    "sort_ties": (lambda tf, x: tf.sort(x), [[1.0, 0.5, 1.0, 0.5]]),
    "top_k_ties": (lambda tf, x: tf.math.top_k(x, 2)[0], [[1.0, 0.5, 1.0, 0.5]]),
    "max_pool_ties_first": (lambda tf, x: tf.nn.max_pool2d(tf.reshape(x, [1, 2, 2, 1]), 2, 2, "VALID"),
                            [[1.0, 1.0, 0.5, 1.0]]),
    "max_pool_ties_overlapping": (lambda tf, x: tf.nn.max_pool2d(tf.reshape(x, [1, 3, 3, 1]), 2, 1, "VALID"),
                                  [[1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 2.0]]),
    "cast_float16_roundtrip": (lambda tf, x: tf.cast(tf.cast(x, tf.float16), tf.float32) * x, [[0.1, 1.0 / 3.0]]),
    "cast_to_int_and_back": (lambda tf, x: tf.cast(tf.cast(x, tf.int32), tf.float32) + x, [[1.7, -1.7]]),
    "cumsum_cumprod": (lambda tf, x: [tf.cumsum(x), tf.math.cumsum(x, exclusive=True, reverse=True),
                                      tf.math.cumprod(x), tf.math.cumprod(x, exclusive=True)], [[1.5, -2.0, 0.5, 3.0]]),
    "cumprod_with_zero": (lambda tf, x: tf.math.cumprod(x), [[1.5, 0.0, 2.0]]),
    "cumprod_with_zeros_exclusive_reverse_axis1": (
        lambda tf, x: [tf.math.cumprod(x, axis=1, exclusive=True), tf.math.cumprod(x, axis=1, reverse=True),
                       tf.math.cumprod(x, axis=1, exclusive=True, reverse=True)],
        [[[1.5, 0.0, 2.0, -1.0], [0.0, -1.0, 0.0, 0.5]]]),
    "add_n": (lambda tf, x, y: tf.add_n([x, y, x]), [V3, Y_ROW]),
    "segment_sums": (lambda tf, x: [tf.math.unsorted_segment_sum(x, [1, 0, 1], 3), tf.math.segment_sum(x, [0, 0, 1])],
                     [V3]),
    "clip_by_norm": (lambda tf, x: [tf.clip_by_norm(x, 1.0), tf.clip_by_norm(x, 10.0)], [V3]),
    "clip_by_global_norm": (lambda tf, x, y: tf.clip_by_global_norm([x, y], 1.0)[0] + [
        tf.clip_by_global_norm([x, y], 1.0)[1], tf.linalg.global_norm([x, y])], [V3, Y_ROW]),
    "moments": (lambda tf, x: list(tf.nn.moments(x, axes=[0])) + list(tf.nn.moments(x, axes=[0, 1], keepdims=True)),
                [M23]),
    "embedding_lookup": (lambda tf, x: tf.nn.embedding_lookup(x, [1, 0, 1]), [M32]),
    "count_nonzero_argmax": (lambda tf, x: [tf.math.count_nonzero(x), tf.argmax(x), tf.math.argmin(x, axis=1),
                                            tf.argmax(x, output_type=tf.int32)], [[[0.0, 1.0, 2.0], [3.0, 0.0, -1.0]]]),
    "saturate_cast": (lambda tf, x: tf.saturate_cast(x * 100.0, tf.uint8), [[-1.0, 1.0, 3.0]]),
    "scalar_mul": (lambda tf, x: tf.math.scalar_mul(3.0, x), [V3]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_convention(compare, name, dtype):
    body, inputs = CONVENTIONS[name]
    check(compare, body, inputs, dtype)


def test_cumprod_second_order_and_forward_mode(compare):
    """Gradient of the gradient and a forward-mode JVP of cumprod, with and without a zero."""
    def program(tf):
        out = []
        for row in ([1.5, -2.0, 0.5], [1.5, 0.0, 2.0]):
            x = tf.constant(row)
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = tf.reduce_sum(tf.math.cumprod(x, exclusive=True) * tf.constant([1.0, 2.0, 3.0]))
                g = inner.gradient(y, x)
                gg = tf.reduce_sum(g * g)
            with tf.autodiff.ForwardAccumulator(x, tf.constant([0.5, -1.0, 2.0])) as acc:
                z = tf.math.cumprod(x, reverse=True)
            out += [g, outer.gradient(gg, x), acc.jvp(z)]
        return out
    compare(program)


def test_pow_second_order_and_forward_mode_at_negative_bases(compare):
    def program(tf):
        x, y = tf.constant([-2.0, -0.5, 1.5]), tf.constant([2.0, 3.0, 0.5])
        with tf.GradientTape(persistent=True) as outer:
            outer.watch([x, y])
            with tf.GradientTape() as inner:
                inner.watch([x, y])
                z = tf.reduce_sum(tf.pow(x, y))
            gx, gy = inner.gradient(z, [x, y])
        with tf.autodiff.ForwardAccumulator([x, y], [tf.ones([3]), tf.ones([3])]) as acc:
            w = tf.pow(x, y)
        return [gx, gy, outer.gradient(gx, [x, y]), outer.gradient(gy, [x, y]), acc.jvp(w)]
    compare(program)


def test_softmax_xent_second_order(compare):
    """The Hessian w.r.t. logits and the labels-logits mixed derivative of TF's rule (it holds labels
    constant in the logits gradient), with normalised and unnormalised labels, on axis -1 and 0."""
    def program(tf):
        x = tf.constant([[1.5, -0.5, 0.25], [0.75, 2.0, -1.0]])
        z = tf.constant([[0.5, 1.0, 0.0], [0.2, 0.3, 0.5]])
        out = []
        for axis in (-1, 0):
            with tf.GradientTape(persistent=True) as outer:
                outer.watch([x, z])
                with tf.GradientTape() as inner:
                    inner.watch([x, z])
                    loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x, axis=axis)
                                         * tf.constant([1.0, 2.0, 3.0][:2 if axis == -1 else 3]))
                gx, gz = inner.gradient(loss, [x, z])
                sx, sz = tf.reduce_sum(gx * gx), tf.reduce_sum(gz * x)
            out += [gx, gz, outer.gradient(sx, [x, z]), outer.gradient(sz, [x, z])]
        with tf.autodiff.ForwardAccumulator([x, z], [tf.ones([2, 3]), tf.ones([2, 3])]) as acc:
            y = tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x)
        return out + [acc.jvp(y)]
    compare(program)


def test_keras_categorical_crossentropy_from_logits_unnormalized_labels(compare):
    def program(tf):
        x = tf.constant([[1.5, -0.5, 0.25], [0.75, 2.0, -1.0]])
        z = tf.constant([[0.5, 1.0, 0.0], [0.25, 0.25, 0.0]])
        with tf.GradientTape() as tape:
            tape.watch([x, z])
            loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True)(z, x)
        return [loss] + tape.gradient(loss, [x, z])
    compare(program)


def test_conv2d_dilated(compare):
    """float32 only: TF's CPU kernels have no float64 backprop for dilation rates above 1."""
    skip_on_eigen_tf("dilated Conv2D backprop")
    check(compare, lambda tf, x, w: [tf.nn.conv2d(x, w[:2, :2], 1, "VALID", dilations=2),
                                     tf.nn.conv2d(x, w, 1, "SAME", dilations=[2, 1])], [IMG, FILT])


def test_softmax_xent_unnormalized_labels(compare):
    """TF's gradient w.r.t. logits is softmax(logits) * 1 - labels even when labels do not sum to 1."""
    check(compare, lambda tf, z, x: tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x),
          [[[0.5, 1.0, 0.0], [0.25, 0.25, 0.0]], M23])


NON_FLOAT_TARGETS = {
    "is_nan": lambda tf, x: tf.math.is_nan(x), "is_finite": lambda tf, x: tf.math.is_finite(x),
    "equal": lambda tf, x: tf.equal(x, 0.5), "greater": lambda tf, x: x > 0.0,
    "argmax": lambda tf, x: tf.argmax(x), "argsort": lambda tf, x: tf.argsort(x),
    "cast_int": lambda tf, x: tf.cast(x, tf.int32), "floor_int": lambda tf, x: tf.cast(tf.floor(x), tf.int64),
    "round": lambda tf, x: tf.round(x), "floordiv": lambda tf, x: x // 0.5,
}


def test_no_gradient_registered_raises_for_recorded_targets_only(compare):
    def program(tf):
        x, z, c = tf.constant([1.0, 2.0]), tf.constant(1.0), tf.constant([1.0])
        v = tf.Variable([1.0, 3.0])
        out = []
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, z])
            y, yv, yc = tf.math.is_inf(x * 2.0), tf.math.is_nan(v), tf.math.is_finite(c)
        for target, source in [(y, x), (yv, v), (y, z), ([y, x], x), (yc, x)]:
            try:
                out.append(tape.gradient(target, source))
            except LookupError as err:
                out.append(str(err))
        return out
    compare(program)


@pytest.mark.parametrize("name", sorted(NON_FLOAT_TARGETS))
def test_gradient_of_op_output_without_gradient(compare, name):
    """The op's own output as the target (no float loss around it): None, zeros or TF's error."""
    @raises("LookupError", optional_=True)
    def program(tf):
        x = tf.constant([0.5, -1.5, 2.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = NON_FLOAT_TARGETS[name](tf, x)
        return y, tape.gradient(y, x)
    compare(program, messages=False)


# -- matmul flags --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("flags", [dict(), dict(transpose_a=True), dict(transpose_b=True),
                                   dict(transpose_a=True, transpose_b=True), dict(adjoint_a=True),
                                   dict(adjoint_b=True), dict(adjoint_a=True, adjoint_b=True),
                                   dict(transpose_a=True, adjoint_b=True)], ids=str)
def test_matmul_flags(compare, flags, dtype):
    a = np.array([[1.0, 2.0], [-0.5, 0.25]])
    b = np.array([[0.5, -1.0], [2.0, 1.5]])
    if dtype.startswith("complex"):
        a, b = a + 1j * a[::-1], b - 0.5j * b.T

    def body(tf, x, y):
        batch = tf.matmul(tf.stack([x, y]), tf.stack([y, x]), **flags)
        return [tf.matmul(x, y, **flags), batch]
    check(compare, body, [a.tolist(), b.tolist()], dtype)


def test_matmul_batch_broadcast(compare):
    check(compare, lambda tf, a, b: tf.matmul(a, b), [np.arange(12.0).reshape(2, 2, 3).tolist(), M32])


# -- creation ops: values and dtypes ---------------------------------------------------------------
def test_creation_ops(compare):
    def program(tf):
        x = tf.constant(M23)
        return [tf.zeros([2, 3]), tf.zeros([2], tf.int64), tf.zeros((), tf.float64), tf.ones([3]),
                tf.ones([2, 2], dtype=tf.int32), tf.ones([0, 2]), tf.fill([2, 3], 7), tf.fill([2], 1.5),
                tf.fill([1], tf.constant(2.0, tf.float64)), tf.zeros_like(x), tf.ones_like(x),
                tf.zeros_like(tf.constant([1, 2])), tf.ones_like(x, dtype=tf.int64), tf.eye(3), tf.eye(2, 3),
                tf.eye(2, batch_shape=[2], dtype=tf.float64), tf.range(5), tf.range(1, 10, 3), tf.range(5.0),
                tf.range(1.0, 2.0, 0.25), tf.range(5, dtype=tf.float64), tf.range(10, 0, -3),
                tf.range(tf.constant(4, tf.int64)), tf.linspace(0.0, 1.0, 5),
                tf.linspace(tf.constant(0.0, tf.float64), 2.0, 3), tf.one_hot([0, 2], 3),
                tf.one_hot([1], 2, on_value=5, off_value=-1), tf.one_hot([1, 0], 2, dtype=tf.int64),
                tf.shape(x), tf.size(x), tf.rank(x), tf.constant(2.5), tf.constant(3), tf.constant([1.0, 2]),
                tf.constant(True), tf.constant([[1, 2]], dtype=tf.float64), tf.constant(1.5, shape=[2, 2])]
    compare(program)


def test_constant_from_numpy_with_dtype(compare):
    """tf.constant/convert_to_tensor cast NumPy arrays to the requested dtype (TF allows narrowing)."""
    def program(tf):
        wide = np.array([0.1, 1.0 / 3.0])
        return [tf.constant(wide, dtype=tf.float32), tf.convert_to_tensor(wide, dtype=tf.float32),
                tf.constant(np.array([1.5, -2.5]), dtype=tf.int32), tf.constant(np.float64(0.5), dtype=tf.float32),
                tf.constant(np.array([1, 2], np.int64), dtype=tf.int32), tf.constant(np.array([1.0], np.float32)),
                tf.constant(np.array([1, 2])), tf.constant(np.array([0.5]))]
    compare(program)


# -- tf.random: shapes, dtypes and properties (values differ across libraries) -----------------------
def test_random_shapes_and_dtypes(compare):
    def program(tf):
        tf.random.set_seed(1)
        draws = [tf.random.normal([2, 3]), tf.random.normal([4], dtype=tf.float64, mean=1.0, stddev=2.0),
                 tf.random.uniform([3]), tf.random.uniform([2, 2], 1, 10, dtype=tf.int32),
                 tf.random.uniform([5], maxval=3, dtype=tf.int64), tf.random.uniform((), dtype=tf.float64),
                 tf.random.truncated_normal([3, 1]), tf.random.categorical(tf.math.log([[0.5, 0.5]]), 4),
                 tf.random.shuffle(tf.range(6)), tf.random.normal(tf.constant([2, 2])),
                 tf.random.Generator.from_seed(3).normal([2]), tf.random.Generator.from_seed(3).uniform([2, 1])]
        return [(d.shape.as_list(), d.dtype) for d in draws]
    compare(program)


def test_random_properties(compare):
    def program(tf):
        tf.random.set_seed(5)
        u = tf.random.uniform([1000], 2.0, 3.0)
        i = tf.random.uniform([1000], -2, 3, dtype=tf.int32)
        t = tf.random.truncated_normal([1000], mean=1.0, stddev=0.5)
        s = tf.random.shuffle(tf.range(20))
        tf.random.set_seed(11)
        a = tf.random.normal([5], seed=2)
        tf.random.set_seed(11)
        b = tf.random.normal([5], seed=2)
        c = tf.random.normal([5], seed=2)
        g = tf.random.Generator.from_seed(4)
        g2 = tf.random.Generator.from_seed(4)
        return [bool(tf.reduce_all((u >= 2.0) & (u < 3.0))), bool(tf.reduce_all((i >= -2) & (i < 3))),
                sorted(set(i.numpy().tolist())), bool(tf.reduce_all(tf.abs(t - 1.0) <= 1.0)),
                sorted(s.numpy().tolist()), bool(tf.reduce_all(a == b)), bool(tf.reduce_all(a == c)),
                bool(tf.reduce_all(g.normal([3]) == g2.normal([3]))),
                bool(abs(float(tf.reduce_mean(tf.random.normal([20000]))) < 0.05))]
    compare(program)


def test_random_errors(compare):
    compare(lambda tf: tf.random.uniform([2], dtype=tf.int32), messages=False, raises="ValueError")


# -- dropout ----------------------------------------------------------------------------------------
def test_dropout_rate_zero_is_identity(compare):
    check(compare, lambda tf, x: [tf.nn.dropout(x, 0.0), tf.nn.dropout(x, rate=0.0, seed=3)], [M23])


def test_dropout_properties(compare):
    def program(tf):
        tf.random.set_seed(3)
        x = tf.constant(np.linspace(0.5, 2.0, 400).reshape(20, 20).astype(np.float32))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.dropout(x, rate=0.25)
            z = tf.nn.dropout(x, rate=0.5, noise_shape=[20, 1])
        g = tape.gradient(y, x)
        kept = tf.not_equal(y, 0.0)
        frac = float(tf.reduce_mean(tf.cast(kept, tf.float32)))
        rows = tf.reduce_all(tf.equal(z, 0.0), axis=1) | tf.reduce_all(tf.not_equal(z, 0.0), axis=1)
        scaled = tf.reduce_all(tf.abs(tf.where(kept, y - x / 0.75, 0.0)) < 1e-6)
        grad_ok = tf.reduce_all(tf.abs(g - tf.where(kept, 1 / 0.75, 0.0)) < 1e-6)
        return [y.shape.as_list(), y.dtype, z.shape.as_list(), bool(0.6 < frac < 0.9), bool(scaled),
                bool(grad_ok), bool(tf.reduce_all(rows)), g.dtype]
    compare(program)


def test_dropout_bad_rate(compare):
    compare(lambda tf: tf.nn.dropout(tf.ones([2]), rate=1.0), messages=False, raises="ValueError")
    compare(lambda tf: tf.nn.dropout(tf.ones([2]), rate=-0.5), messages=False, raises="ValueError")


# -- tf.nest ----------------------------------------------------------------------------------------
def test_nest_flatten_orders(compare):
    def program(tf):
        nested = {"b": [1, (2, 3)], "a": {"y": 4, "x": None}, "c": 5}
        return [tf.nest.flatten(nested), tf.nest.flatten([1, [2, [3, [4]]]]), tf.nest.flatten(7),
                tf.nest.flatten(None), tf.nest.flatten({2: "two", 1: "one"}), tf.nest.flatten(((), [], {})),
                tf.nest.is_nested([1]), tf.nest.is_nested(1), tf.nest.is_nested({"a": 1})]
    compare(program)


def test_nest_pack_and_map(compare):
    def program(tf):
        structure = {"b": [0, (0, 0)], "a": 0}
        packed = tf.nest.pack_sequence_as(structure, [10, 20, 30, 40])
        mapped = tf.nest.map_structure(lambda u, v: u * 10 + v, {"k": (1, [2]), "j": 3}, {"k": (4, [5]), "j": 6})
        tensors = tf.nest.map_structure(lambda t: t * 2.0, [tf.constant(1.0), (tf.constant([2.0, 3.0]),)])
        return [packed, mapped, tensors, tf.nest.pack_sequence_as([0, [0]], (1, 2)),
                tf.nest.pack_sequence_as(0, [5]), tf.nest.map_structure(lambda v: v, (None, 1))]
    compare(program)


def test_nest_ordered_dicts_flatten_by_sorted_keys(compare):
    def program(tf):
        import collections
        od = collections.OrderedDict(b=1, a=2)
        nested = collections.defaultdict(list, {"z": od, "c": [od, 5]})
        return [tf.nest.flatten(od), tf.nest.pack_sequence_as(od, [10, 20]), tf.nest.flatten(nested),
                tf.nest.pack_sequence_as(nested, [1, 2, 3, 4, 5]),
                tf.nest.map_structure(lambda v: v * 2, {"x": od, "y": (od,)})]
    compare(program)


def test_nest_namedtuple(compare):
    def program(tf):
        import collections
        Point = collections.namedtuple("Point", ["y", "x"])
        p = Point(y=1, x=[2, 3])
        return [tf.nest.flatten(p), tf.nest.pack_sequence_as(p, [7, 8, 9]),
                tf.nest.map_structure(lambda v: v + 1, p)]
    compare(program)


@pytest.mark.parametrize("pair", [([1, 2], [1, 2, 3]), ([1, [2]], [1, 2]), ({"a": 1}, {"b": 1}),
                                  ([1, 2], (1, 2)), ((1, 2), {"a": 1, "b": 2}), (1, [1])], ids=str)
def test_nest_assert_same_structure_errors(compare, pair):
    compare(lambda tf: tf.nest.assert_same_structure(*pair), messages=False, raises=("TypeError", "ValueError"))


@pytest.mark.parametrize("pair", [([1, 2], (1, 2, 3)), ([1, 2, 3], {"a": 1}), ({"a": 1, "b": 2}, {"a": 1, "c": [2]}),
                                  ({"a": [1, 2]}, {"a": (1, 2)}), ({"a": 1}, {"b": 1}), ((1, 2), {"a": 1, "b": 2})],
                         ids=str)
def test_nest_assert_same_structure_order_of_checks(compare, pair):
    def program(tf):
        out = []
        for check_types in (True, False):
            try:
                tf.nest.assert_same_structure(*pair, check_types=check_types)
                out.append("same")
            except (TypeError, ValueError) as err:
                out.append(type(err).__name__)
        return out
    compare(program)


def test_nest_assert_same_structure_passes(compare):
    compare(lambda tf: [tf.nest.assert_same_structure([1, (2, {"a": 3})], ["x", ("y", {"a": None})]),
                        tf.nest.assert_same_structure([1, 2], (3, 4), check_types=False)])


def test_nest_errors(compare):
    compare(lambda tf: tf.nest.pack_sequence_as([0, 0], [1]), messages=False, raises="ValueError")
    compare(lambda tf: tf.nest.map_structure(lambda u, v: u + v, [1, 2], [1]), messages=False, raises="ValueError")


# -- error types for bad inputs ------------------------------------------------------------------------
ERRORS = {
    "matmul_inner_dims": raises("InvalidArgumentError")(lambda tf: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))),
    "matmul_batch_dims": raises("InvalidArgumentError")(lambda tf: tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 2]))),
    "matmul_dtype": raises("InvalidArgumentError")(lambda tf: tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64))),
    "matvec_dims": raises("InvalidArgumentError")(lambda tf: tf.linalg.matvec(tf.ones([2, 3]), tf.ones([2]))),
    "reshape_size": raises("InvalidArgumentError")(lambda tf: tf.reshape(tf.ones([2, 3]), [4])),
    "reshape_minus_one": raises("InvalidArgumentError")(lambda tf: tf.reshape(tf.ones([2, 3]), [4, -1])),
    "gather_out_of_range": raises("InvalidArgumentError")(lambda tf: tf.gather(tf.ones([2, 3]), [5])),
    "gather_negative": raises("InvalidArgumentError")(lambda tf: tf.gather(tf.ones([2, 3]), [-1])),
    "gather_nd_out_of_range": raises("InvalidArgumentError")(lambda tf: tf.gather_nd(tf.ones([2, 3]), [[2, 0]])),
    "sparse_labels_out_of_range": raises("InvalidArgumentError")(lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=[3], logits=tf.ones([1, 3]))),
    "sparse_labels_negative": raises("InvalidArgumentError")(lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=[-1, 0], logits=tf.ones([2, 3]))),
    "sparse_labels_rank": raises("ValueError")(lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=[[0]], logits=tf.ones([1, 3]))),
    "softmax_xent_shapes": raises("InvalidArgumentError")(lambda tf: tf.nn.softmax_cross_entropy_with_logits(labels=tf.ones([2, 2]),
                                                                              logits=tf.ones([2, 3]))),
    "binary_dtype_mismatch": raises("InvalidArgumentError")(lambda tf: tf.ones([2]) + tf.ones([2], tf.float64)),
    "add_dtype_mismatch": raises("InvalidArgumentError")(lambda tf: tf.add(tf.constant([1, 2]), tf.constant([1.0, 2.0]))),
    "multiply_int_by_float_scalar": raises("TypeError")(lambda tf: tf.constant(1) * 2.5),
    "maximum_dtype_mismatch": raises("InvalidArgumentError")(lambda tf: tf.maximum(tf.ones([2], tf.float64), tf.ones([2]))),
    "broadcast_incompatible": raises("InvalidArgumentError")(lambda tf: tf.ones([2, 3]) * tf.ones([2])),
    "concat_dtype_mismatch": raises("InvalidArgumentError")(lambda tf: tf.concat([tf.ones([2]), tf.ones([2], tf.float64)], 0)),
    "concat_shapes": raises("InvalidArgumentError")(lambda tf: tf.concat([tf.ones([2, 2]), tf.ones([2, 3])], 0)),
    "stack_shapes": raises("InvalidArgumentError")(lambda tf: tf.stack([tf.ones([2]), tf.ones([3])])),
    "split_uneven": raises("InvalidArgumentError")(lambda tf: tf.split(tf.ones([5]), 2)),
    "squeeze_non_unit": raises("InvalidArgumentError")(lambda tf: tf.squeeze(tf.ones([2, 3]), [0])),
    "index_out_of_range": raises("InvalidArgumentError")(lambda tf: tf.constant([1.0, 2.0])[5]),
    "reduce_axis_out_of_range": raises("InvalidArgumentError")(lambda tf: tf.reduce_sum(tf.ones([2, 3]), axis=2)),
    "broadcast_to_bad_shape": raises("InvalidArgumentError")(lambda tf: tf.broadcast_to(tf.ones([3]), [2, 2])),
    # cholesky of a non-positive-definite matrix: TF 2.21 returns NaNs, tapejax raises (a deliberate
    # difference, tested in test_errors_compat.py)
    "inv_singular": raises("InvalidArgumentError")(lambda tf: tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))),
    "solve_shapes": raises("InvalidArgumentError")(lambda tf: tf.linalg.solve(tf.eye(2), tf.ones([3, 1]))),
    "constant_float_to_int": raises("TypeError")(lambda tf: tf.constant(1.5, dtype=tf.int32)),
    "where_shapes": raises("InvalidArgumentError")(lambda tf: tf.where(tf.constant([True, False]), tf.ones([3]), tf.ones([3]))),
    "one_hot_float_indices": raises("InvalidArgumentError")(lambda tf: tf.one_hot(tf.constant([0.0, 1.0]), 2)),
    "tile_wrong_rank": raises("InvalidArgumentError")(lambda tf: tf.tile(tf.ones([2, 2]), [2])),
    "transpose_bad_perm": raises("InvalidArgumentError")(lambda tf: tf.transpose(tf.ones([2, 3]), [0, 0])),
    "conv2d_depth": raises("InvalidArgumentError")(lambda tf: tf.nn.conv2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 3, 1]), 1, "VALID")),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_type(compare, name):
    compare(ERRORS[name], messages=False)
