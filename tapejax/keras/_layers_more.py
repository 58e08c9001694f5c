"""More Keras 3 layers: 1-D and transposed convolutions, activation layers, padding, cropping,
up-sampling, 1-D and global pooling, noise and dropout variants, preprocessing (`Rescaling`,
`Normalization`), merge layers and their functional helpers, `Lambda`, `RepeatVector`,
`Permute`, and the recurrent layers `SimpleRNN`, `LSTM`, `GRU` (one `lax.scan` op each)."""

from __future__ import annotations

import inspect
import math
import re
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops, random_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor
from tapejax.keras import _activations as activations
from tapejax.keras import _backend as backend
from tapejax.keras import _config, _kernels, _rnn_kernels
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _regularizers as regularizers
from tapejax.keras._layer import Layer, get_keras_mask
from tapejax.keras._rnn_cells import (
    GRUCell,
    LSTMCell,
    RecurrentWeights,
    SimpleRNNCell,
    StatefulStates,
    with_dropout,
)

__all__ = [
    "Conv1D", "Conv2DTranspose", "Conv1DTranspose", "Convolution1D", "Convolution2DTranspose",
    "Conv3D", "Conv3DTranspose", "Convolution3D", "Convolution3DTranspose",
    "LeakyReLU", "PReLU", "ELU", "ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D",
    "Cropping1D", "Cropping2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAvgPool1D",
    "GlobalMaxPool1D", "MaxPooling1D", "AveragePooling1D", "MaxPool1D",
    "AvgPool1D", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
    "Rescaling", "Normalization", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
    "subtract", "multiply", "average", "maximum", "minimum", "dot", "Lambda",
    "RepeatVector", "Permute", "Identity", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    "TimeDistributed", "DepthwiseConv2D", "DepthwiseConv1D", "SeparableConv2D", "SeparableConv1D",
    "SeparableConvolution2D", "SeparableConvolution1D", "ActivityRegularization", "Masking",
    "MultiHeadAttention", "GroupNormalization", "UnitNormalization", "MaxPooling3D", "AveragePooling3D",
    "MaxPool3D", "AvgPool3D", "GlobalAveragePooling3D", "GlobalMaxPooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D",
    "ZeroPadding3D", "Cropping3D", "UpSampling3D", "SpatialDropout3D", "Convolution1DTranspose", "AlphaDropout",
    "ThresholdedReLU", "RMSNormalization", "EinsumDense", "Wrapper", "SpectralNormalization", "Pipeline"]


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={value}")
    return value


def _t(layer, x):
    if not hasattr(type(x), "_value"):
        x = convert_to_tensor(np.asarray(x).astype(layer._dtype._np)
                              if np.asarray(x).dtype.kind == "f" else np.asarray(x))
    return x


def _channels_last(data_format, name):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"tapejax's {name} supports data_format='channels_last' only.")


def _activation_name(fn):
    for name, f in activations.ACTIVATIONS.items():
        if f is fn and name in _kernels.JAX_ACTIVATIONS:
            return name
    return None


