"""Training checkpoints (TF guide).

Source: tensorflow/docs, site/en/guide/checkpoint.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 11 (1)
  - cell 3 removed: net.save_weights('easy_checkpoint') raises on TF 2.21 (Keras 3 wants a '.weights.h5' name and a
    built model)
  - cell 16: key 'net/l1/kernel/...' -> 'net/l1/_kernel/...' (TF 2.21's Keras 3 Dense saves its kernel as `_kernel`;
    the original key raises KeyError on real TF)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1]
class Net(tf.keras.Model):
  """A simple linear model."""

  def __init__(self):
    super(Net, self).__init__()
    self.l1 = tf.keras.layers.Dense(5)

  def call(self, x):
    return self.l1(x)

# [cell 2]
net = Net()

# [cell 3] removed: Keras 3 in TF 2.21 cannot save the weights of an unbuilt model (ValueError on real TF)

# [cell 4]
def toy_dataset():
  inputs = tf.range(10.)[:, None]
  labels = inputs * 5. + tf.range(5.)[None, :]
  return tf.data.Dataset.from_tensor_slices(
    dict(x=inputs, y=labels)).repeat().batch(2)

# [cell 5]
def train_step(net, example, optimizer):
  """Trains `net` on `example` using `optimizer`."""
  with tf.GradientTape() as tape:
    output = net(example['x'])
    loss = tf.reduce_mean(tf.abs(output - example['y']))
  variables = net.trainable_variables
  gradients = tape.gradient(loss, variables)
  optimizer.apply_gradients(zip(gradients, variables))
  return loss

# [cell 6]
opt = tf.keras.optimizers.Adam(0.1)
dataset = toy_dataset()
iterator = iter(dataset)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net, iterator=iterator)
manager = tf.train.CheckpointManager(ckpt, './tf_ckpts', max_to_keep=3)

# [cell 7]
def train_and_checkpoint(net, manager):
  ckpt.restore(manager.latest_checkpoint)
  if manager.latest_checkpoint:
    print("Restored from {}".format(manager.latest_checkpoint))
  else:
    print("Initializing from scratch.")

  for _ in range(50):
    example = next(iterator)
    loss = train_step(net, example, opt)
    ckpt.step.assign_add(1)
    if int(ckpt.step) % 10 == 0:
      save_path = manager.save()
      print("Saved checkpoint for step {}: {}".format(int(ckpt.step), save_path))
      print("loss {:1.2f}".format(loss.numpy()))

# [cell 8]
train_and_checkpoint(net, manager)

# [cell 9]
opt = tf.keras.optimizers.Adam(0.1)
net = Net()
dataset = toy_dataset()
iterator = iter(dataset)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net, iterator=iterator)
manager = tf.train.CheckpointManager(ckpt, './tf_ckpts', max_to_keep=3)

train_and_checkpoint(net, manager)

# [cell 10]
print(manager.checkpoints)  # List the three remaining checkpoints

# [cell 11]


# [cell 12]
to_restore = tf.Variable(tf.zeros([5]))
print(to_restore.numpy())  # All zeros
fake_layer = tf.train.Checkpoint(bias=to_restore)
fake_net = tf.train.Checkpoint(l1=fake_layer)
new_root = tf.train.Checkpoint(net=fake_net)
status = new_root.restore(tf.train.latest_checkpoint('./tf_ckpts/'))
print(to_restore.numpy())  # This gets the restored value.

# [cell 13]
status.assert_existing_objects_matched()

# [cell 14]
deferred_restore = tf.Variable(tf.zeros([1, 5]))
print(deferred_restore.numpy())  # Not restored; still zeros
fake_layer.kernel = deferred_restore
print(deferred_restore.numpy())  # Restored

# [cell 15]
reader = tf.train.load_checkpoint('./tf_ckpts/')
shape_from_key = reader.get_variable_to_shape_map()
dtype_from_key = reader.get_variable_to_dtype_map()

sorted(shape_from_key.keys())

# [cell 16]
key = 'net/l1/_kernel/.ATTRIBUTES/VARIABLE_VALUE'

print("Shape:", shape_from_key[key])
print("Dtype:", dtype_from_key[key].name)

# [cell 17]
reader.get_tensor(key)

# [cell 18]
save = tf.train.Checkpoint()
save.listed = [tf.Variable(1.)]
save.listed.append(tf.Variable(2.))
save.mapped = {'one': save.listed[0]}
save.mapped['two'] = save.listed[1]
save_path = save.save('./tf_list_example')

restore = tf.train.Checkpoint()
v2 = tf.Variable(0.)
assert 0. == v2.numpy()  # Not restored yet
restore.mapped = {'two': v2}
restore.restore(save_path)
assert 2. == v2.numpy()

# [cell 19]
restore.listed = []
print(restore.listed)  # ListWrapper([])
v1 = tf.Variable(0.)
restore.listed.append(v1)  # Restores v1, from restore() in the previous cell
assert 1. == v1.numpy()

# [added for the compat suite]
import numpy as np
COMPAT_RESULTS = {
    "step": ckpt.step, "checkpoints": manager.checkpoints, "latest": tf.train.latest_checkpoint('./tf_ckpts/'),
    "bias_restored": bool(np.allclose(to_restore.numpy(), net.l1.bias.numpy())),
    "kernel_restored": bool(np.allclose(deferred_restore.numpy(), net.l1.kernel.numpy())),
    "keys": sorted(shape_from_key.keys()), "kernel_shape": shape_from_key[key], "kernel_dtype": dtype_from_key[key].name,
    "v1": v1, "v2": v2, "loss": loss if "loss" in dir() else None,
    "final_loss": train_step(net, next(iterator), opt),
}
# Dense initialisation differs between frameworks: the loss after 100 Adam steps is compared with bounds.
COMPAT_COMPARE = {"final_loss": {"below": 3.0, "within": 2.5}}
