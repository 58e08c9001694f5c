"""Conversions between Tensors, Variables and Python values: tf.constant, convert_to_tensor, autopacking."""

import numpy as np

Z = np.array([[1.0 + 2.0j, -0.5 + 0.25j, 3.0 - 1.0j], [0.5j, 2.0 + 0.0j, -1.0 - 1.0j]], dtype=np.complex64)


def test_a_complex_conjugate_transpose_and_its_gradient(compare):
    def program(tf):
        z = tf.constant(Z)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(z)
            t = tf.transpose(z, conjugate=True)
            m = tf.linalg.matrix_transpose(z, conjugate=True)
            loss = tf.math.real(tf.reduce_sum(t * tf.constant(Z.T)))
        return t, m, tape.gradient(loss, z), tape.gradient(m, z)
    compare(program, rtol=1e-5)


def test_conjugate_transpose_of_a_real_tensor_is_its_transpose(compare):
    def program(tf):
        x = tf.constant([[1.0, 2.0, 3.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            t = tf.transpose(x, conjugate=True)
            loss = tf.reduce_sum(t * tf.constant([[1.0], [2.0], [3.0]]))
        return t, t.dtype, tape.gradient(loss, x)
    compare(program)


def test_constant_of_a_tensor_with_another_dtype_raises_type_error(compare):
    def program(tf):
        return tf.constant(tf.constant([1, 2]), dtype=tf.float32)
    compare(program, raises="TypeError")


def test_constant_of_a_variable_casts_its_value_without_a_gradient(compare):
    def program(tf):
        v = tf.Variable([1.5, 2.0])
        with tf.GradientTape(persistent=True) as tape:
            c = tf.constant(v, dtype=tf.float64)
            same = tf.constant(v)
        return c, c.dtype, same, tape.gradient(c, v), tape.gradient(same, v)
    compare(program)


def test_a_list_of_tensors_converts_by_stacking_and_differentiates(compare):
    def program(tf):
        x = tf.constant([1.0, 2.0])
        v = tf.Variable(3.0)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            packed = tf.convert_to_tensor([x[0] * 2.0, v, 4.0])
            nested = tf.convert_to_tensor([[x[1], v], [1.0, x[0]]])
            loss = tf.reduce_sum(packed * packed) + tf.reduce_sum(nested)
        return packed, nested, tape.gradient(loss, x), tape.gradient(loss, v)
    compare(program)


def test_iterating_an_eager_tensor_yields_its_rows(compare):
    def program(tf):
        x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            rows = list(x)
            loss = tf.reduce_sum(rows[0] * rows[2])
        return rows, tape.gradient(loss, x)
    compare(program)


def test_a_negated_indexed_slices_keeps_its_indices(compare):
    def program(tf):
        s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([1]), tf.constant([3, 2]))
        n = -s
        return type(n).__name__, n.values, n.indices, tf.convert_to_tensor(n)
    compare(program)


def test_math_softmax_is_nn_softmax(compare):
    def program(tf):
        x = tf.constant([[1.0, 2.0, 0.5]])
        return tf.math.softmax(x), tf.math.softmax(x, axis=0), tf.nn.softmax(x)
    compare(program)


def test_matrix_transpose_of_a_batch_and_of_a_vector(compare):
    def program(tf):
        x = tf.reshape(tf.range(12.0), [2, 3, 2])
        return tf.linalg.matrix_transpose(x), tf.linalg.matrix_transpose(tf.zeros([0, 2]))
    compare(program)


def test_matrix_transpose_of_a_vector_raises_value_error(compare):
    def program(tf):
        return tf.linalg.matrix_transpose(tf.constant([1.0, 2.0]))
    compare(program, raises="ValueError")


def test_an_empty_tensor_iterates_and_unstacks_to_an_empty_list(compare):
    def program(tf):
        return list(tf.range(0)), tf.unstack(tf.zeros([0, 3])), len(tf.unstack(tf.zeros([2, 0]), axis=1))
    compare(program)


def test_an_empty_python_list_converts_to_any_dtype(compare):
    def program(tf):
        return (tf.constant([], tf.int32), tf.constant([[]], tf.bool), tf.convert_to_tensor([], tf.int64),
                tf.constant([], tf.string), tf.constant([]))
    compare(program)
