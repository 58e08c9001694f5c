"""Explanations of `None` gradients and of retraces (`TAPEJAX_EXPLAIN=1` or `tapejax.explain.enable()`).

While explanations are on, the places where a path to a target can be lost note what happened and
the user's line: an op without a gradient (or `tf.stop_gradient`) applied to a tracked value, a
tracked Tensor turned into a NumPy or Python value, an assignment into a Variable from a tracked
value, `tape.stop_recording()`, and, outside tapes, each Tensor computed from a Variable (so a source
that is such a Tensor can be told apart from one that was never watched). When `gradient` or
`jacobian` returns `None` for a source, `explain_nones` finds which of these cut it off and warns
with a `NoneGradientWarning`. While explanations are off none of this runs: each place pays one
attribute test.
"""

from __future__ import annotations

import collections
import sys
import warnings

import jax
import numpy as np

from tapejax import _context, _nest
from tapejax._dtypes import DIFFERENTIABLE_DTYPES
from tapejax._errors import user_frame

MAX_PROVENANCE = 4096  # Tensors computed from Variables remembered (the most recent ones)


class ExplainWarning(UserWarning):
    """Base class of the warnings tapejax emits while explanations are on."""


class NoneGradientWarning(ExplainWarning):
    """A `GradientTape.gradient`/`jacobian` result is `None`; the message says why."""


class RetraceWarning(ExplainWarning):
    """A `tapejax.function` traced again; the message says what changed and where it was called."""


_provenance = collections.OrderedDict()  # Tensor id -> (Variable name, op name, 'file:line')


def enable(enabled=True):
    """Turns explanations of `None` gradients and retraces on (or off with `enabled=False`).

    Args:
      enabled: whether to explain. The environment variable `TAPEJAX_EXPLAIN=1` turns them on at
        import.
    """
    _context.settings.explain = bool(enabled)
    if not enabled:
        _provenance.clear()


def disable():
    """Turns explanations off (see `enable`)."""
    enable(False)


def is_enabled():
    """Whether explanations are on."""
    return _context.settings.explain


_LIBRARIES = ("tapejax", "jax", "jaxlib", "numpy", "ml_dtypes")


