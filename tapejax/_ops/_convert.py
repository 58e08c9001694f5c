"""Turning Python values, NumPy arrays, Tensors and Variables into Tensors, with TF's dtype rules."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes, _trace_graph
from tapejax._errors import InvalidArgumentError, UnimplementedError
from tapejax._ops import _shapes
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor
from tapejax._variable import Variable


def contains_tensor(value):
    if isinstance(value, (Tensor, Variable)):
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_tensor(v) for v in value)
    return False


def _bytes(item):
    if isinstance(item, bytes):
        return bytes(item)  # np.bytes_ -> bytes
    if isinstance(item, str):
        return item.encode("utf-8")
    return None


def string_array(value):
    """A string Tensor's storage: a NumPy object array of `bytes` (str encoded as UTF-8), as TF.

    Raises:
      TypeError: for a value that is not all strings (TF's message for a string dtype).
      ValueError: for a nested list mixing strings with other types, or a ragged one.
    """
    if isinstance(value, (str, bytes)):
        array = np.empty((), dtype=object)
        array[()] = _bytes(value)
        return array
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":
        return value.astype(object)
    try:
        array = np.array(value, dtype=object)
    except ValueError:
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
    flat = array.reshape(-1)
    for i, item in enumerate(flat):
        got = _bytes(item)
        if got is None:
            if isinstance(item, (list, tuple)):
                raise ValueError("Can't convert non-rectangular Python sequence to Tensor.")
            if not isinstance(value, np.ndarray) and array.ndim and _has_string(value):
                raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype string")
        flat[i] = got
    return array


def _default_numpy(value):
    """A NumPy array of `value` with TF's defaults for Python numbers (float32, int32); an object
    array of bytes for strings."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        if value.dtype.kind in "USO":
            return string_array(value) if value.dtype.kind != "O" or value.size else np.asarray(
                value, dtype=object)
        return np.asarray(value)
    if isinstance(value, (str, bytes)):
        return string_array(value)
    try:
        array = np.asarray(value)
    except ValueError:  # ragged, or str mixed with non-UTF-8 bytes
        if _has_string(value):
            return string_array(value)
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
    if array.dtype == np.float64:
        return array.astype(np.float32)
    if array.dtype == np.int64:
        if array.size == 0 or (array.min() >= -(2**31) and array.max() < 2**31):
            return array.astype(np.int32)
        return array
    if array.dtype == np.complex128:
        return array
    if array.dtype.kind in "US":
        return string_array(value)
    if array.dtype == object:
        if _has_string(value):
            return string_array(value)
        raise ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type "
                         f"({type(value)}) to a Tensor.")
    return array


def _has_string(value):
    if isinstance(value, (list, tuple)):
        return any(_has_string(v) for v in value)
    return isinstance(value, (str, bytes))


# The dtypes a Python bool (or a list of them) converts to, as TF's eager conversion allows.
_BOOL_TARGETS = {"bool", "int32", "int64", "uint64", "float16", "float32", "float64", "complex128"}


def _to_dtype(value, array, dtype):
    """Casts a Python/NumPy `array` to `dtype`: Python values refuse lossy conversions as TF does,
    NumPy values are cast as NumPy casts them (as TF converts a NumPy array)."""
    target = dtype._np
    src_kind, dst_kind = array.dtype.kind, target.kind
    python_value = not isinstance(value, (np.ndarray, np.generic))
    if dst_kind == "O":
        if not python_value and src_kind not in "USO":
            item = array.reshape(-1)[:1].astype(object)
            kind = type(item[0]).__name__ if item.size else "float"
            raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported object type {kind}).")
        return string_array(value)
    if array.dtype == target:
        return array
    if not python_value:
        with warnings.catch_warnings():  # complex to real drops the imaginary part, as TF's NumPy cast
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            return array.astype(target)
    if src_kind in "USO":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    if array.size == 0:  # `[]` has no values to lose (NumPy calls it float64)
        return array.astype(target)
    lossy = (src_kind == "f" and dst_kind in "iub") or (src_kind == "c" and dst_kind != "c") or (
        src_kind in "iu" and dst_kind == "b") or (src_kind == "b" and dtype.name not in _BOOL_TARGETS)
    if lossy:
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    with warnings.catch_warnings():  # an int out of the dtype's range wraps, as in TF
        warnings.simplefilter("ignore", RuntimeWarning)
        return array.astype(target)


