"""Introduction to Tensors: ragged, string and sparse tensors (TF guide).

Source: tensorflow/docs, site/en/guide/tensor.ipynb (code cells 37-49), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - the guide's imports (cell 0) put first
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0] (the guide's first cell)
import tensorflow as tf
import numpy as np

# [cell 37]
ragged_list = [
    [0, 1, 2, 3],
    [4, 5],
    [6, 7, 8],
    [9]]

# [cell 38]
try:
  tensor = tf.constant(ragged_list)
except Exception as e:
  print(f"{type(e).__name__}: {e}")

# [cell 39]
ragged_tensor = tf.ragged.constant(ragged_list)
print(ragged_tensor)

# [cell 40]
print(ragged_tensor.shape)

# [cell 41]
# Tensors can be strings, too here is a scalar string.
scalar_string_tensor = tf.constant("Gray wolf")
print(scalar_string_tensor)

# [cell 42]
# If you have three string tensors of different lengths, this is OK.
tensor_of_strings = tf.constant(["Gray wolf",
                                 "Quick brown fox",
                                 "Lazy dog"])
# Note that the shape is (3,). The string length is not included.
print(tensor_of_strings)

# [cell 43]
tf.constant("🥳👍")

# [cell 44]
# You can use split to split a string into a set of tensors
print(tf.strings.split(scalar_string_tensor, sep=" "))

# [cell 45]
# ...but it turns into a `RaggedTensor` if you split up a tensor of strings,
# as each string might be split into a different number of parts.
print(tf.strings.split(tensor_of_strings))

# [cell 46]
text = tf.constant("1 10 100")
print(tf.strings.to_number(tf.strings.split(text, " ")))

# [cell 47]
byte_strings = tf.strings.bytes_split(tf.constant("Duck"))
byte_ints = tf.io.decode_raw(tf.constant("Duck"), tf.uint8)
print("Byte strings:", byte_strings)
print("Bytes:", byte_ints)

# [cell 48]
# Or split it up as unicode and then decode it
unicode_bytes = tf.constant("アヒル 🦆")
unicode_char_bytes = tf.strings.unicode_split(unicode_bytes, "UTF-8")
unicode_values = tf.strings.unicode_decode(unicode_bytes, "UTF-8")

print("\nUnicode bytes:", unicode_bytes)
print("\nUnicode chars:", unicode_char_bytes)
print("\nUnicode values:", unicode_values)

# [cell 49]
# Sparse tensors store values by index in a memory-efficient manner
sparse_tensor = tf.sparse.SparseTensor(indices=[[0, 0], [1, 2]],
                                       values=[1, 2],
                                       dense_shape=[3, 4])
print(sparse_tensor, "\n")

# You can convert sparse tensors to dense
print(tf.sparse.to_dense(sparse_tensor))

# [added for the compat suite]
COMPAT_RESULTS = {"ragged_shape": ragged_tensor.shape, "tensor_of_strings": tensor_of_strings,
                  "byte_ints": byte_ints, "dense": tf.sparse.to_dense(sparse_tensor)}
# Every printed line is deterministic: compared line for line (numbers to float tolerance).
COMPAT_COMPARE = {"__stdout__": "lines"}
