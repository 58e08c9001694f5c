"""`tf.RaggedTensor` and `tf.ragged`: tensors whose rows have different lengths.

A RaggedTensor is TF's representation: `values` (a Tensor, or a RaggedTensor for nested ragged
dimensions) partitioned into rows by `row_splits` (int64 by default, int32 by `row_splits_dtype`).
`flat_values` is the innermost Tensor, so every op on a ragged value is an op on it: the tape
records it and gradients reach whatever `flat_values` came from (a watched Tensor, a Variable).
Row partitions are read on the host (eager execution), where ragged ops compute the index maps
they need; the values then move through differentiable `gather`/`concat`/segment ops.

Public ops given a RaggedTensor dispatch here (TF's ragged dispatch) through the wrappers of
`tapejax._ragged_dispatch`, which the op modules apply: elementwise ops map over `flat_values`,
binary ops need equal row partitions (or a dense operand that broadcasts), reductions reduce over
the ragged rows with segment ops.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes, _ragged_dispatch, _sparse
from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._ragged_dispatch import Ragged
from tapejax._tensor import Tensor, TensorShape
from tapejax._variable import Variable

_SPLITS_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))


# ==== helpers ====================================================================================
def _is_ragged(x):
    return isinstance(x, RaggedTensor)


def _splits_dtype(dtype):
    dtype = _dtypes.as_dtype(dtype)
    if dtype._np not in _SPLITS_DTYPES:
        raise ValueError(f"dtype must be int32 or int64, got {dtype!r}")
    return dtype


def _host_ints(x):
    """An integer NumPy array of `x` (a Tensor, Variable, list or array)."""
    if isinstance(x, (Tensor, Variable)):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _partition(x, what):
    """A row partition as a 1-D NumPy array: a Tensor keeps its int32/int64 dtype, Python values are
    int64 (TF's default). Kept on the host, so a ragged value built inside `tapejax.function` from
    Python partitions traces only its values."""
    if isinstance(x, (Tensor, Variable)):
        t = convert_to_tensor(x)
        if t._v.dtype not in _SPLITS_DTYPES:
            raise ValueError(f"{what} must be int32 or int64, got {t.dtype!r}")
        if isinstance(t._v, jax.core.Tracer):
            raise ValueError(f"tapejax: {what} of a RaggedTensor must be known when it is built (a Python "
                             f"list or an eager Tensor), not a traced Tensor inside tapejax.function.")
        array = np.asarray(t.numpy())
    else:
        array = np.asarray(x)
        if array.dtype not in _SPLITS_DTYPES or not isinstance(x, np.ndarray):  # Python ints: int64
            array = array.astype(np.int64)
    if array.ndim != 1:
        raise ValueError(f"Shape {tuple(array.shape)} must have rank 1 ({what})")
    return array


def _values_tensor(values):
    if _is_ragged(values):
        return values
    return convert_to_tensor(values)


def _nvals(values):
    return values.nrows_int() if _is_ragged(values) else values.shape[0]


def _ints_tensor(array, dtype):
    return Tensor(jnp.asarray(np.asarray(array, dtype=dtype)))


def _take(values, idx):
    """Rows `idx` (a NumPy int array) of `values` (a Tensor or RaggedTensor), differentiably."""
    idx = np.asarray(idx, dtype=np.int64)
    if _is_ragged(values):
        splits = values._splits()
        starts, limits = splits[:-1][idx], splits[1:][idx]
        lengths = limits - starts
        new_splits = np.concatenate([[0], np.cumsum(lengths)]).astype(splits.dtype)
        inner = _ranges(starts, limits)
        return RaggedTensor._make(_take(values.values, inner), new_splits, values.row_splits_dtype)
    if values.shape[0] is not None and idx.size == values.shape[0] and np.array_equal(
            idx, np.arange(idx.size)):
        return values
    return array_ops.gather(values, Tensor(jnp.asarray(idx)))


def _ranges(starts, limits):
    """The concatenation of `arange(s, l)` for each pair (NumPy)."""
    starts, limits = np.asarray(starts, np.int64), np.asarray(limits, np.int64)
    lengths = np.maximum(limits - starts, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def _rowids(splits):
    return np.repeat(np.arange(len(splits) - 1, dtype=np.int64), np.diff(splits))


def _lengths_to_splits(lengths, dtype=np.int64):
    return np.concatenate([[0], np.cumsum(np.asarray(lengths, np.int64))]).astype(dtype)


def _formatter(x):
    """TF's ragged printing: NumPy's array2string with ", " separators, recursively."""
    if isinstance(x, np.ndarray):
        if x.size != 0:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)


# ==== RaggedTensor ==============================================================================
class RaggedTensor(Ragged):
    """A tensor with one or more ragged dimensions, as `tf.RaggedTensor`.

    Build one with `tf.ragged.constant` or a factory method (`from_row_splits`, `from_row_lengths`,
    `from_value_rowids`, `from_row_starts`, `from_row_limits`, `from_tensor`,
    `from_nested_row_splits`, ...); the constructor is private, as in TF.
    """

    __slots__ = ("_values", "_row_splits", "_splits_np", "_sdtype", "_uniform", "__weakref__")
    __array_priority__ = 200

    def __init__(self, values=None, row_partition=None, internal=False):
        if internal is not _INTERNAL:
            raise ValueError("RaggedTensor constructor is private; please use one of the factory methods "
                             "instead (e.g., RaggedTensor.from_row_lengths())")
        self._values = values
        self._row_splits = row_partition
        self._splits_np = None
        self._uniform = None  # the row length where the partition is uniform (TF's uniform_row_length)

    @classmethod
    def _make(cls, values, splits, dtype=None, uniform=None):
        """A RaggedTensor of `values` and `splits` (a NumPy array, kept on the host, or a Tensor),
        unchecked. Ragged ops compute on the host splits, so inside `tapejax.function` only the
        values are traced."""
        if isinstance(splits, Tensor):
            rt = cls(values, splits, internal=_INTERNAL)
            rt._sdtype = np.dtype(splits._v.dtype)
        else:
            np_dtype = np.dtype(np.int64) if dtype is None else np.dtype(_dtypes.as_dtype(dtype)._np)
            rt = cls(values, None, internal=_INTERNAL)
            rt._splits_np = np.asarray(splits, np_dtype)
            rt._sdtype = np_dtype
        rt._uniform = uniform
        return rt

    def _splits(self):
        if self._splits_np is None:
            self._splits_np = np.asarray(self._row_splits.numpy())
        return self._splits_np

    # ---- factories -----------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Rows `values[row_splits[i]:row_splits[i + 1]]`.

        Args:
          values: a Tensor (or RaggedTensor) whose first dimension is partitioned.
          row_splits: 1-D integers starting at 0, non-decreasing, ending at `len(values)`.
          validate: check the splits (InvalidArgumentError as TF's for bad ones).

        Returns:
          A RaggedTensor.
        """
        values = _values_tensor(values)
        s = _partition(row_splits, "row_splits")
        if validate:
            if s.size == 0 or s[0] != 0:
                raise InvalidArgumentError(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:zero\nCondition x == y "
                    f"did not hold.\ntapejax: row_splits must start at 0 (got {s.tolist()}).")
            if np.any(np.diff(s) < 0):
                raise InvalidArgumentError(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:monotonic.\nCondition "
                    f"x >= 0 did not hold element-wise\ntapejax: row_splits must not decrease (got {s.tolist()}).")
            _check_nvals(s[-1], values)
        return cls._make(values, s, s.dtype)

    @classmethod
    def _from_host_splits(cls, values, splits, validate):
        rt = cls.from_row_splits(values, splits.astype(np.int64), validate=validate)
        return cls._make(rt._values, splits, splits.dtype)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Rows of `row_lengths[i]` consecutive values each.

        Returns:
          A RaggedTensor.
        """
        values = _values_tensor(values)
        n = _partition(row_lengths, "row_lengths")
        if validate:
            if np.any(n < 0):
                raise InvalidArgumentError(
                    "Arguments to from_row_lengths do not form a valid RaggedTensor:negative\nCondition x >= 0 "
                    f"did not hold element-wise\ntapejax: row lengths must be >= 0 (got {n.tolist()}).")
            _check_nvals(int(n.sum()), values)
        return cls._make(values, _lengths_to_splits(n, n.dtype), n.dtype)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """Value `i` goes to row `value_rowids[i]` (sorted); `nrows` defaults to the last id + 1.

        Returns:
          A RaggedTensor.
        """
        values = _values_tensor(values)
        ids = _partition(value_rowids, "value_rowids")
        n = (int(ids[-1]) + 1 if ids.size else 0) if nrows is None else int(_host_ints(nrows))
        if validate:
            if np.any(np.diff(ids) < 0) or (ids.size and (ids[0] < 0 or ids[-1] >= n)):
                raise InvalidArgumentError(
                    "Arguments to from_value_rowids do not form a valid RaggedTensor\ntapejax: "
                    f"value_rowids must be sorted and in [0, nrows={n}) (got {ids.tolist()}).")
            _check_nvals(ids.size, values)
        lengths = np.bincount(ids, minlength=n) if ids.size else np.zeros(n, np.int64)
        return cls._make(values, _lengths_to_splits(lengths, ids.dtype), ids.dtype)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        """Rows starting at `row_starts[i]` (the last runs to the end of `values`).

        Returns:
          A RaggedTensor.
        """
        values = _values_tensor(values)
        starts = _partition(row_starts, "row_starts")
        s = np.concatenate([starts, [_nvals(values)]]).astype(starts.dtype)
        return cls._from_host_splits(values, s, validate)

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True):
        """Rows ending at `row_limits[i]` (the first starts at 0).

        Returns:
          A RaggedTensor.
        """
        values = _values_tensor(values)
        limits = _partition(row_limits, "row_limits")
        s = np.concatenate([[0], limits]).astype(limits.dtype)
        return cls._from_host_splits(values, s, validate)

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True, name=None):
        """Rows of `uniform_row_length` values each.

        Returns:
          A RaggedTensor.
        """
        values = _values_tensor(values)
        length = int(_host_ints(uniform_row_length))
        nvals = _nvals(values)
        n = (nvals // length if length else 0) if nrows is None else int(_host_ints(nrows))
        if validate and n * length != nvals:
            raise InvalidArgumentError(
                f"Arguments to from_uniform_row_length do not form a valid RaggedTensor\ntapejax: {n} rows of "
                f"length {length} need {n * length} values, got {nvals}.")
        return cls._make(values, np.arange(n + 1, dtype=np.int64) * length, uniform=length)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        """Applies `from_row_splits` once per entry of `nested_row_splits` (outermost first).

        Returns:
          A RaggedTensor.
        """
        if isinstance(nested_row_splits, Tensor):
            raise TypeError("nested_row_splits must be a list of Tensors")
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None, validate=True):
        """Applies `from_row_lengths` once per entry of `nested_row_lengths` (outermost first).

        Returns:
          A RaggedTensor.
        """
        result = flat_values
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_nested_value_rowids(cls, flat_values, nested_value_rowids, nested_nrows=None, name=None,
                                 validate=True):
        """Applies `from_value_rowids` once per entry of `nested_value_rowids` (outermost first).

        Returns:
          A RaggedTensor.
        """
        ids = list(nested_value_rowids)
        nrows = [None] * len(ids) if nested_nrows is None else list(nested_nrows)
        result = flat_values
        for rowids, n in reversed(list(zip(ids, nrows))):
            result = cls.from_value_rowids(result, rowids, n, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=_dtypes.int64):
        """The rows of a dense `tensor`, cut at `lengths` or before trailing `padding`.

        Args:
          tensor: a Tensor of rank > `ragged_rank`.
          lengths: optional 1-D row lengths (ragged_rank 1).
          padding: optional value; each row drops its trailing elements equal to it.
          ragged_rank: how many dimensions become ragged.
          row_splits_dtype: int64 or int32.

        Returns:
          A RaggedTensor.

        Raises:
          ValueError: if both `lengths` and `padding` are given, or `ragged_rank` is not below the rank.
        """
        dtype = _splits_dtype(row_splits_dtype)
        t = convert_to_tensor(tensor)
        if lengths is not None and padding is not None:
            raise ValueError("Specify argument `lengths` or `padding`, but not both.")
        if not isinstance(ragged_rank, int) or ragged_rank <= 0:
            raise ValueError(f"Argument `ragged_rank` must be an int greater than 0. Received: "
                             f"ragged_rank={ragged_rank}.")
        if t.ndim <= ragged_rank:
            raise ValueError(f"Argument `ragged_rank` must be less than rank of tensor: {ragged_rank} "
                             f"vs {t.ndim}")
        if ragged_rank > 1:
            if lengths is not None or padding is not None:
                raise NotImplementedError("tapejax: RaggedTensor.from_tensor with ragged_rank > 1 takes no "
                                          "lengths or padding yet.")
            shape = t.shape
            inner = cls.from_tensor(array_ops.reshape(t, [shape[0] * shape[1], *shape[2:]]),
                                    ragged_rank=ragged_rank - 1, row_splits_dtype=dtype)
            return cls._make(inner, np.arange(shape[0] + 1, dtype=dtype._np) * shape[1], dtype, uniform=shape[1])
        b, n = t.shape[0], t.shape[1]
        if padding is not None:
            pad = convert_to_tensor(padding, dtype=t.dtype)
            same = np.asarray(t.numpy() == np.asarray(pad.numpy()))
            same = same.reshape(b, n, -1).all(axis=2) if t.ndim > 2 else same
            keep = ~same
            row_len = np.where(keep.any(axis=1), n - np.argmax(keep[:, ::-1], axis=1), 0)
        elif lengths is not None:
            row_len = np.minimum(_host_ints(lengths).astype(np.int64), n)
        else:
            row_len = np.full(b, n, np.int64)
        flat = array_ops.reshape(t, [b * n, *t.shape[2:]])
        idx = _ranges(np.arange(b) * n, np.arange(b) * n + row_len)
        uniform = n if lengths is None and padding is None else None
        return cls._make(_take(flat, idx), _lengths_to_splits(row_len, dtype._np), dtype, uniform)

    # ---- structure -----------------------------------------------------------------------------
    @property
    def values(self):
        """The concatenated rows (a Tensor, or a RaggedTensor for nested ragged dimensions)."""
        return self._values

    @property
    def row_splits(self):
        """The row-split indices (1-D int64 or int32 Tensor)."""
        if self._row_splits is None:
            self._row_splits = _ints_tensor(self._splits_np, self._sdtype)
        return self._row_splits

    @property
    def flat_values(self):
        """The innermost values: a Tensor of shape `[nvals, *inner_dims]`."""
        values = self._values
        while _is_ragged(values):
            values = values._values
        return values

    @property
    def nested_row_splits(self):
        """The row splits of each ragged dimension, outermost first (a tuple of Tensors)."""
        out, rt = [], self
        while _is_ragged(rt):
            out.append(rt.row_splits)
            rt = rt._values
        return tuple(out)

    @property
    def ragged_rank(self):
        """How many dimensions are ragged (after the outer one)."""
        return 1 + (self._values.ragged_rank if _is_ragged(self._values) else 0)

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self):
        return _dtypes.from_jax(self._sdtype)

    @property
    def shape(self):
        """A TensorShape: `[nrows, None (each ragged dimension), *inner dimensions]`."""
        dims, rt = [self.nrows_int()], self
        while _is_ragged(rt):
            dims.append(rt._uniform)
            rt = rt._values
        return TensorShape(dims + list(rt.shape[1:]))

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def uniform_row_length(self):
        """The length of every row (a scalar Tensor) where the partition is uniform, else None."""
        if self._uniform is None:
            return None
        return _ints_tensor(self._uniform, self._sdtype)

    def nrows_int(self):
        return len(self._splits()) - 1

    def nrows(self, out_type=None, name=None):
        """The number of rows (a scalar of `out_type`, the row splits' dtype by default)."""
        dtype = self.row_splits_dtype if out_type is None else _dtypes.as_dtype(out_type)
        return _ints_tensor(self.nrows_int(), dtype._np)

    def row_lengths(self, axis=1, name=None):
        """The length of each row along `axis` (a Tensor for axis 1, a RaggedTensor deeper)."""
        if axis < 0:
            axis += self.ndim
        if axis == 0:
            return self.nrows()
        if axis == 1:
            return _ints_tensor(np.diff(self._splits()), self._sdtype)
        if not _is_ragged(self._values):
            raise ValueError(f"axis={axis} is not a ragged dimension")
        return self.with_values(self._values.row_lengths(axis - 1))

    def value_rowids(self, name=None):
        """The row index of each value."""
        return _ints_tensor(_rowids(self._splits()), self._sdtype)

    def row_starts(self, name=None):
        return _ints_tensor(self._splits()[:-1], self._sdtype)

    def row_limits(self, name=None):
        return _ints_tensor(self._splits()[1:], self._sdtype)

    def nested_row_lengths(self, name=None):
        return tuple(_ints_tensor(np.diff(rt._splits()), rt._sdtype) for rt in _levels(self))

    def nested_value_rowids(self, name=None):
        return tuple(_ints_tensor(_rowids(rt._splits()), rt._sdtype) for rt in _levels(self))

    def _bounds(self):
        """`[nrows, max row length of each ragged dimension]` (Python ints)."""
        out, rt = [self.nrows_int()], self
        while _is_ragged(rt):
            lengths = np.diff(rt._splits())
            out.append(int(lengths.max()) if lengths.size else 0)
            rt = rt._values
        return out

    def bounding_shape(self, axis=None, name=None, out_type=None):
        """The smallest dense shape holding this tensor (int64 by default)."""
        dtype = self.row_splits_dtype if out_type is None else _dtypes.as_dtype(out_type)
        shape = np.asarray(self._bounds() + list(self.flat_values.shape[1:]), dtype._np)
        return _ints_tensor(shape if axis is None else shape[axis], dtype._np)

    def with_values(self, new_values):
        """The same row partition over `new_values` (its first dimension must match)."""
        new_values = _values_tensor(new_values)
        _check_nvals(self._splits()[-1], new_values, "with_values")
        return RaggedTensor._make(new_values, self._splits(), self._sdtype, uniform=self._uniform)

    def with_flat_values(self, new_values):
        """The same nested row partitions over `new_values`."""
        if _is_ragged(self._values):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype):
        """This tensor with row partitions of `dtype` (int32 or int64)."""
        dtype = _splits_dtype(dtype)
        values = self._values.with_row_splits_dtype(dtype) if _is_ragged(self._values) else self._values
        return RaggedTensor._make(values, self._splits(), dtype, uniform=self._uniform)

    def merge_dims(self, outer_axis, inner_axis):
        """Merges dimensions `outer_axis..inner_axis` into one (merge_dims(0, 1): rows of rows)."""
        rank = self.ndim
        outer_axis, inner_axis = outer_axis % rank, inner_axis % rank
        if outer_axis == inner_axis:
            return self
        if outer_axis != 0 or inner_axis > self.ragged_rank:
            raise NotImplementedError("tapejax: RaggedTensor.merge_dims merges from the outer dimension "
                                      "across ragged dimensions only.")
        result = self
        for _ in range(inner_axis):
            result = result._values
        return result

    # ---- conversion ----------------------------------------------------------------------------
    def _dense_index(self, shape=None):
        """The gather map of `to_tensor`: for each dense position, its flat value or `nvals`."""
        bounds = self._bounds()
        if shape is not None:
            bounds = [b if s is None else int(s) for b, s in zip(bounds, shape)]
        flat = self.flat_values
        nvals = flat.shape[0]
        ids = np.arange(nvals, dtype=np.int64)
        coords = []
        levels = []
        rt = self
        while _is_ragged(rt):
            levels.append(rt._splits())
            rt = rt._values
        for splits in reversed(levels):
            rows = _rowids(splits)[ids]
            coords.append(ids - splits[rows])
            ids = rows
        coords.append(ids)
        coords = coords[::-1]
        keep = np.ones(nvals, bool)
        for c, b in zip(coords, bounds):
            keep &= c < b
        index = np.full(bounds, nvals, np.int64)
        index[tuple(c[keep] for c in coords)] = np.arange(nvals, dtype=np.int64)[keep]
        return index, bounds

    def to_tensor(self, default_value=None, name=None, shape=None):
        """The dense Tensor, padded with `default_value` (zero, or b"" for strings).

        Args:
          default_value: the padding value (a scalar, or of the inner shape).
          shape: optional output shape; None entries use the bounding shape, others pad or truncate.

        Returns:
          A Tensor of rank `self.ndim`.
        """
        flat = self.flat_values
        inner = list(flat.shape[1:])
        if shape is not None:
            shape = list(TensorShape(shape)) if not isinstance(shape, Tensor) else list(shape.numpy())
            if len(shape) != self.ndim:
                raise ValueError(f"Shape {shape} must have rank {self.ndim}")
            for s, d in zip(shape[self.ragged_rank + 1:], inner):
                if s is not None and s != d:
                    raise NotImplementedError("tapejax: RaggedTensor.to_tensor changes the ragged "
                                              "dimensions' sizes only, not the inner ones.")
        index, bounds = self._dense_index(shape)
        if default_value is None:
            pad = Tensor(np.full([1] + inner, b"", object)) if flat.dtype == _dtypes.string else Tensor(
                jnp.zeros([1] + inner, flat._v.dtype))
        else:
            pad = array_ops.broadcast_to(convert_to_tensor(default_value, dtype=flat.dtype), [1] + inner)
        table = array_ops.concat([flat, pad], axis=0)
        return array_ops.gather(table, Tensor(jnp.asarray(index)))

    def to_list(self):
        """The value as a nested Python list."""
        splits = self._splits().tolist()
        if _is_ragged(self._values):
            rows = self._values.to_list()
        else:
            rows = self._values.numpy().tolist()
        return [rows[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]

    def numpy(self):
        """The value as NumPy: a 1-D object array of row arrays (a plain array when rows are uniform)."""
        values = self._values.numpy()
        splits = self._splits()
        rows = [values[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]
        if not rows:
            return np.zeros((0, 0) + values.shape[1:], dtype=values.dtype)
        if any(len(row) != len(rows[0]) for row in rows):
            out = np.empty(len(rows), dtype=object)
            out[:] = rows
            return out
        return np.array(rows)

    def to_sparse(self, name=None):
        raise NotImplementedError("tapejax: RaggedTensor.to_sparse needs tf.SparseTensor support.")

    def _tapejax_components(self):
        """`tf.nest`'s components with `expand_composites`: flat values, then each row splits."""
        return [self.flat_values, *self.nested_row_splits]

    @classmethod
    def _tapejax_from_components(cls, components):
        return cls.from_nested_row_splits(components[0], components[1:], validate=False)

    def _tapejax_dense(self):
        raise ValueError("TypeError: object of type 'RaggedTensor' has no len() \ntapejax: a RaggedTensor "
                         "does not convert to a dense Tensor; use rt.to_tensor() (padded) or rt.flat_values.")

    def __repr__(self):
        with np.printoptions(formatter={"all": _formatter}):
            text = _formatter(self.numpy())
        return f"<tf.RaggedTensor {text}>"

    __str__ = __repr__

    def __iter__(self):
        return (self[i] for i in range(self.nrows_int()))

    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    def __hash__(self):
        raise TypeError("RaggedTensor is unhashable.")

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    # ---- indexing ------------------------------------------------------------------------------
    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        return _getitem(self, list(key))

    # ---- elementwise ---------------------------------------------------------------------------
    @staticmethod
    def _binary(fn, x, y, args, kwargs):
        """`fn(x, y)` with at least one ragged operand: TF's ragged elementwise broadcasting."""
        if _is_ragged(x) and _is_ragged(y):
            _check_same_partitions(x, y)
            return x.with_flat_values(fn(x.flat_values, y.flat_values, *args, **kwargs))
        rt, dense, ragged_first = (x, y, True) if _is_ragged(x) else (y, x, False)
        dense_value = _broadcast_dense(rt, dense)
        pair = (rt.flat_values, dense_value) if ragged_first else (dense_value, rt.flat_values)
        return rt.with_flat_values(fn(*pair, *args, **kwargs))

    def __neg__(self):
        return math_ops.negative(self)

    def __abs__(self):
        return math_ops.abs(self)

    def __invert__(self):
        return math_ops.logical_not(self)

    def __truediv__(self, other):
        return RaggedTensor._binary(math_ops._python_div, self, other, (), {})

    def __rtruediv__(self, other):
        return RaggedTensor._binary(math_ops._python_div, other, self, (), {})


def _binary_operator(fn, reflected=False):
    if reflected:
        return lambda self, other: fn(other, self)
    return lambda self, other: fn(self, other)


for _name, _fn in {"add": math_ops.add, "sub": math_ops.subtract, "mul": math_ops.multiply,
                   "floordiv": math_ops.floordiv, "mod": math_ops.floormod, "pow": math_ops.pow,
                   "and": math_ops.logical_and, "or": math_ops.logical_or,
                   "xor": math_ops.logical_xor}.items():
    setattr(RaggedTensor, f"__{_name}__", _binary_operator(_fn))
    setattr(RaggedTensor, f"__r{_name}__", _binary_operator(_fn, reflected=True))
for _name, _fn in {"lt": math_ops.less, "le": math_ops.less_equal, "gt": math_ops.greater,
                   "ge": math_ops.greater_equal}.items():
    setattr(RaggedTensor, f"__{_name}__", _binary_operator(_fn))


def _ragged_eq(self, other):
    if other is None:
        return False
    return math_ops.equal(self, other)


def _ragged_ne(self, other):
    if other is None:
        return True
    return math_ops.not_equal(self, other)


RaggedTensor.__eq__ = _ragged_eq
RaggedTensor.__ne__ = _ragged_ne
RaggedTensor.__hash__ = None
_INTERNAL = object()


def _levels(rt):
    """`rt` and its ragged values, outermost first."""
    out = []
    while _is_ragged(rt):
        out.append(rt)
        rt = rt._values
    return out


def _check_nvals(expected, values, where="_from_row_partition"):
    got = _nvals(values)
    if got is not None and int(expected) != int(got):
        raise InvalidArgumentError(
            f"Arguments to {where} do not form a valid RaggedTensor\nCondition x == y did not hold.\n"
            f"tapejax: the row partition covers {int(expected)} values, but values has {got} rows.")


def _check_same_partitions(x, y):
    xs, ys = [rt._splits() for rt in _levels(x)], [rt._splits() for rt in _levels(y)]
    if len(xs) != len(ys):
        raise InvalidArgumentError(
            f"Condition x == y did not hold.\ntapejax: the two RaggedTensors have ragged ranks {len(xs)} and "
            f"{len(ys)}; elementwise ops need the same row partitions.")
    for a, b in zip(xs, ys):
        if a.shape != b.shape or not np.array_equal(a, b):
            raise InvalidArgumentError(
                f"Condition x == y did not hold.\ntapejax: the RaggedTensors' row splits differ ({a.tolist()} vs "
                f"{b.tolist()}); elementwise ops need identical row partitions.")


def _broadcast_dense(rt, dense):
    """A dense operand as flat values matching `rt`'s (or as is, where it broadcasts over them)."""
    if isinstance(dense, (Tensor, Variable)):
        rank = len(dense.shape)
    else:
        rank = np.ndim(dense)
    inner_rank = len(rt.flat_values.shape) - 1
    if rank <= inner_rank:
        return dense
    if rt.ragged_rank != 1:
        raise NotImplementedError("tapejax: broadcasting a dense Tensor against a RaggedTensor of ragged_rank "
                                  "> 1 is not supported yet.")
    d = convert_to_tensor(dense, dtype=rt.dtype) if not isinstance(dense, (Tensor, Variable)) else dense
    d = convert_to_tensor(d)
    shape = list(d.shape)
    full = rt.ndim
    while len(shape) < full:
        shape.insert(0, 1)
    if len(shape) != full or shape[1] != 1 or shape[0] not in (1, rt.nrows_int()):
        raise InvalidArgumentError(
            f"Incompatible shapes: a RaggedTensor of shape {rt.shape} and a Tensor of shape {d.shape}\n"
            f"tapejax: a dense operand broadcasts along the ragged dimension only with size 1 there.")
    d = array_ops.reshape(d, [shape[0]] + shape[2:])
    rows = _rowids(rt._splits()) if shape[0] != 1 else np.zeros(rt.flat_values.shape[0], np.int64)
    return _take(d, rows)


# ==== indexing ===================================================================================
def _row_key(i, n):
    i = int(i)
    if not -n <= i < n:
        raise IndexError(f"Row key {i} out of bounds")
    return i + n if i < 0 else i


def _getitem(rt, key):
    if not key:
        return rt
    head, rest = key[0], key[1:]
    if head is Ellipsis:
        if not rest:
            return rt
        raise NotImplementedError("tapejax: RaggedTensor indexing with ... before other keys is not supported.")
    if head is None:
        raise NotImplementedError("tapejax: RaggedTensor indexing with tf.newaxis is not supported yet.")
    n = rt.nrows_int()
    splits = rt._splits()
    if isinstance(head, slice):
        rows = np.arange(n)[head]
        selected = _take(rt, rows) if not (rows.size == n and np.array_equal(rows, np.arange(n))) else rt
        if not rest:
            return selected
        return _index_rows(selected, rest)
    if hasattr(head, "numpy") or isinstance(head, (int, np.integer)):
        i = _row_key(head.numpy() if hasattr(head, "numpy") else head, n)
        start, limit = int(splits[i]), int(splits[i + 1])
        row = _take(rt._values, np.arange(start, limit))
        if not rest:
            return row
        if _is_ragged(row):
            return _getitem(row, rest)
        return row[tuple(rest)]
    raise TypeError(f"Ragged indexing key {head!r} is not supported (ints and slices are).")


def _index_rows(rt, key):
    """`rt[:, key...]`: `key[0]` indexes inside each row."""
    inner, rest = key[0], key[1:]
    splits = rt._splits()
    starts, limits = splits[:-1], splits[1:]
    if isinstance(inner, slice):
        picked, lengths = [], []
        for s, e in zip(starts, limits):
            idx = np.arange(s, e)[inner]
            picked.append(idx)
            lengths.append(idx.size)
        flat_idx = np.concatenate(picked) if picked else np.zeros(0, np.int64)
        values = _take(rt._values, flat_idx)
        if rest:
            values = _getitem(values, [slice(None)] + rest) if _is_ragged(values) else values[
                tuple([slice(None)] + rest)]
        return RaggedTensor._make(values, _lengths_to_splits(lengths, splits.dtype), rt.row_splits_dtype)
    if inner is Ellipsis and not rest:
        return rt
    if isinstance(inner, (int, np.integer)) or hasattr(inner, "numpy"):
        raise ValueError("Cannot index into an inner ragged dimension.")
    raise TypeError(f"Ragged indexing key {inner!r} is not supported (ints and slices are).")


# ==== reductions =================================================================================
def _segment_fn(kind):
    def fn(data, ids, num):
        if kind == "sum":
            return jax.ops.segment_sum(data, ids, num)
        if kind == "prod":
            return jax.ops.segment_prod(data, ids, num)
        count = jax.ops.segment_sum(jnp.ones(ids.shape, jnp.int32), ids, num)
        count = count.reshape(count.shape + (1,) * (data.ndim - 1))
        if kind in ("max", "any"):
            out = jax.ops.segment_max(data, ids, num)
            fill = False if data.dtype == jnp.bool_ else _lowest(data.dtype)
        else:
            out = jax.ops.segment_min(data, ids, num)
            fill = True if data.dtype == jnp.bool_ else _highest(data.dtype)
        return jnp.where(count > 0, out, jnp.asarray(fill, data.dtype))
    return fn


def _lowest(dtype):
    return np.finfo(dtype).min if jnp.issubdtype(dtype, jnp.floating) else np.iinfo(dtype).min


def _highest(dtype):
    return np.finfo(dtype).max if jnp.issubdtype(dtype, jnp.floating) else np.iinfo(dtype).max


_SEGMENT_OPS = {kind: Op(f"UnsortedSegment{kind.capitalize()}", _segment_fn(kind), differentiable=kind in (
    "sum", "prod", "max", "min")) for kind in ("sum", "prod", "max", "min", "any", "all")}
_REDUCE_KIND = {"reduce_sum": "sum", "reduce_prod": "prod", "reduce_max": "max", "reduce_min": "min",
                "reduce_any": "any", "reduce_all": "all", "reduce_mean": "mean"}


def _segment(kind, data, ids, num):
    if data.dtype == _dtypes.bool_ and kind in ("sum", "prod"):
        raise InvalidArgumentError(f"tapejax: ragged reduce_{kind} does not take bool values.")
    return apply(_SEGMENT_OPS[kind], [data, Tensor(jnp.asarray(ids, jnp.int32))], (("num", int(num)),))


def _reduce(fn, rt, axis=None, keepdims=False, name=None):
    """tf.reduce_* on a RaggedTensor (TF's ragged reductions)."""
    kind = _REDUCE_KIND.get(fn.__name__)
    if fn.__name__ in ("reduce_variance", "reduce_std"):  # TF's ragged formula: E[x^2] - E[x]^2
        if not rt.dtype.is_floating:
            raise TypeError(f"Input must be either real or complex. Received integer type {rt.dtype!r}.")
        mean_of_square = _reduce(math_ops.reduce_mean, math_ops.square(rt), axis, keepdims)
        square_of_mean = math_ops.square(_reduce(math_ops.reduce_mean, rt, axis, keepdims))
        variance = math_ops.subtract(mean_of_square, square_of_mean)
        return variance if fn.__name__ == "reduce_variance" else math_ops.sqrt(variance)
    if kind is None:
        raise TypeError(f"tf.{fn.__name__} does not take a tf.RaggedTensor in tapejax yet.")
    if kind == "mean":
        total = _reduce(math_ops.reduce_sum, rt, axis, keepdims)
        ones = rt.with_flat_values(array_ops.ones_like(rt.flat_values))
        count = _reduce(math_ops.reduce_sum, ones, axis, keepdims)
        if _is_ragged(total):
            return total.with_flat_values(math_ops._python_div(total.flat_values, count.flat_values))
        return math_ops._python_div(total, count)
    if axis is None:
        return fn(rt.flat_values, axis=None, keepdims=keepdims)
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    rank = rt.ndim
    if isinstance(axis, (list, tuple)):
        axes = sorted({a % rank for a in axis}, reverse=True)
        out = rt
        for a in axes:
            out = _reduce(fn, out, a, keepdims) if _is_ragged(out) else fn(out, axis=a, keepdims=keepdims)
        return out
    if not -rank <= axis < rank:
        raise ValueError(f"axis={axis} out of bounds: expected {-rank}<=axis<{rank}")
    axis %= rank
    if axis > rt.ragged_rank:
        return rt.with_flat_values(fn(rt.flat_values, axis=axis - rt.ragged_rank, keepdims=keepdims))
    if axis == 0:
        if rt.ragged_rank != 1:
            raise NotImplementedError("tapejax: reducing the outer dimension of a RaggedTensor of ragged_rank "
                                      "> 1 is not supported yet.")
        splits = rt._splits()
        rows = _rowids(splits)
        positions = np.arange(splits[-1]) - splits[:-1][rows]
        width = int(np.diff(splits).max()) if len(splits) > 1 else 0
        out = _segment(kind, rt.flat_values, positions, width)
        return array_ops.expand_dims(out, 0) if keepdims else out
    if axis == 1 and rt.ragged_rank == 1:
        out = _segment(kind, rt.flat_values, _rowids(rt._splits()), rt.nrows_int())
        return array_ops.expand_dims(out, 1) if keepdims else out
    if keepdims:
        raise NotImplementedError("tapejax: keepdims=True on an inner ragged dimension is not supported yet.")
    if axis == 1:
        return _reduce_sub_rows(kind, rt)
    # axis in 2..ragged_rank: reduce inside each row of rt.values
    return rt.with_values(_reduce(fn, rt._values, axis - 1, False))


def _reduce_sub_rows(kind, rt):
    """Reduces axis 1 of a RaggedTensor whose values are ragged: the sub-rows of each row combine
    position by position (a row of the longest sub-row's length)."""
    sub = rt._values
    if _is_ragged(sub._values):
        raise NotImplementedError("tapejax: reducing axis 1 of a RaggedTensor of ragged_rank > 2 is not "
                                  "supported yet.")
    outer, inner = rt._splits(), sub._splits()
    sub_lengths = np.diff(inner)
    widths = np.array([sub_lengths[a:b].max() if b > a else 0 for a, b in zip(outer[:-1], outer[1:])], np.int64)
    offsets = np.concatenate([[0], np.cumsum(widths)])
    value_rows = _rowids(inner)  # the sub-row of each value
    positions = np.arange(inner[-1]) - inner[:-1][value_rows]
    segment = offsets[_rowids(outer)[value_rows]] + positions
    out = _segment(kind, sub._values, segment, int(offsets[-1]))
    return RaggedTensor._make(out, _lengths_to_splits(widths, inner.dtype), rt.row_splits_dtype)


# ==== array ops ==================================================================================
def _as_ragged(x, ragged_rank, dtype=None):
    """`x` as a RaggedTensor of `ragged_rank` (dense values are cut into full rows)."""
    if _is_ragged(x):
        return x
    t = convert_to_tensor(x, dtype=dtype)
    return RaggedTensor.from_tensor(t, ragged_rank=max(1, min(ragged_rank, t.ndim - 1)))


def _concat(fn, values, axis, name=None):
    values = list(values)
    ragged = [v for v in values if _is_ragged(v)]
    first = ragged[0]
    rank = first.ndim
    axis = int(axis.numpy() if hasattr(axis, "numpy") else axis)
    if not -rank <= axis < rank:
        raise ValueError(f"axis={axis} out of bounds: expected {-rank}<=axis<{rank}")
    axis %= rank
    items = [_as_ragged(v, first.ragged_rank, first.dtype) for v in values]
    for v in items:
        if v.dtype != first.dtype:
            raise TypeError(f"Tensors in list passed to 'values' of 'ConcatV2' Op have types "
                            f"[{', '.join(x.dtype.name for x in items)}] that don't all match.")
        if v.ndim != rank:
            raise ValueError(f"Rank mismatch: all inputs must have rank {rank} (got {v.ndim}).")
    if axis == 0:
        splits, offset = [np.zeros(1, np.int64)], 0
        for v in items:
            s = v._splits()
            splits.append(s[1:] + offset)
            offset += int(s[-1])
        inner = [v._values for v in items]
        if _is_ragged(inner[0]):
            joined = _concat(fn, inner, 0)
        else:
            joined = array_ops.concat(inner, axis=0)
        return RaggedTensor._make(joined, np.concatenate(splits), first.row_splits_dtype)
    if axis == 1:
        n = first.nrows_int()
        for v in items:
            if v.nrows_int() != n:
                raise InvalidArgumentError(
                    f"Input tensors at index 0 (=x) and {items.index(v)} (=y) have incompatible shapes.\n"
                    f"tapejax: concatenating along axis 1 needs the same number of rows ({n} vs {v.nrows_int()}).")
        big = array_ops.concat([v._values for v in items], axis=0) if not _is_ragged(items[0]._values) else \
            _concat(fn, [v._values for v in items], 0)
        offsets = np.cumsum([0] + [int(v._splits()[-1]) for v in items])
        idx, lengths = [], np.zeros(n, np.int64)
        for r in range(n):
            for v, off in zip(items, offsets):
                s = v._splits()
                idx.append(np.arange(s[r], s[r + 1]) + off)
                lengths[r] += s[r + 1] - s[r]
        flat_idx = np.concatenate(idx) if idx else np.zeros(0, np.int64)
        return RaggedTensor._make(_take(big, flat_idx), _lengths_to_splits(lengths), first.row_splits_dtype)
    if axis > first.ragged_rank:
        for v in items[1:]:
            _check_same_partitions(first, v)
        return first.with_flat_values(array_ops.concat([v.flat_values for v in items],
                                                       axis=axis - first.ragged_rank))
    raise NotImplementedError(f"tapejax: tf.concat of RaggedTensors along axis {axis} is not supported yet.")


def _stack(fn, values, axis=0, name=None):
    values = list(values)
    first = next(v for v in values if _is_ragged(v))
    rank = first.ndim + 1
    axis = int(axis)
    if not -rank <= axis < rank:
        raise ValueError(f"axis={axis} out of bounds: expected {-rank}<=axis<{rank}")
    axis %= rank
    items = [_as_ragged(v, first.ragged_rank, first.dtype) for v in values]
    if axis == 0:
        joined = _concat(fn, items, 0)
        return RaggedTensor._make(joined, _lengths_to_splits([v.nrows_int() for v in items]),
                                  first.row_splits_dtype)
    if axis == 1:
        n = first.nrows_int()
        expanded = [RaggedTensor._make(v, np.arange(n + 1, dtype=np.int64)) for v in items]
        return _concat(fn, expanded, 1)
    raise NotImplementedError(f"tapejax: tf.stack of RaggedTensors along axis {axis} is not supported yet.")


def ragged_stack(values, axis=0, name=None):
    """Stacks Tensors or RaggedTensors of one rank along `axis`; rows may differ in length.

    Args:
      values: a list of Tensors or RaggedTensors.
      axis: where the new dimension goes (0 or 1).

    Returns:
      A RaggedTensor.
    """
    values = list(values)
    if not values:
        raise ValueError("values must not be empty")
    if not any(_is_ragged(v) for v in values):
        tensors = [convert_to_tensor(v) for v in values]
        if axis == 0 and tensors[0].ndim == 1:
            return RaggedTensor._make(array_ops.concat(tensors, axis=0),  # int32 splits (from tf.shape), as TF
                                      _lengths_to_splits([t.shape[0] for t in tensors], np.int32), _dtypes.int32)
        values = [RaggedTensor.from_tensor(t) if t.ndim > 1 else t for t in tensors]
        if not any(_is_ragged(v) for v in values):
            raise ValueError("tapejax: tf.ragged.stack needs 1-D or higher-rank inputs.")
    return _stack(None, values, axis)


def _tile(fn, rt, multiples, name=None):
    reps = [int(m) for m in _host_ints(multiples).tolist()]
    if len(reps) != rt.ndim:
        raise InvalidArgumentError(f"Expected multiples argument to be a vector of length {rt.ndim} but got "
                                   f"length {len(reps)} [Op:Tile]")
    if rt.ragged_rank != 1:
        raise NotImplementedError("tapejax: tf.tile of a RaggedTensor of ragged_rank > 1 is not supported yet.")
    splits = rt._splits()
    idx, lengths = [], []
    for _ in range(reps[0]):
        for s, e in zip(splits[:-1], splits[1:]):
            row = np.tile(np.arange(s, e), reps[1])
            idx.append(row)
            lengths.append(row.size)
    flat_idx = np.concatenate(idx) if idx else np.zeros(0, np.int64)
    values = _take(rt._values, flat_idx)
    if any(r != 1 for r in reps[2:]):
        values = array_ops.tile(values, [1] + reps[2:])
    return RaggedTensor._make(values, _lengths_to_splits(lengths, splits.dtype), rt.row_splits_dtype)


def _where(fn, condition, x=None, y=None, name=None):
    if x is None and y is None:
        if not _is_ragged(condition):
            return fn(condition)
        index, _ = condition._dense_index()
        mask = np.asarray(condition.flat_values.numpy()).astype(bool)
        coords = np.argwhere(index < condition.flat_values.shape[0])
        order = index[tuple(coords.T)]
        coords = coords[np.argsort(order, kind="stable")]
        return Tensor(jnp.asarray(coords[mask], jnp.int64))
    ragged = [v for v in (condition, x, y) if _is_ragged(v)]
    first = ragged[0]
    for v in ragged[1:]:
        _check_same_partitions(first, v)
    parts = [v.flat_values if _is_ragged(v) else _broadcast_dense(first, v) for v in (condition, x, y)]
    return first.with_flat_values(fn(*parts))


def _gather(fn, params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    if axis not in (None, 0) or batch_dims:
        raise NotImplementedError("tapejax: tf.gather with ragged inputs takes axis=0, batch_dims=0 only.")
    if _is_ragged(indices):
        return indices.with_flat_values(_gather(fn, params, indices.flat_values))
    if _is_ragged(params):
        idx = _host_ints(indices)
        rows = _take(params, idx.reshape(-1))
        if idx.ndim <= 1:
            return rows if idx.ndim == 1 else params[int(idx)]
        raise NotImplementedError("tapejax: tf.gather of a RaggedTensor takes 0-D or 1-D indices.")
    return fn(params, indices)


def _ragged_list_op(fn, inputs, *args, **kwargs):
    """An n-ary elementwise op over a list whose ragged members share row partitions."""
    ragged = [v for v in inputs if _is_ragged(v)]
    first = ragged[0]
    for v in ragged[1:]:
        _check_same_partitions(first, v)
    parts = [v.flat_values if _is_ragged(v) else v for v in inputs]
    return first.with_flat_values(fn(parts, *args, **kwargs))


class DynamicRaggedShape:
    """The shape of a RaggedTensor, as `tf.shape(rt)` returns it (TF's `DynamicRaggedShape`): each
    dimension's length, a tuple of row lengths for a ragged one.

    Indexing a uniform dimension gives its size as a scalar Tensor of `dtype`; a ragged one raises
    ValueError, as TF.
    """

    def __init__(self, rt, dtype=_dtypes.int32):
        self._dtype = _dtypes.as_dtype(dtype)
        lengths, level = [rt.nrows_int()], rt
        while _is_ragged(level):
            lengths.append(level._uniform if level._uniform is not None else tuple(
                int(n) for n in np.diff(level._splits())))
            level = level._values
        self._inner = list(level.shape)
        self._lengths = lengths + self._inner[1:]
        self._partitions = rt.ragged_rank

    dtype = property(lambda self: self._dtype)
    rank = property(lambda self: len(self._lengths))
    num_row_partitions = property(lambda self: self._partitions)

    @property
    def inner_shape(self):
        return _ints_tensor(self._inner, self._dtype._np)

    def static_lengths(self, ragged_lengths=True):
        return [n if ragged_lengths or not isinstance(n, tuple) else None for n in self._lengths]

    def __getitem__(self, index):
        length = self._lengths[index]
        if isinstance(length, tuple):
            raise ValueError(f"Index {index} is not uniform")
        return _ints_tensor(length, self._dtype._np)

    def __repr__(self):
        lengths = ", ".join(str(n) for n in self._lengths)
        return f"<DynamicRaggedShape lengths=[{lengths}] num_row_partitions={self._partitions}>"

    __str__ = __repr__


def _shape_handler(fn, rt, out_type=_dtypes.int32, name=None):
    return DynamicRaggedShape(rt, out_type)


def _size(fn, rt, out_type=_dtypes.int32, name=None):
    return fn(rt.flat_values, out_type=out_type)


def _rank(fn, rt, name=None):
    return Tensor(jnp.asarray(np.int32(rt.ndim)))


def _expand_dims(fn, rt, axis, name=None):
    axis = int(axis)
    rank = rt.ndim + 1
    axis %= rank
    if axis == 0:
        n = rt.nrows_int()  # a uniform partition (of one row of n, or n rows of one), as TF
        return RaggedTensor._make(rt, np.asarray([0, n], np.int64), rt.row_splits_dtype, uniform=n)
    if axis == 1:
        n = rt.nrows_int()
        return RaggedTensor._make(rt, np.arange(n + 1, dtype=np.int64), rt.row_splits_dtype, uniform=1)
    if axis > rt.ragged_rank:
        return rt.with_flat_values(fn(rt.flat_values, axis - rt.ragged_rank))
    raise NotImplementedError(f"tapejax: tf.expand_dims of a RaggedTensor at axis {axis} is not supported yet.")


def _reduce_join(fn, inputs, axis=None, keepdims=False, separator="", name=None):
    """tf.strings.reduce_join of a RaggedTensor: all strings, or each row's (the ragged axis)."""
    if axis is None:
        return fn(inputs.flat_values, axis=None, keepdims=keepdims, separator=separator)
    if axis not in (1, -1) or inputs.ragged_rank != 1 or len(inputs.flat_values.shape) != 1:
        raise NotImplementedError("tapejax: tf.strings.reduce_join of a RaggedTensor joins all of it or along "
                                  "its ragged axis (ragged_rank 1) only.")
    sep = separator.encode("utf-8") if isinstance(separator, str) else bytes(separator)
    flat, splits = inputs.flat_values.numpy(), inputs._splits()
    out = np.empty(inputs.nrows_int(), dtype=object)
    out[:] = [sep.join(flat[a:b]) for a, b in zip(splits[:-1], splits[1:])]
    return Tensor(out.reshape(-1, 1) if keepdims else out)


_ragged_dispatch.HANDLERS.update({
    **{name: _reduce for name in _REDUCE_KIND}, "reduce_variance": _reduce, "reduce_std": _reduce,
    "reduce_join": _reduce_join,
    "concat": _concat, "stack": _stack, "tile": _tile, "where": _where, "gather": _gather,
    "shape": _shape_handler, "size": _size, "rank": _rank, "expand_dims": _expand_dims,
    "join": _ragged_list_op, "add_n": _ragged_list_op,
})


# ==== tf.ragged ==================================================================================
def _nested_depths(pylist):
    """(depth of the scalars or None, deepest list nesting), TF's check of uniform scalar depth."""
    if isinstance(pylist, (list, tuple)) or np.ndim(pylist) != 0:
        scalar_depth, max_depth = None, 1
        for child in pylist:
            d, m = _nested_depths(child)
            if d is not None:
                if scalar_depth is not None and scalar_depth != d + 1:
                    raise ValueError("all scalar values must have the same nesting depth")
                scalar_depth = d + 1
            max_depth = max(max_depth, m + 1)
        return scalar_depth, max_depth
    return 0, 0


def _is_nested(item):
    return isinstance(item, (list, tuple)) or np.ndim(item) != 0


def _inner_shape_of(pylist, ragged_rank):
    flat = pylist
    for dim in range(ragged_rank):
        if not all(_is_nested(v) for v in flat):
            raise ValueError(f"pylist has scalar values depth {dim + 1}, but ragged_rank={ragged_rank} requires "
                             f"scalar value depth greater than {ragged_rank}")
        flat = [x for v in flat for x in v]

    def shape_of(item):
        if not _is_nested(item):
            return ()
        if len(item) > 0:
            return (len(item),) + shape_of(item[0])
        return (0,)

    def check(item, shape):
        if _is_nested(item) != bool(shape):
            raise ValueError("inner values have inconsistent shape")
        if _is_nested(item):
            if shape[0] != len(item):
                raise ValueError("inner values have inconsistent shape")
            for child in item:
                check(child, shape[1:])

    shape = shape_of(flat)
    check(flat, shape)
    return shape[1:]


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None, row_splits_dtype=_dtypes.int64):
    """A RaggedTensor from a nested Python list, as `tf.ragged.constant`.

    Args:
      pylist: nested lists of scalars (all at one depth).
      dtype: the values' dtype (inferred as `tf.constant` does by default).
      ragged_rank: how many dimensions are ragged (default: all but the innermost lists' scalars).
      inner_shape: the shape of each innermost value (uniform dimensions).
      row_splits_dtype: int64 (default) or int32.

    Returns:
      A RaggedTensor; a Tensor when `pylist` has fewer than 2 levels (or ragged_rank=0).

    Raises:
      ValueError: for scalars at mixed depths, mixed types, inner lists of different lengths, or
        `ragged_rank`/`inner_shape` that do not fit `pylist`.
    """
    splits_dtype = _splits_dtype(row_splits_dtype)
    if _is_ragged(pylist):
        raise TypeError("pylist may not be a RaggedTensor or RaggedTensorValue.")
    if isinstance(pylist, (Tensor, Variable)):
        pylist = pylist.numpy()
    if isinstance(pylist, np.ndarray):
        pylist = pylist.tolist()

    def dense(values, shape):
        return convert_to_tensor(values, dtype=dtype) if shape is None else _shaped(values, shape)

    def _shaped(values, shape):
        t = convert_to_tensor(values, dtype=dtype) if values else convert_to_tensor(
            np.zeros(shape, (dtype and _dtypes.as_dtype(dtype)._np) or np.float32))
        if tuple(t.shape) != tuple(shape):
            t = array_ops.reshape(t, list(shape))
        return t

    if not isinstance(pylist, (list, tuple)) and np.ndim(pylist) == 0:
        if ragged_rank is not None and ragged_rank != 0:
            raise ValueError(f"Invalid pylist={pylist!r}: incompatible with ragged_rank={ragged_rank}")
        if inner_shape:
            raise ValueError(f"Invalid pylist={pylist!r}: incompatible with dim(inner_shape)={len(inner_shape)}")
        return dense(pylist, None)
    if ragged_rank is not None and ragged_rank < 0:
        raise ValueError(f"Invalid ragged_rank={ragged_rank!r}: must be nonnegative")
    scalar_depth, max_depth = _nested_depths(pylist)
    if scalar_depth is not None:
        if max_depth > scalar_depth:
            raise ValueError(f"Invalid pylist={pylist!r}: empty list nesting is greater than scalar value nesting")
        if ragged_rank is not None and max_depth < ragged_rank:
            raise ValueError(f"Invalid pylist={pylist}, max depth smaller than ragged_rank={ragged_rank}")
    if inner_shape is not None and ragged_rank is not None:
        expected = ragged_rank + len(inner_shape) + 1
        if (scalar_depth is not None and expected != scalar_depth) or (
                scalar_depth is None and expected < max_depth):
            raise ValueError(f"Invalid pylist={pylist!r}: incompatible with ragged_rank={ragged_rank} and "
                             f"dim(inner_shape)={len(inner_shape)}")
    if ragged_rank == 0 or (ragged_rank is None and (
            max_depth < 2 or (inner_shape is not None and max_depth - len(inner_shape) < 2))):
        return dense(pylist, None if inner_shape is None else None)
    if inner_shape is None:
        inner_shape = () if ragged_rank is None else _inner_shape_of(pylist, ragged_rank)
    inner_shape = tuple(int(d) for d in inner_shape)
    if ragged_rank is None:
        ragged_rank = max(1, (max_depth - 1) if scalar_depth is None else (scalar_depth - 1 - len(inner_shape)))
    nested_splits, values = [], pylist
    for _ in range(ragged_rank):
        splits, joined = [0], []
        for row in values:
            splits.append(splits[-1] + len(row))
            joined.extend(row)
        nested_splits.append(splits)
        values = joined
    flat = _shaped(values, (len(values),) + inner_shape)
    result = flat
    for splits in reversed(nested_splits):
        result = RaggedTensor._make(result, np.asarray(splits, splits_dtype._np), splits_dtype)
    return result


def map_flat_values(op, *args, **kwargs):
    """Applies `op` to the flat values of the RaggedTensors in `args`/`kwargs` (same partitions).

    Returns:
      A RaggedTensor with the partitions of the inputs and `op`'s result as flat values.

    Raises:
      ValueError: if no argument is ragged, or their flat values differ in length.
    """
    found = []

    def replace(value):
        if _is_ragged(value):
            found.append(value)
            return value.flat_values
        if isinstance(value, list):
            return [replace(v) for v in value]
        if isinstance(value, tuple):
            return tuple(replace(v) for v in value)
        if isinstance(value, dict):
            return {k: replace(v) for k, v in value.items()}
        return value

    new_args = replace(list(args))
    new_kwargs = replace(kwargs)
    if not found:
        return op(*new_args, **new_kwargs)
    sizes = {r.flat_values.shape[0] for r in found}
    if len(sizes) > 1:
        raise ValueError(f"Input RaggedTensors' flat_values must all have the same outer-dimension size.  Got "
                         f"sizes: {set(sorted(sizes))}")
    for r in found[1:]:
        _check_same_partitions(found[0], r)
    return found[0].with_flat_values(op(*new_args, **new_kwargs))


def ragged_range(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=_dtypes.int64):
    """Row i is `tf.range(starts[i], limits[i], deltas[i])` (scalars broadcast), as `tf.ragged.range`.

    Returns:
      A RaggedTensor of ragged_rank 1.
    """
    if limits is None:
        starts, limits = 0, starts
    splits_dtype = _splits_dtype(row_splits_dtype)
    parts = [convert_to_tensor(v) if not isinstance(v, (Tensor, Variable)) else convert_to_tensor(v)
             for v in (starts, limits, deltas)]
    if dtype is None:
        kinds = [p.dtype for p in parts]
        dtype = next((k for k in kinds if k.is_floating), None) or next(
            (k for k in kinds if k == _dtypes.int64), _dtypes.int32)
    dtype = _dtypes.as_dtype(dtype)
    s, lim, d = np.broadcast_arrays(*[np.asarray(p.numpy()).astype(dtype._np) for p in parts])
    if np.any(d == 0):
        raise InvalidArgumentError("Requires delta != 0 [Op:RaggedRange]")
    rows = [np.arange(a, b, c, dtype=dtype._np) for a, b, c in zip(s.reshape(-1), lim.reshape(-1), d.reshape(-1))]
    values = np.concatenate(rows) if rows else np.zeros(0, dtype._np)
    return RaggedTensor._make(Tensor(jnp.asarray(values.astype(dtype._np))),
                              _lengths_to_splits([r.size for r in rows], splits_dtype._np), splits_dtype)


def boolean_mask(data, mask, name=None):
    """Keeps the elements of `data` where `mask` is True; dropped elements shorten their rows.

    Args:
      data: a Tensor or RaggedTensor.
      mask: bools whose shape (or row partitions) is a prefix of `data`'s.

    Returns:
      A RaggedTensor (or, for a 1-D mask on dense data, what `tf.boolean_mask` gives).
    """
    if not _is_ragged(mask):
        m = convert_to_tensor(mask)
        if m.ndim == 1:
            keep = np.nonzero(np.asarray(m.numpy()).astype(bool))[0]
            if _is_ragged(data):
                return _take(data, keep)
            return array_ops.boolean_mask(data, m)
        mask = RaggedTensor.from_tensor(m, ragged_rank=m.ndim - 1)
    if not _is_ragged(data):
        data = RaggedTensor.from_tensor(convert_to_tensor(data), ragged_rank=mask.ragged_rank)
    if mask.ragged_rank != data.ragged_rank:
        raise NotImplementedError("tapejax: tf.ragged.boolean_mask needs a mask of the data's ragged rank.")
    _check_same_partitions(data, mask)
    keep = np.asarray(mask.flat_values.numpy()).astype(bool)
    flat = _take(data.flat_values, np.nonzero(keep)[0])
    # rebuild the innermost partition with the kept counts; outer partitions are unchanged
    levels, rt = [], data
    while _is_ragged(rt):
        levels.append(rt)
        rt = rt._values
    inner = levels[-1]
    kept = np.bincount(_rowids(inner._splits())[keep], minlength=inner.nrows_int())
    result = RaggedTensor._make(flat, _lengths_to_splits(kept, inner._splits().dtype), inner.row_splits_dtype)
    for level in reversed(levels[:-1]):
        result = RaggedTensor._make(result, level._splits(), level._sdtype)
    return result


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row id of each value for `splits` (int64 unless `out_type`)."""
    s = _partition(splits, "splits")
    dtype = _dtypes.from_jax(s.dtype) if out_type is None else _dtypes.as_dtype(out_type)
    return _ints_tensor(_rowids(s), dtype._np)


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """Row splits for sorted `segment_ids` (int64 unless `out_type`)."""
    values = _partition(segment_ids, "segment_ids")
    n = (int(values.max()) + 1 if values.size else 0) if num_segments is None else int(_host_ints(num_segments))
    dtype = _dtypes.from_jax(values.dtype) if out_type is None else _dtypes.as_dtype(out_type)
    return _ints_tensor(_lengths_to_splits(np.bincount(values, minlength=n) if values.size else np.zeros(n)),
                        dtype._np)


class RaggedTensorSpec:
    """The type of a RaggedTensor: shape, dtype, ragged_rank and row_splits_dtype.

    Args:
      shape: the shape (ragged dimensions as None).
      dtype: the values' dtype (float32 by default).
      ragged_rank: defaults to rank - 1.
      row_splits_dtype: int64 (default) or int32.
    """

    def __init__(self, shape=None, dtype=_dtypes.float32, ragged_rank=None, row_splits_dtype=_dtypes.int64,
                 flat_values_spec=None):
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._row_splits_dtype = _splits_dtype(row_splits_dtype)
        rank = None if shape is None else len(self._shape)
        if ragged_rank is None:
            if rank is None:
                raise ValueError("Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = rank - 1
        if not isinstance(ragged_rank, int):
            raise TypeError(f"Argument `ragged_rank` must be an int. Received {ragged_rank}.")
        if rank is not None and not 0 <= ragged_rank < max(rank, 1):
            raise ValueError(f"Argument `ragged_rank` ({ragged_rank}) must be less than the rank of the shape "
                             f"({rank}).")
        self._ragged_rank = ragged_rank

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: self._row_splits_dtype)
    value_type = property(lambda self: RaggedTensor)

    @classmethod
    def from_value(cls, value):
        """The spec of a RaggedTensor."""
        return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits_dtype)

    def is_compatible_with(self, other):
        """Whether `other` (a spec or a RaggedTensor) could have this type."""
        if _is_ragged(other):
            other = RaggedTensorSpec.from_value(other)
        if not isinstance(other, RaggedTensorSpec):
            return False
        return (self._dtype == other._dtype and self._ragged_rank == other._ragged_rank
                and self._row_splits_dtype == other._row_splits_dtype
                and self._shape.is_compatible_with(other._shape))

    def _key(self):
        return (tuple(self._shape), self._dtype, self._ragged_rank, self._row_splits_dtype)

    def __eq__(self, other):
        return isinstance(other, RaggedTensorSpec) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return (f"RaggedTensorSpec({self._shape!r}, {self._dtype!r}, {self._ragged_rank}, "
                f"{self._row_splits_dtype!r})")


def is_tensor(x):
    """Whether `x` is a TF tensor type, as `tf.is_tensor`: a Tensor, Variable, RaggedTensor or
    SparseTensor (NumPy arrays and Python values are not).

    Returns:
      A Python bool.
    """
    return isinstance(x, (Tensor, Variable, RaggedTensor, _sparse.SparseTensor))


# The names `tf.ragged` exports that this module implements (the door in tapejax/__init__.py).
RAGGED_API = {"constant": constant, "map_flat_values": map_flat_values, "range": ragged_range,
              "boolean_mask": boolean_mask, "stack": ragged_stack,
              "row_splits_to_segment_ids": row_splits_to_segment_ids,
              "segment_ids_to_row_splits": segment_ids_to_row_splits}
