"""Keras 3 mixed precision on TF and on tapejax: dtype policies of layers (global and per layer),
autocasting (float32 variables read in float16 inside `call`, inputs cast), the dtypes of outputs
and gradients, gradient values through float16 computations, LossScaleOptimizer's scale after
overflows and growth steps, `compile`'s automatic wrapping, `fit`, and the errors for bad input."""

import os

import numpy as np
import pytest

from compat_tests import _harness
from compat_tests._harness import raises

X = np.array([[1.0, 2.0, 3.0], [-0.5, 0.25, 2.0]], np.float32)


def _mixed(policy, body):
    """Runs `body()` under the global `policy`, restoring 'float32' after."""
    def program(tf):
        mp = tf.keras.mixed_precision
        mp.set_global_policy(policy)
        try:
            return body(tf)
        finally:
            mp.set_global_policy("float32")
    return program


def _name(tf, dtype):
    """A dtype's name on both backends (Keras 3 gives strings, TF DTypes)."""
    return tf.as_dtype(dtype).name


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_a_dense_layer_under_a_mixed_global_policy_keeps_float32_variables_and_computes_in_half(
        compare, policy):
    def body(tf):
        mp = tf.keras.mixed_precision
        layer = tf.keras.layers.Dense(2, kernel_initializer="ones")
        y = layer(X)
        return (repr(mp.global_policy()), layer.dtype, layer.compute_dtype, layer.variable_dtype,
                repr(layer.dtype_policy), y.dtype, layer.kernel.dtype, layer.bias.dtype,
                tf.cast(y, tf.float32))
    compare(_mixed(policy, body), rtol=1e-2)


def test_a_per_layer_policy_object_or_name_sets_that_layer_only(compare):
    def program(tf):
        mp = tf.keras.mixed_precision
        a = tf.keras.layers.Dense(2, dtype=mp.Policy("mixed_float16"))
        b = tf.keras.layers.Dense(2, dtype="mixed_bfloat16")
        c = tf.keras.layers.Dense(2)
        again = tf.keras.layers.Dense.from_config(a.get_config())
        return ([(repr(x.dtype_policy), x.dtype, x.compute_dtype, x(X).dtype, x.kernel.dtype)
                 for x in (a, b, c)], repr(again.dtype_policy))
    compare(program)


def test_symbolic_outputs_take_each_layers_compute_dtype_and_inputs_stay_float32(compare):
    def body(tf):
        layers = tf.keras.layers
        inputs = tf.keras.Input(shape=(3,))
        hidden = layers.Dense(4, activation="relu")(inputs)
        half_head = layers.Dense(2, activation="softmax")(hidden)
        probs = layers.Activation("softmax", dtype="float32")(layers.Dense(2)(hidden))
        model = tf.keras.Model(inputs, probs)
        out = model(X)
        return (inputs.dtype, hidden.dtype, half_head.dtype, probs.dtype, out.dtype,
                repr(model.dtype_policy), [w.dtype for w in model.weights])
    compare(_mixed("mixed_float16", body))


def test_inputs_are_float32_under_any_global_policy(compare):
    def program(tf):
        mp = tf.keras.mixed_precision
        out = []
        for policy in ("float16", "mixed_float16"):
            mp.set_global_policy(policy)
            try:
                out.append((tf.keras.Input((3,)).dtype, tf.keras.layers.InputLayer(shape=(3,)).dtype))
            finally:
                mp.set_global_policy("float32")
        return out
    compare(program)


def test_a_custom_layer_reads_autocast_variables_in_float16_and_others_as_created(compare):
    def body(tf):
        seen = []

        class Scale(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.k = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="k")
                self.n = self.add_weight(shape=(), initializer="ones", name="n", autocast=False)

            def call(self, x):
                seen.append((_name(tf, x.dtype), _name(tf, self.k.dtype), _name(tf, self.n.dtype)))
                return x * self.k * tf.cast(self.n, x.dtype)

        layer = Scale()
        y = layer(X)
        y64 = layer(X.astype(np.float64))
        return seen, y.dtype, y64.dtype, layer.k.dtype, layer.n.dtype, tf.cast(y, tf.float32)
    compare(_mixed("mixed_float16", body))


