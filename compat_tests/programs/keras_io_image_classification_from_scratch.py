"""Follows keras-team/keras-io, examples/vision/image_classification_from_scratch.py (commit 0e918412690b44285f82f699ce19d919fb14cee2):
an image classifier trained from scratch on JPEG files in class folders, with preprocessing layers
for augmentation and a small Xception-like network.
Written for tapejax's compat suite (not a copy of the example's code). Changes: the Kaggle Cats vs
Dogs download is replaced by _synthetic.write_pet_images (40 48x48 JPEGs per class, warm- or
cool-toned, plus one file per class without a JFIF header); image_size (180, 180) -> (32, 32),
batch_size 128 -> 16, the block sizes [128, 256, 512, 728] -> [16, 32] and the last SeparableConv2D
1024 -> 64 filters, epochs 25 -> 2; plots and plot_model are left out, fit runs with verbose=0.

Covers: tf.compat.as_bytes and a JFIF header check deleting files,
tf.keras.preprocessing.image_dataset_from_directory(validation_split=0.2, subset="both", seed=...,
image_size=..., batch_size=...), RandomFlip("horizontal") and RandomRotation(0.1) in a Sequential
called on a batch, Dataset.prefetch, a functional model with Rescaling, Conv2D(strides=2),
BatchNormalization, Activation, SeparableConv2D, MaxPooling2D(3, strides=2, padding="same"),
layers.add residuals, GlobalAveragePooling2D, Dropout and a sigmoid Dense; map(num_parallel_calls=
AUTOTUNE) applying the augmentation, keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras"),
compile(jit_compile=True), fit with validation_data, keras.preprocessing.image.load_img(target_size=)
and img_to_array, tf.expand_dims and predict.
"""

import os

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

_synthetic.write_pet_images("PetImages")

num_skipped = 0
for folder_name in ("Cat", "Dog"):
    folder_path = os.path.join("PetImages", folder_name)
    for fname in sorted(os.listdir(folder_path)):
        fpath = os.path.join(folder_path, fname)
        try:
            fobj = open(fpath, "rb")
            is_jfif = tf.compat.as_bytes("JFIF") in fobj.peek(10)
        finally:
            fobj.close()
        if not is_jfif:
            num_skipped += 1
            os.remove(fpath)
print("Deleted %d images" % num_skipped)

image_size = (32, 32)
batch_size = 16
train_ds, val_ds = tf.keras.preprocessing.image_dataset_from_directory(
    "PetImages", validation_split=0.2, subset="both", seed=1337, image_size=image_size, batch_size=batch_size)
print(train_ds.class_names, train_ds.cardinality().numpy(), val_ds.cardinality().numpy())

for images, labels in train_ds.take(1):
    first_batch = (images.shape, images.dtype, labels.dtype, [int(labels[i]) >= 0 for i in range(9)])

data_augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
for images, _ in train_ds.take(1):
    for i in range(9):
        augmented_images = data_augmentation(images)
augmented_first = augmented_images[0].numpy().astype("uint8")

train_ds = train_ds.prefetch(buffer_size=32)
val_ds = val_ds.prefetch(buffer_size=32)


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(16, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(64, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        activation = "sigmoid"
        units = 1
    else:
        activation = "softmax"
        units = num_classes
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(units, activation=activation)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=2)
layer_types = sorted({type(layer).__name__ for layer in model.layers})

train_ds = train_ds.map(lambda img, label: (data_augmentation(img), label), num_parallel_calls=tf.data.AUTOTUNE)
train_ds = train_ds.prefetch(tf.data.AUTOTUNE)

epochs = 2
callbacks = [keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras")]
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"],
              jit_compile=True)
history = model.fit(train_ds, epochs=epochs, callbacks=callbacks, validation_data=val_ds, verbose=0)

img = keras.preprocessing.image.load_img("PetImages/Cat/7.jpg", target_size=image_size)
img_array = keras.preprocessing.image.img_to_array(img)
img_array = tf.expand_dims(img_array, 0)
predictions = model.predict(img_array, verbose=0)
score = float(predictions[0][0])
print(f"This image is {100 * (1 - score):.2f}% cat and {100 * score:.2f}% dog.")

COMPAT_RESULTS = {
    "num_skipped": num_skipped, "first_batch": first_batch, "augmented_shape": augmented_first.shape,
    "layer_types": layer_types, "param_count": model.count_params(), "history_keys": sorted(history.history),
    "accuracy": history.history["accuracy"][-1], "val_loss": history.history["val_loss"][-1], "checkpoints": sorted(f for f in os.listdir(".") if f.endswith(".keras")),
    "img_array": img_array, "predictions_shape": predictions.shape, "score_in_range": 0.0 <= score <= 1.0,
}
# Which files fall in the validation split follows Keras' seeded shuffle of the file list (the same
# on both); augmentation draws, initial weights and dropout differ, so the training outcome is a
# bound (chance is 0.5; the classes differ by their colour tone). After 8 steps BatchNormalization's
# moving statistics have barely moved, so validation predictions sit near 0.5: its accuracy at the
# 0.5 threshold flips between runs; its loss stays below chance's ln 2 = 0.693 plus a margin.
# load_img decodes with PIL on both.
COMPAT_COMPARE = {"accuracy": {"above": 0.6}, "val_loss": {"below": 0.75}}
