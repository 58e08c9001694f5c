"""Gradients of every op-table row against central finite differences, in float32 and float64.

Each case evaluates tapejax's forward pass in float64 at the (dtype-representable) inputs and
differentiates a randomly weighted sum of its outputs by central differences; the tape's gradient,
computed in the case's dtype, must match within the dtype's tolerance and keep the source's dtype.
Inputs stay away from kinks and domain edges; TF's conventions *at* the kinks are compat-tested
(compat_tests/test_ops_compat.py).

The tests are parametrized over the op tables themselves, so a new table row without a case here
fails (`KeyError`-style message in the `test_*_row` tests and in the coverage tests).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import tapejax as tf
from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops
from tests._numeric import numeric_grad

FLOATS = (np.float32, np.float64)
COMPLEX = (np.complex64, np.complex128)
TOL = {np.float32: dict(rtol=2e-3, atol=2e-4), np.float64: dict(rtol=1e-6, atol=1e-7),
       np.complex64: dict(rtol=2e-3, atol=2e-4), np.complex128: dict(rtol=1e-6, atol=1e-7)}
EPS = 1e-6
SEED = 7


def _seed(*key):
    return zlib.crc32(repr(key).encode())


def _dtype_id(dtype):
    return np.dtype(dtype).name


# -- input generators: functions of (RandomState, shape) -> float64 array -----------------------
def _any(rs, shape):
    return rs.uniform(-2.0, 2.0, shape)


def _small(rs, shape):
    return rs.uniform(-0.8, 0.8, shape)


def _pos(rs, shape):
    return rs.uniform(0.5, 2.0, shape)


def _nonzero(rs, shape):
    """|x| in [0.2, 2], either sign: away from the kink at 0."""
    return rs.uniform(0.2, 2.0, shape) * rs.choice([-1.0, 1.0], shape)


def _distinct(rs, shape):
    """Distinct nonzero values, pairwise at least ~0.05 apart (no ties for max/min/sort)."""
    n = int(np.prod(shape, dtype=np.int64))
    mags = np.linspace(0.4, 1.6, max(n, 1))[:n]
    return (rs.permutation(mags) * rs.choice([-1.0, 1.0], n)).reshape(shape)


def _const(value):
    return lambda rs, shape: np.broadcast_to(np.asarray(value, np.float64), shape).copy()


def _spd(n, rs):
    a = rs.uniform(-1, 1, (n, n))
    return a @ a.T + n * np.eye(n)


# -- the checker ---------------------------------------------------------------------------------
def _outputs(result):
    """The floating outputs of an op call, as a flat list (multi-output ops return lists/tuples)."""
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    return [tf.convert_to_tensor(o) for o in items if o is not None
            and (tf.convert_to_tensor(o).dtype.is_floating or tf.convert_to_tensor(o).dtype.is_complex)]


def _weights(outs, seed):
    rs = np.random.RandomState(seed)
    ws = []
    for o in outs:
        w = rs.uniform(0.5, 1.5, tuple(o.shape))
        if o.dtype.is_complex:
            w = w + 1j * rs.uniform(-1.0, 1.0, tuple(o.shape))
        ws.append(w)
    return ws


def _objective_value(fn, values, weights):
    """float64 forward: sum_i Re(sum(w_i * out_i))."""
    tf.random.set_seed(SEED)
    outs = _outputs(fn(*[tf.constant(v) for v in values]))
    return float(sum(np.real(np.sum(o.numpy().astype(np.complex128) * w)) for o, w in zip(outs, weights)))


def _numeric(fn, values, weights, i, eps=EPS):
    """d objective / d values[i] by central differences; for complex inputs dL/dRe + i dL/dIm (TF's)."""
    x = values[i]
    directions = (1.0, 1j) if np.iscomplexobj(x) else (1.0,)
    grad = np.zeros(x.shape, np.complex128 if np.iscomplexobj(x) else np.float64)
    for idx in np.ndindex(*x.shape):
        for d in directions:
            up = list(values)
            down = list(values)
            up[i] = x.copy()
            down[i] = x.copy()
            up[i][idx] += eps * d
            down[i][idx] -= eps * d
            slope = (_objective_value(fn, up, weights) - _objective_value(fn, down, weights)) / (2 * eps)
            grad[idx] += slope * (1.0 if d == 1.0 else 1j)
    return grad


def check_gradient(fn, arrays, dtype, wrt=None, tol=None, eps=EPS, same_dtype=False):
    """Asserts the tape's gradient of sum(w * fn(*arrays)) matches finite differences.

    Args:
      fn: function of tapejax Tensors returning a Tensor or a list/tuple of Tensors.
      arrays: float64 (or complex128) input arrays; rounded to `dtype` first.
      dtype: the dtype the tape computes in.
      wrt: indices of inputs to check (default: all).
      tol: override of the dtype's tolerance.
      eps: finite-difference step.
      same_dtype: evaluate the finite differences in `dtype` rather than float64 (for ops whose
        randomness depends on the dtype, like dropout's mask; use with a large `eps`).
    """
    wide = np.complex128 if np.issubdtype(dtype, np.complexfloating) else np.float64
    arrays = [np.asarray(np.asarray(a).astype(dtype), wide) for a in arrays]
    wrt = range(len(arrays)) if wrt is None else wrt
    tf.random.set_seed(SEED)
    probe = _outputs(fn(*[tf.constant(a) for a in arrays]))
    assert probe, "the op produced no floating output"
    weights = _weights(probe, seed=len(arrays) + sum(a.size for a in arrays))

    tensors = [tf.constant(a.astype(dtype)) for a in arrays]
    tf.random.set_seed(SEED)
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        outs = _outputs(fn(*tensors))
        terms = [tf.reduce_sum(tf.math.real(o * tf.constant(w.astype(o.dtype.as_numpy_dtype)))
                               if o.dtype.is_complex else o * tf.constant(w.astype(o.dtype.as_numpy_dtype)))
                 for o, w in zip(outs, weights)]
        total = tf.add_n([tf.cast(t, tf.float64) for t in terms])
    grads = tape.gradient(total, tensors)
    tol = tol or TOL[dtype]
    for i in wrt:
        g = grads[i]
        assert g is not None, f"input {i}: gradient is None"
        g = tf.convert_to_tensor(g)
        assert g.dtype == tensors[i].dtype, f"input {i}: gradient dtype {g.dtype} != source {tensors[i].dtype}"
        assert tuple(g.shape) == arrays[i].shape, f"input {i}: gradient shape {g.shape} != {arrays[i].shape}"
        if same_dtype:
            expected = _numeric(lambda *v: fn(*[tf.cast(t, dtype) for t in v]), arrays, weights, i, eps)
        else:
            expected = _numeric(fn, arrays, weights, i, eps)
        np.testing.assert_allclose(g.numpy().astype(wide), expected, err_msg=f"input {i}", **tol)


# -- tables of cases ------------------------------------------------------------------------------
SHAPES = [(), (4,), (2, 3)]

UNARY_DOMAIN = {
    "abs": _nonzero, "negative": _any, "sign": _nonzero, "square": _any, "sqrt": _pos,
    "rsqrt": _pos, "reciprocal": _nonzero, "exp": _any, "expm1": _any, "log": _pos,
    "log1p": lambda rs, s: rs.uniform(-0.5, 2.0, s), "sin": _any, "cos": _any,
    "tan": lambda rs, s: rs.uniform(-1.2, 1.2, s), "asin": _small, "acos": _small, "atan": _any,
    "sinh": _any, "cosh": _any, "tanh": _any, "asinh": _any,
    "acosh": lambda rs, s: rs.uniform(1.2, 3.0, s), "atanh": _small, "sigmoid": _any,
    "log_sigmoid": _any, "softplus": _any, "softsign": _nonzero, "erf": _any, "erfc": _any,
    "lgamma": lambda rs, s: rs.uniform(0.3, 4.0, s), "digamma": lambda rs, s: rs.uniform(0.5, 4.0, s),
}
# Complex-only rows (and complex behaviour of a few real rows): checked in test_complex_gradient.
COMPLEX_ROWS = {"real", "imag", "conj", "angle", "transpose_conjugate"}  # complex inputs only


def _diff_rows(table):
    return sorted(k for k, v in table.items() if v[2])


def _nodiff_rows(table):
    return sorted(k for k, v in table.items() if not v[2])


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(set(_diff_rows(math_ops.UNARY)) - COMPLEX_ROWS))
def test_unary_row(name, shape, dtype):
    assert name in UNARY_DOMAIN, f"no input domain for unary row {name!r}: add one to UNARY_DOMAIN"
    rs = np.random.RandomState(_seed((name, shape)))
    check_gradient(getattr(tf.math, name), [UNARY_DOMAIN[name](rs, shape)], dtype)


