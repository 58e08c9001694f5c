"""Keras optimizers on TF/Keras 3 and on tapejax (optax): variable values after several steps,
iterations, clipping, weight decay, schedules, None gradients, minimize, and tf.function."""

import numpy as np
import pytest

from compat_tests._harness import raises

RS = np.random.RandomState(3)
W0 = RS.randn(4, 3).astype(np.float32)
B0 = RS.randn(3).astype(np.float32)
X = RS.randn(8, 4).astype(np.float32)
T = RS.randn(8, 3).astype(np.float32)


# Fixed gradients per step (with signs changing, zeros and tiny values): the updates then depend
# only on the optimizer's arithmetic, which must equal Keras' to float32 rounding.
G_W = [RS.randn(4, 3).astype(np.float32) * s for s in (1.0, 0.3, 2.0, 1e-3, 0.5, 1e-6)]
G_B = [RS.randn(3).astype(np.float32) * s for s in (0.5, 1e-7, 1.0, 3.0, 0.0, 0.2)]


def _loss(tf, w, b, x):
    y = tf.matmul(tf.convert_to_tensor(x), w) + b
    return tf.reduce_mean(tf.square(y - tf.constant(T))) + 0.1 * tf.reduce_sum(w * w * w)


def _run_fixed(tf, make):
    w = tf.Variable(W0)
    b = tf.Variable(B0)
    opt = make(tf)
    trace = []
    for gw, gb in zip(G_W, G_B):
        opt.apply_gradients(zip([tf.constant(gw), tf.constant(gb)], [w, b]))
        trace.append((w.numpy(), b.numpy()))
    return trace, int(opt.iterations.numpy())


def _run(tf, make, steps=6, x=X):
    w = tf.Variable(W0)
    b = tf.Variable(B0)
    opt = make(tf)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _loss(tf, w, b, x)
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
    return w.numpy(), b.numpy(), int(opt.iterations.numpy())


