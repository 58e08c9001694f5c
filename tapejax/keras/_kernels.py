"""Fused op-table rows for Keras layers and losses.

Each row is one tapejax `Op` (a pure JAX function, jitted once per attribute tuple), so a Dense
layer or a loss records as a single tape entry instead of three to six: fewer eager dispatches and
a smaller backward program. Gradients come from `jax.vjp` of the same function, like every op.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from tapejax._ops import _tf_kernels as K
from tapejax._ops._dispatch import Op

# Activations by Keras name, as pure JAX functions with TF's gradient conventions.
JAX_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": jax.nn.relu,
    "relu6": K.tf_relu6,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "softmax": lambda x: jax.nn.softmax(x, axis=-1),
    "log_softmax": lambda x: jax.nn.log_softmax(x, axis=-1),
    "elu": jax.nn.elu,
    "selu": jax.nn.selu,
    "softplus": jax.nn.softplus,
    "softsign": jax.nn.soft_sign,
    "silu": lambda x: x * jax.nn.sigmoid(x),
    "swish": lambda x: x * jax.nn.sigmoid(x),
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "exponential": jnp.exp,
}


def _dense(x, w, *b, activation):
    y = x @ w if x.ndim == 2 else jnp.tensordot(x, w, [[x.ndim - 1], [0]])
    if b:
        y = y + b[0]
    return JAX_ACTIVATIONS[activation](y)


def _conv(x, w, *b, strides, padding, dilations, activation):
    y = jax.lax.conv_general_dilated(x, w, window_strides=strides, padding=padding,
                                     rhs_dilation=dilations,
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
    if b:
        y = y + b[0]
    return JAX_ACTIVATIONS[activation](y)


def _bn_train(x, *params, axes, epsilon, scale, center):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(x - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True)
    y = _bn_apply(x, mean, var, params, epsilon, scale, center)
    return y, jnp.squeeze(mean, axes), jnp.squeeze(var, axes)


def _bn_apply(x, mean, var, params, epsilon, scale, center):
    inv = jax.lax.rsqrt(var + jnp.asarray(epsilon, x.dtype))
    i = 0
    if scale:
        inv = inv * params[i]
        i += 1
    offset = params[i] - mean * inv if center else -mean * inv
    return x * inv + offset


def _bn_infer(x, mean, var, *params, epsilon, scale, center):
    return _bn_apply(x, mean, var, params, epsilon, scale, center)


def _layer_norm(x, *params, axes, epsilon, scale, center):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(x - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True)
    return _bn_apply(x, mean, var, params, epsilon, scale, center)


DENSE = Op("Dense", _dense)
CONV2D = Op("Conv2D", _conv)
BN_TRAIN = Op("FusedBatchNorm", _bn_train, multi=True)
BN_INFER = Op("FusedBatchNormInference", _bn_infer)
LAYER_NORM = Op("LayerNorm", _layer_norm)


# -- losses: per-sample values reduced in the same op --------------------------------------------
EPSILON = 1e-7


def _reduce(values, reduction):
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    n = values.size
    return total / n if n else jnp.zeros_like(total)


def _reduce_weighted(values, weights, reduction):
    if reduction in (None, "none") or values.ndim == 0:
        return values * weights if weights is not None else values
    total = jnp.sum(values * weights)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight":
        denom = jnp.sum(jnp.broadcast_to(weights, values.shape))
        return jnp.where(denom == 0, jnp.zeros_like(total), total / jnp.where(denom == 0, 1, denom))
    n = values.size
    return total / n if n else jnp.zeros_like(total)


def _same_rank(y_true, y_pred):
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = jnp.squeeze(y_pred, -1)
    return y_true, y_pred


def _per_sample(kind, y_true, y_pred, from_logits=False, label_smoothing=0.0, delta=1.0, axis=-1,
                epsilon=EPSILON):
    EPSILON = epsilon  # keras.backend.epsilon() when the loss was called
    if kind == "mse":
        y_true, y_pred = _same_rank(y_true, y_pred)
        return jnp.mean(jnp.square(y_true - y_pred), axis=-1)
    if kind == "mae":
        y_true, y_pred = _same_rank(y_true, y_pred)
        return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)
    if kind == "huber":
        y_true, y_pred = _same_rank(y_true, y_pred)
        err = y_pred - y_true
        abs_err = jnp.abs(err)
        half = jnp.asarray(0.5, err.dtype)
        d = jnp.asarray(delta, err.dtype)
        return jnp.mean(jnp.where(abs_err <= d, half * jnp.square(err),
                                  d * abs_err - half * jnp.square(d)), axis=-1)
    if kind == "bce":
        y_true, y_pred = _same_rank(y_true, y_pred)
        if label_smoothing:
            y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
        if from_logits:
            values = K.sigmoid_xent(y_true, y_pred)
        else:
            out = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
            values = -(y_true * jnp.log(out) + (1 - y_true) * jnp.log(1 - out))
        return jnp.mean(values, axis=axis)
    if kind == "cce":
        if label_smoothing:
            n = y_pred.shape[axis]
            y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
        if from_logits:
            return K.softmax_xent(y_true, y_pred, axis)
        out = y_pred / jnp.sum(y_pred, axis, keepdims=True)
        out = jnp.clip(out, EPSILON, 1.0 - EPSILON)
        return -jnp.sum(y_true * jnp.log(out), axis)
    if kind == "scce":
        labels = y_true
        if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
            labels = jnp.squeeze(labels, -1)
        labels = labels.astype(jnp.int32)
        logits = y_pred if from_logits else jnp.log(jnp.clip(y_pred, EPSILON, 1 - EPSILON))
        return K.sparse_softmax_xent(labels, logits)
    raise ValueError(kind)


def _loss(y_true, y_pred, *weights, kind, reduction, from_logits, label_smoothing, delta, axis,
          epsilon=EPSILON):
    values = _per_sample(kind, y_true, y_pred, from_logits, label_smoothing, delta, axis, epsilon)
    if weights:
        w = weights[0].astype(values.dtype)
        while w.ndim > values.ndim and w.shape[-1] == 1:
            w = jnp.squeeze(w, -1)
        while w.ndim < values.ndim:
            w = w[..., None]
        return _reduce_weighted(values, w, reduction)
    return _reduce(values, reduction)


LOSS = Op("KerasLoss", _loss)


# -- N-d and transposed convolutions ------------------------------------------------------------
_CONV_DIMS = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC"), 3: ("NDHWC", "DHWIO", "NDHWC")}


def _conv_nd(x, w, *b, strides, padding, dilations, activation, groups=1):
    if isinstance(padding, tuple):
        padding = list(padding)
    y = jax.lax.conv_general_dilated(x, w, window_strides=strides, padding=padding,
                                     rhs_dilation=dilations,
                                     dimension_numbers=_CONV_DIMS[x.ndim - 2],
                                     feature_group_count=groups)
    if b:
        y = y + b[0]
    return JAX_ACTIVATIONS[activation](y)


def _conv_transpose(x, w, *b, strides, padding, dilations, out_spatial, activation):
    # TF's conv_transpose is the input-gradient of the forward convolution whose input has the
    # output's shape (kernel (k..., filters, in_channels) read as that convolution's HWIO).
    out_shape = (x.shape[0],) + tuple(out_spatial) + (w.shape[-2],)

    def forward(z):
        return jax.lax.conv_general_dilated(z, w, window_strides=strides, padding=padding,
                                            rhs_dilation=dilations,
                                            dimension_numbers=_CONV_DIMS[x.ndim - 2])
    _, pullback = jax.vjp(forward, jnp.zeros(out_shape, x.dtype))
    y = pullback(x)[0]
    if b:
        y = y + b[0]
    return JAX_ACTIVATIONS[activation](y)


CONV_ND = Op("Conv", _conv_nd)
CONV_TRANSPOSE = Op("ConvTranspose", _conv_transpose)


def _depthwise_apply(x, w, strides, padding, dilations):
    # Keras' depthwise kernel (k..., in, multiplier) as a grouped convolution's (k..., 1, in*m):
    # output channel c * multiplier + m, TF's order.
    channels = x.shape[-1]
    kernel = w.reshape(w.shape[:-2] + (1, channels * w.shape[-1]))
    return jax.lax.conv_general_dilated(x, kernel, window_strides=strides, padding=padding,
                                        rhs_dilation=dilations,
                                        dimension_numbers=_CONV_DIMS[x.ndim - 2],
                                        feature_group_count=channels)


def _depthwise(x, w, *b, strides, padding, dilations, activation):
    y = _depthwise_apply(x, w, strides, padding, dilations)
    if b:
        y = y + b[0]
    return JAX_ACTIVATIONS[activation](y)


def _separable(x, dw, pw, *b, strides, padding, dilations, activation):
    y = _depthwise_apply(x, dw, strides, padding, dilations)
    y = jax.lax.conv_general_dilated(y, pw, window_strides=(1,) * (x.ndim - 2), padding="VALID",
                                     dimension_numbers=_CONV_DIMS[x.ndim - 2])
    if b:
        y = y + b[0]
    return JAX_ACTIVATIONS[activation](y)


DEPTHWISE_CONV = Op("DepthwiseConv", _depthwise)
SEPARABLE_CONV = Op("SeparableConv", _separable)


# -- multi-head attention (Keras 3's einsum layout) ----------------------------------------------
def _mha_scores(query, key, wq, wk, *rest, key_dim, has_bias, has_mask):
    rest = list(rest)
    mask = rest.pop() if has_mask else None
    q = jnp.einsum("abc,cde->abde", query, wq)
    k = jnp.einsum("abc,cde->abde", key, wk)
    if has_bias:
        q, k = q + rest[0], k + rest[1]
    q = q * jnp.asarray(1.0 / float(key_dim) ** 0.5, q.dtype)
    scores = jnp.einsum("aecd,abcd->acbe", k, q)
    if mask is not None:
        # Keras' masked softmax: a large negative number where the mask is False.
        scores = scores + (1.0 - mask[:, None].astype(scores.dtype)) * jnp.asarray(-1e9,
                                                                                  scores.dtype)
    return jax.nn.softmax(scores, axis=-1)


def _mha_output(probs, value, wv, wo, *rest, has_bias):
    v = jnp.einsum("abc,cde->abde", value, wv)
    if has_bias:
        v = v + rest[0]
    out = jnp.einsum("acbe,aecd->abcd", probs, v)
    out = jnp.einsum("abcd,cde->abe", out, wo)
    if has_bias:
        out = out + rest[1]
    return out


MHA_SCORES = Op("MultiHeadAttentionScores", _mha_scores)
MHA_OUTPUT = Op("MultiHeadAttentionOutput", _mha_output)
