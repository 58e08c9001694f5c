"""`tapejax.function` (`tf.function`): trace a Python step once per input signature under `jax.jit`.

Inside the trace, Tensors wrap tracers and GradientTape works unchanged. Variables read or assigned
in the step are lifted to explicit arguments and results (Keras 3's StatelessScope pattern): a read
returns the traced value, an assignment replaces it, and after the call the new values are written
back. Written Variables' buffers are donated, so XLA updates them in place (a value still held
elsewhere is copied first). Each signature is compiled once, explicitly. Variables the step touches
are found while tracing and lifted into that trace's program (`Function._lift`). Variables the first
call creates from constants are created for real mid-trace, and the function is traced once more
without creation (as TF does); one whose initial value is traced makes that first call run eagerly.
Python control flow on traced Tensors is converted by AutoGraph (`_autograph`).
"""

from __future__ import annotations

import abc
import collections
import contextlib
import functools
import inspect
import logging
import types
import weakref

import jax
import numpy as np

from tapejax import (
    _autograph,
    _backward,
    _cache,
    _context,
    _dtypes,
    _explain,
    _lazy,
    _nest,
    _record,
    _staging,
    _string_trace,
    _trace_graph,
    _variable,
)
from tapejax import _errors as errors
from tapejax._errors import user_line, warn_first_n
from tapejax._ops import random_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import SymbolicStrings, Tensor, TensorShape

_NO_RNG = np.zeros(3, np.uint32)
_no_rng_device = []


callback_errors = [_string_trace.reraise_failure]  # each raises the error a host callback raised in a failed call


def _no_rng():
    """The unused RNG argument as a device array, made once (a NumPy one is copied every call)."""
    if not _no_rng_device:
        _no_rng_device.append(jax.device_put(_NO_RNG))
    return _no_rng_device[0]
_log = logging.getLogger("tapejax")
RETRACE_WARNING_THRESHOLD = 5
_NO_DEFAULT = object()
MAX_CONCRETE_FUNCTIONS = 64


def run_functions_eagerly(run_eagerly):
    """Makes every `tapejax.function` run its Python function eagerly (for debugging)."""
    _context.settings.run_functions_eagerly = bool(run_eagerly)


def functions_run_eagerly():
    return _context.settings.run_functions_eagerly


def _tracing():
    return _context.current.trace is not None


class TensorSpec:
    """Describes a Tensor argument of a function: shape (None for any size) and dtype.

    Args:
      shape: a list/tuple of ints or None.
      dtype: default float32.
      name: optional name.
    """

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, value):
        shape = tuple(value.shape)
        return (value.dtype == self.dtype and len(shape) == len(self.shape)
                and all(s is None or s == d for s, d in zip(self.shape, shape)))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self):
        return hash((tuple(self.shape), self.dtype))


class TraceType(abc.ABC):
    """What an argument contributes to a function's trace key (`tf.types.experimental.TraceType`).

    An object whose class defines `__tf_tracing_type__(context)` is traced by the TraceType that
    returns: calls whose arguments have equal TraceTypes share a trace (the first call's value is
    the one traced), as TF does.
    """

    @abc.abstractmethod
    def is_subtype_of(self, other):
        """Whether this type is a subtype of `other`."""

    @abc.abstractmethod
    def most_specific_common_supertype(self, others):
        """The most specific supertype of this type and `others`, or None."""

    @abc.abstractmethod
    def placeholder_value(self, placeholder_context):
        """The value a trace uses for an argument of this type."""

    @abc.abstractmethod
    def __eq__(self, other):
        pass

    @abc.abstractmethod
    def __hash__(self):
        pass


class _VariableCreated(Exception):
    pass


class _NotRelaxable(Exception):
    """A trace with None dimensions whose program cannot be compiled per shape beneath it."""


def _inlined_key(signature):
    """A call signature as `_note_inlined` keys it (its structure as a treedef)."""
    structure, leaves = signature
    if isinstance(structure, int):
        structure = jax.tree_util.tree_structure((tuple(range(structure)), {}))
    return structure, tuple(leaf[:4] if leaf[0] == "V" else leaf for leaf in leaves)


def _relaxed(signature):
    return any(leaf[0] == "T" and None in leaf[1] for leaf in signature[1])


def _accepts(key, signature):
    """Whether the relaxed signature `key` accepts the exact `signature` (None takes any size)."""
    if key[0] != signature[0] or len(key[1]) != len(signature[1]):
        return False
    for a, b in zip(key[1], signature[1]):
        if a == b:
            continue
        if not (a[0] == b[0] == "T" and a[2] == b[2] and len(a[1]) == len(b[1])
                and all(x is None or x == y for x, y in zip(a[1], b[1]))):
            return False
    return True


def _relaxation(old, new):
    """`reduce_retracing`'s common signature of two: Tensor dimensions that differ become None;
    None when they differ otherwise (another rank, dtype or Python value) or not at all."""
    if old[0] != new[0] or len(old[1]) != len(new[1]) or old == new:
        return None
    leaves = []
    for a, b in zip(old[1], new[1]):
        if a == b:
            leaves.append(a)
        elif a[0] == b[0] == "T" and a[2] == b[2] and len(a[1]) == len(b[1]):
            leaves.append(("T", tuple(x if x == y else None for x, y in zip(a[1], b[1])), a[2]))
        else:
            return None
    return old[0], tuple(leaves)


def _symbolic_avals(leaf_signatures):
    """Abstract arguments for Tensor leaves whose None dimensions are symbolic sizes (one scope)."""
    unknown = sum(d is None for leaf in leaf_signatures for d in leaf[1])
    sizes = iter(jax.export.symbolic_shape(", ".join(f"d{k}" for k in range(unknown))) if unknown else ())
    return [jax.ShapeDtypeStruct(tuple(next(sizes) if d is None else d for d in leaf[1]), leaf[2])
            for leaf in leaf_signatures]


def _has_callbacks(jaxpr):
    """Whether a jaxpr (or one nested in it) calls back into Python (tf.print, strings, ...)."""
    for eqn in jaxpr.eqns:
        if "callback" in eqn.primitive.name:
            return True
        for param in eqn.params.values():
            for inner in (param if isinstance(param, (tuple, list)) else (param,)):
                inner = getattr(inner, "jaxpr", inner)
                if hasattr(inner, "eqns") and _has_callbacks(inner):
                    return True
    return False


def _replay(traced):
    """The traced program as a function of its arguments (evaluates its jaxpr; runs no Python)."""
    closed = traced.jaxpr
    out_tree = jax.tree_util.tree_structure(traced.out_info)

    def replay(written_values, read_values, tensor_values, rng_words):
        flat = jax.tree_util.tree_leaves((written_values, read_values, tensor_values, rng_words))
        return jax.tree_util.tree_unflatten(out_tree, jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *flat))
    return replay


def _bound_replay(replay, variables, tensor_values):
    """A trace's `_trace_graph.Replay` taking the arguments of its program over `variables`."""
    if replay is None:
        return None
    return replay.bound([("V", v._id) for v in variables] + [("T", k) for k in range(len(tensor_values))] + [("R",)])


def _program_avals(variables, n_written, tensor_values):
    """The abstract arguments of a traced program over `variables` (as `Function._trace` calls it)."""
    var_avals = [jax.ShapeDtypeStruct(v._array.shape, v._array.dtype) for v in variables]
    return (var_avals[:n_written], var_avals[n_written:],
            [v if isinstance(v, jax.ShapeDtypeStruct) else jax.ShapeDtypeStruct(v.shape, v.dtype) for v in tensor_values],
            jax.ShapeDtypeStruct(_NO_RNG.shape, _NO_RNG.dtype))


def _per_shape(fn, variables, n_written, tensor_avals):
    """`fn` exported once with symbolic sizes and compiled by `jax.jit` for each concrete shape it
    is called with: one trace of the Python function serves every shape its signature accepts."""
    var_avals = [jax.ShapeDtypeStruct(v._array.shape, v._array.dtype) for v in variables]
    exported = jax.export.export(jax.jit(fn))(var_avals[:n_written], var_avals[n_written:], list(tensor_avals),
                                              jax.ShapeDtypeStruct(_NO_RNG.shape, _NO_RNG.dtype))
    return jax.jit(exported.call, donate_argnums=(0,))


