"""A bounded least-recently-used table for compiled programs."""

from __future__ import annotations

import collections


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
        return value
