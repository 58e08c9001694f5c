"""Prune a recorder's entries to the connected subgraph and rebuild a pure backward function.

The backward function takes the saved input values of the kept entries and one seed per target,
and runs each entry's `jax.vjp` in reverse record order on those saved values: the forward pass is
never recomputed (inside `jax.jit`, XLA drops whatever primal work a pullback does not use).
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _lazy
from tapejax._dtypes import DIFFERENTIABLE_DTYPES


def prune(entries, source_slots, target_slots):
    """Indices of the entries on a path from a source slot to a target slot, in record order.

    Returns:
      (kept entry indices, set of slots whose cotangent can be non-zero).
    """
    reached = set(source_slots)
    forward = []
    for index, (_, in_refs, out_slots) in enumerate(entries):
        if any(r >= 0 and r in reached for r in in_refs):
            forward.append(index)
            reached.update(out_slots)
    needed = set(s for s in target_slots if s in reached)
    kept = []
    for index in reversed(forward):
        _, in_refs, out_slots = entries[index]
        if any(s in needed for s in out_slots):
            kept.append(index)
            needed.update(r for r in in_refs if r >= 0 and r in reached)
    kept.reverse()
    return kept, needed


def _zero_cotangent(value):
    if value.dtype in DIFFERENTIABLE_DTYPES:
        return jnp.zeros(value.shape, value.dtype)
    return np.zeros(value.shape, dtype=jax.dtypes.float0)


def _varying_axes(value):
    aval = jax.typeof(value)
    manual = getattr(aval, "manual_axis_type", None)  # JAX 0.10; earlier releases call it `vma`
    return manual.varying if manual is not None else getattr(aval, "vma", frozenset())


def _like_output(ct, out):
    """`ct` with the varying manual axes of its output `out` (inside `jax.shard_map` a cotangent must
    vary over the axes its primal varies over); elsewhere `ct` itself."""
    missing = tuple(sorted(_varying_axes(out) - _varying_axes(ct)))
    return jax.lax.pcast(ct, missing, to="varying") if missing else ct


def entry_pullback(fn, in_refs, args, out_cts):
    """Cotangents of the tracked inputs of `fn(*args)` given the outputs' cotangents."""
    diff_pos = [i for i, r in enumerate(in_refs) if r >= 0]

    def on_tracked(*tracked):
        full = list(args)
        for i, value in zip(diff_pos, tracked):
            full[i] = value
        return fn(*full)

    out, pull = jax.vjp(on_tracked, *[args[i] for i in diff_pos])
    if isinstance(out, (tuple, list)):
        cts = type(out)(_like_output(ct if ct is not None else _zero_cotangent(o), o) for o, ct in zip(out, out_cts))
    else:
        cts = _like_output(out_cts[0], out)
    return diff_pos, pull(cts)


def _conj_if_complex(x):
    return jnp.conj(x) if jnp.iscomplexobj(x) else x


def sparse_sources(entries, entry_keys, kept, target_slots, source_groups, is_row_gather):
    """Which source groups are reached only through row gathers of their slots (TF: IndexedSlices).

    Returns:
      A tuple of bools, one per source group.
    """
    consumers = collections.defaultdict(list)
    for index in kept:
        for position, ref in enumerate(entries[index][1]):
            if ref >= 0:
                consumers[ref].append((index, position))
    flags = []
    for group in source_groups:
        uses = [use for s in group for use in consumers.get(s, ())]
        flags.append(bool(uses) and not any(s in target_slots for s in group) and all(
            position == 0 and is_row_gather(entry_keys[index]) for index, position in uses))
    return tuple(flags)


