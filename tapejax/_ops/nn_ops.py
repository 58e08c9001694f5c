"""`tf.nn`: activations, softmax, cross-entropies, dropout, moments, bias_add."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._errors import InvalidArgumentError
from tapejax._ops import _shapes, array_ops, math_ops, random_ops
from tapejax._ops import _tf_kernels as K
from tapejax._ops._convert import as_value, binary_inputs, convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor

NN = {
    "relu": Op("Relu", jax.nn.relu),
    "relu6": Op("Relu6", K.tf_relu6),
    "elu": Op("Elu", jax.nn.elu),
    "selu": Op("Selu", K.tf_selu),
    "gelu": Op("Gelu", lambda x, approximate: jax.nn.gelu(x, approximate=approximate)),
    "silu": Op("Silu", lambda x, beta: x * jax.nn.sigmoid(beta * x)),
    "leaky_relu": Op("LeakyRelu", K.tf_leaky_relu),
    "softmax": Op("Softmax", lambda x, axis: jax.nn.softmax(x, axis=axis)),
    "log_softmax": Op("LogSoftmax", lambda x, axis: jax.nn.log_softmax(x, axis=axis)),
    "sigmoid_xent": Op("SigmoidCrossEntropyWithLogits", K.sigmoid_xent),
    "softmax_xent": Op("SoftmaxCrossEntropyWithLogits", K.softmax_xent),
    "sparse_softmax_xent": Op("SparseSoftmaxCrossEntropyWithLogits", K.sparse_softmax_xent),
    "l2_loss": Op("L2Loss", lambda x: jnp.sum(x * x) / 2),
    "bias_add": Op("BiasAdd", lambda x, b: x + b),
    "dropout": Op("Dropout", lambda x, keep, scale: jnp.where(keep, x * scale, jnp.zeros_like(x))),
}


def relu(features, name=None):
    """max(features, 0); the gradient at 0 is 0, as TF."""
    return apply(NN["relu"], [as_value(features)])


def relu6(features, name=None):
    """min(max(features, 0), 6); gradient 1 strictly inside (0, 6)."""
    return apply(NN["relu6"], [as_value(features)])


def elu(features, name=None):
    return apply(NN["elu"], [_shapes.float_only(as_value(features), "Elu", "nn")])


def selu(features, name=None):
    return apply(NN["selu"], [_shapes.float_only(as_value(features), "Selu", "nn")])


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit (exact erf form unless `approximate`)."""
    x = as_value(features)
    if x._v.dtype.kind in "iub":
        raise ValueError(f"`features.dtype` must be a floating point tensor.Received:features.dtype={x.dtype!r}")
    return apply(NN["gelu"], [x], (("approximate", bool(approximate)),))


def silu(features, beta=1.0):
    x = _shapes.float_only(as_value(features), "Sigmoid", "silu")
    return apply(NN["silu"], [x], (("beta", float(beta)),))


swish = silu


def leaky_relu(features, alpha=0.2, name=None):
    """x if x > 0 else alpha * x (the gradient at 0 is alpha, as TF)."""
    return apply(NN["leaky_relu"], [as_value(features)], (("alpha", float(alpha)),))


def softmax(logits, axis=None, name=None):
    """Softmax along `axis` (default last)."""
    x = _shapes.float_only(as_value(logits), "Softmax", "nn")
    return apply(NN["softmax"], [x], (("axis", -1 if axis is None else int(axis)),))


def log_softmax(logits, axis=None, name=None):
    x = _shapes.float_only(as_value(logits), "LogSoftmax", "nn")
    return apply(NN["log_softmax"], [x], (("axis", -1 if axis is None else int(axis)),))


