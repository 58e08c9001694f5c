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
@H.raises("TypeError")
def as_dtype_of_python_str_raises(tf):
    return tf.as_dtype(str)


@program
@H.raises("TypeError")
def string_dtype_min_raises(tf):
    return tf.string.min


@program
@H.raises("ValueError")
def mixed_python_sequence_raises(tf):
    return tf.constant(["a", 1])


@program
@H.raises("ValueError")
def non_rectangular_string_sequence_raises(tf):
    return tf.constant([["a"], ["b", "c"]])


@program
@H.raises("TypeError")
def string_to_float_dtype_raises(tf):
    return tf.constant("a", dtype=tf.float32)


@program
@H.raises("TypeError")
def number_to_string_dtype_raises(tf):
    return tf.constant(1, dtype=tf.string)


@program
@H.raises("ValueError")
def convert_string_tensor_to_float_raises(tf):
    return tf.convert_to_tensor(tf.constant("a"), dtype=tf.float32)


@program
def equality_on_strings(tf):
    a = tf.constant(["a", "b"])
    return (a == "a", a != "a", tf.equal(a, tf.constant([["a"], ["b"]])), tf.not_equal(a, a),
            tf.constant("x") == tf.constant("x"), a == tf.constant(["a", "b", "c"]), a == None)  # noqa: E711


@program
@H.raises("InvalidArgumentError")
def equal_with_incompatible_shapes_raises(tf):
    return tf.equal(tf.constant(["a", "b"]), tf.constant(["a", "b", "c"]))


@program
@H.raises("TypeError")
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
@H.raises("InvalidArgumentError")
def stack_string_with_float_raises(tf):
    return tf.stack([tf.constant("a"), tf.constant(1.0)])


@pytest.mark.parametrize("expr", ["s + 1.0", "tf.add(s, 1.0)", "s + [1.0]", "s * 2", "tf.equal(s, 1.0)",
                                  "1.0 + s", "s - 1", "tf.maximum(s, 1.0)"])
def test_string_tensor_with_a_number_raises(compare, expr):
    compare(lambda tf: eval(expr, {"tf": tf, "s": tf.constant("a")}), raises=("InvalidArgumentError", "TypeError"))


@pytest.mark.parametrize("value", [[1.0], ["a", 1], 1])
def test_numbers_to_string_dtype_raise(compare, value):
    compare(lambda tf: tf.constant(value, dtype=tf.string), raises=("TypeError", "ValueError"))


@program(messages=False)
@H.raises("InvalidArgumentError")
def multiply_strings_raises(tf):
    return tf.constant("a") * tf.constant("b")


@program(messages=False)
@H.raises("InvalidArgumentError")
def exp_of_string_raises(tf):
    return tf.exp(tf.constant("a"))


@program(messages=False)
@H.raises("InvalidArgumentError")
def reduce_sum_of_strings_raises(tf):
    return tf.reduce_sum(tf.constant(["a"]))


@program(messages=False)
@H.raises("InvalidArgumentError")
def less_on_strings_raises(tf):
    return tf.constant("a") < tf.constant("b")


@program(messages=False)
@H.raises("UnimplementedError")
def cast_string_to_float_raises(tf):
    return tf.cast(tf.constant("1"), tf.float32)


@program(messages=False)
@H.raises("UnimplementedError")
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


@program
def string_arguments_trace_by_shape_and_dtype_not_by_value(tf):
    traced = []

    @tf.function
    def twice(v):
        traced.append(str(v))
        return v + v
    out = [twice(tf.constant("a")), twice(tf.constant("b")), twice(tf.constant(["x", "yz"])),
           twice(tf.constant(["p", "q"])), twice(tf.constant(np.array([b"n", b"m"], dtype=object)))]
    return out, traced, twice.experimental_get_tracing_count()


@program
def python_str_arguments_retrace_per_value(tf):
    traced = []

    @tf.function
    def f(v):
        traced.append(v)
        return tf.strings.upper(tf.constant(v))
    return [f("a"), f("b"), f("a")], traced, f.experimental_get_tracing_count()


