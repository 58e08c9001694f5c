"""gradient(): flatten targets and sources, seed, run the compiled backward, unflatten.

When other tapes are recording while a gradient is computed (nested tapes, or a persistent tape
asked inside its own context), the backward program is recorded on them as one op: it is a pure
JAX function of the saved values and seeds, so they differentiate it like any other op.
"""

from __future__ import annotations

import enum

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _backward, _context, _dtypes, _lazy, _nest, _record
from tapejax._errors import call_site
from tapejax._indexed_slices import IndexedSlices
from tapejax._ops import math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable

_ArrayImpl = _lazy.ArrayImpl


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source no target depends on: `None` or zeros."""

    NONE = "none"
    ZERO = "zero"


def check_unconnected(value):
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


def _check_leaf(x, role):
    if x is None:
        raise TypeError("Cannot convert the argument `type_value`: None to a TensorFlow DType.")
    if isinstance(x, (str, bytes)):  # TF reads the value's dtype first: a string is no dtype
        raise TypeError(f"Cannot convert the argument `type_value`: {x!r} to a TensorFlow DType.\n"
                        f"tapejax: GradientTape.gradient {role} must be tf.Tensor or tf.Variable objects, "
                        f"not names; pass the tensor itself.")
    if not isinstance(x, (Tensor, Variable)):
        kind = type(x)
        qualified = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise AttributeError(
            f"'{qualified}' object has no attribute '_id'\n"
            f"tapejax: GradientTape.gradient {role} must be tf.Tensor or tf.Variable objects; a "
            f"{type(x).__name__} was given. A value that left TensorFlow (NumPy, Python numbers) has "
            f"no gradient: keep the computation in tf ops.")
    return x


def _seed_values(flat_targets, output_gradients):
    given = [] if output_gradients is None else _nest.flatten(output_gradients)
    seeds, objs = [], []
    for i, target in enumerate(flat_targets):
        value = target._v  # shape and dtype only
        if i < len(given):
            g = given[i]
            if g is None:
                raise ValueError("Attempt to convert a value (None) with an unsupported type "
                                 "(<class 'NoneType'>) to a Tensor.")
            objs.append(g if isinstance(g, (Tensor, Variable)) else None)
            g = convert_to_tensor(g)._value if not isinstance(g, (Tensor, Variable)) else g._value
            if g.dtype != value.dtype:
                raise _dtypes.mismatch_error("Mul", 1, _dtypes.from_jax(value.dtype),
                                             _dtypes.from_jax(g.dtype))
            if g.shape != value.shape:
                raise ValueError(
                    f"output_gradients[{i}] has shape {tuple(g.shape)} but its target has shape "
                    f"{tuple(value.shape)}.\ntapejax: each output gradient must have its "
                    f"target's shape (TensorFlow does not check this and returns garbage).")
            seeds.append(g)
        else:
            seeds.append(ones_seed(value.shape, value.dtype))
            objs.append(None)
    return seeds, objs


_ones_cache = {}


def ones_seed(shape, dtype):
    """A cached array of ones: the default seed of a target (creating one eagerly costs ~30 us)."""
    key = (shape, dtype)
    found = _ones_cache.get(key)
    if found is None:
        if dtype.kind == "O":  # a string target: no seed (TF's gradient for it is None)
            return None
        found = jax.device_put(np.ones(shape, dtype))  # jnp.ones would compile a program per shape
        if not isinstance(found, jax.core.Tracer):  # inside tapejax.function: never cache tracers
            if len(_ones_cache) > 256:
                _ones_cache.clear()
            _ones_cache[key] = found
    return found


_NONE = UnconnectedGradients.NONE


def compute_gradient(recorder, target, sources, output_gradients, unconnected):
    """Gradients of `target` w.r.t. `sources` from what `recorder` holds; see GradientTape.gradient.

    Four steps: check the arguments, seed the targets, differentiate (a deferred op on the outer
    tapes, a deferred gradient, or the compiled backward now), and finish (targets that are their
    own sources, zeros for unconnected sources, the sources' structure).
    """
    unconnected = _unconnected_mode(unconnected)
    flat_targets, flat_sources = _checked_leaves(recorder, target, sources)
    results = [None] * len(flat_sources)
    seeds = []
    if flat_sources:
        seeds, seed_objs, seed_avals = _seeds(flat_targets, output_gradients)
        target_slots = tuple([recorder.local_of.get(t._id) if type(t) is Tensor else None for t in flat_targets])
        if target_slots.count(None) < len(target_slots):
            _differentiate(recorder, flat_targets, target_slots, flat_sources, seeds, seed_objs, seed_avals,
                           results)
    else:
        target_slots = ()
    return _finish(flat_targets, target_slots, flat_sources, seeds, results, unconnected, sources)


def _unconnected_mode(unconnected):
    return _NONE if unconnected is None or unconnected is _NONE else check_unconnected(unconnected)


def _checked_leaves(recorder, target, sources):
    if target is None:
        raise TypeError(
            "Argument `target` should be a list or nested structure of Tensors, Variables or "
            "CompositeTensors to be differentiated, but received None.")
    flat_sources = _nest.flatten(sources)
    if not flat_sources:
        return [], []
    flat_targets = _nest.flatten(target)
    for t in flat_targets:
        if type(t) is not Tensor:
            _check_leaf(t, "targets")
    for s in flat_sources:
        if type(s) is not Tensor and type(s) is not Variable:
            _check_leaf(s, "sources")
    if recorder.unregistered:
        _check_registered(recorder, flat_targets)
    return flat_targets, flat_sources


def _seeds(flat_targets, output_gradients):
    """(seed arrays, the user's seed Tensors or None, the seeds' (shape, dtype)s)."""
    if output_gradients is None:
        seed_avals = tuple([(t._v.shape, t._v.dtype) for t in flat_targets])
        return [ones_seed(shape, dtype) for shape, dtype in seed_avals], [None] * len(seed_avals), seed_avals
    seeds, seed_objs = _seed_values(flat_targets, output_gradients)
    return seeds, seed_objs, tuple([(s.shape, s.dtype) for s in seeds])


def _differentiate(recorder, flat_targets, target_slots, flat_sources, seeds, seed_objs, seed_avals, results):
    """Fills `results` (one per source; None where unconnected) with the gradients."""
    if recorder.persistent and recorder.deferred:
        compute_deferred_forward(recorder)
    source_groups = tuple([recorder.slots_of_source(s) for s in flat_sources])
    program = _backward.backward_program(recorder, target_slots, source_groups, seed_avals)
    connected = [i for i, ok in enumerate(program.connected) if ok]
    if not connected:
        return
    saved = [recorder.values[s] for s in program.arg_slots]
    recording = _context.current.recording
    mode = _mode(recorder, program, recording, saved, seeds)
    if mode == "outer deferred":
        grad_tensors = _record_gradient_op(recorder, program, saved, seeds, seed_objs)
    elif mode == "deferred":
        grad_tensors = _deferred_gradients(program, saved, seeds, flat_targets)
    else:
        saved = _lazy.resolve_all(saved)
        grad_tensors, indices = _gradients_now(program, saved, seeds, mode == "inline")
        if recording:
            _record_gradient_op(recorder, program, saved, seeds, seed_objs, grad_tensors)
        if indices is not None:  # sparse gradients: TF's IndexedSlices
            grad_tensors = [g if rows is None else IndexedSlices(g, Tensor(rows), list(flat_sources[i].shape))
                            for i, g, rows in zip(connected, grad_tensors, indices)]
    for i, g in zip(connected, grad_tensors):
        results[i] = g


def _mode(recorder, program, recording, saved, seeds):
    """How the backward runs: "outer deferred" (a deferred op recorded on the outer tapes),
    "deferred" (a deferred node, run with the next program), "inline" (inside a trace: part of
    that program) or "now" (its own compiled program, at once)."""
    concrete = _concrete(seeds, saved)
    deferrable = (concrete and _lazy.deferring() and recorder.deferred and not recorder.persistent and program.dense
                  and _context.current.read_hook is None)
    # nested tapes: deferred when every recording tape records deferred ops (not a forward accumulator)
    if deferrable and all(type(outer) is _record._Recorder for outer in recording):
        return "outer deferred" if recording else "deferred"
    if _context.current.read_hook is not None or not concrete and _traced(seeds, saved):
        # inside a trace (a function's, a custom gradient's), or a function's discovery run
        # on concrete values (retraced next): part of that program, not one of its own
        return "inline"
    return "now"


def _gradients_now(program, saved, seeds, inline):
    """The gradients computed now, as Tensors (a sparse one: its rows), and per gradient the row
    indices of a sparse one (else None), or None when all are dense. Inside a trace they are part
    of its program; elsewhere a gradient node the executor runs at once."""
    if inline:
        flat = program.run(saved, seeds)
    else:
        node = _lazy.Node(program.kernel, ("gradient", program, 0), [*saved, *seeds], True)
        _lazy.force([node])
        flat = node.results
    if program.dense:
        if _lazy.deferring() and type(flat[0]) is _ArrayImpl:
            return [Tensor(p) for p in _lazy.mark_gradients(flat)], None
        return [Tensor(g) for g in flat], None
    parts, tensors, indices = iter(flat), [], []
    for sparse in program.sparse:
        tensors.append(Tensor(next(parts)))
        indices.append(next(parts) if sparse else None)
    return tensors, indices


def _finish(flat_targets, target_slots, flat_sources, seeds, results, unconnected, sources):
    # A target that is also a source, and that this tape never saw, contributes its seed directly.
    for ti, t in enumerate(flat_targets):
        if target_slots[ti] is None and seeds[ti] is not None:
            for si, s in enumerate(flat_sources):
                if s is t:
                    seed = Tensor(seeds[ti])
                    results[si] = seed if results[si] is None else _add(results[si], seed)

    if unconnected is UnconnectedGradients.ZERO:
        for i, s in enumerate(flat_sources):
            if results[i] is None and s._v.dtype.kind != "O":  # strings: None, as TF
                results[i] = Tensor(jnp.zeros(s.shape, s._v.dtype))
    return _nest.pack_sequence_as(sources, results)


def _deferred_gradients(program, saved, seeds, flat_targets):
    """The gradients as deferred values of one node running `program` (see `_lazy`).

    Nothing runs now: the forward (the node's deferred inputs, the targets among them), the
    gradients and an update made from them (`v.assign_sub(lr * g)`) run as one program when
    something reads them or a variable.
    """
    avals = program.out_avals(saved, seeds)
    targets = [t._v for t in flat_targets if type(t) is Tensor and type(t._v) is _lazy.Pending]
    node = _lazy.Node(program.kernel, ("gradient", program, len(targets)), list(saved) + list(seeds) + targets,
                      True, gradient=True)
    _lazy.follow(node)
    for target in targets:  # always returned, held or not: one program whether a step keeps its loss
        if target.node.pendings is not None:
            target.node.pendings[target.index] = None
    if program.site is None:  # the tape.gradient call (the same structure: the same code)
        program.site = call_site(4)
    return [Tensor(p) for p in _lazy.outputs_of(node, avals, program.site)]


def _traced(seeds, saved):
    """True inside a JAX trace (tapejax.function, a custom gradient): run the backward inline."""
    return any(isinstance(v, jax.core.Tracer) for v in seeds) or any(isinstance(v, jax.core.Tracer) for v in saved)


def _check_registered(recorder, flat_targets):
    """TF's LookupError for a target made on this tape by an op TF has no gradient entry for."""
    for target in flat_targets:
        op_name = recorder.unregistered.get(target._id) if type(target) is Tensor else None
        if op_name is not None:
            raise LookupError(f"gradient registry has no entry for: {op_name}")


def compute_deferred_forward(recorder):
    """Computes a persistent tape's whole deferred forward once (one program), so each of its
    gradients differentiates the saved values instead of running the forward again."""
    _lazy.resolve_all(recorder.values)
    recorder.deferred = False


def _add(a, b):
    return math_ops.add(convert_to_tensor(a), convert_to_tensor(b))


def _concrete(seeds, saved):
    """True when every value is a computed array (a device or NumPy one) or a deferred one (no tracer)."""
    for v in saved:
        if type(v) is not _ArrayImpl and type(v) is not _lazy.Pending and type(v) is not np.ndarray:
            return False
    for s in seeds:
        if type(s) is not _ArrayImpl and type(s) is not np.ndarray:
            return False
    return True


def _record_gradient_op(recorder, program, saved, seeds, seed_objs, grad_tensors=None):
    """Records the backward on the tapes now recording (higher-order gradients), as ops that each
    read only the inputs their outputs depend on (see `Program.op_groups`), so TF's None patterns
    hold at second order. Their inputs are the saved values (as the Tensors/Variables they came
    from) and the seeds (the user's `output_gradients` tensors, or None for default ones).

    Without `grad_tensors` (computed gradients), the gradients are made here as deferred ops:
    nothing runs now, and the forward, this backward and the outer gradient's own backward run in
    one program (a Hessian-vector product is one dispatch). Returns the gradients.
    """
    inputs = [recorder.objs[s] for s in program.arg_slots] + list(seed_objs)
    values = list(saved) + list(seeds)
    avals = program.out_avals(saved, seeds) if grad_tensors is None else None
    grads = [None] * len(program.sparse) if grad_tensors is None else grad_tensors
    for positions, outputs, op in program.op_groups(values):
        key, group_values = ("gradient", program, positions, outputs), [values[i] for i in positions]
        if grad_tensors is None:
            node = _lazy.Node(op, key, group_values, True)
            for j, p in zip(outputs, _lazy.outputs_of(node, [avals[j] for j in outputs], None)):
                grads[j] = Tensor(p)
        _record.record_all(op, key, [inputs[i] for i in positions], group_values, [grads[j] for j in outputs])
    for j in range(len(grads)):
        if grads[j] is None:  # depends on no input (a constant): computed alone, recorded nowhere
            op = program.as_op()
            node = _lazy.Node(lambda *v, j=j, op=op: (op(*v)[j],), ("gradient", program, j), values, True)
            grads[j] = Tensor(_lazy.Pending(node, 0, *avals[j]))
    return grads
