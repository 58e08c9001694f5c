"""Bounded least-recently-used tables for compiled programs, and one switch that empties them all.

Every module that caches compiled code or what it derives from shapes registers how to drop it
(`register`); `clear_all` (public as `tapejax.clear_caches`) runs them all and JAX's own
`jax.clear_caches`, which holds each jitted kernel's executables per input shape.
"""

from __future__ import annotations

import collections
import os

import jax

_clearers = []

# The bound on memory under ever-new input shapes. Each new shape compiles programs that tapejax's
# tables and JAX's own caches (per-kernel executables, lowered jaxprs) keep: about 1-4 MB a shape,
# JAX's part unbounded by tapejax's table limits. Once the tables have dropped CHURN_LIMIT entries
# for want of room (shapes keep changing), everything is cleared at the next safe point (`clear_all`
# when no trace runs): memory stays within the tables' limits plus CHURN_LIMIT shapes' worth.
# TAPEJAX_CACHE_CHURN_LIMIT sets it (0: never clear).
CHURN_LIMIT = int(os.environ.get("TAPEJAX_CACHE_CHURN_LIMIT", "128") or 0)
_churn = [0]


def note_eviction(count=1):
    """A table dropped `count` entries to make room."""
    _churn[0] += count


def churned():
    """Whether enough entries were dropped since the last clear that everything should be."""
    return 0 < CHURN_LIMIT <= _churn[0]


def register(clear):
    """Adds `clear()` to what `clear_all` runs; returns it (usable as a decorator)."""
    _clearers.append(clear)
    return clear


def clear_all():
    """Drops every compiled program and shape-derived table of tapejax, and JAX's compilation
    caches: memory held for input shapes seen before is freed; each `tapejax.function` traces again
    on its next call (as a new function would) and eager steps compile again."""
    _churn[0] = 0
    for clear in _clearers:
        clear()
    jax.clear_caches()


class LRU(collections.OrderedDict):
    """At most `limit` entries; inserting past it drops the least recently used one.

    A hit on the entry hit last does not reorder the table: a training loop looks up the same
    program every step, and reordering costs a second hash and comparison of its (large) key.
    """

    def __init__(self, limit):
        super().__init__()
        self.limit = limit
        self._recent = None

    def lookup(self, key):
        found = self.get(key)
        if found is not None and found is not self._recent:
            self.move_to_end(key)
            self._recent = found
        return found

    def insert(self, key, value):
        self[key] = value
        self._recent = value
        while len(self) > self.limit:
            self.popitem(last=False)
            note_eviction()
        return value
