"""Keras 3's recurrent cells and the `RNN` layer over them: `SimpleRNNCell`, `GRUCell`,
`LSTMCell`, `StackedRNNCells`, `RNN`.

The built-in cells (alone or stacked) run as one `lax.scan` op over the sequence (`RNN`) or one
op per step (a cell called directly), the same op rows as the SimpleRNN/LSTM/GRU layers
(`_rnn_kernels`); any other cell (a user's `call(inputs, states)`) runs step by step in Python.
`RecurrentWeights` holds what the layers and the cells share: argument checks, the weights, and
the op attribute naming the cell.
"""

from __future__ import annotations

import contextlib

import numpy as np

from tapejax._ops import array_ops, math_ops, nn_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import apply
from tapejax._tensor import Tensor
from tapejax.keras import _activations as activations
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _kernels, _rnn_kernels
from tapejax.keras import _regularizers as regularizers
from tapejax.keras._layer import Layer, _leaves, _map
from tapejax.keras._saving_registry import get_registered_object
from tapejax.keras._variables import KerasVariable

__all__ = ["RecurrentWeights", "StatefulStates", "states_kept", "with_dropout", "SimpleRNNCell", "GRUCell", "LSTMCell",
           "StackedRNNCells", "RNN"]

_GATES = {"simple": 1, "gru": 3, "lstm": 4}


def _activation_name(fn, what):
    for name, f in activations.ACTIVATIONS.items():
        if f is fn and name in _kernels.JAX_ACTIVATIONS:
            return name
    raise NotImplementedError(f"tapejax's recurrent layers take a named {what} "
                              f"('tanh', 'sigmoid', 'relu', ...).")


def _as_compute(layer, x):
    """`x` (a Tensor, Variable or array-like) as a tensor in `layer`'s compute dtype."""
    if not hasattr(type(x), "_value"):
        array = np.asarray(x)
        x = convert_to_tensor(array.astype(layer._dtype._np) if array.dtype.kind == "f" else array)
    if x.dtype != layer._dtype:
        x = math_ops.cast(x, layer._dtype)
    return x


def _nested(x):
    return isinstance(x, (list, tuple))


