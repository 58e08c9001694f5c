"""The recording side of autodiff: the thread-local stack of recording tapes and what they hold.

A `_Recorder` keeps, for one tape, a list of entries `(fn, in_refs, out_locals)` over *local* slots:
every value the tape saved gets a slot index in record order, so the same Python program yields the
same entries and the same structural key on every step, whatever the tensors' identities. An input
ref `r >= 0` is a tracked (differentiable) slot, `r < 0` the constant slot `-1 - r`.
"""

from __future__ import annotations

import itertools

import numpy as np

from tapejax import _cache, _context, _errors, _explain, _lazy
from tapejax._dtypes import DIFFERENTIABLE_DTYPES
from tapejax._lazy import Pending
from tapejax._tensor import Tensor

# Ops TF registers no gradient function for at all (a gradient through them raises LookupError), as
# opposed to ops registered as not differentiable (their outputs simply get no gradient).
NO_GRADIENT_REGISTERED = frozenset({"IsNan", "IsFinite", "IsInf", "AdjustContrastv2", "AdjustSaturation",
                                    "AdjustHue", "ResizeArea"})



# The structure of a recording, built incrementally: each recorded part (an input slot's aval, an
# entry's op, refs and constant avals) extends the id of the structure so far. Equal Python
# programs get equal ids, so a gradient's compile-cache key is one int instead of the whole
# recording. Ids come from a counter that never restarts: clearing the table (it is bounded) only
# makes later recordings get fresh ids, never another structure's.
MAX_STRUCTURE_IDS = 1 << 16
_structure_ids = {}
_next_structure_id = itertools.count(1).__next__
_entry_avals = {}  # structure id ending with an entry -> (its outputs' (shape, dtype) pairs, call site)
_cache.register(_structure_ids.clear)  # new structures get new ids: live recordings keep theirs
_cache.register(_entry_avals.clear)


def _extend_structure(parent, part):
    key = (parent, part)
    found = _structure_ids.get(key)
    if found is None:
        if len(_structure_ids) >= MAX_STRUCTURE_IDS:
            _structure_ids.clear()
        found = _structure_ids[key] = _next_structure_id()
    return found


