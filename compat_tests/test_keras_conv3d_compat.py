"""keras.layers.Conv3D and Conv3DTranspose on TF 2.21's Keras 3 and on tapejax: outputs for
strides, padding and dilation, weights' shapes, gradients, and a model trained with fit."""

import numpy as np
import pytest

RS = np.random.RandomState(13)
X = RS.randn(2, 5, 6, 4, 3).astype(np.float32)

CASES = [
    "Conv3D(4, 3)",
    "Conv3D(2, (2, 3, 1), strides=(1, 2, 1), padding='same', activation='relu')",
    "Conv3D(3, 2, dilation_rate=2, use_bias=False)",
    "Conv3DTranspose(4, 3)",
    "Conv3DTranspose(2, (2, 3, 2), strides=2, padding='same')",
    "Convolution3D(2, 1)",
]


def _layer(tf, make):
    layer = eval("tf.keras.layers." + make)
    layer.build(X.shape)
    rs = np.random.RandomState(2)
    layer.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.3 for w in layer.weights])
    return layer


@pytest.mark.parametrize("make", CASES)
def test_outputs_and_weight_shapes_match_keras(compare, make):
    def program(tf):
        layer = _layer(tf, make)
        y = layer(tf.constant(X))
        return [y, [tuple(w.shape) for w in layer.weights], tuple(layer.compute_output_shape(X.shape))]
    compare(program, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [CASES[1], CASES[4]])
def test_gradients_match_keras(compare, make):
    def program(tf):
        layer = _layer(tf, make)
        x = tf.constant(X)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x) ** 2)
        return tape.gradient(loss, [x] + list(layer.trainable_weights))
    compare(program, rtol=1e-4, atol=1e-4)


def test_a_conv3d_model_trains_as_keras(compare):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input(X.shape[1:]), tf.keras.layers.Conv3D(2, 3),
                                     tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
        rs = np.random.RandomState(4)
        model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.2 for w in model.weights])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
        history = model.fit(X, np.ones((2, 1), np.float32), epochs=3, batch_size=2, verbose=0)
        return [history.history["loss"], model.output_shape]
    compare(program, rtol=1e-4, atol=1e-5)


def test_a_rank_4_input_raises_keras_value_error(compare):
    def program(tf):
        tf.keras.layers.Conv3D(2, 3)(tf.constant(X[0]))
    compare(program, raises="ValueError", messages=False)


def test_a_transposed_convolutions_output_shape_is_a_list_as_keras_returns_it(compare):
    compare(lambda tf: tf.keras.layers.Conv3DTranspose(2, 3).compute_output_shape(X.shape))