def _apart(x, y, gap=0.05):
    return np.all(np.abs(np.subtract(x, y)) > gap)


def _frac_ok(x, y):
    q = np.asarray(x) / np.asarray(y)
    f = q - np.floor(q)
    return np.all((f > 0.05) & (f < 0.95))


# name -> (x domain, y domain, validity predicate or None)
BINARY_DOMAIN = {
    "add": (_any, _any, None), "subtract": (_any, _any, None), "multiply": (_any, _any, None),
    "divide": (_any, _nonzero, None), "floormod": (_any, lambda rs, s: rs.uniform(0.7, 1.5, s)
                                                   * rs.choice([-1.0, 1.0], s), _frac_ok),
    "pow": (_pos, _any, None), "maximum": (_any, _any, _apart), "minimum": (_any, _any, _apart),
    "squared_difference": (_any, _any, None), "atan2": (_any, _pos, None),
    "xlogy": (_any, _pos, None), "xdivy": (_any, _nonzero, None),
    "divide_no_nan": (_any, _nonzero, None),
}
BINARY_SHAPES = [((), ()), ((4,), (4,)), ((2, 3), (3,)), ((), (2, 3)), ((2, 1), (1, 3))]


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", _diff_rows(math_ops.BINARY))
def test_binary_row(name, shapes, dtype):
    assert name in BINARY_DOMAIN, f"no input domain for binary row {name!r}: add one to BINARY_DOMAIN"
    xdom, ydom, valid = BINARY_DOMAIN[name]
    rs = np.random.RandomState(_seed((name, shapes)))
    for _ in range(1000):
        x, y = xdom(rs, shapes[0]), ydom(rs, shapes[1])
        x32, y32 = x.astype(dtype), y.astype(dtype)
        if valid is None or valid(x32, y32):
            break
    else:
        raise AssertionError("could not draw valid inputs")
    check_gradient(getattr(tf.math, name), [x, y], dtype)


