"""tf.data: batching, padded batches, time-series windows, iterator checkpoints (TF guide).

Source: tensorflow/docs, site/en/guide/data.ipynb (code cells 0,61-64,91-101,114), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cell 97: the cell's one-space indentation removed (IPython dedents it; Python does not)
  - cell 114: '/tmp/my_ckpt' -> './my_ckpt' (each run has its own working directory; both backends run at once)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 61]
inc_dataset = tf.data.Dataset.range(100)
dec_dataset = tf.data.Dataset.range(0, -100, -1)
dataset = tf.data.Dataset.zip((inc_dataset, dec_dataset))
batched_dataset = dataset.batch(4)

for batch in batched_dataset.take(4):
  print([arr.numpy() for arr in batch])

# [cell 62]
batched_dataset

# [cell 63]
batched_dataset = dataset.batch(7, drop_remainder=True)
batched_dataset

# [cell 64]
dataset = tf.data.Dataset.range(100)
dataset = dataset.map(lambda x: tf.fill([tf.cast(x, tf.int32)], x))
dataset = dataset.padded_batch(4, padded_shapes=(None,))

for batch in dataset.take(2):
  print(batch.numpy())
  print()

# [cell 91]
range_ds = tf.data.Dataset.range(100000)

# [cell 92]
batches = range_ds.batch(10, drop_remainder=True)

for batch in batches.take(5):
  print(batch.numpy())

# [cell 93]
def dense_1_step(batch):
  # Shift features and labels one step relative to each other.
  return batch[:-1], batch[1:]

predict_dense_1_step = batches.map(dense_1_step)

for features, label in predict_dense_1_step.take(3):
  print(features.numpy(), " => ", label.numpy())

# [cell 94]
batches = range_ds.batch(15, drop_remainder=True)

def label_next_5_steps(batch):
  return (batch[:-5],   # Inputs: All except the last 5 steps
          batch[-5:])   # Labels: The last 5 steps

predict_5_steps = batches.map(label_next_5_steps)

for features, label in predict_5_steps.take(3):
  print(features.numpy(), " => ", label.numpy())

# [cell 95]
feature_length = 10
label_length = 3

features = range_ds.batch(feature_length, drop_remainder=True)
labels = range_ds.batch(feature_length).skip(1).map(lambda labels: labels[:label_length])

predicted_steps = tf.data.Dataset.zip((features, labels))

for features, label in predicted_steps.take(5):
  print(features.numpy(), " => ", label.numpy())

# [cell 96]
window_size = 5

windows = range_ds.window(window_size, shift=1)
for sub_ds in windows.take(5):
  print(sub_ds)

# [cell 97]
for x in windows.flat_map(lambda x: x).take(30):
  print(x.numpy(), end=' ')

# [cell 98]
def sub_to_batch(sub):
  return sub.batch(window_size, drop_remainder=True)

for example in windows.flat_map(sub_to_batch).take(5):
  print(example.numpy())

# [cell 99]
def make_window_dataset(ds, window_size=5, shift=1, stride=1):
  windows = ds.window(window_size, shift=shift, stride=stride)

  def sub_to_batch(sub):
    return sub.batch(window_size, drop_remainder=True)

  windows = windows.flat_map(sub_to_batch)
  return windows

# [cell 100]
ds = make_window_dataset(range_ds, window_size=10, shift = 5, stride=3)

for example in ds.take(10):
  print(example.numpy())

# [cell 101]
dense_labels_ds = ds.map(dense_1_step)

for inputs,labels in dense_labels_ds.take(3):
  print(inputs.numpy(), "=>", labels.numpy())

# [cell 114]
range_ds = tf.data.Dataset.range(20)

iterator = iter(range_ds)
ckpt = tf.train.Checkpoint(step=tf.Variable(0), iterator=iterator)
manager = tf.train.CheckpointManager(ckpt, './my_ckpt', max_to_keep=3)

print([next(iterator).numpy() for _ in range(5)])

save_path = manager.save()

print([next(iterator).numpy() for _ in range(5)])

ckpt.restore(manager.latest_checkpoint)

print([next(iterator).numpy() for _ in range(5)])

# [added for the compat suite]
COMPAT_RESULTS = {
    "batches": [b for b in tf.data.Dataset.zip((tf.data.Dataset.range(100), tf.data.Dataset.range(0, -100, -1))).batch(4).take(2)],
    "batched_spec": str(batched_dataset.element_spec),
    "dense_1_step": [f for f in predict_dense_1_step.take(2)], "predict_5_steps": [f for f in predict_5_steps.take(2)],
    "predicted_steps": [f for f in predicted_steps.take(2)], "windows": [e for e in ds.take(3)],
    "dense_labels": [f for f in dense_labels_ds.take(2)],
    "restored_next": [next(iterator).numpy() for _ in range(5)],
}
