"""tf.RaggedTensor and tf.ragged, program by program on TensorFlow and on tapejax.

Each program's result (values, dtypes, shapes, reprs, row partitions) or the exception it raises
(class, and TF's first line of the message unless listed in NO_MESSAGE) must match.
"""

import numpy as np
import pytest

from compat_tests import _harness as H

PROGRAMS = {}
NO_MESSAGE = set()  # TF's message carries a graph node name or tensor dump tapejax does not have


def program(f=None, messages=True):
    def register(g):
        PROGRAMS[g.__name__] = g
        if not messages:
            NO_MESSAGE.add(g.__name__)
        return g
    return register(f) if f is not None else register


def _parts(rt):
    """What identifies a RaggedTensor: its text, values, partitions, shape and dtypes."""
    return (repr(rt), str(rt), rt.to_list(), rt.flat_values, tuple(rt.nested_row_splits), rt.shape,
            rt.dtype, rt.row_splits.dtype, rt.ragged_rank)


def _primes(tf):
    return tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])


# ==== construction ==============================================================================
@program
def constant_of_ints_has_int64_row_splits(tf):
    return _parts(_primes(tf))


@program
def constant_of_floats_strings_and_a_given_dtype(tf):
    return (_parts(tf.ragged.constant([[1.5], [2, 3]])), _parts(tf.ragged.constant([["a"], ["b", "cd"]])),
            _parts(tf.ragged.constant([[1], [2, 3]], dtype=tf.float64)))


@program
def constant_with_int32_row_splits(tf):
    return _parts(tf.ragged.constant([[1], [2, 3]], row_splits_dtype=tf.int32))


@program
def constant_of_three_levels_is_ragged_rank_two(tf):
    return _parts(tf.ragged.constant([[[1], [2, 3]], [[4]]]))


@program
def constant_with_ragged_rank_one_keeps_inner_lists_uniform(tf):
    return (_parts(tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)),
            _parts(tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], inner_shape=(2,))))


@program
def constant_of_flat_lists_and_scalars_is_a_dense_tensor(tf):
    return tf.ragged.constant([1, 2, 3]), tf.ragged.constant(5), tf.ragged.constant([])


@program
def constant_of_empty_rows(tf):
    return _parts(tf.ragged.constant([[], []]))


@program
@H.raises("ValueError")
def constant_with_inner_lists_of_different_lengths_raises(tf):
    return tf.ragged.constant([[[1, 2], [3]], [[5, 6]]], ragged_rank=1)


@program
@H.raises("ValueError")
def constant_of_mixed_types_raises(tf):
    return tf.ragged.constant([["x", "y"], [1, 2]])


@program
@H.raises("ValueError")
def constant_with_scalars_at_mixed_depths_raises(tf):
    return tf.ragged.constant(["p", ["q", "r"]])


@program
def factories_build_the_same_rows(tf):
    flat = [2, 7, 1, 8, 2, 8, 1]
    return (_parts(tf.RaggedTensor.from_value_rowids(values=flat, value_rowids=[0, 0, 0, 0, 2, 2, 3])),
            _parts(tf.RaggedTensor.from_row_lengths(values=flat, row_lengths=[4, 0, 2, 1])),
            _parts(tf.RaggedTensor.from_row_splits(values=flat, row_splits=[0, 4, 4, 6, 7])),
            _parts(tf.RaggedTensor.from_row_starts([1, 2, 3], [0, 1])),
            _parts(tf.RaggedTensor.from_row_limits([1, 2, 3], [1, 3])),
            _parts(tf.RaggedTensor.from_value_rowids([1, 2, 3], [0, 0, 2], nrows=5)))


@program
def from_row_splits_keeps_an_int32_splits_tensor(tf):
    return _parts(tf.RaggedTensor.from_row_splits(tf.constant([1., 2.]), tf.constant([0, 1, 2], tf.int32)))


@program
def from_nested_row_splits_builds_two_ragged_levels(tf):
    return _parts(tf.RaggedTensor.from_nested_row_splits([1, 2, 3, 4], [[0, 1, 3], [0, 1, 2, 4]]))


