"""Bad input raises TF's exception class and TF's first sentence (issue 16), measured on TF 2.21.

Each case runs on both backends through `compare`: the program declares the class TF raises, the
first line of TF's message must start tapejax's, and where tapejax adds a hint (`\\ntapejax: ...`)
the test checks it is there. Cases where TF itself is silently wrong (a NaN Cholesky factor, a
truncated float shape) assert TF's wrong value and tapejax's error.
"""

import numpy as np
import pytest

from compat_tests import _harness as H


def _gradient_of_square(tf, sources):
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, sources)


def _two_variables(tf):
    return tf.Variable([1.0, 2.0]), tf.Variable([3.0])


def _optimizer_on_a_new_variable(tf, make):
    v, w = _two_variables(tf)
    opt = make(tf)
    opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    opt.apply_gradients([(tf.constant([1.0]), w)])
    return w


def _optimizer_built_then_new_variable(tf):
    v, w = _two_variables(tf)
    opt = tf.keras.optimizers.Adam(0.1)
    opt.build([v])
    opt.apply_gradients([(tf.constant([1.0]), w)])
    return w


def _wrong_shape_gradient(tf, make):
    v = tf.Variable([1.0, 2.0])
    make(tf).apply_gradients([(tf.constant([1.0, 2.0, 3.0]), v)])
    return v


def _fit_before_compile(tf):
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)


def _division_read_later(tf):
    q = tf.constant([4, 6]) // tf.constant([2, 0])
    return q + 1  # the error surfaces where the value is read (tapejax) or at the op (TF)


def _sgd(tf):
    return tf.keras.optimizers.SGD(0.1)


def _adam(tf):
    return tf.keras.optimizers.Adam(0.1)