# (shape, axis, keepdims)
REDUCE_CONFIGS = [((5,), None, False), ((2, 3), 0, False), ((2, 3), -1, True), ((2, 3, 2), (0, 2), False),
                  ((2, 3), None, True), ((2, 3), [1], False)]


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("config", REDUCE_CONFIGS, ids=str)
@pytest.mark.parametrize("name", _diff_rows(math_ops.REDUCTIONS))
def test_reduction_row(name, config, dtype):
    shape, axis, keepdims = config
    rs = np.random.RandomState(_seed((name, str(config))))
    fn = getattr(tf.math, name)
    check_gradient(lambda x: fn(x, axis=axis, keepdims=keepdims), [_distinct(rs, shape)], dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("name", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
                                  "reduce_logsumexp", "reduce_variance", "reduce_euclidean_norm"])
def test_reduction_of_scalar(name, dtype):
    check_gradient(getattr(tf.math, name), [np.array(0.7)], dtype)


# -- array, nn and linalg rows: name -> list of (function, input arrays) ------------------------
R = np.random.RandomState(2024)


def A(*shape):  # noqa: N802 - short constructor for fixed test inputs
    return _any(R, shape)


def P(*shape):  # noqa: N802
    return _pos(R, shape)


def D(*shape):  # noqa: N802
    return _distinct(R, shape)


def NZ(*shape):  # noqa: N802
    return _nonzero(R, shape)


IDX = np.array([2, 0, 2, 1])
KEEP = np.array([True, False, True, True])

ARRAY_CASES = {
    "identity": [(tf.identity, [A()]), (tf.identity, [A(2, 3)])],
    "reshape": [(lambda x: tf.reshape(x, (3, -1)), [A(2, 3)]), (lambda x: tf.reshape(x, []), [A(1, 1)]),
                (lambda x: tf.reshape(x, [2, 2, 3]), [A(4, 3)])],
    "transpose": [(lambda x: tf.transpose(x, [1, 0, 2]), [A(2, 3, 2)]), (tf.transpose, [A(2, 3)])],
    "expand_dims": [(lambda x: tf.expand_dims(x, 1), [A(3)]), (lambda x: tf.expand_dims(x, -1), [A(2, 3)]),
                    (lambda x: tf.expand_dims(x, 0), [A()])],
    "squeeze": [(lambda x: tf.squeeze(x, [1]), [A(3, 1)]), (tf.squeeze, [A(1, 2, 1)])],
    "tile": [(lambda x: tf.tile(x, [2, 1]), [A(2, 3)]), (lambda x: tf.tile(x, [3]), [A(2)])],
    "broadcast_to": [(lambda x: tf.broadcast_to(x, (2, 3)), [A(3)]),
                     (lambda x: tf.broadcast_to(x, (2, 3)), [A(2, 1)]),
                     (lambda x: tf.broadcast_to(x, (2, 2)), [A()])],
    "reverse": [(lambda x: tf.reverse(x, [1]), [A(2, 3)]), (lambda x: tf.reverse(x, [0, 1]), [A(2, 3)])],
    "pad": [(lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=0.5), [A(2, 3)]),
            (lambda x: tf.pad(x, [[1, 1], [2, 1]], mode="REFLECT"), [A(3, 4)]),
            (lambda x: tf.pad(x, [[2, 1]], mode="SYMMETRIC"), [A(3)])],
    "concat": [(lambda x, y: tf.concat([x, y], axis=0), [A(2, 3), A(1, 3)]),
               (lambda x, y: tf.concat([x, y, x], axis=-1), [A(2, 1), A(2, 2)])],
    "stack": [(lambda x, y: tf.stack([x, y], axis=1), [A(3), A(3)]),
              (lambda x, y: tf.stack([x, y, x]), [A(), A()])],
    "unstack": [(lambda x: tf.unstack(x), [A(2, 3)]), (lambda x: tf.unstack(x, axis=1)[2], [A(2, 3)])],
    "split": [(lambda x: tf.split(x, [1, 2], axis=1), [A(2, 3)]), (lambda x: tf.split(x, 2)[1], [A(4)]),
              (lambda x: tf.split(x, [-1, 1], axis=0), [A(3, 2)])],
    "getitem": [(lambda x: x[1:, ::2][..., None], [A(3, 4)]), (lambda x: x[-1], [A(3, 2)]),
                (lambda x: x[::-1, 1], [A(3, 2)]), (lambda x: x[..., 0], [A(2, 2, 2)])],
    "slice": [(lambda x: tf.slice(x, [0, 1], [2, -1]), [A(3, 4)]), (lambda x: tf.slice(x, [1], [2]), [A(4)])],
    "gather": [(lambda x: tf.gather(x, IDX[:3], axis=1), [A(2, 3)]), (lambda x: tf.gather(x, IDX), [A(3, 2)]),
               (lambda x: tf.gather(x, [[0, 1], [1, 1]]), [A(3)]),
               (lambda x: tf.gather(x, [[1, 0], [2, 2]], axis=1, batch_dims=1), [A(2, 3)])],
    "gather_nd": [(lambda x: tf.gather_nd(x, [[0, 1], [1, 2], [0, 1]]), [A(2, 3)]),
                  (lambda x: tf.gather_nd(x, [[1], [0]]), [A(2, 3)]),
                  (lambda x: tf.gather_nd(x, [[1], [0]], batch_dims=1), [A(2, 3)])],
    "where": [(lambda x, y: tf.where(x > 0, x, y), [NZ(4), A(4)]),
              (lambda x, y: tf.where(tf.constant([True, False, True]), x, y), [A(2, 3), A(3)])],
    "repeat": [(lambda x: tf.repeat(x, 2, axis=0), [A(2, 2)]), (lambda x: tf.repeat(x, 3, axis=1), [A(2, 2)])],
    "sort": [(lambda x: tf.sort(x, direction="DESCENDING"), [D(5)]), (lambda x: tf.sort(x, axis=0), [D(3, 2)])],
    "boolean_mask": [(lambda x: tf.boolean_mask(x, KEEP), [A(4, 2)]),
                     (lambda x: tf.boolean_mask(x, [[True, False], [False, True]]), [A(2, 2)])],
    "tensor_scatter_nd_update": [(lambda x, u: tf.tensor_scatter_nd_update(x, [[0], [2]], u),
                                  [A(3, 2), A(2, 2)]),
                                 (lambda x, u: tf.tensor_scatter_nd_update(x, [[0, 1], [2, 0]], u), [A(3, 2), A(2)])],
    "tensor_scatter_nd_add": [(lambda x, u: tf.tensor_scatter_nd_add(x, [[1], [1]], u), [A(3, 2), A(2, 2)]),
                              (lambda x, u: tf.tensor_scatter_nd_add(x, [[0, 1], [2, 0]], u), [A(3, 2), A(2)])],
    "tensor_scatter_nd_sub": [(lambda x, u: tf.tensor_scatter_nd_sub(x, [[1], [1]], u), [A(3, 2), A(2, 2)])],
    "tensor_scatter_nd_max": [(lambda x, u: tf.tensor_scatter_nd_max(x, [[0], [2]], u), [A(3, 2), A(2, 2)])],
    "tensor_scatter_nd_min": [(lambda x, u: tf.tensor_scatter_nd_min(x, [[0], [2]], u), [A(3, 2), A(2, 2)])],
    "scatter_nd": [(lambda u: tf.scatter_nd([[1], [3], [1]], u, [4, 2]), [A(3, 2)])],
    "linspace": [(lambda a: tf.linspace(a[0], a[1], 5), [A(2)])],
}

