"""Follows tensorflow/docs, site/en/guide/autodiff.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
computing gradients with tf.GradientTape and the ways a gradient comes out as None.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: gradients of scalars, of lists and dicts of variables, of a Dense layer's variables;
which sources a tape watches (trainable/non-trainable variables, tensors, tape.watch,
watch_accessed_variables=False, tape.watched_variables); gradients with respect to an intermediate;
persistent tapes; gradients of dict and non-scalar targets; Python control flow on the tape; the
None gradients (unconnected source, a variable replaced by a tensor — printing the variable's class
name —, a NumPy round trip, an integer source, assign_add, a non-differentiable op raising
LookupError) and unconnected_gradients=tf.UnconnectedGradients.ZERO.
"""

import numpy as np

import tensorflow as tf

# Scalar gradient.
v = tf.Variable(3.0)
with tf.GradientTape() as rec:
    sq = v ** 2
slope = rec.gradient(sq, v)
slope.numpy()

# Gradients with respect to several variables.
weights = tf.Variable(tf.random.normal((3, 2)), name="w")
bias = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
row = [[1.0, 2.0, 3.0]]
with tf.GradientTape(persistent=True) as rec:
    pred = row @ weights + bias
    cost = tf.reduce_mean(pred ** 2)
d_weights, d_bias = rec.gradient(cost, [weights, bias])
print(weights.shape)
print(d_weights.shape)
by_name = rec.gradient(cost, {"w": weights, "b": bias})
by_name["b"]

# Gradients of a Keras layer's variables.
relu_dense = tf.keras.layers.Dense(2, activation="relu")
row = tf.constant([[1.0, 2.0, 3.0]])
with tf.GradientTape() as rec:
    cost = tf.reduce_mean(relu_dense(row) ** 2)
layer_grads = rec.gradient(cost, relu_dense.trainable_variables)
for variable, gradient in zip(relu_dense.trainable_variables, layer_grads):
    print(f"{variable.name}, shape: {gradient.shape}")

# What the tape watches.
trained = tf.Variable(3.0, name="x0")
frozen = tf.Variable(3.0, name="x1", trainable=False)
shifted = tf.Variable(2.0, name="x2") + 1.0  # a tensor now
fixed = tf.constant(3.0, name="x3")
with tf.GradientTape() as rec:
    total = trained ** 2 + frozen ** 2 + shifted ** 2
for gradient in rec.gradient(total, [trained, frozen, shifted, fixed]):
    print(gradient)
[variable.name for variable in rec.watched_variables()]

c = tf.constant(3.0)
with tf.GradientTape() as rec:
    rec.watch(c)
    sq = c ** 2
print(rec.gradient(sq, c).numpy())

left = tf.Variable(0.0)
right = tf.Variable(10.0)
with tf.GradientTape(watch_accessed_variables=False) as rec:
    rec.watch(right)
    summed = tf.reduce_sum(tf.math.sin(left) + tf.nn.softplus(right))
selected = rec.gradient(summed, {"x0": left, "x1": right})
print("dy/dx0:", selected["x0"])
print("dy/dx1:", selected["x1"].numpy())

# Gradient with respect to an intermediate value.
c = tf.constant(3.0)
with tf.GradientTape() as rec:
    rec.watch(c)
    mid = c * c
    top = mid * mid
print(rec.gradient(top, mid).numpy())

# A persistent tape answers more than once.
vec = tf.constant([1, 3.0])
with tf.GradientTape(persistent=True) as rec:
    rec.watch(vec)
    mid = vec * vec
    top = mid * mid
print(rec.gradient(top, vec).numpy())
print(rec.gradient(mid, vec).numpy())
del rec

v = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as rec:
    square = v ** 2
    inverse = 1 / v
print(rec.gradient(square, v).numpy())
print(rec.gradient(inverse, v).numpy())

# Several targets are summed.
v = tf.Variable(2.0)
with tf.GradientTape() as rec:
    square = v ** 2
    inverse = 1 / v
print(rec.gradient({"y0": square, "y1": inverse}, v).numpy())

v = tf.Variable(2.0)
with tf.GradientTape() as rec:
    scaled = v * [3.0, 4.0]
print(rec.gradient(scaled, v).numpy())

grid = tf.linspace(-10.0, 10.0, 200 + 1)
with tf.GradientTape() as rec:
    rec.watch(grid)
    curve = tf.nn.sigmoid(grid)
sigmoid_slope = rec.gradient(curve, grid)

# Python control flow: only the branch taken is recorded.
flag = tf.constant(1.0)
first_var = tf.Variable(2.0)
second_var = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as rec:
    rec.watch(flag)
    if flag > 0.0:
        chosen = first_var
    else:
        chosen = second_var ** 2
g_first, g_second = rec.gradient(chosen, [first_var, second_var])
print(g_first)
print(g_second)
print(rec.gradient(chosen, flag))

# Ways to get None.
lonely = tf.Variable(2.0)
other = tf.Variable(3.0)
with tf.GradientTape() as rec:
    unrelated = other * other
print(rec.gradient(unrelated, lonely))

counter = tf.Variable(2.0)
for _ in range(2):
    with tf.GradientTape() as rec:
        plus_one = counter + 1
    print(type(counter).__name__, ":", rec.gradient(plus_one, counter))
    counter = counter + 1  # replaces the variable by a tensor

grid_var = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float32)
with tf.GradientTape() as rec:
    squared = grid_var ** 2
    via_numpy = np.mean(squared, axis=0)
    reduced = tf.reduce_mean(via_numpy, axis=0)
print(rec.gradient(reduced, grid_var))

whole = tf.constant(10)
with tf.GradientTape() as rec:
    rec.watch(whole)
    product = whole * whole
print(rec.gradient(product, whole))

src = tf.Variable(3.0)
acc = tf.Variable(0.0)
with tf.GradientTape() as rec:
    acc.assign_add(src)
    sq = acc ** 2
print(rec.gradient(sq, src))

picture = tf.Variable([[[0.5, 0.0, 0.0]]])
contrast = tf.Variable(0.1)
with tf.GradientTape() as rec:
    adjusted = tf.image.adjust_contrast(picture, contrast)
try:
    print(rec.gradient(adjusted, [picture, contrast]))
    raise AssertionError("adjust_contrast should have no gradient")
except LookupError as err:
    print(f"{type(err).__name__}: {err}")

pair = tf.Variable([2.0, 2.0])
scalar = tf.Variable(3.0)
with tf.GradientTape() as rec:
    sq = scalar ** 2
print(rec.gradient(sq, pair, unconnected_gradients=tf.UnconnectedGradients.ZERO))

COMPAT_RESULTS = {
    "selected": selected, "sigmoid_slope": sigmoid_slope,
    "watched": [variable.name for variable in rec.watched_variables()],
}
# Every printed line is deterministic (the random `weights` are never printed): compared line for line.
COMPAT_COMPARE = {"__stdout__": "lines"}
