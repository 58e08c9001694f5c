"""`tf.io.parse_single_example`, `tf.io.parse_example`, their feature specs, and tensor protos.

Serialized `tf.train.Example`s are parsed on the host with the protobuf messages of `_example`
(protobuf's C parser), then each requested feature is checked and laid out as TF's ParseExampleV2
kernel lays it out, with its error messages: `FixedLenFeature` a dense tensor of its shape (or its
default), `FixedLenSequenceFeature` a dense tensor with one more dimension (padded with the default
across a batch), `VarLenFeature` a SparseTensor. The results come in TF's order (the sparse
features' keys sorted, then the dense features' keys sorted).

Inside a `tapejax.function` trace the serialized strings are symbolic: a description of only
fixed-length features has static result shapes, so the parse runs as one host callback when the
function runs; sparse and sequence features (shapes from the data) make the function run as Python.
`serialize_tensor` / `parse_tensor` write and read TF's `TensorProto` (`tensor_content` holds the
little-endian bytes of a numeric tensor, `string_val` the strings).
"""

from __future__ import annotations

import base64
import collections
import threading

import jax
import jax.numpy as jnp
import numpy as np
from google.protobuf.message import DecodeError

from tapejax import _dtypes, _example, _string_trace
from tapejax._errors import InvalidArgumentError
from tapejax._ops._convert import convert_to_tensor
from tapejax._ragged import RaggedTensor
from tapejax._sparse import SparseTensor
from tapejax._tensor import SymbolicStrings, Tensor

_OP = " [Op:ParseExampleV2]"
_ALLOWED = (_dtypes.float32, _dtypes.int64, _dtypes.string)
_KIND = {_dtypes.float32: "float_list", _dtypes.int64: "int64_list", _dtypes.string: "bytes_list"}
_KIND_TYPE = {"float_list": "float", "int64_list": "int64", "bytes_list": "string"}
_VALUE_NAME = {_dtypes.float32: "float", _dtypes.int64: "int64", _dtypes.string: "string"}
_probing = threading.local()  # set while a trace computes result shapes on placeholder strings


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A fixed-length input feature, as `tf.io.FixedLenFeature`.

    Args:
      shape: the shape of the feature's values (their count must be its size).
      dtype: tf.float32, tf.int64 or tf.string.
      default_value: the value of an example without the feature (None: the feature is required).
    """

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A variable-length input feature, parsed to a `tf.sparse.SparseTensor`, as `tf.io.VarLenFeature`.

    Args:
      dtype: tf.float32, tf.int64 or tf.string.
    """


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A feature of any number of values of `shape`, stacked, as `tf.io.FixedLenSequenceFeature`.

    Args:
      shape: the shape of one item (the values' count must be a multiple of its size).
      dtype: tf.float32, tf.int64 or tf.string.
      allow_missing: must be True (a missing feature is empty).
      default_value: the padding of shorter examples in a batch (zero or "" by default).
    """

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class RaggedFeature(collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"])):
    """A feature parsed to a `tf.RaggedTensor` (a 1-D Tensor for one example), as `tf.io.RaggedFeature`.

    Args:
      dtype: tf.float32, tf.int64 or tf.string.
      value_key: the feature's key in the Example (the description's key by default).
      partitions: must be empty (tapejax parses only flat ragged features).
      row_splits_dtype: tf.int32 (the default) or tf.int64.
      validate: accepted.
    """

    def __new__(cls, dtype, value_key=None, partitions=(), row_splits_dtype=_dtypes.int32, validate=False):
        return super().__new__(cls, dtype, value_key, tuple(partitions), row_splits_dtype, validate)

    # The partition kinds (accepted by the constructor; parsing them raises NotImplementedError).
    RowSplits = collections.namedtuple("RowSplits", ["key"])
    RowLengths = collections.namedtuple("RowLengths", ["key"])
    RowStarts = collections.namedtuple("RowStarts", ["key"])
    RowLimits = collections.namedtuple("RowLimits", ["key"])
    ValueRowIds = collections.namedtuple("ValueRowIds", ["key"])
    UniformRowLength = collections.namedtuple("UniformRowLength", ["length"])


class SparseFeature(collections.namedtuple(
        "SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A SparseTensor built from index and value features, as `tf.io.SparseFeature`.

    Args:
      index_key: the int64 feature(s) holding each value's index: a key, or a list of keys (one
        per dimension).
      value_key: the feature holding the values.
      dtype: the values' dtype (tf.float32, tf.int64 or tf.string).
      size: the dense shape (an int, or a list of ints: one per index key).
      already_sorted: keep the values in the order of the Example (else sorted by index).
    """

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


# One parsed feature: `source` is the Example key it reads (a RaggedFeature's value key), `splits`
# a ragged feature's row-splits dtype, `optional` whether a SequenceExample's feature list may be absent.
_Spec = collections.namedtuple("_Spec", ["key", "kind", "dtype", "shape", "default", "source", "splits", "optional"],
                               defaults=(None, None, False))


def _attr_error(attr, dtype):
    return InvalidArgumentError(
        f"Value for attr '{attr}' of {dtype._tf_kind} is not in the list of allowed values: float, int64, "
        f"string\n\t; NodeDef: {{{{node ParseExampleV2}}}}; Op<name=ParseExampleV2>{_OP}")


