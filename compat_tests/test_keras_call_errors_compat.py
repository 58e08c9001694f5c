"""Keras 3's rule for an exception raised inside `Layer.call`, on TF 2.21's Keras and on tapejax:
the innermost failing call re-raises it as the same class (RuntimeError for a class with another
constructor) with "Exception encountered when calling <Class>.call()." and the call's arguments,
`from None`; errors before `call` (build, input checks) pass through unchanged."""

import numpy as np
import pytest


def _layers(tf):
    class Bad(tf.keras.layers.Layer):
        def call(self, x, training=None, scale=2, extra=None):
            raise ValueError("boom")

        def compute_output_shape(self, input_shape):
            return input_shape

    class NoShape(tf.keras.layers.Layer):
        def call(self, x):
            raise ValueError("boom")

    class Outer(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Bad()

        def call(self, x):
            return self.inner(x)

    class Missing(tf.keras.layers.Layer):
        def call(self, x):
            raise KeyError("k")

    class Custom(Exception):
        def __init__(self, message, code):
            super().__init__(message)
            self.code = code

    class CustomRaiser(tf.keras.layers.Layer):
        def call(self, x):
            raise Custom("c", 1)

    class BuildFails(tf.keras.layers.Layer):
        def build(self, input_shape):
            raise ValueError("no build")

        def call(self, x):
            return x

    return {"bad": Bad, "outer": Outer, "missing": Missing, "custom": CustomRaiser, "build": BuildFails,
            "no_shape": NoShape}


def _raised(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the program reports what was raised
        return [type(error).__name__, str(error), error.__cause__ is None, error.__suppress_context__]
    return None


CASES = {
    "plain": lambda tf, L, x: L["bad"]()(x),
    "keyword_arguments": lambda tf, L, x: L["bad"]()(x, training=True, extra=[1, "a"]),
    "first_argument_by_keyword": lambda tf, L, x: L["bad"]()(x=x),
    "only_the_innermost_layer": lambda tf, L, x: L["outer"]()(x),
    "key_error_keeps_its_class": lambda tf, L, x: L["missing"]()(x),
    "custom_constructor_becomes_runtime_error": lambda tf, L, x: L["custom"]()(x),
    "build_errors_pass_through": lambda tf, L, x: L["build"]()(x),
    "inside_a_sequential_model": lambda tf, L, x: tf.keras.Sequential([L["bad"]()])(x),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_exception_in_call_is_reraised_with_the_call_arguments(compare, case):
    def program(tf):
        x = tf.constant(np.ones((2, 3), np.float32))
        return _raised(lambda: CASES[case](tf, _layers(tf), x))
    compare(program)


def test_a_builtin_layer_error_in_call_names_the_layer_class(compare):
    def program(tf):
        layer = tf.keras.layers.Attention()
        q = tf.constant(np.ones((2, 3, 4), np.float32))
        raised = _raised(lambda: layer([q, q], mask=tf.constant(np.ones((2, 3), bool))))
        return raised[0], raised[1].split("\n")[:3]
    compare(program)


def test_a_symbolic_call_without_output_shape_wraps_the_inference_error(compare):
    def program(tf):
        tf.keras.backend.clear_session()  # the message names the layer by its auto name
        raised = _raised(lambda: _layers(tf)["no_shape"]()(tf.keras.Input((3,))))
        return raised[0], raised[1].split("Arguments received")[0]  # Keras' auto names count per process
    compare(program)


def test_an_error_inside_tf_function_names_the_layer_call(compare):
    def program(tf):
        layer = _layers(tf)["bad"]()
        raised = _raised(lambda: tf.function(lambda a: layer(a))(tf.constant([1.0])))
        return raised[0], "Exception encountered when calling Bad.call()." in raised[1], "boom" in raised[1]
    compare(program)
