"""Better performance with tf.function: basics, tracing and retracing (TF guide).

Source: tensorflow/docs, site/en/guide/function.ipynb (code cells 0-13), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cell 5: the timed image [1, 200, 200, 100] -> [1, 20, 20, 100]
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1]
import traceback
import contextlib

# Some helper code to demonstrate the kinds of errors you might encounter.
@contextlib.contextmanager
def assert_raises(error_class):
  try:
    yield
  except error_class as e:
    print('Caught expected exception \n  {}:'.format(error_class))
    traceback.print_exc(limit=2)
  except Exception as e:
    raise e
  else:
    raise Exception('Expected {} to be raised but no error was raised!'.format(
        error_class))

# [cell 2]
@tf.function  # The decorator converts `add` into a `PolymorphicFunction`.
def add(a, b):
  return a + b

add(tf.ones([2, 2]), tf.ones([2, 2]))  #  [[2., 2.], [2., 2.]]

# [cell 3]
v = tf.Variable(1.0)
with tf.GradientTape() as tape:
  result = add(v, 1.0)
tape.gradient(result, v)

# [cell 4]
@tf.function
def dense_layer(x, w, b):
  return add(tf.matmul(x, w), b)

dense_layer(tf.ones([3, 2]), tf.ones([2, 2]), tf.ones([2]))

# [cell 5]
import timeit
conv_layer = tf.keras.layers.Conv2D(100, 3)

@tf.function
def conv_fn(image):
  return conv_layer(image)

image = tf.zeros([1, 20, 20, 100])
# Warm up
conv_layer(image); conv_fn(image)
print("Eager conv:", timeit.timeit(lambda: conv_layer(image), number=10))
print("Function conv:", timeit.timeit(lambda: conv_fn(image), number=10))
print("Note how there's not much difference in performance for convolutions")

# [cell 6]
@tf.function
def double(a):
  print("Tracing with", a)
  return a + a

print(double(tf.constant(1)))
print()
print(double(tf.constant(1.1)))
print()
print(double(tf.constant("a")))
print()

# [cell 7]
# This doesn't print 'Tracing with ...'
print(double(tf.constant("b")))

# [cell 8]
print(double.pretty_printed_concrete_signatures())

# [cell 9]
@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def next_collatz(x):
  print("Tracing with", x)
  return tf.where(x % 2 == 0, x // 2, 3 * x + 1)

print(next_collatz(tf.constant([1, 2])))
# You specified a 1-D tensor in the input signature, so this should fail.
with assert_raises(TypeError):
  next_collatz(tf.constant([[1, 2], [3, 4]]))

# You specified an int32 dtype in the input signature, so this should fail.
with assert_raises(TypeError):
  next_collatz(tf.constant([1.0, 2.0]))

# [cell 10]
@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def g(x):
  print('Tracing with', x)
  return x

# No retrace!
print(g(tf.constant([1, 2, 3])))
print(g(tf.constant([1, 2, 3, 4, 5])))

# [cell 11]
@tf.function(reduce_retracing=True)
def g(x):
  print('Tracing with', x)
  return x

# Traces once.
print(g(tf.constant([1, 2, 3])))

# Traces again, but more generalized this time.
print(g(tf.constant([1, 2, 3, 4, 5])))

# No more tracing!
print(g(tf.constant([1, 2, 3, 4, 5, 6, 7])))
print(g(tf.constant([1, 2, 3, 4, 5, 6, 7, 8, 9])))

# [cell 12]
def train_one_step():
  pass

@tf.function
def train(num_steps):
  print("Tracing with num_steps = ", num_steps)
  tf.print("Executing with num_steps = ", num_steps)
  for _ in tf.range(num_steps):
    train_one_step()

print("Retracing occurs for different Python arguments.")
train(num_steps=10)
train(num_steps=20)

print()
print("Traces are reused for Tensor arguments.")
train(num_steps=tf.constant(10))
train(num_steps=tf.constant(20))

# [cell 13]
def f():
  print('Tracing!')
  tf.print('Executing')

tf.function(f)()
tf.function(f)()

# [added for the compat suite]
COMPAT_RESULTS = {
    "add": add(tf.ones([2, 2]), tf.ones([2, 2])),
    "dense": dense_layer(tf.ones([3, 2]), tf.ones([2, 2]), tf.ones([2])),
    "double": [double(tf.constant(1)), double(tf.constant(1.1))], "double_traces": double.experimental_get_tracing_count(),
    "collatz": next_collatz(tf.constant([1, 2])), "collatz_traces": next_collatz.experimental_get_tracing_count(),
    "g": g(tf.constant([1, 2, 3, 4, 5, 6, 7, 8, 9])), "g_traces": g.experimental_get_tracing_count(),
    "train_traces": train.experimental_get_tracing_count(),
}
