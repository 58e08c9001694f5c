"""Follows tensorflow/docs, site/en/guide/checkpoint.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
saving and restoring training state with tf.train.Checkpoint and tf.train.CheckpointManager.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: a one-Dense tf.keras.Model subclass trained with Adam(0.1) on a repeating batched dict
dataset; a Checkpoint holding a step Variable, the optimizer, the model and a dataset iterator;
CheckpointManager(max_to_keep=3) saving every 10 steps; restoring into a fresh, unbuilt model
(restoration deferred until its variables are created); manager.checkpoints; restoring a single
bias through stand-in Checkpoint objects, assert_existing_objects_matched and a deferred kernel;
tf.train.load_checkpoint (shape/dtype maps, get_tensor); lists and dicts of variables tracked by a
Checkpoint, restored on assignment and on append.
(The guide's net.save_weights('easy_checkpoint') is left out: Keras 3 cannot save an unbuilt model.)
"""

import numpy as np

import tensorflow as tf


class LinearNet(tf.keras.Model):
    """Five linear outputs from one Dense layer."""

    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(5)

    def call(self, inputs):
        return self.dense(inputs)


def make_examples():
    features = tf.range(10.0)[:, None]
    targets = features * 5.0 + tf.range(5.0)[None, :]
    return tf.data.Dataset.from_tensor_slices({"x": features, "y": targets}).repeat().batch(2)


def step_once(model, batch, optimizer):
    with tf.GradientTape() as rec:
        abs_err = tf.reduce_mean(tf.abs(model(batch["x"]) - batch["y"]))
    params = model.trainable_variables
    optimizer.apply_gradients(zip(rec.gradient(abs_err, params), params))
    return abs_err


def build_state():
    optimizer = tf.keras.optimizers.Adam(0.1)
    model = LinearNet()
    batches = iter(make_examples())
    state = tf.train.Checkpoint(count=tf.Variable(1), optimizer=optimizer, model=model, batches=batches)
    keeper = tf.train.CheckpointManager(state, "./ckpt_dir", max_to_keep=3)
    return optimizer, model, batches, state, keeper


def resume_and_train(optimizer, model, batches, state, keeper, steps=50):
    state.restore(keeper.latest_checkpoint)
    print("resumed from" if keeper.latest_checkpoint else "fresh start", keeper.latest_checkpoint)
    for _ in range(steps):
        err = step_once(model, next(batches), optimizer)
        state.count.assign_add(1)
        if int(state.count) % 10 == 0:
            written = keeper.save()
            print(f"step {int(state.count)} saved to {written}; loss {err.numpy():1.2f}")


resume_and_train(*build_state())

# A second, fresh set of objects picks up where the first run stopped.
opt, model, batches, state, keeper = build_state()
resume_and_train(opt, model, batches, state, keeper)
print(keeper.checkpoints)

# Restore only one bias through stand-in objects with the same paths.
bias_slot = tf.Variable(tf.zeros([5]))
stand_in_layer = tf.train.Checkpoint(bias=bias_slot)
stand_in_root = tf.train.Checkpoint(model=tf.train.Checkpoint(dense=stand_in_layer))
partial = stand_in_root.restore(tf.train.latest_checkpoint("./ckpt_dir/"))
print(bias_slot.numpy())
partial.assert_existing_objects_matched()

kernel_slot = tf.Variable(tf.zeros([1, 5]))
stand_in_layer.kernel = kernel_slot  # restored as soon as it is attached
print(kernel_slot.numpy())

inspector = tf.train.load_checkpoint("./ckpt_dir/")
shapes = inspector.get_variable_to_shape_map()
dtypes = inspector.get_variable_to_dtype_map()
kernel_key = "model/dense/_kernel/.ATTRIBUTES/VARIABLE_VALUE"
print("Shape:", shapes[kernel_key], "Dtype:", dtypes[kernel_key].name)
inspector.get_tensor(kernel_key)

# Containers of variables.
writer = tf.train.Checkpoint()
writer.items = [tf.Variable(1.0)]
writer.items.append(tf.Variable(2.0))
writer.table = {"first": writer.items[0]}
writer.table["second"] = writer.items[1]
container_path = writer.save("./containers")

reader = tf.train.Checkpoint()
second_slot = tf.Variable(0.0)
assert second_slot.numpy() == 0.0
reader.table = {"second": second_slot}
reader.restore(container_path)
assert second_slot.numpy() == 2.0
reader.items = []
print(reader.items)
first_slot = tf.Variable(0.0)
reader.items.append(first_slot)
assert first_slot.numpy() == 1.0

COMPAT_RESULTS = {
    "count": state.count, "checkpoints": keeper.checkpoints, "latest": tf.train.latest_checkpoint("./ckpt_dir/"),
    "bias_restored": bool(np.allclose(bias_slot.numpy(), model.dense.bias.numpy())),
    "kernel_restored": bool(np.allclose(kernel_slot.numpy(), model.dense.kernel.numpy())),
    "keys": sorted(shapes.keys()), "kernel_shape": shapes[kernel_key], "kernel_dtype": dtypes[kernel_key].name,
    "first_slot": first_slot, "second_slot": second_slot,
    "final_loss": step_once(model, next(batches), opt),
}
# Dense initialisation differs between frameworks: the loss after 100 Adam steps is compared with bounds.
COMPAT_COMPARE = {"final_loss": {"below": 3.0, "within": 2.5}}
