"""Unit tests of AutoGraph's conversion (`tapejax._autograph`, `_autograph_transform`) and staging."""

import functools
import logging
import warnings

import numpy as np
import pytest

import tapejax as tf
from tapejax import _autograph

OFFSET = 1.0


def _clamp(x):
    if x > 0:
        return x
    return tf.zeros_like(x)


def _count_positive(values):
    total = tf.constant(0)
    for v in values:
        if v > 0:
            total += 1
    return total


def test_a_python_if_on_a_traced_tensor_runs_the_branch_taken():
    f = tf.function(_clamp)
    assert f(tf.constant(2.0)).numpy() == 2.0
    assert f(tf.constant(-2.0)).numpy() == 0.0
    assert f.experimental_get_tracing_count() == 1


def test_a_plain_helper_called_from_a_function_is_converted_too():
    @tf.function
    def outer(x):
        return _clamp(x) * 2.0

    assert outer(tf.constant(-1.0)).numpy() == 0.0
    assert outer(tf.constant(3.0)).numpy() == 6.0


def test_a_for_loop_over_a_tensor_is_one_staged_loop_whose_body_runs_once_at_trace_time():
    traced_bodies = []

    @tf.function
    def f(values):
        total = tf.constant(0.0)
        for v in values:
            traced_bodies.append(1)
            total += v * v
        return total

    assert f(tf.constant([1.0, 2.0, 3.0])).numpy() == 14.0
    assert len(traced_bodies) == 1


def test_a_nested_if_inside_a_loop_is_staged_inside_the_loop_body():
    f = tf.function(_count_positive)
    assert f(tf.constant([1.0, -2.0, 3.0, 0.5])).numpy() == 3


def test_the_converted_function_sees_later_changes_to_its_globals_and_closure_cells():
    scale = [2.0]
    factor = 3.0

    def f(x):
        if x > 0:
            return x * factor + OFFSET
        return x

    converted = _autograph.convert(f)
    assert converted is not f
    assert converted(5.0) == 16.0
    factor = 10.0  # noqa: F841 - read through the shared closure cell
    assert converted(5.0) == 51.0
    assert scale == [2.0]


def test_defaults_keyword_only_arguments_and_functools_partial_are_kept():
    def f(x, y=2.0, *, z=3.0):
        if x > y:
            return x * z
        return y

    converted = _autograph.convert(f)
    assert converted(5.0) == 15.0
    assert converted(1.0) == 2.0
    assert converted(5.0, z=1.0) == 5.0
    partial = _autograph.convert(functools.partial(f, z=10.0))
    assert isinstance(partial, functools.partial)
    assert partial(5.0) == 50.0


class _Base(tf.Module):
    def scale(self, x):
        return x * 2.0


class _Child(_Base):
    @tf.function
    def __call__(self, x):
        if tf.reduce_sum(x) > 0:
            return super().scale(x)
        return -x


