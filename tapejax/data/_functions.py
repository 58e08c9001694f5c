"""User functions of a pipeline (`map`, `filter`, `reduce`, ...), traced once when it is built.

A function written with `tf.` ops is compiled with `tapejax.function` (Variables it reads are read at
each call, random ops draw fresh numbers per call), traced once when the pipeline is built, as TF
traces dataset functions: on the element spec, whose unknown dimensions (a batch's size) are traced
as symbolic sizes, so its Python code runs once and its program is compiled for each shape the
elements have. Where `map` is followed by `batch`, the batch runs the traced program once,
vectorised over the batch with `jax.vmap` (TF fuses map and batch too), when that is equivalent:
the element shapes are fully known, the function draws no random numbers and returns only tensors.
A function that cannot be traced (it reads a tensor's value in Python, uses string ops whose result
shapes depend on the strings, ...) runs eagerly on each element; one that needs static sizes where
the spec has none (strings of unknown shape, ops tapejax cannot trace with symbolic sizes) is
traced for each element shape.
"""

from __future__ import annotations

import jax
import numpy as np

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._function import TensorSpec, function
from tapejax._ragged import RaggedTensorSpec
from tapejax._sparse import SparseTensor, SparseTensorSpec
from tapejax._tensor import Tensor
from tapejax.data import _structure


def call_user(fn, element):
    """Calls `fn` as tf.data does: a tuple element is unpacked into positional arguments."""
    if type(element) is tuple:
        return fn(*element)
    return fn(element)


def _host_device():
    """The CPU device pipelines compute on (None when it is already JAX's default)."""
    cpu = jax.devices("cpu")[0]
    return None if jax.devices()[0] == cpu else cpu