def _user_frame():
    """(filename, lineno) of the innermost frame that is not in tapejax or the libraries under it
    (NumPy's own functions call `__array__`; tapejax's generated operator methods have no file)."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        generated = not module and frame.f_code.co_filename.startswith("<")
        if not generated and module.partition(".")[0] not in _LIBRARIES:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return user_frame()


def _where():
    filename, lineno = _user_frame()
    return f"{filename}:{lineno}"


def _is_variable(obj):
    return obj is not None and hasattr(obj, "_trainable")


def _slots_on(recorder, obj):
    """The slots of `recorder` that hold `obj` (a tracked Tensor, or a Variable's tracked reads)."""
    if _is_variable(obj):
        return tuple(recorder.var_slots.get(obj._id, ()))
    slot = recorder.local_of.get(getattr(obj, "_id", None))
    return () if slot is None else (slot,)


def _note(kind, what, objs, recorders=None):
    """Adds an event to every recording tape (or each of `recorders`) that tracks one of `objs`."""
    where = None
    for recorder in _context.current.recording if recorders is None else recorders:
        events = getattr(recorder, "events", None)
        if events is None:
            continue
        slots = tuple(s for obj in objs for s in _slots_on(recorder, obj))
        variables = tuple(obj._id for obj in objs if _is_variable(obj))
        if slots or variables:
            if where is None:
                where = _where()
            events.append((kind, what, where, slots, variables))


def note_op(op, inputs, outputs):
    """After an op ran: remembers outputs computed from Variables (for the `x = x + 1` case)."""
    for x in inputs:
        if _is_variable(x):
            record = (x.name, op.name, _where())
            for out in outputs if isinstance(outputs, (list, tuple)) else (outputs,):
                _provenance[out._id] = record
                if len(_provenance) > MAX_PROVENANCE:
                    _provenance.popitem(last=False)
            return


def note_cut(recorder, op_name, inputs):
    """`recorder` met an op with no gradient on its inputs."""
    _note("op", op_name, [x for x in inputs if x is not None], (recorder,))


def note_exit(tensor, how):
    """A Tensor became a NumPy or Python value (`how`: '.numpy()', 'NumPy', 'float()', ...)."""
    _note("exit", how, (tensor,))


def note_assign(variable, value):
    """A Variable was assigned from `value` (assignments are not differentiable)."""
    _note("assign", variable.name, (value,))


def note_stop_recording(recorder):
    if getattr(recorder, "events", None) is not None:
        recorder.events.append(("stopped", None, _where(), (), ()))


def _dependent_slots(recorder, slots):
    """The slots computed (through recorded entries) from `slots`."""
    reached = set(slots)
    for _, in_refs, out_locals in recorder.entries:
        for ref in in_refs:
            if ref >= 0 and ref in reached:
                reached.update(out_locals)
                break
    return reached


def _describe_source(source):
    if _is_variable(source):
        return f"Variable '{source.name}'"
    return f"a Tensor of shape {tuple(source.shape)} and dtype {source.dtype.name}"


def _reason(recorder, source):
    """Why the gradient of `source` is None, with the line that caused it."""
    dtype = np.dtype(source._v.dtype) if hasattr(source, "_v") else None
    if dtype is not None and dtype not in DIFFERENTIABLE_DTYPES:
        return (f"its dtype is {source.dtype.name}: gradients exist only for floating-point and complex "
                f"values (cast it with tf.cast(x, tf.float32) before the tape uses it)")
    if _is_variable(source):
        if source._id not in recorder.watched_vars:
            if not source.trainable:
                return ("it is a non-trainable Variable (trainable=False): the tape does not watch it "
                        "automatically; call tape.watch(v) inside the `with` block, or create it trainable")
            if not recorder.watch_accessed_variables:
                return ("the tape was made with watch_accessed_variables=False and never watched it: "
                        "call tape.watch(v) inside the `with` block")
    elif recorder.local_of.get(source._id) is None:
        found = _provenance.get(source._id)
        if found is not None:
            name, op_name, where = found
            return (f"it is not the Variable '{name}' but a Tensor computed from it by {op_name} at {where} "
                    f"(`x = x + 1` replaces a Variable by a Tensor: update it in place with "
                    f"x.assign_add(1), x.assign(...))")
        return ("it was never watched: a tape watches the trainable Variables it reads, not Tensors "
                "such as tf.constant(...); call tape.watch(x) inside the `with` block before using x")
    reached = _dependent_slots(recorder, _slots_on(recorder, source))
    events = recorder.events or ()
    for kind, what, where, slots, variables in events:
        if (any(s in reached for s in slots) or (_is_variable(source) and source._id in variables)):
            if kind == "op" and what == "StopGradient":
                return f"the path to the target was cut by tf.stop_gradient at {where}"
            if kind == "op":
                return f"the path to the target was cut at {what}, an op without a gradient, at {where}"
            if kind == "exit":
                return (f"the path to the target was cut by leaving tapejax at {where}: {what} turned a "
                        f"Tensor into a NumPy or Python value, which the tape cannot follow (use tf ops)")
            if kind == "assign":
                return (f"the path to the target went through an assignment to Variable '{what}' at {where}: "
                        f"assignments are not differentiable (use the value itself, not a Variable "
                        f"assigned from it)")
    for kind, _, where, _, _ in events:
        if kind == "stopped":
            return (f"the tape stopped recording at {where}: ops run inside tape.stop_recording() are "
                    f"not recorded")
    if not _slots_on(recorder, source):
        return "the tape never used it while recording: the target does not depend on it"
    return "the target does not depend on it"


def explain_nones(recorder, sources, results, method="gradient"):
    """Warns once per `None` in `results` (in the structure of `sources`) with its reason."""
    if recorder is None:
        return
    flat_results = _nest.flatten(results)
    if not any(r is None for r in flat_results):
        return
    flat_sources, _ = jax.tree_util.tree_flatten_with_path(sources, is_leaf=_nest._is_leaf)
    single = len(flat_sources) == 1 and not isinstance(sources, (list, tuple, dict))
    filename, lineno = _user_frame()
    for (path, source), result in zip(flat_sources, flat_results):
        if result is not None or source is None:
            continue
        position = "the source" if single else f"sources{jax.tree_util.keystr(path)}"
        message = (f"{method}() returned None for {position} ({_describe_source(source)}): "
                   f"{_reason(recorder, source)}.")
        warnings.warn_explicit(message, NoneGradientWarning, filename, lineno)


def warn_retrace(function_name, trace_count, reason):
    filename, lineno = _user_frame()
    warnings.warn_explicit(
        f"{function_name} traced again (trace {trace_count}) at {filename}:{lineno}: {reason}.",
        RetraceWarning, filename, lineno)
