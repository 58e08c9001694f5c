"""Keras layers on tapejax ops: everything a layer computes records on active tapes."""

from __future__ import annotations

import jax
import numpy as np

from tapejax import _dtypes, _sparse
from tapejax._ops import array_ops, math_ops, nn_ops
from tapejax._ops._convert import as_value, convert_to_tensor
from tapejax._ops._dispatch import apply
from tapejax._tensor import Tensor
from tapejax.keras import _activations as activations
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _keras_ops, _kernels
from tapejax.keras import _regularizers as regularizers
from tapejax.keras._attention import AdditiveAttention, Attention  # noqa: F401
from tapejax.keras._conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: F401
from tapejax.keras._hashing import HashedCrossing, Hashing  # noqa: F401
from tapejax.keras._image_layers import (  # noqa: F401
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Resizing,
)
from tapejax.keras._layer import Input, InputLayer, InputSpec, KerasTensor, Layer  # noqa: F401
from tapejax.keras._layers_more import (  # noqa: F401
    ELU,
    GRU,
    LSTM,
    ActivityRegularization,
    AlphaDropout,
    Average,
    AveragePooling1D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool3D,
    Bidirectional,
    Conv1D,
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    DepthwiseConv1D,
    DepthwiseConv2D,
    Dot,
    EinsumDense,
    GaussianDropout,
    GaussianNoise,
    GlobalAveragePooling1D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling3D,
    GroupNormalization,
    Identity,
    Lambda,
    LeakyReLU,
    Masking,
    Maximum,
    MaxPool1D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling3D,
    Minimum,
    MultiHeadAttention,
    Multiply,
    Normalization,
    Permute,
    Pipeline,
    PReLU,
    RepeatVector,
    Rescaling,
    RMSNormalization,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
    SimpleRNN,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
    SpectralNormalization,
    Subtract,
    ThresholdedReLU,
    TimeDistributed,
    UnitNormalization,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    Wrapper,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
    average,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from tapejax.keras._layers_more import __all__ as _MORE
from tapejax.keras._preprocessing import (  # noqa: F401
    CategoryEncoding,
    Discretization,
    IntegerLookup,
    StringLookup,
    TextVectorization,
)
from tapejax.keras._preprocessing import __all__ as _PREPROCESSING
from tapejax.keras._rnn_cells import RNN, GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells  # noqa: F401

__all__ = ["Layer", "InputLayer", "InputSpec", "Input", "Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D",
           "MaxPool2D", "AvgPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D",
           "GlobalMaxPooling2D", "Flatten", "Reshape", "Dropout", "BatchNormalization",
           "LayerNormalization", "Embedding", "Activation", "ReLU", "Softmax", "Add", "Concatenate",
           "GlobalMaxPool2D", "Convolution2D", "add", "concatenate"] + list(_MORE) + list(_PREPROCESSING)
__all__ += ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
            "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing"]
__all__ += ["AdditiveAttention", "Attention"]
__all__ += ["RNN", "GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells"]
__all__ += ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Hashing", "HashedCrossing"]


def _activation_name(fn):
    for name, f in activations.ACTIVATIONS.items():
        if f is fn and name in _kernels.JAX_ACTIVATIONS:
            return name
    return None


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={value}")
    return value


def _floating(layer, x):
    return convert_to_tensor(x, dtype=layer._dtype) if not hasattr(type(x), "_value") else x


def _set_kernel_and_bias_options(layer, activation, use_bias, kernel_initializer, bias_initializer,
                                 kernel_constraint, bias_constraint, kernel_regularizer,
                                 bias_regularizer):
    """The options Dense and Conv2D share: activation, bias, and the kernel/bias initializers,
    constraints and regularizers."""
    layer.activation = activations.get(activation)
    layer._act_name = _activation_name(layer.activation)
    layer.use_bias = use_bias
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)