class _Recorder:
    """What one tape has recorded: saved values, entries, watched variables and tensors."""

    def __init__(self, persistent, watch_accessed_variables):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self.local_of = {}        # tracked Tensor id -> slot
        self.var_read = {}        # Variable id -> (slot, array) of its latest tracked read
        self.var_slots = {}       # Variable id -> every slot holding a tracked read of it
        self.values = []          # slot -> saved array
        self.objs = []            # slot -> the Tensor/Variable it came from (None for literals)
        self.entries = []         # (fn, in_refs, out_locals)
        self.entry_keys = []      # the op key (op, attributes) of each entry
        self.structure = 0        # id of the recorded structure so far (see _extend_structure)
        self.watched_vars = {}    # Variable id -> Variable
        self.deferred = False     # True once an entry's outputs were deferred (see _lazy)
        self.unregistered = {}    # output Tensor id -> TF op name, for ops TF has no gradient for
        self.events = [] if _context.settings.explain else None  # where paths were cut (_explain)

    def _new_slot(self, obj, value):
        self.values.append(value)
        self.objs.append(obj)
        return len(self.values) - 1

    def _new_input_slot(self, obj, value):
        """A slot fed from outside the tape (a watched tensor, a Variable read): keyed by aval."""
        slot = self._new_slot(obj, value)
        self.structure = _extend_structure(self.structure, ("in", slot, value.shape, value.dtype))
        return slot

    def watch_tensor(self, tensor):
        if tensor._id not in self.local_of and tensor._v.dtype in DIFFERENTIABLE_DTYPES:
            self.local_of[tensor._id] = self._new_input_slot(tensor, tensor._v)

    def watch_variable(self, variable):
        self.watched_vars[variable._id] = variable

    def _variable_slot(self, variable, value, undo):
        latest = self.var_read.get(variable._id)
        if latest is not None and latest[1] is value:
            return latest[0]
        undo.append((variable._id, latest))
        slot = self._new_input_slot(variable, value)
        self.var_read[variable._id] = (slot, value)
        self.var_slots.setdefault(variable._id, []).append(slot)
        return slot

    def _input_refs(self, inputs, values):
        """The refs of an entry's inputs: tracked slots, or new constant slots (saved here);
        a new read of a watched Variable gets a new input slot.

        Returns:
          `(in_refs, constant avals, undo)`, or None when no input is tracked (nothing changed).
          `undo` lists `(variable id, its previous latest read)` for `_forget`.
        """
        local_of = self.local_of
        values_list, objs = self.values, self.objs
        first_new = len(values_list)
        in_refs = []
        constants = []
        undo = []
        tracked_any = False
        for obj, value in zip(inputs, values):
            slot = None
            if type(obj) is Tensor:
                slot = local_of.get(obj._id)
            elif obj is not None and hasattr(obj, "_trainable"):
                watched = self.watched_vars
                if obj._id not in watched and obj._trainable and self.watch_accessed_variables:
                    watched[obj._id] = obj
                if obj._id in watched and value.dtype in DIFFERENTIABLE_DTYPES:
                    slot = self._variable_slot(obj, value, undo)
            if slot is None:  # a constant of this entry: saved, not differentiated
                values_list.append(value)
                objs.append(obj)
                in_refs.append(-len(values_list))  # == -1 - slot
                constants.append((value.shape, value.dtype))
            else:
                in_refs.append(slot)
                tracked_any = True
        if not tracked_any:
            del values_list[first_new:], objs[first_new:]
            return None
        return tuple(in_refs), tuple(constants), undo

    def _forget(self, first_new, structure, undo):
        """Undoes `_input_refs` (its op failed): drops the slots from `first_new` on."""
        del self.values[first_new:], self.objs[first_new:]
        self.structure = structure
        for variable_id, latest in reversed(undo):
            self.var_slots[variable_id].pop()
            if latest is None:
                del self.var_read[variable_id]
            else:
                self.var_read[variable_id] = latest

    def _add_entry(self, fn, key, in_refs, entry_structure, outputs):
        values_list, objs, local_of = self.values, self.objs, self.local_of
        out_locals = []
        for out in outputs:
            value = out._v
            values_list.append(value)
            objs.append(out)
            slot = len(values_list) - 1
            if value.dtype in DIFFERENTIABLE_DTYPES:
                local_of[out._id] = slot
            out_locals.append(slot)
        self.entries.append((fn, in_refs, tuple(out_locals)))
        self.entry_keys.append(key)
        self.structure = entry_structure

    def record(self, fn, key, inputs, values, outputs):
        """Records `outputs = fn(*values)` if any input is tracked by this tape.

        Args:
          fn: the pure JAX function of the op, attributes bound.
          key: hashable identity of `fn` (op name and attributes).
          inputs: the Tensor/Variable each value came from (None for a literal).
          values: the input arrays.
          outputs: the output Tensors.
        """
        if fn is None:
            if self.watch_accessed_variables:
                for obj in inputs:
                    if obj is not None and type(obj) is not Tensor and obj._trainable:
                        self.watched_vars.setdefault(obj._id, obj)
            op_name = getattr(key[0], "name", None) if type(key) is tuple else None
            if self.events is not None:
                _explain.note_cut(self, op_name, inputs)
            if op_name in NO_GRADIENT_REGISTERED:
                self._note_unregistered(op_name, inputs, outputs)
            return False
        if self.unregistered:
            self._propagate_unregistered(inputs, outputs)
        refs = self._input_refs(inputs, values)
        if refs is None:
            return False
        in_refs, constants, _ = refs
        first = outputs[0]._v
        if type(first) is Pending and first.node.results is None:
            self.deferred = True
        # Slots are numbered in record order, so outputs need no key; tracked inputs got theirs
        # when their slot was made (an input slot's aval, or an entry's output); constants here.
        self._add_entry(fn, key, in_refs, _extend_structure(self.structure, (key, in_refs, constants)),
                        outputs)
        return True

    def record_deferred(self, kernel, key, inputs, values, multi):
        """Records `kernel(*values)` with deferred outputs (see `_lazy`) if an input is tracked.

        The outputs' shapes and dtypes follow from the structure recorded so far (it holds every
        input's), so a structure seen before gives them without evaluating the kernel.

        Returns:
          The output Tensors (holding `Pending` values), or None when no input is tracked here.

        Raises:
          Whatever the kernel raises on these shapes and dtypes (then nothing is recorded).
        """
        first_new, structure = len(self.values), self.structure
        refs = self._input_refs(inputs, values)
        if refs is None:
            if self.unregistered and self._tainted(inputs):  # runs now, but its outputs stay marked
                out = kernel(*_lazy.resolve_all(values))
                outputs = [Tensor(o) for o in out] if multi else [Tensor(out)]
                self._propagate_unregistered(inputs, outputs)
                return outputs
            return None
        in_refs, constants, undo = refs
        entry_structure = _extend_structure(self.structure, (key, in_refs, constants))
        known = _entry_avals.get(entry_structure)
        if known is None:
            try:
                avals = _lazy.output_avals(kernel, key, values, multi)
            except BaseException:
                self._forget(first_new, structure, undo)
                raise
            if len(_entry_avals) >= MAX_STRUCTURE_IDS:
                _entry_avals.clear()
            # the user's line, looked for from the op's table function up (past dispatch); the
            # same structure comes from the same code, so a later step reuses it
            known = _entry_avals[entry_structure] = (avals, _errors.call_site(4))
        avals, site = known
        node = _lazy.Node(kernel, key, values, multi)
        outputs = [Tensor(p) for p in _lazy.outputs_of(node, avals, site)]
        self.deferred = True
        self._add_entry(kernel, key, in_refs, entry_structure, outputs)
        if self.unregistered:
            self._propagate_unregistered(inputs, outputs)
        return outputs

    def _tainted(self, inputs):
        return any(type(x) is Tensor and x._id in self.unregistered for x in inputs)

    def _note_unregistered(self, op_name, inputs, outputs):
        """Remembers the outputs of an op TF has no gradient entry for, when it read a tracked value."""
        if any(type(x) is Tensor and x._id in self.local_of
               or x is not None and type(x) is not Tensor and x._id in self.watched_vars for x in inputs):
            for out in outputs:
                self.unregistered[out._id] = op_name

    def _propagate_unregistered(self, inputs, outputs):
        """A differentiable op on such an output: TF's backprop still reaches the op without a
        gradient entry (e.g. convert_image_dtype's identity after adjust_contrast), so it raises too."""
        unregistered = self.unregistered
        for x in inputs:
            op_name = unregistered.get(x._id) if type(x) is Tensor else None
            # TF's backprop stops at a bool or integer value (IsNan's output through a cast).
            if op_name is not None and np.dtype(x._v.dtype) in DIFFERENTIABLE_DTYPES:
                for out in outputs:
                    unregistered[out._id] = op_name
                return

    def slot_of_target(self, target):
        """The slot of a target Tensor, or None when this tape never saw it."""
        if type(target) is Tensor:
            return self.local_of.get(target._id)
        return None

    def slots_of_source(self, source):
        """Slots whose cotangents sum to the gradient of `source` (all reads of a Variable)."""
        if type(source) is Tensor:
            slot = self.local_of.get(source._id)
            return () if slot is None else (slot,)
        return tuple(self.var_slots.get(source._id, ()))


class suspended:  # noqa: N801 - used as a context manager
    """No tape records inside (while JAX traces a program whose ops must not leak onto tapes)."""

    def __enter__(self):
        self.saved = _context.current.recording
        _context.current.recording = []

    def __exit__(self, *exc):
        _context.current.recording = self.saved


def record_all(fn, key, inputs, values, outputs):
    """Records an op on every recording tape of this thread (a no-op when none records).

    Returns:
      True when some tape recorded it (an input was tracked there).
    """
    recorded = False
    for recorder in _context.current.recording:
        if recorder.record(fn, key, inputs, values, outputs):
            recorded = True
    return recorded
