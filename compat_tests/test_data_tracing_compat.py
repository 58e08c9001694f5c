"""How often tf.data runs the Python body of a dataset function, on both backends.

TF traces a dataset function once, when the transformation is built, on the element spec (a
batch's unknown size included); iterating runs the traced graph, never the Python function again.
A user sees it with a Python counter inside the function, as these programs do. `reduce` traces
its function when called, again with the state's shape relaxed where a result's shape differs.
"""

import numpy as np
import pytest

from compat_tests._harness import raises


def _counted(calls, body):
    def fn(*args):
        calls.append(1)
        return body(*args)
    return fn


def _runs(make):
    """A program: builds a dataset with a counted function, iterates it twice; returns the calls
    made when built, the calls after both iterations, the element_spec and the elements."""
    def program(tf):
        calls = []
        ds = make(tf, calls)
        built = len(calls)
        first = list(ds.as_numpy_iterator())
        second = list(ds.as_numpy_iterator())
        return built, len(calls), repr(ds.element_spec), first, second
    return program


PIPELINES = {
    "batch then map": lambda tf, calls: tf.data.Dataset.range(5).batch(2).map(_counted(calls, lambda x: x * 2)),
    "map then batch": lambda tf, calls: tf.data.Dataset.range(5).map(_counted(calls, lambda x: x * 2)).batch(2),
    "batch dropping the remainder then map": lambda tf, calls: tf.data.Dataset.range(5).batch(
        2, drop_remainder=True).map(_counted(calls, lambda x: x * 2)),
    "padded_batch then map": lambda tf, calls: tf.data.Dataset.range(5).padded_batch(2).map(
        _counted(calls, lambda x: x + 1)),
    "map then padded_batch": lambda tf, calls: tf.data.Dataset.range(5).map(
        _counted(calls, lambda x: tf.fill([x], x))).padded_batch(2),
    "a parallel map after batch": lambda tf, calls: tf.data.Dataset.range(5).batch(2).map(
        _counted(calls, lambda x: x - 1), num_parallel_calls=2),
    "filter": lambda tf, calls: tf.data.Dataset.range(5).filter(_counted(calls, lambda x: x > 1)),
    "batch then filter": lambda tf, calls: tf.data.Dataset.range(5).batch(2).filter(
        _counted(calls, lambda x: tf.size(x) > 1)),
    "batch, map and unbatch": lambda tf, calls: tf.data.Dataset.range(5).batch(2).map(
        _counted(calls, lambda x: x * 3)).unbatch(),
    "a map of tuples after batch": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        (np.arange(6.0, dtype=np.float32).reshape(3, 2), [1, 2, 3])).batch(2).map(
        _counted(calls, lambda x, y: (tf.reduce_sum(x, axis=1), x[:, 0], tf.shape(x), y * 2))),
    "a map of dicts after batch": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        {"a": [1.0, 2.0, 3.0], "b": [[1, 2], [3, 4], [5, 6]]}).batch(2).map(
        _counted(calls, lambda d: {"s": d["a"] * 2.0, "t": tf.transpose(d["b"])})),
    "a map of a generator of unknown lengths": lambda tf, calls: tf.data.Dataset.from_generator(
        lambda: iter([[1], [2, 3], []]), output_signature=tf.TensorSpec([None], tf.int32)).map(
        _counted(calls, lambda x: (x * 2, tf.reduce_sum(x)))),
    "two maps after batch": lambda tf, calls: tf.data.Dataset.range(7).batch(3).map(
        _counted(calls, lambda x: x * 2)).map(_counted(calls, lambda x: tf.cast(x, tf.float32) / 2.0)),
    "a map whose output shape is known from an unknown input": lambda tf, calls: tf.data.Dataset.range(
        5).batch(2).map(_counted(calls, lambda x: tf.reshape(tf.concat([x, x], 0), [2, -1]))),
    "a map of a batch of matrices": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        np.arange(24.0, dtype=np.float32).reshape(6, 2, 2)).batch(4).map(
        _counted(calls, lambda m: tf.matmul(m, m))),
    "a map flattening an unknown batch of pairs with -1": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        np.arange(10, dtype=np.int32).reshape(5, 2)).batch(2).map(_counted(calls, lambda x: tf.reshape(x, [-1]))),
    "a map splitting an unknown batch of rows with -1": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        np.arange(30.0, dtype=np.float32).reshape(5, 6)).batch(3).map(
        _counted(calls, lambda x: (tf.reshape(x, [-1, 2, 3]), tf.reshape(x, [3, -1]), tf.size(x)))),
    "a map reshaping an unknown batch to -1 rows of two": lambda tf, calls: tf.data.Dataset.range(6).batch(
        4).map(_counted(calls, lambda x: tf.reshape(x, [-1, 2]))),
    "a map reshaping to a shape read with tf.shape": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        np.zeros((5, 2, 3), np.float32)).batch(2).map(
        _counted(calls, lambda x: tf.reshape(x, [tf.shape(x)[0], -1]))),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_a_dataset_function_runs_its_python_code_once_when_built(compare, name):
    compare(_runs(PIPELINES[name]))


