"""Random number generation (TF guide): generators, seeds, tf.function and checkpoints (the non-distributed cells).

Source: tensorflow/docs, site/en/guide/random_numbers.ipynb (code cells 0-10, 14-16 and 26; cells 11-13 and 17-25 use tf.distribute.MirroredStrategy and
tf.saved_model across strategies and are left out, as are cell 0's virtual-device lines), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0] (its import only; the virtual CPU devices it makes are for the distributed cells, left out)
import tensorflow as tf

# [cell 1]
g1 = tf.random.Generator.from_seed(1)
print(g1.normal(shape=[2, 3]))
g2 = tf.random.get_global_generator()
print(g2.normal(shape=[2, 3]))

# [cell 2]
g1 = tf.random.Generator.from_seed(1, alg='philox')
print(g1.normal(shape=[2, 3]))

# [cell 3]
g = tf.random.Generator.from_non_deterministic_state()
print(g.normal(shape=[2, 3]))

# [cell 4]
g = tf.random.Generator.from_seed(1)
print(g.normal([]))
print(g.normal([]))
g.reset_from_seed(1)
print(g.normal([]))

# [cell 5]
g = tf.random.Generator.from_seed(1)
print(g.normal([]))
new_gs = g.split(3)
for new_g in new_gs:
  print(new_g.normal([]))
print(g.normal([]))

# [cell 6]
with tf.device("cpu"):  # change "cpu" to the device you want
  g = tf.random.get_global_generator().split(1)[0]  
  print(g.normal([]))  # use of g won't cause cross-device copy, unlike the global generator

# [cell 7]
g = tf.random.Generator.from_seed(1)
@tf.function
def foo():
  return g.normal([])
print(foo())

# [cell 8]
g = None
@tf.function
def foo():
  global g
  if g is None:
    g = tf.random.Generator.from_seed(1)
  return g.normal([])
print(foo())
print(foo())

# [cell 9]
num_traces = 0
@tf.function
def foo(g):
  global num_traces
  num_traces += 1
  return g.normal([])
foo(tf.random.Generator.from_seed(1))
foo(tf.random.Generator.from_seed(2))
print(num_traces)

# [cell 10]
num_traces = 0
@tf.function
def foo(v):
  global num_traces
  num_traces += 1
  return v.read_value()
foo(tf.Variable(1))
foo(tf.Variable(2))
print(num_traces)

# [cell 14]
filename = "./checkpoint"
g = tf.random.Generator.from_seed(1)
cp = tf.train.Checkpoint(generator=g)
print(g.normal([]))

# [cell 15]
cp.write(filename)
print("RNG stream from saving point:")
print(g.normal([]))
print(g.normal([]))

# [cell 16]
cp.restore(filename)
print("RNG stream from restoring point:")
print(g.normal([]))
print(g.normal([]))

# [cell 26]
print(tf.random.stateless_normal(shape=[2, 3], seed=[1, 2]))
print(tf.random.stateless_normal(shape=[2, 3], seed=[1, 2]))

# [added for the compat suite]
_g = tf.random.Generator.from_seed(1)
_first = _g.normal([]); _g.normal([]); _g.reset_from_seed(1)
_cp_g = tf.random.Generator.from_seed(1)
_cp = tf.train.Checkpoint(generator=_cp_g)
_cp.write("./checkpoint2"); _after = [_cp_g.normal([]), _cp_g.normal([])]; _cp.restore("./checkpoint2")
COMPAT_RESULTS = {
    "reset_repeats": bool(_g.normal([]) == _first),
    "restore_repeats": [bool(_cp_g.normal([]) == _after[0]), bool(_cp_g.normal([]) == _after[1])],
    "split_count": len(tf.random.Generator.from_seed(1).split(3)),
    "num_traces": num_traces, "normal_shape": g1.normal(shape=[2, 3]),
    "stateless_repeats": bool(tf.reduce_all(tf.random.stateless_normal(shape=[2, 3], seed=[1, 2])
                                            == tf.random.stateless_normal(shape=[2, 3], seed=[1, 2]))),
}
# Each framework has its own random streams: properties of the streams are compared, not the numbers.
COMPAT_COMPARE = {"normal_shape": {"shape_only": True}}
