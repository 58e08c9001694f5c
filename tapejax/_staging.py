"""Staged control flow: a Python `if`/`while`/`for` on traced Tensors as `lax.cond`/`scan`/`while_loop`.

Converted code (see `_autograph`) and `tf.cond` call these when a predicate or an iterated Tensor is
traced (inside `tapejax.function`). The code of a branch or loop body runs once, while JAX traces
it; its state (the Python variables it assigns, passed in and out through `get_state`/`set_state`)
becomes the operands and results of one structured JAX op:

- Variables the code assigns travel as extra results (or loop carries) and are written back after,
  so `v.assign_add(...)` in a loop body adds once per iteration.
- Tapes recording outside are suspended inside the traced code; the whole op is recorded on them as
  one entry whose inputs are the Tensors and Variables the code captured (found with
  `jax.closure_convert`), so a GradientTape inside a function differentiates through it with JAX's
  own rules for `cond` and `scan`. A `while` with a data-dependent trip count has no reverse-mode
  rule in JAX: when a tape needs its gradient, `EagerFallback` asks the function to run as Python.
- Random draws inside a loop body fold in the iteration number, so each iteration draws anew.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import re

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _context, _nest, _trace_graph, _variable
from tapejax._errors import InvalidArgumentError, user_line
from tapejax._ops._convert import convert_to_tensor
from tapejax._record import record_all, suspended
from tapejax._tensor import Tensor, TensorShape

_RETURN_IN_LOOP = ("a return statement cannot be placed inside this TensorFlow loop; this may happen if "
                   "a return statement depends on a static Python condition such as a hyperparameter")


class Undefined:
    """The value of a Python variable that converted code has not assigned (yet).

    `message`, when set, is the error that reading it raises (e.g. a variable assigned in one
    branch of a staged `if` only).
    """

    __slots__ = ("name", "message")

    def __init__(self, name, message=None):
        self.name = name
        self.message = message

    def __repr__(self):
        return f"Undefined({self.name!r})"


class UndefinedReturnValue(Undefined):
    """The return value of converted code before a `return` ran."""

    def __init__(self, name="retval_", message=None):
        super().__init__(name, message)


class EagerFallback(Exception):
    """Raised while tracing when staged code cannot be compiled with the gradient a tape needs
    (a `while` loop with a data-dependent trip count): the function call runs as Python instead."""

    def __init__(self, what, where):
        super().__init__(what)
        self.what = what
        self.where = where


_run_failures = collections.deque(maxlen=64)  # errors raised by loop checks in compiled calls


class _QuietRunFailures(logging.Filter):
    """Drops JAX's "jax.debug.callback failed" traceback for a loop check (the call re-raises it)."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, InvalidArgumentError) and exc in _run_failures)


logging.getLogger("jax._src.debugging").addFilter(_QuietRunFailures())


def reraise_run_failure(err):
    """Raises the InvalidArgumentError a staged loop's check raised inside the compiled call that
    failed with `err` (a no-op for other errors)."""
    text = str(err)
    for exc in list(_run_failures):
        if exc.message in text:
            _run_failures.remove(exc)
            raise exc from None


def _require_one_iteration(iterations, names):
    """As TF: loop variables undefined (or None) before a staged loop are defined by its first
    iteration, so a call in which the loop runs zero times raises InvalidArgumentError."""
    message = ("Graph execution error:\n\nassertion failed: [loop must iterate at least once to "
               f"initialize {', '.join(names)}]")

    def check(count):
        if int(np.asarray(count)) == 0:
            error = InvalidArgumentError(message)
            _run_failures.append(error)
            raise error

    jax.debug.callback(check, iterations)


class InaccessibleTensorError(ValueError):
    """TF's error for a Tensor used outside the staged block that computed it (TF raises
    `tensorflow.python.framework.errors_impl.InaccessibleTensorError`, a ValueError it does not
    export in `tf.errors`)."""


