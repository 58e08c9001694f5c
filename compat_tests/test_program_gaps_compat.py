"""Core gaps public TF programs (compat_tests/programs/) tripped on: gradients through ops TF has no
gradient for, tf.linspace's dtypes, tf.scatter_nd, printing traced Tensors, tf.py_function, and
checkpoints of Generators and of objects whose variables are created after restore()."""

import numpy as np
import pytest

from compat_tests._harness import raises

RS = np.random.RandomState(3)
IMG = RS.rand(4, 5, 3).astype(np.float32)


# -- ops TF registers no gradient for -----------------------------------------------------------
@pytest.mark.parametrize("op", ["adjust_contrast", "adjust_saturation", "adjust_hue"])
def test_a_gradient_reaching_a_colour_op_through_later_ops_raises_lookup_error(compare, op):
    @raises("LookupError")
    def program(tf):
        x = tf.Variable(IMG)
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(getattr(tf.image, op)(x, 0.3) * 2.0) + tf.reduce_sum(x)
        return tape.gradient(y, x)
    compare(program)


def test_a_stop_gradient_after_an_op_without_gradient_gives_no_lookup_error(compare):
    def program(tf):
        x = tf.Variable(IMG)
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.stop_gradient(tf.image.adjust_contrast(x, 0.3))) + tf.reduce_sum(x * x)
        return tape.gradient(y, x)
    compare(program)


def test_resize_area_output_used_later_raises_lookup_error(compare):
    @raises("LookupError")
    def program(tf):
        x = tf.Variable(IMG[None])
        with tf.GradientTape() as tape:
            y = tf.reduce_mean(tf.image.resize(x, [2, 2], method="area") ** 2)
        return tape.gradient(y, x)
    compare(program)


# -- tf.linspace -------------------------------------------------------------------------------
def test_linspace_dtypes_follow_the_endpoints(compare):
    def program(tf):
        return (tf.linspace(-2, 2, 201), tf.linspace(-2.0, 2.0, 5), tf.linspace(np.float32(0), 1, 3),
                tf.linspace(tf.constant(1, tf.int64), tf.constant(4, tf.int64), 4),
                tf.linspace(tf.constant(1.0, tf.float64), 3.0, 3), tf.linspace(0.0, 1.0, 1),
                tf.linspace(0.0, 1.0, 0), tf.linspace([0, 1], [4, 5], 3),
                tf.linspace([0.0, 1.0], [4.0, 5.0], 3, axis=1))
    compare(program)


def test_linspace_is_differentiable_in_its_endpoints(compare):
    def program(tf):
        s, e = tf.Variable(1.0), tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.linspace(s, e, 4) * tf.constant([1.0, 2.0, 3.0, 4.0]))
        return y, tape.gradient(y, [s, e])
    compare(program)


# -- tf.scatter_nd -----------------------------------------------------------------------------
def test_scatter_nd_sums_duplicates_and_scatters_slices(compare):
    def program(tf):
        return (tf.scatter_nd([[1], [3], [1]], [1.0, 2.0, 3.0], [5]),
                tf.scatter_nd(tf.constant([[0, 1]], tf.int64), [7], tf.constant([2, 2], tf.int64)),
                tf.scatter_nd([[1]], [[1, 2]], [3, 2]),
                tf.scatter_nd(tf.constant([[0, 2], [2, 1], [3, 3]]), tf.constant([2, 11, 18]),
                              tf.constant([4, 5])))
    compare(program)


def test_scatter_nd_gradient_gathers_the_updates(compare):
    def program(tf):
        u = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            y = tf.scatter_nd([[0], [0]], u, [3])
            loss = tf.reduce_sum(y * tf.constant([2.0, 3.0, 4.0]))
        return y, tape.gradient(loss, u)
    compare(program)