@raises("InvalidArgumentError")
def _a_reshape_that_fails_on_the_last_batch(tf):
    ds = tf.data.Dataset.range(5).batch(2).map(lambda x: tf.reshape(x, [-1, 2]))
    return list(ds.as_numpy_iterator())


def test_a_map_reshape_that_does_not_fit_an_element_raises_when_that_element_is_made(compare):
    compare(_a_reshape_that_fails_on_the_last_batch, messages=False)


def test_a_map_reshape_that_does_not_fit_an_element_raises_tfs_message(compare):
    compare(_a_reshape_that_fails_on_the_last_batch)


def test_the_map_function_sees_the_unknown_batch_size_as_none(compare):
    def program(tf):
        shapes = []

        def fn(x):
            shapes.append(str(x.shape))
            return x + 1
        ds = tf.data.Dataset.range(5).batch(2).map(fn)
        return shapes, list(ds.as_numpy_iterator()), shapes
    compare(program)


def test_a_map_after_batch_reads_a_variable_at_each_element(compare):
    def program(tf):
        v = tf.Variable(1, dtype=tf.int64)
        calls = []
        ds = tf.data.Dataset.range(4).batch(3).map(_counted(calls, lambda x: x * v))
        first = list(ds.as_numpy_iterator())
        v.assign(10)
        return first, list(ds.as_numpy_iterator()), len(calls)
    compare(program)


def test_an_empty_batch_after_filter_runs_the_traced_function(compare):
    def program(tf):
        calls = []
        ds = tf.data.Dataset.range(6).batch(3).map(lambda x: tf.boolean_mask(x, x > 2)).map(
            _counted(calls, lambda x: (x * 2, tf.size(x))))
        return list(ds.as_numpy_iterator()), len(calls)
    compare(program)