def test_gradients_through_float16_compute_are_float32_and_match_tf(compare):
    def body(tf):
        layer = tf.keras.layers.Dense(2, kernel_initializer=tf.keras.initializers.Constant(0.3),
                                      bias_initializer="ones")
        x = tf.constant(X)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * y)
        grads = tape.gradient(loss, [layer.kernel, layer.bias])
        gx = tape.gradient(loss, x)
        return loss.dtype, [g.dtype for g in grads], gx.dtype, grads, gx, loss
    compare(_mixed("mixed_float16", body), rtol=2e-3, atol=1e-2)


def test_conv_embedding_and_normalization_layers_under_mixed_float16(compare):
    def body(tf):
        layers = tf.keras.layers
        conv = layers.Conv2D(2, 3, kernel_initializer="ones")
        emb = layers.Embedding(5, 3)
        bn = layers.BatchNormalization()
        ln = layers.LayerNormalization()
        images = np.linspace(0, 1, 25, dtype=np.float32).reshape(1, 5, 5, 1)
        bn_out = bn(X, training=True)
        return (conv(images).dtype, conv.kernel.dtype, emb(np.array([1, 2])).dtype,
                emb.embeddings.dtype, bn_out.dtype, bn.gamma.dtype, bn.moving_mean.dtype,
                ln(X).dtype, tf.cast(bn_out, tf.float32), bn.moving_mean.numpy(),
                tf.cast(ln(X), tf.float32))
    compare(_mixed("mixed_float16", body), rtol=2e-3, atol=2e-3)


def test_sequential_model_dtypes_under_mixed_float16(compare):
    def body(tf):
        layers = tf.keras.layers
        model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(3), layers.Dense(2, dtype="float32")])
        return model(X).dtype, model.dtype, model.compute_dtype, model.layers[0](X).dtype
    compare(_mixed("mixed_float16", body))


# -- LossScaleOptimizer -----------------------------------------------------------------------
def test_loss_scale_optimizer_skips_non_finite_steps_halves_and_grows_the_scale(compare):
    def program(tf):
        mp = tf.keras.mixed_precision
        v = tf.Variable(np.ones(2, np.float32))
        opt = mp.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1), initial_scale=8.0,
                                    dynamic_growth_steps=2)
        before = (opt.built, opt.initial_scale, opt.dynamic_growth_steps, opt.name,
                  opt.scale_loss(tf.constant(2.0)))
        trace = []
        for grads in ([1.0, 2.0], [np.inf, 1.0], [1.0, 1.0], [1.0, 1.0], [np.nan, 0.0],
                      [2.0, 2.0]):
            opt.apply_gradients([(tf.constant(grads, tf.float32), v)])
            trace.append((v.numpy(), opt.dynamic_scale.numpy(), opt.step_counter.numpy(),
                          opt.iterations.numpy()))
        return (before, trace, opt.scale_loss(tf.constant(2.0)), opt.dynamic_scale.dtype,
                opt.step_counter.dtype, len(opt.variables), opt.learning_rate.numpy(),
                type(opt.inner_optimizer).__name__,
                tf.keras.optimizers.LossScaleOptimizer is mp.LossScaleOptimizer)
    compare(program)


def test_loss_scale_optimizer_defaults_and_config(compare):
    def program(tf):
        opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.5), dynamic=True)
        config = opt.get_config()
        return (opt.initial_scale, opt.dynamic_growth_steps, sorted(config), config["initial_scale"],
                config["dynamic_growth_steps"], config["inner_optimizer"]["class_name"],
                # Keras 2's API is gone in Keras 3: scale_loss replaces get_scaled_loss
                hasattr(opt, "get_scaled_loss"), hasattr(opt, "get_unscaled_gradients"),
                hasattr(opt, "loss_scale"))
    compare(program)