def _shape_tuple(shape):
    """A feature's shape (an int, a list, a tuple or a TensorShape) as a tuple of ints and Nones."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(None if d is None else int(d) for d in shape)


def _default_array(feature, dtype, shape):
    """The default of a FixedLenFeature as an array of `shape` (TF reshapes it: no broadcasting)."""
    if dtype == _dtypes.string:
        value = np.asarray(feature.default_value, dtype=object)
    else:  # TF converts the default to a tensor of the dtype (1.5 for int64 is a TypeError)
        with jax.ensure_compile_time_eval():  # a host constant, also inside a trace
            value = np.asarray(convert_to_tensor(feature.default_value, dtype=dtype)._value)
    if dtype == _dtypes.string:
        value = np.vectorize(lambda v: v.encode() if isinstance(v, str) else bytes(v), otypes=[object])(value) \
            if value.size else value
    size = int(np.prod(shape, dtype=np.int64))
    if value.size != size:
        raise InvalidArgumentError(f"Input to reshape is a tensor with {value.size} values, but the requested "
                                   f"shape has {size} [Op:Reshape]")
    return value.reshape(shape)


def _specs(features, batch):
    """The checked feature specs of `features`, in TF's output order."""
    if not features:
        if batch:
            raise ValueError(f"Argument `features` cannot be None or falsy. Got {features}")
        raise ValueError(f"Invalid argument: features cannot be {'None' if features is None else 'empty'}.")
    sparse, dense, ragged = [], [], []
    composites = []  # (key, SparseFeature, index keys): built from the sparse parses of their keys
    sparse_keys = set()

    def add_sparse(key, dtype):
        if key not in sparse_keys:
            sparse_keys.add(key)
            sparse.append(_Spec(key, "var", dtype, None, None))

    for key in sorted(features):
        feature = features[key]
        if isinstance(feature, SparseFeature):
            dtype = _dtypes.as_dtype(feature.dtype)
            if dtype not in _ALLOWED:
                raise _attr_error("sparse_types", dtype)
            index_keys = [feature.index_key] if isinstance(feature.index_key, str) else list(feature.index_key)
            for index_key in index_keys:
                add_sparse(index_key, _dtypes.int64)
            add_sparse(feature.value_key, dtype)
            composites.append((key, feature, index_keys))
        elif isinstance(feature, RaggedFeature):
            dtype = _dtypes.as_dtype(feature.dtype)
            if feature.partitions:
                raise NotImplementedError(
                    f"tapejax's tf.io.RaggedFeature takes no `partitions` (feature {key!r}): parse the flat "
                    f"values and build the partitions with tf.RaggedTensor.from_row_lengths / from_uniform_row_length.")
            if dtype not in _ALLOWED:
                raise _attr_error("ragged_value_types", dtype)
            splits = _dtypes.as_dtype(feature.row_splits_dtype)
            ragged.append(_Spec(key, "ragged", dtype, None, None, feature.value_key or key, splits))
        elif isinstance(feature, VarLenFeature):
            dtype = _dtypes.as_dtype(feature.dtype)
            if dtype not in _ALLOWED:
                raise _attr_error("sparse_types", dtype)
            add_sparse(key, dtype)
        elif isinstance(feature, FixedLenSequenceFeature):
            if not feature.allow_missing:
                raise ValueError("Unsupported: FixedLenSequenceFeature requires allow_missing to be True.")
            dtype = _dtypes.as_dtype(feature.dtype)
            shape = _shape_tuple(feature.shape)
            if any(d is None for d in shape):
                dims = ",".join("?" if d is None else str(d) for d in (None,) + shape)
                raise InvalidArgumentError(f"dense_shapes[{len(dense)}] has unknown rank or unknown inner "
                                           f"dimensions: [{dims}]{_OP}")
            if dtype not in _ALLOWED:
                raise _attr_error("Tdense", dtype)
            pad = (b"" if dtype == _dtypes.string else 0) if feature.default_value is None else feature.default_value
            if dtype == _dtypes.string and isinstance(pad, str):
                pad = pad.encode()
            dense.append(_Spec(key, "seq", dtype, tuple(int(d) for d in shape), pad))
        elif isinstance(feature, FixedLenFeature):
            dtype = _dtypes.as_dtype(feature.dtype)
            shape = _shape_tuple(feature.shape)
            if shape and shape[0] is None:
                raise ValueError(f"First dimension of shape for feature {key} unknown. Consider using "
                                 f"FixedLenSequenceFeature. Received feature={feature!r}.")
            if dtype not in _ALLOWED:
                raise _attr_error("Tdense", dtype)
            shape = tuple(int(d) for d in shape)
            default = None if feature.default_value is None else _default_array(feature, dtype, shape)
            dense.append(_Spec(key, "fixed", dtype, shape, default))
        else:
            raise ValueError(f"Unsupported {type(feature).__name__} {feature} for key '{key}'")
    return sparse + dense + ragged, composites


def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


