"""Follows tensorflow/docs, site/en/tutorials/generative/dcgan.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
a deep convolutional GAN that learns to draw MNIST digits, trained with a tf.function step.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (64 images, batch 64, 1 epoch: one step). The tutorial's PNG/GIF
output is left out.

Covers: scaling images to [-1, 1]; tf.data from_tensor_slices / shuffle / batch; a generator
Sequential built with add() (Dense without bias and input_shape, BatchNormalization, LeakyReLU,
Reshape, Conv2DTranspose with strides, tanh) checking model.output_shape after each stage;
a discriminator Sequential (Conv2D with input_shape, LeakyReLU, Dropout, Flatten, Dense);
BinaryCrossentropy(from_logits=True) with tf.ones_like / tf.zeros_like targets; two Adam optimizers;
a tf.train.Checkpoint of both models and optimizers, checkpoint.save every 15 epochs and
checkpoint.restore(tf.train.latest_checkpoint(...)); a @tf.function step under two nested
GradientTapes with tf.random.normal noise and apply_gradients for each network.
"""

import glob  # noqa: F401  (used by the tutorial's left-out GIF cell)
import os
import time

import numpy as np  # noqa: F401  (imported by the tutorial)
import tensorflow as tf
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

tf.__version__

(digits, _), _ = _synthetic.mnist.load_data()
digits = digits[:64].reshape(-1, 28, 28, 1).astype("float32")
digits = digits / 127.5 - 1.0  # pixels in [-1, 1], matching the generator's tanh
BATCH = 64
NOISE_DIM = 100
digit_batches = tf.data.Dataset.from_tensor_slices(digits).shuffle(60000).batch(BATCH)


def build_generator():
    """Noise vector -> 7x7x256 -> 7x7x128 -> 14x14x64 -> 28x28x1 image in [-1, 1]."""
    net = tf.keras.Sequential()
    net.add(layers.Dense(7 * 7 * 256, use_bias=False, input_shape=(NOISE_DIM,)))
    net.add(layers.BatchNormalization())
    net.add(layers.LeakyReLU())
    net.add(layers.Reshape((7, 7, 256)))
    assert net.output_shape == (None, 7, 7, 256)
    for filters, stride, side in ((128, 1, 7), (64, 2, 14)):
        net.add(layers.Conv2DTranspose(filters, (5, 5), strides=(stride, stride), padding="same", use_bias=False))
        assert net.output_shape == (None, side, side, filters)
        net.add(layers.BatchNormalization())
        net.add(layers.LeakyReLU())
    net.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False, activation="tanh"))
    assert net.output_shape == (None, 28, 28, 1)
    return net


def build_discriminator():
    """Image -> one logit (positive: looks real)."""
    net = tf.keras.Sequential()
    net.add(layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same", input_shape=[28, 28, 1]))
    net.add(layers.LeakyReLU())
    net.add(layers.Dropout(0.3))
    net.add(layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"))
    net.add(layers.LeakyReLU())
    net.add(layers.Dropout(0.3))
    net.add(layers.Flatten())
    net.add(layers.Dense(1))
    return net


painter = build_generator()
first_fake = painter(tf.random.normal([1, NOISE_DIM]), training=False)
judge = build_discriminator()
first_verdict = judge(first_fake)
print(first_verdict)

bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def judge_loss(on_real, on_fake):
    return bce(tf.ones_like(on_real), on_real) + bce(tf.zeros_like(on_fake), on_fake)


def painter_loss(on_fake):
    return bce(tf.ones_like(on_fake), on_fake)


painter_opt = tf.keras.optimizers.Adam(1e-4)
judge_opt = tf.keras.optimizers.Adam(1e-4)
ckpt_dir = "./training_checkpoints"
ckpt_prefix = os.path.join(ckpt_dir, "ckpt")
ckpt = tf.train.Checkpoint(generator_optimizer=painter_opt, discriminator_optimizer=judge_opt,
                           generator=painter, discriminator=judge)

fixed_noise = tf.random.normal([16, NOISE_DIM])  # the same inputs each epoch, to watch progress


@tf.function
def adversarial_step(real):
    noise = tf.random.normal([BATCH, NOISE_DIM])
    with tf.GradientTape() as painter_tape, tf.GradientTape() as judge_tape:
        fakes = painter(noise, training=True)
        on_real = judge(real, training=True)
        on_fake = judge(fakes, training=True)
        p_loss = painter_loss(on_fake)
        j_loss = judge_loss(on_real, on_fake)
    painter_opt.apply_gradients(zip(painter_tape.gradient(p_loss, painter.trainable_variables),
                                    painter.trainable_variables))
    judge_opt.apply_gradients(zip(judge_tape.gradient(j_loss, judge.trainable_variables),
                                  judge.trainable_variables))


def preview(net, epoch, noise):
    """The tutorial saves a grid of these images; inference mode keeps batch statistics fixed."""
    net(noise, training=False)


def run_training(batches, epochs):
    for epoch in range(epochs):
        started = time.time()
        for real in batches:
            adversarial_step(real)
        preview(painter, epoch + 1, fixed_noise)
        if (epoch + 1) % 15 == 0:
            ckpt.save(file_prefix=ckpt_prefix)
        print(f"epoch {epoch + 1} took {time.time() - started:.1f}s")
    preview(painter, epochs, fixed_noise)


run_training(digit_batches, 1)
ckpt.restore(tf.train.latest_checkpoint(ckpt_dir))

COMPAT_RESULTS = {"generated_shape": first_fake.shape, "decision_shape": first_verdict.shape,
                  "generator_params": painter.count_params(), "discriminator_params": judge.count_params(),
                  "batches": len(list(digit_batches)),
                  "gen_output_range": bool(tf.reduce_max(tf.abs(painter(fixed_noise, training=False))) <= 1.0),
                  "optimizer_steps": [int(painter_opt.iterations), int(judge_opt.iterations)]}
