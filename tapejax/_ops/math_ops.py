"""`tf.math`: elementwise and reduction ops, as op tables over one dispatch path."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from tapejax import _checks, _dtypes, _ragged_dispatch
from tapejax._errors import InvalidArgumentError, NotFoundError
from tapejax._ops import _shapes, array_ops
from tapejax._ops import _tf_kernels as K
from tapejax._ops._convert import as_value, binary_inputs, convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor

# name -> (TF op name, JAX function, has a gradient in TF)
UNARY = {
    "abs": ("Abs", K.tf_abs, True),
    "negative": ("Neg", jnp.negative, True),
    "sign": ("Sign", jnp.sign, True),
    "square": ("Square", jnp.square, True),
    "sqrt": ("Sqrt", jnp.sqrt, True),
    "rsqrt": ("Rsqrt", jax.lax.rsqrt, True),
    "reciprocal": ("Reciprocal", jnp.reciprocal, True),
    "exp": ("Exp", jnp.exp, True),
    "expm1": ("Expm1", jnp.expm1, True),
    "log": ("Log", jnp.log, True),
    "log1p": ("Log1p", jnp.log1p, True),
    "sin": ("Sin", jnp.sin, True),
    "cos": ("Cos", jnp.cos, True),
    "tan": ("Tan", jnp.tan, True),
    "asin": ("Asin", jnp.arcsin, True),
    "acos": ("Acos", jnp.arccos, True),
    "atan": ("Atan", jnp.arctan, True),
    "sinh": ("Sinh", jnp.sinh, True),
    "cosh": ("Cosh", jnp.cosh, True),
    "tanh": ("Tanh", jnp.tanh, True),
    "asinh": ("Asinh", jnp.arcsinh, True),
    "acosh": ("Acosh", jnp.arccosh, True),
    "atanh": ("Atanh", jnp.arctanh, True),
    "sigmoid": ("Sigmoid", jax.nn.sigmoid, True),
    "log_sigmoid": ("LogSigmoid", jax.nn.log_sigmoid, True),
    "softplus": ("Softplus", K.tf_softplus, True),
    "softsign": ("Softsign", jax.nn.soft_sign, True),
    "erf": ("Erf", jsp.erf, True),
    "erfc": ("Erfc", jsp.erfc, True),
    "lgamma": ("Lgamma", jsp.gammaln, True),
    "digamma": ("Digamma", jsp.digamma, True),
    "real": ("Real", jnp.real, True),
    "imag": ("Imag", jnp.imag, True),
    "conj": ("Conj", jnp.conj, True),
    "angle": ("Angle", jnp.angle, True),
    "floor": ("Floor", jnp.floor, False),
    "ceil": ("Ceil", jnp.ceil, False),
    "round": ("Round", jnp.round, False),  # banker's rounding, as TF
    "rint": ("Rint", jnp.rint, False),
    "is_nan": ("IsNan", jnp.isnan, False),
    "is_inf": ("IsInf", jnp.isinf, False),
    "is_finite": ("IsFinite", jnp.isfinite, False),
    "logical_not": ("LogicalNot", jnp.logical_not, False),
}

BINARY = {
    "add": ("AddV2", jnp.add, True),
    "subtract": ("Sub", jnp.subtract, True),
    "multiply": ("Mul", jnp.multiply, True),
    "divide": ("RealDiv", jnp.true_divide, True),
    "floordiv": ("FloorDiv", jnp.floor_divide, False),
    "floormod": ("FloorMod", jnp.mod, True),
    "pow": ("Pow", K.tf_pow, True),
    "maximum": ("Maximum", K.tf_maximum, True),
    "minimum": ("Minimum", K.tf_minimum, True),
    "squared_difference": ("SquaredDifference", lambda x, y: jnp.square(x - y), True),
    "atan2": ("Atan2", jnp.arctan2, True),
    "xlogy": ("Xlogy", K.tf_xlogy, True),
    "xdivy": ("Xdivy", K.tf_xdivy, True),
    "divide_no_nan": ("DivNoNan",
                      lambda x, y: jnp.where(y == 0, jnp.zeros_like(x),
                                             x / jnp.where(y == 0, jnp.ones_like(y), y)), True),
    "equal": ("Equal", jnp.equal, False),
    "not_equal": ("NotEqual", jnp.not_equal, False),
    "less": ("Less", jnp.less, False),
    "less_equal": ("LessEqual", jnp.less_equal, False),
    "greater": ("Greater", jnp.greater, False),
    "greater_equal": ("GreaterEqual", jnp.greater_equal, False),
    "logical_and": ("LogicalAnd", jnp.logical_and, False),
    "logical_or": ("LogicalOr", jnp.logical_or, False),
    "logical_xor": ("LogicalXor", jnp.logical_xor, False),
}


def _shift_amount(x, y):
    # TF's kernels clamp the shift to [0, bits - 1] (TF documents out-of-range shifts as
    # implementation defined)
    return jnp.clip(y, 0, jnp.iinfo(x.dtype).bits - 1).astype(x.dtype)


# `tf.bitwise`: integer-only, no gradient. name -> (TF op name, JAX function)
BITWISE = {
    "bitwise_and": ("BitwiseAnd", jnp.bitwise_and),
    "bitwise_or": ("BitwiseOr", jnp.bitwise_or),
    "bitwise_xor": ("BitwiseXor", jnp.bitwise_xor),
    "left_shift": ("LeftShift", lambda x, y: jnp.left_shift(x, _shift_amount(x, y))),
    "right_shift": ("RightShift", lambda x, y: jnp.right_shift(x, _shift_amount(x, y))),
    "invert": ("Invert", jnp.invert),
}
_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")

OPS = {}


# Unary rows TF registers for floating (and complex) dtypes only: an integer or bool input raises
# InvalidArgumentError (checked on the static dtype, O(1)); JAX would silently promote it to float.
FLOAT_ONLY = frozenset(["acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "digamma",
                        "erf", "erfc", "exp", "expm1", "floor", "is_finite", "is_inf", "is_nan", "lgamma",
                        "log", "log1p", "log_sigmoid", "rint", "rsqrt", "sigmoid", "sin", "sinh",
                        "softplus", "softsign", "sqrt", "tan", "tanh"])
_BOOL_OK = frozenset(["real", "imag", "conj", "angle"])  # no op on a real input (the bool passes through)
_REAL_ONLY = frozenset(["is_finite", "is_inf", "is_nan", "floor", "ceil", "rint"])


def _float_only_error(op_name, dtype, real_only):
    allowed = "bfloat16, half, float, double" + ("" if real_only else ", complex64, complex128")
    return InvalidArgumentError(
        f"Value for attr 'T' of {_dtypes.from_jax(dtype)._tf_kind} is not in the list of allowed values: "
        f"{allowed}\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: \ntapejax: {op_name} takes "
        f"floating tensors; cast first (tf.cast(x, tf.float32)).")


def _make_unary(name, op_name, fn, differentiable):
    op = OPS[name] = Op(op_name, fn, differentiable)

    if name in FLOAT_ONLY:
        real_only = name in _REAL_ONLY

        def unary(x, name=None):
            x = as_value(x)
            if x._v.dtype.kind in "iub":
                raise _float_only_error(op_name, x._v.dtype, real_only)
            return apply(op, [x])
    elif name == "logical_not":
        def unary(x, name=None):
            x = as_value(x)
            if x._v.dtype.kind != "b":
                raise _dtypes.mismatch_error(op_name, 0, _dtypes.bool_, _dtypes.from_jax(x._v.dtype))
            return apply(op, [x])
    elif name == "reciprocal":
        def unary(x, name=None):
            x = as_value(x)
            if x._v.dtype.kind in "iu":  # TF registers no integer Reciprocal kernel
                raise NotFoundError(f"Could not find device for node: {{{{node Reciprocal}}}} = "
                                    f"Reciprocal[T=DT_{x.dtype.name.upper()}]\ntapejax: TF has no integer "
                                    f"reciprocal; cast to a float first.")
            return apply(op, [x])
    elif name in _BOOL_OK:
        def unary(x, name=None):
            return apply(op, [as_value(x)])
    else:
        def unary(x, name=None):
            x = as_value(x)
            if x._v.dtype.kind == "b":  # TF registers its numeric kernels for numbers only
                raise _float_only_error(op_name, x._v.dtype, False)
            return apply(op, [x])

    unary.__name__ = unary.__qualname__ = name
    unary.__doc__ = f"Elementwise `{name}`, as `tf.math.{name}`.\n\nArgs:\n  x: a Tensor.\n\nReturns:\n  A Tensor of the same shape."
    return unary


def _division_by_zero(op_name):
    return (f"Integer division by zero [Op:{op_name}] name: \ntapejax: the divisor of {op_name} "
            f"holds a 0; mask it first, e.g. tf.where(y == 0, 1, y).")


def _check_divisor(op_name, y, given):
    """TF's integer FloorDiv/FloorMod raise on a zero divisor: checked now for a Python or NumPy
    divisor, with the next value read for a Tensor (`_checks`: no device sync here)."""
    if y._v.dtype.kind not in "iu":
        return
    if isinstance(given, (int, np.integer, np.ndarray, list, tuple)):
        if np.any(np.asarray(given) == 0):
            raise InvalidArgumentError(_division_by_zero(op_name))
        return
    _checks.defer(_checks.any_zero, y, InvalidArgumentError, _division_by_zero(op_name))


def _is_tensor(x):
    return type(x) is Tensor or hasattr(x, "_trainable")


def _make_binary(name, op_name, fn, differentiable):
    op = OPS[name] = Op(op_name, fn, differentiable)

    if op_name in ("RealDiv", "DivNoNan"):
        where = "__truediv__" if op_name == "RealDiv" else "tf.math.divide_no_nan"

        def binary(x, y, name=None):
            if _is_tensor(x) and _is_tensor(y) and x._v.dtype != y._v.dtype:
                raise TypeError(f"`x` and `y` must have the same dtype, got tf.{_dtypes.from_jax(x._v.dtype).name}"
                                f" != tf.{_dtypes.from_jax(y._v.dtype).name}.")
            inputs = binary_inputs(op_name, x, y)
            if inputs[0]._v.dtype.kind in "Ob":
                raise TypeError(f"Invalid dtype tf.{_dtypes.from_jax(inputs[0]._v.dtype).name} in {where}. "
                                f"Expected one of {{tf.uint8, tf.int8, tf.uint16, tf.int16, tf.uint32, tf.int32, "
                                f"tf.uint64, tf.int64, tf.bfloat16, tf.float16, tf.float32, tf.float64, "
                                f"tf.complex64, tf.complex128}}.")
            return apply(op, inputs)
    elif op_name in ("FloorDiv", "FloorMod"):
        def binary(x, y, name=None):
            inputs = binary_inputs(op_name, x, y)
            _check_divisor(op_name, inputs[1], y)
            return apply(op, inputs)
    else:
        def binary(x, y, name=None):
            return apply(op, binary_inputs(op_name, x, y))

    binary.__name__ = binary.__qualname__ = name
    binary.__doc__ = f"Elementwise `{name}` with broadcasting, as `tf.math.{name}`.\n\nArgs:\n  x: a Tensor.\n  y: a Tensor of the same dtype.\n\nReturns:\n  A Tensor."
    return binary


for _name, (_op_name, _fn, _diff) in UNARY.items():  # a ragged input maps over its flat values
    globals()[_name] = _ragged_dispatch.elementwise(_make_unary(_name, _op_name, _fn, _diff))


_STRING_ERRORS = {"real": "input must be a numeric tensor, but got tensor with dtype <dtype: 'string'>",
                  "conj": "Expected numeric or variant tensor, got dtype tf.string."}


def _complex_part(name, on_real):
    complex_version = globals()[name]
    name_ = name

    def part(input, name=None):
        x = as_value(input)
        kind = x._v.dtype.kind
        if kind in "Ob" and name_ in _STRING_ERRORS:
            raise TypeError(_STRING_ERRORS[name_].replace("string", "bool" if kind == "b" else "string"))
        if kind == "b" and name_ == "angle":
            raise TypeError("Cannot convert 3.141592653589793 to EagerTensor of dtype bool")
        if name_ == "angle" and x._v.dtype.kind in "iu":  # TF builds pi in the input's integer dtype
            raise TypeError("Cannot convert 3.141592653589793 to EagerTensor of dtype int32")
        if jnp.iscomplexobj(x._value):
            return complex_version(x)
        return on_real(x)  # as TF: no op on a real input (so no gradient for imag/angle)

    part.__name__ = complex_version.__name__
    part.__doc__ = complex_version.__doc__
    return part


def _real_angle(x):
    return Tensor(jnp.where(x._value < 0, jnp.asarray(np.pi, x._v.dtype), jnp.zeros_like(x._value)))


real = _complex_part("real", lambda x: x)
conj = _complex_part("conj", lambda x: x)
imag = _complex_part("imag", lambda x: Tensor(jnp.zeros_like(x._value)))
angle = _complex_part("angle", _real_angle)
for _name, (_op_name, _fn, _diff) in BINARY.items():  # ragged operands: tapejax._ragged's rule
    globals()[_name] = _ragged_dispatch.binary(_make_binary(_name, _op_name, _fn, _diff))



def _check_integer(op_name, x):
    dtype = np.dtype(x._v.dtype)
    if dtype.name not in _INTEGER_DTYPES:
        raise InvalidArgumentError(
            f"Value for attr 'T' of {_dtypes.from_jax(dtype)._tf_kind} is not in the list of allowed "
            f"values: {', '.join(_INTEGER_DTYPES)}\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}]\n"
            f"tapejax: tf.bitwise ops take integer tensors; cast first (tf.cast(x, tf.int32)).")


def _make_bitwise(name, op_name, fn):
    op = OPS[name] = Op(op_name, fn, differentiable=False)
    if name == "invert":
        def bitwise(x, name=None):
            x = as_value(x)
            _check_integer(op_name, x)
            return apply(op, [x])
    else:
        def bitwise(x, y, name=None):
            x, y = binary_inputs(op_name, x, y)
            _check_integer(op_name, x)
            return apply(op, [x, y])
    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = (f"Elementwise `{name}` of integer tensors, as `tf.bitwise.{name}`; no gradient.\n\n"
                       f"Raises:\n  InvalidArgumentError: for a non-integer dtype.")
    return bitwise


for _name, (_op_name, _fn) in BITWISE.items():
    globals()[_name] = _make_bitwise(_name, _op_name, _fn)

truediv = divide
realdiv = divide
mod = floormod
neg = negative
add = globals()["add"]
multiply = globals()["multiply"]
subtract = globals()["subtract"]


def _python_div(x, y):
    """`x / y` on tensors: integers divide to floats as Python does (TF's __truediv__)."""
    x, y = binary_inputs("RealDiv", x, y)
    dt = x._v.dtype
    if jnp.issubdtype(dt, jnp.integer):
        target = _dtypes.float64 if dt.itemsize >= 4 else _dtypes.float32
        x, y = cast(x, target), cast(y, target)
    return apply(OPS["divide"], [x, y])


_complex = Op("Complex", jax.lax.complex)


def complex(real, imag, name=None):  # noqa: A001 - TF's name
    """Builds a complex tensor from real and imaginary parts, as `tf.complex`.

    Args:
      real: a float32 or float64 Tensor.
      imag: a Tensor of the same dtype; the two broadcast against each other.

    Returns:
      A complex64 (from float32) or complex128 (from float64) Tensor.

    Raises:
      TypeError: if the parts' dtypes differ or are not float32/float64.
    """
    real, imag = convert_to_tensor(real), convert_to_tensor(imag)
    dtypes = (real._v.dtype, imag._v.dtype)
    if dtypes[0] != dtypes[1] or dtypes[0] not in (np.float32, np.float64):
        raise TypeError(f"The `real` and `imag` components have incorrect types: {real.dtype.name} "
                        f"{imag.dtype.name}. They must be consistent, and one of [tf.float32, tf.float64]")
    shape = jnp.broadcast_shapes(real._v.shape, imag._v.shape)
    if real._v.shape != shape:
        real = array_ops.broadcast_to(real, shape)
    if imag._v.shape != shape:
        imag = array_ops.broadcast_to(imag, shape)
    return apply(_complex, [real, imag])


# -- casts and utilities ------------------------------------------------------------------------
_cast = Op("Cast", lambda x, dtype: x.astype(dtype) if not (
    jnp.iscomplexobj(x) and not jnp.issubdtype(dtype, jnp.complexfloating)) else jnp.real(x).astype(dtype))


@_ragged_dispatch.elementwise
def cast(x, dtype, name=None):
    """Casts `x` to `dtype`; differentiable between floating dtypes only, as in TF.

    Args:
      x: a Tensor or Variable.
      dtype: the target dtype.

    Returns:
      A Tensor of `dtype`.
    """
    dtype = _dtypes.as_dtype(dtype)
    x = as_value(x)
    if x._v.dtype == dtype._np:
        return identity_read(x) if hasattr(x, "_trainable") else x
    return apply(_cast, [x], (("dtype", dtype._np),))


def identity_read(x):
    return array_ops.identity(x)


def saturate_cast(value, dtype, name=None):
    dtype = _dtypes.as_dtype(dtype)
    if dtype.is_integer:
        value = clip_by_value(value, dtype.min, dtype.max)
    return cast(value, dtype)


_clip = Op("ClipByValue", K.tf_clip)


@_ragged_dispatch.elementwise
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips `t` to `[clip_value_min, clip_value_max]`; the gradient passes on both edges (TF).

    Args:
      t: a Tensor.
      clip_value_min: scalar or broadcastable Tensor.
      clip_value_max: scalar or broadcastable Tensor.

    Returns:
      A Tensor of `t`'s shape and dtype.
    """
    t = as_value(t)
    lo = as_value(clip_value_min, dtype=t.dtype) if not hasattr(clip_value_min, "_id") else clip_value_min
    hi = as_value(clip_value_max, dtype=t.dtype) if not hasattr(clip_value_max, "_id") else clip_value_max
    return apply(_clip, [t, lo, hi])


@_ragged_dispatch.any_arg
def add_n(inputs, name=None):
    """Sums a list of Tensors of one shape and dtype."""
    if not inputs:
        raise ValueError("inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape")
    total = as_value(inputs[0])
    for x in inputs[1:]:
        total = add(total, x)
    return total if len(inputs) > 1 else identity_read(total)


# -- reductions ---------------------------------------------------------------------------------
def _axis_attr(axis):
    if axis is None:
        return None
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(_shapes.axis_int(a) for a in axis)
    return _shapes.axis_int(axis)


def _reduce_mean(x, axis, keepdims):
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF: integer mean truncates toward zero
        total = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        count = x.size // max(total.size, 1)
        return jax.lax.div(total, jnp.asarray(max(count, 1), x.dtype))
    return jnp.mean(x, axis=axis, keepdims=keepdims)


def _same_dtype(fn):
    """`fn` keeping its input's dtype: under x64, jnp widens int32 sums to int64; TF does not."""
    def reduce(x, **kwargs):
        return fn(x, **kwargs).astype(x.dtype)
    return reduce


def _extreme(fn, lowest):
    """jnp.max / jnp.min with TF's result for an empty input: the dtype's lowest (max) or highest
    (min) value, -inf / inf for floats (jnp raises on a reduction of zero elements)."""
    def reduce(x, axis=None, keepdims=False):
        if x.size:
            return fn(x, axis=axis, keepdims=keepdims)
        if jnp.issubdtype(x.dtype, jnp.floating):
            initial = -jnp.inf if lowest else jnp.inf
        else:
            info = jnp.iinfo(x.dtype)
            initial = info.min if lowest else info.max
        return fn(x, axis=axis, keepdims=keepdims, initial=initial)
    return reduce


REDUCTIONS = {
    "reduce_sum": ("Sum", _same_dtype(jnp.sum), True),
    "reduce_mean": ("Mean", _reduce_mean, True),
    "reduce_max": ("Max", _extreme(jnp.max, lowest=True), True),
    "reduce_min": ("Min", _extreme(jnp.min, lowest=False), True),
    "reduce_prod": ("Prod", _same_dtype(jnp.prod), True),
    "reduce_logsumexp": ("ReduceLogSumExp", jsp.logsumexp, True),
    "reduce_std": ("ReduceStd", jnp.std, True),
    "reduce_variance": ("ReduceVariance", jnp.var, True),
    "reduce_any": ("Any", jnp.any, False),
    "reduce_all": ("All", jnp.all, False),
    "reduce_euclidean_norm": ("EuclideanNorm",
                              lambda x, axis, keepdims: jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims)), True),
}


