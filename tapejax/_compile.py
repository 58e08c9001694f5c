"""Structural cache: tape structure -> pruned, `jax.jit`-compiled backward programs.

A key holds the recorded structure (op keys, attributes, slot refs, input shapes and dtypes), which
slots are targets and sources, and the seeds' shapes and dtypes; never a value. So a training loop
that records the same ops on new values reuses one compiled program, and every value (Variables and
Python scalars included) is an argument.
"""

from __future__ import annotations

import collections

import jax
import numpy as np

from tapejax import _cache, _lazy, _replay, _tape

MAX_PROGRAMS = 256
# "auto": a tape whose forward was deferred (`_lazy`) gets a program running forward and backward
# together; one whose forward ran gets pullbacks over the values it saved. "saved" / "replay"
# force one strategy (benchmarks compare them).
BACKWARD = "auto"

traces = collections.Counter()  # kind -> number of times a program body was traced
compilations = collections.Counter()  # kind -> number of XLA executables built


class Program:
    """A compiled backward for one tape structure and one choice of targets and sources."""

    __slots__ = ("pure", "compiled", "inline", "flat", "arg_slots", "connected", "sparse", "dense",
                 "with_values", "extra_slots", "_outputs", "_out_avals", "_jacobian", "_op", "__weakref__")

    def __init__(self, pure, arg_slots, connected, sparse, with_values=False, extra_slots=()):
        """`pure(saved, seeds)` gives the gradients, or `(gradients, target values + values of
        extra_slots)` `with_values`."""
        self.extra_slots = extra_slots  # forward slots whose values a replay also returns
        self.pure = (lambda saved, seeds: pure(saved, seeds)[0]) if with_values else pure
        self.with_values = with_values
        self.arg_slots = arg_slots
        self.connected = connected  # per source: True when some target reaches it
        self.sparse = sparse  # per connected source: True when its gradient is (values, indices)
        self.dense = not any(sparse)

        def counted(saved_args, seeds):
            traces["gradient"] += 1
            compilations["gradient"] += 1  # jax.jit compiles once per trace here
            with _tape.suspended():
                return pure(saved_args, seeds)

        def inline(saved_args, seeds):
            with _tape.suspended():
                return pure(saved_args, seeds)

        n_saved = len(arg_slots)

        def outputs(*values):
            with _tape.suspended():
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

    def jacobian(self, saved_args, basis):
        """Runs the backward once per row of `basis` (seeds), vectorised with `jax.vmap`."""
        pure = self.pure

        def rows(saved, seeds):
            with _tape.suspended():
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


_programs = _cache.LRU(MAX_PROGRAMS)


def _is_row_gather(op_key):
    from tapejax._ops.array_ops import ARRAY
    return (len(op_key) == 2 and op_key[0] is ARRAY["gather"]
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


def clear_cache():
    """Drops every cached program (for tests and memory pressure)."""
    _programs.clear()
