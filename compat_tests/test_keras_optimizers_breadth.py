"""Keras 3 optimizers beyond SGD/Adam/RMSprop/Adagrad (Adamax, Nadam, Adadelta, Lion) on TF
2.21 and on tapejax: variables after several steps of fixed gradients, inside and outside
tf.function, with clipping and weight decay, and in fit."""

import numpy as np
import pytest

from compat_tests._harness import raises

RS = np.random.RandomState(21)
W0 = RS.randn(4, 3).astype(np.float32)
B0 = RS.randn(3).astype(np.float32)
G_W = [RS.randn(4, 3).astype(np.float32) * s for s in (1.0, 0.3, 2.0, 1e-3, 0.5, 1e-6, 1.0)]
G_B = [RS.randn(3).astype(np.float32) * s for s in (0.5, 1e-7, 1.0, 3.0, 0.0, 0.2, 1.0)]
X = RS.randn(8, 4).astype(np.float32)
Y = RS.randn(8, 3).astype(np.float32)

OPTIMIZERS = [
    "Adamax()", "Adamax(learning_rate=0.05, beta_1=0.8, beta_2=0.9, epsilon=1e-3)",
    "Nadam()", "Nadam(learning_rate=0.02, beta_1=0.7)",
    "Adadelta()", "Adadelta(learning_rate=1.0, rho=0.9)",
    "Lion()", "Lion(learning_rate=0.01, beta_1=0.5, beta_2=0.9)",
    "Nadam(clipnorm=0.5)", "Adamax(weight_decay=0.1)", "Lion(global_clipnorm=1.0)",
    "Adadelta(clipvalue=0.2, learning_rate=0.5)",
    "Ftrl()", "Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)",
    "Ftrl(learning_rate=0.05, learning_rate_power=-0.3, initial_accumulator_value=0.5, "
    "l2_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.05, beta=0.2)",
]


def _run_fixed(tf, make, wrap=False):
    w, b = tf.Variable(W0), tf.Variable(B0)
    opt = eval("tf.keras.optimizers." + make)

    def step(gw, gb):
        opt.apply_gradients(zip([gw, gb], [w, b]))
    if wrap:
        step = tf.function(step)
    trace = []
    for gw, gb in zip(G_W, G_B):
        step(tf.constant(gw), tf.constant(gb))
        trace.append([w.numpy(), b.numpy()])
    return [trace, int(opt.iterations.numpy()), len(opt.variables)]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_optimizer_steps_match_keras(compare, make):
    compare(lambda tf: _run_fixed(tf, make), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("make", ["Adamax()", "Nadam()", "Adadelta(learning_rate=1.0)", "Lion()"])
def test_optimizer_steps_match_keras_inside_tf_function(compare, make):
    compare(lambda tf: _run_fixed(tf, make, wrap=True), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["adamax", "nadam", "adadelta", "lion", "ftrl"])
def test_optimizer_by_name_in_fit(compare, name):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
        model.set_weights([W0, B0])
        model.compile(optimizer=name, loss="mse")
        history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
        return [type(model.optimizer).__name__, history.history["loss"], model.get_weights()]
    compare(program, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("bad", ["Lion(beta_1=0.0)", "Ftrl(learning_rate_power=0.5)",
                                 "Ftrl(initial_accumulator_value=-1.0)",
                                 "Ftrl(l1_regularization_strength=-0.1)"])
def test_optimizers_reject_invalid_arguments(compare, bad):
    @raises("ValueError")
    def program(tf):
        return eval("tf.keras.optimizers." + bad)
    compare(program)


def test_nadam_keeps_its_momentum_product_variable(compare):
    def program(tf):
        opt = tf.keras.optimizers.Nadam(beta_1=0.8)
        v = tf.Variable([1.0, 2.0])
        before = len(opt.variables)
        for _ in range(3):
            opt.apply_gradients([(tf.constant([0.5, -1.0]), v)])
        return [before, opt.variables[-1].numpy(), v]
    compare(program, rtol=1e-6)


def test_adam_on_an_embedding_gradient_matches_keras(compare):
    def program(tf):
        emb = tf.keras.layers.Embedding(6, 3)
        emb.build((None,))
        emb.set_weights([np.arange(18, dtype=np.float32).reshape(6, 3) / 10])
        opt = tf.keras.optimizers.Adam(0.1)
        out = []
        for ids in ([1, 2, 2], [0, 1], [5, 5, 3]):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.sin(emb(tf.constant(ids))))
            opt.apply_gradients(zip(tape.gradient(loss, emb.trainable_weights),
                                    emb.trainable_weights))
            out.append(emb.embeddings.numpy())
        return out
    compare(program, rtol=1e-6, atol=1e-7)