_FLOAT_REDUCTIONS = frozenset(["reduce_logsumexp", "reduce_std", "reduce_variance"])


def _make_reduction(name, op_name, fn, differentiable):
    op = OPS[name] = Op(op_name, fn, differentiable)
    logical = name in ("reduce_any", "reduce_all")  # bool only; the others take numbers only
    float_only = name in _FLOAT_REDUCTIONS

    def reduction(input_tensor, axis=None, keepdims=False, name=None):
        x = as_value(input_tensor)
        axis = _axis_attr(axis)
        is_bool = x._v.dtype.kind == "b"
        if is_bool != logical:
            if logical:
                raise _dtypes.mismatch_error(op_name, 0, _dtypes.bool_, x.dtype)
            raise _float_only_error(op_name, x._v.dtype, False)
        _check_axis(op_name, x, axis)
        if x._v.dtype.kind in "iu" and float_only:  # TF's composite checks the axis first
            if op_name == "ReduceLogSumExp":
                raise _float_only_error("IsFinite", x._v.dtype, True)
            raise TypeError(f"Input must be either real or complex. Received integer type <dtype: '{x.dtype.name}'>.")
        return apply(op, [x], (("axis", axis), ("keepdims", bool(keepdims))))

    reduction.__name__ = reduction.__qualname__ = name
    reduction.__doc__ = (f"Reduces `input_tensor` along `axis`, as `tf.math.{name}`.\n\nArgs:\n"
                         "  input_tensor: a Tensor.\n  axis: None (all), an int or a list of ints.\n"
                         "  keepdims: keep reduced dimensions with length 1.\n\nReturns:\n  A Tensor.")
    return reduction


