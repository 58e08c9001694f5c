"""The op tables' JAX functions whose gradients follow TF's conventions where JAX's differ (kinks,
ties, NaNs): rows of `math_ops`, `nn_ops` and `keras/_kernels`."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero


@jax.custom_jvp
def tf_abs(x):
    return jnp.abs(x)


@tf_abs.defjvp
def _tf_abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    if jnp.iscomplexobj(x):
        y = jnp.abs(x)
        safe = jnp.where(y == 0, 1, y)
        return y, jnp.where(y == 0, 0, jnp.real(jnp.conj(x) * t) / safe).astype(y.dtype)
    return jnp.abs(x), jnp.sign(x) * t  # TF: d|x|/dx = sign(x), 0 at 0 (JAX: 1)


def tf_maximum(x, y):
    return jnp.where(x >= y, x, y)  # ties send the gradient to x, as TF


def tf_minimum(x, y):
    return jnp.where(x <= y, x, y)


def tf_clip(x, lo, hi):
    # TF passes the gradient for lo <= x <= hi (both edges included).
    return jnp.where(x < lo, lo, jnp.where(x > hi, hi, x)).astype(x.dtype)


def tf_relu6(x):
    return jnp.where(x <= 0, jnp.zeros_like(x), jnp.where(x >= 6, jnp.full_like(x, 6), x))


@jax.custom_jvp
def tf_softplus(x):
    return jax.nn.softplus(x)


@tf_softplus.defjvp
def _tf_softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jax.nn.softplus(x), jax.nn.sigmoid(x) * t  # TF's SoftplusGrad: sigmoid(x)


def tf_selu(x):
    # TF takes the linear branch at 0 (gradient `scale`); jax.nn.selu takes the exponential one.
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * jnp.where(x >= 0, x, alpha * jnp.expm1(jnp.minimum(x, 0)))


def tf_leaky_relu(x, alpha):
    # TF's `alpha` attribute is a float32, whatever the input's dtype.
    return jnp.where(x > 0, x, x * jnp.asarray(np.float32(alpha), x.dtype))


@jax.custom_jvp
def tf_xlogy(x, y):
    safe_y = jnp.where(x == 0, jnp.ones_like(y), y)
    return jnp.where(x == 0, jnp.zeros_like(x), x * jnp.log(safe_y))


@tf_xlogy.defjvp
def _tf_xlogy_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    out = tf_xlogy(x, y)
    nz = x != 0
    safe_y = jnp.where(nz, y, jnp.ones_like(y))
    dx = jnp.where(nz, jnp.log(safe_y), jnp.zeros_like(x))
    dy = jnp.where(nz, x / safe_y, jnp.zeros_like(y))
    return out, dx * tx + dy * ty


@jax.custom_jvp
def tf_xdivy(x, y):
    safe_y = jnp.where(x == 0, jnp.ones_like(y), y)
    return jnp.where(x == 0, jnp.zeros_like(x), x / safe_y)


@tf_xdivy.defjvp
def _tf_xdivy_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    nz = x != 0
    safe_y = jnp.where(nz, y, jnp.ones_like(y))
    dx = jnp.where(nz, 1 / safe_y, jnp.zeros_like(x))
    dy = jnp.where(nz, -x / (safe_y * safe_y), jnp.zeros_like(y))
    return tf_xdivy(x, y), dx * tx + dy * ty


@jax.custom_jvp
def tf_pow(x, y):
    return jnp.power(x, y)


def _tf_pow_jvp(primals, tangents):
    # TF's PowGrad: x-derivative y * x^(y-1) (NaN at x == y == 0, as TF); the y-derivative uses log(x) only
    # where x > 0 (0 elsewhere), so a negative base gives 0 where JAX gives NaN. Complex x: log(x),
    # 0 at x == 0. Both are written with tf_pow, so higher derivatives follow the same rules.
    (x, y), (tx, ty) = primals, tangents
    z = tf_pow(x, y)
    dz = None
    if type(tx) is not SymbolicZero:
        dz = y * tf_pow(x, y - 1) * tx
    if type(ty) is not SymbolicZero:
        usable = x != 0 if jnp.iscomplexobj(x) else x > 0
        log_x = jnp.where(usable, jnp.log(jnp.where(usable, x, jnp.ones_like(x))), jnp.zeros_like(x))
        dz_y = z * log_x * ty
        dz = dz_y if dz is None else dz + dz_y
    return z, jnp.zeros_like(z) if dz is None else jnp.broadcast_to(dz, z.shape).astype(z.dtype)


tf_pow.defjvp(_tf_pow_jvp, symbolic_zeros=True)


def cumulative(fn, x, axis, exclusive, reverse, identity):
    """`fn` (jnp.cumsum or jnp.cumprod) along `axis`, with TF's `exclusive` and `reverse`."""
    if reverse:
        x = jnp.flip(x, axis)
    out = fn(x, axis=axis).astype(x.dtype)
    if exclusive:
        pad = jnp.full_like(jnp.take(out, jnp.arange(1), axis=axis), identity)
        out = jnp.concatenate([pad, jnp.take(out, jnp.arange(x.shape[axis] - 1), axis=axis)], axis=axis)
    if reverse:
        out = jnp.flip(out, axis)
    return out


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2, 3))
def tf_cumprod(x, axis, exclusive, reverse):
    return cumulative(jnp.cumprod, x, axis, exclusive, reverse, 1)


@tf_cumprod.defjvp
def _tf_cumprod_jvp(axis, exclusive, reverse, primals, tangents):
    # TF's CumprodGrad: div_no_nan(cumsum(prod * g, reverse=not reverse), x), so an input that is
    # exactly 0 gets gradient 0 (not the true derivative, the product of the other factors).
    # This is its transpose: d prod_i = prod_i * sum_{j before i} t_j / x_j.
    (x,), (t,) = primals, tangents
    prod = tf_cumprod(x, axis, exclusive, reverse)
    zero = x == 0
    ratio = jnp.where(zero, jnp.zeros_like(t), t / jnp.where(zero, jnp.ones_like(x), x))
    return prod, prod * cumulative(jnp.cumsum, ratio, axis, exclusive, reverse, 0)


def sigmoid_xent(labels, logits):
    # TF's stable form: max(x, 0) - x * z + log(1 + exp(-|x|))
    return (jnp.maximum(logits, 0) - logits * labels
            + jnp.log1p(jnp.exp(-jnp.abs(logits))))


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def softmax_xent(labels, logits, axis=-1):
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)


@softmax_xent.defjvp
def _softmax_xent_jvp(axis, primals, tangents):
    # TF's SoftmaxCrossEntropyWithLogits: the logits gradient is softmax - labels (the true one,
    # softmax * sum(labels) - labels, only for labels that sum to 1), the labels gradient
    # -log_softmax; its second-order rule differentiates softmax only (labels held constant).
    (labels, logits), (t_labels, t_logits) = primals, tangents
    log_p = jax.nn.log_softmax(logits, axis=axis)
    loss = -jnp.sum(labels * log_p, axis=axis)
    backprop = jnp.exp(log_p) - jax.lax.stop_gradient(labels)
    return loss, jnp.sum(backprop * t_logits - log_p * t_labels, axis=axis)


def sparse_softmax_xent(labels, logits):
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(logp, labels[..., None].astype(jnp.int32), axis=-1)[..., 0]
