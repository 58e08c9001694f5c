"""tf.convert_to_tensor's `dtype` and `dtype_hint` and tf.fill's argument checks, on both backends.

TF tries a `dtype_hint` as if it were `dtype` and converts by the default rules when that raises a
TypeError or ValueError: a Python number, list or NumPy array takes the hint where it converts to
it (NumPy arrays are cast as NumPy casts them), a Tensor or Variable keeps its own dtype.
"""

import numpy as np
import pytest


def _convert(value_of, **kwargs):
    def program(tf):
        return tf.convert_to_tensor(value_of(tf), **{k: v(tf) if callable(v) else v for k, v in kwargs.items()})
    return program


# name -> (value as a function of the backend, target dtype name)
HINTED = {
    "an int with a float hint": (lambda tf: 1, "float32"),
    "a float with an int hint": (lambda tf: 1.5, "int32"),
    "a whole float with an int hint": (lambda tf: 1.0, "int32"),
    "a float with a float64 hint": (lambda tf: 1.5, "float64"),
    "a float with a complex hint": (lambda tf: 1.5, "complex64"),
    "a complex with a float hint": (lambda tf: 1 + 2j, "float32"),
    "an int out of int8 range wraps": (lambda tf: 300, "int8"),
    "a negative int with a uint8 hint wraps": (lambda tf: -1, "uint8"),
    "an int with a bool hint": (lambda tf: 1, "bool"),
    "a bool with an int32 hint": (lambda tf: True, "int32"),
    "a bool with an int8 hint": (lambda tf: True, "int8"),
    "a bool list with a uint8 hint": (lambda tf: [True, False], "uint8"),
    "a bool with a complex64 hint": (lambda tf: True, "complex64"),
    "an int with a string hint": (lambda tf: 1, "string"),
    "a string with an int hint": (lambda tf: "a", "int32"),
    "an int list with a float hint": (lambda tf: [1, 2], "float32"),
    "a mixed list with an int hint": (lambda tf: [1, 2.5], "int32"),
    "a nested list with a float64 hint": (lambda tf: [[1], [2]], "float64"),
    "a tuple with an int64 hint": (lambda tf: (1, 2), "int64"),
    "an empty list with an int hint": (lambda tf: [], "int32"),
    "a float64 array with a float32 hint": (lambda tf: np.array([1.0]), "float32"),
    "an int64 array with a float32 hint": (lambda tf: np.array([1]), "float32"),
    "a float64 array with an int32 hint truncates": (lambda tf: np.array([1.5, -2.7]), "int32"),
    "a float32 array with a bool hint": (lambda tf: np.array([1.5, 0.0], np.float32), "bool"),
    "an int64 array with a uint8 hint wraps": (lambda tf: np.array([300, -1]), "uint8"),
    "a bool array with an int hint": (lambda tf: np.array([True]), "int32"),
    "a string array with a float hint parses": (lambda tf: np.array(["1.5"]), "float32"),
    "a complex array with a float hint drops the imaginary part": (
        lambda tf: np.array([1 + 1j], np.complex64), "float32"),
    "a float array with a string hint": (lambda tf: np.array([1.0], np.float32), "string"),
    "a float64 scalar with a float32 hint": (lambda tf: np.float64(1.0), "float32"),
    "an int32 scalar with an int64 hint": (lambda tf: np.int32(3), "int64"),
    "an int32 tensor with a float hint": (lambda tf: tf.constant(1), "float32"),
    "a float variable with an int hint": (lambda tf: tf.Variable(1.0), "int32"),
    "a list with an int tensor and a float hint": (lambda tf: [tf.constant(1), 2], "float32"),
    "a list with a float tensor and an int hint": (lambda tf: [tf.constant(1.5), 2], "int32"),
    "a list of two tensors of two dtypes and an int64 hint": (
        lambda tf: [tf.constant(1), tf.constant(2.0)], "int64"),
    "a list with a variable and a float64 hint": (lambda tf: [tf.Variable(1.5), 2.0], "float64"),
    "a nested list with a tensor and a float hint": (lambda tf: [[tf.constant(1)], [2]], "float32"),
    "an int past int64 with a float hint": (lambda tf: 2**70, "float32"),
    "an int past int32 with an int32 hint wraps": (lambda tf: 2**40, "int32"),
    "an int past int64 with a uint64 hint": (lambda tf: 2**63, "uint64"),
    "inf with an int hint": (lambda tf: float("inf"), "int32"),
}


@pytest.mark.parametrize("name", sorted(HINTED))
def test_a_dtype_hint_is_used_where_the_value_converts_to_it(compare, name):
    value_of, dtype = HINTED[name]
    compare(_convert(value_of, dtype_hint=lambda tf: getattr(tf, dtype)))