def _check_axis(op_name, x, axis):
    rank = x._v.ndim
    for a in (axis if isinstance(axis, tuple) else () if axis is None else (axis,)):
        if not -rank <= a < rank:
            raise InvalidArgumentError(
                f"Invalid reduction dimension ({a} for input with {rank} dimension(s) [Op:{op_name}] name: ")


for _name, (_op_name, _fn, _diff) in REDUCTIONS.items():  # ragged inputs: tapejax._ragged's reductions
    globals()[_name] = _ragged_dispatch.first(_make_reduction(_name, _op_name, _fn, _diff))

reduce_sum = globals()["reduce_sum"]
reduce_mean = globals()["reduce_mean"]
reduce_max = globals()["reduce_max"]


def _arg_op(name, fn):
    op = OPS[name] = Op(name, fn, differentiable=False)

    def arg(input, axis=None, output_type=_dtypes.int64, name=None):
        x = as_value(input)
        axis = 0 if axis is None else _axis_attr(axis)
        rank = x._v.ndim
        if isinstance(axis, int) and not -rank <= axis < rank:
            raise InvalidArgumentError(
                f"Expected dimension in the range [{-rank}, {rank}), but got {axis} [Op:{tf_name}] name: ")
        return apply(op, [x], (("axis", axis), ("dtype", _dtypes.as_dtype(output_type)._np)))

    tf_name = "ArgMax" if name == "argmax" else "ArgMin"
    arg.__name__ = name
    arg.__doc__ = f"Index of the {name[3:]} along `axis` (int64 by default), as `tf.math.{name}`."
    return arg