def inaccessible(leak, name=None):
    """TF's InaccessibleTensorError for JAX's `UnexpectedTracerError` in a function trace: a Tensor
    computed inside a staged block (e.g. appended to a Python list in a branch of an `if` on a
    Tensor) used outside it; `name` is its TF name when the trace saw which one it was."""
    found = re.search(r"with type (\w+)\[([^\]]*)\]", str(leak))
    described = "a Tensor computed inside a staged `if` or loop"
    if found:
        dims = [int(d) if d.isdigit() else None for d in found.group(2).split(",") if d]
        described = f"<tf.Tensor '{name or 'tensor:0'}' shape={TensorShape(dims)} dtype={found.group(1)}>"
    return InaccessibleTensorError(
        f"{described} is out of scope and cannot be used here. Use return values, explicit Python "
        f"locals or TensorFlow collections to access it. (tapejax: it was computed inside a staged "
        f"`if`/loop body and kept outside it, e.g. in a Python list; assign it to a variable the "
        f"block sets, or use a tf.TensorArray.)")


def shape_fallback(what, where, error):
    """Staged code whose shapes depend on the data (XLA compiles one static shape per value): inside
    a function trace the call runs as Python instead (`EagerFallback`, TF's results); elsewhere
    `error` is raised."""
    if staging_active():
        raise EagerFallback(what, where or user_line())
    raise error


class TraceRecord:
    """What staged code did during one function trace."""

    def __init__(self):
        self.dynamic_loops = []       # where each staged while_loop is (JAX cannot reverse them)
        self.constant_reads = False   # staged code read a Variable the trace had not lifted yet


@contextlib.contextmanager
def function_trace():
    """Marks a `tapejax.function` trace: Tensors iterated by converted `for` loops are staged.

    Yields:
      The trace's `TraceRecord`.
    """
    record = TraceRecord()
    _context.current.function_depth += 1
    _context.current.trace_records.append(record)
    try:
        yield record
    finally:
        _context.current.function_depth -= 1
        _context.current.trace_records.pop()


@contextlib.contextmanager
def paused():
    """Inside `tf.init_scope`: code runs eagerly, so converted loops are not staged."""
    saved = _context.current.function_depth
    _context.current.function_depth = 0
    try:
        yield
    finally:
        _context.current.function_depth = saved


def note_unlifted_read():
    """A function trace read a Variable it had not lifted: inside staged code that capture is a
    constant its tape entries cannot differentiate, so the trace is redone with it lifted."""
    if _context.current.local_depth and _context.current.trace_records:
        _context.current.trace_records[-1].constant_reads = True


def set_loop_options(**options):
    """Records `tf.autograph.experimental.set_loop_options` for the staged loop whose body is being
    traced (Python loops ignore it, as TF's do)."""
    if _context.current.loop_options:
        _context.current.loop_options[-1].update({k: v for k, v in options.items() if v is not None})


def staging_active():
    return _context.current.function_depth > 0


def is_staged(value):
    """True for a Tensor (or Variable) whose value is traced: control flow on it must be staged."""
    if isinstance(value, (Tensor, _variable.Variable)):
        return isinstance(value._v, jax.core.Tracer)
    return isinstance(value, jax.core.Tracer)


def _pred_array(pred, tag=None):
    """The scalar bool array of a staged condition; `tag` ("if statement", "while loop"): checked as
    AutoGraph checks the condition of a converted statement (a `tf.bool` Tensor of one element)."""
    tensor = convert_to_tensor(pred)
    array = tensor._value
    if tag is not None:
        hint = "to check for None, use `is not None`"
        if array.dtype != jnp.bool_:
            raise ValueError(f"condition of {tag} expected to be `tf.bool` scalar, got {tensor}; to use as "
                             f"boolean Tensor, use `tf.cast`; {hint}")
        if array.ndim:
            if np.prod([d for d in array.shape if isinstance(d, int)]) > 1:
                raise ValueError(f"condition of {tag} expected to be `tf.bool` scalar, got {tensor}; {hint}")
            array = array.reshape(())
        return array
    if array.ndim:
        raise ValueError(f"A staged `if`/`while` condition must be a scalar; got shape {tuple(array.shape)}. "
                         f"Reduce it first (e.g. with tf.reduce_all or tf.reduce_any).")
    return array if array.dtype == jnp.bool_ else array != 0


