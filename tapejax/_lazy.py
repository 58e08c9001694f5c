"""Deferred values: ops recorded by a tape, gradients and SGD updates run together, when needed.

While a GradientTape records, an op whose inputs are concrete arrays (or deferred values) does not
run: its output Tensors hold `Pending` values (shape and dtype known at once, from the kernel's
abstract evaluation, so shape and dtype errors still raise at the op). `tape.gradient` adds one
node running the backward on those deferred values (a compiled structure, see `_backward`); an op
on a gradient outside any tape (`lr * g`) is one more, and `v.assign_sub(lr * g)` makes the
variable's value a pending update (a "write"). Nothing runs until something reads a value
(`Tensor._value`: printing, `numpy()`, Python control flow, an op outside the tape) or a variable
(the next step's forward): then one compiled program computes every unresolved node that value
depends on and every pending write, donating the old variable buffers nothing else holds, and
returning only the outputs something outside the graph still holds (see `_kept_outputs`). So an
eager training step -- forward, backward, every update -- is one dispatch, as `jax.jit` of the
whole step would be, and nothing runs twice.
"""

from __future__ import annotations

import collections
import signal
import threading
import weakref

import jax
import numpy as np

from tapejax import _cache, _context
from tapejax._errors import DataLossError, from_runtime_error, site_line
from tapejax._holders import held_outputs, item_held_beyond

ENABLED = True  # process-wide switch (tests and benchmarks' eager forward); see `deferring`
MAX_PROGRAMS = 256
MAX_SHAPE_ENTRIES = 4096
MAX_PENDING_WRITES = 4096


def deferring():
    """Whether ops may be deferred in this thread: `ENABLED`, and not inside a `tf.device` scope
    placing work off JAX's default device (deferred ops would run where they are read)."""
    return ENABLED and not _context.current.eager_device_scopes


ArrayImpl = type(jax.device_put(np.zeros(())))  # a computed jax.Array's type (device_put compiles nothing)
try:  # True when no JAX trace is active (a private helper: guarded, with a safe fallback)
    from jax._src.core import trace_state_clean as _no_trace
except ImportError:  # pragma: no cover - depends on the JAX version
    def _no_trace():
        return False


def outside_jax_traces():
    """True when no JAX trace is active in this thread."""
    return _no_trace()


traces = collections.Counter()  # "force" -> number of forcing programs traced
calls = collections.Counter()  # "force" -> number of forcing programs run


class Node:
    """One deferred op: its kernel, its op key, its inputs (arrays or Pending), and its results."""

    __slots__ = ("kernel", "key", "inputs", "multi", "results", "gradient", "pendings", "donatable",
                 "old_values", "error", "follower", "site", "__weakref__")

    def __init__(self, kernel, key, inputs, multi, gradient=False):
        self.kernel = kernel
        self.key = key
        self.inputs = inputs
        self.multi = multi
        self.results = None
        self.gradient = gradient  # outputs are gradients `tape.gradient` returned
        self.pendings = None  # per output, a weak reference to its Pending, or None: always returned
        self.donatable = (0,)  # for a write: the inputs that are old variable values
        self.old_values = None  # for a write: per output, the input holding the value it replaces
        self.error = None  # the exception that computing this node raised (see `_recover`)
        self.follower = None  # a weak reference to a deferred gradient reading this node (see `follow`)
        self.site = None  # where the user's code made it (`_errors.call_site`), for error messages


class Pending:
    """A deferred output of a Node: it has the shape and dtype of the array it will be."""

    __slots__ = ("node", "index", "shape", "dtype", "__weakref__")

    def __init__(self, node, index, shape, dtype):
        self.node = node
        self.index = index
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def resolve(self):
        """The array: computed now (with every deferred op it depends on) if not yet.

        Raises:
          The error of the op this value depends on, when its step's program failed (see `force`).
        """
        node = self.node
        if node.results is None:
            if node.error is not None:
                raise node.error.with_traceback(None)
            force([node])
        return node.results[self.index]


GRADIENT = ("gradient outputs",)


