"""Every differentiable op-table row: tapejax's gradient against central finite differences.

The finite differences evaluate tapejax's own forward pass in float64, so each case checks that
the recorded op's pullback matches its values; TF parity of values and kinks is in compat_tests.
A row added to a table without a case here fails `test_every_row_has_a_case`.
"""

import numpy as np
import pytest

import tapejax as tf
from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops

RS = np.random.RandomState(123)


def _pos(*shape):
    return RS.uniform(0.5, 1.5, shape)


def _any(*shape):
    return RS.uniform(-1.0, 1.0, shape)


def _unit(*shape):
    return RS.uniform(-0.8, 0.8, shape)


def _spd(n):
    a = RS.randn(n, n)
    return a @ a.T + n * np.eye(n)


IDX = np.array([2, 0, 2])
KEEP = np.array([True, False, True, True])

# name -> (function of tapejax tensors, input arrays)
CASES = {
    # unary math
    "abs": (tf.abs, [_any(3, 2) + 0.1]), "negative": (tf.negative, [_any(4)]),
    "sign": (tf.sign, [_any(4) + 0.05]), "square": (tf.square, [_any(3)]),
    "sqrt": (tf.sqrt, [_pos(3)]), "rsqrt": (tf.math.rsqrt, [_pos(3)]),
    "reciprocal": (tf.math.reciprocal, [_pos(3)]), "exp": (tf.exp, [_any(2, 2)]),
    "expm1": (tf.math.expm1, [_any(3)]), "log": (tf.math.log, [_pos(3)]),
    "log1p": (tf.math.log1p, [_pos(3)]), "sin": (tf.sin, [_any(3)]), "cos": (tf.cos, [_any(3)]),
    "tan": (tf.tan, [_unit(3)]), "asin": (tf.asin, [_unit(3)]), "acos": (tf.acos, [_unit(3)]),
    "atan": (tf.atan, [_any(3)]), "sinh": (tf.sinh, [_any(3)]), "cosh": (tf.cosh, [_any(3)]),
    "tanh": (tf.tanh, [_any(3)]), "asinh": (tf.math.asinh, [_any(3)]),
    "acosh": (tf.math.acosh, [_pos(3) + 1.0]), "atanh": (tf.math.atanh, [_unit(3)]),
    "sigmoid": (tf.sigmoid, [_any(3)]), "log_sigmoid": (tf.math.log_sigmoid, [_any(3)]),
    "softplus": (tf.math.softplus, [_any(3)]), "softsign": (tf.math.softsign, [_any(3)]),
    "erf": (tf.math.erf, [_any(3)]), "erfc": (tf.math.erfc, [_any(3)]),
    "lgamma": (tf.math.lgamma, [_pos(3) + 1.0]), "digamma": (tf.math.digamma, [_pos(3) + 1.0]),
    # binary math
    "add": (tf.add, [_any(2, 3), _any(3)]), "subtract": (tf.subtract, [_any(3), _any(2, 3)]),
    "multiply": (tf.multiply, [_any(2, 3), _any(2, 3)]), "divide": (tf.divide, [_any(3), _pos(3)]),
    "floormod": (tf.math.floormod, [_pos(3) * 3.3, _pos(3)]),
    "pow": (tf.pow, [_pos(3), _any(3)]), "maximum": (tf.maximum, [_any(4), _any(4)]),
    "minimum": (tf.minimum, [_any(4), _any(4)]),
    "squared_difference": (tf.math.squared_difference, [_any(3), _any(3)]),
    "atan2": (tf.math.atan2, [_any(3), _pos(3)]), "xlogy": (tf.math.xlogy, [_pos(3), _pos(3)]),
    "xdivy": (tf.math.xdivy, [_pos(3), _pos(3)]),
    "divide_no_nan": (tf.math.divide_no_nan, [_any(3), _pos(3)]),
    # reductions
    "reduce_sum": (lambda x: tf.reduce_sum(x, axis=1), [_any(2, 3)]),
    "reduce_mean": (lambda x: tf.reduce_mean(x, axis=0, keepdims=True), [_any(2, 3)]),
    "reduce_max": (lambda x: tf.reduce_max(x, axis=1), [_any(2, 3)]),
    "reduce_min": (lambda x: tf.reduce_min(x), [_any(2, 3)]),
    "reduce_prod": (lambda x: tf.reduce_prod(x, axis=[0, 1]), [_pos(2, 3)]),
    "reduce_logsumexp": (lambda x: tf.reduce_logsumexp(x, axis=-1), [_any(2, 3)]),
    "reduce_std": (lambda x: tf.math.reduce_std(x, axis=1), [_any(2, 3)]),
    "reduce_variance": (lambda x: tf.math.reduce_variance(x), [_any(2, 3)]),
    "reduce_euclidean_norm": (lambda x: tf.math.reduce_euclidean_norm(x, axis=0), [_any(2, 3)]),
    # array ops
    "identity": (tf.identity, [_any(3)]),
    "reshape": (lambda x: tf.reshape(x, (3, -1)), [_any(2, 3)]),
    "transpose": (lambda x: tf.transpose(x, [1, 0, 2]), [_any(2, 3, 2)]),
    "expand_dims": (lambda x: tf.expand_dims(x, 1), [_any(3)]),
    "squeeze": (lambda x: tf.squeeze(x, [1]), [_any(3, 1)]),
    "tile": (lambda x: tf.tile(x, [2, 1]), [_any(2, 3)]),
    "broadcast_to": (lambda x: tf.broadcast_to(x, (2, 3)), [_any(3)]),
    "reverse": (lambda x: tf.reverse(x, [1]), [_any(2, 3)]),
    "pad": (lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=0.5), [_any(2, 3)]),
    "concat": (lambda x, y: tf.concat([x, y], axis=0), [_any(2, 3), _any(1, 3)]),
    "stack": (lambda x, y: tf.stack([x, y], axis=1), [_any(3), _any(3)]),
    "unstack": (lambda x: tf.unstack(x)[1] * 2.0 + tf.unstack(x)[0], [_any(2, 3)]),
    "split": (lambda x: tf.split(x, [1, 2], axis=1)[1], [_any(2, 3)]),
    "getitem": (lambda x: x[1:, ::2][..., None], [_any(3, 4)]),
    "slice": (lambda x: tf.slice(x, [0, 1], [2, -1]), [_any(3, 4)]),
    "gather": (lambda x: tf.gather(x, IDX, axis=1), [_any(2, 3)]),
    "gather_nd": (lambda x: tf.gather_nd(x, [[0, 1], [1, 2]]), [_any(2, 3)]),
    "where": (lambda x, y: tf.where(x > 0, x, y), [_any(4) + 0.05, _any(4)]),
    "repeat": (lambda x: tf.repeat(x, 2, axis=0), [_any(2, 2)]),
    "sort": (lambda x: tf.sort(x, direction="DESCENDING"), [_any(5)]),
    "boolean_mask": (lambda x: tf.boolean_mask(x, KEEP), [_any(4, 2)]),
    "tensor_scatter_nd_update": (lambda x, u: tf.tensor_scatter_nd_update(x, [[0], [2]], u),
                                 [_any(3, 2), _any(2, 2)]),
    "tensor_scatter_nd_add": (lambda x, u: tf.tensor_scatter_nd_add(x, [[1], [1]], u),
                              [_any(3, 2), _any(2, 2)]),
    "tensor_scatter_nd_sub": (lambda x, u: tf.tensor_scatter_nd_sub(x, [[1], [1]], u),
                              [_any(3, 2), _any(2, 2)]),
    "tensor_scatter_nd_max": (lambda x, u: tf.tensor_scatter_nd_max(x, [[0], [2]], u),
                              [_any(3, 2), _any(2, 2)]),
    "tensor_scatter_nd_min": (lambda x, u: tf.tensor_scatter_nd_min(x, [[0], [2]], u),
                              [_any(3, 2), _any(2, 2)]),
    "scatter_nd": (lambda u: tf.scatter_nd([[1], [3], [1]], u, [4, 2]), [_any(3, 2)]),
    "linspace": (lambda a: tf.linspace(a[0], a[1], 5), [_any(2)]),
    # nn
    "relu": (tf.nn.relu, [_any(5) + 0.05]), "relu6": (tf.nn.relu6, [_any(5) * 8 + 0.05]),
    "elu": (tf.nn.elu, [_any(5) + 0.05]), "selu": (tf.nn.selu, [_any(5) + 0.05]),
    "gelu": (tf.nn.gelu, [_any(5)]), "silu": (tf.nn.silu, [_any(5)]),
    "leaky_relu": (tf.nn.leaky_relu, [_any(5) + 0.05]),
    "softmax": (lambda x: tf.nn.softmax(x, axis=0), [_any(3, 2)]),
    "log_softmax": (tf.nn.log_softmax, [_any(2, 3)]),
    "sigmoid_xent": (lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                     [RS.uniform(0, 1, (2, 3)), _any(2, 3) * 3]),
    "softmax_xent": (lambda z, x: tf.nn.softmax_cross_entropy_with_logits(z, x),
                     [np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), _any(2, 3)]),
    "sparse_softmax_xent": (lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([2, 0]), logits=x), [_any(2, 3)]),
    "l2_loss": (tf.nn.l2_loss, [_any(2, 3)]), "bias_add": (tf.nn.bias_add, [_any(2, 3), _any(3)]),
    "dropout": (lambda x: tf.nn.dropout(x, 0.5, seed=3), [_any(6)]),
    "conv2d": (lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), [_any(1, 4, 4, 2), _any(3, 3, 2, 2)]),
    "max_pool2d": (lambda x: tf.concat([tf.reshape(tf.nn.max_pool2d(x, 2, 2, "VALID"), [-1]),
                                        tf.reshape(tf.nn.max_pool2d(x, 3, 1, "SAME"), [-1])], 0),
                   [_any(1, 4, 4, 2)]),
    "avg_pool2d": (lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"), [_any(1, 4, 4, 2)]),
    # linalg
    "matmul": (lambda a, b: tf.matmul(a, b, transpose_b=True), [_any(2, 3), _any(4, 3)]),
    "matvec": (tf.linalg.matvec, [_any(2, 3), _any(3)]), "inv": (tf.linalg.inv, [_spd(3)]),
    "det": (tf.linalg.det, [_spd(3)]), "logdet": (tf.linalg.logdet, [_spd(3)]),
    "slogdet": (lambda a: tf.linalg.slogdet(a)[1], [_spd(3)]),
    "cholesky": (tf.linalg.cholesky, [_spd(3)]), "solve": (tf.linalg.solve, [_spd(3), _any(3, 2)]),
    "triangular_solve": (lambda a, b: tf.linalg.triangular_solve(a, b),
                         [np.tril(_spd(3)), _any(3, 2)]),
    "trace": (tf.linalg.trace, [_any(3, 3)]), "diag": (tf.linalg.diag, [_any(3)]),
    "diag_part": (tf.linalg.diag_part, [_any(3, 3)]),
    "einsum": (lambda a, b: tf.einsum("ij,jk->ik", a, b), [_any(2, 3), _any(3, 2)]),
    "tensordot": (lambda a, b: tf.tensordot(a, b, 1), [_any(2, 3), _any(3, 2)]),
    "norm": (lambda a: tf.norm(a, axis=1), [_any(2, 3)]),
    "band_part": (lambda a: tf.linalg.band_part(a, 1, 0), [_any(3, 3)]),
    "eigh": (lambda a: tf.linalg.eigh(a)[0], [_spd(3)]),
    "qr": (lambda a: tf.linalg.qr(a)[1] ** 2, [_any(3, 3)]),
    "svd": (lambda a: tf.linalg.svd(a, compute_uv=False), [_spd(3)]),
}

