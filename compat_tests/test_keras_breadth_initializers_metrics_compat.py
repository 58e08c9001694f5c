"""Keras 3 initializers and metrics that real programs use, on TF 2.21's Keras and on tapejax: values,
dtypes, configs, names and errors (deterministic initializers exactly; seeded draws by statistics)."""

import numpy as np
import pytest

from compat_tests._harness import raises


# -- initializers ------------------------------------------------------------------------------------
def test_identity_initializer_makes_a_rectangular_identity_times_its_gain(compare):
    def program(tf):
        init = tf.keras.initializers
        return [init.Identity(gain=2.0)((2, 3)), init.identity()((3, 2), dtype="float64"),
                init.IdentityInitializer()((2, 2)), init.Identity(gain=2)((2, 2), dtype="int32"),
                type(init.get("identity")).__name__, type(init.get("IdentityInitializer")).__name__,
                init.serialize(init.Identity(gain=3.0)),
                init.deserialize({"class_name": "IdentityInitializer", "config": {}})((2, 2))]
    compare(program)


def test_a_dense_layer_with_the_identity_kernel_initializer_passes_its_input_through(compare):
    def program(tf):
        layer = tf.keras.layers.Dense(3, kernel_initializer="identity", bias_initializer="ones")
        return layer(tf.constant([[1.0, 2.0, 3.0]])), layer.kernel.numpy()
    compare(program)


@pytest.mark.parametrize("shape", [(2, 2, 2), (3,)])
def test_identity_initializer_of_a_shape_that_is_not_2d_raises_value_error(compare, shape):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.Identity()(shape)
    compare(program)


def test_identity_initializer_with_a_float_gain_and_an_integer_dtype_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        return tf.keras.initializers.Identity()((2, 2), dtype="int32")
    compare(program)


def test_orthogonal_initializer_alias_is_the_orthogonal_class(compare):
    def program(tf):
        init = tf.keras.initializers
        values = init.OrthogonalInitializer(gain=1.5, seed=3)((4, 3)).numpy()
        return [init.OrthogonalInitializer is init.Orthogonal, type(init.get("OrthogonalInitializer")).__name__,
                values.T @ values, values.dtype.name]
    compare(program, atol=1e-5)


@pytest.mark.parametrize("kwargs, shape, dtype", [
    ({}, (4, 1, 3), "float32"),
    (dict(side="imag", window="hamming", scaling="spectrum", periodic=True), (5, 1, 4), "float32"),
    (dict(window=None, scaling=None), (3, 1, 2), "float32"),
    (dict(window=[1.0, 2.0, 3.0]), (3, 1, 2), "float32"),
    (dict(window="blackman", periodic=True), (8, 1, 5), "float64"),
    (dict(window="bartlett", scaling="spectrum"), (6, 1, 4), "float32"),
    (dict(side="imag", window="boxcar"), (4, 1, 3), "float32"),
])
def test_stft_initializer_makes_keras_windowed_fourier_kernels(compare, kwargs, shape, dtype):
    def program(tf):
        init = tf.keras.initializers
        stft = init.STFT(**kwargs)
        return [stft(shape, dtype=dtype), stft.get_config(), init.serialize(stft),
                init.stft(**kwargs).get_config() == init.STFTInitializer(**kwargs).get_config()]
    compare(program, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(window="foo"), dict(side="x"), dict(scaling="x")])
def test_stft_initializer_with_a_bad_argument_raises_value_error(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.STFT(**kwargs)
    compare(program)


def test_stft_initializer_with_a_window_of_another_length_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.STFT(window=[1.0, 2.0])((3, 1, 2))
    compare(program)
