"""`tf.debugging`: numeric checks and assertions with TF's exception classes and messages.

Eagerly a failing data assertion raises `InvalidArgumentError` at once, with TF's eager message;
static checks (rank, shape, dtype) raise `ValueError`/`TypeError` as TF does. Inside
`tapejax.function`, shapes and dtypes are static, so those checks raise while tracing, as in TF. A
data assertion on traced values cannot be decided while tracing: it becomes a `jax.debug.callback`
that checks the values on every call of the compiled step and makes that call raise
`InvalidArgumentError` ("Graph execution error:" then the eager message), as a failing assert in a
`tf.function` does. Variables the step writes are donated to it, so after such a failure they hold
no value (TF leaves them as they were): a failed assertion ends the program's use of them.
"""

from __future__ import annotations

import collections
import logging

import jax
import numpy as np

from tapejax import _dtypes, _function
from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable

_GRAPH_PREFIX = "Graph execution error:\n\n"
_failures = collections.deque(maxlen=64)  # errors raised by callbacks, to re-raise from the call


def _reraise_callback_error(err):
    """Raises the assertion error a callback raised inside the compiled call that failed with `err`."""
    text = str(err)
    for exc in list(_failures):
        if exc.message in text:
            _failures.remove(exc)
            raise exc from None


_function.callback_errors.append(_reraise_callback_error)


class _QuietFailedAssertions(logging.Filter):
    """Drops JAX's "jax.debug.callback failed" traceback for a failed assertion (it is re-raised)."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, InvalidArgumentError) and exc in _failures)


logging.getLogger("jax._src.debugging").addFilter(_QuietFailedAssertions())


def _traced(*tensors):
    return any(isinstance(t._value, jax.core.Tracer) for t in tensors)


def _raise_later(check, *tensors):
    """Runs `check(*arrays)` (raising InvalidArgumentError) on every call of the compiled step."""
    def callback(*arrays):
        try:
            check(*[np.asarray(a) for a in arrays])
        except InvalidArgumentError as exc:
            error = InvalidArgumentError(_GRAPH_PREFIX + exc.message)
            _failures.append(error)
            raise error from None

    jax.debug.callback(callback, *[t._value for t in tensors], ordered=True)


def _message_prefix(message):
    return "%s.  " % message if message else ""


def _shape_and_dtype(x):
    return "shape=%s dtype=%s" % (x.shape, x.dtype.name)


# -- data assertions -------------------------------------------------------------------------
class _Shown:
    """A tensor's value among an assertion's data items (printed as TF prints a Tensor there)."""

    def __init__(self, array):
        self.array = array


def _pretty(item, summarize):
    """TF's `_pretty_print` of one data item of an eager assertion message."""
    if isinstance(item, _Shown):
        array = np.asarray(item.array)
        if array.ndim == 0:
            return str(array[()])
        flat = array.reshape(-1)
        items = [str(v) for v in flat[:summarize]]
        if len(items) < flat.size:
            items.append("...")
        return str(items)
    return str(item)


def _binary_message(sym, x, y, test, summarize):
    """TF's `_make_assert_msg_data` for NumPy `x`, `y` and the elementwise result `test`."""
    data = ["Condition x %s y did not hold." % sym]
    if summarize > 0:
        if x.shape == y.shape and x.ndim:
            mask = np.logical_not(test)
            indices = np.argwhere(mask).astype(np.int64)
            num = min(summarize, indices.shape[0])
            data += ["Indices of first %d different values:" % num, indices[:num],
                     "Corresponding x values:", x[mask].reshape(-1)[:num],
                     "Corresponding y values:", y[mask].reshape(-1)[:num]]
        x_flat, y_flat = x.reshape(-1), y.reshape(-1)
        x_sum, y_sum = min(x_flat.size, summarize), min(y_flat.size, summarize)
        data += ["First %d elements of x:" % x_sum, x_flat[:x_sum],
                 "First %d elements of y:" % y_sum, y_flat[:y_sum]]
    return data


def _summarize_value(summarize):
    if summarize is None:
        return 3
    return 10**9 if summarize < 0 else summarize


def _binary_assert(sym, op, np_op, x, y, data, summarize, message):
    x = convert_to_tensor(x)
    y = convert_to_tensor(y)
    test = op(x, y)  # TF's dtype and shape errors
    summarize = _summarize_value(summarize)

    def check(x_np, y_np, test_np):
        if np.all(test_np):
            return
        if data is None:
            items = _binary_message(sym, x_np, y_np, test_np, summarize)
        else:  # the tensors among `data` are `x` or `y` (the unary assertions)
            items = [_Shown(x_np if d is x else y_np) if isinstance(d, Tensor) else d for d in data]
        if message is not None:
            items = [message] + items
        raise InvalidArgumentError("\n".join(_pretty(d, summarize) for d in items))

    if _traced(x, y, test):
        _raise_later(check, x, y, test)
        return None
    check(np.asarray(x), np.asarray(y), np.asarray(test))
    return None


