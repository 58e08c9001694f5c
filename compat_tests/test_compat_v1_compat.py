"""tf.compat and the part of tf.compat.v1 that TF 2 eager code reaches: Dimension, TensorShape.dims,
eager switches, tensor equality, string helpers."""


def test_dimension_compares_and_computes_with_unknowns_as_tf(compare):
    def program(tf):
        D = tf.compat.v1.Dimension
        return [repr(D(3)), str(D(3)), repr(D(None)), str(D(None)), D(3).value, D(None).value, D(3) == 3,
                D(None) == 3, D(3) != 4, D(None) != 3, D(3) < 4, D(None) < 3, D(4) >= D(None), repr(D(3) + 1),
                repr(3 + D(4)), repr(D(4) * D(None)), repr(D(7) // 2), repr(D(7) % 3), repr(D(4) - 1),
                int(D(3)), bool(D(0)), repr(D(D(5))), D(3).is_compatible_with(4), D(3).is_compatible_with(None),
                D(None).is_compatible_with(3), repr(D(3).merge_with(None)), repr(D(None).merge_with(D(3))),
                D(3) in [3], list(range(5))[D(2)]]
    compare(program)


def test_dimension_errors_are_tfs(compare):
    def incompatible(tf):
        tf.compat.v1.Dimension(3).assert_is_compatible_with(4)

    def merge(tf):
        tf.compat.v1.Dimension(3).merge_with(4)

    def negative(tf):
        tf.compat.v1.Dimension(-1)

    def fractional(tf):
        tf.compat.v1.Dimension(2.5)

    def divided(tf):
        return tf.compat.v1.Dimension(6) / 2

    def hashed(tf):
        return {tf.compat.v1.Dimension(6)}

    for program, name in ((incompatible, "ValueError"), (merge, "ValueError"), (negative, "ValueError"),
                          (fractional, "TypeError"), (divided, "TypeError"), (hashed, "TypeError")):
        compare(program, raises=name)


def test_tensorshape_dims_are_dimensions_and_known_ranks_are_true(compare):
    def program(tf):
        shape = tf.TensorShape([16, None, 256])
        return ([repr(d) for d in shape.dims], shape[1], tf.TensorShape(None).dims, tf.TensorShape([]).dims,
                [bool(tf.TensorShape(d)) for d in ([], [0], [None], [1, 2], None)],
                tf.compat.dimension_value(shape.dims[0]), tf.compat.dimension_value(7),
                repr(tf.compat.dimension_at_index(shape, 1)), repr(tf.compat.dimension_at_index(tf.TensorShape(None), 3)))
    compare(program)


def test_eager_switches_are_no_ops_and_report_eager(compare):
    def program(tf):
        seen = []

        @tf.function
        def inside():
            seen.append(tf.compat.v1.executing_eagerly())
            return tf.constant(1.0)

        inside()
        return (tf.compat.v1.enable_eager_execution(), tf.compat.v1.enable_v2_behavior(),
                tf.compat.v1.executing_eagerly(), tf.executing_eagerly(),
                tf.compat.v1.executing_eagerly_outside_functions(), seen)
    compare(program)


def test_tensor_equality_can_be_switched_to_identity_and_back(compare):
    def program(tf):
        tf.compat.v1.disable_tensor_equality()
        try:
            a, b, c = tf.Variable(1.0), tf.Variable(1.0), tf.constant(1.0)
            off = [a == b, a == a, c == c, c == 1.0, a != b, len({a, b}),
                   tf.constant([1, 2]) == tf.constant([1, 2])]
        finally:
            tf.compat.v1.enable_tensor_equality()
        return off, a == b, c == 1.0, tf.constant([1, 2]) == tf.constant([1, 3])
    compare(program)


def test_a_constant_stays_unhashable_without_tensor_equality(compare):
    def program(tf):
        tf.compat.v1.disable_tensor_equality()
        try:
            return {tf.constant(1.0)}
        finally:
            tf.compat.v1.enable_tensor_equality()
    compare(program, raises="TypeError")


def test_variables_are_unhashable_again_after_enabling_equality(compare):
    def program(tf):
        tf.compat.v1.disable_tensor_equality()
        tf.compat.v1.enable_tensor_equality()
        return {tf.Variable(1.0)}
    compare(program, raises="TypeError")


def test_string_helpers_convert_as_tf(compare):
    def program(tf):
        return (tf.compat.as_bytes("héllo"), tf.compat.as_bytes(b"x"), tf.compat.as_text(b"h\xc3\xa9"),
                tf.compat.as_str("s"), tf.compat.as_str_any(12), tf.compat.bytes_or_text_types,
                tf.compat.forward_compatible(2020, 1, 1), tf.compat.forward_compatible(2100, 1, 1),
                isinstance(3, tf.compat.integral_types), isinstance(2.5, tf.compat.real_types),
                isinstance(1j, tf.compat.complex_types))
    compare(program)


def test_as_bytes_rejects_other_types(compare):
    compare(lambda tf: tf.compat.as_bytes(3), raises="TypeError")


def test_v1_holds_the_tf2_api_and_v2_is_the_tf2_api(compare):
    def program(tf):
        v1, v2 = tf.compat.v1, tf.compat.v2
        return (v1.TensorShape is tf.TensorShape, v2.constant is tf.constant, v2.TensorShape is tf.TensorShape,
                v1.float32 is tf.float32, v1.GradientTape is tf.GradientTape, v2.Variable is tf.Variable,
                v1.math.reduce_sum(tf.constant([1, 2])), v1.nn.relu(tf.constant([-1.0, 1.0])))
    compare(program)


def test_v1_placeholder_fails_under_eager_execution(tf):
    # TF raises RuntimeError ("not compatible with eager execution"); tapejax raises
    # NotImplementedError for every TF 1 graph API (a documented difference: tapejax has no graphs).
    import pytest
    expected = RuntimeError if tf.__name__ == "tensorflow" else NotImplementedError
    with pytest.raises(expected, match="eager"):
        tf.compat.v1.placeholder(tf.float32)
