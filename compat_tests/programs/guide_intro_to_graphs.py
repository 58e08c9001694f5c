"""Follows tensorflow/docs, site/en/guide/intro_to_graphs.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
turning Python functions into graphs with tf.function, and how graph execution differs from eager.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk (timeit number 1000 -> 10).

Covers: tf.function(fn) versus fn on matmul + bias; a decorated function calling a plain one; a
tensor-valued Python `if tf.greater(...)` converted by AutoGraph, tf.autograph.to_code, the
concrete function's GraphDef; polymorphism across tensor/list inputs and
pretty_printed_concrete_signatures; an int MSE tf.function under
tf.config.run_functions_eagerly(True/False) with a trace-time print; an unused failing tf.gather
(InvalidArgumentError eagerly, pruned in the graph); a matrix power timed eagerly and as a graph;
Python side effects on tensor versus Python arguments.
"""

import timeit

import tensorflow as tf


def affine(inputs, kernel, bias):
    return tf.matmul(inputs, kernel) + bias


graph_affine = tf.function(affine)
row = tf.constant([[1.0, 2.0]])
column = tf.constant([[2.0], [3.0]])
shift = tf.constant(4.0)
eager_value = affine(row, column, shift).numpy()
assert eager_value == graph_affine(row, column, shift).numpy()


@tf.function
def fixed_affine(inputs):
    return affine(inputs, tf.constant([[2.0], [3.0]]), tf.constant(4.0))


fixed_affine(tf.constant([[1.0, 2.0]])).numpy()


def branchy_relu(value):
    if tf.greater(value, 0):
        return value
    return 0


graph_relu = tf.function(branchy_relu)
print("positive:", graph_relu(tf.constant(1)).numpy())
print("negative:", graph_relu(tf.constant(-1)).numpy())
print(tf.autograph.to_code(branchy_relu))
print(graph_relu.get_concrete_function(tf.constant(1)).graph.as_graph_def())


@tf.function
def clamp_low(value):
    return tf.maximum(0.0, value)


print(clamp_low(tf.constant(5.5)))
print(clamp_low([1, -1]))
print(clamp_low(tf.constant([3.0, -3.0])))
print(clamp_low(tf.constant(-2.5)))
print(clamp_low(tf.constant([-1.0, 1.0])))
print(clamp_low.pretty_printed_concrete_signatures())


@tf.function
def mean_sq_err(truth, guess):
    return tf.reduce_mean(tf.pow(truth - guess, 2))


truth = tf.random.uniform([5], maxval=10, dtype=tf.int32)
guess = tf.random.uniform([5], maxval=10, dtype=tf.int32)
mean_sq_err(truth, guess)
tf.config.run_functions_eagerly(True)
mean_sq_err(truth, guess)
tf.config.run_functions_eagerly(False)


@tf.function
def mean_sq_err(truth, guess):
    print("computing the error")
    return tf.reduce_mean(tf.pow(truth - guess, 2))


for _ in range(3):
    err = mean_sq_err(truth, guess)
tf.config.run_functions_eagerly(True)
for _ in range(3):
    err = mean_sq_err(truth, guess)
tf.config.run_functions_eagerly(False)


def gather_unused_eager(values):
    tf.gather(values, [1])
    return values


try:
    print(gather_unused_eager(tf.constant([0.0])))
except tf.errors.InvalidArgumentError as exc:
    print(f"{type(exc).__name__}: {exc}")


@tf.function
def gather_unused_graph(values):
    tf.gather(values, [1])
    return values


print(gather_unused_graph(tf.constant([0.0])))

square_ints = tf.random.uniform(shape=[10, 10], minval=-1, maxval=2, dtype=tf.dtypes.int32)


def matrix_power(matrix, times):
    acc = tf.eye(10, dtype=tf.dtypes.int32)
    for _ in range(times):
        acc = tf.matmul(matrix, acc)
    return acc


eager_time = timeit.timeit(lambda: matrix_power(square_ints, 100), number=10)
graph_power = tf.function(matrix_power)
graph_time = timeit.timeit(lambda: graph_power(square_ints, 100), number=10)
print("timed eager and graph matrix powers")


@tf.function
def square_plus_two(value):
    print("tracing square_plus_two")
    return value * value + tf.constant(2)


print(square_plus_two(tf.constant(2)))
print(square_plus_two(tf.constant(3)))
print(square_plus_two(2))
print(square_plus_two(3))

COMPAT_RESULTS = {
    "eager_value": eager_value, "fixed_affine": fixed_affine(tf.constant([[1.0, 2.0]])),
    "relu_branches": [graph_relu(tf.constant(1)), graph_relu(tf.constant(-1))],
    "clamp_low": [clamp_low(tf.constant(5.5)), clamp_low([1, -1]), clamp_low(tf.constant([3.0, -3.0]))],
    "err_dtype": err.dtype, "gather_unused_graph": gather_unused_graph(tf.constant([0.0])),
    "power_matches": bool(tf.reduce_all(matrix_power(square_ints, 3) == graph_power(square_ints, 3))),
    "side_effect": [square_plus_two(tf.constant(2)), square_plus_two(3)],
}
