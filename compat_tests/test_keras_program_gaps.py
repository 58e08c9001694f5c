"""Keras 3 (TF 2.21) behaviours that public programs need, on TF and on tapejax: InputLayer's old
argument names, (de)serialization of initializers/activations/regularizers/constraints,
`keras.random`, `to_categorical`'s dtype, mixed precision and `keras.datasets`' cache layout."""

import warnings

import numpy as np
import pytest


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
            result = (type(e).__name__, str(e))
    return result, [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("kwargs", [
    dict(input_shape=(28, 28, 1)),
    dict(input_shape=(4,), batch_size=5),
    dict(batch_input_shape=(3, 2)),
    dict(input_shape=(2,), shape=(3,)),
    dict(shape=(2,), batch_shape=(3, 2)),
    dict(batch_size=2, batch_shape=(2, 3)),
    dict(),
], ids=["input_shape", "input_shape_batch_size", "batch_input_shape", "input_shape_wins",
        "shape_and_batch_shape", "batch_size_and_batch_shape", "nothing"])
def test_input_layer_takes_input_shape_and_batch_input_shape(compare, kwargs):
    def program(tf):
        def make():
            layer = tf.keras.layers.InputLayer(**kwargs)
            return layer.batch_shape, tuple(layer.output.shape), layer.dtype
        return _caught(make)
    compare(program)


def test_sequential_starting_with_an_input_layer_given_input_shape(compare):
    def program(tf):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = tf.keras.Sequential([tf.keras.layers.InputLayer(input_shape=(4,)),
                                         tf.keras.layers.Dense(2)])
        return len(model.layers), tuple(model.output_shape), [tuple(w.shape) for w in model.weights]
    compare(program)


_INITIALIZERS = [("GlorotUniform", {}), ("GlorotNormal", {"seed": 1}), ("HeNormal", {"seed": 3}),
                 ("HeUniform", {}), ("LecunNormal", {}), ("LecunUniform", {}), ("Zeros", {}),
                 ("Ones", {}), ("Constant", {"value": 2.0}), ("RandomNormal", {"stddev": 0.1}),
                 ("RandomUniform", {"minval": -1.0}), ("TruncatedNormal", {"mean": 1.0}),
                 ("VarianceScaling", {"scale": 2.0, "mode": "fan_out"}), ("Orthogonal", {})]


@pytest.mark.parametrize("name,kwargs", _INITIALIZERS, ids=[n for n, _ in _INITIALIZERS])
def test_initializers_serialize_deserialize_and_get_round_trip(compare, name, kwargs):
    def program(tf):
        init = getattr(tf.keras.initializers, name)(**kwargs)
        config = tf.keras.initializers.serialize(init)
        back = tf.keras.initializers.deserialize(config)
        got = tf.keras.initializers.get(config)
        return (config, type(back).__name__, back.get_config(), type(got).__name__,
                isinstance(init, tf.keras.initializers.Initializer))
    compare(program)


@pytest.mark.parametrize("identifier", ["he_normal", "HeNormal", "glorot_uniform", "zeros",
                                        "random_normal", "orthogonal", "nope", 3, None])
def test_initializers_get_by_name(compare, identifier):
    def program(tf):
        got = tf.keras.initializers.get(identifier)
        return None if got is None else (type(got).__name__, got.get_config())
    compare(program)


def test_initializers_get_passes_instances_and_instantiates_classes(compare):
    def program(tf):
        init = tf.keras.initializers.HeNormal(seed=4)
        return (tf.keras.initializers.get(init) is init,
                type(tf.keras.initializers.get(tf.keras.initializers.Ones)).__name__,
                tf.keras.initializers.serialize(None), tf.keras.initializers.deserialize(None))
    compare(program)


@pytest.mark.parametrize("name", ["relu", "softmax", "linear", "tanh", "sigmoid", "gelu", "elu"])
def test_activations_serialize_functions_by_name_and_deserialize_them(compare, name):
    def program(tf):
        fn = getattr(tf.keras.activations, name)
        text = tf.keras.activations.serialize(fn)
        back = tf.keras.activations.deserialize(text)
        as_dict = tf.keras.activations.get({"module": "keras.activations", "class_name": "function",
                                            "config": name, "registered_name": "function"})
        return text, back is fn, as_dict is fn, tf.keras.activations.get(name) is fn
    compare(program)


@pytest.mark.parametrize("value", ["relu", "custom"])
def test_activations_serialize_refuses_strings_and_gives_other_functions_a_dict(compare, value):
    def program(tf):
        def custom(x):
            return x
        return tf.keras.activations.serialize(value if value == "relu" else custom)
    compare(program)


def test_regularizers_and_constraints_serialize_round_trip(compare):
    def program(tf):
        reg = tf.keras.regularizers.L1L2(l1=0.01, l2=0.02)
        con = tf.keras.constraints.MaxNorm(max_value=2.0)
        rc = tf.keras.regularizers.serialize(reg)
        cc = tf.keras.constraints.serialize(con)
        return (rc, tf.keras.regularizers.deserialize(rc).get_config(), cc,
                tf.keras.constraints.deserialize(cc).get_config())
    compare(program)


def test_custom_layer_get_config_with_a_serialized_initializer(compare):
    def program(tf):
        keras = tf.keras

        class Scale(keras.layers.Layer):
            def __init__(self, initializer="he_normal", **kwargs):
                super().__init__(**kwargs)
                self.initializer = keras.initializers.get(initializer)

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer=self.initializer)

            def call(self, x):
                return x * self.w

            def get_config(self):
                config = super().get_config()
                config["initializer"] = keras.initializers.serialize(self.initializer)
                return config

        layer = Scale(name="scale")
        layer(np.ones((2, 3), np.float32))
        config = layer.get_config()
        again = Scale.from_config(config)
        return config["initializer"], type(again.initializer).__name__, again.name
    compare(program)


@pytest.mark.parametrize("labels,num_classes", [
    ([0, 2, 1], None), ([0, 2, 1], 4), (np.array([1, 0], np.int32), 3),
    (np.array([[1], [2]]), 3), (np.array([1.0, 2.0], np.float32), 3),
    (np.array([[0, 1], [1, 0]]), None), ([0, 3], 2), (np.array(3), 5),
], ids=["list", "list_num_classes", "int32", "column", "float_labels", "matrix", "too_few",
        "scalar"])
def test_to_categorical_returns_float64_arrays(compare, labels, num_classes):
    def program(tf):
        return tf.keras.utils.to_categorical(labels, num_classes=num_classes)
    compare(program)


@pytest.mark.parametrize("shape", [(3,), (3, 1), (2, 2)])
def test_to_categorical_of_a_tensor_is_a_float32_one_hot_tensor(compare, shape):
    def program(tf):
        labels = tf.constant(np.arange(int(np.prod(shape))).reshape(shape) % 3)
        return tf.keras.utils.to_categorical(labels, num_classes=3)
    compare(program)
