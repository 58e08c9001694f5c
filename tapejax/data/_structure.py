"""Dataset elements on the host: nests of NumPy arrays, their `TensorSpec`s, and batching.

A tf.data element is a nest (tuples, namedtuples, dicts) of components. Inside a pipeline each
component is a NumPy array (strings as object arrays of `bytes`, as string Tensors hold them); they
become tapejax Tensors only when the user receives an element. Lists are converted as TF converts
them: a list given as data is one tensor (`from_tensor_slices([1, 2])`), a list returned by a
function is a tuple.
"""

from __future__ import annotations

import jax
import numpy as np

from tapejax import _dtypes, _nest, _sparse
from tapejax._errors import InvalidArgumentError
from tapejax._function import TensorSpec
from tapejax._ops._convert import _default_numpy, convert_to_tensor, string_array
from tapejax._ragged import RaggedTensor, RaggedTensorSpec
from tapejax._tensor import Tensor, TensorShape
from tapejax._variable import Variable


class HostRagged:
    """A RaggedTensor's components as NumPy arrays (a leaf of a tf.data element): its flat values
    and its row splits, outermost first."""

    _tapejax_leaf = True
    __slots__ = ("flat_values", "nested_row_splits", "splits_dtype")

    def __init__(self, flat_values, nested_row_splits, splits_dtype):
        self.flat_values = flat_values
        self.nested_row_splits = tuple(nested_row_splits)
        self.splits_dtype = splits_dtype

    @classmethod
    def of(cls, rt):
        flat = rt.flat_values
        values = string_array(flat.numpy()) if flat.dtype == _dtypes.string else np.asarray(flat.numpy())
        return cls(values, [np.asarray(s.numpy()) for s in rt.nested_row_splits], rt.row_splits_dtype)

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def ndim(self):
        return len(self.nested_row_splits) + self.flat_values.ndim

    @property
    def shape(self):
        return (len(self.nested_row_splits[0]) - 1,) + (None,) * len(self.nested_row_splits) \
            + tuple(self.flat_values.shape[1:])

    def spec(self, batch_dims=0, rows_known=True):
        """The RaggedTensorSpec of this value (the leading `batch_dims` dimensions dropped); with
        `rows_known=False` its number of rows unknown too, as TF's spec of a ragged result a
        function computed (tf.strings.split keeps no static row count)."""
        rank = len(self.nested_row_splits)
        rows = len(self.nested_row_splits[0]) - 1 if rows_known and not batch_dims else None
        return RaggedTensorSpec((rows,) + (None,) * (rank - batch_dims) + tuple(self.flat_values.shape[1:]),
                                dtype_of(self.flat_values), rank - batch_dims, self.splits_dtype)

    def row(self, index):
        """Row `index` (a dense array below one ragged dimension, else a HostRagged)."""
        outer = self.nested_row_splits[0]
        start, stop = int(outer[index]), int(outer[index + 1])
        if len(self.nested_row_splits) == 1:
            return self.flat_values[start:stop]
        nested = [self.nested_row_splits[1][start:stop + 1]]
        for splits in self.nested_row_splits[2:]:
            nested.append(splits[int(nested[-1][0]):int(nested[-1][-1]) + 1])
        lo, hi = int(nested[-1][0]), int(nested[-1][-1])
        return HostRagged(self.flat_values[lo:hi], [n - n[0] for n in nested], self.splits_dtype)

    def numpy(self):
        """As TF's `as_numpy_iterator` gives a ragged component: nested object arrays of rows."""
        rows = [self.row(i) for i in range(len(self.nested_row_splits[0]) - 1)]
        rows = [r.numpy() if isinstance(r, HostRagged) else r for r in rows]
        if not rows:
            return np.zeros((0, 0) + self.flat_values.shape[1:], dtype=self.flat_values.dtype)
        if all(len(r) == len(rows[0]) for r in rows):  # rows of one length: one array (as TF's numpy())
            return np.array(rows, dtype=rows[0].dtype)
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return out

    def to_tensor(self):
        flat = convert_to_tensor(self.flat_values) if self.flat_values.dtype == object \
            else Tensor(jax.device_put(self.flat_values))
        return RaggedTensor.from_nested_row_splits(
            flat, [Tensor(jax.device_put(s)) for s in self.nested_row_splits], validate=False)


def _ragged_stack(parts):
    """A batch of ragged elements: one more ragged dimension, as TF batches RaggedTensors."""
    outer = np.cumsum([0] + [len(p.nested_row_splits[0]) - 1 for p in parts]).astype(parts[0].nested_row_splits[0].dtype)
    nested = [outer]
    for level in range(len(parts[0].nested_row_splits)):
        offsets, pieces, base = 0, [], None
        for p in parts:
            splits = p.nested_row_splits[level]
            pieces.append(splits[(0 if base is None else 1):] + offsets)
            base = True
            offsets += splits[-1]
        nested.append(np.concatenate(pieces))
    flat = parts[0].flat_values
    values = np.concatenate([p.flat_values for p in parts]) if len(parts) > 1 else flat
    return HostRagged(values, nested, parts[0].splits_dtype)


