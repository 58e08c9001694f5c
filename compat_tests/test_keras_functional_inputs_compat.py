"""A functional model converts each input to its `keras.Input`'s dtype, as Keras 3's
`Functional._convert_inputs_to_tensors` (tutorials/load_data/csv feeds int64 columns to float32
Inputs and calls a preprocessing model on string Inputs)."""

import numpy as np
import pytest

from compat_tests._harness import optional

CASES = [("float32", np.array([[1], [2]], np.int64)), ("float32", np.array([[1.5]], np.float64)),
         ("int32", np.array([[1.7], [-2.5]], np.float32)), ("int64", np.array([[1]], np.int32)),
         ("bool", np.array([[0], [2]])), ("float64", np.array([[1.25]], np.float64)),
         ("float16", np.array([[3]], np.int64)), ("string", np.array([["a"]], object)),
         ("float32", np.array([["1.5"]], object))]


@pytest.mark.parametrize("dtype, value", CASES, ids=[f"{d}-{v.dtype}" for d, v in CASES])
def test_an_input_is_converted_to_its_inputs_dtype(compare, dtype, value):
    def program(tf):
        inputs = tf.keras.Input((1,), dtype=dtype)
        model = tf.keras.Model(inputs, [inputs, tf.keras.layers.Identity(dtype=dtype)(inputs)])
        return model(value), model(tf.constant(value))
    compare(program, raises=optional("UnimplementedError"))


def test_a_numeric_array_for_a_string_input_raises_value_error(compare):
    def program(tf):
        inputs = tf.keras.Input((1,), dtype="string")
        return tf.keras.Model(inputs, tf.keras.layers.Identity()(inputs))(np.array([[1]]))
    compare(program, raises="ValueError")


def test_int64_columns_train_a_model_with_float32_inputs(compare):
    def program(tf):
        a, b = tf.keras.Input((1,), name="a"), tf.keras.Input((1,), name="b")
        x = tf.keras.layers.Concatenate()([a, b])
        model = tf.keras.Model({"a": a, "b": b}, tf.keras.layers.Dense(1, kernel_initializer="ones")(x))
        model.compile(optimizer="sgd", loss="mse")
        features = {"a": np.arange(4, dtype=np.int64), "b": np.linspace(0, 1, 4)}
        history = model.fit(features, np.ones(4, np.float32), epochs=2, verbose=0, shuffle=False)
        return history.history, model.predict(features, verbose=0)
    compare(program)


def test_a_preprocessing_model_is_called_on_string_inputs(compare):
    def program(tf):
        words = tf.keras.Input((1,), dtype="string", name="words")
        lookup = tf.keras.layers.StringLookup(vocabulary=["a", "b", "c"])
        encode = tf.keras.layers.CategoryEncoding(num_tokens=lookup.vocabulary_size())
        head = tf.keras.Model(words, encode(lookup(words)))
        outer_inputs = tf.keras.Input((1,), dtype="string", name="outer")
        encoded = head(outer_inputs)
        model = tf.keras.Model(outer_inputs, tf.keras.layers.Dense(1, kernel_initializer="ones")(encoded))
        return (encoded.dtype, tuple(encoded.shape), model(np.array([["b"], ["z"]], object)),
                head(np.array([["c"]], object)))
    compare(program)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_a_sequential_with_an_input_converts_to_its_dtype(compare, dtype):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((2,), dtype=dtype), tf.keras.layers.Identity(dtype=dtype)])
        embed = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Embedding(10, 2, embeddings_initializer="ones")])
        return (model(np.array([[1, 2]], np.int64)), model(np.array([[1.7, -2.2]])),
                model(tf.constant([[3, 4]], tf.int64)), embed(np.array([[1, 2, 3]])))
    compare(program)
