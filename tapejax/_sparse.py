"""`tf.SparseTensor` and `tf.sparse`: COO sparse tensors whose values are tapejax Tensors.

A SparseTensor holds `indices` (int64 `[N, rank]`), `values` (a Tensor `[N]`, so tapes record the ops
that made it and gradients reach it, as in TF) and `dense_shape` (int64 `[rank]`). The computations
run on `jax.experimental.sparse.BCOO` where it has them (`sparse_dense_matmul`, `reduce_sum`) and
otherwise as ordinary tapejax ops on `values` (gather, segment sums) with the index arithmetic done
in NumPy on the host: output indices of TF's sparse ops (unions, slices, reorders) depend on index
values. A SparseTensor keeps host copies of its indices and dense shape when they are known (eager
values, or Python/NumPy values inside a `tapejax.function`), so those ops work wherever the index
structure is static; with traced indices they raise NotImplementedError, while `to_dense`,
`sparse_dense_matmul` and `reduce_sum` (ops over the components) still trace.

Inside a `tf.data` pipeline a SparseTensor component is a `HostSparse` (NumPy components); it
becomes a SparseTensor when the user receives an element.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse as jsparse

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._indexed_slices import IndexedSlices
from tapejax._ops import _dispatch, array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor, TensorShape
from tapejax._variable import Variable

_ORDER_HINT = ("Many sparse ops require sorted indices.\n    Use `tf.sparse.reorder` to create a "
               "correctly ordered copy.\n\n")


# --------------------------------------------------------------------------------------------------
# Conversions
# --------------------------------------------------------------------------------------------------
def _int64(value, what):
    """`value` as an int64 Tensor (TF's SparseTensor refuses int32 Tensors for indices/dense_shape)."""
    if isinstance(value, (Tensor, Variable)):
        if value.dtype != _dtypes.int64:
            raise ValueError(f"{what}: Tensor conversion requested dtype int64 for Tensor with dtype "
                             f"{value.dtype.name}: {value!r}")
        return convert_to_tensor(value)
    if isinstance(value, TensorShape):
        value = list(value)
    return convert_to_tensor(value, dtype=_dtypes.int64)


def _host(tensor):
    """A Tensor's value as a NumPy array, or None when it is traced (inside `tapejax.function`)."""
    if isinstance(tensor._v, jax.core.Tracer):
        return None
    return np.asarray(tensor.numpy())


def _static(value):
    """An int64 NumPy copy of a Python/NumPy index structure (None for Tensors and bad values)."""
    if isinstance(value, (Tensor, Variable)):
        return None
    try:
        array = np.asarray(list(value) if isinstance(value, TensorShape) else value)
    except (TypeError, ValueError):
        return None
    return array.astype(np.int64) if array.dtype.kind in "iu" else None


def _need_host(tensor, api, found=None):
    found = _host(tensor) if found is None else found
    if found is None:
        raise NotImplementedError(
            f"{api} computes its output indices from the input's index values, which tapejax does "
            f"on the host: call it eagerly (outside tapejax.function / tf.data functions).")
    return found


def _const(array, dtype=None):
    array = np.asarray(array) if dtype is None else np.asarray(array, dtype)
    return Tensor(jnp.asarray(array))


def _check_compatible(a, b):
    if a is not None and b is not None and a != b:
        raise ValueError(f"Dimensions {a} and {b} are not compatible")


def _rank_error(shape, rank):
    return ValueError(f"Shape {TensorShape(shape)} must have rank {rank}")


# --------------------------------------------------------------------------------------------------
# SparseTensor and SparseTensorSpec
# --------------------------------------------------------------------------------------------------
class SparseTensor:
    """A sparse tensor: `dense[indices[i]] = values[i]`, every other element zero.

    Args:
      indices: int64 `[N, rank]`, the coordinates of the non-zero values (row-major order is
        what most sparse ops expect: see `tf.sparse.reorder`).
      values: a Tensor `[N]` (any dtype) of the values at `indices`.
      dense_shape: int64 `[rank]`, the shape of the dense tensor.

    Raises:
      ValueError: a component of the wrong rank, or sizes that disagree (`indices` has as many rows
        as `values` has elements, and as many columns as `dense_shape` has elements).
      TypeError: indices or dense_shape that are not integers.
    """

    _tapejax_leaf = True

    def __init__(self, indices, values, dense_shape):
        # Host copies of the index structure, known even inside a trace when it was given as Python
        # or NumPy values (what TF's static shape inference knows): the ops computing output indices
        # on the host then work inside tapejax.function too.
        self._host_indices = _static(indices)
        self._host_shape = _static(dense_shape)
        indices = _int64(indices, "indices")
        values = convert_to_tensor(values)
        dense_shape = _int64(dense_shape, "dense_shape")
        if len(indices.shape) != 2:
            raise _rank_error(indices.shape, 2)
        if len(values.shape) != 1:
            raise _rank_error(values.shape, 1)
        if len(dense_shape.shape) != 1:
            raise _rank_error(dense_shape.shape, 1)
        _check_compatible(indices.shape[0], values.shape[0])
        _check_compatible(indices.shape[1], dense_shape.shape[0])
        self._indices, self._values, self._dense_shape = indices, values, dense_shape
        if self._host_indices is None:
            self._host_indices = _host(indices)
        if self._host_shape is None:
            self._host_shape = _host(dense_shape)

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """A SparseTensor with the components of `sparse_tensor_value` (a SparseTensor, or any value
        with `indices`, `values` and `dense_shape`)."""
        value = sparse_tensor_value
        return cls(value.indices, value.values, value.dense_shape)

    @property
    def indices(self):
        """The int64 `[N, rank]` coordinates of the values."""
        return self._indices

    @property
    def values(self):
        """The `[N]` Tensor of values."""
        return self._values

    @property
    def dense_shape(self):
        """The int64 `[rank]` shape of the dense tensor."""
        return self._dense_shape

    @property
    def dtype(self):
        """The dtype of the values."""
        return self._values.dtype

    @property
    def shape(self):
        """The static dense shape, a TensorShape (dimensions None where traced)."""
        found = self._host_shape
        if found is None:
            return TensorShape([None] * int(self._dense_shape.shape[0]))
        return TensorShape(found.tolist())

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        shape = TensorShape(shape)
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Shapes {self.shape} and {shape} are not compatible")

    @property
    def device(self):
        return self._values.device

    def with_values(self, new_values):
        """A SparseTensor with the same indices and dense shape and `new_values`."""
        new_values = convert_to_tensor(new_values)
        if new_values.shape[:1] != self._values.shape[:1]:
            raise ValueError(f"Values tensor has shape {new_values.shape}, which is not compatible "
                             f"with {self._values.shape}")
        return _like(self, new_values)

    def _tapejax_components(self):
        return [self._indices, self._values, self._dense_shape]

    @classmethod
    def _tapejax_from_components(cls, components):
        return cls(*components)

    def __repr__(self):
        return (f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
                f"dense_shape={self._dense_shape!s})")

    __str__ = __repr__

    def __mul__(self, other):
        return _cwise(self, other, lambda values, dense: values * dense)

    def __truediv__(self, other):
        return _cwise(self, other, lambda values, dense: values / dense)

    __div__ = __truediv__


class SparseTensorSpec:
    """The type of a SparseTensor: its dense shape (None dimensions for any size) and dtype.

    Args:
      shape: the dense shape (a list, tuple or TensorShape; None for unknown rank).
      dtype: the values' dtype (default float32).
    """

    value_type = SparseTensor

    def __init__(self, shape=None, dtype=_dtypes.float32):
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)

    @classmethod
    def from_value(cls, value):
        """The spec of a SparseTensor."""
        return cls(value.shape, value.dtype)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    def _with_shape(self, shape):
        return SparseTensorSpec(shape, self._dtype)

    def _known_rank(self):
        return not getattr(self._shape, "_unknown_rank", False)

    def is_compatible_with(self, spec_or_value):
        """True for a SparseTensor or SparseTensorSpec of this dtype and a compatible shape."""
        other = spec_or_value
        if isinstance(other, SparseTensor):
            other = SparseTensorSpec.from_value(other)
        if not isinstance(other, SparseTensorSpec) or other.dtype != self._dtype:
            return False
        if not self._known_rank() or not other._known_rank():
            return True
        return self._shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        return (isinstance(other, SparseTensorSpec) and other.dtype == self._dtype
                and tuple(other.shape) == tuple(self._shape) and other._known_rank() == self._known_rank())

    def __hash__(self):
        return hash((tuple(self._shape), self._dtype))

    def __repr__(self):
        shape = "TensorShape(None)" if not self._known_rank() else repr(self._shape)
        return f"SparseTensorSpec({shape}, {self._dtype!r})"


