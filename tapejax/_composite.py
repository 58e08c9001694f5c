"""Ops made of user Python functions: `tf.custom_gradient`, `tf.recompute_grad`, `grad_pass_through`.

The user's function runs once eagerly with every tape suspended, noting the Variables it reads; it
is then recorded as ONE entry whose JAX function re-runs it over tracers (with those Variables
lifted to inputs). `custom_gradient` wraps that function in `jax.custom_vjp` whose backward calls
the user's `grad_fn`; `recompute_grad` wraps it in `jax.checkpoint`.

Under a JAX trace (inside `tapejax.function`, or a grad_fn run by a backward program) the outputs are
also computed through a JAX function carrying the composite's gradient, so that transformations of
the enclosing program (a tape outside the function, a second-order gradient) see it. Forward mode
follows the primal computation instead, as TF's ForwardAccumulator does.
"""

from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp

from tapejax import _context, _nest, _record
from tapejax._ops import array_ops
from tapejax._tensor import Tensor
from tapejax._variable import Variable


class _ReadCollector:
    """Collects the Variables read while active (chaining any hook already installed)."""

    def __init__(self):
        self.variables = {}
        self.previous = None

    def __enter__(self):
        self.previous = _context.current.read_hook
        previous = self.previous

        def hook(variable):
            self.variables.setdefault(variable._id, variable)
            return previous(variable) if previous is not None else variable._array

        _context.current.read_hook = hook
        return self

    def __exit__(self, *exc):
        _context.current.read_hook = self.previous


class _LiftedReads:
    """Makes reads of `variables` return given (traced) values while active."""

    def __init__(self, variables, values):
        self.values = {v._id: val for v, val in zip(variables, values)}

    def __enter__(self):
        self.previous = _context.current.read_hook
        previous, values = self.previous, self.values

        def hook(variable):
            found = values.get(variable._id)
            if found is not None:
                return found
            return previous(variable) if previous is not None else variable._array

        _context.current.read_hook = hook

    def __exit__(self, *exc):
        _context.current.read_hook = self.previous


class primal_ops:  # noqa: N801 - used as a context manager
    """Inside, composites traced by JAX run their plain primal ops (forward mode needs no custom vjp)."""

    def __enter__(self):
        _context.current.primal_only += 1

    def __exit__(self, *exc):
        _context.current.primal_only -= 1


def _is_tracer(value):
    return isinstance(value, jax.core.Tracer)


def _is_tensorlike(x):
    return type(x) is Tensor or isinstance(x, Variable)


def _outputs_of(result):
    leaves = _nest.flatten(result)
    for leaf in leaves:
        if not _is_tensorlike(leaf):
            raise TypeError(f"A function wrapped by tf.custom_gradient or tf.recompute_grad must return "
                            f"tensors, got {type(leaf).__name__}.")
    return leaves


def _to_tensor_leaf(x):
    if type(x) is Tensor:
        return x
    return x.value() if isinstance(x, Variable) else x


