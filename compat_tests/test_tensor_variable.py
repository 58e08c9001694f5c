"""Tensors, Variables, shapes, dtypes and tf.Module: dtype rules, reprs, names, assignment, operators
and Python protocols, each program run on TensorFlow (the oracle) and on tapejax through `compare`."""

import numpy as np
import pytest

from compat_tests import _harness as H

PROGRAMS = {}
NO_MESSAGE = set()  # programs whose exception text contains reprs that cannot match


def program(f=None, messages=True):
    def register(g):
        PROGRAMS[g.__name__] = g
        if not messages:
            NO_MESSAGE.add(g.__name__)
        return g
    return register(f) if f is not None else register


# ---------------------------------------------------------------------------------------------
# dtype rules
@program
def python_float_is_float32(tf):
    return tf.constant(1.5), tf.constant([1.0, 2.0]), tf.convert_to_tensor(2.5)


@program
def python_int_is_int32(tf):
    return tf.constant(1), tf.constant([1, 2, 3]), tf.convert_to_tensor(7)


@program
def big_python_int_is_int64(tf):
    return tf.constant(2 ** 40), tf.constant([1, 2 ** 40])


@program
def mixed_int_float_list_is_float32(tf):
    return tf.constant([1, 2.5])


@program
def python_bool_is_bool(tf):
    return tf.constant(True), tf.constant([True, False])


@program
def numpy_float64_stays_float64(tf):
    return tf.constant(np.float64(1.5)), tf.constant(np.array([1.0, 2.0])), tf.Variable(np.array([1.0]))


@program
def numpy_int64_stays_int64(tf):
    return tf.constant(np.array([1, 2])), tf.convert_to_tensor(np.int64(3))


@program
def numpy_float32_and_float16(tf):
    return tf.constant(np.float32(1.5)), tf.constant(np.array([1.0], dtype=np.float16))


@program
def explicit_dtype(tf):
    return (tf.constant(1, dtype=tf.float64), tf.constant([1, 2], dtype=tf.float32),
            tf.constant(1.0, dtype=tf.float16), tf.constant(3, dtype=tf.int64),
            tf.constant(1.0, dtype="float64"))


@program
@H.raises("TypeError")
def explicit_int_dtype_for_fraction_raises(tf):
    return tf.constant(1.5, dtype=tf.int32)


@program
@H.raises("InvalidArgumentError")
def float32_plus_float64_raises(tf):
    return tf.constant(1.0) + tf.constant(1.0, dtype=tf.float64)


@program
@H.raises("InvalidArgumentError")
def float32_times_int32_raises(tf):
    return tf.constant(1.0) * tf.constant(2)


@program
@H.raises("TypeError")
def int_tensor_times_python_float_raises(tf):
    return tf.constant(1) * 2.5


@program
def python_scalars_take_tensor_dtype(tf):
    f64 = tf.constant(1.0, dtype=tf.float64)
    i64 = tf.constant(2, dtype=tf.int64)
    return f64 + 1, f64 * 0.5, i64 + 1, tf.constant(2.0) * 3, 2 * tf.constant(3)


@program
def numpy_array_operand_dtype(tf):
    return tf.constant([1.0, 2.0]) + np.array([1.0, 2.0], dtype=np.float32)


@program
def numpy_float64_operand_with_float32_tensor(tf):
    return tf.constant([1.0, 2.0]) + np.array([1.0, 2.0])


@program
def variable_dtypes(tf):
    return tf.Variable(1.0), tf.Variable(1), tf.Variable(2 ** 40), tf.Variable(1.0, dtype=tf.float64)


@program
def cast_dtypes(tf):
    x = tf.constant([1.7, -1.7])
    return tf.cast(x, tf.int32), tf.cast(x, tf.float64), tf.cast(x, tf.bool), tf.cast(tf.constant(3), tf.float32)


@program
def int_truediv_is_float64(tf):
    return tf.constant(7) / tf.constant(2), tf.constant([7, 8]) / 2


@program
def int64_truediv_is_float64(tf):
    return tf.constant(7, dtype=tf.int64) / 2