def _python_signature(args, kwargs):
    """A call's input signature (the retracing key), for a function that runs as Python."""
    try:
        signature = (jax.tree_util.tree_structure((args, kwargs), is_leaf=_nest._is_leaf),
                     tuple(_leaf_signature(x) for x in _nest.flatten((args, kwargs))))
        hash(signature)
        return signature
    except TypeError:
        return None


class HostIteration(Exception):
    """Raised inside a trace that iterates a `tf.data.Dataset`: its elements come from the host one
    by one, so the function runs as Python (its inner `tapejax.function`s are still compiled)."""


def check_host_iteration(what):
    """Called when host data is iterated: inside a trace, the traced function falls back to Python."""
    if _tracing():
        raise HostIteration(what)


class _Trace:
    """Variable values during one trace: reads return lifted tracers, writes replace them."""

    def __init__(self, variables, values):
        self.values = {v._id: val for v, val in zip(variables, values)}
        self.inputs = dict(self.values)
        self.known = {v._id: v for v in variables}
        self.discovered = {}
        self.discovered_arrays = {}  # Variable id -> the array its first read returned (a constant)
        self.written = {}

    def read(self, variable):
        found = self.values.get(variable._id)
        if found is None:
            self.discovered[variable._id] = variable
            _staging.note_unlifted_read()
            constant = self.discovered_arrays.get(variable._id)
            if constant is None:
                # A private copy: the constant `_lift` later feeds from an argument must be this
                # Variable's alone (its array may be shared, e.g. a cached scalar or a Tensor's).
                array = variable._array
                with jax.ensure_compile_time_eval():  # a device copy that compiles nothing
                    # on its own sharding: a Variable of several processes cannot move to one device
                    constant = self.discovered_arrays[variable._id] = jax.device_put(
                        array, getattr(array, "sharding", None), may_alias=False)
            graph = _context.current.trace_graph
            if graph is not None:
                _trace_graph.note_constant_read(graph, constant, ("V", variable._id))
            # Traced, so that ops on the value are not folded as constants.
            return _trace_graph.run_recorded(jax.numpy.copy, (constant,))
        return found

    def write(self, variable, array):
        if variable._id not in self.known:
            self.discovered[variable._id] = variable
        # As TF: an assignment is not differentiable; a read after it is a read of the Variable,
        # whose gradient goes to the Variable (its value on entry), not to what was assigned.
        before = self.inputs.get(variable._id)
        if before is not None and jax.numpy.issubdtype(array.dtype, jax.numpy.inexact) \
                and before.shape == array.shape and before.dtype == array.dtype:
            array = _trace_graph.run_recorded(_assigned, (array, before))
        else:
            array = _trace_graph.run_recorded(jax.lax.stop_gradient, (array,))
        self.values[variable._id] = array
        self.written[variable._id] = variable


@jax.custom_jvp
def _assigned(new, before):
    """`new`, a Variable's assigned value, differentiated as the Variable's value `before`."""
    return new


@_assigned.defjvp
def _assigned_jvp(primals, tangents):
    return primals[0], tangents[1]


def _leaf_signature(leaf):
    if type(leaf) is Tensor:
        return ("T", tuple(leaf._v.shape), leaf._v.dtype)
    if isinstance(leaf, _variable.Variable):  # as TF: a Variable argument traces by shape and dtype
        stored = leaf._stored
        return ("V", tuple(stored.shape), stored.dtype, leaf._trainable)
    if isinstance(leaf, (np.ndarray, np.generic)):
        return ("T", leaf.shape, leaf.dtype)
    if isinstance(leaf, (int, float, bool, str, type(None), complex)):
        return ("P", type(leaf).__name__, leaf)
    tracing_type = getattr(type(leaf), "__tf_tracing_type__", None)
    if tracing_type is not None:  # TF's tracing protocol: the object names its own trace key
        return ("P", "TraceType", tracing_type(leaf, None))
    try:
        hash(leaf)
    except TypeError:  # as TF: an id would be reused once the object is freed
        raise TypeError(f"Could not generate a generic TraceType for {leaf!r}.Please verify that it is "
                        f"immutable/hashable. Otherwise, consider implementing the Tracing Protocol "
                        f"for it.") from None
    return ("P", type(leaf).__name__, leaf)


def _describe_leaf_change(i, a, b):
    if a[0] == b[0] == "T":
        return f"argument leaf {i}: tensor {a[1]} {a[2]} became {b[1]} {b[2]}"
    if a[0] == b[0] == "P":
        return f"argument leaf {i}: Python value {a[2]!r} became {b[2]!r}"
    return f"argument leaf {i}: {a} became {b}"


def _describe_change(previous, new):
    """What differs between `new` and the closest previously traced signature, in words."""
    candidates = [old for old in previous if old[0] == new[0] and len(old[1]) == len(new[1])]
    if not previous:
        return "first call"
    if not candidates:
        return "the structure of the arguments changed"
    closest = min(candidates, key=lambda old: sum(a != b for a, b in zip(old[1], new[1])))
    return "; ".join(_describe_leaf_change(i, a, b)
                     for i, (a, b) in enumerate(zip(closest[1], new[1])) if a != b)


class _Concrete:
    """One traced and compiled signature."""

    __slots__ = ("variables", "n_written", "out_tree", "out_static", "single_output", "compiled", "pure",
                 "random", "out_avals", "dynamic_loops", "jaxpr", "argument_variables", "strings",
                 "string_inputs", "string_outputs", "constant_strings", "leaked_name",
                 "replay", "reference", "trace_avals", "replayed")


_ALL_FUNCTIONS = weakref.WeakSet()  # whose traces `tapejax.clear_caches` drops


@_cache.register
def _clear_traces():
    for function in list(_ALL_FUNCTIONS):
        function._concrete.clear()
        function._relaxed_keys.clear()
        function._relaxed_hits.clear()
        function._export_traces.clear()