# Array-ish functions outside the tables (composites of rows, or with their own Op).
EXTRA_CASES = {
    "cast_f32_f64": [(lambda x: tf.cast(x, tf.float64) * 3.0, [A(3)]),
                     # float32 outputs: a wide step keeps their rounding out of the differences
                     (lambda x: tf.cast(x, tf.float32), [A(2, 2)], dict(eps=1e-2, tol=dict(rtol=1e-4, atol=1e-5)))],
    "clip_by_value": [(lambda x: tf.clip_by_value(x, -0.5, 0.7), [np.array([-1.3, -0.2, 0.3, 1.1, 0.65])]),
                      (lambda x, lo, hi: tf.clip_by_value(x, lo, hi),
                       [np.array([-1.3, -0.2, 0.3, 1.1]), np.array(-0.5), np.array(0.7)]),
                      (lambda x, lo, hi: tf.clip_by_value(x, lo, hi),
                       [np.array([[-1.3, 0.2], [0.3, 1.1]]), np.array([-0.5, 0.5]), np.array([0.0, 0.7])])],
    "add_n": [(lambda x, y: tf.add_n([x, y, x]), [A(2, 3), A(2, 3)]), (lambda x: tf.add_n([x]), [A(3)])],
    "cumsum": [(lambda x: tf.cumsum(x, axis=1), [A(2, 3)]),
               (lambda x: tf.math.cumsum(x, exclusive=True, reverse=True), [A(4)])],
    "cumprod": [(lambda x: tf.math.cumprod(x, axis=0), [NZ(3, 2)]),
                (lambda x: tf.math.cumprod(x, exclusive=True), [NZ(4)]),
                (lambda x: tf.math.cumprod(x, reverse=True, axis=1), [NZ(2, 3)])],
    "l2_normalize": [(lambda x: tf.math.l2_normalize(x, axis=1), [A(2, 3)]),
                     (tf.math.l2_normalize, [A(4)])],
    "top_k": [(lambda x: tf.math.top_k(x, 2)[0], [D(2, 4)]), (lambda x: tf.nn.top_k(x, 3), [D(5)])],
    "unsorted_segment_sum": [(lambda x: tf.math.unsorted_segment_sum(x, [1, 0, 1], 3), [A(3, 2)])],
    "segment_sum": [(lambda x: tf.math.segment_sum(x, [0, 0, 1, 2]), [A(4)])],
    "clip_by_norm": [(lambda x: tf.clip_by_norm(x, 1.0), [np.array([1.5, -2.0, 0.5])]),
                     (lambda x: tf.clip_by_norm(x, 10.0), [A(2, 2)]),
                     (lambda x: tf.clip_by_norm(x, 0.5, axes=[1]), [np.array([[0.1, 0.2], [1.0, -1.0]])])],
    "global_norm": [(lambda x, y: tf.linalg.global_norm([x, None, y]), [A(2), A(2, 2)])],
    "clip_by_global_norm": [(lambda x, y: tf.clip_by_global_norm([x, y], 1.0)[0], [A(2), A(2, 2)]),
                            (lambda x, y: tf.clip_by_global_norm([x, y], 1.0)[1], [A(2), A(2, 2)])],
    "moments": [(lambda x: tf.nn.moments(x, axes=[0]), [A(3, 2)]),
                (lambda x: tf.nn.moments(x, axes=[0, 1], keepdims=True), [A(2, 3)])],
    "embedding_lookup": [(lambda x: tf.nn.embedding_lookup(x, [2, 0, 2]), [A(3, 2)])],
    "operators": [(lambda x, y: (x + y) * (x - y) / (y * y) - (-x) ** 2 + x @ tf.transpose(y),
                   [A(2, 2), NZ(2, 2)]), (lambda x: abs(x) + x ** 0.5 * 2.0, [P(3)])],
    "linalg_transpose": [(lambda x: tf.linalg.matrix_transpose(x), [A(2, 2, 3)])],
}

