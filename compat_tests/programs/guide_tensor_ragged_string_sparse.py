"""Follows tensorflow/docs, site/en/guide/tensor.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
the tensor guide's closing part on ragged, string and sparse tensors.
Written for tapejax's compat suite (not a copy of the tutorial's code); no download is needed; sizes shrunk.

Covers: tf.constant rejecting a non-rectangular list (the error printed), tf.ragged.constant and its
shape, scalar and vector string tensors (and a non-ASCII one), tf.strings.split (scalar and vector
input), tf.strings.to_number, tf.strings.bytes_split, tf.io.decode_raw to uint8,
tf.strings.unicode_split / unicode_decode, tf.sparse.SparseTensor and tf.sparse.to_dense.
"""

import numpy as np  # noqa: F401  (the guide imports it alongside TF)
import tensorflow as tf

rows_of_different_length = [[10, 11, 12], [13], [14, 15, 16, 17], [18, 19]]

# A dense tensor needs rectangular data: report what TF says instead.
try:
    tf.constant(rows_of_different_length)
except Exception as err:
    print(f"{type(err).__name__}: {err}")

jagged = tf.ragged.constant(rows_of_different_length)
print(jagged)
print(jagged.shape)

animal = tf.constant("Red panda")
print(animal)
phrases = tf.constant(["Red panda", "Slow green turtle", "Shy cat"])
print(phrases)  # shape (3,): string lengths are not part of the shape
tf.constant("🐼🎉")

print(tf.strings.split(animal, sep=" "))
print(tf.strings.split(phrases))  # ragged: each phrase has its own word count

numbers_text = tf.constant("2 20 200")
print(tf.strings.to_number(tf.strings.split(numbers_text, " ")))

as_chars = tf.strings.bytes_split(tf.constant("Owl"))
as_uint8 = tf.io.decode_raw(tf.constant("Owl"), tf.uint8)
print("Byte strings:", as_chars)
print("Bytes:", as_uint8)

kana = tf.constant("パンダ 🐼")
kana_chars = tf.strings.unicode_split(kana, "UTF-8")
kana_codepoints = tf.strings.unicode_decode(kana, "UTF-8")
print("\nUnicode bytes:", kana)
print("\nUnicode chars:", kana_chars)
print("\nUnicode values:", kana_codepoints)

mostly_zero = tf.sparse.SparseTensor(indices=[[0, 1], [2, 3]], values=[5, 7], dense_shape=[3, 4])
print(mostly_zero, "\n")
print(tf.sparse.to_dense(mostly_zero))

COMPAT_RESULTS = {"ragged_shape": jagged.shape, "phrases": phrases,
                  "byte_ints": as_uint8, "dense": tf.sparse.to_dense(mostly_zero)}
# Everything printed is deterministic: compare it line by line too.
COMPAT_COMPARE = {"__stdout__": "lines"}
