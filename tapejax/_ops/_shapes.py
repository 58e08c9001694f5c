"""Shape arguments of creation ops (`tf.zeros`, `tf.fill`, `tf.random.normal`, ...) checked as TF does,
before JAX sees them: O(1) Python on static values, no device work.

JAX truncates a float dimension (`jnp.zeros([2.5])` has shape (2,)), reports a negative one as a
TypeError, and XLA aborts the process on an element count past int64 ("overflow in static extent
product"); TF raises TypeError, InvalidArgumentError and ResourceExhaustedError with the messages
here (measured on TF 2.21).
"""

from __future__ import annotations

import functools
import math
import os

import jax
import numpy as np

from tapejax._errors import InvalidArgumentError, ResourceExhaustedError

_INT64_MAX = 2**63 - 1
_TF_KIND = {"float32": "float", "float64": "double", "float16": "half", "bfloat16": "bfloat16",
            "complex64": "complex64", "complex128": "complex128", "bool": "bool"}


def _int_error(value):
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype int32")


def _attr_error(attr, kind, op_name):
    return InvalidArgumentError(
        f"Value for attr '{attr}' of {_TF_KIND.get(kind, kind)} is not in the list of allowed values: "
        f"int32, int64\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}]")


def dims(shape, op_name="Fill", float_attr=None):
    """The dimensions of a shape argument as a tuple of Python ints, with TF's errors.

    Args:
      shape: an int, a list/tuple of ints, a NumPy integer array, an int Tensor or a TensorShape.
      op_name: TF's op name for the messages (`Fill` for zeros/ones/fill).
      float_attr: where TF converts a list of Python floats into a float shape tensor and its op
        refuses it (`tf.fill`: "index_type", `tf.random.*`: "T"), that attribute's name; None where
        the conversion to int32 fails first (`tf.zeros`: TypeError).

    Returns:
      A tuple of non-negative ints whose product fits in int64.

    Raises:
      TypeError: a Python float, string or other non-integer dimension (TF's conversion error).
      ValueError: a None dimension, or one past int64.
      InvalidArgumentError: a negative dimension, a float Tensor, or more than 2**63 - 1 elements.
    """
    given = shape
    if hasattr(shape, "numpy") and hasattr(shape, "dtype") and not isinstance(shape, tuple):
        kind = np.dtype(shape._v.dtype) if hasattr(shape, "_v") else np.dtype(shape.dtype.name)
        if kind.kind not in "iu":
            raise _attr_error(float_attr or "index_type", kind.name, op_name)
        shape = np.asarray(shape.numpy()).tolist()
    elif isinstance(shape, np.ndarray):
        if shape.dtype.kind == "f" and np.any(shape != np.floor(shape)):
            # TF truncates (np.array([2.5]) gives 2 elements): silently wrong, so tapejax refuses it
            raise TypeError(f"Cannot convert {given!r} to EagerTensor of dtype int32\ntapejax: a shape "
                            f"has integer dimensions; TF truncates a NumPy float shape, tapejax refuses it.")
        if shape.dtype.kind not in "iubf":
            raise _int_error(given)
        shape = shape.astype(np.int64).tolist() if shape.dtype.kind == "f" else shape.tolist()
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    elif not isinstance(shape, (list, tuple)):
        raise _int_error(given)
    out = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)):
            d = int(d)
        elif isinstance(d, (int, np.integer)):
            d = int(d)
        elif d is None:
            raise ValueError("Attempt to convert a value (None) with an unsupported type "
                             "(<class 'NoneType'>) to a Tensor.")
        elif hasattr(d, "numpy") and hasattr(d, "dtype") and np.dtype(d.dtype.name).kind in "iu" \
                and len(getattr(d, "shape", (1,))) == 0:  # a scalar (TensorShape([]) is truthy, as TF's)
            d = int(d.numpy())
        elif float_attr is not None and isinstance(d, float):
            raise _attr_error(float_attr, "float32", op_name)
        else:
            raise _int_error(given)
        if d > _INT64_MAX or d < -(2**63):
            raise ValueError("Can't convert Python sequence with out-of-range integer to Tensor.")
        out.append(d)
    for d in out:
        if d < 0:
            raise InvalidArgumentError(f"Dimension {d} must be >= 0 [Op:{op_name}] name: ")
    count = 1
    for d in out:
        count *= d
    if count > _INT64_MAX:
        raise InvalidArgumentError(
            f"Shape [{','.join(map(str, out))}] would have more than 2**63 - 1 elements [Op:{op_name}] name: ")
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _memory_limit():
    """Bytes one array may take on the default device: the GPU's/TPU's limit, the host's RAM on CPU."""
    device = jax.devices()[0]
    if device.platform != "cpu":
        try:
            limit = (device.memory_stats() or {}).get("bytes_limit")
            if limit:
                return int(limit)
        except Exception:  # noqa: BLE001 - some plugins report no memory stats
            pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 2**48


