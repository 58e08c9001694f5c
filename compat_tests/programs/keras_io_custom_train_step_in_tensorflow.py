"""Follows keras-team/keras-io, guides/custom_train_step_in_tensorflow.py (commit b4108fbfe9f0cbad37f4f3c2bc5e4db0dd8bd2b6):
overriding Model.train_step / test_step so that fit() and evaluate() run your own step, up to a GAN.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256-row random regressions, 2 epochs each, 2 GAN batches).

Covers: KERAS_BACKEND=tensorflow; a functional keras.Model subclass whose train_step uses
tf.GradientTape, compute_loss, optimizer.apply and the compiled metrics; a train_step with its own
keras.metrics.Mean / MeanAbsoluteError and keras.losses.MeanSquaredError listed in a `metrics`
property, compiled with only an optimizer; a train_step unpacking (x, y, sample_weight) for
fit(sample_weight=...); a custom test_step for evaluate(); a GAN Model with a LeakyReLU conv
discriminator and a Conv2DTranspose generator, an overridden compile, keras.random.SeedGenerator /
normal / uniform, tf.concat label assembly, two tapes per step, trained on a shuffled, batched
tf.data.Dataset with take().
Changed for comparison: the regression models' Dense weights start from NumPy values (set_weights).
"""

import os

os.environ["KERAS_BACKEND"] = "tensorflow"  # the guide is written for the TF backend

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from compat_tests.programs import _synthetic

rng = np.random.default_rng(0)


def regression_data(with_weights=False):
    """256 random 32-feature rows and targets in [0, 1) (and per-row weights if asked)."""
    features, targets = rng.random((256, 32)), rng.random((256, 1))
    return (features, targets, rng.random((256, 1))) if with_weights else (features, targets)


def single_dense(model_class):
    """A model_class instance wiring a 32-feature Input to one Dense unit, whose starting weights
    come from NumPy (the frameworks' random initialisations differ)."""
    entry = keras.Input(shape=(32,))
    dense = keras.layers.Dense(1)
    model = model_class(entry, dense(entry))
    dense.set_weights([np.linspace(-0.2, 0.2, 32, dtype=np.float32).reshape(32, 1), np.zeros(1, np.float32)])
    return model


def refresh_compiled_metrics(model, loss, targets, predictions, sample_weight=None):
    """Feeds the loss tracker the loss and every other compiled metric the batch; returns the results."""
    for tracker in model.metrics:
        if tracker.name == "loss":
            tracker.update_state(loss)
        elif sample_weight is None:
            tracker.update_state(targets, predictions)
        else:
            tracker.update_state(targets, predictions, sample_weight=sample_weight)
    return {tracker.name: tracker.result() for tracker in model.metrics}


class StepWithCompiledLoss(keras.Model):
    def train_step(self, batch):
        features, targets = batch
        with tf.GradientTape() as tape:
            predictions = self(features, training=True)
            loss = self.compute_loss(y=targets, y_pred=predictions)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        return refresh_compiled_metrics(self, loss, targets, predictions)


first = single_dense(StepWithCompiledLoss)
first.compile(optimizer="adam", loss="mse", metrics=["mae"])
history_compiled = first.fit(*regression_data(), epochs=2)


class StepWithOwnLossAndMetrics(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mean_loss = keras.metrics.Mean(name="loss")
        self.abs_error = keras.metrics.MeanAbsoluteError(name="mae")
        self.squared_error = keras.losses.MeanSquaredError()

    @property
    def metrics(self):
        # Listed here so that fit() and evaluate() reset them at each epoch.
        return [self.mean_loss, self.abs_error]

    def train_step(self, batch):
        features, targets = batch
        with tf.GradientTape() as tape:
            predictions = self(features, training=True)
            loss = self.squared_error(targets, predictions)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.mean_loss.update_state(loss)
        self.abs_error.update_state(targets, predictions)
        return {"loss": self.mean_loss.result(), "mae": self.abs_error.result()}


second = single_dense(StepWithOwnLossAndMetrics)
second.compile(optimizer="adam")
history_own = second.fit(*regression_data(), epochs=2)


class StepWithSampleWeights(keras.Model):
    def train_step(self, batch):
        if len(batch) == 3:
            features, targets, weights = batch
        else:
            (features, targets), weights = batch, None
        with tf.GradientTape() as tape:
            predictions = self(features, training=True)
            loss = self.compute_loss(y=targets, y_pred=predictions, sample_weight=weights)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        return refresh_compiled_metrics(self, loss, targets, predictions, sample_weight=weights)


third = single_dense(StepWithSampleWeights)
third.compile(optimizer="adam", loss="mse", metrics=["mae"])
weighted_x, weighted_y, row_weights = regression_data(with_weights=True)
history_weighted = third.fit(weighted_x, weighted_y, sample_weight=row_weights, epochs=2)


class CustomEvaluation(keras.Model):
    def test_step(self, batch):
        features, targets = batch
        predictions = self(features, training=False)
        loss = self.compute_loss(y=targets, y_pred=predictions)
        return refresh_compiled_metrics(self, loss, targets, predictions)


fourth = single_dense(CustomEvaluation)
fourth.compile(loss="mse", metrics=["mae"])
evaluation = fourth.evaluate(*regression_data())

# ---- a GAN whose fit() alternates discriminator and generator updates ----
NOISE_DIM = 128

critic = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
    layers.LeakyReLU(negative_slope=0.2),
    layers.GlobalMaxPooling2D(),
    layers.Dense(1),
], name="discriminator")