class _LocalVariables:
    """While active, Variable writes stay local to the traced code (they become its results) and
    reads see them; `preset` gives carried values (a loop's). Reads are remembered by array id, so
    captured arrays can be mapped back to their Variables."""

    def __init__(self, preset=None):
        self.written = dict(preset or {})  # Variable id -> (Variable, array)
        self.assigned = {}                 # Variable id -> Variable, written inside
        self.read_arrays = {}              # id(array) -> Variable

    def __enter__(self):
        self.previous = (_context.current.read_hook, _context.current.write_hook)
        outer_read = self.previous[0]

        def read(variable):
            found = self.written.get(variable._id)
            if found is not None:
                return found[1]
            array = outer_read(variable) if outer_read is not None else variable._array
            self.read_arrays[id(array)] = variable
            return array

        def write(variable, array):
            self.written[variable._id] = (variable, array)
            self.assigned[variable._id] = variable

        _context.current.read_hook, _context.current.write_hook = read, write
        _context.current.local_depth += 1
        return self

    def __exit__(self, *exc):
        _context.current.read_hook, _context.current.write_hook = self.previous
        _context.current.local_depth -= 1


def _current(variable):
    return variable._read()


def _write_back(variable, array):
    hook = _context.current.write_hook
    if hook is not None:
        hook(variable, array)
    else:
        variable._array = array


@contextlib.contextmanager
def _iteration_draws(iteration):
    """Random draws inside a loop body fold in the iteration number (each iteration draws anew)."""
    outer = _context.current.rng_hook
    if outer is None:
        yield
        return

    def draw(op_seed):
        words = outer(op_seed)
        return words + jnp.asarray([0, 0, 1 << 16], jnp.uint32) * iteration.astype(jnp.uint32)

    _context.current.rng_hook = draw
    try:
        yield
    finally:
        _context.current.rng_hook = outer


def _captured_objects(arrays, read_arrays):
    """The Tensor or Variable each captured array holds, as recording tapes know them (None: a
    constant of the op)."""
    known = {}
    for recorder in _context.current.recording:
        for slot in recorder.local_of.values():
            known.setdefault(id(recorder.values[slot]), recorder.objs[slot])
        for slot, value in recorder.var_read.values():
            known.setdefault(id(value), recorder.objs[slot])
    for array_id, variable in read_arrays.items():
        known.setdefault(array_id, variable)
    return [known.get(id(a)) for a in arrays]


def _tracked(objects):
    """True when a recording tape would differentiate through one of `objects`."""
    for recorder in _context.current.recording:
        for obj in objects:
            if type(obj) is Tensor:
                if obj._id in recorder.local_of:
                    return True
            elif obj is not None and (obj._id in recorder.watched_vars
                                      or obj._trainable and recorder.watch_accessed_variables):
                return True
    return False


def _record(fn, inputs, values, outputs):
    """Records `outputs = fn(*values)` on this thread's recording tapes (a no-op when none records)."""
    if _context.current.recording and outputs:
        record_all(fn, ("staged", fn), inputs, values, outputs)


# -- leaves of the state ----------------------------------------------------------------------
def _kind(leaf):
    if type(leaf) is Tensor:
        value = leaf._value
        return ("T", tuple(value.shape), value.dtype)
    if isinstance(leaf, Undefined):
        return ("U", leaf)
    return ("S", leaf)


def _same_static(a, b):
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and odd objects compare as different
        return False


def _describe_structure(value):
    return f"type={type(value).__name__} str={value!r}"


# -- if ---------------------------------------------------------------------------------------
def _trace_branch(fn):
    """Traces `fn()` (returning the state tuple) into a closed function of its captured arrays."""
    info = {}

    def arrays_fn():
        with suspended(), _LocalVariables() as local:
            state = fn()
        leaves = [_nest.flatten(value) for value in state]
        trees = [jax.tree_util.tree_structure(value, is_leaf=_nest._is_leaf) for value in state]
        kinds = [[_kind(leaf) for leaf in group] for group in leaves]
        arrays = [leaf._value for group in leaves for leaf in group if type(leaf) is Tensor]
        writes = {vid: local.written[vid] for vid in local.assigned}
        info.update(state=state, leaves=leaves, trees=trees, kinds=kinds, n_arrays=len(arrays),
                    writes=writes, read_arrays=local.read_arrays)
        return arrays + [array for _, array in writes.values()]

    converted, consts = jax.closure_convert(arrays_fn)
    info["converted"], info["consts"] = converted, consts
    return info


