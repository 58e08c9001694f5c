"""`tf.SparseTensor` and `tf.sparse` on both backends: components, text, TF's validation errors, the
`tf.sparse` ops (values, dtypes, shapes, index order), gradients through values and dense operands,
tf.data elements that are SparseTensors, and `tf.nest` treating a SparseTensor as one leaf."""

import pytest

from compat_tests._harness import raises


def parts(sp):
    """A SparseTensor as its three components (the harness compares Tensors)."""
    return sp.indices, sp.values, sp.dense_shape


def grid(tf):
    return tf.SparseTensor(indices=[[0, 1], [1, 0], [2, 3]], values=[1.0, 2.0, 3.0], dense_shape=[3, 4])


def negatives(tf):
    return tf.SparseTensor(indices=[[0, 1], [0, 3], [2, 3]], values=[-1.0, -2.0, 3.0], dense_shape=[3, 4])


# ---------------------------------------------------------------------------------------------
# construction, properties, text
def test_a_sparse_tensor_holds_int64_indices_and_dense_shape_and_the_values_dtype(compare):
    def program(tf):
        st = tf.SparseTensor(indices=[[0, 4], [1, 1], [3, 2]], values=[4, 6, 17], dense_shape=[4, 5])
        return (parts(st), st.shape, st.get_shape(), st.dtype, isinstance(st, tf.SparseTensor),
                isinstance(st, tf.sparse.SparseTensor), isinstance(st.values, tf.SparseTensor))
    compare(program)


def test_a_sparse_tensor_prints_as_tf_prints_it(compare):
    def program(tf):
        st = tf.SparseTensor(indices=[[0, 4], [1, 1], [3, 2]], values=[4, 6, 17], dense_shape=[4, 5])
        one = tf.SparseTensor(indices=[[2]], values=[1.5], dense_shape=[3])
        return str(st), repr(st), str(one)
    compare(program)


def test_with_values_and_from_value_keep_indices_and_shape(compare):
    def program(tf):
        st = grid(tf)
        return parts(st.with_values(st.values * 2.0)), parts(tf.SparseTensor.from_value(st))
    compare(program)


BAD_CONSTRUCTION = {
    "indices_of_rank_1": dict(indices=[0, 1], values=[1, 2], dense_shape=[3]),
    "more_indices_than_values": dict(indices=[[0], [1]], values=[1], dense_shape=[3]),
    "index_columns_not_the_rank": dict(indices=[[0, 1]], values=[1], dense_shape=[3]),
    "values_of_rank_2": dict(indices=[[0, 1]], values=[[1]], dense_shape=[3, 4]),
    "float_indices": dict(indices=[[0.5, 1]], values=[1], dense_shape=[3, 4]),
}


@pytest.mark.parametrize("case", sorted(BAD_CONSTRUCTION))
def test_a_sparse_tensor_with_inconsistent_components_raises_tf_error(compare, case):
    @raises("ValueError", "TypeError")
    def program(tf):
        return parts(tf.SparseTensor(**BAD_CONSTRUCTION[case]))
    compare(program)


def test_int32_tensor_indices_raise_value_error(compare):
    @raises("ValueError")
    def program(tf):
        return parts(tf.SparseTensor(tf.constant([[0, 0]]), [1.0], [2, 2]))
    compare(program, messages=False)  # the message ends with the Tensor's repr


# ---------------------------------------------------------------------------------------------
# to_dense and its index checks
def test_to_dense_with_and_without_a_default_value(compare):
    def program(tf):
        st = tf.SparseTensor(indices=[[0, 4], [1, 1], [3, 2]], values=[4, 6, 17], dense_shape=[4, 5])
        empty = tf.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [2, 2])
        return tf.sparse.to_dense(st), tf.sparse.to_dense(st, default_value=-1), tf.sparse.to_dense(empty)
    compare(program)


def test_to_dense_of_unordered_indices_without_validation_places_every_value(compare):
    def program(tf):
        st = tf.SparseTensor(indices=[[1, 0], [0, 1]], values=[1, 2], dense_shape=[3, 4])
        return tf.sparse.to_dense(st, validate_indices=False), tf.sparse.to_dense(st, 7, validate_indices=False)
    compare(program)


