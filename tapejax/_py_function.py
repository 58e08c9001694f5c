"""`tf.py_function` and `tf.numpy_function`: a Python function called as an op.

Eagerly, `py_function` calls `func` on Tensors, so its tapejax ops record on the active tapes and
the result is differentiable, as TF's EagerPyFunc. `numpy_function` calls `func` on NumPy arrays (no
gradient, as TF). Inside a `tapejax.function` trace both become a `jax.pure_callback`: `func` runs
on the host on every call of the compiled function, with concrete values. XLA needs the output
shapes at trace time (TF's graph leaves them unknown), so `func` is also run once while tracing, on
zeros of the input shapes, with its printed output silenced (other Python side effects of that run
do happen). Inside a trace a `py_function`'s result is differentiable as TF's: its gradient is a
second callback that runs `func` again under a GradientTape on the host (`jax.custom_vjp`).
"""

from __future__ import annotations

import contextlib
import io

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _context, _dtypes, _function, _record
from tapejax._dtypes import DIFFERENTIABLE_DTYPES
from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tape import GradientTape
from tapejax._tensor import Tensor
from tapejax._variable import Variable


def _out_dtypes(tout):
    """(list of dtypes, whether a single Tensor is returned)."""
    if isinstance(tout, (list, tuple)):
        return [_dtypes.as_dtype(t) for t in tout], False
    return [_dtypes.as_dtype(tout)], True


def _convert_outputs(ret, dtypes, single, op_name):
    values = [ret] if single else ([] if ret is None else list(ret) if isinstance(ret, (list, tuple))
                                   else [ret])
    if len(values) != len(dtypes):
        raise InvalidArgumentError(
            f"ValueError: the Python function returned {len(values)} values but Tout lists "
            f"{len(dtypes)} dtypes. [Op:{op_name}]")
    out = []
    for value, dtype in zip(values, dtypes):
        if (type(value) is Tensor or isinstance(value, Variable)) and value.dtype != dtype:
            raise InvalidArgumentError(
                f"ValueError: Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value.dtype.name}: {value!r} [Op:{op_name}]")
        out.append(convert_to_tensor(value, dtype=dtype))
    return out


def _call(func, inp, tout, numpy_inputs, op_name):
    dtypes, single = _out_dtypes(tout)
    inputs = [x if type(x) is Tensor or isinstance(x, Variable) else convert_to_tensor(x)
              for x in (inp or [])]
    if _function._tracing() or any(isinstance(x._v, jax.core.Tracer) for x in inputs
                                   if type(x) is Tensor):
        return _traced(func, inputs, dtypes, single, numpy_inputs, op_name)
    if numpy_inputs:
        args = [np.asarray(x._value if type(x) is Tensor else x.numpy()) for x in inputs]
    else:  # a Variable is read (recorded) so the result is differentiable in it
        args = [array_ops.identity(x) if isinstance(x, Variable) else x for x in inputs]
    out = _convert_outputs(func(*args), dtypes, single, op_name)
    return out[0] if single else out


def _traced(func, inputs, dtypes, single, numpy_inputs, op_name):
    values = [x._value for x in inputs]

    def host_call(*arrays):
        arrays = [np.asarray(a) for a in arrays]
        args = arrays if numpy_inputs else [Tensor(jnp.asarray(a)) for a in arrays]
        return [np.asarray(t._value) for t in _convert_outputs(func(*args), dtypes, single, op_name)]

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            jax.ensure_compile_time_eval():
        probe = host_call(*[np.zeros(v.shape, v.dtype) for v in values])
    shapes = [jax.ShapeDtypeStruct(p.shape, p.dtype) for p in probe]
    if numpy_inputs:  # numpy_function: no gradient, as TF
        results = jax.pure_callback(host_call, shapes, *[jax.lax.stop_gradient(v) for v in values])
        out = [Tensor(r) for r in results]
        out = [Tensor(r) for r in results]
    else:
        call = _differentiable_callback(func, host_call, shapes, values, dtypes, single, op_name)
        out = [Tensor(r) for r in call(*values)]
        if _context.current.recording:  # a tape inside the function: the call is one op on it
            _record.record_all(call, (op_name, call), inputs, values, out)
    return out[0] if single else out