@program
def from_tensor_with_padding_lengths_and_ragged_rank(tf):
    dense = [[1, 2, 0], [3, 0, 0]]
    return (_parts(tf.RaggedTensor.from_tensor(dense)), _parts(tf.RaggedTensor.from_tensor(dense, padding=0)),
            _parts(tf.RaggedTensor.from_tensor(dense, lengths=[1, 3])),
            _parts(tf.RaggedTensor.from_tensor(tf.zeros([2, 2, 2]), ragged_rank=2)))


@program(messages=False)
@H.raises("InvalidArgumentError")
def from_row_splits_not_starting_at_zero_raises(tf):
    return tf.RaggedTensor.from_row_splits([1, 2, 3], [1, 3])


@program(messages=False)
@H.raises("InvalidArgumentError")
def from_row_splits_not_covering_the_values_raises(tf):
    return tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])


@program(messages=False)
@H.raises("InvalidArgumentError")
def from_row_splits_that_decrease_raises(tf):
    return tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 1, 3])


@program(messages=False)
@H.raises("InvalidArgumentError")
def from_row_lengths_not_summing_to_the_values_raises(tf):
    return tf.RaggedTensor.from_row_lengths([1, 2, 3], [1, 1])


@program
@H.raises("ValueError")
def the_constructor_is_private(tf):
    return tf.RaggedTensor([1], [0, 1])


# ==== structure and conversion ==================================================================
@program
def row_partition_accessors(tf):
    rt = _primes(tf)
    return (rt.row_lengths(), rt.value_rowids(), rt.nrows(), rt.row_starts(), rt.row_limits(),
            rt.bounding_shape(), rt.values, rt.row_splits, rt.with_row_splits_dtype(tf.int32).row_splits)


@program
def nested_accessors(tf):
    rt = tf.ragged.constant([[[1], [2, 3]], [[4]]])
    return (_parts(rt.row_lengths(axis=2)), rt.nested_row_lengths(), _parts(rt.merge_dims(0, 1)),
            rt.bounding_shape(), rt.shape)


@program
def to_tensor_pads_and_truncates(tf):
    rt = _primes(tf)
    return (rt.to_tensor(), rt.to_tensor(default_value=-1, shape=[3, 2]), rt.to_tensor(shape=[None, 6]),
            tf.ragged.constant([["a"], ["b", "c"]]).to_tensor(),
            tf.ragged.constant([[[1], [2, 3]], [[4]]]).to_tensor(),
            tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1).to_tensor(9))


@program
def numpy_is_an_object_array_of_rows_or_a_dense_array_when_uniform(tf):
    ragged = _primes(tf).numpy()
    uniform = tf.ragged.constant([[1, 2], [3, 4]]).numpy()
    return (ragged.dtype.name, ragged.shape, [r.tolist() for r in ragged], [r.dtype.name for r in ragged],
            uniform, repr(tf.ragged.constant([[[1], [2, 3]], [[4]]]).numpy()))


@program
def isinstance_and_iteration(tf):
    rt = _primes(tf)
    return (isinstance(rt, tf.RaggedTensor), isinstance(tf.constant(1), tf.RaggedTensor), [r for r in rt],
            [tf.is_tensor(x) for x in (rt, tf.constant(1), tf.Variable(1.), tf.sparse.eye(2), np.ones(2), [1])])


@program
def long_rows_wrap_as_tf_prints_them(tf):
    lines = tf.ragged.constant([["Ragged", "rows", "differ", "in", "length"], ["Like", "these", "two", "."]])
    return str(lines), str(tf.tile(_primes(tf), [2, 1])), str(tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]],
                                                                                  ragged_rank=1))


@program
def tf_shape_of_a_ragged_tensor(tf):
    rt = _primes(tf)
    shape = tf.shape(rt)
    inner = tf.shape(tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1))
    nested = tf.shape(tf.ragged.constant([[[1], [2, 3]], [[4]]]))
    return (repr(shape), str(inner), repr(nested), shape[0], shape.rank, shape.num_row_partitions,
            shape.static_lengths(), shape.dtype, shape.inner_shape, inner[2], tf.shape(rt, out_type=tf.int64)[0])