def test_zero_argument_super_works_in_a_converted_method():
    child = _Child()
    np.testing.assert_allclose(child(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(child(tf.constant([-1.0, -2.0])).numpy(), [1.0, 2.0])


def test_do_not_convert_and_autograph_false_keep_python_semantics():
    @tf.autograph.experimental.do_not_convert
    def raw(x):
        if x > 0:
            return x
        return -x

    assert _autograph.convert(raw) is raw
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        tf.function(raw)(tf.constant(1.0))
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        tf.function(_clamp, autograph=False)(tf.constant(1.0))


def test_library_functions_and_generators_are_not_converted_but_lambdas_are_as_tf():
    def generator():
        yield 1

    assert _autograph.convert(np.sum) is np.sum
    assert _autograph.convert(tf.reduce_sum) is tf.reduce_sum
    assert _autograph.convert(generator) is generator
    square = lambda x: x * x  # noqa: E731
    converted = _autograph.convert(square)
    assert converted is not square and converted(3) == 9 and converted.__name__ == "<lambda>"
    pair = [lambda x: x + 1, lambda x: x - 1]  # two lambdas with one signature on a line: as TF, left as they are
    assert _autograph.convert(pair[0]) is pair[0] and _autograph.convert(pair[1]) is pair[1]


def test_to_code_returns_the_converted_source():
    code = tf.autograph.to_code(_clamp)
    assert "ag__.if_stmt" in code and "def _clamp" in code
    with pytest.raises(ValueError, match="source code"):
        tf.autograph.to_code(np.sum)


def test_a_global_assigned_inside_a_converted_block_stays_global():
    global _COUNTER
    _COUNTER = 0

    def bump(flag):
        global _COUNTER
        if flag:
            _COUNTER = _COUNTER + 1

    converted = _autograph.convert(bump)
    converted(True)
    converted(True)
    assert _COUNTER == 2


def test_break_continue_and_return_in_python_loops_keep_python_semantics():
    def f(items):
        seen = []
        for item in items:
            if item == 3:
                break
            if item % 2 == 0:
                continue
            seen.append(item)
        else:
            seen.append("no break")
        i = 0
        while True:
            i += 1
            if i > 4:
                return seen, i

    assert _autograph.convert(f)([1, 2, 5, 3, 7]) == ([1, 5], 5)
    assert _autograph.convert(f)([1]) == ([1, "no break"], 5)


def test_a_variable_assigned_in_a_staged_loop_is_updated_once_per_iteration():
    v = tf.Variable(0.0)

    @tf.function
    def f(n):
        for i in tf.range(n):
            v.assign_add(tf.cast(i, tf.float32))
        return v.read_value()

    assert f(tf.constant(5)).numpy() == 10.0
    assert v.numpy() == 10.0


def test_random_draws_inside_a_staged_loop_differ_per_iteration():
    @tf.function
    def f():
        draws = tf.TensorArray(tf.float32, size=3, element_shape=[])
        for i in tf.range(3):
            draws = draws.write(i, tf.random.uniform([]))
        return draws.stack()

    values = f().numpy()
    assert len(set(values.tolist())) == 3


def test_a_gradient_through_a_staged_for_loop_inside_a_function():
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in tf.range(3):
                y = y * x
        return tape.gradient(y, x)

    assert f(tf.constant(2.0)).numpy() == pytest.approx(4 * 2.0 ** 3)


def test_a_data_dependent_while_under_a_tape_runs_as_python_with_one_warning():
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            while y < 100.0:
                y = y * 2.0
        return tape.gradient(y, x)

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert f(tf.constant(3.0)).numpy() == 64.0
        assert f(tf.constant(30.0)).numpy() == 4.0


def test_a_function_with_a_staged_while_runs_as_python_under_an_outer_tape():
    @tf.function
    def f(x):
        while x < 100.0:
            x = x * 2.0
        return x

    x = tf.constant(3.0)
    assert f(x).numpy() == 192.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert tape.gradient(y, x).numpy() == 64.0


def test_tf_while_loop_with_maximum_iterations_is_differentiable_inside_a_function():
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, y: y < 100.0, lambda i, y: (i + 1, y * 2.0), (0, x),
                                 maximum_iterations=10)
        return y, tape.gradient(y, x)

    y, dy = f(tf.constant(3.0))
    assert (y.numpy(), dy.numpy()) == (192.0, 64.0)


def test_init_scope_runs_eagerly_and_may_create_variables_during_a_trace():
    made = []
    seen_eager = []

    @tf.function
    def f(x):
        seen_eager.append(tf.executing_eagerly())
        with tf.init_scope():
            seen_eager.append(tf.executing_eagerly())
            if not made:
                made.append(tf.Variable(1.0))
        return x + made[0]

    assert f(tf.constant(1.0)).numpy() == 2.0
    assert f(tf.constant(2.0)).numpy() == 3.0
    assert seen_eager[:2] == [False, True]
    assert tf.executing_eagerly()


def test_get_concrete_function_describes_and_calls_one_signature():
    @tf.function
    def f(x, n=2):
        return x * n, {"a": x + 1}

    concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    specs, kwargs = concrete.structured_input_signature
    assert specs[0].shape.as_list() == [None] and specs[0].name == "x" and specs[1] == 2 and kwargs == {}
    out, parts = concrete(tf.constant([1.0, 2.0]))
    np.testing.assert_allclose(out.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(parts["a"].numpy(), [2.0, 3.0])
    assert [op.type for op in concrete.graph.get_operations()][:1] == ["Placeholder"]
    assert "mul" in concrete.graph.as_text()
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float32 tensor"):
        concrete(tf.constant([1, 2]))


def test_methods_get_a_function_per_instance():
    class Counter(tf.Module):
        def __init__(self):
            self.total = None

        @tf.function
        def __call__(self):
            if self.total is None:
                self.total = tf.Variable(0)
            return self.total.assign_add(1)

    first, second = Counter(), Counter()
    assert first().numpy() == 1 and first().numpy() == 2
    assert second().numpy() == 1


def test_python_numbers_returned_by_a_function_become_tensors():
    @tf.function
    def f():
        return 1 + 1, None

    two, nothing = f()
    assert isinstance(two, tf.Tensor) and two.dtype == tf.int32 and two.numpy() == 2
    assert nothing is None


def test_an_if_whose_branches_differ_in_shape_runs_the_call_as_python_with_one_warning_naming_its_line(caplog):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:  # the line the warning names
            y = x[:2]
        else:
            y = x[:3]
        return tf.shape(y)

    line = f.python_function.__code__.co_firstlineno + 2
    with caplog.at_level(logging.WARNING, logger="tapejax"):
        outs = [f(tf.constant([1.0, 2.0, 3.0])).numpy().tolist(), f(tf.constant([-1.0, -2.0, -3.0])).numpy().tolist(),
                f(tf.constant([1.0, 2.0, 3.0, 4.0])).numpy().tolist()]
    assert outs == [[2], [3], [2]]
    warned = [r.getMessage() for r in caplog.records if "runs as Python" in r.getMessage()]
    assert len(warned) == 1
    assert f"{__file__}:{line}" in warned[0] and "'y'" in warned[0]


def test_a_loop_variable_growing_past_its_shape_without_an_invariant_raises_tfs_value_error_not_a_fallback():
    @tf.function
    def f(n):
        x = tf.constant([1.0])
        while tf.size(x) < n:
            x = tf.concat([x, x], 0)
        return x

    with pytest.raises(ValueError, match="before the loop, but shape"):
        f(tf.constant(4))


def test_a_dynamic_size_tensor_array_in_a_tf_while_loop_outside_a_function_still_raises_value_error():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    with pytest.raises(ValueError, match="dynamic_size=False"):
        ta._to_loop_array()
