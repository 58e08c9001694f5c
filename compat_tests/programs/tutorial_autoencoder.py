"""Follows tensorflow/docs, site/en/tutorials/generative/autoencoder.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
a dense autoencoder and a convolutional denoising autoencoder on Fashion MNIST.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 3 epochs each). The tutorial's plots and its
ECG anomaly-detection part (pandas, scikit-learn) are left out.

Covers: a tf.keras.Model subclass built with two positional constructor arguments (latent size and
image shape) holding an encoder and a decoder Sequential (Flatten, Dense relu / Dense sigmoid sized
by tf.math.reduce_prod, Reshape); compile with adam and losses.MeanSquaredError; fit with
shuffle=True and validation_data; calling encoder/decoder separately; adding a channel axis with
tf.newaxis; noise from tf.random.normal clipped with tf.clip_by_value; a Model subclass of
Conv2D(strides=2) / Conv2DTranspose layers with an Input inside its encoder; summary() of both halves.
"""

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers, losses
from tensorflow.keras.models import Model

from compat_tests.programs import _synthetic

(clean_train, _), (clean_test, _) = _synthetic.fashion_mnist.load_data()
clean_train = clean_train.astype("float32") / 255.0
clean_test = clean_test.astype("float32") / 255.0
print(clean_train.shape, clean_test.shape)


class Compressor(Model):
    """Squeezes an image into `code_size` relu units and expands it back to `image_shape`."""

    def __init__(self, code_size, image_shape):
        super().__init__()
        self.code_size, self.image_shape = code_size, image_shape
        pixel_count = int(tf.math.reduce_prod(image_shape).numpy())
        self.encoder = tf.keras.Sequential([layers.Flatten(), layers.Dense(code_size, activation="relu")])
        self.decoder = tf.keras.Sequential([layers.Dense(pixel_count, activation="sigmoid"),
                                            layers.Reshape(image_shape)])

    def call(self, images):
        return self.decoder(self.encoder(images))


dense_ae = Compressor(64, clean_test.shape[1:])
dense_ae.compile(optimizer="adam", loss=losses.MeanSquaredError())
dense_ae.fit(clean_train, clean_train, epochs=3, shuffle=True, validation_data=(clean_test, clean_test))
codes = dense_ae.encoder(clean_test).numpy()
rebuilt = dense_ae.decoder(codes).numpy()

# ---- denoising: the inputs get Gaussian noise, the targets stay clean ----
(clean_train, _), (clean_test, _) = _synthetic.fashion_mnist.load_data()
clean_train = (clean_train.astype("float32") / 255.0)[..., tf.newaxis]
clean_test = (clean_test.astype("float32") / 255.0)[..., tf.newaxis]
print(clean_train.shape)

NOISE_LEVEL = 0.2
noisy_train = tf.clip_by_value(clean_train + NOISE_LEVEL * tf.random.normal(shape=clean_train.shape),
                               clip_value_min=0.0, clip_value_max=1.0)
noisy_test = tf.clip_by_value(clean_test + NOISE_LEVEL * tf.random.normal(shape=clean_test.shape),
                              clip_value_min=0.0, clip_value_max=1.0)


class ConvDenoiser(Model):
    def __init__(self):
        super().__init__()
        self.encoder = tf.keras.Sequential([
            layers.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, (3, 3), strides=2, padding="same", activation="relu"),
            layers.Conv2D(8, (3, 3), strides=2, padding="same", activation="relu"),
        ])
        self.decoder = tf.keras.Sequential([
            layers.Conv2DTranspose(8, kernel_size=3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(16, kernel_size=3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(1, kernel_size=(3, 3), padding="same", activation="sigmoid"),
        ])

    def call(self, images):
        return self.decoder(self.encoder(images))


denoiser = ConvDenoiser()
denoiser.compile(optimizer="adam", loss=losses.MeanSquaredError())
denoiser.fit(noisy_train, clean_train, epochs=3, shuffle=True, validation_data=(noisy_test, clean_test))
denoiser.encoder.summary()
denoiser.decoder.summary()
codes = denoiser.encoder(noisy_test).numpy()
rebuilt = denoiser.decoder(codes).numpy()

COMPAT_RESULTS = {"encoded_shape": codes.shape, "decoded_shape": rebuilt.shape,
                  "decoded_range": [float(rebuilt.min()) >= 0.0, float(rebuilt.max()) <= 1.0],
                  "reconstruction_mse": float(np.mean((rebuilt - clean_test) ** 2)),
                  "noisy_clipped": [float(tf.reduce_min(noisy_test)), float(tf.reduce_max(noisy_test))]}
# Initial weights and the noise draws differ between frameworks: the reconstruction error is bounded.
COMPAT_COMPARE = {"reconstruction_mse": {"below": 0.2, "within": 0.1}, "noisy_clipped": {"within": 0.05}}
