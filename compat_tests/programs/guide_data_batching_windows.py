"""Follows tensorflow/docs, site/en/guide/data.ipynb (commit 7c3650212740204359d4ceae481abc79345541be), its
batching, time-series windowing and iterator-checkpointing sections.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: Dataset.range (with negative step), Dataset.zip, batch (with drop_remainder), element_spec
of batched data; map with tf.fill/tf.cast and padded_batch(padded_shapes=(None,)); feature/label
splits by slicing batches; skip; Dataset.window(size, shift, stride), flat_map over window
sub-datasets, batch inside flat_map; a tf.train.Checkpoint holding a dataset iterator, saved with a
CheckpointManager and restored.
"""

import tensorflow as tf

counting_up = tf.data.Dataset.range(100)
counting_down = tf.data.Dataset.range(0, -100, -1)
both_ways = tf.data.Dataset.zip((counting_up, counting_down))
in_fours = both_ways.batch(4)
for group in in_fours.take(4):
    print([part.numpy() for part in group])
in_sevens = both_ways.batch(7, drop_remainder=True)
in_sevens

growing = tf.data.Dataset.range(100).map(lambda n: tf.fill([tf.cast(n, tf.int32)], n))
padded_groups = growing.padded_batch(4, padded_shapes=(None,))
for group in padded_groups.take(2):
    print(group.numpy())

long_range = tf.data.Dataset.range(100000)
tens = long_range.batch(10, drop_remainder=True)
for group in tens.take(5):
    print(group.numpy())


def shift_by_one(seq):
    """Inputs are every step but the last; targets are every step but the first."""
    return seq[:-1], seq[1:]


one_ahead = tens.map(shift_by_one)
for inputs, targets in one_ahead.take(3):
    print(inputs.numpy(), "->", targets.numpy())


def last_five_are_targets(seq):
    return seq[:-5], seq[-5:]


fifteens = long_range.batch(15, drop_remainder=True)
five_ahead = fifteens.map(last_five_are_targets)
for inputs, targets in five_ahead.take(3):
    print(inputs.numpy(), "->", targets.numpy())

INPUT_LEN, TARGET_LEN = 10, 3
input_blocks = long_range.batch(INPUT_LEN, drop_remainder=True)
target_blocks = long_range.batch(INPUT_LEN).skip(1).map(lambda block: block[:TARGET_LEN])
next_blocks = tf.data.Dataset.zip((input_blocks, target_blocks))
for inputs, targets in next_blocks.take(5):
    print(inputs.numpy(), "->", targets.numpy())

SPAN = 5
sliding = long_range.window(SPAN, shift=1)
for sub in sliding.take(5):
    print(sub)
for value in sliding.flat_map(lambda sub: sub).take(30):
    print(value.numpy(), end=" ")
print()


def window_to_tensor(sub):
    return sub.batch(SPAN, drop_remainder=True)


for window in sliding.flat_map(window_to_tensor).take(5):
    print(window.numpy())


def windowed(source, size=5, shift=1, stride=1):
    """Fixed-size windows of `source` as dense tensors."""
    subs = source.window(size, shift=shift, stride=stride)
    return subs.flat_map(lambda sub: sub.batch(size, drop_remainder=True))


strided = windowed(long_range, size=10, shift=5, stride=3)
for window in strided.take(10):
    print(window.numpy())
strided_pairs = strided.map(shift_by_one)
for inputs, targets in strided_pairs.take(3):
    print(inputs.numpy(), "->", targets.numpy())

# Saving an iterator's position in a checkpoint.
twenty = tf.data.Dataset.range(20)
cursor = iter(twenty)
saver = tf.train.Checkpoint(step=tf.Variable(0), iterator=cursor)
keeper = tf.train.CheckpointManager(saver, "./iterator_ckpt", max_to_keep=3)
print([next(cursor).numpy() for _ in range(5)])
keeper.save()
print([next(cursor).numpy() for _ in range(5)])
saver.restore(keeper.latest_checkpoint)
print([next(cursor).numpy() for _ in range(5)])

COMPAT_RESULTS = {
    "groups": [g for g in tf.data.Dataset.zip((tf.data.Dataset.range(100),
                                               tf.data.Dataset.range(0, -100, -1))).batch(4).take(2)],
    "sevens_spec": str(in_sevens.element_spec),
    "one_ahead": [p for p in one_ahead.take(2)], "five_ahead": [p for p in five_ahead.take(2)],
    "next_blocks": [p for p in next_blocks.take(2)], "strided": [w for w in strided.take(3)],
    "strided_pairs": [p for p in strided_pairs.take(2)],
    "after_restore": [next(cursor).numpy() for _ in range(5)],
}
