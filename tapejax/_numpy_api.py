"""`tf.experimental.numpy` (tnp): NumPy's API over tapejax Tensors, recorded on GradientTape.

Functions take Tensors, Variables, NumPy arrays and Python values and return Tensors (`tnp.ndarray`
is `tf.Tensor`). They follow NumPy's dtype rules as TF's tnp does (measured on TF 2.21): Python
ints become int64 and floats float64 (float32 with `prefer_float32=True`), operands are promoted
to `np.result_type` of their dtypes with Python scalars weak (int32 + 2.5 -> float64, float32 + 2.5
-> float32), math on integers gives float64, and `sum` of a small integer type gives int64.

Functions whose name and meaning match a tapejax op call it; the rest are rows of `TABLE`: a
`jax.numpy` function run through tapejax's op dispatch (one jitted kernel per attribute tuple),
so their gradients come from JAX and tapes record them like any op.

`experimental_enable_numpy_behavior()` changes Tensors as TF does: the operators promote mixed
dtypes with NumPy's rules (the `tf.math` functions still do not), indexing takes NumPy's
boolean and integer-array indices, and Tensors gain `T`, `reshape`, `astype`, `ravel`, `flatten`,
`transpose`, `clip`, `max`, `min`, `mean`, `tolist`, `size`, `data` and unary `+`.
"""

from __future__ import annotations

import builtins
import numbers

import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes
from tapejax._ops import _operators, array_ops, math_ops, random_ops
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor
from tapejax._variable import Variable

_config = {"enabled": False, "prefer_float32": False}

newaxis = None
ndarray = Tensor
pi, e, inf, nan = np.pi, np.e, np.inf, np.nan

# NumPy's scalar types, as TF's tnp exports them (`tnp.float32 is np.float32`).
DTYPES = ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
          "float32", "float64", "complex64", "complex128", "object_", "generic", "number", "integer",
          "signedinteger", "unsignedinteger", "inexact", "floating", "complexfloating", "dtype", "finfo",
          "iinfo", "issubdtype", "promote_types", "can_cast")
globals().update({n: getattr(np, n) for n in DTYPES})
bfloat16 = jnp.bfloat16


def _is_tensor(x):
    return type(x) is Tensor or isinstance(x, Variable)


def _default_float():
    return np.dtype(np.float32 if _config["prefer_float32"] else np.float64)


def _host_array(x):
    """`x` (Python values, NumPy arrays) as a NumPy array with tnp's default dtypes."""
    array = np.asarray(x)
    if array.dtype == np.float64 and not isinstance(x, (np.ndarray, np.generic)):
        array = array.astype(_default_float())  # only Python floats follow prefer_float32
    elif array.dtype.kind == "U":
        raise TypeError(f"tapejax's tf.experimental.numpy does not take strings, got {x!r}")
    return array


def _contains_tensor(x):
    if _is_tensor(x):
        return True
    return isinstance(x, (list, tuple)) and builtins.any(_contains_tensor(v) for v in x)


def _dtype_operand(x):
    """What `np.result_type` is given for `x`: a dtype, or a Python scalar (weak, as in NumPy)."""
    if _is_tensor(x):
        return np.dtype(x._v.dtype)
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return x
    if _contains_tensor(x):
        return _result_type(*x)
    return _host_array(x).dtype


def _result_type(*arrays_and_dtypes):
    """The `np.dtype` NumPy's promotion gives these operands (Python scalars are weak).

    Args:
      *arrays_and_dtypes: Tensors, arrays, Python scalars or dtypes.

    Returns:
      A `np.dtype`.
    """
    operands = []
    for x in arrays_and_dtypes:
        if isinstance(x, (np.dtype, type, _dtypes.DType)) or isinstance(x, str):
            operands.append(np.dtype(_dtypes.as_dtype(x)._np) if isinstance(x, _dtypes.DType) else np.dtype(x))
        else:
            operands.append(_dtype_operand(x))
    common = np.result_type(*operands)
    if builtins.all(isinstance(o, (bool, int, float, complex)) for o in operands):
        if common == np.float64:  # no strong operand: the Python floats decide the float type
            return _default_float()
        if common == np.int32 or common == np.bool_ and not builtins.all(isinstance(o, bool) for o in operands):
            return np.dtype(np.int64)
    return common


def _as_np_dtype(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, _dtypes.DType):
        return np.dtype(dtype._np)
    if dtype is float:
        return np.dtype(np.float64)
    if dtype is int:
        return np.dtype(np.int64)
    return np.dtype(dtype)