def _conv_length(size, k, s, d, padding):
    if size is None:
        return None
    k_eff = (k - 1) * d + 1
    if padding in ("same", "causal"):
        return -(-size // s)
    return (size - k_eff) // s + 1


def _deconv_length(size, k, s, d, padding, output_padding):
    if size is None:
        return None
    k_eff = k + (k - 1) * (d - 1)
    if output_padding is None:
        return size * s + max(k_eff - s, 0) if padding == "valid" else size * s
    pad = k_eff // 2 if padding == "same" else 0
    return (size - 1) * s + k_eff - 2 * pad + output_padding


# -- convolutions -----------------------------------------------------------------------------
class _Conv(Layer):
    _spec_axis = -1

    @property
    def _spec_ndim(self):
        return ("min", self.rank + 2)

    rank = 2
    transpose = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, output_padding=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _channels_last(data_format, type(self).__name__)
        if groups != 1:
            raise NotImplementedError(f"tapejax's {type(self).__name__} supports groups=1 only.")
        n = self.rank
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(strides, n, "strides")
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate")
        self.padding = padding.lower()
        allowed = ("valid", "same", "causal") if (n == 1 and not self.transpose) else ("valid", "same")
        if self.padding not in allowed:
            raise ValueError(f"The `padding` argument must be one of {allowed}. Received: {padding}")
        self.output_padding = None if output_padding is None else _tuple(output_padding, n,
                                                                          "output_padding")
        self.activation = activations.get(activation)
        self._act_name = _activation_name(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = input_shape[-1]
        shape = (self.kernel_size + (self.filters, channels) if self.transpose
                 else self.kernel_size + (channels, self.filters))
        self.kernel = self.add_weight(shape=shape, initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = (self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                     name="bias", regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.built = True

    def _spatial_out(self, spatial):
        if self.transpose:
            ops = self.output_padding or (None,) * self.rank
            return tuple(_deconv_length(size, k, s, d, self.padding, op) for size, k, s, d, op in
                         zip(spatial, self.kernel_size, self.strides, self.dilation_rate, ops))
        return tuple(_conv_length(size, k, s, d, self.padding) for size, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        return ((input_shape[0],) + self._spatial_out(tuple(input_shape[1:-1]))
                + (self.filters,))

    def call(self, inputs):
        x = _t(self, inputs)
        if x.ndim != self.rank + 2:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={x.ndim}. Full shape "
                             f"received: {tuple(x.shape)}")
        params = [x, self.kernel] + ([self.bias] if self.bias is not None else [])
        act = self._act_name or "linear"
        if self.transpose:
            attrs = (("strides", self.strides), ("padding", self.padding.upper()),
                     ("dilations", self.dilation_rate),
                     ("out_spatial", self._spatial_out(tuple(x.shape[1:-1]))),
                     ("activation", act))
            y = apply(_kernels.CONV_TRANSPOSE, params, attrs)
        else:
            padding = self.padding.upper()
            if self.padding == "causal":
                padding = (((self.kernel_size[0] - 1) * self.dilation_rate[0], 0),)
            attrs = (("strides", self.strides), ("padding", padding),
                     ("dilations", self.dilation_rate), ("activation", act))
            y = apply(_kernels.CONV_ND, params, attrs)
        return y if self._act_name is not None else self.activation(y)


class Conv1D(_Conv):
    """1-D convolution over `(batch, steps, channels)` inputs (`padding` may be `'causal'`)."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over `(batch, depth, height, width, channels)` inputs (kernel
    `(kd, kh, kw, in_channels, filters)`)."""

    rank = 3


class _ConvTranspose(_Conv):
    transpose = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, output_padding=output_padding,
                         **kwargs)


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution (kernel `(kh, kw, filters, in_channels)`), TF's
    `conv2d_transpose` with Keras' output size."""

    rank = 2


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution (kernel `(k, filters, in_channels)`)."""

    rank = 1


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution (kernel `(kd, kh, kw, filters, in_channels)`)."""

    rank = 3


Convolution1D = Conv1D
Convolution2DTranspose = Conv2DTranspose
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose


class _DepthwiseConv(Layer):
    _spec_axis = -1

    @property
    def _spec_ndim(self):
        return ("min", self.rank + 2)

    rank = 2
    separable = False

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, filters=None,
                 pointwise_initializer="glorot_uniform", pointwise_regularizer=None,
                 pointwise_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _channels_last(data_format, type(self).__name__)
        n = self.rank
        self.filters = None if filters is None else int(filters)
        self.depth_multiplier = int(depth_multiplier)
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(strides, n, "strides")
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of ('valid', 'same'). "
                             f"Received: {padding}")
        self.activation = activations.get(activation)
        self._act_name = _activation_name(self.activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _out_channels(self, channels):
        return self.filters if self.separable else channels * self.depth_multiplier

    def build(self, input_shape):
        channels = input_shape[-1]
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            name="depthwise_kernel" if self.separable else "kernel",
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        if self.separable:
            self.pointwise_kernel = self.add_weight(
                shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
                name="pointwise_kernel", initializer=self.pointwise_initializer,
                regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = (self.add_weight(shape=(self._out_channels(channels),), name="bias",
                                     initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.built = True

    def compute_output_shape(self, input_shape):
        spatial = tuple(_conv_length(size, k, s, d, self.padding) for size, k, s, d in
                        zip(input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate))
        return (input_shape[0],) + spatial + (self._out_channels(input_shape[-1]),)

    def call(self, inputs):
        x = _t(self, inputs)
        kernels = [self.depthwise_kernel] + ([self.pointwise_kernel] if self.separable else [])
        params = [x] + kernels + ([self.bias] if self.bias is not None else [])
        attrs = (("strides", self.strides), ("padding", self.padding.upper()),
                 ("dilations", self.dilation_rate), ("activation", self._act_name or "linear"))
        op = _kernels.SEPARABLE_CONV if self.separable else _kernels.DEPTHWISE_CONV
        y = apply(op, params, attrs)
        return y if self._act_name is not None else self.activation(y)


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution: each input channel convolved with `depth_multiplier` filters
    (kernel `(kh, kw, in_channels, depth_multiplier)`)."""


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution (kernel `(k, in_channels, depth_multiplier)`)."""

    rank = 1


class SeparableConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution followed by a 1x1 pointwise convolution to `filters` channels."""

    separable = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint,
                         filters=filters, pointwise_initializer=pointwise_initializer,
                         pointwise_regularizer=pointwise_regularizer,
                         pointwise_constraint=pointwise_constraint, **kwargs)


class SeparableConv1D(SeparableConv2D):
    """Depthwise 1-D convolution followed by a pointwise convolution to `filters` channels."""

    rank = 1


SeparableConvolution2D = SeparableConv2D
SeparableConvolution1D = SeparableConv1D


class ActivityRegularization(Layer):
    """Returns its inputs; adds `l1 * sum(|x|) + l2 * sum(x^2)` (over the batch size) to
    `losses`."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        return inputs


# -- activation layers ------------------------------------------------------------------------
class _Elementwise(Layer):
    supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """`x` for x >= 0, `negative_slope * x` otherwise (default 0.3)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"The negative_slope value of a Leaky ReLU layer cannot be None or "
                             f"negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return nn_ops.leaky_relu(_t(self, inputs), alpha=self.negative_slope)


class ELU(_Elementwise):
    """`x` for x > 0, `alpha * (exp(x) - 1)` otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        x = _t(self, inputs)
        res = nn_ops.elu(x)
        if self.alpha == 1:
            return res
        return array_ops.where(x > 0, res, math_ops.cast(self.alpha, x.dtype) * res)


class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope `alpha` per position (shared over `shared_axes`)."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                shape[i - 1] = 1
        self.alpha = self.add_weight(shape=tuple(shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        x = _t(self, inputs)
        pos = nn_ops.relu(x)
        neg = -self.alpha * nn_ops.relu(-x)
        return pos + neg


# -- padding, cropping, up-sampling -----------------------------------------------------------
def _pairs(value, n, name):
    if isinstance(value, int):
        return ((value, value),) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"`{name}` should have {n} elements. Received: {name}={value}.")
    out = []
    for v in value:
        out.append((v, v) if isinstance(v, int) else tuple(int(a) for a in v))
    return tuple(out)


class ZeroPadding1D(_Elementwise):
    _spec_ndim = ("exact", 3)

    supports_masking = False
    """Pads the steps axis of `(batch, steps, channels)` with zeros."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding if isinstance(padding, int) else (padding,), 1, "padding")

    def compute_output_shape(self, s):
        (a, b), = self.padding
        return (s[0], None if s[1] is None else s[1] + a + b, s[2])

    def call(self, inputs):
        return array_ops.pad(_t(self, inputs), [[0, 0], list(self.padding[0]), [0, 0]])


class ZeroPadding2D(_Elementwise):
    _spec_ndim = ("exact", 4)

    supports_masking = False
    """Pads rows and columns of NHWC inputs with zeros (int, 2 ints, or 2 pairs)."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, "ZeroPadding2D")
        self.padding = _pairs(padding, 2, "padding")

    def compute_output_shape(self, s):
        dims = [None if d is None else d + a + b for d, (a, b) in zip(s[1:3], self.padding)]
        return (s[0], *dims, s[3])

    def call(self, inputs):
        return array_ops.pad(_t(self, inputs), [[0, 0], list(self.padding[0]),
                                                list(self.padding[1]), [0, 0]])


class Cropping1D(_Elementwise):
    _spec_ndim = ("exact", 3)

    supports_masking = False
    """Crops the steps axis: `cropping=(start, end)`."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs((cropping,) if isinstance(cropping, int) else (tuple(cropping),),
                               1, "cropping")[0]

    def compute_output_shape(self, s):
        return (s[0], None if s[1] is None else s[1] - sum(self.cropping), s[2])

    def call(self, inputs):
        x = _t(self, inputs)
        a, b = self.cropping
        return x[:, a:x.shape[1] - b, :]


class Cropping2D(_Elementwise):
    _spec_ndim = ("exact", 4)

    supports_masking = False
    """Crops rows and columns of NHWC inputs (int, 2 ints, or 2 pairs)."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, "Cropping2D")
        self.cropping = _pairs(cropping, 2, "cropping")

    def compute_output_shape(self, s):
        dims = [None if d is None else d - a - b for d, (a, b) in zip(s[1:3], self.cropping)]
        return (s[0], *dims, s[3])

    def call(self, inputs):
        x = _t(self, inputs)
        (t, b), (left, r) = self.cropping
        return x[:, t:x.shape[1] - b, left:x.shape[2] - r, :]


class UpSampling1D(_Elementwise):
    _spec_ndim = ("exact", 3)

    supports_masking = False
    """Repeats each step `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def compute_output_shape(self, s):
        return (s[0], None if s[1] is None else s[1] * self.size, s[2])

    def call(self, inputs):
        return array_ops.repeat(_t(self, inputs), self.size, axis=1)


class UpSampling2D(_Elementwise):
    _spec_ndim = ("exact", 4)

    supports_masking = False
    """Repeats rows and columns of NHWC inputs (`interpolation='nearest'`)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, "UpSampling2D")
        if interpolation != "nearest":
            raise NotImplementedError("tapejax's UpSampling2D supports interpolation='nearest' "
                                      "only.")
        self.size = _tuple(size, 2, "size")
        self.interpolation = interpolation

    def compute_output_shape(self, s):
        dims = [None if d is None else d * k for d, k in zip(s[1:3], self.size)]
        return (s[0], *dims, s[3])

    def call(self, inputs):
        x = array_ops.repeat(_t(self, inputs), self.size[0], axis=1)
        return array_ops.repeat(x, self.size[1], axis=2)


# -- pooling ------------------------------------------------------------------------------------
class _Pooling1D(Layer):
    _spec_ndim = ("exact", 3)

    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, type(self).__name__)
        self.pool_size = _tuple(pool_size, 1, "pool_size")[0]
        self.strides = self.pool_size if strides is None else _tuple(strides, 1, "strides")[0]
        self.padding = padding.lower()

    def compute_output_shape(self, s):
        return (s[0], _conv_length(s[1], self.pool_size, self.strides, 1, self.padding), s[2])

    def call(self, inputs):
        x = array_ops.expand_dims(_t(self, inputs), 1)
        y = type(self)._op(x, (1, self.pool_size), (1, self.strides), self.padding.upper())
        return array_ops.squeeze(y, [1])


class MaxPooling1D(_Pooling1D):
    """Max over windows of steps (pool_size default 2, strides default pool_size)."""

    _op = staticmethod(nn_ops.max_pool2d)


class AveragePooling1D(_Pooling1D):
    """Average over windows of steps (`pool_size` is required, as in Keras 3)."""

    _op = staticmethod(nn_ops.avg_pool2d)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D


class GlobalAveragePooling1D(Layer):
    """Mean over the steps axis."""
    _spec_ndim = ("exact", 3)


    _reduce = staticmethod(math_ops.reduce_mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, type(self).__name__)
        self.keepdims = keepdims

    def compute_output_shape(self, s):
        return (s[0], 1, s[2]) if self.keepdims else (s[0], s[2])

    def call(self, inputs, mask=None):
        x = _t(self, inputs)
        if mask is not None and type(self) is GlobalAveragePooling1D:
            # Keras 3: the mean over the unmasked steps.
            m = array_ops.expand_dims(math_ops.cast(mask, x.dtype), 2)
            return (math_ops.reduce_sum(x * m, axis=1, keepdims=self.keepdims)
                    / math_ops.reduce_sum(m, axis=1, keepdims=self.keepdims))
        return type(self)._reduce(x, axis=1, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalMaxPooling1D(GlobalAveragePooling1D):
    """Max over the steps axis."""

    _reduce = staticmethod(math_ops.reduce_max)


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D


# -- noise and dropout variants -----------------------------------------------------------------
class _SpatialDropout(_Elementwise):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = float(rate)
        self.seed = seed

    def call(self, inputs, training=False):
        x = _t(self, inputs)
        if not training or self.rate == 0:
            return x
        shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (x.shape[-1],)
        return nn_ops.dropout(x, self.rate, noise_shape=shape, seed=self.seed)

    def get_config(self):
        # Keras 3's keys only: its SpatialDropout layers take no `trainable` (TF could not load them otherwise)
        config = {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self._dtype_policy.name}
        if getattr(self, "data_format", None) is not None:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of `(batch, steps, channels)` inputs in training."""


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of NHWC inputs in training."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        _channels_last(data_format, "SpatialDropout2D")
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = "channels_last"


class GaussianNoise(_Elementwise):
    """Adds zero-mean Gaussian noise of `stddev` in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a float "
                             f"value between 0 and 1. Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed

    def call(self, inputs, training=False):
        x = _t(self, inputs)
        if training and self.stddev > 0:
            return x + random_ops.normal(tuple(x.shape), 0.0, self.stddev, x.dtype, seed=self.seed)
        return x


class GaussianDropout(_Elementwise):
    """Multiplies by Gaussian noise of mean 1 and stddev `sqrt(rate / (1 - rate))` in training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.seed = seed

    def call(self, inputs, training=False):
        x = _t(self, inputs)
        if training and 0 < self.rate < 1:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            return x * random_ops.normal(tuple(x.shape), 1.0, stddev, x.dtype, seed=self.seed)
        return x


# -- preprocessing ------------------------------------------------------------------------------
class Rescaling(_Elementwise):
    """`inputs * scale + offset`, computed in the layer's dtype."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        x = _t(self, inputs)
        if x.dtype != self._dtype:
            x = math_ops.cast(x, self._dtype)
        scale = convert_to_tensor(np.asarray(self.scale, self._dtype._np))
        offset = convert_to_tensor(np.asarray(self.offset, self._dtype._np))
        return x * scale + offset

    def get_config(self):
        # both, always: Keras 3's Rescaling.from_config reads config["offset"]
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(_Elementwise):
    """`(x - mean) / max(sqrt(variance), epsilon)` per position of `axis` (or its inverse), with
    `mean`/`variance` given or learned by `adapt(data)` on NumPy arrays, tensors or batches.

    Args:
      axis: the axes kept (default -1); None for one mean and variance over everything.
      mean, variance: optional fixed statistics.
      invert: apply the inverse transformation.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean, self.input_variance = mean, variance
        self.invert = invert
        self.mean = None
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")

    def build(self, input_shape):
        if input_shape is None:
            return
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(d if d >= 0 else d + ndim for d in self.axis))
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
            self.built = True
            self.finalize_state()
        else:
            mean = np.asarray(self.input_mean, np.float64)
            variance = np.asarray(self.input_variance, np.float64)
            if mean.ndim:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            shape = tuple(self._broadcast_shape)
            self.mean = convert_to_tensor(np.broadcast_to(mean, shape).astype(self._dtype._np))
            self.variance = convert_to_tensor(
                np.broadcast_to(variance, shape).astype(self._dtype._np))
            self.built = True

    def adapt(self, data):
        """Sets `mean` and `variance` from `data`: a NumPy array, a tensor, or an iterable of
        batches (combined as Keras does)."""
        if isinstance(data, np.ndarray) or hasattr(type(data), "_value"):
            input_shape = tuple(data.shape)
            batches = None
        else:
            batches = [np.asarray(b[0] if isinstance(b, tuple) else
                                  (b.numpy() if hasattr(b, "numpy") else b)) for b in data]
            if not batches:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch. Pass a non-empty iterable of arrays or "
                                 "tensors, e.g. layer.adapt([x]) or "
                                 "layer.adapt(list_of_batches).")
            input_shape = tuple(batches[0].shape)
        if not self.built:
            self.build(input_shape)
        else:
            for d in self._keep_axis:
                if input_shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"The layer was built with "
                                     f"input_shape={self._build_input_shape}, but adapt() is "
                                     f"being called with data with an incompatible shape, "
                                     f"data.shape={input_shape}")
        if batches is None:
            array = data if isinstance(data, np.ndarray) else np.asarray(data.numpy())
            total_mean = np.mean(array, axis=self._reduce_axis)
            total_var = np.var(array, axis=self._reduce_axis)
        else:
            total_mean = np.zeros(self._mean_and_var_shape, np.float32)
            total_var = np.zeros(self._mean_and_var_shape, np.float32)
            total_count = 0
            for batch in batches:
                batch = batch.astype(self._dtype._np)
                batch_mean = np.mean(batch, axis=self._reduce_axis)
                batch_var = np.var(batch, axis=self._reduce_axis)
                count = math.prod(batch.shape[d] for d in self._reduce_axis) if \
                    self._reduce_axis else 1
                total_count += count
                w = float(count) / total_count
                new_mean = total_mean * (1.0 - w) + batch_mean * w
                total_var = ((total_var + (total_mean - new_mean) ** 2) * (1.0 - w)
                             + (batch_var + (batch_mean - new_mean) ** 2) * w)
                total_mean = new_mean
        self.adapt_mean.assign(np.asarray(total_mean).astype(self.adapt_mean.dtype._np))
        self.adapt_variance.assign(np.asarray(total_var).astype(self.adapt_variance.dtype._np))
        self.finalize_state()

    def finalize_state(self):
        if self.input_mean is not None or not self.built:
            return
        shape = self._broadcast_shape
        self.mean = math_ops.cast(array_ops.reshape(self.adapt_mean, shape), self._dtype)
        self.variance = math_ops.cast(array_ops.reshape(self.adapt_variance, shape), self._dtype)

    def call(self, inputs):
        if self.mean is None:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        x = _t(self, inputs)
        if x.dtype != self._dtype:
            x = math_ops.cast(x, self._dtype)
        eps = convert_to_tensor(np.asarray(_config.epsilon(), self._dtype._np))
        scale = math_ops.maximum(math_ops.sqrt(self.variance), eps)
        if self.invert:
            return self.mean + x * scale
        return (x - self.mean) / scale


# -- merging --------------------------------------------------------------------------------------
class _Merge(Layer):
    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={inputs} (not a list of tensors)")
        return [_t(self, x) for x in inputs]

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = max(len(s) for s in shapes)
        out = []
        for i in range(rank):
            dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
            known = [d for d in dims if d is not None and d != 1]
            out.append(known[0] if known else (None if None in dims else 1))
        return tuple(out)

    def call(self, inputs):
        xs = self._check(inputs)
        out = xs[0]
        for x in xs[1:]:
            out = self._combine(out, x)
        return self._finish(out, len(xs))

    def _finish(self, out, n):
        return out


class Subtract(_Merge):
    """`inputs[0] - inputs[1]` (exactly two inputs)."""

    def call(self, inputs):
        xs = self._check(inputs)
        if len(xs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return xs[0] - xs[1]


class Multiply(_Merge):
    """Elementwise product of the inputs."""

    @staticmethod
    def _combine(a, b):
        return a * b


class Average(_Merge):
    """Elementwise mean of the inputs."""

    @staticmethod
    def _combine(a, b):
        return a + b

    def _finish(self, out, n):
        return out / math_ops.cast(n, out.dtype)


class Maximum(_Merge):
    """Elementwise maximum of the inputs."""

    @staticmethod
    def _combine(a, b):
        return math_ops.maximum(a, b)


class Minimum(_Merge):
    """Elementwise minimum of the inputs."""

    @staticmethod
    def _combine(a, b):
        return math_ops.minimum(a, b)


class Dot(Layer):
    """Dot product of two `(batch, ...)` tensors along `axes` (optionally L2-normalized first)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and (not isinstance(axes, (list, tuple)) or len(axes) != 2):
            raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. "
                            f"Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def call(self, inputs):
        x1, x2 = [_t(self, x) for x in inputs]
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        axes = [a % x.ndim if a < 0 else a for a, x in zip(axes, (x1, x2))]
        if self.normalize:
            x1 = math_ops.l2_normalize(x1, axis=axes[0])
            x2 = math_ops.l2_normalize(x2, axis=axes[1])
        return backend.batch_dot(x1, x2, axes)


def _merge_fn(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"Functional interface to the `{cls.__name__}` layer."
    return merge


subtract = _merge_fn(Subtract)
multiply = _merge_fn(Multiply)
average = _merge_fn(Average)
maximum = _merge_fn(Maximum)
minimum = _merge_fn(Minimum)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional interface to the `Dot` layer."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


# -- structural layers ----------------------------------------------------------------------------
class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self._lambda_output_shape = output_shape

    def compute_output_shape(self, input_shape):
        if self._lambda_output_shape is None:
            raise NotImplementedError
        if callable(self._lambda_output_shape):
            return self._lambda_output_shape(input_shape)
        return (input_shape[0],) + tuple(self._lambda_output_shape)

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)


class RepeatVector(Layer):
    """Repeats `(batch, features)` inputs `n` times: `(batch, n, features)`."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n

    def compute_output_shape(self, s):
        return (s[0], self.n, s[1])

    def call(self, inputs):
        x = _t(self, inputs)
        if x.ndim != 2:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=2, found ndim={x.ndim}. Full shape received: "
                             f"{tuple(x.shape)}")
        return array_ops.tile(array_ops.expand_dims(x, 1), [1, self.n, 1])


class Permute(Layer):
    """Permutes the non-batch dimensions by `dims` (1-indexed)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of "
                             f"indices in `dims` must be consecutive and start from 1. Received "
                             f"dims={dims}")

    def compute_output_shape(self, s):
        return (s[0],) + tuple(s[d] for d in self.dims)

    def call(self, inputs):
        return array_ops.transpose(_t(self, inputs), (0,) + self.dims)


class Identity(_Elementwise):
    """Returns its inputs unchanged."""

    def call(self, inputs):
        return inputs


# -- recurrent layers -----------------------------------------------------------------------------
_CELL_NAMES = {"simple": "simple_rnn_cell", "lstm": "lstm_cell", "gru": "gru_cell"}
# each layer's cell (`layer.cell`): made when first asked for, holding the layer's own weights
_CELLS = weakref.WeakKeyDictionary()


class _RNN(StatefulStates, RecurrentWeights, Layer):
    """A SimpleRNN / LSTM / GRU layer: the weights of its Keras cell on the layer itself, run as
    one `lax.scan` op (`_rnn_kernels.RNN`, the op `keras.layers.RNN` runs a cell with); `cell` is a
    Keras cell holding those same weights."""

    _spec_ndim = ("exact", 3)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        extra = {k: kwargs.pop(k) for k in ("unit_forget_bias", "reset_after",
                                            "use_cudnn") if k in kwargs}
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_recurrent(units, activation, recurrent_activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, kernel_regularizer,
                             recurrent_regularizer, bias_regularizer, kernel_constraint,
                             recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                             extra.get("unit_forget_bias", True), extra.get("reset_after", True))
        self._init_states(stateful)
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards
        self.unroll = unroll
        self.seed = seed

    def build(self, input_shape):
        self._build_recurrent(input_shape[-1])
        cell = _CELL_NAMES[self._kind]
        for weight in self._weights_list():  # Keras 3 keeps them on the layer's cell
            weight.path = f"{self.name}/{cell}/{weight.name}"
        self.built = True
        self._build_states(input_shape)

    @property
    def cell(self):
        """The layer's Keras 3 cell (`LSTMCell`, `GRUCell`, `SimpleRNNCell`): its weights are the layer's,
        and calling it runs one step."""
        cell = _CELLS.get(self)
        if cell is None:
            kind = {"simple": SimpleRNNCell, "lstm": LSTMCell, "gru": GRUCell}[self._kind]
            accepted = inspect.signature(kind.__init__).parameters
            given = self.__dict__.get("_auto_config") or {}  # the layer's constructor arguments
            options = {k: v for k, v in given.items() if k in accepted and k not in ("name", "dtype")}
            cell = _CELLS[self] = kind(**options, dtype=self._dtype_policy, name=_CELL_NAMES[self._kind])
        if self.built and not cell.built:
            cell.kernel, cell.recurrent_kernel, cell.bias = self.kernel, self.recurrent_kernel, self.bias
            cell.built = True
        return cell

    @property
    def _n_states(self):
        return _rnn_kernels.n_states((self._kind,))

    def get_initial_state(self, batch_size):
        """Zero states, `[(batch_size, units), ...]` (one for SimpleRNN and GRU, `[h, c]` for LSTM)."""
        return [Tensor(np.zeros((batch_size, self.units), self._dtype._np)) for _ in range(self._n_states)]

    def compute_output_shape(self, s):
        out = (s[0], s[1], self.units) if self.return_sequences else (s[0], self.units)
        if self.return_state:
            return (out,) + ((s[0], self.units),) * self._n_states
        return out

    zero_output_for_mask = False

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, list):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._n_states
        return output_mask

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, list):
            mask = mask[0]
        x = _t(self, sequences)
        if x.dtype != self._dtype:
            x = math_ops.cast(x, self._dtype)
        initial_state = self._stateful_initial(x.shape[0], initial_state)
        if initial_state is None:
            zero = Tensor(np.zeros((x.shape[0], self.units), self._dtype._np))
            states = [zero] * self._n_states
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
                [initial_state]
            states = [_t(self, s) for s in states]
        params, drop = with_dropout([x] + self._weights_list() + states, [self], x.shape[0],
                                     x.shape[-1], training)
        attrs = (("cells", (self._spec(),)), ("go_backwards", bool(self.go_backwards))) + drop
        if mask is not None:
            params.append(math_ops.cast(_t(self, mask), "bool"))
            attrs = attrs + (("has_mask", True),
                             ("zero_output", bool(self.zero_output_for_mask)))
        out = apply(_rnn_kernels.RNN, params, attrs)
        sequences_out, final = out[0], list(out[1:])
        self._keep_states(final)
        output = sequences_out if self.return_sequences else final[0]
        if self.return_state:
            return (output, *final)  # a tuple, as Keras 3
        return output


class SimpleRNN(_RNN):
    """A fully-connected RNN: `h = activation(x @ kernel + h @ recurrent_kernel + bias)`.

    Args:
      units: state size.
      return_sequences: return every step's output `(batch, steps, units)`, not just the last.
      return_state: also return the final state.
      go_backwards: process the sequence in reverse.
    """

    _kind = "simple"

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)


class LSTM(_RNN):
    """Long short-term memory (Keras 3: gates i, f, c, o in the kernels' columns;
    `unit_forget_bias=True` starts the forget bias at one).

    Returns:
      The last output (or all with `return_sequences`), then `[h, c]` with `return_state`.
    """

    _kind = "lstm"


class GRU(_RNN):
    """Gated recurrent unit (Keras 3: gates z, r, h; `reset_after=True` with a `(2, 3 * units)`
    bias, as cuDNN)."""

    _kind = "gru"


# -- wrappers -------------------------------------------------------------------------------------
class TimeDistributed(Layer):
    """Applies `layer` to every step of `(batch, steps, ...)` inputs (one call on the steps
    folded into the batch; a layer whose training-mode statistics depend on the batch, like
    BatchNormalization, sees all steps at once rather than one step at a time as in Keras)."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {input_shape}")
        if not self.layer.built:
            self.layer.build((input_shape[0],) + tuple(input_shape[2:]))
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (inner[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        x = _t(self, inputs)
        batch, steps = x.shape[0], x.shape[1]
        folded = array_ops.reshape(x, (batch * steps,) + tuple(x.shape[2:]))
        y = self.layer(folded, training=training) if self.layer._get_call_info()[0] else \
            self.layer(folded)
        return array_ops.reshape(y, (batch, steps) + tuple(y.shape[1:]))


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it (`go_backwards=True`) backwards, and
    merges their outputs (`merge_mode` `'concat'`, `'sum'`, `'mul'`, `'ave'` or None).

    The copies are made from the layer's config, named `forward_<name>` and `backward_<name>`,
    with fresh weights, as Keras 3 does; `weights` lists the forward layer's, then the backward's.
    """
    _spec_ndim = ("exact", 3)


    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in ["sum", "mul", "ave", "concat", None]:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             f'one of {{"sum", "mul", "ave", "concat", None}}')
        super().__init__(**kwargs)
        config = layer.get_config()
        config["name"] = "forward_" + layer.name.removeprefix("forward_")
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = True
            config["name"] = "backward_" + layer.name.removeprefix("backward_")
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(f"Forward layer and backward layer should have different "
                             f"`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{self.forward_layer.go_backwards}, backward_layer.go_backwards="
                             f"{self.backward_layer.go_backwards}")
        self.merge_mode = merge_mode
        # Keras 3: masked steps give zeros in a Bidirectional layer's sequences.
        self.forward_layer.zero_output_for_mask = layer.return_sequences
        self.backward_layer.zero_output_for_mask = layer.return_sequences
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        self._initial_weights = weights

    @property
    def states(self):
        """The forward layer's states, then the backward layer's (a stateful layer's), or None."""
        forward, backward = getattr(self.forward_layer, "states", None), getattr(self.backward_layer, "states", None)
        if forward and backward:
            return tuple(list(forward) + list(backward))
        return None

    def reset_state(self):
        """Sets both directions' states to zeros.

        Raises:
          AttributeError: for a Bidirectional layer that is not stateful.
        """
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """`reset_state()` (Keras 3's compatibility alias)."""
        self.reset_state()

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, list):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            n = 2 * self.forward_layer._n_states
            masks = [output_mask] * (2 if self.merge_mode is None else 1)
            return masks + [None] * n
        return output_mask

    def build(self, sequences_shape, initial_state_shape=None):
        self.forward_layer.build(sequences_shape)
        self.forward_layer.built = True
        self.backward_layer.build(sequences_shape)
        self.backward_layer.built = True
        self.built = True
        if self._initial_weights:
            self.set_weights(self._initial_weights)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            out = tuple(shape[:-1]) + (shape[-1] * 2,)
        elif self.merge_mode is None:
            out = [shape, shape]
        else:
            out = shape
        if self.return_state:
            outs = out if isinstance(out, list) else [out]
            return tuple(outs + states * 2)
        return out

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        kwargs = {} if mask is None else {"mask": mask}
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = array_ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            output = array_ops.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (output + states) if self.merge_mode is None else (output,) + states
        return output