def _sparse(value, what):
    if not isinstance(value, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor. `{what}` is a {type(value).__name__}: {value!r}")
    return value


def _like(sp, values):
    """A SparseTensor with `sp`'s indices and dense shape (and their host copies) and `values`."""
    return SparseTensor(sp.indices if sp._host_indices is None else sp._host_indices, values,
                        sp.dense_shape if sp._host_shape is None else sp._host_shape)


def _make(indices, values, dense_shape):
    """A SparseTensor of host-computed indices/dense_shape and a values Tensor."""
    rank = len(dense_shape)
    return SparseTensor(np.asarray(indices, np.int64).reshape(-1, rank), values,
                        np.asarray(dense_shape, np.int64))


def _gather(values, picks):
    """values[picks] (picks: host int array) as a recorded op (so gradients reach `values`)."""
    return array_ops.gather(values, _const(np.asarray(picks, np.int64)))


def _parts(sp, api):
    """(indices, dense_shape) of `sp` on the host."""
    return _need_host(sp.indices, api, sp._host_indices), _need_host(sp.dense_shape, api, sp._host_shape)


def _linear(indices, shape):
    """Row-major linear positions of `indices` in a tensor of `shape`."""
    if indices.shape[1] == 0:
        return np.zeros(indices.shape[0], np.int64)
    return np.ravel_multi_index(tuple(indices.T), tuple(int(d) for d in shape)) if indices.size else \
        np.zeros(0, np.int64)


def _lexsort(indices):
    """The permutation that sorts `indices` rows in row-major order (stable)."""
    if indices.shape[0] == 0 or indices.shape[1] == 0:
        return np.arange(indices.shape[0])
    return np.lexsort(tuple(indices[:, d] for d in range(indices.shape[1] - 1, -1, -1)))


def _axes(axis, rank, op="SparseReduceSum"):
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    axis = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out = []
    for a in axis:
        a = int(a)
        if not -rank <= a < rank:
            raise InvalidArgumentError(f"Invalid reduction dimension {a}, for input with {rank} dimensions. "
                                       f"[Op:{op}] name: ")
        out.append(a % rank)
    return tuple(sorted(set(out)))


# --------------------------------------------------------------------------------------------------
# Densifying and validation
# --------------------------------------------------------------------------------------------------
def _validate(indices, shape, ordered, api):
    """TF's SparseToDense index checks: in bounds always; sorted and unique when `ordered`."""
    shape = np.asarray(shape)
    outside = np.nonzero(np.any((indices < 0) | (indices >= shape), axis=1))[0] if len(indices) else []
    if len(outside):
        i = int(outside[0])
        raise InvalidArgumentError(
            f"indices[{i}] = [{','.join(str(int(x)) for x in indices[i])}] is out of bounds: need 0 <= "
            f"index < [{','.join(str(int(d)) for d in shape)}] [Op:{api}] name: ")
    if not ordered or len(indices) < 2:
        return
    lin = _linear(indices, shape)
    step = np.diff(lin)
    bad = np.nonzero(step <= 0)[0]
    if bad.size:
        i = int(bad[0]) + 1
        text = ",".join(str(int(x)) for x in indices[i])
        if step[bad[0]] == 0:
            raise InvalidArgumentError(f"indices[{i}] = [{text}] is repeated [Op:{api}] name: ")
        raise InvalidArgumentError(f"indices[{i}] = [{text}] is out of order. {_ORDER_HINT} [Op:{api}] name: ")


def _to_dense_fn(indices, values, default, shape):
    out = jnp.full(shape, default, values.dtype)
    if not shape:
        return out.at[()].set(values[0]) if values.shape[0] else out
    return out.at[tuple(indices[:, d] for d in range(len(shape)))].set(values)


def _to_dense_host(indices, values, default, shape):
    """SparseToDense on string tensors (NumPy object arrays), as tapejax's string ops run."""
    out = np.full(shape, default[()] if isinstance(default, np.ndarray) else default, dtype=object)
    if len(values):
        out[tuple(indices.T)] = values
    return out


_TO_DENSE = Op("SparseToDense", _to_dense_fn)
_dispatch.HOST_KERNELS["SparseToDense"] = _to_dense_host


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense Tensor of a SparseTensor.

    Args:
      sp_input: a SparseTensor.
      default_value: the value of the elements not in `indices` (default zero of the dtype).
      validate_indices: check that the indices are sorted in row-major order with no repeats.
      name: ignored.

    Returns:
      A Tensor of shape `dense_shape` and the values' dtype.

    Raises:
      InvalidArgumentError: an index out of bounds, or (with `validate_indices`) out of order or
        repeated.
    """
    sp = _sparse(sp_input, "sp_input")
    indices, shape = sp._host_indices, sp._host_shape
    if shape is None:
        raise NotImplementedError("tf.sparse.to_dense needs a known dense_shape in tapejax (the "
                                  "output's shape); build the SparseTensor from constants.")
    if indices is not None:
        _validate(indices, shape, validate_indices, "SparseToDense")
    if default_value is None:
        default_value = b"" if sp.dtype == _dtypes.string else np.zeros((), sp.dtype.as_numpy_dtype)
    default = convert_to_tensor(default_value, dtype=sp.dtype)
    return apply(_TO_DENSE, [sp.indices, sp.values, default], (("shape", tuple(int(d) for d in shape)),))


def from_dense(tensor, name=None):
    """The SparseTensor of the non-zero elements of a dense Tensor (row-major order)."""
    tensor = convert_to_tensor(tensor)
    array = _need_host(tensor, "tf.sparse.from_dense")
    where = np.argwhere(array != (b"" if array.dtype == object else np.zeros((), array.dtype)))
    values = _gather(array_ops.reshape(tensor, [-1]), _linear(where, array.shape))
    return _make(where, values, array.shape)


def reorder(sp_input, name=None):
    """The same SparseTensor with its indices in row-major order."""
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.reorder")
    order = _lexsort(indices)
    return _make(indices[order], _gather(sp.values, order), shape)


def reshape(sp_input, shape, name=None):
    """The SparseTensor reshaped to `shape` (one dimension may be -1), values in the same order."""
    sp = _sparse(sp_input, "sp_input")
    indices, dense = _parts(sp, "tf.sparse.reshape")
    new = [int(d) for d in (shape.numpy() if isinstance(shape, Tensor) else shape)]
    total = int(np.prod(dense, dtype=np.int64))
    if new.count(-1) > 1:
        raise InvalidArgumentError(f"only one output dimension may be -1, not both {new.index(-1)} and "
                                   f"{new.index(-1, new.index(-1) + 1)} [Op:SparseReshape] name: ")
    if -1 in new:
        known = int(np.prod([d for d in new if d != -1], dtype=np.int64))
        if known == 0 or total % known:
            raise InvalidArgumentError(f"Input to reshape is a SparseTensor with {total} dense values, but "
                                       f"the requested shape requires a multiple of {known}. "
                                       f"input_shape={dense.tolist()} output_shape={new}")
        new[new.index(-1)] = total // known
    if int(np.prod(new, dtype=np.int64)) != total:
        raise InvalidArgumentError(f"Input to reshape is a tensor with {total} dense values, but the "
                                   f"requested shape has {int(np.prod(new, dtype=np.int64))}. "
                                   f"input_shape={dense.tolist()} output_shape={new}")
    lin = _linear(indices, dense)
    out = np.stack(np.unravel_index(lin, new), axis=1) if new else np.zeros((len(lin), 0), np.int64)
    return _make(out, sp.values, new)


def reset_shape(sp_input, new_shape=None):
    """The SparseTensor with dense shape `new_shape` (default: the tight bounding box of the indices)."""
    sp = _sparse(sp_input, "sp_input")
    indices, dense = _parts(sp, "tf.sparse.reset_shape")
    if new_shape is None:
        new = indices.max(axis=0) + 1 if len(indices) else np.zeros(len(dense), np.int64)
    else:
        new = np.asarray(new_shape.numpy() if isinstance(new_shape, Tensor) else new_shape, np.int64)
        if new.shape != dense.shape:
            raise ValueError(f"new_shape ({new.tolist()}) must have the rank of the sparse tensor "
                             f"({len(dense)}).")
        if np.any(new < dense):  # TF's message names the two shapes the other way round
            raise ValueError(f"Requested new_shape should have dimension sizes >= sp_input.shape.  Found "
                             f"new_shape ({dense}), sp_input.shape ({new}).")
    return _make(indices, sp.values, new)


# --------------------------------------------------------------------------------------------------
# Arithmetic
# --------------------------------------------------------------------------------------------------
_C_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def _dtype_error(op, position, want, got):
    """TF's kernel dtype error (its C++ type names: float, double, ...)."""
    name = lambda d: _C_NAMES.get(d.name, d.name)
    return InvalidArgumentError(f"cannot compute {op} as input #{position}(zero-based) was expected to be a "
                                f"{name(want)} tensor but is a {name(got)} tensor [Op:{op}] name: ")


def _cwise(sp, dense, fn):
    """`sp (op) dense` on the values: the dense operand is broadcast to the sparse shape."""
    if isinstance(dense, SparseTensor):
        raise ValueError(f"Attempt to convert a value ({dense!r}) with an unsupported type "
                         f"({type(dense).__name__}) to a Tensor.")
    try:
        dense = convert_to_tensor(dense, dtype=sp.dtype)
    except ValueError as err:  # TF names the operand
        raise ValueError(f"y: {err}") from None
    indices, shape = _parts(sp, "SparseTensor arithmetic")
    rank = len(shape)
    if len(dense.shape) > rank or any(d not in (1, s) for d, s in zip(tuple(dense.shape)[::-1], shape[::-1])):
        raise InvalidArgumentError(f"Dense tensor shape {list(dense.shape)} cannot be broadcast to the "
                                   f"SparseTensor's shape {shape.tolist()}.")
    # The dense element paired with each value: its index with broadcast dimensions pinned at 0.
    offset = rank - len(dense.shape)
    picks = np.stack([indices[:, offset + d] if dense.shape[d] != 1 else np.zeros(len(indices), np.int64)
                      for d in range(len(dense.shape))], axis=1) if len(dense.shape) else None
    other = dense if picks is None else array_ops.gather_nd(dense, _const(picks))
    return _like(sp, fn(sp.values, other))


def _union(sps, api, op="SparseAdd"):
    """The row-major union of the indices of same-shaped SparseTensors: (indices, shape, positions of
    each input's values in the union, counts of inputs at each union position)."""
    hosts = [_parts(sp, api) for sp in sps]
    shape = hosts[0][1]
    for _, other in hosts[1:]:
        if other.shape != shape.shape:
            raise InvalidArgumentError(f"Operands' ranks do not match: got {len(shape)} and {len(other)} "
                                       f"[Op:{op}] name: ")
        if np.any(other != shape):
            d = int(np.nonzero(other != shape)[0][0])
            raise InvalidArgumentError(f"Operands' shapes do not match: got {shape[d]} and {other[d]} for "
                                       f"dimension {d} [Op:{op}] name: ")
    lins = [_linear(ix, shape) for ix, _ in hosts]
    allpos = np.concatenate(lins) if lins else np.zeros(0, np.int64)
    unique, inverse, counts = np.unique(allpos, return_inverse=True, return_counts=True)
    ends = np.cumsum([len(x) for x in lins])
    positions = np.split(inverse.reshape(-1), ends[:-1])
    out = np.stack(np.unravel_index(unique, tuple(int(d) for d in shape)), axis=1) if len(shape) else \
        np.zeros((len(unique), 0), np.int64)
    return out.astype(np.int64), shape, positions, counts


def _scatter(values, positions, n):
    """A Tensor `[n]` with `values` at `positions` and zeros elsewhere (a recorded op)."""
    return math_ops.unsorted_segment_sum(values, _const(positions.astype(np.int64)), n)


def add(a, b, threshold=0):
    """`a + b` where at least one is a SparseTensor.

    Args:
      a, b: SparseTensors, or one SparseTensor and one dense Tensor (the result is then dense).
      threshold: for two SparseTensors, a sum at an index both have whose magnitude is below it
        is dropped from the result.

    Returns:
      A SparseTensor (both sparse) or a Tensor.
    """
    if not isinstance(a, SparseTensor) and not isinstance(b, SparseTensor):
        raise TypeError("tf.sparse.add takes at least one SparseTensor; got two dense values.")
    if not isinstance(a, SparseTensor) or not isinstance(b, SparseTensor):
        sp, dense = (a, b) if isinstance(a, SparseTensor) else (b, a)
        dense = convert_to_tensor(dense, dtype=sp.dtype)
        if tuple(dense.shape) != tuple(sp.shape):
            if len(dense.shape) != len(sp.shape):
                raise InvalidArgumentError(f"Dimensions do not match: the SparseTensor has rank {len(sp.shape)}, "
                                           f"the dense tensor {len(dense.shape)} [Op:SparseTensorDenseAdd] name: ")
            d = next(i for i, (x, y) in enumerate(zip(sp.shape, dense.shape)) if x != y)
            raise InvalidArgumentError(f"Dimension {d} does not equal (no broadcasting is supported): sparse "
                                       f"side {sp.shape[d]} vs dense side {dense.shape[d]} "
                                       f"[Op:SparseTensorDenseAdd] name: ")
        indices = _parts(sp, "tf.sparse.add")[0]
        _validate(indices, sp.shape, False, "SparseTensorDenseAdd")
        return array_ops.tensor_scatter_nd_add(dense, sp.indices, sp.values)
    if a.dtype != b.dtype:
        raise _dtype_error("SparseAdd", 4, a.dtype, b.dtype)
    indices, shape, (pa, pb), counts = _union([a, b], "tf.sparse.add")
    n = len(indices)
    summed = math_ops.add(_scatter(a.values, pa, n), _scatter(b.values, pb, n))
    thresh = float(threshold.numpy() if isinstance(threshold, Tensor) else threshold)
    if thresh > 0 and np.any(counts > 1):
        magnitudes = np.abs(np.asarray(summed.numpy()))
        keep = np.nonzero((counts < 2) | (magnitudes >= thresh))[0]
        if len(keep) != n:
            return _make(indices[keep], _gather(summed, keep), shape)
    return _make(indices, summed, shape)


def _extreme(a, b, fn):
    if a.dtype != b.dtype:
        raise _dtype_error("SparseSparseMaximum" if fn is math_ops.maximum else "SparseSparseMinimum", 4,
                           a.dtype, b.dtype)
    op = "SparseSparseMaximum" if fn is math_ops.maximum else "SparseSparseMinimum"
    indices, shape, (pa, pb), _ = _union([a, b], "tf.sparse.maximum", op)
    n = len(indices)
    return _make(indices, fn(_scatter(a.values, pa, n), _scatter(b.values, pb, n)), shape)


def maximum(sp_a, sp_b, name=None):
    """The element-wise maximum of two SparseTensors (missing elements count as zero)."""
    return _extreme(_sparse(sp_a, "sp_a"), _sparse(sp_b, "sp_b"), math_ops.maximum)


def minimum(sp_a, sp_b, name=None):
    """The element-wise minimum of two SparseTensors (missing elements count as zero)."""
    return _extreme(_sparse(sp_a, "sp_a"), _sparse(sp_b, "sp_b"), math_ops.minimum)


def _bcoo(indices, values, shape):
    return jsparse.BCOO((values, indices.astype(jnp.int32) if indices.dtype != jnp.int32 else indices),
                        shape=shape)


def _spmm_fn(indices, values, b, shape, adjoint_a, adjoint_b):
    a = _bcoo(indices, jnp.conj(values) if adjoint_a else values, shape)
    if adjoint_a:
        a = a.T
    if adjoint_b:
        b = jnp.conj(b.T)
    return a @ b


def _dmsp_fn(a, indices, values, shape, adjoint_a, adjoint_b):
    b = _bcoo(indices, jnp.conj(values) if adjoint_b else values, shape)
    if adjoint_b:
        b = b.T
    if adjoint_a:
        a = jnp.conj(a.T)
    return a @ b


_SPMM = Op("SparseTensorDenseMatMul", _spmm_fn)
_DMSP = Op("SparseTensorDenseMatMul", _dmsp_fn)


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """`sp_a @ b` with one operand a rank-2 SparseTensor and the other a dense matrix.

    Args:
      sp_a: a SparseTensor (or a dense Tensor when `b` is the SparseTensor).
      b: a dense Tensor (or a SparseTensor).
      adjoint_a, adjoint_b: use the conjugate transpose of that operand.

    Returns:
      A dense Tensor, differentiable with respect to the dense operand and the sparse values.

    Raises:
      InvalidArgumentError: inner dimensions that do not match, or dtypes that differ.
    """
    sparse_first = isinstance(sp_a, SparseTensor)
    if not sparse_first and not isinstance(b, SparseTensor):
        raise TypeError("tf.sparse.sparse_dense_matmul needs one SparseTensor operand; got two dense values.")
    sp = sp_a if sparse_first else b
    dense = convert_to_tensor(b if sparse_first else sp_a)
    shape = tuple(int(d) for d in sp.shape)
    if len(shape) != 2:
        raise InvalidArgumentError("Tensor 'a_shape' must have 2 elements [Op:SparseTensorDenseMatMul] name: ")
    if len(dense.shape) != 2:
        raise InvalidArgumentError("Tensor 'b' is not a matrix [Op:SparseTensorDenseMatMul] name: ")
    if dense.dtype != sp.dtype:
        raise _dtype_error("SparseTensorDenseMatMul", 3, sp.dtype, dense.dtype)
    if sparse_first:
        a_shape, b_shape, ta, tb = shape, tuple(dense.shape), adjoint_a, adjoint_b
    else:  # TF computes (b' a')' with the operands' roles swapped
        a_shape, b_shape, ta, tb = shape, tuple(dense.shape), not adjoint_b, not adjoint_a
    inner_a, inner_b = a_shape[0 if ta else 1], b_shape[1 if tb else 0]
    if inner_a != inner_b:
        raise InvalidArgumentError(
            f"Cannot multiply A and B because inner dimension does not match: {inner_a} vs. {inner_b}.  "
            f"Did you forget a transpose?  Dimensions of A: [{a_shape[0]}, {a_shape[1]}).  Dimensions of "
            f"B: [{b_shape[0]},{b_shape[1]}] [Op:SparseTensorDenseMatMul] name: ")
    if sp._host_indices is not None:
        _validate(sp._host_indices, shape, False, "SparseTensorDenseMatMul")
    attrs = (("shape", shape), ("adjoint_a", bool(adjoint_a)), ("adjoint_b", bool(adjoint_b)))
    if sparse_first:
        return apply(_SPMM, [sp.indices, sp.values, dense], attrs)
    return apply(_DMSP, [dense, sp.indices, sp.values], attrs)


# --------------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------------
def _reduce_sum_fn(indices, values, shape, axes, keepdims):
    out = jsparse.bcoo_reduce_sum(_bcoo(indices, values, shape), axes=axes).todense().astype(values.dtype)
    if keepdims:
        out = out.reshape(tuple(1 if d in axes else n for d, n in enumerate(shape)))
    return out


def _reduce_max_fn(values, segments, num, out_shape):
    found = jax.ops.segment_max(values, segments, num_segments=num)
    present = jax.ops.segment_sum(jnp.ones_like(segments), segments, num_segments=num) > 0
    return jnp.where(present, found, jnp.zeros((), values.dtype)).reshape(out_shape)


_REDUCE_SUM = Op("SparseReduceSum", _reduce_sum_fn)
_SEGMENT_MAX = Op("SparseReduceMax", _reduce_max_fn)


def _reduced(sp, axis, keepdims, api):
    """(host indices, dense shape, axes, output shape, output positions of each value)."""
    indices, shape = _parts(sp, api)
    axes = _axes(axis, len(shape), "SparseReduceMax" if "max" in api else "SparseReduceSum")
    kept = [d for d in range(len(shape)) if d not in axes]
    out_shape = [1 if d in axes else int(shape[d]) for d in range(len(shape))] if keepdims else \
        [int(shape[d]) for d in kept]
    out_index = indices[:, kept]
    segments = _linear(out_index, [int(shape[d]) for d in kept]) if kept else np.zeros(len(indices), np.int64)
    return indices, shape, axes, kept, out_shape, segments


def _sparse_result(values_fn, shape, kept, axes, keepdims, segments):
    unique, inverse = np.unique(segments, return_inverse=True)
    kept_shape = tuple(int(shape[d]) for d in kept)
    coords = np.stack(np.unravel_index(unique, kept_shape), axis=1) if kept else np.zeros((len(unique), 0))
    if keepdims:
        full = np.zeros((len(unique), len(shape)), np.int64)
        full[:, kept] = coords
        coords, out_shape = full, [1 if d in axes else int(shape[d]) for d in range(len(shape))]
    else:
        out_shape = list(kept_shape)
    return _make(coords, values_fn(_const(inverse.reshape(-1).astype(np.int64)), len(unique)), out_shape)


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Sums a SparseTensor's elements over `axis` (all axes by default).

    Args:
      sp_input: a SparseTensor.
      axis: an int or list of ints (negative counts from the end), or None for all.
      keepdims: keep reduced dimensions with size 1.
      output_is_sparse: return a SparseTensor of the non-empty sums instead of a dense Tensor.

    Returns:
      A Tensor, or a SparseTensor with `output_is_sparse`.
    """
    sp = _sparse(sp_input, "sp_input")
    keepdims = bool(keepdims)
    if output_is_sparse:
        indices, shape, axes, kept, _, segments = _reduced(sp, axis, keepdims, "tf.sparse.reduce_sum")
        return _sparse_result(lambda seg, n: math_ops.unsorted_segment_sum(sp.values, seg, n),
                              shape, kept, axes, keepdims, segments)
    shape = tuple(int(d) for d in sp.shape)
    axes = _axes(axis, len(shape))
    attrs = (("shape", shape), ("axes", axes), ("keepdims", keepdims))
    return apply(_REDUCE_SUM, [sp.indices, sp.values], attrs)


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The maximum of a SparseTensor's values over `axis` (positions with no value give 0).

    Args:
      sp_input: a SparseTensor.
      axis: an int or list of ints, or None for all axes.
      keepdims: keep reduced dimensions with size 1.
      output_is_sparse: return a SparseTensor of the non-empty maxima instead of a dense Tensor.

    Returns:
      A Tensor, or a SparseTensor with `output_is_sparse`.
    """
    sp = _sparse(sp_input, "sp_input")
    keepdims = bool(keepdims)
    indices, shape, axes, kept, out_shape, segments = _reduced(sp, axis, keepdims, "tf.sparse.reduce_max")
    if output_is_sparse:
        return _sparse_result(
            lambda seg, n: apply(_SEGMENT_MAX, [sp.values, seg], (("num", n), ("out_shape", (n,)))),
            shape, kept, axes, keepdims, segments)
    num = int(np.prod([shape[d] for d in kept], dtype=np.int64)) if kept else 1
    return apply(_SEGMENT_MAX, [sp.values, _const(segments.astype(np.int64))],
                 (("num", num), ("out_shape", tuple(out_shape))))


def softmax(sp_input, name=None):
    """The softmax of each innermost row's values (the missing elements take no part).

    Args:
      sp_input: a SparseTensor of rank >= 2 with floating values, in row-major order.

    Returns:
      A SparseTensor with the same indices.
    """
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.softmax")
    if len(shape) < 2:
        raise InvalidArgumentError(f"Input should have rank >= 2, but received shape: "
                                   f"{' '.join(str(d) for d in shape)} [Op:SparseSoftmax] name: ")
    if not sp.dtype.is_floating:
        raise TypeError(f"tf.sparse.softmax takes floating values, got {sp.dtype.name}")
    rows = _linear(indices[:, :-1], shape[:-1])
    unique, inverse = np.unique(rows, return_inverse=True)
    seg = _const(inverse.reshape(-1).astype(np.int64))
    n = len(unique)
    peak = apply(_SEGMENT_MAX, [sp.values, seg], (("num", n), ("out_shape", (n,))))
    shifted = math_ops.exp(math_ops.subtract(sp.values, array_ops.gather(peak, seg)))
    total = math_ops.unsorted_segment_sum(shifted, seg, n)
    return _like(sp, math_ops.truediv(shifted, array_ops.gather(total, seg)))


# --------------------------------------------------------------------------------------------------
# Structure: concat, slice, split, retain, fill_empty_rows, expand_dims, transpose, ...
# --------------------------------------------------------------------------------------------------
def concat(axis, sp_inputs, name=None, expand_nonconcat_dims=False):
    """Concatenates SparseTensors along `axis` (the result in row-major order).

    Args:
      axis: the dimension to concatenate along (negative counts from the end).
      sp_inputs: a list of SparseTensors of one rank.
      expand_nonconcat_dims: let the other dimensions differ (the result takes their maximum).

    Returns:
      A SparseTensor.
    """
    sps = [_sparse(s, "sp_inputs") for s in sp_inputs]
    hosts = [_parts(s, "tf.sparse.concat") for s in sps]
    rank = len(hosts[0][1])
    axis = int(axis)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"Concat dimension must be in range [{-rank}, {rank}), got {axis} "
                                   f"[Op:SparseConcat] name: ")
    axis %= rank
    shapes = np.stack([s for _, s in hosts])
    others = [d for d in range(rank) if d != axis]
    if not expand_nonconcat_dims:
        for k, s in enumerate(shapes[1:], 1):
            for d in others:
                if s[d] != shapes[0][d]:
                    raise InvalidArgumentError(
                        f"Input shapes must match: expected {shapes[0][d]} for dimension {d} but got "
                        f"{s[d]} at position {k}")
    out_shape = shapes.max(axis=0)
    out_shape[axis] = shapes[:, axis].sum()
    offsets = np.concatenate([[0], np.cumsum(shapes[:, axis])[:-1]])
    indices = []
    for (ix, _), off in zip(hosts, offsets):
        ix = ix.copy()
        ix[:, axis] += off
        indices.append(ix)
    indices = np.concatenate(indices) if indices else np.zeros((0, rank), np.int64)
    values = array_ops.concat([s.values for s in sps], axis=0)
    order = _lexsort(indices)
    return _make(indices[order], _gather(values, order), out_shape)