# Rows checked elsewhere, with the reason.
ELSEWHERE = {
    "real": "complex input: compat_tests/test_training_utils_compat.py::test_complex_parts",
    "imag": "complex input: compat_tests/test_training_utils_compat.py::test_complex_parts",
    "conj": "complex input: compat_tests/test_training_utils_compat.py::test_complex_parts",
    "angle": "complex input: compat_tests/test_training_utils_compat.py::test_complex_parts",
    "stop_gradient": "no gradient by design: test_no_gradient_ops",
    "transpose_conjugate": "complex input: compat_tests/test_conversion_compat.py::test_a_complex_conjugate_transpose_and_its_gradient",
}


def _differentiable_rows():
    names = {k for k, v in math_ops.UNARY.items() if v[2]}
    names |= {k for k, v in math_ops.BINARY.items() if v[2]}
    names |= {k for k, v in math_ops.REDUCTIONS.items() if v[2]}
    for table in (array_ops.ARRAY, nn_ops.NN, linalg_ops.LINALG):
        names |= {k for k, op in table.items() if op.differentiable}
    return names


def test_every_row_has_a_case():
    missing = _differentiable_rows() - set(CASES) - set(ELSEWHERE)
    assert not missing, f"op rows without a gradient check: {sorted(missing)}"


