"""The graph of a `tapejax.function` trace: TF's names for its op outputs (`Tensor("add:0", ...)`,
`"Sum_1:0"`, `"cond/mul:0"`), and its ops as a program that can run again on other shapes.

TF names each graph op by the name its Python API asks for -- an operator its own (`x + y` is
"add", `x * y` "mul"), a generated op function the op type (`tf.reduce_sum` is "Sum"), a few functions
their name scope (`tf.stack` is "stack") -- under the current name scopes, made unique within the
graph case-insensitively ("add", then `tf.add` gives "Add_1"). A trace keeps one `TraceGraph`
(`_context.current.trace_graph`); the op dispatch names each output it makes while one is set.

The graph also keeps each op's kernel and the values it read, as TF's graph keeps its ops. TF runs
a graph on inputs of shapes other than the traced ones (its kernels take any shape): a
ConcreteFunction traced for a scalar runs on a vector with the Python values of its trace, and a
trace with None dimensions runs on every shape it accepts without the Python function running
again. `replay_program` rebuilds that program from the recorded kernels, for the shapes of a call;
`same_program` checks that it is exactly the traced program (otherwise, e.g. when staged control
flow or a random draw made equations no op recorded, it is not used).
"""

from __future__ import annotations

import contextlib
import inspect
import sys

import jax
from jax.export import is_symbolic_dim

from tapejax import _context
from tapejax._tensor import Tensor

# TF op type -> the name TF's public function for it gives (where that is not the op type itself)
DEFAULT_NAMES = {
    "AddV2": "Add", "RealDiv": "truediv", "Pack": "stack", "ConcatV2": "concat",
    "StridedSlice": "strided_slice", "BatchMatMulV2": "MatMul", "Unpack": "unstack",
}

# Python operator -> the name TF's operator gives its op
OPERATOR_NAMES = {
    "__add__": "add", "__radd__": "add", "__sub__": "sub", "__rsub__": "sub", "__mul__": "mul",
    "__rmul__": "mul", "__truediv__": "truediv", "__rtruediv__": "truediv", "__floordiv__": "floordiv",
    "__rfloordiv__": "floordiv", "__mod__": "mod", "__rmod__": "mod", "__pow__": "pow", "__rpow__": "pow",
    "__matmul__": "matmul", "__rmatmul__": "matmul",
}


class TraceGraph:
    """One trace's graph: the op names used so far and the name the next op is asked for, the ops
    run (`entries`, for `replay_program`), and the values the trace made or took as inputs."""

    __slots__ = ("in_use", "requested", "branches", "closed", "leaked", "entries", "owned", "parent", "keyed")

    def __init__(self, inputs=(), parent=None):
        self.owned = {id(v) for v in inputs}  # ids of the values this trace made or took as inputs
        self.parent = parent  # the graph of the trace this one was started in (its values may be captured)
        self.in_use = {}  # lower-cased name -> how many times it was asked for
        self.requested = None  # set by an operator for the op it is about to make
        self.branches = []  # per staged branch being traced: id(value) -> (name, value) made there
        self.closed = {}  # the same for branches already traced (their values must not leak)
        self.leaked = None  # the name of the first such value an op outside its branch read
        self.entries = []  # per op run in the trace: (kernel, input values, output values, multi, folded)
        self.keyed = {}  # id of a constant the trace read a found Variable as -> its input ref

    def owns(self, value):
        """Whether `value` was made by (or is an input of) this trace or one it was started in."""
        graph = self
        while graph is not None:
            if id(value) in graph.owned:
                return True
            graph = graph.parent
        return False

    def unique(self, name):
        """`name` made unique in this graph, as TF's `Graph.unique_name` does it."""
        key = name.lower()
        count = self.in_use.get(key, 0)
        self.in_use[key] = count + 1
        if count == 0:
            return name
        base = key
        while key in self.in_use:
            key = f"{base}_{count}"
            count += 1
        self.in_use[key] = 1
        return f"{name}_{count - 1}"

    def op_name(self, op_type):
        """The unique name of the next op (of TF type `op_type`), with the current name scopes."""
        name = self.requested or DEFAULT_NAMES.get(op_type, op_type)
        self.requested = None
        scopes = [s for s in _context.current.name_scopes if s]
        return self.unique("/".join(scopes + [name]) if scopes else name)


