"""`tf.TensorArray`: TF's eager semantics and errors, gradients through it, and loops."""

import numpy as np
import pytest

X = np.arange(6, dtype=np.float32).reshape(3, 2) / 4.0


def _ta(tf, **kwargs):
    return tf.TensorArray(tf.float32, **{"size": 3, **kwargs})


CASES = {
    "write_read_stack": lambda tf: (lambda ta: (ta.read(0), ta.stack(), ta.size(), ta.element_shape))(
        _ta(tf).write(0, [1.0, 2.0])),
    "read_clears_by_default": lambda tf: (lambda ta: (ta.read(0), ta.stack()))(_ta(tf).write(0, [1.0, 2.0])),
    "second_read_raises": lambda tf: (lambda ta: (ta.read(0), ta.read(0)))(
        _ta(tf, clear_after_read=True).write(0, [1.0])),
    "read_many_without_clear": lambda tf: (lambda ta: (ta.read(0), ta.read(0), ta.stack()))(
        _ta(tf, clear_after_read=False).write(0, [1.0])),
    "unwritten_reads_zero": lambda tf: _ta(tf).write(0, [1.0, 2.0]).read(2),
    "write_past_end": lambda tf: _ta(tf).write(3, [1.0]),
    "write_negative": lambda tf: _ta(tf).write(-1, [1.0]),
    "read_past_end": lambda tf: _ta(tf).read(5),
    "read_negative": lambda tf: _ta(tf).read(-1),
    "write_wrong_dtype_tensor": lambda tf: _ta(tf).write(0, tf.constant([1, 2])),
    "write_float64_tensor": lambda tf: _ta(tf).write(0, tf.constant(1.0, tf.float64)),
    "write_python_ints_converted": lambda tf: _ta(tf).write(0, [1, 2]).read(0),
    "int_array_rejects_floats": lambda tf: tf.TensorArray(tf.int32, size=2).write(0, [1.5]),
    "write_wrong_shape": lambda tf: _ta(tf).write(0, [1.0, 2.0]).write(1, [1.0, 2.0, 3.0]),
    "element_shape_given": lambda tf: tf.TensorArray(tf.int32, size=2, element_shape=[2]).write(0, [1, 2, 3]),
    "partial_element_shape": lambda tf: (lambda ta: (ta.element_shape, ta.stack()))(
        tf.TensorArray(tf.float32, size=2, element_shape=[None, 2]).write(0, [[1.0, 2.0]])),
    "overwrite_allowed_eagerly": lambda tf: _ta(tf).write(0, [1.0]).write(0, [2.0]).stack(),
    "dynamic_grows": lambda tf: (lambda ta: (ta.size(), ta.stack()))(
        tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(4, [1.0])),
    "dynamic_empty_stack": lambda tf: tf.TensorArray(tf.float32, size=0, dynamic_size=True).stack(),
    "empty_stack_with_shape": lambda tf: tf.TensorArray(tf.float32, size=0, element_shape=[2]).stack(),
    "unknown_shape_stack_raises": lambda tf: _ta(tf).stack(),
    "unknown_shape_read_raises": lambda tf: _ta(tf).read(0),
    "scalars": lambda tf: _ta(tf).write(0, 1.0).write(1, 2.0).write(2, 3.0).stack(),
    "tensor_indices": lambda tf: _ta(tf).write(tf.constant(1), 5.0).read(tf.constant(1)),
    "unstack": lambda tf: (lambda ta: (ta.stack(), ta.size(), ta.element_shape.rank))(
        _ta(tf).unstack(tf.constant(X))),
    "unstack_python_ints": lambda tf: tf.TensorArray(tf.float32, size=2).unstack([1, 2]).stack(),
    "unstack_fewer_shrinks": lambda tf: tf.TensorArray(tf.float32, size=4).unstack(tf.constant(X)).stack(),
    "unstack_too_many": lambda tf: tf.TensorArray(tf.float32, size=2).unstack(tf.constant(X)),
    "scatter_gather": lambda tf: (lambda ta: (ta.gather([0, 1]), ta.gather(tf.constant([2])), ta.stack()))(
        _ta(tf).scatter([2, 0], tf.constant(X[:2]))),
    "scatter_out_of_range": lambda tf: tf.TensorArray(tf.float32, size=2).scatter([5], [[1.0]]),
    "scatter_int_values": lambda tf: tf.TensorArray(tf.float32, size=2).scatter([0, 1], [1, 2]),
    "gather_past_end": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, [1.0]).gather([5]),
    "gather_unwritten_zero": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, [1.0]).gather([0, 1]),
    "split_concat": lambda tf: (lambda ta: (ta.read(1), ta.concat(), ta.size()))(
        tf.TensorArray(tf.float32, size=2).split(tf.constant([1.0, 2.0, 3.0]), [1, 2])),
    "split_python_ints": lambda tf: tf.TensorArray(tf.float32, size=2).split([1, 2, 3], [1, 2]).concat(),
    "split_bad_sum": lambda tf: tf.TensorArray(tf.float32, size=2).split(tf.constant([1.0, 2.0, 3.0]), [1, 1]),
    "split_bad_count": lambda tf: tf.TensorArray(tf.float32, size=3).split([1.0, 2.0, 3.0], [1, 2]),
    "split_lengths_matrix": lambda tf: tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [[1, 2]]),
    "concat_ragged": lambda tf: tf.TensorArray(tf.int32, size=2, element_shape=[None]).write(
        0, [1, 2, 3]).write(1, [4]).concat(),
    "concat_no_infer_shape": lambda tf: tf.TensorArray(tf.int32, size=2, infer_shape=False).write(
        0, [1, 2, 3]).write(1, [4]).concat(),
    "stack_ragged_raises": lambda tf: tf.TensorArray(tf.int32, size=2, infer_shape=False).write(
        0, [1, 2, 3]).write(1, [4]).stack(),
    "concat_scalars_raises": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0).concat(),
    "concat_mismatched_rows": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, [[1.0]]).write(
        1, [[2.0], [3.0]]),
    "metadata": lambda tf: (lambda ta: (ta.dtype, ta.dynamic_size, ta.handle, ta.flow, ta.identity() is ta,
                                        ta.close(), ta.size()))(
        tf.TensorArray("float32", size=2, dynamic_size=True, element_shape=[3])),
    "size_tensor": lambda tf: tf.TensorArray(tf.float32, size=tf.constant(2)).size(),
    "no_size": lambda tf: tf.TensorArray(tf.float32),
    "handle_given": lambda tf: tf.TensorArray(tf.float32, size=1, handle=1),
}


