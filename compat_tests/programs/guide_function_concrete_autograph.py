"""Follows tensorflow/docs, site/en/guide/function.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
polymorphism, concrete-function, graph and AutoGraph sections.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: a polymorphic tf.function traced for int, float and string tensors; retracing for plain
Python objects and a custom tf.types.experimental.TraceType (is_subtype_of,
most_specific_common_supertype, placeholder_value, __eq__/__hash__) returned by __tf_tracing_type__;
get_concrete_function from a tensor and from a tf.TensorSpec, calling it positionally and by keyword,
printing it and its function_type, the InvalidArgumentError for a wrongly-typed argument; a concrete
function with a bound Python argument and the TypeError for rebinding it; the graph's GraphDef nodes;
inference_fn; AutoGraph while-loops with tf.print and tf.autograph.to_code; a tf.range fizzbuzz with
if/elif branches; graph size for Python lists versus Dataset.from_generator; a TensorArray RNN loop;
Python-side versus tf.print side effects across retracing.
"""

import contextlib
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
def twice(value):
    print("tracing twice for", value)
    return value + value


print(twice(tf.constant(1)))
print(twice(tf.constant(1.1)))
print(twice(tf.constant("a")))


@tf.function
def combined_taste(left, right):
    return left.taste + right.taste


class Food:
    taste = tf.constant([0, 0])


class Pear(Food):
    taste = tf.constant([1, 2])


class Plum(Food):
    taste = tf.constant([3, 4])


combined_taste(Pear(), Plum())
combined_taste(Pear(), Plum())  # new instances: traced again


class FoodKind(tf.types.experimental.TraceType):
    """Trace type keyed by the food's class, so instances of one class share a trace."""

    def __init__(self, food):
        self.kind = type(food)
        self.food = food

    def is_subtype_of(self, other):
        return type(other) is FoodKind and self.kind is other.kind

    def most_specific_common_supertype(self, others):
        return self if all(self == o for o in others) else None

    def placeholder_value(self, placeholder_context=None):
        return self.food

    def __eq__(self, other):
        return type(other) is FoodKind and self.kind == other.kind

    def __hash__(self):
        return hash(self.kind)


class TypedFood:
    def __tf_tracing_type__(self, context):
        return FoodKind(self)


class TypedPear(TypedFood):
    taste = tf.constant([1, 2])


class TypedPlum(TypedFood):
    taste = tf.constant([3, 4])


combined_taste(TypedPear(), TypedPlum())
combined_taste(TypedPear(), TypedPlum())  # reuses the trace

print("getting a concrete function")
twice_str = twice.get_concrete_function(tf.constant("a"))
print(twice_str(tf.constant("a")))
print(twice_str(value=tf.constant("b")))
twice_str_spec = twice.get_concrete_function(tf.TensorSpec(shape=[], dtype=tf.string))
print(twice_str_spec(tf.constant("c")))
print(twice_str)
print(twice_str.function_type)
with expect_error(tf.errors.InvalidArgumentError):
    twice_str(tf.constant(1))


@tf.function
def power(base, exponent):
    return base ** exponent


squarer = power.get_concrete_function(base=tf.TensorSpec(None, tf.float32), exponent=2)
print(squarer)
assert squarer(tf.constant(10.0)) == 100
with expect_error(TypeError):
    squarer(tf.constant(10.0), exponent=3)

for node in twice_str.graph.as_graph_def().node:
    print(f"{node.input} -> {node.name}")
twice_str.inference_fn(tf.constant("a"))


@tf.function
def squash_until_small(vec):
    while tf.reduce_sum(vec) > 1:
        tf.print(vec)
        vec = tf.tanh(vec)
    return vec


squash_until_small(tf.random.uniform([5]))
print(tf.autograph.to_code(squash_until_small.python_function))


@tf.function
def fizz_or_buzz(limit):
    for k in tf.range(1, limit + 1):
        print("tracing the loop body")
        if k % 15 == 0:
            tf.print("fizzbuzz")
        elif k % 3 == 0:
            tf.print("fizz")
        elif k % 5 == 0:
            tf.print("buzz")
        else:
            tf.print(k)


fizz_or_buzz(tf.constant(5))
fizz_or_buzz(tf.constant(20))


@tf.function
def summed_gaps(pairs):
    acc = tf.constant(0)
    for left, right in pairs:
        acc += tf.abs(right - left)
    return acc


def node_count(fn, *args):
    graph = fn.get_concrete_function(*args).graph
    count = len(graph.as_graph_def().node)
    print(f"{fn.__name__}: {count} nodes")
    return count


few, many = [(1, 1)] * 3, [(1, 1)] * 10
node_count(summed_gaps, few)
node_count(summed_gaps, many)
node_count(summed_gaps, tf.data.Dataset.from_generator(lambda: few, (tf.int32, tf.int32)))
node_count(summed_gaps, tf.data.Dataset.from_generator(lambda: many, (tf.int32, tf.int32)))

BATCH, STEPS, WIDTH = 2, 3, 4


def accumulate(inp, state):
    return inp + state


@tf.function
def unrolled_rnn(cell, sequence, start_state):
    time_major = tf.transpose(sequence, [1, 0, 2])
    length = time_major.shape[0]
    outputs = tf.TensorArray(tf.float32, size=length)
    state = start_state
    for t in tf.range(length):
        state = cell(time_major[t], state)
        outputs = outputs.write(t, state)
    return tf.transpose(outputs.stack(), [1, 0, 2])


unrolled_rnn(accumulate, tf.random.uniform([BATCH, STEPS, WIDTH]), tf.zeros([BATCH, WIDTH]))


@tf.function
def side_effects(value):
    print("python print at trace time:", value)
    tf.print("tf.print at run time:", value)


side_effects(1)
side_effects(1)
side_effects(2)

COMPAT_RESULTS = {
    "combined_taste": combined_taste(TypedPear(), TypedPlum()),
    "taste_traces": combined_taste.experimental_get_tracing_count(),
    "twice_str": twice_str(tf.constant("a")), "squarer": squarer(tf.constant(10.0)),
    "fizz_traces": fizz_or_buzz.experimental_get_tracing_count(),
    "summed_gaps": summed_gaps(few),
    "rnn": unrolled_rnn(accumulate, tf.ones([BATCH, STEPS, WIDTH]), tf.zeros([BATCH, WIDTH])),
    "side_effect_traces": side_effects.experimental_get_tracing_count(),
}