BAD_INDICES = {
    "out_of_bounds": ([[0, 9]], [1], [3, 4]),
    "negative": ([[0, -1]], [1], [3, 4]),
    "out_of_order": ([[1, 0], [0, 1]], [1, 2], [3, 4]),
    "repeated": ([[0, 1], [0, 1]], [1, 2], [3, 4]),
}


@pytest.mark.parametrize("case", sorted(BAD_INDICES))
def test_to_dense_of_bad_indices_raises_invalid_argument(compare, case):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.sparse.to_dense(tf.SparseTensor(*BAD_INDICES[case]))
    compare(program)


# ---------------------------------------------------------------------------------------------
# the tf.sparse ops
OPS = {
    "from_dense": lambda tf: parts(tf.sparse.from_dense(tf.constant([[0, 1], [2, 0]]))),
    "from_dense_of_zeros": lambda tf: parts(tf.sparse.from_dense(tf.zeros([2, 3]))),
    "reorder": lambda tf: parts(tf.sparse.reorder(tf.SparseTensor([[1, 0], [0, 1]], [1, 2], [2, 2]))),
    "reshape": lambda tf: parts(tf.sparse.reshape(grid(tf), [4, 3])),
    "reshape_inferred": lambda tf: parts(tf.sparse.reshape(grid(tf), [-1, 6])),
    "reshape_to_rank_3": lambda tf: parts(tf.sparse.reshape(grid(tf), [2, 3, 2])),
    "add_sparse": lambda tf: parts(tf.sparse.add(grid(tf), negatives(tf))),
    "add_threshold_drops_small_sums_only": lambda tf: parts(tf.sparse.add(
        negatives(tf), tf.SparseTensor([[0, 1], [1, 1]], [1.2, 0.2], [3, 4]), threshold=0.5)),
    "add_dense": lambda tf: tf.sparse.add(grid(tf), tf.ones([3, 4])),
    "add_dense_first": lambda tf: tf.sparse.add(tf.ones([3, 4]), grid(tf)),
    "matmul": lambda tf: tf.sparse.sparse_dense_matmul(grid(tf), tf.reshape(tf.range(8.0), [4, 2])),
    "matmul_adjoint_a": lambda tf: tf.sparse.sparse_dense_matmul(grid(tf), tf.ones([3, 2]), adjoint_a=True),
    "matmul_adjoint_b": lambda tf: tf.sparse.sparse_dense_matmul(grid(tf), tf.ones([2, 4]), adjoint_b=True),
    "matmul_dense_first": lambda tf: tf.sparse.sparse_dense_matmul(tf.reshape(tf.range(6.0), [2, 3]), grid(tf)),
    "matmul_dense_first_adjoint": lambda tf: tf.sparse.sparse_dense_matmul(
        tf.ones([4, 2]), grid(tf), adjoint_a=True, adjoint_b=True),
    "reduce_sum_all": lambda tf: tf.sparse.reduce_sum(grid(tf)),
    "reduce_sum_rows": lambda tf: tf.sparse.reduce_sum(grid(tf), axis=1),
    "reduce_sum_keepdims": lambda tf: tf.sparse.reduce_sum(grid(tf), axis=0, keepdims=True),
    "reduce_sum_negative_axis": lambda tf: tf.sparse.reduce_sum(grid(tf), axis=-1),
    "reduce_sum_sparse": lambda tf: parts(tf.sparse.reduce_sum(negatives(tf), axis=1, output_is_sparse=True)),
    "reduce_sum_sparse_keepdims": lambda tf: parts(tf.sparse.reduce_sum(
        negatives(tf), axis=-1, keepdims=True, output_is_sparse=True)),
    "reduce_max_ignores_missing_zeros": lambda tf: (
        tf.sparse.reduce_max(negatives(tf), axis=1), tf.sparse.reduce_max(negatives(tf), axis=0),
        tf.sparse.reduce_max(negatives(tf))),
    "reduce_max_int": lambda tf: tf.sparse.reduce_max(tf.SparseTensor([[0, 1]], [5], [2, 3]), axis=1),
    "reduce_max_sparse": lambda tf: parts(tf.sparse.reduce_max(negatives(tf), axis=1, output_is_sparse=True)),
    "concat_rows": lambda tf: parts(tf.sparse.concat(0, [grid(tf), negatives(tf)])),
    "concat_columns_reorders": lambda tf: parts(tf.sparse.concat(1, [grid(tf), grid(tf)])),
    "concat_expanding": lambda tf: parts(tf.sparse.concat(
        1, [grid(tf), tf.SparseTensor([[0, 0]], [9.0], [2, 2])], expand_nonconcat_dims=True)),
    "slice": lambda tf: parts(tf.sparse.slice(grid(tf), [1, 0], [2, 4])),
    "slice_clipped": lambda tf: parts(tf.sparse.slice(grid(tf), [2, 2], [5, 5])),
    "split": lambda tf: [parts(s) for s in tf.sparse.split(sp_input=grid(tf), num_split=2, axis=1)],
    "split_uneven": lambda tf: [parts(s) for s in tf.sparse.split(sp_input=grid(tf), num_split=2, axis=0)],
    "retain": lambda tf: parts(tf.sparse.retain(grid(tf), [True, False, True])),
    "fill_empty_rows": lambda tf: (lambda out: (parts(out[0]), out[1]))(tf.sparse.fill_empty_rows(
        tf.SparseTensor([[0, 1], [2, 0]], [1.0, 2.0], [4, 3]), -1.0)),
    "map_values": lambda tf: parts(tf.sparse.map_values(tf.multiply, grid(tf), 2.0)),
    "map_values_of_two": lambda tf: parts(tf.sparse.map_values(tf.add, grid(tf), grid(tf))),
    "expand_dims": lambda tf: parts(tf.sparse.expand_dims(grid(tf), 0)),
    "expand_dims_last": lambda tf: parts(tf.sparse.expand_dims(grid(tf), -1)),
    "transpose": lambda tf: parts(tf.sparse.transpose(grid(tf))),
    "to_indicator": lambda tf: tf.sparse.to_indicator(tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [0, 3, 2], [2, 2]), 4),
    "maximum": lambda tf: parts(tf.sparse.maximum(grid(tf), negatives(tf))),
    "minimum": lambda tf: parts(tf.sparse.minimum(grid(tf), negatives(tf))),
    "eye": lambda tf: parts(tf.sparse.eye(3)),
    "eye_rectangular_int": lambda tf: parts(tf.sparse.eye(2, 3, dtype=tf.int32)),
    "times_dense_broadcast": lambda tf: parts(grid(tf) * tf.constant([[1.0, 2.0, 3.0, 4.0]])),
    "times_dense_full": lambda tf: parts(grid(tf) * tf.reshape(tf.range(12.0), [3, 4])),
    "divided_by_scalar": lambda tf: parts(grid(tf) / tf.constant(2.0)),
    "mask": lambda tf: (lambda m: (m.values, m.indices))(tf.sparse.mask(
        tf.IndexedSlices(tf.reshape(tf.range(6.0), [3, 2]), tf.constant([0, 2, 4])), tf.constant([2]))),
    "segment_sum": lambda tf: tf.sparse.segment_sum(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([0, 2, 1]), tf.constant([0, 0, 1])),
    "segment_mean": lambda tf: tf.sparse.segment_mean(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([0, 2, 1]), tf.constant([0, 0, 1])),
    "segment_sqrt_n": lambda tf: tf.sparse.segment_sqrt_n(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([0, 2, 1]), tf.constant([0, 0, 1])),
    "softmax": lambda tf: parts(tf.sparse.softmax(tf.SparseTensor(
        [[0, 0, 1], [0, 0, 2], [1, 1, 0]], [1.0, 2.0, 3.0], [2, 2, 3]))),
    "to_dense_bool": lambda tf: tf.sparse.to_dense(tf.SparseTensor([[0]], [True], [2])),
    "to_dense_string": lambda tf: tf.sparse.to_dense(tf.SparseTensor([[1]], ["a"], [3])),
    "int_times_and_divided_by_python_numbers": lambda tf: (
        parts(tf.SparseTensor([[0]], [3], [2]) * 2), parts(tf.SparseTensor([[0]], [3], [2]) / 2)),
    "expand_dims_default_axis": lambda tf: parts(tf.sparse.expand_dims(grid(tf))),
    "transpose_with_perm_rank_3": lambda tf: parts(tf.sparse.transpose(
        tf.SparseTensor([[0, 1, 2], [1, 0, 1]], [1, 2], [2, 2, 3]), perm=[2, 0, 1])),
    "concat_negative_axis": lambda tf: parts(tf.sparse.concat(-1, [grid(tf), grid(tf)])),
    "split_negative_axis_three_ways": lambda tf: [parts(s) for s in tf.sparse.split(
        sp_input=grid(tf), num_split=3, axis=-1)],
    "slice_with_tensors": lambda tf: parts(tf.sparse.slice(grid(tf), tf.constant([0, 1], tf.int64),
                                                          tf.constant([3, 3], tf.int64))),
    "reduce_sum_int": lambda tf: tf.sparse.reduce_sum(tf.SparseTensor([[0, 1], [1, 1]], [2, 3], [2, 2]), axis=0),
    "reduce_sum_two_axes_of_rank_3": lambda tf: tf.sparse.reduce_sum(
        tf.SparseTensor([[0, 1, 2], [1, 0, 1], [1, 1, 1]], [1.0, 2.0, 3.0], [2, 2, 3]), axis=[0, 2]),
    "reduce_max_rank_3_sparse": lambda tf: parts(tf.sparse.reduce_max(
        tf.SparseTensor([[0, 1, 2], [1, 0, 1], [1, 1, 1]], [1.0, 2.0, 3.0], [2, 2, 3]), axis=1,
        output_is_sparse=True)),
    "from_dense_strings_and_bools": lambda tf: (parts(tf.sparse.from_dense(tf.constant([b"", b"a", b"b"]))),
                                                parts(tf.sparse.from_dense(tf.constant([True, False])))),
    "to_dense_rank_1_and_3": lambda tf: (tf.sparse.to_dense(tf.SparseTensor([[1]], [2.0], [3])),
                                         tf.sparse.to_dense(tf.SparseTensor([[0, 1, 1]], [5], [1, 2, 2]))),
    "add_int_sparse": lambda tf: parts(tf.sparse.add(tf.SparseTensor([[0]], [1], [2]), tf.SparseTensor([[1]], [2], [2]))),
    "reset_shape": lambda tf: (parts(tf.sparse.reset_shape(grid(tf))), parts(tf.sparse.reset_shape(grid(tf), [5, 6]))),
    "bincount": lambda tf: parts(tf.sparse.bincount(tf.constant([[1, 1, 3], [2, 5, 1]]))),
    "bincount_rows": lambda tf: parts(tf.sparse.bincount(tf.constant([[1, 1, 3], [2, 5, 1]]), axis=-1)),
    "bincount_min_max_length": lambda tf: (
        parts(tf.sparse.bincount(tf.constant([[1, 1, 3], [2, 5, 1]]), axis=-1, minlength=8)),
        parts(tf.sparse.bincount(tf.constant([[1, 1, 3], [2, 5, 1]]), axis=-1, maxlength=3))),
    "bincount_binary_and_weighted": lambda tf: (
        parts(tf.sparse.bincount(tf.constant([[1, 1, 3], [2, 5, 1]]), axis=-1, binary_output=True)),
        parts(tf.sparse.bincount(tf.constant([[1, 1, 3], [2, 5, 1]]),
                                 weights=tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), axis=-1))),
    "bincount_int64_and_sparse": lambda tf: (
        parts(tf.sparse.bincount(tf.constant([3, 3, 0], tf.int64))),
        parts(tf.sparse.bincount(tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([2, 2, 4], tf.int64),
                                                 [2, 3]), axis=-1))),
    "segment_sum_num_segments": lambda tf: tf.sparse.segment_sum(
        tf.constant([1.0, 2.0, 3.0]), tf.constant([0, 1]), tf.constant([0, 2]), num_segments=4),
}


