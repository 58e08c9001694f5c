"""Follows tensorflow/docs, site/en/tutorials/generative/pix2pix.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
an image-to-image conditional GAN: a U-Net generator and a PatchGAN discriminator trained on
(label map, photo) pairs read from JPEG files.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the facades
download is replaced by 8 small JPEGs from _synthetic (32x64 pairs instead of 256x512); the images are
32x32 (resized to 36 before the random crop instead of 286 -> 256), so the generator has 5 down / 4 up
blocks and every block's filters are shrunk (64..512 -> 8..32); 40000 steps -> 3; plots,
plot_model, IPython display, timings and the TensorBoard magics are left out.

Covers: tf.io.read_file + tf.io.decode_jpeg, slicing with tf.shape(image)[1] // 2, tf.cast,
tf.image.resize(method=ResizeMethod.NEAREST_NEIGHBOR), tf.stack + tf.image.random_crop, a
@tf.function() with a tensor `if tf.random.uniform(()) > 0.5` and tf.image.flip_left_right,
Dataset.list_files / map(num_parallel_calls=AUTOTUNE) / shuffle / batch / repeat / take / enumerate,
Sequential blocks of Conv2D / Conv2DTranspose (tf.random_normal_initializer, use_bias=False),
BatchNormalization, LeakyReLU, ReLU, Dropout, a functional U-Net with skip Concatenate layers,
layers.concatenate, ZeroPadding2D, BinaryCrossentropy(from_logits=True), two GradientTapes in one
@tf.function train step, two Adam(2e-4, beta_1=0.5) optimizers, tf.summary.create_file_writer /
scalar, tf.train.Checkpoint.save, tf.train.latest_checkpoint and restore.
"""

import datetime
import os
import pathlib

import tensorflow as tf

from compat_tests.programs import _synthetic

PATH = _synthetic.write_facades("facades_extracted/facades")
print(sorted(p.name for p in PATH.parent.iterdir()))

sample_image = tf.io.read_file(str(PATH / "train/1.jpg"))
sample_image = tf.io.decode_jpeg(sample_image)
print(sample_image.shape)


def load(image_file):
    image = tf.io.read_file(image_file)
    image = tf.io.decode_jpeg(image)
    w = tf.shape(image)[1]
    w = w // 2
    input_image = image[:, w:, :]
    real_image = image[:, :w, :]
    input_image = tf.cast(input_image, tf.float32)
    real_image = tf.cast(real_image, tf.float32)
    return input_image, real_image


inp, re = load(str(PATH / "train/1.jpg"))

BUFFER_SIZE = 400
BATCH_SIZE = 1
IMG_WIDTH = 32
IMG_HEIGHT = 32