# the cases that raise on TF, with TF's exception class (measured on TF 2.21)
RAISES = {
    "concat_mismatched_rows": "ValueError",
    "concat_ragged": "ValueError",
    "concat_scalars_raises": "InvalidArgumentError",
    "element_shape_given": "ValueError",
    "gather_past_end": "IndexError",
    "handle_given": "ValueError",
    "int_array_rejects_floats": "InvalidArgumentError",
    "no_size": "ValueError",
    "read_negative": "OutOfRangeError",
    "read_past_end": "OutOfRangeError",
    "scatter_int_values": "InvalidArgumentError",
    "scatter_out_of_range": "OutOfRangeError",
    "second_read_raises": "InvalidArgumentError",
    "split_bad_count": "InvalidArgumentError",
    "split_bad_sum": "InvalidArgumentError",
    "split_concat": "ValueError",
    "split_lengths_matrix": "InvalidArgumentError",
    "stack_ragged_raises": "InvalidArgumentError",
    "unknown_shape_read_raises": "ValueError",
    "unknown_shape_stack_raises": "ValueError",
    "unstack_too_many": "ValueError",
    "write_float64_tensor": "InvalidArgumentError",
    "write_negative": "OutOfRangeError",
    "write_past_end": "OutOfRangeError",
    "write_wrong_dtype_tensor": "InvalidArgumentError",
    "write_wrong_shape": "ValueError",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_tensor_array_eager(compare, case):
    compare(lambda tf: CASES[case](tf), raises=RAISES.get(case))


def test_gradients_through_writes_and_stack(compare):
    def program(tf):
        x = tf.constant(X)
        w = tf.Variable([0.5, -1.0])
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            ta = tf.TensorArray(tf.float32, size=3)
            for i in range(3):
                ta = ta.write(i, tf.tanh(x[i] * w) * float(i + 1))
            stacked = ta.stack()
            loss = tf.reduce_sum(stacked ** 2)
        return stacked, tape.gradient(loss, [x, w])
    compare(program)


def test_gradients_through_unstack_read_gather_concat_split(compare):
    def program(tf):
        x = tf.constant(X)
        y = tf.constant([1.0, 2.0, 3.0, 4.0])
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, y])
            rows = tf.TensorArray(tf.float32, size=3, clear_after_read=False).unstack(x * 2.0)
            picked = rows.read(2) * rows.read(0)
            gathered = rows.gather([1, 1, 2])
            pieces = tf.TensorArray(tf.float32, size=2).split(y ** 2, [3, 1])
            joined = pieces.concat()
            loss = (tf.reduce_sum(picked) + tf.reduce_sum(gathered * gathered)
                    + tf.reduce_sum(joined * tf.constant([1.0, 2.0, 3.0, 4.0])))
        return picked, gathered, joined, tape.gradient(loss, [x, y])
    compare(program)


def test_unwritten_element_has_no_gradient_path(compare):
    def program(tf):
        x = tf.constant(2.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            ta = tf.TensorArray(tf.float32, size=3).write(1, x * x)
            loss = tf.reduce_sum(ta.stack())
        return tape.gradient(loss, x)
    compare(program)


def test_eager_while_loop_with_a_tensor_array(compare):
    def program(tf):
        x = tf.constant(X)
        ta = tf.TensorArray(tf.float32, size=3)
        _, ta = tf.while_loop(lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, x[i] * 2.0)),
                              [tf.constant(0), ta])
        return ta.stack()
    compare(program)


def test_function_with_a_python_loop_and_a_compiled_while_loop(compare):
    def program(tf):
        @tf.function
        def python_loop(x):
            ta = tf.TensorArray(tf.float32, size=3)
            for i in range(3):
                ta = ta.write(i, tf.reduce_sum(x[i]) * float(i))
            return ta.stack()

        @tf.function
        def compiled_loop(x, n):
            ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])
            _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.gather(x, i) * 3.0)),
                                  [tf.constant(0), ta])
            return ta.stack(), ta.read(0)

        x = tf.constant(X)
        return python_loop(x), compiled_loop(x, tf.constant(2)), compiled_loop(x, tf.constant(3))
    compare(program)