@pytest.mark.parametrize("case", sorted(OPS))
def test_sparse_op_matches_tf(compare, case):
    compare(lambda tf: OPS[case](tf))


BAD_OPS = {
    "matmul_inner_dimension": ("InvalidArgumentError",
                               lambda tf: tf.sparse.sparse_dense_matmul(grid(tf), tf.ones([3, 2]))),
    "matmul_adjoint_inner_dimension": ("InvalidArgumentError", lambda tf: tf.sparse.sparse_dense_matmul(
        grid(tf), tf.ones([2, 3]), adjoint_a=True)),
    "reshape_wrong_size": ("InvalidArgumentError", lambda tf: parts(tf.sparse.reshape(grid(tf), [5, 2]))),
    "concat_mismatched_rows": ("InvalidArgumentError", lambda tf: parts(tf.sparse.concat(
        1, [grid(tf), tf.SparseTensor([[0, 0]], [9.0], [2, 2])]))),
    "times_a_larger_dense": ("InvalidArgumentError", lambda tf: parts(grid(tf) * tf.ones([2, 3, 4]))),
    "sparse_plus_sparse_operator": ("TypeError", lambda tf: grid(tf) + grid(tf)),
    "sparse_times_sparse_operator": ("ValueError", lambda tf: parts(grid(tf) * grid(tf))),
}


