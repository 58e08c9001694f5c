"""Follows tensorflow/docs, site/en/guide/random_numbers.ipynb (commit 7c3650212740204359d4ceae481abc79345541be),
its non-distributed sections: tf.random.Generator, seeding, splitting, tf.function use, checkpointing, stateless ops.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk. The guide's tf.distribute strategy cells (and the
virtual devices they need) are left out.

Covers: Generator.from_seed (default and alg='philox'), tf.random.get_global_generator,
from_non_deterministic_state; reset_from_seed; split; a split generator under tf.device("cpu");
a generator captured by a tf.function, created lazily inside one, and passed as an argument
(retracing per generator, compared with per-variable tracing); a tf.train.Checkpoint holding a
generator, written and restored to replay the stream; tf.random.stateless_normal with a fixed seed.
"""

import tensorflow as tf

seeded = tf.random.Generator.from_seed(1)
print(seeded.normal(shape=[2, 3]))
shared = tf.random.get_global_generator()
print(shared.normal(shape=[2, 3]))
philox = tf.random.Generator.from_seed(1, alg="philox")
print(philox.normal(shape=[2, 3]))
entropy = tf.random.Generator.from_non_deterministic_state()
print(entropy.normal(shape=[2, 3]))

rng = tf.random.Generator.from_seed(1)
print(rng.normal([]), rng.normal([]))
rng.reset_from_seed(1)
print(rng.normal([]))

rng = tf.random.Generator.from_seed(1)
print(rng.normal([]))
children = rng.split(3)
for child in children:
    print(child.normal([]))
print(rng.normal([]))

with tf.device("cpu"):
    local = tf.random.get_global_generator().split(1)[0]
    print(local.normal([]))

captured = tf.random.Generator.from_seed(1)


@tf.function
def draw_captured():
    return captured.normal([])


print(draw_captured())

lazy = None


@tf.function
def draw_lazy():
    global lazy
    if lazy is None:
        lazy = tf.random.Generator.from_seed(1)
    return lazy.normal([])


print(draw_lazy())
print(draw_lazy())

trace_count = 0


@tf.function
def draw_from(gen):
    global trace_count
    trace_count += 1
    return gen.normal([])


draw_from(tf.random.Generator.from_seed(1))
draw_from(tf.random.Generator.from_seed(2))
print("traces with generators:", trace_count)

trace_count = 0


@tf.function
def read_it(var):
    global trace_count
    trace_count += 1
    return var.read_value()


read_it(tf.Variable(1))
read_it(tf.Variable(2))
print("traces with variables:", trace_count)

CKPT = "./rng_state"
saved_rng = tf.random.Generator.from_seed(1)
rng_ckpt = tf.train.Checkpoint(generator=saved_rng)
print(saved_rng.normal([]))
rng_ckpt.write(CKPT)
after_save = [saved_rng.normal([]), saved_rng.normal([])]
print("after saving:", after_save)
rng_ckpt.restore(CKPT)
after_restore = [saved_rng.normal([]), saved_rng.normal([])]
print("after restoring:", after_restore)

print(tf.random.stateless_normal(shape=[2, 3], seed=[1, 2]))
print(tf.random.stateless_normal(shape=[2, 3], seed=[1, 2]))

replay = tf.random.Generator.from_seed(1)
first_draw = replay.normal([])
replay.normal([])
replay.reset_from_seed(1)
COMPAT_RESULTS = {
    "reset_repeats": bool(replay.normal([]) == first_draw),
    "restore_repeats": [bool(a == b) for a, b in zip(after_save, after_restore)],
    "split_count": len(tf.random.Generator.from_seed(1).split(3)),
    "trace_count": trace_count, "normal_shape": seeded.normal(shape=[2, 3]),
    "stateless_repeats": bool(tf.reduce_all(tf.random.stateless_normal(shape=[2, 3], seed=[1, 2])
                                            == tf.random.stateless_normal(shape=[2, 3], seed=[1, 2]))),
}
# Each framework has its own random streams: properties of the streams are compared, not the numbers.
COMPAT_COMPARE = {"normal_shape": {"shape_only": True}}
