"""`tf.linalg`: matmul and the dense linear-algebra basics."""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular

from tapejax import _checks, _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._ops import _shapes, array_ops
from tapejax._ops._convert import as_value, binary_inputs
from tapejax._ops._dispatch import Op, apply


def _matmul(a, b, ta, tb, aa, ab):
    if ta or aa:
        a = jnp.swapaxes(a, -1, -2)
        if aa:
            a = jnp.conj(a)
    if tb or ab:
        b = jnp.swapaxes(b, -1, -2)
        if ab:
            b = jnp.conj(b)
    return jnp.matmul(a, b)


LINALG = {
    "matmul": Op("MatMul", _matmul),
    "matvec": Op("MatVec", lambda a, b, ta, aa: jnp.einsum(
        "...ji,...j->...i" if (ta or aa) else "...ij,...j->...i", jnp.conj(a) if aa else a, b)),
    "inv": Op("MatrixInverse", jnp.linalg.inv),
    "det": Op("MatrixDeterminant", jnp.linalg.det),
    "logdet": Op("LogMatrixDeterminant",
                 lambda a: 2.0 * jnp.sum(jnp.log(jnp.diagonal(jnp.linalg.cholesky(a), axis1=-2, axis2=-1)), -1)),
    "slogdet": Op("LogMatrixDeterminant", lambda a: tuple(jnp.linalg.slogdet(a)), multi=True),
    "cholesky": Op("Cholesky", jnp.linalg.cholesky),
    "solve": Op("MatrixSolve", lambda a, b, adjoint: jnp.linalg.solve(
        jnp.conj(jnp.swapaxes(a, -1, -2)) if adjoint else a, b)),
    "triangular_solve": Op("MatrixTriangularSolve", lambda a, b, lower, adjoint: _tri_solve(a, b, lower, adjoint)),
    "trace": Op("Trace", lambda a: jnp.trace(a, axis1=-2, axis2=-1)),
    "diag": Op("MatrixDiag", lambda d: d[..., :, None] * jnp.eye(d.shape[-1], dtype=d.dtype)),
    "diag_part": Op("MatrixDiagPart", lambda a: jnp.diagonal(a, axis1=-2, axis2=-1)),
    "einsum": Op("Einsum", lambda *xs, equation: jnp.einsum(equation, *xs)),
    "tensordot": Op("Tensordot", lambda a, b, axes: jnp.tensordot(a, b, axes)),
    "norm": Op("Norm", lambda x, ord, axis, keepdims: jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
               if ord != "euclidean" else jnp.sqrt(jnp.sum(jnp.square(jnp.abs(x)), axis=axis, keepdims=keepdims))),
    "qr": Op("Qr", lambda a, full: tuple(jnp.linalg.qr(a, mode="complete" if full else "reduced")), multi=True),
    # TF reads only the lower triangle (so its gradient lands there, off-diagonal doubled).
    "eigh": Op("SelfAdjointEigV2", lambda a: tuple(jnp.linalg.eigh(
        jnp.tril(a) + jnp.conj(jnp.swapaxes(jnp.tril(a, -1), -1, -2)))), multi=True),
    "svd": Op("Svd", lambda a, full: tuple(jnp.linalg.svd(a, full_matrices=full)), multi=True),
    "band_part": Op("MatrixBandPart", lambda a, lower, upper: _band(a, lower, upper)),
}


def _same_dtype(op_name, a, b):
    a, b = as_value(a), as_value(b)
    if a._v.dtype != b._v.dtype:
        raise _dtypes.mismatch_error(op_name, 1, a.dtype, b.dtype)
    return a, b


def _tri_solve(a, b, lower, adjoint):
    return solve_triangular(a, b, lower=lower, trans="C" if adjoint else 0)