def _merge_leaf(name, a, b, branch_names, where=None):
    """How one state leaf leaves a staged `if`: ("T", main, other) arrays, ("S", value) or ("U", ...)."""
    main, other = branch_names
    ka, kb = _kind(a), _kind(b)
    if ka[0] == "U" or kb[0] == "U":
        if ka[0] == kb[0] == "U":
            return ("U", a)
        if isinstance(a, UndefinedReturnValue) or isinstance(b, UndefinedReturnValue):
            missing = main if ka[0] == "U" else other
            raise ValueError(f"the {missing} branch must also have a return statement.")
        missing = main if ka[0] == "U" else other
        return ("U", Undefined(name, f"'{name}' must also be initialized in the {missing} branch"))
    if ka[0] == kb[0] == "S" and _same_static(a, b):
        return ("S", a)
    ta = a if ka[0] == "T" else _static_tensor(name, a, b)
    tb = b if kb[0] == "T" else _static_tensor(name, b, a)
    va, vb = ta._value, tb._value
    if va.dtype != vb.dtype:
        raise TypeError(f"'{name}' has dtype {ta.dtype.name} in the {main} branch, but dtype "
                        f"{tb.dtype.name} in the {other} branch")
    if va.shape != vb.shape:
        shape_fallback(
            f"an `if` on a Tensor gives '{name}' shape {tuple(va.shape)} in the {main} branch and "
            f"{tuple(vb.shape)} in the {other} branch (a compiled `if` has one static shape per result)",
            where,
            ValueError(
                f"'{name}' has shape {tuple(va.shape)} in the {main} branch, but shape {tuple(vb.shape)} "
                f"in the {other} branch: tapejax compiles a staged `if` with XLA, whose results have one "
                f"static shape (TF gives the result an unknown dimension). Pad or reshape both branches "
                f"to one shape."))
    return ("T", ta if ka[0] == "T" else va, tb if kb[0] == "T" else vb)


def _static_tensor(name, value, other):
    try:
        return convert_to_tensor(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"'{name}' is the Python value {value!r} in one branch of a staged `if` and "
            f"{_describe_structure(other)} in the other: only Tensors and Python numbers can differ "
            f"between the branches of an `if` on a Tensor.") from None


def staged_if(pred, true_fn, false_fn, names, where=None, condition_tag=None):
    """Runs a staged `if` (`lax.cond`) over state tuples.

    Args:
      pred: the traced scalar condition.
      true_fn, false_fn: no-argument callables that run a branch and return the state tuple.
      names: the state's variable names (for TF's error messages).
      where: the user's file and line, for the eager-fallback warning (branches whose results
        differ in shape make the function call run as Python).
      condition_tag: "if statement" for a converted `if`: `pred` is checked as TF checks it.

    Returns:
      The state tuple after the `if`.
    """
    pred_array = _pred_array(pred, condition_tag)
    with _trace_graph.control_flow_scope("cond") as trace_graph:  # TF's names: "cond/mul", ...
        with _trace_graph.branch(trace_graph):
            main = _trace_branch(true_fn)
        with _trace_graph.branch(trace_graph):
            other = _trace_branch(false_fn)
    merged_state, outputs_spec = [], []
    for i, name in enumerate(names):
        if main["trees"][i] != other["trees"][i]:
            raise TypeError(
                f"'{name}' must have the same nested structure in the main and else branches:\n\n"
                f"The two structures don't have the same nested structure.\n\n"
                f"First structure: {_describe_structure(main['state'][i])}\n\n"
                f"Second structure: {_describe_structure(other['state'][i])}")
        merged = [_merge_leaf(name, a, b, ("main", "else"), where)
                  for a, b in zip(main["leaves"][i], other["leaves"][i])]
        merged_state.append(merged)
        outputs_spec.extend(m for m in merged if m[0] == "T")
    written = {}
    for info in (main, other):
        for vid, (variable, _) in info["writes"].items():
            written.setdefault(vid, variable)
    written = list(written.values())
    written_init = [_current(v) for v in written]

    def result_arrays(info, index):
        """In a branch: its arrays arranged as the merged results (constants for converted statics)."""
        def run(arrays):
            positions = {}
            k = 0
            for group in info["leaves"]:
                for leaf in group:
                    if type(leaf) is Tensor:
                        positions[id(leaf)] = k
                        k += 1
            out = []
            for spec in outputs_spec:
                leaf = spec[1 + index]
                out.append(arrays[positions[id(leaf)]] if type(leaf) is Tensor else leaf)
            return out
        return run

    arrange = (result_arrays(main, 0), result_arrays(other, 1))
    n_main, n_other = len(main["consts"]), len(other["consts"])

    def run_cond(pred_value, *operands):
        main_consts = operands[:n_main]
        other_consts = operands[n_main:n_main + n_other]
        current = operands[n_main + n_other:]

        def branch(info, index, consts):
            def run(_):
                arrays = info["converted"](*consts)
                results = arrange[index](arrays[:info["n_arrays"]])
                writes = info["writes"]
                written_arrays = arrays[info["n_arrays"]:]
                by_id = dict(zip(writes, written_arrays))
                return results + [by_id.get(v._id, c) for v, c in zip(written, current)]
            return run

        return jax.lax.cond(pred_value, branch(main, 0, main_consts), branch(other, 1, other_consts), None)

    operands = list(main["consts"]) + list(other["consts"]) + written_init
    arrays = run_cond(pred_array, *operands)
    n_out = len(outputs_spec)
    output_tensors = [Tensor(a) for a in arrays[:n_out]]
    reads = {**main["read_arrays"], **other["read_arrays"]}
    inputs = [None] + _captured_objects(operands, reads)

    def differentiable(pred_value, *values):
        return tuple(run_cond(pred_value, *values)[:n_out])

    _record(differentiable, inputs, [pred_array] + operands, output_tensors)
    for variable, array in zip(written, arrays[n_out:]):
        _write_back(variable, array)
    it = iter(output_tensors)
    final = []
    for i, merged in enumerate(merged_state):
        leaves = [next(it) if m[0] == "T" else m[1] for m in merged]
        final.append(jax.tree_util.tree_unflatten(main["trees"][i], leaves))
    return tuple(final)