def slice(sp_input, start, size, name=None):  # noqa: A001 - tf.sparse.slice
    """The part of a SparseTensor in the box `[start, start + size)` (clipped to its shape), with
    indices shifted to start at zero."""
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.slice")
    start = np.asarray(start.numpy() if isinstance(start, Tensor) else start, np.int64)
    size = np.asarray(size.numpy() if isinstance(size, Tensor) else size, np.int64)
    for what, given in (("start", start), ("size", size)):
        if given.shape != shape.shape:
            raise InvalidArgumentError(f"Expected {what} to be a vector of length {len(shape)} but got length "
                                       f"{given.size} [Op:SparseSlice] name: ")
    end = np.minimum(start + size, shape)
    keep = np.nonzero(np.all((indices >= start) & (indices < end), axis=1))[0] if len(indices) else \
        np.zeros(0, np.int64)
    out_shape = np.maximum(end - start, 0)
    return _make(indices[keep] - start, _gather(sp.values, keep), out_shape)


def split(sp_input=None, num_split=None, axis=None, name=None):
    """Splits a SparseTensor into `num_split` pieces along `axis` (the first `size % num_split`
    pieces one larger)."""
    sp = _sparse(sp_input, "sp_input")
    shape = _parts(sp, "tf.sparse.split")[1]
    rank, num_split, axis = len(shape), int(num_split), int(axis)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"Split dimension must be in range [{-rank}, {rank}), got {axis}")
    axis %= rank
    n = int(shape[axis])
    if num_split < 1 or num_split > n:
        raise InvalidArgumentError(f"Input num_split should be between 1 and the splitting dimension size "
                                   f"({n}), got {num_split} [Op:SparseSplit] name: ")
    pieces, begin = [], 0
    for k in range(num_split):
        width = n // num_split + (1 if k < n % num_split else 0)
        start = np.zeros(rank, np.int64)
        start[axis] = begin
        size = shape.copy()
        size[axis] = width
        pieces.append(slice(sp, start, size))
        begin += width
    return pieces