OPTIMIZERS = {
    "sgd": lambda tf: tf.keras.optimizers.SGD(0.05),
    "sgd_momentum": lambda tf: tf.keras.optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda tf: tf.keras.optimizers.SGD(0.05, momentum=0.8, nesterov=True),
    "sgd_weight_decay": lambda tf: tf.keras.optimizers.SGD(0.05, momentum=0.5, weight_decay=0.1),
    "adam": lambda tf: tf.keras.optimizers.Adam(),
    "adam_lr": lambda tf: tf.keras.optimizers.Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
    "adam_amsgrad": lambda tf: tf.keras.optimizers.Adam(0.05, amsgrad=True),
    "adamw": lambda tf: tf.keras.optimizers.AdamW(0.05),
    "adamw_decay": lambda tf: tf.keras.optimizers.AdamW(0.05, weight_decay=0.3),
    "rmsprop": lambda tf: tf.keras.optimizers.RMSprop(),
    "rmsprop_momentum_centered": lambda tf: tf.keras.optimizers.RMSprop(0.01, rho=0.8, momentum=0.7,
                                                                        centered=True),
    "adagrad": lambda tf: tf.keras.optimizers.Adagrad(0.1),
    "adagrad_init": lambda tf: tf.keras.optimizers.Adagrad(0.1, initial_accumulator_value=0.5,
                                                           epsilon=1e-4),
    "clipnorm": lambda tf: tf.keras.optimizers.SGD(0.1, clipnorm=0.5),
    "clipvalue": lambda tf: tf.keras.optimizers.Adam(0.1, clipvalue=0.05),
    "global_clipnorm": lambda tf: tf.keras.optimizers.RMSprop(0.01, global_clipnorm=0.3),
    "exponential_decay": lambda tf: tf.keras.optimizers.Adam(
        tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)),
    "exponential_decay_staircase": lambda tf: tf.keras.optimizers.SGD(
        tf.keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True), momentum=0.9),
    "cosine_decay": lambda tf: tf.keras.optimizers.SGD(
        tf.keras.optimizers.schedules.CosineDecay(0.1, decay_steps=4, alpha=0.1), momentum=0.9),
    "cosine_decay_warmup": lambda tf: tf.keras.optimizers.Adam(
        tf.keras.optimizers.schedules.CosineDecay(0.01, decay_steps=3, warmup_target=0.1,
                                                  warmup_steps=2)),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_updates_match_keras(compare, name):
    """Every step's variable values, from the same gradients, to float32 rounding."""
    compare(lambda tf: _run_fixed(tf, OPTIMIZERS[name]), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_training_matches_keras(compare, name):
    """Gradients from a tape on a loss: the gradient's own float32 rounding (XLA's reduction order
    differs from TF's kernels) feeds back through six steps, and Adam-like updates amplify it for
    near-zero gradients, hence 1e-4 here; the exact update rule is checked above."""
    compare(lambda tf: _run(tf, OPTIMIZERS[name]), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["adam", "adamw", "rmsprop", "adagrad"])
def test_optimizer_updates_match_keras_with_tiny_gradients(compare, name):
    """Gradients near epsilon, where Keras' placement of epsilon decides the update."""
    def program(tf):
        w, b = tf.Variable(W0), tf.Variable(B0)
        opt = OPTIMIZERS[name](tf)
        for gw, gb in zip(G_W, G_B):
            opt.apply_gradients(zip([tf.constant(gw * 1e-6), tf.constant(gb * 1e-7)], [w, b]))
        return w.numpy(), b.numpy()
    compare(program, rtol=1e-5, atol=1e-7)


def test_optimizer_defaults(compare):
    def program(tf):
        o = tf.keras.optimizers
        adam, sgd, rms, ada, adamw = o.Adam(), o.SGD(), o.RMSprop(), o.Adagrad(), o.AdamW()
        return (float(adam.learning_rate.numpy()), adam.beta_1, adam.beta_2, adam.epsilon,
                adam.amsgrad, float(sgd.learning_rate.numpy()), sgd.momentum, sgd.nesterov,
                rms.rho, rms.momentum, rms.epsilon, rms.centered, ada.initial_accumulator_value,
                ada.epsilon, adamw.weight_decay, int(adam.iterations.numpy()))
    compare(program)


def test_none_gradient_is_skipped(compare):
    def program(tf):
        w, b, unused = tf.Variable(W0), tf.Variable(B0), tf.Variable([1.0, 2.0])
        opt = tf.keras.optimizers.Adam(0.1)
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = _loss(tf, w, b, X)
            grads = tape.gradient(loss, [w, unused, b])
            opt.apply_gradients(zip(grads, [w, unused, b]))
        return w.numpy(), b.numpy(), unused.numpy(), int(opt.iterations.numpy()), grads[1]
    compare(program, rtol=2e-5, atol=1e-6)


def test_all_none_gradients_raise(compare):
    @raises("ValueError")
    def program(tf):
        w = tf.Variable([1.0])
        tf.keras.optimizers.SGD().apply_gradients([(None, w)])
    compare(program)


def test_learning_rate_can_be_assigned(compare):
    def program(tf):
        w, b = tf.Variable(W0), tf.Variable(B0)
        opt = tf.keras.optimizers.SGD(0.1, momentum=0.9)
        out = []
        for step in range(4):
            if step == 2:
                opt.learning_rate = 0.01
            with tf.GradientTape() as tape:
                loss = _loss(tf, w, b, X)
            opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
            out.append(w.numpy())
        return out, float(opt.learning_rate.numpy())
    compare(program, rtol=2e-5, atol=1e-6)


def test_schedule_values(compare):
    def program(tf):
        s = tf.keras.optimizers.schedules
        exp = s.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.7)
        cos = s.CosineDecay(0.2, decay_steps=5, alpha=0.05, warmup_target=0.5, warmup_steps=2)
        return [exp(i) for i in range(6)], [cos(i) for i in range(9)]
    compare(program, rtol=1e-6)


def test_apply_gradients_inside_function(compare):
    def program(tf):
        w, b = tf.Variable(W0), tf.Variable(B0)
        opt = tf.keras.optimizers.Adam(0.05)

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = _loss(tf, w, b, x)
            grads = tape.gradient(loss, [w, b])
            opt.apply_gradients(zip(grads, [w, b]))
            return loss

        losses = [step(tf.constant(X)) for _ in range(5)]
        return losses, w.numpy(), b.numpy(), int(opt.iterations.numpy())
    compare(program, rtol=2e-5, atol=1e-6)


def test_keras_apply_with_built_optimizer(compare):
    def program(tf):
        w, b = tf.Variable(W0), tf.Variable(B0)
        opt = tf.keras.optimizers.RMSprop(0.01)
        opt.build([w, b])
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = _loss(tf, w, b, X)
            opt.apply(tape.gradient(loss, [w, b]))
        return w.numpy(), b.numpy(), len(opt.variables)
    compare(program, rtol=2e-5, atol=1e-6)


def test_model_trainable_weights_with_optimizer(compare):
    def program(tf):
        keras = tf.keras
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(5, activation="relu"),
                                  keras.layers.Dense(3)])
        rs = np.random.RandomState(1)
        model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.5 for w in model.weights])
        opt = keras.optimizers.Adam(0.01)
        loss_fn = keras.losses.MeanSquaredError()
        for _ in range(5):
            with tf.GradientTape() as tape:
                loss = loss_fn(T, model(X))
            grads = tape.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
        return model.get_weights(), float(loss.numpy())
    compare(program, rtol=2e-5, atol=1e-6)