class Function:
    """A Python function compiled with `jax.jit` per input signature, as `tf.function`.

    Call it like the wrapped function. Tensor arguments are traced (a new shape or dtype retraces);
    Python values are part of the signature (a new value retraces), as TF does.
    """

    def __init__(self, python_function, input_signature=None, jit_compile=None,
                 reduce_retracing=False, name=None, autograph=True):
        self._python_function = python_function
        self._autograph = bool(autograph)
        self._converted = None
        self._input_signature = None if input_signature is None else list(input_signature)
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._name = name or getattr(python_function, "__name__", "function")
        self._concrete = collections.OrderedDict()
        _ALL_FUNCTIONS.add(self)
        self._known_variables = {}
        self._written_ids = set()
        self._created_variables = False
        self._creation_checked = False
        self._created_in_trace = False
        self._per_instance = weakref.WeakKeyDictionary()
        self._parameters = None
        self._relax = True  # traces with None dimensions may be made (see _relaxed_signature)
        self._relaxed_keys = []  # the traced signatures with None dimensions
        self._relaxed_hits = {}  # exact signature -> the relaxed trace that serves it
        self._export_traces = {}  # traces made for tf.saved_model only (calls do not use them)
        self._inlined = set()  # signatures traced into other functions' traces (counted once)
        self._first_call_done = False
        self._host_loop = False
        self._python_signatures = None  # after an eager fallback: the signatures run as Python
        self.trace_count = 0
        self.retrace_reasons = []
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        return self._python_function

    def _on_first_creation(self, variable):
        """A Variable created during the first call's trace: one whose initial value came from
        constants exists for real (the trace goes on); one made from traced values cannot, so that
        call runs eagerly instead."""
        if isinstance(variable._stored, jax.core.Tracer):
            raise _VariableCreated
        self._created_in_trace = True

    def _traced_function(self):
        """The Python function a trace runs: converted by AutoGraph unless `autograph=False`."""
        if self._converted is None:
            self._converted = (_autograph.convert(self._python_function) if self._autograph
                               else self._python_function)
        return self._converted

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # As TF: each instance gets its own function (its own traces and Variables created once).
        try:
            function = self._per_instance.get(instance)
            if function is None:
                function = self._per_instance[instance] = Function(
                    self._python_function, self._input_signature, self._jit_compile, self._reduce_retracing,
                    self._name, self._autograph)
        except TypeError:  # an instance that is not weak-referenceable or not hashable
            function = self
        return function._bind(instance)

    def _bind(self, instance):
        bound = functools.partial(self._call_method, instance)
        bound.python_function = self._python_function
        bound.get_concrete_function = functools.partial(self._method_concrete_function, instance)
        bound.experimental_get_tracing_count = self.experimental_get_tracing_count
        return bound

    def experimental_get_tracing_count(self):
        return self.trace_count

    def pretty_printed_concrete_signatures(self, verbose=True):
        """The signatures traced so far, one block per concrete function (as TF prints them)."""
        names = _argument_names(self._python_function, False)
        blocks = []
        for (_, leaf_signatures), concrete in self._concrete.items():
            lines = ["Input Parameters:"]
            for name, leaf in zip(names + [f"arg_{i}" for i in range(len(leaf_signatures))], leaf_signatures):
                shown = (TensorSpec(leaf[1], leaf[2], None) if leaf[0] == "T"
                         else f"Literal[{leaf[2]!r}]" if leaf[0] == "P" else "Variable")
                lines.append(f"  {name} (POSITIONAL_OR_KEYWORD): {shown}")
            specs = iter(TensorSpec(a.shape, a.dtype) for a in concrete.out_avals)
            outputs = jax.tree_util.tree_unflatten(concrete.out_tree, [
                next(specs) if entry is None else entry[1] for entry in concrete.out_static])
            lines += ["Output Type:", f"  {_type_text(outputs)}", "Captures:", "  None"]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def get_concrete_function(self, *args, **kwargs):
        """Traces the function for `args` (Tensors, `tf.TensorSpec`s or Python values; the
        `input_signature` when none are given) and returns its `ConcreteFunction`, as TF does.

        Returns:
          A `ConcreteFunction`: callable with Tensors matching the traced signature.
        """
        if not args and not kwargs and self._input_signature is not None:
            args = tuple(self._input_signature)
        return ConcreteFunction(self, None, args, kwargs)

    def _signature_text(self):
        names = _argument_names(self._python_function, False)
        if names and names[0] == "self" and len(names) > len(self._input_signature):
            names = names[1:]
        return ", ".join(f"{n}: {spec!r}" for n, spec in zip(names + [f"arg_{i}" for i in range(
            len(self._input_signature))], self._input_signature))

    def _binding_error(self, reason, args):
        return TypeError(f"Binding inputs to tf.function failed due to `{reason}`. Received args: {tuple(args)} "
                         f"and kwargs: {{}} for signature: ({self._signature_text()}).")

    def _note_inlined(self, args, kwargs):
        """Called inside another function's trace, this one is traced into it; as TF, that counts
        as a trace of its signature (once; a later call with it reuses it)."""
        try:
            signature = (jax.tree_util.tree_structure((args, kwargs), is_leaf=_nest._is_leaf),
                         tuple(_leaf_signature(x) for x in _nest.flatten((args, kwargs))))
            hash(signature)
        except TypeError:
            return
        if signature not in self._inlined:
            self._inlined.add(signature)
            self.trace_count += 1

    def _check_signature(self, args):
        if self._input_signature is None:
            return
        specs = self._input_signature
        if len(args) > len(specs):
            raise self._binding_error("too many positional arguments", args)
        if len(args) < len(specs):
            names = _argument_names(self._python_function, False)
            names = names[len(names) - len(specs):] if len(names) >= len(specs) else [f"arg_{i}" for i in range(len(specs))]
            raise self._binding_error(f"missing a required argument: '{names[len(args)]}'", args)
        flat = _nest.flatten(args)
        flat_specs = _nest.flatten(specs)
        if len(flat) != len(flat_specs):
            raise self._binding_error(f"Can not cast {args!r} to {specs!r}", args)
        for value, spec in zip(flat, flat_specs):
            if not hasattr(value, "shape") or not spec.is_compatible_with(_as_tensor(value)):
                shown = _spec_of(value) if hasattr(value, "shape") else value
                raise self._binding_error(f"Can not cast {shown!r} to {spec!r}", args)

    def _converted_to_signature(self, args):
        """`args` with Python values (lists, numbers) at TensorSpec positions of the input_signature
        converted to Tensors of the spec's dtype, as TF binds them."""
        converted = None
        for i, (value, spec) in enumerate(zip(args, self._input_signature)):
            if isinstance(spec, TensorSpec) and not hasattr(value, "shape") and not isinstance(value, TensorSpec):
                try:
                    tensor = _as_tensor(value, spec.dtype)
                except (TypeError, ValueError) as err:
                    raise self._binding_error(str(err).split("\n")[0], args) from None
                converted = list(args) if converted is None else converted
                converted[i] = tensor
        return args if converted is None else tuple(converted)

    def __call__(self, *args, **kwargs):
        return self._call(args, kwargs, args)

    def _method_concrete_function(self, instance, *args, **kwargs):
        if not args and not kwargs and self._input_signature is not None:
            args = tuple(self._input_signature)
        return ConcreteFunction(self, instance, args, kwargs)

    def _call_method(self, instance, *args, **kwargs):
        # The input_signature describes the arguments after `self`, as in TF.
        return self._call((instance,) + args, kwargs, args)

    def _positional_parameters(self):
        """The leading positional parameters: `[(name, default)]` (default `_NO_DEFAULT` if none)."""
        if self._parameters is None:
            try:
                parameters = inspect.signature(self._python_function).parameters.values()
            except (TypeError, ValueError):
                parameters = ()
            found = []
            for parameter in parameters:
                if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                    break
                found.append((parameter.name, _NO_DEFAULT if parameter.default is parameter.empty
                              else parameter.default))
            self._parameters = found
        return self._parameters

    def _canonical(self, args, kwargs):
        """`(args, kwargs)` bound as TF binds them before tracing: positional parameters given by
        keyword, or left to their defaults, become positional, so `f(x)`, `f(x=x)` and `f(x, 2.0)`
        (with `def f(x, y=2.0)`) share a trace."""
        parameters = self._positional_parameters()
        if len(args) >= len(parameters):
            return args, kwargs
        args, kwargs = list(args), dict(kwargs)
        defaults = self._input_signature is None  # an input_signature describes the given arguments
        while len(args) < len(parameters):
            name, default = parameters[len(args)]
            if name in kwargs:
                args.append(kwargs.pop(name))
            elif defaults and default is not _NO_DEFAULT:
                args.append(default)
            else:
                break
        return tuple(args), kwargs

    def _call(self, args, kwargs, signed_args):
        if _tracing():
            self._note_inlined(args, kwargs)
            return self._traced_function()(*args, **kwargs)
        if _context.settings.run_functions_eagerly or self._host_loop:
            if self._python_signatures is not None and not _context.settings.run_functions_eagerly:
                self._count_python_signature(args, kwargs)
            return self._python_function(*args, **kwargs)
        if kwargs or len(args) < len(self._parameters or self._positional_parameters()):
            offset = len(args) - len(signed_args)  # a method's instance
            args, kwargs = self._canonical(args, kwargs)
            signed_args = args[offset:]
        if self._input_signature is not None:
            converted = self._converted_to_signature(signed_args)
            if converted is not signed_args:
                args = args[:len(args) - len(signed_args)] + converted
                signed_args = converted
        if _cache.churned() and _lazy.outside_jax_traces():  # shapes keep changing: free what they compiled
            _cache.clear_all()
        concrete, leaves = self._concrete_for(args, kwargs, signed_args)
        if concrete is None:
            result = self._python_function(*args, **kwargs)
            if self._created_variables and not self._host_loop and not self._creation_checked:
                # TF traces a function that created Variables again at once: one that creates them
                # on every call raises its ValueError on the first call, as here.
                self._creation_checked = True
                self._concrete_for(args, kwargs, signed_args)
            return result
        if concrete.dynamic_loops and _context.current.recording:
            # JAX cannot reverse-differentiate a while loop whose trip count depends on data: run
            # the Python function, so the tape records the iterations actually taken.
            warn_first_n(3, f"{self._name} runs as Python under this GradientTape: it has a `while` "
                            f"loop on Tensor values ({concrete.dynamic_loops[0]}) whose gradient a "
                            f"compiled loop cannot give.")
            return self._python_function(*args, **kwargs)
        return self._call_concrete(concrete, leaves)

    def _count_python_signature(self, args, kwargs):
        signature = _python_signature(args, kwargs)
        if signature not in self._python_signatures:
            self._python_signatures.add(signature)
            self.trace_count += 1

    def concrete_for(self, *args):
        """Traces and compiles the signature of `args` without running it (tf.data traces its
        functions when a pipeline is built, as TF does).

        Returns:
          The `_Concrete` (its `out_avals`, `out_tree`, `out_static` describe the outputs), or None
          when the function creates Variables (it then runs eagerly on its first call).
        """
        return self._concrete_for(args, {}, args)[0]

    def _concrete_for(self, args, kwargs, signed_args, relaxed_shapes=None):
        """The `_Concrete` for a call (traced now if new) and the call's flat leaves.

        `relaxed_shapes` (from `get_concrete_function`'s TensorSpecs): leaf index -> a shape with
        None dimensions to trace that leaf with.
        """
        self._check_signature(signed_args)
        if not kwargs and _nest._flat_sequence(args):  # the common case, keyed without tree_util
            leaves = args
            structure = len(args)
        else:
            leaves = _nest.flatten((args, kwargs))
            structure = jax.tree_util.tree_structure((args, kwargs), is_leaf=_nest._is_leaf)
        leaf_signatures = [_leaf_signature(x) for x in leaves]
        if any(s[0] == "V" for s in leaf_signatures):
            # Which Variable arguments are the same object is part of the signature (aliasing).
            first = {}
            for i, leaf in enumerate(leaves):
                if leaf_signatures[i][0] == "V":
                    leaf_signatures[i] += (first.setdefault(leaf._id, i),)
        signature = (structure, tuple(leaf_signatures))
        concrete = self._concrete.get(signature)
        if concrete is None:
            concrete = self._relaxed_hits.get(signature)
        if concrete is None:
            key = self._relaxed_signature(signature, len(leaves) - len(_nest.flatten(signed_args)))
            if relaxed_shapes and self._relax:
                relaxed = list(signature[1])
                for i, shape in relaxed_shapes.items():
                    relaxed[i] = ("T", tuple(shape), relaxed[i][2])
                key = (structure, tuple(relaxed))
            if key is not None:
                concrete = self._concrete.get(key)
                if concrete is not None:
                    self._remember_relaxed(signature, concrete)
                    return concrete, leaves
            first_call = not self._first_call_done
            self._first_call_done = True
            try:
                if key is not None:
                    try:
                        concrete = self._trace(key, args, kwargs, leaves, first_call)
                        self._remember_relaxed(signature, concrete)
                    except (_VariableCreated, HostIteration, _staging.EagerFallback, _string_trace.StringFallback):
                        raise
                    except Exception as err:  # noqa: BLE001 - traced per shape instead
                        # _NotRelaxable: its program holds host callbacks (tf.print, strings), which a
                        # program compiled per shape beneath one trace cannot carry; or the Python
                        # function needs static sizes where tapejax's ops do (see the README).
                        _log.debug("%s: traced per shape (%s: %s)", self._name, type(err).__name__, err, exc_info=True)
                        self._relax = False
                        self.trace_count -= 1
                        self.retrace_reasons.pop()
                        key = None
                if key is None:
                    concrete = self._trace(signature, args, kwargs, leaves, first_call)
            except _VariableCreated:
                # TF creates Variables on the first call only: run that call eagerly, compile later.
                self._created_variables = True
                self.trace_count -= 1
                return None, leaves
            except HostIteration:
                self._host_loop = True
                self.trace_count -= 1
                return None, leaves
            except _staging.EagerFallback as fallback:
                warn_first_n(3, f"{self._name} runs as Python from now on: {fallback.what} at "
                                f"{fallback.where}.")
                self._host_loop = True
                # As TF counts it: this signature was traced; each new one is, when first run.
                self._python_signatures = {_python_signature(args, kwargs)}
                return None, leaves
            except _string_trace.StringFallback as fallback:
                warn_first_n(3, f"{self._name} runs as Python from now on: {fallback.what}, at "
                                f"{user_line()}.")
                self._host_loop = True
                self.trace_count -= 1
                return None, leaves
        return concrete, leaves

    # -- relaxed signatures (None dimensions) ----------------------------------------------------
    def _relaxed_signature(self, signature, offset):
        """The signature with None dimensions that a call of `signature` (exact shapes) is traced
        under, or None for its own: its `input_signature`'s, a traced one it fits (as TF picks the
        most specific trace that accepts it), or, with `reduce_retracing`, the common relaxation of
        it and an earlier signature (the dimensions that differ become None)."""
        if not self._relax:
            return None
        structure, leaves = signature
        if self._input_signature is not None:
            specs = _nest.flatten(self._input_signature)
            if len(leaves) - offset == len(specs) and any(None in spec.shape for spec in specs):
                relaxed = list(leaves)
                for i, spec in enumerate(specs):
                    leaf = leaves[offset + i]
                    if leaf[0] == "T" and isinstance(spec, TensorSpec):
                        relaxed[offset + i] = ("T", tuple(spec.shape), leaf[2])
                return structure, tuple(relaxed)
            return None
        fits = [key for key in self._relaxed_keys if _accepts(key, signature)]
        if fits:
            return min(fits, key=lambda key: sum(d is None for leaf in key[1] if leaf[0] == "T" for d in leaf[1]))
        if self._reduce_retracing:
            for key in reversed(list(self._concrete)):
                common = _relaxation(key, signature)
                if common is not None:
                    return common
        return None

    def _remember_relaxed(self, signature, concrete):
        if len(self._relaxed_hits) >= MAX_CONCRETE_FUNCTIONS * 4:
            self._relaxed_hits.clear()
        self._relaxed_hits[signature] = concrete

    # -- tracing -------------------------------------------------------------------------------
    def _trace(self, signature, args, kwargs, leaves, first_call=False):
        if self._inlined and _inlined_key(signature) in self._inlined:
            self.trace_count -= 1  # counted when it was traced into another function
        self.trace_count += 1
        reason = _describe_change(list(self._concrete), signature)
        self.retrace_reasons.append(reason)
        if _context.settings.explain and self.trace_count > 1:
            _explain.warn_retrace(self._name, self.trace_count, reason)
        if self.trace_count > RETRACE_WARNING_THRESHOLD:
            warn_first_n(
                3, f"{self.trace_count} calls to {self._name} triggered tapejax.function retracing "
                   f"(latest: {reason}, called at {user_line()}). Tracing is expensive: pass tensors "
                   f"instead of changing Python values, keep shapes fixed, or define the function "
                   f"outside of a loop.", key=("retrace", self._name))
        tensor_pos = [i for i, s in enumerate(signature[1]) if s[0] == "T"]
        template = list(leaves)
        written = self._written_ids
        while True:
            # Written Variables go first: they are donated, so XLA updates their buffers in place.
            known = list(self._known_variables.values())
            # Variable arguments are lifted from the first trace (not discovered by a second one).
            known += [v for v in {id(x): x for x in template if isinstance(x, _variable.Variable)}.values()
                      if v._id not in self._known_variables]
            variables = [v for v in known if v._id in written] + [v for v in known if v._id not in written]
            n_written = sum(v._id in written for v in known)
            self._created_in_trace = False
            concrete = self._build(signature, template, tensor_pos, variables, n_written, first_call)
            if isinstance(concrete, _Concrete) and self._created_in_trace:
                # The first call created Variables (from constants, so for real, mid-trace): as TF,
                # trace once more without creation, which also raises if it creates them again.
                self._created_variables = True
                first_call = False
                written = written | {v._id for v in concrete.variables[:concrete.n_written]}
                continue
            if isinstance(concrete, _Concrete):
                break
            written = concrete  # the trace found new Variables or writes: trace again with them lifted
        self._written_ids = written | {v._id for v in concrete.variables[:concrete.n_written]}
        self._concrete[signature] = concrete
        if _relaxed(signature) and signature not in self._relaxed_keys:
            self._relaxed_keys.append(signature)
        if len(self._concrete) > MAX_CONCRETE_FUNCTIONS:
            dropped, _ = self._concrete.popitem(last=False)
            if dropped in self._relaxed_keys:
                self._relaxed_keys.remove(dropped)
            self._relaxed_hits.clear()
            _cache.note_eviction()
        return concrete

    def _build(self, signature, template, tensor_pos, variables, n_written, first_call):
        """A compiled `_Concrete`, or the set of written Variable ids when the trace must be redone."""
        python_function = self._traced_function()
        treedef = jax.tree_util.tree_structure((tuple(template), {}), is_leaf=_nest._is_leaf) \
            if isinstance(signature[0], int) else signature[0]
        info = {}
        # String Tensor arguments enter as handles (see _string_trace); string constants returned
        # are kept in this trace's own pool.
        string_pos = {i for i in tensor_pos if _is_string(signature[1][i][2])}
        constant_strings = _string_trace.Pool()

        def make_body(variables, n_written):
            """The traced step over `variables` (the first `n_written` are assigned): it returns the
            output arrays and the new values of the assigned Variables; Variables it finds that are
            not in `variables` are read as constants and written as extra results (see below)."""
            def body(written_values, read_values, tensor_values, rng_words):
                flat = list(template)
                for i, value in zip(tensor_pos, tensor_values):
                    flat[i] = Tensor(SymbolicStrings(value) if i in string_pos else value)
                call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, flat)
                state = _Trace(variables, list(written_values) + list(read_values))
                trace_graph = _trace_graph.TraceGraph(
                    jax.tree_util.tree_leaves((written_values, read_values, tensor_values, rng_words)),
                    _context.current.trace_graph)
                draws = []

                def draw_words(op_seed):
                    draws.append(op_seed)
                    return rng_words + np.asarray([0, (op_seed or 0) & 0xFFFFFFFF, len(draws)], np.uint32)

                listener = self._on_first_creation if first_call else _raise_on_creation
                # Eager tapes outside must not record this trace's tracers: recording starts empty.
                with _context.scope(recording=[], read_hook=state.read, write_hook=state.write, trace=state,
                                    rng_hook=draw_words,
                                    creation_listeners=[*_context.current.creation_listeners, listener],
                                    trace_graph=trace_graph), \
                        _staging.function_trace() as staged:
                    try:
                        out = python_function(*call_args, **call_kwargs)
                    except jax.errors.UnexpectedTracerError as leak:
                        raise _staging.inaccessible(leak, trace_graph.leaked) from leak
                info["dynamic_loops"] = list(staged.dynamic_loops)
                out_leaves = _nest.flatten(out)
                if trace_graph.closed and trace_graph.leaked is None:
                    _trace_graph.note_leaks(trace_graph, out_leaves)
                info["leaked_name"] = trace_graph.leaked
                info["constant_reads_staged"] = staged.constant_reads
                out_tree = jax.tree_util.tree_structure(out, is_leaf=_nest._is_leaf)
                arrays, static, string_outputs = [], [], []
                for leaf in out_leaves:
                    if type(leaf) is Tensor and _is_string(leaf._v.dtype):
                        value = leaf._v
                        string_outputs.append(len(arrays))
                        arrays.append(value.handles if type(value) is SymbolicStrings
                                      else jax.numpy.asarray(constant_strings.encode(value)))
                        static.append(None)
                    elif type(leaf) is Tensor or isinstance(leaf, _variable.Variable):
                        arrays.append(leaf._value if type(leaf) is Tensor else state.values.get(leaf._id, leaf._array))
                        static.append(None)
                    elif isinstance(leaf, (bool, int, float, complex, np.number, np.bool_)):
                        arrays.append(_as_tensor(leaf)._value)  # as TF: a function's outputs are Tensors
                        static.append(None)
                    else:
                        static.append(("static", leaf))
                known_written = {v._id for v in variables[:n_written]}
                extra_written = [vid for vid in state.written if vid not in known_written]
                info.update(out_tree=out_tree, static=static, written=set(state.written), string_outputs=string_outputs,
                            discovered=dict(state.discovered), discovered_arrays=dict(state.discovered_arrays),
                            extra_written=extra_written, all_written=dict(state.written), random=bool(draws))
                new_values = ([state.values[v._id] for v in variables[:n_written]]
                              + [state.values[vid] for vid in extra_written])
                if "replay" not in info:  # the first run is the trace (later ones replay it under tapes)
                    keyed = ([(("V", v._id), a) for v, a in zip(variables, list(written_values) + list(read_values))]
                             + [(("T", k), a) for k, a in enumerate(tensor_values)] + [(("R",), rng_words)])
                    info["replay"] = _trace_graph.replay_program(
                        trace_graph, keyed, (arrays, new_values))
                return arrays, new_values
            return body

        body = make_body(variables, n_written)

        def counted(written_values, read_values, tensor_values, rng_words):
            _backward.traces["function"] += 1
            return body(written_values, read_values, tensor_values, rng_words)

        var_values = [v._array for v in variables]
        relaxed = _relaxed(signature)
        if relaxed:  # None dimensions are traced as symbolic sizes (jax.export's shape polymorphism)
            tensor_values = _symbolic_avals([signature[1][i] for i in tensor_pos])
            if string_pos:
                raise _NotRelaxable
        else:
            tensor_values = [np.zeros(signature[1][i][1], np.int64) if i in string_pos
                             else _as_tensor(template[i])._value for i in tensor_pos]
        jitted = jax.jit(counted, donate_argnums=(0,))
        _string_trace.note_trace_start()
        traced = jitted.trace(var_values[:n_written], var_values[n_written:], tensor_values, _NO_RNG)
        string_callbacks = _string_trace.traced_callbacks()
        replay = info["replay"] if not (string_pos or string_callbacks) else None
        replayed = False
        if relaxed and _has_callbacks(traced.jaxpr.jaxpr):
            # jax.export cannot carry host callbacks (tf.print): the trace's recorded ops, compiled
            # for each shape, run it instead, when they are exactly the traced program
            bound = _bound_replay(replay, variables, tensor_values)
            if info["discovered"] or bound is None or not _trace_graph.same_program(
                    bound, _replay(traced), _program_avals(variables, n_written, tensor_values)):
                raise _NotRelaxable
            replay, replayed = bound, True
        reference = _replay(traced)  # the traced program, which a replay must equal
        written_now = set(info["written"])
        compiled, pure = jitted, body
        if info["discovered"] or written_now != {v._id for v in variables[:n_written]}:
            # Staged code that read a Variable found by this trace captured it as a constant, which
            # its tape entries cannot differentiate: trace again with it lifted instead.
            lifted = None if info["constant_reads_staged"] else self._lift(traced, variables, n_written, info)
            if lifted is None:
                self._known_variables.update(info["discovered"])
                return written_now
            variables, n_written, lifted_fn = lifted
            self._known_variables.update(info["discovered"])
            compiled = jax.jit(lifted_fn, donate_argnums=(0,))
            reference = lifted_fn
            pure = make_body(variables, n_written)  # replayed under tapes: the Python step, over the new list
            if relaxed:
                compiled = _per_shape(lifted_fn, variables, n_written, tensor_values)
        elif replayed:
            compiled = jax.jit(replay, donate_argnums=(0,))
        elif relaxed:
            compiled = _per_shape(_replay(traced), variables, n_written, tensor_values)
        concrete = _Concrete()
        concrete.replay = None if replayed else _bound_replay(replay, variables, tensor_values)
        concrete.reference = reference
        concrete.trace_avals = _program_avals(variables, n_written, tensor_values)
        concrete.replayed = None
        concrete.variables = variables
        position = {v._id: i for i, v in enumerate(variables)}
        concrete.argument_variables = [(position[leaf._id], i) for i, leaf in enumerate(template)
                                       if isinstance(leaf, _variable.Variable) and leaf._id in position]
        concrete.n_written = n_written
        concrete.out_tree = info["out_tree"]
        concrete.out_static = info["static"]
        concrete.single_output = info["out_tree"].num_leaves == 1 and info["out_tree"].num_nodes == 1
        # Called through jax.jit's C++ fast path; its first call compiles the trace just made, once.
        concrete.compiled = compiled
        _backward.compilations["function"] += 1
        concrete.pure = pure
        concrete.random = info["random"]
        concrete.out_avals = [types.SimpleNamespace(shape=a.shape, dtype=np.dtype(object))
                              if k in info["string_outputs"] else a for k, a in enumerate(traced.out_info[0])]
        concrete.dynamic_loops = info["dynamic_loops"]
        concrete.leaked_name = info["leaked_name"]  # a staged block's value used outside it (named in the error)
        concrete.jaxpr = traced.jaxpr.jaxpr  # the equations only (its constants may be lifted copies)
        concrete.string_inputs = [k for k, i in enumerate(tensor_pos) if i in string_pos]
        concrete.string_outputs = info["string_outputs"]
        concrete.strings = bool(string_pos or concrete.string_outputs or string_callbacks)
        concrete.constant_strings = constant_strings
        return concrete

    @staticmethod
    def _lift(traced, variables, n_written, info):
        """Lifts the Variables a trace found (read as constants, written as extra results) to
        arguments of the traced program, so the Python function is not traced a second time.

        A found Variable's value entered the program as a constant: the very array it held during
        the trace (JAX keeps the object), which is then fed from the argument instead.

        Returns:
          `(variables, n_written, function)` for the lifted program, or None when it cannot be done.
        """
        closed = traced.jaxpr
        consts = list(closed.consts)
        discovered = info["discovered"]
        arrays = info["discovered_arrays"]
        const_ids = {id(c) for c in consts}
        for vid, variable in discovered.items():
            # A found Variable whose value reached the program without a hooked read (code reading
            # its storage directly): which constant is it is unknown, so trace again with it lifted.
            if vid not in arrays and (vid in info["all_written"] or id(variable._stored) in const_ids):
                return None
        variable_of = {id(array): vid for vid, array in arrays.items()}  # private copies: one each
        const_slots = [(i, variable_of[id(c)]) for i, c in enumerate(consts) if id(c) in variable_of]
        if len({vid for _, vid in const_slots}) != len(const_slots):
            return None  # one Variable's constant entered twice: which slot feeds what is unclear
        by_id = {v._id: v for v in variables}
        by_id.update(discovered)
        old_written, old_read = variables[:n_written], variables[n_written:]
        extra_written = info["extra_written"]
        new_written = list(old_written) + [by_id[vid] for vid in extra_written]
        written_ids = {v._id for v in new_written}
        new_read = [v for v in old_read if v._id not in written_ids] + [
            v for vid, v in discovered.items() if vid not in written_ids and vid not in {x._id for x in old_read}]
        new_variables = new_written + new_read
        out_tree = traced.out_info  # the structure of (arrays, written values)
        out_treedef = jax.tree_util.tree_structure(out_tree)
        jaxpr = closed.jaxpr

        for i, _ in const_slots:
            consts[i] = None  # always fed from an argument: the closure must not keep the copies
        arrays.clear()

        def lifted(written_values, read_values, tensor_values, rng_words):
            values = {v._id: a for v, a in zip(new_variables, list(written_values) + list(read_values))}
            inputs = jax.tree_util.tree_leaves(([values[v._id] for v in old_written],
                                                [values[v._id] for v in old_read], list(tensor_values), rng_words))
            filled = list(consts)
            for i, vid in const_slots:
                filled[i] = values[vid]
            outputs = jax.core.eval_jaxpr(jaxpr, filled, *inputs)
            arrays, new_values = jax.tree_util.tree_unflatten(out_treedef, outputs)
            return arrays, new_values

        return new_variables, len(new_written), lifted

    @staticmethod
    def _replayed(concrete):
        """`concrete` running its trace's recorded ops (compiled for each shape it is called with),
        or None where they are not exactly its traced program (see `_trace_graph`)."""
        if concrete is None or concrete.replay is None or concrete.random or concrete.strings:
            return None
        if concrete.replayed is None:
            if not _trace_graph.same_program(concrete.replay, concrete.reference, concrete.trace_avals):
                concrete.replay = None
                return None
            replayed = _Concrete()
            for name in _Concrete.__slots__:
                if hasattr(concrete, name):
                    setattr(replayed, name, getattr(concrete, name))
            replayed.compiled = jax.jit(concrete.replay, donate_argnums=(0,))
            replayed.pure = concrete.replay
            replayed.replay = None
            concrete.replayed = replayed
        return concrete.replayed

    def _call_concrete(self, concrete, leaves):
        variables = concrete.variables
        if concrete.argument_variables:  # this call's Variable arguments in their traced slots
            variables = list(variables)
            for slot, i in concrete.argument_variables:
                variables[slot] = leaves[i]
        n_written = concrete.n_written
        if n_written:  # donating the written Variables: no other thread may read them meanwhile
            with _context.donation_lock:
                return self._run_concrete(concrete, leaves, variables, n_written)
        return self._run_concrete(concrete, leaves, variables, n_written)

    def _run_concrete(self, concrete, leaves, variables, n_written):
        context = _context.current
        if not context.uses_variables and variables:
            _context.note_variable_thread(context)
        recording = context.recording
        if recording:  # the tape keeps the values it reads: donate copies
            written_values = [jax.numpy.array(v._array, copy=True) for v in variables[:n_written]]
        else:
            written_values = _variable.arrays_to_donate(variables[:n_written])
        var_values = [v._array for v in variables]
        tensor_values = [leaf._value if type(leaf) is Tensor else _as_tensor(leaf)._value
                         for leaf in leaves if type(leaf) is Tensor or isinstance(leaf, (np.ndarray, np.generic))]
        rng_words = random_ops._global.next(None) if concrete.random else _no_rng()
        scope = None
        if concrete.strings:  # string arguments go in as handles into this call's pool
            scope = _string_trace.CallScope()
            for k in concrete.string_inputs:
                tensor_values[k] = jax.numpy.asarray(scope.pool.encode(tensor_values[k]))
        try:
            if scope is None:
                arrays, new_values = concrete.compiled(written_values, var_values[n_written:], tensor_values,
                                                       rng_words)
            else:
                with scope:  # the string ops run on the host meanwhile: wait for them
                    try:
                        arrays, new_values = jax.block_until_ready(concrete.compiled(
                            written_values, var_values[n_written:], tensor_values, rng_words))
                    except Exception as err:  # a string kernel's error: raise it as itself
                        _string_trace.reraise_failure(err)
                        raise
        except jax.errors.JaxRuntimeError as err:  # a callback's error (tf.debugging): raise it as itself
            for reraise in callback_errors:
                reraise(err)
            _staging.reraise_run_failure(err)
            raise
        except jax.errors.UnexpectedTracerError as leak:  # found when the trace is lowered
            raise _staging.inaccessible(leak, concrete.leaked_name) from leak
        del written_values
        for variable, value in zip(variables, new_values):
            variable._array = value
        pool = None
        if scope is not None:
            pool = scope.pool
            arrays = list(arrays)
            for k in concrete.string_outputs:
                arrays[k] = _string_trace.decode(np.asarray(arrays[k]))
        if concrete.single_output and arrays:
            output = Tensor(arrays[0])
            if recording:
                _record_call(concrete, variables, var_values, leaves, tensor_values, [output], rng_words, pool)
            return output
        outputs = [Tensor(a) for a in arrays]
        it = iter(outputs)
        flat = [next(it) if s is None else s[1] for s in concrete.out_static]
        if recording and outputs:
            _record_call(concrete, variables, var_values, leaves, tensor_values, outputs, rng_words, pool)
        if concrete.single_output:
            return flat[0]
        return jax.tree_util.tree_unflatten(concrete.out_tree, flat)

    def traces_for_export(self, instance=None, example_args=None):
        """For `tf.saved_model`: `[(args, kwargs, concrete)]`, one per traced signature of this
        function (of the method bound to `instance`, which is left out of `args`), oldest first,
        with Tensor leaves as `TensorSpec`s and a Variable argument as None.

        A `concrete` is a `_Concrete`: `pure(written_values, read_values, tensor_values, rng_words)`
        returns (output arrays, new values of the written Variables) for `variables` (the written
        `n_written` first). With `example_args` (Tensors), that signature is traced first (without
        running it) and only it is returned; its concrete is None when the function creates Variables.
        """
        if example_args is not None:
            example_args = tuple(example_args)
            args = example_args if instance is None else (instance,) + example_args
            export_key = tuple((tuple(t.shape), t.dtype) for t in _nest.flatten(example_args))
            concrete = self._export_traces.get(export_key)
            if concrete is None:
                known = set(self._concrete)
                concrete = self._concrete_for(args, {}, example_args)[0]
                # As TF, whose save traces in its own context: later saves reuse the trace, later
                # calls trace again.
                for key in set(self._concrete) - known:
                    del self._concrete[key]
                    if key in self._relaxed_keys:
                        self._relaxed_keys.remove(key)
                self._relaxed_hits.clear()
                if concrete is not None:
                    self._export_traces[export_key] = concrete
            specs = tuple(_nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), x) for x in example_args)
            return [(specs, {}, concrete)]
        found = []
        for (structure, leaf_signatures), concrete in self._concrete.items():
            leaves = [TensorSpec(s[1], s[2]) if s[0] == "T" else s[2] if s[0] == "P" else None
                      for s in leaf_signatures]
            if isinstance(structure, int):
                args, kwargs = tuple(leaves), {}
            else:
                args, kwargs = jax.tree_util.tree_unflatten(structure, leaves)
            if instance is not None:
                if not args or args[0] is not instance:
                    continue
                args = tuple(args[1:])
            found.append((tuple(args), dict(kwargs), concrete))
        return found


