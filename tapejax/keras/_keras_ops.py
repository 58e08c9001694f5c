"""`keras.ops`: the backend-agnostic ops Keras 3 code calls (`ops.shape`, `ops.arange`, `ops.mean`,
...), a commonly used subset, built on tapejax's TF ops so tapes record them.

Keras 3's dtype rules, not TF's: mixed dtypes combine (`int32` and `float32` give `float32`, two
ints or two floats the wider, `bool` gives way to anything), a Python int keeps a tensor's dtype, a
Python float turns an int tensor into `float32`; `divide`, `mean`, `sqrt`, `exp` and the other
float-valued ops of an int tensor give `float32`; `argmax`/`argmin` give `int32`; `ops.shape` of an
eager tensor is a tuple of Python ints.
"""

from __future__ import annotations

import builtins

import numpy as np

from tapejax import _dtypes
from tapejax._ops import _convert, array_ops, linalg_ops, math_ops, nn_ops
from tapejax._tensor import Tensor
from tapejax._variable import Variable
from tapejax.keras import _operation

__all__ = [
    "abs", "absolute", "add", "all", "any", "arange", "argmax", "argmin", "argsort", "broadcast_to",
    "cast", "ceil", "clip", "concatenate", "convert_to_numpy", "convert_to_tensor", "cos", "cumsum",
    "divide", "dot", "dtype", "einsum", "elu", "equal", "erf", "exp", "expand_dims", "eye", "flip",
    "floor", "full", "gelu", "greater", "greater_equal", "leaky_relu", "less", "less_equal", "linspace",
    "log", "log1p", "log_softmax", "logical_and", "logical_not", "logical_or", "logsumexp", "matmul",
    "max", "maximum", "mean", "min", "minimum", "mod", "multiply", "negative", "norm", "not_equal",
    "one_hot", "ones", "ones_like", "pad", "power", "prod", "relu", "relu6", "repeat", "reshape",
    "round", "rsqrt", "shape", "sigmoid", "sign", "silu", "sin", "size", "softmax", "softplus", "sort",
    "split", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "subtract", "sum", "swish",
    "take", "tanh", "tile", "top_k", "transpose", "tril", "triu", "true_divide", "var", "where",
    "zeros", "zeros_like",
]

_FLOATX = "float32"


# ---- dtypes (Keras 3's promotion: the JAX-style lattice, Python scalars weak) ----

def _name(dtype):
    return _dtypes.as_dtype(getattr(dtype, "name", dtype)).name


def _kind(name):
    if name == "bool":
        return 0
    if name.startswith(("int", "uint")):
        return 1
    return 2


def _width(name):
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 8


def _promote(a, b):
    """Keras 3's result_type of two dtype names."""
    if a == b:
        return a
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return a if ka > kb else b
    if ka == 1 and a.startswith("uint") != b.startswith("uint"):
        unsigned, signed = (a, b) if a.startswith("uint") else (b, a)
        if _width(signed) > _width(unsigned):
            return signed
        return "int64" if _width(unsigned) < 64 else "float32"
    if {a, b} == {"float16", "bfloat16"}:
        return "float32"
    return a if _width(a) >= _width(b) else b


def _is_tensor(x):
    return isinstance(x, (Tensor, Variable)) or hasattr(x, "dtype") and hasattr(x, "shape") \
        and not isinstance(x, (np.ndarray, np.generic))


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a tensor (`dtype` if given): Python floats become float32, NumPy arrays keep theirs."""
    if dtype is not None:
        return math_ops.cast(x if _is_tensor(x) else math_ops.convert_to_tensor(np.asarray(x)), _name(dtype))
    if _is_tensor(x):
        return x if isinstance(x, Tensor) else math_ops.convert_to_tensor(x)
    return math_ops.convert_to_tensor(x)


def convert_to_numpy(x):
    """`x` as a NumPy array."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def dtype(x):
    """The dtype name of `x` (`'float32'`, ...)."""
    return _name(convert_to_tensor(x).dtype)


def cast(x, dtype):
    """`x` cast to `dtype`."""
    return math_ops.cast(convert_to_tensor(x), _name(dtype))