def outputs_of(node, avals, site):
    """The deferred outputs of `node`, one per `(shape, dtype)` in `avals`.

    The node keeps only weak references to them: when it runs, an output no Tensor (or other
    holder outside the deferred graph) still holds is computed inside the program but not returned
    (see `_kept_outputs`), so XLA need not materialise it. The node keeps `site`, the user's
    call site that made it (`_errors.call_site`), for error messages.
    """
    node.site = site
    if len(avals) == 1:  # most ops
        pending = Pending(node, 0, *avals[0])
        node.pendings = [weakref.ref(pending)]
        return [pending]
    pendings = [Pending(node, i, shape, dtype) for i, (shape, dtype) in enumerate(avals)]
    node.pendings = [weakref.ref(p) for p in pendings]
    return pendings


def follow(gradient_node):
    """Makes the deferred forward nodes `gradient_node` reads run it too when they are forced: the
    loss (or a forward value) read after `tape.gradient` computes the gradients in the same program,
    so a step reading its loss first still runs forward and backward as one program."""
    follower = weakref.ref(gradient_node)
    for value in gradient_node.inputs:
        if type(value) is Pending and value.node.results is None:
            value.node.follower = follower


def _with_followers(roots):
    """`roots` and the deferred gradients that read them (see `follow`)."""
    extra = None
    for root in roots:
        follower = root.follower
        if follower is not None:
            gradient = follower()
            if gradient is not None and gradient.results is None and gradient.error is None:
                extra = [gradient] if extra is None else extra + [gradient]
    return roots if extra is None else list(roots) + extra


def mark_gradients(arrays):
    """Gradient arrays as already-computed Pending values: an op applied to one of them outside a
    tape is deferred one step, so `v.assign_sub(lr * g)` runs as one fused, in-place update."""
    node = Node(None, GRADIENT, None, False, gradient=True)
    node.results = tuple(arrays)
    return [Pending(node, i, a.shape, a.dtype) for i, a in enumerate(arrays)]


def deferred_single_op(value):
    """The unresolved Node behind `value` when it is one op on computed arrays or gradients, else
    None."""
    if type(value) is not Pending:
        return None
    node = value.node
    if node.results is not None or node.multi:
        return None
    for x in node.inputs:
        if type(x) is Pending and x.node.results is None and not x.node.gradient:
            return None
    return node


# Variable updates not run yet, by key: `v.assign_sub(lr * g)` on a gradient (see _variable), keyed
# by the variable's id, or a Keras optimizer's apply (several variables), keyed by the node's id.
# Each is a Node whose `donatable` inputs are the variables' old arrays. The next program that runs
# (a read of any deferred value, any variable's read) runs them too, so a training step's forward,
# backward and updates can be one program, as `jax.jit` of a whole step would be.
_writes = {}
_lock = _context.donation_lock  # the writes run (and donate) holding it



def add_write(key, node):
    """Registers `node` to run with the next program: an update of the variable with id `key`
    (its old value is input 0), or of several variables (key: the node's id; `node.donatable`
    lists the inputs that are their old values)."""
    with _lock:
        _writes[key] = node
        if len(_writes) >= MAX_PENDING_WRITES:
            force(())


def defer_update(kernel, key, variables, inputs, old_positions, avals, write_key=None, donatable=None):
    """Makes `variables` take the outputs of `kernel(*inputs)` (output i is variable i's new value)
    with the next program, as one pending write: the one deferred-update path of Variables, Keras
    optimizers and metrics.

    Args:
      kernel: a pure function of `inputs` returning one array per variable (a tuple).
      key: the kernel's hashable identity (part of the program's cache key).
      variables: the Variables updated; their stored value becomes the write's deferred output.
      inputs: arrays or deferred values; those at `old_positions` are the variables' old values
        (donated when nothing else holds them; restored if the write's program fails).
      old_positions: the positions in `inputs` of the old values.
      avals: per variable, the (shape, dtype) of its new value.
      write_key: the key the write is registered under (a single Variable's id, so a later
        assignment can cancel it); the node's id by default.
      donatable: the old values that may be donated, when not all of them (default: all).
    """
    node = Node(kernel, key, list(inputs), True)
    node.donatable = tuple(old_positions if donatable is None else donatable)
    node.old_values = tuple(old_positions)
    for i, (variable, (shape, dtype)) in enumerate(zip(variables, avals)):
        variable._stored = Pending(node, i, shape, dtype)
    add_write(id(node) if write_key is None else write_key, node)


def cancel_write(key):
    """Forgets the pending update of variable `key` (it was overwritten before anything read it)."""
    with _lock:
        _writes.pop(key, None)


