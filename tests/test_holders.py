"""The one place tapejax counts who holds a value (donation and kept outputs are decided by it)."""

import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import tapejax as tf
from tapejax import _holders as _holders_module
from tapejax import _lazy
from tapejax._holders import holders_of_attribute, holders_of_item


class _Slot:
    __slots__ = ("value",)


class _Weak:
    __slots__ = ("__weakref__",)


def test_a_value_only_its_container_holds_has_one_holder():
    items = [object(), np.zeros(3)]
    assert holders_of_item(items, 0) == 1
    assert holders_of_item(items, 1) == 1
    assert holders_of_item({"k": object()}, "k") == 1


def test_every_other_holder_of_an_item_is_counted():
    value = object()
    items = [value, value]
    assert holders_of_item(items, 0) == 3  # two list slots and the local name
    held_elsewhere = [value]
    assert holders_of_item(items, 1) == 4
    del held_elsewhere, value
    assert holders_of_item(items, 0) == 2


def test_an_attribute_and_a_property_count_what_holds_their_value():
    slot = _Slot()
    slot.value = object()
    assert holders_of_attribute(slot, "value") == 1
    view = slot.value
    assert holders_of_attribute(slot, "value") == 2
    del view
    v = tf.Variable(np.ones((4, 4), np.float32))
    assert holders_of_attribute(v, "_array") == 1  # the Variable's storage alone
    held = v._array
    assert holders_of_attribute(v, "_array") == 2  # and the name that read it
    del held


def _train(steps, keep):
    rs = np.random.RandomState(0)
    x = tf.constant(rs.randn(8, 4).astype(np.float32))
    y = tf.constant(rs.randn(8, 1).astype(np.float32))
    ws = [tf.Variable(rs.randn(4, 5).astype(np.float32)), tf.Variable(rs.randn(5, 1).astype(np.float32))]
    kept = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((tf.matmul(tf.nn.relu(tf.matmul(x, ws[0])), ws[1]) - y) ** 2)
        grads = tape.gradient(loss, ws)
        if keep:
            kept.append((loss, grads))
        for w, g in zip(ws, grads):
            w.assign_sub(0.1 * g)
        del loss, grads
    return [w.numpy() for w in ws], [(float(loss), [g.numpy() for g in grads]) for loss, grads in kept]


def test_keeping_losses_and_gradients_in_a_list_changes_neither_results_nor_the_number_of_programs():
    _lazy.clear_cache()
    traced = _lazy.traces["force"]
    plain, _ = _train(6, keep=False)
    assert _lazy.traces["force"] == traced + 1  # one program for every step
    _lazy.clear_cache()
    traced = _lazy.traces["force"]
    kept_weights, kept = _train(6, keep=True)
    assert _lazy.traces["force"] == traced + 1  # the kept values are outputs of that one program
    for a, b in zip(plain, kept_weights):
        np.testing.assert_array_equal(a, b)
    # the kept values are the steps' own: losses fall, each step's gradients differ from the last
    losses = [loss for loss, _ in kept]
    assert losses == sorted(losses, reverse=True) and len(set(losses)) == 6
    assert not np.array_equal(kept[0][1][0], kept[1][1][0])


_COUNTS_CHECK = """
import runpy, sys
m = runpy.run_path(sys.argv[1])
holders_of_item, holders_of_attribute = m["holders_of_item"], m["holders_of_attribute"]
class Slot:
    __slots__ = ("value",)
def check():
    items = [object()]
    assert holders_of_item(items, 0) == 1
    value = object()
    pair = [value, value]
    assert holders_of_item(pair, 0) == 3
    slot = Slot()
    slot.value = object()
    assert holders_of_attribute(slot, "value") == 1
    view = slot.value
    assert holders_of_attribute(slot, "value") == 2
    return view
check()
print("ok")
"""


def _interpreter(version):
    """A working interpreter of `version` (on PATH or in pyenv's versions), or None."""
    root = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python{version}")] + sorted(map(str, root.glob(f"versions/{version}.*/bin/python3")))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=60)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


@pytest.mark.parametrize("version", ["3.12", "3.13", "3.14"])
def test_the_counts_are_the_same_on_other_pythons(version):
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} here")
    holders = pathlib.Path(_holders_module.__file__)
    done = subprocess.run([python, "-c", _COUNTS_CHECK, str(holders)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_held_questions_ask_only_about_holders_the_caller_does_not_know_of():
    import weakref

    from tapejax._holders import attribute_held_beyond, held_outputs, item_held_beyond

    value, other = _Weak(), _Weak()
    weak = weakref.ref(value)
    graph = [value, value, other]  # two references to `value` the caller's structures hold
    del value
    refs = [weak, None, weakref.ref(other)]  # None: counted as held
    known = {id(weak()): 2, id(other): 2}  # `other`: the list and this function's name
    assert held_outputs(refs, known) == (1,)
    assert held_outputs(refs, {**known, id(weak()): 1}) == (0, 1)
    assert held_outputs(refs, {id(weak()): 1}) is None  # all held
    user = graph[0]
    assert held_outputs(refs, known) == (0, 1)  # the user's name
    assert item_held_beyond(graph, 0, 1) and not item_held_beyond(graph, 0, 2)
    del user, graph, other
    assert weak() is None and held_outputs([weak], {}) == ()
    slot = _Slot()
    slot.value = object()
    assert not attribute_held_beyond(slot, "value", 0)
    view = slot.value
    assert attribute_held_beyond(slot, "value", 0) and not attribute_held_beyond(slot, "value", 1)
    del view