@pytest.mark.parametrize("case", sorted(BAD_OPS))
def test_sparse_op_misuse_raises_tf_error_class(compare, case):
    error, program = BAD_OPS[case]
    compare(raises(error)(lambda tf: program(tf)), messages=False)


def other_shape(tf):
    return tf.SparseTensor([[0, 0]], [1.0], [2, 4])


TF_ERRORS = {
    "add_shapes": lambda tf: tf.sparse.add(grid(tf), other_shape(tf)),
    "add_dtypes": lambda tf: tf.sparse.add(grid(tf), tf.SparseTensor([[0, 0]], [1], [3, 4])),
    "add_dense_shape": lambda tf: tf.sparse.add(grid(tf), tf.ones([2, 4])),
    "maximum_shapes": lambda tf: tf.sparse.maximum(grid(tf), other_shape(tf)),
    "split_too_many": lambda tf: tf.sparse.split(sp_input=grid(tf), num_split=5, axis=0),
    "reshape_two_unknown": lambda tf: tf.sparse.reshape(grid(tf), [-1, -1]),
    "to_indicator_out_of_range": lambda tf: tf.sparse.to_indicator(tf.SparseTensor([[0, 0]], [7], [1, 1]), 4),
    "retain_length": lambda tf: tf.sparse.retain(grid(tf), [True]),
    "slice_rank": lambda tf: tf.sparse.slice(grid(tf), [0], [1]),
    "expand_dims_axis": lambda tf: tf.sparse.expand_dims(grid(tf), 5),
    "concat_axis": lambda tf: tf.sparse.concat(3, [grid(tf), grid(tf)]),
    "reduce_sum_axis": lambda tf: tf.sparse.reduce_sum(grid(tf), axis=2),
    "reduce_max_axis": lambda tf: tf.sparse.reduce_max(grid(tf), axis=-3),
    "matmul_rank_3": lambda tf: tf.sparse.sparse_dense_matmul(
        tf.SparseTensor([[0, 0, 0]], [1.0], [1, 1, 1]), tf.ones([1, 1])),
    "matmul_dtypes": lambda tf: tf.sparse.sparse_dense_matmul(grid(tf), tf.ones([4, 2], tf.float64)),
    "to_dense_of_a_dense_tensor": lambda tf: tf.sparse.to_dense(tf.ones([2])),
    "softmax_rank_1": lambda tf: tf.sparse.softmax(tf.SparseTensor([[0]], [1.0], [2])),
    "map_values_without_sparse": lambda tf: tf.sparse.map_values(tf.abs, tf.ones([2])),
    "map_values_mismatched_indices": lambda tf: tf.sparse.map_values(
        tf.add, grid(tf), tf.SparseTensor([[0, 0], [1, 1], [2, 2]], [1.0, 1.0, 1.0], [3, 4])),
    "eye_negative": lambda tf: tf.sparse.eye(-1),
    "times_other_dtype": lambda tf: grid(tf) * tf.ones([3, 4], tf.float64),
    "reset_shape_smaller": lambda tf: tf.sparse.reset_shape(grid(tf), [2, 2]),
    "bincount_negative": lambda tf: tf.sparse.bincount(tf.constant([-1, 2])),
    "bincount_floats": lambda tf: tf.sparse.bincount(tf.constant([1.5, 2.0])),
}