_shapes = {}  # (op key, input avals) -> output (shape, dtype) pairs


def output_avals(kernel, key, values, multi):
    """The (shape, dtype) of each output of `kernel(*values)`, without running it.

    Raises:
      Whatever the kernel raises on these shapes and dtypes (JAX's TypeError/ValueError).
    """
    cache_key = (key, tuple([(v.shape, v.dtype) for v in values]))
    found = _shapes.get(cache_key)
    if found is None:
        out = jax.eval_shape(kernel, *[jax.ShapeDtypeStruct(v.shape, v.dtype) for v in values])
        outs = out if multi else (out,)
        found = tuple((tuple(o.shape), np.dtype(o.dtype)) for o in outs)
        if len(_shapes) >= MAX_SHAPE_ENTRIES:
            _shapes.clear()
        _shapes[cache_key] = found
    return found


_programs = _cache.LRU(MAX_PROGRAMS)


class _FailedInput(Exception):
    """A node to run depends on one whose program failed (see `_recover`)."""


def force(roots):
    """Computes the results of the nodes `roots` and of every unresolved node they depend on,
    together with every pending variable update: one compiled program (`_collect`, then `_run`)."""
    if _cache.churned() and _no_trace() and _context.current.trace is None:  # shapes keep changing:
        _cache.clear_all()  # free what they compiled (at a point where no trace holds any of it)
    with _lock:
        roots = _with_followers(roots)
        registered = None
        if _writes:
            registered = dict(_writes)
            _writes.clear()
            roots = [*roots, *registered.values()]
        try:
            collected = _collect(roots)
        except _FailedInput:
            return _raise_recovered(roots)
        if collected[0]:
            _run(roots, registered, *collected)


def _collect(roots):
    """The unresolved nodes `roots` depend on, in dependency order, with their specs (key, input
    refs); the leaf arrays they read, each leaf's position by id and how many times forced nodes'
    input lists hold it; and how many times those lists hold each Pending.

    Raises:
      _FailedInput: a node needed depends on one whose program failed before.
    """
    order, index_of, specs = [], {}, []  # index_of: node (identity-hashed) -> position in order
    leaves, leaf_index, leaf_uses, pending_uses = [], {}, [], {}
    stack = list(roots)
    stack.reverse()
    while stack:
        node = stack[-1]
        if node.results is not None or node in index_of:
            stack.pop()
            continue
        if node.error is not None:
            raise _FailedInput(node.error)
        inputs = node.inputs
        depth = len(stack)
        for value in inputs:  # unresolved inputs first
            if type(value) is Pending:
                source = value.node
                if source.results is None and source not in index_of:
                    stack.append(source)
        if len(stack) > depth:
            continue
        stack.pop()
        refs = []
        for value in inputs:
            if type(value) is Pending:
                source = value.node
                if source.results is None:
                    refs.append((index_of[source], value.index))
                    value_id = id(value)
                    pending_uses[value_id] = pending_uses.get(value_id, 0) + 1
                    continue
                value, uses = source.results[value.index], 0  # held by a resolved node, not an input list
            else:
                uses = 1
            value_id = id(value)
            slot = leaf_index.get(value_id)
            if slot is None:
                leaf_index[value_id] = slot = len(leaves)
                leaves.append(value)
                leaf_uses.append(uses)
            else:
                leaf_uses[slot] += uses
            refs.append((-1, slot))
        index_of[node] = len(order)
        order.append(node)
        specs.append((node.key, tuple(refs)))
    return order, specs, leaves, leaf_index, leaf_uses, pending_uses