def executing_eagerly():
    """False while a `tapejax.function` is traced (outside `tf.init_scope`), else True."""
    return not _tracing()


@contextlib.contextmanager
def init_scope():
    """Runs the code inside eagerly, outside the function being traced (as `tf.init_scope`).

    Variables read or assigned inside are the real ones (not the trace's lifted values), Variables
    may be created (on any call), recording tapes are paused and random draws use the global
    generator. Outside a trace it does nothing.
    """
    if not _tracing():
        yield
        return
    with _context.outside_traces(), _staging.paused():
        yield


def _spec_of(value, name=None):
    if isinstance(value, TensorSpec):
        return value if name is None or value.name is not None else TensorSpec(value.shape, value.dtype, name)
    if type(value) is Tensor or isinstance(value, (np.ndarray, np.generic)):
        tensor = _as_tensor(value)
        return TensorSpec(tensor.shape, tensor.dtype, name)
    return value


def _example(value):
    """A Tensor standing for a TensorSpec while tracing (an unknown dimension traced as 1)."""
    if isinstance(value, TensorSpec):
        shape = [1 if d is None else d for d in value.shape]
        if _is_string(value.dtype.as_numpy_dtype):
            return Tensor(np.full(shape, b"", dtype=object))
        return Tensor(jax.numpy.zeros(shape, value.dtype.as_numpy_dtype))
    return value