@pytest.mark.parametrize("case", sorted(TF_ERRORS))
def test_sparse_op_errors_have_tf_class_and_first_line(compare, case):
    @raises("InvalidArgumentError", "ValueError", "TypeError")
    def program(tf):
        return TF_ERRORS[case](tf)
    compare(program)


def test_to_indicator_casts_float_values_to_ids(compare):
    compare(lambda tf: tf.sparse.to_indicator(tf.SparseTensor([[0, 0], [0, 1]], [1.7, 3.0], [1, 2]), 4))


def test_matmul_of_mismatched_inner_dimensions_says_which(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.sparse.sparse_dense_matmul(grid(tf), tf.ones([2, 3]), adjoint_a=True)
    compare(program)


def test_sparse_ops_inside_a_function(compare):
    def program(tf):
        @tf.function
        def step(w, st):
            made = tf.SparseTensor([[0, 1], [1, 0]], [1.0, 2.0], [2, 2])
            return (tf.sparse.sparse_dense_matmul(made, w), tf.sparse.reduce_sum(made, axis=0),
                    tf.sparse.to_dense(tf.sparse.transpose(made)), tf.sparse.to_dense(st) * 2.0)
        return step(tf.ones([2, 2]), grid(tf))
    compare(program)


def test_a_training_step_on_sparse_dense_matmul_inside_a_function(compare):
    def program(tf):
        st = grid(tf)
        w = tf.Variable(tf.reshape(tf.range(8, dtype=tf.float32), [4, 2]))

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.sparse.sparse_dense_matmul(st, w) ** 2)
            w.assign_sub(0.01 * tape.gradient(loss, w))
            return loss
        return [step() for _ in range(3)], w
    compare(program, rtol=1e-4)