# -- loops ------------------------------------------------------------------------------------
class _Restart(Exception):
    """The first trace of a loop body found state it must carry: trace again with it."""


def _entry_value(name, value):
    """A loop variable's value on entry: Python numbers become Tensors, as TF converts them."""
    if type(value) is Tensor or isinstance(value, Undefined):
        return value
    if isinstance(value, _variable.Variable):
        return value
    if isinstance(value, (bool, int, float, complex, np.number, np.bool_, np.ndarray)):
        return convert_to_tensor(value)
    return value


def _is_subshape(shape, invariant):
    """TF's rule: `shape` is at least as specific as `invariant` (None dimensions accept any size)."""
    if invariant is None or getattr(invariant, "rank", 0) is None:
        return True
    dims = list(invariant.as_list() if hasattr(invariant, "as_list") else invariant)
    return len(dims) == len(shape) and all(d is None or d == s for s, d in zip(shape, dims))


def _shape_text(shape):
    return str(shape) if isinstance(shape, TensorShape) else str(TensorShape(list(shape)))


def _check_iteration(name, before, after, invariant=None, where=None):
    """TF's checks of a loop variable after one iteration (structure, dtype, shape); a shape its
    `set_loop_options` shape invariant lets change makes the call run as Python."""
    tree_a = jax.tree_util.tree_structure(before, is_leaf=_nest._is_leaf)
    tree_b = jax.tree_util.tree_structure(after, is_leaf=_nest._is_leaf)
    if tree_a != tree_b:
        raise TypeError(
            f"'{name}' does not have the same nested structure after one iteration.\n\n"
            f"The two structures don't have the same nested structure.\n\n"
            f"First structure: {_describe_structure(before)}\n\nSecond structure: {_describe_structure(after)}")
    for a, b in zip(_nest.flatten(before), _nest.flatten(after)):
        if hasattr(a, "_to_loop_array") and hasattr(b, "_to_loop_array"):
            continue
        if type(a) is Tensor:
            if type(b) is not Tensor:
                b = _entry_value(name, b)
                if type(b) is not Tensor:
                    raise TypeError(f"'{name}' has type Tensor before the loop, but type "
                                    f"{type(b).__name__} after one iteration")
            va, vb = a._value, b._value
            if va.dtype != vb.dtype:
                raise TypeError(f"'{name}' has dtype {a.dtype.name} before the loop, but dtype "
                                f"{b.dtype.name} after one iteration")
            if invariant is not None:
                if not _is_subshape(va.shape, invariant):
                    raise ValueError(f"'{name}' has shape {_shape_text(va.shape)} before the loop, which does "
                                     f"not conform with the shape invariant {_shape_text(invariant)}.")
                if not _is_subshape(vb.shape, invariant):
                    raise ValueError(f"'{name}' has shape {_shape_text(vb.shape)} after one iteration, which "
                                     f"does not conform with the shape invariant {_shape_text(invariant)}.")
            if va.shape != vb.shape:
                error = ValueError(
                    f"'{name}' has shape {tuple(va.shape)} before the loop, but shape {tuple(vb.shape)} "
                    f"after one iteration. Use tf.autograph.experimental.set_loop_options to set shape "
                    f"invariants.")
                if invariant is None:
                    raise error
                shape_fallback(f"a loop variable '{name}' whose shape changes from {tuple(va.shape)} to "
                               f"{tuple(vb.shape)} (shape_invariants; a compiled loop has static shapes)",
                               where, error)
        elif not _same_static(a, b):
            raise TypeError(f"'{name}' is the Python value {a!r} before the loop and {b!r} after one "
                            f"iteration: a staged loop can only change Tensors and Python numbers.")