# name -> (value, dtype name, the exception TF raises or None)
REQUESTED = {
    "a float to int32": (lambda tf: 1.5, "int32", "TypeError"),
    "a bool to int8": (lambda tf: True, "int8", "TypeError"),
    "a bool list to int16": (lambda tf: [True], "int16", "TypeError"),
    "a bool to uint64": (lambda tf: True, "uint64", None),
    "a bool to complex128": (lambda tf: True, "complex128", None),
    "a bool to float16": (lambda tf: [True, False], "float16", None),
    "a string array to float32": (lambda tf: np.array(["1", "2.5"]), "float32", None),
    "a bytes object array to float32": (lambda tf: np.array([b"1"], dtype=object), "float32", None),
    "a float array to string": (lambda tf: np.array([1.0], np.float32), "string", "ValueError"),
    "an int array to string": (lambda tf: np.array([1]), "string", "ValueError"),
    "a complex array to float32": (lambda tf: np.array([1 + 1j], np.complex64), "float32", None),
    "a float tensor in a list to int32": (lambda tf: [tf.constant(1.5), 2], "int32", None),
    "an int tensor in a list to bool": (lambda tf: [tf.constant(1), 0], "bool", "TypeError"),
    "an int tensor in a list to string": (lambda tf: [tf.constant(1), 0], "string", "UnimplementedError"),
    "a string tensor in a list to int32": (lambda tf: [tf.constant("a"), "b"], "int32", "UnimplementedError"),
    "a variable to another dtype": (lambda tf: tf.Variable(1.0), "int32", "ValueError"),
    "a tensor to another dtype": (lambda tf: tf.constant(1), "float32", "ValueError"),
    "an int past int64 to int64": (lambda tf: 2**63, "int64", "ValueError"),
    "an int past int64 to float32": (lambda tf: 2**70, "float32", None),
    "a list with an int past int64 to float64": (lambda tf: [1, 2**70], "float64", None),
}


@pytest.mark.parametrize("name", sorted(REQUESTED))
def test_a_requested_dtype_converts_as_tf_converts(compare, name):
    value_of, dtype, raises = REQUESTED[name]
    compare(_convert(value_of, dtype=lambda tf: getattr(tf, dtype)), raises=raises)


