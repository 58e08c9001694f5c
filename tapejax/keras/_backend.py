"""`keras.backend`: the Keras 2 backend functions that TF 2.21's Keras 3 still serves
(`keras.src.legacy.backend`), with its signatures and formulas, on tapejax ops.

`backend()` answers `'tensorflow'` (tapejax stands in for TF). Not provided (they raise
AttributeError): `conv1d/2d/3d`, `conv2d_transpose`, `depthwise_conv2d`, `separable_conv2d`,
`pool2d/3d`, `rnn`, `ctc_*`, `foldl/foldr`, `map_fn`, `gradients`, `resize_images/volumes`,
`spatial_3d_padding`, `in_top_k`, the focal crossentropies.
"""

from __future__ import annotations

import builtins
import collections
import gc
import math

import numpy as np

from tapejax import _cache, _control_flow, _dtypes
from tapejax._module import name_scope as _name_scope
from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops, random_ops
from tapejax._ops._convert import constant as _constant
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable
from tapejax.keras import _config, _operation
from tapejax.keras._config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from tapejax.keras._layer import KerasTensor

__all__ = [
    "abs", "all", "any", "arange", "argmax", "argmin", "backend", "batch_dot", "batch_flatten",
    "batch_get_value", "batch_normalization", "batch_set_value", "bias_add", "binary_crossentropy",
    "cast", "cast_to_floatx", "categorical_crossentropy", "clear_session", "clip", "concatenate",
    "constant", "cos", "count_params", "cumprod", "cumsum", "dot", "dropout", "dtype", "elu",
    "epsilon", "equal", "eval", "exp", "expand_dims", "eye", "flatten", "floatx", "gather",
    "get_uid", "get_value", "greater", "greater_equal", "hard_sigmoid", "image_data_format",
    "int_shape", "is_float_dtype", "is_int_dtype", "is_keras_tensor", "is_sparse", "l2_normalize",
    "less", "less_equal", "log", "max", "maximum", "mean", "min", "minimum",
    "moving_average_update", "name_scope", "ndim", "not_equal", "one_hot", "ones", "ones_like",
    "permute_dimensions", "pow", "prod", "random_bernoulli", "random_normal",
    "random_normal_variable", "random_uniform", "random_uniform_variable", "relu", "repeat",
    "repeat_elements", "reshape", "result_type", "reverse", "round", "set_epsilon", "set_floatx",
    "set_image_data_format", "set_value", "shape", "sigmoid", "sign", "sin", "softmax", "softplus",
    "softsign", "sparse_categorical_crossentropy", "spatial_2d_padding", "sqrt", "square",
    "squeeze", "stack", "standardize_dtype", "std", "stop_gradient", "sum", "switch", "tanh",
    "temporal_padding", "tile", "to_dense", "transpose", "truncated_normal", "update",
    "update_add", "update_sub", "var", "variable", "zeros", "zeros_like"]

_uids = collections.defaultdict(int)


def _t(x):
    return x if hasattr(type(x), "_value") else convert_to_tensor(x)


def _seed(seed):
    return np.random.randint(10e6) if seed is None else seed


# -- configuration and utilities -------------------------------------------------------------------
def backend():
    """The backend name: `'tensorflow'` (tapejax stands in for it)."""
    return "tensorflow"


def clear_session(free_memory=True):
    """Resets Keras' global state: layer-name counters and `get_uid` counters; with `free_memory`
    also every compiled program (`tapejax.clear_caches`: functions trace again on their next call)."""
    _operation._name_counts.clear()
    _uids.clear()
    _config.reset_policy()
    if free_memory:
        gc.collect()
        _cache.clear_all()


def get_uid(prefix=""):
    """A per-prefix counter starting at 1 (`get_uid('dense')` -> 1, 2, ...)."""
    _uids[prefix] += 1
    return _uids[prefix]


def name_scope(name):
    return _name_scope(name)


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def is_sparse(tensor):
    return False


def to_dense(tensor):
    return tensor