def note_op(graph, op_type, kernel, inputs, values, out, multi, folded, outputs):
    """Records one op of the trace (`out = kernel(*values)`, run as a compile-time constant when
    `folded`), gives each output Tensor its TF name (`"<op name>:<index>"`), and notes an input
    made inside a staged branch already traced (TF's InaccessibleTensorError names it)."""
    outs = tuple(out) if multi else (out,)
    graph.entries.append((kernel, tuple(values), outs, multi, folded))
    if graph.closed and graph.leaked is None:
        note_leaks(graph, inputs)
    for x in inputs:
        name = getattr(x, "_name", None) if type(x) is Tensor else None
        if name is not None and isinstance(x._v, jax.core.Tracer) and not graph.owns(x._v):
            raise TypeError(
                f"<tf.Tensor '{name}' shape={x.shape} dtype={x.dtype.name}> is out of scope and cannot be "
                f"used here. Use return values, explicit Python locals or TensorFlow collections to access "
                f"it.\ntapejax: this Tensor was made while another tf.function was traced (e.g. kept in a "
                f"global); return it from that function and pass it in as an argument.")
    owned = graph.owned
    for o in outs:
        owned.add(id(o))
    base = graph.op_name(op_type)
    made = graph.branches[-1] if graph.branches else None
    for index, tensor in enumerate(outputs):
        tensor._name = f"{base}:{index}"
        if made is not None:
            made[id(tensor._v)] = (tensor._name, tensor._v)


def note_leaks(graph, tensors):
    """Remembers the first of `tensors` made inside a staged branch already traced."""
    for x in tensors:
        found = graph.closed.get(id(getattr(x, "_v", None)))
        if found is not None:
            graph.leaked = found[0]
            return


# The name of a traced (symbolic) Tensor, as TF's graph tensors ("a:0"): an op output has the name
# the trace gave it (`note_op`: "add:0", "Sum_1:0"); an argument of the tapejax.function
# being traced is named as TF names its placeholder (the parameter's name, `args_0` for *args, `x_1`
# for the second Tensor inside an argument `x`). Printing an argument is a debugging path, so the
# function being traced is found by looking up the stack for `tapejax._function`'s trace body (its
# `python_function`, `call_args`, `call_kwargs`) rather than by naming arguments on every traced call.
# Anything else (a value made inside JAX code that is not an op) prints as "tensor:0". `_ops/_operators.py`
# sets it as `Tensor._symbolic_name`, read by a traced Tensor's `name` and reprs.
_UNNAMED = "tensor"


def symbolic_name(tensor):
    named = getattr(tensor, "_name", None)
    if named is not None:
        return named
    return _argument_or_unnamed(tensor) + ":0"


def _argument_or_unnamed(tensor):
    frame = sys._getframe(2)
    while frame is not None:
        local = frame.f_locals
        if (frame.f_code.co_name == "body" and frame.f_code.co_filename.endswith("_function.py")
                and "call_args" in local and "python_function" in local):
            name = _argument_name(tensor, local["python_function"], local["call_args"],
                                  local.get("call_kwargs") or {})
            return _UNNAMED if name is None else name
        frame = frame.f_back
    return _UNNAMED