# -- reduce ------------------------------------------------------------------------------------------
REDUCTIONS = {
    "a growing vector": lambda tf, calls: tf.data.Dataset.range(4).reduce(
        tf.constant([], tf.int64), _counted(calls, lambda s, x: tf.concat([s, [x]], 0))),
    "a growing matrix": lambda tf, calls: tf.data.Dataset.range(3).reduce(
        tf.zeros([1, 2], tf.int64), _counted(calls, lambda s, x: tf.concat([s, s], 0))),
    "a growing vector of an empty dataset": lambda tf, calls: tf.data.Dataset.range(0).reduce(
        tf.constant([], tf.int64), _counted(calls, lambda s, x: tf.concat([s, [x]], 0))),
    "a growing vector beside a scalar": lambda tf, calls: tf.data.Dataset.range(3).reduce(
        (tf.constant([], tf.int64), tf.constant(0, tf.int64)),
        _counted(calls, lambda s, x: (tf.concat([s[0], [x]], 0), s[1] + x))),
    "a vector grown by batches": lambda tf, calls: tf.data.Dataset.range(5).batch(2).reduce(
        tf.constant([], tf.int64), _counted(calls, lambda s, x: tf.concat([s, x], 0))),
    "a sum of batches": lambda tf, calls: tf.data.Dataset.range(5).batch(2).reduce(
        tf.constant(0, tf.int64), _counted(calls, lambda s, x: s + tf.reduce_sum(x))),
    "a state of fixed shape": lambda tf, calls: tf.data.Dataset.range(5).reduce(
        tf.constant(0, tf.int64), _counted(calls, lambda s, x: s + x)),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduce_traces_its_function_once_per_state_shape(compare, name):
    def program(tf):
        calls = []
        out = REDUCTIONS[name](tf, calls)
        return out, len(calls)
    compare(program)


def test_reduce_shows_the_relaxed_state_shape_to_its_second_trace(compare):
    def program(tf):
        shapes = []

        def fn(s, x):
            shapes.append(str(s.shape))
            return tf.concat([s, [x]], 0)
        return tf.data.Dataset.range(3).reduce(tf.constant([], tf.int64), fn), shapes
    compare(program)


def test_reduce_with_a_state_that_changes_rank_raises_when_run(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.data.Dataset.range(3).reduce(tf.constant(0, tf.int64), lambda s, x: tf.stack([s, x]))
    compare(program)


# -- functions returning datasets --------------------------------------------------------------------
NESTED = {
    "flat_map": lambda tf, calls: tf.data.Dataset.range(5).flat_map(
        _counted(calls, lambda x: tf.data.Dataset.from_tensors(x))),
    "flat_map after batch": lambda tf, calls: tf.data.Dataset.range(5).batch(2).flat_map(
        _counted(calls, lambda x: tf.data.Dataset.from_tensor_slices(x))),
    "interleave": lambda tf, calls: tf.data.Dataset.range(5).interleave(
        _counted(calls, lambda x: tf.data.Dataset.from_tensors(x)), cycle_length=2),
    "interleave after batch": lambda tf, calls: tf.data.Dataset.range(5).batch(2).interleave(
        _counted(calls, lambda x: tf.data.Dataset.from_tensor_slices(x)), cycle_length=2),
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_a_function_returning_a_dataset_runs_its_python_code_once_when_built(compare, name):
    compare(_runs(NESTED[name]))


# -- tf.strings.split in a map (a RaggedTensor for a batch of strings) ---------------------------------
LINES = ["a b c", "d e", "", "f"]


def _plain(value):
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value.to_list() if hasattr(value, "to_list") else value.numpy().tolist()


def _elements(ds):
    return [_plain(e) for e in ds]


SPLITS = {
    "of a string": lambda tf: tf.data.Dataset.from_tensor_slices(LINES).map(tf.strings.split),
    "with a separator and maxsplit": lambda tf: tf.data.Dataset.from_tensor_slices(["a,b,c", "d"]).map(
        lambda x: tf.strings.split(x, ",", maxsplit=1)),
    "then to_number": lambda tf: tf.data.Dataset.from_tensor_slices(["1 2", "3"]).map(
        lambda x: tf.strings.to_number(tf.strings.split(x))),
    "then its size": lambda tf: tf.data.Dataset.from_tensor_slices(LINES).map(
        lambda x: tf.size(tf.strings.split(x))),
    "beside another component": lambda tf: tf.data.Dataset.from_tensor_slices((LINES, [1, 2, 3, 4])).map(
        lambda x, y: (tf.strings.split(x), y * 2)),
    "of a batch, a RaggedTensor": lambda tf: tf.data.Dataset.from_tensor_slices(LINES).batch(3).map(
        tf.strings.split),
    "of a vector of strings": lambda tf: tf.data.Dataset.from_tensor_slices([["a b", "c"], ["d", "e f g"]]).map(
        tf.strings.split),
    "of a batch, batched again": lambda tf: tf.data.Dataset.from_tensor_slices(LINES).batch(2).map(
        tf.strings.split).batch(2),
    "of a batch, unbatched": lambda tf: tf.data.Dataset.from_tensor_slices(LINES).batch(2).map(
        tf.strings.split).unbatch(),
    "of a vector, batched and unbatched": lambda tf: tf.data.Dataset.from_tensor_slices(
        [["a b", "c"], ["d", "e f g"]]).map(tf.strings.split).batch(2).unbatch(),
    "padded into a batch": lambda tf: tf.data.Dataset.from_tensor_slices(LINES).map(
        tf.strings.split).padded_batch(2),
}


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_strings_split_in_a_map_gives_tfs_element_spec_and_elements(compare, name):
    def program(tf):
        ds = SPLITS[name](tf)
        return repr(ds.element_spec), _elements(ds)
    compare(program)


def test_strings_split_of_a_batch_comes_out_of_as_numpy_iterator_as_rows(compare):
    def program(tf):
        ds = tf.data.Dataset.from_tensor_slices(LINES).batch(2).map(tf.strings.split)
        return [[row.tolist() for row in batch] for batch in ds.as_numpy_iterator()]
    compare(program)


def test_a_map_of_strings_split_then_batch_raises_for_rows_of_other_lengths(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return list(tf.data.Dataset.from_tensor_slices(LINES).map(tf.strings.split).batch(2))
    compare(program, messages=False)  # TF's fused map-and-batch words it differently


def test_a_map_of_strings_split_runs_its_python_code_once(compare):
    def program(tf):
        calls = []
        ds = tf.data.Dataset.from_tensor_slices(LINES).map(_counted(calls, lambda x: tf.strings.split(x)))
        return _elements(ds), len(calls)
    compare(program)


RAGGED_INPUTS = {
    "slices of a RaggedTensor": lambda tf: tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1, 2], [3], []])),
    "a RaggedTensor as one element": lambda tf: tf.data.Dataset.from_tensors(tf.ragged.constant([[1, 2], [3], []])),
    "a map of a RaggedTensor": lambda tf: tf.data.Dataset.from_tensors(tf.ragged.constant([[1.0], [2.0, 3.0]])).map(
        lambda x: x * 2.0),
    "slices of a 3-D RaggedTensor": lambda tf: tf.data.Dataset.from_tensor_slices(
        tf.ragged.constant([[[1], [2, 3]], [[4, 5, 6]]])),
}