def _binary_operands(x1, x2):
    """Both operands as tensors of Keras' result dtype (a Python scalar is weakly typed)."""
    scalar1, scalar2 = isinstance(x1, (int, float, bool)), isinstance(x2, (int, float, bool))
    if scalar1 and scalar2:
        x1 = convert_to_tensor(x1)
        scalar1 = False
    if scalar2 or scalar1:
        tensor, scalar = (convert_to_tensor(x1), x2) if scalar2 else (convert_to_tensor(x2), x1)
        name = _name(tensor.dtype)
        if isinstance(scalar, float) and not isinstance(scalar, bool) and _kind(name) < 2:
            name = _FLOATX
        elif isinstance(scalar, int) and not isinstance(scalar, bool) and _kind(name) == 0:
            name = "int32"
        tensor, other = math_ops.cast(tensor, name), _convert.constant(scalar, dtype=name)
        return (tensor, other) if scalar2 else (other, tensor)
    t1, t2 = convert_to_tensor(x1), convert_to_tensor(x2)
    name = _promote(_name(t1.dtype), _name(t2.dtype))
    return math_ops.cast(t1, name), math_ops.cast(t2, name)


def _floating(x):
    """`x` as a tensor, int and bool tensors cast to float32 (Keras' float-valued ops)."""
    t = convert_to_tensor(x)
    return t if _kind(_name(t.dtype)) == 2 else math_ops.cast(t, _FLOATX)


def _symbolic(class_name, op):
    """`op`, recorded as Keras 3's operation `class_name` when an argument is a KerasTensor (a
    functional model being built), computed otherwise."""
    def dispatch(*args, **kwargs):
        if builtins.any(_operation.is_symbolic(a) for a in args):
            return _operation.apply(class_name, op, args, kwargs)
        return op(*args, **kwargs)
    name = getattr(op, "__name__", "op")
    if name in ("op", "<lambda>"):  # made by a factory (_unary, _elementwise, ...): Keras' function name
        name = _operation.snake(class_name)
    dispatch.__name__ = dispatch.__qualname__ = name
    dispatch.__doc__ = op.__doc__
    dispatch.__wrapped__ = op
    return dispatch


def _symbolic_as(class_name):
    return lambda op: _symbolic(class_name, op)


def _elementwise(fn, class_name):
    def op(x1, x2):
        return fn(*_binary_operands(x1, x2))
    return _symbolic(class_name, op)


add = _elementwise(math_ops.add, "Add")
subtract = _elementwise(math_ops.subtract, "Subtract")
multiply = _elementwise(math_ops.multiply, "Multiply")
maximum = _elementwise(math_ops.maximum, "Maximum")
minimum = _elementwise(math_ops.minimum, "Minimum")
power = _elementwise(math_ops.pow, "Power")
mod = _elementwise(math_ops.floormod, "Mod")
equal = _elementwise(math_ops.equal, "Equal")
not_equal = _elementwise(math_ops.not_equal, "NotEqual")
greater = _elementwise(math_ops.greater, "Greater")
greater_equal = _elementwise(math_ops.greater_equal, "GreaterEqual")
less = _elementwise(math_ops.less, "Less")
less_equal = _elementwise(math_ops.less_equal, "LessEqual")


@_symbolic_as("Divide")
def divide(x1, x2):
    """True division; int operands give float32."""
    a, b = _binary_operands(x1, x2)
    return math_ops.divide(_floating(a), _floating(b))


true_divide = _symbolic("TrueDivide", divide.__wrapped__)
true_divide.__name__ = true_divide.__qualname__ = "true_divide"


@_symbolic_as("Matmul")
def matmul(x1, x2):
    """The matrix product of the last two axes (`@`)."""
    return linalg_ops.matmul(*_binary_operands(x1, x2))


def dot(x1, x2):
    """`np.dot`: the product over x1's last and x2's second-to-last axis (scalars multiply)."""
    a, b = _binary_operands(x1, x2)
    if a.shape.rank == 0 or b.shape.rank == 0:
        return math_ops.multiply(a, b)
    if b.shape.rank == 1:
        return linalg_ops.tensordot(a, b, axes=[[a.shape.rank - 1], [0]])
    return linalg_ops.tensordot(a, b, axes=[[a.shape.rank - 1], [b.shape.rank - 2]])


def einsum(subscripts, *operands):
    """`np.einsum` over tensors of one promoted dtype."""
    tensors = [convert_to_tensor(o) for o in operands]
    name = tensors[0].dtype.name
    for t in tensors[1:]:
        name = _promote(name, t.dtype.name)
    return linalg_ops.einsum(subscripts, *[math_ops.cast(t, name) for t in tensors])