# name -> (program, TF's class, whether tapejax appends a hint, compare the message)
CASES = {
    "floordiv_by_zero": (lambda tf: tf.constant(1) // tf.constant(0), "InvalidArgumentError", True, True),
    "floordiv_by_zero_int64": (lambda tf: tf.constant(1, tf.int64) // tf.constant(0, tf.int64),
                               "InvalidArgumentError", True, True),
    "floordiv_by_zero_uint8": (lambda tf: tf.constant(1, tf.uint8) // tf.constant(0, tf.uint8),
                               "InvalidArgumentError", True, True),
    "floordiv_by_zero_element": (lambda tf: tf.constant([1, 2]) // tf.constant([1, 0]),
                                 "InvalidArgumentError", True, True),
    "floordiv_by_zero_read_later": (_division_read_later, "InvalidArgumentError", True, True),
    "floormod_by_python_zero": (lambda tf: tf.math.floormod(7, 0), "InvalidArgumentError", True, True),
    "mod_operator_by_zero": (lambda tf: tf.constant(7) % tf.constant(0), "InvalidArgumentError", True, True),
    "zeros_float_shape": (lambda tf: tf.zeros([2.5]), "TypeError", False, True),
    "zeros_integral_float_shape": (lambda tf: tf.zeros([2.0]), "TypeError", False, True),
    "zeros_float_scalar_shape": (lambda tf: tf.zeros(2.5), "TypeError", False, True),
    "zeros_string_shape": (lambda tf: tf.zeros(["a"]), "TypeError", False, True),
    "zeros_none_shape": (lambda tf: tf.zeros([None]), "ValueError", False, True),
    "zeros_float_tensor_shape": (lambda tf: tf.zeros(tf.constant([2.5])), "InvalidArgumentError", False, False),
    "fill_float_shape": (lambda tf: tf.fill([2.5], 1.0), "InvalidArgumentError", False, False),
    "ones_negative_shape": (lambda tf: tf.ones([-1, 2]), "InvalidArgumentError", False, True),
    "zeros_negative_scalar_shape": (lambda tf: tf.zeros(-3), "InvalidArgumentError", False, True),
    "fill_negative_shape": (lambda tf: tf.fill([-1], 1.0), "InvalidArgumentError", False, True),
    "random_uniform_negative_shape": (lambda tf: tf.random.uniform([-1]), "InvalidArgumentError", False, False),
    "random_normal_float_shape": (lambda tf: tf.random.normal([2.5]), "InvalidArgumentError", False, False),
    "eye_negative": (lambda tf: tf.eye(-1), "InvalidArgumentError", False, True),
    "eye_float": (lambda tf: tf.eye(2.5), "TypeError", False, True),
    "ones_element_count_overflow": (lambda tf: tf.ones([2**32, 2**32]), "InvalidArgumentError", False, True),
    "ones_element_count_overflow_3d": (lambda tf: tf.ones([2**31, 2**31, 2**31]), "InvalidArgumentError",
                                       False, True),
    "ones_dimension_past_int64": (lambda tf: tf.ones([2**63]), "ValueError", False, True),
    "zeros_larger_than_memory": (lambda tf: tf.zeros([10**12]), "ResourceExhaustedError", True, True),
    "ones_larger_than_memory_2d": (lambda tf: tf.ones([2**31, 2**31]), "ResourceExhaustedError", True, True),
    "random_normal_larger_than_memory": (lambda tf: tf.random.normal([10**6, 10**6]), "ResourceExhaustedError",
                                         True, True),
    "inv_singular": (lambda tf: tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]])), "InvalidArgumentError",
                     True, True),
    "inv_singular_float64": (lambda tf: tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]], tf.float64)),
                             "InvalidArgumentError", True, True),
    "inv_singular_in_batch": (lambda tf: tf.linalg.inv(tf.constant([[[1.0, 0.0], [0.0, 1.0]],
                                                                    [[1.0, 2.0], [2.0, 4.0]]])),
                              "InvalidArgumentError", True, True),
    "inv_of_nan": (lambda tf: tf.linalg.inv(tf.constant([[np.nan, 2.0], [2.0, 4.0]])), "InvalidArgumentError",
                   True, True),
    "solve_singular": (lambda tf: tf.linalg.solve(tf.constant([[1.0, 2.0], [2.0, 4.0]]), tf.ones([2, 1])),
                       "InvalidArgumentError", True, True),
    "add_string_operand": (lambda tf: tf.constant(1.0) + "a", "InvalidArgumentError", True, True),
    "add_string_operand_int": (lambda tf: tf.constant(1) + "a", "InvalidArgumentError", True, True),
    "tf_add_string_operand": (lambda tf: tf.add(tf.constant(1.0), "a"), "InvalidArgumentError", True, True),
    "add_float_list_to_int": (lambda tf: tf.constant([1]) + [2.5], "InvalidArgumentError", True, True),
    "add_string_list_operand": (lambda tf: tf.constant([1.0]) + ["a"], "InvalidArgumentError", True, True),
    "subtract_string_operand": (lambda tf: tf.subtract(tf.constant(1.0), "a"), "TypeError", False, False),
    "convert_mixed_types": (lambda tf: tf.convert_to_tensor([1.0, "a"]), "ValueError", False, True),
    "argmax_axis_out_of_range": (lambda tf: tf.argmax(tf.ones([2, 3]), axis=2), "InvalidArgumentError",
                                 False, True),
    "argmin_negative_axis_out_of_range": (lambda tf: tf.argmin(tf.ones([2, 3]), axis=-3),
                                          "InvalidArgumentError", False, True),
    "one_hot_negative_depth": (lambda tf: tf.one_hot([1], -1), "InvalidArgumentError", False, True),
    "one_hot_float_depth": (lambda tf: tf.one_hot([1], 2.5), "TypeError", False, True),
    "range_zero_delta": (lambda tf: tf.range(0, 10, 0), "InvalidArgumentError", False, True),
    "range_zero_float_delta": (lambda tf: tf.range(0.0, 10.0, 0.0), "InvalidArgumentError", False, True),
    "range_negative_delta_upwards": (lambda tf: tf.range(0, 10, -1), "InvalidArgumentError", False, True),
    "range_positive_delta_downwards": (lambda tf: tf.range(10, 0, 1), "InvalidArgumentError", False, True),
    "gradient_source_string": (lambda tf: _gradient_of_square(tf, "x"), "TypeError", True, True),
    "gradient_source_string_in_list": (lambda tf: _gradient_of_square(tf, [tf.constant(1.0), "x"]),
                                       "TypeError", True, True),
    "apply_gradients_wrong_shape_sgd": (lambda tf: _wrong_shape_gradient(tf, _sgd), "InvalidArgumentError",
                                        True, True),
    # TF's Adam fails in its Sub op ("Incompatible shapes: [3] vs. [2]"); tapejax names the update
    "apply_gradients_wrong_shape_adam": (lambda tf: _wrong_shape_gradient(tf, _adam), "InvalidArgumentError",
                                         True, False),
    "optimizer_new_variable_sgd": (lambda tf: _optimizer_on_a_new_variable(tf, _sgd), "ValueError", False,
                                   True),
    "optimizer_new_variable_adam": (lambda tf: _optimizer_on_a_new_variable(tf, _adam), "ValueError", False,
                                    True),
    "optimizer_built_then_new_variable": (_optimizer_built_then_new_variable, "ValueError", False, True),
    "fit_before_compile": (_fit_before_compile, "ValueError", False, True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises_tf_class_and_first_sentence(name):
    program, raises, hint, messages = CASES[name]
    H.compare(program, raises=raises, messages=messages)
    got = H.run(program, "tapejax")
    assert isinstance(got, H.Raised) and got.type_name == raises
    assert ("\ntapejax: " in got.message) == hint, got.message


def test_optimizer_on_a_subset_of_its_variables_trains_as_keras():
    def program(tf):
        v, w = _two_variables(tf)
        opt = tf.keras.optimizers.Adam(0.1)
        opt.apply_gradients([(tf.constant([1.0, 1.0]), v), (tf.constant([1.0]), w)])
        opt.apply_gradients([(tf.constant([1.0]), w)])
        return v, w
    H.compare(program)


def test_float_division_by_zero_gives_inf_as_tf():
    H.compare(lambda tf: [tf.constant(1.0) // tf.constant(0.0), tf.constant(7) / tf.constant(0),
                          tf.math.divide(7.0, 0.0)])


def test_cholesky_of_a_non_positive_definite_matrix_is_nan_on_tf_and_raises_on_tapejax():
    # TF 2.21's CPU kernel returns NaNs silently; tapejax raises TF's older (and GPU) error instead.
    def program(tf):
        return tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))
    tf_out = H.run(program, "tensorflow")
    assert tf_out[0] == "tensor" and np.isnan(tf_out[3]).any()
    got = H.run(program, "tapejax")
    assert isinstance(got, H.Raised) and got.type_name == "InvalidArgumentError"
    assert got.message.startswith("Cholesky decomposition was not successful.")
    assert "TF 2.21 returns NaNs here, tapejax raises" in got.message