def asarray(a, dtype=None):
    """`a` as a Tensor (no copy for a Tensor of the same dtype), as `np.asarray`.

    Args:
      a: a Tensor, Variable, NumPy array, Python scalar or nested list.
      dtype: optional dtype (NumPy's, Python's or a `tf.DType`).

    Returns:
      A Tensor.
    """
    dtype = _as_np_dtype(dtype)
    if _is_tensor(a):
        if dtype is not None and np.dtype(a._v.dtype) != dtype:
            return math_ops.cast(a, dtype)
        return array_ops.identity(a) if isinstance(a, Variable) else a
    if isinstance(a, (list, tuple)) and _contains_tensor(a):
        common = dtype or _result_type(*a)
        return array_ops.stack([asarray(x, common) for x in a])
    array = _host_array(a) if dtype is None else np.asarray(a, dtype=dtype)
    return Tensor(jnp.asarray(array))


def array(val, dtype=None, copy=True, ndmin=0):
    """`val` as a new Tensor with at least `ndmin` dimensions, as `np.array`."""
    out = asarray(val, dtype)
    if out.ndim < ndmin:
        out = array_ops.reshape(out, (1,) * (ndmin - out.ndim) + tuple(out.shape))
    return out


asanyarray = ascontiguousarray = asarray


def copy(a):
    return array(a)


# ---- the jnp-table functions -------------------------------------------------------------------

def _freeze(value):
    """A hashable form of a static argument (lists -> tuples, dtypes -> np.dtype)."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, _dtypes.DType) or (isinstance(value, type) and issubclass(value, np.generic)):
        return _as_np_dtype(value)
    if _is_tensor(value):
        return _freeze(np.asarray(value._value).tolist())
    if isinstance(value, np.ndarray):
        return _freeze(value.tolist())
    return value


def _kernel(fn, multi):
    def run(*arrays, _args=(), _cast=None, **kwargs):
        if _cast is not None:
            arrays = [a.astype(_cast) for a in arrays]
        out = fn(*arrays, *_args, **kwargs)
        return tuple(out) if multi else out
    return run


def _float_of(dtype):
    """The dtype a float-valued NumPy function computes in for inputs of `dtype`."""
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _accumulator_of(dtype):
    """NumPy's `sum`/`prod`/`cumsum` dtype: small integers and bools accumulate in 64 bits."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < 8):
        return np.dtype(np.int64)
    if dtype.kind == "u" and dtype.itemsize < 8:
        return np.dtype(np.uint64)
    return dtype