def test_scatter_nd_index_outside_the_shape_raises(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.scatter_nd([[5]], [1.0], [3])
    compare(program)


def test_scatter_nd_inside_a_function(compare):
    def program(tf):
        f = tf.function(lambda i, u: tf.scatter_nd(i, u, [4]))
        return f(tf.constant([[1], [1]]), tf.constant([3.0, 4.0]))
    compare(program)


def test_tensor_scatter_nd_sub_min_max(compare):
    def program(tf):
        t = tf.constant([[0, 1, 2], [3, 4, 5]])
        idx = [[0, 0], [1, 2], [0, 0]]
        upd = [1, 7, 9]
        return (tf.tensor_scatter_nd_sub(t, idx, upd), tf.tensor_scatter_nd_min(t, idx, upd),
                tf.tensor_scatter_nd_max(t, idx, upd))
    compare(program)


# -- printing traced Tensors -------------------------------------------------------------------
def test_traced_arguments_print_as_tf_symbolic_tensors(compare):
    def program(tf):
        lines = []

        @tf.function
        def f(a, b, x):
            lines.extend([str(a), repr(a), str(b), f"{x}", "%s" % (x,), str([a])])
            return a

        f(tf.constant(1), tf.constant([1.0, 2.0]), tf.ones([2, 2]))
        f(1, tf.constant([1.0, 2.0]), tf.ones([2, 2]))  # a Python value prints as itself
        return lines
    compare(program)


def test_traced_varargs_and_keyword_arguments_print_with_tf_placeholder_names(compare):
    def program(tf):
        lines = []

        @tf.function
        def f(*args, **kwargs):
            lines.append(str((args, kwargs)))
            return 0

        f(tf.constant(1), tf.constant(2.0), k=tf.constant(3))
        return lines
    compare(program)


def test_traced_op_outputs_print_with_tf_op_names(compare):
    def program(tf):
        lines = []

        @tf.function
        def f(a, x):
            lines.extend([str(a + 1), str(tf.reduce_sum(x))])
            return a

        f(tf.constant(1), tf.ones([2]))
        return lines
    compare(program)


# -- tf.py_function / tf.numpy_function --------------------------------------------------------
def test_py_function_calls_the_python_function_on_tensors(compare):
    def program(tf):
        seen = []

        def f(x, y):
            seen.append((x.dtype.name, y.dtype.name, x.shape.as_list()))
            return x * y
        one = tf.py_function(f, [tf.constant(2.0), 3.0], tf.float32)
        listed = tf.py_function(func=f, inp=[tf.constant([1, 2]), tf.constant([3, 4])], Tout=[tf.int32])
        two = tf.py_function(lambda: (1.0, 2), [], [tf.float32, tf.int64])
        return one, listed, two, seen
    compare(program)


def test_py_function_is_differentiable_eagerly(compare):
    def program(tf):
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = tf.py_function(lambda a: a * a, [x], tf.float32)
        return y, tape.gradient(y, x)
    compare(program)


def test_py_function_as_a_decorator_runs_on_every_call_of_a_function(compare):
    def program(tf):
        calls = []

        @tf.py_function(Tout=tf.float32)
        def plus(x, y):
            calls.append("run")
            return x + y

        @tf.function
        def wrapper(x, y):
            return plus(x, y) * 2.0

        a = wrapper(tf.constant(1.0), tf.constant(2.0))
        b = wrapper(tf.constant(3.0), tf.constant(4.0))
        return a, b, len(calls) >= 2, plus(tf.constant(1.0), 1.0)
    compare(program)


def test_py_function_inside_a_function_under_a_tape(compare):
    def program(tf):
        x = tf.Variable(3.0)
        f = tf.function(lambda a: tf.py_function(lambda b: b * b, [a], tf.float32))
        with tf.GradientTape() as tape:
            y = f(x)
        return y, tape.gradient(y, x)
    compare(program)



def test_py_function_inside_a_function_is_differentiable_in_each_input(compare):
    def program(tf):
        def host(a, n, b):
            return a * b * n, tf.reduce_sum(a) + b * b

        @tf.function
        def inner_step(a, n, b):
            with tf.GradientTape() as inner:
                inner.watch([a, b])
                p, q = tf.py_function(host, [a, n, b], [tf.float32, tf.float32])
                loss = tf.reduce_sum(p) + 3.0 * q
            return loss, inner.gradient(loss, [a, b])

        @tf.function
        def outer_step(a, n, b):
            p, q = tf.py_function(host, [a, n, b], [tf.float32, tf.float32])
            return tf.reduce_sum(p) * q

        a, n, b = tf.constant([1.0, 2.0]), tf.constant(3.0), tf.constant(4.0)
        with tf.GradientTape() as outer:
            outer.watch([a, b])
            loss = outer_step(a, n, b)
        return inner_step(a, n, b), loss, outer.gradient(loss, [a, b])
    compare(program)

def test_py_function_result_of_another_dtype_raises(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.py_function(lambda a: a, [tf.constant(1)], tf.float32)
    compare(program)


def test_numpy_function_passes_arrays_and_has_no_gradient(compare):
    def program(tf):
        kinds = []

        def twice(a):
            kinds.append(type(a).__name__)
            return (a * 2).astype(np.float32)
        eager = tf.numpy_function(twice, [tf.constant([1.0, 2.0])], tf.float32)
        traced = tf.function(lambda a: tf.numpy_function(twice, [a], tf.float32))(tf.constant([3.0]))
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = tf.numpy_function(lambda a: a * a, [x], tf.float32)
        return eager, traced, kinds[0], kinds[-1], tape.gradient(y, x)
    compare(program)


# -- tf.random.Generator in a checkpoint, stateless ops -----------------------------------------
def test_checkpoint_restores_a_generator_stream(compare, tmp_path):
    def program(tf):
        g = tf.random.Generator.from_seed(1)
        cp = tf.train.Checkpoint(generator=g)
        g.normal([])
        path = cp.write(str(tmp_path / f"gen_{tf.__name__}"))
        after = [g.normal([3]), g.uniform([2])]
        cp.restore(path)
        again = [g.normal([3]), g.uniform([2])]
        other = tf.random.Generator.from_seed(7)
        tf.train.Checkpoint(generator=other).restore(path)
        return [bool(tf.reduce_all(a == b)) for a, b in zip(after, again)] + [
            bool(tf.reduce_all(other.normal([3]) == after[0]))]
    compare(program)


def test_stateless_ops_repeat_for_a_seed(compare):
    def program(tf):
        ops = [lambda s: tf.random.stateless_normal([2, 3], seed=s),
               lambda s: tf.random.stateless_uniform([4], seed=s, minval=2, maxval=9, dtype=tf.int32),
               lambda s: tf.random.stateless_truncated_normal([3], seed=s, dtype=tf.float64)]
        out = []
        for op in ops:
            a, b, c = op([1, 2]), op([1, 2]), op([3, 4])
            out += [a.dtype.name, a.shape.as_list(), bool(tf.reduce_all(a == b)),
                    bool(tf.reduce_all(a == c))]
        return out
    compare(program)


def test_stateless_seed_of_another_shape_raises(compare):
    @raises("InvalidArgumentError")
    def program(tf):
        return tf.random.stateless_normal([2], seed=[1, 2, 3])
    compare(program)


# -- deferred restoration ----------------------------------------------------------------------
def _lazy_module_class(tf):
    class Lazy(tf.Module):
        def __init__(self, width=3):
            super().__init__()
            self.width = width
            self.ready = False

        def __call__(self, x):
            if not self.ready:
                self.w = tf.Variable(tf.zeros([x.shape[-1], self.width]))
                self.b = tf.Variable(tf.zeros([self.width]))
                self.ready = True
            return tf.matmul(x, self.w) + self.b
    return Lazy


def test_restore_into_a_module_that_creates_its_variables_later(compare, tmp_path):
    def program(tf):
        lazy = _lazy_module_class(tf)
        saved = lazy()
        saved(tf.ones([1, 2]))
        saved.w.assign(np.arange(6, dtype=np.float32).reshape(2, 3))
        saved.b.assign([1.0, -1.0, 0.5])
        path = tf.train.Checkpoint(model=saved).write(str(tmp_path / f"lazy_{tf.__name__}"))
        fresh = lazy()
        tf.train.Checkpoint(model=fresh).restore(path)
        first = fresh(tf.ones([1, 2]))
        return first, fresh.w, fresh.b
    compare(program)


def test_restore_into_a_module_waits_until_its_variables_exist(compare, tmp_path):
    def program(tf):
        lazy = _lazy_module_class(tf)
        saved = lazy()
        saved(tf.ones([1, 2]))
        saved.w.assign(np.ones([2, 3], np.float32) * 2.0)
        path = tf.train.Checkpoint(model=saved).write(str(tmp_path / f"wait_{tf.__name__}"))
        fresh = lazy()
        status = tf.train.Checkpoint(model=fresh).restore(path)
        try:
            status.assert_consumed()
            consumed_before = True
        except AssertionError:
            consumed_before = False
        other = tf.Variable(1.0) * 3.0  # reading another variable restores nothing yet
        return consumed_before, other, fresh(tf.ones([1, 2])), fresh.w
    compare(program)


def _keras_makers(tf):
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)
    return {"sequential": lambda: tf.keras.Sequential([tf.keras.layers.Dense(3)]),
            "layer": lambda: tf.keras.layers.Dense(3), "subclassed_model": Net}


@pytest.mark.parametrize("kind", ["sequential", "layer", "subclassed_model"])
def test_restore_into_an_unbuilt_keras_object(compare, tmp_path, kind):
    # TF 2.21 restores into a Sequential or a layer when it is built, nothing into a subclassed Model.
    def program(tf):
        make = _keras_makers(tf)[kind]
        saved = make()
        first_saved = saved(tf.ones([1, 2]))
        for w in saved.weights:
            w.assign(RS.rand(*w.shape).astype(np.float32))
        first_saved = saved(tf.ones([1, 2]))
        path = tf.train.Checkpoint(model=saved).write(str(tmp_path / f"keras_{kind}_{tf.__name__}"))
        fresh = make()
        tf.train.Checkpoint(model=fresh).restore(path)
        first = fresh(tf.ones([1, 2]))
        return (bool(np.allclose(first.numpy(), first_saved.numpy())),
                [bool(np.allclose(a.numpy(), b.numpy())) for a, b in zip(saved.weights, fresh.weights)])
    compare(program)


def test_restore_into_a_module_whose_created_variable_has_another_shape_raises(compare, tmp_path):
    @raises("ValueError")
    def program(tf):
        saved = _lazy_module_class(tf)(width=3)
        saved(tf.ones([1, 2]))
        path = tf.train.Checkpoint(model=saved).write(str(tmp_path / f"shape_{tf.__name__}"))
        fresh = _lazy_module_class(tf)(width=4)
        tf.train.Checkpoint(model=fresh).restore(path)
        return fresh(tf.ones([1, 2]))
    compare(program, messages=False)
