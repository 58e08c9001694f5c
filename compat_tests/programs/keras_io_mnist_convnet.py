"""Follows keras-team/keras-io, examples/vision/mnist_convnet.py (commit 02cfe8063b505adc073986c91729f22039f77ad0):
a small two-block convolutional classifier for MNIST digits.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 2 epochs).

Covers: scaling uint8 images to float32 and adding a channel axis with np.expand_dims,
keras.utils.to_categorical one-hot labels, a Sequential of Conv2D(relu) / MaxPooling2D / Flatten /
Dropout / Dense(softmax), summary, compile with categorical_crossentropy / adam / accuracy,
fit with validation_split, evaluate(verbose=0), count_params.
"""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

CLASSES = 10
IMAGE_SHAPE = (28, 28, 1)

(train_x, train_y), (test_x, test_y) = _synthetic.mnist.load_data()
train_x = np.expand_dims(train_x.astype("float32") / 255, axis=-1)
test_x = np.expand_dims(test_x.astype("float32") / 255, axis=-1)
print("training images:", train_x.shape, "| test images:", test_x.shape[0])

train_onehot = keras.utils.to_categorical(train_y, CLASSES)
test_onehot = keras.utils.to_categorical(test_y, CLASSES)


def conv_block(filters):
    """A 3x3 relu convolution followed by 2x2 max pooling."""
    return [layers.Conv2D(filters, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2))]


convnet = keras.Sequential([keras.Input(shape=IMAGE_SHAPE), *conv_block(32), *conv_block(64),
                            layers.Flatten(), layers.Dropout(0.5),
                            layers.Dense(CLASSES, activation="softmax")])
convnet.summary()
convnet.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
convnet.fit(train_x, train_onehot, batch_size=128, epochs=2, validation_split=0.1)

loss_value, accuracy_value = convnet.evaluate(test_x, test_onehot, verbose=0)
print("test loss", loss_value, "test accuracy", accuracy_value)

COMPAT_RESULTS = {"y_train": train_onehot[:3], "params": convnet.count_params(),
                  "test_loss": loss_value, "test_accuracy": accuracy_value}
# Random initial weights and dropout differ between frameworks: the outcome is compared with bounds.
COMPAT_COMPARE = {"test_loss": {"within": 1.0}, "test_accuracy": {"within": 0.5}}
