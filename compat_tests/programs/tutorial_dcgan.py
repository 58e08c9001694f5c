"""Deep Convolutional Generative Adversarial Network (TF tutorial).

Source: tensorflow/docs, site/en/tutorials/generative/dcgan.ipynb (code cells 0-22; cells 23-26 display the saved PNGs and a GIF
with PIL/imageio and are left out), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 2 (2), cell 3 (2), cell 9 (1), cell 19 (2), cell 20 (6)
  - cell 3: the imageio and PIL imports (used by the left-out GIF cells) removed
  - cell 4: tf.keras.datasets.mnist.load_data() -> `_synthetic.mnist.load_data()` (same shapes and dtypes)
  - cell 17: EPOCHS 50 -> 1
  - cell 20: the plotting/PNG-saving loop in generate_and_save_images removed
  - cell 6: BATCH_SIZE 256 -> 64, and 64 training images (one batch: one train step)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

# [cell 1]
tf.__version__

# [cell 2]
# To generate GIFs

# [cell 3]
import glob
import numpy as np
import os
from tensorflow.keras import layers
import time


# [cell 4]
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(train_images, train_labels), (_, _) = _synthetic.mnist.load_data()
train_images = train_images[:64]  # [adapted] one batch

# [cell 5]
train_images = train_images.reshape(train_images.shape[0], 28, 28, 1).astype('float32')
train_images = (train_images - 127.5) / 127.5  # Normalize the images to [-1, 1]

# [cell 6]
BUFFER_SIZE = 60000
BATCH_SIZE = 64

# [cell 7]
# Batch and shuffle the data
train_dataset = tf.data.Dataset.from_tensor_slices(train_images).shuffle(BUFFER_SIZE).batch(BATCH_SIZE)

# [cell 8]
def make_generator_model():
    model = tf.keras.Sequential()
    model.add(layers.Dense(7*7*256, use_bias=False, input_shape=(100,)))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Reshape((7, 7, 256)))
    assert model.output_shape == (None, 7, 7, 256)  # Note: None is the batch size

    model.add(layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding='same', use_bias=False))
    assert model.output_shape == (None, 7, 7, 128)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding='same', use_bias=False))
    assert model.output_shape == (None, 14, 14, 64)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding='same', use_bias=False, activation='tanh'))
    assert model.output_shape == (None, 28, 28, 1)

    return model

# [cell 9]
generator = make_generator_model()

noise = tf.random.normal([1, 100])
generated_image = generator(noise, training=False)


# [cell 10]
def make_discriminator_model():
    model = tf.keras.Sequential()
    model.add(layers.Conv2D(64, (5, 5), strides=(2, 2), padding='same',
                                     input_shape=[28, 28, 1]))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))

    model.add(layers.Conv2D(128, (5, 5), strides=(2, 2), padding='same'))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))

    model.add(layers.Flatten())
    model.add(layers.Dense(1))

    return model

# [cell 11]
discriminator = make_discriminator_model()
decision = discriminator(generated_image)
print (decision)

# [cell 12]
# This method returns a helper function to compute cross entropy loss
cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)

# [cell 13]
def discriminator_loss(real_output, fake_output):
    real_loss = cross_entropy(tf.ones_like(real_output), real_output)
    fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
    total_loss = real_loss + fake_loss
    return total_loss

# [cell 14]
def generator_loss(fake_output):
    return cross_entropy(tf.ones_like(fake_output), fake_output)

# [cell 15]
generator_optimizer = tf.keras.optimizers.Adam(1e-4)
discriminator_optimizer = tf.keras.optimizers.Adam(1e-4)

# [cell 16]
checkpoint_dir = './training_checkpoints'
checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt")
checkpoint = tf.train.Checkpoint(generator_optimizer=generator_optimizer,
                                 discriminator_optimizer=discriminator_optimizer,
                                 generator=generator,
                                 discriminator=discriminator)

# [cell 17]
EPOCHS = 1
noise_dim = 100
num_examples_to_generate = 16

# You will reuse this seed overtime (so it's easier)
# to visualize progress in the animated GIF)
seed = tf.random.normal([num_examples_to_generate, noise_dim])

# [cell 18]
# Notice the use of `tf.function`
# This annotation causes the function to be "compiled".
@tf.function
def train_step(images):
    noise = tf.random.normal([BATCH_SIZE, noise_dim])

    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
      generated_images = generator(noise, training=True)

      real_output = discriminator(images, training=True)
      fake_output = discriminator(generated_images, training=True)

      gen_loss = generator_loss(fake_output)
      disc_loss = discriminator_loss(real_output, fake_output)

    gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
    gradients_of_discriminator = disc_tape.gradient(disc_loss, discriminator.trainable_variables)

    generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))
    discriminator_optimizer.apply_gradients(zip(gradients_of_discriminator, discriminator.trainable_variables))

# [cell 19]
def train(dataset, epochs):
  for epoch in range(epochs):
    start = time.time()

    for image_batch in dataset:
      train_step(image_batch)

    # Produce images for the GIF as you go
    generate_and_save_images(generator,
                             epoch + 1,
                             seed)

    # Save the model every 15 epochs
    if (epoch + 1) % 15 == 0:
      checkpoint.save(file_prefix = checkpoint_prefix)

    print ('Time for epoch {} is {} sec'.format(epoch + 1, time.time()-start))

  # Generate after the final epoch
  generate_and_save_images(generator,
                           epochs,
                           seed)

# [cell 20]
def generate_and_save_images(model, epoch, test_input):
  # Notice `training` is set to False.
  # This is so all layers run in inference mode (batchnorm).
  predictions = model(test_input, training=False)


# [cell 21]
train(train_dataset, EPOCHS)

# [cell 22]
checkpoint.restore(tf.train.latest_checkpoint(checkpoint_dir))

# [added for the compat suite]
COMPAT_RESULTS = {"generated_shape": generated_image.shape, "decision_shape": decision.shape,
                  "generator_params": generator.count_params(), "discriminator_params": discriminator.count_params(),
                  "batches": len(list(train_dataset)),
                  "gen_output_range": bool(tf.reduce_max(tf.abs(generator(seed, training=False))) <= 1.0),
                  "optimizer_steps": [int(generator_optimizer.iterations), int(discriminator_optimizer.iterations)]}