# kind: how the array operands' dtypes decide the computation dtype and the result's.
#   same: operands promoted to their result type;   float: and integers computed in float64;
#   bool: promoted, boolean result (no gradient);   accumulate: NumPy's sum/prod/cumsum dtype;
#   mean: float64 for integer operands;             index: int64 indices (no gradient);
#   each: every operand keeps its own dtype (an array and its indices);
#   where: the condition keeps its dtype, the two branches are promoted.
# name -> (jnp function, number of array operands, kind, has a gradient)
TABLE = {
    **{n: (getattr(jnp, n), 1, "float", True) for n in (
        "sqrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin",
        "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "deg2rad",
        "rad2deg", "cbrt", "sinc", "reciprocal", "angle")},
    **{n: (getattr(jnp, n), 1, "float", False) for n in ("floor", "ceil", "trunc", "rint")},
    **{n: (getattr(jnp, n), 1, "same", True) for n in (
        "abs", "absolute", "negative", "positive", "square", "conj", "conjugate", "real", "imag", "around",
        "round", "fabs")},
    "sign": (jnp.sign, 1, "same", False),
    **{n: (getattr(jnp, n), 1, "bool", False) for n in ("isnan", "isinf", "isfinite", "signbit",
                                                        "logical_not", "isreal", "iscomplex")},
    **{n: (getattr(jnp, n), 2, "same", True) for n in (
        "add", "subtract", "multiply", "maximum", "minimum", "fmax", "fmin", "power", "mod", "remainder",
        "fmod", "matmul", "dot", "inner", "outer", "vdot", "kron", "cross", "tensordot", "copysign")},
    **{n: (getattr(jnp, n), 2, "same", False) for n in (
        "floor_divide", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "gcd",
        "lcm", "heaviside")},
    "bitwise_not": (jnp.bitwise_not, 1, "same", False),
    "invert": (jnp.invert, 1, "same", False),
    **{n: (getattr(jnp, n), 2, "float", True) for n in (
        "divide", "true_divide", "arctan2", "hypot", "logaddexp", "logaddexp2", "float_power")},
    **{n: (getattr(jnp, n), 2, "bool", False) for n in (
        "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
        "logical_or", "logical_xor", "isclose", "allclose", "array_equal")},
    **{n: (getattr(jnp, n), 1, "accumulate", True) for n in ("sum", "prod", "cumsum", "cumprod", "trace",
                                                             "nansum", "nanprod")},
    **{n: (getattr(jnp, n), 1, "same", True) for n in (
        "max", "min", "amax", "amin", "ptp", "sort", "nanmax", "nanmin")},
    **{n: (getattr(jnp, n), 1, "mean", True) for n in ("mean", "std", "var", "average", "median",
                                                       "nanmean", "nanstd", "nanvar")},
    **{n: (getattr(jnp, n), 1, "bool", False) for n in ("any", "all")},
    **{n: (getattr(jnp, n), 1, "index", False) for n in ("argmax", "argmin", "argsort", "count_nonzero")},
    **{n: (getattr(jnp, n), 1, "same", True) for n in (
        "reshape", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "ravel", "flip",
        "fliplr", "flipud", "rot90", "roll", "tile", "repeat", "broadcast_to", "pad", "diag",
        "diagonal", "diagflat", "triu", "tril", "atleast_1d", "atleast_2d", "atleast_3d")},
    "take": (jnp.take, 2, "each", True),
    "take_along_axis": (jnp.take_along_axis, 2, "each", True),
    "append": (jnp.append, 2, "same", True),
    "where": (jnp.where, 3, "where", True),
}
# The multi-output rows (their results are lists of Tensors).
MULTI = {"split": jnp.split, "array_split": jnp.array_split, "hsplit": jnp.hsplit, "vsplit": jnp.vsplit,
         "dsplit": jnp.dsplit}
_OPS = {}


def _operands(arrays, kind):
    """The operand Tensors and the `_cast` attribute (None: no cast) for a table row of `kind`."""
    if kind == "each":
        return [asarray(a) for a in arrays], None
    if kind == "where":
        common = _result_type(*arrays[1:])
        return [asarray(arrays[0])] + [asarray(a, common) for a in arrays[1:]], None
    common = _result_type(*arrays)
    cast = common
    if kind == "float" or kind == "mean":
        cast = _float_of(common)
    elif kind == "accumulate":
        cast = _accumulator_of(common)
    tensors = [a if _is_tensor(a) else asarray(a, common) for a in arrays]
    if builtins.all(np.dtype(t._v.dtype) == cast for t in tensors):
        cast = None
    return tensors, cast


def _table_function(name, fn, n_arrays, kind, differentiable, multi=False):
    op = _OPS[name] = Op(f"numpy.{name}", _kernel(fn, multi), differentiable, multi)

    def function(*args, **kwargs):
        arrays, rest = list(args[:n_arrays]), args[n_arrays:]
        for key in ("a", "x", "x1", "x2", "ary"):  # keyword array operands
            if key in kwargs and len(arrays) < n_arrays:
                arrays.append(kwargs.pop(key))
        if "dtype" in kwargs:
            kwargs["dtype"] = _as_np_dtype(kwargs["dtype"])
        tensors, cast = _operands(arrays, kind)
        attrs = [("_args", _freeze(rest))]
        if cast is not None:
            attrs.append(("_cast", cast))
        attrs += sorted((k, _freeze(v)) for k, v in kwargs.items())
        result = apply(op, tensors, tuple(attrs))
        return list(result) if multi else result

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"NumPy's `{name}` on Tensors (computed by `jax.numpy.{fn.__name__}`), as "
                        f"`tf.experimental.numpy.{name}`.\n\nReturns:\n  A Tensor.")
    return function


FUNCTIONS = {name: _table_function(name, *row) for name, row in TABLE.items()}
FUNCTIONS.update({name: _table_function(name, fn, 1, "same", True, multi=True) for name, fn in MULTI.items()})
globals().update(FUNCTIONS)


