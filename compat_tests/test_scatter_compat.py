"""Variable scatter updates (`scatter_update`/`add`/`sub`/`mul`/`div`/`max`/`min`, `scatter_nd_*`,
`batch_scatter_update`): values, repeated indices, return values and TF's errors."""

import pytest

from compat_tests._harness import raises

SPARSE = {
    # (method, values, indices) on [1., 2., 3., 4.]; repeated indices show TF's accumulation rules
    "update_repeated_last_wins": ("scatter_update", [10.0, 20.0], [1, 1]),
    "add_repeated": ("scatter_add", [10.0, 20.0], [1, 1]),
    "sub_repeated": ("scatter_sub", [10.0, 20.0], [0, 0]),
    "mul_repeated": ("scatter_mul", [2.0, 3.0], [2, 2]),
    "div_repeated": ("scatter_div", [2.0, 4.0], [3, 3]),
    "max": ("scatter_max", [100.0, 0.0], [3, 3]),
    "min": ("scatter_min", [-5.0, 0.0], [3, 3]),
    "update_out_of_range": ("scatter_update", [10.0], [7]),
    "add_negative_index": ("scatter_add", [10.0], [-1]),
    "max_out_of_range": ("scatter_max", [1.0], [4]),
    "div_by_zero": ("scatter_div", [0.0], [1]),
    "update_wrong_dtype": ("scatter_update", [10, 2], [1, 2]),
    "update_float_indices": ("scatter_update", [10.0], [1.0]),
}


@pytest.mark.parametrize("case", sorted(SPARSE))
def test_scatter_on_a_vector(compare, case):
    method, values, indices = SPARSE[case]

    @raises("InvalidArgumentError", "ValueError", optional_=True)
    def program(tf):
        v = tf.Variable([1.0, 2.0, 3.0, 4.0])
        out = getattr(v, method)(tf.IndexedSlices(tf.constant(values), tf.constant(indices)))
        return out, v
    compare(program)


def test_scatter_rows_of_a_matrix_and_scalar_broadcast(compare):
    def program(tf):
        m = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        m.scatter_update(tf.IndexedSlices(tf.constant([[10.0, 20.0]]), tf.constant([2])))
        a = tf.identity(m)
        m.scatter_add(tf.IndexedSlices(tf.constant(7.0), tf.constant([0, 2])))
        b = tf.identity(m)
        m.scatter_update(tf.IndexedSlices(tf.constant([[[1.0, 2.0]], [[3.0, 4.0]]]), tf.constant([[0], [1]])))
        return a, b, m
    compare(program)


@pytest.mark.parametrize("method", ["scatter_update", "scatter_add", "scatter_mul"])
def test_scatter_with_wrong_update_shape_raises_tf_error(compare, method):
    @raises("InvalidArgumentError")
    def program(tf):
        m = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        return getattr(m, method)(tf.IndexedSlices(tf.constant([10.0, 20.0]), tf.constant([2])))
    compare(program)


