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