def test_gradients_of_dense_times_sparse_and_second_order_through_values(compare):
    def program(tf):
        st = grid(tf)
        a = tf.Variable(tf.ones([2, 3]))
        x = tf.Variable([1.0, 2.0, 3.0])
        w = tf.reshape(tf.range(8.0), [4, 2])
        with tf.GradientTape(persistent=True) as outer:
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(st.values)
                product = tf.reduce_sum(tf.sparse.sparse_dense_matmul(a, st) * tf.reshape(tf.range(8.0), [2, 4]))
                squared = tf.reduce_sum(tf.sparse.sparse_dense_matmul(tf.SparseTensor(st.indices, x ** 2, st.dense_shape), w))
            first = tape.gradient(squared, x)
            total = tf.reduce_sum(first)
        return tape.gradient(product, a), tape.gradient(product, st.values), first, outer.gradient(total, x)
    compare(program)


# ---------------------------------------------------------------------------------------------
# SparseTensorSpec
def test_sparse_tensor_spec_repr_equality_and_compatibility(compare):
    def program(tf):
        spec = tf.SparseTensorSpec([None, 4], tf.float32)
        st = grid(tf)
        return (repr(spec), spec.shape, spec.dtype, spec.value_type is tf.SparseTensor,
                spec == tf.SparseTensorSpec([None, 4]), spec == tf.SparseTensorSpec([3, 4]),
                spec.is_compatible_with(st), tf.SparseTensorSpec([2, 4]).is_compatible_with(st),
                repr(tf.SparseTensorSpec.from_value(st)))
    compare(program)


# ---------------------------------------------------------------------------------------------
# gradients
def test_gradients_of_sparse_dense_matmul_reach_the_dense_variable_and_the_values(compare):
    def program(tf):
        st = grid(tf)
        w = tf.Variable(tf.reshape(tf.range(8, dtype=tf.float32), [4, 2]))
        v = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            sp = tf.SparseTensor(st.indices, v * 1.0, st.dense_shape)
            loss = tf.reduce_sum(tf.sparse.sparse_dense_matmul(sp, w) ** 2)
        return tape.gradient(loss, [w, v])
    compare(program)


