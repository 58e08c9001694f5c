"""Follows keras-team/keras-io, examples/vision/autoencoder.py (commit 28033e1c219da0430c695fdcbee81552b8c5f594):
a convolutional autoencoder for MNIST digits, trained first to reconstruct clean images and then to
denoise images with added Gaussian noise.
Written for tapejax's compat suite (not a copy of the example's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk (256/64 images, 50 and 100 epochs -> 3 each, batch size
128 -> 32 so that the few images still make a dozen steps); the
matplotlib display of ten random images is left out.

Covers: NumPy preprocessing (float32 scaling, reshape to (n, 28, 28, 1)), NumPy noise clipped to
[0, 1] (float64 inputs), a functional Model of Conv2D(relu, padding="same") / MaxPooling2D(padding=
"same") / UpSampling2D / Conv2D(sigmoid) from tensorflow.keras.models / tensorflow.keras.layers
imports, compile(optimizer="adam", loss="binary_crossentropy"), summary, fit(x, y, shuffle=True,
validation_data=...) on clean and on noisy inputs, predict.
"""

import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Conv2D, Input, MaxPooling2D, UpSampling2D
from tensorflow.keras.models import Model

from compat_tests.programs import _synthetic


def preprocess(images):
    """Scales uint8 digits to [0, 1] float32 and adds the channel axis."""
    return np.reshape(images.astype("float32") / 255.0, (len(images), 28, 28, 1))


def add_noise(images, noise_factor=0.4):
    """The images plus Gaussian noise (NumPy's global generator), clipped back to [0, 1]."""
    noisy = images + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=images.shape)
    return np.clip(noisy, 0.0, 1.0)


(train_images, _), (test_images, _) = _synthetic.mnist.load_data()
train_images = preprocess(train_images)
test_images = preprocess(test_images)
noisy_train_images = add_noise(train_images)
noisy_test_images = add_noise(test_images)
print("noisy dtype:", noisy_train_images.dtype, "range:", noisy_train_images.min(), noisy_train_images.max())

inputs = Input(shape=(28, 28, 1))
x = Conv2D(32, (3, 3), activation="relu", padding="same")(inputs)
x = MaxPooling2D((2, 2), padding="same")(x)
x = Conv2D(32, (3, 3), activation="relu", padding="same")(x)
x = MaxPooling2D((2, 2), padding="same")(x)
x = Conv2D(32, (3, 3), activation="relu", padding="same")(x)
x = UpSampling2D((2, 2))(x)
x = Conv2D(32, (3, 3), activation="relu", padding="same")(x)
x = UpSampling2D((2, 2))(x)
x = Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

autoencoder = Model(inputs, x)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()

clean_history = autoencoder.fit(x=train_images, y=train_images, epochs=3, batch_size=32, shuffle=True,
                                validation_data=(test_images, test_images))
predictions = autoencoder.predict(test_images)

noisy_history = autoencoder.fit(x=noisy_train_images, y=train_images, epochs=3, batch_size=32, shuffle=True,
                                validation_data=(noisy_test_images, test_images))
denoised = autoencoder.predict(noisy_test_images)
denoised_error = float(np.mean((denoised - test_images) ** 2))
noisy_error = float(np.mean((noisy_test_images - test_images) ** 2))
print("mean squared error: noisy", noisy_error, "denoised", denoised_error)

COMPAT_RESULTS = {
    "noisy_first": noisy_train_images[0, 10:12, 10:14, 0], "noisy_dtype": str(noisy_train_images.dtype),
    "params": autoencoder.count_params(), "output_shape": tuple(autoencoder.output_shape),
    "history_keys": sorted(clean_history.history), "clean_val_loss": clean_history.history["val_loss"][-1],
    "noisy_val_loss": noisy_history.history["val_loss"][-1],
    "predictions_shape": predictions.shape, "predictions_dtype": str(predictions.dtype),
    "predictions_in_unit_range": bool(predictions.min() >= 0.0 and predictions.max() <= 1.0),
    "noisy_error": noisy_error, "denoised_error": denoised_error,
}
# The noise comes from NumPy's global generator, which the runner seeds (1234) before importing the
# backend; importing JAX draws from it (jax/_src/clusters/k8s_cluster.py: np.random.rand(5)), TF's
# Keras reseeds it after TF's import: the two backends see different noise of the same law, so the
# noisy pixels are compared by shape and their error by a bound. The model starts from random
# weights (different draws per framework), so its losses are compared with bounds too: the clean
# images' own binary cross-entropy is about 0.55, a constant 0.5 prediction's 0.693;
# the noisy inputs are about 0.096 (mean squared) from the clean images, the denoised ones must be
# clearly closer.
COMPAT_COMPARE = {"noisy_first": {"shape_only": True}, "noisy_error": {"within": 0.005},
                  "clean_val_loss": {"below": 0.695, "within": 0.05}, "noisy_val_loss": {"below": 0.695, "within": 0.05},
                  "denoised_error": {"below": 0.08}}