class _Composite:
    """A user function recorded as one entry whose JAX function is `make_jax_fn(run, ...)`."""

    def __init__(self, user_fn, make_jax_fn, kind):
        self.user_fn = user_fn
        self.make_jax_fn = make_jax_fn  # (run, n_args, variables, name) -> JAX fn of the inputs
        self.kind = kind
        self._fns = {}

    def run_eagerly(self, args, kwargs):
        """Runs the user function with tapes suspended; returns (result, Variables it read)."""
        with _record.suspended(), _ReadCollector() as reads:
            result = self.user_fn(*args, **kwargs)
        arg_ids = {x._id for x in _nest.flatten(args) if isinstance(x, Variable)}
        return result, [v for v in reads.variables.values() if v._trainable and v._id not in arg_ids]

    def finish(self, args, kwargs, result, variables, traced_outputs):
        """Returns `result` with fresh output Tensors, recorded on the recording tapes.

        Fresh outputs (TF's identity on each) keep an output that is also an input, or one returned
        twice, a separate tape entry. Under a JAX trace, `traced_outputs(fn, input_values,
        output_values)` gives the output arrays, so the enclosing program sees the gradient.
        """
        arg_leaves = _nest.flatten(args)
        inputs = [x for x in arg_leaves if _is_tensorlike(x)] + list(variables)
        values = [x._value for x in inputs]
        traced = not _context.current.primal_only and any(_is_tracer(v) for v in values)
        if not traced and not _context.current.recording:
            return result
        fn, key = self._fn_for(args, arg_leaves, kwargs, variables)
        arrays = [_to_tensor_leaf(x)._value for x in _outputs_of(result)]
        if traced:
            arrays = traced_outputs(fn, values, arrays)
        outputs = [Tensor(a) for a in arrays]
        if _context.current.recording:
            _record.record_all(fn, key, inputs, values, outputs)
        return _nest.pack_sequence_as(result, outputs)

    def _fn_for(self, args, arg_leaves, kwargs, variables):
        """(the JAX function, its key) for a call with these arguments."""
        tensor_pos = [i for i, x in enumerate(arg_leaves) if _is_tensorlike(x)]
        treedef = jax.tree_util.tree_structure(args, is_leaf=_nest._is_leaf)
        # Non-tensor arguments are baked into the function, so their values are part of its key (an
        # unhashable one makes a key of its own: the function is rebuilt rather than reused wrongly).
        static = tuple(x for i, x in enumerate(arg_leaves) if i not in set(tensor_pos))
        static = (static, tuple(sorted(kwargs.items())))
        try:
            hash(static)
        except TypeError:
            static = object()
        key = (self.kind, self, treedef, tuple(tensor_pos), tuple(v._id for v in variables), static)
        fn = self._fns.get(key)
        if fn is None:
            if len(self._fns) > 64:
                self._fns.clear()
            fn = self._fns[key] = self._build(kwargs, arg_leaves, tensor_pos, treedef, variables)
        return fn, key

    def _build(self, kwargs, arg_leaves, tensor_pos, treedef, variables):
        user_fn = self.user_fn
        n_args = len(tensor_pos)
        template = list(arg_leaves)

        def run(arrays):
            flat = list(template)
            for i, value in zip(tensor_pos, arrays[:n_args]):
                flat[i] = Tensor(value)
            call_args = jax.tree_util.tree_unflatten(treedef, flat)
            with _LiftedReads(variables, arrays[n_args:]):
                return user_fn(*call_args, **kwargs)

        return self.make_jax_fn(run, n_args, variables, getattr(user_fn, "__name__", "f"))


# -- tf.custom_gradient -------------------------------------------------------------------------
def _accepts_variables(grad_fn):
    try:
        params = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        return True
    return "variables" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _input_grads(grad_fn, cts, variables, n_args, primal_values):
    """The gradient arrays `grad_fn` gives for the inputs (then the Variables) of a composite."""
    upstream = [Tensor(c) for c in cts]
    if variables:
        result = grad_fn(*upstream, variables=list(variables))
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            raise ValueError("Must return gradient for each variable from @custom_gradient grad_fn.")
        input_grads, var_grads = result
        var_grads = list(var_grads) if isinstance(var_grads, (list, tuple)) else [var_grads]
        if len(var_grads) != len(variables):
            raise ValueError("Must return gradient for each variable from @custom_gradient grad_fn.")
    else:
        input_grads, var_grads = grad_fn(*upstream), []
    flat_in = list(input_grads) if isinstance(input_grads, (list, tuple)) else [input_grads]
    flat_in = _nest.flatten(flat_in) if any(isinstance(g, (list, tuple)) for g in flat_in) else flat_in
    if len(flat_in) != n_args:
        raise ValueError(f"custom_gradient function expected to return {n_args} gradients, but "
                         f"returned {len(flat_in)} instead.")
    out = []
    for g, primal_value in zip(flat_in + var_grads, primal_values):
        if g is None:
            out.append(jnp.zeros(primal_value.shape, primal_value.dtype))
        else:
            value = g._value if hasattr(g, "_value") else jnp.asarray(g, primal_value.dtype)
            out.append(jnp.broadcast_to(value.astype(primal_value.dtype), primal_value.shape))
    return out


def _custom_vjp_fn(run, n_args, variables, name):
    def primal(*arrays):
        y, _ = run(arrays)
        return tuple(x._value for x in (_to_tensor_leaf(v) for v in _nest.flatten(y)))

    op = jax.custom_vjp(primal)

    def fwd(*arrays):
        return primal(*arrays), arrays

    def bwd(arrays, cts):
        _, grad_fn = run(arrays)
        return tuple(_input_grads(grad_fn, cts, variables, n_args, arrays))

    op.defvjp(fwd, bwd)
    op.forward_fn = primal  # TF's forward mode follows the ops the function ran, not grad_fn
    return op