argmax = _arg_op("argmax", lambda x, axis, dtype: jnp.argmax(x, axis=axis).astype(dtype))
argmin = _arg_op("argmin", lambda x, axis, dtype: jnp.argmin(x, axis=axis).astype(dtype))

_cumsum = Op("Cumsum", lambda x, axis, exclusive, reverse: K.cumulative(jnp.cumsum, x, axis, exclusive, reverse, 0))
_cumprod = Op("Cumprod", K.tf_cumprod)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`, as `tf.math.cumsum`."""
    return apply(_cumsum, [as_value(x)], (("axis", int(axis)), ("exclusive", bool(exclusive)),
                                          ("reverse", bool(reverse))))


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis`, as `tf.math.cumprod`."""
    return apply(_cumprod, [as_value(x)], (("axis", int(axis)), ("exclusive", bool(exclusive)),
                                           ("reverse", bool(reverse))))


def count_nonzero(input, axis=None, keepdims=False, dtype=_dtypes.int64, name=None):
    return cast(reduce_sum(cast(not_equal(input, 0), dtype), axis=axis, keepdims=keepdims), dtype)  # noqa: F821


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    """`x / sqrt(max(sum(x**2, axis), epsilon))`, as `tf.math.l2_normalize`."""
    x = as_value(x)
    sq = reduce_sum(multiply(x, x), axis=axis, keepdims=True)
    return multiply(x, rsqrt(maximum(sq, epsilon)))  # noqa: F821


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x)


# -- norms, clipping, segments, top-k -----------------------------------------------------------
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales `t` so that its L2 norm (over `axes`) is at most `clip_norm`, as `tf.clip_by_norm`."""
    t = as_value(t)
    sq = reduce_sum(multiply(t, t), axis=axes, keepdims=True)
    # TF: t * clip_norm / max(norm, clip_norm), with a safe sqrt at 0.
    norm = sqrt(where_positive(sq))
    return multiply(t, divide(clip_norm * 1.0 if isinstance(clip_norm, (int, float)) else clip_norm,
                              maximum(norm, clip_norm)))


