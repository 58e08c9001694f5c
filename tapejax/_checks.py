"""Checks on values that TF's kernels make (integer division by zero, a singular matrix to invert),
made without a device sync per op.

TF's CPU kernels look at the data and raise `InvalidArgumentError` from the op. Reading a flag from
the device at every such op would stall JAX's asynchronous dispatch, so an op that needs a value
check dispatches its check as one more small program (no sync) and registers the device flag here.
The flags are read, all together, at the next host read of any value (`numpy()`, `print`, `bool`,
`int`, `float`, `repr`, ...), which syncs anyway; a set flag raises the op's TF error there, with
a hint naming the line that called the op. So a program that reads what it computes raises TF's
class and message, at the first read rather than at the op's own line.

Inside `tapejax.function` (a JAX trace) values are symbolic: no check is registered and the compiled
program returns XLA's values (an integer division by zero gives -1 or 0, a singular matrix's
inverse inf, a Cholesky factor NaN), where TF raises when it runs the graph.
"""

from __future__ import annotations

import threading

import jax
import jax.numpy as jnp
from jax.core import Tracer

from tapejax._errors import user_line

MAX_PENDING = 256  # flags kept before they are read at once anyway (bounds memory in loops that never read)


class _State(threading.local):
    def __init__(self):
        self.pending = []


_state = _State()


@jax.jit
def _any_zero(x):
    return jnp.any(x == 0)


@jax.jit
def _any_not_finite(x):
    return jnp.logical_not(jnp.all(jnp.isfinite(x)))


any_zero = _any_zero
any_not_finite = _any_not_finite


def defer(check, tensor, error, message):
    """Registers `check(tensor's value)` (a jitted bool program); `error(message)` is raised at the next
    host read if it is True. Nothing is registered for a traced value (inside `tapejax.function`).

    Args:
      check: a jitted function of one array returning a scalar bool.
      tensor: the Tensor whose value is checked (a deferred value is checked once computed).
      error: the exception class (TF's).
      message: TF's message; a tapejax hint with the calling line is appended.
    """
    value = tensor._v
    if isinstance(value, Tracer):
        return
    site = user_line()
    pending = _state.pending
    # a computed array is checked now (dispatched, not read); a deferred one when it is computed
    if isinstance(value, jax.Array):
        pending.append((check(value), check, None, error, message, site))
    else:
        pending.append((None, check, tensor, error, message, site))
    if len(pending) >= MAX_PENDING:
        raise_pending()


def raise_pending():
    """Reads every registered flag (one transfer) and raises the first failed check's error."""
    pending = _state.pending
    if not pending:
        return
    _state.pending = []
    with jax.ensure_compile_time_eval():  # concrete flags even while some function is traced
        flags = [flag if flag is not None else check(tensor._value)
                 for flag, check, tensor, _, _, _ in pending]
    for hit, (_, _, _, error, message, site) in zip(jax.device_get(flags), pending):
        if hit:
            raise error(f"{message}\ntapejax: raised at this read, for the op called at {site} (value "
                        f"checks are read with the next value read, not at the op; see tapejax/_checks.py).")


def discard_pending():
    """Drops the registered checks unread (for tests)."""
    _state.pending = []
