"""TF1 vs TF2 behaviours: TensorShape, tensor equality, refs (TF migration guide).

Source: tensorflow/docs, site/en/guide/migrate/tf1_vs_tf2.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1]
# Create a shape and choose an index
i = 0
shape = tf.TensorShape([16, None, 256])
shape

# [cell 2]
value = shape[i]
value

# [cell 3]
for value in shape:
  print(value)

# [cell 4]
other_dim = 16
Dimension = tf.compat.v1.Dimension

if shape.rank is None:
  dim = Dimension(None)
else:
  dim = shape.dims[i]
dim.is_compatible_with(other_dim) # or any other dimension method

# [cell 5]
shape = tf.TensorShape(None)

if shape:
  dim = shape.dims[i]
  dim.is_compatible_with(other_dim) # or any other dimension method

# [cell 6]
print(bool(tf.TensorShape([])))      # Scalar
print(bool(tf.TensorShape([0])))     # 0-length vector
print(bool(tf.TensorShape([1])))     # 1-length vector
print(bool(tf.TensorShape([None])))  # Unknown-length vector
print(bool(tf.TensorShape([1, 10, 100])))       # 3D tensor
print(bool(tf.TensorShape([None, None, None]))) # 3D tensor with no known dimensions
print()
print(bool(tf.TensorShape(None)))  # A tensor with unknown rank.

# [cell 7]
try:
  # Create a shape and choose an index
  shape = tf.TensorShape([16, None, 256])
  value = shape[0].value
except AttributeError as e:
  # 'int' object has no attribute 'value'
  print(e)

# [cell 8]
try:
  # Create a shape and choose an index
  shape = tf.TensorShape([16, None, 256])
  dim = shape[1]
  other_dim = shape[2]
  dim.assert_is_compatible_with(other_dim)
except AttributeError as e:
  # 'NoneType' object has no attribute 'assert_is_compatible_with'
  print(e)

# [cell 9]
tf.compat.v1.disable_tensor_equality()
x = tf.Variable(0.0)
y = tf.Variable(0.0)

x == y

# [cell 10]
tf.compat.v1.enable_tensor_equality()
x = tf.Variable(0.0)
y = tf.Variable(0.0)

x == y

# [cell 11]
tf.compat.v1.enable_tensor_equality()
x = tf.Variable(0.0)
y = tf.Variable(0.0)

x is y

# [cell 12]
tf.compat.v1.enable_tensor_equality()
x = tf.Variable(0.0)

try:
  set([x, tf.constant(2.0)])
except TypeError as e:
  # TypeError: Variable is unhashable. Instead, use tensor.ref() as the key.
  print(e)

# [cell 13]
tf.compat.v1.enable_tensor_equality()
x = tf.Variable(0.0)

tensor_set = set([x.ref(), tf.constant(2.0).ref()])
assert x.ref() in tensor_set

tensor_set

# [cell 14]
referenced_var = x.ref().deref()
assert referenced_var is x
referenced_var

# [added for the compat suite]
COMPAT_RESULTS = {"shape": tf.TensorShape([16, None, 256]), "dim_compatible": dim.is_compatible_with(other_dim) if dim is not None else None,
                  "tensor_set_size": len(tensor_set), "deref_is_x": referenced_var is x,
                  "equal": tf.Variable(0.0) == tf.Variable(0.0)}
# Every printed line is deterministic: compared line for line (numbers to float tolerance).
COMPAT_COMPARE = {"__stdout__": "lines"}