@program
def string_ops_on_traced_strings_run_at_call_time(tf):
    @tf.function
    def f(s):
        upper = tf.strings.upper(s)
        return (tf.strings.length(s), upper, tf.strings.join([s, upper], separator="-"), tf.equal(s, "ab"),
                s == upper, tf.strings.regex_replace(s, "b", "B!"), tf.strings.substr(s, 0, 1),
                tf.strings.reduce_join(s, separator="|"), tf.strings.length(s, unit="UTF8_CHAR"),
                tf.reshape(s, [-1, 1]), tf.stack([s, upper]), s[0], tf.strings.to_hash_bucket_fast(s, 100))
    return f(tf.constant(["ab", "cdé"])), f(tf.constant(["xyz", "ab"])), f.experimental_get_tracing_count()


@program
def numbers_parsed_from_traced_strings_are_tensors(tf):
    @tf.function
    def f(s, w):
        n = tf.strings.to_number(s)
        return n * w, tf.reduce_sum(n), tf.strings.to_number(s, out_type=tf.int64) if False else n > 1.0
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y, total, big = f(tf.constant(["1.5", "3"]), v)
    return y, total, big, tape.gradient(y, v), f(tf.constant(["4", "0.5"]), v), f.experimental_get_tracing_count()


@program
def traced_numbers_formatted_as_strings(tf):
    vocab = tf.constant(["zero", "one", "two"])

    @tf.function
    def f(x, ids):
        return (tf.strings.as_string(x), tf.strings.as_string(x, precision=1), tf.gather(vocab, ids),
                tf.strings.join([tf.gather(vocab, ids), tf.strings.as_string(ids)], separator=":"),
                tf.where(x > 1.0, "big", "small"), tf.strings.format("x={}", x[0]))
    return f(tf.constant([1.5, 2.25]), tf.constant([2, 0])), f(tf.constant([0.5, 3.0]), tf.constant([1, 1])), \
        f.experimental_get_tracing_count()


@program
def converted_if_on_a_traced_string_comparison(tf):
    @tf.function
    def f(s):
        if s == "yes":
            return tf.constant(1)
        return tf.constant(0)
    return f(tf.constant("yes")), f(tf.constant("no")), f.experimental_get_tracing_count()


@program
def concrete_function_of_a_string_spec(tf):
    @tf.function
    def twice(v):
        return v + v
    concrete = twice.get_concrete_function(tf.TensorSpec([], tf.string))
    return (concrete(tf.constant("c")), concrete(v=tf.constant("d")), str(concrete.structured_input_signature),
            str(concrete.structured_outputs.dtype), concrete.structured_outputs.shape,
            twice.experimental_get_tracing_count(), twice.pretty_printed_concrete_signatures())


@program(messages=False)  # TF names its graph function (__inference_twice_6)
@H.raises("InvalidArgumentError")
def concrete_function_of_a_string_spec_called_with_a_number_raises(tf):
    @tf.function
    def twice(v):
        return v + v
    return twice.get_concrete_function(tf.TensorSpec([], tf.string))(tf.constant(1))


@program(messages=False)  # TF's message names the graph node (Graph execution error: ...)
@H.raises("InvalidArgumentError")
def a_traced_string_that_is_not_a_number_raises_at_call_time(tf):
    @tf.function
    def f(s):
        return tf.strings.to_number(s)
    f(tf.constant(["1"]))
    return f(tf.constant(["one"]))


@program
def split_of_a_traced_string_gives_tfs_values(tf):
    @tf.function
    def f(s):
        return tf.strings.split(s)
    return f(tf.constant("a b c")), f(tf.constant("d")), f(tf.constant(["a b", "c"])).to_list()


@program
def a_string_variable_free_function_returns_string_constants(tf):
    @tf.function
    def f(x):
        return tf.constant("label"), tf.constant([["a"], ["b"]]), x * 2.0
    return f(tf.constant(1.0)), f(tf.constant(2.0)), f.experimental_get_tracing_count()


# ==== tf.strings =================================================================================
TEXT = ["Hello World", "  \u00c9t\u00c9  ", ""]


@program
def length_in_bytes_and_characters(tf):
    s = tf.constant(TEXT)
    return (tf.strings.length(s), tf.strings.length(s, unit="UTF8_CHAR"), tf.strings.length("abc"),
            tf.strings.length(tf.constant([["ab"], ["c"]])))


