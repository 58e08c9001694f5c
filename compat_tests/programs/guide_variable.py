"""Follows tensorflow/docs, site/en/guide/variable.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
creating, reading, assigning and placing tf.Variable objects.
Written for tapejax's compat suite (not a copy of the tutorial's code); no download is needed; sizes shrunk.

Covers: tf.Variable from a tensor, of bool and complex values; shape/dtype/numpy; printing a variable,
convert_to_tensor, tf.math.argmax and tf.reshape on a variable; assign with ints into a float
variable and the error when assign changes the shape; a variable copied from another; assign_add /
assign_sub; two variables with one name compared elementwise; trainable=False; ops under
tf.device('CPU:0') and tf.device('GPU:0').
"""

import tensorflow as tf

base = tf.constant([[5.0, 1.0], [2.0, 7.0]])
weights = tf.Variable(base)
flags = tf.Variable([True, False, True, False])
phasors = tf.Variable([1 + 2j, 3 - 1j])

print("Shape:", weights.shape)
print("DType:", weights.dtype)
print("NumPy:", weights.numpy())
print("Variable:", weights)
print("As tensor:", tf.convert_to_tensor(weights))
print("argmax:", tf.math.argmax(weights))
print("Reshaped copy:", tf.reshape(weights, [4, 1]))


def assign_ints_then_resize():
    """Assigns an int list to a float variable (kept float32), then a longer list (refused)."""
    pair = tf.Variable([4.0, 8.0])
    pair.assign([3, 9])
    try:
        pair.assign([1.0, 1.0, 1.0])
        error_name = None
    except Exception as err:
        print(f"{type(err).__name__}: {err}")
        error_name = type(err).__name__
    return pair, error_name


ints_assigned, resize_error = assign_ints_then_resize()

source = tf.Variable([4.0, 8.0])
copy = tf.Variable(source)
source.assign([1, 2])
print(source.numpy(), copy.numpy())  # the copy keeps its own value
print(source.assign_add([10, 20]).numpy())
print(source.assign_sub([11, 22]).numpy())

first = tf.Variable(base, name="Twin")
second = tf.Variable(base * 2, name="Twin")
print(first == second)  # same name, different storage and values

counter = tf.Variable(0, trainable=False)

with tf.device("CPU:0"):
    lhs = tf.Variable([[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]])
    rhs = tf.constant([[2.0, 1.0], [1.0, 0.0], [0.0, 4.0]])
    product = tf.matmul(lhs, rhs)
print(product)

with tf.device("CPU:0"):
    table = tf.Variable([[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]])
    row = tf.Variable([[2.0, 5.0, 0.5]])
with tf.device("GPU:0"):
    scaled = table * row
print(scaled)

COMPAT_RESULTS = {
    "shape": weights.shape, "dtype": weights.dtype, "numpy": weights.numpy(),
    "bool": flags, "complex": phasors,
    "as_tensor": tf.convert_to_tensor(weights), "argmax": tf.math.argmax(weights),
    "reshaped": tf.reshape(weights, [4, 1]), "assigned_ints": ints_assigned, "resize_error": resize_error,
    "step_counter": [counter.trainable, counter.dtype], "product": product, "scaled": scaled,
}
