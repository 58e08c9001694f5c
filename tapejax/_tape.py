"""The recording side of autodiff: the thread-local stack of recording tapes and what they hold.

A `_Recorder` keeps, for one tape, a list of entries `(fn, in_refs, out_locals)` over *local* slots:
every value the tape saved gets a slot index in record order, so the same Python program yields the
same entries and the same structural key on every step, whatever the tensors' identities. An input
ref `r >= 0` is a tracked (differentiable) slot, `r < 0` the constant slot `-1 - r`.
"""

from __future__ import annotations

import itertools

import numpy as np

from tapejax import _cache, _context, _explain, _lazy
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
_entry_avals = {}  # structure id ending with an entry -> its outputs' (shape, dtype) pairs
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
        avals = _entry_avals.get(entry_structure)
        if avals is None:
            try:
                avals = _lazy.output_avals(kernel, key, values, multi)
            except BaseException:
                self._forget(first_new, structure, undo)
                raise
            if len(_entry_avals) >= MAX_STRUCTURE_IDS:
                _entry_avals.clear()
            _entry_avals[entry_structure] = avals
        node = _lazy.Node(kernel, key, values, multi)
        outputs = [Tensor(Pending(node, i, shape, dtype)) for i, (shape, dtype) in enumerate(avals)]
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


_PERSISTENT_IN_CONTEXT = (
    "Calling GradientTape.gradient on a persistent tape inside its context is significantly less "
    "efficient than calling it outside the context (it causes the gradient ops to be recorded on "
    "the tape, leading to increased CPU and memory usage). Only call GradientTape.gradient inside "
    "the context if you actually want to trace the gradient in order to compute higher order "
    "derivatives.")
_CONSUMED = ("A non-persistent GradientTape can only be used to compute one set of gradients "
             "(or jacobians)")


def _by_id(variable):
    return variable._id


def _gradient_module():
    """tapejax._gradient, imported on first use (it imports this module)."""
    global _gradient
    if _gradient is None:
        from tapejax import _gradient as module
        _gradient = module
    return _gradient


_gradient = None


class _StopRecording:
    __slots__ = ("_tape",)

    def __init__(self, tape):
        self._tape = tape

    def __enter__(self):
        tape = self._tape
        if tape._tape is None:
            raise RuntimeError(
                "Trying to stop recording a tape which is not recording.\ntapejax: enter the tape "
                "(`with tf.GradientTape() as tape:`) before calling tape.stop_recording().")
        _explain.note_stop_recording(tape._tape)
        tape._pop_tape()

    def __exit__(self, *exc):
        self._tape._push_tape()
        return None


