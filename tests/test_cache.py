"""The bounded LRU table of compiled programs, and `tapejax.clear_caches`."""

import os
import subprocess
import sys

import numpy as np

import tapejax as tf
from tapejax import _backward, _lazy
from tapejax._cache import LRU
from tapejax._ops.array_ops import ARRAY


def test_inserting_past_the_limit_drops_the_least_recently_used_entry():
    table = LRU(2)
    a, b, c = object(), object(), object()
    table.insert("a", a)
    table.insert("b", b)
    assert table.lookup("a") is a  # "b" is now the least recently used
    table.insert("c", c)
    assert list(table) == ["a", "c"]
    assert table.lookup("b") is None


def test_repeated_hits_on_the_last_entry_keep_it_recent():
    table = LRU(2)
    a, b, c = object(), object(), object()
    table.insert("a", a)
    table.insert("b", b)
    for _ in range(3):
        assert table.lookup("a") is a
        assert table.lookup("a") is a
    table.insert("c", c)
    assert set(table) == {"a", "c"}


def test_clear_caches_drops_every_compiled_program_and_the_next_steps_give_the_same_values():
    w = tf.Variable(np.ones((3, 1), np.float32))

    @tf.function
    def traced_step(x):
        return tf.reduce_sum(tf.matmul(x, w))

    def eager_step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
        return loss, tape.gradient(loss, w)

    before = [(traced_step(tf.ones((n, 3))).numpy(), *[t.numpy() for t in eager_step(tf.ones((n, 3)))])
              for n in (1, 2, 3)]
    ARRAY["reshape"].kernels.clear()
    tf.reshape(tf.ones([4]), [2, 2])
    assert len(_backward._programs) and traced_step._concrete
    (kernel,) = ARRAY["reshape"].kernels.values()  # the one just compiled
    assert kernel._cache_size() > 0
    tf.clear_caches()
    assert not _lazy._programs and not _backward._programs and not traced_step._concrete
    assert not ARRAY["reshape"].kernels and kernel._cache_size() == 0
    after = [(traced_step(tf.ones((n, 3))).numpy(), *[t.numpy() for t in eager_step(tf.ones((n, 3)))])
             for n in (1, 2, 3)]
    for b, a in zip(before, after):
        for x, y in zip(b, a):
            np.testing.assert_array_equal(x, y)


_CHANGING_SHAPES = """
import ctypes, gc, sys
import numpy as np
import tapejax as tf
from tapejax import _cache, _backward, _function, _lazy

_cache.CHURN_LIMIT = 16  # smaller tables than the defaults, so the bound acts several times in a run
_lazy._programs.limit = _backward._programs.limit = 16
_function.MAX_CONCRETE_FUNCTIONS = 16
libc = ctypes.CDLL("libc.so.6")

def rss_mb():
    gc.collect()
    libc.malloc_trim(0)  # freed memory back to the system, so RSS shows what is still held
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6

w = tf.Variable(np.ones((4, 1), np.float32))

def eager_step(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
    w.assign_sub(0.01 * tape.gradient(loss, w))
    return loss

traced_step = tf.function(eager_step)
for name, step, n_shapes in (("eager", eager_step, int(sys.argv[1])),
                              ("function", traced_step, int(sys.argv[2]))):
    marks = []
    for n in range(1, n_shapes + 1):
        step(tf.ones((n, 4))).numpy()
        if n in (n_shapes // 2, n_shapes):
            marks.append(rss_mb())
    print(name, (marks[1] - marks[0]) / (n_shapes - n_shapes // 2))
"""


def test_memory_stays_bounded_while_input_shapes_keep_changing():
    # 120 distinct shapes eagerly (each compiles ~3 programs) and 240 through tapejax.function;
    # unbounded, each new shape held 1.5-3.6 MB for good
    done = subprocess.run([sys.executable, "-c", _CHANGING_SHAPES, "120", "240"], capture_output=True, text=True,
                          timeout=600, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr[-3000:]
    growth = dict(line.split() for line in done.stdout.splitlines())
    assert set(growth) == {"eager", "function"}
    for name, mb_per_shape in growth.items():
        assert float(mb_per_shape) < 0.5, (name, mb_per_shape)