def _is_carried(leaf):
    """A leaf a staged loop carries: a Tensor, or a TensorArray (as its buffer, TF's flow)."""
    return type(leaf) is Tensor or hasattr(leaf, "_to_loop_array")


def _carried(leaf):
    return leaf._value if type(leaf) is Tensor else leaf._to_loop_array()


def _rebuild(template_leaf, tensor):
    return tensor if type(template_leaf) is Tensor else template_leaf._from_loop_array(tensor._value)


def _loop_arrays(state):
    return [_carried(leaf) for leaf in _nest.flatten(list(state)) if _is_carried(leaf)]


def staged_loop(get_state, set_state, names, body, test=None, count=None, element=None,
                extra_test=None, has_return=False, where=None, local_only=(), condition_tag=None,
                shape_invariants=None):
    """Runs a staged loop over the state that `get_state`/`set_state` expose.

    Args:
      get_state, set_state: read and assign the loop's Python variables (a tuple, `names` order).
      names: the variables' names (for TF's error messages).
      body: runs one iteration: `body()` for a `while`, `body(element(k))` for a `for`.
      test: for a `while`: no-argument callable returning the condition.
      count: for a `for`: the number of iterations (a Python int: `lax.scan`, differentiable; a
        traced scalar: `lax.while_loop`).
      element: for a `for`: `element(k)` returns the iterate of iteration `k` (a traced int32).
      extra_test: optional callable; iterations stop once it is false (`break`).
      has_return: the body holds a `return` (TF raises NotImplementedError for a staged loop).
      where: the user's file and line, for the eager-fallback warning.
      local_only: names read nowhere after the loop: when undefined on entry, they stay out of the
        carried state (TF's liveness analysis drops them too).
      condition_tag: "while loop" for a converted `while`: its condition is checked as TF checks it.
      shape_invariants: optional {name: shape} (tf.while_loop's); `set_loop_options` inside the body
        adds its own. A loop variable whose shape changes within its invariant makes the function
        call run as Python (a compiled loop has static shapes).
    """
    if has_return:
        raise NotImplementedError(_RETURN_IN_LOOP)
    initial = tuple(get_state())
    _infer_element_shapes(initial, set_state, body, element)
    carried_vars = {}
    undefined_avals = {}
    options = {}
    for _ in range(8):
        bounded = _bounded(options, test, count, extra_test)
        try:
            return _staged_loop_once(initial, carried_vars, undefined_avals, get_state, set_state, names,
                                     body, *bounded, element, where, local_only, options,
                                     condition_tag, dict(shape_invariants or {}))
        except _Restart:
            set_state(initial)
    raise RuntimeError("A staged loop kept finding new loop state; this is a tapejax bug.")


def _infer_element_shapes(initial, set_state, body, element):
    """A TensorArray loop variable whose element shape is not known yet (TF infers it from the first
    write in the loop): the body runs once, abstractly, for its writes to set the shape, then the
    arrays are put back as they were (the loop is traced anew, with buffers of that shape)."""
    arrays = [leaf for value in initial for leaf in _nest.flatten(value)
              if hasattr(leaf, "_to_loop_array") and leaf._buffer is None
              and not leaf.element_shape.is_fully_defined()]
    if not arrays:
        return
    saved = [dict(a.__dict__, _elements=list(a._elements)) for a in arrays]

    def run(k):
        with suspended(), _LocalVariables(), _iteration_draws(k):
            _context.current.loop_options.append({})
            try:
                body() if element is None else body(element(k))
            finally:
                _context.current.loop_options.pop()

    try:
        jax.eval_shape(run, jax.ShapeDtypeStruct((), jnp.int32))
    except Exception:  # noqa: BLE001 - a write in buffer form before the shape was known, or the
        pass           # body's own error, raised again by the real trace
    finally:
        set_state(initial)
        for array, state in zip(arrays, saved):
            shape = array._element_shape
            array.__dict__.update(state)
            array._element_shape = shape