@program
@H.raises("InvalidArgumentError")
def length_with_unknown_unit_raises(tf):
    return tf.strings.length(tf.constant("a"), unit="CHAR")


@program
@H.raises("InvalidArgumentError")
def length_of_a_float_tensor_raises(tf):
    return tf.strings.length(tf.constant(1.0))


@program
def lower_and_upper_ascii_and_utf8(tf):
    s = tf.constant(TEXT + [b"\xffa"])
    return (tf.strings.lower(s), tf.strings.upper(s), tf.strings.lower(s, encoding="utf-8"),
            tf.strings.upper(s, encoding="utf-8"), tf.strings.upper(["a", "b"]))


@program
@H.raises("InvalidArgumentError")
def lower_of_an_int_tensor_raises(tf):
    return tf.strings.lower(tf.constant(1))


@program
def strip_ascii_whitespace(tf):
    return tf.strings.strip(tf.constant([" a \t\n", "\x0b b\r", "\xa0c"])), tf.strings.strip("  x ")  # noqa: B005


@program
def split_a_scalar_string(tf):
    return (tf.strings.split(tf.constant("a b  c")), tf.strings.split(tf.constant("a,b,,c"), sep=","),
            tf.strings.split(tf.constant("a b c"), maxsplit=1), tf.strings.split(tf.constant("")),
            tf.strings.split(tf.constant(""), sep=","), tf.strings.split(tf.constant("a<>b<>"), sep="<>"),
            tf.strings.split(tf.constant("abc"), sep=""), tf.strings.split(tf.constant("  a  b c "), maxsplit=1))


@program
def splitting_a_batch_of_strings_gives_ragged_tensors(tf):
    s = tf.constant(["a b", "c d"])
    outs = (tf.strings.split(s), tf.strings.unicode_split(s, "UTF-8"), tf.strings.bytes_split(s))
    return [isinstance(o, tf.RaggedTensor) for o in outs], [o.to_list() for o in outs]


@program
def join_elementwise_with_scalars(tf):
    a, b = tf.constant(["a", "b"]), tf.constant(["c", "d"])
    return (tf.strings.join([a, b], separator="-"), tf.strings.join([a, "x"]), tf.strings.join(["a", "b"]),
            tf.strings.join([]))


@program
@H.raises("InvalidArgumentError")
def join_of_different_shapes_raises(tf):
    return tf.strings.join([tf.constant([["a"], ["b"]]), tf.constant(["x", "y"])])


@program
@H.raises("InvalidArgumentError")
def join_of_a_number_raises(tf):
    return tf.strings.join([tf.constant(["a"]), tf.constant([1])])


@program
def reduce_join_over_axes(tf):
    m = tf.constant([["a", "b"], ["c", "d"]])
    cube = tf.reshape(tf.constant([str(i) for i in range(8)]), [2, 2, 2])
    return (tf.strings.reduce_join(m), tf.strings.reduce_join(m, axis=1, separator=","),
            tf.strings.reduce_join(m, axis=0, keepdims=True), tf.strings.reduce_join(m, axis=-1),
            tf.strings.reduce_join(m, axis=[0, 1]), tf.strings.reduce_join(m, axis=[1, 0]),
            tf.strings.reduce_join(cube, axis=[2, 0]), tf.strings.reduce_join(cube, axis=[0, 2], keepdims=True),
            tf.strings.reduce_join(tf.constant([], dtype=tf.string)))


@program
@H.raises("OutOfRangeError")
def reduce_join_with_an_axis_out_of_range_raises(tf):
    return tf.strings.reduce_join(tf.constant([["a"]]), axis=2)


@program
def regex_replace_global_once_and_groups(tf):
    s = tf.constant(["aaa bab", "xyz"])
    return (tf.strings.regex_replace(s, "a+", "Z"), tf.strings.regex_replace(s, "a", "Z", replace_global=False),
            tf.strings.regex_replace(tf.constant(["ab-cd"]), r"(\w+)-(\w+)", r"\2_\1"),
            tf.strings.regex_replace(tf.constant("abc"), "b", r"[\0]"),
            tf.strings.regex_replace(tf.constant("abc"), "", "-"),
            tf.strings.regex_replace(tf.constant(["abc", "bbb"]), tf.constant("b"), "x"))