@program
@H.raises("ValueError")
def indexing_the_ragged_dimension_of_a_shape_raises(tf):
    return tf.shape(_primes(tf))[1]


@program
def nest_expands_a_ragged_tensor_into_its_components_when_asked(tf):
    rt = tf.ragged.constant([[[1], [2, 3]], [[4]]])
    doubled = tf.nest.map_structure(lambda t: t * 2 if t.dtype == tf.int32 else t, rt, expand_composites=True)
    return tf.nest.flatten(rt, expand_composites=True), len(tf.nest.flatten(rt)), _parts(doubled)


# ==== indexing ==================================================================================
@program
def indexing_rows_and_slices(tf):
    rt = _primes(tf)
    return (rt[0], rt[-1], rt[2, 1], _parts(rt[1:3]), _parts(rt[::2]), _parts(rt[:, :2]), _parts(rt[:, -2:]),
            _parts(rt[:, 1:]), _parts(tf.ragged.constant([[[1], [2, 3]], [[4]]])[:, :, :1]))


@program
@H.raises("ValueError")
def indexing_an_inner_ragged_dimension_with_an_int_raises(tf):
    return _primes(tf)[:, 0]


@program
@H.raises("IndexError")
def indexing_a_row_out_of_range_raises(tf):
    return _primes(tf)[10]


# ==== elementwise ops ===========================================================================
@program
def arithmetic_with_scalars_tensors_and_ragged(tf):
    rt = _primes(tf)
    other = tf.ragged.constant([[10, 20, 30, 40], [], [50, 60, 70], [80], []])
    return (_parts(tf.add(rt, 3)), _parts(rt + 3), _parts(3 * rt), _parts(rt + other), _parts(-rt),
            _parts(rt / 2), _parts(rt > 2), _parts(rt == rt), _parts(rt + tf.constant([[1], [2], [3], [4], [5]])),
            _parts(tf.ragged.constant([[1., 2.], [3.]]) * 2.0))


@program(messages=False)
@H.raises("InvalidArgumentError")
def adding_ragged_tensors_with_different_row_splits_raises(tf):
    return _primes(tf) + tf.ragged.constant([[1], [2], [3], [4], [5]])


@program
def unary_math_casts_and_where(tf):
    rt = _primes(tf)
    f = tf.ragged.constant([[0.5, 1.0], [], [2.0]])
    return (_parts(tf.math.square(rt)), _parts(tf.cast(rt, tf.float32)), _parts(tf.exp(f)),
            _parts(tf.math.sqrt(f)), _parts(tf.ones_like(rt)), _parts(tf.where(rt > 2, rt, rt * 10)),
            _parts(tf.clip_by_value(f, 0.7, 1.5)))


@program
def map_flat_values_applies_to_the_values(tf):
    rt = _primes(tf)
    return (_parts(tf.ragged.map_flat_values(lambda v: v * 3 - 1, rt)),
            _parts(tf.ragged.map_flat_values(tf.add, rt, rt)))


@program
@H.raises("ValueError")
def map_flat_values_with_different_sizes_raises(tf):
    return tf.ragged.map_flat_values(tf.add, _primes(tf), tf.ragged.constant([[1], [2]]))


# ==== reductions ================================================================================
@program
def reductions_over_each_axis(tf):
    rt = _primes(tf)
    return (tf.reduce_sum(rt, axis=0), tf.reduce_sum(rt, axis=1), tf.reduce_sum(rt), tf.reduce_sum(rt, axis=-1),
            tf.reduce_max(rt, axis=1), tf.reduce_mean(rt), tf.reduce_mean(rt, axis=0),
            tf.reduce_mean(rt, axis=1), tf.reduce_prod(rt, axis=1), tf.reduce_any(rt > 3, axis=1),
            tf.reduce_sum(rt, axis=1, keepdims=True))


@program
def reductions_of_floats_fill_empty_rows_as_tf(tf):
    f = tf.ragged.constant([[1., 2.], []])
    return tf.reduce_min(f, axis=1), tf.reduce_max(f, axis=1), tf.reduce_mean(f, axis=1)


