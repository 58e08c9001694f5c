"""Keras 3's rule for an exception raised inside `Layer.call` (keras/src/utils/traceback_utils.py,
`inject_argument_info_in_traceback`): the innermost failing call re-raises it as the same class
with the message "Exception encountered when calling <Class>.call().\\n\\n<message>\\n\\n
Arguments received by <Class>.call():\\n  • <name>=<value>" (`from None`, the original traceback).
Only `Exception`s; an exception that already carries the call information passes through
unchanged, so an outer layer does not wrap it again."""

from __future__ import annotations

import inspect

from tapejax._errors import OpError
from tapejax._tensor import Tensor
from tapejax._variable import Variable
from tapejax.keras import _config

_INJECTED = "_keras_call_info_injected"


def _format_value(value):
    if isinstance(value, (Tensor, Variable)):
        return f"tf.Tensor(shape={value.shape}, dtype={value.dtype.name})"
    return repr(value)


def _format(value):
    # Keras maps its formatting over nests (`tree.map_structure`): a list of tensors prints as a list
    # of their descriptions, each quoted as the str it is.
    if isinstance(value, list):
        return [_format(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_format(v) for v in value)
    if isinstance(value, dict):
        return {k: _format(v) for k, v in value.items()}
    return _format_value(value)


def _arguments(fn, args, kwargs):
    """Keras' "  • name=value" lines for `fn` called with `args`/`kwargs`; None when they do not bind."""
    try:
        signature = inspect.signature(fn)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    lines = []
    for param in signature.parameters.values():
        value = (_format(bound.arguments[param.name]) if param.name in bound.arguments
                 else param.default)
        lines.append(f"  • {param.name}={value}")
    return "\n".join(lines)


def annotated(layer, fn, error, args, kwargs):
    """The exception Keras 3 raises in place of `error`, raised by `fn(*args, **kwargs)` (a layer's
    `call`); `error` itself when Keras leaves it as it is (already annotated by an inner layer,
    arguments that do not bind, traceback filtering off, a call with no arguments)."""
    if hasattr(error, _INJECTED) or not _config.is_traceback_filtering_enabled():
        return error
    context = _arguments(fn, args, kwargs)
    if not context:
        return error
    if isinstance(error, OpError):
        message = error.message
    elif error.args:
        message = error.args[0]
    else:
        message = ""
    name = f"{type(layer).__name__}.call()"
    message = (f"Exception encountered when calling {name}.\n\n\x1b[1m{message}\x1b[0m\n\n"
               f"Arguments received by {name}:\n{context}")
    if isinstance(error, OpError):
        new = type(error)(error.node_def, error.op, message, error.error_code)
    else:
        try:
            new = type(error)(message)
        except TypeError:  # an exception class with another constructor, as Keras 3
            new = RuntimeError(message)
    setattr(new, _INJECTED, True)
    return new


def _symbolic_call(*args, **kwargs):
    """The signature Keras 3 binds a failed symbolic call's arguments to (`Operation.symbolic_call`)."""


def annotated_symbolic(layer, error, args, kwargs):
    """The exception Keras 3 raises when `layer.call` raised `error` while its output shape was
    inferred from symbolic inputs `args`/`kwargs` (a layer without `compute_output_shape`)."""
    name = type(layer).__name__
    message = (f"Could not automatically infer the output shape / dtype of '{layer.name}' (of type "
               f"{name}). Either the `{name}.call()` method is incorrect, or you need to implement "
               f"the `{name}.compute_output_spec() / compute_output_shape()` method. Error "
               f"encountered:\n\n{error}")
    if isinstance(error, OpError):
        inner = type(error)(error.node_def, error.op, message, error.error_code)
    else:
        try:
            inner = type(error)(message)
        except TypeError:
            inner = RuntimeError(message)
    return annotated(layer, _symbolic_call, inner, args, kwargs)