def retain(sp_input, to_retain):
    """The SparseTensor of the values where the bool vector `to_retain` is True."""
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.retain")
    mask = np.asarray(to_retain.numpy() if isinstance(to_retain, (Tensor, Variable)) else to_retain)
    if mask.ndim != 1:
        raise ValueError(f"Shape {TensorShape(mask.shape)} must have rank 1")
    _check_compatible(len(indices), len(mask))
    keep = np.nonzero(mask.astype(bool))[0]
    return _make(indices[keep], _gather(sp.values, keep), shape)


def fill_empty_rows(sp_input, default_value, name=None):
    """Adds `default_value` at index `[row, 0, ..., 0]` of each empty row.

    Returns:
      A tuple: the filled SparseTensor (row-major order) and a bool vector, True for the rows that
      were empty.
    """
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.fill_empty_rows")
    rows = int(shape[0])
    empty = np.ones(rows, bool)
    empty[indices[:, 0]] = False
    missing = np.nonzero(empty)[0]
    fill = np.zeros((len(missing), len(shape)), np.int64)
    fill[:, 0] = missing
    all_indices = np.concatenate([indices, fill])
    default = convert_to_tensor(default_value, dtype=sp.dtype)
    values = array_ops.concat([sp.values, array_ops.fill([len(missing)], default)], axis=0)
    order = _lexsort(all_indices)
    return _make(all_indices[order], _gather(values, order), shape), _const(empty)


