"""Follows tensorflow/docs, site/en/guide/ragged_tensor.ipynb (commit 7c3650212740204359d4ceae481abc79345541be),
its overview and construction sections: what ragged tensors are, the ops they support, how to build them.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: tf.ragged.constant of ints and strings; tf.add, reduce_mean(axis=1), concat, tile,
tf.strings.substr and tf.map_fn on ragged tensors; row indexing and ragged slicing; ragged + scalar
and ragged + ragged; tf.ragged.map_flat_values; to_list and numpy; rank-3 string ragged tensors;
tf.RaggedTensor.from_value_rowids / from_row_lengths / from_row_splits; the ValueErrors for mixed
types and mixed nesting depths; a bag-of-words-and-bigrams embedding (to_hash_bucket_fast,
embedding_lookup on a tf.random.truncated_normal table, tf.fill markers, ragged concat and slicing,
tf.strings.join, reduce_mean); a ragged shape and bounding_shape.
The embedding table's values are then set from a fixed NumPy seed so the printed averages can be
compared between backends.
"""

import math

import numpy as np

import tensorflow as tf

primes_ish = tf.ragged.constant([[2, 7, 1, 8], [], [2, 8, 1], [8], []])
phrases = tf.ragged.constant([["Good", "morning"], ["see", "you", "at", "the", "station"]])
print(tf.add(primes_ish, 3))
print(tf.reduce_mean(primes_ish, axis=1))
print(tf.concat([primes_ish, [[4, 5]]], axis=0))
print(tf.tile(primes_ish, [1, 2]))
print(tf.strings.substr(phrases, 0, 2))
print(tf.map_fn(tf.math.square, primes_ish))

print(primes_ish[0])
print(primes_ish[:, :2])
print(primes_ish[:, -2:])
print(primes_ish + 3)
print(primes_ish + tf.ragged.constant([[10, 20, 30, 40], [], [50, 60, 70], [80], []]))
print(tf.ragged.map_flat_values(lambda v: v * 3 - 1, primes_ish))
print(primes_ish.to_list())
print(primes_ish.numpy())

lines = tf.ragged.constant([["Ragged", "rows", "differ", "in", "length"], ["Like", "these", "two", "."]])
print(lines)
nested_lines = tf.ragged.constant([
    [["one", "small", "step"], ["for", "a", "tensor"]],
    [["rows", "can", "be", "long", "or", "short"], ["or", "empty"]],
])
print(nested_lines)

flat = [2, 7, 1, 8, 2, 8, 1]
print(tf.RaggedTensor.from_value_rowids(values=flat, value_rowids=[0, 0, 0, 0, 2, 2, 3]))
print(tf.RaggedTensor.from_row_lengths(values=flat, row_lengths=[4, 0, 2, 1]))
print(tf.RaggedTensor.from_row_splits(values=flat, row_splits=[0, 4, 4, 6, 7]))

print(tf.ragged.constant([["Yes"], ["No", "or", "maybe"]]))
print(tf.ragged.constant([[[7, 8], [9]], [[10, 11]]]))
for bad in ([["x", "y"], [1, 2]], ["p", ["q", "r"]]):
    try:
        tf.ragged.constant(bad)
    except ValueError as err:
        print(err)

requests = tf.ragged.constant([["play", "some", "jazz", "music"], ["Stop"],
                               ["what", "is", "the", "weather", "tomorrow"]])
BUCKETS, DIM = 1024, 4
table = tf.Variable(tf.random.truncated_normal([BUCKETS, DIM], stddev=1.0 / math.sqrt(DIM)))
table.assign(np.random.default_rng(7).normal(0, 0.5, size=(BUCKETS, DIM)).astype("float32"))

unigram_ids = tf.strings.to_hash_bucket_fast(requests, BUCKETS)
unigram_vecs = tf.nn.embedding_lookup(table, unigram_ids)
edge = tf.fill([requests.nrows(), 1], "#")
framed = tf.concat([edge, requests, edge], axis=1)
pairs = tf.strings.join([framed[:, :-1], framed[:, 1:]], separator="+")
pair_ids = tf.strings.to_hash_bucket_fast(pairs, BUCKETS)
pair_vecs = tf.nn.embedding_lookup(table, pair_ids)
sentence_vecs = tf.reduce_mean(tf.concat([unigram_vecs, pair_vecs], axis=1), axis=1)
print(sentence_vecs)

short_long = tf.ragged.constant([["Yes"], ["No", "or", "maybe"]])
print(short_long.shape)
print(short_long.bounding_shape())

COMPAT_RESULTS = {"primes_ish": primes_ish.to_list(), "flat_values": primes_ish.flat_values,
                  "row_splits": primes_ish.row_splits, "shape": short_long.shape,
                  "pair_ids": pair_ids.to_list(), "sentence_vecs": sentence_vecs}
# Every printed line is deterministic: compared line for line (numbers to float tolerance).
COMPAT_COMPARE = {"__stdout__": "lines"}
