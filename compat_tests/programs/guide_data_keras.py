"""tf.data with tf.keras: fit, evaluate and predict on datasets (TF guide).

Source: tensorflow/docs, site/en/guide/data.ipynb (code cells 0,115-122), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - cell 1's `import numpy as np` kept (cell 115 uses np)
  - cell 115: tf.keras.datasets.fashion_mnist.load_data() -> `_synthetic.fashion_mnist.load_data()` (same shapes and
    dtypes, 256 training examples: 8 batches of 32)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1] (its NumPy import)
import numpy as np

# [cell 115]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
train, test = _synthetic.fashion_mnist.load_data()

images, labels = train
images = images/255.0
labels = labels.astype(np.int32)

# [cell 116]
fmnist_train_ds = tf.data.Dataset.from_tensor_slices((images, labels))
fmnist_train_ds = fmnist_train_ds.shuffle(5000).batch(32)

model = tf.keras.Sequential([
  tf.keras.layers.Flatten(),
  tf.keras.layers.Dense(10)
])

model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

# [cell 117]
model.fit(fmnist_train_ds, epochs=2)

# [cell 118]
model.fit(fmnist_train_ds.repeat(), epochs=2, steps_per_epoch=20)

# [cell 119]
loss, accuracy = model.evaluate(fmnist_train_ds)
print("Loss :", loss)
print("Accuracy :", accuracy)

# [cell 120]
loss, accuracy = model.evaluate(fmnist_train_ds.repeat(), steps=10)
print("Loss :", loss)
print("Accuracy :", accuracy)

# [cell 121]
predict_ds = tf.data.Dataset.from_tensor_slices(images).batch(32)
result = model.predict(predict_ds, steps = 10)
print(result.shape)

# [cell 122]
result = model.predict(fmnist_train_ds, steps = 10)
print(result.shape)

# [added for the compat suite]
COMPAT_RESULTS = {"loss": loss, "accuracy": accuracy, "predict_shape": result.shape,
                  "history_keys": sorted(model.history.history) if model.history else None}
COMPAT_COMPARE = {"loss": {"below": 0.5, "within": 0.4}, "accuracy": {"above": 0.85, "within": 0.15}}
