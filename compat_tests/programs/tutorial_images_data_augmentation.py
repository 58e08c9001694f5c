"""Follows tensorflow/docs, site/en/tutorials/images/data_augmentation.ipynb (commit 7c3650212740204359d4ceae481abc79345541be),
the Keras preprocessing layers part: resizing and rescaling layers, a RandomFlip + RandomRotation
augmentation model applied repeatedly to one image, the two ways to use the layers (inside the model;
mapped over a tf.data pipeline), a small CNN trained on the prepared datasets, and a custom
augmentation as a Lambda layer and as a Layer subclass.
Written for tapejax's compat suite (not a copy of the tutorial's code). tfds' tf_flowers download is
replaced by synthetic 5-class uint8 images (72x72x3: a 3x downscale, so resizing reads pixels exactly)
in tf.data datasets of (image, int64 label), split 80/10/10; sizes shrunk (IMG_SIZE 24, 120 images,
batch 16, 2 epochs). The plots are left out (their loops keep the calls and record what they show).
TF 2.21's Keras has no `layers.experimental.preprocessing`: the layers are `layers.Resizing`, ...;
Option 1's model holds copies of the two Sequentials (TF 2.21 cannot rebuild the tutorial's, see there);
the augmentation map runs sequentially, not prefetched (a tapejax engine race, see prepare()).

Covers: layers.Resizing / Rescaling in a Sequential called on a uint8 image (min and max printed),
Sequential([RandomFlip("horizontal_and_vertical"), RandomRotation(0.2)]) called directly on a batch of
one (it augments: Keras' call default is training=True), a model holding both Sequentials before
Conv2D/MaxPooling2D, Dataset.map with the layers (training=True), shuffle/batch/prefetch(AUTOTUNE),
compile/fit with validation_data/evaluate, layers.Lambda around a Python `if tf.random.uniform([]) < p`,
and a Layer subclass doing the same.
"""

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

rng = np.random.default_rng(21)
templates = rng.integers(0, 256, size=(5, 72, 72, 3))
labels = rng.integers(0, 5, size=120)
pictures = (0.75 * templates[labels] + 0.25 * rng.integers(0, 256, size=(120, 72, 72, 3))).astype("uint8")
flowers = tf.data.Dataset.from_tensor_slices((pictures, labels.astype("int64")))
train_ds, val_ds, test_ds = flowers.take(96), flowers.skip(96).take(12), flowers.skip(108)

num_classes = 5
print(num_classes)

image, label = next(iter(train_ds))
first_label = int(label)

# Resizing and rescaling
IMG_SIZE = 24

resize_and_rescale = tf.keras.Sequential([
    layers.Resizing(IMG_SIZE, IMG_SIZE),
    layers.Rescaling(1. / 255),
])

result = resize_and_rescale(image)
print("Min and max pixel values:", result.numpy().min(), result.numpy().max())

# Data augmentation: the same image, augmented repeatedly
data_augmentation = tf.keras.Sequential([
    layers.RandomFlip("horizontal_and_vertical"),
    layers.RandomRotation(0.2),
])

image = tf.expand_dims(image, 0)  # a batch of one

shown = []
for i in range(9):
    augmented_image = data_augmentation(image)
    shown.append(augmented_image[0])
in_range = all(float(tf.reduce_min(a)) >= 0.0 and float(tf.reduce_max(a)) <= 255.0 for a in shown)
changed = any(not np.array_equal(a.numpy(), image[0].numpy()) for a in shown)

# Option 1: the preprocessing layers inside the model. (TF 2.21 refuses the tutorial's reuse of the two
# Sequentials here: resize_and_rescale was built on an unbatched image, data_augmentation on a batch,
# and Keras 3 rebuilds the new Sequential from them; copies of the same layers are used instead.)
option_one = tf.keras.Sequential([
    tf.keras.Sequential([layers.Resizing(IMG_SIZE, IMG_SIZE), layers.Rescaling(1. / 255)]),
    tf.keras.Sequential([layers.RandomFlip("horizontal_and_vertical"), layers.RandomRotation(0.2)]),
    layers.Conv2D(16, 3, padding='same', activation='relu'),
    layers.MaxPooling2D(),
])
option_one_out = option_one(image)

