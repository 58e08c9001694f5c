"""Who holds a value: the one place tapejax asks the interpreter how many references an object has.

Donating a buffer (an in-place update) is safe only when nothing outside tapejax still holds the
old array, and a deferred output needs returning only when something still holds its Pending. The
callers know which of their own structures hold the value (a list of leaves, the deferred graph's
input lists, a Variable's storage) and say how many references those are; every other reference is
the user's (a Tensor, a NumPy view's owner, a list of losses). `sys.getrefcount` counts both, plus
what the call itself adds, which differs between Python versions (3.14 borrows references that 3.11
takes): so the count is only read here, by the same code the import calibrates on objects whose
holders are known, and every question is "is it held beyond what the caller knows of?".
"""

from __future__ import annotations

import sys
import weakref


def _count_item(container, index):
    value = container[index]
    return sys.getrefcount(value)


def _count_attribute(obj, name):
    value = getattr(obj, name)
    return sys.getrefcount(value)


class _Probe:
    __slots__ = ("value", "__weakref__")


def _calibrate():
    held = _Probe()
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


def item_held_beyond(container, index, known):
    """Whether `container[index]` has holders besides the container and `known` other references
    the caller's own structures hold."""
    return holders_of_item(container, index) > 1 + known


def attribute_held_beyond(obj, name, known):
    """Whether `getattr(obj, name)` has holders besides that attribute and `known` others."""
    return holders_of_attribute(obj, name) > 1 + known


def held_outputs(weak_refs, known_uses):
    """Which of the objects `weak_refs` refer to have holders beyond those the caller knows of.

    Args:
      weak_refs: weak references (None: an object to count as held).
      known_uses: a dict from `id(object)` to how many references the caller's own structures hold
        (absent: none).

    Returns:
      None when every object is held, else the positions of those that are, as a tuple.
    """
    held = []
    for i, weak in enumerate(weak_refs):
        if weak is None:
            held.append(i)
            continue
        value = weak()
        if value is not None and sys.getrefcount(value) - _HELD_EXTRA > known_uses.get(id(value), 0):
            held.append(i)
    return None if len(held) == len(weak_refs) else tuple(held)


def _calibrate_held_outputs():
    """The references `held_outputs` itself adds to what it counts, found by running it on an
    object one list holds: the smallest `known` count it accepts as "not held beyond"."""
    one_list = [_Probe()]
    weak = [weakref.ref(one_list[0])]
    known = 0  # while _HELD_EXTRA is 0: the raw count, the list's reference included
    while held_outputs(weak, {id(one_list[0]): known}) is None:
        known += 1
    return known - 1


_HELD_EXTRA = 0
_HELD_EXTRA = _calibrate_held_outputs()