class UserFunction:
    """`fn` applied to elements of `in_spec`; `out_spec` is the spec of its results.

    Args:
      fn: the user's function.
      in_spec: the `TensorSpec` nest of the elements it is applied to.
      what: the transformation's name, for messages.
      eager: run `fn` on Tensors element by element, never traced (functions returning Datasets).
    """

    def __init__(self, fn, in_spec, what, eager=False):
        if not callable(fn):
            raise TypeError(f"`{what}` expects a callable as its function, got {fn!r}.")
        self._fn = fn
        self._in_spec = in_spec
        self._what = what
        self._flat_in = _structure.flatten(in_spec)
        # String elements are traced too (tapejax.function carries them as handles, see
        # _string_trace), as TF traces every dataset function once when the pipeline is built.
        self.eager = eager or any(isinstance(s, (SparseTensorSpec, RaggedTensorSpec)) for s in self._flat_in)
        # A function of strings ran eagerly before tapejax.function traced strings: one that fails to
        # trace for any reason but a user error (host-only code, a Keras layer reading values) still does.
        self._strings = any(s.dtype == _dtypes.string for s in self._flat_in)
        self._compiled = None
        self._vectorized = None
        self._concrete = None
        self._symbolic = False  # traced once with symbolic sizes for the spec's unknown dimensions
        self._exact = None  # traced per shape, for elements the symbolic trace cannot take
        self.out_spec = None
        self.vectorizable = False
        self._device = _host_device()
        if not self.eager:
            if _structure.fully_defined(in_spec):
                self._compiled = function(self._apply_flat, name=what)
                self._trace()
            elif self._strings or any(s.shape is None for s in self._flat_in) or not self._trace_symbolic():
                self._compiled = function(self._apply_flat, name=what)
                self._trace_partial()

    def _apply_flat(self, *args):  # traced Tensors are named args_0, args_1, ... as TF's
        return call_user(self._fn, _structure.pack(self._in_spec, args))

    def _trace(self):
        """Traces the function on the input spec (unknown dimensions as two sizes, whose outputs
        differ where the output depends on them); sets `out_spec` and `vectorizable`."""
        known = _structure.fully_defined(self._in_spec)
        specs = []
        for size in ((1,) if known else (2, 3)):
            zeros = [_placeholder([size if d is None else d for d in s.shape], s.dtype) for s in self._flat_in]
            try:
                concrete = self._compiled.concrete_for(*zeros)
            except Exception as exc:  # noqa: BLE001 - which errors fall back is decided below
                if _is_user_error(exc) or not (self._strings or isinstance(exc, _UNTRACEABLE)):
                    raise
                self.eager = True  # not traceable (Python reads of values, string ops): run eagerly
                return
            if concrete is None:
                self.eager = True
                return
            specs.append(self._out_spec(concrete))
        self._concrete = concrete
        self.out_spec = specs[0] if known else _structure.most_specific_compatible(*specs)
        if _structure.has_sparse(self.out_spec):  # SparseTensor results are host data: run eagerly
            self.eager = True
            return
        self.vectorizable = known and (not concrete.random and not concrete.variables and not concrete.strings
                                       and all(s is None for s in concrete.out_static))

    def _trace_symbolic(self):
        """Traces the function once on the input spec, its unknown dimensions symbolic sizes (as
        TF traces on the spec); sets `out_spec`. Returns False where that trace could not be made
        (ops that need static sizes): the function is then traced per element shape."""
        self._compiled = function(self._apply_flat, name=self._what, input_signature=[
            TensorSpec(s.shape, s.dtype) for s in self._flat_in])
        stand_ins = [_placeholder([1 if d is None else d for d in s.shape], s.dtype) for s in self._flat_in]
        try:
            concrete = self._compiled.concrete_for(*stand_ins)
        except Exception as exc:  # noqa: BLE001 - which errors are the user's is decided here
            if not _relaxed_trace(self._compiled):
                # raised by the trace at the stand-in sizes (the symbolic one failed before it): not
                # the user's error (a reshape to a fixed size); traced per element shape instead
                return False
            if _is_user_error(exc) or not isinstance(exc, _UNTRACEABLE):
                raise
            self.eager = True  # not traceable (Python reads of values): run eagerly
            return True
        if concrete is None:  # it creates Variables: runs eagerly
            self.eager = True
            return True
        if not _relaxed_trace(self._compiled):  # traced at the stand-in sizes instead
            return False
        self._symbolic, self._concrete = True, concrete
        self.out_spec = self._out_spec(concrete)
        if _structure.has_sparse(self.out_spec):
            self.eager, self.out_spec = False, None
            return False
        return True

    def _trace_partial(self):
        """For an input spec with unknown dimensions: the output spec from traces at two sizes (as
        TF's trace gives static dimensions that do not depend on the unknown ones, e.g. a slice
        of a known axis), else unknown until the first element. Sizes 2 and 3 stand in for real
        ones, so an error there (a reshape to a fixed size) is not the user's: the function then
        runs as before, traced per element shape."""
        try:
            self._trace()
        except Exception:  # noqa: BLE001 - any failure on the stand-in sizes: fall back
            self.out_spec = None
        if self.eager or self.out_spec is None or _structure.has_sparse(self.out_spec):
            # (a function of strings that did not trace runs eagerly, as before)
            self.eager, self.out_spec = self._strings, None
        self.vectorizable = False

    def _out_spec(self, concrete):
        avals = iter(concrete.out_avals)
        flat = [TensorSpec(_static_shape(next(avals).shape), _dtypes.as_dtype(next_dtype(concrete, i)))
                if static is None else SparseTensorSpec.from_value(static[1])
                if isinstance(static[1], SparseTensor) else _static_spec(static[1], self._what)
                for i, static in enumerate(concrete.out_static)]
        out = jax.tree_util.tree_unflatten(concrete.out_tree, flat)
        return _structure.normalize_spec(out, self._what)

    def __call__(self, element):
        """Applies the function to one host element; returns a host element (a nest of arrays)."""
        if self.eager:
            out = call_user(self._fn, _structure.to_tensors(element))
            return _normalize_output(out, self._what)
        flat = [Tensor(a) for a in _structure.flatten(element)]
        if self._device is not None:
            with jax.default_device(self._device):
                out = self._run(flat)
        else:
            out = self._run(flat)
        if self.out_spec is None:
            return _normalize_output(out, self._what)
        return _structure.pack(self.out_spec, [_host(x) for x in _structure.flatten_values(out)])

    def _run(self, flat):
        if self._symbolic and _empty_where_unknown(self._flat_in, flat):
            return self._run_empty(flat)
        return self._compiled(*flat)

    def _run_empty(self, flat):
        """Runs the symbolic trace on inputs with a zero size where the spec has an unknown one
        (symbolic sizes stand for sizes of 1 or more): its recorded ops, run on these shapes (as
        TF runs its graph); where they are not exactly the traced program, a trace of these shapes."""
        replayed = self._compiled._replayed(self._concrete)
        if replayed is not None:
            return self._compiled._call_concrete(replayed, tuple(flat))
        if self._exact is None:
            self._exact = function(self._apply_flat, name=self._what)
        return self._exact(*flat)

    def _batched_function(self):
        """The traced program vectorised over a leading batch axis (`jax.vmap` of the trace made
        when the pipeline was built: the Python function does not run again)."""
        if self._vectorized is None:
            program = self._concrete.reference
            no_rng = np.zeros(self._concrete.trace_avals[3].shape, self._concrete.trace_avals[3].dtype)

            def element(*arrays):
                return program([], [], list(arrays), no_rng)[0]
            self._vectorized = jax.jit(jax.vmap(element))
        return self._vectorized

    def prepare_batch(self, size):
        """Compiles the vectorised program for batches of `size` now, in the calling thread (the
        batches themselves may be computed on grain's threads)."""
        zeros = [np.zeros((size,) + tuple(s.shape), s.dtype.as_numpy_dtype) for s in self._flat_in]
        self._run_batched(zeros)

    def _run_batched(self, arrays):
        vectorized = self._batched_function()
        if self._device is not None:
            with jax.default_device(self._device):
                return vectorized(*arrays)
        return vectorized(*arrays)

    def on_batch(self, batch):
        """Applies the function to every element of a batch in one vectorised call."""
        out = self._run_batched(list(_structure.flatten(batch)))
        return _structure.pack(self.out_spec, [np.asarray(x) for x in out])

    def apply_eagerly(self, *args):
        """Calls the function on Tensors as it is (reduce, flat_map, interleave)."""
        return self._fn(*args)