def _differentiable_callback(func, host_call, shapes, values, dtypes, single, op_name):
    """A function of the input arrays: `host_call` as a `pure_callback` whose VJP runs `func` under a GradientTape on the host (TF
    differentiates EagerPyFunc by running the function again under a tape)."""
    wrt = [i for i, v in enumerate(values) if np.dtype(v.dtype) in DIFFERENTIABLE_DTYPES]
    of = [k for k, s in enumerate(shapes) if np.dtype(s.dtype) in DIFFERENTIABLE_DTYPES]

    def host_vjp(*arrays):
        primals = [Tensor(jnp.asarray(np.asarray(a))) for a in arrays[:len(values)]]
        seeds = [Tensor(jnp.asarray(np.asarray(a))) for a in arrays[len(values):]]
        with GradientTape() as tape:
            for i in wrt:
                tape.watch(primals[i])
            outputs = _convert_outputs(func(*primals), dtypes, single, op_name)
        grads = tape.gradient([outputs[k] for k in of], [primals[i] for i in wrt], output_gradients=seeds)
        return [np.zeros(values[i].shape, values[i].dtype) if g is None else np.asarray(convert_to_tensor(g)._value)
                for i, g in zip(wrt, grads)]

    @jax.custom_vjp
    def call(*arrays):
        return jax.pure_callback(host_call, shapes, *arrays)

    def forward(*arrays):
        return call(*arrays), arrays

    def backward(arrays, cotangents):
        grads = iter(jax.pure_callback(host_vjp, [jax.ShapeDtypeStruct(values[i].shape, values[i].dtype) for i in wrt],
                                       *arrays, *[cotangents[k] for k in of]) if wrt and of else ())
        return tuple(next(grads) if i in wrt and of else
                     (jnp.zeros(v.shape, v.dtype) if i in wrt else np.zeros(v.shape, jax.dtypes.float0))
                     for i, v in enumerate(values))

    call.defvjp(forward, backward)
    return call


def py_function(func=None, inp=None, Tout=None, name=None):  # noqa: N803 - TF's argument name
    """Wraps a Python function into an op that runs it eagerly on Tensors.

    Args:
      func: a Python function taking Tensors (one per element of `inp`) and returning a Tensor or a
        list of them. Without `func`, returns a decorator (`@tf.py_function(Tout=tf.float32)`).
      inp: the input Tensors (or values convertible to Tensors).
      Tout: a dtype (one output Tensor) or a list of dtypes (a list of output Tensors).
      name: ignored.

    Returns:
      The Tensor or list of Tensors `func` returned, converted to `Tout`, differentiable through
      `func`'s ops (eagerly and inside a `tapejax.function`).

    Raises:
      InvalidArgumentError: when `func`'s result does not match `Tout`.
    """
    if func is None:
        def decorator(f):
            def wrapper(*args):
                return py_function(f, list(args), Tout, name)
            wrapper.__name__ = getattr(f, "__name__", "py_function")
            wrapper.__doc__ = f.__doc__
            return wrapper
        return decorator
    return _call(func, inp, Tout, False, "EagerPyFunc")


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):  # noqa: N803
    """Wraps a Python function of NumPy arrays into an op (no gradient, as TF).

    Args:
      func: a Python function taking NumPy arrays and returning an array or a list of them.
        Without `func`, returns a decorator.
      inp: the input Tensors (or values convertible to Tensors).
      Tout: a dtype or a list of dtypes, as in `py_function`.
      stateful: accepted (every call runs `func`).
      name: ignored.

    Returns:
      The Tensor or list of Tensors `func` returned, converted to `Tout`.
    """
    if func is None:
        def decorator(f):
            def wrapper(*args):
                return numpy_function(f, list(args), Tout, stateful, name)
            wrapper.__name__ = getattr(f, "__name__", "numpy_function")
            wrapper.__doc__ = f.__doc__
            return wrapper
        return decorator
    return _call(func, inp, Tout, True, "PyFunc")
