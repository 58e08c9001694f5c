"""The bounded LRU table of compiled programs, and `tapejax.clear_caches`."""

import numpy as np

import tapejax as tf
from tapejax import _compile, _lazy
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
    tf.reshape(tf.ones([4]), [2, 2])
    assert len(_compile._programs) and traced_step._concrete
    assert ARRAY["reshape"].kernels
    kernel = next(iter(ARRAY["reshape"].kernels.values()))
    assert kernel._cache_size() > 0
    tf.clear_caches()
    assert not _lazy._programs and not _compile._programs and not traced_step._concrete
    assert not ARRAY["reshape"].kernels and kernel._cache_size() == 0
    after = [(traced_step(tf.ones((n, 3))).numpy(), *[t.numpy() for t in eager_step(tf.ones((n, 3)))])
             for n in (1, 2, 3)]
    for b, a in zip(before, after):
        for x, y in zip(b, a):
            np.testing.assert_array_equal(x, y)
