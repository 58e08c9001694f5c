"""TF's names for the op outputs of a `tapejax.function` trace: `Tensor("add:0", ...)`, `"Sum_1:0"`,
`"cond/mul:0"`.

TF names each graph op by the name its Python API asks for -- an operator its own (`x + y` is
"add", `x * y` "mul"), a generated op function the op type (`tf.reduce_sum` is "Sum"), a few functions
their name scope (`tf.stack` is "stack") -- under the current name scopes, made unique within the
graph case-insensitively ("add", then `tf.add` gives "Add_1"). A trace keeps one `GraphNames`
(`_context.current.graph_names`); the op dispatch names each output it makes while one is set.
"""

from __future__ import annotations

import contextlib

from tapejax import _context

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


class GraphNames:
    """The op names used so far in one traced graph, and the name the next op is asked for."""

    __slots__ = ("in_use", "requested", "branches", "closed", "leaked")

    def __init__(self):
        self.in_use = {}  # lower-cased name -> how many times it was asked for
        self.requested = None  # set by an operator for the op it is about to make
        self.branches = []  # per staged branch being traced: id(value) -> (name, value) made there
        self.closed = {}  # the same for branches already traced (their values must not leak)
        self.leaked = None  # the name of the first such value an op outside its branch read

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


def name_outputs(names, op_type, inputs, outputs):
    """Gives each output Tensor of one op its TF name (`"<op name>:<index>"`), and notes an input
    made inside a staged branch already traced (TF's InaccessibleTensorError names it)."""
    if names.closed and names.leaked is None:
        note_leaks(names, inputs)
    base = names.op_name(op_type)
    made = names.branches[-1] if names.branches else None
    for index, tensor in enumerate(outputs):
        tensor._name = f"{base}:{index}"
        if made is not None:
            made[id(tensor._v)] = (tensor._name, tensor._v)


def note_leaks(names, tensors):
    """Remembers the first of `tensors` made inside a staged branch already traced."""
    for x in tensors:
        found = names.closed.get(id(getattr(x, "_v", None)))
        if found is not None:
            names.leaked = found[0]
            return


def request(operator):
    """Asks for TF's operator name for the op an operator is about to make (inside a trace)."""
    names = _context.current.graph_names
    if names is not None:
        names.requested = OPERATOR_NAMES[operator]


@contextlib.contextmanager
def control_flow_scope(kind):
    """The name scope of a staged `if` ("cond") or loop ("while"), unique in the graph. Each branch
    is a graph of its own in TF: use `branch()` around each one's trace."""
    names = _context.current.graph_names
    if names is None:
        yield None
        return
    scope = names.unique("/".join([s for s in _context.current.name_scopes if s] + [kind]))
    saved = _context.current.name_scopes
    _context.current.name_scopes = [scope]
    try:
        yield names
    finally:
        _context.current.name_scopes = saved


@contextlib.contextmanager
def branch(names):
    """One branch of a staged `if` (or a loop's body): its names do not use up the graph's."""
    if names is None:
        yield
        return
    saved = dict(names.in_use)
    names.branches.append({})
    try:
        yield
    finally:
        names.in_use = saved
        names.closed.update(names.branches.pop())