def _binary(sym, op, np_op, doc):
    def assert_fn(x, y, message=None, summarize=None, name=None):
        return _binary_assert(sym, op, np_op, x, y, None, summarize, message)

    assert_fn.__doc__ = f"""Asserts `x {sym} y` elementwise (with broadcasting), as `tf.debugging.{doc}`.

    Args:
      x: a numeric Tensor.
      y: a numeric Tensor of the same dtype, broadcastable to `x`.
      message: text put before the default message.
      summarize: how many entries of each tensor the message shows (default 3; -1: all).
      name: ignored.

    Returns:
      None.

    Raises:
      InvalidArgumentError: if the condition does not hold (inside `tapejax.function`: when the
        compiled step runs), or when `x` and `y` have different dtypes or incompatible shapes.
    """
    assert_fn.__name__ = doc
    return assert_fn


def _equal(x, y):
    return math_ops.equal(x, y)


assert_equal_impl = _binary("==", _equal, np.equal, "assert_equal")
assert_none_equal = _binary("!=", math_ops.not_equal, np.not_equal, "assert_none_equal")
assert_less = _binary("<", math_ops.less, np.less, "assert_less")
assert_less_equal = _binary("<=", math_ops.less_equal, np.less_equal, "assert_less_equal")
assert_greater = _binary(">", math_ops.greater, np.greater, "assert_greater")
assert_greater_equal = _binary(">=", math_ops.greater_equal, np.greater_equal, "assert_greater_equal")


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Asserts `x == y` elementwise (with broadcasting), as `tf.debugging.assert_equal`.

    Args:
      x: a numeric Tensor.
      y: a numeric Tensor of the same dtype, broadcastable to `x`.
      message: text put before the default message.
      summarize: how many entries of each tensor the message shows (default 3; -1: all).
      name: ignored.

    Returns:
      None.

    Raises:
      InvalidArgumentError: if the condition does not hold (inside `tapejax.function`: when the
        compiled step runs), or when `x` and `y` have different dtypes or incompatible shapes.
    """
    if x is y:
        return None
    return assert_equal_impl(x, y, message=message, summarize=summarize)


def _unary(sym, zero_first, op, doc, joined=False):
    def assert_fn(x, message=None, summarize=None, name=None):
        x = convert_to_tensor(x)
        head = "Condition x %s did not hold element-wise:" % sym
        label = "x (%s) = " % _shape_and_dtype(x)
        data = [_message_prefix(message)] + ([head + label] if joined else [head, label]) + [x]
        zero = convert_to_tensor(0, dtype=x.dtype)
        a, b = (zero, x) if zero_first else (x, zero)
        return _binary_assert(sym, op, None, a, b, data, summarize, None)

    assert_fn.__doc__ = f"""Asserts `x {sym}` for every element of `x`, as `tf.debugging.{doc}`.

    Args:
      x: a numeric Tensor.
      message: text put before the default message.
      summarize: how many entries of `x` the message shows (default 3; -1: all).
      name: ignored.

    Returns:
      None.

    Raises:
      InvalidArgumentError: if the condition does not hold (inside `tapejax.function`: when the
        compiled step runs).
    """
    assert_fn.__name__ = doc
    return assert_fn


assert_positive = _unary("> 0", True, math_ops.less, "assert_positive")
assert_negative = _unary("< 0", False, math_ops.less, "assert_negative")
assert_non_negative = _unary(">= 0", True, math_ops.less_equal, "assert_non_negative")
# TF's message for this one lacks the line break after the condition: kept as TF writes it.
assert_non_positive = _unary("<= 0", False, math_ops.less_equal, "assert_non_positive", joined=True)


def _summarize_eager(item, summarize):
    """TF's `_summarize_eager` of one `tf.Assert` data item (strings shown as TF's bytes)."""
    if isinstance(item, str):
        return str(item.encode("utf-8"))
    if isinstance(item, bytes):
        return str(item)
    array = np.asarray(item)
    if summarize is None:
        summarize = 3
    elif summarize < 0:
        summarize = array.size
    if array.ndim:
        flat = array.reshape(-1)
        items = [str(v) for v in flat[:summarize]]
        if len(items) < flat.size:
            items.append("...")
    else:
        items = [str(array[()])] if summarize != 0 else []
    return ", ".join(items)


def _data_tensors(data):
    return [d if isinstance(d, (str, bytes)) else convert_to_tensor(d) for d in data]


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """Raises if `condition` is false, showing `data`, as `tf.debugging.Assert` / `tf.Assert`.

    Args:
      condition: a boolean scalar (Tensor or Python bool).
      data: a list of Tensors or values shown in the message (strings as TF's bytes).
      summarize: how many entries of each tensor to show (default 3; -1: all).
      name: ignored.

    Returns:
      None.

    Raises:
      InvalidArgumentError: "Expected '<condition>' to be true. Summarized data: ..." (inside
        `tapejax.function`, when the compiled step runs).
    """
    items = _data_tensors(data)
    tensors = [t for t in items if not isinstance(t, (str, bytes))]
    shown_condition = condition

    def check(cond, *arrays):
        if np.asarray(cond).all():
            return
        it = iter(arrays)
        shown = [d if isinstance(d, (str, bytes)) else next(it) for d in items]
        raise InvalidArgumentError("Expected '%s' to be true. Summarized data: %s" % (
            shown_condition, "\n".join(_summarize_eager(d, summarize) for d in shown)))

    if isinstance(condition, (Tensor, Variable)) and _traced(condition, *tensors):
        shown_condition = "Tensor"
        _raise_later(check, condition, *tensors)
        return None
    if not condition:
        check(False, *[np.asarray(t) for t in tensors])
    return None


def _shown(tensor, name):
    """`str(tensor)`; a traced one as TF's graph tensors print (no value while tracing)."""
    if _traced(tensor):
        return 'Tensor("assert_near/%s:0", shape=%s, dtype=%s)' % (name, tensor.shape, tensor.dtype.name)
    return str(tensor)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Asserts `|x - y| < atol + rtol * |y|` elementwise, as `tf.debugging.assert_near`.

    Args:
      x: a float or complex Tensor.
      y: a Tensor of `x`'s dtype, broadcastable to it.
      rtol: relative tolerance; default `10 * eps` of the dtype.
      atol: absolute tolerance; default `10 * eps` of the dtype.
      message: text put before the default message.
      summarize: how many entries of each tensor the message shows.
      name: ignored.

    Returns:
      None.

    Raises:
      InvalidArgumentError: if `x` and `y` are not close (TF's `tf.Assert` message).
    """
    message = _message_prefix(message)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    dtype = x.dtype.real_dtype if x.dtype.is_complex else x.dtype
    eps = np.finfo(dtype.as_numpy_dtype).eps
    rtol = convert_to_tensor(10 * eps if rtol is None else rtol, dtype=dtype)
    atol = convert_to_tensor(10 * eps if atol is None else atol, dtype=dtype)
    data = [message, "x and y not equal to tolerance rtol = %s, atol = %s" % (_shown(rtol, "rtol"), _shown(atol, "atol")),
            "x (%s) = " % _shape_and_dtype(x), x, "y (%s) = " % _shape_and_dtype(y), y]
    tol = atol + rtol * math_ops.abs(y)
    diff = math_ops.abs(x - y)
    condition = math_ops.reduce_all(math_ops.less(diff, tol))
    return Assert(condition, data, summarize=summarize)


# -- numerics --------------------------------------------------------------------------------
_FLOAT_NAMES = ("bfloat16", "float16", "float32", "float64")
_ALLOWED = "bfloat16, half, float, double"


def _numerics_message(message, array):
    has_nan, has_inf = bool(np.isnan(array).any()), bool(np.isinf(array).any())
    if not (has_nan or has_inf):
        return None
    what = "Inf and NaN" if has_nan and has_inf else ("NaN" if has_nan else "Inf")
    return f"{message} : Tensor had {what} values"


def check_numerics(tensor, message, name=None):
    """Returns `tensor`, raising if it has a NaN or an Inf, as `tf.debugging.check_numerics`.

    Args:
      tensor: a float Tensor (bfloat16, float16, float32, float64).
      message: text the error starts with.
      name: ignored.

    Returns:
      `tensor` (an identity op: gradients flow through it).

    Raises:
      InvalidArgumentError: "<message> : Tensor had NaN values" (Inf, or Inf and NaN) with TF's
        `[Op:CheckNumerics]` suffix; inside `tapejax.function` when the compiled step runs. Also for
        a non-float dtype, with TF's message.
    """
    tensor = convert_to_tensor(tensor)
    if tensor.dtype.name not in _FLOAT_NAMES:
        raise InvalidArgumentError(
            f"Value for attr 'T' of {tensor.dtype.name} is not in the list of allowed values: "
            f"{_ALLOWED}\n\t; NodeDef: {{{{node CheckNumerics}}}}; Op<name=CheckNumerics; "
            f"signature=tensor:T -> output:T; attr=T:type,allowed=[DT_BFLOAT16, DT_HALF, DT_FLOAT, "
            f"DT_DOUBLE]; attr=message:string; is_stateful=true> [Op:CheckNumerics] name: ")

    def check(array):
        found = _numerics_message(message, array.astype(np.float32) if array.dtype.itemsize < 4 else array)
        if found is not None:
            raise InvalidArgumentError(found + " [Op:CheckNumerics] name: ")

    if _traced(tensor):
        _raise_later(check, tensor)
    else:
        check(np.asarray(tensor))
    return array_ops.identity(tensor)


def assert_all_finite(x, message, name=None):
    """Returns `x`, raising if it has a NaN or an Inf, as `tf.debugging.assert_all_finite`."""
    return check_numerics(x, message, name=name)


_check_numerics_saved = []


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """Makes JAX raise on NaN and Inf results of every computation (`jax_debug_nans`/`jax_debug_infs`).

    TF raises `InvalidArgumentError` naming the op; JAX raises `FloatingPointError` naming the
    primitive, and runs each failing jitted kernel again op by op to find it.
    """
    if not _check_numerics_saved:
        _check_numerics_saved.append((jax.config.jax_debug_nans, jax.config.jax_debug_infs))
    jax.config.update("jax_debug_nans", True)
    jax.config.update("jax_debug_infs", True)


def disable_check_numerics():
    """Undoes `enable_check_numerics`."""
    if _check_numerics_saved:
        nans, infs = _check_numerics_saved.pop()
        jax.config.update("jax_debug_nans", nans)
        jax.config.update("jax_debug_infs", infs)


# -- static checks ---------------------------------------------------------------------------
def _as_tensor_or_variable(x):
    return x if isinstance(x, (Tensor, Variable)) else convert_to_tensor(x)


def _static_rank(rank):
    if type(rank) is int:  # the common case (a constant made inside a trace would be traced)
        return rank
    rank = convert_to_tensor(rank)
    if rank.dtype != _dtypes.int32:
        raise TypeError(f"tensor must be of type {_dtypes.int32!r}; got {rank.dtype!r}")
    value = np.asarray(rank)
    if value.ndim != 0:
        raise ValueError("Rank must be a scalar.")
    return int(value)


def assert_rank(x, rank, message=None, name=None):
    """Asserts `x` has rank `rank`, as `tf.debugging.assert_rank`.

    Raises:
      ValueError: "Tensor  must have rank 2.  Received rank 1, shape (2,)" (TF's text); ranks are
        static, so this raises at once, inside `tapejax.function` too.
    """
    x = _as_tensor_or_variable(x)
    want = _static_rank(rank)
    if x.ndim != want:
        raise ValueError("%sTensor %s must have rank %d.  Received rank %d, shape %s"
                         % (_message_prefix(message), "", want, x.ndim, x.shape))


def assert_rank_at_least(x, rank, message=None, name=None):
    """Asserts `x` has rank `rank` or more, as `tf.debugging.assert_rank_at_least`.

    Raises:
      ValueError: with TF's message.
    """
    x = _as_tensor_or_variable(x)
    want = _static_rank(rank)
    if x.ndim < want:
        raise ValueError("%sTensor %s must have rank at least %d.  Received rank %d, shape %s"
                         % (_message_prefix(message), "", want, x.ndim, x.shape))


def assert_rank_in(x, ranks, message=None, name=None):
    """Asserts the rank of `x` is one of `ranks`, as `tf.debugging.assert_rank_in`.

    Raises:
      ValueError: with TF's message.
    """
    x = _as_tensor_or_variable(x)
    wanted = tuple(_static_rank(r) for r in ranks)
    if x.ndim not in wanted:
        raise ValueError("%sTensor %s must have rank in %s.  Received rank %d, shape %s"
                         % (_message_prefix(message), "", wanted, x.ndim, x.shape))


def _has_known_value(size):
    if size is None:
        return False
    try:
        int(size)
    except (ValueError, TypeError):
        return False
    return True


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Asserts tensors' shapes against symbolic shapes, as `tf.debugging.assert_shapes`.

    Args:
      shapes: a list of `(tensor, shape)` pairs (or a dict); a shape lists sizes (ints), symbols
        (strings: equal symbols must be equal sizes), `None`/`"."` (any size), and may start with
        `...`/`"*"` (any leading dimensions).
      data, summarize: accepted (shapes are static, so every check is decided at once).
      message: text put before the message.
      name: ignored.

    Raises:
      ValueError: with TF's message, for a wrong rank or size.
    """
    if isinstance(shapes, dict):
        shapes = shapes.items()
    prefix = _message_prefix(message)
    constraints = [(_as_tensor_or_variable(x), s) for x, s in shapes if s is not None]
    checked = []
    for tensor, symbolic in constraints:
        if not (hasattr(symbolic, "__iter__") or hasattr(symbolic, "__getitem__")):
            raise ValueError(
                "%sTensor %s.  Specified shape must be an iterable.  An iterable has the attribute "
                "`__iter__` or `__getitem__`.  Received specified shape: %s"
                % (prefix, _shape_and_dtype(tensor), symbolic))
        symbolic = tuple(symbolic)
        leading_any = False
        for i, symbol in enumerate(symbolic):
            if not (symbol is Ellipsis or (isinstance(symbol, str) and symbol == "*")):
                continue
            if i != 0:
                raise ValueError(
                    "%sTensor %s specified shape index %d.  Symbol `...` or `*` for a variable number "
                    "of unspecified dimensions is only allowed as the first entry"
                    % (prefix, _shape_and_dtype(tensor), i))
            leading_any = True
        sizes = symbolic[1:] if leading_any else symbolic
        actual = (1,) if tensor.ndim == 0 else tuple(tensor.shape)
        checked.append((tensor, leading_any, actual, sizes or (1,)))
    for tensor, leading_any, _, sizes in checked:
        rank = len(sizes)
        if leading_any:
            if rank not in (0, 1):
                assert_rank_at_least(tensor, rank, message=message)
        elif rank in (0, 1):
            assert_rank_in(tensor, [0, 1], message=message)
        else:
            assert_rank(tensor, rank, message=message)
    specified = {}
    for tensor, leading_any, actual, sizes in checked:
        for i, symbol in enumerate(sizes):
            if symbol is None or (isinstance(symbol, str) and symbol == "."):
                continue
            dim = i - len(sizes) if leading_any else i
            known = _has_known_value(symbol)
            if known or symbol in specified:
                if known:
                    want, how = int(symbol), "Specified explicitly"
                else:
                    want, by, at = specified[symbol]
                    how = "Specified by tensor %s dimension %d" % (_shape_and_dtype(by), at)
                if int(actual[dim]) != want:
                    raise ValueError(
                        "%s%s.  Tensor %s dimension %s must have size %d.  Received size %d, shape %s"
                        % (prefix, how, _shape_and_dtype(tensor), dim, want, actual[dim], tensor.shape))
            else:
                specified[symbol] = (actual[dim], tensor, dim)


def assert_type(tensor, tf_type, message=None, name=None):
    """Asserts `tensor` has dtype `tf_type`, as `tf.debugging.assert_type`.

    Raises:
      TypeError: "tensor must be of type tf.int32; got tf.float32" (TF's text).
    """
    tf_type = _dtypes.as_dtype(tf_type)
    tensor = convert_to_tensor(tensor)
    if tensor.dtype != tf_type:
        raise TypeError(f"{_message_prefix(message)}tensor must be of type {tf_type!r}; got {tensor.dtype!r}")


def assert_integer(x, message=None, name=None):
    """Asserts `x` has an integer dtype, as `tf.debugging.assert_integer`.

    Raises:
      TypeError: with TF's message.
    """
    x = convert_to_tensor(x)
    if not x.dtype.is_integer:
        raise TypeError('%sExpected "x" to be integer type.  Found: %s of dtype %s'
                        % (_message_prefix(message), "tensor", x.dtype))


def assert_scalar(tensor, message=None, name=None):
    """Returns `tensor` if it is a scalar, as `tf.debugging.assert_scalar`.

    Raises:
      ValueError: with TF's message.
    """
    tensor = convert_to_tensor(tensor)
    if tensor.ndim != 0:
        raise ValueError("%sExpected scalar shape, saw shape: %s." % (_message_prefix(message), tensor.shape))
    return tensor


def is_numeric_tensor(tensor):
    """True for a Tensor of a numeric dtype (not bool or string; not a Variable), as TF."""
    if type(tensor) is not Tensor:
        return False
    dtype = tensor.dtype
    return bool(dtype.is_floating or dtype.is_integer or dtype.is_complex)


_log_device_placement = [False]


def set_log_device_placement(enabled):
    """Accepted: tapejax does not log device placement (see `Tensor.device`)."""
    _log_device_placement[0] = bool(enabled)


def get_log_device_placement():
    return _log_device_placement[0]