def build_backward(entries, kept, target_slots, source_groups, sparse=()):
    """A pure function `(saved_args, seeds) -> grads` for the kept entries.

    Args:
      entries: the recorder's entries.
      kept: indices of the entries to run, in record order.
      target_slots: one slot (or None) per seed.
      source_groups: per connected source, the slots whose cotangents sum to its gradient.
      sparse: per source group, True to return `(values, indices)` rows gathered from it instead
        of a dense gradient (all its uses are row gathers).

    Returns:
      (backward function, the slots whose saved values are its `saved_args`, in order).
    """
    program = [entries[i] for i in kept]
    sparse_slots = {s for group, flag in zip(source_groups, sparse) if flag for s in group}
    arg_slots = sorted({r if r >= 0 else -1 - r for _, in_refs, _ in program for r in in_refs})
    position = {slot: i for i, slot in enumerate(arg_slots)}

    def backward(saved_args, seeds):
        cts = {}
        for slot, seed in zip(target_slots, seeds):
            if slot is not None:
                seed = _conj_if_complex(seed)  # TF's convention: grad = conj(vjp(conj(ct)))
                cts[slot] = cts[slot] + seed if slot in cts else seed
        rows = collections.defaultdict(list)
        for fn, in_refs, out_slots in reversed(program):
            out_cts = [cts.get(s) for s in out_slots]
            if all(ct is None for ct in out_cts):
                continue
            args = [saved_args[position[r if r >= 0 else -1 - r]] for r in in_refs]
            if in_refs[0] in sparse_slots:  # a row gather of a sparse source: keep rows, no scatter
                params, indices = args[0], args[1]
                rows[in_refs[0]].append((out_cts[0].reshape((-1,) + params.shape[1:]),
                                         indices.reshape(-1)))
                continue
            diff_pos, in_cts = entry_pullback(fn, in_refs, args, out_cts)
            for i, ct in zip(diff_pos, in_cts):
                slot = in_refs[i]
                cts[slot] = cts[slot] + ct if slot in cts else ct
        grads = []
        for group, is_sparse in zip(source_groups, sparse or (False,) * len(source_groups)):
            if is_sparse:
                parts = [part for s in group for part in reversed(rows.get(s, []))]
                values = jnp.concatenate([_conj_if_complex(v) for v, _ in parts], axis=0)
                indices = jnp.concatenate([i for _, i in parts], axis=0)
                grads.append((values, indices))
                continue
            parts = [cts[s] for s in group if s in cts]
            total = parts[0]
            for part in parts[1:]:
                total = total + part
            grads.append(_conj_if_complex(total))
        return tuple(grads)

    return backward, arg_slots


def build_replay_backward(entries, kept, target_slots, source_groups, extra_slots=()):
    """The backward of a deferred forward: a pure function that runs the kept forward too.

    `(leaf_args, seeds) -> (grads, target values, extra values)` takes only the values that enter
    the kept entries from outside (watched tensors, Variable reads, constants), runs the forward and
    differentiates it with one `jax.vjp`. Extra values are those of `extra_slots` the kept forward
    produces (intermediate values the caller still holds, so they are not computed again). Used when the tape deferred its forward (`_lazy`), so
    the forward runs once, here; `benchmarks --backward replay` also forces it for an eager one.

    Returns:
      (backward function, the slots whose saved values are its `leaf_args`, in order, the extra
      slots it returns), or None where replay does not apply (a source produced by a kept entry).
    """
    program = [entries[i] for i in kept]
    produced = {s for _, _, out_slots in program for s in out_slots}
    extra_slots = tuple(s for s in extra_slots if s in produced)
    source_slots = sorted({s for group in source_groups for s in group})
    if any(s in produced for s in source_slots):
        return None
    leaf_slots = sorted({r if r >= 0 else -1 - r for _, in_refs, _ in program for r in in_refs
                         if (r if r >= 0 else -1 - r) not in produced} | set(source_slots))
    position = {slot: i for i, slot in enumerate(leaf_slots)}
    live_targets = [(i, s) for i, s in enumerate(target_slots) if s is not None]

    def backward(leaf_args, seeds):
        def forward(*source_values):
            env = {slot: leaf_args[position[slot]] for slot in leaf_slots}
            env.update(zip(source_slots, source_values))
            for fn, in_refs, out_slots in program:
                try:
                    out = fn(*[env[r if r >= 0 else -1 - r] for r in in_refs])
                except Exception as err:
                    _lazy.note_failing_op(err, fn)
                    raise
                env.update(zip(out_slots, out if isinstance(out, (tuple, list)) else (out,)))
            return [env[s] for _, s in live_targets], [env[s] for s in extra_slots]

        values, pull, extras = jax.vjp(forward, *[leaf_args[position[s]] for s in source_slots],
                                       has_aux=True)
        # TF's convention for complex values: grad = conj(vjp(conj(seed))), as in build_backward
        source_cts = dict(zip(source_slots, pull([_like_output(_conj_if_complex(seeds[i]), value)
                                                  for (i, _), value in zip(live_targets, values)])))
        grads = []
        for group in source_groups:
            total = source_cts[group[0]]
            for s in group[1:]:
                total = total + source_cts[s]
            grads.append(_conj_if_complex(total))
        return tuple(grads), tuple(values) + tuple(extras)

    return backward, leaf_slots, extra_slots