def test_a_float16_overflow_in_a_scaled_custom_step_is_skipped(compare):
    def body(tf):
        layer = tf.keras.layers.Dense(2, kernel_initializer=tf.keras.initializers.Constant(0.3),
                                      bias_initializer="ones")
        opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.01))
        x = tf.constant([[1.0, 2.0, 3.0]])
        scales = []
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.cast(layer(x), tf.float32) ** 2)
                scaled = opt.scale_loss(loss)
            grads = tape.gradient(scaled, layer.trainable_variables)
            opt.apply_gradients(zip(grads, layer.trainable_variables))
            scales.append((scaled.dtype, opt.dynamic_scale.numpy(), opt.iterations.numpy()))
        return scales, layer.kernel.numpy(), layer.bias.numpy()
    compare(_mixed("mixed_float16", body), rtol=1e-3)


def test_compile_wraps_the_optimizer_under_mixed_float16_and_fit_trains(compare):
    def body(tf):
        layers = tf.keras.layers
        init = tf.keras.initializers.Constant(0.1)
        model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(4, kernel_initializer=init),
                                     layers.Dense(1, dtype="float32", kernel_initializer=init)])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
        opt = model.optimizer
        x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
        history = model.fit(x, np.ones((8, 1), np.float32), batch_size=4, epochs=2, verbose=0)
        return (type(opt).__name__, opt.name, type(opt.inner_optimizer).__name__,
                history.history["loss"], opt.dynamic_scale.numpy(), opt.step_counter.numpy(),
                opt.iterations.numpy(), model.layers[0].kernel.numpy(), len(opt.variables))
    compare(_mixed("mixed_float16", body), rtol=2e-3, atol=1e-4)


def test_compile_keeps_the_optimizer_without_auto_scale_loss_or_under_bfloat16(compare):
    def program(tf):
        mp = tf.keras.mixed_precision
        out = []
        for policy, auto in (("mixed_float16", False), ("mixed_bfloat16", True), ("float32", True)):
            mp.set_global_policy(policy)
            try:
                model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
                model.compile(optimizer="sgd", loss="mse", auto_scale_loss=auto)
                out.append(type(model.optimizer).__name__)
            finally:
                mp.set_global_policy("float32")
        return out
    compare(program)


def _save_mixed(backend, path):
    """Trains a mixed_float16 model on `backend` (its optimizer wrapped by compile) and saves it."""
    tf = _harness.load(backend)
    mp = tf.keras.mixed_precision
    mp.set_global_policy("mixed_float16")
    try:
        init = tf.keras.initializers.Constant(0.2)
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, kernel_initializer=init),
                                     tf.keras.layers.Dense(1, dtype="float32", kernel_initializer=init)])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
        model.fit(X, np.ones((2, 1), np.float32), epochs=2, verbose=0)
        model.save(path)
    finally:
        mp.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_float16", "float32"])
@pytest.mark.parametrize("writer", _harness.BACKENDS)
def test_a_saved_mixed_precision_model_loads_its_layer_policies_and_optimizer(
        compare, tmp_path, writer, policy):
    """The layers keep their saved policies; compile's wrapping follows the policy at load time."""
    path = os.path.join(str(tmp_path), f"mixed_{writer}.keras")
    _save_mixed(writer, path)

    def body(tf):
        model = tf.keras.models.load_model(path)
        opt = model.optimizer
        return ([(repr(layer.dtype_policy), layer.compute_dtype, layer.kernel.dtype)
                 for layer in model.layers], repr(model.dtype_policy), type(opt).__name__,
                [v.numpy() for v in opt.variables], model(X).dtype, model.predict(X, verbose=0))
    compare(_mixed(policy, body), rtol=1e-3)


@pytest.mark.parametrize("kwargs", [{"dynamic": False}, {"clipnorm": 1.0}, {"foo": 1.0}])
def test_loss_scale_optimizer_rejects_what_keras_3_dropped(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(), **kwargs)
    compare(program)


def test_loss_scale_optimizer_needs_an_optimizer_instance(compare):
    @raises("AttributeError")
    def program(tf):
        tf.keras.mixed_precision.LossScaleOptimizer("sgd")
    compare(program)