class Dense(Layer):
    """A densely-connected layer: `activation(inputs @ kernel + bias)`.

    Args:
      units: output size.
      activation: a name (`'relu'`), a callable, or None.
      use_bias: whether to add a bias.
      kernel_initializer: default `'glorot_uniform'`.
      bias_initializer: default `'zeros'`.
    """
    _spec_ndim, _spec_axis = ("min", 2), -1  # Keras: InputSpec(min_ndim=2, axes={-1: in})


    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units}")
        self.units = units
        _set_kernel_and_bias_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                                     kernel_constraint, bias_constraint, kernel_regularizer,
                                     bias_regularizer)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(in_dim, self.units), initializer=self.kernel_initializer,
                                      name="kernel", constraint=self.kernel_constraint,
                                      regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                     name="bias", constraint=self.bias_constraint,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def call(self, inputs):
        if isinstance(inputs, _sparse.SparseTensor):  # as Keras 3: a sparse input multiplies sparsely
            x = _sparse.variable_matmul(inputs, self.kernel)
            return self.activation(x + self.bias if self.bias is not None else x)
        x = _floating(self, inputs)
        if x.dtype != self.kernel.dtype:
            x = math_ops.cast(x, self.kernel.dtype)
        params = [x, self.kernel] + ([self.bias] if self.bias is not None else [])
        if self._act_name is not None:
            return apply(_kernels.DENSE, params, (("activation", self._act_name),))
        return self.activation(apply(_kernels.DENSE, params, (("activation", "linear"),)))