class _Operation:
    """One operation of a traced program (a jaxpr equation), named as TF names graph nodes."""

    def __init__(self, name, op_type, inputs=()):
        self.name = name
        self.type = op_type
        self.inputs = list(inputs)  # the names of the operations whose results it takes

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Graph:
    """What a ConcreteFunction's program holds: its operations and the jaxpr's text."""

    def __init__(self, jaxpr, input_names):
        self._jaxpr = jaxpr
        counts = collections.Counter()
        self._operations = [_Operation(name, "Placeholder") for name in input_names]
        if jaxpr is None:  # a function that runs as Python
            return
        jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
        # The program's arguments end with the Tensor arguments, then the RNG words.
        tensor_vars = jaxpr.invars[len(jaxpr.invars) - 1 - len(input_names):-1] if input_names else []
        producer = {var: name for var, name in zip(tensor_vars, input_names)}
        for eqn in jaxpr.eqns:
            op_type = eqn.primitive.name
            if op_type in ("jit", "pjit"):  # a tapejax kernel: named by its op
                op_type = eqn.params.get("name", op_type)
            counts[op_type] += 1
            name = op_type if counts[op_type] == 1 else f"{op_type}_{counts[op_type] - 1}"
            inputs = [producer[v] for v in eqn.invars if _hashable(v) and v in producer]
            self._operations.append(_Operation(name, op_type, inputs))
            for var in eqn.outvars:
                producer[var] = name

    def get_operations(self):
        return list(self._operations)

    def as_text(self):
        return "" if self._jaxpr is None else str(self._jaxpr)

    def as_graph_def(self):
        """The operations as a GraphDef-like record (`.node` with `name`/`op`, protobuf text as str)."""
        return _GraphDef(self._operations)

    def __repr__(self):
        return f"<tapejax traced program with {len(self._operations)} operations>"