DEFAULTS = {
    "a float tensor then an int": (lambda tf: [tf.constant(1.0), 2], None),
    "an int tensor then a float": (lambda tf: [tf.constant(1), 2.5], "TypeError"),
    "an int then a float tensor": (lambda tf: [2, tf.constant(1.0)], None),
    "two tensors of two dtypes": (lambda tf: [tf.constant(1), tf.constant(2.0)], "InvalidArgumentError"),
    "a nested float tensor then an int": (lambda tf: [[tf.constant(1.0)], [2]], None),
    "a float tensor then a NumPy float64": (lambda tf: [tf.constant(1.0), np.float64(2)], None),
    "a float tensor then a NumPy array": (lambda tf: [tf.constant(1.0), np.array(2.0)], None),
    "an int past int64": (lambda tf: 2**70, "ValueError"),
    "an int past int64 in a list": (lambda tf: [1, 2**64], "ValueError"),
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_a_list_holding_tensors_packs_to_its_first_tensors_dtype(compare, name):
    value_of, raises = DEFAULTS[name]
    compare(_convert(value_of), raises=raises)


def test_a_dtype_hint_that_is_not_a_dtype_raises_type_error(compare):
    compare(_convert(lambda tf: 1, dtype_hint="nonsense"), raises="TypeError")


def test_a_dtype_hint_given_by_name_or_numpy_dtype(compare):
    def program(tf):
        return (tf.convert_to_tensor(1, dtype_hint="float32"), tf.convert_to_tensor(1, dtype_hint=np.float64),
                tf.convert_to_tensor(1, dtype=tf.int64, dtype_hint=tf.float32))
    compare(program)


def test_a_dtype_hint_leaves_none_unconvertible(compare):
    compare(_convert(lambda tf: None, dtype_hint=lambda tf: tf.float32), raises="ValueError")


def test_a_dtype_hint_leaves_a_tensor_differentiable(compare):
    def program(tf):
        x = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            y = tf.convert_to_tensor([x[0] * 3.0, 2.0], dtype_hint=tf.float64)
            loss = tf.reduce_sum(y * y)
        return y, tape.gradient(loss, x)
    compare(program)


def test_a_list_cast_to_a_requested_dtype_is_differentiable(compare):
    def program(tf):
        x = tf.Variable(1.5)
        with tf.GradientTape() as tape:
            y = tf.convert_to_tensor([x * 2.0, 1.0], dtype=tf.float64)
            loss = tf.reduce_sum(y * y)
        return y, tape.gradient(loss, x)
    compare(program)


# -- tf.fill -----------------------------------------------------------------------------------------
FILLS = {
    "a vector value": (lambda tf: tf.fill([2], [1, 2]), "InvalidArgumentError"),
    "a value of shape [1]": (lambda tf: tf.fill([2], [1]), None),
    "a matrix value": (lambda tf: tf.fill([2, 2], [[1.0]]), "InvalidArgumentError"),
    "a vector tensor value": (lambda tf: tf.fill([2], tf.constant([1.0, 2.0])), "InvalidArgumentError"),
    "a NumPy vector value": (lambda tf: tf.fill([3], np.array([1, 2, 3])), "InvalidArgumentError"),
    "a vector of strings": (lambda tf: tf.fill([2], ["a", "b"]), "InvalidArgumentError"),
    "an empty value": (lambda tf: tf.fill([2], []), "InvalidArgumentError"),
    "a scalar tensor value": (lambda tf: tf.fill([2], tf.constant(3.0)), None),
    "a 0-d NumPy value": (lambda tf: tf.fill([2], np.array(3.0)), None),
    "a variable value": (lambda tf: tf.fill([2], tf.Variable(2.0)), None),
    "an int past int32": (lambda tf: tf.fill([2], 2**40), None),
    "a negative dimension": (lambda tf: tf.fill([-1, 2], 1.0), "InvalidArgumentError"),
    "a negative second dimension": (lambda tf: tf.fill([2, -3], 1.0), "InvalidArgumentError"),
    "a negative dimension and a vector value": (lambda tf: tf.fill([-1], [1.0, 2.0]), "InvalidArgumentError"),
    "a negative dimension tensor": (lambda tf: tf.fill(tf.constant([2, -1]), 1.0), "InvalidArgumentError"),
    "a zero dimension": (lambda tf: tf.fill([0, 2], 1.0), None),
    "float dimensions": (lambda tf: tf.fill([2.0, 3.0], 1.0), "InvalidArgumentError"),
    "float dimensions and a vector value": (lambda tf: tf.fill([2.0], [1.0, 2.0]), "InvalidArgumentError"),
    "a float dimension tensor": (lambda tf: tf.fill(tf.constant([2.0]), 1.0), "InvalidArgumentError"),
    "a NumPy float shape of whole numbers": (lambda tf: tf.fill(np.array([2.0]), 5), None),
    "string dimensions": (lambda tf: tf.fill(["a"], 1.0), "InvalidArgumentError"),
    "None dimensions": (lambda tf: tf.fill(None, 1.0), "ValueError"),
    "a None dimension": (lambda tf: tf.fill([None, 2], 1.0), "ValueError"),
    "bool and int dimensions": (lambda tf: tf.fill([True, 2], 1.0), "ValueError"),
    "bool dimensions": (lambda tf: tf.fill([True, False], 1.0), None),
    "a scalar dimension": (lambda tf: tf.fill(3, 1.0), None),
    "a matrix of dimensions": (lambda tf: tf.fill([[2, 3]], 1.0), "InvalidArgumentError"),
    "a matrix of dimensions and a vector value": (lambda tf: tf.fill([[1]], [1.0, 2.0]), "InvalidArgumentError"),
    "a matrix tensor of dimensions": (lambda tf: tf.fill(tf.constant([[2]]), 1.0), "InvalidArgumentError"),
    "a NumPy matrix of dimensions": (lambda tf: tf.fill(np.array([[2]]), 1.0), "InvalidArgumentError"),
    "a list of vector tensors as dimensions": (
        lambda tf: tf.fill([tf.constant([2]), [3]], 1.0), "InvalidArgumentError"),
    "a list of scalar tensors as dimensions": (lambda tf: tf.fill([tf.constant(2), 3], 1.0), None),
    "int64 tensor dimensions": (lambda tf: tf.fill(tf.constant([2, 1], tf.int64), 1.0), None),
    "no dimensions": (lambda tf: tf.fill([], 5), None),
    "a string value": (lambda tf: tf.fill([2], "x"), None),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_fill_checks_its_dimensions_and_scalar_value_as_tf(compare, name):
    program, raises = FILLS[name]
    compare(program, raises=raises)


def test_fill_of_a_traced_value_inside_a_function(compare):
    def program(tf):
        @tf.function
        def f(x):
            return tf.fill([3, 2], x * 2.0), tf.fill(tf.shape(x), 1)
        return f(tf.constant(1.5))
    compare(program)