def _big_ints(value, limit=2**63):
    """Whether `value` is a Python int (or a nested list of ints) with one outside int64's range
    (with `limit`: all of them in [0, limit), one outside int64's range)."""
    if limit != 2**63:
        return _big_ints(value) and _all_ints_below(value, limit)
    if isinstance(value, (list, tuple)):
        return bool(value) and all(isinstance(v, (int, list, tuple)) and not isinstance(v, bool) for v in value) \
            and any(_big_ints(v) for v in value)
    return type(value) is int and not -(2**63) <= value < 2**63


def _all_ints_below(value, limit):
    if isinstance(value, (list, tuple)):
        return all(_all_ints_below(v, limit) for v in value)
    return type(value) is int and 0 <= value < limit


def _on_device(array):
    """A NumPy array as a JAX array. `jax.device_put` copies it without compiling anything, where
    `jnp.asarray` compiles a program per shape and dtype (JAX 0.10 stages NumPy arrays through an
    identity program): dozens of compiles before a training loop's first step. Inside a function
    trace it is a traced constant, recorded with the trace's ops."""
    return _trace_graph.run_recorded(jax.device_put, (array,))


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Converts `value` to a Tensor, as `tf.convert_to_tensor`.

    Args:
      value: a Tensor, Variable (read, and watched by recording tapes), NumPy array, Python
        number or nested list of them.
      dtype: required dtype; a Tensor of another dtype raises ValueError.
      dtype_hint: a soft preference used when `dtype` is not given: as TF, `value` is converted
        to it when that conversion succeeds (a Python number, list or NumPy array of another
        dtype), and by the default rules otherwise (a Tensor keeps its dtype).
      name: ignored (eager).

    Returns:
      A Tensor.

    Raises:
      TypeError: for a `dtype` or `dtype_hint` that is not a dtype, or a value that cannot be
        converted to `dtype`.
      ValueError: for a Tensor of another dtype than `dtype`, or a value with no conversion.
    """
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
        if type(value) is float or type(value) is int and -(2**63) <= value < 2**63:
            return Tensor(_cached_scalar(value, dtype))
    if dtype_hint is not None:
        hint = _dtypes.as_dtype(dtype_hint)
        if dtype is None:
            try:  # TF's preferred dtype: tried first, the default conversion if it fails
                return _convert(value, hint)
            except (TypeError, ValueError):
                pass
    return _convert(value, dtype)


def _convert(value, dtype):
    """`value` as a Tensor of `dtype` (a DType or None for the value's own or default dtype)."""
    if type(value) is Tensor:
        if dtype is not None and value._v.dtype != dtype._np:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value.dtype.name}: {value!r}")
        return value
    if isinstance(value, Variable):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(
                f"Incompatible type conversion requested to type {dtype.name} for `tf.Variable of type "
                f"{value.dtype.name}. (Variable: {value!r})")
        return value._identity(value)
    if hasattr(value, "_tapejax_dense"):
        return value._tapejax_dense()
    if isinstance(value, (list, tuple)) and contains_tensor(value):
        return _autopack(value, dtype)
    if hasattr(value, "__jax_array__") or isinstance(value, jnp.ndarray):
        array = jnp.asarray(value)
        if dtype is not None and array.dtype != dtype._np:
            array = array.astype(dtype._np)
        return Tensor(array)
    if _big_ints(value) and not (dtype is not None and (dtype.is_floating or dtype.is_complex)
                                 or dtype == _dtypes.uint64 and _big_ints(value, 2**64)):
        raise ValueError("Can't convert Python sequence with out-of-range integer to Tensor.")
    if dtype is not None:
        array = np.asarray(value) if not isinstance(value, (str, bytes)) else string_array(value)
        if array.dtype == object and _big_ints(value):
            array = np.asarray(value, dtype=np.float64)
        if array.dtype == object and dtype._np.kind != "O" and not _has_string(value) \
                and not isinstance(value, np.ndarray):
            raise ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type "
                             f"({type(value)}) to a Tensor.")
        array = _to_dtype(value, array, dtype)
    else:
        if value is None:
            raise ValueError("Attempt to convert a value (None) with an unsupported type "
                             "(<class 'NoneType'>) to a Tensor.")
        array = _default_numpy(value)
    if array.dtype.kind == "O":  # strings stay on the host (a NumPy object array of bytes)
        return Tensor(array)
    return Tensor(_on_device(array))


