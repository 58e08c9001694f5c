"""`tf.saved_model`: save a tracked object's Variables and traced functions as `jax.export` artefacts.

A tapejax SavedModel is a directory (format version `VERSION`):

- `tapejax_saved_model.json`: the metadata, written last: the format name and version, the object
  graph (each object's attributes that are Variables, functions, sub-objects, lists, dicts, Assets),
  every Variable (name, shape, dtype, trainable), every function (its Python parameters, and per
  traced signature: the canonical arguments with TensorSpecs, the output structure, the Variables
  it reads and writes) and the signatures (input names, output keys);
- `variables/variables.npz`: the Variables' values (read with `allow_pickle=False`);
- `functions/<n>.jax_exported`: one serialized `jax.export.Exported` per traced signature (StableHLO
  with its first- and second-order VJPs, lowered for CPU, CUDA and TPU), a pure function of
  (Variable values, tensor arguments, RNG words) returning (outputs, new values of the Variables
  it assigns);
- `assets/`: the files of `tf.saved_model.Asset` attributes.

Loading reads JSON, NumPy arrays and serialized StableHLO: it never unpickles and runs no saved
Python code. A loaded function passes the loaded Variables to the exported function as arguments,
so a GradientTape differentiates through it (fine-tuning) and assignments to them are seen. TF's
SavedModel protobuf format (`saved_model.pb`) is out of scope: loading one raises an OSError that
says so.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import os
import shutil
import tempfile
import weakref

import jax
import numpy as np
from jax import export as jax_export

from tapejax import _context, _dtypes, _nest
from tapejax._function import Function, TensorSpec
from tapejax._module import Module
from tapejax._ops import _dispatch, random_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable

FORMAT = "tapejax-saved-model"
VERSION = 1
METADATA_FILENAME = "tapejax_saved_model.json"
VARIABLES_PATH = os.path.join("variables", "variables.npz")
FUNCTIONS_DIRECTORY = "functions"
ASSETS_DIRECTORY = "assets"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
PLATFORMS = ("cpu", "cuda", "tpu")
_NO_RNG = np.zeros(3, np.uint32)


class SaveOptions:
    """Options for `tf.saved_model.save`, as TF's (accepted; tapejax always saves custom gradients:
    a `custom_gradient` traced into an exported function keeps its backward in the VJP).

    Args:
      experimental_custom_gradients: TF's default True.
      The other arguments are accepted for compatibility.
    """

    __slots__ = ("namespace_whitelist", "save_debug_info", "function_aliases",
                 "experimental_debug_stripper", "experimental_io_device", "experimental_variable_policy",
                 "experimental_custom_gradients", "experimental_image_format", "experimental_skip_saver",
                 "experimental_sharding_callback", "extra_tags")

    def __init__(self, namespace_whitelist=None, save_debug_info=False, function_aliases=None,
                 experimental_debug_stripper=False, experimental_io_device=None,
                 experimental_variable_policy=None, experimental_custom_gradients=True,
                 experimental_image_format=False, experimental_skip_saver=False,
                 experimental_sharding_callback=None, extra_tags=None):
        self.namespace_whitelist = namespace_whitelist
        self.save_debug_info = save_debug_info
        self.function_aliases = function_aliases
        self.experimental_debug_stripper = experimental_debug_stripper
        self.experimental_io_device = experimental_io_device
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_custom_gradients = experimental_custom_gradients
        self.experimental_image_format = experimental_image_format
        self.experimental_skip_saver = experimental_skip_saver
        self.experimental_sharding_callback = experimental_sharding_callback
        self.extra_tags = extra_tags


class LoadOptions:
    """Options for `tf.saved_model.load`, as TF's (accepted for compatibility)."""

    __slots__ = ("allow_partial_checkpoint", "experimental_io_device", "experimental_load_function_aliases",
                 "experimental_variable_policy", "experimental_skip_checkpoint")

    def __init__(self, allow_partial_checkpoint=False, experimental_io_device=None,
                 experimental_load_function_aliases=False, experimental_variable_policy=None,
                 experimental_skip_checkpoint=False):
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_io_device = experimental_io_device
        self.experimental_load_function_aliases = experimental_load_function_aliases
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_skip_checkpoint = experimental_skip_checkpoint


class Asset:
    """A file that a SavedModel carries along (copied into its `assets/` directory).

    Args:
      path: the file's path.
    """

    def __init__(self, path):
        self._path = os.fspath(path)

    @property
    def asset_path(self):
        """The file's path, as a string Tensor."""
        return convert_to_tensor(self._path)


# -- encoding values as JSON ------------------------------------------------------------------------
class _Slot:
    """A tensor argument during encoding: its position among the exported function's tensors."""

    def __init__(self, index, spec):
        self.index = index
        self.spec = spec


class _NotEncodable(Exception):
    pass


def _with_slots(structure, counter):
    """`structure` with each TensorSpec replaced by a `_Slot`, numbered in TF's flattening order."""
    if isinstance(structure, TensorSpec):
        counter.append(structure)
        return _Slot(len(counter) - 1, structure)
    if isinstance(structure, dict):
        keys = sorted(structure, key=str)
        replaced = {k: _with_slots(structure[k], counter) for k in keys}
        return {k: replaced[k] for k in structure}
    if isinstance(structure, tuple):
        return tuple(_with_slots(x, counter) for x in structure)
    if isinstance(structure, list):
        return [_with_slots(x, counter) for x in structure]
    return structure


def _spec_json(spec, name=None):
    return {"shape": None if spec.shape is None else [None if d is None else int(d) for d in spec.shape],
            "dtype": spec.dtype.name, "name": name if name is not None else spec.name}