def test_gradient_with_respect_to_watched_values(compare):
    def program(tf):
        st = grid(tf)
        w = tf.reshape(tf.range(8, dtype=tf.float32), [4, 2])
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(st.values)
            product = tf.reduce_sum(tf.sparse.sparse_dense_matmul(st, w))
            dense = tf.reduce_sum(tf.sparse.to_dense(st) ** 2)
            rows = tf.reduce_sum(tf.sparse.reduce_sum(st, axis=1) * tf.constant([1.0, 2.0, 3.0]))
        return [tape.gradient(t, st.values) for t in (product, dense, rows)]
    compare(program)


def test_a_variable_as_values_gets_gradients_through_to_dense_and_sparse_ops(compare):
    def program(tf):
        v = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            st = tf.SparseTensor([[0, 1], [1, 0], [2, 3]], v, [3, 4])
            moved = tf.sparse.transpose(tf.sparse.add(st, st))
            loss = tf.reduce_sum(tf.sparse.to_dense(moved) * tf.reshape(tf.range(12.0), [4, 3]))
        return tape.gradient(loss, v)
    compare(program)


@pytest.mark.parametrize("combiner", ["mean", "sqrtn", "sum", None])
def test_embedding_lookup_sparse_combines_rows_and_gives_indexed_slices_gradients(compare, combiner):
    def program(tf):
        emb = tf.Variable(tf.reshape(tf.range(12.0), [4, 3]))
        ids = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1, 3, 2], tf.int64), [4, 2])
        weights = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1.0, 2.0, 0.5]), [4, 2])
        with tf.GradientTape() as tape:
            weighted = tf.nn.embedding_lookup_sparse(emb, ids, weights, combiner=combiner)
            loss = tf.reduce_sum(weighted * tf.constant([[1.0], [2.0], [3.0]]))
        grad = tape.gradient(loss, emb)
        return (tf.nn.embedding_lookup_sparse(emb, ids, None, combiner=combiner), weighted,
                tf.nn.embedding_lookup_sparse(emb, ids, None, combiner=combiner, max_norm=1.0),
                type(grad).__name__, tf.convert_to_tensor(grad))
    compare(program)


def test_embedding_lookup_sparse_with_an_unknown_combiner_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        ids = tf.SparseTensor([[0, 0]], tf.constant([1], tf.int64), [1, 1])
        return tf.nn.embedding_lookup_sparse(tf.ones([2, 2]), ids, None, combiner="max")
    compare(program)


def test_a_keras_dense_layer_on_a_sparse_input_gives_keras_values_and_gradient_types(compare):
    def program(tf):
        st = tf.SparseTensor([[0, 1], [1, 0], [3, 3]], [1.0, 2.0, 3.0], [4, 4])
        layer = tf.keras.layers.Dense(2, activation="relu", kernel_initializer="ones", bias_initializer="ones")
        with tf.GradientTape() as tape:
            out = layer(st)
            loss = tf.reduce_sum(out ** 2)
        grads = tape.gradient(loss, layer.trainable_variables)
        return out, [isinstance(g, tf.IndexedSlices) for g in grads], [tf.convert_to_tensor(g) for g in grads]
    compare(program)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float64"])
def test_a_keras_dense_layer_on_int_or_float64_sparse_values_computes_in_its_float32_kernel_dtype(
        compare, dtype):
    def program(tf):
        st = tf.SparseTensor([[0, 1], [1, 0], [3, 3]], tf.constant([1, 2, 3], dtype), [4, 4])
        layer = tf.keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
        inp = tf.keras.Input(shape=(4,), sparse=True, dtype=dtype)
        model = tf.keras.Model(inp, tf.keras.layers.Dense(2, kernel_initializer="ones")(inp))
        return layer(st), model(st), model.predict(st, verbose=0)
    compare(program)