class Conv2D(Layer):
    """2-D convolution over NHWC inputs (`data_format='channels_last'`).

    Args:
      filters: number of output channels.
      kernel_size: int or pair.
      strides: int or pair (default 1).
      padding: `'valid'` or `'same'`.
      dilation_rate: int or pair (default 1).
      activation, use_bias, kernel_initializer, bias_initializer: as Dense.
    """
    _spec_ndim, _spec_axis = ("min", 4), -1


    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("tapejax's Conv2D supports data_format='channels_last' only.")
        self.filters = int(filters)
        self.groups = int(groups)
        if self.groups <= 0 or self.filters % self.groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={groups}, filters={filters}.")
        self.kernel_size = _tuple(kernel_size, 2, "kernel_size")
        self.strides = _tuple(strides, 2, "strides")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of \"valid\", \"same\". "
                             f"Received: {padding}")
        self.dilation_rate = _tuple(dilation_rate, 2, "dilation_rate")
        _set_kernel_and_bias_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                                     kernel_constraint, bias_constraint, kernel_regularizer,
                                     bias_regularizer)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {in_channels} channels (full input shape is {input_shape}).")
        self.kernel = self.add_weight(shape=self.kernel_size + (in_channels // self.groups,
                                                                self.filters),
                                      initializer=self.kernel_initializer, name="kernel",
                                      constraint=self.kernel_constraint,
                                      regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                     name="bias", constraint=self.bias_constraint,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)
        self.built = True

    def compute_output_shape(self, input_shape):
        dims = []
        for size, k, s, d in zip(input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate):
            if size is None:
                dims.append(None)
            elif self.padding == "same":
                dims.append(-(-size // s))
            else:
                dims.append((size - (k - 1) * d - 1) // s + 1)
        return (input_shape[0],) + tuple(dims) + (self.filters,)

    def _conv(self, params, activation):
        attrs = (("strides", self.strides), ("padding", self.padding.upper()),
                 ("dilations", self.dilation_rate))
        op = _kernels.CONV2D
        if self.groups != 1:
            op, attrs = _kernels.CONV_ND, attrs + (("groups", self.groups),)
        return apply(op, params, attrs + (("activation", activation),))

    def convolution_op(self, inputs, kernel):
        """The convolution of `inputs` with `kernel` (no bias, no activation), as Keras 3's
        `BaseConv.convolution_op`: a subclass overriding it changes what `call` convolves with."""
        return self._conv([_floating(self, inputs), kernel], "linear")

    def call(self, inputs):
        x = _floating(self, inputs)
        if x.ndim != 4:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: "
                             f"expected ndim=4, found ndim={x.ndim}. Full shape received: "
                             f"{tuple(x.shape)}")
        if type(self).convolution_op is not Conv2D.convolution_op:  # Keras 3: conv, + bias, activation
            outputs = self.convolution_op(x, self.kernel)
            return self.activation(outputs if self.bias is None else outputs + self.bias)
        params = [x, self.kernel] + ([self.bias] if self.bias is not None else [])
        if self._act_name is not None:
            return self._conv(params, self._act_name)
        return self.activation(self._conv(params, "linear"))


class _Pooling2D(Layer):
    _spec_ndim = ("exact", 4)

    _op = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("tapejax's pooling layers support data_format='channels_last' only.")
        self.pool_size = _tuple(pool_size, 2, "pool_size")
        self.strides = self.pool_size if strides is None else _tuple(strides, 2, "strides")
        self.padding = padding.lower()

    def compute_output_shape(self, input_shape):
        dims = []
        for size, k, s in zip(input_shape[1:3], self.pool_size, self.strides):
            if size is None:
                dims.append(None)
            elif self.padding == "same":
                dims.append(-(-size // s))
            else:
                dims.append((size - k) // s + 1)
        return (input_shape[0],) + tuple(dims) + (input_shape[3],)

    def call(self, inputs):
        return type(self)._op(as_value(inputs), self.pool_size, self.strides, self.padding.upper())


class MaxPooling2D(_Pooling2D):
    """Max pooling over NHWC windows (pool_size default (2, 2), strides default pool_size)."""

    _op = staticmethod(nn_ops.max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Average pooling over NHWC windows (`pool_size` is required, as in Keras 3)."""

    _op = staticmethod(nn_ops.avg_pool2d)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


class GlobalAveragePooling2D(Layer):
    """Mean over the spatial dimensions of NHWC inputs."""
    _spec_ndim = ("exact", 4)


    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0], 1, 1, input_shape[3])
        return (input_shape[0], input_shape[3])

    def call(self, inputs):
        return math_ops.reduce_mean(inputs, axis=[1, 2], keepdims=self.keepdims)


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """Max over the spatial dimensions of NHWC inputs."""

    def call(self, inputs):
        return math_ops.reduce_max(inputs, axis=[1, 2], keepdims=self.keepdims)


GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D


class Flatten(Layer):
    """Flattens all dimensions but the batch dimension."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], n)

    def call(self, inputs):
        x = as_value(inputs)
        return array_ops.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))


class Reshape(Layer):
    """Reshapes to `(batch,) + target_shape` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def compute_output_shape(self, input_shape):
        target = list(self.target_shape)
        if -1 in target:
            known = int(np.prod([d for d in target if d != -1]))
            rest = input_shape[1:]
            target[target.index(-1)] = (None if any(d is None for d in rest)
                                        else int(np.prod(rest)) // known)
        return (input_shape[0],) + tuple(target)

    def call(self, inputs):
        x = as_value(inputs)
        return array_ops.reshape(x, (x.shape[0],) + self.target_shape)


class Dropout(Layer):
    """Zeros inputs with probability `rate` and scales the rest by `1/(1-rate)`, in training only.

    Args:
      rate: the drop probability in [0, 1].
      noise_shape: optional shape of the keep mask (broadcast to the input).
      seed: optional op seed.
    """

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            x = as_value(inputs)
            if self.rate >= 1:
                return array_ops.zeros_like(x)
            noise = None
            if self.noise_shape is not None:
                noise = tuple(x.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
            return nn_ops.dropout(x, self.rate, noise_shape=noise, seed=self.seed)
        return inputs


class BatchNormalization(Layer):
    """Batch normalization; in training mode it normalizes with the batch's statistics and updates
    the moving mean and variance (non-trainable weights): `moving = moving * momentum +
    batch * (1 - momentum)`. In inference mode (or when the layer is frozen) it uses the moving ones.

    Args:
      axis: the feature axis (default -1).
      momentum: default 0.99.
      epsilon: default 1e-3.
      center, scale: whether to learn `beta` and `gamma`.
    """
    _spec_ndim = ("built", None)  # Keras: InputSpec(ndim=<built rank>, axes={axis: size})


    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self._spec_axis = self.axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        shape = (dim,)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     name="gamma", autocast=False) if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    name="beta", autocast=False) if self.center else None
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           name="moving_mean", trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               name="moving_variance", trainable=False,
                                               autocast=False)
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def _params(self):
        return [p for p in (self.gamma, self.beta) if p is not None]

    def call(self, inputs, training=None, mask=None):
        x = _floating(self, inputs)
        if x.dtype in (_dtypes.float16, _dtypes.bfloat16):  # Keras 3 normalizes these in float32
            return math_ops.cast(self._normalize(math_ops.cast(x, _dtypes.float32), training),
                                 self._dtype)
        return self._normalize(x, training)

    def _normalize(self, x, training):
        ndim = x.ndim
        axis = self.axis % ndim
        axes = tuple(i for i in range(ndim) if i != axis)
        attrs = (("epsilon", self.epsilon), ("scale", self.gamma is not None),
                 ("center", self.beta is not None))
        if training and self.trainable:
            y, mean, var = apply(_kernels.BN_TRAIN, [x] + self._params(), (("axes", axes),) + attrs)
            m = self.momentum
            self.moving_mean.assign(_moving(self.moving_mean, mean, m))
            self.moving_variance.assign(_moving(self.moving_variance, var, m))
            return y
        return apply(_kernels.BN_INFER, [x, _reshaped(self.moving_mean, axis, ndim),
                                         _reshaped(self.moving_variance, axis, ndim)]
                     + [_reshaped(p, axis, ndim) for p in self._params()], attrs)


def _reshaped(v, axis, ndim):
    if axis == ndim - 1:
        return v
    shape = [1] * ndim
    shape[axis] = -1
    return array_ops.reshape(v, shape)


def _moving(moving, batch, momentum):
    return Tensor(_MOVING(moving._read(), batch._value, momentum))


def _moving_fn(moving, batch, momentum):
    return moving * momentum + batch * (1.0 - momentum)


def _make_moving():
    return jax.jit(_moving_fn, static_argnums=2)


_MOVING = _make_moving()


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (default -1), then scales by `gamma` and adds `beta`.

    Args:
      axis: int or list of ints.
      epsilon: default 1e-3.
      center, scale: whether to learn `beta` and `gamma`.
    """

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            raise NotImplementedError("tapejax's LayerNormalization does not support rms_scaling.")
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        ndim = len(input_shape)
        self._axes = tuple(sorted(a % ndim for a in axes))
        shape = tuple(input_shape[a] for a in self._axes)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     name="gamma", autocast=False) if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    name="beta", autocast=False) if self.center else None
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        x = _floating(self, inputs)
        if x.dtype != self._variable_dtype and self._mixed:  # Keras 3: in float32, then cast
            out = self.call(math_ops.cast(x, self._variable_dtype))
            return math_ops.cast(out, self._dtype)
        ndim = x.ndim
        params = []
        for p in (self.gamma, self.beta):
            if p is not None:
                if self._axes != (ndim - 1,):
                    shape = [x.shape[i] if i in self._axes else 1 for i in range(ndim)]
                    p = array_ops.reshape(p, shape)
                params.append(p)
        return apply(_kernels.LAYER_NORM, [x] + params, (
            ("axes", self._axes), ("epsilon", self.epsilon), ("scale", self.gamma is not None),
            ("center", self.beta is not None)))


class Embedding(Layer):
    """Maps integer indices to rows of an `(input_dim, output_dim)` embedding matrix.

    The gradient of the matrix comes back from the tape as `tf.IndexedSlices`, as in TF.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(
            "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings", constraint=self.embeddings_constraint,
                                          regularizer=self.embeddings_regularizer)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _convert_inputs(self, inputs):
        if not hasattr(type(inputs), "_value"):
            inputs = convert_to_tensor(np.asarray(inputs))
        return inputs

    def call(self, inputs):
        ids = inputs
        if ids.dtype not in (_dtypes.int32, _dtypes.int64):
            ids = math_ops.cast(ids, _dtypes.int32)
        return array_ops.gather(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return math_ops.not_equal(inputs, 0)


class Activation(Layer):
    """Applies an activation function by name or callable."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        return self.activation(as_value(inputs))


class ReLU(Layer):
    supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        return activations.relu(as_value(inputs), self.negative_slope, self.max_value, self.threshold)


class Softmax(Layer):
    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs, mask=None):
        return nn_ops.softmax(as_value(inputs), axis=self.axis)


class Add(Layer):
    """Sums a list of inputs of one shape."""

    def call(self, inputs):
        total = as_value(inputs[0])
        for x in inputs[1:]:
            total = math_ops.add(total, x)
        return total


class Concatenate(Layer):
    """Concatenates a list of inputs along `axis` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):  # Keras 3's ops.concatenate: mixed dtypes promote (int64 and float32: float32)
        return _keras_ops.concatenate(list(inputs), axis=self.axis)


Convolution2D = Conv2D


def add(inputs, **kwargs):
    """Functional interface to the `Add` layer."""
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to the `Concatenate` layer."""
    return Concatenate(axis=axis, **kwargs)(inputs)