def _bounded(options, test, count, extra_test):
    """(test, count, extra_test) with set_loop_options' maximum_iterations applied: a `while` with a
    Python bound becomes a bounded scan whose test stops it early (differentiable)."""
    bound = options.get("maximum_iterations")
    if bound is None:
        return test, count, extra_test
    if test is not None:
        stop = test if extra_test is None else (lambda: _and(extra_test(), test()))
        return None, bound, stop
    if isinstance(count, int) and isinstance(bound, int):
        return None, min(count, bound), extra_test
    return None, jnp.minimum(convert_to_tensor(count)._value, bound), extra_test


def _and(a, b):
    return jnp.logical_and(_pred_array(a), _pred_array(b))


def _null(value):
    """TF's loop variables to define from the first iteration: undefined, or None before the loop."""
    return value is None or isinstance(value, Undefined)


def _invariants_by_name(options, names, entry_states, invariants):
    """`set_loop_options(shape_invariants=[(value, shape)])` keyed by the loop variable's name (the
    variable whose value, at the body's start or before the loop, is `value`)."""
    found = dict(invariants)
    for value, shape in options.get("shape_invariants") or ():
        for state in entry_states:
            index = next((i for i, v in enumerate(state) if v is value), None)
            if index is not None:
                found[names[index]] = shape
                break
    return found