_UNTRACEABLE = (jax.errors.JAXTypeError, jax.errors.ConcretizationTypeError, TypeError, ValueError,
                AttributeError, NotImplementedError)


def _relaxed_trace(compiled):
    """Whether a `tapejax.function` with an input signature of unknown dimensions traced it with
    symbolic sizes (it traces at the call's shapes where it cannot)."""
    return compiled._relax


def _empty_where_unknown(specs, tensors):
    """Whether one of `tensors` has a zero size where its spec's dimension is unknown."""
    for spec, tensor in zip(specs, tensors):
        shape = tensor._v.shape
        if any(d is None and shape[k] == 0 for k, d in enumerate(spec.shape)):
            return True
    return False


def _static_shape(shape):
    """A traced shape with its symbolic sizes as None (unknown dimensions, as TF's spec has them)."""
    return tuple(d if isinstance(d, (int, np.integer)) else None for d in shape)


def _placeholder(shape, dtype):
    """A Tensor of `shape` and `dtype` to trace with (its values are not read: strings enter a
    trace as handles)."""
    if dtype == _dtypes.string:
        return Tensor(np.full(shape, b"", dtype=object))
    return Tensor(np.zeros(shape, dtype.as_numpy_dtype))


def next_dtype(concrete, i):
    """The dtype of output leaf `i` (a tensor leaf) of a traced function."""
    k = sum(1 for s in concrete.out_static[:i] if s is None)
    return concrete.out_avals[k].dtype


def _host(value):
    if isinstance(value, Tensor) and value.dtype != _dtypes.string:
        return np.asarray(value._value)
    return _structure.to_component(value)


def _static_spec(value, what):
    if value is None:
        raise InvalidArgumentError(
            f"The function passed to `{what}` returned None. Dataset functions must return tensors "
            f"(or nested structures of them).")
    try:
        array = _structure.to_component(value)
    except (TypeError, ValueError):
        raise TypeError(f"Unsupported return value from function passed to Dataset.{what}(): "
                        f"{value!r}.") from None
    return TensorSpec(array.shape, _structure.dtype_of(array))


def _normalize_output(out, what):
    try:
        return _structure.normalize(out, lists="tuple")
    except TypeError as exc:
        raise InvalidArgumentError(f"The function passed to `{what}` returned a value that is not a "
                                   f"tensor or a nested structure of tensors: {exc}") from None


def _is_user_error(exc):
    """A shape or dtype error in the user's function (TF raises these when it traces, too)."""
    text = str(exc)
    return (isinstance(exc, InvalidArgumentError) or "not compatible" in text or "Incompatible shapes" in text
            or isinstance(exc, TypeError) and " Op has type " in text)  # TF's graph dtype mismatch