def _traced_custom_outputs(grad_fn, variables, fn, in_values, out_values):
    """Under a JAX trace: `out_values` as outputs of an op whose gradient is `grad_fn`.

    The outputs already computed in this trace pass through (gradient-stopped, as TF runs the
    function unrecorded). The values grad_fn closes over become explicit operands of the op
    (`jax.closure_convert`), so the backward never touches a tracer of a finished trace and a
    second-order gradient differentiates grad_fn through them.
    """
    n_in, n_out = len(in_values), len(out_values)
    in_avals = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in in_values]

    def grads(*cts):
        return tuple(_input_grads(grad_fn, cts, variables, n_in - len(variables), in_avals))

    grads, consts = jax.closure_convert(grads, *out_values)

    @jax.custom_vjp
    def op(*operands):
        return tuple(operands[n_in:n_in + n_out])

    def fwd(*operands):
        return op(*operands), operands[n_in + n_out:]

    def bwd(closed_over, cts):
        zeros = [jnp.zeros(v.shape, v.dtype) for v in list(out_values) + list(closed_over)]
        return tuple(grads(*cts, *closed_over)) + tuple(zeros)

    op.defvjp(fwd, bwd)
    return list(op(*in_values, *[jax.lax.stop_gradient(v) for v in out_values], *consts))


def custom_gradient(f=None):
    """Decorator: define a function's gradient, as `tf.custom_gradient`.

    The decorated `f(*args)` returns `(y, grad_fn)`. `grad_fn(*upstream)` returns one gradient per
    positional tensor argument (None allowed); if `f` reads trainable Variables that are not
    arguments, `grad_fn(*upstream, variables=...)` must return `(input_grads, variable_grads)`.

    Args:
      f: the function.

    Returns:
      A function that returns `y` and records `grad_fn` as its gradient.

    Raises:
      TypeError: if `f` reads Variables and `grad_fn` has no `variables` argument.
    """
    if f is None:
        return custom_gradient

    composite = _Composite(f, _custom_vjp_fn, "custom_gradient")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if not any(_is_tensorlike(x) for x in _nest.flatten(args)):
            # As TF: tensors passed only by keyword are not inputs, so the custom gradient is
            # ignored and the inner ops record as usual (tensorflow/tensorflow#65839).
            return f(*args, **kwargs)[0]
        (y, grad_fn), used = composite.run_eagerly(args, kwargs)
        if used and not _accepts_variables(grad_fn):
            raise TypeError(
                "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function "
                f"uses variables: {used}")
        traced = functools.partial(_traced_custom_outputs, grad_fn, used)
        return composite.finish(args, kwargs, y, used, traced)

    return wrapped


# -- tf.recompute_grad --------------------------------------------------------------------------
def _checkpoint_fn(run, n_args, variables, name):
    def primal(*arrays):
        return tuple(_to_tensor_leaf(v)._value for v in _nest.flatten(run(arrays)))

    def no_forward_mode(*arrays):
        raise NotImplementedError(f"recompute_grad tried to transpose grad of {name}. Consider not "
                                  "using recompute_grad in forward modeautodiff")  # TF's text

    op = jax.checkpoint(primal)
    op.forward_fn = no_forward_mode
    return op


def _traced_checkpoint_outputs(fn, in_values, out_values):
    return list(fn(*in_values))


def recompute_grad(f):
    """Decorator: do not keep `f`'s intermediate values; recompute them for the gradient.

    As `tf.recompute_grad`, on `jax.checkpoint`. Gradients flow to `f`'s positional tensor
    arguments and to the trainable Variables it reads.

    Args:
      f: a function of tensors returning a tensor or nest of tensors.

    Returns:
      The wrapped function.
    """
    composite = _Composite(f, _checkpoint_fn, "recompute_grad")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        result, used = composite.run_eagerly(args, kwargs)
        return composite.finish(args, kwargs, result, used, _traced_checkpoint_outputs)

    return wrapped


# -- tf.grad_pass_through -----------------------------------------------------------------------
def grad_pass_through(f):
    """Decorator: compute `f(x)` but let the gradient pass through as the identity.

    Args:
      f: a function of one tensor (e.g. `variable.assign`).

    Returns:
      The wrapped function.
    """
    @functools.wraps(f)
    def wrapped(x):
        with _record.suspended():
            y = f(x)
        y = _to_tensor_leaf(y)
        if _context.current.recording:
            x = _to_tensor_leaf(x) if _is_tensorlike(x) else Tensor(jnp.asarray(x, y._v.dtype))
            # Recorded as the identity from x to y: the backward only uses the op's pullback.
            op = array_ops.ARRAY["identity"]
            _record.record_all(op.kernel(()), (op, ()), [x], [x._value], [y])
        return y

    return wrapped