def _encode(value):
    if isinstance(value, _Slot):
        return {"tensor": value.index, **_spec_json(value.spec)}
    if value is None or isinstance(value, (bool, int, str)):
        return {"py": value}
    if isinstance(value, float):
        return {"py": value} if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [_encode(x) for x in value]}
    if isinstance(value, list):
        return {"list": [_encode(x) for x in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": [[k, _encode(v)] for k, v in value.items()]}
    raise _NotEncodable(value)


def _python_value(enc):
    if "float" in enc:
        return float(enc["float"])
    return enc["py"]


def _decode_spec(enc):
    return TensorSpec(enc["shape"], enc["dtype"], name=enc.get("name"))


def _describe(enc):
    """A readable view of an encoded value (TensorSpecs for tensors), for error messages."""
    if "tensor" in enc:
        return _decode_spec(enc)
    if "tuple" in enc:
        return tuple(_describe(x) for x in enc["tuple"])
    if "list" in enc:
        return [_describe(x) for x in enc["list"]]
    if "dict" in enc:
        return {k: _describe(v) for k, v in enc["dict"]}
    return _python_value(enc)


# -- saving -------------------------------------------------------------------------------------------
def _is_keras_model(obj):
    # Keras models declare it (tapejax.keras._models); this module imports no Keras
    return getattr(type(obj), "_checkpoint_kind", None) in ("model", "graph_model")


def _bound_function(value):
    """(Function, instance, ConcreteFunction or None) for a tapejax.function, a method bound to an
    instance, or a ConcreteFunction of either; else None."""
    if isinstance(value, Function):
        return value, None, None
    if isinstance(getattr(value, "_function", None), Function) and hasattr(value, "_concrete") \
            and hasattr(value, "structured_input_signature"):
        return value._function, value._instance, value
    if isinstance(value, functools.partial) and value.args:
        owner = getattr(value.func, "__self__", None)
        if isinstance(owner, Function) and getattr(value.func, "__name__", "") == "_call_method":
            return owner, value.args[0], None
    return None


def _parameters(fn, instance):
    """The Python parameters of `fn` (without `self` for a method) as an inspect.Signature."""
    try:
        signature = inspect.signature(fn.python_function)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if instance is not None and params:
        params = params[1:]
    return signature.replace(parameters=params)


def _parameters_json(signature):
    out = []
    for p in signature.parameters.values():
        entry = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            try:
                entry["default"] = _encode(p.default)
            except _NotEncodable:
                entry["default"] = None  # matched by value at save time only
                entry["opaque_default"] = True
        out.append(entry)
    return out


def _parameters_from_json(params):
    built = []
    for p in params:
        default = inspect.Parameter.empty
        if "default" in p:
            default = _Opaque() if p.get("opaque_default") else _Encoded(p["default"])
        built.append(inspect.Parameter(p["name"], getattr(inspect.Parameter, p["kind"]), default=default))
    return inspect.Signature(built)


class _Encoded:
    """A default value kept in its encoded form (compared with a saved argument as encoded)."""

    def __init__(self, enc):
        self.enc = enc


class _Opaque:
    pass


def _symbolic_avals(specs, shared_per_axis):
    """ShapeDtypeStructs for `specs` with a symbolic dimension for each None."""
    names, layout = [], []
    for i, spec in enumerate(specs):
        dims = []
        for axis, d in enumerate(spec.shape):
            if d is None:
                name = f"a{axis}" if shared_per_axis else f"d{i}_{axis}"
                if name not in names:
                    names.append(name)
                dims.append(name)
            else:
                dims.append(int(d))
        layout.append(dims)
    symbols = dict(zip(names, jax_export.symbolic_shape(",".join(names)))) if names else {}
    return [jax.ShapeDtypeStruct(tuple(symbols[d] if isinstance(d, str) else d for d in dims), spec.dtype._np)
            for spec, dims in zip(specs, layout)]


def _used_variables(concrete, specs):
    """(written, read): indices of `concrete.variables` that its trace assigns, and the others it
    reads. A method's trace also lifts the Variables that other instances' traces found (and
    passes through those they write), which this one never touches."""
    n_written = concrete.n_written
    n_vars = len(concrete.variables)

    def flat(*values):
        arrays, new_values = concrete.pure(list(values[:n_written]), list(values[n_written:n_vars]),
                                           list(values[n_vars:-1]), values[-1])
        return list(arrays) + list(new_values)

    avals = ([jax.ShapeDtypeStruct(tuple(v.shape), v.dtype._np) for v in concrete.variables]
             + [jax.ShapeDtypeStruct(tuple(2 if d is None else d for d in s.shape), s.dtype._np) for s in specs]
             + [jax.ShapeDtypeStruct((3,), np.uint32)])
    jaxpr = jax.make_jaxpr(flat)(*avals).jaxpr
    invars, outvars = jaxpr.invars, jaxpr.outvars
    n_out = len(outvars) - n_written
    written = [i for i in range(n_written) if outvars[n_out + i] is not invars[i]]
    read_ids = {id(v) for eqn in jaxpr.eqns for v in eqn.invars} | {id(v) for v in outvars[:n_out]}
    read = [i for i in range(n_vars) if i not in written and id(invars[i]) in read_ids]
    return written, read


@contextlib.contextmanager
def _host_effects_skipped():
    """jax.export cannot serialize host callbacks: tf.print and summaries are left out of artefacts
    (as they are when a recorded call's backward reruns a function body)."""
    with _context.scope(replaying=True):
        yield


def _export_for_platforms(jitted, *avals):
    """Exported for CPU, CUDA and TPU (a SavedModel loads on any of them), or for this machine's
    platform alone when an op cannot be lowered for another one."""
    try:
        return jax_export.export(jitted, platforms=PLATFORMS)(*avals)
    except Exception:  # noqa: BLE001 - e.g. a kernel with no lowering on some platform
        return jax_export.export(jitted)(*avals)


def _export_concrete(concrete, specs, what):
    """The serialized `jax.export` artefact of one traced signature, its output avals, the
    Variables it takes (those it writes first) and how many it writes."""
    all_variables = concrete.variables
    n_written = concrete.n_written
    pure = concrete.pure
    with _host_effects_skipped():
        written, read = _used_variables(concrete, specs)
    kept = written + read
    variables = [all_variables[i] for i in kept]

    def exported_function(var_values, tensor_values, rng_words):
        full = [jax.numpy.zeros(tuple(v.shape), v.dtype._np) for v in all_variables]  # unread: any value
        for i, value in zip(kept, var_values):
            full[i] = value
        arrays, new_values = pure(full[:n_written], full[n_written:], list(tensor_values), rng_words)
        return list(arrays), [new_values[i] for i in written]

    var_avals = [jax.ShapeDtypeStruct(tuple(v.shape), v.dtype._np) for v in variables]
    rng_aval = jax.ShapeDtypeStruct((3,), np.uint32)
    attempts = [False, True] if any(d is None for s in specs for d in s.shape) else [False]
    error = None
    for shared in attempts:
        try:
            avals = _symbolic_avals(specs, shared)
            with _host_effects_skipped():
                exported = _export_for_platforms(jax.jit(exported_function), var_avals, avals, rng_aval)
            try:  # second-order VJPs too (Hessians, gradient penalties through a loaded function)
                blob = exported.serialize(vjp_order=2)
            except Exception:  # noqa: BLE001 - a backward JAX cannot differentiate again: first order
                blob = exported.serialize(vjp_order=1)
            return blob, exported.out_avals, variables, len(written)
        except Exception as err:  # noqa: BLE001 - reported below with what was being exported
            error = err
    raise ValueError(
        f"tf.saved_model.save could not export {what} with jax.export: {type(error).__name__}: {error}. "
        f"A dimension given as None in an input_signature is exported as a symbolic size: code that "
        f"needs its value as a Python int must get it with tf.shape(x) instead of x.shape, or give "
        f"the size in the input_signature.") from error


class _Saver:
    def __init__(self, export_dir):
        self.export_dir = export_dir
        self.variables = []       # Variable objects, in index order
        self.var_index = {}       # Variable._id -> index
        self.var_paths = {}
        self.objects = []         # object table (JSON)
        self.object_index = {}    # id(obj) -> index
        self.functions = []       # function table (JSON)
        self.function_index = {}  # (id(fn), id(instance)) -> index
        self.files = {}           # relative path -> bytes
        self.assets = {}          # relative path -> source path
        self._keep = []           # keeps walked objects alive while ids are keys

    # -- object graph ---------------------------------------------------------------------------
    def variable(self, v, path=None):
        index = self.var_index.get(v._id)
        if index is None:
            index = self.var_index[v._id] = len(self.variables)
            self.variables.append(v)
        if path is not None:
            self.var_paths.setdefault(index, path)
        return index

    def node(self, value, path):
        """The JSON node of an attribute value, or None when nothing in it is tracked."""
        if isinstance(value, Variable):
            return {"variable": self.variable(value, path)}
        bound = _bound_function(value)
        if bound is not None:
            return {"function": self.function(*bound, path=path)}
        if isinstance(value, RestoredFunction):
            return {"function": self.restored_function(value)}
        if isinstance(value, Asset):
            return {"asset": self.asset(value)}
        if isinstance(value, (Module, _UserObject)):
            return {"object": self.object(value, path)}
        if isinstance(value, (list, tuple)):
            items = [self.node(x, f"{path}/{i}") for i, x in enumerate(value)]
            if any(x is not None for x in items):
                return {"list": items}
            return None
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            items = {k: self.node(v, f"{path}/{k}") for k, v in value.items()}
            items = {k: v for k, v in items.items() if v is not None}
            return {"dict": items} if items else None
        return None

    def object(self, obj, path):
        index = self.object_index.get(id(obj))
        if index is not None:
            return index
        index = self.object_index[id(obj)] = len(self.objects)
        self._keep.append(obj)
        entry = {"children": {}}
        self.objects.append(entry)
        children = {}
        ignored = getattr(obj, "_TF_MODULE_IGNORED_PROPERTIES", ())
        for key in sorted(vars(obj)):
            if key in ignored:
                continue
            node = self.node(vars(obj)[key], f"{path}/{key}" if path else key)
            if node is not None:
                children[key] = node
        for key in _class_functions(type(obj)):
            if key not in children and key not in vars(obj):
                bound = _bound_function(getattr(obj, key))  # the instance's own function, if it has one
                if bound is not None:
                    children[key] = {"function": self.function(*bound, path=f"{path}/{key}" if path else key)}
        entry["children"] = children
        return index

    def asset(self, asset):
        name = os.path.basename(asset._path)
        relative = os.path.join(ASSETS_DIRECTORY, name)
        self.assets[relative] = asset._path
        return relative

    # -- functions ------------------------------------------------------------------------------
    def function(self, fn, instance, concrete_function=None, path=""):
        key = (id(fn), id(instance), id(concrete_function))
        index = self.function_index.get(key)
        if index is not None:
            return index
        index = self.function_index[key] = len(self.functions)
        self._keep.append((fn, instance, concrete_function))
        entry = {"name": getattr(fn, "_name", "function"), "concretes": [],
                 "input_signature": fn._input_signature is not None or concrete_function is not None}
        self.functions.append(entry)
        signature = _parameters(fn, instance)
        entry["parameters"] = None if signature is None else _parameters_json(signature)
        if concrete_function is not None:
            args, kwargs = concrete_function.structured_input_signature
            traces = [(tuple(args), dict(kwargs), concrete_function._concrete)]
        else:
            traces = self._traces(fn, instance)
        for args, kwargs, concrete in traces:
            if concrete is None or signature is None:
                continue
            counter = []
            try:
                slotted_args, slotted_kwargs = _with_slots((tuple(args), dict(kwargs)), counter)
                bound = signature.bind(*slotted_args, **slotted_kwargs)
                bound.apply_defaults()
                arguments = [[name, _encode(value)] for name, value in bound.arguments.items()]
                out_structure = _output_structure(concrete)
            except (_NotEncodable, TypeError):
                continue  # a signature with Python values JSON cannot hold is not saved
            what = f"the function {entry['name']!r} ({path})"
            blob, out_avals, variables, n_written = _export_concrete(concrete, counter, what)
            relative = os.path.join(FUNCTIONS_DIRECTORY, f"{index}_{len(entry['concretes'])}.jax_exported")
            self.files[relative] = blob
            n_out = len(out_avals) - n_written
            entry["concretes"].append({
                "file": relative, "arguments": arguments, "outputs": out_structure,
                "output_specs": [_aval_json(a) for a in out_avals[:n_out]],
                "variables": [self.variable(v) for v in variables],
                "n_written": n_written, "random": bool(concrete.random)})
        return index

    def restored_function(self, restored):
        """A function of a loaded SavedModel, saved again with its artefacts as they are."""
        key = (id(restored), None, None)
        index = self.function_index.get(key)
        if index is not None:
            return index
        index = self.function_index[key] = len(self.functions)
        self._keep.append(restored)
        entry = {"name": restored.__name__, "parameters": restored._parameters_json,
                 "input_signature": restored._has_input_signature, "concretes": []}
        self.functions.append(entry)
        for i, concrete in enumerate(restored.concrete_functions):
            relative = os.path.join(FUNCTIONS_DIRECTORY, f"{index}_{i}.jax_exported")
            self.files[relative] = concrete._blob
            entry["concretes"].append({
                "file": relative, "arguments": concrete.arguments, "outputs": concrete.outputs,
                "output_specs": concrete.output_specs, "variables": [self.variable(v) for v in concrete.variables],
                "n_written": concrete.n_written, "random": concrete.random})
        return index

    def _traces(self, fn, instance):
        traces = fn.traces_for_export(instance)
        if fn._input_signature is None:
            _count_save_traces(fn, traces)
            return traces
        specs = list(fn._input_signature)
        for args, kwargs, concrete in traces:  # a call already traced within the signature
            if not kwargs and _compatible(specs, list(args)):
                _count_save_traces(fn, [(specs, {}, concrete)])
                return [(tuple(specs), {}, concrete)]
        examples = [_example(spec) for spec in _nest.flatten(specs)]
        examples = _nest.pack_sequence_as(specs, examples)
        (_, _, concrete), = fn.traces_for_export(instance, examples)
        _saved_traces.setdefault(fn, set()).add(repr((specs, {})))
        if concrete is None:
            raise ValueError(
                f"tf.saved_model.save: the function {fn._name!r} creates Variables when it is first "
                f"called; call it once before saving so that its Variables exist.")
        return [(tuple(specs), {}, concrete)]

    # -- signatures -----------------------------------------------------------------------------
    def signature(self, name, value):
        bound = _bound_function(value)
        if bound is None or (bound[0]._input_signature is None and bound[2] is None):
            raise ValueError(
                f"Expected a TensorFlow function for which to generate a signature, but got {value!r}. "
                f"Only `tf.functions` with an input signature or concrete functions can be used as a "
                f"signature.")
        index = self.function(*bound, path=f"signature {name}")
        entry = self.functions[index]
        if not entry["concretes"]:
            raise ValueError(f"The signature {name!r} could not be exported: its function has no "
                             f"signature tapejax can save.")
        concrete = entry["concretes"][0]
        inputs = []
        for param_name, enc in concrete["arguments"]:
            leaves = _encoded_tensors(enc)
            for i, leaf in enumerate(leaves):
                leaf_name = leaf.get("name") or (param_name if len(leaves) == 1 else f"{param_name}_{i}")
                inputs.append({"tensor": leaf["tensor"], **_spec_json(_decode_spec(leaf), leaf_name)})
        outputs = _signature_outputs(concrete["outputs"], entry["name"], name)
        return {"function": index, "inputs": inputs, "outputs": outputs}


_saved_traces = weakref.WeakKeyDictionary()  # Function -> the signatures saved once already


def _count_save_traces(fn, traces):
    """TF traces a function again (in its save context) the first time a traced signature is
    saved: `experimental_get_tracing_count` counts that trace, as TF's does."""
    try:
        saved = _saved_traces.setdefault(fn, set())
    except TypeError:
        return
    for args, kwargs, concrete in traces:
        key = repr((args, kwargs))
        if concrete is not None and key not in saved:
            saved.add(key)
            fn.trace_count += 1


def _encoded_tensors(enc):
    if "tensor" in enc:
        return [enc]
    if "tuple" in enc or "list" in enc:
        return [t for x in enc.get("tuple", enc.get("list")) for t in _encoded_tensors(x)]
    if "dict" in enc:
        return [t for _, x in sorted(enc["dict"]) for t in _encoded_tensors(x)]
    return []


def _signature_outputs(structure, function_name, signature_name):
    """[(key, output index)] of a signature's outputs: `output_<i>` for a tensor or a sequence of
    tensors, the keys of a dict, as TF names them."""
    def index_of(enc, key):
        if "out" not in enc:
            raise ValueError(
                f"Got a non-Tensor value {_describe_output(enc)!r} for key {key!r} in the output of the "
                f"function {function_name} used to generate the SavedModel signature {signature_name!r}. "
                f"Outputs for functions used as signatures must be a single Tensor, a sequence of "
                f"Tensors, or a dictionary from string to Tensor.")
        return enc["out"]

    if "out" in structure:
        return [["output_0", structure["out"]]]
    if "dict" in structure:
        return [[k, index_of(v, k)] for k, v in structure["dict"]]
    if "tuple" in structure or "list" in structure:
        items = structure.get("tuple", structure.get("list"))
        return [[f"output_{i}", index_of(v, f"output_{i}")] for i, v in enumerate(items)]
    raise ValueError(f"The function {function_name} used to generate the SavedModel signature "
                     f"{signature_name!r} returns {_describe_output(structure)!r}: a signature's outputs "
                     f"must be a Tensor, a sequence of Tensors or a dictionary from string to Tensor.")


def _describe_output(enc):
    if "out" in enc:
        return "<Tensor>"
    if "tuple" in enc:
        return tuple(_describe_output(x) for x in enc["tuple"])
    if "list" in enc:
        return [_describe_output(x) for x in enc["list"]]
    if "dict" in enc:
        return {k: _describe_output(v) for k, v in enc["dict"]}
    return _python_value(enc)


def _aval_json(aval):
    return {"shape": [d if isinstance(d, int) else None for d in aval.shape],
            "dtype": _dtypes.as_dtype(aval.dtype).name}


class _Out:
    def __init__(self, index):
        self.index = index


def _output_structure(concrete):
    """The JSON structure of a trace's outputs: tensors numbered in order, Python values kept."""
    tensors = iter(range(len(concrete.out_static)))
    leaves = [_Out(next(tensors)) if static is None else static[1] for static in concrete.out_static]
    return _encode_output(jax.tree_util.tree_unflatten(concrete.out_tree, leaves))


def _encode_output(value):
    if isinstance(value, _Out):
        return {"out": value.index}
    if isinstance(value, tuple):
        return {"tuple": [_encode_output(x) for x in value]}
    if isinstance(value, list):
        return {"list": [_encode_output(x) for x in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": [[k, _encode_output(v)] for k, v in value.items()]}
    return _encode(value)


def _class_functions(cls):
    """{name: Function} of the tapejax.functions defined on a class (methods), in name order."""
    found = {}
    for klass in reversed(cls.__mro__):
        for key, value in vars(klass).items():
            if isinstance(value, Function):
                found[key] = value
            elif key in found:
                del found[key]
    return dict(sorted(found.items()))


def _compatible(specs, args):
    flat_specs = _nest.flatten(specs)
    try:
        flat_args = _nest.flatten(args)
    except Exception:  # noqa: BLE001
        return False
    if len(flat_specs) != len(flat_args):
        return False
    for spec, arg in zip(flat_specs, flat_args):
        if not isinstance(arg, TensorSpec) or arg.dtype != spec.dtype or len(arg.shape) != len(spec.shape):
            return False
        if any(s is not None and s != a for s, a in zip(spec.shape, arg.shape)):
            return False
    return True


def _example(spec):
    """A Tensor matching `spec` (a None dimension as 2) to trace the function with."""
    shape = tuple(2 if d is None else int(d) for d in spec.shape)
    return Tensor(jax.numpy.zeros(shape, spec.dtype._np))


def _default_signature(obj, saver):
    """TF's default: the one tapejax.function with an input_signature among the object's own
    attributes (a method or an attribute), or none."""
    candidates = []
    for key in sorted(vars(obj)):
        bound = _bound_function(vars(obj)[key])
        if bound is not None and (bound[0]._input_signature is not None or bound[2] is not None):
            candidates.append(vars(obj)[key])
    for key, fn in _class_functions(type(obj)).items():
        if key not in vars(obj) and fn._input_signature is not None:
            candidates.append(getattr(obj, key))
    return candidates[0] if len(candidates) == 1 else None


def _keras_input_specs(model, keep_names):
    """The TensorSpecs of a built Keras model's inputs (a None batch dimension)."""
    kts = None
    if hasattr(type(model), "inputs") and getattr(model, "_flat_inputs", None):
        kts = list(model.inputs)
    elif getattr(model, "_input_kt", None) is not None:
        kts = [model._input_kt]
    if kts:
        # Keras 3 names an input `keras_tensor` (with a process-wide counter) unless it was named.
        return [TensorSpec(kt.shape, kt.dtype, name=(_keras_input_name(kt) if keep_names else None))
                for kt in kts]
    shapes = getattr(model, "_build_shapes", None)
    if shapes is None:  # a subclassed model: the first layer it tracks received its inputs
        first = next((layer for layer in getattr(model, "_layers", ()) if getattr(layer, "built", False)), None)
        shapes = getattr(first, "_build_shapes", None)
    if shapes is None or not model.built:
        raise ValueError("The model provided has not yet been built. It must be built before export.")
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [TensorSpec((None,) + tuple(s)[1:]) for s in shapes]
    return [TensorSpec((None,) + tuple(shapes)[1:])]


def _keras_input_name(kt):
    name = kt.name or ""
    return "keras_tensor" if not name or name.startswith("input_layer") else name


def _keras_serving_function(model, parameter, keep_names):
    specs = _keras_input_specs(model, keep_names)
    single = len(specs) == 1

    def serve(inputs):
        return model(inputs, training=False)

    serve.__signature__ = inspect.Signature([inspect.Parameter(parameter, inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    serve.__name__ = "serve"
    return Function(serve, input_signature=[specs[0] if single else specs], name="serve")


def _write(export_dir, saver, root, signatures, meta_extra):
    os.makedirs(export_dir, exist_ok=True)
    for relative, blob in saver.files.items():
        path = os.path.join(export_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(blob)
    for relative, source in saver.assets.items():
        path = os.path.join(export_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.abspath(source) != os.path.abspath(path):
            shutil.copyfile(source, path)
    arrays = {f"v{i:06d}": np.asarray(v.numpy()) for i, v in enumerate(saver.variables)}
    variables_path = os.path.join(export_dir, VARIABLES_PATH)
    os.makedirs(os.path.dirname(variables_path), exist_ok=True)
    _atomic_write(variables_path, lambda f: np.savez(f, **arrays))
    metadata = {
        "format": FORMAT, "version": VERSION, "root": root, "objects": saver.objects,
        "variables": [{"name": getattr(v, "path", None) or v.name.split(":")[0], "shape": list(v.shape), "dtype": v.dtype.name,
                       "trainable": bool(v.trainable), "path": saver.var_paths.get(i)}
                      for i, v in enumerate(saver.variables)],
        "functions": saver.functions, "signatures": signatures, **meta_extra}
    text = json.dumps(metadata, indent=1, allow_nan=False)
    _atomic_write(os.path.join(export_dir, METADATA_FILENAME), lambda f: f.write(text.encode()))


def _atomic_write(path, write):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save(obj, export_dir, signatures=None, options=None):
    """Saves `obj`'s Variables and traced functions to `export_dir` (tapejax's SavedModel format).

    Each `tapejax.function` attribute (or method) is saved once per traced signature (one
    traced from its `input_signature` when it has one), as TF saves the functions that have been
    traced; a function never traced is restored but cannot be called.

    Args:
      obj: a `tf.Module` (or Keras layer/model). A Keras model is saved with a `serving_default`
        signature of its `call`, as TF does.
      export_dir: the directory to write.
      signatures: a function with an `input_signature` (saved as `serving_default`), or a dict of
        name -> such function. Default: the object's one function with an `input_signature`, if it
        has exactly one.
      options: a `tf.saved_model.SaveOptions`.

    Raises:
      ValueError: if `obj` is not trackable, a signature is not a function with an input signature
        or returns other than a Tensor, a sequence of Tensors or a dict of Tensors, or a function
        cannot be exported.
    """
    if not isinstance(obj, (Module, _UserObject)):
        raise ValueError(f"Expected an object of type `Trackable`, such as `tf.Module` or a subclass of "
                         f"the `Trackable` class, for export. Got {obj!r} with type {type(obj)}.")
    export_dir = os.fspath(export_dir)
    saver = _Saver(export_dir)
    if _is_keras_model(obj):
        root = {"object": len(saver.objects)}
        saver.objects.append({"children": {}})
        if signatures is None:
            parameter = next(iter(inspect.signature(obj.call).parameters), "inputs")
            signatures = _keras_serving_function(obj, parameter, keep_names=False)
    else:
        root = {"object": saver.object(obj, "")}
        if signatures is None and not isinstance(obj, _UserObject):
            signatures = _default_signature(obj, saver)
    saved_signatures = {}
    if signatures is None and isinstance(obj, _UserObject):  # a loaded object keeps its signatures
        for name, signature in getattr(obj, "signatures", {}).items():
            saved_signatures[name] = {"function": saver.restored_function(signature._function),
                                      "inputs": signature._inputs, "outputs": signature._outputs}
    if signatures is not None:
        if not isinstance(signatures, dict):
            signatures = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: signatures}
        for name, value in signatures.items():
            saved_signatures[name] = saver.signature(name, value)
    _write(export_dir, saver, root, saved_signatures, {})


def export_keras(model, filepath, format="tf_saved_model", verbose=True, input_signature=None):  # noqa: A002
    """Keras 3's `model.export(filepath)`: a SavedModel with a `serve` endpoint (and signatures
    `serve`, `serving_default`) and the model's `variables`, `trainable_variables`,
    `non_trainable_variables`."""
    if format != "tf_saved_model":
        raise ValueError(f"Unrecognized format={format!r}: tapejax exports format='tf_saved_model' only.")
    if input_signature is not None:
        fn = Function(lambda *args: model(*args, training=False), input_signature=list(input_signature),
                      name="serve")
    else:
        fn = _keras_serving_function(model, "args_0", keep_names=True)
    export_dir = os.fspath(filepath)
    saver = _Saver(export_dir)
    root = {"object": len(saver.objects)}
    saver.objects.append({"children": {}})
    children = {"serve": {"function": saver.function(fn, None, path="serve")}}
    for key in ("variables", "trainable_variables", "non_trainable_variables"):
        children[key] = {"list": [{"variable": saver.variable(v, f"{key}/{i}")}
                                  for i, v in enumerate(getattr(model, key))]}
    saver.objects[0]["children"] = children
    signatures = {name: saver.signature(name, fn) for name in ("serve", DEFAULT_SERVING_SIGNATURE_DEF_KEY)}
    _write(export_dir, saver, root, signatures, {})
    if verbose:
        specs = fn._input_signature
        outputs = ", ".join(f"TensorSpec(shape={tuple(s['shape'])}, dtype=tf.{s['dtype']}, name=None)"
                            for s in _read_metadata(os.fspath(filepath))["functions"][0]["concretes"][0]
                            ["output_specs"])
        print(f"Saved artifact at '{os.fspath(filepath)}'. The following endpoints are available:\n\n"
              f"* Endpoint 'serve'\n" + "".join(f"  args_{i} (POSITIONAL_ONLY): {s!r}\n" for i, s in
                                                enumerate(specs)) + f"Output Type:\n  {outputs}")


# -- loading ------------------------------------------------------------------------------------------
def contains_saved_model(export_dir):
    """True if `export_dir` holds a SavedModel (tapejax's, or TF's protobuf one, which tapejax cannot load)."""
    export_dir = os.fspath(export_dir)
    return any(os.path.isfile(os.path.join(export_dir, name))
               for name in (METADATA_FILENAME, "saved_model.pb", "saved_model.pbtxt"))


def _parse_error(path, reason):
    return OSError(f"Cannot parse file {os.fsencode(path)!r}: {reason}")


def _read_metadata(export_dir):
    meta_path = os.path.join(export_dir, METADATA_FILENAME)
    if not os.path.isfile(meta_path):
        if any(os.path.isfile(os.path.join(export_dir, n)) for n in ("saved_model.pb", "saved_model.pbtxt")):
            raise OSError(
                f"{export_dir!r} holds a TensorFlow SavedModel (saved_model.pb): TF's protobuf SavedModel "
                f"format is not supported by tapejax, which loads only the SavedModels tapejax writes "
                f"({METADATA_FILENAME}). Save the model with tapejax (tf.saved_model.save) instead.")
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{saved_model.pbtxt|saved_model.pb}} "
                      f"(tapejax looks for {METADATA_FILENAME} there)")
    try:
        with open(meta_path, "rb") as f:
            metadata = json.loads(f.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise _parse_error(meta_path, f"not a tapejax SavedModel's metadata ({err}).") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise _parse_error(meta_path, "not a tapejax SavedModel's metadata (no format name).")
    version = metadata.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise _parse_error(meta_path, f"it has format version {version!r}; this tapejax reads versions up to "
                                      f"{VERSION}: upgrade tapejax.")
    return metadata


def load(export_dir, tags=None, options=None):
    """Loads a SavedModel written by `tf.saved_model.save` (tapejax's format).

    Args:
      export_dir: the directory.
      tags: accepted for compatibility.
      options: a `tf.saved_model.LoadOptions` (accepted).

    Returns:
      An object whose attributes mirror the saved object's: Variables (with the saved values),
      callable functions, sub-objects, lists and dicts, and `signatures` (a mapping of name to a
      function called with keyword arguments that returns a dict of Tensors).

    Raises:
      OSError: if the directory holds no SavedModel, holds TF's protobuf format, or is corrupted.
    """
    export_dir = os.fspath(export_dir)
    metadata = _read_metadata(export_dir)
    meta_path = os.path.join(export_dir, METADATA_FILENAME)
    try:
        return _Loader(export_dir, metadata).build()
    except (KeyError, TypeError, IndexError, AttributeError) as err:
        raise _parse_error(meta_path, f"the metadata is malformed ({type(err).__name__}: {err}).") from None


class _Loader:
    def __init__(self, export_dir, metadata):
        self.export_dir = export_dir
        self.meta = metadata
        self.functions = {}
        self.objects = {}

    def build(self):
        self.variables = self._variables()
        root = self.node(self.meta["root"])
        root.signatures = _SignatureMap({name: self._signature(name, entry)
                                         for name, entry in self.meta["signatures"].items()})
        return root

    def _variables(self):
        path = os.path.join(self.export_dir, VARIABLES_PATH)
        specs = self.meta["variables"]
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = [np.asarray(data[f"v{i:06d}"]) for i in range(len(specs))]
        except FileNotFoundError:
            raise OSError(f"The SavedModel at {self.export_dir!r} has no variables file "
                          f"({VARIABLES_PATH}): it is incomplete.") from None
        except (ValueError, OSError, KeyError, EOFError) as err:
            raise _parse_error(path, f"the variables are truncated or corrupted ({type(err).__name__}: "
                                     f"{err}).") from None
        out = []
        for spec, array in zip(specs, arrays):
            if list(array.shape) != list(spec["shape"]) or _dtypes.as_dtype(array.dtype).name != spec["dtype"]:
                raise _parse_error(path, f"the variable {spec['name']!r} is saved with shape {array.shape} "
                                         f"and dtype {array.dtype}, its metadata says {spec['shape']} "
                                         f"{spec['dtype']}.")
            out.append(Variable(array, trainable=spec["trainable"], name=spec["name"]))
        return out

    def node(self, node):
        if "variable" in node:
            return self.variables[node["variable"]]
        if "function" in node:
            return self.function(node["function"])
        if "asset" in node:
            return Asset(os.path.join(self.export_dir, node["asset"]))
        if "object" in node:
            return self.object(node["object"])
        if "list" in node:
            return [None if x is None else self.node(x) for x in node["list"]]
        if "dict" in node:
            return {k: self.node(v) for k, v in node["dict"].items()}
        raise KeyError(f"unknown node {sorted(node)}")

    def object(self, index):
        found = self.objects.get(index)
        if found is None:
            found = self.objects[index] = _UserObject()
            for key, child in self.meta["objects"][index]["children"].items():
                setattr(found, key, self.node(child))
        return found

    def function(self, index):
        found = self.functions.get(index)
        if found is None:
            entry = self.meta["functions"][index]
            concretes = [self._concrete(entry["name"], c) for c in entry["concretes"]]
            params = entry.get("parameters")
            found = self.functions[index] = RestoredFunction(
                entry["name"], None if params is None else _parameters_from_json(params), concretes,
                entry.get("input_signature", False))
            found._parameters_json = params
        return found

    def _concrete(self, name, entry):
        path = os.path.join(self.export_dir, entry["file"])
        try:
            with open(path, "rb") as f:
                blob = f.read()
        except FileNotFoundError:
            raise OSError(f"The SavedModel at {self.export_dir!r} is missing {entry['file']!r}: it is "
                          f"incomplete.") from None
        try:
            exported = jax_export.deserialize(bytearray(blob))
        except Exception as err:  # noqa: BLE001 - any failure means the file is not a valid artefact
            raise _parse_error(path, f"not a serialized jax.export artefact ({type(err).__name__}: {err}).") \
                from None
        restored = _RestoredConcrete(name, exported, entry, [self.variables[i] for i in entry["variables"]])
        restored._blob = blob
        return restored

    def _signature(self, name, entry):
        function = self.function(entry["function"])
        return _SignatureFunction(name, function, entry["inputs"], entry["outputs"])


class _UserObject:
    """A loaded object: its attributes are the saved object's tracked attributes."""

    def __repr__(self):
        return f"<tapejax.saved_model loaded object at 0x{id(self):x}>"

    def __call__(self, *args, **kwargs):
        function = self.__dict__.get("__call__")  # a saved __call__ is an instance attribute here
        if function is None:
            raise TypeError(f"'{type(self).__name__}' object is not callable")
        return function(*args, **kwargs)


class _SignatureMap(dict):
    """The `signatures` of a loaded SavedModel: name -> signature function."""


class _RestoredConcrete:
    """One exported signature: calls the artefact with the loaded Variables and the tensors."""

    def __init__(self, name, exported, entry, variables):
        self.exported = exported
        self.arguments = entry["arguments"]
        self.outputs = entry["outputs"]
        self.output_specs = entry["output_specs"]
        self.variables = variables
        self.n_written = entry["n_written"]
        self.random = entry["random"]
        self.n_out = len(entry["output_specs"])
        self.structured_input_signature = (tuple(
            _decode_spec({**enc, "name": enc.get("name") or name}) if "tensor" in enc else _describe(enc)
            for name, enc in self.arguments), {})
        tensor_specs = [TensorSpec(s["shape"], s["dtype"]) for s in self.output_specs]
        self.structured_outputs = _rebuild_output(self.outputs, tensor_specs)
        n_vars = len(variables)
        call = exported.call

        def run(*values):
            outputs, new_values = call(list(values[:n_vars]), list(values[n_vars:-1]), values[-1])
            return tuple(outputs) + tuple(new_values)

        self.op = _dispatch.Op(f"SavedModel_{name}", run, multi=True)

    def call_flat(self, tensors):
        """Runs on the tensor arguments (in the artefact's order); returns the output Tensors."""
        rng = random_ops._global.next(None) if self.random else _NO_RNG
        inputs = list(self.variables) + list(tensors) + [rng if type(rng) is Tensor else Tensor(rng)]
        results = _dispatch.apply(self.op, inputs)
        outputs, new_values = results[:self.n_out], results[self.n_out:]
        for variable, value in zip(self.variables[:self.n_written], new_values):
            variable.assign(value)
        return outputs

    def structured(self, outputs):
        return _rebuild_output(self.outputs, outputs)


def _rebuild_output(enc, outputs):
    if "out" in enc:
        return outputs[enc["out"]]
    if "tuple" in enc:
        return tuple(_rebuild_output(x, outputs) for x in enc["tuple"])
    if "list" in enc:
        return [_rebuild_output(x, outputs) for x in enc["list"]]
    if "dict" in enc:
        return {k: _rebuild_output(v, outputs) for k, v in enc["dict"]}
    return _python_value(enc)


def _as_call_tensor(value, enc, convert):
    """`value` as a Tensor matching the encoded spec `enc`, or None."""
    if isinstance(value, Variable):
        value = value.value()
    elif type(value) is not Tensor:
        if not convert and not isinstance(value, (np.ndarray, np.generic)):
            return None
        try:
            value = convert_to_tensor(value, dtype=enc["dtype"])
        except Exception:  # noqa: BLE001 - not convertible: no match
            return None
    if value.dtype.name != enc["dtype"]:
        return None
    shape = enc["shape"]
    if shape is not None:
        if len(value.shape) != len(shape) or any(s is not None and s != d for s, d in zip(shape, value.shape)):
            return None
    return value


def _match(enc, value, tensors, convert):
    if "tensor" in enc:
        t = _as_call_tensor(value, enc, convert)
        if t is None:
            return False
        tensors[enc["tensor"]] = t
        return True
    if isinstance(value, _Encoded):
        return value.enc == enc
    if "py" in enc or "float" in enc:
        expected = _python_value(enc)
        if type(value) is Tensor or isinstance(value, Variable):
            return False
        return type(value) is type(expected) and (value == expected or value != value and expected != expected)
    if "tuple" in enc or "list" in enc:
        items = enc.get("tuple", enc.get("list"))
        return (isinstance(value, (list, tuple)) and len(value) == len(items)
                and all(_match(e, v, tensors, convert) for e, v in zip(items, value)))
    if "dict" in enc:
        return (isinstance(value, dict) and set(value) == {k for k, _ in enc["dict"]}
                and all(_match(e, value[k], tensors, convert) for k, e in enc["dict"]))
    return False


class RestoredFunction:
    """A function of a loaded SavedModel, called with the saved function's arguments.

    Each saved signature is tried in order; Tensors must match its shapes and dtypes and Python
    values must be equal to the traced ones, as TF's restored functions require.
    """

    def __init__(self, name, parameters, concretes, has_input_signature):
        self.__name__ = name
        self._parameters = parameters
        self.concrete_functions = concretes
        self._has_input_signature = has_input_signature

    def __repr__(self):
        return f"<tapejax.saved_model.RestoredFunction {self.__name__}>"

    def __call__(self, *args, **kwargs):
        if not self.concrete_functions or self._parameters is None:
            raise ValueError("Found zero restored functions for caller function.")
        try:
            bound = self._parameters.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"Binding inputs to tf.function failed due to `{err}`. Received args: {args} and "
                            f"kwargs: {kwargs} for signature: {self._parameters}.") from None
        bound.apply_defaults()
        for concrete in self.concrete_functions:
            tensors = {}
            if all(name in bound.arguments and _match(enc, bound.arguments[name], tensors,
                                                       self._has_input_signature)
                   for name, enc in concrete.arguments) and len(concrete.arguments) == len(bound.arguments):
                outputs = concrete.call_flat([tensors[i] for i in range(len(tensors))])
                return concrete.structured(outputs)
        raise self._no_match(args, kwargs)

    def _no_match(self, args, kwargs):
        if self._has_input_signature:
            specs = [_describe(enc) for _, enc in self.concrete_functions[0].arguments]
            return TypeError(f"Binding inputs to tf.function failed due to `Can not cast {args!r} to "
                             f"{specs!r}`. Received args: {args} and kwargs: {kwargs} for signature: "
                             f"{self._parameters}.")
        lines = ["Could not find matching concrete function to call loaded from the SavedModel. Got:",
                 f"  Positional arguments ({len(args)} total):"]
        lines += [f"    * {a!r}" for a in args]
        lines += [f"  Keyword arguments: {kwargs}", "",
                  f" Expected these arguments to match one of the following {len(self.concrete_functions)} "
                  f"option(s):"]
        for i, concrete in enumerate(self.concrete_functions):
            lines += ["", f"Option {i + 1}:", f"  Positional arguments ({len(concrete.arguments)} total):"]
            lines += [f"    * {_describe(enc)!r}" for _, enc in concrete.arguments]
            lines.append("  Keyword arguments: {}")
        return ValueError("\n".join(lines))


class _SignatureFunction:
    """A signature of a loaded SavedModel: called with keyword arguments, returns a dict of Tensors."""

    def __init__(self, name, function, inputs, outputs):
        self.name = name
        self._function = function
        self._inputs = inputs
        self._outputs = outputs
        self._concrete = function.concrete_functions[0]
        self.structured_input_signature = ((), {i["name"]: TensorSpec(i["shape"], i["dtype"], name=i["name"])
                                                for i in inputs})
        specs = self._concrete.output_specs
        self.structured_outputs = {key: TensorSpec(specs[index]["shape"], specs[index]["dtype"], name=key)
                                   for key, index in outputs}

    def __repr__(self):
        outputs = ", ".join(f"[{k!r}, {v!r}]" for k, v in self.structured_outputs.items())
        return f"<ConcreteFunction {self._signature_text()} -> Dict[{outputs}] at 0x{id(self):X}>"

    def _signature_text(self):
        return "(*, " + ", ".join(f"{i['name']}: {TensorSpec(i['shape'], i['dtype'], name=i['name'])!r}"
                                  for i in self._inputs) + ")"

    def __call__(self, *args, **kwargs):
        if args:
            raise TypeError(f"Binding inputs to tf.function failed due to `too many positional arguments`. "
                            f"Received args: {args} and kwargs: {kwargs} for signature: {self._signature_text()}.")
        names = [i["name"] for i in self._inputs]
        missing = [n for n in names if n not in kwargs]
        if missing:
            raise TypeError(f"Binding inputs to tf.function failed due to `missing a required argument: "
                            f"{missing[0]!r}`. Received args: () and kwargs: {kwargs} for signature: "
                            f"{self._signature_text()}.")
        extra = [k for k in kwargs if k not in names]
        if extra:
            raise TypeError(f"Binding inputs to tf.function failed due to `got an unexpected keyword argument "
                            f"{extra[0]!r}`. Received args: () and kwargs: {kwargs} for signature: "
                            f"{self._signature_text()}.")
        for concrete in self._function.concrete_functions:
            tensors = {}
            if all(_match(i, kwargs[i["name"]], tensors, True) for i in self._inputs):
                outputs = concrete.call_flat([tensors[k] for k in range(len(tensors))])
                return {key: outputs[index] for key, index in self._outputs}
        got = {k: getattr(v, "shape", v) for k, v in kwargs.items()}
        raise TypeError(f"Binding inputs to tf.function failed due to `Can not cast {got} to the signature's "
                        f"TensorSpecs`. Received args: () and kwargs: {kwargs} for signature: "
                        f"{self._signature_text()}.")