class Masking(Layer):
    """Masks steps whose features all equal `mask_value` (their outputs become zeros and the
    following mask-aware layers skip them)."""

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, previous_mask=None):
        x = _t(self, inputs)
        return math_ops.reduce_any(math_ops.not_equal(x, math_ops.cast(self.mask_value, x.dtype)),
                                   axis=-1)

    def call(self, inputs):
        x = _t(self, inputs)
        keep = math_ops.reduce_any(math_ops.not_equal(x, math_ops.cast(self.mask_value, x.dtype)),
                                   axis=-1, keepdims=True)
        return x * math_ops.cast(keep, x.dtype)


class MultiHeadAttention(Layer):
    """Multi-head attention over `(batch, steps, features)` inputs, with Keras 3's weights
    (query/key/value kernels `(dim, num_heads, key_dim)`, output kernel
    `(num_heads, value_dim, out_dim)`, in that order), `attention_mask`, `use_causal_mask`,
    the inputs' Keras masks, dropout on the attention probabilities, and
    `return_attention_scores`.

    Args:
      num_heads: number of heads.
      key_dim: size of each head for query and key.
      value_dim: size of each head for value (default `key_dim`).
      dropout: dropout rate on the attention probabilities (training only).
      use_bias: whether the projections have biases.
      output_shape: last dimension of the output (default: the query's).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        # Keras' saved configs write the default as (1,): the steps axis of a 3-D input.
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        if self._attention_axes not in (None, (1,)):
            raise NotImplementedError("tapejax's MultiHeadAttention attends over the steps axis "
                                      "only (attention_axes=None).")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = use_bias
        self._output_dim = (output_shape if isinstance(output_shape, int) or output_shape is None
                            else tuple(output_shape)[-1])
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._weights_built = False

    def _dense(self, part, shape, bias_shape):
        kernel = self.add_weight(shape=shape, name="kernel", initializer=self.kernel_initializer,
                                 regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        kernel.path = f"{self.name}/{part}/kernel"
        bias = None
        if self.use_bias:
            bias = self.add_weight(shape=bias_shape, name="bias", initializer=self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint)
            bias.path = f"{self.name}/{part}/bias"
        return kernel, bias

    def build(self, query_shape, value_shape=None, key_shape=None):
        if self._attention_axes is not None and len(query_shape) != 3:
            raise NotImplementedError("tapejax's MultiHeadAttention attends over the steps axis "
                                      "only: attention_axes=(1,) needs 3-D inputs.")
        if value_shape is None:
            self._query_shape = tuple(query_shape)
            return  # the value's shape is known at the first call
        key_shape = value_shape if key_shape is None else key_shape
        n = self.num_heads
        out_dim = self._output_dim or query_shape[-1]
        self._query = self._dense("query", (query_shape[-1], n, self.key_dim), (n, self.key_dim))
        self._key = self._dense("key", (key_shape[-1], n, self.key_dim), (n, self.key_dim))
        self._value = self._dense("value", (value_shape[-1], n, self.value_dim),
                                  (n, self.value_dim))
        self._out = self._dense("attention_output", (n, self.value_dim, out_dim), (out_dim,))
        self._weights_built = True
        self.built = True

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self._output_dim or query_shape[-1],)

    def _symbolic_call(self, inputs, args, kwargs):
        if not self._weights_built:  # a functional call: build from all three shapes now
            value = args[0] if args else kwargs.get("value")
            key = args[1] if len(args) > 1 else kwargs.get("key")
            self.build(tuple(inputs.shape), tuple(value.shape),
                       None if key is None else tuple(key.shape))
        out = super()._symbolic_call(inputs, args, kwargs)
        if kwargs.get("return_attention_scores"):
            raise NotImplementedError("tapejax's functional MultiHeadAttention does not return "
                                      "attention scores yet; call the layer eagerly.")
        return out

    def _mask(self, query, value, key, attention_mask, use_causal_mask):
        mask = None
        q_mask, v_mask = get_keras_mask(query), get_keras_mask(value)
        k_mask = get_keras_mask(key) if key is not value else None
        if q_mask is not None:
            mask = array_ops.expand_dims(math_ops.cast(q_mask, "bool"), -1)
        for m in (v_mask, k_mask):
            if m is not None:
                m = array_ops.expand_dims(math_ops.cast(m, "bool"), -2)
                mask = m if mask is None else math_ops.logical_and(mask, m)
        if use_causal_mask:
            t, s_len = query.shape[1], value.shape[1]
            causal = convert_to_tensor(np.tril(np.ones((1, t, s_len), bool)))
            mask = causal if mask is None else math_ops.logical_and(mask, causal)
        if attention_mask is not None:
            am = math_ops.cast(_t(self, attention_mask), "bool")
            mask = am if mask is None else math_ops.logical_and(mask, am)
        if mask is not None:
            mask = array_ops.broadcast_to(mask, (query.shape[0], query.shape[1], value.shape[1]))
        return mask

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        q, v, k = _t(self, query), _t(self, value), _t(self, key)
        if not self._weights_built:
            self.build(tuple(q.shape), tuple(v.shape), tuple(k.shape))
        mask = self._mask(query, value, key, attention_mask, use_causal_mask)
        wq, bq = self._query
        wk, bk = self._key
        wv, bv = self._value
        wo, bo = self._out
        if wq.dtype != q.dtype and q.dtype.is_floating:  # built in this call: read as autocast
            wq, bq, wk, bk, wv, bv, wo, bo = (None if w is None else math_ops.cast(w, q.dtype)
                                              for w in (wq, bq, wk, bk, wv, bv, wo, bo))
        params = [q, k, wq, wk] + ([bq, bk] if self.use_bias else [])
        if mask is not None:
            params.append(mask)
        probs = apply(_kernels.MHA_SCORES, params, (
            ("key_dim", self.key_dim), ("has_bias", bool(self.use_bias)),
            ("has_mask", mask is not None)))
        dropped = probs
        if training and self.dropout > 0:
            dropped = nn_ops.dropout(probs, self.dropout, seed=self.seed)
        out = apply(_kernels.MHA_OUTPUT, [dropped, v, wv, wo] + (
            [bv, bo] if self.use_bias else []), (("has_bias", bool(self.use_bias)),))
        if return_attention_scores:
            return out, probs
        return out

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GroupNormalization(Layer):
    """Normalizes each sample over groups of channels (and every other non-batch axis), then
    scales by `gamma` and adds `beta` per channel, as Keras 3.

    Args:
      groups: number of channel groups (default 32; must divide the channels).
      axis: the channel axis (default -1).
      epsilon: default 1e-3.
      center, scale: whether to learn `beta` and `gamma`.
    """

    supports_masking = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.groups, self.axis, self.epsilon = int(groups), axis, float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number "
                             f"of channels ({dim}).")
        self.gamma = self.add_weight(shape=(dim,), name="gamma", initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(shape=(dim,), name="beta", initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        x = _t(self, inputs)
        ndim = x.ndim
        axis = self.axis % ndim
        shape = list(x.shape)
        group_shape = shape[:axis] + [self.groups, shape[axis] // self.groups] + shape[axis + 1:]
        grouped = array_ops.reshape(x, group_shape)
        reduce_axes = tuple(i for i in range(1, ndim + 1) if i != axis)
        broadcast = [1] * ndim
        broadcast[axis] = shape[axis] // self.groups
        broadcast.insert(axis, self.groups)
        params = [array_ops.reshape(p, broadcast) for p in (self.gamma, self.beta) if p is not None]
        y = apply(_kernels.LAYER_NORM, [grouped] + params, (
            ("axes", reduce_axes), ("epsilon", self.epsilon), ("scale", self.gamma is not None),
            ("center", self.beta is not None)))
        return array_ops.reshape(y, shape)


class UnitNormalization(_Elementwise):
    """Scales each sample to unit L2 norm over `axis` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        x = _t(self, inputs)
        axis = self.axis if isinstance(self.axis, int) else list(self.axis)
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True)
        inv = math_ops.minimum(math_ops.rsqrt(square_sum), math_ops.cast(1e12, x.dtype))
        return x * inv