def expand_dims(sp_input, axis=None, name=None):
    """Inserts a dimension of size 1 at `axis` (negative counts from the end of the result)."""
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.expand_dims")
    rank = len(shape)
    axis = -1 if axis is None else int(axis)
    if not -rank - 1 <= axis <= rank:
        raise InvalidArgumentError(f"Expected size[1] in [0, {rank}], but got "
                                   f"{axis if axis >= 0 else axis + rank + 1} [Op:Slice]")
    if axis < 0:
        axis += rank + 1
    out = np.insert(indices, axis, 0, axis=1)
    return _make(out, sp.values, np.insert(shape, axis, 1))


def transpose(sp_input, perm=None, name=None):
    """Permutes a SparseTensor's dimensions (default: reversed); the result in row-major order."""
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.transpose")
    rank = len(shape)
    perm = list(range(rank))[::-1] if perm is None else [int(p) for p in (
        perm.numpy() if isinstance(perm, Tensor) else perm)]
    if sorted(perm) != list(range(rank)):
        raise InvalidArgumentError(f"perm {perm} is not a permutation of [0, {rank}).")
    out = indices[:, perm]
    order = _lexsort(out)
    return _make(out[order], _gather(sp.values, order), shape[perm])


def map_values(op, *args, **kwargs):
    """Applies `op` to the values of the SparseTensors among `args`/`kwargs` (which must share
    indices and dense shape); other arguments are passed as they are."""
    found = [a for a in list(args) + list(kwargs.values()) if isinstance(a, SparseTensor)]
    if not found:
        raise ValueError("No SparseTensor in argument list of map_values")
    first = found[0]
    for other in found[1:]:
        same = (tuple(other.indices.shape) == tuple(first.indices.shape)
                and np.array_equal(other._host_indices, first._host_indices)
                and np.array_equal(other._host_shape, first._host_shape))
        if not same:
            raise InvalidArgumentError("Mismatched indices! SparseTensors passed to map_values must have "
                                       "the same indices and dense_shape.")
    unwrap = lambda a: a.values if isinstance(a, SparseTensor) else a
    result = op(*[unwrap(a) for a in args], **{k: unwrap(v) for k, v in kwargs.items()})
    return _like(first, result)