def _sequence_function(name, fn):
    """`concatenate`, `stack`, ...: one list of arrays, promoted together."""
    op = _OPS[name] = Op(f"numpy.{name}", lambda *arrays, **kw: fn(arrays, **kw))

    def function(arrays, *args, **kwargs):
        common = _result_type(*arrays)
        tensors = [asarray(a, common) for a in arrays]
        attrs = tuple(sorted((k, _freeze(v)) for k, v in {**dict(zip(("axis",), args)), **kwargs}.items()))
        return apply(op, tensors, attrs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"NumPy's `{name}` of a sequence of Tensors.\n\nReturns:\n  A Tensor."
    return function


def clip(a, a_min, a_max):
    """`a` limited to [a_min, a_max] (either may be None), promoted as NumPy's `clip`."""
    common = _result_type(*[v for v in (a, a_min, a_max) if v is not None])
    out = asarray(a, common)
    if a_min is not None:
        out = FUNCTIONS["maximum"](out, asarray(a_min, common))
    if a_max is not None:
        out = FUNCTIONS["minimum"](out, asarray(a_max, common))
    return out


for _name in ("concatenate", "stack", "hstack", "vstack", "dstack", "column_stack"):
    globals()[_name] = _sequence_function(_name, getattr(jnp, _name))

_einsum = Op("numpy.einsum", lambda *arrays, subscripts: jnp.einsum(subscripts, *arrays))
_meshgrid = Op("numpy.meshgrid", lambda *arrays, indexing: tuple(jnp.meshgrid(*arrays, indexing=indexing)),
               multi=True)


def einsum(subscripts, *operands, **kwargs):
    """NumPy's `einsum` on Tensors (operands promoted to their result type)."""
    common = _result_type(*operands)
    return apply(_einsum, [asarray(a, common) for a in operands], (("subscripts", subscripts),))


def meshgrid(*xi, indexing="xy", **kwargs):
    """NumPy's `meshgrid`: a list of coordinate Tensors."""
    return list(apply(_meshgrid, [asarray(x) for x in xi], (("indexing", indexing),)))


def result_type(*arrays_and_dtypes):
    """The dtype NumPy's promotion gives these operands (Python scalars are weak), as a `tf.DType`.

    Args:
      *arrays_and_dtypes: Tensors, arrays, Python scalars or dtypes.

    Returns:
      A `tf.DType`.
    """
    return _dtypes.as_dtype(_result_type(*arrays_and_dtypes))


# ---- creation ---------------------------------------------------------------------------------

def _shape_of(shape):
    if _is_tensor(shape):
        shape = np.asarray(shape._value).tolist()
    return (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)


def _filled(shape, value, dtype):
    return Tensor(jnp.full(_shape_of(shape), value, dtype=_as_np_dtype(dtype)))


def zeros(shape, dtype=float):
    """A Tensor of zeros; float64 unless `dtype` says otherwise (as NumPy)."""
    return _filled(shape, 0, dtype)


def ones(shape, dtype=float):
    """A Tensor of ones; float64 unless `dtype` says otherwise (as NumPy)."""
    return _filled(shape, 1, dtype)


empty = zeros


def full(shape, fill_value, dtype=None):
    """A Tensor of `fill_value` (its dtype by tnp's rules unless `dtype` is given)."""
    dtype = _as_np_dtype(dtype) or _result_type(fill_value)
    value = asarray(fill_value, dtype)
    return array_ops.broadcast_to(value, _shape_of(shape))


def _like(fill):
    def like(a, dtype=None):
        dtype = _as_np_dtype(dtype) or _result_type(a)
        return _filled(asarray(a).shape, fill, dtype)
    return like


zeros_like, ones_like = _like(0), _like(1)
empty_like = zeros_like


def full_like(a, fill_value, dtype=None):
    dtype = _as_np_dtype(dtype) or _result_type(a)
    return _filled(asarray(a).shape, np.asarray(fill_value).astype(dtype), dtype)


def eye(N, M=None, k=0, dtype=float):
    """An `N` x `M` Tensor with ones on diagonal `k`."""
    return Tensor(jnp.eye(N, M, k, dtype=_as_np_dtype(dtype)))


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=float):
    return Tensor(jnp.tri(N, M, k, dtype=_as_np_dtype(dtype)))


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop), as `np.arange` (int64 for ints, float64 for floats)."""
    dtype = _as_np_dtype(dtype) or _result_type(*[v for v in (start, stop, step) if v is not None])
    start, stop = (0, start) if stop is None else (start, stop)
    values = np.arange(start, stop, step)
    return Tensor(jnp.asarray(values.astype(dtype)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=float, axis=0):
    """`num` evenly spaced values from `start` to `stop`, as `np.linspace`."""
    dtype = _default_float() if dtype is float else _as_np_dtype(dtype)
    values, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    out = Tensor(jnp.asarray(values.astype(dtype)))
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=float, axis=0):
    dtype = _default_float() if dtype is float else _as_np_dtype(dtype)
    return Tensor(jnp.asarray(np.logspace(start, stop, num, endpoint, base, axis=axis).astype(dtype)))


def geomspace(start, stop, num=50, endpoint=True, dtype=float, axis=0):
    dtype = _default_float() if dtype is float else _as_np_dtype(dtype)
    return Tensor(jnp.asarray(np.geomspace(start, stop, num, endpoint, axis=axis).astype(dtype)))


# ---- information ------------------------------------------------------------------------------

def shape(a):
    """The shape of `a` (a `TensorShape`)."""
    return asarray(a).shape


def ndim(a):
    return asarray(a).ndim


def size(a, axis=None):
    dims = tuple(shape(a))
    return np.int64(np.prod(dims) if axis is None else dims[axis])


def isscalar(num):
    return ndim(num) == 0


# ---- tnp.random -------------------------------------------------------------------------------

def _size(size):
    return () if size is None else _shape_of(size)


def seed(s):
    """Seeds tnp.random (the same global seed as `tf.random.set_seed`)."""
    random_ops.set_seed(s)


def randn(*args):
    """Standard normal float64 draws of shape `args`."""
    return random_ops.normal(args, dtype=_dtypes.float64)


def standard_normal(size=None):
    return random_ops.normal(_size(size), dtype=_dtypes.float64)


def rand(*size):
    """Uniform [0, 1) float64 draws of shape `size`."""
    return random_ops.uniform(size, dtype=_dtypes.float64)


def random(size=None):
    return random_ops.uniform(_size(size), dtype=_dtypes.float64)


def uniform(low=0.0, high=1.0, size=None):
    return random_ops.uniform(_size(size), low, high, dtype=_dtypes.float64)


def randint(low, high=None, size=None, dtype=np.int64):
    """Integers uniform in [low, high) (or [0, low) without `high`)."""
    low, high = (0, low) if high is None else (low, high)
    return random_ops.uniform(_size(size), low, high, dtype=_as_np_dtype(dtype))


RANDOM = ("seed", "randn", "standard_normal", "rand", "random", "uniform", "randint")


# ---- NumPy behaviour on Tensors ---------------------------------------------------------------

def _promoting(operator):
    """`operator` (a Tensor operator) with NumPy's promotion of mixed-dtype operands first."""
    def promoted(x, y):
        if _is_tensor(x) and _is_tensor(y) and x._v.dtype == y._v.dtype:
            return operator(x, y)
        try:
            common = _result_type(x, y)
        except (TypeError, ValueError):
            return operator(x, y)  # an operand NumPy cannot type: the operator's own error
        return operator(*[v if _is_tensor(v) and v._v.dtype == common else asarray(v, common) for v in (x, y)])
    promoted.__name__ = operator.__name__
    return promoted


