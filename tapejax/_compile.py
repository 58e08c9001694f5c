"""Structural cache: tape structure -> pruned, `jax.jit`-compiled backward programs.

A key holds the recorded structure (op keys, attributes, slot refs, input shapes and dtypes), which
slots are targets and sources, and the seeds' shapes and dtypes; never a value. So a training loop
that records the same ops on new values reuses one compiled program, and every value (Variables and
Python scalars included) is an argument.
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import Literal

from tapejax import _cache, _lazy, _record, _replay

MAX_PROGRAMS = 256
# "auto": a tape whose forward was deferred (`_lazy`) gets a program running forward and backward
# together; one whose forward ran gets pullbacks over the values it saved. "saved" / "replay"
# force one strategy (benchmarks compare them).
BACKWARD = "auto"

traces = collections.Counter()  # kind -> number of times a program body was traced
compilations = collections.Counter()  # kind -> number of XLA executables built
calls = collections.Counter()  # "gradient" -> backward programs run at once (not deferred)
UNFUSED_RUNS_BEFORE_IMMEDIATE = 2


class Program:
    """A compiled backward for one tape structure and one choice of targets and sources."""

    __slots__ = ("pure", "compiled", "inline", "flat", "arg_slots", "connected", "sparse", "dense",
                 "with_values", "extra_slots", "defer", "unfused_runs", "_outputs", "_out_avals", "_jacobian", "_op",
                 "_op_groups", "__weakref__")

    def __init__(self, pure, arg_slots, connected, sparse, with_values=False, extra_slots=()):
        """`pure(saved, seeds)` gives the gradients, or `(gradients, target values + values of
        extra_slots)` `with_values`."""
        self.extra_slots = extra_slots  # forward slots whose values a replay also returns
        # Whether gradients of this program are deferred (see _gradient): until, twice in a row,
        # one was read before anything used it (deferring fused nothing with it).
        self.defer = True
        self.unfused_runs = 0  # deferred gradients in a row that ran alone
        self.pure = (lambda saved, seeds: pure(saved, seeds)[0]) if with_values else pure
        self.with_values = with_values
        self.arg_slots = arg_slots
        self.connected = connected  # per source: True when some target reaches it
        self.sparse = sparse  # per connected source: True when its gradient is (values, indices)
        self.dense = not any(sparse)

        def counted(saved_args, seeds):
            traces["gradient"] += 1
            compilations["gradient"] += 1  # jax.jit compiles once per trace here
            with _record.suspended():
                return pure(saved_args, seeds)

        def inline(saved_args, seeds):
            with _record.suspended():
                return pure(saved_args, seeds)

        n_saved = len(arg_slots)

        def outputs(*values):
            with _record.suspended():
                out = pure(list(values[:n_saved]), list(values[n_saved:]))
            return tuple(out[0]) + tuple(out[1]) if with_values else tuple(out)

        def flat(*values):  # traced into a `_lazy` program (which counts its compilation)
            traces["gradient"] += 1
            return outputs(*values)

        self.compiled = jax.jit(counted)
        self.inline = inline  # inside another trace (tapejax.function): part of that program
        self.flat = flat  # `(*saved, *seeds) -> (*gradients, *target values)`, a deferred op's kernel
        self._outputs = outputs  # the same, uncounted (for shapes)
        self._out_avals = None
        self._jacobian = None
        self._op = None
        self._op_groups = {}  # input avals -> per group of outputs, (input positions, op of them)

    def run_alone(self, values):
        """Runs a deferred gradient node of this program that nothing fused with, as this program's
        own compiled function (the one an immediate gradient runs, so switching compiles nothing
        new). After UNFUSED_RUNS_BEFORE_IMMEDIATE such runs in a row, its gradients are computed at
        once (a step that reads its gradients or loss first once, e.g. to log them, does not count)."""
        self.unfused_runs += 1
        if self.unfused_runs >= UNFUSED_RUNS_BEFORE_IMMEDIATE:
            self.defer = False
        n_saved = len(self.arg_slots)
        calls["gradient"] += 1
        out = self.compiled(values[:n_saved], values[n_saved:])
        return tuple(out[0]) + tuple(out[1]) if self.with_values else tuple(out)

    def note_fused(self):
        """Deferring this program's gradients fused work with them."""
        self.unfused_runs = 0

    def out_avals(self, saved, seeds):
        """(shape, dtype) of each output of `flat` (dense gradients, then target values)."""
        if self._out_avals is None:
            outs = jax.eval_shape(self._outputs, *[jax.ShapeDtypeStruct(v.shape, v.dtype)
                                               for v in list(saved) + list(seeds)])
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

    def jacobian(self, saved_args, basis):
        """Runs the backward once per row of `basis` (seeds), vectorised with `jax.vmap`."""
        pure = self.pure

        def rows(saved, seeds):
            with _record.suspended():
                return jax.vmap(lambda seed: pure(saved, [seed]))(seeds)

        if isinstance(basis, jax.core.Tracer) or any(isinstance(v, jax.core.Tracer) for v in saved_args):
            return rows(saved_args, basis)  # inside another trace: part of that program
        if self._jacobian is None:
            def counted(saved, seeds):
                traces["jacobian"] += 1
                compilations["jacobian"] += 1
                return rows(saved, seeds)

            self._jacobian = jax.jit(counted)
        return self._jacobian(saved_args, basis)


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


def backward_program(recorder, target_slots, source_slot_groups, seed_avals, allow_sparse=True,
                     extra_slots=()):
    """The cached Program computing gradients for these targets and sources on `recorder`.

    With `allow_sparse`, a source reached only through row gathers gets `(values, indices)` rows
    (TF's IndexedSlices) instead of a dense gradient. A program that replays a deferred forward
    also returns the values of those `extra_slots` it computes.
    """
    # A forward that is still deferred runs inside the program; one already computed (read inside
    # the tape) is not run again: its saved values feed the pullbacks.
    # (scanned from the end: the last value recorded, usually the loss, is the likeliest pending)
    replay = BACKWARD == "replay" or (BACKWARD == "auto" and recorder.deferred and any(
        type(v) is _lazy.Pending and v.node.results is None for v in reversed(recorder.values)))
    key = (recorder.structure, target_slots, source_slot_groups, seed_avals, allow_sparse, replay,
           extra_slots if replay else ())
    program = _programs.lookup(key)
    if program is not None:
        return program
    all_sources = {s for group in source_slot_groups for s in group}
    kept, needed = _replay.prune(recorder.entries, all_sources, target_slots)
    connected = tuple(any(s in needed for s in group) for group in source_slot_groups)
    groups = tuple(tuple(s for s in group if s in needed)
                   for group, ok in zip(source_slot_groups, connected) if ok)
    sparse = (_replay.sparse_sources(recorder.entries, recorder.entry_keys, kept, target_slots, groups,
                                     _is_row_gather) if allow_sparse else (False,) * len(groups))
    replayed = None
    if replay and not any(sparse):
        replayed = _replay.build_replay_backward(recorder.entries, kept, target_slots, groups, extra_slots)
    if replayed is not None:
        pure, arg_slots, extras = replayed
        return _programs.insert(key, Program(pure, arg_slots, connected, sparse, with_values=True,
                                             extra_slots=extras))
    pure, arg_slots = _replay.build_backward(recorder.entries, kept, target_slots, groups, sparse)
    return _programs.insert(key, Program(pure, arg_slots, connected, sparse))


@_cache.register
def clear_cache():
    """Drops every cached program (for tests and memory pressure)."""
    _programs.clear()
