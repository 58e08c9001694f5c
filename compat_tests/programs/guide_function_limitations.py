"""Follows tensorflow/docs, site/en/guide/function.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
side-effects, iterators, leaked-tensors, recursion, captured-state and variable-creation sections.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: tf.py_function(Tout=tf.float32) as a decorator called from a tf.function; Python side
effects running only while tracing (list appends, a counter in a tf.Module, tf.init_scope); a
Python iterator versus a tf.data iterator passed to a tf.function; a tensor leaked through a
global (AttributeError on .numpy(), TypeError when captured by another tf.function); recursion on
a tensor (raises) and on a Python int (retraces); captured Python globals versus arguments versus
a tf.Variable; a tf.Module with float attributes captured at trace time, concrete functions traced
for a model object, variables held by a plain class; creating a tf.Variable in a tf.function
(ValueError) and creating it once on first call; one tf.function with two Keras Adam optimizers
(ValueError), one per tf.Module, and one tf.function per optimizer.
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


@tf.py_function(Tout=tf.float32)
def eager_sum(a, b):
    print("runs eagerly every call")
    return a + b


@tf.function
def graph_sum(a, b):
    print("traced once")
    return eager_sum(a, b)


graph_sum(tf.constant(1.0), tf.constant(2.0)).numpy()
graph_sum(tf.constant(1.0), tf.constant(2.0)).numpy()

seen = []


@tf.function
def remember(value):
    print("appending while tracing")
    seen.append(value)


for _ in range(3):
    remember(1)
assert len(seen) == 1


class OneShotBump(tf.Module):
    """Bumps its variable in the traced graph whenever called (the Python check ran at trace time)."""

    def __init__(self):
        self.v = tf.Variable(0)
        self.calls = 0

    @tf.function
    def __call__(self):
        if self.calls == 0:
            self.calls += 1
            self.v.assign_add(1)
        return self.v


bumper = OneShotBump()
for _ in range(3):
    print(bumper().numpy())


class LiftedBump(tf.Module):
    """Bumps its variable once, outside the graph, through tf.init_scope."""

    def __init__(self):
        self.v = tf.Variable(0)
        self.calls = 0

    @tf.function
    def __call__(self):
        if self.calls == 0:
            with tf.init_scope():
                self.calls += 1
                self.v.assign_add(1)
        return self.v


bumper = LiftedBump()
for _ in range(3):
    print(bumper().numpy())


@tf.function
def show_next(source):
    tf.print("next:", next(source))


py_iter = iter([1, 2, 3])
for _ in range(3):
    show_next(py_iter)  # the Python iterator is read at trace time only

data_iter = iter(tf.data.Dataset.from_tensor_slices([1, 2, 3]))
for _ in range(3):
    show_next(data_iter)

escaped = None


@tf.function
def leak_and_return_other(a):
    global escaped
    escaped = a + 1
    return a + 2


good = leak_and_return_other(tf.constant(1))
print(good.numpy())
try:
    escaped.numpy()
except AttributeError as err:
    print(err)


@tf.function
def leak_and_return_it(a):
    global escaped
    escaped = a + 1
    return escaped


good = leak_and_return_it(tf.constant(1))
print(good.numpy())
try:
    escaped.numpy()
except AttributeError as err:
    print(err)


@tf.function
def uses_escaped(b):
    b += escaped
    return b


with expect_error(TypeError):
    uses_escaped(tf.constant(2))


class Holder:
    def __init__(self):
        self.slot = None


leaked_list = []
leaked_holder = Holder()


def leak_eagerly():
    t = tf.constant(1)
    leaked_list.append(t)
    leaked_holder.slot = t


@tf.function
def countdown(n):
    if n > 0:
        return countdown(n - 1)
    return 1


with expect_error(Exception):
    countdown(tf.constant(5))


@tf.function
def countdown(n):
    if n > 0:
        print("tracing a level")
        return countdown(n - 1)
    return 1


countdown(5)


@tf.function
def add_global():
    return 1 + offset


@tf.function
def add_argument(offset):
    return 1 + offset


offset = 1
print("global:", add_global(), "argument:", add_argument(offset))
offset = 100
print("global:", add_global(), "argument:", add_argument(offset))


@tf.function
def add_variable():
    return 1 + offset


offset = tf.Variable(1)
print("variable:", add_variable())
offset.assign(100)
print("variable:", add_variable())


class FloatLine(tf.Module):
    def __init__(self):
        self.bias = 0.0
        self.weight = 2.0


@tf.function
def apply_line(model, inputs):
    return model.weight * inputs + model.bias


float_line = FloatLine()
point = tf.constant(10.0)
print(apply_line(float_line, point))
float_line.bias += 5.0
print(apply_line(float_line, point))  # still the traced bias


def plain_line(model, inputs):
    return model.weight * inputs + model.bias


fresh_line = FloatLine()
without_bias = tf.function(plain_line).get_concrete_function(fresh_line, point)
print(without_bias(point))
fresh_line.bias += 5.0
with_bias = tf.function(plain_line).get_concrete_function(fresh_line, point)
print(with_bias(point))


class VariableLine:
    def __init__(self):
        self.bias = tf.Variable(0.0)
        self.weight = tf.Variable(2.0)


@tf.function
def apply_line(model, inputs):
    return model.weight * inputs + model.bias


var_line = VariableLine()
print(apply_line(var_line, point))
var_line.bias.assign_add(5.0)
print(apply_line(var_line, point))


@tf.function
def makes_variable(unused):
    return tf.Variable(1.0)


with expect_error(ValueError):
    makes_variable(1.0)


class Tally(tf.Module):
    def __init__(self):
        self.total = None

    @tf.function
    def __call__(self):
        if self.total is None:
            self.total = tf.Variable(0)
        return self.total.assign_add(1)


tally = Tally()
print(tally())
print(tally())

fast_adam = tf.keras.optimizers.Adam(learning_rate=1e-2)
slow_adam = tf.keras.optimizers.Adam(learning_rate=1e-3)


@tf.function
def descend(weight, inputs, targets, optimizer):
    with tf.GradientTape() as rec:
        err = tf.reduce_sum(tf.square(weight * inputs - targets))
    optimizer.apply_gradients(zip(rec.gradient(err, [weight]), [weight]))


weight = tf.Variable(2.0)
point = tf.constant([-1.0])
target = tf.constant([2.0])
descend(weight, point, target, fast_adam)
with expect_error(ValueError):
    descend(weight, point, target, slow_adam)


class Stepper(tf.Module):
    def __init__(self, optimizer):
        self.optimizer = optimizer

    @tf.function
    def __call__(self, weight, inputs, targets):
        with tf.GradientTape() as rec:
            err = tf.reduce_sum(tf.square(weight * inputs - targets))
        self.optimizer.apply_gradients(zip(rec.gradient(err, [weight]), [weight]))


Stepper(tf.keras.optimizers.Adam(learning_rate=1e-2))(weight, point, target)
Stepper(tf.keras.optimizers.Adam(learning_rate=1e-3))(weight, point, target)

fast_adam = tf.keras.optimizers.Adam(learning_rate=1e-2)
slow_adam = tf.keras.optimizers.Adam(learning_rate=1e-3)


def eager_descend(weight, inputs, targets, optimizer):
    with tf.GradientTape() as rec:
        err = tf.reduce_sum(tf.square(weight * inputs - targets))
    optimizer.apply_gradients(zip(rec.gradient(err, [weight]), [weight]))


weight = tf.Variable(2.0)
descend_fast = tf.function(eager_descend)
descend_slow = tf.function(eager_descend)
for i in range(10):
    if i % 2 == 0:
        descend_fast(weight, point, target, fast_adam)
    else:
        descend_slow(weight, point, target, slow_adam)

COMPAT_RESULTS = {
    "graph_sum": graph_sum(tf.constant(1.0), tf.constant(2.0)), "leaked_list": len(leaked_list),
    "lifted_bump": bumper().numpy(), "good": good, "add_global": add_global(),
    "add_argument": add_argument(offset), "add_variable": add_variable(),
    "without_bias": without_bias(point), "with_bias": with_bias(point),
    "variable_line": apply_line(var_line, point), "tally": tally(), "weight": weight,
}
