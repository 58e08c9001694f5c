"""Which strategy is current, per thread, and whether code runs in a replica or cross-replica context.

TF keeps a stack of strategy scopes per thread: outside every scope the default strategy is current
and the code runs in its (default) replica context; inside `strategy.scope()` the code is in the
cross-replica context, and inside `strategy.run(fn)` it is in a replica context again.
"""

from __future__ import annotations

import threading


class _State(threading.local):
    def __init__(self):
        self.stack = []  # (strategy, in_replica_context), innermost last
        self.set_scope = None  # the scope `experimental_set_strategy` entered, if any
        self.bodies = []  # the per-replica traces of `strategy.run` now running (see `_replica`)


state = _State()
_default = []  # the one default strategy, made on first use (it needs the strategy classes)


def set_default_factory(make):
    """Registers how the default strategy is made (by the strategy module, which imports this one)."""
    _default.append(make)


def default_strategy():
    """The default strategy: one replica, no distribution (`tf.distribute.get_strategy()` outside scopes)."""
    if len(_default) == 1:
        _default.append(_default[0]())
    return _default[1]


def current():
    """(strategy, in_replica_context) of this thread; (None, True) outside every scope."""
    return state.stack[-1] if state.stack else (None, True)


def replicas_in_run():
    """The number of replicas when code runs per replica inside `strategy.run` (several), else None."""
    bodies = state.bodies
    if not bodies or not current()[1]:
        return None
    return bodies[-1].strategy.num_replicas_in_sync


def push(strategy, in_replica_context):
    state.stack.append((strategy, in_replica_context))


def pop():
    state.stack.pop()


def get_strategy():
    """Returns the current `tf.distribute.Strategy` object.

    Returns:
      The strategy of the innermost `strategy.scope()` (or `strategy.run`) of this thread, or the
      default strategy (one replica) outside every scope.
    """
    strategy, _ = current()
    return default_strategy() if strategy is None else strategy


def has_strategy():
    """Returns whether a non-default `tf.distribute.Strategy` is current (inside its `scope()`).

    Returns:
      True inside a strategy's `scope()` (and inside its `run`), False otherwise.
    """
    return current()[0] is not None


def in_cross_replica_context():
    """Returns True inside a strategy's `scope()` but outside its `run` (the cross-replica context).

    Returns:
      False outside every scope (the default replica context) and inside `strategy.run`.
    """
    strategy, in_replica = current()
    return strategy is not None and not in_replica