class _Parser:
    """Parses serialized Examples for `specs`: `single` for a scalar input (TF's single-example
    messages), else a batch (messages naming the example)."""

    def __init__(self, specs, single):
        self.specs = specs
        self.single = single
        self._sizes = {spec.key: int(np.prod(spec.shape, dtype=np.int64)) for spec in specs if spec.kind == "fixed"}

    def _where(self, key, index, name):
        if self.single:
            return f"Key: {key}.  "
        return f"Name: {name}, Key: {key}, Index: {index}.  "

    def _values(self, spec, feature_map, index, name):
        """The feature's values (a list; None when the example lacks it)."""
        key = spec.source or spec.key
        feature = feature_map[key] if key in feature_map else None
        kind = None if feature is None else feature.WhichOneof("kind")
        if kind is None:
            return None
        want = _KIND[spec.dtype]
        if kind != want:
            if spec.kind in ("var", "ragged"):
                raise InvalidArgumentError(f"{self._where(key, index, name)}Data types don't match. "
                                           f"Expected type: {_VALUE_NAME[spec.dtype]}, Actual type: "
                                           f"{_KIND_TYPE[kind]}{_OP}")
            raise InvalidArgumentError(f"{self._where(spec.key, index, name)}Data types don't match. Data "
                                       f"type: {_KIND_TYPE[kind]} but expected type: {_VALUE_NAME[spec.dtype]}{_OP}")
        return list(getattr(feature, kind).value)

    def _fixed(self, spec, values, index, name):
        size = self._sizes[spec.key]
        if values is None:
            if spec.default is None:
                prefix = "" if self.single else f"Name: {name}, "
                raise InvalidArgumentError(f"{prefix}Feature: {spec.key} (data type: {_VALUE_NAME[spec.dtype]}) "
                                           f"is required but could not be found.{_OP}")
            return spec.default
        if len(values) != size:
            where = self._where(spec.key, index, name)
            if spec.dtype == _dtypes.string:
                detail = "Parsing bytes_list failed." if self.single else ""
                raise InvalidArgumentError(f"{where}Can't parse serialized Example{': ' + detail if detail else '.'}"
                                           f"{_OP}")
            if self.single:
                raise InvalidArgumentError(f"{where}Can't parse serialized Example: Some {_KIND[spec.dtype]} "
                                           f"slice was not parsed.{_OP}")
            raise InvalidArgumentError(f"{where}Number of {_VALUE_NAME[spec.dtype]} values != expected.  "
                                       f"Values size: {len(values)} but output shape: {_shape_text(spec.shape)}{_OP}")
        return _array(values, spec.dtype).reshape(spec.shape)

    def _sequence(self, spec, values, index, name):
        stride = int(np.prod(spec.shape, dtype=np.int64))
        values = [] if values is None else values
        if stride == 0 or len(values) % stride:
            if self.single:
                raise InvalidArgumentError(f"Error while parsing feature with key {spec.key}: number of elements "
                                           f"should be divisible by {stride}, found {len(values)} instead{_OP}")
            raise InvalidArgumentError(
                f"{self._where(spec.key, index, name)}Number of {_VALUE_NAME[spec.dtype]} values is not a "
                f"multiple of stride length. Saw {len(values)} values but output shape is: "
                f"{_shape_text(('?',) + spec.shape)}{_OP}")
        return _array(values, spec.dtype).reshape((len(values) // max(stride, 1),) + spec.shape)

    def parse(self, serialized, names):
        """The results for the flat list `serialized`: one list of per-example parts per spec."""
        parts = [[] for _ in self.specs]
        for index, data in enumerate(serialized):
            name = names[index] if names is not None else "<unknown>"
            try:
                example = _example.Example.FromString(data)
            except DecodeError:
                text = data.decode("utf-8", errors="backslashreplace")
                raise InvalidArgumentError(f"Could not parse example input, value: '{text}'{_OP}") from None
            feature_map = example.features.feature
            for spec, out in zip(self.specs, parts):
                values = self._values(spec, feature_map, index, name)
                if spec.kind == "fixed":
                    out.append(self._fixed(spec, values, index, name))
                elif spec.kind == "seq":
                    out.append(self._sequence(spec, values, index, name))
                else:
                    out.append(_array([] if values is None else values, spec.dtype))
        return parts


def _array(values, dtype):
    if dtype == _dtypes.string:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.asarray(values, dtype=dtype.as_numpy_dtype)


def _empty(dtype, shape):
    return np.empty(shape, dtype=object) if dtype == _dtypes.string else np.zeros(shape, dtype.as_numpy_dtype)


def _assemble(specs, parts, single, batch_size):
    """NumPy results per spec: an array, or (indices, values, dense_shape) for a sparse feature."""
    results = []
    for spec, items in zip(specs, parts):
        if spec.kind == "fixed":
            results.append(items[0] if single else (
                np.stack(items) if items else _empty(spec.dtype, (0,) + spec.shape)))
        elif spec.kind == "seq":
            if single:
                results.append(items[0])
                continue
            longest = max((len(item) for item in items), default=0)
            out = _empty(spec.dtype, (batch_size, longest) + spec.shape)
            out[...] = spec.default
            for i, item in enumerate(items):
                out[i, :len(item)] = item
            results.append(out)
        elif spec.kind == "ragged":
            if single:
                results.append(items[0])
                continue
            lengths = [len(v) for v in items]
            values = np.concatenate(items) if sum(lengths) else _empty(spec.dtype, (0,))
            splits = np.concatenate([[0], np.cumsum(lengths)]).astype(spec.splits.as_numpy_dtype)
            results.append(("ragged", values, splits))
        elif single:
            values = items[0]
            indices = np.arange(len(values), dtype=np.int64).reshape(-1, 1)
            results.append((indices, values, np.array([len(values)], np.int64)))
        else:
            lengths = [len(v) for v in items]
            rows = np.repeat(np.arange(batch_size, dtype=np.int64), lengths)
            cols = np.concatenate([np.arange(n, dtype=np.int64) for n in lengths]) if items else np.zeros(0, np.int64)
            values = np.concatenate(items) if items and sum(lengths) else _empty(spec.dtype, (0,))
            results.append((np.stack([rows, cols], axis=1).reshape(-1, 2), values,
                            np.array([batch_size, max(lengths, default=0)], np.int64)))
    return results


def _tensor(array):
    array = np.asarray(array)
    return Tensor(array) if array.dtype.kind == "O" else Tensor(jnp.asarray(array))


def _serialized_strings(serialized):
    tensor = serialized if isinstance(serialized, Tensor) else convert_to_tensor(serialized)
    if tensor._v.dtype.kind != "O":
        raise InvalidArgumentError(
            f"cannot compute ParseExampleV2 as input #0(zero-based) was expected to be a string tensor but is "
            f"a {tensor.dtype._tf_kind} tensor{_OP} name: ")
    return tensor


def _names(example_names, count):
    if example_names is None:
        return None
    names = np.ravel(np.asarray(example_names.numpy() if isinstance(example_names, Tensor) else example_names,
                                dtype=object))
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    return names if len(names) == count else None


def _static_result_arrays(specs, batch_shape):
    """Zero results of the shapes the specs give (what a trace needs to know; fixed-length only)."""
    return [_empty(spec.dtype, batch_shape + spec.shape) for spec in specs]


def _scalar_or_vector(tensor, single_op, op_text):
    """Whether the serialized input is one example (a scalar), with TF's errors for other ranks (a
    `parse_single_*` op takes a scalar only).

    Raises:
      ValueError: a single-example op given a non-scalar.
      InvalidArgumentError: an input of rank above 1.
    """
    rank = len(tensor.shape)
    if single_op and rank != 0:
        raise ValueError("Input serialized must be a scalar")
    if rank > 1:
        raise InvalidArgumentError(f"Expected serialized to be a scalar or vector, got shape: "
                                   f"{_shape_text(tensor.shape)}{op_text}")
    return rank == 0


def _parse(serialized, features, example_names, single_op):
    specs, composites = _specs(features, batch=not single_op)
    tensor = _serialized_strings(serialized)
    single = _scalar_or_vector(tensor, single_op, _OP)
    parser = _Parser(specs, single)

    def kernel(array):
        if getattr(_probing, "on", False):
            return _static_result_arrays(specs, tuple(array.shape))
        flat = list(np.asarray(array, dtype=object).reshape(-1))
        parts = parser.parse(flat, _names(example_names, len(flat)))
        return _assemble(specs, parts, single, len(flat))

    if type(tensor._v) is SymbolicStrings:
        return _traced(kernel, tensor, specs)
    results = kernel(tensor._value)
    out = {}
    by_key = {spec.key: result for spec, result in zip(specs, results) if spec.kind == "var"}
    for key, feature, index_keys in composites:
        indices, values, shape = _sparse_feature(feature, index_keys, by_key, single)
        out[key] = SparseTensor(_tensor(indices), _tensor(values), _tensor(shape))
    for spec, result in zip(specs, results):
        if spec.key in out:  # a SparseFeature's own key
            continue
        if spec.kind == "var":
            indices, values, shape = result
            out[spec.key] = SparseTensor(_tensor(indices), _tensor(values), _tensor(shape))
        elif spec.kind == "ragged" and not single:
            out[spec.key] = RaggedTensor.from_row_splits(_tensor(result[1]), _tensor(result[2]), validate=False)
        else:
            out[spec.key] = _tensor(result)
    return {key: out[key] for key in _output_order(specs, composites, features)}


def _output_order(specs, composites, features):
    """TF's key order, as its Python builds the result: the parse op's keys (sparse ones, with a
    SparseFeature's index and value keys, then dense ones, then ragged value keys), each composite
    feature (SparseFeature, RaggedFeature; sorted) replacing its key in place or appended, and the
    keys that are not features dropped."""
    raw = [spec.key for spec in specs if spec.kind != "ragged"]
    raw += [spec.source for spec in specs if spec.kind == "ragged"]
    updates = sorted([key for key, _, _ in composites] + [spec.key for spec in specs if spec.kind == "ragged"])
    order = list(dict.fromkeys(raw + updates))
    return [key for key in order if key in features]


def _sparse_feature(feature, index_keys, by_key, single):
    """(indices, values, dense_shape) of a SparseFeature from the sparse parses of its keys."""
    _, values, value_shape = by_key[feature.value_key]
    value_rows = None if single else by_key[feature.value_key][0][:, 0]
    columns = [] if single else [value_rows]
    for index_key in index_keys:
        indices, index_values, _ = by_key[index_key]
        if len(index_values) != len(values) or (not single and not np.array_equal(indices[:, 0], value_rows)):
            raise ValueError(f"Dimensions {len(index_values)} and {len(values)} are not compatible")
        columns.append(np.asarray(index_values, np.int64))
    indices = np.stack(columns, axis=1) if columns else np.zeros((len(values), 0), np.int64)
    if not feature.already_sorted and len(values):
        order = np.lexsort(indices.T[::-1])
        indices, values = indices[order], values[order]
    size = [feature.size] if isinstance(feature.size, (int, np.integer)) else list(feature.size)
    batch = [] if single else [int(value_shape[0])]
    return indices.reshape(-1, len(columns)), values, np.array(batch + [int(d) for d in size], np.int64)


def _traced(kernel, tensor, specs):
    """The parse of symbolic strings inside a trace: one host callback when the function runs."""
    if any(spec.kind != "fixed" for spec in specs):
        raise _string_trace.StringFallback("tf.io.parse_example of a traced string Tensor with sparse or "
                                           "sequence features (their shapes depend on the data)")

    def result_arrays(out):
        def rebuild(traced):
            return {spec.key: Tensor(value) for spec, value in zip(specs, traced)}
        return [np.asarray(a) for a in out], rebuild

    _probing.on = True
    try:
        return _string_trace.host_call(lambda inputs: kernel(inputs[0]), [tensor._v], np.asarray,
                                       result_arrays, "ParseExampleV2")
    finally:
        _probing.on = False


def parse_single_example(serialized, features, example_names=None, name=None):
    """Parses one serialized `tf.train.Example`, as `tf.io.parse_single_example`.

    Args:
      serialized: a scalar string Tensor (or bytes): the serialized Example.
      features: a dict of feature keys to `FixedLenFeature`, `VarLenFeature` or
        `FixedLenSequenceFeature`.
      example_names: (optional) the example's name, for error messages.
      name: unused.

    Returns:
      A dict of the keys of `features` to Tensors (SparseTensors for `VarLenFeature`s).

    Raises:
      ValueError: `serialized` is not a scalar; `features` is empty or holds something else.
      InvalidArgumentError: a required feature is missing, has another type or a wrong number of
        values, or `serialized` is not an Example.
    """
    return _parse(serialized, features, example_names, single_op=True)


def parse_example(serialized, features, example_names=None, name=None):
    """Parses a batch of serialized `tf.train.Example`s, as `tf.io.parse_example`.

    Args:
      serialized: a vector (or scalar) string Tensor of serialized Examples.
      features: a dict of feature keys to `FixedLenFeature`, `VarLenFeature` or
        `FixedLenSequenceFeature`.
      example_names: (optional) a vector of the examples' names, for error messages.
      name: unused.

    Returns:
      A dict of the keys of `features` to Tensors with a leading batch dimension (SparseTensors of
      `[batch, longest]` for `VarLenFeature`s; sequence features padded with their default).

    Raises:
      ValueError: `features` is empty or holds something else.
      InvalidArgumentError: as `parse_single_example`, naming the example; `serialized` of rank > 1.
    """
    return _parse(serialized, features, example_names, single_op=False)


# --------------------------------------------------------------------------------------------------
# SequenceExample
# --------------------------------------------------------------------------------------------------
_SEQ_OP = " [Op:ParseSequenceExampleV2]"


def _sequence_attr_error(attr, dtype):
    return InvalidArgumentError(
        f"Value for attr '{attr}' of {dtype._tf_kind} is not in the list of allowed values: float, int64, "
        f"string\n\t; NodeDef: {{{{node ParseSequenceExampleV2}}}}; Op<name=ParseSequenceExampleV2>{_SEQ_OP}")


def _sequence_specs(features, context):
    """The checked specs of a SequenceExample's context or feature-list features, in TF's order."""
    sparse, dense = [], []
    allowed_dense = FixedLenFeature if context else FixedLenSequenceFeature
    for key in sorted(features or {}):
        feature = features[key]
        if isinstance(feature, VarLenFeature):
            dtype = _dtypes.as_dtype(feature.dtype)
            if dtype not in _ALLOWED:
                raise _sequence_attr_error("context_sparse_types" if context else "feature_list_sparse_types", dtype)
            sparse.append(_Spec(key, "var", dtype, None, None))
        elif type(feature) is allowed_dense:
            dtype = _dtypes.as_dtype(feature.dtype)
            shape = _shape_tuple(feature.shape)
            if any(d is None for d in shape):
                if context:
                    raise ValueError(f"First dimension of shape for feature {key} unknown. Consider using "
                                     f"FixedLenSequenceFeature. Received feature={feature!r}.")
                dims = ",".join("?" if d is None else str(d) for d in shape)
                raise InvalidArgumentError(f"Shape [{dims}] is not fully defined{_SEQ_OP}")
            if dtype not in _ALLOWED:
                raise _sequence_attr_error("Tcontext_dense" if context else "feature_list_dense_types", dtype)
            shape = tuple(int(d) for d in shape)
            if context:
                default = None if feature.default_value is None else _default_array(feature, dtype, shape)
                dense.append(_Spec(key, "fixed", dtype, shape, default))
            else:
                if feature.default_value is not None:
                    raise ValueError(f"Value feature_list.dense_defaults[{key}] must be None")
                dense.append(_Spec(key, "seq", dtype, shape, None, optional=bool(feature.allow_missing)))
        else:
            raise ValueError(f"Unsupported {type(feature).__name__} {feature} for key '{key}'")
    return sparse + dense


def _typed_values(feature, spec):
    """The values of a Feature of `spec`'s type (None for another type; [] for an empty Feature)."""
    kind = feature.WhichOneof("kind")
    if kind is None:
        return []
    if kind != _KIND[spec.dtype]:
        return None
    return list(getattr(feature, kind).value)


def _context_part(spec, feature_map, name):
    values = _typed_values(feature_map[spec.key], spec) if spec.key in feature_map else []
    if values is None:
        raise InvalidArgumentError(f"Name: {name}, Context feature: {spec.key}.  Data types don't match. "
                                   f"Expected type: {_VALUE_NAME[spec.dtype]}{_SEQ_OP}")
    if spec.kind == "var":
        return _array(values, spec.dtype)
    size = int(np.prod(spec.shape, dtype=np.int64))
    if spec.key not in feature_map and spec.default is not None:
        return spec.default
    if len(values) != size:
        raise InvalidArgumentError(f"Inconsistent max number of elements for feature {spec.key}: expected "
                                   f"{size}, but found {len(values)}{_SEQ_OP}")
    return _array(values, spec.dtype).reshape(spec.shape)


def _feature_list_part(spec, lists, name):
    """A feature list's values: a [T, *shape] array (dense) or a list of T arrays (sparse)."""
    if spec.key not in lists:
        if spec.kind == "seq" and not spec.optional:
            raise InvalidArgumentError(
                f"Name: {name}, Feature list '{spec.key}' is required but could not be found.  Did you mean to "
                f"include it in feature_list_dense_missing_assumed_empty or feature_list_dense_defaults?{_SEQ_OP}")
        features = []
    else:
        features = lists[spec.key].feature
    size = None if spec.kind == "var" else int(np.prod(spec.shape, dtype=np.int64))
    steps = []
    for t, feature in enumerate(features):
        values = _typed_values(feature, spec)
        if values is None:
            raise InvalidArgumentError(f"Name: {name}, Feature list: {spec.key}, Index: {t}.  Data types don't "
                                       f"match. Expected type: {_VALUE_NAME[spec.dtype]}{_SEQ_OP}")
        if size is not None and len(values) != size:
            raise InvalidArgumentError(f"Name: {name}, Key: {spec.key}, Index: {t}.  Number of values != "
                                       f"expected.  values size: {len(values)} but output shape: "
                                       f"{_shape_text(spec.shape)}{_SEQ_OP}")
        steps.append(_array(values, spec.dtype))
    if spec.kind == "var":
        return steps
    return (np.stack(steps) if steps else _empty(spec.dtype, (0, size))).reshape((len(steps),) + spec.shape)


def _sparse_steps(step_lists, single):
    """(indices, values, dense_shape) of the feature lists of a batch (one list of steps each)."""
    longest_step = max((len(v) for steps in step_lists for v in steps), default=0)
    longest_list = max((len(steps) for steps in step_lists), default=0)
    rows, values = [], []
    for b, steps in enumerate(step_lists):
        for t, v in enumerate(steps):
            for j in range(len(v)):
                rows.append((t, j) if single else (b, t, j))
            values.append(v)
    rank = 2 if single else 3
    indices = np.array(rows, np.int64).reshape(-1, rank)
    flat = np.concatenate(values) if values and sum(len(v) for v in values) else None
    shape = [longest_list, longest_step] if single else [len(step_lists), longest_list, longest_step]
    return indices, flat, np.array(shape, np.int64)


def _parse_sequence(serialized, context_features, sequence_features, example_names, single_op):
    if not context_features and not sequence_features:
        names = "context_features and sequence_features are" if single_op else \
            "`context_features` and `sequence_features` argument are"
        raise ValueError(f"Both {names} None, but at least one should have values.")
    context_specs = _sequence_specs(context_features, context=True)
    list_specs = _sequence_specs(sequence_features, context=False)
    tensor = serialized if isinstance(serialized, Tensor) else convert_to_tensor(serialized)
    if tensor._v.dtype.kind != "O":
        raise InvalidArgumentError(
            f"cannot compute ParseSequenceExampleV2 as input #0(zero-based) was expected to be a string tensor "
            f"but is a {tensor.dtype._tf_kind} tensor{_SEQ_OP} name: ")
    if _string_trace.symbolic(tensor._v):
        raise _string_trace.StringFallback("tf.io.parse_sequence_example of a traced string Tensor (its shapes "
                                           "depend on the data)")
    single = _scalar_or_vector(tensor, single_op, _SEQ_OP)
    flat = list(np.asarray(tensor._value, dtype=object).reshape(-1))
    names = _names(example_names, len(flat))
    context_parts = [[] for _ in context_specs]
    list_parts = [[] for _ in list_specs]
    for index, data in enumerate(flat):
        name = names[index] if names is not None else "<unknown>"
        try:
            sequence = _example.SequenceExample.FromString(data)
        except DecodeError:
            raise InvalidArgumentError(f"Invalid protocol message input, example id: {name}{_SEQ_OP}") from None
        for spec, out in zip(context_specs, context_parts):
            out.append(_context_part(spec, sequence.context.feature, name))
        for spec, out in zip(list_specs, list_parts):
            out.append(_feature_list_part(spec, sequence.feature_lists.feature_list, name))
    context = {}
    for spec, result in zip(context_specs, _assemble(context_specs, context_parts, single, len(flat))):
        context[spec.key] = (SparseTensor(_tensor(result[0]), _tensor(result[1]), _tensor(result[2]))
                             if spec.kind == "var" else _tensor(result))
    lists, lengths = {}, {}
    for spec, items in zip(list_specs, list_parts):
        if spec.kind == "var":
            indices, values, shape = _sparse_steps(items, single)
            values = _empty(spec.dtype, (0,)) if values is None else values
            lists[spec.key] = SparseTensor(_tensor(indices), _tensor(values), _tensor(shape))
            continue
        counts = np.array([len(item) for item in items], np.int64)
        if single:
            lists[spec.key] = _tensor(items[0])
            lengths[spec.key] = _tensor(counts[0])
            continue
        out = _empty(spec.dtype, (len(items), int(counts.max(initial=0))) + spec.shape)
        out[...] = b"" if spec.dtype == _dtypes.string else 0
        for i, item in enumerate(items):
            out[i, :len(item)] = item
        lists[spec.key] = _tensor(out)
        lengths[spec.key] = _tensor(counts)
    return context, lists, lengths


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """Parses one serialized `tf.train.SequenceExample`, as `tf.io.parse_single_sequence_example`.

    Args:
      serialized: a scalar string Tensor (or bytes): the serialized SequenceExample.
      context_features: a dict of keys to `FixedLenFeature` or `VarLenFeature`, read from `context`.
      sequence_features: a dict of keys to `FixedLenSequenceFeature` or `VarLenFeature`, read from
        `feature_lists` (a FixedLenSequenceFeature without `allow_missing` is required).
      example_name: (optional) the example's name, for error messages.
      name: unused.

    Returns:
      `(context, feature_lists)`: dicts of Tensors (`[steps, *shape]` for a sequence feature) and
      SparseTensors (`[steps, longest]` for a VarLenFeature of the feature lists).

    Raises:
      ValueError: no features, an unsupported feature, or a sequence feature with a default.
      InvalidArgumentError: a required feature (list) is missing or has values of another type or count.
    """
    context, lists, _ = _parse_sequence(serialized, context_features, sequence_features,
                                        example_name, single_op=True)
    return context, lists


def parse_sequence_example(serialized, context_features=None, sequence_features=None, example_names=None,
                           name=None):
    """Parses a batch of serialized `tf.train.SequenceExample`s, as `tf.io.parse_sequence_example`.

    Args:
      serialized: a vector (or scalar) string Tensor of serialized SequenceExamples.
      context_features: a dict of keys to `FixedLenFeature` or `VarLenFeature`.
      sequence_features: a dict of keys to `FixedLenSequenceFeature` or `VarLenFeature`.
      example_names: (optional) a vector of the examples' names, for error messages.
      name: unused.

    Returns:
      `(context, feature_lists, lengths)`: the batched context features, the feature lists (dense
      ones zero-padded to the longest list, `[batch, steps, *shape]`; sparse ones
      `[batch, steps, longest]`) and each dense feature list's lengths (int64 `[batch]`).

    Raises:
      ValueError: as `parse_single_sequence_example`.
      InvalidArgumentError: as `parse_single_sequence_example`; `serialized` of rank > 1.
    """
    return _parse_sequence(serialized, context_features, sequence_features, example_names, single_op=False)


# --------------------------------------------------------------------------------------------------
# TensorProto
# --------------------------------------------------------------------------------------------------
_VAL_FIELD = {
    "float32": "float_val", "float64": "double_val", "int32": "int_val", "int16": "int_val", "int8": "int_val",
    "uint8": "int_val", "uint16": "int_val", "int64": "int64_val", "bool": "bool_val", "uint32": "uint32_val",
    "uint64": "uint64_val", "complex64": "scomplex_val", "complex128": "dcomplex_val", "float16": "half_val",
    "bfloat16": "half_val", "string": "string_val",
}
_BY_ENUM = {number: name for name, number in _example.DATA_TYPES.items()}


def serialize_tensor(tensor, name=None):
    """The tensor as a serialized `TensorProto` (a scalar string Tensor), as `tf.io.serialize_tensor`.

    Args:
      tensor: a Tensor (or a value convertible to one).
      name: unused.

    Returns:
      A scalar string Tensor: TF's TensorProto bytes (numbers in `tensor_content`, strings in
      `string_val`).
    """
    tensor = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    if _string_trace.symbolic(tensor._v):
        raise _string_trace.StringFallback("tf.io.serialize_tensor of a traced Tensor")
    array = np.asarray(tensor._value)
    proto = _example.TensorProto(dtype=_example.DATA_TYPES[tensor.dtype.name])
    proto.tensor_shape.SetInParent()
    for d in array.shape:
        proto.tensor_shape.dim.add(size=int(d))
    if tensor.dtype == _dtypes.string:
        proto.string_val.extend(array.reshape(-1).tolist())
    else:
        proto.tensor_content = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    out = np.empty((), dtype=object)
    out[()] = proto.SerializeToString()
    return Tensor(out)


def _proto_array(proto, dtype):
    shape = tuple(d.size for d in proto.tensor_shape.dim)
    size = int(np.prod(shape, dtype=np.int64))
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if dtype == _dtypes.string:
        values = list(proto.string_val)
        if proto.tensor_content:  # TF's string list: the lengths as varints, then the bytes
            data, offset, lengths = proto.tensor_content, 0, []
            for _ in range(size):
                length, offset = _read_varint(data, offset)
                lengths.append(length)
            values = []
            for length in lengths:
                values.append(data[offset:offset + length])
                offset += length
        out = np.empty(size, dtype=object)
        if values:
            out[:len(values)] = values[:size]
            out[len(values):] = values[-1]
        else:
            out[:] = b""
        return out.reshape(shape)
    if proto.tensor_content:
        return np.frombuffer(proto.tensor_content, dtype=np_dtype.newbyteorder("<")).astype(np_dtype).reshape(shape)
    values = list(getattr(proto, _VAL_FIELD[dtype.name]))
    if dtype.name in ("float16", "bfloat16"):
        values = np.asarray(values, np.uint16).view(np_dtype)
    elif dtype.is_complex:
        values = np.asarray(values, np.float64).reshape(-1, 2) @ np.array([1, 1j])
    values = np.asarray(values).astype(np_dtype)
    if values.size == 0:
        return np.zeros(shape, np_dtype)
    if values.size < size:
        values = np.concatenate([values, np.full(size - values.size, values[-1], np_dtype)])
    return values[:size].reshape(shape)


def parse_tensor(serialized, out_type, name=None):
    """The tensor a serialized `TensorProto` holds, as `tf.io.parse_tensor`.

    Args:
      serialized: a scalar string Tensor (or bytes): a serialized TensorProto.
      out_type: the tensor's dtype (it must be the proto's).
      name: unused.

    Returns:
      A Tensor of `out_type`.

    Raises:
      InvalidArgumentError: the bytes are not a TensorProto, or it holds another dtype.
    """
    tensor = serialized if isinstance(serialized, Tensor) else convert_to_tensor(serialized)
    if _string_trace.symbolic(tensor._v):
        raise _string_trace.StringFallback("tf.io.parse_tensor of a traced string Tensor (its shape is data)")
    if tensor._v.dtype.kind != "O" or tensor.shape != ():
        raise InvalidArgumentError(f"Expected `serialized` to be a scalar string, got shape: "
                                   f"{_shape_text(tensor.shape)} [Op:ParseTensor] name: ")
    data = tensor._value[()]
    dtype = _dtypes.as_dtype(out_type)
    try:
        proto = _example.TensorProto.FromString(data)
    except DecodeError:
        proto = None
    if proto is None or proto.dtype not in _BY_ENUM or _BY_ENUM[proto.dtype] not in _VAL_FIELD:
        raise InvalidArgumentError(f"Could not parse `serialized` as TensorProto, base64: "
                                   f"{base64.urlsafe_b64encode(data).decode()} [Op:ParseTensor] name: ")
    if _BY_ENUM[proto.dtype] != dtype.name:
        raise InvalidArgumentError(f"Type mismatch between parsed tensor ({_BY_ENUM[proto.dtype]}) and dtype "
                                   f"({dtype.name}) [Op:ParseTensor] name: ")
    return _tensor(_proto_array(proto, dtype))


def _varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data, offset):
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def _serialized(array):
    """The TensorProto bytes of a host array as TF's sparse serialization writes them: all in
    `tensor_content` (strings as TF's string list: every length as a varint, then the bytes)."""
    array = np.asarray(array)
    if array.dtype.kind != "O":
        return serialize_tensor(_tensor(array))._value[()]
    proto = _example.TensorProto(dtype=_example.DATA_TYPES["string"])
    proto.tensor_shape.SetInParent()
    for d in array.shape:
        proto.tensor_shape.dim.add(size=int(d))
    flat = array.reshape(-1).tolist()
    proto.tensor_content = b"".join([_varint(len(b)) for b in flat] + flat)
    return proto.SerializeToString()


def _sparse_components(sp_input, what):
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor. (tf.io.{what} got a {type(sp_input).__name__}: make "
                        f"one with tf.sparse.from_dense.)")
    if any(_string_trace.symbolic(t._v) for t in (sp_input.indices, sp_input.values, sp_input.dense_shape)):
        raise _string_trace.StringFallback(f"tf.io.{what} of a traced SparseTensor")
    return (np.asarray(sp_input.indices._value), np.asarray(sp_input.values._value),
            np.asarray(sp_input.dense_shape._value))


def _check_string_out(out_type, what):
    if _dtypes.as_dtype(out_type) != _dtypes.string:
        raise NotImplementedError(f"tapejax's tf.io.{what} writes only out_type=tf.string (TF's variant "
                                  f"form has no tapejax counterpart).")


def serialize_sparse(sp_input, out_type=_dtypes.string, name=None):
    """A SparseTensor as three serialized TensorProtos, as `tf.io.serialize_sparse`.

    Args:
      sp_input: a SparseTensor.
      out_type: tf.string.
      name: unused.

    Returns:
      A string Tensor `[3]`: the serialized indices, values and dense shape.
    """
    _check_string_out(out_type, "serialize_sparse")
    indices, values, shape = _sparse_components(sp_input, "serialize_sparse")
    out = np.empty(3, dtype=object)
    out[:] = [_serialized(indices), _serialized(values), _serialized(shape)]
    return Tensor(out)


def serialize_many_sparse(sp_input, out_type=_dtypes.string, name=None):
    """Each row (first-dimension slice) of a SparseTensor serialized, as `tf.io.serialize_many_sparse`.

    Args:
      sp_input: a SparseTensor of rank 2 or more.
      out_type: tf.string.
      name: unused.

    Returns:
      A string Tensor `[rows, 3]`: each row's serialized indices, values and dense shape.

    Raises:
      InvalidArgumentError: a SparseTensor of rank < 2.
    """
    _check_string_out(out_type, "serialize_many_sparse")
    indices, values, shape = _sparse_components(sp_input, "serialize_many_sparse")
    if shape.size < 2:
        raise InvalidArgumentError(f"Rank of input SparseTensor should be > 1, but saw rank: {shape.size} "
                                   f"[Op:SerializeManySparse] name: ")
    out = np.empty((int(shape[0]), 3), dtype=object)
    for row in range(int(shape[0])):
        mine = indices[:, 0] == row
        out[row] = [_serialized(indices[mine][:, 1:].reshape(-1, shape.size - 1)), _serialized(values[mine]),
                    _serialized(shape[1:])]
    return Tensor(out)


def deserialize_many_sparse(serialized_sparse, dtype, rank=None, name=None):
    """The SparseTensor whose rows `serialize_many_sparse` wrote, as `tf.io.deserialize_many_sparse`.

    Args:
      serialized_sparse: a string Tensor `[rows, 3]`.
      dtype: the values' dtype.
      rank: (optional) the rank of the result.
      name: unused.

    Returns:
      A SparseTensor with a first dimension of `rows` and each further dimension the largest of
      the rows'.

    Raises:
      InvalidArgumentError: the input is not `[rows, 3]`, or a row does not hold such tensors.
    """
    tensor = serialized_sparse if isinstance(serialized_sparse, Tensor) else convert_to_tensor(serialized_sparse)
    if _string_trace.symbolic(tensor._v):
        raise _string_trace.StringFallback("tf.io.deserialize_many_sparse of a traced string Tensor")
    array = np.asarray(tensor._value, dtype=object)
    if array.ndim != 2 or array.shape[1] != 3:
        raise InvalidArgumentError(f"Serialized sparse should have 3 as the last dimension "
                                   f"{_shape_text(array.shape)} [Op:DeserializeManySparse] name: ")
    dtype = _dtypes.as_dtype(dtype)
    rows_indices, rows_values, rows_shapes = [], [], []
    for row, (i, v, d) in enumerate(array):
        indices = np.asarray(parse_tensor(i, _dtypes.int64)._value)
        rows_indices.append(np.concatenate([np.full((len(indices), 1), row, np.int64), indices], axis=1))
        stored = _BY_ENUM.get(_example.TensorProto.FromString(v).dtype)
        if stored != dtype.name and stored in _VAL_FIELD:
            raise InvalidArgumentError(f"Requested SparseTensor of type {dtype.name} but SparseTensor[{row}].values."
                                       f"dtype() == {_dtypes.as_dtype(stored)._tf_kind} [Op:DeserializeManySparse] name: ")
        rows_values.append(np.asarray(parse_tensor(v, dtype)._value))
        rows_shapes.append(np.asarray(parse_tensor(d, _dtypes.int64)._value))
    inner = len(rows_shapes[0]) if rows_shapes else (0 if rank is None else int(rank) - 1)
    shape = np.array([len(array)] + [int(max(s[k] for s in rows_shapes)) for k in range(inner)], np.int64)
    indices = np.concatenate(rows_indices) if rows_indices else np.zeros((0, inner + 1), np.int64)
    values = np.concatenate(rows_values) if rows_values else _empty(dtype, (0,))
    return SparseTensor(_tensor(indices.reshape(-1, inner + 1)), _tensor(values), _tensor(shape))


__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "RaggedFeature", "SparseFeature",
           "parse_single_example",
           "parse_example", "parse_single_sequence_example", "parse_sequence_example", "serialize_tensor",
           "parse_tensor", "serialize_sparse", "serialize_many_sparse", "deserialize_many_sparse"]