def test_cholesky_of_a_positive_definite_matrix_matches_tf():
    H.compare(lambda tf: tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 3.0]])))


def test_a_numpy_float_shape_is_truncated_by_tf_and_refused_by_tapejax():
    def program(tf):
        return tf.zeros(np.array([2.5]))
    tf_out = H.run(program, "tensorflow")
    assert tf_out[0] == "tensor" and tf_out[2] == (2,)  # TF truncates 2.5 to 2
    got = H.run(program, "tapejax")
    assert isinstance(got, H.Raised) and got.type_name == "TypeError"
    assert "tapejax refuses it" in got.message


def test_numpy_integer_and_integral_float_shapes_work_as_tf():
    H.compare(lambda tf: [tf.zeros(np.array([2, 3])), tf.ones(np.array([2.0])), tf.zeros([True]),
                          tf.fill(tf.constant([2]), 3)])


def test_an_out_of_memory_error_from_a_deferred_program_is_resource_exhausted():
    import jax

    from tapejax import _errors
    err = _errors.from_runtime_error(jax.errors.JaxRuntimeError(
        "RESOURCE_EXHAUSTED: Out of memory allocating 4000000000000 bytes."))
    tf = H.load("tensorflow")
    assert type(err).__name__ == "ResourceExhaustedError"
    assert isinstance(err, H.load("tapejax").errors.ResourceExhaustedError)
    assert issubclass(tf.errors.ResourceExhaustedError, tf.errors.OpError)
    assert isinstance(err, H.load("tapejax").errors.OpError)


# -- the harness: exceptions are declared by the program ------------------------------------------
def test_a_program_raising_the_same_undeclared_error_on_both_backends_fails():
    def program(tf):
        return tf.constant(1.0) + undefined_name  # noqa: F821 - the typo is the point

    with pytest.raises(AssertionError, match="does not declare"):
        H.compare(program)


def test_a_declared_exception_that_tf_does_not_raise_fails():
    with pytest.raises(AssertionError, match="declares it raises"):
        H.compare(lambda tf: tf.constant(1.0), raises="InvalidArgumentError")


def test_an_exception_of_another_class_than_declared_fails():
    @H.raises("ValueError")
    def program(tf):
        return tf.argmax(tf.ones([2, 3]), axis=2)

    with pytest.raises(AssertionError, match="the program declares"):
        H.compare(program)


def test_a_declared_exception_passes_and_an_optional_one_may_also_return():
    H.compare(H.raises("InvalidArgumentError")(lambda tf: tf.argmax(tf.ones([2, 3]), axis=2)))
    H.compare(lambda tf: tf.constant(1.0), raises=H.optional("InvalidArgumentError"))
    H.compare(lambda tf: tf.ones([-1]), raises=H.optional("InvalidArgumentError"))
    with pytest.raises(AssertionError, match="the program declares"):
        H.compare(lambda tf: tf.ones([-1]), raises=H.optional("ValueError"))