# ---------------------------------------------------------------------------------------------
# repr / str
@program
def tensor_scalar_repr_str(tf):
    x = tf.constant(6.0)
    return repr(x), str(x)


@program
def tensor_1d_repr_str(tf):
    x = tf.constant([1.0, 2.5, 3.0])
    return repr(x), str(x)


@program
def tensor_2d_repr_str(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    return repr(x), str(x)


@program
def tensor_int_repr_str(tf):
    x = tf.constant([1, 2, 3])
    return repr(x), str(x), repr(tf.constant(5)), str(tf.constant(5))


@program
def tensor_bool_repr_str(tf):
    x = tf.constant([True, False])
    return repr(x), str(x), repr(tf.constant(True))


@program
def tensor_int64_repr_str(tf):
    x = tf.constant([1, 2 ** 40])
    return repr(x), str(x)


@program
def tensor_float64_repr_str(tf):
    x = tf.constant(np.array([1.5, 2.25]))
    return repr(x), str(x), repr(tf.constant(np.float64(0.1)))


@program
def tensor_repr_long_vector(tf):
    x = tf.range(12, dtype=tf.float32)
    return repr(x), str(x)


@program
def tensor_repr_3d(tf):
    x = tf.reshape(tf.range(8), [2, 2, 2])
    return repr(x), str(x)


@program
def tensor_repr_empty(tf):
    x = tf.zeros([0, 3])
    return repr(x), str(x)


@program
def variable_scalar_repr_str(tf):
    v = tf.Variable(3.0)
    return repr(v), str(v)


@program
def variable_1d_named_repr(tf):
    v = tf.Variable([1.0, 2.0], name="w")
    return repr(v), str(v)


@program
def variable_2d_int_repr(tf):
    v = tf.Variable([[1, 2], [3, 4]], name="m")
    return repr(v), str(v)


@program
def variable_float64_bool_repr(tf):
    return repr(tf.Variable(np.float64(2.5), name="d")), repr(tf.Variable(True, name="flag"))


@program
def variable_repr_after_assign(tf):
    v = tf.Variable(1.0, name="a")
    v.assign(4.0)
    return repr(v)


# ---------------------------------------------------------------------------------------------
# Variable names
@program
def variable_default_name(tf):
    return tf.Variable(1.0).name, tf.Variable(2.0).name


@program
def variable_given_name(tf):
    return tf.Variable(1.0, name="x0").name, tf.Variable(1.0, name="x0").name


@program
def variable_name_in_name_scope(tf):
    with tf.name_scope("outer"):
        a = tf.Variable(1.0, name="x0")
        with tf.name_scope("inner"):
            b = tf.Variable(1.0, name="x1")
        c = tf.Variable(1.0)
    return a.name, b.name, c.name


@program
def variable_trainable_flag(tf):
    return (tf.Variable(1.0).trainable, tf.Variable(1.0, trainable=False).trainable,
            tf.Variable(1).trainable)


@program
def variable_properties(tf):
    v = tf.Variable([[1.0, 2.0, 3.0]], name="p")
    return v.shape, v.dtype, v.numpy(), v.value(), v.read_value(), tf.convert_to_tensor(v), v.get_shape()


# ---------------------------------------------------------------------------------------------
# assign / assign_add / assign_sub
@program
def assign_results(tf):
    v = tf.Variable(1.0)
    a = v.assign(5.0)
    b = v.assign_add(2.0)
    c = v.assign_sub(0.5)
    return a, b, c, v


@program
def assign_result_is_live(tf):
    v = tf.Variable(1.0)
    r = v.assign(2.0)
    v.assign(7.0)
    return r, r + 1.0


@program
def assign_chain(tf):
    v = tf.Variable(1.0)
    v.assign(2.0).assign_add(3.0)
    return v


@program
def assign_vector_and_tensor(tf):
    v = tf.Variable([1.0, 2.0, 3.0])
    v.assign(tf.constant([4.0, 5.0, 6.0]))
    v.assign_add([1.0, 1.0, 1.0])
    return v, v * 2.0


@program
def assign_int_variable(tf):
    v = tf.Variable(3)
    v.assign_add(4)
    v.assign_sub(1)
    return v


@program
def assign_read_value_false(tf):
    v = tf.Variable(1.0)
    r = v.assign(3.0, read_value=False)
    return r is None, v


@program
@H.raises("ValueError")
def assign_shape_mismatch_raises(tf):
    v = tf.Variable(1.0)
    v.assign([1.0, 2.0])


@program
@H.raises("InvalidArgumentError")
def assign_add_shape_mismatch_raises(tf):
    v = tf.Variable([1.0, 2.0])
    v.assign_add([1.0, 2.0, 3.0])


@program
@H.raises("InvalidArgumentError")
def assign_sub_shape_mismatch_raises(tf):
    v = tf.Variable([[1.0, 2.0]])
    v.assign_sub([1.0, 2.0])


@program
@H.raises("ValueError")
def assign_dtype_mismatch_raises(tf):
    v = tf.Variable(1.0)
    v.assign(tf.constant(1.0, dtype=tf.float64))


@program
def assign_python_int_to_float_variable(tf):
    v = tf.Variable(1.0)
    v.assign(3)
    return v


@program
def variable_arithmetic_returns_tensor(tf):
    v = tf.Variable(2.0)
    y = v + 1.0
    return y, type(y).__name__ == type(tf.constant(1.0)).__name__, isinstance(v, tf.Variable)


# ---------------------------------------------------------------------------------------------
# operators
@program
def arithmetic_float(tf):
    a = tf.constant([7.0, -7.0, 2.5])
    b = tf.constant([2.0, 2.0, -1.5])
    return a + b, a - b, a * b, a / b, a // b, a % b, a ** b, -a, abs(a)


@program(messages=False)  # TF names its class: 'tensorflow.python.framework.ops.EagerTensor'
@H.raises("TypeError")
def unary_plus_raises(tf):
    return +tf.constant([1.0])


@program
def arithmetic_int(tf):
    a = tf.constant([7, -7, 5])
    b = tf.constant([2, 2, -3])
    return a + b, a - b, a * b, a // b, a % b, a ** 2, -a, abs(a)


@program
def reflected_operators(tf):
    a = tf.constant([1.0, 2.0])
    return 1.0 + a, 1.0 - a, 2.0 * a, 1.0 / a, 5.0 // a, 5.0 % a, 2.0 ** a


@program
def matmul_operator(tf):
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.constant([[0.5], [1.0]])
    return a @ b, a @ a, [[1.0, 1.0]] @ a


@program
@H.raises("InvalidArgumentError")
def matmul_shape_mismatch_raises(tf):
    return tf.ones([2, 3]) @ tf.ones([2, 3])


@program
@H.raises("InvalidArgumentError")
def matmul_rank1_raises(tf):
    return tf.constant([1.0, 2.0]) @ tf.ones([2, 1])


@program
def broadcasting(tf):
    return tf.ones([2, 1]) + tf.constant([1.0, 2.0, 3.0]), tf.ones([3]) * tf.ones([2, 1])


@program
@H.raises("InvalidArgumentError")
def broadcast_mismatch_raises(tf):
    return tf.ones([2]) + tf.ones([3])


@program
def comparisons(tf):
    a = tf.constant([1.0, 2.0, 3.0])
    return a < 2.0, a <= 2.0, a > 2.0, a >= 2.0, a == 2.0, a != 2.0, 2.0 < a


@program
def logical_operators(tf):
    a = tf.constant([True, False, True])
    b = tf.constant([True, True, False])
    return a & b, a | b, a ^ b, ~a


@program
def variable_operators(tf):
    v = tf.Variable([[1.0, 2.0]])
    w = tf.Variable([[2.0], [3.0]])
    return v + v, v * 3.0, -v, v ** 2, v / 2.0, v > 1.0, v @ w, abs(v), 1.0 - v


@program
def equality_with_none(tf):
    t = tf.constant([1.0, 2.0])
    return t == None, t != None  # noqa: E711 - the operator is what is tested


@program
def tensor_equality_is_elementwise(tf):
    a = tf.constant([1.0, 2.0])
    return a == tf.constant([1.0, 3.0]), a == [1.0, 2.0]


@program
def equality_shape_mismatch(tf):
    return tf.constant([1.0, 2.0]) == tf.constant([1.0, 2.0, 3.0])


@program
def indexing_basic(tf):
    x = tf.reshape(tf.range(12.0), [3, 4])
    return x[1], x[1, 2], x[-1], x[:, 1], x[1:], x[::2], x[..., 0], x[:, None], x[None], x[1:3, ::-1]


@program
def indexing_newaxis_and_tensor_index(tf):
    x = tf.range(6)
    return x[tf.newaxis, :], x[tf.constant(2)], x[:tf.constant(3)]


@program
@H.raises("InvalidArgumentError")
def indexing_out_of_range_raises(tf):
    return tf.constant([1, 2, 3])[5]


@program
@H.raises("InvalidArgumentError")
def indexing_too_many_indices_raises(tf):
    return tf.constant([1, 2, 3])[0, 0]


@program
def slicing_past_end_is_clamped(tf):
    x = tf.constant([1, 2, 3])
    return x[1:10], x[5:], x[-10:2]


@program
def variable_indexing(tf):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    return v[0], v[:, 1], v[1, 1]


# ---------------------------------------------------------------------------------------------
# Python protocols
@program
def scalar_conversions(tf):
    return (bool(tf.constant(True)), bool(tf.constant(0.0)), float(tf.constant(2.5)), int(tf.constant(7)),
            int(tf.constant(2.9)), float(tf.constant(3)), bool(tf.constant([1.0])))


@program
def index_protocol(tf):
    i = tf.constant(2)
    return [10, 20, 30][i], list(range(5))[tf.constant(1):tf.constant(3)]


@program
def variable_scalar_conversions(tf):
    v = tf.Variable(2.5)
    return float(v), int(tf.Variable(3)), bool(tf.Variable(True))


@program
@H.raises("ValueError")
def bool_of_non_scalar_raises(tf):
    return bool(tf.constant([1.0, 2.0]))


@program
@H.raises("ValueError")
def if_on_non_scalar_raises(tf):
    if tf.constant([True, False]):
        return 1
    return 0


@program
@H.raises("TypeError")
def float_of_non_scalar_raises(tf):
    return float(tf.constant([1.0, 2.0]))


@program
def len_of_tensor(tf):
    return len(tf.constant([1.0, 2.0, 3.0])), len(tf.zeros([4, 2]))


@program
@H.raises("TypeError")
def len_of_variable_raises(tf):
    return len(tf.Variable([1.0, 2.0]))


@program
@H.raises("TypeError")
def len_of_scalar_raises(tf):
    return len(tf.constant(1.0))


@program
def iterate_tensor(tf):
    return [t for t in tf.constant([[1.0, 2.0], [3.0, 4.0]])], list(tf.constant([1, 2, 3]))


@program
def unpack_tensor(tf):
    a, b = tf.constant([1.0, 2.0])
    return a, b


@program
@H.raises("TypeError")
def iterate_scalar_raises(tf):
    return list(tf.constant(1.0))


@program
def iterate_variable(tf):
    return list(tf.Variable([1.0, 2.0]))


@program
@H.raises("TypeError")
def hash_tensor_raises(tf):
    return hash(tf.constant(1.0))


@program
@H.raises("TypeError")
def hash_variable_raises(tf):
    return hash(tf.Variable(1.0))


@program
@H.raises("TypeError")
def tensor_as_dict_key_raises(tf):
    return {tf.constant(1.0): 1}


@program
def ref_is_hashable(tf):
    t = tf.constant([1.0])
    d = {t.ref(): "t"}
    return d[t.ref()], t.ref().deref() is t, t.ref() == t.ref()


@program
def in_operator_on_list(tf):
    a, b = tf.constant(1.0), tf.constant(2.0)
    return a in [a], b in [a, b]


@program
def numpy_conversion(tf):
    x = tf.constant([[1.0, 2.0]])
    return x.numpy(), np.asarray(x), np.array(tf.Variable([1, 2])), tf.constant(3.0).numpy()


@program
def numpy_functions_on_tensors(tf):
    x = tf.constant([1.0, 4.0])
    return np.sqrt(x), np.sum(x), np.add(x, 1.0)


@program
def format_tensor_scalar(tf):
    return f"{tf.constant(2.5):.2f}", "{:.1f}".format(tf.constant(1.25)), f"{tf.constant(3)}"


@program
@H.raises("TypeError")
def format_variable_with_spec_raises(tf):
    return "{:.1f}".format(tf.Variable(1.25))


# ---------------------------------------------------------------------------------------------
# shapes
@program
def tensor_shape_repr_str(tf):
    s = tf.zeros([2, 3]).shape
    return repr(s), str(s), repr(tf.constant(1.0).shape), str(tf.constant(1.0).shape), str(tf.zeros([4]).shape)


@program
def tensor_shape_equality(tf):
    s = tf.zeros([2, 3]).shape
    return s == [2, 3], s == (2, 3), s == [3, 2], s == tf.TensorShape([2, 3]), s != [2, 3]


@program
def tensor_shape_accessors(tf):
    s = tf.zeros([2, 3, 4]).shape
    return s.as_list(), s.rank, s.ndims, len(s), s[0], s[-1], list(s), s.num_elements(), tuple(s)


@program
def tensor_shape_slice(tf):
    s = tf.zeros([2, 3, 4]).shape
    return s[1:], repr(s[1:]), s[:1].as_list()


@program
def tensor_shape_unknown_dims(tf):
    s = tf.TensorShape([None, 3])
    return repr(s), str(s), s.as_list(), s.is_fully_defined(), tf.TensorShape([2, 3]).is_fully_defined()


@program
def tensor_shape_concatenate(tf):
    return tf.TensorShape([2, 3]).concatenate([4]), tf.zeros([1]).shape.concatenate(tf.zeros([5]).shape)


@program
def tensor_shape_compatibility(tf):
    a = tf.TensorShape([2, 3])
    return tf.TensorShape([None, 3]).is_compatible_with(a), a.is_compatible_with([3, 3]), a.merge_with([None, 3])


@program
def tf_shape_rank_size(tf):
    x = tf.zeros([2, 3])
    return tf.shape(x), tf.rank(x), tf.size(x), x.ndim, x.get_shape()


@program
def tensor_dtype_attrs(tf):
    x = tf.constant([1.0])
    return x.dtype, repr(x.dtype), str(x.dtype), x.dtype.name, x.dtype == tf.float32


# ---------------------------------------------------------------------------------------------
# dtypes
@program
def dtype_repr_str(tf):
    return [(repr(d), str(d), d.name) for d in (tf.float32, tf.float64, tf.int32, tf.int64, tf.bool,
                                               tf.float16, tf.bfloat16, tf.complex64, tf.uint8)]


@program
def dtype_as_dtype(tf):
    return (tf.as_dtype("float32") == tf.float32, tf.as_dtype(np.float64) == tf.float64,
            tf.as_dtype(np.dtype("int32")) == tf.int32, tf.as_dtype(tf.int64) is tf.int64,
            tf.dtypes.as_dtype("bool") == tf.bool)


@program
@H.raises("TypeError")
def dtype_as_dtype_bad_raises(tf):
    return tf.as_dtype("not_a_type")


@program
def dtype_predicates(tf):
    return [(d.is_floating, d.is_integer, d.is_complex, d.is_bool)
            for d in (tf.float32, tf.int32, tf.complex64, tf.bool, tf.uint8)]


@program
def dtype_numpy_and_sizes(tf):
    return ([d.as_numpy_dtype.__name__ for d in (tf.float32, tf.float64, tf.int32, tf.int64, tf.bool)],
            [d.size for d in (tf.float32, tf.float64, tf.int8, tf.float16)])


@program
def dtype_min_max(tf):
    return tf.float32.max, tf.float32.min, tf.int32.max, tf.int32.min, tf.uint8.max


@program
def dtype_equality_with_strings(tf):
    return tf.float32 == "float32", tf.float32 == np.float32, tf.float32 != tf.float64


@program
def dtype_real_dtype(tf):
    return tf.complex64.real_dtype, tf.complex128.real_dtype, tf.float32.real_dtype


# ---------------------------------------------------------------------------------------------
# tf.Module
def _modules(tf):
    class Dense(tf.Module):
        def __init__(self, in_features, out_features, name=None):
            super().__init__(name=name)
            self.w = tf.Variable(tf.ones([in_features, out_features]), name="w")
            self.b = tf.Variable(tf.zeros([out_features]), name="b")
            self.count = tf.Variable(0, trainable=False, name="count")

        def __call__(self, x):
            return tf.nn.relu(x @ self.w + self.b)

    class SequentialModule(tf.Module):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.dense_1 = Dense(in_features=3, out_features=3)
            self.dense_2 = Dense(in_features=3, out_features=2)

        def __call__(self, x):
            return self.dense_2(self.dense_1(x))

    return Dense, SequentialModule


@program
def module_variables(tf):
    dense, _ = _modules(tf)
    m = dense(3, 2, name="d")
    return ([v.name for v in m.trainable_variables], [v.name for v in m.variables],
            type(m.trainable_variables).__name__, m.name)


@program
def module_default_name(tf):
    dense, seq = _modules(tf)

    class MyFancyModule(tf.Module):
        pass

    return dense(1, 1).name, seq().name, MyFancyModule().name, tf.Module().name


@program
def module_submodules(tf):
    _, seq = _modules(tf)
    m = seq(name="the_model")
    return ([s.name for s in m.submodules], len(m.trainable_variables), len(m.variables),
            [v.shape for v in m.trainable_variables])


@program
def module_call_and_gradient(tf):
    _, seq = _modules(tf)
    m = seq()
    x = tf.constant([[2.0, 2.0, 2.0]])
    with tf.GradientTape() as g:
        y = tf.reduce_sum(m(x))
    return y, g.gradient(y, m.trainable_variables)


@program
def module_name_scope(tf):
    class Scoped(tf.Module):
        def __init__(self):
            super().__init__(name="scoped")
            with self.name_scope:
                self.v = tf.Variable(1.0, name="v")

    m = Scoped()
    return m.v.name, m.name_scope.name, m.name


@program
def module_name_scope_decorator(tf):
    class Scoped(tf.Module):
        @tf.Module.with_name_scope
        def make(self):
            self.v = tf.Variable(1.0, name="made")
            return self.v

    return Scoped(name="deco").make().name


@program
def module_collections_of_variables(tf):
    class Holder(tf.Module):
        def __init__(self):
            super().__init__()
            self.vs = [tf.Variable(1.0, name="l0"), tf.Variable(2.0, name="l1")]
            self.d = {"z": tf.Variable(3.0, name="dz"), "a": tf.Variable(4.0, name="da")}
            self.frozen = tf.Variable(5.0, trainable=False, name="frozen")

    m = Holder()
    return [v.name for v in m.trainable_variables], [v.name for v in m.variables]


@program
@H.raises("ValueError")
def module_bad_name_raises(tf):
    return tf.Module(name="bad name!")


@program
def module_trainable_variables_order(tf):
    class Order(tf.Module):
        def __init__(self):
            super().__init__()
            self.zz = tf.Variable(1.0, name="zz")
            self.aa = tf.Variable(2.0, name="aa")
            self.mm = tf.Variable(3.0, name="mm")

    return [v.name for v in Order().trainable_variables]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_tensor_variable(name):
    H.compare(PROGRAMS[name], messages=name not in NO_MESSAGE)


def test_a_variable_is_a_resource_variable_that_is_a_tf_variable(compare):
    import copy

    def program(tf):
        v = tf.Variable(1.0)
        frozen = tf.Variable(1, trainable=False)
        return (type(v).__name__, type(frozen).__name__, isinstance(v, tf.Variable), type(v) is tf.Variable,
                issubclass(type(v), tf.Variable), tf.Variable.__name__, type(copy.deepcopy(v)).__name__)
    compare(program)
