"""String tensors' ops: NumPy kernels for the array ops TF defines on strings, and `tf.strings`.

A string Tensor holds a NumPy object array of Python `bytes` (see `_dtypes.string`). Strings never
reach JAX: `_dispatch` runs an op whose inputs are strings with its row in `HOST_KERNELS` (filled
here, keyed by TF's op name, with the same signature as the JAX row), and the `tf.strings` ops below
compute on the host. None of them is differentiable (TF registers no gradient for strings).
"""

from __future__ import annotations

import builtins
import re
import warnings

import farmhash
import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes, _ragged, _ragged_dispatch, _string_trace
from tapejax._errors import InvalidArgumentError, OutOfRangeError, UnimplementedError
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import HOST_KERNELS
from tapejax._ops.array_ops import _decode_key
from tapejax._tensor import Tensor

__all__ = ["length", "lower", "upper", "strip", "split", "join", "reduce_join", "regex_replace",
           "regex_full_match", "substr", "to_number", "as_string", "unicode_split", "bytes_split",
           "to_hash_bucket_fast", "format", "unicode_decode"]


def _broadcast(op_name, *arrays):
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = " vs. ".join("[" + ",".join(map(str, v.shape)) + "]" for v in arrays)
        raise InvalidArgumentError(f"Incompatible shapes: {shapes} [Op:{op_name}] name: ") from None


def _equal(x, y, op_name="Equal"):
    x, y = _broadcast(op_name, x, y)
    return np.fromiter((a == b for a, b in zip(x.ravel(), y.ravel())), bool, x.size).reshape(x.shape)


def _cast(x, dtype):
    src = "string" if x.dtype.kind == "O" else _dtypes.from_jax(x.dtype)._tf_kind
    dst = "string" if dtype.kind == "O" else _dtypes.as_dtype(dtype)._tf_kind
    raise UnimplementedError(f"Cast {src} to {dst} is not supported [Op:Cast] name: \ntapejax: use "
                             f"tf.strings.to_number / tf.strings.as_string to convert strings.")


def _objects(array):
    out = np.empty(np.shape(array), dtype=object)
    out[...] = array
    return out


def _add(x, y):
    x, y = _broadcast("AddV2", x, y)
    return _objects(np.frompyfunc(lambda a, b: a + b, 2, 1)(x, y))


HOST_KERNELS.update({
    "Identity": lambda x: x,
    "StopGradient": lambda x: x,
    "Reshape": lambda x, shape: x.reshape(shape),
    "Transpose": lambda x, perm: np.ascontiguousarray(np.transpose(x, perm)),
    "ExpandDims": lambda x, axis: np.expand_dims(x, axis),
    "Squeeze": lambda x, axis: np.squeeze(x, axis),
    "Tile": lambda x, multiples: np.tile(x, multiples),
    "BroadcastTo": lambda x, shape: np.array(np.broadcast_to(x, shape)),
    "ReverseV2": lambda x, axis: np.flip(x, axis).copy(),
    "ConcatV2": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "Pack": lambda *xs, axis: np.stack(xs, axis=axis),
    "Unpack": lambda x, num, axis: tuple(np.squeeze(p, axis) for p in np.split(x, num, axis=axis)),
    "SplitV": lambda x, sizes, axis: tuple(np.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis)),
    "StridedSlice": lambda x, key: _objects(x[_decode_key(key)]),
    "Slice": lambda x, begin, size: x[tuple(builtins.slice(b, b + s) for b, s in zip(begin, size))],
    "GatherV2": lambda p, i, axis, batch_dims: _objects(np.take(p, i, axis=axis)),
    "GatherNd": lambda p, i, batch_dims: _objects(p[tuple(np.moveaxis(i, -1, 0))]),
    "SelectV2": lambda c, x, y: _objects(np.where(c, x, y)),
    "Equal": _equal,
    "NotEqual": lambda x, y: ~_equal(x, y, "NotEqual"),
    "AddV2": _add,
    "Cast": _cast,
})