_CAST = Op("Cast", lambda x, dtype: x.astype(dtype) if not (
    jnp.iscomplexobj(x) and not jnp.issubdtype(dtype, jnp.complexfloating)) else jnp.real(x).astype(dtype))


def _first_tensor_dtype(value):
    """The dtype of the first Tensor or Variable in a nested list (TF's autopacking dtype)."""
    for item in value:
        if type(item) is Tensor or isinstance(item, Variable):
            return item.dtype
        if isinstance(item, (list, tuple)):
            found = _first_tensor_dtype(item)
            if found is not None:
                return found
    return None


def _cast_tensors(value, dtype):
    """A nested list with each Tensor in it cast to `dtype` (as TF's autopacking with a dtype)."""
    if isinstance(value, (list, tuple)):
        return [_cast_tensors(item, dtype) for item in value]
    if (type(value) is Tensor or isinstance(value, Variable)) and value.dtype != dtype:
        if (value.dtype == _dtypes.string) != (dtype == _dtypes.string):
            raise UnimplementedError(f"Cast {value.dtype.name} to {dtype.name} is not supported [Op:Cast] name: ")
        return apply(_CAST, [value], (("dtype", dtype._np),))
    return value


def _autopack(value, dtype):
    """A nested list holding Tensors, packed as TF's autopacking conversion: to the dtype of its
    first Tensor (or to `dtype`, casting its Tensors), other items converted to that dtype."""
    inferred = _first_tensor_dtype(value)
    if dtype is None:
        dtype = inferred
    elif dtype != inferred:
        value = _cast_tensors(value, dtype)
    packed = _pack_items(value, dtype)
    return packed if type(packed) is Tensor else _convert(packed, dtype)


def _pack_items(items, dtype):
    """TF's `_autopacking_helper`: a Tensor when `items` holds one, else the items as they are."""
    if all(type(item) is Tensor or isinstance(item, Variable) for item in items):
        return _pack(list(items))  # as TF's eager fast path: Pack checks the dtypes
    converted, must_pack = [], False
    for item in items:
        if type(item) is Tensor or isinstance(item, Variable):
            if item.dtype != dtype:
                raise TypeError(f"Cannot convert a list containing a tensor of dtype {item.dtype!r} to "
                                f"{dtype!r} (Tensor is: {item!r})")
            must_pack = True
        elif isinstance(item, (list, tuple)):
            item = _pack_items(item, dtype)
            must_pack = must_pack or type(item) is Tensor
        converted.append(item)
    if not must_pack:
        return converted
    return _pack([item if type(item) is Tensor or isinstance(item, Variable) else _convert(item, dtype)
                  for item in converted])


def _pack(values):
    """`stack(values)` as TF's autopacking runs it: its Pack op is named "packed"."""
    first = values[0].dtype
    for i, value in enumerate(values):
        if value.dtype != first:
            err = _dtypes.mismatch_error("Pack", i, first, value.dtype)
            raise type(err)(str(err).replace("name: \n", "name: packed\n", 1)) from None
    return stack(values)


_scalar_cache = {}
_SCALAR_CACHE_LIMIT = 4096


def _cached_scalar(value, dtype):
    """Device arrays for Python scalars met as op operands (`x ** 2`), reused across steps."""
    # -0.0 == 0.0 (and hashes alike): zeros are keyed by their text so the sign is kept.
    key = (type(value), value if value else repr(value), dtype)
    found = _scalar_cache.get(key)
    if found is None:
        found = _on_device(_to_dtype(value, np.asarray(value), dtype))
        if isinstance(found, jax.core.Tracer):  # created inside tapejax.function: never cache
            return found
        if len(_scalar_cache) >= _SCALAR_CACHE_LIMIT:
            _scalar_cache.clear()
        _scalar_cache[key] = found
    return found