painter = keras.Sequential([
    keras.Input(shape=(NOISE_DIM,)),
    layers.Dense(7 * 7 * 128),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Reshape((7, 7, 128)),
    layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
], name="generator")


class AdversarialPair(keras.Model):
    def __init__(self, discriminator, generator, noise_dim):
        super().__init__()
        self.discriminator, self.generator, self.noise_dim = discriminator, generator, noise_dim
        self.critic_loss = keras.metrics.Mean(name="d_loss")
        self.painter_loss = keras.metrics.Mean(name="g_loss")
        self.seeds = keras.random.SeedGenerator(1337)

    @property
    def metrics(self):
        return [self.critic_loss, self.painter_loss]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def _noise(self, count):
        return keras.random.normal(shape=(count, self.noise_dim), seed=self.seeds)

    def train_step(self, real):
        if isinstance(real, tuple):
            real = real[0]
        count = tf.shape(real)[0]
        images = tf.concat([self.generator(self._noise(count)), real], axis=0)
        # 1 marks a generated image, 0 a real one; a little label noise helps training.
        targets = tf.concat([tf.ones((count, 1)), tf.zeros((count, 1))], axis=0)
        targets += 0.05 * keras.random.uniform(tf.shape(targets), seed=self.seeds)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(targets, self.discriminator(images))
        critic_vars = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(d_loss, critic_vars), critic_vars)

        # The generator wants its images scored as real (0); only its weights move.
        with tf.GradientTape() as tape:
            g_loss = self.loss_fn(tf.zeros((count, 1)), self.discriminator(self.generator(self._noise(count))))
        painter_vars = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(g_loss, painter_vars), painter_vars)

        self.critic_loss.update_state(d_loss)
        self.painter_loss.update_state(g_loss)
        return {"d_loss": self.critic_loss.result(), "g_loss": self.painter_loss.result()}


(digits_a, _), (digits_b, _) = _synthetic.mnist.load_data()
digits = np.reshape(np.concatenate([digits_a, digits_b]).astype("float32") / 255.0, (-1, 28, 28, 1))
digit_batches = tf.data.Dataset.from_tensor_slices(digits).shuffle(buffer_size=1024).batch(64)

gan = AdversarialPair(discriminator=critic, generator=painter, noise_dim=NOISE_DIM)
gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
            g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
gan_history = gan.fit(digit_batches.take(2), epochs=1)

histories = (history_compiled, history_own, history_weighted)
COMPAT_RESULTS = {
    "keys": [sorted(h.history) for h in histories],
    "loss_1": history_compiled.history["loss"][-1], "loss_2": history_own.history["loss"][-1],
    "loss_3": history_weighted.history["loss"][-1], "evaluation": evaluation,
    "gan_keys": sorted(gan_history.history), "d_loss": gan_history.history["d_loss"][-1],
    "g_loss": gan_history.history["g_loss"][-1], "gan_steps": int(gan.d_optimizer.iterations),
}
# The NumPy data is the same on both; initial weights and the GAN's draws differ: compared with bounds.
COMPAT_COMPARE = {"loss_1": {"within": 0.5}, "loss_2": {"within": 0.5}, "loss_3": {"within": 0.5},
                  "evaluation": {"within": 1.0}, "d_loss": {"within": 0.5}, "g_loss": {"within": 0.5}}