_PROMOTING = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__",
              "__matmul__", "__rmatmul__", "__lt__", "__le__", "__gt__", "__ge__")


def _index_part(k):
    """One element of a NumPy index: static ('s', ...) or an integer-array operand ('a', array)."""
    if k is None or k is Ellipsis or isinstance(k, slice):
        return [("s", (k.start, k.stop, k.step) if isinstance(k, slice) else k)]
    if isinstance(k, numbers.Integral) and not _is_tensor(k):
        return [("s", int(k))]
    value = np.asarray(k._value) if _is_tensor(k) else np.asarray(k)
    if value.dtype.kind == "b":  # a mask: its True positions (NumPy's nonzero), one array per axis
        return [("a", idx) for idx in np.nonzero(value)]
    return [("a", value)]


def _np_getitem_kernel(x, *indices, key):
    it = iter(indices)
    built = []
    for kind, static in key:
        if kind == "a":
            built.append(next(it))
        elif isinstance(static, tuple):
            built.append(slice(*static))
        else:
            built.append(static)
    return x[tuple(built)]


_getitem = Op("numpy.getitem", _np_getitem_kernel)
_basic_getitem = _operators.OPERATORS["__getitem__"]


def _np_getitem(x, key):
    """`x[key]` with NumPy's indexing: integer arrays, boolean masks and tuples of ints as indices."""
    parts = key if isinstance(key, tuple) else (key,)
    if not builtins.any(_is_tensor(k) or isinstance(k, (list, tuple, np.ndarray)) for k in parts):
        return _basic_getitem(x, key)
    if isinstance(key, list) and not _contains_tensor(key):
        parts = (key,)
    encoded, arrays = [], []
    for k in parts:
        for kind, value in _index_part(k):
            if kind == "a":
                arrays.append(Tensor(jnp.asarray(value)))
                encoded.append(("a", None))
            else:
                encoded.append((kind, value))
    return apply(_getitem, [x] + arrays, (("key", tuple(encoded)),))


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return FUNCTIONS["reshape"](self, shape)


