"""The backward builder: a tape's entries -> one pruned, `jax.jit`-compiled backward program.

A program is cached by structure: the recorded structure (op keys, attributes, slot refs, input
shapes and dtypes), which slots are targets and sources, and the seeds' shapes and dtypes; never a
value. So a training loop that records the same ops on new values reuses one compiled program, and
every value (Variables and Python scalars included) is an argument.

The backward takes the saved input values of the kept entries and one seed per target, and runs
each entry's `jax.vjp` in reverse record order on those saved values. A saved value may still be
deferred (`_lazy`): a deferred gradient is a node whose inputs are the forward's deferred outputs,
so the forward and the backward run as one program, and XLA computes each forward value once.
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import Literal

from tapejax import _cache, _record
from tapejax._dtypes import DIFFERENTIABLE_DTYPES

MAX_PROGRAMS = 256

traces = collections.Counter()  # kind -> number of times a program body was traced
compilations = collections.Counter()  # "function" -> number of XLA executables tapejax.function built


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


class Program:
    """A compiled backward for one tape structure and one choice of targets and sources.

    `run(saved, seeds)` gives the gradients, flat (a sparse one as its values, then its indices).
    A node runs it (`kernel`, or `rows_kernel` vectorised over seeds for jacobians) in a program
    of the executor (`_lazy`); inside another trace it is called inline; `op_groups` gives it as
    ops recorded on outer tapes.
    """

    __slots__ = ("pure", "arg_slots", "n_seeds", "connected", "sparse", "dense", "site", "_out_avals", "_op",
                 "_op_groups", "__weakref__")

    def __init__(self, pure, arg_slots, n_seeds, connected, sparse):
        self.pure = pure
        self.arg_slots = arg_slots
        self.n_seeds = n_seeds
        self.connected = connected  # per source: True when some target reaches it
        self.sparse = sparse  # per connected source: True when its gradient is (values, indices)
        self.dense = not any(sparse)
        self.site = None  # the user's call of tape.gradient that first used it (for error messages)
        self._out_avals = None
        self._op = None
        self._op_groups = {}  # input avals -> per group of outputs, (input positions, op of them)

    def run(self, saved, seeds):
        """The gradients of `seeds` from the `saved` values, flat, traced into the caller's program."""
        with _record.suspended():
            grads = self.pure(list(saved), list(seeds))
        return grads if self.dense else tuple(part for g, sparse in zip(grads, self.sparse)
                                              for part in (g if sparse else (g,)))

    def kernel(self, *values):
        """`(*saved, *seeds, *targets) -> gradients`: a gradient node's kernel. The targets' values
        are inputs only so that the targets run in the same program."""
        traces["gradient"] += 1
        n_saved = len(self.arg_slots)
        return self.run(values[:n_saved], values[n_saved:n_saved + self.n_seeds])

    def out_avals(self, saved, seeds):
        """(shape, dtype) of each dense gradient."""
        if self._out_avals is None:
            outs = jax.eval_shape(self.run, [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in saved],
                                  [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in seeds])
            self._out_avals = tuple((tuple(o.shape), np.dtype(o.dtype)) for o in outs)
        return self._out_avals

    def as_op(self):
        """The backward as an op function `(*saved, *seeds) -> grads` (sparse grads: values only)."""
        if self._op is None:
            pure, sparse, n_saved = self.pure, self.sparse, len(self.arg_slots)

            def gradient_op(*values):
                grads = pure(list(values[:n_saved]), list(values[n_saved:]))
                return tuple(g[0] if is_sparse else g for g, is_sparse in zip(grads, sparse))

            self._op = gradient_op
        return self._op

    def op_groups(self, values):
        """The backward as ops that each read only the inputs their outputs depend on.

        Recorded on outer tapes (higher-order gradients), so a gradient that does not depend on a
        source is not connected to it there: its second derivative is None, as in TF (the gradient
        of `x * y` w.r.t. `y` is `x`, so differentiating it w.r.t. `y` gives None, not zeros).

        Returns:
          A list of `(input positions, output positions, op)`, `op` a function of those inputs
          giving those outputs; outputs that depend on no input are in none.
        """
        avals = tuple((v.shape, v.dtype) for v in values)
        found = self._op_groups.get(avals)
        if found is None:
            with _record.suspended():
                jaxpr = jax.make_jaxpr(self.as_op())(*[jax.ShapeDtypeStruct(s, d) for s, d in avals])
            by_inputs = {}
            for j, mask in enumerate(_output_dependencies(jaxpr.jaxpr)):
                if mask:
                    by_inputs.setdefault(mask, []).append(j)
            found = [self._op_group(avals, mask, tuple(outputs)) for mask, outputs in by_inputs.items()]
            if len(self._op_groups) >= 8:
                self._op_groups.clear()
            self._op_groups[avals] = found
        return found

    def _op_group(self, avals, mask, outputs):
        positions = tuple(i for i in range(len(avals)) if mask >> i & 1)
        op = self.as_op()
        if len(positions) == len(avals) and len(outputs) == len(self.sparse):
            return positions, outputs, op

        def gradient_part(*values):
            full = [None] * len(avals)
            for i, value in zip(positions, values):
                full[i] = value
            for i, (shape, dtype) in enumerate(avals):
                if full[i] is None:  # an input these outputs do not read
                    full[i] = jnp.zeros(shape, dtype)
            out = op(*full)
            return tuple(out[j] for j in outputs)

        return positions, outputs, gradient_part

    def rows_kernel(self, *values):
        """`(*saved, basis) -> rows`: the backward once per row of `basis` (seeds), vectorised with
        `jax.vmap`: a jacobian node's kernel."""
        traces["jacobian"] += 1
        saved = values[:-1]
        return tuple(jax.vmap(lambda seed: self.run(saved, [seed]))(values[-1]))


