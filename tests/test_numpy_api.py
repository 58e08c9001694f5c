"""tf.experimental.numpy on tapejax: tapes, tapejax.function, errors (TF's values and dtypes are
compared in compat_tests/test_numpy_api_compat.py). Nothing here enables NumPy behaviour: it would
change Tensors for every later test in the process."""

import numpy as np
import pytest

import tapejax as tf

tnp = tf.experimental.numpy


def test_a_variable_read_through_tnp_is_watched_and_differentiated():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tnp.sum(tnp.square(tnp.asarray(v))) + tnp.sum(tnp.multiply(v, 3))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [5.0, 7.0])


def test_table_functions_compile_inside_tapejax_function_with_eager_results():
    x = tf.constant(np.arange(6.0, dtype=np.float32).reshape(2, 3))

    def body(a):
        return tnp.mean(tnp.tanh(a), axis=0) + tnp.max(tnp.cumsum(a, axis=1))

    np.testing.assert_allclose(tf.function(body)(x).numpy(), body(x).numpy(), rtol=1e-6)


def test_integer_math_is_computed_in_float64_and_sums_accumulate_in_int64():
    ints = tnp.asarray([1, 2, 3], dtype=tnp.int32)
    assert tnp.sqrt(ints).dtype == tf.float64 and tnp.sum(ints).dtype == tf.int64
    assert tnp.cumsum(ints).dtype == tf.int64 and tnp.mean(ints).dtype == tf.float64
    assert tnp.add(ints, 0.5).dtype == tf.float64 and tnp.add(ints, 1).dtype == tf.int32


def test_split_returns_a_list_of_tensors_and_shape_a_tensorshape():
    parts = tnp.split(tnp.arange(6), 3)
    assert isinstance(parts, list) and [p.numpy().tolist() for p in parts] == [[0, 1], [2, 3], [4, 5]]
    assert tnp.shape(tnp.ones([2, 3])) == tf.TensorShape([2, 3])


def test_an_unknown_dtype_conversion_mode_is_not_implemented():
    with pytest.raises(NotImplementedError, match="dtype_conversion_mode='legacy'"):
        tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")


def test_strings_are_refused_with_a_type_error():
    with pytest.raises(TypeError, match="does not take strings"):
        tnp.asarray("abc")