class _GraphDef:
    def __init__(self, operations):
        self.node = [types.SimpleNamespace(name=op.name, op=op.type, input=list(op.inputs)) for op in operations]

    def __str__(self):
        return "".join(f'node {{\n  name: "{n.name}"\n  op: "{n.op}"\n}}\n' for n in self.node)


class ConcreteFunction:
    """One traced signature of a `tapejax.function` (as TF's ConcreteFunction).

    Attributes:
      structured_input_signature: `(args, kwargs)` with `tf.TensorSpec`s for Tensor arguments.
      structured_outputs: the outputs' structure with `tf.TensorSpec`s for Tensors.
      graph: the traced program (`get_operations()`, `as_text()` gives the jaxpr).
    """

    def __init__(self, function, instance, args, kwargs):
        self._function = function
        self._instance = instance
        names = _argument_names(function.python_function, instance is not None)
        if kwargs:  # as TF binds them: a positional parameter given by keyword is positional
            full, kwargs = function._canonical(tuple(args) if instance is None else (instance,) + tuple(args), kwargs)
            args = full if instance is None else full[1:]
        args = _with_defaults(function.python_function, instance, args, kwargs)
        specs = tuple(_nest.map_structure(lambda v, n=n: _spec_of(v, n), a)
                      for a, n in zip(args, names + [None] * len(args)))
        self.structured_input_signature = (specs, {k: _nest.map_structure(_spec_of, v) for k, v in kwargs.items()})
        example_args = tuple(_nest.map_structure(_example, a) for a in args)
        example_kwargs = {k: _nest.map_structure(_example, v) for k, v in kwargs.items()}
        call_args = example_args if instance is None else (instance,) + example_args
        relaxed = _relaxed_leaves(call_args, example_kwargs, args, kwargs, instance)
        concrete, _ = function._concrete_for(call_args, example_kwargs, example_args, relaxed)
        if concrete is None and function._created_variables:
            function._python_function(*call_args, **example_kwargs)  # creates them, as TF's first trace
            concrete, _ = function._concrete_for(call_args, example_kwargs, example_args, relaxed)
        input_names = [s.name or f"input_{i}" for i, s in enumerate(
            x for x in _nest.flatten(specs) if isinstance(x, TensorSpec))]
        self.inputs = [s for s in _nest.flatten(specs) if isinstance(s, TensorSpec)]
        self.name = function._name
        self._concrete = concrete
        if concrete is None:
            if not function._host_loop:
                raise ValueError(f"{function._name} creates Variables on every call, so it has no concrete "
                                 f"function.")
            # It iterates host data (a Dataset) or fell back eagerly: calls run the Python function,
            # and its program holds no operations but its inputs.
            self.structured_outputs = None
            self.outputs = []
            self.graph = _Graph(None, input_names)
            return
        static = iter(concrete.out_static)
        avals = iter(concrete.out_avals)
        leaves = []
        for entry in static:
            if entry is None:
                aval = next(avals)
                leaves.append(TensorSpec(aval.shape, aval.dtype))
            else:
                leaves.append(entry[1])
        self.structured_outputs = jax.tree_util.tree_unflatten(concrete.out_tree, leaves)
        self.graph = _Graph(concrete.jaxpr, input_names)
        self.outputs = [s for s in _nest.flatten(self.structured_outputs) if isinstance(s, TensorSpec)]

    @property
    def function_type(self):
        return self.structured_input_signature

    @property
    def inference_fn(self):
        """The traced program as a callable taking the Tensor inputs (TF's AtomicFunction)."""
        return self

    def __call__(self, *args, **kwargs):
        specs, _ = self.structured_input_signature
        if kwargs:  # keyword Tensor inputs bound to their positions (TF binds them by name)
            names = _argument_names(self._function.python_function, self._instance is not None)
            args, kwargs = list(args), dict(kwargs)
            while len(args) < len(specs) and len(args) < len(names) and (
                    names[len(args)] in kwargs or not isinstance(specs[len(args)], TensorSpec)):
                args.append(kwargs.pop(names[len(args)], specs[len(args)]))
            args = tuple(args)
        tensor_positions = [i for i, s in enumerate(specs) if isinstance(s, TensorSpec)]
        if len(args) == len(tensor_positions) < len(specs):
            # As TF: a concrete function takes its Tensor inputs; Python arguments stay as traced.
            full = list(specs)
            for i, value in zip(tensor_positions, args):
                full[i] = value
            args = tuple(full)
        for value, spec in zip(args, specs):
            if not isinstance(spec, (TensorSpec, list, tuple, dict)) and not _same_python_value(value, spec):
                raise TypeError(f"Binding inputs to tf.function failed due to `Can not cast {value!r} to "
                                f"Literal[{spec!r}]`. Received args: {args} and kwargs: {kwargs} for the "
                                f"signature of {self.name} (a concrete function keeps its Python arguments "
                                f"as traced).")
        flat_specs = _nest.flatten(specs)
        flat_args = _nest.flatten(args)
        if len(flat_args) > len(flat_specs):
            raise TypeError(f"{self.name}() takes {len(flat_specs)} positional arguments but "
                            f"{len(flat_args)} were given.")
        other_shapes = False
        for i, (value, spec) in enumerate(zip(flat_args, flat_specs)):
            if isinstance(spec, TensorSpec):
                tensor = _as_tensor(value)
                if tensor.dtype != spec.dtype:
                    raise errors.InvalidArgumentError(
                        f"cannot compute {self.name} as input #{i}(zero-based) was expected to be a "
                        f"{spec.dtype.name} tensor but is a {tensor.dtype.name} tensor")
                other_shapes = other_shapes or not spec.is_compatible_with(tensor)
        call_args = args if self._instance is None else (self._instance,) + tuple(args)
        if other_shapes and not kwargs:
            # As TF: the traced graph runs on inputs of other shapes, with its trace's Python values.
            replayed = self._function._replayed(self._concrete)
            if replayed is not None:
                leaves = call_args if _nest._flat_sequence(call_args) else _nest.flatten((call_args, {}))
                return self._function._call_concrete(replayed, leaves)
        return self._function._call(call_args, kwargs, args)

    def pretty_printed_signature(self, verbose=True):
        names = _argument_names(self._function.python_function, self._instance is not None)
        specs, _ = self.structured_input_signature
        lines = ["Input Parameters:"]
        for name, spec in zip(names, specs):
            shown = spec if isinstance(spec, TensorSpec) else f"Literal[{spec!r}]"
            lines.append(f"  {name} (POSITIONAL_OR_KEYWORD): {shown}")
        lines += ["Output Type:", f"  {self.structured_outputs}", "Captures:", "  None"]
        return "\n".join(lines)

    def __repr__(self):
        return f"<ConcreteFunction {self.name}{self.structured_input_signature[0]} at 0x{id(self):X}>"


