"""Who holds a value: the one place tapejax asks the interpreter how many references an object has.

Donating a buffer (an in-place update) is safe only when nothing outside tapejax still holds the
old array, and a deferred output needs returning only when something still holds its Pending. The
callers know which of their own structures hold the value (a list of leaves, a node's inputs); the
rest are the user's (a Tensor, a NumPy view's owner, a list of losses). `sys.getrefcount` counts
both, plus what the call itself adds, which differs between Python versions (3.14 borrows
references that 3.11 takes): so the value is always read inside this module, by the same code the
import calibrates on an object whose holders are known.
"""

from __future__ import annotations

import sys


def _count_item(container, index):
    value = container[index]
    return sys.getrefcount(value)


def _count_attribute(obj, name):
    value = getattr(obj, name)
    return sys.getrefcount(value)


class _Probe:
    __slots__ = ("value",)


def _calibrate():
    held = object()
    one_list = [held]
    del held  # now held by `one_list` alone
    item_extra = _count_item(one_list, 0) - 1
    probe = _Probe()
    probe.value = object()  # held by the slot alone
    attribute_extra = _count_attribute(probe, "value") - 1
    return item_extra, attribute_extra


_ITEM_EXTRA, _ATTRIBUTE_EXTRA = _calibrate()


def holders_of_item(container, index):
    """The number of references to `container[index]` (the container's own included).

    Args:
      container: a list, tuple or dict.
      index: the position (or key) of the value.

    Returns:
      An int >= 1; 1 when the container is the value's only holder.
    """
    return _count_item(container, index) - _ITEM_EXTRA


def holders_of_attribute(obj, name):
    """The number of references to `getattr(obj, name)` (the attribute's own included; for a
    property, the references to the object it returns)."""
    return _count_attribute(obj, name) - _ATTRIBUTE_EXTRA