def _transpose(self, axes=None):
    return FUNCTIONS["transpose"](self, axes)


_TENSOR_METHODS = {
    "T": property(lambda self: FUNCTIONS["transpose"](self)),
    "__pos__": lambda self: FUNCTIONS["positive"](self),
    "astype": lambda self, dtype: math_ops.cast(self, _as_np_dtype(dtype)),
    "clip": lambda self, a_min=None, a_max=None: clip(self, a_min, a_max),
    "data": property(lambda self: self),
    "flatten": lambda self, order="C": FUNCTIONS["reshape"](self, (-1,)),
    "ravel": lambda self, order="C": FUNCTIONS["reshape"](self, (-1,)),
    "max": lambda self, axis=None, keepdims=False: FUNCTIONS["max"](self, axis=axis, keepdims=keepdims),
    "min": lambda self, axis=None, keepdims=False: FUNCTIONS["min"](self, axis=axis, keepdims=keepdims),
    "mean": lambda self, axis=None, dtype=None, keepdims=False: FUNCTIONS["mean"](
        self, axis=axis, dtype=dtype, keepdims=keepdims),
    "reshape": _reshape,
    "size": property(lambda self: size(self)),
    "tolist": lambda self: np.asarray(self._value).tolist(),
    "transpose": _transpose,
}


def experimental_enable_numpy_behavior(prefer_float32=False, dtype_conversion_mode="legacy"):
    """Enables NumPy behaviour on Tensors, as TF's function of that name.

    Process-wide and not undone: Tensor operators promote mixed dtypes with NumPy's rules,
    indexing takes NumPy's array and mask indices, and Tensors gain NumPy's methods (`T`,
    `reshape`, `astype`, ...). Calling it again changes only `prefer_float32`.

    Args:
      prefer_float32: Python floats (and lists of them) become float32 instead of float64.
      dtype_conversion_mode: only "legacy" (NumPy's promotion) is implemented.

    Raises:
      NotImplementedError: for another `dtype_conversion_mode`.
    """
    if dtype_conversion_mode != "legacy":
        raise NotImplementedError(
            f"tapejax implements experimental_enable_numpy_behavior(dtype_conversion_mode='legacy') only, "
            f"got {dtype_conversion_mode!r}")
    _config["prefer_float32"] = bool(prefer_float32)
    if _config["enabled"]:
        return
    _config["enabled"] = True
    for cls in (Tensor, Variable):
        for name in _PROMOTING:
            setattr(cls, name, _promoting(_operators.OPERATORS[name]))
    Tensor.__getitem__ = _np_getitem
    for name, member in _TENSOR_METHODS.items():
        setattr(Tensor, name, member)


NAMES = sorted(
    ["newaxis", "ndarray", "pi", "e", "inf", "nan", "bfloat16", "result_type", "asarray", "array",
     "asanyarray", "ascontiguousarray", "copy", "einsum", "meshgrid", "zeros", "ones", "empty", "full",
     "zeros_like", "ones_like", "empty_like", "full_like", "eye", "identity", "tri", "arange",
     "linspace", "logspace", "geomspace", "shape", "ndim", "size", "isscalar",
     "experimental_enable_numpy_behavior", "concatenate", "stack", "hstack", "vstack", "dstack",
     "column_stack", "clip", *DTYPES, *TABLE, *MULTI])
# NumPy names TF 2.21's tf.experimental.numpy does not have (implemented for Tensor methods and
# internal use, not exported: a program written for TF cannot call them).
NAMES = [n for n in NAMES if n not in {
    "array_split", "bfloat16", "can_cast", "column_stack", "complexfloating", "copysign", "dtype", "floating",
    "fmax", "fmin", "fmod", "generic", "integer", "invert", "left_shift", "median", "nan", "nanmax", "nanmin",
    "nanstd", "nanvar", "number", "right_shift", "rint", "signedinteger", "trunc", "unsignedinteger"}]