def oom_error(shape, dtype, op_name):
    """TF's ResourceExhaustedError for an allocation of `shape` and `dtype` (np.dtype)."""
    device = jax.devices()[0]
    kind = "CPU" if device.platform == "cpu" else "GPU"
    allocator = "mklcpu" if kind == "CPU" else "GPU_0_bfc"
    name = _TF_KIND.get(np.dtype(dtype).name, np.dtype(dtype).name)
    return ResourceExhaustedError(
        f"OOM when allocating tensor with shape[{','.join(map(str, shape))}] and type {name} on "
        f"/job:localhost/replica:0/task:0/device:{kind}:0 by allocator {allocator} [Op:{op_name}] name: "
        f"\ntapejax: {_bytes(shape, dtype):,} bytes do not fit in the device's "
        f"{_memory_limit():,}; use a smaller shape or batch.")


def _bytes(shape, dtype):
    count = 1
    for d in shape:
        count *= d
    return count * np.dtype(dtype).itemsize


def check_allocation(shape, dtype, op_name="Fill"):
    """Raises TF's ResourceExhaustedError when `shape` of `dtype` cannot fit on the device."""
    if _bytes(shape, dtype) > _memory_limit():
        raise oom_error(shape, dtype, op_name)


def creation_shape(shape, dtype, op_name="Fill", float_attr=None):
    """`dims(shape)` that also fits in memory as `dtype` (np.dtype)."""
    out = dims(shape, op_name, float_attr)
    check_allocation(out, dtype, op_name)
    return out


# -- small static checks shared by the op functions (argument kinds of the error sweep) -------------
def attr_ints(value, op_name, attr):
    """Python ints of an integer list argument (paddings, multiples, axes) whose op attribute `attr`
    takes int32/int64: a float there is TF's InvalidArgumentError, as TF converts it to a float tensor."""
    if hasattr(value, "numpy") and hasattr(value, "dtype"):
        array = np.asarray(value.numpy())
    else:
        try:
            array = np.asarray(value)
        except ValueError:
            return value
    if array.dtype.kind == "f" and array.size:
        raise _attr_error(attr, "float32", op_name)
    return value


def axis_int(axis, dtype="int32"):
    """An axis (or other scalar int argument) as a Python int; a float is TF's conversion TypeError."""
    if isinstance(axis, (float, np.floating)):
        raise TypeError(f"Cannot convert {axis!r} to EagerTensor of dtype {dtype}")
    return int(axis)


_FLOAT_ALLOWED = {
    "linalg": "double, float, half, complex64, complex128",
    "det": "half, float, double, complex64, complex128",
    "nn": "half, bfloat16, float, double",
    "silu": "bfloat16, half, float, double, complex64, complex128",
}


def float_only(x, op_name, allowed="linalg"):
    """TF's error for an integer or bool tensor given to an op registered for floating dtypes only."""
    kind = np.dtype(x._v.dtype)
    if kind.kind in "iub":
        name = "bool" if kind.kind == "b" else kind.name
        raise InvalidArgumentError(
            f"Value for attr 'T' of {name} is not in the list of allowed values: {_FLOAT_ALLOWED[allowed]}"
            f"\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: \ntapejax: {op_name} takes floating "
            f"tensors; cast first (tf.cast(x, tf.float32)).")
    return x


def check_symbolic_reshape(dims, shape, known):
    """Checks a reshape of an array whose dimensions `dims` hold symbolic sizes (the None dimensions
    of a relaxed trace, `jax.export` sizes) to `shape` (Python ints, at most one -1), whose known
    dimensions multiply to `known`.

    The element count is multiplied symbolically (`np.prod` asks each size for an int, which a
    symbolic size refuses). A reshape is accepted only where it holds for every value of the
    symbolic sizes: a -1 dimension dividing the count evenly, or a count equal to `known`. JAX
    accepts `(b,)` reshaped to `(3,)` at trace time and fails only when the program runs; refused
    here, the trace is remade at the call's exact shapes, where the reshape gets TF's checks.

    Raises:
      ValueError: where the reshape does not hold for every value of the symbolic sizes.
    """
    size = math.prod(dims)
    if -1 in shape:
        fits = known != 0 and size % known == 0
    else:
        fits = size == known
    if not fits:
        wanted = f"a multiple of {known}" if -1 in shape else f"{known}"
        raise ValueError(
            f"tapejax: a tensor of shape {tuple(dims)} ({size} values, symbolic sizes) cannot be reshaped to "
            f"{list(shape)}, which requires {wanted} values, for every value of its unknown sizes; "
            f"such a reshape is checked at the exact shapes it runs on.")