class GradientTape:
    """Records operations for automatic differentiation, as `tf.GradientTape`.

    Operations run inside the `with` block are recorded if at least one of their inputs is watched:
    a tensor passed to `watch`, a trainable Variable read in the block (unless
    `watch_accessed_variables=False`), or the output of a recorded operation. `gradient` then
    computes gradients with a `jax.vjp` program compiled once per recorded structure.

    Args:
      persistent: allow more than one `gradient`/`jacobian` call. Default False: the tape releases
        what it holds after the first call.
      watch_accessed_variables: watch every trainable Variable read while recording. Default True.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._tape = None
        self._recording = False
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._watched_variables = ()

    # -- the state machine (TF's _push_tape / _pop_tape) -------------------------------------
    def _push_tape(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an "
                             "already-active tape.")
        if self._tape is None:
            self._tape = _Recorder(self._persistent, self._watch_accessed_variables)
        _context.current.recording.append(self._tape)
        self._recording = True

    def _pop_tape(self):
        if not self._recording:
            raise ValueError("Tape is not recording.")
        stack = _context.current.recording
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self._tape:
                del stack[i]
                break
        self._recording = False

    def __enter__(self):
        self._push_tape()
        return self

    def __exit__(self, typ, value, traceback):
        if self._recording:
            self._pop_tape()

    def _consumed_check(self, message=_CONSUMED):
        if self._tape is None:
            raise RuntimeError(message)

    def _release_if_single_use(self):
        if not self._persistent:
            recorder = self._tape
            if recorder is not None:
                self._watched_variables = recorder.watched_vars  # sorted when asked for
            self._tape = None

    # -- watching ------------------------------------------------------------------------------
    def watch(self, tensor):
        """Ensures `tensor` (a Tensor, Variable, or nest of them) is traced by this tape.

        Args:
          tensor: a Tensor, a Variable, or a list/tuple/dict nest of them.

        Raises:
          ValueError: if an element is not a Tensor or Variable.
        """
        from tapejax import _dtypes
        from tapejax._errors import warn_first_n
        from tapejax._variable import Variable

        for t in _flatten_watch(tensor):
            if not isinstance(t, (Tensor, Variable)):
                raise ValueError(
                    f"Passed in object {t} of type '{type(t).__name__}', not tf.Tensor or "
                    f"tf.Variable or ExtensionType.")
            recorder = self._tape
            if recorder is None:
                raise AttributeError("'NoneType' object has no attribute '_tape'")
            dtype = _dtypes.from_jax(t._v.dtype)
            if not dtype.is_differentiable:
                warn_first_n(5, "The dtype of the watched tensor must be floating (e.g. "
                                f"tf.float32), got {dtype!r}")
            if isinstance(t, Variable):
                recorder.watch_variable(t)
            else:
                recorder.watch_tensor(t)

    def stop_recording(self):
        """A context manager inside which operations are not recorded on this tape.

        Raises:
          RuntimeError: if this tape is not recording.
        """
        return _StopRecording(self)

    def reset(self):
        """Clears everything recorded so far; the tape keeps recording.

        Raises:
          ValueError: if the tape is not recording.
        """
        self._pop_tape()
        self._tape = None
        self._push_tape()

    def watched_variables(self):
        """The Variables watched by this tape, in creation order, as a tuple."""
        if self._tape is None:
            watched = self._watched_variables
            return tuple(sorted(watched.values(), key=_by_id)) if isinstance(watched, dict) else watched
        return tuple(sorted(self._tape.watched_vars.values(), key=lambda v: v._id))

    # -- differentiation -----------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=None):
        """Computes the gradient of `target` with respect to `sources`.

        Args:
          target: a Tensor or Variable, or a nest of them; several targets are summed and a
            non-scalar target is seeded with ones (the gradient of its sum).
          sources: a Tensor or Variable, or a nest (list, tuple, dict, namedtuple) of them.
          output_gradients: optional seeds, one per flattened target, each of its target's shape
            and dtype; missing trailing entries default to ones.
          unconnected_gradients: `tf.UnconnectedGradients.NONE` (default: `None` for sources no
            target reaches) or `.ZERO` (zeros of the source's shape and dtype).

        Returns:
          Gradients in the structure of `sources`.

        Raises:
          RuntimeError: on a second call on a non-persistent tape.
          TypeError: if `target` is None or a source is None.
        """
        self._consumed_check()
        if self._recording:
            if not self._persistent:
                self._pop_tape()
            else:
                from tapejax._errors import warn_first_n
                warn_first_n(1, _PERSISTENT_IN_CONTEXT)
        try:
            result = _gradient_module().compute_gradient(self._tape, target, sources, output_gradients,
                                                         unconnected_gradients)
            if _context.settings.explain:
                _explain.explain_nones(self._tape, sources, result)
            return result
        finally:
            self._release_if_single_use()

    def jacobian(self, target, sources, unconnected_gradients=None, parallel_iterations=None,
                 experimental_use_pfor=True):
        """Computes the jacobian of `target` w.r.t. `sources`: shape `target.shape + source.shape`.

        Args:
          target: a single Tensor.
          sources: a Tensor, Variable or nest of them.
          unconnected_gradients: as in `gradient`.
          parallel_iterations: accepted for compatibility; results do not depend on it.
          experimental_use_pfor: accepted; the jacobian is always vectorised with `jax.vmap`.

        Returns:
          Jacobians in the structure of `sources`.
        """
        from tapejax._gradient import UnconnectedGradients
        from tapejax._jacobian import compute_jacobian

        self._consumed_check()
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError(
                "GradientTape must be created with persistent=True to compute the jacobian with "
                "eager execution enabled and with  experimental_use_pfor set to False.")
        if self._recording and not self._persistent:
            self._pop_tape()
        recorder = self._tape
        try:
            result = compute_jacobian(recorder, target, sources,
                                      unconnected_gradients or UnconnectedGradients.NONE,
                                      use_pfor=bool(experimental_use_pfor))
            if _context.settings.explain:
                _explain.explain_nones(recorder, sources, result, "jacobian")
            return result
        finally:
            self._release_if_single_use()

    def batch_jacobian(self, target, source, unconnected_gradients=None, parallel_iterations=None,
                       experimental_use_pfor=True):
        """Per-example jacobians: shape `[batch, *target.shape[1:], *source.shape[1:]]`.

        Args:
          target: a Tensor of rank >= 2 whose first dimension is the batch.
          source: a Tensor or Variable of rank >= 2 with the same first dimension.
          unconnected_gradients: checked; as in TF, unconnected results are zeros either way.
          parallel_iterations: accepted for compatibility.
          experimental_use_pfor: accepted; always vectorised with `jax.vmap`.

        Returns:
          A Tensor.
        """
        from tapejax._jacobian import compute_batch_jacobian

        self._consumed_check("A non-persistent GradientTape can only be used to"
                             "compute one set of gradients (or jacobians)")
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError(
                "GradientTape must be created with persistent=True to compute the batch_jacobian "
                "with eager execution enabled and  with experimental_use_pfor set to False.")
        if self._recording and not self._persistent:
            self._pop_tape()
        recorder = self._tape
        try:
            return compute_batch_jacobian(recorder, target, source, unconnected_gradients,
                                          use_pfor=bool(experimental_use_pfor))
        finally:
            self._release_if_single_use()


def _flatten_watch(structure):
    from tapejax import _nest
    return _nest.flatten(structure)
