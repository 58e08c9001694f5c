"""Keras 3 optimizers' `use_ema` (a moving average of the weights, written over them every
`ema_overwrite_frequency` steps and when `fit` ends) and `gradient_accumulation_steps` (gradients
summed over N calls, the update made on every Nth with their mean) on TF 2.21 and on tapejax:
weights, averages, accumulators, iterations and the optimizer's variables, eagerly, inside
tf.function and in fit."""

import numpy as np
import pytest

RS = np.random.RandomState(5)
W0 = RS.randn(3, 2).astype(np.float32)
B0 = RS.randn(2).astype(np.float32)
G_W = [RS.randn(3, 2).astype(np.float32) for _ in range(7)]
G_B = [RS.randn(2).astype(np.float32) for _ in range(7)]
X = RS.randn(16, 3).astype(np.float32)
Y = RS.randn(16, 2).astype(np.float32)

CONFIGS = [
    "SGD(0.1, use_ema=True)",
    "SGD(0.1, momentum=0.5, use_ema=True, ema_momentum=0.5)",
    "Adam(0.05, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=3)",
    "SGD(0.1, gradient_accumulation_steps=2)",
    "Adam(0.05, gradient_accumulation_steps=3)",
    "Adam(0.05, gradient_accumulation_steps=2, weight_decay=0.1, clipnorm=0.5)",
    "RMSprop(0.01, use_ema=True, ema_momentum=0.7, ema_overwrite_frequency=2, gradient_accumulation_steps=2)",
    "Adam(learning_rate=0.05, gradient_accumulation_steps=2, use_ema=True)",
]


def _variables_of(opt):
    return [(v.path, tuple(v.shape), np.asarray(v.numpy())) for v in opt.variables]


def _run_fixed(tf, make, wrap=False):
    w, b = tf.Variable(W0, name="w"), tf.Variable(B0, name="b")
    opt = eval("tf.keras.optimizers." + make)

    def step(gw, gb):
        opt.apply_gradients(zip([gw, gb], [w, b]))
    if wrap:
        step = tf.function(step)
    trace = []
    for gw, gb in zip(G_W, G_B):
        step(tf.constant(gw), tf.constant(gb))
        trace.append([w.numpy(), b.numpy(), int(opt.iterations.numpy())])
    return [trace, [(shape, value) for _, shape, value in _variables_of(opt)]]


@pytest.mark.parametrize("make", CONFIGS)
def test_optimizer_steps_match_keras(compare, make):
    compare(lambda tf: _run_fixed(tf, make), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("make", [CONFIGS[2], CONFIGS[4], CONFIGS[6]])
def test_optimizer_steps_match_keras_inside_tf_function(compare, make):
    compare(lambda tf: _run_fixed(tf, make, wrap=True), rtol=2e-5, atol=1e-6)


def test_the_averages_and_accumulators_are_named_and_ordered_as_keras_names_them(compare):
    def program(tf):
        w, b = tf.keras.Variable(W0, name="w"), tf.keras.Variable(B0, name="b")
        opt = tf.keras.optimizers.Adam(0.1, use_ema=True, gradient_accumulation_steps=2)
        opt.build([w, b])
        # the part after the optimizer's own name (Keras numbers optimizers per process: adam_6)
        return [(v.path.split("/", 1)[1], tuple(v.shape), v.dtype) for v in opt.variables]
    compare(program)


@pytest.mark.parametrize("make", [CONFIGS[0], CONFIGS[2], CONFIGS[4], CONFIGS[7]])
def test_fit_ends_with_the_moving_average_in_the_weights(compare, make):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
        model.set_weights([W0, B0])
        model.compile(optimizer=eval("tf.keras.optimizers." + make), loss="mse")
        history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return [history.history["loss"], model.get_weights(), int(model.optimizer.iterations.numpy())]
    compare(program, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", ["gradient_accumulation_steps=1", "gradient_accumulation_steps=0.5",
                                    "use_ema=True, ema_momentum=1.5",
                                    "use_ema=True, ema_overwrite_frequency=-1"])
def test_bad_settings_raise_keras_value_error(compare, kwargs):
    compare(lambda tf: eval(f"tf.keras.optimizers.SGD(0.1, {kwargs})") and None, raises="ValueError")


def test_finalize_variable_values_writes_the_averages(compare):
    def program(tf):
        w = tf.Variable(W0)
        opt = tf.keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5)
        for g in G_W[:3]:
            opt.apply_gradients([(tf.constant(g), w)])
        before = w.numpy()
        opt.finalize_variable_values([w])
        return [before, w.numpy()]
    compare(program)


def test_a_checkpoint_restores_the_averages_and_accumulators_before_the_build(compare, tmp_path):
    def program(tf):
        def make():
            w = tf.Variable(W0)
            opt = tf.keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.6,
                                           gradient_accumulation_steps=2)
            return w, opt
        w, opt = make()
        for g in G_W[:3]:
            opt.apply_gradients([(tf.constant(g), w)])
        path = tf.train.Checkpoint(w=w, opt=opt).save(str(tmp_path / tf.__name__ / "ckpt"))
        w2, opt2 = make()
        tf.train.Checkpoint(w=w2, opt=opt2).restore(path)
        opt2.apply_gradients([(tf.constant(G_W[3]), w2)])  # built now: the saved state comes back
        opt.apply_gradients([(tf.constant(G_W[3]), w)])
        return [[v.numpy() for v in opt2.variables], w2.numpy(), [v.numpy() for v in opt.variables]]
    compare(program, rtol=2e-5, atol=1e-6)