# Option 2: the preprocessing layers mapped over the dataset
aug_ds = train_ds.map(lambda x, y: (resize_and_rescale(x, training=True), y))
aug_image, aug_label = next(iter(aug_ds))

batch_size = 16
AUTOTUNE = tf.data.AUTOTUNE


def prepare(ds, shuffle=False, augment=False):
    ds = ds.map(lambda x, y: (resize_and_rescale(x), y), num_parallel_calls=AUTOTUNE)
    if shuffle:
        ds = ds.shuffle(1000)
    ds = ds.batch(batch_size)
    if augment:
        # (sequential, and not prefetched below: concurrent calls race on the layers' seed Variables
        # in tapejax, a known engine gap carried by the compat test
        # test_augmentation_mapped_over_a_prefetched_dataset_for_many_epochs)
        return ds.map(lambda x, y: (data_augmentation(x, training=True), y))
    return ds.prefetch(buffer_size=AUTOTUNE)


train_ds = prepare(train_ds, shuffle=True, augment=True)
val_ds = prepare(val_ds)
test_ds = prepare(test_ds)
train_batch, train_batch_labels = next(iter(train_ds))

# Train a model
model = tf.keras.Sequential([
    layers.Conv2D(16, 3, padding='same', activation='relu'),
    layers.MaxPooling2D(),
    layers.Conv2D(32, 3, padding='same', activation='relu'),
    layers.MaxPooling2D(),
    layers.Conv2D(64, 3, padding='same', activation='relu'),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(128, activation='relu'),
    layers.Dense(num_classes),
])
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])
epochs = 2
history = model.fit(train_ds, validation_data=val_ds, epochs=epochs)
loss, acc = model.evaluate(test_ds)
print("Accuracy", acc)


# Custom data augmentation
def random_invert_img(x, p=0.5):
    if tf.random.uniform([]) < p:
        x = (255 - x)
    else:
        x
    return x


def random_invert(factor=0.5):
    return layers.Lambda(lambda x: random_invert_img(x, factor))


random_invert = random_invert()

inverted = []
for i in range(9):
    augmented_image = random_invert(image)
    inverted.append(augmented_image[0].numpy().astype("uint8"))
original = image[0].numpy()
invert_ok = all(np.array_equal(a, original) or np.array_equal(a, 255 - original) for a in inverted)


class RandomInvert(layers.Layer):
    def __init__(self, factor=0.5, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return random_invert_img(x)


subclass_out = RandomInvert()(image)[0]

COMPAT_RESULTS = {
    "num_classes": num_classes, "image_shape": tuple(image.shape), "first_label": first_label,
    "result": result, "result_min_max": (float(result.numpy().min()), float(result.numpy().max())),
    "augmented_shapes": [tuple(a.shape) for a in shown], "augmented_dtype": shown[0].dtype.name,
    "augmented_in_range": in_range, "augmented_changed": changed,
    "option_one_shape": tuple(option_one_out.shape), "aug_image": aug_image, "aug_label": aug_label,
    "train_batch_shape": tuple(train_batch.shape), "train_batch_dtype": train_batch.dtype.name,
    "history_keys": sorted(history.history), "epochs": len(history.history["loss"]),
    "test_loss": loss, "test_accuracy": acc, "invert_ok": invert_ok,
    "subclass_shape": tuple(subclass_out.shape),
}
# The augmentations draw different random numbers on each framework, and so does the model's
# initialisation: the training outcome is compared by kind and shape; everything deterministic exactly.
COMPAT_COMPARE = {"test_loss": {"shape_only": True}, "test_accuracy": {"shape_only": True}}
