"""tapejax.keras.mixed_precision: mixed policies give float32 variables read in the compute dtype
inside `call` only (the attributes are restored after), and leave the global policy settable."""

import numpy as np

import tapejax as tf


def test_a_mixed_global_policy_is_set_and_new_layers_take_it():
    mp = tf.keras.mixed_precision
    mp.set_global_policy("mixed_float16")
    try:
        assert mp.global_policy().name == "mixed_float16"
        layer = tf.keras.layers.Dense(1)
        assert (layer.dtype, layer.compute_dtype) == ("float32", "float16")
    finally:
        mp.set_global_policy("float32")
    assert tf.keras.layers.Dense(1).compute_dtype == "float32"


def test_a_mixed_layer_restores_its_variable_attributes_after_call_even_when_call_raises():
    class Boom(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.k = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            assert self.k.dtype == "float16" and not isinstance(self.k, tf.Variable)
            raise RuntimeError("boom")

    layer = Boom(dtype="mixed_float16")
    try:
        layer(np.ones((1, 2), np.float32))
    except RuntimeError:
        pass
    assert isinstance(layer.k, tf.Variable) and layer.k.dtype == "float32"
    assert tf.keras.layers.Dense(1)(np.ones((1, 2), np.float32)).dtype == tf.float32


def test_keras_variable_and_tensor_dtypes_are_strings_that_also_act_as_dtypes():
    layer = tf.keras.layers.Dense(1)
    layer(np.ones((1, 2), np.float32))
    dtype = layer.kernel.dtype
    assert isinstance(dtype, str) and dtype == "float32" and dtype == tf.float32
    assert dtype.is_floating and dtype.as_numpy_dtype is np.float32
    assert tf.as_dtype(dtype) is tf.float32
    assert isinstance(tf.keras.Input((2,)).dtype, str)