def _run(roots, registered, order, specs, leaves, leaf_index, leaf_uses, pending_uses):
    """Runs the program computing `order` (compiled once per structure, see `_build`) and stores
    every node's results. Outputs only the forced nodes read (a forward intermediate, a gradient an
    update here uses) are computed but not returned (`held_outputs`), which saves their buffers and
    lets XLA fuse through them; old Variable values nothing else holds are donated. A failure is
    recovered (`_recover`); an interrupt before the program ran leaves the updates pending."""
    kept = tuple([None if node.pendings is None else held_outputs(node.pendings, pending_uses)
                  for node in order])
    writes = [node for node in registered.values() if node.results is None] if registered else ()
    donated, output_order = (), None
    if writes:
        donated = _donated_leaves(writes, leaves, leaf_index, leaf_uses)
        written = set(writes)
        # JAX pairs each donated buffer with the first output of its shape: updates come first
        output_order = tuple([i for i, node in enumerate(order) if node in written]
                             + [i for i, node in enumerate(order) if node not in written])
    key = (tuple(specs), tuple([leaf.aval if type(leaf) is ArrayImpl else jax.typeof(leaf) for leaf in leaves]),
           donated, output_order, kept)
    program = _programs.lookup(key)
    if program is None:
        program = _programs.insert(key, _build(order, specs, len(leaves), donated, output_order, kept))
    donated_values = [leaves[i] for i in donated]
    if donated:
        leaves = [leaf for i, leaf in enumerate(leaves) if i not in donated]
    del leaf_index, pending_uses
    calls["force"] += 1
    guard = _DeferredInterrupts().__enter__() if donated else None
    try:
        try:
            outputs = _call(program, donated_values, leaves)
        except Exception:  # e.g. the fused program needs more memory than each op alone
            del donated_values, leaves
            return _raise_recovered(roots)
        except BaseException:
            for write_key, node in (registered or {}).items():
                _writes.setdefault(write_key, node)
            raise
        for i, results in zip(output_order or range(len(order)), outputs):
            node = order[i]
            positions = kept[i]
            if positions is not None:  # not returned: nothing outside can read them
                full = [None] * len(node.pendings)
                for j, value in zip(positions, results):
                    full[j] = value
                results = tuple(full)
            node.results = results
            node.inputs = node.pendings = node.follower = None  # what it read is no longer needed
    finally:
        if guard is not None:
            guard.__exit__()


def _op_name(node):
    key = node.key
    if type(key) is tuple and key and hasattr(key[0], "name"):
        return key[0].name
    if type(key) is tuple and key and key[0] == "update":
        return "a Variable update"
    if node.gradient or key is GRADIENT:
        return "the gradient computation"
    if type(key) is tuple and key and isinstance(key[0], str):
        return key[0]
    return "a deferred op"


def _describe(node, err):
    """`err` (translated to TF's class when it has one) naming the op whose run raised it and the
    user's line that made it."""
    translated = from_runtime_error(err) if isinstance(err, jax.errors.JaxRuntimeError) else None
    error = translated if translated is not None else err
    where = f" (recorded at {site_line(node.site)})" if node.site is not None else ""
    hint = (f"tapejax: the deferred step failed while running {_op_name(node)}{where}; the Variables "
            f"it would have updated keep their previous values, and values computed from it raise "
            f"this error when read.")
    try:
        described = type(error)(f"{error}\n{hint}")
    except Exception:  # noqa: BLE001 - an exception class with another signature
        described = error
    described.__cause__ = err
    return described


def _sources(node):
    for value in node.inputs:
        if type(value) is Pending:
            yield value.node


def _recover(roots):
    """Runs the nodes `roots` need one at a time after their fused program failed: what can be
    computed is stored; a node that raises, and every node that needs it, keeps the error (reading
    it raises); a write among them is undone (its Variables keep their values). Returns the first
    error, described."""
    order, seen = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:  # post-order: inputs first
        node, expanded = stack.pop()
        if node.results is not None or node.error is not None:
            continue
        if expanded:
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
            continue
        stack.append((node, True))
        stack.extend((source, False) for source in _sources(node) if id(source) not in seen)
    first = None
    for node in order:
        error = next((s.error for s in _sources(node) if s.error is not None), None)
        values = None
        if error is None:
            values = [v.node.results[v.index] if type(v) is Pending else v for v in node.inputs]
            deleted = [v for v in values if getattr(v, "is_deleted", None) is not None and v.is_deleted()]
            if deleted:
                error = DataLossError(
                    f"A deferred step's program failed after XLA had taken {len(deleted)} of its input "
                    f"buffers (donated for an in-place update): they cannot be recomputed.")
        if error is None:
            try:
                with jax.ensure_compile_time_eval():
                    out = node.kernel(*values)
                results = tuple(out) if node.multi else (out,)
                jax.block_until_ready(results)
            except Exception as err:  # noqa: BLE001 - kept on the node, raised when it is read
                error = _describe(node, err)
        if error is None:
            _store(node, results)
            continue
        if first is None:
            first = error
        if node.old_values is not None and values is not None:
            _store(node, tuple(values[i] for i in node.old_values))  # the write is undone
        elif node.old_values is not None:
            old = [node.inputs[i] for i in node.old_values]
            if all(type(v) is not Pending or v.node.results is not None for v in old):
                _store(node, tuple(v.node.results[v.index] if type(v) is Pending else v for v in old))
            else:
                node.error = error
        else:
            node.error = error
            node.inputs = None
    if first is None:  # nothing new failed: a root failed before
        first = next((root.error for root in roots if root.error is not None), None)
    return first