# ==== tf.strings ================================================================================
def _strings(x, op_name, index=0):
    """The object array of bytes of a string input; TF's error for a tensor of another dtype."""
    t = convert_to_tensor(x) if not isinstance(x, Tensor) else x
    if t._v.dtype.kind != "O":
        if hasattr(t, "_trainable"):
            t = convert_to_tensor(t)
        raise InvalidArgumentError(
            f"cannot compute {op_name} as input #{index}(zero-based) was expected to be a string "
            f"tensor but is a {t.dtype._tf_kind} tensor [Op:{op_name}] name: ")
    return t._value


def _map(fn, array, otype=object):
    """`fn` applied to every element of `array`, in an array of `otype` and the same shape."""
    flat = [fn(b) for b in array.reshape(-1)]
    out = np.empty(len(flat), dtype=otype)
    out[:] = flat
    return out.reshape(array.shape)


def _strings_out(array):
    return Tensor(array)


def _numbers_out(array, dtype):
    return Tensor(jnp.asarray(np.asarray(array, dtype=dtype)))


def _check_unit(unit, op_name):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError(
            f'Value for attr \'unit\' of "{unit}" is not in the list of allowed values: "BYTE", '
            f'"UTF8_CHAR"\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: ')


def _decode(b):
    return b.decode("utf-8", errors="replace")


def length(input, unit="BYTE", name=None):
    """The length of each string, in bytes or (unit="UTF8_CHAR") Unicode code points.

    Args:
      input: a string Tensor (or Python strings).
      unit: "BYTE" or "UTF8_CHAR".

    Returns:
      An int32 Tensor of `input`'s shape.
    """
    _check_unit(unit, "StringLength")
    array = _strings(input, "StringLength")
    size = len if unit == "BYTE" else (lambda b: len(_decode(b)))
    return _numbers_out(_map(size, array, np.int32), np.int32)


def lower(input, encoding="", name=None):
    """Lower-cases each string: ASCII letters only, or all of Unicode with encoding="utf-8".

    Returns:
      A string Tensor of `input`'s shape.
    """
    array = _strings(input, "StringLower")
    if encoding:
        return _strings_out(_map(lambda b: _decode(b).lower().encode("utf-8"), array))
    return _strings_out(_map(bytes.lower, array))


def upper(input, encoding="", name=None):
    """Upper-cases each string: ASCII letters only, or all of Unicode with encoding="utf-8".

    Returns:
      A string Tensor of `input`'s shape.
    """
    array = _strings(input, "StringUpper")
    if encoding:
        return _strings_out(_map(lambda b: _decode(b).upper().encode("utf-8"), array))
    return _strings_out(_map(bytes.upper, array))


def strip(input, name=None):
    """Strips leading and trailing ASCII whitespace from each string.

    Returns:
      A string Tensor of `input`'s shape.
    """
    return _strings_out(_map(bytes.strip, _strings(input, "StringStrip")))


def _ragged_pieces(array, pieces_of):
    """A RaggedTensor of `pieces_of(b)` (a list of bytes) for each string of the N-D `array`: its
    dimensions stay (uniform) and one ragged dimension is added, as TF's splitting ops."""
    flat = array.reshape(-1)
    pieces = [pieces_of(b) for b in flat]
    values = _objects_1d([p for ps in pieces for p in ps])
    result = _ragged.RaggedTensor.from_row_lengths(Tensor(values), [builtins.len(p) for p in pieces])
    for size in reversed(array.shape[1:]):
        result = _ragged.RaggedTensor.from_uniform_row_length(result, size)
    return result