@_symbolic_as("LogicalAnd")
def logical_and(x1, x2):
    return math_ops.logical_and(math_ops.cast(convert_to_tensor(x1), "bool"), math_ops.cast(convert_to_tensor(x2), "bool"))


@_symbolic_as("LogicalOr")
def logical_or(x1, x2):
    return math_ops.logical_or(math_ops.cast(convert_to_tensor(x1), "bool"), math_ops.cast(convert_to_tensor(x2), "bool"))


@_symbolic_as("LogicalNot")
def logical_not(x):
    return math_ops.logical_not(math_ops.cast(convert_to_tensor(x), "bool"))


def _unary(fn, class_name, floating=False):
    def op(x):
        return fn(_floating(x) if floating else convert_to_tensor(x))
    return _symbolic(class_name, op)


absolute = _unary(math_ops.abs, "Absolute")
abs = _symbolic("Absolute", absolute.__wrapped__)  # noqa: A001 - Keras' name
abs.__name__ = abs.__qualname__ = "abs"
negative = _unary(math_ops.negative, "Negative")
sign = _unary(math_ops.sign, "Sign")
square = _unary(math_ops.square, "Square")
sqrt = _unary(math_ops.sqrt, "Sqrt", floating=True)
rsqrt = _unary(math_ops.rsqrt, "Rsqrt", floating=True)
exp = _unary(math_ops.exp, "Exp", floating=True)
log = _unary(math_ops.log, "Log", floating=True)
log1p = _unary(math_ops.log1p, "Log1p", floating=True)
sin = _unary(math_ops.sin, "Sin", floating=True)
cos = _unary(math_ops.cos, "Cos", floating=True)
tanh = _unary(math_ops.tanh, "Tanh", floating=True)
erf = _unary(math_ops.erf, "Erf", floating=True)
floor = _unary(math_ops.floor, "Floor", floating=True)
ceil = _unary(math_ops.ceil, "Ceil", floating=True)
round = _unary(math_ops.round, "Round")  # noqa: A001 - Keras' name
sigmoid = _unary(math_ops.sigmoid, "Sigmoid", floating=True)
relu = _unary(nn_ops.relu, "Relu")
relu6 = _unary(nn_ops.relu6, "Relu6")
softplus = _unary(nn_ops.softplus, "Softplus", floating=True)
silu = swish = _unary(nn_ops.silu, "Silu", floating=True)
elu = _unary(nn_ops.elu, "Elu", floating=True)


def gelu(x, approximate=True):
    """GELU; the tanh approximation by default, as Keras."""
    return nn_ops.gelu(_floating(x), approximate=approximate)


def leaky_relu(x, negative_slope=0.2):
    return nn_ops.leaky_relu(_floating(x), alpha=negative_slope)


def softmax(x, axis=-1):
    return nn_ops.softmax(_floating(x), axis=axis)


def log_softmax(x, axis=-1):
    return nn_ops.log_softmax(_floating(x), axis=axis)


def clip(x, x_min, x_max):
    """`x` limited to [x_min, x_max] (bool tensors clip as int32)."""
    t = convert_to_tensor(x)
    if t.dtype.name == "bool":
        t = math_ops.cast(t, "int32")
    return math_ops.clip_by_value(t, math_ops.cast(x_min, t.dtype), math_ops.cast(x_max, t.dtype))


# ---- reductions ----

def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def _reduce(fn, name, floating=False, int_sum=False):
    def op(x, axis=None, keepdims=False):
        t = _floating(x) if floating else convert_to_tensor(x)
        if int_sum and t.dtype.name == "bool":
            t = math_ops.cast(t, "int32")
        return fn(t, axis=_axis(axis), keepdims=keepdims)
    op.__name__ = op.__qualname__ = name
    return op


