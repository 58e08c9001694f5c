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


def _dot(x, kernel):
    return x @ kernel if x.ndim == 2 else jnp.tensordot(x, kernel, [[x.ndim - 1], [0]])


def _masked(x, mask):
    """`x` (batch[, steps], features) times a dropout mask (batch, features)."""
    return x * (mask if x.ndim == 2 else mask[:, None, :])


def _project(spec, kernel, bias, x, masks=None):
    """The input half of a step, `x @ kernel + input bias`, on any leading axes. `masks`
    (dropout, (n, batch, features)) multiply the input: one for all gates, or one per gate (Keras'
    implementation 1, with recurrent dropout)."""
    if masks is None:
        p = _dot(x, kernel)
    elif masks.shape[0] == 1:
        p = _dot(_masked(x, masks[0]), kernel)
    else:
        parts = jnp.split(kernel, masks.shape[0], axis=1)
        p = jnp.concatenate([_dot(_masked(x, m), k) for m, k in zip(masks, parts)], axis=-1)
    if bias is not None:
        p = p + (bias[0] if spec[0] == "gru" and spec[4] else bias)
    return p


def _recurrent_dot(h, recurrent, masks):
    """`h @ recurrent` with the recurrent dropout `masks` (one, or one per gate) applied to `h`."""
    if masks is None:
        return h @ recurrent
    if masks.shape[0] == 1:
        return (h * masks[0]) @ recurrent
    parts = jnp.split(recurrent, masks.shape[0], axis=1)
    return jnp.concatenate([(h * m) @ k for m, k in zip(masks, parts)], axis=-1)


def _recur(spec, recurrent, bias, states, p, masks=None):
    """The new states of one cell from its states and its projected input `p` (`masks`: the
    recurrent dropout masks, (n, batch, units), or None)."""
    kind, activation, recurrent_activation, _, reset_after = spec
    act = JAX_ACTIVATIONS[activation]
    if kind == "simple":
        return (act(p + _recurrent_dot(states[0], recurrent, masks)),)
    rec_act = JAX_ACTIVATIONS[recurrent_activation]
    if kind == "lstm":
        h, c = states
        zi, zf, zc, zo = jnp.split(p + _recurrent_dot(h, recurrent, masks), 4, axis=-1)
        i, f, o = rec_act(zi), rec_act(zf), rec_act(zo)
        c = f * c + i * act(zc)
        return o * act(c), c
    h = states[0]
    units = recurrent.shape[0]
    x_z, x_r, x_h = jnp.split(p, 3, axis=-1)
    if masks is not None and masks.shape[0] == 1:
        hs = (h * masks[0],) * 3
    elif masks is not None:
        hs = tuple(h * m for m in masks)
    else:
        hs = (h,) * 3
    if masks is not None:  # Keras' implementation 1: one matmul per gate
        parts = jnp.split(recurrent, 3, axis=1)
        r_z, r_r = hs[0] @ parts[0], hs[1] @ parts[1]
        if bias is not None and reset_after:
            r_z, r_r = r_z + bias[1][:units], r_r + bias[1][units:2 * units]
        z, r = rec_act(x_z + r_z), rec_act(x_r + r_r)
        if reset_after:
            r_h = hs[2] @ parts[2]
            if bias is not None:
                r_h = r_h + bias[1][2 * units:]
            hh = act(x_h + r * r_h)
        else:
            hh = act(x_h + (r * hs[2]) @ parts[2])
        return (z * h + (1 - z) * hh,)
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


def _split(params, cells, has_mask, dropout=None):
    """`(weights per cell as (kernel, recurrent, bias or None), states per cell, mask, dropout
    masks per cell as (input masks or None, recurrent masks or None))`; `dropout` is the attr
    saying which cells have which masks."""
    params = list(params)
    mask = params.pop() if has_mask else None
    drops = []
    if dropout is not None:
        tail = []
        for has_in, has_rec in reversed(dropout):
            rec = params.pop() if has_rec else None
            drop_in = params.pop() if has_in else None
            tail.append((drop_in, rec))
        drops = tail[::-1]
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
    return weights, tuple(states), mask, drops or [(None, None)] * len(cells)


def _stack_step(cells, weights, carry, p, drops):
    """One step of the stack: the first cell's input is already projected (`p`)."""
    new, out = [], None
    for i, spec in enumerate(cells):
        kernel, recurrent, bias = weights[i]
        q = p if i == 0 else _project(spec, kernel, bias, out, drops[i][0])
        states = _recur(spec, recurrent, bias, carry[i], q, drops[i][1])
        new.append(states)
        out = states[0]
    return tuple(new), out


def _rnn(x, *params, cells, go_backwards, has_mask=False, zero_output=False, dropout=None):
    """Runs the stack over `x` (batch, steps, features) with `lax.scan`. Where `mask`
    (batch, steps) is False the states carry over and the output repeats the previous one (zeros
    with `zero_output`), as Keras' `rnn`. Returns the outputs (batch, steps, units), then every
    cell's final states in order. `dropout` (per cell: whether it has input / recurrent dropout
    masks) says which masks follow the states; the same masks apply at every step, as Keras'."""
    weights, states, mask, drops = _split(params, cells, has_mask, dropout)
    kernel, _, bias = weights[0]
    proj = _project(cells[0], kernel, bias, x, drops[0][0])  # the first cell's input half, for all steps at once
    xs = jnp.swapaxes(proj, 0, 1)  # time major
    ms = None if mask is None else jnp.swapaxes(mask, 0, 1)
    if go_backwards:
        xs = xs[::-1]
        ms = None if ms is None else ms[::-1]

    def step(carry, inputs):
        if ms is None:
            return _stack_step(cells, weights, carry, inputs, drops)
        p, m = inputs
        new, _ = _stack_step(cells, weights, carry, p, drops)
        keep = m[:, None]
        new = jax.tree_util.tree_map(lambda n, c: jnp.where(keep, n, c), new, carry)
        out = new[-1][0]
        if zero_output:
            out = jnp.where(keep, out, jnp.zeros_like(out))
        return new, out
    final, ys = jax.lax.scan(step, states, xs if ms is None else (xs, ms))
    return (jnp.swapaxes(ys, 0, 1),) + tuple(s for cell in final for s in cell)


def _rnn_cell(x, *params, cells, dropout=None):
    """One step of the stack on `x` (batch, features): the output, then every cell's new states."""
    weights, states, _, drops = _split(params, cells, False, dropout)
    kernel, _, bias = weights[0]
    new, out = _stack_step(cells, weights, states, _project(cells[0], kernel, bias, x, drops[0][0]),
                           drops)
    return (out,) + tuple(s for cell in new for s in cell)


RNN = Op("RNN", _rnn, multi=True)
RNN_CELL = Op("RNNCell", _rnn_cell, multi=True)