def _output_dependencies(jaxpr, input_masks=None):
    """Per output of `jaxpr`, a bit mask of the inputs it depends on.

    Calls of sub-programs (nested `jit`, custom derivatives) are followed inside; any other equation's
    outputs depend on all its inputs, as a TF graph op's do.
    """
    if input_masks is None:
        input_masks = [1 << i for i in range(len(jaxpr.invars))]
    depends = dict(zip(jaxpr.invars, input_masks))

    def mask_of(v):
        return 0 if isinstance(v, Literal) else depends.get(v, 0)

    for eqn in jaxpr.eqns:
        masks = [mask_of(v) for v in eqn.invars]
        inner = _called_jaxpr(eqn)
        if inner is not None:
            outs = _output_dependencies(inner, masks)
        else:
            union = 0
            for m in masks:
                union |= m
            outs = [union] * len(eqn.outvars)
        depends.update(zip(eqn.outvars, outs))
    return [mask_of(v) for v in jaxpr.outvars]


def _called_jaxpr(eqn):
    """The program an equation calls with its own inputs and outputs (pjit, closed_call, ...)."""
    for name in ("jaxpr", "call_jaxpr"):
        inner = eqn.params.get(name)
        inner = getattr(inner, "jaxpr", inner)  # a ClosedJaxpr's Jaxpr
        if (inner is not None and hasattr(inner, "eqns") and len(inner.invars) == len(eqn.invars)
                and len(inner.outvars) == len(eqn.outvars)):
            return inner
    return None


_programs = _cache.LRU(MAX_PROGRAMS)


def _is_row_gather(op_key):
    return (len(op_key) == 2 and getattr(op_key[0], "name", None) == "GatherV2"
            and dict(op_key[1]) == {"axis": 0, "batch_dims": 0})


def backward_program(recorder, target_slots, source_slot_groups, seed_avals, allow_sparse=True):
    """The cached Program computing gradients for these targets and sources on `recorder`.

    With `allow_sparse`, a source reached only through row gathers gets `(values, indices)` rows
    (TF's IndexedSlices) instead of a dense gradient.
    """
    key = (recorder.structure, target_slots, source_slot_groups, seed_avals, allow_sparse)
    program = _programs.lookup(key)
    if program is not None:
        return program
    all_sources = {s for group in source_slot_groups for s in group}
    kept, needed = prune(recorder.entries, all_sources, target_slots)
    connected = tuple(any(s in needed for s in group) for group in source_slot_groups)
    groups = tuple(tuple(s for s in group if s in needed)
                   for group, ok in zip(source_slot_groups, connected) if ok)
    sparse = (sparse_sources(recorder.entries, recorder.entry_keys, kept, target_slots, groups, _is_row_gather)
              if allow_sparse else (False,) * len(groups))
    pure, arg_slots = build_backward(recorder.entries, kept, target_slots, groups, sparse)
    return _programs.insert(key, Program(pure, arg_slots, len(target_slots), connected, sparse))


@_cache.register
def clear_cache():
    """Drops every cached program (for tests and memory pressure)."""
    _programs.clear()