# -- 3D pooling, padding, cropping, up-sampling and spatial dropout --------------------------------------
def _data_format(data_format):
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    return data_format or backend.image_data_format()


def _pool_nd(x, *, kind, ksize, strides, padding):
    """Max or average pooling of channels-last `x` over every axis between batch and channels."""
    window, step = (1,) + ksize + (1,), (1,) + strides + (1,)
    if kind == "max":
        return jax.lax.reduce_window(x, -np.inf, jax.lax.max, window, step, padding)
    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, step, padding)
    if padding == "VALID":
        return total / math.prod(ksize)
    count = jax.lax.reduce_window(jnp.ones(x.shape[:-1] + (1,), x.dtype), 0.0, jax.lax.add, window, step,
                                  padding)
    return total / count


POOL_ND = Op("Pool3D", _pool_nd)


def _to_channels_last(x, data_format):
    return x if data_format == "channels_last" else array_ops.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))


def _from_channels_last(x, data_format):
    return x if data_format == "channels_last" else array_ops.transpose(x, (0, x.ndim - 1) + tuple(
        range(1, x.ndim - 1)))


def _spatial(shape, data_format):
    """(the spatial dimensions of `shape`, a function putting new ones back with batch and channels)."""
    if data_format == "channels_last":
        return list(shape[1:-1]), lambda dims: (shape[0], *dims, shape[-1])
    return list(shape[2:]), lambda dims: (shape[0], shape[1], *dims)