def constant(value, dtype=None, shape=None, name="Const"):
    """Creates a constant Tensor from a value, as `tf.constant`.

    Args:
      value: a Python number, nested list, NumPy array or Tensor.
      dtype: optional dtype; Python values are converted to it (TypeError if lossy).
      shape: optional shape; a scalar value is broadcast to it, otherwise it reshapes.
      name: ignored (eager).

    Returns:
      A Tensor.
    """
    if isinstance(value, (Tensor, Variable)):
        tensor = value if type(value) is Tensor else Tensor(value._value)
        if dtype is not None and tensor.dtype != _dtypes.as_dtype(dtype):
            dtype = _dtypes.as_dtype(dtype)
            if type(value) is Tensor:  # TF casts a Variable's value, never a Tensor
                shown = tensor if _traced(tensor) else tensor.numpy()
                raise TypeError(f"Expected tensor {shown} with dtype {dtype!r}, but got dtype {tensor.dtype!r}.")
            tensor = Tensor(value._value.astype(dtype._np))
    else:
        tensor = convert_to_tensor(value, dtype=dtype)
    if shape is not None:
        shape = tuple(int(d) for d in (shape if not isinstance(shape, int) else (shape,)))
        array = tensor._value
        xp = np if isinstance(array, np.ndarray) else jnp  # strings are NumPy arrays
        if array.size == 1:
            array = xp.array(xp.broadcast_to(array.reshape(()), shape))
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to "
                            f"convert a value with {array.size} elements to shape {shape}.")
        tensor = Tensor(array)
    return tensor


def as_value(x, dtype=None):
    """A Tensor or Variable for an op input: Tensors and Variables pass through, others convert."""
    if type(x) is Tensor or isinstance(x, Variable):
        return x
    return convert_to_tensor(x, dtype=dtype)


def _traced(value):
    return isinstance(value._v, jax.core.Tracer)


def binary_inputs(op_name, x, y):
    """Converts the two inputs of an elementwise binary op with TF's rules.

    A Python or NumPy operand takes the dtype of the tensor operand; two tensors must already
    share a dtype (InvalidArgumentError otherwise: TF never promotes implicitly).
    """
    x_is = type(x) is Tensor or isinstance(x, Variable)
    y_is = type(y) is Tensor or isinstance(y, Variable)
    if x_is and y_is:
        dx, dy = x._v.dtype, y._v.dtype
        if dx != dy:
            raise _dtypes.mismatch_error(op_name, 1, _dtypes.from_jax(dx), _dtypes.from_jax(dy),
                                         traced=_traced(x) or _traced(y))
        return x, y
    if x_is:
        try:
            if type(y) is float or type(y) is int:  # `x ** 2`, `lr * g`: a cached device scalar
                return x, Tensor(_cached_scalar(y, _dtypes.from_jax(x._v.dtype)))
            return x, convert_to_tensor(y, dtype=_dtypes.from_jax(x._v.dtype))
        except TypeError:
            if op_name == "AddV2" and x._v.dtype.kind == "O":  # TF's Add tries y's own dtype next
                raise _dtypes.mismatch_error("Add", 1, _dtypes.string, convert_to_tensor(y).dtype) from None
            if op_name == "AddV2":  # tf.add/`+` convert y on its own, then the op refuses the pair
                try:
                    other = convert_to_tensor(y)
                except (TypeError, ValueError):
                    other = None
                if other is not None:
                    raise _dtypes.mismatch_error("AddV2", 1, _dtypes.from_jax(x._v.dtype), other.dtype,
                                                 traced=_traced(x)) from None
            raise
    if y_is:
        if type(x) is float or type(x) is int:
            return Tensor(_cached_scalar(x, _dtypes.from_jax(y._v.dtype))), y
        return convert_to_tensor(x, dtype=_dtypes.from_jax(y._v.dtype)), y
    x = convert_to_tensor(x)
    return x, convert_to_tensor(y, dtype=x.dtype)


# The op a list of tensors converts through (tf.stack's, as TF's autopacking conversion).
PACK = Op("Pack", lambda *xs, axis: jnp.stack(xs, axis=axis))


def same_dtype_values(values, op_name):
    values = [as_value(v) for v in values]
    dtype = values[0]._v.dtype
    for i, v in enumerate(values):
        if v._v.dtype != dtype:
            raise _dtypes.mismatch_error(op_name, i, _dtypes.from_jax(dtype),
                                         _dtypes.from_jax(v._v.dtype))
    return values


def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new `axis`."""
    values = same_dtype_values(list(values), "Pack")
    axis = _shapes.axis_int(axis)
    rank = values[0]._v.ndim + 1
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    shapes = {v._v.shape for v in values}
    if len(shapes) > 1:
        a, b = values[0]._v.shape, next(v._v.shape for v in values if v._v.shape != values[0]._v.shape)
        raise InvalidArgumentError(
            f"Shapes of all inputs must match: values[0].shape = {list(a)} != values[1].shape = "
            f"{list(b)} [Op:Pack] name: {name}")
    return apply(PACK, values, (("axis", int(axis)),))
