"""Follows keras-team/keras-io, examples/generative/vae.py (commit 09e02e17d5cbf21ecf8a47f10d91587f963fc80a):
a convolutional variational autoencoder on MNIST digits: a Sampling layer, a Conv2D encoder and a
Conv2DTranspose decoder as functional models, and a keras.Model subclass with its own train_step
and metric trackers, trained with fit; then the decoder is sampled on a latent grid and the encoder
maps labelled digits to their latent means.
Written for tapejax's compat suite (not a copy of the example's code). Changes: keras.datasets.mnist
is replaced by _synthetic.mnist (256/64 uint8 digits); 30 epochs -> 3; the latent grid shrunk from
30 x 30 to 3 x 3 decoder.predict calls, and the plots left out (the grid is assembled as the
example's helper does, the cluster plot keeps the encoder.predict call).

Covers: a layers.Layer subclass drawing tf.keras.backend.random_normal with tf.shape of its input;
keras.Input, Conv2D(strides=2, padding='same'), Flatten, Dense, named Dense layers, a multi-output
keras.Model with name, summary, Dense / Reshape / Conv2DTranspose; a keras.Model subclass with
keras.metrics.Mean trackers, a metrics property, train_step with tf.GradientTape,
keras.losses.binary_crossentropy, tf.reduce_sum over axes, self.optimizer.apply_gradients and a
call method; compile(optimizer=keras.optimizers.Adam()) with no loss; fit on a NumPy array without
labels; predict on sub-models.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic


class Sampling(layers.Layer):
    """Draws z from the normal distribution given by (z_mean, z_log_var)."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = tf.shape(z_mean)[0]
        dim = tf.shape(z_mean)[1]
        epsilon = tf.keras.backend.random_normal(shape=(batch, dim))
        return z_mean + tf.exp(0.5 * z_log_var) * epsilon


latent_dim = 2

encoder_inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Flatten()(x)
x = layers.Dense(16, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
z = Sampling()([z_mean, z_log_var])
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
encoder.summary()

latent_inputs = keras.Input(shape=(latent_dim,))
x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
x = layers.Reshape((7, 7, 64))(x)
x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
decoder.summary()


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super(VAE, self).__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = tf.reduce_mean(
                tf.reduce_sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
            kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
            kl_loss = tf.reduce_mean(tf.reduce_sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "kl_loss": self.kl_loss_tracker.result(),
        }

    def call(self, x):
        z_mean, z_log_var, z = self.encoder(x)
        return self.decoder(z)


(x_train, _), (x_test, _) = _synthetic.mnist.load_data()
mnist_digits = np.concatenate([x_train, x_test], axis=0)
mnist_digits = np.expand_dims(mnist_digits, -1).astype("float32") / 255

vae = VAE(encoder, decoder)
vae.compile(optimizer=keras.optimizers.Adam())
history = vae.fit(mnist_digits, epochs=3, batch_size=128)


def latent_grid(vae, n=3):
    digit_size = 28
    scale = 1.0
    figure = np.zeros((digit_size * n, digit_size * n))
    grid_x = np.linspace(-scale, scale, n)
    grid_y = np.linspace(-scale, scale, n)[::-1]
    for i, yi in enumerate(grid_y):
        for j, xi in enumerate(grid_x):
            z_sample = np.array([[xi, yi]])
            x_decoded = vae.decoder.predict(z_sample)
            digit = x_decoded[0].reshape(digit_size, digit_size)
            figure[i * digit_size:(i + 1) * digit_size, j * digit_size:(j + 1) * digit_size] = digit
    return figure


figure = latent_grid(vae)

(x_train, y_train), _ = _synthetic.mnist.load_data()
x_train = np.expand_dims(x_train, -1).astype("float32") / 255
cluster_means, _, _ = vae.encoder.predict(x_train)

COMPAT_RESULTS = {
    "history_keys": sorted(history.history), "loss": history.history["loss"],
    "loss_fell": history.history["loss"][-1] < history.history["loss"][0],
    "reconstruction_loss": history.history["reconstruction_loss"][-1],
    "figure": figure, "cluster_means": cluster_means,
    "encoder_params": encoder.count_params(), "decoder_params": decoder.count_params(),
    "metric_names": [m.name for m in vae.metrics],
}
# Initial weights and the sampled epsilon differ between frameworks: the losses are compared with
# bounds (a 784-pixel binary cross-entropy starts near 545 and falls), the decoded grid and the
# latent means by shape and dtype; the parameter counts and the metric names exactly.
COMPAT_COMPARE = {"loss": {"below": 560.0, "above": 100.0}, "reconstruction_loss": {"below": 560.0},
                  "figure": {"shape_only": True}, "cluster_means": {"shape_only": True}}