class _Pooling3D(Layer):
    _spec_ndim = ("exact", 5)
    _kind = "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _tuple(pool_size, 3, "pool_size")
        self.strides = self.pool_size if strides is None else _tuple(strides, 3, "strides")
        self.padding = padding.lower()
        self.data_format = _data_format(data_format)

    def compute_output_shape(self, s):
        dims, put = _spatial(s, self.data_format)
        return put([_conv_length(d, k, st, 1, self.padding) for d, k, st in zip(dims, self.pool_size, self.strides)])

    def call(self, inputs):
        x = _to_channels_last(_t(self, inputs), self.data_format)
        y = apply(POOL_ND, [x], (("kind", self._kind), ("ksize", self.pool_size), ("strides", self.strides),
                                 ("padding", self.padding.upper())))
        return _from_channels_last(y, self.data_format)


class MaxPooling3D(_Pooling3D):
    """Max pooling over `(batch, d1, d2, d3, channels)` windows (`channels_first` too); the defaults are
    `pool_size=(2, 2, 2)` and strides equal to it."""


class AveragePooling3D(_Pooling3D):
    """Average pooling over 3D windows (`pool_size` is required, as in Keras 3; `same` padding averages the
    entries inside the input)."""

    _kind = "avg"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D


class GlobalAveragePooling3D(Layer):
    """The mean over the three spatial axes of 5-D inputs (`keepdims` keeps them as ones)."""

    _spec_ndim = ("exact", 5)
    _reduce = staticmethod(math_ops.reduce_mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format, self.keepdims = _data_format(data_format), keepdims

    def compute_output_shape(self, s):
        channels = s[-1] if self.data_format == "channels_last" else s[1]
        if not self.keepdims:
            return (s[0], channels)
        return _spatial(s, self.data_format)[1]([1, 1, 1])

    def call(self, inputs):
        axes = [1, 2, 3] if self.data_format == "channels_last" else [2, 3, 4]
        return type(self)._reduce(_t(self, inputs), axis=axes, keepdims=self.keepdims)


class GlobalMaxPooling3D(GlobalAveragePooling3D):
    """The maximum over the three spatial axes of 5-D inputs."""

    _reduce = staticmethod(math_ops.reduce_max)


GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D


def _spatial_axes(data_format):
    return (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)


def _three(value, name):
    if not isinstance(value, int) and len(value) != 3:
        raise ValueError(f"`{name}` should have 3 elements. Received: {value}.")
    return value


class ZeroPadding3D(_Elementwise):
    """Pads the three spatial axes of 5-D inputs with zeros (an int, 3 ints, or 3 pairs)."""

    _spec_ndim = ("exact", 5)
    supports_masking = False

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.padding = _pairs(_three(padding, "padding"), 3, "padding")

    def compute_output_shape(self, s):
        dims, put = _spatial(s, self.data_format)
        return put([None if d is None else d + a + b for d, (a, b) in zip(dims, self.padding)])

    def call(self, inputs):
        x = _t(self, inputs)
        pads = [[0, 0]] * 5
        for axis, pair in zip(_spatial_axes(self.data_format), self.padding):
            pads[axis] = list(pair)
        return array_ops.pad(x, pads)


class Cropping3D(_Elementwise):
    """Crops the three spatial axes of 5-D inputs (an int, 3 ints, or 3 `(start, end)` pairs)."""

    _spec_ndim = ("exact", 5)
    supports_masking = False

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.cropping = _pairs(_three(cropping, "cropping"), 3, "cropping")

    def compute_output_shape(self, s):
        dims, put = _spatial(s, self.data_format)
        return put([None if d is None else d - a - b for d, (a, b) in zip(dims, self.cropping)])

    def call(self, inputs):
        x = _t(self, inputs)
        index = [slice(None)] * 5
        for axis, (a, b) in zip(_spatial_axes(self.data_format), self.cropping):
            index[axis] = slice(a, x.shape[axis] - b)
        return x[tuple(index)]


class UpSampling3D(_Elementwise):
    """Repeats each entry of the three spatial axes `size` times (nearest neighbour)."""

    _spec_ndim = ("exact", 5)
    supports_masking = False

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.size = _tuple(size, 3, "size")

    def compute_output_shape(self, s):
        dims, put = _spatial(s, self.data_format)
        return put([None if d is None else d * k for d, k in zip(dims, self.size)])

    def call(self, inputs):
        x = _t(self, inputs)
        for axis, k in zip(_spatial_axes(self.data_format), self.size):
            x = array_ops.repeat(x, k, axis=axis)
        return x


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of 5-D inputs in training (`channels_first` too)."""

    _spec_ndim = ("exact", 5)

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = _data_format(data_format)

    def call(self, inputs, training=False):
        x = _t(self, inputs)
        if not training or self.rate == 0:
            return x
        shape = (x.shape[0], 1, 1, 1, x.shape[4]) if self.data_format == "channels_last" else \
            (x.shape[0], x.shape[1], 1, 1, 1)
        return nn_ops.dropout(x, self.rate, noise_shape=shape, seed=self.seed)


Convolution1DTranspose = Conv1DTranspose


# -- more regularization, normalization and activation layers ------------------------------------------
class AlphaDropout(_Elementwise):
    """Dropout that keeps SELU's self-normalising mean and variance: in training, dropped entries take SELU's
    negative saturation value and the result is scaled and shifted back (the formula of the legacy
    AlphaDropout TF 2.21's tf.keras exports: no check of `rate`, a config of `rate` and `seed`)."""

    _keras_module = "keras._legacy.layers"  # the module TF 2.21's Keras writes in a .keras config

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        return config

    def call(self, inputs, training=False):
        x = _t(self, inputs)
        if not training or self.rate <= 0:
            return x
        shape = tuple(x.shape) if self.noise_shape is None else tuple(
            x.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        kept = math_ops.cast(random_ops.uniform(shape, 0.0, 1.0, x.dtype, seed=self.seed) >= self.rate, x.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (x * kept + alpha_p * (1 - kept)) + b


class ThresholdedReLU(_Elementwise):
    """`x` where `x > theta`, else 0 (TF 2.21 keeps this tf.keras 2 layer).

    Raises:
      ValueError: for a `theta` that is None or negative.
    """

    _keras_module = "keras._legacy.layers"  # the module TF 2.21's Keras writes in a .keras config

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None, expecting a float. "
                             f"Received: {theta}")
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}")
        self.theta = float(theta)

    def call(self, inputs):
        x = _t(self, inputs)
        return x * math_ops.cast(x > math_ops.cast(self.theta, x.dtype), x.dtype)

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


class RMSNormalization(_Elementwise):
    """`x * rsqrt(mean(x ** 2 over axis) + epsilon) * scale`, with a `scale` weight (ones) over `axis`."""

    supports_masking = False

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, inputs):
        x = _t(self, inputs)
        original = x.dtype
        if original != "float32" and original != "float64":
            x = math_ops.cast(x, "float32")
        scale = math_ops.cast(self.scale, x.dtype)
        rrms = math_ops.rsqrt(math_ops.reduce_mean(math_ops.square(x), axis=self.axis, keepdims=True)
                              + math_ops.cast(self.epsilon, x.dtype))
        return math_ops.cast(x * rrms * scale, original)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


# -- EinsumDense ------------------------------------------------------------------------------------------
def _einsum_shapes(equation, bias_axes, input_shape, output_shape):
    """Keras 3's `_analyze_einsum_string`: (kernel shape, bias shape, full output shape, kernel input axes,
    kernel output axes).

    Raises:
      ValueError: for an equation EinsumDense cannot use, or specs that do not match.
    """
    replaced = re.sub(r"\.\.\.", "0", equation)
    left_elided = False
    match = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", replaced)
    if not match:
        match = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", replaced)
        left_elided = bool(match)
    if not match:
        match = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", replaced)
    if not match:
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                         f"...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    input_spec, weight_spec, output_spec = match.group(1), match.group(2), match.group(3)
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_map = {dim: i for i, dim in enumerate(input_spec)}
        output_map = {dim: i for i, dim in enumerate(output_spec)}
    for dim in input_spec:
        if dim in output_map:
            out_dim, in_dim = output_shape[output_map[dim]], input_shape[input_map[dim]]
            if out_dim is not None and out_dim != in_dim:
                raise ValueError(f"Input shape and output shape do not match at shared dimension '{dim}'. Input "
                                 f"shape is {in_dim}, and output shape is {output_shape[output_map[dim]]}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec '{output_spec}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_map:
            kernel_shape.append(output_shape[output_map[dim]])
            output_axes.append(i)
        elif dim in input_map:
            kernel_shape.append(input_shape[input_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight must "
                             f"be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        left = elided if left_elided else 0
        sizes = {char: output_shape[i + left] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"Bias dimension '{char}' was requested, but is not part of the output spec "
                                 f"'{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [sizes[char] if char in bias_axes else 1 for char in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A dense layer of any rank: `einsum(equation, inputs, kernel)` (+ `bias` over `bias_axes`), then
    `activation`. `output_shape` is the output's shape without the batch axis (and elided axes).

    Args:
      equation: `'ab,bc->ac'`, `'...b,bc->...c'`, `'abc,cd->abd'`, ... (Keras 3's forms).
      output_shape: an int or a tuple (None for a dimension taken from the input).
      activation: an activation name or function (None: linear).
      bias_axes: the output letters a bias is added over (None: no bias).
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, **kwargs):
        if lora_rank:
            raise NotImplementedError("tapejax's EinsumDense has no LoRA (lora_rank) yet.")
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank, self.lora_alpha = lora_rank, lora_alpha

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = _einsum_shapes(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            # Keras 3: the fans of a VarianceScaling kernel come from the equation's input and output axes
            init = initializers.VarianceScaling(init.scale, init.mode, init.distribution, init.seed, input_axes,
                                                output_axes)
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(_einsum_shapes(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def call(self, inputs, training=None):
        x = linalg_ops.einsum(self.equation, _t(self, inputs), math_ops.cast(self.kernel, self._dtype))
        if self.bias is not None:
            x = x + math_ops.cast(self.bias, self._dtype)
        return self.activation(x) if self.activation is not None else x


# -- Wrapper --------------------------------------------------------------------------------------------
class Wrapper(Layer):
    """The base class of layers that wrap another layer (`self.layer`), built with its wrapper.

    Raises:
      ValueError: for a `layer` that is not a Keras layer.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure "
                             f"wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
            for variable in self.layer.weights:  # built in the wrapper's name scope, as Keras 3
                variable.path = f"{self.name}/{variable.path}"
        self.built = True


def _l2_normalized(x):
    """Keras 3's `normalize(x, axis=None)`: `x * min(rsqrt(sum(x ** 2)), 1 / epsilon)`."""
    inv = math_ops.rsqrt(math_ops.reduce_sum(math_ops.square(x), keepdims=True))
    return x * math_ops.minimum(inv, math_ops.cast(1e7, x.dtype))


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's `kernel` (or `embeddings`) by its largest singular value, estimated by
    `power_iterations` of the power method from the non-trainable `vector_u`: in training, the kernel and
    `vector_u` are updated before the layer runs, as Keras 3 does (a kernel of zeros is left as it is).

    Raises:
      ValueError: for `power_iterations` below one, or a layer with neither `kernel` nor `embeddings`.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(f"`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        if getattr(self.layer, "kernel", None) is not None:
            self.kernel = self.layer.kernel
        elif getattr(self.layer, "embeddings", None) is not None:
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        name="vector_u", dtype=self.kernel.dtype)

    def normalized_weights(self):
        """(the new `vector_u`, the kernel divided by its estimated largest singular value)."""
        weights = array_ops.reshape(self.kernel, [-1, self.kernel_shape[-1]])
        vector_u = array_ops.identity(self.vector_u)
        for _ in range(self.power_iterations):
            vector_v = _l2_normalized(linalg_ops.matmul(vector_u, weights, transpose_b=True))
            vector_u = _l2_normalized(linalg_ops.matmul(vector_v, weights))
        vector_u, vector_v = array_ops.stop_gradient(vector_u), array_ops.stop_gradient(vector_v)
        sigma = linalg_ops.matmul(linalg_ops.matmul(vector_v, weights), vector_u, transpose_b=True)
        return vector_u, array_ops.reshape(self.kernel / sigma, self.kernel_shape)

    def call(self, inputs, training=False):
        if training:
            vector_u, kernel = self.normalized_weights()
            zero = math_ops.reduce_all(math_ops.equal(self.kernel, math_ops.cast(0, self.kernel.dtype)))
            self.vector_u.assign(array_ops.where(zero, self.vector_u, vector_u))  # traced too: no Python branch
            self.kernel.assign(array_ops.where(zero, self.kernel, kernel))
        x = _t(self, inputs)
        return math_ops.cast(self.layer(x), x.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


class Pipeline(Layer):
    """Runs `layers` one after another (preprocessing layers, say) as one layer; `training` defaults to True,
    as Keras 3's Pipeline (augmentation layers augment), and each layer's mask goes to the next.

    Args:
      layers: the layers, in order.
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        for layer in layers:  # held as sub-layers only: Keras saves them under `layers` (its public property)
            self._track(layer)

    def _saving_entries(self):
        return [], {"layers": self.layers}

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self.layers:
            accepts_training, accepts_mask, _ = layer._get_call_info()
            kwargs = {}
            if accepts_mask:
                kwargs["mask"] = mask
            if accepts_training and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = get_keras_mask(outputs) if hasattr(type(outputs), "_value") else None
        return outputs

    def get_config(self):
        return {"layers": self.layers, "name": self.name}