def test_scatter_out_of_range_in_two_dimensional_indices_names_the_position(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        m = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        return m.scatter_update(tf.IndexedSlices(tf.constant([[[1.0, 2.0]], [[3.0, 4.0]]]),
                                                 tf.constant([[0], [9]])))
    compare(program)


def test_scatter_needs_indexed_slices(compare):
    @raises("TypeError")
    def program(tf):
        return tf.Variable([1.0, 2.0]).scatter_update([1, 2])
    compare(program)


def test_integer_scatter_div_truncates_and_int64_indices_work(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        v = tf.Variable([-7, 7, 3])
        v.scatter_div(tf.IndexedSlices(tf.constant([2, 2, 2]), tf.constant([0, 1, 2])))
        a = tf.identity(v)
        v.scatter_div(tf.IndexedSlices(tf.constant([2, 2]), tf.constant([0, 0], tf.int64)))
        b = tf.identity(v)
        v.scatter_add(tf.IndexedSlices(tf.constant([5]), tf.constant([2], tf.int64)))
        return a, b, v, v.scatter_div(tf.IndexedSlices(tf.constant([0]), tf.constant([1])))
    compare(program)


ND = {
    "update_elements": ("scatter_nd_update", [[0, 1], [2, 0]], [9.0, 8.0]),
    "update_repeated_last_wins": ("scatter_nd_update", [[0, 1], [0, 1]], [9.0, 8.0]),
    "update_rows": ("scatter_nd_update", [[0], [0]], [[9.0, 8.0], [1.0, 1.0]]),
    "add_repeated": ("scatter_nd_add", [[0, 1], [0, 1]], [9.0, 8.0]),
    "sub_row": ("scatter_nd_sub", [[1]], [[1.0, 1.0]]),
    "update_out_of_range": ("scatter_nd_update", [[5, 1]], [9.0]),
    "add_negative": ("scatter_nd_add", [[0, 1], [-1, 0]], [9.0, 1.0]),
    "rows_wrong_shape": ("scatter_nd_update", [[0], [1]], [9.0, 8.0]),
    "index_too_long": ("scatter_nd_update", [[0, 1, 1]], [9.0]),
    "batch_mismatch": ("scatter_nd_update", [[0, 1]], [9.0, 1.0]),
    "python_values": ("scatter_nd_update", [[0, 1]], [7]),
}


@pytest.mark.parametrize("case", sorted(ND))
def test_scatter_nd_on_a_matrix(compare, case):
    method, indices, updates = ND[case]

    @raises("InvalidArgumentError", optional_=True)
    def program(tf):
        m = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        out = getattr(m, method)(tf.constant(indices) if case != "python_values" else indices,
                                 tf.constant(updates) if case != "python_values" else updates)
        return out, m
    compare(program)


BATCH = {
    "rank3_one_per_batch": ([[1], [0]], [[[0.0, 0.0]], [[9.0, 9.0]]]),
    "rank3_wrong_updates": ([[1, 0], [0, 1]], [[0.0, 0.0], [9.0, 9.0]]),
    "vector": ([2, 0], [9.0, 8.0]),
}


@pytest.mark.parametrize("case", sorted(BATCH))
def test_batch_scatter_update(compare, case):
    indices, updates = BATCH[case]

    @raises("InvalidArgumentError", optional_=True)
    def program(tf):
        if case == "vector":
            v = tf.Variable([1.0, 2.0, 3.0])
        else:
            v = tf.Variable([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])
        return v.batch_scatter_update(tf.IndexedSlices(tf.constant(updates), tf.constant(indices)))
    compare(program)


def test_batch_scatter_update_matrix_rows(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        b = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b.batch_scatter_update(tf.IndexedSlices(tf.constant([[10.0, 20.0], [30.0, 40.0]]),
                                                tf.constant([[0, 2], [1, 1]])))
        bad = b.batch_scatter_update(tf.IndexedSlices(tf.constant([[10.0], [30.0]]), tf.constant([[5], [1]])))
        return b, bad
    compare(program)


def test_scatter_inside_a_tape_and_a_function(compare):
    def program(tf):
        x = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            y = x * 2.0
            x.scatter_update(tf.IndexedSlices(tf.constant([5.0]), tf.constant([0])))
            z = x * 3.0
        grad = tape.gradient(y + z, x)

        @tf.function
        def step(v):
            v.scatter_add(tf.IndexedSlices(tf.constant([1.0]), tf.constant([0])))
            v.scatter_nd_sub(tf.constant([[1]]), tf.constant([0.5]))
            return v.read_value() * 2.0
        return grad, z, step(x), step(x), x
    compare(program)


def test_sparse_sgd_step_with_an_embedding_gradient(compare):
    def program(tf):
        table = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        with tf.GradientTape() as tape:
            rows = tf.gather(table, tf.constant([2, 0, 2]))
            loss = tf.reduce_sum(rows * rows)
        grad = tape.gradient(loss, table)
        table.scatter_sub(tf.IndexedSlices(0.1 * grad.values, grad.indices))
        return type(grad).__name__, table
    compare(program)