def _type_text(value):
    """A function's output structure as TF prints it (`Tuple[...]`, `List[...]`, `Dict[...]`)."""
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return "Tuple[" + ", ".join(_type_text(v) for v in value) + "]"
    if isinstance(value, list):
        return "List[" + ", ".join(_type_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_type_text(v)}]" for k, v in value.items()) + "]"
    if isinstance(value, TensorSpec):
        return repr(value)
    return f"Literal[{value!r}]"


def _relaxed_leaves(call_args, call_kwargs, args, kwargs, instance):
    """Flat leaf index -> shape, for the TensorSpecs with None dimensions among `args`/`kwargs`
    (the leaves of `(call_args, call_kwargs)`, which stand for them, are traced with those shapes)."""
    given = ((() if instance is None else (instance,)) + tuple(args), kwargs)
    flat_given = _nest.flatten(given) if kwargs or not _nest._flat_sequence(given[0]) else list(given[0])
    flat_call = (_nest.flatten((call_args, call_kwargs)) if call_kwargs or not _nest._flat_sequence(call_args)
                 else list(call_args))
    if len(flat_given) != len(flat_call):
        return None
    return {i: tuple(spec.shape) for i, spec in enumerate(flat_given)
            if isinstance(spec, TensorSpec) and None in tuple(spec.shape)} or None