@program
def variance_std_and_string_joins_over_rows(tf):
    f = tf.ragged.constant([[1., 2., 4.], [], [3.]])
    words = tf.ragged.constant([["a", "b"], [], ["c"]])
    return (tf.math.reduce_variance(f, axis=1), tf.math.reduce_std(f, axis=1), tf.math.reduce_variance(f),
            tf.strings.reduce_join(words, axis=1, separator=" "), tf.strings.reduce_join(words))


@program(messages=False)
@H.raises("ValueError")
def argmax_of_a_ragged_tensor_raises(tf):
    return tf.math.argmax(tf.ragged.constant([[1., 2.], [3.]]), axis=1)


@program
def reductions_of_nested_ragged_tensors(tf):
    rt = tf.ragged.constant([[[1], [2, 3]], [[4]]])
    return _parts(tf.reduce_sum(rt, axis=2)), _parts(tf.reduce_sum(rt, axis=1))


@program
def reductions_over_an_inner_uniform_dimension(tf):
    rt = tf.ragged.constant([[[1., 2.], [3., 4.]], [[5., 6.]]], ragged_rank=1)
    return _parts(tf.reduce_sum(rt, axis=2)), tf.reduce_mean(rt, axis=1)


# ==== array ops =================================================================================
@program
def concat_stack_and_tile(tf):
    rt = _primes(tf)
    return (_parts(tf.concat([rt, [[4, 5]]], axis=0)), _parts(tf.concat([rt, rt], axis=1)),
            _parts(tf.stack([rt, rt])), _parts(tf.stack([rt, rt], axis=1)), _parts(tf.tile(rt, [1, 2])),
            _parts(tf.tile(rt, [2, 1])), _parts(tf.ragged.stack([tf.constant([1, 2]), tf.constant([3])])))


@program
def gather_where_expand_dims_size_rank_and_add_n(tf):
    rt = _primes(tf)
    return (_parts(tf.gather(rt, [2, 0])), tf.gather(rt, 2), tf.where(rt > 2), _parts(tf.expand_dims(rt, 0)),
            _parts(tf.expand_dims(rt, 1)), tf.size(rt), tf.rank(rt), _parts(tf.add_n([rt, rt, rt])))


@program
def concat_of_dense_and_ragged_along_rows(tf):
    words = tf.ragged.constant([["a", "b"], ["c"]])
    edge = tf.fill([words.nrows(), 1], "#")
    framed = tf.concat([edge, words, edge], axis=1)
    return _parts(framed), _parts(framed[:, :-1]), _parts(tf.strings.join([framed[:, :-1], framed[:, 1:]],
                                                                              separator="+"))


@program
def map_fn_over_ragged_and_dense_elements(tf):
    rt = _primes(tf)
    return (_parts(tf.map_fn(tf.math.square, rt)), tf.map_fn(tf.reduce_sum, rt, fn_output_signature=tf.int32),
            tf.map_fn(lambda x: x * 2, tf.constant([[1, 2], [3, 4]])))


@program
def ragged_range_and_boolean_mask(tf):
    rt = _primes(tf)
    return (_parts(tf.ragged.range([3, 5], [5, 6])), _parts(tf.ragged.range([3, 5, 0])),
            _parts(tf.ragged.range(0, [3, 5], 2, dtype=tf.float32)),
            _parts(tf.ragged.boolean_mask(tf.constant([[1, 2, 3], [4, 5, 6]]),
                                          tf.constant([[True, False, True], [False, False, True]]))),
            _parts(tf.ragged.boolean_mask(rt, rt > 2)),
            _parts(tf.ragged.boolean_mask(rt, [True, False, True, False, True])))


@program
def segment_ids_and_row_splits_convert(tf):
    return (tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5]), tf.ragged.segment_ids_to_row_splits([0, 0, 2]))