mean = _reduce(math_ops.reduce_mean, "mean", floating=True)
sum = _reduce(math_ops.reduce_sum, "sum", int_sum=True)  # noqa: A001 - Keras' name
prod = _reduce(math_ops.reduce_prod, "prod", int_sum=True)
std = _reduce(math_ops.reduce_std, "std", floating=True)
var = _reduce(math_ops.reduce_variance, "var", floating=True)
logsumexp = _reduce(math_ops.reduce_logsumexp, "logsumexp", floating=True)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras' name
    result = math_ops.reduce_max(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)
    return result if initial is None else maximum(result, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras' name
    result = math_ops.reduce_min(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)
    return result if initial is None else minimum(result, initial)


def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras' name
    return math_ops.reduce_all(math_ops.cast(convert_to_tensor(x), "bool"), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras' name
    return math_ops.reduce_any(math_ops.cast(convert_to_tensor(x), "bool"), axis=_axis(axis), keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the largest value (int32); over the flattened tensor when `axis` is None."""
    t = convert_to_tensor(x)
    if axis is None:
        result = math_ops.argmax(array_ops.reshape(t, [-1]), axis=0, output_type="int32")
        return array_ops.reshape(result, [1] * t.shape.rank) if keepdims else result
    result = math_ops.argmax(t, axis=axis, output_type="int32")
    return array_ops.expand_dims(result, axis) if keepdims else result


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value (int32); over the flattened tensor when `axis` is None."""
    t = convert_to_tensor(x)
    if axis is None:
        result = math_ops.argmin(array_ops.reshape(t, [-1]), axis=0, output_type="int32")
        return array_ops.reshape(result, [1] * t.shape.rank) if keepdims else result
    result = math_ops.argmin(t, axis=axis, output_type="int32")
    return array_ops.expand_dims(result, axis) if keepdims else result


def cumsum(x, axis=None, dtype=None):
    t = convert_to_tensor(x) if dtype is None else cast(x, dtype)
    if axis is None:
        return math_ops.cumsum(array_ops.reshape(t, [-1]), axis=0)
    return math_ops.cumsum(t, axis=axis)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras' name
    """The Euclidean norm (vector, or Frobenius over the whole tensor); other `ord`s raise."""
    if ord not in (None, 2, "fro", "euclidean"):
        raise NotImplementedError(f"tapejax's keras.ops.norm supports only the Euclidean norm, not ord={ord!r}")
    return linalg_ops.norm(_floating(x), axis=_axis(axis), keepdims=keepdims)


def top_k(x, k, sorted=True):  # noqa: A002 - Keras' name
    """(values, indices) of the `k` largest entries of the last axis."""
    result = math_ops.top_k(convert_to_tensor(x), k=k, sorted=sorted)
    return result.values, result.indices


def sort(x, axis=-1):
    return array_ops.sort(convert_to_tensor(x), axis=axis)


def argsort(x, axis=-1):
    return array_ops.argsort(convert_to_tensor(x), axis=axis, stable=True)


# ---- shapes and creation ----

def shape(x):
    """The shape as a tuple: Python ints for known dimensions (None for unknown ones)."""
    return tuple(convert_to_tensor(x).shape) if not hasattr(x, "shape") else tuple(
        None if d is None else int(d) for d in x.shape)


def size(x):
    return int(np.prod(shape(x)))


def reshape(x, newshape):
    return array_ops.reshape(convert_to_tensor(x), newshape)


def transpose(x, axes=None):
    return array_ops.transpose(convert_to_tensor(x), perm=axes)


def expand_dims(x, axis):
    return array_ops.expand_dims(convert_to_tensor(x), axis)


def squeeze(x, axis=None):
    return array_ops.squeeze(convert_to_tensor(x), axis=axis)


def broadcast_to(x, shape):
    return array_ops.broadcast_to(convert_to_tensor(x), shape)


def tile(x, repeats):
    t = convert_to_tensor(x)
    repeats = [repeats] if isinstance(repeats, int) else list(repeats)
    repeats = [1] * (t.shape.rank - len(repeats)) + repeats
    return array_ops.tile(t, repeats)


def repeat(x, repeats, axis=None):
    t = convert_to_tensor(x)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    return array_ops.repeat(t, repeats, axis=axis)


def flip(x, axis=None):
    t = convert_to_tensor(x)
    axes = list(range(t.shape.rank)) if axis is None else ([axis] if isinstance(axis, int) else list(axis))
    return array_ops.reverse(t, axes)


def concatenate(xs, axis=0):
    tensors = [convert_to_tensor(x) for x in xs]
    name = tensors[0].dtype.name
    for t in tensors[1:]:
        name = _promote(name, t.dtype.name)
    return array_ops.concat([math_ops.cast(t, name) for t in tensors], axis=axis)


def stack(x, axis=0):
    tensors = [convert_to_tensor(v) for v in x]
    name = tensors[0].dtype.name
    for t in tensors[1:]:
        name = _promote(name, t.dtype.name)
    return array_ops.stack([math_ops.cast(t, name) for t in tensors], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Splits into equal sections (an int) or at the given indices (a list), as NumPy."""
    t = convert_to_tensor(x)
    if isinstance(indices_or_sections, int):
        return array_ops.split(t, indices_or_sections, axis=axis)
    bounds = [0, *indices_or_sections, t.shape[axis]]
    return array_ops.split(t, [b - a for a, b in zip(bounds[:-1], bounds[1:])], axis=axis)


def take(x, indices, axis=None):
    t = convert_to_tensor(x)
    if axis is None:
        t, axis = array_ops.reshape(t, [-1]), 0
    return array_ops.gather(t, convert_to_tensor(indices), axis=axis)


def where(condition, x1=None, x2=None):
    """Elementwise choice of x1 where `condition` holds, else x2 (both given or neither)."""
    cond = math_ops.cast(convert_to_tensor(condition), "bool")
    if x1 is None and x2 is None:
        return tuple(array_ops.unstack(math_ops.cast(array_ops.transpose(array_ops.where(cond)), "int32")))
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should have non-None value.")
    a, b = _binary_operands(x1, x2)
    return array_ops.where(cond, a, b)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    return array_ops.one_hot(convert_to_tensor(x), num_classes, axis=axis, dtype=_name(dtype or _FLOATX))


def pad(x, pad_width, mode="constant", constant_values=None):
    t = convert_to_tensor(x)
    widths = [list(p) for p in (pad_width if isinstance(pad_width[0], (list, tuple)) else [pad_width])]
    if len(widths) == 1 and t.shape.rank > 1:
        widths = widths * t.shape.rank
    return array_ops.pad(t, widths, mode=mode.upper(), constant_values=constant_values or 0)


def arange(start, stop=None, step=1, dtype=None):
    """`np.arange`: int32 for int arguments, float32 when any is a float (or `dtype`)."""
    if stop is None:
        start, stop = 0, start
    values = [v for v in (start, stop, step)]
    if dtype is None:
        dtype = _FLOATX if builtins.any(isinstance(v, float) or (_is_tensor(v) and v.dtype.is_floating)
                                        for v in values) else "int32"
    if builtins.all(isinstance(v, (int, float, np.integer, np.floating)) for v in values):
        return _convert.constant(np.arange(start, stop, step).astype(_name(dtype)))
    return array_ops.range(math_ops.cast(start, _name(dtype)), math_ops.cast(stop, _name(dtype)),
                     math_ops.cast(step, _name(dtype)))


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    values = np.linspace(convert_to_numpy(start), convert_to_numpy(stop), num, endpoint=endpoint, axis=axis)
    return _convert.constant(values.astype(_name(dtype or _FLOATX)))


def zeros(shape, dtype=None):
    return array_ops.zeros(shape, dtype=_name(dtype or _FLOATX))


def ones(shape, dtype=None):
    return array_ops.ones(shape, dtype=_name(dtype or _FLOATX))


def full(shape, fill_value, dtype=None):
    return array_ops.fill(shape, _convert.constant(fill_value, dtype=_name(dtype or _FLOATX)))


def zeros_like(x, dtype=None):
    t = convert_to_tensor(x)
    return array_ops.zeros_like(t, dtype=_name(dtype) if dtype else t.dtype)


def ones_like(x, dtype=None):
    t = convert_to_tensor(x)
    return array_ops.ones_like(t, dtype=_name(dtype) if dtype else t.dtype)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras' names
    return _convert.constant(np.eye(N, M, k, dtype=_name(dtype or _FLOATX)))


def tril(x, k=0):
    t = convert_to_tensor(x)
    rows, cols = t.shape[-2], t.shape[-1]
    mask = np.tril(np.ones((rows, cols), bool), k)
    return array_ops.where(_convert.constant(mask), t, array_ops.zeros_like(t))


def triu(x, k=0):
    t = convert_to_tensor(x)
    rows, cols = t.shape[-2], t.shape[-1]
    mask = np.triu(np.ones((rows, cols), bool), k)
    return array_ops.where(_convert.constant(mask), t, array_ops.zeros_like(t))


def stop_gradient(variable):
    return array_ops.stop_gradient(variable)