class _DeferredInterrupts:
    """Holds back SIGINT (Ctrl-C) while a program that donates Variable buffers runs and its results
    are stored: an interrupt there would drop the results after XLA took the old buffers. The
    interrupt is raised on leaving. Only the main thread receives signals; elsewhere this is a no-op."""

    __slots__ = ("previous", "received")

    def __enter__(self):
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if callable(previous):
                self.received = None
                self.previous = previous
                signal.signal(signal.SIGINT, self._hold)
        return self

    def _hold(self, signum, frame):
        self.received = (signum, frame)

    def __exit__(self, *exc):
        previous = self.previous
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
            if self.received is not None:
                previous(*self.received)
        return False


def deferred_interrupts():
    """A context in which Ctrl-C waits until the block ends (see `_DeferredInterrupts`)."""
    return _DeferredInterrupts()


def _build(order, specs, n_leaves, donated, output_order, kept_outputs):
    kernels = [(node.kernel, node.multi) for node in order]
    refs_of = [refs for _, refs in specs]
    kept = [i for i in range(n_leaves) if i not in set(donated)]

    def run(donated_values, kept_values):
        traces["force"] += 1
        leaf_values = [None] * n_leaves
        for i, value in zip(donated, donated_values):
            leaf_values[i] = value
        for i, value in zip(kept, kept_values):
            leaf_values[i] = value
        results = []
        for (kernel, multi), refs in zip(kernels, refs_of):
            args = [leaf_values[i] if n < 0 else results[n][i] for n, i in refs]
            out = kernel(*args)
            results.append(tuple(out) if multi else (out,))
        return [results[i] if kept_outputs[i] is None else tuple([results[i][j] for j in kept_outputs[i]])
                for i in (range(len(results)) if output_order is None else output_order)]

    return jax.jit(run, donate_argnums=(0,) if donated else ())


def _donated_leaves(writes, leaves, leaf_index, leaf_uses):
    """Positions of the leaves that are old values of variables updated here and that nothing
    outside this program holds: their buffers are donated (the update happens in place)."""
    donated = []
    if not _context.donation_allowed():  # another thread may hold an old value
        return ()
    for node in writes:
        inputs = node.inputs
        for i in node.donatable:
            pos = leaf_index.get(id(inputs[i]))
            # the graph's holders go away with this program: the forced nodes' input lists
            if pos is not None and not item_held_beyond(leaves, pos, leaf_uses[pos]) and pos not in donated:
                donated.append(pos)
    return tuple(donated)


def _call(program, donated_values, other_values):
    if _no_trace():
        return program(donated_values, other_values)
    if not any(isinstance(v, jax.core.Tracer) for v in other_values):
        # values (concrete leaves) read while some function is traced: computed now, by the
        # program compiled ahead (under ensure_compile_time_eval it would run op by op)
        return program.lower(donated_values, other_values).compile()(donated_values, other_values)
    with jax.ensure_compile_time_eval():
        return program(donated_values, other_values)


def _raise_recovered(roots):
    failure = _recover(roots)
    if failure is not None:
        raise failure.with_traceback(None) from None


def _store(node, results):
    node.results = results
    node.inputs = None  # what it read is no longer needed
    node.pendings = None
    node.follower = None


@_cache.register
def clear_cache():
    """Drops the compiled programs and the cached output shapes (for tests and benchmarks)."""
    _programs.clear()
    _shapes.clear()


def resolve_all(values):
    """`values` with every Pending replaced by its array, computed together in one program."""
    nodes = [v.node for v in values if type(v) is Pending and v.node.results is None]
    if nodes:
        force(nodes)
    return [v.node.results[v.index] if type(v) is Pending else v for v in values]
