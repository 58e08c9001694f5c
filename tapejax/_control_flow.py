"""`tf.cond`, `tf.while_loop`, `tf.vectorized_map`.

Eagerly (concrete predicates) `cond` and `while_loop` run Python control flow, so tapes record the
branch and iterations actually executed, as TF eager does. Inside `tapejax.function` a traced
predicate lowers to `lax.cond` / `lax.while_loop`. `vectorized_map` is `jax.vmap` of the function,
with tapes working inside it (per-example gradients) and recorded as one op on outer tapes.
"""

from __future__ import annotations

import jax

from tapejax import _context, _nest, _record, _staging
from tapejax._composite import _LiftedReads, _ReadCollector
from tapejax._errors import user_line
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor, TensorShape
from tapejax._variable import Variable


def _concrete_bool(value):
    array = value._value if hasattr(value, "_value") else value
    if isinstance(array, jax.core.Tracer):
        return None
    return bool(array)


def _arrays(structure):
    return [convert_to_tensor(x)._value for x in _nest.flatten(structure)]


def _loop_arrays(structure):
    """A compiled loop's variables as arrays; a TensorArray travels as its buffer (TF passes its flow)."""
    return [x._to_loop_array() if hasattr(x, "_to_loop_array") else convert_to_tensor(x)._value
            for x in _nest.flatten(structure)]


def cond(pred, true_fn=None, false_fn=None, name=None):
    """Runs `true_fn()` if `pred` else `false_fn()`, as `tf.cond`.

    Args:
      pred: a scalar boolean Tensor or Python bool.
      true_fn, false_fn: callables without arguments returning the same structure.

    Returns:
      The result of the branch taken.
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("true_fn and false_fn must be callable.")
    taken = _concrete_bool(pred)
    if taken is not None:
        return true_fn() if taken else false_fn()
    return _staging.staged_if(pred, lambda: (true_fn(),), lambda: (false_fn(),), ("tf.cond output",))[0]


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`, as `tf.while_loop`.

    Args:
      cond: callable returning a scalar boolean.
      body: callable returning loop variables of the same structure.
      loop_vars: a tuple/list (or nest) of tensors.
      shape_invariants: optional shapes, one per loop variable: inside `tapejax.function`, a
        variable whose shape changes within its invariant (None dimensions) makes the function call
        run as Python, with a warning (a compiled loop has static shapes).
      maximum_iterations: optional bound on the number of iterations.

    Returns:
      The final loop variables, in `loop_vars`' structure.
    """
    single = not isinstance(loop_vars, (list, tuple))
    state = [loop_vars] if single else list(loop_vars)
    call = _call

    first = _concrete_bool(call(cond, state)) if all(
        not isinstance(getattr(x, "_v", None), jax.core.Tracer) for x in _nest.flatten(state)) else None
    if first is not None:
        i = 0
        keep_going = first
        while keep_going and (maximum_iterations is None or i < maximum_iterations):
            out = call(body, state)
            state = [out] if single or not isinstance(out, (list, tuple)) else list(out)
            i += 1
            keep_going = _concrete_bool(call(cond, state))
        return state[0] if single else type(loop_vars)(state) if isinstance(loop_vars, tuple) else state
    bound = maximum_iterations
    if not _staging.staging_active() or any(hasattr(x, "_to_loop_array") for x in _nest.flatten(state)) \
            or (bound is not None and not isinstance(bound, int)):
        return _compiled_while_loop(cond, body, loop_vars, state, single, maximum_iterations)
    # Inside tapejax.function: staged as a converted `while` (tapes record it); with a Python
    # `maximum_iterations` as a bounded scan, which JAX can reverse-differentiate.
    holder = [tuple(state)]

    def get_state():
        return holder[0]

    def set_state(values):
        holder[0] = tuple(values)

    def run_body():
        out = call(body, list(holder[0]))
        holder[0] = (out,) if single or not isinstance(out, (list, tuple)) else tuple(out)

    names = tuple(f"loop_vars[{i}]" for i in range(len(state)))
    test = lambda: call(cond, list(holder[0]))  # noqa: E731
    invariants = None
    if shape_invariants is not None:
        shapes = [shape_invariants] if single else list(shape_invariants)
        invariants = {name: shape for name, shape, value in zip(names, shapes, state)
                      if isinstance(shape, (TensorShape, list, tuple)) and type(value) is Tensor}
    where = user_line()
    if bound is None:
        _staging.staged_loop(get_state, set_state, names, run_body, test=test, where=where,
                             shape_invariants=invariants)
    else:
        _staging.staged_loop(get_state, set_state, names, run_body, count=bound, extra_test=test,
                             where=where, shape_invariants=invariants)
    result = list(holder[0])
    return result[0] if single else type(loop_vars)(result) if isinstance(loop_vars, tuple) else result


def _call(fn, values):
    return fn(*values)


def _compiled_while_loop(cond, body, loop_vars, state, single, maximum_iterations):
    call = _call

    template = state
    leaves = _nest.flatten(template)

    def as_tensors(arrays):
        return _nest.pack_sequence_as(template, [
            leaf._from_loop_array(a) if hasattr(leaf, "_from_loop_array") else Tensor(a)
            for leaf, a in zip(leaves, arrays)])

    def cond_fn(carry):
        i, arrays = carry
        with _record.suspended():
            ok = convert_to_tensor(call(cond, as_tensors(arrays)))._value
        if maximum_iterations is not None:
            ok = ok & (i < maximum_iterations)
        return ok

    def body_fn(carry):
        i, arrays = carry
        with _record.suspended():
            out = call(body, as_tensors(arrays))
        out = [out] if single or not isinstance(out, (list, tuple)) else list(out)
        return i + 1, _loop_arrays(out)

    _, final = jax.lax.while_loop(cond_fn, body_fn, (0, _loop_arrays(state)))
    result = as_tensors(final)
    return result[0] if single else result


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """Maps `fn` over the first dimension of `elems` in one vectorised call (`jax.vmap`).

    GradientTape works inside `fn` (per-example gradients in one call). Under an outer tape the
    whole map is recorded as one op, differentiable w.r.t. `elems` and the trainable Variables
    `fn` reads.

    Args:
      fn: a function of one element (a nest matching `elems` without the first dimension).
      elems: a Tensor or nest of Tensors sharing a first dimension.

    Returns:
      The stacked results.
    """
    leaves = [convert_to_tensor(x) if not isinstance(x, (Tensor, Variable)) else x
              for x in _nest.flatten(elems)]
    out_structure = []

    def body(*arrays):
        element = _nest.pack_sequence_as(elems, [Tensor(a) for a in arrays])
        with _record.suspended():
            out = fn(element)
        out_structure.append(out)
        return tuple(convert_to_tensor(x)._value for x in _nest.flatten(out))

    with _ReadCollector() as reads:
        arrays = jax.vmap(body)(*[x._value for x in leaves])
    outputs = [Tensor(a) for a in arrays]
    if _context.current.recording:
        variables = [v for v in reads.variables.values() if v._trainable]
        n = len(leaves)

        def op(*values):
            def lifted(*element_arrays):
                with _LiftedReads(variables, values[n:]):
                    return body(*element_arrays)
            return jax.vmap(lifted)(*values[:n])

        key = ("vectorized_map", fn, tuple((x.shape, x.dtype) for x in leaves),
               tuple(v._id for v in variables))
        inputs = list(leaves) + variables
        _record.record_all(op, key, inputs, [x._value for x in inputs], outputs)
    return _nest.pack_sequence_as(out_structure[0], outputs)