class RecurrentWeights:
    """The arguments, weights and op attribute of a Keras 3 SimpleRNN / GRU / LSTM cell (mixed
    into the cells and into the sequence layers, which own their weights themselves)."""

    _kind = "simple"

    def _init_recurrent(self, units, activation, recurrent_activation, use_bias, kernel_initializer,
                        recurrent_initializer, bias_initializer, kernel_regularizer,
                        recurrent_regularizer, bias_regularizer, kernel_constraint,
                        recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                        unit_forget_bias=True, reset_after=True):
        if units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        _activation_name(self.activation, "activation")
        if self._kind != "simple":
            _activation_name(self.recurrent_activation, "recurrent_activation")
        self.use_bias = use_bias
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
        self.unit_forget_bias = unit_forget_bias
        self.reset_after = reset_after

    def _bias_initializer(self):
        if self._kind != "lstm" or not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def init(shape, dtype=None):  # Keras 3: the forget gate's bias starts at one
            parts = [base((units,), dtype=dtype), initializers.Ones()((units,), dtype=dtype),
                     base((units * 2,), dtype=dtype)]
            return array_ops.concat(parts, 0)
        return init

    def _build_recurrent(self, input_dim):
        """Creates `kernel`, `recurrent_kernel` and `bias` (Keras 3's names, shapes and order)."""
        n = _GATES[self._kind] * self.units
        self.kernel = self.add_weight(shape=(input_dim, n), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, n), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        bias_shape = (2, n) if self._kind == "gru" and self.reset_after else (n,)
        self.bias = (self.add_weight(shape=bias_shape, name="bias",
                                     initializer=self._bias_initializer(),
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)

    def _spec(self):
        return _rnn_kernels.cell_spec(
            self._kind, _activation_name(self.activation, "activation"),
            None if self._kind == "simple" else
            _activation_name(self.recurrent_activation, "recurrent_activation"),
            self.bias is not None, self.reset_after)

    def _dropout_masks(self, batch, input_dim, training):
        """Keras 3's dropout masks for one sequence (or one direct call), in training only:
        `(input masks, recurrent masks)`, each `(n, batch, dim)` or None; n is one, or one per
        gate with recurrent dropout (Keras' implementation 1)."""
        if not training:
            return None, None
        n = _GATES[self._kind] if self.recurrent_dropout and self._kind != "simple" else 1

        def masks(rate, dim):
            if not 0.0 < rate < 1.0:
                return None
            ones = Tensor(np.ones((n, batch, dim), self._dtype._np))
            return nn_ops.dropout(ones, rate, seed=self.seed)
        return masks(self.dropout, input_dim), masks(self.recurrent_dropout, self.units)

    def _weights_list(self):
        return [self.kernel, self.recurrent_kernel] + ([self.bias] if self.bias is not None else [])


class StatefulStates:
    """Keras 3's `stateful=True` for the recurrent layers (mixed into `RNN` and the SimpleRNN / LSTM / GRU
    layers): `states`, Variables named `rnn_state` made when the layer is built (the batch size must be
    known then), start each call that passes no `initial_state` and hold its final states afterwards;
    `reset_state()` sets them to zeros. They are not weights (Keras 3 makes them untracked), so neither
    `weights`, saving nor checkpoints see them."""

    def _init_states(self, stateful):
        d = self.__dict__  # not tracked: Keras 3 makes the state variables outside its tracking
        d["stateful"], d["states"], d["_expected_batch_size"] = bool(stateful), None, None

    def _build_states(self, sequences_shape):
        if not self.stateful:
            return
        if self.states is not None:
            self.reset_state()
            return
        if sequences_shape[0] is None:
            raise ValueError(f"When using `stateful=True` in a RNN, the batch size must be static. Found dynamic "
                             f"batch size: sequence.shape={tuple(sequences_shape)}")
        batch = int(sequences_shape[0])
        dtype = self._variable_dtype
        self.__dict__["states"] = _map(
            lambda value: KerasVariable(np.asarray(value.numpy()).astype(dtype._np), dtype=dtype, trainable=False,
                                        name="rnn_state", path=f"{self.name}/rnn_state"),
            self.get_initial_state(batch))
        self.__dict__["_expected_batch_size"] = batch

    def reset_state(self):
        """Sets the states of a stateful layer to zeros (nothing for a layer that is not stateful)."""
        if self.states is not None:
            for v in _leaves(self.states):
                v.assign(np.zeros(tuple(v.shape), v.dtype._np))

    def reset_states(self):
        """`reset_state()` (Keras 3's compatibility alias)."""
        self.reset_state()

    def _stateful_initial(self, batch, initial_state):
        """The states a call starts from: `initial_state`, else a stateful layer's `states`.

        Raises:
          ValueError: for a stateful layer called on another batch size than it was built for.
        """
        if not self.stateful:
            return initial_state
        if self._expected_batch_size is not None and batch is not None and batch != self._expected_batch_size:
            raise ValueError(f"If an RNN is stateful, the batch size of the input sequences must be the same as "
                             f"the batch size of the initial state. \n- Expected batch size: "
                             f"{self._expected_batch_size}\n- Received batch size: {batch}")
        return self.states if initial_state is None else initial_state

    def _keep_states(self, final):
        """A stateful layer's `states` take the call's final states."""
        if self.stateful and self.states is not None:
            for variable, value in zip(_leaves(self.states), _leaves(final)):
                variable.assign(value)


@contextlib.contextmanager
def states_kept(layer):
    """Restores the `states` of the stateful recurrent layers in `layer` (itself or its sub-layers) when
    the block ends: for a call that must not advance them (a model called once to see its outputs'
    structure before `fit`, which Keras 3 does not do)."""
    def stateful():
        return [sub for sub in layer._flatten_layers() if isinstance(sub, StatefulStates) and sub.states is not None]
    saved = {id(sub): [np.asarray(v.numpy()) for v in _leaves(sub.states)] for sub in stateful()}
    try:
        yield
    finally:
        for sub in stateful():
            if id(sub) not in saved:
                sub.reset_state()  # made by the block's call: zeros, as a first batch finds them
                continue
            for variable, value in zip(_leaves(sub.states), saved[id(sub)]):
                variable.assign(value)


class _Cell(RecurrentWeights, Layer):
    """A built-in cell: `cell(inputs, states)` is one step, `(output, new_states)`."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 unit_forget_bias=True, reset_after=True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self._init_recurrent(units, activation, recurrent_activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, kernel_regularizer,
                             recurrent_regularizer, bias_regularizer, kernel_constraint,
                             recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                             unit_forget_bias, reset_after)
        self.seed = seed
        n = _rnn_kernels.n_states((self._kind,))
        self.state_size = [self.units] * n if n > 1 else self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._build_recurrent(input_shape[-1])
        self.built = True

    def _trackable_children(self, saving=False):
        # TF 2.21's checkpoint names a cell's kernel `kernel` (a Dense layer's is `_kernel`)
        return [("kernel" if name == "_kernel" else name, child)
                for name, child in super()._trackable_children(saving)]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        raise NotImplementedError  # symbolic calls run the step on placeholders (Keras' structure)

    def get_initial_state(self, batch_size=None):
        """Zero states, `[(batch_size, units), ...]` in the compute dtype."""
        sizes = self.state_size if _nested(self.state_size) else [self.state_size]
        return [Tensor(np.zeros((batch_size, d), self._dtype._np)) for d in sizes]

    def call(self, inputs, states, training=False):
        nested = _nested(states)
        states = [_as_compute(self, s) for s in (states if nested else [states])]
        x = _as_compute(self, inputs)
        params, attrs = with_dropout([x] + self._weights_list() + states, [self], x.shape[0],
                                      x.shape[-1], training)
        out = apply(_rnn_kernels.RNN_CELL, params, (("cells", (self._spec(),)),) + attrs)
        h = out[0]
        new = [h] + list(out[2:])  # the output is the first state, one tensor, as Keras returns it
        return h, (new if nested or len(new) > 1 else h)


class SimpleRNNCell(_Cell):
    """One step of a fully-connected RNN: `h = activation(x @ kernel + h @ recurrent_kernel +
    bias)`.

    Args:
      units: the state size.
      activation: a named activation (default `'tanh'`).
      use_bias: whether the cell adds `bias`.

    Returns (when called):
      `(output, new_states)`: the new state, and it again as `[h]` (or `h` for a bare state).
    """

    _kind = "simple"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)


class GRUCell(_Cell):
    """One step of a gated recurrent unit (Keras 3: gates z, r, h in the kernels' columns;
    `reset_after=True` applies the reset gate after the recurrent matmul, with a `(2, 3 * units)`
    bias).

    Returns (when called):
      `(output, new_states)`: the new state, and it again as `[h]` (or `h` for a bare state).
    """

    _kind = "gru"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout,
                         reset_after=reset_after, seed=seed, **kwargs)


class LSTMCell(_Cell):
    """One step of a long short-term memory (Keras 3: gates i, f, c, o in the kernels' columns;
    `unit_forget_bias=True` starts the forget gate's bias at one).

    Returns (when called):
      `(h, [h, c])`.
    """

    _kind = "lstm"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout,
                         unit_forget_bias=unit_forget_bias, seed=seed, **kwargs)


def with_dropout(params, cells, batch, input_dim, training):
    """`params` with the cells' dropout masks appended, and the op attribute saying which."""
    flags, extra = [], []
    for cell in cells:
        drop_in, drop_rec = cell._dropout_masks(batch, input_dim, training)
        flags.append((drop_in is not None, drop_rec is not None))
        extra += [m for m in (drop_in, drop_rec) if m is not None]
        input_dim = cell.units
    if not extra:
        return params, ()
    return params + extra, (("dropout", tuple(flags)),)


def _builtin(cell):
    return isinstance(cell, _Cell) and type(cell).call is _Cell.call


def _check_cell(cell, stacked):
    if "call" not in dir(cell):
        raise ValueError("All cells must have a `call` method. Received cell without a `call` "
                         f"method: {cell}" if stacked else
                         f"Argument `cell` should have a `call` method. Received: cell={cell}")
    if "state_size" not in dir(cell):
        raise ValueError(f"All cells must have a `state_size` attribute. Received cell without a "
                         f"`state_size`: {cell}" if stacked else
                         "The RNN cell should have a `state_size` attribute (single integer or "
                         "list of integers, one integer per RNN state). "
                         f"Received: cell={cell}")


def _call_cell(cell, inputs, states, training):
    if isinstance(cell, Layer):
        if cell._get_call_info()[0]:
            return cell(inputs, states, training=training)
        return cell(inputs, states)
    return cell.call(inputs, states)


def _prefix_paths(layer, prefix):
    for v in layer.weights:
        if hasattr(v, "path"):
            v.path = f"{prefix}/{v.path}"


def _serialize_cell(cell):
    return {"module": "keras.layers", "class_name": type(cell).__name__,
            "config": cell.get_config(), "registered_name": None}


def _deserialize_cell(config, custom_objects=None):
    if isinstance(config, Layer):
        return config
    name = config["class_name"]
    cls = get_registered_object(config.get("registered_name") or name, custom_objects,
                                {c.__name__: c for c in (SimpleRNNCell, GRUCell, LSTMCell,
                                                         StackedRNNCells)})
    if cls is None:
        raise TypeError(f"Could not locate class '{name}'. Make sure custom classes are decorated "
                        f"with `@keras.saving.register_keras_serializable()`. Full object config: "
                        f"{config}")
    return cls.from_config(dict(config["config"]))


class StackedRNNCells(Layer):
    """Cells run one after another in each step (the output of one is the input of the next).

    Args:
      cells: a list of cells (built-in ones or objects with `call(inputs, states)` and
        `state_size`).
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            _check_cell(cell, True)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return last.state_size[0] if _nested(last.state_size) else last.state_size

    def get_initial_state(self, batch_size=None):
        """Each cell's initial states, in order."""
        states = []
        for cell in self.cells:
            if getattr(cell, "get_initial_state", None):
                states.append(cell.get_initial_state(batch_size=batch_size))
            else:
                sizes = cell.state_size if _nested(cell.state_size) else [cell.state_size]
                zeros = [Tensor(np.zeros((batch_size, d), self._dtype._np)) for d in sizes]
                states.append(zeros if _nested(cell.state_size) else zeros[0])
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
                _prefix_paths(cell, self.name)
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size[0] if _nested(cell.state_size) else cell.state_size
            input_shape = (input_shape[0], size)
        self.built = True

    def compute_output_shape(self, inputs_shape, states_shape=None):
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        if all(_builtin(c) for c in self.cells):
            return self._fused_call(inputs, states, training)
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            as_list = _nested(cell_states)
            inputs, cell_states = _call_cell(cell, inputs, list(cell_states) if as_list else
                                             [cell_states], training)
            if _nested(cell_states) and len(cell_states) == 1 and not as_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, (new_states[0] if len(new_states) == 1 else new_states)

    def _fused_call(self, inputs, states, training):
        x = _as_compute(self, inputs)
        params, nested = [x], []
        for cell in self.cells:
            params += cell._weights_list()
        for cell_states in states:
            nested.append(_nested(cell_states))
            params += [_as_compute(self, s) for s in (cell_states if nested[-1] else [cell_states])]
        params, drop = with_dropout(params, self.cells, x.shape[0], x.shape[-1], training)
        out = apply(_rnn_kernels.RNN_CELL, params,
                    (("cells", tuple(c._spec() for c in self.cells)),) + drop)
        new = _regroup(self.cells, out[1:], nested)
        return out[0], (new[0] if len(new) == 1 else new)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_policy.name}
        config["cells"] = [_serialize_cell(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [_deserialize_cell(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _regroup(cells, flat, nested):
    """Flat op outputs as each cell's states: a list, or the bare tensor where it came bare."""
    out, at = [], 0
    for cell, as_list in zip(cells, nested):
        k = _rnn_kernels.n_states((cell._kind,))
        states = list(flat[at:at + k])
        at += k
        out.append(states if as_list or k > 1 else states[0])
    return out


class RNN(StatefulStates, Layer):
    """Runs a cell over the time axis of `(batch, steps, features)` sequences.

    Args:
      cell: a cell (`LSTMCell`, ..., or an object with `call(inputs, states)` and `state_size`),
        or a list of cells (stacked with `StackedRNNCells`).
      return_sequences: return every step's output `(batch, steps, units)`, not just the last.
      return_state: also return the final states (`(output, *states)`).
      go_backwards: process the sequence in reverse (and return the outputs in that order).
      stateful: keep the final states of each batch as the initial states of the next (`states`,
        `reset_state()`); the batch size must be known when the layer is built (`Input(batch_shape=...)`).
      unroll: accepted and ignored (tapejax runs the built-in cells in one `lax.scan`).
      zero_output_for_mask: masked steps output zeros instead of the previous output.

    Returns (when called):
      The output, or `(output, *final_states)` with `return_state`.
    """

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if _nested(cell):
            cell = StackedRNNCells(cell)
        _check_cell(cell, False)
        super().__init__(**kwargs)
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one for "
                             "each state tensor).")
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.unroll = go_backwards, unroll
        self._init_states(stateful)
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
            self.cell.built = True
            _prefix_paths(self.cell, self.name)
        self._build_states(sequences_shape)
        self.built = True

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = self.state_size[0]
        if not isinstance(size, int):
            raise ValueError("output_size must be an integer.")
        out = (batch, steps, size) if self.return_sequences else (batch, size)
        if self.return_state:
            return (out, *[(batch, s) if isinstance(s, int) else [(batch, d) for d in s]
                           for s in self.state_size])
        return out

    def compute_mask(self, inputs, previous_mask=None):
        mask = _leaves(previous_mask)[0] if _nested(previous_mask) else previous_mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def get_initial_state(self, batch_size):
        """The cell's `get_initial_state(batch_size=...)` as a list, or zeros of `state_size`."""
        fn = getattr(self.cell, "get_initial_state", None)
        if not fn:
            return [Tensor(np.zeros((batch_size, d), self._dtype._np)) for d in self.state_size]
        state = fn(batch_size=batch_size)
        return list(state) if _nested(state) else [state]

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if _nested(mask):
            mask = mask[0]
        x = _as_compute(self, sequences)
        initial_state = self._stateful_initial(x.shape[0], initial_state)
        if initial_state is None:
            initial_state = self.get_initial_state(x.shape[0])
        states = list(initial_state) if _nested(initial_state) else [initial_state]
        states = _map(lambda s: _as_compute(self, s), states)
        if mask is not None:
            mask = math_ops.cast(mask if hasattr(type(mask), "_value")
                                 else convert_to_tensor(np.asarray(mask)), "bool")
        cells = (list(self.cell.cells) if isinstance(self.cell, StackedRNNCells) else [self.cell])
        if all(_builtin(c) for c in cells):
            output, sequence, states = self._fused(cells, x, states, mask, training)
        else:
            output, sequence, states = self._stepwise(x, states, mask, training)
        self._keep_states(states)
        if self.return_sequences:
            output = sequence
        if self.return_state:
            return (output, *states)
        return output

    def _fused(self, cells, x, states, mask, training):
        per_cell = states if isinstance(self.cell, StackedRNNCells) else [states]
        params, nested = [x], []
        for cell in cells:
            params += cell._weights_list()
        for cell_states in per_cell:
            nested.append(_nested(cell_states))
            params += list(cell_states) if nested[-1] else [cell_states]
        params, drop = with_dropout(params, cells, x.shape[0], x.shape[-1], training)
        attrs = (("cells", tuple(c._spec() for c in cells)), ("go_backwards", bool(self.go_backwards)))
        attrs += drop
        if mask is not None:
            params.append(mask)
            attrs += (("has_mask", True), ("zero_output", bool(self.zero_output_for_mask)))
        out = apply(_rnn_kernels.RNN, params, attrs)
        final = _regroup(cells, out[1:], nested)
        last = _leaves(final[-1])[0]
        return last, out[0], (final if isinstance(self.cell, StackedRNNCells) else final[0])

    def _stepwise(self, x, states, mask, training):
        """Any cell: one call per step, as Keras' `rnn` with `unroll=True`."""
        steps = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])
        outputs, previous = [], None
        for t in steps:
            out, new = _call_cell(self.cell, x[:, t], states, training)
            new = list(new) if _nested(new) else [new]
            if mask is not None:
                keep = array_ops.expand_dims(mask[:, t], -1)
                new = _map_pairs(lambda n, s: array_ops.where(keep, n, s), new, states)
                previous = array_ops.zeros_like(out) if previous is None else previous
                out = array_ops.where(keep, out, array_ops.zeros_like(out)
                                      if self.zero_output_for_mask else previous)
            states, previous = new, out
            outputs.append(out)
        return outputs[-1], array_ops.stack(outputs, axis=1), states

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_policy.name,
                  "return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful,
                  "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}
        config["cell"] = _serialize_cell(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = _deserialize_cell(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _map_pairs(fn, a, b):
    if _nested(a):
        return [_map_pairs(fn, x, y) for x, y in zip(a, b)]
    return fn(a, b)
