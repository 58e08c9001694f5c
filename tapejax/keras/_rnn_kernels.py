"""Op-table rows of Keras' recurrent cells: `RNN` (a stack of built-in cells over a sequence, one
`lax.scan`) and `RNNCell` (one step of the same stack, a cell called directly).

A cell is named by a hashable spec `(kind, activation, recurrent_activation, use_bias, reset_after)`
with `kind` one of `'simple'`, `'lstm'`, `'gru'`; its weights are `kernel, recurrent_kernel[, bias]`
and its formulas and gate orders are Keras 3's (LSTM: i, f, c, o; GRU: z, r, h). The SimpleRNN,
LSTM and GRU layers and the cells with `keras.layers.RNN` run the same functions, so a layer and
`RNN(cell)` with the same weights give the same numbers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from tapejax._ops._dispatch import Op
from tapejax.keras._kernels import JAX_ACTIVATIONS

__all__ = ["RNN", "RNN_CELL", "cell_spec", "n_states", "n_weights"]


def cell_spec(kind, activation, recurrent_activation=None, use_bias=True, reset_after=False):
    """The op attribute naming one built-in cell."""
    return (kind, activation, recurrent_activation if kind != "simple" else None, bool(use_bias),
            bool(reset_after) if kind == "gru" else False)


def n_states(spec):
    return 2 if spec[0] == "lstm" else 1


def n_weights(spec):
    return 3 if spec[3] else 2


def _project(spec, kernel, bias, x):
    """The input half of a step, `x @ kernel + input bias`, on any leading axes."""
    p = x @ kernel if x.ndim == 2 else jnp.tensordot(x, kernel, [[x.ndim - 1], [0]])
    if bias is not None:
        p = p + (bias[0] if spec[0] == "gru" and spec[4] else bias)
    return p


def _recur(spec, recurrent, bias, states, p):
    """The new states of one cell from its states and its projected input `p`."""
    kind, activation, recurrent_activation, _, reset_after = spec
    act = JAX_ACTIVATIONS[activation]
    if kind == "simple":
        return (act(p + states[0] @ recurrent),)
    rec_act = JAX_ACTIVATIONS[recurrent_activation]
    if kind == "lstm":
        h, c = states
        zi, zf, zc, zo = jnp.split(p + h @ recurrent, 4, axis=-1)
        i, f, o = rec_act(zi), rec_act(zf), rec_act(zo)
        c = f * c + i * act(zc)
        return o * act(c), c
    h = states[0]
    units = recurrent.shape[0]
    x_z, x_r, x_h = jnp.split(p, 3, axis=-1)
    if reset_after:
        inner = h @ recurrent
        if bias is not None:
            inner = inner + bias[1]
        r_z, r_r, r_h = jnp.split(inner, 3, axis=-1)
        z = rec_act(x_z + r_z)
        r = rec_act(x_r + r_r)
        hh = act(x_h + r * r_h)
    else:
        z = rec_act(x_z + h @ recurrent[:, :units])
        r = rec_act(x_r + h @ recurrent[:, units:2 * units])
        hh = act(x_h + (r * h) @ recurrent[:, 2 * units:])
    return (z * h + (1 - z) * hh,)


def _split(params, cells, has_mask):
    """`(weights per cell as (kernel, recurrent, bias or None), states per cell, mask)`."""
    params = list(params)
    mask = params.pop() if has_mask else None
    weights, at = [], 0
    for spec in cells:
        k = n_weights(spec)
        w = params[at:at + k]
        weights.append((w[0], w[1], w[2] if k == 3 else None))
        at += k
    states = []
    for spec in cells:
        states.append(tuple(params[at:at + n_states(spec)]))
        at += n_states(spec)
    return weights, tuple(states), mask


def _stack_step(cells, weights, carry, p):
    """One step of the stack: the first cell's input is already projected (`p`)."""
    new, out = [], None
    for i, spec in enumerate(cells):
        kernel, recurrent, bias = weights[i]
        q = p if i == 0 else _project(spec, kernel, bias, out)
        states = _recur(spec, recurrent, bias, carry[i], q)
        new.append(states)
        out = states[0]
    return tuple(new), out


def _rnn(x, *params, cells, go_backwards, has_mask=False, zero_output=False):
    """Runs the stack over `x` (batch, steps, features) with `lax.scan`. Where `mask`
    (batch, steps) is False the states carry over and the output repeats the previous one (zeros
    with `zero_output`), as Keras' `rnn`. Returns the outputs (batch, steps, units), then every
    cell's final states in order."""
    weights, states, mask = _split(params, cells, has_mask)
    kernel, _, bias = weights[0]
    proj = _project(cells[0], kernel, bias, x)  # the first cell's input half, for all steps at once
    xs = jnp.swapaxes(proj, 0, 1)  # time major
    ms = None if mask is None else jnp.swapaxes(mask, 0, 1)
    if go_backwards:
        xs = xs[::-1]
        ms = None if ms is None else ms[::-1]

    def step(carry, inputs):
        if ms is None:
            return _stack_step(cells, weights, carry, inputs)
        p, m = inputs
        new, _ = _stack_step(cells, weights, carry, p)
        keep = m[:, None]
        new = jax.tree_util.tree_map(lambda n, c: jnp.where(keep, n, c), new, carry)
        out = new[-1][0]
        if zero_output:
            out = jnp.where(keep, out, jnp.zeros_like(out))
        return new, out
    final, ys = jax.lax.scan(step, states, xs if ms is None else (xs, ms))
    return (jnp.swapaxes(ys, 0, 1),) + tuple(s for cell in final for s in cell)


def _rnn_cell(x, *params, cells):
    """One step of the stack on `x` (batch, features): the output, then every cell's new states."""
    weights, states, _ = _split(params, cells, False)
    kernel, _, bias = weights[0]
    new, out = _stack_step(cells, weights, states, _project(cells[0], kernel, bias, x))
    return (out,) + tuple(s for cell in new for s in cell)


RNN = Op("RNN", _rnn, multi=True)
RNN_CELL = Op("RNNCell", _rnn_cell, multi=True)