def where_positive(sq):
    return array_ops.where(greater(sq, 0.0), sq, array_ops.ones_like(sq))


def global_norm(t_list, name=None):
    """sqrt(sum of squared L2 norms) of a list of tensors (None entries are skipped)."""
    present = [as_value(t) for t in t_list if t is not None]
    if not present:
        raise ValueError("t_list must contain at least one tensor.")
    total = add_n([reduce_sum(multiply(t, t)) for t in present])
    return sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales a list of tensors so their global norm is at most `clip_norm`.

    Returns:
      (list of clipped tensors, with None kept in place; the global norm before clipping).
    """
    if not isinstance(t_list, (list, tuple)):
        raise TypeError("`t_list` should be a sequence of tensors. Received " + repr(type(t_list)))
    norm = global_norm(t_list) if use_norm is None else as_value(use_norm)
    scale = divide(clip_norm * 1.0 if isinstance(clip_norm, (int, float)) else clip_norm,
                   maximum(norm, clip_norm))
    return [None if t is None else multiply(t, cast(scale, as_value(t).dtype)) for t in t_list], norm


_top_k = Op("TopKV2", lambda x, k: tuple(jax.lax.top_k(x, k)), multi=True)


def top_k(input, k=1, sorted=True, index_type=_dtypes.int32, name=None):
    """The `k` largest entries along the last dimension and their int32 indices."""
    x = as_value(input)
    values, indices = apply(_top_k, [x], (("k", int(k)),))
    return values, Tensor(indices._value.astype(_dtypes.as_dtype(index_type)._np))


_segment_sum = Op("UnsortedSegmentSum", lambda data, ids, num: jax.ops.segment_sum(data, ids, num))


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums rows of `data` into `num_segments` buckets given by `segment_ids`."""
    n = int(num_segments.numpy() if hasattr(num_segments, "numpy") else num_segments)
    return apply(_segment_sum, [as_value(data), as_value(segment_ids)], (("num", n),))