NN_CASES = {
    "relu": [(tf.nn.relu, [NZ(5)]), (tf.nn.relu, [NZ(2, 3)])],
    "relu6": [(tf.nn.relu6, [np.array([-1.0, 0.5, 3.0, 5.5, 7.0, -0.3])])],
    "elu": [(tf.nn.elu, [NZ(6)])],
    "selu": [(tf.nn.selu, [NZ(6)])],
    "gelu": [(tf.nn.gelu, [A(5)]), (lambda x: tf.nn.gelu(x, approximate=True), [A(2, 3)])],
    "silu": [(tf.nn.silu, [A(5)]), (lambda x: tf.nn.silu(x, beta=2.0), [A(3)]), (tf.nn.swish, [A(3)])],
    "leaky_relu": [(tf.nn.leaky_relu, [NZ(5)]), (lambda x: tf.nn.leaky_relu(x, alpha=0.3), [NZ(2, 3)])],
    "softmax": [(lambda x: tf.nn.softmax(x, axis=0), [A(3, 2)]), (tf.nn.softmax, [A(2, 3)]),
                (lambda x: tf.nn.softmax(x, axis=1), [A(2, 3, 2)]), (tf.math.softmax, [A(4)])],
    "log_softmax": [(tf.nn.log_softmax, [A(2, 3)]), (lambda x: tf.nn.log_softmax(x, axis=0), [A(3, 2)])],
    "sigmoid_xent": [(lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                      [R.uniform(0, 1, (2, 3)), NZ(2, 3) * 2])],
    "softmax_xent": [(lambda z, x: tf.nn.softmax_cross_entropy_with_logits(z, x),
                      [np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), A(2, 3)]),
                     (lambda z, x: tf.nn.softmax_cross_entropy_with_logits(z, x, axis=0),
                      [np.array([[0.2, 0.3], [0.8, 0.7]]), A(2, 2)])],
    "sparse_softmax_xent": [(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([2, 0]), logits=x), [A(2, 3)]),
        (lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant(1, tf.int64), logits=x), [A(4)])],
    "l2_loss": [(tf.nn.l2_loss, [A(2, 3)]), (tf.nn.l2_loss, [A()])],
    "bias_add": [(tf.nn.bias_add, [A(2, 3), A(3)]), (tf.nn.bias_add, [A(1, 2, 2, 3), A(3)])],
    # dropout's mask depends on the dtype: differences in the case's dtype (exact for a linear op)
    "dropout": [(lambda x: tf.nn.dropout(x, 0.5, seed=3), [A(6)], dict(same_dtype=True, eps=0.25)),
                (lambda x: tf.nn.dropout(x, 0.25, noise_shape=[2, 1], seed=1), [A(2, 3)],
                 dict(same_dtype=True, eps=0.25))],
    "conv2d": [(lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), [A(1, 4, 4, 2), A(3, 3, 2, 2)]),
               (lambda x, w: tf.nn.conv2d(x, w, 2, "VALID"), [A(2, 5, 5, 1), A(2, 2, 1, 3)]),
               (lambda x, w: tf.nn.conv2d(x, w, 1, "SAME", dilations=2), [A(1, 5, 5, 1), A(2, 2, 1, 1)])],
    "max_pool2d": [(lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), [D(1, 4, 4, 2)]),
                   (lambda x: tf.nn.max_pool2d(x, 3, 1, "SAME"), [D(1, 4, 4, 1)]),
                   (lambda x: tf.nn.max_pool(x, [2, 2], [1, 1], "VALID"), [D(1, 3, 3, 1)])],
    "avg_pool2d": [(lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"), [A(1, 4, 4, 2)]),
                   (lambda x: tf.nn.avg_pool(x, 2, 2, "VALID"), [A(1, 4, 4, 1)])],
}


def _sym_spd(x):
    """An SPD matrix from a general one, so checks do not depend on which triangle an op reads."""
    n = x.shape[-1]
    return tf.matmul(x, x, transpose_b=True) + tf.eye(n, dtype=x.dtype) * float(n)


def _lower(n):
    return np.tril(_spd(n, R)) + np.eye(n)


