"""jacobian() and batch_jacobian(): the compiled backward vectorised over basis seeds (TF's pfor)."""

from __future__ import annotations

import math

import jax.numpy as jnp

from tapejax import _backward, _lazy, _nest
from tapejax._gradient import UnconnectedGradients, _check_leaf, check_unconnected, compute_deferred_forward
from tapejax._tensor import Tensor


def _single(x, role):
    if isinstance(x, (list, tuple, dict)):
        raise AttributeError(f"'{type(x).__name__}' object has no attribute 'shape'")
    return _check_leaf(x, role)


def _basis(shape, dtype):
    n = math.prod(shape)
    return jnp.eye(n, dtype=dtype).reshape((n,) + tuple(shape))


def _rows_for(recorder, target, flat_sources, seeds_shape):
    """(per-source rows of shape [n_seeds, *source.shape] or None) for seeds of `seeds_shape`."""
    slot = recorder.slot_of_target(target) if recorder is not None else None
    results = [None] * len(flat_sources)
    if slot is None:
        return results
    groups = tuple(recorder.slots_of_source(s) for s in flat_sources)
    seed_aval = ((tuple(target.shape), target._v.dtype),)
    program = _backward.backward_program(recorder, (slot,), groups, seed_aval, allow_sparse=False)
    idx = [i for i, ok in enumerate(program.connected) if ok]
    if idx:
        saved = [recorder.values[s] for s in program.arg_slots]
        basis = _basis(seeds_shape, target._v.dtype)
        if seeds_shape != tuple(target.shape):  # batch_jacobian: one basis row per example
            basis = jnp.broadcast_to(basis[:, None], (basis.shape[0],) + tuple(target.shape))
        # a node reading the forward's values: one program with the forward when it is deferred
        node = _lazy.Node(program.rows_kernel, ("jacobian", program), saved + [basis], True)
        _lazy.force([node])
        for i, r in zip(idx, node.results):
            results[i] = r
    return results


def _check_unconnected_vectorized(unconnected, use_pfor=True, what="jacobian"):
    """check_unconnected; with pfor its error is wrapped as TF's vectorized jacobian wraps it."""
    try:
        return check_unconnected(unconnected)
    except ValueError as err:
        if not use_pfor:
            raise
        raise ValueError(f"Encountered an exception while vectorizing the {what} computation. "
                         "Vectorization can be disabled by setting experimental_use_pfor to "
                         "False.") from err


def compute_jacobian(recorder, target, sources, unconnected, use_pfor=True):
    """See GradientTape.jacobian."""
    unconnected = _check_unconnected_vectorized(unconnected, use_pfor)
    target = _single(target, "target")
    flat_sources = [_check_leaf(s, "sources") for s in _nest.flatten(sources)]
    t_shape = tuple(target.shape)
    if recorder.persistent and recorder.deferred:
        compute_deferred_forward(recorder)
    rows = _rows_for(recorder, target, flat_sources, t_shape)
    out = []
    for s, r in zip(flat_sources, rows):
        s_shape = tuple(s.shape)
        if r is not None:
            r = r.reshape(t_shape + s_shape)
        # Target is source: a watched tensor gets the identity from its own seed in the backward
        # program; an unwatched one gets None, as TF's jacobian (unlike gradient) gives.
        if r is None and unconnected is UnconnectedGradients.ZERO:
            r = jnp.zeros(t_shape + s_shape, s._v.dtype)
        out.append(None if r is None else Tensor(r))
    return _nest.pack_sequence_as(sources, out)


def compute_batch_jacobian(recorder, target, source, unconnected=None, use_pfor=True):
    """See GradientTape.batch_jacobian (unconnected results are zeros whatever `unconnected` says,
    as in TF, but an unknown value is an error)."""
    if unconnected is not None:
        _check_unconnected_vectorized(unconnected, use_pfor, "batch_jacobian")
    target = _single(target, "target")
    source = _single(source, "source")
    t_shape, s_shape = tuple(target.shape), tuple(source.shape)
    for shape in (t_shape, s_shape):
        if len(shape) < 2:
            raise ValueError(f"Shape {shape} must have rank at least 2")
    if t_shape[0] != s_shape[0]:
        raise ValueError(f"Need first dimension of target shape ({t_shape}) and source shape "
                         f"({s_shape}) to match.")
    (rows,) = _rows_for(recorder, target, [source], t_shape[1:])
    if rows is None:
        return Tensor(jnp.zeros(t_shape + s_shape[1:], target._v.dtype))
    # rows: [prod(t_rest), batch, *s_rest] -> [batch, *t_rest, *s_rest]
    rows = jnp.moveaxis(rows, 1, 0).reshape((t_shape[0],) + t_shape[1:] + s_shape[1:])
    return Tensor(rows)