def to_indicator(sp_input, vocab_size, name=None):
    """A dense bool Tensor `[..., vocab_size]`: True at `[i..., v]` for each value v at `[i..., k]`."""
    sp = _sparse(sp_input, "sp_input")
    indices, shape = _parts(sp, "tf.sparse.to_indicator")  # as TF, other values are cast to int64
    values = np.asarray(sp.values.numpy()).astype(np.int64)
    vocab = int(vocab_size.numpy() if isinstance(vocab_size, Tensor) else vocab_size)
    out = np.zeros(tuple(int(d) for d in shape[:-1]) + (vocab,), bool)
    if len(values):
        if np.any(values < 0) or np.any(values >= vocab):
            dims = ",".join(str(d) for d in out.shape)
            raise InvalidArgumentError(f"Indices are not valid (out of bounds).  Shape: [{dims}] "
                                       f"[Op:SparseToDense] name: ")
        out[tuple(indices[:, :-1].T) + (values,)] = True
    return _const(out)


def eye(num_rows, num_columns=None, dtype=_dtypes.float32, name=None):
    """A sparse identity matrix `[num_rows, num_columns]` (square by default)."""
    rows = int(num_rows.numpy() if isinstance(num_rows, Tensor) else num_rows)
    cols = rows if num_columns is None else int(
        num_columns.numpy() if isinstance(num_columns, Tensor) else num_columns)
    dtype = _dtypes.as_dtype(dtype)
    if min(rows, cols) < 0:
        raise InvalidArgumentError(f"Requires start <= limit when delta > 0: 0/{min(rows, cols)} [Op:Range] name: ")
    diag = np.arange(min(rows, cols), dtype=np.int64)
    return _make(np.stack([diag, diag], axis=1), _const(np.ones(len(diag), dtype.as_numpy_dtype)), [rows, cols])