@program(messages=False)  # RE2's parse error text differs from Python re's
@H.raises("InvalidArgumentError")
def regex_replace_with_an_invalid_pattern_raises(tf):
    return tf.strings.regex_replace(tf.constant(["ab"]), "(", "x")


@program
def regex_full_match_matches_whole_strings(tf):
    return (tf.strings.regex_full_match(tf.constant(["abc", "abcd", "xabc"]), "a.c"),
            tf.strings.regex_full_match(tf.constant(["ab", "abc"]), "ab|abc"),
            tf.strings.regex_full_match(tf.constant("abc"), "b"))


@program
def substr_bytes_characters_and_broadcasting(tf):
    s = tf.constant(["hello", "hi"])
    return (tf.strings.substr(s, 1, 3), tf.strings.substr(s, [0, 1], [2, 5]),
            tf.strings.substr(tf.constant(["hello"]), -3, 2), tf.strings.substr(tf.constant(["hi"]), 2, 1),
            tf.strings.substr(tf.constant(["hi"]), -2, 5), tf.strings.substr(tf.constant(["hello"]), 1, -1),
            tf.strings.substr("hello", 1, 2), tf.strings.substr(tf.constant(["\u00c9t\u00c9"]), 1, 2,
                                                               unit="UTF8_CHAR"),
            tf.strings.substr(tf.constant([["hello", "world"]]), [1, 2], [2, 2]))


@program
@H.raises("InvalidArgumentError")
def substr_past_the_end_raises(tf):
    return tf.strings.substr(tf.constant(["hello", "hi"]), 3, 1)


@program
@H.raises("InvalidArgumentError")
def substr_before_the_start_raises(tf):
    return tf.strings.substr(tf.constant(["hi"]), -3, 1)


@program
def to_number_floats_and_ints(tf):
    return (tf.strings.to_number(tf.constant(["1.5", "2", " 3", "1e3", "-inf", "nan", "0x10", "\t2\n",
                                              "1.", ".5", "Infinity", "1e50", "1e-50"])),
            tf.strings.to_number(tf.constant(["1", "-2", " 3", "+3"]), out_type=tf.int32),
            tf.strings.to_number(tf.constant(["1", "-2"]), out_type=tf.int64),
            tf.strings.to_number(tf.constant(["0.1"]), out_type=tf.float64))


@pytest.mark.parametrize("text, out_type", [
    ("abc", "float32"), ("1.5", "int32"), ("3000000000", "int32"), ("1_0", "float32"), ("1_0", "int32"),
    ("", "float32"), ("1 2", "float32"), ("0x10", "int32"), ("1e", "float32"), ("1.0", "int64")])
def test_to_number_of_a_bad_string_raises(compare, text, out_type):
    compare(lambda tf: tf.strings.to_number(tf.constant([text]), out_type=getattr(tf, out_type)), raises="InvalidArgumentError")


@program
@H.raises("InvalidArgumentError")
def to_number_to_bool_raises(tf):
    return tf.strings.to_number(tf.constant(["3"]), out_type=tf.bool)


@program
def as_string_formats(tf):
    f = tf.constant([1.5, 2.0, 1e-7, 123456789.0, 1234567.0, 0.1, 100.0])
    return (tf.strings.as_string(f), tf.strings.as_string(tf.cast(f, tf.float64)),
            tf.strings.as_string(tf.constant([1, -20])), tf.strings.as_string(tf.constant([True, False])),
            tf.strings.as_string(tf.constant([1.23456]), precision=2),
            tf.strings.as_string(tf.constant([1234.5]), scientific=True),
            tf.strings.as_string(tf.constant([3, -3]), width=5, fill="0"),
            tf.strings.as_string(tf.constant([3]), width=5), tf.strings.as_string(f, shortest=True),
            tf.strings.as_string(tf.constant(["a"])),
            tf.strings.as_string(tf.constant([np.nan, np.inf, -np.inf])),
            tf.strings.as_string(tf.constant([1.5]), width=10, precision=2),
            tf.strings.as_string(tf.constant([2 ** 40], tf.int64)),
            tf.strings.as_string(tf.constant([200], tf.uint8)),
            tf.strings.as_string(tf.constant([0.1], tf.float16)),
            tf.strings.as_string(tf.constant([3.14159]), shortest=True, precision=3))