def _same_shape(labels, logits, what):
    if labels._v.shape != logits._v.shape:
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss in TF's numerically stable form.

    Args:
      labels: Tensor of `logits`' shape and dtype, values in [0, 1].
      logits: Tensor.

    Returns:
      A Tensor of `logits`' shape.
    """
    labels, logits = binary_inputs("SigmoidCrossEntropyWithLogits", labels, logits)
    _same_shape(labels, logits, "sigmoid")
    return apply(NN["sigmoid_xent"], [labels, logits])


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Cross-entropy between `labels` (a distribution) and softmax(`logits`) along `axis`."""
    labels, logits = binary_inputs("SoftmaxCrossEntropyWithLogits", labels, logits)
    if labels._v.shape != logits._v.shape:
        raise InvalidArgumentError(
            f"logits and labels must be broadcastable: logits_size={list(logits.shape)} "
            f"labels_size={list(labels.shape)} [Op:SoftmaxCrossEntropyWithLogits]")
    return apply(NN["softmax_xent"], [labels, logits], (("axis", int(axis)),))


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Cross-entropy of integer class `labels` against softmax(`logits`).

    Raises:
      InvalidArgumentError: if a label is outside [0, num_classes).
    """
    labels = as_value(labels)
    logits = as_value(logits)
    if labels._v.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"Value for attr 'Tlabels' of {labels.dtype._tf_kind} is not in the list of allowed values: int32, "
            f"int64\n\t; NodeDef: {{{{node SparseSoftmaxCrossEntropyWithLogits}}}} "
            f"[Op:SparseSoftmaxCrossEntropyWithLogits]")
    if labels._v.shape != logits._v.shape[:-1]:
        raise ValueError(
            f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: labels.shape="
            f"{labels.shape} of rank {labels.ndim} and logits.shape={logits.shape} of rank "
            f"{logits.ndim}" if labels.ndim != logits.ndim - 1 else
            f"`labels.shape` must equal `logits.shape` except for the last dimension. Received: "
            f"labels.shape={labels.shape} and logits.shape={logits.shape}")
    if not isinstance(labels._value, jax.core.Tracer):
        values = np.asarray(labels._value)
        n = logits._v.shape[-1]
        bad = (values < 0) | (values >= n)
        if bad.any():
            raise InvalidArgumentError(
                f"Received a label value of {int(values[bad][0])} which is outside the valid "
                f"range of [0, {n}).  Label values: {' '.join(str(int(v)) for v in values.ravel())} "
                f"[Op:SparseSoftmaxCrossEntropyWithLogits]")
    return apply(NN["sparse_softmax_xent"], [labels, logits])


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    return apply(NN["l2_loss"], [as_value(t)])


def bias_add(value, bias, data_format=None, name=None):
    value, bias = binary_inputs("BiasAdd", value, bias)
    return apply(NN["bias_add"], [value, bias])


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeros elements with probability `rate` and scales the rest by 1/(1-rate).

    Args:
      x: a floating Tensor.
      rate: drop probability in [0, 1).
      noise_shape: optional shape (broadcastable to `x`) of the keep mask.
      seed: optional op seed; with `tf.random.set_seed`, results are reproducible.

    Returns:
      A Tensor of `x`'s shape.
    """

    x = as_value(x)
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    if rate == 0:
        return x if type(x).__name__ == "Tensor" else x.value()
    shape = tuple(x.shape) if noise_shape is None else tuple(int(d) for d in noise_shape)
    keep = random_ops.uniform(shape, dtype=x.dtype, seed=seed)._value >= rate
    keep = jnp.broadcast_to(keep, tuple(x.shape))
    return apply(NN["dropout"], [x, Tensor(keep), convert_to_tensor(1.0 / (1.0 - rate), dtype=x.dtype)])


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes`."""
    mean = math_ops.reduce_mean(x, axis=axes, keepdims=True)
    var = math_ops.reduce_mean(math_ops.squared_difference(x, mean), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = array_ops.squeeze(mean, axis=axes)
    return mean, var


def embedding_lookup(params, ids, max_norm=None, name=None):
    return array_ops.gather(params, ids)


def sigmoid(x, name=None):
    return math_ops.sigmoid(x)


def tanh(x, name=None):
    return math_ops.tanh(x)


def softplus(features, name=None):
    return math_ops.softplus(features)



# -- convolution and pooling (NHWC, as TF's default) --------------------------------------------
def _conv2d(x, w, strides, padding, dilations):
    return jax.lax.conv_general_dilated(
        x, w, window_strides=strides, padding=padding, rhs_dilation=dilations,
        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _tiles(x, k):
    n, h, w, c = x.shape
    kh, kw = k
    tiles = x.reshape(n, h // kh, kh, w // kw, kw, c).transpose(0, 1, 3, 5, 2, 4)
    return tiles.reshape(n, h // kh, w // kw, c, kh * kw)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _tile_max_pool(x, k):
    """Max-pooling whose window equals its stride and divides the input: a reshape and a max.

    XLA's CPU gradient of reduce_window (select-and-scatter) is slow; this form is several times
    faster. The tangent (and so the gradient) goes to the first maximum of each window, as TF's
    does, through a dense mask: its transpose is a multiply, not a slow scatter.
    """
    return jnp.max(_tiles(x, k), axis=-1)


@_tile_max_pool.defjvp
def _tile_max_pool_jvp(k, primals, tangents):
    (x,), (t,) = primals, tangents
    tiles = _tiles(x, k)
    first = jnp.argmax(tiles, axis=-1)
    mask = jnp.arange(k[0] * k[1]) == first[..., None]
    return jnp.max(tiles, axis=-1), jnp.sum(jnp.where(mask, _tiles(t, k), jnp.zeros((), t.dtype)), -1)


def _max_pool(x, ksize, strides, padding):
    if (ksize == strides and padding == "VALID" and x.shape[1] % ksize[0] == 0
            and x.shape[2] % ksize[1] == 0):
        return _tile_max_pool(x, ksize)
    # A Python scalar init lets JAX recognise the max monoid (differentiable reduce_window).
    return jax.lax.reduce_window(x, -np.inf, jax.lax.max, (1,) + ksize + (1,), (1,) + strides + (1,),
                                 padding)


def _avg_pool(x, ksize, strides, padding):
    window, step = (1,) + ksize + (1,), (1,) + strides + (1,)
    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, step, padding)
    if padding == "VALID":
        return total / (ksize[0] * ksize[1])
    count = jax.lax.reduce_window(np.ones(x.shape[:3] + (1,), x.dtype), 0.0, jax.lax.add, window,
                                  step, padding)
    return total / count


NN.update({
    "conv2d": Op("Conv2D", _conv2d),
    "max_pool2d": Op("MaxPool", _max_pool),
    "avg_pool2d": Op("AvgPool", _avg_pool),
})


def _pair(value, name):
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) == 4:
        return value[1:3]
    if len(value) == 1:
        return (value[0], value[0])
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a list of 1, 2 or 4 ints, got {value}")
    return value


def _check_format(data_format):
    if data_format not in (None, "NHWC"):
        raise ValueError(f"tapejax supports data_format='NHWC' only, got {data_format!r}; "
                         f"transpose the input with tf.transpose(x, [0, 2, 3, 1]).")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution of NHWC `input` with HWIO `filters`, as `tf.nn.conv2d`.

    Args:
      input: Tensor [batch, height, width, in_channels].
      filters: Tensor [filter_height, filter_width, in_channels, out_channels].
      strides: int or list of 1, 2 or 4 ints.
      padding: 'SAME' or 'VALID'.
      dilations: int or list; default 1.

    Returns:
      A Tensor [batch, out_height, out_width, out_channels].
    """
    _check_format(data_format)
    x, w = binary_inputs("Conv2D", input, filters)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"input must be 4-dimensional {list(x.shape)}" if x.ndim != 4 else
                         f"filter must be 4-dimensional: {list(w.shape)}")
    if x.shape[3] % w.shape[2]:
        raise InvalidArgumentError(
            f"input depth must be evenly divisible by filter depth: {x.shape[3]} vs {w.shape[2]} "
            f"[Op:Conv2D]")
    padding = str(padding).upper()
    return apply(NN["conv2d"], [x, w], (("strides", _pair(strides, "strides")), ("padding", padding),
                                        ("dilations", _pair(dilations or 1, "dilations"))))


def _check_window(x, ksize, strides, padding, op_name):
    """TF's error for a VALID window larger than the input (JAX would return an empty array)."""
    if str(padding).upper() != "VALID" or x._v.ndim != 4:
        return
    for size, k, s in zip(x._v.shape[1:3], ksize, strides):
        out = int((size - k + s) / s)  # TF's C++ integer division truncates toward zero
        if out < 0:
            raise InvalidArgumentError(
                f"Computed output size would be negative: {out} "
                f"[input_size: {size}, effective_filter_size: {k}, stride: {s}] [Op:{op_name}] name: ")


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Max pooling over NHWC windows; the gradient goes to the first maximum, as TF."""
    _check_format(data_format)
    x, ksize, strides = as_value(input), _pair(ksize, "ksize"), _pair(strides, "strides")
    _check_window(x, ksize, strides, padding, "MaxPool")
    return apply(NN["max_pool2d"], [x], (("ksize", ksize), ("strides", strides),
                                         ("padding", str(padding).upper())))


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Average pooling over NHWC windows (SAME padding averages the valid entries, as TF)."""
    _check_format(data_format)
    x, ksize, strides = as_value(input), _pair(ksize, "ksize"), _pair(strides, "strides")
    _check_window(x, ksize, strides, padding, "AvgPool")
    return apply(NN["avg_pool2d"], [x], (("ksize", ksize), ("strides", strides),
                                         ("padding", str(padding).upper())))


max_pool = max_pool2d
avg_pool = avg_pool2d