def standardize_dtype(dtype):
    if dtype is None:
        return floatx()
    if dtype == "int":
        return "int64"
    if dtype == "float":
        return "float32"
    return _dtypes.as_dtype(getattr(dtype, "name", dtype)).name


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes):
    """The dtype of combining `dtypes` (NumPy's promotion; `floatx()` for none)."""
    if not dtypes:
        return floatx()
    return str(np.result_type(*[np.dtype(standardize_dtype(d)) for d in dtypes]))


def dtype(x):
    return x.dtype.name


def int_shape(x):
    try:
        return tuple(x.shape)
    except (ValueError, TypeError):
        return None


def ndim(x):
    return len(x.shape)


def shape(x):
    return array_ops.shape(x)


def count_params(x):
    return math.prod(tuple(x.shape))


def eval(x):  # noqa: A001 - Keras' name
    return get_value(to_dense(x))


def get_value(x):
    """`x.numpy()` for tensors and variables; anything else as is."""
    if not hasattr(x, "numpy"):
        return x
    return x.numpy()


def batch_get_value(tensors):
    return [x.numpy() for x in tensors]


def set_value(x, value):
    x.assign(np.asarray(value, dtype=x.dtype.name))


def batch_set_value(tuples):
    for x, value in tuples:
        x.assign(np.asarray(value, dtype=x.dtype.name))


def cast_to_floatx(x):
    if isinstance(x, (Tensor, Variable)):
        return math_ops.cast(x, floatx())
    return np.asarray(x, dtype=floatx())