def _forward(fn, arrays, dtype):
    tensors = [tf.constant(a.astype(dtype)) for a in arrays]
    return fn(*tensors), tensors


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    fn, arrays = CASES[name]
    probe, _ = _forward(fn, arrays, np.float64)
    weights = np.random.RandomState(len(name)).uniform(0.5, 1.5, probe.shape)

    def objective(*values):
        tf.random.set_seed(7)  # dropout draws the same mask on every call
        out, _ = _forward(fn, list(values), np.float64)
        return float(np.sum(out.numpy() * weights))

    tf.random.set_seed(7)
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        y = tf.reduce_sum(fn(*tensors) * weights)
    grads = tape.gradient(y, tensors)
    eps = 1e-6
    for i, (a, g) in enumerate(zip(arrays, grads)):
        numeric = np.zeros_like(a)
        for idx in np.ndindex(*a.shape):
            up = [x.copy() for x in arrays]
            down = [x.copy() for x in arrays]
            up[i][idx] += eps
            down[i][idx] -= eps
            numeric[idx] = (objective(*up) - objective(*down)) / (2 * eps)
        got = np.zeros_like(a) if g is None else tf.convert_to_tensor(g).numpy()
        np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6, err_msg=f"{name} input {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_gradients_keep_dtype(name):
    fn, arrays = CASES[name]
    tf.random.set_seed(7)
    tensors = [tf.constant(a.astype(np.float32)) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        y = tf.reduce_sum(fn(*tensors))
    for g in tape.gradient(y, tensors):
        if g is not None:
            assert g.dtype == tf.float32


NO_GRADIENT = {
    "floor": tf.floor, "ceil": tf.math.ceil, "round": tf.round, "rint": tf.math.rint,
    "floordiv": lambda x: x // 0.3, "stop_gradient": tf.stop_gradient,
    "cast_int": lambda x: tf.cast(x, tf.int32), "argmax": lambda x: tf.argmax(x),
    "equal": lambda x: tf.equal(x, 0.5), "zeros_like": tf.zeros_like, "ones_like": tf.ones_like,
    "greater": lambda x: x > 0.0,
}


@pytest.mark.parametrize("name", sorted(NO_GRADIENT))
def test_no_gradient_ops(name):
    x = tf.constant([0.25, 1.75])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = NO_GRADIENT[name](x)
    assert tape.gradient(y, x) is None
