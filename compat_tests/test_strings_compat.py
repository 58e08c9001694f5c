"""String tensors (tf.string) and tf.strings, program by program on TensorFlow and on tapejax.

Each program's result (values, dtypes, shapes) or the exception it raises (type, and TF's first line
of the message unless listed in NO_MESSAGE) must match.
"""

import numpy as np
import pytest

from compat_tests import _harness as H

PROGRAMS = {}
NO_MESSAGE = set()  # TF's message lists the op's allowed dtypes, or a device prefix tapejax omits


def program(f=None, messages=True):
    def register(g):
        PROGRAMS[g.__name__] = g
        if not messages:
            NO_MESSAGE.add(g.__name__)
        return g
    return register(f) if f is not None else register


def _text(t):
    return str(t), repr(t)


# ==== string tensors ============================================================================
@program
def constant_of_str_is_utf8_bytes(tf):
    s = tf.constant("é")
    return s, s.numpy(), s.dtype, _text(s)


@program
def constant_of_bytes_and_lists(tf):
    return tf.constant(b"ab\x00"), tf.constant(["a", "bc"]), tf.constant([["a"], [b"\xff"]])


@program
def reprs_of_string_tensors(tf):
    return _text(tf.constant([["a", "b"], ["c", "é"]])), _text(tf.constant([], dtype=tf.string))


@program
def numpy_string_and_object_arrays(tf):
    return (tf.constant(np.array(["x", "yy"])), tf.constant(np.array([b"x", b"y"])),
            tf.constant(np.array([b"line", b"two"], dtype=object)),
            tf.constant(np.array(["x", "y"], dtype=object)))


@program
def text_line_dataset_shapes(tf):
    line = tf.constant(b"line one")
    batch = tf.constant(np.array([b"a", b"bb", b"ccc"], dtype=object))
    return line, batch, line.shape, batch.shape, batch.dtype, tf.convert_to_tensor(batch)


@program
def numpy_of_string_tensor_is_a_copy(tf):
    t = tf.constant(["a", "b"])
    a = t.numpy()
    a[0] = b"changed"
    return t, type(t.numpy()[0]).__name__, t.numpy().dtype.name


@program
def constant_with_shape_and_dtype(tf):
    return tf.constant("a", shape=[2, 2]), tf.constant(["a", "b"], dtype=tf.string, shape=[2, 1])


@program
def string_dtype_properties(tf):
    d = tf.string
    return (d.name, str(d), d.size, d.is_floating, d.is_integer, d.is_bool, d == "string",
            tf.as_dtype(np.object_) == d, tf.as_dtype(np.dtype("U3")) == d, tf.dtypes.string == d,
            d.as_numpy_dtype is object)


@program
def as_dtype_of_python_str_raises(tf):
    return tf.as_dtype(str)


@program
def string_dtype_min_raises(tf):
    return tf.string.min


@program
def mixed_python_sequence_raises(tf):
    return tf.constant(["a", 1])


@program
def non_rectangular_string_sequence_raises(tf):
    return tf.constant([["a"], ["b", "c"]])


@program
def string_to_float_dtype_raises(tf):
    return tf.constant("a", dtype=tf.float32)


@program
def number_to_string_dtype_raises(tf):
    return tf.constant(1, dtype=tf.string)


@program
def convert_string_tensor_to_float_raises(tf):
    return tf.convert_to_tensor(tf.constant("a"), dtype=tf.float32)


@program
def equality_on_strings(tf):
    a = tf.constant(["a", "b"])
    return (a == "a", a != "a", tf.equal(a, tf.constant([["a"], ["b"]])), tf.not_equal(a, a),
            tf.constant("x") == tf.constant("x"), a == tf.constant(["a", "b", "c"]), a == None)  # noqa: E711


@program
def equal_with_incompatible_shapes_raises(tf):
    return tf.equal(tf.constant(["a", "b"]), tf.constant(["a", "b", "c"]))


@program
def equal_string_with_number_raises(tf):
    return tf.equal(tf.constant("a"), 1)


@program
def add_concatenates_strings(tf):
    return tf.constant("a") + tf.constant("b"), tf.constant(["a", "b"]) + "!", tf.add("x", tf.constant("y"))


@program
def reshape_stack_concat_strings(tf):
    s = tf.constant(["a", "b", "c", "d"])
    return (tf.reshape(s, [2, 2]), tf.stack([tf.constant("a"), tf.constant("b")]),
            tf.stack([s, s], axis=1), tf.concat([s, tf.constant(["e"])], 0), tf.identity(s))


@program
def indexing_strings(tf):
    m = tf.constant([["a", "b"], ["c", "d"]])
    return m[0], m[0, 1], m[:, 1], m[1:], m[..., tf.newaxis], len(m), [t for t in m[0]]


@program
def shape_ops_on_strings(tf):
    s = tf.constant([["a", "b"]])
    return (tf.transpose(s), tf.expand_dims(s, 0), tf.squeeze(s), tf.tile(s, [2, 1]),
            tf.broadcast_to(tf.constant("z"), [3]), tf.reverse(s, [1]), tf.unstack(s[0]),
            tf.split(s, 2, axis=1), tf.slice(s, [0, 1], [1, 1]), tf.shape(s), tf.size(s), tf.rank(s))


@program
def gather_where_and_mask_on_strings(tf):
    s = tf.constant(["a", "b", "c"])
    return (tf.gather(s, [2, 0, 2]), tf.gather(s, 1), tf.gather_nd(tf.reshape(s, [3, 1]), [[1, 0]]),
            tf.where([True, False, True], s, tf.constant(["x", "y", "z"])),
            tf.boolean_mask(s, [True, False, True]))


@program(messages=False)  # TF's first line ends "name: stack" (the op's name), tapejax's "name: "
def stack_string_with_float_raises(tf):
    return tf.stack([tf.constant("a"), tf.constant(1.0)])


@program(messages=False)
def multiply_strings_raises(tf):
    return tf.constant("a") * tf.constant("b")


@program(messages=False)
def exp_of_string_raises(tf):
    return tf.exp(tf.constant("a"))


@program(messages=False)
def reduce_sum_of_strings_raises(tf):
    return tf.reduce_sum(tf.constant(["a"]))


@program(messages=False)
def less_on_strings_raises(tf):
    return tf.constant("a") < tf.constant("b")


@program(messages=False)
def cast_string_to_float_raises(tf):
    return tf.cast(tf.constant("1"), tf.float32)


@program(messages=False)
def cast_float_to_string_raises(tf):
    return tf.cast(tf.constant(1.0), tf.string)


@program
def strings_are_not_differentiable(tf):
    s = tf.constant(["a", "b"])
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        g.watch(s)
        y = x * x
        r = tf.reshape(s, [2, 1])
        z = tf.where(tf.equal(s, "a"), y, 0.0)
    return g.gradient(z, x), g.gradient(r, s), g.gradient(s, s), g.gradient(
        s, s, unconnected_gradients=tf.UnconnectedGradients.ZERO), r


@program
def strings_inside_function(tf):
    @tf.function
    def f(x):
        s = tf.constant(["a", "b"])
        return tf.where(tf.equal(s, "a"), x, 0.0)
    return f(tf.constant([1.0, 2.0]))


@program
def string_returned_from_function(tf):
    @tf.function
    def f(x):
        return tf.reshape(tf.constant(["a", "b"]), [1, 2]), x
    return f(tf.constant(1.0))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_strings(name):
    H.compare(PROGRAMS[name], messages=name not in NO_MESSAGE)