def _band(a, lower, upper):
    m, n = a.shape[-2], a.shape[-1]
    i = jnp.arange(m)[:, None]
    j = jnp.arange(n)[None, :]
    keep = jnp.ones((m, n), bool)
    if lower >= 0:
        keep &= (i - j) <= lower
    if upper >= 0:
        keep &= (j - i) <= upper
    return jnp.where(keep, a, jnp.zeros_like(a))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """Matrix product `a @ b` (batched over leading dimensions), as `tf.linalg.matmul`.

    Args:
      a: a Tensor of rank >= 2.
      b: a Tensor of rank >= 2 and `a`'s dtype.
      transpose_a, transpose_b: transpose the last two dimensions first.
      adjoint_a, adjoint_b: conjugate-transpose first.

    Returns:
      A Tensor.

    Raises:
      InvalidArgumentError: on dtype or inner-dimension mismatch, or a rank below 2.
    """
    a, b = binary_inputs("MatMul", a, b)
    av, bv = a._v, b._v  # shapes only: a deferred value stays deferred
    if av.ndim < 2 or bv.ndim < 2:
        which = 0 if av.ndim < 2 else 1
        raise InvalidArgumentError(f"In[{which}] ndims must be >= 2 [Op:MatMul] name: ")
    k_a = av.shape[-2] if (transpose_a or adjoint_a) else av.shape[-1]
    k_b = bv.shape[-1] if (transpose_b or adjoint_b) else bv.shape[-2]
    if k_a != k_b:
        sa = ",".join(map(str, av.shape))
        sb = ",".join(map(str, bv.shape))
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: [{sa}], In[1]: [{sb}] [Op:MatMul] name: ")
    return apply(LINALG["matmul"], [a, b], (("ta", bool(transpose_a)), ("tb", bool(transpose_b)),
                                           ("aa", bool(adjoint_a)), ("ab", bool(adjoint_b))))


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix-vector product, batched."""
    return apply(LINALG["matvec"], list(_same_dtype("MatMul", a, b)),
                 (("ta", bool(transpose_a)), ("aa", bool(adjoint_a))))


# rows TF registers for floating/complex matrices only, and those that need rank >= 2: TF op names
_FLOAT_ROWS = {"inv": "MatrixInverse", "det": "MatrixDeterminant", "cholesky": "Cholesky",
               "eigh": "SelfAdjointEigV2", "logdet": "LogMatrixDeterminant", "qr": "Qr", "svd": "Svd",
               "slogdet": "LogMatrixDeterminant"}
_MATRIX_ROWS = {"inv", "det", "cholesky", "eigh", "logdet", "slogdet", "qr", "svd", "trace", "diag_part",
                "band_part"}


def _check_matrix(key, x):
    """TF's static errors for a matrix op's input: dtype (O(1) on the static dtype), rank, squareness."""
    if key in _FLOAT_ROWS:
        _shapes.float_only(x, _FLOAT_ROWS[key], "det" if key == "det" else "linalg")
    if x._v.dtype.kind == "O" and key in ("trace", "diag", "diag_part"):
        raise TypeError("Cannot convert 0 to EagerTensor of dtype string")
    if key in _MATRIX_ROWS and x._v.ndim < 2:
        op_name = _FLOAT_ROWS.get(key, {"trace": "Trace", "diag_part": "MatrixDiagPartV3",
                                        "band_part": "MatrixBandPart"}.get(key, key))
        raise InvalidArgumentError(f"input must be at least 2-dim, received shape: "
                                   f"[{','.join(map(str, x._v.shape))}] [Op:{op_name}] name: ")
    return x


def _unary(name):
    def op(input, name=None):
        return apply(LINALG[key], [_check_matrix(key, as_value(input))])
    key = name
    op.__name__ = name
    op.__doc__ = f"`tf.linalg.{name}` of a (batch of) square matrices."
    return op


# TF's messages for data its kernels refuse; checked on the result with the next value read (`_checks`)
_NOT_INVERTIBLE = ("Input is not invertible. [Op:MatrixInverse] name: \ntapejax: the matrix is singular "
                   "(or holds NaN/inf); tf.linalg.pinv inverts singular matrices.")
_NOT_SOLVABLE = ("Input matrix is not invertible. [Op:MatrixSolve] name: \ntapejax: the matrix is "
                 "singular (or holds NaN/inf); tf.linalg.lstsq solves singular systems.")
# TF 2.21's CPU kernel returns NaNs here (its GPU kernel and TF before 2.x raised this message);
# tapejax raises, so no NaN factor flows on unnoticed.
_NOT_POSITIVE_DEFINITE = (
    "Cholesky decomposition was not successful. The input might not be valid. [Op:Cholesky] name: "
    "\ntapejax: the matrix is not symmetric positive definite (or holds NaN/inf); TF 2.21 returns NaNs "
    "here, tapejax raises. Add jitter to the diagonal: a + eps * tf.eye(n).")


def _checked(name, message):
    def op(input, name=None):
        out = apply(LINALG[key], [_check_matrix(key, as_value(input))])
        _checks.defer(_checks.any_not_finite, out, InvalidArgumentError, message)
        return out
    key = name
    op.__name__ = name
    op.__doc__ = (f"`tf.linalg.{name}` of a (batch of) square matrices.\n\nRaises:\n  InvalidArgumentError: "
                  f"at the next value read, for a matrix the factorisation fails on (see `tapejax._checks`).")
    return op


inv = _checked("inv", _NOT_INVERTIBLE)
det = _unary("det")
logdet = _unary("logdet")
cholesky = _checked("cholesky", _NOT_POSITIVE_DEFINITE)
trace = _unary("trace")
diag = _unary("diag")
diag_part = _unary("diag_part")
eigh = _unary("eigh")


def slogdet(input, name=None):
    return tuple(apply(LINALG["slogdet"], [_check_matrix("slogdet", as_value(input))]))


def solve(matrix, rhs, adjoint=False, name=None):
    """Solves `matrix @ x = rhs` for x.

    Raises:
      InvalidArgumentError: at the next value read, for a singular matrix (see `tapejax._checks`).
    """
    a, b = _same_dtype("MatrixSolve", matrix, rhs)
    out = apply(LINALG["solve"], [a, b], (("adjoint", bool(adjoint)),))
    _checks.defer(_checks.any_not_finite, out, InvalidArgumentError, _NOT_SOLVABLE)
    return out


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    return apply(LINALG["triangular_solve"], list(_same_dtype("MatrixTriangularSolve", matrix, rhs)),
                 (("lower", bool(lower)), ("adjoint", bool(adjoint))))


def band_part(input, num_lower, num_upper, name=None):
    x = _check_matrix("band_part", as_value(input))
    lower, upper = _shapes.axis_int(num_lower, "int64"), _shapes.axis_int(num_upper, "int64")
    return apply(LINALG["band_part"], [x], (("lower", lower), ("upper", upper)))


def qr(input, full_matrices=False, name=None):
    return tuple(apply(LINALG["qr"], [_check_matrix("qr", as_value(input))], (("full", bool(full_matrices)),)))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    u, s, vh = apply(LINALG["svd"], [_check_matrix("svd", as_value(tensor))], (("full", bool(full_matrices)),))
    if not compute_uv:
        return s
    return s, u, array_ops.transpose(vh, perm=list(range(vh.ndim - 2)) + [vh.ndim - 1, vh.ndim - 2], conjugate=True)


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, as `tf.einsum`."""
    values = [as_value(x) for x in inputs]
    for i, v in enumerate(values[1:], 1):
        if v._v.dtype != values[0]._v.dtype:
            raise _dtypes.mismatch_error("Einsum", i, values[0].dtype, v.dtype)
    return apply(LINALG["einsum"], values, (("equation", equation.replace(" ", "")),))


def tensordot(a, b, axes, name=None):
    if isinstance(axes, (list, tuple)):
        axes = tuple(tuple(ax) if isinstance(ax, (list, tuple)) else ax for ax in axes)
    return apply(LINALG["tensordot"], [as_value(a), as_value(b)], (("axes", axes),))


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector or matrix norm, as `tf.norm`."""
    if isinstance(axis, list):
        axis = tuple(axis)
    if ord == "fro":
        ord = "euclidean"
    x = as_value(tensor)
    if x._v.dtype.kind == "O":
        raise TypeError("Expected numeric or variant tensor, got dtype tf.string.")
    return apply(LINALG["norm"], [x], (("ord", ord), ("axis", axis), ("keepdims", bool(keepdims))))
