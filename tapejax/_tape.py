"""`tf.GradientTape`: the user's handle on a recording (`_record`) and its gradient, jacobian and
batch jacobian (`_gradient`, `_jacobian`)."""

from __future__ import annotations

from tapejax import _context, _dtypes, _explain, _gradient, _nest
from tapejax._errors import warn_first_n
from tapejax._gradient import UnconnectedGradients
from tapejax._jacobian import compute_batch_jacobian, compute_jacobian
from tapejax._record import _Recorder
from tapejax._tensor import Tensor
from tapejax._variable import Variable

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
        _explain.note_stop_recording(tape._tape)  # from here: its line is the user's `with`
        tape._pop_tape()

    def __exit__(self, *exc):
        self._tape._push_tape()


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
        self._watched_variables = {}

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
        for t in _nest.flatten(tensor):
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
        watched = self._watched_variables if self._tape is None else self._tape.watched_vars
        return tuple(sorted(watched.values(), key=_by_id))

    # -- differentiation -----------------------------------------------------------------------
    def _jacobian_recorder(self, use_pfor, what, consumed=_CONSUMED):
        """The recording a jacobian reads (TF's checks: TF's messages, their typos included)."""
        self._consumed_check(consumed)
        if not use_pfor and not self._persistent:
            raise RuntimeError(f"GradientTape must be created with persistent=True to compute the {what}"
                               f"experimental_use_pfor set to False.")
        if self._recording and not self._persistent:
            self._pop_tape()
        return self._tape

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
                warn_first_n(1, _PERSISTENT_IN_CONTEXT)
        try:
            result = _gradient.compute_gradient(self._tape, target, sources, output_gradients,
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
        recorder = self._jacobian_recorder(experimental_use_pfor, "jacobian with eager execution enabled and with  ")
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
        recorder = self._jacobian_recorder(experimental_use_pfor, "batch_jacobian with eager execution enabled "
                                           "and  with ", "A non-persistent GradientTape can only be used to"
                                           "compute one set of gradients (or jacobians)")
        try:
            return compute_batch_jacobian(recorder, target, source, unconnected_gradients,
                                          use_pfor=bool(experimental_use_pfor))
        finally:
            self._release_if_single_use()