def _staged_loop_once(initial, carried_vars, undefined_avals, get_state, set_state, names, body, test,
                      count, extra_test, element, where, local_only, options, condition_tag, invariants):
    entry = []
    for i, (name, value) in enumerate(zip(names, initial)):
        if _null(value):
            aval = undefined_avals.get(i)
            entry.append(value if aval is None else jax.tree_util.tree_map(
                lambda a: Tensor(jnp.zeros(a.shape, a.dtype)), aval))
        else:
            entry.append(jax.tree_util.tree_map(lambda v, n=name: _entry_value(n, v), value,
                                                is_leaf=_nest._is_leaf))
    entry = tuple(entry)
    template = entry
    variables = list(carried_vars.values())
    reads_seen = {}

    def state_from(arrays):
        it = iter(arrays)
        return tuple(jax.tree_util.tree_map(
            lambda leaf: _rebuild(leaf, Tensor(next(it))) if _is_carried(leaf) else leaf, value,
            is_leaf=_nest._is_leaf)
            for value in template)

    def run_with(carry, fn):
        """Runs `fn()` on the carried state, with carried Variables local; returns its result."""
        k, arrays, var_arrays = carry
        set_state(state_from(arrays))
        preset = {v._id: (v, a) for v, a in zip(variables, var_arrays)}
        with suspended(), _LocalVariables(preset) as local, _iteration_draws(k):
            out = fn(k)
        reads_seen.update(local.read_arrays)
        return out, local

    def keep_going(carry):
        ok = True
        if test is not None:
            result, _ = run_with(carry, lambda k: test())
            ok = _pred_array(result, condition_tag)
        if count is not None:
            ok = jnp.logical_and(ok, carry[0] < count)
        if extra_test is not None:
            more, _ = run_with(carry, lambda k: extra_test())
            ok = jnp.logical_and(ok, _pred_array(more))
        return ok

    def step(carry):
        def iteration(k):
            seen = dict(options)
            options.pop("shape_invariants", None)
            entry_states.append(tuple(get_state()))
            _context.current.loop_options.append(options)
            try:
                if element is None:
                    body()
                else:
                    body(element(k))
            finally:
                _context.current.loop_options.pop()
            if options.get("maximum_iterations") != seen.get("maximum_iterations"):
                raise _Restart  # set_loop_options(maximum_iterations=...): bounded from now on
            return get_state()
        entry_states = []
        new_state, local = run_with(carry, iteration)
        shapes = _invariants_by_name(options, names, entry_states + [initial], invariants)
        new_vars = [v for vid, v in local.assigned.items() if vid not in carried_vars]
        undefined_now = {}
        for i, (name, before, after) in enumerate(zip(names, template, new_state)):
            if _null(before):
                if after is None and before is None:
                    raise ValueError(f"'{name}' is not allowed to be None before the loop")
                if _null(after) or name in local_only:
                    continue
                undefined_now[i] = jax.tree_util.tree_map(
                    lambda leaf: jax.ShapeDtypeStruct(leaf._value.shape, leaf._value.dtype),
                    jax.tree_util.tree_map(lambda v, n=name: _entry_value(n, v), after, is_leaf=_nest._is_leaf),
                    is_leaf=_nest._is_leaf)
                continue
            _check_iteration(name, before, after, shapes.get(name), where)
        if new_vars or undefined_now:
            carried_vars.update({v._id: v for v in new_vars})
            undefined_avals.update(undefined_now)
            raise _Restart
        arrays = [leaf._to_loop_array() if hasattr(leaf, "_to_loop_array") else
                  (_entry_value(n, leaf) if type(leaf) is not Tensor else leaf)._value
                  for n, before, value in zip(names, template, new_state) if not _null(before)
                  for leaf in _nest.flatten(value) if type(leaf) is Tensor or _is_number(leaf)
                  or hasattr(leaf, "_to_loop_array")]
        var_arrays = [local.written[v._id][1] for v in variables]
        return (carry[0] + 1, arrays, var_arrays)

    carry0 = (jnp.asarray(0, jnp.int32), _loop_arrays(template), [_current(v) for v in variables])
    static_count = isinstance(count, int) and test is None
    if static_count:
        def scan_step(carry, _):
            if extra_test is None:
                return step(carry), None
            return jax.lax.cond(keep_going(carry), step, lambda c: (c[0] + 1, c[1], c[2]), carry), None

        converted, consts = jax.closure_convert(lambda c: scan_step(c, None)[0], carry0)
        n_state = len(carry0[1])

        def run_scan(*values):
            init = (values[0], list(values[1:1 + n_state]), list(values[1 + n_state:1 + n_state + len(variables)]))
            extra = values[1 + n_state + len(variables):]
            final, _ = jax.lax.scan(lambda c, _: (converted(c, *extra), None), init, None, length=count)
            return final

        values = [carry0[0]] + list(carry0[1]) + list(carry0[2]) + list(consts)
        final = run_scan(*values)
        tensors = [Tensor(a) for a in final[1]]
        initial_objects = [leaf if type(leaf) is Tensor else None
                           for leaf in _nest.flatten(list(template)) if _is_carried(leaf)]
        inputs = [None] + initial_objects + variables + _captured_objects(consts, reads_seen)

        def differentiable(*vals):
            return tuple(run_scan(*vals)[1])

        _record(differentiable, inputs, values, tensors)
    else:
        converted_step, step_consts = jax.closure_convert(step, carry0)
        converted_test, test_consts = jax.closure_convert(keep_going, carry0)
        captured = _captured_objects(list(step_consts) + list(test_consts), reads_seen)
        initial_objects = [leaf for leaf in _nest.flatten(list(template)) if type(leaf) is Tensor]
        if _tracked(initial_objects + captured + variables):
            raise EagerFallback("a `while` loop whose trip count depends on Tensor values, under a "
                                "GradientTape (JAX has no reverse-mode gradient for it)", where)
        if _context.current.trace_records:
            _context.current.trace_records[-1].dynamic_loops.append(where)
        final = jax.lax.while_loop(lambda c: converted_test(c, *test_consts),
                                   lambda c: converted_step(c, *step_consts), carry0)
        tensors = [Tensor(a) for a in final[1]]
    defined_here = [names[i] for i in sorted(undefined_avals) if _null(initial[i])]
    if defined_here and not (static_count and count > 0) and not _context.current.replaying:
        _require_one_iteration(final[0], defined_here)
    for variable, array in zip(variables, final[2]):
        _write_back(variable, array)
    it = iter(tensors)
    set_state(tuple(jax.tree_util.tree_map(
        lambda leaf: _rebuild(leaf, next(it)) if _is_carried(leaf) else leaf, value, is_leaf=_nest._is_leaf)
        for value in template))


def _is_number(leaf):
    return isinstance(leaf, (bool, int, float, complex, np.number, np.bool_))
