"""tf.data functions traced when the pipeline is built, on both backends: maps of string elements
(element_spec, repr, how often the Python function runs) and reduce (its errors and trace count)."""

import numpy as np

from compat_tests._harness import raises

WORDS = [b"ab", b"cde", b"f"]


def _lengths_and_upper(tf, calls):
    def fn(x):
        calls.append(1)
        return tf.strings.length(x), tf.strings.upper(x)
    return fn


def test_a_map_of_strings_has_its_element_spec_and_repr_when_built(compare):
    def program(tf):
        ds = tf.data.Dataset.from_tensor_slices(WORDS).map(_lengths_and_upper(tf, []))
        return str(ds.element_spec), repr(ds), list(ds.as_numpy_iterator())
    compare(program)


def test_a_parallel_map_of_strings_is_a_parallel_map_dataset(compare):
    def program(tf):
        ds = tf.data.Dataset.from_tensor_slices(WORDS).map(_lengths_and_upper(tf, []), num_parallel_calls=2)
        return repr(ds), list(ds.as_numpy_iterator())
    compare(program)


def test_a_map_of_strings_runs_its_python_code_once_when_built(compare):
    def program(tf):
        calls = []
        ds = tf.data.Dataset.from_tensor_slices(WORDS).map(_lengths_and_upper(tf, calls))
        built = len(calls)
        first = list(ds.as_numpy_iterator())
        second = list(ds.batch(2).as_numpy_iterator())
        return built, len(calls), first, second
    compare(program)


def test_a_map_parsing_examples_has_the_feature_specs(compare):
    def program(tf):
        description = {"n": tf.io.FixedLenFeature([], tf.int64, default_value=0),
                       "s": tf.io.FixedLenFeature([], tf.string, default_value="")}
        ds = tf.data.Dataset.from_tensor_slices([b"", b""]).map(
            lambda x: tf.io.parse_single_example(x, description))
        return repr(ds), list(ds.as_numpy_iterator())
    compare(program)


def test_a_map_of_strings_prints_a_symbolic_tensor_when_traced(compare):
    def program(tf):
        printed = []

        def fn(x):
            printed.append(str(x))
            return {"a": tf.strings.to_number(x), "b": x}
        ds = tf.data.Dataset.from_tensor_slices(["1.5", "2"]).map(fn)
        return printed, str(ds.element_spec), list(ds.as_numpy_iterator())
    compare(program)


def test_reduce_traces_its_function_once(compare):
    def program(tf):
        calls = []

        def fn(state, x):
            calls.append(1)
            return state[0] + 1, state[1] + tf.cast(x, tf.float32)
        out = tf.data.Dataset.range(4).reduce((0, 0.0), fn)
        return out, len(calls)
    compare(program)


def test_reduce_of_strings(compare):
    def program(tf):
        return tf.data.Dataset.from_tensor_slices(["a", "b"]).reduce("", lambda s, x: tf.strings.join([s, x]))
    compare(program)


def test_reduce_with_a_growing_state_relaxes_its_shape(compare):
    def program(tf):
        return tf.data.Dataset.range(3).reduce(tf.constant([], tf.int64), lambda s, x: tf.concat([s, [x]], 0))
    compare(program)


def test_reduce_with_a_mismatched_dtype_in_the_function_raises_type_error_on_an_empty_dataset(compare):
    @raises("TypeError")
    def program(tf):
        return tf.data.Dataset.range(0).reduce(0, lambda a, b: a + tf.cast(b, tf.int64))
    compare(program, messages=False)


def test_reduce_returning_another_dtype_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        return tf.data.Dataset.range(3).reduce((0, 0.0), lambda s, x: (s[0], tf.cast(s[1], tf.float64)))
    compare(program)


def test_reduce_returning_another_dtype_in_a_dict_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        return tf.data.Dataset.range(3).reduce({"a": 0}, lambda s, x: {"a": tf.cast(s["a"], tf.int64)})
    compare(program)


def test_reduce_returning_more_components_raises_invalid_argument_error(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.data.Dataset.range(3).reduce(np.int64(0), lambda s, x: (s, x))
    compare(program)


def test_reduce_returning_a_list_gives_the_initial_states_structure(compare):
    def program(tf):
        return tf.data.Dataset.range(3).reduce((0, 1), lambda s, x: [s[0] + 1, s[1]])
    compare(program)


def test_a_filter_of_strings_runs_its_python_code_once(compare):
    def program(tf):
        calls = []

        def keep(x):
            calls.append(1)
            return tf.strings.length(x) > 1
        ds = tf.data.Dataset.from_tensor_slices(WORDS).filter(keep)
        return repr(ds.element_spec), list(ds.as_numpy_iterator()), len(calls)
    compare(program)


def test_a_map_of_batched_strings_with_an_unknown_batch_size(compare):
    def program(tf):
        calls = []

        def fn(x):
            calls.append(1)
            return tf.strings.upper(x), tf.strings.length(x)
        ds = tf.data.Dataset.from_tensor_slices(WORDS).batch(2).map(fn)
        return str(ds.element_spec), list(ds.as_numpy_iterator())
    compare(program)
