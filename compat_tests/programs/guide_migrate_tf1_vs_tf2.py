"""Follows tensorflow/docs, site/en/guide/migrate/tf1_vs_tf2.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
the TF1-to-TF2 behaviour changes of TensorShape dimensions, tensor equality and hashing by reference.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: indexing and iterating a tf.TensorShape with an unknown dimension; tf.compat.v1.Dimension,
shape.rank, shape.dims and is_compatible_with; truthiness of known/unknown shapes; the
AttributeErrors of TF1-style `.value` and of a None dimension; tf.compat.v1.disable_tensor_equality
and enable_tensor_equality with `==` and `is` on variables; the TypeError of hashing a Variable;
Tensor.ref() in a set and ref().deref().
"""

import tensorflow as tf

POS = 0
partial_shape = tf.TensorShape([16, None, 256])
first_dim = partial_shape[POS]
for entry in partial_shape:
    print(entry)

target = 16
Dim = tf.compat.v1.Dimension
picked = Dim(None) if partial_shape.rank is None else partial_shape.dims[POS]
picked.is_compatible_with(target)

unknown_rank = tf.TensorShape(None)
if unknown_rank:
    unknown_rank.dims[POS].is_compatible_with(target)

for dims in ([], [0], [1], [None], [1, 10, 100], [None, None, None], None):
    print(dims, bool(tf.TensorShape(dims)))

try:
    tf.TensorShape([16, None, 256])[0].value
except AttributeError as err:
    print(err)

try:
    probe_shape = tf.TensorShape([16, None, 256])
    picked = probe_shape[1]
    target = probe_shape[2]
    picked.assert_is_compatible_with(target)
except AttributeError as err:
    print(err)

tf.compat.v1.disable_tensor_equality()
left, right = tf.Variable(0.0), tf.Variable(0.0)
left == right

tf.compat.v1.enable_tensor_equality()
left, right = tf.Variable(0.0), tf.Variable(0.0)
left == right
left is right

var = tf.Variable(0.0)
try:
    {var, tf.constant(2.0)}
except TypeError as err:
    print(err)

refs = {var.ref(), tf.constant(2.0).ref()}
assert var.ref() in refs
back = var.ref().deref()
assert back is var

COMPAT_RESULTS = {"shape": tf.TensorShape([16, None, 256]),
                  "picked_compatible": picked.is_compatible_with(target) if picked is not None else None,
                  "refs_size": len(refs), "deref_is_var": back is var,
                  "equal": tf.Variable(0.0) == tf.Variable(0.0)}
# Every printed line is deterministic: compared line for line (numbers to float tolerance).
COMPAT_COMPARE = {"__stdout__": "lines"}