@pytest.mark.parametrize("bad", ["mixed_foo", "float33"])
def test_a_layer_with_an_unknown_policy_name_raises_value_error(compare, bad):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.Dense(2, dtype=bad)
    compare(program)


def test_set_global_policy_rejects_a_number(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.mixed_precision.set_global_policy(3)
    compare(program)


X3 = np.linspace(-1, 1, 40, dtype=np.float32).reshape(2, 5, 4)
X4 = np.linspace(-1, 1, 216, dtype=np.float32).reshape(2, 6, 6, 3)
LAYER_CASES = {
    "lstm": lambda L, c: L.LSTM(3, kernel_initializer=c, recurrent_initializer=c)(X3),
    "gru": lambda L, c: L.GRU(3, kernel_initializer=c, recurrent_initializer=c)(X3),
    "simple_rnn": lambda L, c: L.SimpleRNN(3, return_sequences=True, kernel_initializer=c,
                                           recurrent_initializer=c)(X3),
    "bidirectional": lambda L, c: L.Bidirectional(L.LSTM(2, kernel_initializer=c,
                                                         recurrent_initializer=c))(X3),
    "multi_head_attention": lambda L, c: L.MultiHeadAttention(2, 3, kernel_initializer=c)(X3, X3),
    "conv1d": lambda L, c: L.Conv1D(2, 3, kernel_initializer=c)(X3),
    "depthwise_conv2d": lambda L, c: L.DepthwiseConv2D(3, depthwise_initializer=c)(X4),
    "conv2d_transpose": lambda L, c: L.Conv2DTranspose(2, 3, kernel_initializer=c)(X4),
    "max_pooling2d": lambda L, c: L.MaxPooling2D()(X4),
    "global_average_pooling2d": lambda L, c: L.GlobalAveragePooling2D()(X4),
    "prelu": lambda L, c: L.PReLU()(X3),
    "rescaling": lambda L, c: L.Rescaling(0.5)(X3),
    "time_distributed": lambda L, c: L.TimeDistributed(L.Dense(2, kernel_initializer=c))(X3),
    "concatenate": lambda L, c: L.Concatenate()([X3, X3]),
    "add": lambda L, c: L.Add()([X3, X3]),
    "softmax": lambda L, c: L.Softmax()(X3),
    "layer_normalization": lambda L, c: L.LayerNormalization()(X3),
    "lambda": lambda L, c: L.Lambda(lambda t: t * 2)(X3),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layers_compute_in_float16_under_mixed_float16(compare, case):
    def body(tf):
        y = LAYER_CASES[case](tf.keras.layers, tf.keras.initializers.Constant(0.1))
        return _name(tf, y.dtype), tf.cast(y, tf.float32)
    compare(_mixed("mixed_float16", body), rtol=5e-3, atol=5e-3)


def test_a_tf_function_custom_loop_with_loss_scaling_matches_tf(compare):
    def body(tf):
        init = tf.keras.initializers.Constant(0.05)

        class Net(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = tf.keras.layers.Dense(8, activation="relu", kernel_initializer=init)
                self.head = tf.keras.layers.Dense(1, dtype="float32", kernel_initializer=init)

            def call(self, x):
                return self.head(self.hidden(x))

        model = Net()
        model(X)
        opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.Adam(0.01),
                                                          initial_scale=2.0 ** 20,
                                                          dynamic_growth_steps=2)
        opt.build(model.trainable_variables)
        target = tf.constant([[1.0], [-1.0]])

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - target))
                scaled = opt.scale_loss(loss)
            grads = tape.gradient(scaled, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        trace = []
        for _ in range(5):
            loss = step(tf.constant(X))
            trace.append((loss.numpy(), opt.dynamic_scale.numpy(), opt.step_counter.numpy(),
                          opt.iterations.numpy()))
        return (trace, model.hidden.compute_dtype, model(X).dtype, repr(model.dtype_policy),
                [w.numpy() for w in model.weights])
    compare(_mixed("mixed_float16", body), rtol=2e-3, atol=1e-4)
