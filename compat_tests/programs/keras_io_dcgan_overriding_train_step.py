"""Follows keras-team/keras-io, examples/generative/dcgan_overriding_train_step.py (commit 0d5f327814b51b9f3efe59bc6845756f630eb9b6):
a DCGAN on MNIST digits trained with fit() by overriding Model.train_step, with a callback that saves
generated images as PNG files after every epoch.
Written for tapejax's compat suite (not a copy of the example's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk (48 + 16 digits in
batches of 16 instead of 64, 30 -> 2 epochs, the generator's 128 channels -> 32: XLA's CPU gradient
of a strided Conv2DTranspose with 128 channels takes tens of seconds); the final
IPython display of the saved PNGs is replaced by reading them back with PIL.

Covers: tf.data from_tensor_slices(...).shuffle(1024).batch(...).prefetch(32) of float32 images, a
Sequential discriminator (Conv2D strides 2 / LeakyReLU(alpha=0.2) / GlobalMaxPooling2D / Dense) and
generator (Dense / Reshape / Conv2DTranspose strides 2 / Conv2D sigmoid), a keras.Model subclass
holding both with its own compile(d_optimizer, g_optimizer, loss_fn) calling super().compile(), a
train_step with tf.shape / tf.random.normal / tf.concat / tf.ones / tf.zeros / tf.random.uniform label
noise and two GradientTapes each applying its own Adam to one sub-model's trainable_weights,
returning a dict of losses; a Callback's on_epoch_end reading self.model.generator and saving
keras.preprocessing.image.array_to_img images; BinaryCrossentropy(from_logits=True).
"""

import os

import numpy as np
import tensorflow as tf
from PIL import Image
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

batch_size = 16
(x_train, _), (x_test, _) = _synthetic.mnist.load_data()
all_digits = np.concatenate([x_train[:48], x_test[:16]])
all_digits = all_digits.astype("float32") / 255
all_digits = np.reshape(all_digits, (-1, 28, 28, 1))
dataset = tf.data.Dataset.from_tensor_slices(all_digits)
dataset = dataset.shuffle(buffer_size=1024).batch(batch_size).prefetch(32)

discriminator = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
    layers.LeakyReLU(alpha=0.2),
    layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
    layers.LeakyReLU(alpha=0.2),
    layers.GlobalMaxPooling2D(),
    layers.Dense(1),
], name="discriminator")
discriminator.summary()

latent_dim = 128
generator = keras.Sequential([
    keras.Input(shape=(latent_dim,)),
    layers.Dense(7 * 7 * 32),  # 32 coefficients per position of a 7x7 map
    layers.LeakyReLU(alpha=0.2),
    layers.Reshape((7, 7, 32)),
    layers.Conv2DTranspose(32, (4, 4), strides=(2, 2), padding="same"),
    layers.LeakyReLU(alpha=0.2),
    layers.Conv2DTranspose(32, (4, 4), strides=(2, 2), padding="same"),
    layers.LeakyReLU(alpha=0.2),
    layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
], name="generator")
generator.summary()


class GAN(keras.Model):
    """Both networks in one Model whose train_step alternates a discriminator and a generator update."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        latent = tf.random.normal(shape=(batch_size, self.latent_dim))
        fake_images = self.generator(latent)
        combined = tf.concat([fake_images, real_images], axis=0)
        # 1 marks a generated image, 0 a real one; a little noise on the labels helps.
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))

        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        latent = tf.random.normal(shape=(batch_size, self.latent_dim))
        misleading_labels = tf.zeros((batch_size, 1))  # "these are all real"
        # Only the generator's weights move here, never the discriminator's.
        with tf.GradientTape() as tape:
            g_loss = self.loss_fn(misleading_labels, self.discriminator(self.generator(latent)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}


class GANMonitor(keras.callbacks.Callback):
    """Saves `num_img` generated digits as PNG files at the end of every epoch."""

    def __init__(self, num_img=3, latent_dim=128):
        self.num_img = num_img
        self.latent_dim = latent_dim

    def on_epoch_end(self, epoch, logs=None):
        latent = tf.random.normal(shape=(self.num_img, self.latent_dim))
        generated_images = self.model.generator(latent)
        generated_images *= 255
        generated_images.numpy()
        for i in range(self.num_img):
            img = keras.preprocessing.image.array_to_img(generated_images[i])
            img.save("generated_img_{i}_{epoch}.png".format(i=i, epoch=epoch))


epochs = 2
gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
            g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
history = gan.fit(dataset, epochs=epochs, callbacks=[GANMonitor(num_img=3, latent_dim=latent_dim)])

saved = sorted(name for name in os.listdir(".") if name.startswith("generated_img_"))
last = [Image.open(f"generated_img_{i}_{epochs - 1}.png") for i in range(3)]
print(saved, [(image.size, image.mode) for image in last])

COMPAT_RESULTS = {
    "discriminator_params": discriminator.count_params(), "generator_params": generator.count_params(),
    "history_keys": sorted(history.history), "epochs_run": len(history.history["d_loss"]),
    "d_loss": history.history["d_loss"], "g_loss": history.history["g_loss"],
    "saved": saved, "last_images": [(image.size, image.mode) for image in last],
    "trainable_counts": (len(discriminator.trainable_weights), len(generator.trainable_weights)),
}
# The networks start from random weights and the latent vectors are random (different draws per
# framework): the logged losses are compared with bounds (a binary cross-entropy on logits; a
# discriminator that guesses scores about 0.69).
COMPAT_COMPARE = {"d_loss": {"below": 1.0, "within": 0.2}, "g_loss": {"below": 2.0, "within": 0.5}}