LINALG_CASES = {
    "matmul": [(lambda a, b: tf.matmul(a, b), [A(2, 3), A(3, 4)]),
               (lambda a, b: tf.matmul(a, b, transpose_b=True), [A(2, 3), A(4, 3)]),
               (lambda a, b: tf.matmul(a, b, transpose_a=True), [A(3, 2), A(3, 4)]),
               (lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True), [A(3, 2), A(4, 3)]),
               (lambda a, b: tf.matmul(a, b, adjoint_a=True, adjoint_b=True), [A(3, 2), A(4, 3)]),
               (lambda a, b: tf.matmul(a, b), [A(2, 2, 3), A(2, 3, 2)]),
               (lambda a, b: tf.matmul(a, b), [A(2, 2, 3), A(3, 2)]),
               (lambda a, b: a @ b, [A(1, 3), A(3, 1)])],
    "matvec": [(tf.linalg.matvec, [A(2, 3), A(3)]),
               (lambda a, b: tf.linalg.matvec(a, b, transpose_a=True), [A(2, 3), A(2)]),
               (tf.linalg.matvec, [A(2, 2, 3), A(2, 3)])],
    "inv": [(tf.linalg.inv, [_spd(3, R)]), (tf.linalg.inv, [A(2, 2) + 3 * np.eye(2)]),
            (tf.linalg.inv, [np.stack([_spd(2, R), _spd(2, R)])])],
    "det": [(tf.linalg.det, [_spd(3, R)]), (tf.linalg.det, [A(2, 2) + 3 * np.eye(2)]),
            (tf.linalg.det, [np.stack([_spd(2, R), _spd(2, R)])])],
    "logdet": [(lambda x: tf.linalg.logdet(_sym_spd(x)), [A(3, 3)])],
    "slogdet": [(lambda a: tf.linalg.slogdet(a), [A(3, 3) + 4 * np.eye(3)]),
                (lambda a: tf.linalg.slogdet(a)[1], [A(2, 2) - 4 * np.eye(2)])],
    "cholesky": [(lambda x: tf.linalg.cholesky(_sym_spd(x)), [A(3, 3)]),
                 (lambda x: tf.linalg.cholesky(_sym_spd(x)), [A(2, 2, 2)])],
    "solve": [(tf.linalg.solve, [_spd(3, R), A(3, 2)]), (tf.linalg.solve, [A(2, 2) + 3 * np.eye(2), A(2, 1)]),
              (lambda a, b: tf.linalg.solve(a, b, adjoint=True), [A(2, 2) + 3 * np.eye(2), A(2, 3)])],
    "triangular_solve": [(lambda a, b: tf.linalg.triangular_solve(a, b), [_lower(3), A(3, 2)]),
                         (lambda a, b: tf.linalg.triangular_solve(a, b, lower=False),
                          [_lower(3).T.copy(), A(3, 2)]),
                         (lambda a, b: tf.linalg.triangular_solve(a, b, adjoint=True), [_lower(3), A(3, 1)])],
    "trace": [(tf.linalg.trace, [A(3, 3)]), (tf.linalg.trace, [A(2, 2, 3)])],
    "diag": [(tf.linalg.diag, [A(3)]), (tf.linalg.diag, [A(2, 2)])],
    "diag_part": [(tf.linalg.diag_part, [A(3, 3)]), (tf.linalg.diag_part, [A(2, 2, 3)])],
    "einsum": [(lambda a, b: tf.einsum("ij,jk->ik", a, b), [A(2, 3), A(3, 2)]),
               (lambda a, b: tf.einsum("bij,bjk->bik", a, b), [A(2, 2, 3), A(2, 3, 2)]),
               (lambda a: tf.einsum("ii->", a), [A(3, 3)]),
               (lambda a, b: tf.einsum("i,j->ij", a, b), [A(3), A(2)]),
               (lambda a: tf.einsum("ij->ji", a), [A(2, 3)]),
               (lambda a, b, c: tf.einsum("ij,jk,k->i", a, b, c), [A(2, 3), A(3, 2), A(2)])],
    "tensordot": [(lambda a, b: tf.tensordot(a, b, 1), [A(2, 3), A(3, 2)]),
                  (lambda a, b: tf.tensordot(a, b, [[0, 1], [1, 0]]), [A(2, 3), A(3, 2)]),
                  (lambda a, b: tf.tensordot(a, b, 0), [A(2), A(3)])],
    "norm": [(lambda a: tf.norm(a, axis=1), [A(2, 3)]), (tf.norm, [A(2, 3)]),
             (lambda a: tf.norm(a, ord=1, axis=0), [NZ(2, 3)]), (lambda a: tf.norm(a, ord="fro", axis=[0, 1]),
                                                               [A(2, 3)]),
             (lambda a: tf.norm(a, axis=-1, keepdims=True), [A(2, 3)])],
    "band_part": [(lambda a: tf.linalg.band_part(a, 1, 0), [A(3, 3)]),
                  (lambda a: tf.linalg.band_part(a, -1, 1), [A(3, 4)])],
    "eigh": [(lambda x: tf.linalg.eigh(_sym_spd(x))[0], [A(3, 3)]),
             (lambda x: tf.linalg.eigh(_sym_spd(x))[1] ** 2, [A(3, 3)])],
    "qr": [(lambda a: tf.linalg.qr(a)[1] ** 2, [A(3, 3) + 3 * np.eye(3)]),
           (lambda a: tf.linalg.qr(a)[0] ** 2, [A(3, 2)])],
    "svd": [(lambda a: tf.linalg.svd(a, compute_uv=False), [_spd(3, R) + np.diag([0.0, 1.0, 3.0])]),
            (lambda a: [t ** 2 for t in tf.linalg.svd(a)], [A(3, 2) + np.array([[2.0, 0], [0, 1.0], [0, 0]])])],
}

TABLE_CASES = {**ARRAY_CASES, **NN_CASES, **LINALG_CASES}
# Table rows without a gradient (checked in test_no_gradient) are excluded from the parametrization.
_TABLE_DIFF_ROWS = sorted({k for t in (array_ops.ARRAY, nn_ops.NN, linalg_ops.LINALG)
                           for k, op in t.items() if op.differentiable} - COMPLEX_ROWS)