@program
@H.raises("InvalidArgumentError")
def as_string_with_an_unsupported_fill_raises(tf):
    return tf.strings.as_string(tf.constant([1]), width=4, fill="x")


@program
@H.raises("InvalidArgumentError")
def as_string_precision_on_ints_raises(tf):
    return tf.strings.as_string(tf.constant([1]), precision=2)


@program
@H.raises("InvalidArgumentError")
def as_string_scientific_and_shortest_raises(tf):
    return tf.strings.as_string(tf.constant([3.14]), shortest=True, scientific=True)


@program
def unicode_and_bytes_split_of_scalars(tf):
    return (tf.strings.unicode_split(tf.constant("\u00c9t\u00c9"), "UTF-8"),
            tf.strings.unicode_split(tf.constant(b"\xff"), "UTF-8"),
            tf.strings.bytes_split(tf.constant("\u00c9t")), tf.strings.bytes_split(""))


@program
def to_hash_bucket_fast_is_fingerprint64(tf):
    s = tf.constant(["hello", "world", "", "\u00e9t\u00e9", "a much longer string " * 5])
    return (tf.strings.to_hash_bucket_fast(s, 1000), tf.strings.to_hash_bucket_fast(s, 2 ** 62),
            tf.strings.to_hash_bucket_fast(tf.constant([[b"\xff\x00a"]]), 2 ** 63 - 1),
            tf.strings.to_hash_bucket_fast("x", 7))


@program
@H.raises("InvalidArgumentError")
def to_hash_bucket_fast_with_no_buckets_raises(tf):
    return tf.strings.to_hash_bucket_fast("a", 0)


@program
def format_prints_tensors_as_tf(tf):
    f = tf.strings.format
    return (f("a={} b={} c={}", [tf.constant(1), tf.constant(2.5), tf.constant(True)]),
            f("{}", tf.constant([1 / 3, 0.1, 1e-7, 1e10, 123456.0, 1234567.0, -0.0, np.nan, np.inf])),
            f("{}", tf.constant([1 / 3, 0.1, 1e20], tf.float64)), f("{}", tf.constant([True, False])),
            f("{}", tf.constant([2 ** 40], tf.int64)), f("{}", tf.constant([200], tf.uint8)),
            f("{}", tf.range(10)), f("{}", tf.range(7)), f("{}", tf.range(6)), f("{}", tf.range(10), summarize=1),
            f("{}", tf.range(10), summarize=-1), f("{}", tf.constant([[1, 2], [3, 4]])),
            f("{}", tf.reshape(tf.range(64), [8, 8])), f("{}", tf.reshape(tf.range(8), [2, 2, 2])),
            f("{} and {}", [tf.constant(["a", "b"]), tf.constant("x")]), f("{} {}", [1, "s"]),
            f("x=%s", tf.constant(1), placeholder="%s"), f("hello", []), f("{}", tf.constant([], tf.float32)),
            f("{}", tf.constant([0.1], tf.float16)), f("v={}", tf.Variable([1.5, 2.0])))


@pytest.mark.parametrize("inputs", ["one", "two", "chars"])
def test_format_with_the_wrong_number_of_inputs_raises(compare, inputs):
    @H.raises("ValueError")
    def program(tf):
        given = {"one": [tf.constant(1)], "two": [tf.constant(1), tf.constant(2)], "chars": "plain"}[inputs]
        return tf.strings.format("{} {}" if inputs == "one" else "{}", given)
    compare(program)


@program
def string_pipeline_of_a_text_program(tf):
    lines = tf.constant(np.array([b"The cat, 3.5", b"a DOG, 2"], dtype=object))
    words = [tf.strings.split(tf.strings.lower(line), sep=", ") for line in lines]
    numbers = tf.strings.to_number(tf.stack([w[1] for w in words]))
    label = tf.strings.regex_replace(tf.stack([w[0] for w in words]), "^(the|a) ", "")
    return words, numbers, label, tf.strings.reduce_join(label, separator="|"), label == "cat"


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_strings(name):
    H.compare(PROGRAMS[name], messages=name not in NO_MESSAGE)