def mask(a, mask_indices, name=None):
    """The IndexedSlices `a` without the slices whose index is in `mask_indices`."""
    if not isinstance(a, IndexedSlices):
        raise TypeError(f"tf.sparse.mask takes an IndexedSlices, got {type(a).__name__}")
    indices = np.asarray(a.indices.numpy())
    drop = np.asarray(mask_indices.numpy() if isinstance(mask_indices, Tensor) else mask_indices)
    keep = np.nonzero(~np.isin(indices, drop))[0]
    return IndexedSlices(_gather(a.values, keep), _gather(a.indices, keep), a.dense_shape)


def bincount(values, weights=None, axis=0, minlength=None, maxlength=None, binary_output=False, name=None):
    """Counts the occurrences of each non-negative int in `values`, as a SparseTensor.

    Args:
      values: an int32/int64 Tensor or SparseTensor.
      weights: optional, of `values`' shape (or a SparseTensor with its indices): summed instead of
        counting 1.
      axis: 0 counts over everything; -1 counts each row of a rank-2 input separately.
      minlength, maxlength: the output has at least / at most this many bins (values at or above
        `maxlength` are dropped).
      binary_output: 1 for every value present instead of its count.

    Returns:
      A SparseTensor `[size]` (or `[rows, size]` with axis=-1) of counts in `values`' dtype (the
      weights' dtype when given), its indices in row-major order.

    Raises:
      InvalidArgumentError: values that are negative or not integers.
    """
    is_sparse = isinstance(values, SparseTensor)
    op = "SparseCountSparseOutput" if is_sparse else "DenseCountSparseOutput"
    tensor = values.values if is_sparse else convert_to_tensor(values)
    if tensor.dtype not in (_dtypes.int32, _dtypes.int64):
        raise InvalidArgumentError(f"Value for attr 'T' of {_C_NAMES.get(tensor.dtype.name, tensor.dtype.name)} "
                                   f"is not in the list of allowed values: int32, int64 [Op:{op}] name: ")
    flat = np.asarray(tensor.numpy()).reshape(-1)
    if is_sparse:
        rows = _parts(values, "tf.sparse.bincount")[0][:, 0]
        n_rows = int(values.shape[0])
        rank = len(values.shape)
    else:
        shape = tuple(tensor.shape)
        rank = len(shape)
        n_rows = shape[0] if rank == 2 else 1
        rows = np.repeat(np.arange(n_rows), flat.size // max(n_rows, 1)) if rank == 2 else np.zeros(flat.size, np.int64)
    if flat.size and flat.min() < 0:
        raise InvalidArgumentError(f"Input values must all be non-negative [Op:{op}] name: ")
    per_row = axis in (-1, 1) and rank == 2
    if not per_row:
        rows = np.zeros(flat.size, np.int64)
    if weights is not None:
        weights = weights.values if isinstance(weights, SparseTensor) else convert_to_tensor(weights)
        out_dtype, w = weights.dtype, np.asarray(weights.numpy()).reshape(-1)
    else:
        out_dtype, w = tensor.dtype, np.ones(flat.size, tensor.dtype.as_numpy_dtype)
    size = int(flat.max()) + 1 if flat.size else 0
    if minlength is not None:
        size = max(size, int(minlength))
    if maxlength is not None:
        size = min(size, int(maxlength))
        keep = flat < int(maxlength)
        flat, rows, w = flat[keep], rows[keep], w[keep]
    lin = rows.astype(np.int64) * size + flat.astype(np.int64)
    unique, inverse = np.unique(lin, return_inverse=True)
    counts = np.zeros(len(unique), out_dtype.as_numpy_dtype)
    np.add.at(counts, inverse.reshape(-1), w.astype(out_dtype.as_numpy_dtype))
    if binary_output:
        counts = np.ones(len(unique), out_dtype.as_numpy_dtype)
    if per_row:
        coords, dense_shape = np.stack([unique // size, unique % size], axis=1), [n_rows, size]
    else:
        coords, dense_shape = unique.reshape(-1, 1), [size]
    return _make(coords, _const(counts), dense_shape)


# --------------------------------------------------------------------------------------------------
# Segment ops on dense rows picked by `indices` (tf.sparse.segment_*)
# --------------------------------------------------------------------------------------------------
def _segments(data, indices, segment_ids, num_segments):
    rows = array_ops.gather(convert_to_tensor(data), convert_to_tensor(indices))
    ids = convert_to_tensor(segment_ids)
    host = np.asarray(ids.numpy())
    if num_segments is None:
        if host.size and np.any(np.diff(host) < 0):
            raise InvalidArgumentError("segment ids are not increasing")
        n = int(host.max()) + 1 if host.size else 0
    else:
        n = int(num_segments.numpy() if isinstance(num_segments, Tensor) else num_segments)
    counts = np.bincount(host.astype(np.int64), minlength=n)[:n] if host.size else np.zeros(n, np.int64)
    return math_ops.unsorted_segment_sum(rows, ids, n), counts, rows


def _per_segment(counts, rows, fn):
    scale = fn(np.maximum(counts, 1).astype(np.float64)).reshape((-1,) + (1,) * (len(rows.shape) - 1))
    return _const(scale.astype(rows.dtype.as_numpy_dtype))


def segment_sum(data, indices, segment_ids, num_segments=None, name=None):
    """Sums the rows `data[indices]` by `segment_ids`."""
    return _segments(data, indices, segment_ids, num_segments)[0]


def segment_mean(data, indices, segment_ids, num_segments=None, name=None):
    """Averages the rows `data[indices]` by `segment_ids` (an empty segment gives 0)."""
    total, counts, rows = _segments(data, indices, segment_ids, num_segments)
    return math_ops.truediv(total, _per_segment(counts, rows, lambda c: c))


def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None):
    """Sums the rows `data[indices]` by `segment_ids`, divided by the square root of each count."""
    total, counts, rows = _segments(data, indices, segment_ids, num_segments)
    return math_ops.truediv(total, _per_segment(counts, rows, np.sqrt))


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None,
                            combiner=None, max_norm=None, allow_fast_lookup=False):
    """Combines the embedding rows of each row of ids (`tf.nn.embedding_lookup_sparse`).

    Args:
      params: the embedding matrix (a Variable or Tensor, or a list holding one).
      sp_ids: a SparseTensor of int ids; row `i` of the result combines the rows of `params` at
        the ids in row `i` (indices[:, 0], sorted).
      sp_weights: a SparseTensor of float weights with sp_ids' indices, or None (all weights 1).
      combiner: "mean" (the default), "sqrtn" or "sum": the weighted sum divided by the sum of the
        weights, by the square root of the sum of their squares, or not divided.
      max_norm: if given, each embedding row is clipped to this l2 norm before combining.

    Returns:
      A Tensor `[max row id + 1, dim]`; rows without ids are zero. The gradient with respect to
      `params` is an IndexedSlices, as for `tf.gather`.
    """
    combiner = "mean" if combiner is None else combiner
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("tapejax's embedding_lookup_sparse takes one params tensor (not a "
                                      "partitioned list); concatenate the shards first.")
        params = params[0]
    ids = _sparse(sp_ids, "sp_ids")
    indices = _parts(ids, "tf.nn.embedding_lookup_sparse")[0]
    segments = indices[:, 0]
    if len(segments) and np.any(np.diff(segments) < 0):
        raise InvalidArgumentError("segment ids are not increasing: sp_ids must be in row-major order "
                                   "(tf.sparse.reorder).")
    n = int(segments.max()) + 1 if len(segments) else 0
    seg = _const(segments.astype(np.int64))
    rows = array_ops.gather(params, ids.values)
    if max_norm is not None:
        rows = math_ops.clip_by_norm(rows, max_norm, axes=[1])
    if sp_weights is None:
        weights = _const(np.ones(len(segments), rows.dtype.as_numpy_dtype))
    else:
        weights = _sparse(sp_weights, "sp_weights").values
        rows = math_ops.multiply(rows, array_ops.reshape(weights, [-1, 1]))
    total = math_ops.unsorted_segment_sum(rows, seg, n)
    if combiner == "sum":
        return total
    if combiner == "mean":
        scale = math_ops.unsorted_segment_sum(weights, seg, n)
    else:
        scale = math_ops.sqrt(math_ops.unsorted_segment_sum(math_ops.multiply(weights, weights), seg, n))
    return math_ops.divide_no_nan(total, array_ops.reshape(scale, [-1, 1]))


def take_rows(sp, index):
    """The rows `index` (a slice or an array of distinct row numbers) of a SparseTensor, in that
    order (Keras' batching of a sparse input)."""
    indices, shape = _parts(sp, "taking rows of a SparseTensor")
    rows = np.arange(int(shape[0]))[index]
    position = np.full(int(shape[0]), -1, np.int64)
    position[rows] = np.arange(len(rows))
    keep = np.nonzero(position[indices[:, 0]] >= 0)[0]
    picked = indices[keep].copy()
    picked[:, 0] = position[picked[:, 0]]
    order = _lexsort(picked)
    return _make(picked[order], _gather(sp.values, keep[order]), np.concatenate([[len(rows)], shape[1:]]))


def variable_matmul(sp, variable):
    """`sp @ variable` as Keras 3's TF backend computes a sparse input times a Variable: an
    embedding lookup of the columns weighted by the values (so the Variable's gradient is an
    IndexedSlices of the rows used, as in Keras). The values are cast to the Variable's dtype
    first: Keras casts a layer's floating inputs to its compute dtype and multiplies integer ones
    in the float result type, so int32 or float64 values times a float32 kernel give float32."""
    if sp.values.dtype != variable.dtype:
        sp = _like(sp, math_ops.cast(sp.values, variable.dtype))
    filled, _ = fill_empty_rows(sp, 0)
    ids = _like(filled, array_ops.gather(filled.indices, 1, axis=1))
    return embedding_lookup_sparse(variable, ids, filled, combiner="sum")


# --------------------------------------------------------------------------------------------------
# tf.data: a SparseTensor component on the host
# --------------------------------------------------------------------------------------------------
class HostSparse:
    """A SparseTensor's components as NumPy arrays (a leaf of a tf.data element)."""

    _tapejax_leaf = True
    __slots__ = ("indices", "values", "dense_shape")

    def __init__(self, indices, values, dense_shape):
        self.indices = np.asarray(indices, np.int64).reshape(-1, len(dense_shape))
        self.values = np.asarray(values)
        self.dense_shape = np.asarray(dense_shape, np.int64)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        return tuple(int(d) for d in self.dense_shape)

    @property
    def ndim(self):
        return len(self.dense_shape)

    def astype(self, dtype):
        return HostSparse(self.indices, self.values.astype(dtype), self.dense_shape)


def host_dense(host):
    """The dense NumPy array of a HostSparse (`as_numpy_iterator`)."""
    fill = b"" if host.values.dtype == object else 0
    out = np.full(host.shape, fill, dtype=host.values.dtype)
    if len(host.values):
        out[tuple(host.indices.T)] = host.values
    return out


def to_host(sp):
    """A SparseTensor as a HostSparse."""
    return HostSparse(sp.indices.numpy(), sp.values.numpy(), sp.dense_shape.numpy())


def from_host(host):
    """A HostSparse as a SparseTensor."""
    values = convert_to_tensor(host.values) if host.values.dtype == object else _const(host.values)
    return SparseTensor(host.indices, values, host.dense_shape)


def host_spec(host, batch_dims=0):
    """The SparseTensorSpec of a HostSparse (its first `batch_dims` dimensions dropped)."""
    return SparseTensorSpec(host.shape[batch_dims:], _dtypes.as_dtype(host.values.dtype))


def host_rows(host):
    """The slices of a HostSparse along its first dimension (`from_tensor_slices`)."""
    order = _lexsort(host.indices)
    indices, values = host.indices[order], host.values[order]
    rows = indices[:, 0]
    return [HostSparse(indices[rows == r][:, 1:], values[rows == r], host.dense_shape[1:])
            for r in range(int(host.dense_shape[0]))]


def host_row(host, index):
    """Row `index` of a HostSparse along its first dimension (`unbatch`)."""
    keep = host.indices[:, 0] == index
    return HostSparse(host.indices[keep][:, 1:], host.values[keep], host.dense_shape[1:])


def host_stack(parts):
    """A batch of HostSparse elements: a leading batch index, the dense shape the largest of each
    dimension (tf.data's batching of sparse elements)."""
    rank = parts[0].ndim
    for p in parts[1:]:
        if p.ndim != rank:
            raise InvalidArgumentError(f"Cannot batch sparse tensors of different ranks ({rank} and "
                                       f"{p.ndim}).")
    indices = np.concatenate([np.concatenate([np.full((len(p.indices), 1), i, np.int64), p.indices], axis=1)
                              for i, p in enumerate(parts)])
    values = np.concatenate([p.values for p in parts])
    dense = np.concatenate([[len(parts)], np.max(np.stack([p.dense_shape for p in parts]), axis=0)])
    return HostSparse(indices, values, dense)