def _argument_name(tensor, function, args, kwargs):
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    for param_name, value in bound.arguments.items():
        kind = bound.signature.parameters[param_name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            named = [(f"{param_name}_{i}", v) for i, v in enumerate(value)]
        elif kind is inspect.Parameter.VAR_KEYWORD:
            named = list(value.items())
        else:
            named = [(param_name, value)]
        for base, value in named:
            for i, leaf in enumerate(_tensor_leaves(value)):
                if leaf is tensor:
                    return base if i == 0 else f"{base}_{i}"
    return None


def _tensor_leaves(value):
    if type(value) is Tensor:
        return [value]
    if isinstance(value, dict):
        return [t for k in sorted(value) for t in _tensor_leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensor_leaves(v)]
    return []


@contextlib.contextmanager
def control_flow_scope(kind):
    """The name scope of a staged `if` ("cond") or loop ("while"), unique in the graph. Each branch
    is a graph of its own in TF: use `branch()` around each one's trace."""
    graph = _context.current.trace_graph
    if graph is None:
        yield None
        return
    scope = graph.unique("/".join([s for s in _context.current.name_scopes if s] + [kind]))
    saved = _context.current.name_scopes
    _context.current.name_scopes = [scope]
    try:
        yield graph
    finally:
        _context.current.name_scopes = saved


@contextlib.contextmanager
def branch(graph):
    """One branch of a staged `if` (or a loop's body): its names do not use up the graph's."""
    if graph is None:
        yield
        return
    saved = dict(graph.in_use)
    graph.branches.append({})
    try:
        yield
    finally:
        graph.in_use = saved
        graph.closed.update(graph.branches.pop())


def run_recorded(kernel, values, multi=False):
    """`kernel(*values)`, recorded as an op of the trace being made (if any): for code that makes
    traced values other than through the op dispatch (a Variable's write, tf.print, tf.shape)."""
    out = kernel(*values)
    graph = _context.current.trace_graph
    if graph is not None:
        outs = tuple(out) if multi else (out,)
        graph.entries.append((kernel, tuple(values), outs, multi, False))
        graph.owned.update(id(o) for o in outs)
    return out


class Replay:
    """A trace's ops as a function of the traced program's arguments (see `replay_program`): its
    inputs are keyed (a Variable by id, the k-th Tensor argument, the random words) and `bound` to
    the positions of a program's flat arguments."""

    __slots__ = ("program", "out_refs", "out_tree", "positions", "__weakref__")

    def __init__(self, program, out_refs, out_tree, positions=None):
        self.program = program
        self.out_refs = out_refs
        self.out_tree = out_tree
        self.positions = positions

    def bound(self, keys):
        """This replay taking its inputs as flat arguments in the order of `keys`, or None when one
        of its inputs is not among them."""
        positions = {key: i for i, key in enumerate(keys)}
        needed = {ref[1] for _, refs, _, _ in self.program for ref in refs if ref[0] == "in"}
        needed.update(ref[1] for ref in self.out_refs if ref[0] == "in")
        if not needed <= set(positions):
            return None
        return Replay(self.program, self.out_refs, self.out_tree, positions)

    def __call__(self, *inputs):
        flat_inputs = jax.tree_util.tree_leaves(inputs)
        positions = self.positions
        results = []

        def value(ref):
            kind = ref[0]
            if kind == "in":
                return flat_inputs[positions[ref[1]]]
            return results[ref[1]][ref[2]] if kind == "op" else ref[1]

        for kernel, refs, multi, folded in self.program:
            args = [value(ref) for ref in refs]
            if folded and not any(isinstance(a, jax.core.Tracer) for a in args):
                with jax.ensure_compile_time_eval():  # as the trace computed it: a constant
                    out = kernel(*args)
            else:
                out = kernel(*args)
            results.append(tuple(out) if multi else (out,))
        return jax.tree_util.tree_unflatten(self.out_tree, [value(ref) for ref in self.out_refs])


def replay_program(graph, keyed_inputs, outputs):
    """The recorded ops as an (unbound) `Replay` from the trace's inputs (`(key, value)` pairs, and
    the Variables it read as constants, see `note_constant_read`) to `outputs`, or None where some
    value on the way was made by code no entry recorded."""
    produced = {id(v): ("in", key) for key, v in keyed_inputs}
    produced.update(graph.keyed)

    def ref(v):
        found = produced.get(id(v))
        if found is not None:
            return found
        return None if isinstance(v, jax.core.Tracer) else ("const", v)

    program = []
    for kernel, values, outs, multi, folded in graph.entries:
        refs = tuple(ref(v) for v in values)
        if None in refs or _symbolic_attributes(kernel):
            return None
        for j, out in enumerate(outs):
            produced[id(out)] = ("op", len(program), j)
        program.append((kernel, refs, multi, folded))
    flat_outputs, out_tree = jax.tree_util.tree_flatten(outputs)
    out_refs = tuple(ref(v) for v in flat_outputs)
    if None in out_refs:
        return None
    return Replay(tuple(program), out_refs, out_tree)


def note_constant_read(graph, constant, key):
    """`constant` (an array the trace holds) is the value of the input `key` (a Variable the trace
    found and reads as a constant; its program later takes it as an argument)."""
    graph.keyed[id(constant)] = ("in", key)
    graph.owned.add(id(constant))


def _symbolic_attributes(kernel):
    """Whether an op kernel's bound attributes hold symbolic sizes (a None dimension's): such a
    kernel is right for the relaxed trace only."""
    keywords = getattr(getattr(kernel, "__wrapped__", None), "keywords", None) or {}
    stack = list(keywords.values())
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif is_symbolic_dim(item):
            return True
    return False


def same_program(replay, program, avals):
    """Whether `replay` run on `avals` is exactly `program` (the traced program as a function),
    equation for equation."""
    try:
        replayed = jax.make_jaxpr(replay)(*avals)
        traced = jax.make_jaxpr(program)(*avals)
    except Exception:  # noqa: BLE001 - any failure: not the same program
        return False
    return str(replayed.jaxpr) == str(traced.jaxpr)