def segment_sum(data, segment_ids, name=None):
    """Sums rows of `data` by sorted `segment_ids`."""
    ids = as_value(segment_ids)
    n = int(ids.numpy().max()) + 1 if ids.shape[0] else 0
    return unsorted_segment_sum(data, ids, n)



# -- confusion matrix -----------------------------------------------------------------------------
def _squeeze_last(labels, predictions):
    """TF's remove_squeezable_dimensions: drops a size-1 last axis that makes the ranks differ by one."""
    if labels.shape.rank == predictions.shape.rank + 1 and labels.shape[-1] == 1:
        labels = array_ops.squeeze(labels, [-1])
    elif predictions.shape.rank == labels.shape.rank + 1 and predictions.shape[-1] == 1:
        predictions = array_ops.squeeze(predictions, [-1])
    return labels, predictions


def _check_confusion_values(values, what, num_classes):
    """TF's assert_non_negative / assert_less messages for eager labels or predictions."""
    if isinstance(values._v, jax.core.Tracer):
        return
    array = np.asarray(values._v)
    if (array < 0).any():
        shown = [str(v) for v in array.reshape(-1)[:3]]
        raise InvalidArgumentError(f"`{what}` contains negative values.  \nCondition x >= 0 did not hold "
                                   f"element-wise:\nx (shape={array.shape} dtype=int64) = \n{shown}")
    if num_classes is not None and (array >= num_classes).any():
        raise InvalidArgumentError(f"`{what}` out of bound\nCondition x < y did not hold.\nFirst "
                                   f"{array.size} elements of x:\n{array}\nFirst 1 elements of y:\n[{num_classes}]")


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=_dtypes.int32, name=None):
    """The confusion matrix of `labels` (rows) against `predictions` (columns), as
    `tf.math.confusion_matrix`.

    Args:
      labels: 1-D integer (or float, truncated) Tensor of the true classes.
      predictions: 1-D Tensor of the predicted classes, the same length.
      num_classes: the matrix's size (default: the largest class seen plus one).
      weights: optional per-example weights, added instead of ones.
      dtype: the matrix's dtype (default int32).
      name: ignored.

    Returns:
      A `[num_classes, num_classes]` Tensor of `dtype`: entry `[i, j]` sums the weights of the
      examples with label `i` predicted as `j`.

    Raises:
      InvalidArgumentError: negative labels or predictions, or ones not below `num_classes` (checked
        eagerly, with TF's assertion messages), or lengths that differ.
    """
    labels, predictions = _squeeze_last(convert_to_tensor(labels), convert_to_tensor(predictions))
    predictions = cast(predictions, _dtypes.int64)
    labels = cast(labels, _dtypes.int64)
    _check_confusion_values(labels, "labels", None)
    _check_confusion_values(predictions, "predictions", None)
    if num_classes is None:
        num_classes = add(maximum(reduce_max(predictions), reduce_max(labels)), np.int64(1))  # noqa: F821
    else:
        num_classes = cast(num_classes, _dtypes.int64)
        limit = None if isinstance(num_classes._v, jax.core.Tracer) else int(num_classes._v)
        _check_confusion_values(labels, "labels", limit)
        _check_confusion_values(predictions, "predictions", limit)
    dtype = _dtypes.as_dtype(dtype)
    if weights is not None:
        weights = convert_to_tensor(weights)
        if not predictions.shape.is_compatible_with(weights.shape):
            raise ValueError(f"Shapes {predictions.shape} and {weights.shape} are incompatible")
        weights = cast(weights, dtype)
    indices = array_ops.stack([labels, predictions], axis=1)
    values = array_ops.ones_like(predictions, dtype=dtype) if weights is None else weights
    return array_ops.scatter_nd(indices, values, array_ops.stack([num_classes, num_classes]))