# -- creation -----------------------------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):
    return Variable(value, dtype=_dtypes.as_dtype(dtype or floatx()), name=name,
                    constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    return _constant(value, dtype=dtype or floatx(), shape=shape, name=name)


def zeros(shape, dtype=None, name=None):
    v = array_ops.zeros(shape, _dtypes.as_dtype(dtype or floatx()))
    return variable(v, dtype=dtype, name=name) if builtins.all(tuple(v.shape)) else v


def ones(shape, dtype=None, name=None):
    v = array_ops.ones(shape, _dtypes.as_dtype(dtype or floatx()))
    return variable(v, dtype=dtype, name=name) if builtins.all(tuple(v.shape)) else v


def eye(size, dtype=None, name=None):
    return variable(array_ops.eye(size, dtype=_dtypes.as_dtype(dtype or floatx())), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return array_ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return array_ops.ones_like(x, dtype=dtype)


def arange(start, stop=None, step=1, dtype="int32"):
    if stop is None and start < 0:
        start = 0
    result = array_ops.range(start, limit=stop, delta=step)
    if dtype != "int32":
        result = math_ops.cast(result, dtype)
    return result


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.normal(shape, mean=mean, stddev=stddev, dtype=dtype or floatx(),
                             seed=_seed(seed))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return random_ops.uniform(shape, minval=minval, maxval=maxval, dtype=dtype or floatx(),
                              seed=_seed(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.truncated_normal(shape, mean, stddev, dtype=dtype or floatx(),
                                       seed=_seed(seed))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    dtype = dtype or floatx()
    return array_ops.where(random_ops.uniform(shape, dtype=dtype, seed=_seed(seed)) <= p,
                           array_ops.ones(shape, dtype=dtype), array_ops.zeros(shape, dtype=dtype))


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    value = random_ops.normal(shape, mean, scale, dtype=dtype or floatx(),
                              seed=np.random.randint(10e8) if seed is None else seed)
    return variable(value, dtype=dtype, name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    value = random_ops.uniform(shape, low, high, dtype=dtype or floatx(),
                               seed=np.random.randint(10e8) if seed is None else seed)
    return variable(value, dtype=dtype, name=name)


# -- variable updates ---------------------------------------------------------------------------
def update(x, new_x):
    return x.assign(new_x)


def update_add(x, increment):
    return x.assign_add(increment)


def update_sub(x, decrement):
    return x.assign_sub(decrement)


def moving_average_update(x, value, momentum):
    momentum = math_ops.cast(momentum, x.dtype)
    value = math_ops.cast(value, x.dtype)
    return x.assign_sub((x - value) * (1 - momentum))


# -- elementwise and reductions -----------------------------------------------------------------
def abs(x):  # noqa: A001
    return math_ops.abs(x)


def square(x):
    return math_ops.square(x)


def sqrt(x):
    x = _t(x)
    return math_ops.sqrt(math_ops.maximum(x, math_ops.cast(0.0, x.dtype)))


def exp(x):
    return math_ops.exp(x)


def log(x):
    return math_ops.log(x)


def pow(x, a):  # noqa: A001
    return math_ops.pow(x, a)


def sign(x):
    return math_ops.sign(x)


def sin(x):
    return math_ops.sin(x)


def cos(x):
    return math_ops.cos(x)


def tanh(x):
    return math_ops.tanh(x)


def round(x):  # noqa: A001
    return math_ops.round(x)


def sigmoid(x):
    return math_ops.sigmoid(x)


def softplus(x):
    return math_ops.softplus(x)


def softsign(x):
    return math_ops.softsign(x)


def hard_sigmoid(x):
    x = _t(x)
    x = x * math_ops.cast(0.2, x.dtype) + math_ops.cast(0.5, x.dtype)
    return math_ops.clip_by_value(x, 0.0, 1.0)


def elu(x, alpha=1.0):
    res = nn_ops.elu(x)
    if alpha == 1:
        return res
    return array_ops.where(_t(x) > 0, res, alpha * res)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    x = _t(x)
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return nn_ops.leaky_relu(x, alpha=alpha)
        negative_part = nn_ops.relu(-x + threshold) if threshold != 0 else nn_ops.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * math_ops.cast(math_ops.greater(x, threshold), x.dtype)
    elif max_value == 6:
        x = nn_ops.relu6(x)
        clip_max = False
    else:
        x = nn_ops.relu(x)
    if clip_max:
        x = math_ops.clip_by_value(x, math_ops.cast(0, x.dtype), math_ops.cast(max_value, x.dtype))
    if alpha != 0.0:
        x = x - math_ops.cast(alpha, x.dtype) * negative_part
    return x


def softmax(x, axis=-1):
    x = _t(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    if isinstance(axis, int):
        return nn_ops.softmax(x, axis=axis)
    numerator = math_ops.exp(x - math_ops.reduce_max(x, axis=axis, keepdims=True))
    return numerator / math_ops.reduce_sum(numerator, axis=axis, keepdims=True)


def clip(x, min_value, max_value):
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        if max_value < min_value:
            max_value = min_value
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    return math_ops.clip_by_value(x, min_value, max_value)


def _bool_to_floatx(x):
    x = _t(x)
    return math_ops.cast(x, floatx()) if x.dtype == _dtypes.bool_ else x


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return math_ops.reduce_sum(x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return math_ops.reduce_prod(x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    return math_ops.reduce_mean(_bool_to_floatx(x), axis, keepdims)


def std(x, axis=None, keepdims=False):
    return math_ops.reduce_std(_bool_to_floatx(x), axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return math_ops.reduce_variance(_bool_to_floatx(x), axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return math_ops.reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return math_ops.reduce_min(x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return math_ops.reduce_all(math_ops.cast(x, _dtypes.bool_), axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return math_ops.reduce_any(math_ops.cast(x, _dtypes.bool_), axis, keepdims)


def argmax(x, axis=-1):
    return math_ops.argmax(x, axis)


def argmin(x, axis=-1):
    return math_ops.argmin(x, axis)


def cumsum(x, axis=0):
    return math_ops.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    return math_ops.cumprod(x, axis=axis)


def maximum(x, y):
    return math_ops.maximum(x, y)


def minimum(x, y):
    return math_ops.minimum(x, y)


def equal(x, y):
    return math_ops.equal(x, y)


def not_equal(x, y):
    return math_ops.not_equal(x, y)


def greater(x, y):
    return math_ops.greater(x, y)


def greater_equal(x, y):
    return math_ops.greater_equal(x, y)


def less(x, y):
    return math_ops.less(x, y)


def less_equal(x, y):
    return math_ops.less_equal(x, y)


def l2_normalize(x, axis=None):
    return math_ops.l2_normalize(x, axis=axis)


def cast(x, dtype):
    return math_ops.cast(x, dtype)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return map(array_ops.stop_gradient, variables)
    return array_ops.stop_gradient(variables)


# -- shapes -------------------------------------------------------------------------------------
def reshape(x, shape):
    return array_ops.reshape(x, shape)


def transpose(x):
    return array_ops.transpose(x)


def permute_dimensions(x, pattern):
    return array_ops.transpose(x, perm=pattern)


def expand_dims(x, axis=-1):
    return array_ops.expand_dims(x, axis)


def squeeze(x, axis):
    return array_ops.squeeze(x, [axis])


def flatten(x):
    return array_ops.reshape(x, [-1])


def batch_flatten(x):
    x = _t(x)
    return array_ops.reshape(x, [-1, int(np.prod(tuple(x.shape)[1:]))])


def concatenate(tensors, axis=-1):
    if axis < 0:
        rank = ndim(_t(tensors[0]))
        axis = axis % rank if rank else 0
    return array_ops.concat(list(tensors), axis)


def stack(x, axis=0):
    return array_ops.stack(x, axis=axis)


def tile(x, n):
    return array_ops.tile(x, [n] if isinstance(n, int) else n)


def repeat(x, n):
    x = _t(x)
    if ndim(x) != 2:
        raise ValueError(f"Expected input `x` to have rank 2. Received: rank(x)={ndim(x)}")
    return array_ops.tile(array_ops.expand_dims(x, 1), [1, n, 1])


def repeat_elements(x, rep, axis):
    x = _t(x)
    splits = array_ops.split(x, int(x.shape[axis]), axis=axis)
    return concatenate([s for s in splits for _ in range(rep)], axis)


def reverse(x, axes):
    return array_ops.reverse(x, [axes] if isinstance(axes, int) else axes)


def gather(reference, indices):
    return array_ops.gather(reference, indices)


def one_hot(indices, num_classes):
    return array_ops.one_hot(indices, depth=num_classes, axis=-1)


def temporal_padding(x, padding=(1, 1)):
    if len(padding) != 2:
        raise ValueError(f"Expected `padding` to be a tuple of 2 integers. Received: "
                         f"padding={padding}")
    return array_ops.pad(x, [[0, 0], [padding[0], padding[1]], [0, 0]])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    if len(padding) != 2 or len(padding[0]) != 2 or len(padding[1]) != 2:
        raise ValueError(f"Expected `padding` to be a tuple of 2 tuples of 2 integers. Received: "
                         f"padding={padding}")
    data_format = data_format or image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"Unknown data_format: {data_format}")
    if data_format == "channels_first":
        pattern = [[0, 0], [0, 0], list(padding[0]), list(padding[1])]
    else:
        pattern = [[0, 0], list(padding[0]), list(padding[1]), [0, 0]]
    return array_ops.pad(x, pattern)


# -- linear algebra and nn ----------------------------------------------------------------------
def dot(x, y):
    """Keras' `dot`: matmul, generalised to N-D as `tensordot` over x's last and y's
    second-to-last axis."""
    x, y = _t(x), _t(y)
    if ndim(x) > 2 or ndim(y) > 2:
        x_shape, y_shape = tuple(x.shape), tuple(y.shape)
        perm = list(range(ndim(y)))
        perm = [perm.pop(-2)] + perm
        xt = array_ops.reshape(x, [-1, x_shape[-1]])
        yt = array_ops.reshape(array_ops.transpose(y, perm=perm), [y_shape[-2], -1])
        return array_ops.reshape(linalg_ops.matmul(xt, yt),
                                 x_shape[:-1] + y_shape[:-2] + y_shape[-1:])
    return linalg_ops.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Keras' `batch_dot` (matmul over a shared batch axis 0, contracting `axes`)."""
    x, y = _t(x), _t(y)
    x_shape, y_shape = tuple(x.shape), tuple(y.shape)
    x_ndim, y_ndim = len(x_shape), len(y_shape)
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with "
                         f"tf.shapes {x_shape} and {y_shape}.")
    if x_shape[0] != y_shape[0]:
        raise ValueError(f"Cannot do batch_dot on inputs with different batch sizes. Received "
                         f"inputs with tf.shapes {x_shape} and {y_shape}.")
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 1] if y_ndim == 2 else [x_ndim - 1, y_ndim - 2]
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(f"Multiple target dimensions are not supported. Expected: None, int, "
                         f"(int, int), Provided: {axes}")
    axes = list(axes)
    if axes[0] < 0:
        axes[0] += x_ndim
    if axes[1] < 0:
        axes[1] += y_ndim
    if 0 in axes:
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not batched, "
                         "add a dummy batch dimension to your inputs using K.expand_dims(x, 0)")
    a0, a1 = axes
    d1, d2 = x_shape[a0], y_shape[a1]
    if d1 != d2:
        raise ValueError(f"Cannot do batch_dot on inputs with tf.shapes {x_shape} and {y_shape} "
                         f"with axes={axes}. x.shape[{axes[0]}] != y.shape[{axes[1]}] ({d1} != "
                         f"{d2}).")
    orig_x_ndim, orig_y_ndim = x_ndim, y_ndim
    if x_ndim == 2:
        x = array_ops.expand_dims(x, 1)
        a0 += 1
        x_ndim += 1
    if y_ndim == 2:
        y = array_ops.expand_dims(y, 2)
        y_ndim += 1
    if a0 != x_ndim - 1:
        pattern = list(range(x_ndim))
        for i in range(a0, x_ndim - 1):
            pattern[i] = pattern[i + 1]
        pattern[-1] = a0
        x = array_ops.transpose(x, pattern)
    if a1 != 1:
        pattern = list(range(y_ndim))
        for i in range(a1, 1, -1):
            pattern[i] = pattern[i - 1]
        pattern[1] = a1
        y = array_ops.transpose(y, pattern)
    xs, ys = tuple(x.shape), tuple(y.shape)
    if x_ndim > 3:
        x = array_ops.reshape(x, [xs[0], -1, xs[-1]])
    if y_ndim > 3:
        y = array_ops.reshape(y, [ys[0], ys[1], -1])
    result = linalg_ops.matmul(x, y)
    out_shape = tuple(result.shape)
    if x_ndim > 3:
        out_shape = out_shape[:1] + xs[1:-1] + out_shape[-1:]
    if y_ndim > 3:
        out_shape = out_shape[:-1] + ys[2:]
    if x_ndim > 3 or y_ndim > 3:
        result = array_ops.reshape(result, out_shape)
    if orig_x_ndim == 2:
        result = array_ops.squeeze(result, [1])
    elif orig_y_ndim == 2:
        result = array_ops.squeeze(result, [-1])
    return result


def bias_add(x, bias, data_format=None):
    data_format = data_format or image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"Unknown data_format: {data_format}")
    x, bias = _t(x), _t(bias)
    bias_shape = tuple(bias.shape)
    if len(bias_shape) != 1 and len(bias_shape) != ndim(x) - 1:
        raise ValueError(f"Unexpected bias dimensions {len(bias_shape)}. Expected it to be 1 or "
                         f"{ndim(x) - 1} dimensions")
    if len(bias_shape) == 1:
        if data_format == "channels_first" and ndim(x) > 2:
            return x + array_ops.reshape(bias, (1, bias_shape[0]) + (1,) * (ndim(x) - 2))
        return nn_ops.bias_add(x, bias)
    if ndim(x) in (3, 4, 5):
        if data_format == "channels_first":
            return x + array_ops.reshape(bias, (1, bias_shape[-1]) + bias_shape[:-1])
        return x + array_ops.reshape(bias, (1,) + bias_shape)
    return nn_ops.bias_add(x, bias)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=0.001):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta` (tf.nn.batch_normalization's formula)."""
    inv = math_ops.rsqrt(_t(var) + epsilon)
    if gamma is not None:
        inv = inv * gamma
    offset = (beta - mean * inv) if beta is not None else -(_t(mean) * inv)
    return _t(x) * math_ops.cast(inv, _t(x).dtype) + math_ops.cast(offset, _t(x).dtype)


def dropout(x, level, noise_shape=None, seed=None):
    return nn_ops.dropout(x, rate=level, noise_shape=noise_shape, seed=_seed(seed))


def switch(condition, then_expression, else_expression):
    condition = _t(condition)
    if condition.dtype != _dtypes.bool_:
        condition = math_ops.cast(condition, _dtypes.bool_)
    cond_ndim = ndim(condition)
    if not cond_ndim:
        then_fn = then_expression if callable(then_expression) else (lambda: then_expression)
        else_fn = else_expression if callable(else_expression) else (lambda: else_expression)
        return _control_flow.cond(condition, then_fn, else_fn)
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    then_expression = _t(then_expression)
    expr_ndim = ndim(then_expression)
    if cond_ndim > expr_ndim:
        raise ValueError(f"Rank of `condition` should be less than or equal to rank of "
                         f"`then_expression` and `else_expression`. ndim(condition)={cond_ndim}, "
                         f"ndim(then_expression)={expr_ndim}")
    if cond_ndim > 1:
        cond_shape = tuple(condition.shape) + (1,) * (expr_ndim - cond_ndim)
        condition = array_ops.reshape(condition, cond_shape)
        expr_shape = tuple(then_expression.shape)
        condition = array_ops.tile(condition, [e if e - c > 0 else 1
                                               for e, c in zip(expr_shape, cond_shape)])
    return array_ops.where(condition, then_expression, else_expression)


# -- losses ---------------------------------------------------------------------------------------
def binary_crossentropy(target, output, from_logits=False):
    target, output = _t(target), _t(output)
    if from_logits:
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = math_ops.cast(epsilon(), output.dtype)
    output = math_ops.clip_by_value(output, eps, 1.0 - eps)
    bce = target * math_ops.log(output + epsilon())
    bce = bce + (1 - target) * math_ops.log(1 - output + epsilon())
    return -bce


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target), _t(output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"Shapes {tuple(target.shape)} and {tuple(output.shape)} are "
                         f"incompatible")
    if from_logits:
        return nn_ops.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / math_ops.reduce_sum(output, axis, True)
    eps = math_ops.cast(epsilon(), output.dtype)
    output = math_ops.clip_by_value(output, eps, 1.0 - eps)
    return -math_ops.reduce_sum(target * math_ops.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                    ignore_class=None):
    target, output = _t(target), _t(output)
    target = math_ops.cast(target, "int64")
    if not from_logits:
        eps = math_ops.cast(epsilon(), output.dtype)
        output = math_ops.log(math_ops.clip_by_value(output, eps, 1 - eps))
    output_rank = output.ndim
    axis %= output_rank
    if axis != output_rank - 1:
        perm = list(range(axis)) + list(range(axis + 1, output_rank)) + [axis]
        output = array_ops.transpose(output, perm=perm)
    output_shape = tuple(output.shape)
    update_shape = target.ndim != output_rank - 1
    if update_shape:
        target = flatten(target)
        output = array_ops.reshape(output, [-1, output_shape[-1]])
    if ignore_class is not None:
        raise NotImplementedError("tapejax's keras.backend.sparse_categorical_crossentropy does "
                                  "not support ignore_class; mask the per-sample values instead.")
    res = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if update_shape and output_rank >= 3:
        res = array_ops.reshape(res, output_shape[:-1])
    return res