@pytest.mark.parametrize("source", ["arrays", "dataset"])
def test_fitting_a_functional_model_on_a_sparse_input(compare, source):
    def program(tf):
        import numpy as np
        st = tf.SparseTensor([[0, 1], [1, 0], [2, 3], [3, 2]], [1.0, 2.0, 3.0, 4.0], [4, 4])
        y = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
        inp = tf.keras.Input(shape=(4,), sparse=True)
        model = tf.keras.Model(inp, tf.keras.layers.Dense(1, kernel_initializer="ones")(inp))
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
        if source == "arrays":
            history = model.fit(st, y, batch_size=2, epochs=2, verbose=0, shuffle=False)
        else:
            history = model.fit(tf.data.Dataset.from_tensor_slices((st, y)).batch(2), epochs=2, verbose=0)
        return history.history, model.predict(st, verbose=0), model(st)
    compare(program, rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# tf.data and tf.nest
def test_a_dataset_of_one_sparse_tensor_has_a_sparse_spec(compare):
    def program(tf):
        ds = tf.data.Dataset.from_tensors(tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2], dense_shape=[3, 4]))
        element = next(iter(ds))
        return (repr(ds.element_spec), ds.element_spec.value_type.__name__, parts(element),
                repr(tf.data.Dataset.from_tensors((grid(tf), 1)).element_spec))
    compare(program)


def test_slicing_and_batching_sparse_dataset_elements(compare):
    def program(tf):
        sliced = tf.data.Dataset.from_tensor_slices(negatives(tf))
        rebatched = sliced.batch(2)
        repeated = tf.data.Dataset.from_tensors(negatives(tf)).repeat(3).batch(2)
        return (repr(sliced.element_spec), [parts(e) for e in sliced], repr(rebatched.element_spec),
                [parts(e) for e in rebatched], repr(repeated.element_spec), [parts(e) for e in repeated])
    compare(program)


def test_mapping_sparse_dataset_elements(compare):
    def program(tf):
        dense = tf.data.Dataset.from_tensor_slices(negatives(tf)).map(tf.sparse.to_dense)
        sparse = tf.data.Dataset.from_tensor_slices(tf.eye(3)).map(tf.sparse.from_dense)
        return list(dense), [parts(e) for e in sparse]
    compare(program)


def test_sparse_elements_through_unbatch_generators_zip_filter_and_numpy_iteration(compare):
    def program(tf):
        dense = lambda ds: [tf.sparse.to_dense(e) for e in ds]
        unbatched = tf.data.Dataset.from_tensors(negatives(tf)).unbatch()
        made = tf.data.Dataset.from_generator(
            lambda: iter([tf.SparseTensor([[0]], [1], [2]), tf.SparseTensor([[3]], [4], [5])]),
            output_signature=tf.SparseTensorSpec([None], tf.int32))
        zipped = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(negatives(tf)), tf.data.Dataset.range(3)))
        kept = tf.data.Dataset.from_tensor_slices(negatives(tf)).filter(lambda s: tf.sparse.reduce_sum(s) > 0)
        return (repr(unbatched.element_spec), dense(unbatched), repr(made.element_spec), dense(made),
                dense(made.batch(2)), [(tf.sparse.to_dense(a), b) for a, b in zipped], dense(kept.prefetch(1)),
                list(tf.data.Dataset.from_tensor_slices(negatives(tf)).as_numpy_iterator()))
    compare(program)


def test_a_dataset_function_returning_a_sparse_tensor(compare):
    def program(tf):
        rows = tf.data.Dataset.from_tensor_slices(tf.reshape(tf.range(6.0), [3, 2]))
        made = rows.map(lambda x: tf.SparseTensor([[0], [1]], x, [4]))
        paired = tf.data.Dataset.from_tensor_slices(tf.SparseTensor([[0, 1], [2, 0]], [1.0, 2.0], [3, 2])).map(
            lambda s: (s, tf.sparse.reduce_sum(s)))
        return (repr(made.element_spec), [tf.sparse.to_dense(e) for e in made],
                [tf.sparse.to_dense(e) for e in made.batch(2)], [(tf.sparse.to_dense(a), b) for a, b in paired])
    compare(program)


def test_nest_treats_a_sparse_tensor_as_one_leaf(compare):
    def program(tf):
        st = grid(tf)
        flat = tf.nest.flatten({"a": st, "b": 1})
        return (len(flat), isinstance(flat[0], tf.SparseTensor), tf.nest.map_structure(lambda x: 0, {"a": st}),
                tf.nest.flatten(st, expand_composites=True),
                parts(tf.nest.pack_sequence_as(st, tf.nest.flatten(st, expand_composites=True),
                                               expand_composites=True)))
    compare(program)
