"""Load NumPy data (TF tutorial).

Source: tensorflow/docs, site/en/tutorials/load_data/numpy.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cell 1: get_file + np.load of mnist.npz -> `_synthetic.mnist.load_data()` (same arrays' shapes and dtypes, 256/64 examples)
  - cell 5: epochs 10 -> 3
  - cell 6: the evaluate result kept as `evaluation`
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
 
import numpy as np
import tensorflow as tf

# [cell 1]
DATA_URL = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz'

from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(train_examples, train_labels), (test_examples, test_labels) = _synthetic.mnist.load_data()

# [cell 2]
train_dataset = tf.data.Dataset.from_tensor_slices((train_examples, train_labels))
test_dataset = tf.data.Dataset.from_tensor_slices((test_examples, test_labels))

# [cell 3]
BATCH_SIZE = 64
SHUFFLE_BUFFER_SIZE = 100

train_dataset = train_dataset.shuffle(SHUFFLE_BUFFER_SIZE).batch(BATCH_SIZE)
test_dataset = test_dataset.batch(BATCH_SIZE)

# [cell 4]
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])

model.compile(optimizer=tf.keras.optimizers.RMSprop(),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['sparse_categorical_accuracy'])

# [cell 5]
model.fit(train_dataset, epochs=3)

# [cell 6]
evaluation = model.evaluate(test_dataset)

# [added for the compat suite]
COMPAT_RESULTS = {"test_loss": evaluation[0], "test_accuracy": evaluation[1],
                  "train_batches": len(list(train_dataset)), "element_spec": str(test_dataset.element_spec)}
# The tutorial feeds unscaled uint8 pixels, so the loss swings (1e-9 to 14 on TF alone): compared by kind only.
COMPAT_COMPARE = {"test_loss": {"shape_only": True}, "test_accuracy": {"within": 0.5}}
