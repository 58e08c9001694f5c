"""Follows tensorflow/docs, site/en/guide/function.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
basics and tracing sections: what tf.function traces, when it retraces and how to control it.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk (the timed image is [1, 20, 20, 100]).

Covers: a tf.function on tensors, under a GradientTape and called from another tf.function; a
Conv2D layer timed eagerly and inside a tf.function (timeit); retracing per dtype (int, float,
string tensors) and pretty_printed_concrete_signatures; input_signature with a [None] int32
TensorSpec (TypeError for a wrong rank or dtype) and no retracing across lengths;
reduce_retracing=True; Python versus tensor arguments in a tf.range training loop with print and
tf.print; wrapping one Python function in tf.function twice.
"""

import contextlib
import timeit
import traceback

import tensorflow as tf


@contextlib.contextmanager
def expect_error(kind):
    """Passes only if the block raises `kind`; prints a short traceback of it."""
    try:
        yield
    except kind:
        print(f"got the expected {kind.__name__}")
        traceback.print_exc(limit=2)
    else:
        raise AssertionError(f"{kind.__name__} was not raised")


@tf.function
def plus(left, right):
    return left + right


plus(tf.ones([2, 2]), tf.ones([2, 2]))

scalar = tf.Variable(1.0)
with tf.GradientTape() as rec:
    summed = plus(scalar, 1.0)
rec.gradient(summed, scalar)


@tf.function
def affine(inputs, kernel, bias):
    return plus(tf.matmul(inputs, kernel), bias)


affine(tf.ones([3, 2]), tf.ones([2, 2]), tf.ones([2]))

conv = tf.keras.layers.Conv2D(100, 3)


@tf.function
def graph_conv(batch):
    return conv(batch)


frame = tf.zeros([1, 20, 20, 100])
conv(frame)
graph_conv(frame)
eager_seconds = timeit.timeit(lambda: conv(frame), number=10)
graph_seconds = timeit.timeit(lambda: graph_conv(frame), number=10)
print("timed eager and graph convolutions")


@tf.function
def twice(value):
    print("tracing twice for", value)
    return value + value


print(twice(tf.constant(1)))
print(twice(tf.constant(1.1)))
print(twice(tf.constant("a")))
print(twice(tf.constant("b")))  # same signature: no new trace
print(twice.pretty_printed_concrete_signatures())


@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def collatz_step(values):
    print("tracing collatz_step for", values)
    return tf.where(values % 2 == 0, values // 2, 3 * values + 1)


print(collatz_step(tf.constant([1, 2])))
with expect_error(TypeError):
    collatz_step(tf.constant([[1, 2], [3, 4]]))
with expect_error(TypeError):
    collatz_step(tf.constant([1.0, 2.0]))


@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def echo(values):
    print("tracing echo for", values)
    return values


print(echo(tf.constant([1, 2, 3])))
print(echo(tf.constant([1, 2, 3, 4, 5])))


@tf.function(reduce_retracing=True)
def echo(values):
    print("tracing echo for", values)
    return values


for length in (3, 5, 7, 9):
    print(echo(tf.constant(list(range(1, length + 1)))))


def one_step():
    pass


@tf.function
def run_steps(num_steps):
    print("tracing run_steps with", num_steps)
    tf.print("running run_steps with", num_steps)
    for _ in tf.range(num_steps):
        one_step()


print("Python ints retrace:")
run_steps(num_steps=10)
run_steps(num_steps=20)
print("tensors reuse the trace:")
run_steps(num_steps=tf.constant(10))
run_steps(num_steps=tf.constant(20))


def announce():
    print("tracing announce")
    tf.print("running announce")


tf.function(announce)()
tf.function(announce)()

COMPAT_RESULTS = {
    "plus": plus(tf.ones([2, 2]), tf.ones([2, 2])),
    "affine": affine(tf.ones([3, 2]), tf.ones([2, 2]), tf.ones([2])),
    "twice": [twice(tf.constant(1)), twice(tf.constant(1.1))], "twice_traces": twice.experimental_get_tracing_count(),
    "collatz": collatz_step(tf.constant([1, 2])), "collatz_traces": collatz_step.experimental_get_tracing_count(),
    "echo": echo(tf.constant([1, 2, 3, 4, 5, 6, 7, 8, 9])), "echo_traces": echo.experimental_get_tracing_count(),
    "run_steps_traces": run_steps.experimental_get_tracing_count(),
}