def _run_case(case, dtype):
    fn, arrays = case[:2]
    options = case[2] if len(case) > 2 else {}
    check_gradient(fn, [np.array(a) for a in arrays], dtype, **options)


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("name", _TABLE_DIFF_ROWS)
def test_table_row(name, dtype):
    assert name in TABLE_CASES, f"no gradient case for table row {name!r}: add one to the *_CASES dicts"
    for case in TABLE_CASES[name]:
        _run_case(case, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("name", sorted(EXTRA_CASES))
def test_extra_op(name, dtype):
    for case in EXTRA_CASES[name]:
        _run_case(case, dtype)


def test_dropout_gradient_is_the_scaled_mask():
    x = tf.constant(np.linspace(0.5, 2.0, 40).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, 0.25)
    g = tape.gradient(y, x).numpy()
    kept = y.numpy() != 0
    assert 0 < kept.sum() < 40
    np.testing.assert_allclose(g, np.where(kept, 1 / 0.75, 0.0).astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.75, rtol=1e-6)
    assert g.dtype == np.float32


# -- complex rows: TF's gradient of a real loss L(z) is dL/dRe(z) + i dL/dIm(z) -------------------
def _cx(*shape):
    return R.uniform(0.3, 1.5, shape) * np.exp(1j * R.uniform(-2.5, 2.5, shape))


COMPLEX_CASES = {
    "real": (tf.math.real, [_cx(3)]), "imag": (tf.math.imag, [_cx(2, 2)]),
    "conj": (tf.math.conj, [_cx(3)]), "angle": (tf.math.angle, [_cx(4)]),
    "abs": (tf.abs, [_cx(3)]), "multiply": (tf.multiply, [_cx(3), _cx(3)]),
    "exp": (tf.exp, [_cx(3)]), "square": (tf.square, [_cx(2)]),
    "divide": (tf.divide, [_cx(3), _cx(3)]), "matmul": (tf.matmul, [_cx(2, 3), _cx(3, 2)]),
    "adjoint_matmul": (lambda a, b: tf.matmul(a, b, adjoint_a=True), [_cx(3, 2), _cx(3, 2)]),
    "reduce_sum": (tf.reduce_sum, [_cx(2, 2)]),
    "transpose_conjugate": (lambda a: tf.transpose(a, conjugate=True), [_cx(2, 3)]),
}


@pytest.mark.parametrize("dtype", COMPLEX, ids=_dtype_id)
@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex_gradient(name, dtype):
    fn, arrays = COMPLEX_CASES[name]
    check_gradient(fn, arrays, dtype)


# -- ops without a TF gradient: None ----------------------------------------------------------------
def _as_float(t, like):
    return tf.cast(t, like.dtype)


NO_GRAD = {
    # unary rows without a gradient
    "floor": tf.floor, "ceil": tf.math.ceil, "round": tf.round, "rint": tf.math.rint,
    "is_nan": lambda x: _as_float(tf.math.is_nan(x), x), "is_inf": lambda x: _as_float(tf.math.is_inf(x), x),
    "is_finite": lambda x: _as_float(tf.math.is_finite(x), x),
    "logical_not": lambda x: _as_float(tf.math.logical_not(x > 0.3), x),
    # binary rows without a gradient
    "floordiv": lambda x: tf.math.floordiv(x, tf.constant(0.3, x.dtype)),
    "floordiv_operator": lambda x: x // 0.3,
    "equal": lambda x: _as_float(tf.equal(x, 0.25), x), "not_equal": lambda x: _as_float(tf.not_equal(x, 0.25), x),
    "less": lambda x: _as_float(tf.less(x, 1.0), x), "less_equal": lambda x: _as_float(tf.less_equal(x, 1.0), x),
    "greater": lambda x: _as_float(x > 0.0, x), "greater_equal": lambda x: _as_float(x >= 1.0, x),
    "logical_and": lambda x: _as_float(tf.math.logical_and(x > 0.3, x < 1.0), x),
    "logical_or": lambda x: _as_float(tf.math.logical_or(x > 0.3, x < 1.0), x),
    "logical_xor": lambda x: _as_float(tf.math.logical_xor(x > 0.3, x < 1.0), x),
    "bitwise_and": lambda x: _as_float(tf.bitwise.bitwise_and(tf.cast(x * 10, tf.int32), 3), x),
    "bitwise_or": lambda x: _as_float(tf.bitwise.bitwise_or(tf.cast(x * 10, tf.int32), 3), x),
    "bitwise_xor": lambda x: _as_float(tf.bitwise.bitwise_xor(tf.cast(x * 10, tf.int32), 3), x),
    "left_shift": lambda x: _as_float(tf.bitwise.left_shift(tf.cast(x * 10, tf.int32), 2), x),
    "right_shift": lambda x: _as_float(tf.bitwise.right_shift(tf.cast(x * 10, tf.int32), 1), x),
    "invert": lambda x: _as_float(tf.bitwise.invert(tf.cast(x * 10, tf.int32)), x),
    # reductions without a gradient
    "reduce_any": lambda x: _as_float(tf.reduce_any(x > 0.3), x),
    "reduce_all": lambda x: _as_float(tf.reduce_all(x > 0.3), x),
    # array rows without a gradient
    "stop_gradient": tf.stop_gradient, "zeros_like": tf.zeros_like, "ones_like": tf.ones_like,
    "where_index": lambda x: _as_float(tf.where(x > 0.3), x),
    "one_hot": lambda x: tf.one_hot(tf.cast(x * 2, tf.int32), 4, dtype=x.dtype),
    "argsort": lambda x: _as_float(tf.argsort(x), x),
    # other functions
    "argmax": lambda x: _as_float(tf.argmax(x), x), "argmin": lambda x: _as_float(tf.math.argmin(x), x),
    "cast_int": lambda x: _as_float(tf.cast(x, tf.int32), x),
    "cast_bool": lambda x: _as_float(tf.cast(x, tf.bool), x),
    "count_nonzero": lambda x: _as_float(tf.math.count_nonzero(x), x),
    "top_k_indices": lambda x: _as_float(tf.math.top_k(x, 2)[1], x),
    "sign_of_floor": lambda x: tf.sign(tf.floor(x)) * 2.0,
}


def test_every_table_row_is_covered():
    tested = set(UNARY_DOMAIN) | COMPLEX_ROWS | set(BINARY_DOMAIN) | set(TABLE_CASES) | set(NO_GRAD)
    tested |= set(_diff_rows(math_ops.REDUCTIONS))  # parametrized straight from the table
    rows = set(math_ops.UNARY) | set(math_ops.BINARY) | set(math_ops.BITWISE) | set(math_ops.REDUCTIONS)
    rows |= set(array_ops.ARRAY) | set(nn_ops.NN) | set(linalg_ops.LINALG)
    assert not rows - tested, f"op rows without a gradient test: {sorted(rows - tested)}"
    assert COMPLEX_ROWS <= set(COMPLEX_CASES)


_ALL_ROWS = (set(math_ops.UNARY) | set(math_ops.BINARY) | set(math_ops.BITWISE) | set(math_ops.REDUCTIONS)
             | set(array_ops.ARRAY)
             | set(nn_ops.NN) | set(linalg_ops.LINALG))


@pytest.mark.parametrize("name", sorted(set(NO_GRAD) & _ALL_ROWS))
def test_no_gradient_table_rows_are_marked(name):
    """A NO_GRAD entry named after a table row must be a row TF gives no gradient (has-gradient False)."""
    for table in (math_ops.UNARY, math_ops.BINARY, math_ops.REDUCTIONS):
        if name in table:
            assert table[name][2] is False, f"{name} is marked differentiable"
    for table in (array_ops.ARRAY, nn_ops.NN, linalg_ops.LINALG):
        if name in table:
            assert not table[name].differentiable, f"{name} is marked differentiable"


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
@pytest.mark.parametrize("name", sorted(NO_GRAD))
def test_no_gradient(name, dtype):
    x = tf.constant(np.array([0.25, 1.75, 0.6], dtype))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = NO_GRAD[name](x)
        mixed = tf.reduce_sum(x * 2.0) + tf.reduce_sum(tf.cast(y, x.dtype))
    assert tape.gradient(y, x) is None
    zero = tape.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero is not None and zero.dtype == x.dtype and tuple(zero.shape) == (3,)
    np.testing.assert_array_equal(zero.numpy(), np.zeros(3, dtype))
    # A path without a gradient adds nothing to the paths that have one.
    g = tape.gradient(mixed, x)
    assert g.dtype == x.dtype
    np.testing.assert_array_equal(g.numpy(), np.full(3, 2.0, dtype))


@pytest.mark.parametrize("dtype", FLOATS, ids=_dtype_id)
def test_gradient_dtype_follows_source_through_casts(dtype):
    other = tf.float64 if dtype == np.float32 else tf.float32
    x = tf.constant(np.array([0.5, 1.5], dtype))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.exp(tf.cast(x, other)))
    g = tape.gradient(y, x)
    assert g.dtype == x.dtype
    np.testing.assert_allclose(g.numpy(), np.exp(np.array([0.5, 1.5])), rtol=1e-6)