def _same_python_value(value, traced):
    try:
        return value is traced or (type(value) is type(traced) and bool(value == traced))
    except Exception:  # noqa: BLE001 - a value whose == is not a bool differs
        return False


def _with_defaults(python_function, instance, args, kwargs):
    """`args` extended with the defaults of the positional parameters not given (TF binds them)."""
    try:
        parameters = list(inspect.signature(python_function).parameters.values())
    except (TypeError, ValueError):
        return tuple(args)
    if instance is not None:
        parameters = parameters[1:]
    args = list(args)
    for parameter in parameters[len(args):]:
        if parameter.kind is not parameter.POSITIONAL_OR_KEYWORD or parameter.name in kwargs \
                or parameter.default is parameter.empty:
            break
        args.append(parameter.default)
    return tuple(args)


def _argument_names(python_function, skip_self):
    try:
        names = list(inspect.signature(python_function).parameters)
    except (TypeError, ValueError):
        return []
    return names[1:] if skip_self else names


def _record_call(concrete, variables, var_values, leaves, tensor_values, outputs, rng_words, pool=None):
    """Records a compiled call on eager tapes as one differentiable op (`pool`: the call's strings,
    which the op keeps for backward programs that rerun the function's string ops)."""
    tensor_objs = [leaf for leaf in leaves if type(leaf) is Tensor or isinstance(leaf, (np.ndarray, np.generic))]
    tensor_objs = [x if type(x) is Tensor else None for x in tensor_objs]
    n_vars, n_written = len(variables), concrete.n_written
    pure = concrete.pure

    def call_op(*values, _strings=pool):
        # Rerun inside backward programs: host side effects (tf.print) ran at the call already.
        outer, _context.current.replaying = _context.current.replaying, True
        try:
            arrays, _ = pure(list(values[:n_written]), list(values[n_written:n_vars]), list(values[n_vars:]),
                             rng_words)
        finally:
            _context.current.replaying = outer
        return tuple(arrays)

    _record.record_all(call_op, ("function", concrete), list(variables) + tensor_objs,
                     list(var_values) + list(tensor_values), outputs)


def _is_string(dtype):
    return np.dtype(dtype).kind in "OSU"


def _as_tensor(value, dtype=None):
    if type(value) is Tensor:
        return value
    return convert_to_tensor(value) if dtype is None else convert_to_tensor(value, dtype=dtype)


def _raise_on_creation(variable):
    raise ValueError(
        "tf.function only supports singleton tf.Variables created on the first call. Make sure the "
        "tf.Variable is only created once or created outside tf.function. See "
        "https://www.tensorflow.org/guide/function#creating_tfvariables for more information.")


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None, experimental_autograph_options=None,
             experimental_attributes=None, experimental_relax_shapes=None,
             experimental_compile=None, experimental_follow_type_hints=None, name=None):
    """Compiles a Python function with `jax.jit`, as `tf.function`.

    Args:
      func: the function (or use `@tapejax.function(...)` as a decorator factory).
      input_signature: optional list of `TensorSpec`; calls must match it.
      autograph: convert Python `if`/`while`/`for`, `and`/`or`/`not` on Tensors to staged control
        flow (default True, as TF's AutoGraph); False runs the Python function as written.
      jit_compile: accepted (always compiled with XLA).
      reduce_retracing: accepted; shapes stay static under `jax.jit`.

    Returns:
      A `Function`.
    """
    def decorate(f):
        return Function(f, input_signature=input_signature, jit_compile=jit_compile,
                        reduce_retracing=reduce_retracing, name=name, autograph=autograph)

    return decorate if func is None else decorate(func)