def _is_structure(value):
    return isinstance(value, (tuple, dict))


def to_component(value, dtype=None):
    """One component as a NumPy array, with TF's dtype rules (Python floats -> float32, ints -> int32)
    (a SparseTensor: a `HostSparse` of arrays)."""
    if isinstance(value, _sparse.SparseTensor):
        return _sparse.to_host(value)
    if isinstance(value, RaggedTensor):
        return HostRagged.of(value)
    if isinstance(value, (Tensor, Variable)):
        array = string_array(value.numpy()) if value.dtype == _dtypes.string else np.asarray(value.numpy())
    elif isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind not in "USO":
        array = np.asarray(value)
    else:
        if isinstance(value, (list, tuple)) and any(isinstance(v, (Tensor, Variable)) for v in value):
            value = convert_to_tensor(value)
            return to_component(value, dtype)
        array = _default_numpy(value)
    if not isinstance(array, np.ndarray):
        array = np.asarray(array)
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
        if dtype_of(array) != dtype:
            array = array.astype(dtype.as_numpy_dtype)
    return array


def dtype_of(array):
    """The TF dtype of a component array."""
    if isinstance(array, _sparse.HostSparse):
        array = array.values
    if isinstance(array, HostRagged):
        array = array.flat_values
    if array.dtype == object:
        return _dtypes.string
    return _dtypes.as_dtype(array.dtype)