def test_complex_builds_values_dtypes_and_broadcasts():
    c = tf.complex(tf.constant([1.0, 2.0]), tf.constant(3.0))
    assert c.dtype == tf.complex64
    np.testing.assert_array_equal(c.numpy(), np.array([1 + 3j, 2 + 3j], np.complex64))
    c64 = tf.complex(tf.constant([1.0], tf.float64), tf.constant([2.0], tf.float64))
    assert c64.dtype == tf.complex128


@pytest.mark.parametrize("parts", [(1.0, np.float64(1.0)), (1, 1)], ids=["mixed", "int"])
def test_complex_rejects_inconsistent_or_integer_parts(parts):
    real = tf.constant(parts[0])
    imag = tf.constant(parts[1], dtype=tf.float64) if isinstance(parts[1], np.floating) else tf.constant(parts[1])
    with pytest.raises(TypeError, match="The `real` and `imag` components have incorrect types"):
        tf.complex(real, imag)


def test_complex_gradient_matches_finite_differences():
    x0, y0 = np.array([0.5, -1.5]), np.array([2.0, 0.25])

    def loss_np(x, y):
        c = (x + 1j * y) * (1.0 + 2.0j)
        return np.sum(np.abs(c) ** 2) + np.sum(np.imag(c * c))

    x, y = tf.constant(x0), tf.constant(y0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        c = tf.complex(x, y) * tf.constant(1.0 + 2.0j, dtype=tf.complex128)
        loss = tf.reduce_sum(tf.abs(c) ** 2) + tf.reduce_sum(tf.math.imag(c * c))
    gx, gy = tape.gradient(loss, [x, y])
    np.testing.assert_allclose(gx.numpy(), numeric_grad(lambda v: loss_np(v, y0), x0), rtol=1e-6)
    np.testing.assert_allclose(gy.numpy(), numeric_grad(lambda v: loss_np(x0, v), y0), rtol=1e-6)