def split(input, sep=None, maxsplit=-1, name=None):
    """Splits a scalar string at `sep` (runs of whitespace when `sep` is None or empty).

    Args:
      input: a string Tensor (or RaggedTensor). A scalar gives a 1-D Tensor; a batch of strings
        gives a RaggedTensor with one more (ragged) dimension.
      sep: the separator; None or "" splits at runs of whitespace, dropping empty pieces.
      maxsplit: at most this many splits (-1: no limit).

    Returns:
      A 1-D string Tensor of the pieces, or a RaggedTensor for a batch of strings.
    """
    array = _strings(input, "StringSplitV2")
    if isinstance(sep, Tensor):
        sep = sep.numpy()
    sep = sep.encode("utf-8") if isinstance(sep, str) else sep
    limit = -1 if maxsplit is None or maxsplit < 0 else int(maxsplit)

    def pieces_of(text):
        return text.split(None, limit) if not sep else text.split(sep, limit)

    if array.ndim:
        return _ragged_pieces(array, pieces_of)
    return _strings_out(_objects_1d(pieces_of(array[()])))


def _objects_1d(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def join(inputs, separator="", name=None):
    """Joins strings elementwise across `inputs` (Tensors of one shape, or scalars) with `separator`.

    Raises:
      InvalidArgumentError: for non-scalar inputs of different shapes, or a non-string input.

    Returns:
      A string Tensor.
    """
    arrays = [_strings(x, "StringJoin", i) for i, x in enumerate(inputs)]
    shapes = [a.shape for a in arrays if a.ndim]
    for shape in shapes[1:]:
        if shape != shapes[0]:
            raise InvalidArgumentError(
                f"Input shapes do not match: [{','.join(map(str, shapes[0]))}] vs. "
                f"[{','.join(map(str, shape))}] [Op:StringJoin] name: ")
    sep = separator.encode("utf-8") if isinstance(separator, str) else bytes(separator)
    shape = shapes[0] if shapes else ()
    if not arrays:
        return _strings_out(string_scalar(b""))
    columns = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
    joined = [sep.join(parts) for parts in zip(*columns)]
    return _strings_out(_objects_1d(joined).reshape(shape))


def string_scalar(b):
    out = np.empty((), dtype=object)
    out[()] = b
    return out


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along `axis` (all axes when None) with `separator`, as TF.

    Over several axes TF reduces them one after another in the order given, so the last axis given
    varies slowest in each joined string.

    Raises:
      OutOfRangeError: for an axis outside the input's rank.

    Returns:
      A string Tensor.
    """
    array = _strings(inputs, "ReduceJoin")
    rank = array.ndim
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    if axis is None:
        axes = list(builtins.range(rank - 1, -1, -1))
    else:
        axes = [int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
    for a in axes:
        if not -rank <= a < rank:
            raise OutOfRangeError(f"Invalid reduction dimension {a} for input with {rank} "
                                  f"dimension(s) [Op:ReduceJoin] name: ")
    axes = [a % rank for a in axes] if rank else []
    kept = [d for d in builtins.range(rank) if d not in axes]
    moved = np.transpose(array, kept + axes[::-1]) if rank else array
    out_shape = tuple(array.shape[d] for d in kept)
    sep = separator.encode("utf-8") if isinstance(separator, str) else bytes(separator)
    flat = moved.reshape(int(np.prod(out_shape, dtype=np.int64)), -1)
    result = _objects_1d([sep.join(row) for row in flat]).reshape(out_shape)
    if keepdims:
        result = result.reshape(tuple(1 if d in axes else n for d, n in enumerate(array.shape)))
    return _strings_out(result)


def _pattern(pattern):
    if isinstance(pattern, Tensor):
        pattern = pattern.numpy()
    pattern = pattern.encode("utf-8") if isinstance(pattern, str) else bytes(pattern)
    try:
        return re.compile(pattern)
    except re.error as err:
        raise InvalidArgumentError(f"Invalid pattern: {pattern.decode('utf-8', 'replace')}, error: "
                                   f"{err} [Op:StaticRegexReplace] name: ") from None


def _rewrite(rewrite):
    """RE2's rewrite string (\\0-\\9 groups, \\\\ a backslash) as a function of a match."""
    if isinstance(rewrite, Tensor):
        rewrite = rewrite.numpy()
    rewrite = rewrite.encode("utf-8") if isinstance(rewrite, str) else bytes(rewrite)
    parts = re.split(rb"(\\\\|\\[0-9])", rewrite)

    def expand(match):
        out = []
        for p in parts:
            if p == b"\\\\":
                out.append(b"\\")
            elif len(p) == 2 and p[:1] == b"\\" and p[1:].isdigit():
                out.append(match.group(int(p[1:])) or b"")
            else:
                out.append(p)
        return b"".join(out)
    return expand


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replaces matches of `pattern` in each string by `rewrite` (`\\1` refers to a group).

    Patterns are run by Python's `re` on the UTF-8 bytes; RE2 (TF's engine) accepts the same
    syntax for ordinary patterns (RE2 has no backreferences or lookarounds).

    Returns:
      A string Tensor of `input`'s shape.
    """
    array = _strings(input, "StaticRegexReplace")
    regex, expand = _pattern(pattern), _rewrite(rewrite)
    count = 0 if replace_global else 1
    return _strings_out(_map(lambda b: regex.sub(expand, b, count=count), array))


def regex_full_match(input, pattern, name=None):
    """Whether each whole string matches `pattern`.

    Returns:
      A bool Tensor of `input`'s shape.
    """
    array = _strings(input, "StaticRegexFullMatch")
    regex = _pattern(pattern)
    return _numbers_out(_map(lambda b: regex.fullmatch(b) is not None, array, bool), bool)


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002 - TF's argument name
    """The substring of each string from `pos` (negative: from the end), at most `len` long.

    Args:
      input: a string Tensor.
      pos: int scalar, or ints broadcasting against `input`.
      len: int scalar, or ints broadcasting against `input` (negative: to the end).
      unit: "BYTE" or "UTF8_CHAR".

    Raises:
      InvalidArgumentError: where `pos` is outside [-length, length] of its string.

    Returns:
      A string Tensor.
    """
    _check_unit(unit, "Substr")
    array = _strings(input, "Substr")
    pos = np.asarray(pos.numpy() if isinstance(pos, Tensor) else pos)
    size = np.asarray(len.numpy() if isinstance(len, Tensor) else len)
    array, pos, size = np.broadcast_arrays(array, pos, size)
    out = []
    for i, (b, p, n) in enumerate(zip(array.reshape(-1), pos.reshape(-1), size.reshape(-1))):
        text = b if unit == "BYTE" else _decode(b)
        p, n, total = int(p), int(n), builtins.len(text)
        if not -total <= p <= total:
            raise InvalidArgumentError(f"pos {p} out of range for string {b!r} at index {i} "
                                       f"[Op:Substr] name: ")
        p = p + total if p < 0 else p
        piece = text[p:] if n < 0 else text[p:p + n]
        out.append(piece if unit == "BYTE" else piece.encode("utf-8"))
    return _strings_out(_objects_1d(out).reshape(array.shape))


_FLOAT_TEXT = re.compile(rb"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan|"
                         rb"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)\s*",
                         re.IGNORECASE)
_INT_TEXT = re.compile(rb"\s*[+-]?\d+\s*")
_TO_NUMBER_TYPES = ("float32", "float64", "int32", "int64", "uint32", "uint64")


def to_number(string_tensor, out_type=_dtypes.float32, name=None):
    """Parses each string as a number of `out_type` (float32 by default), as TF's StringToNumber.

    Floats accept surrounding whitespace, exponents, hex, inf and nan; integers only digits with a
    sign, within `out_type`'s range.

    Raises:
      InvalidArgumentError: for a string that is not such a number.

    Returns:
      A Tensor of `out_type` and the input's shape.
    """
    dtype = _dtypes.as_dtype(out_type)
    if dtype.name not in _TO_NUMBER_TYPES:
        raise InvalidArgumentError(
            f"Value for attr 'out_type' of {dtype._tf_kind} is not in the list of allowed values: "
            f"float, double, int32, int64, uint32, uint64\n\t; NodeDef: {{{{node StringToNumber}}}} "
            f"[Op:StringToNumber] name: ")
    array = _strings(string_tensor, "StringToNumber")

    def bad(b):
        return InvalidArgumentError(f"StringToNumberOp could not correctly convert string: "
                                    f"{b.decode('utf-8', 'replace')} [Op:StringToNumber] name: ")

    if dtype.is_floating:
        def parse(b):
            if not _FLOAT_TEXT.fullmatch(b):
                raise bad(b)
            text = b.strip().decode("ascii")
            body = text.lstrip("+-")
            if body[:2].lower() == "0x":
                value = float.fromhex(body)
                return -value if text.startswith("-") else value
            return float(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # 1e50 -> inf in float32, as TF
            return _numbers_out(_map(parse, array, np.float64).astype(dtype._np), dtype._np)
    info = np.iinfo(dtype._np)

    def parse_int(b):
        if not _INT_TEXT.fullmatch(b):
            raise bad(b)
        value = int(b)
        if not info.min <= value <= info.max:
            raise bad(b)
        return value
    return _numbers_out(_map(parse_int, array, dtype._np), dtype._np)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):
    """Formats each number as a string, with C's printf conventions as TF's AsString.

    Args:
      input: a numeric, bool or string Tensor (strings are returned as they are).
      precision: digits after the point for floats (-1: printf's default, 6).
      scientific: exponent notation (`%e`).
      shortest: the shorter of fixed and exponent notation (`%g`).
      width: pad to at least this many characters.
      fill: "" or " " pads with spaces, "0" with zeros.

    Raises:
      InvalidArgumentError: for an unsupported fill, precision on integers, or both scientific and
        shortest.

    Returns:
      A string Tensor of `input`'s shape.
    """
    t = convert_to_tensor(input) if not isinstance(input, Tensor) else input
    dtype = t.dtype
    if dtype == _dtypes.string:
        return t
    if fill not in ("", " ", "0"):
        raise InvalidArgumentError(f'Fill argument not supported: "{fill}" [Op:AsString] name: ')
    if scientific and shortest:
        raise InvalidArgumentError("Cannot select both scientific and shortest notation [Op:AsString] "
                                   "name: ")
    if precision > -1 and not (dtype.is_floating or dtype.is_complex):
        raise InvalidArgumentError(f"precision not supported for datatype {dtype.name} [Op:AsString] "
                                   f"name: ")
    flags = ("0" if fill == "0" else "") + (str(width) if width > -1 else "")
    array = np.asarray(t._value)
    if dtype.is_bool:
        return _strings_out(_map(lambda v: (b"true" if v else b"false"), array))
    if dtype.is_integer:
        spec = "%" + flags + "d"
        return _strings_out(_map(lambda v: (spec % int(v)).encode("ascii"), array))
    if dtype.is_complex:
        raise NotImplementedError("tf.strings.as_string of complex tensors is not supported in tapejax.")
    kind = "e" if scientific else "g" if shortest else "f"
    spec = "%" + flags + (f".{precision}" if precision > -1 else "") + kind
    return _strings_out(_map(lambda v: (spec % float(v)).encode("ascii"), array.astype(np.float64)))


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533, name=None):
    """Splits a scalar string into its Unicode characters (each a UTF-8 string).

    Invalid bytes become U+FFFD, as TF's default `errors="replace"`. A batch of strings gives a
    RaggedTensor (one more, ragged, dimension).

    Returns:
      A 1-D string Tensor, or a RaggedTensor for a batch of strings.
    """
    array = _strings(input, "UnicodeDecodeWithOffsets")
    if str(input_encoding).upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        raise NotImplementedError("tapejax's tf.strings.unicode_split decodes UTF-8 only.")

    def chars_of(text):
        chars = text.decode("utf-8", errors="strict" if errors == "strict" else "replace")
        return [c.encode("utf-8") for c in chars]

    if array.ndim:
        return _ragged_pieces(array, chars_of)
    return _strings_out(_objects_1d(chars_of(array[()])))


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,
                   replace_control_characters=False, name=None):
    """The Unicode code points of each string (int32), as `tf.strings.unicode_decode`.

    Args:
      input: a string Tensor (or RaggedTensor); a batch gives a RaggedTensor of code points.
      input_encoding: "UTF-8" (the only encoding tapejax decodes).
      errors: "replace" (invalid bytes become `replacement_char`), "ignore" or "strict".

    Returns:
      A 1-D int32 Tensor for a scalar string, or a RaggedTensor for a batch.
    """
    array = _strings(input, "UnicodeDecode")
    if str(input_encoding).upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        raise NotImplementedError("tapejax's tf.strings.unicode_decode decodes UTF-8 only.")

    def points_of(text):
        chars = text.decode("utf-8", errors="strict" if errors == "strict" else errors)
        return [replacement_char if c == "\ufffd" and errors == "replace" else ord(c) for c in chars]

    if array.ndim:
        pieces = _ragged_pieces(array, points_of)
        return pieces.with_flat_values(_numbers_out(np.asarray(pieces.flat_values.numpy(), np.int64), np.int32))
    return _numbers_out(points_of(array[()]), np.int32)


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterprets the bytes of each string as numbers of `out_type`, as `tf.io.decode_raw`.

    Returns:
      A Tensor of `out_type` with one more dimension (the numbers of each string).

    Raises:
      InvalidArgumentError: if the strings' lengths differ or do not divide into whole numbers.
    """
    array = _strings(input_bytes, "DecodeRaw")
    dtype = np.dtype(_dtypes.as_dtype(out_type)._np).newbyteorder("<" if little_endian else ">")
    flat = [b if fixed_length is None else b[:int(fixed_length)].ljust(int(fixed_length), b"\0")
            for b in array.reshape(-1)]
    sizes = {builtins.len(b) for b in flat}
    if builtins.len(sizes) > 1:
        raise InvalidArgumentError(f"DecodeRaw requires input strings to all be the same size, but element 1 has "
                                   f"size {builtins.len(flat[1])} != {builtins.len(flat[0])} [Op:DecodeRaw]")
    for b in flat:
        if builtins.len(b) % dtype.itemsize:
            raise InvalidArgumentError(f"Input to DecodeRaw has length {builtins.len(b)} that is not a multiple of "
                                       f"{dtype.itemsize}, the size of {_dtypes.as_dtype(out_type).name} [Op:DecodeRaw]")
    n = (sizes.pop() if sizes else 0) // dtype.itemsize
    numbers = np.stack([np.frombuffer(b, dtype) for b in flat]) if flat else np.zeros((0, n), dtype)
    return _numbers_out(numbers.astype(dtype.newbyteorder("=")).reshape(array.shape + (n,)), dtype.newbyteorder("="))


def bytes_split(input, name=None):
    """Splits a scalar string into its bytes (a RaggedTensor of them for a batch of strings).

    Returns:
      A 1-D string Tensor of one-byte strings, or a RaggedTensor for a batch.
    """
    array = _strings(input, "StringSplitV2")

    def bytes_of(text):
        return [text[i:i + 1] for i in builtins.range(builtins.len(text))]

    if array.ndim:
        return _ragged_pieces(array, bytes_of)
    return _strings_out(_objects_1d(bytes_of(array[()])))


def to_hash_bucket_fast(input, num_buckets, name=None):
    """Hashes each string to a bucket in [0, num_buckets): Fingerprint64 (FarmHash) modulo
    `num_buckets`, TF's exact values.

    Raises:
      InvalidArgumentError: for num_buckets < 1.

    Returns:
      An int64 Tensor of `input`'s shape.
    """
    num_buckets = int(num_buckets)
    if num_buckets < 1:
        raise InvalidArgumentError(
            f"Value for attr 'num_buckets' of {num_buckets} must be at least minimum 1\n\t; NodeDef: "
            f"{{{{node StringToHashBucketFast}}}} [Op:StringToHashBucketFast]")
    array = _strings(input, "StringToHashBucketFast")
    return _numbers_out(_map(lambda b: farmhash.fingerprint64(b) % num_buckets, array, np.int64),
                        np.int64)


def _format_item(value, dtype):
    if dtype == _dtypes.string:
        return b'"' + value + b'"'
    if dtype.is_bool:
        return b"1" if value else b"0"
    if dtype.is_integer:
        return str(int(value)).encode("ascii")
    if dtype.is_complex:
        raise NotImplementedError("tf.strings.format of complex tensors is not supported in tapejax.")
    if dtype == _dtypes.float64:  # TF's DoubleToBuffer: 15 digits, 17 when 15 do not round-trip
        text = "%.15g" % value
        return (text if float(text) == value or value != value else "%.17g" % value).encode("ascii")
    value = np.float32(value)  # TF's FloatToBuffer (half and bfloat16 print as their float value)
    text = "%.6g" % value
    return (text if np.float32(text) == value or value != value else "%.9g" % value).encode("ascii")


def _format_array(array, dtype, summarize, depth=0):
    if array.ndim == 0:
        return _format_item(array[()], dtype)
    n = array.shape[0]
    if summarize < 0 or n <= 2 * summarize:
        rows = list(builtins.range(n))
    else:
        rows = list(builtins.range(summarize)) + [None] + list(builtins.range(n - summarize, n))
    if array.ndim == 1:
        return b"[" + b" ".join(b"..." if i is None else _format_item(array[i], dtype) for i in rows) + b"]"
    sep = b"\n" * (array.ndim - 1) + b" " * (depth + 1)
    return b"[" + sep.join(b"..." if i is None else _format_array(array[i], dtype, summarize, depth + 1)
                           for i in rows) + b"]"


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001 - TF's name
    """Formats `inputs` into `template` at each `placeholder`, printing tensors as TF does.

    Tensors print as `tf.print` prints them: numbers in TF's shortest round-tripping form, strings
    quoted, each dimension longer than `2 * summarize` elided with `...` (`summarize=-1`: never).

    Raises:
      ValueError: when the number of placeholders and of inputs differ.

    Returns:
      A scalar string Tensor.
    """
    if isinstance(inputs, Tensor) or hasattr(inputs, "_trainable"):
        inputs = [inputs]
    inputs = list(inputs)
    expected = template.count(placeholder)
    if expected != builtins.len(inputs):
        raise ValueError(f"The template expects {expected} tensors, but the inputs only has "
                         f"{builtins.len(inputs)}. Please ensure the number of placeholders in template "
                         f"matches inputs length.")
    pieces = template.encode("utf-8").split(placeholder.encode("utf-8"))
    out = [pieces[0]]
    for value, piece in zip(inputs, pieces[1:]):
        t = convert_to_tensor(value)
        out.append(_format_array(np.asarray(t._value), t.dtype, int(summarize)))
        out.append(piece)
    return _strings_out(string_scalar(b"".join(out)))


# Inside a tapejax.function, strings (or numbers) not known until the call are computed then, on
# the host (see tapejax/_string_trace.py).
for _name in __all__ + ["decode_raw"]:
    globals()[_name] = _string_trace.traced(globals()[_name])
# Ragged inputs map over their flat values (TF's ragged dispatch; see tapejax/_ragged_dispatch.py).
for _name in ("length", "lower", "upper", "strip", "split", "regex_replace", "regex_full_match", "substr",
              "to_number", "as_string", "unicode_split", "unicode_decode", "bytes_split", "to_hash_bucket_fast"):
    globals()[_name] = _ragged_dispatch.elementwise(globals()[_name])
join = _ragged_dispatch.any_arg(join)
reduce_join = _ragged_dispatch.first(reduce_join)
