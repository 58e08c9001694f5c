"""Follows tensorflow/docs, site/en/tutorials/generative/cvae.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
a convolutional variational autoencoder on binarised MNIST, trained on the ELBO with a custom step.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images, 2 epochs). The tutorial's image/GIF output and
its tensorflow_probability latent-space plot are left out.

Covers: binarising images with np.where; tf.data from_tensor_slices / shuffle / batch / take;
a tf.keras.Model subclass holding an encoder and a decoder Sequential that start with
tf.keras.layers.InputLayer(input_shape=...) (Conv2D strides, Flatten, Dense, Reshape,
Conv2DTranspose); a @tf.function method sampling tf.random.normal when given no noise; tf.split of
the encoder output into mean and log-variance; the reparameterisation trick with tf.exp;
a log-normal density with tf.math.log / reduce_sum; tf.nn.sigmoid_cross_entropy_with_logits;
a @tf.function train step taking the model and the optimizer as arguments, with tf.GradientTape and
Adam apply_gradients; the test ELBO via tf.keras.metrics.Mean; count_params of both halves.
"""

import glob  # noqa: F401  (used by the tutorial's left-out GIF cell)
import time

import numpy as np
import tensorflow as tf

from compat_tests.programs import _synthetic

(train_digits, _), (test_digits, _) = _synthetic.mnist.load_data()


def binarise(images):
    """Scales to [0, 1], adds a channel axis and thresholds at 0.5 (float32 zeros and ones)."""
    scaled = images.reshape((len(images), 28, 28, 1)) / 255.0
    return np.where(scaled > 0.5, 1.0, 0.0).astype("float32")


train_digits, test_digits = binarise(train_digits), binarise(test_digits)
BATCH = 32
train_batches = tf.data.Dataset.from_tensor_slices(train_digits).shuffle(60000).batch(BATCH)
test_batches = tf.data.Dataset.from_tensor_slices(test_digits).shuffle(10000).batch(BATCH)


class ConvVAE(tf.keras.Model):
    """Encoder: image -> (mean, log-variance) of a `code_size` Gaussian; decoder: code -> pixel logits."""

    def __init__(self, code_size):
        super().__init__()
        self.code_size = code_size
        self.encoder = tf.keras.Sequential([
            tf.keras.layers.InputLayer(input_shape=(28, 28, 1)),
            tf.keras.layers.Conv2D(filters=32, kernel_size=3, strides=(2, 2), activation="relu"),
            tf.keras.layers.Conv2D(filters=64, kernel_size=3, strides=(2, 2), activation="relu"),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(2 * code_size),  # linear: means and log-variances side by side
        ])
        self.decoder = tf.keras.Sequential([
            tf.keras.layers.InputLayer(input_shape=(code_size,)),
            tf.keras.layers.Dense(units=7 * 7 * 32, activation=tf.nn.relu),
            tf.keras.layers.Reshape(target_shape=(7, 7, 32)),
            tf.keras.layers.Conv2DTranspose(filters=64, kernel_size=3, strides=2, padding="same",
                                            activation="relu"),
            tf.keras.layers.Conv2DTranspose(filters=32, kernel_size=3, strides=2, padding="same",
                                            activation="relu"),
            tf.keras.layers.Conv2DTranspose(filters=1, kernel_size=3, strides=1, padding="same"),
        ])

    @tf.function
    def sample(self, noise=None):
        if noise is None:
            noise = tf.random.normal(shape=(100, self.code_size))
        return self.decode(noise, apply_sigmoid=True)

    def encode(self, images):
        return tf.split(self.encoder(images), num_or_size_splits=2, axis=1)

    def reparameterize(self, mean, log_var):
        return mean + tf.random.normal(shape=mean.shape) * tf.exp(0.5 * log_var)

    def decode(self, codes, apply_sigmoid=False):
        logits = self.decoder(codes)
        return tf.sigmoid(logits) if apply_sigmoid else logits


adam = tf.keras.optimizers.Adam(1e-4)


def gaussian_log_density(points, mean, log_var, axis=1):
    """log N(points; mean, exp(log_var)) summed over `axis`."""
    return tf.reduce_sum(-0.5 * ((points - mean) ** 2.0 * tf.exp(-log_var) + log_var + tf.math.log(2.0 * np.pi)),
                         axis=axis)


def negative_elbo(vae, images):
    """A one-sample Monte Carlo estimate of -ELBO, averaged over the batch."""
    mean, log_var = vae.encode(images)
    codes = vae.reparameterize(mean, log_var)
    pixel_xent = tf.nn.sigmoid_cross_entropy_with_logits(logits=vae.decode(codes), labels=images)
    log_likelihood = -tf.reduce_sum(pixel_xent, axis=[1, 2, 3])
    log_prior = gaussian_log_density(codes, 0.0, 0.0)
    log_posterior = gaussian_log_density(codes, mean, log_var)
    return -tf.reduce_mean(log_likelihood + log_prior - log_posterior)


@tf.function
def optimise_once(vae, images, opt):
    with tf.GradientTape() as tape:
        objective = negative_elbo(vae, images)
    opt.apply_gradients(zip(tape.gradient(objective, vae.trainable_variables), vae.trainable_variables))


CODE_SIZE, SHOWN = 2, 16
fixed_noise = tf.random.normal(shape=[SHOWN, CODE_SIZE])
vae = ConvVAE(CODE_SIZE)


def render_progress(vae, epoch, images):
    """The tutorial draws these reconstructions; only the computation is kept."""
    mean, log_var = vae.encode(images)
    vae.sample(vae.reparameterize(mean, log_var))


assert BATCH >= SHOWN
for first_batch in test_batches.take(1):
    shown_digits = first_batch[:SHOWN, :, :, :]
render_progress(vae, 0, shown_digits)

for epoch in range(1, 3):
    started = time.time()
    for images in train_batches:
        optimise_once(vae, images, adam)
    elapsed = time.time() - started
    running = tf.keras.metrics.Mean()
    for images in test_batches:
        running(negative_elbo(vae, images))
    elbo = -running.result()
    print(f"epoch {epoch}: test ELBO {elbo}, {elapsed:.1f}s")
    render_progress(vae, epoch, shown_digits)

COMPAT_RESULTS = {"elbo": elbo, "sample_shape": vae.sample(fixed_noise).shape,
                  "test_sample_shape": shown_digits.shape, "binarised": sorted(np.unique(train_digits).tolist()),
                  "encoder_params": vae.encoder.count_params(), "decoder_params": vae.decoder.count_params()}
# Initial weights and the reparameterisation noise differ between frameworks: the ELBO is bounded.
COMPAT_COMPARE = {"elbo": {"within": 150.0, "below": 0.0}}
