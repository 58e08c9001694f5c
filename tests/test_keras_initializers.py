"""Keras initializers make their values without compiling XLA programs, and repeat them for a seed."""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._ops import random_ops

INITIALIZERS = ["GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
                "LecunUniform", "RandomNormal", "TruncatedNormal", "RandomUniform", "Zeros", "Ones",
                "Constant", "Orthogonal"]


class _Compiles:
    """Counts the XLA programs JAX compiles (or loads from its persistent cache) meanwhile."""

    def __enter__(self):
        self.names = []
        self._listener = lambda event, duration, **kw: (
            self.names.append(kw.get("fun_name")) if event == "/jax/core/compile/backend_compile_duration" else None)
        jax.monitoring.register_event_duration_secs_listener(self._listener)
        return self

    def __exit__(self, *exc):
        jax.monitoring.unregister_event_duration_listener(self._listener)


def test_the_compile_counter_sees_a_new_program():
    with _Compiles() as compiles:
        jax.jit(lambda x: x * 3 + 1)(np.ones((7, 3, 11), np.float32))
    assert len(compiles.names) == 1


@pytest.mark.parametrize("name", INITIALIZERS)
def test_initializers_compile_no_program_for_a_new_shape(name):
    init = getattr(tf.keras.initializers, name)()
    with _Compiles() as compiles:
        value = init((37, 53), dtype="float32")
        value64 = init((41, 3, 5), dtype="float64")
    assert compiles.names == []
    assert (value.shape, value.dtype, value64.shape, value64.dtype) == ((37, 53), tf.float32,
                                                                      (41, 3, 5), tf.float64)


@pytest.mark.parametrize("name", ["GlorotUniform", "HeNormal", "RandomNormal", "TruncatedNormal"])
def test_a_seeded_initializer_repeats_its_values_after_set_seed(name):
    init = getattr(tf.keras.initializers, name)
    tf.random.set_seed(5)
    first = init(seed=3)((20, 30)).numpy()
    tf.random.set_seed(5)
    again = init(seed=3)((20, 30)).numpy()
    tf.random.set_seed(6)
    other = init(seed=3)((20, 30)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_initial_values_repeat_from_one_process_to_the_next():
    program = ("import tapejax as tf; tf.random.set_seed(11); "
               "print(tf.keras.initializers.GlorotUniform()((6, 4)).numpy().tobytes().hex(), "
               "tf.keras.initializers.HeNormal(seed=2)((3,)).numpy().tobytes().hex())")
    env = dict(os.environ, TAPEJAX_COMPILATION_CACHE="off")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = [subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                           env=env, cwd=root).stdout for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) > 50


def test_an_initializer_inside_a_traced_function_draws_with_the_traced_sampler():
    @tf.function
    def draw():
        return tf.keras.initializers.GlorotUniform(seed=1)((8, 5))

    value = draw().numpy()
    limit = np.sqrt(6 / 13)
    assert value.shape == (8, 5) and np.all(np.abs(value) <= limit) and np.std(value) > 0


def test_shapes_beyond_the_host_limit_are_drawn_by_the_jitted_sampler(monkeypatch):
    monkeypatch.setattr(random_ops, "HOST_DRAW_LIMIT", 10)
    with _Compiles() as compiles:
        value = tf.keras.initializers.RandomUniform(-1.0, 1.0)((3, 7))
    assert len(compiles.names) >= 1
    assert value.shape == (3, 7) and np.all(np.abs(value.numpy()) <= 1.0)


def test_truncated_normal_values_stay_within_two_standard_deviations():
    value = random_ops.initial_values("truncated_normal", (100000,), 1.0, 0.5, "float32", seed=4).numpy()
    assert value.min() >= 0.0 and value.max() <= 2.0
    assert value.min() < 0.01 and value.max() > 1.99