def resize(input_image, real_image, height, width):
    input_image = tf.image.resize(input_image, [height, width], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
    real_image = tf.image.resize(real_image, [height, width], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
    return input_image, real_image


def random_crop(input_image, real_image):
    stacked_image = tf.stack([input_image, real_image], axis=0)
    cropped_image = tf.image.random_crop(stacked_image, size=[2, IMG_HEIGHT, IMG_WIDTH, 3])
    return cropped_image[0], cropped_image[1]


def normalize(input_image, real_image):
    input_image = (input_image / 127.5) - 1
    real_image = (real_image / 127.5) - 1
    return input_image, real_image


@tf.function()
def random_jitter(input_image, real_image):
    input_image, real_image = resize(input_image, real_image, 36, 36)
    input_image, real_image = random_crop(input_image, real_image)
    if tf.random.uniform(()) > 0.5:
        input_image = tf.image.flip_left_right(input_image)
        real_image = tf.image.flip_left_right(real_image)
    return input_image, real_image


jittered = [random_jitter(inp, re) for i in range(4)]


def load_image_train(image_file):
    input_image, real_image = load(image_file)
    input_image, real_image = random_jitter(input_image, real_image)
    input_image, real_image = normalize(input_image, real_image)
    return input_image, real_image


def load_image_test(image_file):
    input_image, real_image = load(image_file)
    input_image, real_image = resize(input_image, real_image, IMG_HEIGHT, IMG_WIDTH)
    input_image, real_image = normalize(input_image, real_image)
    return input_image, real_image


train_dataset = tf.data.Dataset.list_files(str(PATH / "train/*.jpg"))
train_dataset = train_dataset.map(load_image_train, num_parallel_calls=tf.data.AUTOTUNE)
train_dataset = train_dataset.shuffle(BUFFER_SIZE)
train_dataset = train_dataset.batch(BATCH_SIZE)
try:
    test_dataset = tf.data.Dataset.list_files(str(PATH / "test/*.jpg"))
except tf.errors.InvalidArgumentError:
    test_dataset = tf.data.Dataset.list_files(str(PATH / "val/*.jpg"))
test_dataset = test_dataset.map(load_image_test)
test_dataset = test_dataset.batch(BATCH_SIZE)

OUTPUT_CHANNELS = 3


def downsample(filters, size, apply_batchnorm=True):
    initializer = tf.random_normal_initializer(0., 0.02)
    result = tf.keras.Sequential()
    result.add(tf.keras.layers.Conv2D(filters, size, strides=2, padding="same",
                                      kernel_initializer=initializer, use_bias=False))
    if apply_batchnorm:
        result.add(tf.keras.layers.BatchNormalization())
    result.add(tf.keras.layers.LeakyReLU())
    return result


down_model = downsample(3, 4)
down_result = down_model(tf.expand_dims(inp, 0))
print(down_result.shape)


def upsample(filters, size, apply_dropout=False):
    initializer = tf.random_normal_initializer(0., 0.02)
    result = tf.keras.Sequential()
    result.add(tf.keras.layers.Conv2DTranspose(filters, size, strides=2, padding="same",
                                               kernel_initializer=initializer, use_bias=False))
    result.add(tf.keras.layers.BatchNormalization())
    if apply_dropout:
        result.add(tf.keras.layers.Dropout(0.5))
    result.add(tf.keras.layers.ReLU())
    return result


up_model = upsample(3, 4)
up_result = up_model(down_result)
print(up_result.shape)


def Generator():
    inputs = tf.keras.layers.Input(shape=[32, 32, 3])
    down_stack = [
        downsample(8, 4, apply_batchnorm=False),  # (batch_size, 16, 16, 8)
        downsample(16, 4),  # (batch_size, 8, 8, 16)
        downsample(32, 4),  # (batch_size, 4, 4, 32)
        downsample(32, 4),  # (batch_size, 2, 2, 32)
        downsample(32, 4),  # (batch_size, 1, 1, 32)
    ]
    up_stack = [
        upsample(32, 4, apply_dropout=True),  # (batch_size, 2, 2, 64)
        upsample(32, 4, apply_dropout=True),  # (batch_size, 4, 4, 64)
        upsample(16, 4),  # (batch_size, 8, 8, 32)
        upsample(8, 4),  # (batch_size, 16, 16, 16)
    ]
    initializer = tf.random_normal_initializer(0., 0.02)
    last = tf.keras.layers.Conv2DTranspose(OUTPUT_CHANNELS, 4, strides=2, padding="same",
                                           kernel_initializer=initializer, activation="tanh")
    x = inputs
    skips = []
    for down in down_stack:
        x = down(x)
        skips.append(x)
    skips = reversed(skips[:-1])
    for up, skip in zip(up_stack, skips):
        x = up(x)
        x = tf.keras.layers.Concatenate()([x, skip])
    x = last(x)
    return tf.keras.Model(inputs=inputs, outputs=x)


generator = Generator()
gen_output = generator(inp[tf.newaxis, ...], training=False)

LAMBDA = 100
loss_object = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def generator_loss(disc_generated_output, gen_output, target):
    gan_loss = loss_object(tf.ones_like(disc_generated_output), disc_generated_output)
    l1_loss = tf.reduce_mean(tf.abs(target - gen_output))
    total_gen_loss = gan_loss + (LAMBDA * l1_loss)
    return total_gen_loss, gan_loss, l1_loss


def Discriminator():
    initializer = tf.random_normal_initializer(0., 0.02)
    inp = tf.keras.layers.Input(shape=[32, 32, 3], name="input_image")
    tar = tf.keras.layers.Input(shape=[32, 32, 3], name="target_image")
    x = tf.keras.layers.concatenate([inp, tar])  # (batch_size, 32, 32, channels*2)
    down1 = downsample(8, 4, False)(x)  # (batch_size, 16, 16, 8)
    down2 = downsample(16, 4)(down1)  # (batch_size, 8, 8, 16)
    down3 = downsample(32, 4)(down2)  # (batch_size, 4, 4, 32)
    zero_pad1 = tf.keras.layers.ZeroPadding2D()(down3)  # (batch_size, 6, 6, 32)
    conv = tf.keras.layers.Conv2D(64, 4, strides=1, kernel_initializer=initializer,
                                  use_bias=False)(zero_pad1)  # (batch_size, 3, 3, 64)
    batchnorm1 = tf.keras.layers.BatchNormalization()(conv)
    leaky_relu = tf.keras.layers.LeakyReLU()(batchnorm1)
    zero_pad2 = tf.keras.layers.ZeroPadding2D()(leaky_relu)  # (batch_size, 5, 5, 64)
    last = tf.keras.layers.Conv2D(1, 4, strides=1, kernel_initializer=initializer)(zero_pad2)  # (batch_size, 2, 2, 1)
    return tf.keras.Model(inputs=[inp, tar], outputs=last)


discriminator = Discriminator()
disc_out = discriminator([inp[tf.newaxis, ...], gen_output], training=False)


def discriminator_loss(disc_real_output, disc_generated_output):
    real_loss = loss_object(tf.ones_like(disc_real_output), disc_real_output)
    generated_loss = loss_object(tf.zeros_like(disc_generated_output), disc_generated_output)
    total_disc_loss = real_loss + generated_loss
    return total_disc_loss


generator_optimizer = tf.keras.optimizers.Adam(2e-4, beta_1=0.5)
discriminator_optimizer = tf.keras.optimizers.Adam(2e-4, beta_1=0.5)

checkpoint_dir = "./training_checkpoints"
checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt")
checkpoint = tf.train.Checkpoint(generator_optimizer=generator_optimizer,
                                 discriminator_optimizer=discriminator_optimizer,
                                 generator=generator, discriminator=discriminator)


def generate_images(model, test_input, tar):
    prediction = model(test_input, training=True)
    return [test_input[0], tar[0], prediction[0]]


for example_input, example_target in test_dataset.take(1):
    shown = generate_images(generator, example_input, example_target)

log_dir = "logs/"
summary_writer = tf.summary.create_file_writer(log_dir + "fit/" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
losses = []


@tf.function
def train_step(input_image, target, step):
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        gen_output = generator(input_image, training=True)
        disc_real_output = discriminator([input_image, target], training=True)
        disc_generated_output = discriminator([input_image, gen_output], training=True)
        gen_total_loss, gen_gan_loss, gen_l1_loss = generator_loss(disc_generated_output, gen_output, target)
        disc_loss = discriminator_loss(disc_real_output, disc_generated_output)
    generator_gradients = gen_tape.gradient(gen_total_loss, generator.trainable_variables)
    discriminator_gradients = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
    generator_optimizer.apply_gradients(zip(generator_gradients, generator.trainable_variables))
    discriminator_optimizer.apply_gradients(zip(discriminator_gradients, discriminator.trainable_variables))
    with summary_writer.as_default():
        tf.summary.scalar("gen_total_loss", gen_total_loss, step=step // 1000)
        tf.summary.scalar("gen_gan_loss", gen_gan_loss, step=step // 1000)
        tf.summary.scalar("gen_l1_loss", gen_l1_loss, step=step // 1000)
        tf.summary.scalar("disc_loss", disc_loss, step=step // 1000)
    return gen_total_loss, disc_loss


def fit(train_ds, test_ds, steps):
    example_input, example_target = next(iter(test_ds.take(1)))
    for step, (input_image, target) in train_ds.repeat().take(steps).enumerate():
        if (step) % 1000 == 0:
            generate_images(generator, example_input, example_target)
            print(f"Step: {step//1000}k")
        losses.append(train_step(input_image, target, step))
        if (step + 1) % 10 == 0:
            print(".", end="", flush=True)
        if (step + 1) % 2 == 0:  # the tutorial saves every 5k steps
            checkpoint.save(file_prefix=checkpoint_prefix)


fit(train_dataset, test_dataset, steps=3)
print(sorted(os.listdir(checkpoint_dir)))
status = checkpoint.restore(tf.train.latest_checkpoint(checkpoint_dir))
for inp, tar in test_dataset.take(2):
    restored_shown = generate_images(generator, inp, tar)

COMPAT_RESULTS = {
    "sample_shape": sample_image.shape, "inp_dtype": inp.dtype, "jittered": jittered,
    "down_shape": down_result.shape, "up_shape": up_result.shape, "gen_output": gen_output,
    "disc_out": disc_out, "shown": shown, "losses": losses,
    "latest": os.path.basename(tf.train.latest_checkpoint(checkpoint_dir)), "restored_shown": restored_shown,
}
# JPEG decoders can differ by a level here and there; random crops, flips, initial weights and
# dropout differ between frameworks: those are compared by shape; the GAN losses by bounds (the
# L1 term of a generator near 0 on pixels in [-1, 1] is at most LAMBDA * 1).
COMPAT_COMPARE = {"jittered": {"shape_only": True}, "gen_output": {"shape_only": True},
                  "disc_out": {"shape_only": True}, "shown": {"shape_only": True},
                  "restored_shown": {"shape_only": True}, "losses": {"below": 120.0, "above": 0.0}}