@pytest.mark.parametrize("name", sorted(RAGGED_INPUTS))
def test_ragged_tensors_as_dataset_elements(compare, name):
    def program(tf):
        ds = RAGGED_INPUTS[name](tf)
        return repr(ds.element_spec), _elements(ds)
    compare(program)


# -- scan --------------------------------------------------------------------------------------------
SCANS = {
    "a running sum": lambda tf, calls: tf.data.Dataset.range(4).scan(
        tf.constant(0, tf.int64), _counted(calls, lambda s, x: (s + x, s * 2))),
    "a growing state": lambda tf, calls: tf.data.Dataset.range(3).scan(
        tf.constant([], tf.int64), _counted(calls, lambda s, x: (tf.concat([s, [x]], 0), tf.size(s)))),
    "tuple elements, passed as one argument": lambda tf, calls: tf.data.Dataset.from_tensor_slices(
        ([1, 2], [3, 4])).scan(0, _counted(calls, lambda s, ab: (s + ab[0], ab[0] * ab[1]))),
    "batches": lambda tf, calls: tf.data.Dataset.range(5).batch(2).scan(
        tf.constant(0, tf.int64), _counted(calls, lambda s, x: (s + tf.reduce_sum(x), x * s))),
}


@pytest.mark.parametrize("name", sorted(SCANS))
def test_scan_traces_its_function_when_built(compare, name):
    compare(_runs(SCANS[name]))


def test_scan_shows_the_relaxed_state_shape_to_its_second_trace(compare):
    def program(tf):
        shapes = []

        def fn(s, x):
            shapes.append(str(s.shape))
            return tf.concat([s, [x]], 0), x
        ds = tf.data.Dataset.range(3).scan(tf.constant([], tf.int64), fn)
        return list(shapes), list(ds.as_numpy_iterator()), shapes
    compare(program)


def test_scan_returning_a_state_of_another_dtype_raises_type_error_when_built(compare):
    @raises("TypeError")
    def program(tf):
        return tf.data.Dataset.range(3).scan(tf.constant(0, tf.int64), lambda s, x: (tf.cast(s, tf.int32), x))
    compare(program)