@program
def embedding_lookup_of_ragged_ids(tf):
    table = tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2))
    ids = tf.ragged.constant([[0, 5], [], [3]])
    vecs = tf.nn.embedding_lookup(table, ids)
    return _parts(vecs), tf.reduce_mean(vecs, axis=1)


# ==== strings ===================================================================================
@program
def string_ops_on_ragged_strings(tf):
    phrases = tf.ragged.constant([["Good", "morning"], ["see", "you", "at", "the", "station"]])
    return (_parts(tf.strings.substr(phrases, 0, 2)), _parts(tf.strings.to_hash_bucket_fast(phrases, 1024)),
            _parts(tf.strings.upper(phrases)), _parts(tf.strings.length(phrases)))


@program
def splitting_a_batch_of_strings_gives_ragged(tf):
    return (_parts(tf.strings.split(tf.constant(["Red panda", "Slow green turtle", "Shy cat"]))),
            _parts(tf.strings.split(tf.constant([["a b", "c"], ["d", ""]]))),
            _parts(tf.strings.split(tf.ragged.constant([["a b"], ["c d e"]]))),
            _parts(tf.strings.bytes_split(["ab", "c"])), _parts(tf.strings.unicode_split(["ab", "c"], "UTF-8")),
            _parts(tf.strings.unicode_decode(["ab", "é"], "UTF-8")), tf.strings.unicode_decode("パン", "UTF-8"),
            tf.io.decode_raw(tf.constant("Owl"), tf.uint8), tf.io.decode_raw(tf.constant(["ab", "cd"]), tf.uint8))


# ==== specs =====================================================================================
@program
def ragged_tensor_specs(tf):
    spec = tf.RaggedTensorSpec([2, None], tf.int32)
    return (repr(spec), repr(tf.RaggedTensorSpec(shape=[2, None, None], dtype=tf.int32, ragged_rank=2,
                                                  row_splits_dtype=tf.int32)),
            spec.shape, spec.dtype, spec.ragged_rank, spec.row_splits_dtype)


@program
@H.raises("ValueError")
def a_spec_without_shape_or_ragged_rank_raises(tf):
    return tf.RaggedTensorSpec()


# ==== gradients =================================================================================
@program
def gradients_flow_through_flat_values(tf):
    v = tf.Variable([1., 2., 3.])
    with tf.GradientTape() as tape:
        r = tf.RaggedTensor.from_row_lengths(v, [2, 1])
        loss = tf.reduce_sum(tf.reduce_max(r * r, axis=1)) + tf.reduce_sum(r.to_tensor())
    return tape.gradient(loss, v)


@program
def gradients_of_means_and_slices(tf):
    v = tf.Variable([1., 2., 3., 4.])
    with tf.GradientTape() as tape:
        r = tf.RaggedTensor.from_row_lengths(v, [3, 1])
        loss = tf.reduce_sum(tf.reduce_mean(r, axis=1) * tf.constant([1., 10.])) + tf.reduce_sum(r[:, 1:] * 100.)
    return tape.gradient(loss, v)


@program
def gradients_through_concat_and_embedding_lookup(tf):
    table = tf.Variable(np.arange(8, dtype=np.float32).reshape(4, 2))
    ids = tf.ragged.constant([[0, 3], [1]])
    with tf.GradientTape() as tape:
        vecs = tf.nn.embedding_lookup(table, ids)
        both = tf.concat([vecs, vecs * 2.0], axis=1)
        loss = tf.reduce_sum(tf.reduce_mean(both, axis=1) * tf.constant([[1.], [5.]]))
    return tf.convert_to_tensor(tape.gradient(loss, table))


@program
def ragged_values_built_inside_a_function(tf):
    v = tf.Variable([1., 2., 3.])

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            r = tf.RaggedTensor.from_row_lengths(x * v, [2, 1])
            loss = tf.reduce_sum(tf.reduce_mean(r, axis=1))
        return tf.reduce_sum(r * 2.0, axis=1), tf.concat([r, r], axis=1).to_tensor(), tape.gradient(loss, v)
    return f(tf.constant([1., 2., 3.]))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_ragged(name):
    H.compare(PROGRAMS[name], messages=name not in NO_MESSAGE)
