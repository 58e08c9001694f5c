"""Keras layers on TF/Keras 3 and on tapejax, with the SAME fixed weights (set via set_weights):
outputs, gradients with respect to inputs and weights, weight lists and training-mode state."""

import numpy as np
import pytest

from compat_tests._harness import raises

RS = np.random.RandomState(7)
X2 = RS.randn(5, 6).astype(np.float32)
X4 = RS.randn(2, 9, 9, 3).astype(np.float32)
W_DENSE = RS.randn(6, 4).astype(np.float32) * 0.5
B_DENSE = RS.randn(4).astype(np.float32) * 0.1
X3 = RS.randn(2, 3, 6).astype(np.float32)
X_LN = RS.randn(2, 3, 4).astype(np.float32) * 2 + 1


def _grads(tf, layer, x, training=None, weight=None):
    """Output, d(sum(out * weight))/d(input), and gradients of every trainable weight."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training) if training is not None else layer(x)
        w = weight if weight is not None else np.linspace(-1, 1, int(np.prod(y.shape)),
                                                          dtype=np.float32).reshape(y.shape)
        loss = tf.reduce_sum(y * tf.constant(w))
    grads = tape.gradient(loss, [x] + list(layer.trainable_weights))
    return [y] + [tf.convert_to_tensor(g) for g in grads]


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax", "gelu"])
def test_dense_output_and_gradients(compare, activation):
    def program(tf):
        layer = tf.keras.layers.Dense(4, activation=activation)
        layer.build((None, 6))
        layer.set_weights([W_DENSE, B_DENSE])
        return _grads(tf, layer, X2)
    compare(program, rtol=1e-5, atol=1e-6)


def test_dense_rank3_input_no_bias(compare):
    def program(tf):
        layer = tf.keras.layers.Dense(4, use_bias=False)
        layer.build((None, 3, 6))
        layer.set_weights([W_DENSE])
        return _grads(tf, layer, X3)
    compare(program, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, padding="same", activation="relu"),
    dict(filters=2, kernel_size=(2, 3), strides=2, padding="same"),
    dict(filters=3, kernel_size=3, dilation_rate=2),
    dict(filters=3, kernel_size=2, strides=(2, 1), use_bias=False),
])
def test_conv2d_output_and_gradients(compare, kwargs):
    def program(tf):
        layer = tf.keras.layers.Conv2D(**kwargs)
        layer.build((None, 9, 9, 3))
        weights = [np.random.RandomState(3).randn(*w.shape).astype(np.float32) * 0.3
                   for w in layer.weights]
        layer.set_weights(weights)
        return _grads(tf, layer, X4)
    compare(program, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls,kwargs", [
    ("MaxPooling2D", {}),
    ("MaxPooling2D", dict(pool_size=3, strides=2)),
    ("MaxPooling2D", dict(pool_size=2, padding="same")),
    ("AveragePooling2D", {}),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same")),
    ("GlobalAveragePooling2D", {}),
    ("GlobalAveragePooling2D", dict(keepdims=True)),
    ("Flatten", {}),
    ("Reshape", dict(target_shape=(27, -1))),
    ("Activation", dict(activation="relu")),
])
def test_shape_layers_output_and_gradients(compare, cls, kwargs):
    @raises("TypeError", optional_=True)
    def program(tf):
        layer = getattr(tf.keras.layers, cls)(**kwargs)
        return _grads(tf, layer, X4)
    compare(program, rtol=1e-5, atol=1e-6)


def test_dropout_is_identity_in_inference(compare):
    def program(tf):
        layer = tf.keras.layers.Dropout(0.5)
        return layer(tf.constant(X2)), layer(tf.constant(X2), training=False)
    compare(program)


def test_dropout_training_drops_and_rescales(tf):
    layer = tf.keras.layers.Dropout(0.25)
    x = np.ones((200, 50), np.float32)
    y = layer(tf.constant(x), training=True).numpy()
    dropped = np.mean(y == 0)
    assert 0.2 < dropped < 0.3
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)


def test_batch_normalization_training_updates_moving_stats(compare):
    def program(tf):
        layer = tf.keras.layers.BatchNormalization(momentum=0.9)
        layer.build((None, 6))
        rs = np.random.RandomState(5)
        layer.set_weights([rs.rand(6).astype(np.float32) + 0.5, rs.randn(6).astype(np.float32),
                           rs.randn(6).astype(np.float32), rs.rand(6).astype(np.float32) + 0.5])
        train = _grads(tf, layer, X2 * 3 + 1, training=True)
        layer(tf.constant(X2), training=True)
        infer = _grads(tf, layer, X2, training=False)
        return (train, infer, [w.numpy() for w in layer.weights],
                [w.name for w in layer.weights], len(layer.trainable_weights),
                len(layer.non_trainable_weights))
    compare(program, rtol=1e-4, atol=1e-5)


def test_batch_normalization_frozen_uses_moving_stats(compare):
    def program(tf):
        layer = tf.keras.layers.BatchNormalization()
        layer.build((None, 9, 9, 3))
        layer.trainable = False
        y = layer(tf.constant(X4), training=True)
        return y, [w.numpy() for w in layer.weights], len(layer.trainable_weights)
    compare(program, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_normalization(compare, axis):
    def program(tf):
        layer = tf.keras.layers.LayerNormalization(axis=axis)
        x = X_LN
        layer.build(x.shape)
        rs = np.random.RandomState(9)
        layer.set_weights([rs.rand(*w.shape).astype(np.float32) + 0.5 for w in layer.weights])
        return _grads(tf, layer, x)
    compare(program, rtol=1e-4, atol=1e-5)


def test_embedding_output_and_gradient(compare):
    def program(tf):
        layer = tf.keras.layers.Embedding(7, 3)
        layer.build((None, 4))
        table = np.arange(21, dtype=np.float32).reshape(7, 3) / 10
        layer.set_weights([table])
        ids = tf.constant([[1, 2, 2, 6], [0, 1, 5, 5]])
        with tf.GradientTape() as tape:
            y = layer(ids)
            loss = tf.reduce_sum(y * y)
        (g,) = tape.gradient(loss, layer.trainable_weights)
        return y, type(g).__name__, tf.convert_to_tensor(g)
    compare(program)


def test_weights_order_names_and_counts(compare):
    def program(tf):
        keras = tf.keras
        model = keras.Sequential([
            keras.Input(shape=(9, 9, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(5),
        ])
        shapes = [tuple(w.shape) for w in model.weights]
        names = [w.name for w in model.weights]
        trainable = [tuple(w.shape) for w in model.trainable_weights]
        return (shapes, names, trainable, len(model.non_trainable_weights), model.count_params(),
                len(model.layers), tuple(model.output_shape))
    compare(program)


def _set_seeded(model, seed=0):
    rs = np.random.RandomState(seed)
    model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.3 for w in model.weights])


def test_sequential_functional_and_subclassed_agree(compare):
    def program(tf):
        keras = tf.keras

        seq = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
        seq(tf.constant(X2))
        _set_seeded(seq)

        inputs = keras.Input(shape=(6,))
        h = keras.layers.Dense(8, activation="relu")(inputs)
        outputs = keras.layers.Dense(3)(h)
        functional = keras.Model(inputs=inputs, outputs=outputs)
        _set_seeded(functional)

        class MLP(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(8, activation="relu")
                self.out = keras.layers.Dense(3)

            def call(self, x):
                return self.out(self.hidden(x))

        sub = MLP()
        sub(tf.constant(X2))
        _set_seeded(sub)
        x = tf.constant(X2)
        return (seq(x), functional(x), sub(x), [tuple(w.shape) for w in sub.weights],
                [tuple(w.shape) for w in functional.weights])
    compare(program, rtol=1e-5, atol=1e-6)


def test_training_argument_propagates_to_nested_layers(compare):
    def program(tf):
        keras = tf.keras
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(6),
                                  keras.layers.BatchNormalization()])
        _set_seeded(model, 4)
        x = tf.constant(X2)
        infer = model(x)
        train = model(x, training=True)
        return infer, train, [w.numpy() for w in model.non_trainable_weights]
    compare(program, rtol=1e-4, atol=1e-5)


def test_frozen_layer_has_no_trainable_weights_and_no_gradient(compare):
    def program(tf):
        keras = tf.keras
        first = keras.layers.Dense(4)
        model = keras.Sequential([keras.Input(shape=(6,)), first, keras.layers.Dense(2)])
        _set_seeded(model, 2)
        first.trainable = False
        x = tf.constant(X2)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        grads = tape.gradient(loss, model.trainable_weights)
        return len(model.trainable_weights), len(model.non_trainable_weights), grads
    compare(program, rtol=1e-5, atol=1e-6)


def test_set_weights_wrong_count_raises(compare):
    @raises("ValueError")
    def program(tf):
        layer = tf.keras.layers.Dense(4)
        layer.build((None, 6))
        layer.set_weights([W_DENSE])
    compare(program, messages=False)


# -- input_spec: Keras' checks of a call's input rank and feature size ---------------------------
_SPEC_CASES = {
    "dense_built_feature_size": (lambda L, n: L.Dense(2, name=n), (3, 4), (3, 5)),
    "dense_rank_1": (lambda L, n: L.Dense(2, name=n), None, (4,)),
    "dense_rank_1_after_build": (lambda L, n: L.Dense(2, name=n), (3, 4), (4,)),
    "dense_rank_3_after_build_is_fine": (lambda L, n: L.Dense(2, name=n), (3, 4), (2, 3, 4)),
    "conv2d_rank_3": (lambda L, n: L.Conv2D(2, 3, name=n), None, (5, 5, 3)),
    "conv2d_built_channels": (lambda L, n: L.Conv2D(2, 3, name=n), (1, 5, 5, 3), (1, 5, 5, 4)),
    "conv1d_rank_2": (lambda L, n: L.Conv1D(2, 3, name=n), None, (5, 3)),
    "conv1d_built_channels": (lambda L, n: L.Conv1D(2, 3, name=n), (1, 5, 3), (1, 5, 2)),
    "conv2d_transpose_rank_3": (lambda L, n: L.Conv2DTranspose(2, 3, name=n), None, (5, 5, 3)),
    "depthwise_conv2d_rank_3": (lambda L, n: L.DepthwiseConv2D(3, name=n), None, (5, 5, 3)),
    "separable_conv2d_rank_3": (lambda L, n: L.SeparableConv2D(2, 3, name=n), None, (5, 5, 3)),
    "max_pooling2d_rank_3": (lambda L, n: L.MaxPooling2D(name=n), None, (4, 4, 3)),
    "average_pooling1d_rank_2": (lambda L, n: L.AveragePooling1D(2, name=n), None, (4, 3)),
    "max_pooling1d_rank_4": (lambda L, n: L.MaxPooling1D(2, name=n), None, (1, 4, 3, 2)),
    "global_average_pooling2d_rank_3": (lambda L, n: L.GlobalAveragePooling2D(name=n), None, (4, 4, 3)),
    "global_max_pooling1d_rank_2": (lambda L, n: L.GlobalMaxPooling1D(name=n), None, (4, 3)),
    "lstm_rank_2": (lambda L, n: L.LSTM(2, name=n), None, (4, 3)),
    "simple_rnn_rank_2": (lambda L, n: L.SimpleRNN(2, name=n), None, (4, 3)),
    "gru_rank_4": (lambda L, n: L.GRU(2, name=n), None, (1, 4, 3, 2)),
    "bidirectional_rank_2": (lambda L, n: L.Bidirectional(L.LSTM(2), name=n), None, (4, 3)),
    "batch_normalization_built_features": (lambda L, n: L.BatchNormalization(name=n), (2, 3), (2, 4)),
    "batch_normalization_built_rank": (lambda L, n: L.BatchNormalization(name=n), (2, 3), (2, 2, 3)),
    "up_sampling2d_rank_3": (lambda L, n: L.UpSampling2D(name=n), None, (4, 4, 3)),
    "zero_padding1d_rank_2": (lambda L, n: L.ZeroPadding1D(name=n), None, (4, 3)),
    "zero_padding2d_rank_3": (lambda L, n: L.ZeroPadding2D(name=n), None, (4, 4, 3)),
    "cropping2d_rank_3": (lambda L, n: L.Cropping2D(1, name=n), None, (4, 4, 3)),
    "cropping1d_rank_2": (lambda L, n: L.Cropping1D(1, name=n), None, (4, 3)),
    "embedding_takes_any_rank": (lambda L, n: L.Embedding(5, 2, name=n), None, (2,)),
}


@pytest.mark.parametrize("case", sorted(_SPEC_CASES))
def test_a_layer_checks_its_input_spec_as_keras(compare, case):
    make, first, bad = _SPEC_CASES[case]

    def program(tf):
        layer = make(tf.keras.layers, "probe")
        if first is not None:
            layer(np.ones(first, np.float32))
        return tuple(layer(np.ones(bad, np.float32)).shape)
    raises = None if case.endswith(("is_fine", "any_rank")) else "ValueError"
    compare(program, raises=raises)


def test_input_spec_is_checked_on_symbolic_inputs_and_custom_specs(compare):
    def program(tf):
        out = []
        try:
            tf.keras.layers.Conv2D(2, 3, name="conv")(tf.keras.Input((5, 5)))
        except ValueError as err:
            out.append(str(err))

        class Pair(tf.keras.layers.Layer):
            def __init__(self):
                super().__init__(name="pair")
                self.input_spec = tf.keras.layers.InputSpec(ndim=2, axes={-1: 2})

            def call(self, x):
                return x

        try:
            Pair()(np.ones((3, 3), np.float32))
        except ValueError as err:
            out.append(str(err))
        out.append(Pair()(np.ones((3, 2), np.float32)))
        return out
    compare(program)
