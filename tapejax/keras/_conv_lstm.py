"""Keras 3's convolutional LSTMs: `ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`.

Each layer holds a `ConvLSTMCell` (`layer.cell`, its weights `kernel`, `recurrent_kernel` and `bias`, Keras 3's
shapes, paths and gate order i, f, c, o) and runs the whole sequence as one `lax.scan` op (`CONV_LSTM`): per
step, the input convolution (the layer's strides, padding and dilation) and the recurrent one (stride 1,
`same` padding), then the LSTM gates. `stateful=True` works as for the other recurrent layers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor
from tapejax.keras import _activations as activations
from tapejax.keras import _backend as backend
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _regularizers as regularizers
from tapejax.keras import _serialization
from tapejax.keras._kernels import _CONV_DIMS, JAX_ACTIVATIONS
from tapejax.keras._layer import Layer
from tapejax.keras._operation import unique_name
from tapejax.keras._rnn_cells import StatefulStates

__all__ = ["CONV_LSTM", "ConvLSTMCell", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _conv(x, w, strides, padding, dilation):
    return jax.lax.conv_general_dilated(x, w, window_strides=strides, padding=padding, rhs_dilation=dilation,
                                        dimension_numbers=_CONV_DIMS[x.ndim - 2])


def _conv_lstm(x, kernel, recurrent_kernel, *rest, strides, padding, dilation, activation, recurrent_activation,
               go_backwards, has_bias):
    """`x` (batch, steps, *spatial, channels), channels last; `rest`: the bias (if any), then h0 and c0.

    Returns:
      (the outputs of every step, in the order the steps ran; the final h; the final c).
    """
    bias, (h0, c0) = (rest[0], rest[1:]) if has_bias else (None, rest)
    act, rec_act = JAX_ACTIVATIONS[activation], JAX_ACTIVATIONS[recurrent_activation]
    ones = (1,) * (x.ndim - 3)

    def step(carry, xt):
        h, c = carry
        z = _conv(xt, kernel, strides, padding, dilation) + _conv(h, recurrent_kernel, ones, "SAME", ones)
        if bias is not None:
            z = z + bias
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = rec_act(f) * c + rec_act(i) * act(g)
        h = rec_act(o) * act(c)
        return (h, c), h

    steps = jnp.moveaxis(x, 1, 0)
    if go_backwards:
        steps = steps[::-1]
    (h, c), outputs = jax.lax.scan(step, (h0, c0), steps)
    return jnp.moveaxis(outputs, 0, 1), h, c


CONV_LSTM = Op("ConvLSTM", _conv_lstm, multi=True)


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}")
    return value


def _conv_length(size, k, s, d, padding):
    if size is None:
        return None
    if padding == "same":
        return -(-size // s)
    return (size - ((k - 1) * d + 1)) // s + 1


def _activation_name(fn, what):
    for name, f in activations.ACTIVATIONS.items():
        if f is fn and name in JAX_ACTIVATIONS:
            return name
    raise NotImplementedError(f"tapejax's ConvLSTM layers take a named {what} ('tanh', 'sigmoid', 'relu', ...).")


class ConvLSTMCell(Layer):
    """One step of a convolutional LSTM (the cell of `ConvLSTM1D/2D/3D`); `cell(inputs, [h, c])` returns
    `(h, [h, c])`.

    Raises:
      ValueError: for a rank above 3, or strides and a dilation rate both above one.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if rank > 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}")
        self.rank, self.filters, self.seed = rank, int(filters), seed
        self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
        self.strides = _tuple(strides, rank, "strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be a list/tuple or one of {{'valid', 'same'}}. "
                             f"Received: {padding}")
        self.data_format = data_format or backend.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                             f"Received: data_format={data_format}")
        self.dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide "
                             f"`strides=1` or `dilation_rate=1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        _activation_name(self.activation, "activation")
        _activation_name(self.recurrent_activation, "recurrent_activation")
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.state_size = -1  # Keras 3's: the states' shapes come from the input's

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        first = self.data_format == "channels_first"
        self.spatial_dims = tuple(inputs_shape[2:] if first else inputs_shape[1:-1])
        if None in self.spatial_dims:
            raise ValueError(f"ConvLSTM layers only support static input shapes for the spatial dimension. "
                             f"Received invalid input shape: input_shape={inputs_shape}")
        self.input_dim = inputs_shape[1 if first else -1]
        if self.input_dim is None:
            raise ValueError(f"The channel dimension of the inputs (last axis) should be defined. Found None. Full "
                             f"input shape received: input_shape={inputs_shape}")
        n = self.filters * 4
        self.kernel = self.add_weight(shape=self.kernel_size + (self.input_dim, n), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=self.kernel_size + (self.filters, n), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            base, filters = self.bias_initializer, self.filters

            def forget_ones(shape, dtype=None):  # Keras 3: the forget gate's bias starts at one
                return array_ops.concat([base((filters,), dtype=dtype), initializers.Ones()((filters,), dtype=dtype),
                                         base((filters * 2,), dtype=dtype)], 0)
            self.bias = self.add_weight(shape=(n,), name="bias",
                                        initializer=forget_ones if self.unit_forget_bias else base,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _trackable_children(self, saving=False):
        # TF 2.21's checkpoint names a cell's kernel `kernel` (a Dense layer's is `_kernel`)
        return [("kernel" if name == "_kernel" else name, child) for name, child in super()._trackable_children(saving)]

    def _spatial_out(self, spatial):
        return tuple(_conv_length(size, k, s, d, self.padding) for size, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, inputs_shape, states_shape=None):
        if self.data_format == "channels_first":
            out = (inputs_shape[0], self.filters) + self._spatial_out(inputs_shape[2:])
        else:
            out = (inputs_shape[0],) + self._spatial_out(inputs_shape[1:-1]) + (self.filters,)
        return out, [out, out]

    def get_initial_state(self, batch_size=None):
        """Zero `[h, c]` of the convolution's output shape."""
        if self.data_format == "channels_last":
            shape = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            shape = (batch_size, self.input_dim) + self.spatial_dims
        out = self.compute_output_shape(shape)[0]
        return [Tensor(np.zeros(out, self._dtype._np)), Tensor(np.zeros(out, self._dtype._np))]

    def _run(self, sequences, h, c, go_backwards):
        """The fused op on channels-first or -last sequences: (outputs, h, c) in the layer's layout."""
        first = self.data_format == "channels_first"

        def last(t, offset):  # channels first -> last, for a tensor whose channels are at `offset`
            return array_ops.transpose(t, tuple(a for a in range(t.ndim) if a != offset) + (offset,)) if first else t

        def back(t, offset):
            if not first:
                return t
            order = list(range(t.ndim - 1))
            order.insert(offset, t.ndim - 1)
            return array_ops.transpose(t, tuple(order))
        params = [last(sequences, 2), math_ops.cast(self.kernel, self._dtype),
                  math_ops.cast(self.recurrent_kernel, self._dtype)]
        if self.bias is not None:
            params.append(math_ops.cast(self.bias, self._dtype))
        params += [last(h, 1), last(c, 1)]
        attrs = (("strides", self.strides), ("padding", self.padding.upper()), ("dilation", self.dilation_rate),
                 ("activation", _activation_name(self.activation, "activation")),
                 ("recurrent_activation", _activation_name(self.recurrent_activation, "recurrent_activation")),
                 ("go_backwards", bool(go_backwards)), ("has_bias", self.bias is not None))
        outputs, h, c = apply(CONV_LSTM, params, attrs)
        return back(outputs, 2), back(h, 1), back(c, 1)

    def call(self, inputs, states, training=False):
        x = _as_compute(self, inputs)
        h, c = (_as_compute(self, s) for s in states)
        _, h, c = self._run(array_ops.expand_dims(x, 1), h, c, False)
        return h, [h, c]


def _as_compute(layer, x):
    if not hasattr(type(x), "_value"):
        array = np.asarray(x)
        x = convert_to_tensor(array.astype(layer._dtype._np) if array.dtype.kind == "f" else array)
    return x if x.dtype == layer._dtype else math_ops.cast(x, layer._dtype)


class _ConvLSTM(StatefulStates, Layer):
    """A convolutional LSTM over `(batch, steps, *spatial, channels)` sequences (channels first too)."""

    rank = 2
    supports_masking = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        # Keras 3's snake_case name (conv_lstm2d, not conv_lst_m2d)
        kwargs["name"] = kwargs.get("name") or unique_name(_serialization.snake(type(self).__name__))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.cell = ConvLSTMCell(
            self.rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=self._dtype_policy)
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards
        self.unroll = unroll
        self._init_states(stateful)

    @property
    def _spec_ndim(self):
        return ("exact", self.rank + 3)

    def __getattr__(self, name):  # Keras 3's ConvLSTM exposes its cell's arguments (filters, kernel_size, ...)
        if name in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                    "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                    "recurrent_dropout") and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def build(self, sequences_shape, initial_state_shape=None):
        if not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
            for variable in self.cell.weights:  # built in the layer's name scope, as Keras 3
                variable.path = f"{self.name}/{variable.path}"
        self.built = True
        self._build_states(sequences_shape)

    def get_initial_state(self, batch_size):
        return self.cell.get_initial_state(batch_size)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = tuple(self.cell.compute_output_shape((batch,) + tuple(sequences_shape[2:]))[0][1:])
        out = (batch, steps) + state if self.return_sequences else (batch,) + state
        if self.return_state:
            return out, (batch,) + state, (batch,) + state
        return out

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if mask is not None:
            raise NotImplementedError(f"tapejax's {type(self).__name__} does not take a mask yet.")
        if training and (0.0 < self.cell.dropout < 1.0 or 0.0 < self.cell.recurrent_dropout < 1.0):
            raise NotImplementedError(f"tapejax's {type(self).__name__} has no dropout or recurrent_dropout in "
                                      f"training yet.")
        x = _as_compute(self, sequences)
        initial_state = self._stateful_initial(x.shape[0], initial_state)
        if initial_state is None:
            initial_state = self.get_initial_state(x.shape[0])
        h, c = (_as_compute(self, s) for s in initial_state)
        outputs, h, c = self.cell._run(x, h, c, self.go_backwards)
        self._keep_states([h, c])
        output = outputs if self.return_sequences else h
        return (output, h, c) if self.return_state else output


class ConvLSTM1D(_ConvLSTM):
    """A 1D convolutional LSTM over `(batch, steps, length, channels)` sequences.

    Args:
      filters: the number of output channels.
      kernel_size: the convolutions' window (an int or a tuple of one).
      return_sequences: return every step's output, not just the last.
      return_state: also return the final `h` and `c`.
      stateful: carry the final states to the next call (`reset_state()`).
    """

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """A 2D convolutional LSTM over `(batch, steps, rows, cols, channels)` sequences (Keras 3's ConvLSTM2D:
    gates i, f, c, o; the recurrent convolution has stride 1 and `same` padding)."""

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """A 3D convolutional LSTM over `(batch, steps, d1, d2, d3, channels)` sequences."""

    rank = 3