def normalize(value, lists="tensor"):
    """An element as a nest of NumPy components.

    Args:
      value: the user's value: Tensors, arrays, Python values, in tuples/dicts/namedtuples.
      lists: "tensor" (data: a list is one component) or "tuple" (a function's result).
    """
    if isinstance(value, dict):
        return type(value)((k, normalize(v, lists)) for k, v in value.items()) \
            if type(value) is not dict else {k: normalize(v, lists) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [normalize(v, lists) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list) and lists == "tuple":
        return tuple(normalize(v, lists) for v in value)
    if value is None:
        raise TypeError("Failed to convert elements of None to Tensor. Dataset elements must be tensors "
                        "(or nested structures of them), not None.")
    return to_component(value)


def flatten(element):
    return _nest.flatten(element)


flatten_values = flatten


def normalize_spec(spec, what):
    """A function's output spec in tf.data's structure: lists become tuples."""
    if isinstance(spec, dict):
        return {k: normalize_spec(v, what) for k, v in spec.items()}
    if isinstance(spec, tuple) and hasattr(spec, "_fields"):
        return type(spec)(*[normalize_spec(v, what) for v in spec])
    if isinstance(spec, (list, tuple)):
        return tuple(normalize_spec(v, what) for v in spec)
    return spec


def pack(structure, flat):
    return _nest.pack_sequence_as(structure, list(flat))


def map_components(fn, *elements):
    return _nest.map_structure(fn, *elements)


def same_structure(spec, element):
    try:
        _nest.assert_same_structure(spec, element, check_types=False)
    except (ValueError, TypeError):
        return False
    return True


def flatten_shapes(shapes, spec):
    """Flattens a nest of shapes (lists, tuples or TensorShapes as leaves) along `spec`'s nest."""
    if isinstance(spec, dict):
        return [s for k in sorted(spec) for s in flatten_shapes(shapes[k], spec[k])]
    if isinstance(spec, tuple):
        return [s for sub, sp in zip(shapes, spec) for s in flatten_shapes(sub, sp)]
    if shapes is None:
        return [None]
    return [tuple(shapes.as_list() if hasattr(shapes, "as_list") else shapes)]


def spec_of(element, batch_dims=0):
    """The `TensorSpec` nest of an element (leading `batch_dims` dimensions dropped)."""
    return map_components(lambda a: _sparse.host_spec(a, batch_dims) if isinstance(a, _sparse.HostSparse)
                          else a.spec(batch_dims) if isinstance(a, HostRagged)
                          else TensorSpec(a.shape[batch_dims:], dtype_of(a)), element)


def _respec(spec, shape):
    """A spec of `spec`'s kind and dtype with `shape` (a SparseTensorSpec stays one)."""
    if isinstance(spec, _sparse.SparseTensorSpec):
        return spec._with_shape(shape)
    if isinstance(spec, RaggedTensorSpec):  # a batch adds a ragged dimension, unbatch drops one
        rank = spec.ragged_rank + (len(shape) - len(spec.shape) if shape is not None else 0)
        return RaggedTensorSpec(shape, spec.dtype, max(rank, 0), spec.row_splits_dtype)
    return TensorSpec(shape, spec.dtype)


def has_sparse(element):
    """True when some component of a host element (or spec) is sparse or ragged (host data)."""
    return any(isinstance(a, (_sparse.HostSparse, _sparse.SparseTensorSpec, HostRagged, RaggedTensorSpec))
               for a in flatten(element))


def batched_spec(spec, size):
    """The spec of a batch of elements of `spec` (`size` None: a batch of unknown size)."""
    return map_components(lambda s: _respec(s, (size,) + tuple(s.shape)), spec)


def unbatched_spec(spec):
    def drop(s):
        if len(s.shape) == 0:
            raise ValueError("Cannot unbatch an input with scalar components.")
        return _respec(s, tuple(s.shape)[1:])
    return map_components(drop, spec)


def spec_shape(spec):
    return None if spec.shape is None else tuple(spec.shape)


def most_specific_compatible(spec_a, spec_b):
    """The spec that describes elements of both specs (differing dimensions become None)."""
    def merge(a, b):
        sa, sb = tuple(a.shape), tuple(b.shape)
        if len(sa) != len(sb):
            return _respec(a, None)
        return _respec(a, [x if x == y else None for x, y in zip(sa, sb)])
    return map_components(merge, spec_a, spec_b)


def fully_defined(spec):
    return all(s.shape is not None and all(d is not None for d in s.shape) for s in flatten(spec))


def is_compatible(spec, array):
    shape = spec.shape
    if shape is None:
        return True
    return len(shape) == array.ndim and all(d is None or d == n for d, n in zip(shape, array.shape))


def stack(elements, structure):
    """Stacks a list of elements into one batch element (TF's batching error when shapes differ)."""
    flats = [flatten(e) for e in elements]
    out = []
    for i, parts in enumerate(zip(*flats)):
        if isinstance(parts[0], _sparse.HostSparse):  # sparse elements batch to one SparseTensor
            out.append(_sparse.host_stack(parts))
            continue
        if isinstance(parts[0], HostRagged):  # ragged elements batch to one RaggedTensor
            out.append(_ragged_stack(parts))
            continue
        first = parts[0].shape
        for p in parts[1:]:
            if p.shape != first:
                raise InvalidArgumentError(
                    f"Cannot batch tensors with different shapes in component {i}. First element had "
                    f"shape {list(first)} and element {[q.shape for q in parts].index(p.shape)} had "
                    f"shape {list(p.shape)}.")
        out.append(np.stack(parts) if parts[0].dtype != object else _stack_objects(parts))
    return pack(structure, out)


def _stack_objects(parts):
    out = np.empty((len(parts),) + parts[0].shape, dtype=object)
    for i, p in enumerate(parts):
        out[i] = p[()] if p.ndim == 0 else p
    return out


def padded_stack(elements, structure, padded_shapes, padding_values):
    flats = [flatten(e) for e in elements]
    out = []
    for i, parts in enumerate(zip(*flats)):
        target = padded_shapes[i]
        shape = [max(p.shape[d] for p in parts) if target[d] is None else target[d]
                 for d in range(len(target))]
        for p in parts:
            if any(n > s for n, s in zip(p.shape, shape)):
                raise InvalidArgumentError(
                    f"Attempted to pad to a smaller size than the input element. Component {i} has "
                    f"shape {list(p.shape)}, the padded shape is {shape}.")
        fill = padding_values[i]
        batch = np.full([len(parts)] + shape, fill, dtype=parts[0].dtype)
        for j, p in enumerate(parts):
            batch[(j,) + tuple(slice(0, n) for n in p.shape)] = p
        out.append(batch)
    return pack(structure, out)


def slices(element, index):
    return map_components(lambda a: _item(a, index), element)


def _item(array, index):
    if isinstance(array, _sparse.HostSparse):  # row `index` of a batch of sparse elements
        return _sparse.host_row(array, index)
    if isinstance(array, HostRagged):
        return array.row(index)
    got = array[index]
    if isinstance(got, np.ndarray):
        return got
    if array.dtype == object:
        out = np.empty((), object)
        out[()] = got
        return out
    return np.asarray(got)


def leading_dim(element):
    dims = {a.shape[0] if a.ndim else None for a in flatten(element)}
    return dims


def to_tensors(element):
    """The user's view of an element: tapejax Tensors in the element's structure."""
    return map_components(_to_tensor, element)


def _to_tensor(array):
    if isinstance(array, _sparse.HostSparse):
        return _sparse.from_host(array)
    if isinstance(array, HostRagged):
        return array.to_tensor()
    if isinstance(array, jax.Array):
        return Tensor(array)
    if array.dtype == object:
        return convert_to_tensor(array)
    return Tensor(jax.device_put(array))


def to_device(element):
    """An element with its numeric components as JAX arrays (strings stay host arrays)."""
    return map_components(lambda a: a if a.dtype == object or isinstance(a, (_sparse.HostSparse, HostRagged))
                          else jax.device_put(a), element)


def spec_repr(spec):
    return repr(spec)


def shape_of(spec):
    return TensorShape(spec.shape) if spec.shape is not None else None
