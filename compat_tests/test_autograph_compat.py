"""AutoGraph and tf.function tracing semantics (issue 14) on TF 2.21 and on tapejax.

Each program puts Python control flow, side effects or tracing rules inside `@tf.function` and returns
what it computes (values, dtypes, shapes, trace counts) or raises TF's exception; the harness runs it on
both backends and compares. Random draws are compared only through shapes and whether iterations
differ, since the generators differ between the frameworks.
"""

import contextlib
import functools
import io
import os
import tempfile
import warnings

import numpy as np
import pytest

from compat_tests import _harness as H

PROGRAMS = {}


def program(f=None, **options):
    """Registers a program; `options` are passed to `compare` (rtol, atol, messages)."""
    def register(f):
        f.options = options
        PROGRAMS[f.__name__] = f
        return f
    return register(f) if f is not None else register


RS = np.random.RandomState(14)
XV = RS.randn(4).astype(np.float32)
XM = RS.randn(3, 4).astype(np.float32)


# -- if / elif / else on traced tensors ---------------------------------------------------------
@program
def if_on_tensor_both_signs(tf):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2.0
        else:
            y = -x
        return y

    return f(tf.constant(XV)), f(tf.constant(-XV)), f.experimental_get_tracing_count()


@program
def if_python_condition_stays_python(tf):
    traced = []

    @tf.function
    def f(x, flag):
        traced.append(flag)
        if flag:
            return x + 1.0
        return x - 1.0

    outs = [f(tf.constant(1.0), True), f(tf.constant(2.0), False), f(tf.constant(3.0), True)]
    return outs, traced, f.experimental_get_tracing_count()


@program
def elif_chain_on_tensor(tf):
    @tf.function
    def f(x):
        if x < 0.0:
            y = tf.constant(-1)
        elif x < 1.0:
            y = tf.constant(0)
        elif x < 2.0:
            y = tf.constant(1)
        else:
            y = tf.constant(2)
        return y

    return [f(tf.constant(v)) for v in (-3.0, 0.5, 1.5, 9.0)]


@program
def variable_assigned_in_both_branches(tf):
    @tf.function
    def f(x):
        a = x
        if x > 1.0:
            a = x * 10.0
            b = x + 1.0
        else:
            a = x - 10.0
            b = x - 1.0
        return a, b

    return f(tf.constant(2.0)), f(tf.constant(0.0))


@program
def variable_defined_before_assigned_in_one_branch(tf):
    @tf.function
    def f(x):
        y = x
        if x > 0.0:
            y = y * 3.0
        return y

    return f(tf.constant(2.0)), f(tf.constant(-2.0))


@program
def one_branch_only_unused_after(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            tmp = x * 2.0  # noqa: F841 - local to the branch, never read after
        return x + 1.0

    return f(tf.constant(1.0)), f(tf.constant(-1.0))


@program
@H.raises("ValueError")
def one_branch_only_used_after(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            y = x * 2.0
        return y  # noqa: F821 - undefined in the else branch: TF's error

    return f(tf.constant(1.0))


@program
@H.raises("TypeError")
def branch_dtype_mismatch(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            y = tf.constant(1)
        else:
            y = tf.constant(1.0)
        return y

    return f(tf.constant(1.0))


@program
@H.raises("ValueError", "TypeError")
def branch_structure_mismatch(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            y = (x, x)
        else:
            y = x
        return y

    return f(tf.constant(1.0))


@program
def branch_python_float_and_tensor(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            y = 5.0
        else:
            y = x
        return y

    return f(tf.constant(1.0)), f(tf.constant(-1.0))


@program
def branch_python_ints_both(tf):
    @tf.function
    def f(x):
        if x > 0:
            y = 1
        else:
            y = 2
        return y

    return f(tf.constant(1)), f(tf.constant(-1))


@program
def nested_ifs_on_tensors(tf):
    @tf.function
    def f(x, y):
        if x > 0.0:
            if y > 0.0:
                z = x + y
            else:
                z = x - y
        else:
            if y > 0.0:
                z = -x + y
            else:
                z = -x - y
        return z

    return [f(tf.constant(a), tf.constant(b)) for a in (1.0, -4.0) for b in (20.0, -300.0)]


@program
def if_inside_tf_range_loop(tf):
    @tf.function
    def f(n):
        s = tf.constant(0)
        for i in tf.range(n):
            if i % 2 == 0:
                s += i
            else:
                s -= 1
        return s

    return f(tf.constant(7)), f(tf.constant(0))


@program
def conditional_expression_on_tensor(tf):
    @tf.function
    def f(x):
        return x * 2.0 if tf.reduce_mean(x) > 0 else x * -3.0

    return f(tf.constant(XV)), f(tf.constant(np.abs(XV))), f(tf.constant(-np.abs(XV)))


@program
def conditional_expression_on_python_value(tf):
    @tf.function
    def f(x, k):
        return x + 1.0 if k > 2 else x - 1.0

    return f(tf.constant(1.0), 3), f(tf.constant(1.0), 1), f.experimental_get_tracing_count()


@program
def if_with_variable_assign_in_branches(tf):
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        if x > 0.0:
            v.assign(x)
        else:
            v.assign_sub(1.0)
        return v.read_value()

    return f(tf.constant(3.0)), f(tf.constant(-1.0)), f(tf.constant(-5.0)), v


@program
def if_return_value_shapes_differ_in_branches(tf):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x[:2]
        else:
            y = x[:3]
        return tf.shape(y)

    return f(tf.constant(XV)), f(tf.constant(-np.abs(XV)))


@program
def if_on_eager_tensor_outside_function(tf):
    x = tf.constant(2.0)
    if x > 1.0:
        y = x * 2.0
    else:
        y = x
    return y


@program
def if_on_tensor_int_and_bool_args(tf):
    @tf.function
    def f(flag, x):
        if flag:
            x = x + 100
        return x

    return f(tf.constant(True), tf.constant(1)), f(tf.constant(False), tf.constant(1))


# -- while loops --------------------------------------------------------------------------------
@program
def while_counter_on_tensor(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            i += 1
        return i

    return f(tf.constant(5)), f(tf.constant(0)), f.experimental_get_tracing_count()


@program
def while_python_int_counter_becomes_tensor(tf):
    @tf.function
    def f(n):
        i = 0
        total = 0
        while i < n:
            total += i
            i += 1
        return i, total

    return f(tf.constant(4))


@program
def while_multiple_loop_vars(tf):
    @tf.function
    def f(x):
        a, b, steps = x, tf.constant(1.0), tf.constant(0)
        while a > 1.0:
            a = a / 2.0
            b = b * 3.0
            steps += 1
        return a, b, steps

    return f(tf.constant(40.0))


@program
def while_nested_loops(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        total = tf.constant(0)
        while i < n:
            j = tf.constant(0)
            while j < i:
                total += j
                j += 1
            i += 1
        return total

    return f(tf.constant(5))


@program
def while_python_condition_unrolled(tf):
    traced = []

    @tf.function
    def f(x):
        i = 0
        while i < 3:
            traced.append(i)
            x = x * 2.0
            i += 1
        traced.append(type(i).__name__)
        return x

    return f(tf.constant(1.0)), f(tf.constant(2.0)), traced


@program
@H.raises("TypeError")
def while_loop_var_dtype_change(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            i = tf.cast(i, tf.float32) + 1.0
        return i

    return f(tf.constant(3))


@program
@H.raises("ValueError")
def while_loop_var_shape_change(tf):
    @tf.function
    def f(n):
        x = tf.constant([1.0])
        while tf.size(x) < n:
            x = tf.concat([x, x], 0)
        return x

    return f(tf.constant(5))


@program
@H.raises("ValueError", "TypeError")
def while_loop_var_structure_change(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        x = tf.constant(1.0)
        while i < n:
            x = (x, x)
            i += 1
        return x

    return f(tf.constant(2))


@program
def while_var_local_to_body_unused_after(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        total = tf.constant(0)
        while i < n:
            doubled = i * 2
            total += doubled
            i += 1
        return total

    return f(tf.constant(4))


@program
def while_var_defined_only_inside_used_after(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            last = i * 2
            i += 1
        return last  # noqa: F821 - only defined inside the staged loop: TF 2.21 returns its last value

    return f(tf.constant(4))


@program
def while_on_reduce_sum_condition(tf):
    @tf.function
    def f(x):
        while tf.reduce_sum(x) > 1.0:
            x = x * 0.5
        return x

    return f(tf.constant([3.0, 5.0])), f(tf.constant([0.1, 0.2]))


@program
def while_with_variable_condition(tf):
    v = tf.Variable(0.0)

    @tf.function
    def f():
        while v < 10.0:
            v.assign_add(3.0)
        return v.read_value()

    return f(), v


# -- for loops ----------------------------------------------------------------------------------
@program
def for_tf_range_python_n(tf):
    @tf.function
    def f(x):
        for i in tf.range(4):
            x = x + tf.cast(i, tf.float32)
        return x

    return f(tf.constant(1.0)), f.experimental_get_tracing_count()


@program
def for_tf_range_tensor_n(tf):
    @tf.function
    def f(n):
        total = tf.constant(0.0)
        for i in tf.range(n):
            total += tf.cast(i * i, tf.float32)
        return total

    return f(tf.constant(5)), f(tf.constant(1)), f(tf.constant(0)), f.experimental_get_tracing_count()


@program
def for_tf_range_start_limit_delta(tf):
    @tf.function
    def f(n):
        acc = tf.constant(0)
        for i in tf.range(2, n, 3):
            acc = acc * 10 + i
        return acc

    return f(tf.constant(12))


@program
def for_over_tensor_rows(tf):
    @tf.function
    def f(m):
        total = tf.zeros([4])
        for row in m:
            total += row * row
        return total

    return f(tf.constant(XM))


@program
def for_over_tensor_elements(tf):
    @tf.function
    def f(v):
        best = tf.constant(-1e9)
        for e in v:
            best = tf.maximum(best, e)
        return best

    return f(tf.constant(XV))


@program
def for_over_python_list_unrolled(tf):
    traced = []

    @tf.function
    def f(x):
        for k in [1.0, 2.0, 3.0]:
            traced.append(k)
            x = x * k
        return x

    return f(tf.constant(1.0)), f(tf.constant(2.0)), traced


@program
def for_over_python_range_unrolled(tf):
    @tf.function
    def f(x):
        outs = []
        for i in range(3):
            outs.append(x + i)
        return tf.stack(outs)

    return f(tf.constant(1.0))


@program
def for_over_python_range_with_tensor_if(tf):
    @tf.function
    def f(x):
        for _ in range(4):
            if x > 10.0:
                x = x - 1.0
            else:
                x = x * 3.0
        return x

    return f(tf.constant(1.0)), f(tf.constant(20.0))


@program
def for_over_zip_and_enumerate_python(tf):
    @tf.function
    def f(x):
        acc = x
        for i, (a, b) in enumerate(zip([1.0, 2.0], [3.0, 4.0])):
            acc = acc + i * a * b
        return acc

    return f(tf.constant(0.5))


@program
def for_over_dict_items_python(tf):
    @tf.function
    def f(x):
        weights = {"a": 1.0, "b": 2.0}
        out = {}
        for k, w in weights.items():
            out[k] = x * w
        return out

    return f(tf.constant(3.0))


@program
def for_tf_range_tensorarray(tf):
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(n):
            ta = ta.write(i, tf.cast(i, tf.float32) ** 2)
        return ta.stack()

    return f(tf.constant(5))


# -- break / continue ---------------------------------------------------------------------------
@program
def break_in_tf_range_for(tf):
    @tf.function
    def f(n):
        total = tf.constant(0)
        for i in tf.range(n):
            if total > 10:
                break
            total += i
        return total

    return f(tf.constant(100)), f(tf.constant(3))


@program
def continue_in_tf_range_for(tf):
    @tf.function
    def f(n):
        total = tf.constant(0)
        for i in tf.range(n):
            if i % 3 == 0:
                continue
            total += i
        return total

    return f(tf.constant(10))


@program
def break_in_while(tf):
    @tf.function
    def f(x):
        i = tf.constant(0)
        while i < 100:
            x = x * 2.0
            if x > 50.0:
                break
            i += 1
        return x, i

    return f(tf.constant(1.0))


@program
def continue_in_while(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        odd_sum = tf.constant(0)
        while i < n:
            i += 1
            if i % 2 == 0:
                continue
            odd_sum += i
        return odd_sum

    return f(tf.constant(9))


@program
def nested_loops_break_inner_only(tf):
    @tf.function
    def f(n):
        count = tf.constant(0)
        for i in tf.range(n):
            for j in tf.range(n):
                if j > i:
                    break
                count += 1
        return count

    return f(tf.constant(4))


@program
def break_and_continue_in_same_loop(tf):
    @tf.function
    def f(v):
        total = tf.constant(0.0)
        for e in v:
            if e < 0.0:
                continue
            if total > 2.0:
                break
            total += e
        return total

    return f(tf.constant([0.5, -1.0, 1.0, 0.9, -2.0, 3.0, 4.0]))


@program
def break_in_python_for_on_python_condition(tf):
    @tf.function
    def f(x):
        for i in range(10):
            if i == 3:
                break
            x = x + 1.0
        return x

    return f(tf.constant(0.0))


@program
@H.raises("NotImplementedError")
def break_in_python_for_on_tensor_condition(tf):
    @tf.function
    def f(x):
        for _ in range(5):
            if x > 3.0:
                break
            x = x + 1.0
        return x

    return f(tf.constant(0.0))


# -- return inside converted blocks --------------------------------------------------------------
@program
def early_return_in_if(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            return x * 2.0
        return -x

    return f(tf.constant(3.0)), f(tf.constant(-4.0))


@program
def return_in_both_branches(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            return x + 1.0
        else:
            return x - 1.0

    return f(tf.constant(3.0)), f(tf.constant(-4.0))


@program
@H.raises("ValueError")
def return_in_elif_chain_with_final_return(tf):
    @tf.function
    def f(x):
        if x > 10:
            return tf.constant(3)
        elif x > 5:
            return tf.constant(2)
        elif x > 0:
            return tf.constant(1)
        return tf.constant(0)

    return [f(tf.constant(v)) for v in (11, 6, 1, -1)]


@program
@H.raises("ValueError")
def return_in_if_missing_else_return(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            return x

    return f(tf.constant(1.0))


@program
def return_in_python_if_missing_else(tf):
    @tf.function
    def f(x, flag):
        if flag:
            return x

    return f(tf.constant(1.0), True), f(tf.constant(1.0), False)


@program
@H.raises("ValueError", "TypeError")
def return_in_branches_dtype_mismatch(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            return tf.constant(1)
        return tf.constant(1.0)

    return f(tf.constant(1.0))


@program
@H.raises("NotImplementedError", "ValueError")
def return_inside_staged_while(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            if i > 3:
                return i
            i += 1
        return i

    return f(tf.constant(10))


@program
@H.raises("NotImplementedError", "ValueError")
def return_inside_tf_range_for(tf):
    @tf.function
    def f(n):
        for i in tf.range(n):
            if i > 3:
                return i
        return tf.constant(-1)

    return f(tf.constant(10))


@program
def return_inside_python_for(tf):
    @tf.function
    def f(x):
        for k in range(5):
            if k == 2:
                return x * k
        return x

    return f(tf.constant(3.0))


# -- and / or / not, comparisons ----------------------------------------------------------------
@program
def and_or_not_on_tensors(tf):
    @tf.function
    def f(x, y):
        a = x > 0 and y > 0
        b = x > 0 or y > 0
        c = not x > 0
        return a, b, c

    return [f(tf.constant(p), tf.constant(q)) for p in (1, -1) for q in (1, -1)]


@program
def and_or_on_python_values_stay_python(tf):
    seen = []

    @tf.function
    def f(x, k):
        a = k and 5
        b = k or 7
        c = not k
        seen.append((a, b, c))
        return x + a + b

    return f(tf.constant(1.0), 0), f(tf.constant(1.0), 3), seen


@program
def python_values_returned_become_tensors(tf):
    @tf.function
    def f(x, k):
        return x, k * 2, 0.5, True, [k], None

    return f(tf.constant(1.0), 3)


@program
def and_with_python_true_and_tensor(tf):
    @tf.function
    def f(x):
        return True and x > 0.0, False or x > 0.0

    return f(tf.constant(1.0)), f(tf.constant(-1.0))


@program
def if_on_and_of_tensors(tf):
    @tf.function
    def f(x, y):
        if x > 0.0 and y > 0.0:
            z = x * y
        elif x > 0.0 or y > 0.0:
            z = x + y
        else:
            z = tf.constant(0.0)
        return z

    return [f(tf.constant(p), tf.constant(q)) for p in (2.0, -2.0) for q in (3.0, -3.0)]


@program
def and_short_circuits_on_python_false(tf):
    called = []
    values = []

    @tf.function
    def f(x):
        def side(v):
            called.append(1)
            return v > 0.0
        values.append((False and side(x), True or side(x)))
        return x

    return f(tf.constant(1.0)), called, values


@program
def chained_comparison_on_tensor(tf):
    @tf.function
    def f(x):
        if 0.0 < x < 10.0:
            y = x
        else:
            y = -x
        return y, 0.0 < x <= 10.0

    return f(tf.constant(5.0)), f(tf.constant(15.0)), f(tf.constant(-1.0))


@program
def not_in_while_condition(tf):
    @tf.function
    def f(x):
        done = tf.constant(False)
        steps = tf.constant(0)
        while not done:
            x = x * 2.0
            steps += 1
            done = x > 20.0
        return x, steps

    return f(tf.constant(1.0))


# -- Variables, random draws and tf.print in staged code -----------------------------------------
@program
def variable_assign_add_in_tf_range(tf):
    v = tf.Variable(0.0)

    @tf.function
    def f(n):
        for i in tf.range(n):
            v.assign_add(tf.cast(i, tf.float32))
        return v.read_value()

    return f(tf.constant(5)), f(tf.constant(3)), v


@program
def variable_updated_in_while_and_returned(tf):
    v = tf.Variable([1.0, 2.0])
    steps = tf.Variable(0)

    @tf.function
    def f():
        while tf.reduce_sum(v) < 100.0:
            v.assign(v * 3.0)
            steps.assign_add(1)
        return v.read_value(), steps.read_value()

    return f(), v, steps


@program
def variable_in_if_inside_loop(tf):
    pos = tf.Variable(0)
    neg = tf.Variable(0)

    @tf.function
    def f(v):
        for e in v:
            if e > 0.0:
                pos.assign_add(1)
            else:
                neg.assign_add(1)
        return pos.read_value() - neg.read_value()

    return f(tf.constant(XV)), pos, neg


@program
def random_draws_in_loop_differ(tf):
    tf.random.set_seed(1)

    @tf.function
    def f(n):
        draws = tf.zeros([4, 3])
        for i in tf.range(n):
            draws = tf.tensor_scatter_nd_update(draws, tf.reshape(i, [1, 1]), [tf.random.uniform([3])])
        return draws

    rows = f(tf.constant(4)).numpy()
    distinct = len({tuple(r) for r in rows})
    return rows.shape, distinct, bool(np.all((rows >= 0) & (rows < 1)))


@program
def random_draws_in_while_differ_between_calls(tf):
    tf.random.set_seed(3)

    @tf.function
    def f():
        x = tf.random.normal([2])
        i = tf.constant(0)
        while i < 3:
            x = x + tf.random.normal([2])
            i += 1
        return x

    a, b = f().numpy(), f().numpy()
    return a.shape, bool(np.any(a != b)), f.experimental_get_tracing_count()


@program
def tf_print_in_loop_prints_every_call(tf):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "printed.txt")

        @tf.function
        def f(n):
            total = tf.constant(0)
            for i in tf.range(n):
                tf.print("step", i, [i, i * 2], output_stream="file://" + path)
                total += i
            return total

        totals = [f(tf.constant(3)).numpy(), f(tf.constant(2)).numpy()]
        with open(path, encoding="utf-8") as file:
            return totals, file.read()


@program
def python_print_runs_at_trace_only(tf):
    buf = io.StringIO()

    @tf.function
    def f(x):
        print("tracing", x.dtype.name)
        return x + 1.0

    with contextlib.redirect_stdout(buf):
        outs = [f(tf.constant(1.0)), f(tf.constant(2.0)), f(tf.constant(3.0, tf.float64))]
    return outs, buf.getvalue()


# -- gradients through converted control flow -------------------------------------------------------
@program
def tape_inside_function_through_if(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            if tf.reduce_sum(x) > 0:
                y = tf.reduce_sum(x ** 3)
            else:
                y = tf.reduce_sum(tf.sin(x))
        return y, tape.gradient(y, x)

    return f(tf.constant(np.abs(XV))), f(tf.constant(-np.abs(XV)))


@program
def tape_inside_function_through_tf_range_static(tf):
    w = tf.Variable([0.5, -0.25])

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            y = x
            for _ in tf.range(3):
                y = tf.tanh(y * w)
            loss = tf.reduce_sum(y)
        return loss, tape.gradient(loss, w)

    return f(tf.constant([1.0, 2.0]))


@program
def tape_inside_function_through_data_dependent_while(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            while tf.reduce_sum(y) < 10.0:
                y = y * 1.5
        return y, tape.gradient(y, x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(tf.constant([1.0, 0.5])), f(tf.constant([4.0, 4.0]))


@program
def tape_outside_function_through_if(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            y = x * x
        else:
            y = -3.0 * x
        return y

    out = []
    for v in (2.0, -2.0):
        x = tf.constant(v)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        out.append((y, tape.gradient(y, x)))
    return out


@program
def tape_outside_function_through_tf_range(tf):
    w = tf.Variable(1.2)

    @tf.function
    def f(x):
        for _ in tf.range(4):
            x = x * w
        return x

    with tf.GradientTape() as tape:
        y = f(tf.constant(2.0))
    return y, tape.gradient(y, w)


@program
def tape_outside_function_through_while(tf):
    w = tf.Variable(0.9)

    @tf.function
    def f(x):
        i = tf.constant(0)
        while i < 5:
            x = x * w + 1.0
            i += 1
        return x

    with tf.GradientTape() as tape:
        y = f(tf.constant(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return y, tape.gradient(y, w)


@program
def tf_cond_gradient_inside_function(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cond(x > 0.0, lambda: tf.exp(x), lambda: x * x)
        return y, tape.gradient(y, x)

    return f(tf.constant(0.5)), f(tf.constant(-0.5))


@program
def tf_while_loop_max_iterations_gradient_inside_function(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, v: v < 100.0, lambda i, v: (i + 1, v * 2.0),
                                 [tf.constant(0), x], maximum_iterations=4)
        return y, tape.gradient(y, x)

    return f(tf.constant(1.0)), f(tf.constant(30.0))


@program
def second_order_gradient_through_if(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                if x > 0.0:
                    y = x ** 3
                else:
                    y = tf.sin(x)
            g = inner.gradient(y, x)
        return y, g, outer.gradient(g, x)

    return f(tf.constant(2.0)), f(tf.constant(-1.0))


@program
def gradient_through_break_loop_outside_tape(tf):
    w = tf.Variable(2.0)

    @tf.function
    def f():
        y = tf.constant(1.0)
        for _ in tf.range(10):
            y = y * w
            if y > 20.0:
                break
        return y

    with tf.GradientTape() as tape:
        y = f()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return y, tape.gradient(y, w)


# -- helpers, methods, closures -----------------------------------------------------------------
def _relu_helper(x):
    if x > 0.0:
        return x
    return tf_zero_like(x)


def tf_zero_like(x):
    return x * 0.0


def _loop_helper(x, n):
    for _ in range(n):
        if tf_sum(x) > 1.0:
            x = x / 2.0
    return x


def tf_sum(x):
    return x[0] + x[1]


@program
def plain_helper_with_if_converted_recursively(tf):
    @tf.function
    def f(x):
        return _relu_helper(x) + 1.0

    return f(tf.constant(2.0)), f(tf.constant(-2.0))


@program
def helper_with_python_loop_and_tensor_if(tf):
    @tf.function
    def f(x):
        return _loop_helper(x, 3)

    return f(tf.constant([4.0, 4.0])), f(tf.constant([0.1, 0.2]))


@program
def module_method_with_control_flow(tf):
    class Clipper(tf.Module):
        def __init__(self):
            super().__init__()
            self.limit = tf.Variable(3.0)

        @tf.function
        def __call__(self, x):
            out = tf.constant(0.0)
            for e in x:
                if e > self.limit:
                    out += self.limit
                else:
                    out += e
            return out

    m = Clipper()
    return m(tf.constant([1.0, 5.0, 2.0, 7.0])), m(tf.constant([10.0]))


@program
def super_call_inside_converted_method(tf):
    class Base(tf.Module):
        def scale(self, x):
            if x > 0.0:
                return x * 2.0
            return x

    class Child(Base):
        @tf.function
        def scale(self, x):
            y = super().scale(x)
            if y > 3.0:
                y = y + 100.0
            return y

    c = Child()
    return c.scale(tf.constant(1.0)), c.scale(tf.constant(2.0)), c.scale(tf.constant(-1.0))


@program
def closure_over_python_and_tensor_values(tf):
    scale = 3.0
    offset = tf.constant(0.5)

    def make():
        @tf.function
        def f(x):
            if x > offset:
                return x * scale
            return x + offset
        return f

    f = make()
    return f(tf.constant(2.0)), f(tf.constant(0.0))


@program
def default_arguments_in_function(tf):
    @tf.function
    def f(x, k=2, threshold=0.0):
        if x > threshold:
            x = x * k
        return x

    return (f(tf.constant(1.0)), f(tf.constant(1.0), 5), f(tf.constant(1.0), threshold=3.0),
            f.experimental_get_tracing_count())


@program
def functools_partial_of_converted_helper(tf):
    def clip(x, lo, hi):
        if x < lo:
            return lo
        if x > hi:
            return hi
        return x

    @tf.function
    def f(x):
        c = functools.partial(clip, lo=tf.constant(-1.0), hi=tf.constant(1.0))
        return c(x)

    return [f(tf.constant(v)) for v in (-5.0, 0.25, 5.0)]


@program
def tf_function_of_partial(tf):
    def g(x, k):
        if x > 0.0:
            return x * k
        return x

    f = tf.function(functools.partial(g, k=4.0))
    return f(tf.constant(2.0)), f(tf.constant(-2.0))


@program
def lambda_with_conditional_expression(tf):
    f = tf.function(lambda x: x * 2.0 if x > 0.0 else x * -1.0)
    return f(tf.constant(3.0)), f(tf.constant(-3.0))


@program
@H.raises("OperatorNotAllowedInGraphError")
def lambdas_sharing_a_line_with_the_same_arguments_are_not_converted(tf):
    fs = [tf.function(lambda x: x + 1.0), tf.function(lambda x: x - 1.0 if x > 0.0 else x * 10.0)]
    return fs[0](tf.constant(1.0)), fs[1](tf.constant(1.0))


@program
@H.raises("OperatorNotAllowedInGraphError")
def unpacking_a_traced_tensor_is_not_allowed(tf):
    @tf.function(autograph=False)
    def f(x):
        a, b = x
        return a + b

    return f(tf.constant([1.0, 2.0]))


@program
def unstacking_a_traced_tensor_is_allowed(tf):
    @tf.function
    def f(x):
        a, b = tf.unstack(x)
        return a + b, [e * 2.0 for e in tf.unstack(x)]

    return f(tf.constant([1.0, 2.0]))


@program
def lambda_over_several_lines_is_converted(tf):
    f = tf.function(
        lambda x, scale=2.0: tf.reduce_sum(x) * scale
        if tf.reduce_sum(x) > 0.0 else -tf.reduce_sum(x))
    return f(tf.constant([-1.0, -2.0])), f(tf.constant([1.0, 2.0])), f(tf.constant([1.0]), 3.0)


@program
def lambda_helper_called_in_loop(tf):
    step = lambda v: v * 0.5 + 1.0  # noqa: E731 - a lambda is the construct under test

    @tf.function
    def f(x):
        i = tf.constant(0)
        while i < 3:
            x = step(x)
            i += 1
        return x

    return f(tf.constant(8.0))


@program
def nested_tf_function_with_control_flow(tf):
    @tf.function
    def inner(x):
        if x > 1.0:
            return x - 1.0
        return x

    @tf.function
    def outer(x):
        total = tf.constant(0.0)
        for _ in tf.range(3):
            x = inner(x * 2.0)
            total += x
        return total

    return outer(tf.constant(0.75))


# -- tracing semantics --------------------------------------------------------------------------
@program
def list_append_side_effect_runs_at_trace_only(tf):
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x * 2.0

    for v in (1.0, 2.0, 3.0):
        f(tf.constant(v))
    f(tf.constant([1.0, 2.0]))
    return len(calls), f.experimental_get_tracing_count()


@program
def tracing_count_python_scalars_vs_tensors(tf):
    @tf.function
    def f(x):
        return x + 1

    f(1)
    f(2)
    f(2)
    a = f.experimental_get_tracing_count()
    f(tf.constant(1))
    f(tf.constant(2))
    b = f.experimental_get_tracing_count()
    f(tf.constant([1, 2]))
    f(tf.constant(1.0))
    return a, b, f.experimental_get_tracing_count()


@program
def input_signature_with_none_dim(tf):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        if tf.reduce_sum(x) > 0:
            return x * 2.0
        return x

    return (f(tf.constant([1.0, 2.0])), f(tf.constant([-1.0, 2.0, -3.0])),
            f.experimental_get_tracing_count())


@program
@H.raises("TypeError", "ValueError")
def input_signature_wrong_dtype(tf):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x

    return f(tf.constant([1, 2]))


@program
@H.raises("TypeError", "ValueError")
def input_signature_wrong_rank(tf):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x

    return f(tf.constant([[1.0, 2.0]]))


@program
@H.raises("TypeError", "ValueError")
def input_signature_too_many_arguments(tf):
    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def f(x):
        return x

    return f(tf.constant(1.0), tf.constant(2.0))


@program
def input_signature_converts_python_value(tf):
    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
    def f(x):
        return x * 2.0

    return f([1.0, 2.0]), f(np.array([3.0, 4.0], np.float32)), f.experimental_get_tracing_count()


@program
@H.raises("OperatorNotAllowedInGraphError")
def autograph_false_python_if_on_tensor(tf):
    @tf.function(autograph=False)
    def f(x):
        if x > 0.0:
            return x
        return -x

    return f(tf.constant(1.0))


@program
def autograph_false_python_control_flow_on_python_values(tf):
    @tf.function(autograph=False)
    def f(x, n):
        for _ in range(n):
            x = x * 2.0
        return tf.cond(x > 5.0, lambda: x, lambda: -x)

    return f(tf.constant(1.0), 3), f(tf.constant(1.0), 1)


@program
@H.raises("OperatorNotAllowedInGraphError")
def do_not_convert_helper_with_tensor_if(tf):
    @tf.autograph.experimental.do_not_convert
    def helper(x):
        if x > 0.0:
            return x
        return -x

    @tf.function
    def f(x):
        return helper(x)

    return f(tf.constant(1.0))


@program
def do_not_convert_helper_without_tensor_control_flow(tf):
    @tf.autograph.experimental.do_not_convert
    def helper(x, n):
        for _ in range(n):
            x = x + 1.0
        return x

    @tf.function
    def f(x):
        return helper(x, 3)

    return f(tf.constant(1.0))


@program
@H.raises("OperatorNotAllowedInGraphError")
def bool_of_tensor_inside_function(tf):
    @tf.function
    def f(x):
        return bool(x > 0.0)

    return f(tf.constant(1.0))


@program
def bool_of_eager_tensor_outside_function(tf):
    return bool(tf.constant(1.0) > 0.0), bool(tf.constant(0))


@program
@H.raises("OperatorNotAllowedInGraphError")
def iterating_tensor_with_autograph_false(tf):
    @tf.function(autograph=False)
    def f(x):
        total = 0.0
        for e in x:
            total += e
        return total

    return f(tf.constant([1.0, 2.0]))


@program
def to_code_returns_string(tf):
    def g(x):
        if x > 0:
            x = x * 2
        return x

    return isinstance(tf.autograph.to_code(g), str)


@program
def tf_function_python_function_attribute_and_retrace_on_new_dtype(tf):
    @tf.function
    def f(x):
        i = tf.constant(0)
        while i < 2:
            x = x + x
            i += 1
        return x

    outs = [f(tf.constant(1)), f(tf.constant(1.0)), f(tf.constant(2))]
    return outs, f.experimental_get_tracing_count(), callable(f.python_function)


@program
def get_concrete_function_with_converted_if(tf):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            return x + 1.0
        return x - 1.0

    cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    return cf(tf.constant([1.0, 2.0])), cf(tf.constant([-5.0])), f.experimental_get_tracing_count()


@program
def reduce_retracing_generalizes_shape(tf):
    @tf.function(reduce_retracing=True)
    def f(x):
        s = tf.constant(0.0)
        for e in x:
            s += e
        return s

    outs = [f(tf.constant(np.ones(n, np.float32))) for n in (1, 2, 3, 4)]
    return outs, f.experimental_get_tracing_count()


@program
def python_side_effect_in_staged_branch_runs_once_per_trace(tf):
    seen = []

    @tf.function
    def f(x):
        if x > 0.0:
            seen.append("true")
            y = x
        else:
            seen.append("false")
            y = -x
        return y

    f(tf.constant(1.0))
    f(tf.constant(-1.0))
    f(tf.constant(2.0))
    return sorted(seen), f.experimental_get_tracing_count()


@program
def python_side_effect_in_staged_loop_runs_once_per_trace(tf):
    seen = []

    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            seen.append(1)
            i += 1
        return i

    f(tf.constant(5))
    f(tf.constant(7))
    return f(tf.constant(2)), len(seen), f.experimental_get_tracing_count()


# -- more conversions: datasets, assert, range over tensors, loop options ---------------------------
@program
def for_over_dataset_inside_function(tf):
    ds = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).batch(2)

    @tf.function
    def f(ds):
        total = tf.constant(0.0)
        for batch in ds:
            total += tf.reduce_sum(batch * batch)
        return total

    return f(ds)


@program
def python_range_over_tensor_becomes_tf_range(tf):
    @tf.function
    def f(n):
        total = tf.constant(0)
        for i in range(n):
            total += i
        return total

    return f(tf.constant(5)), f(tf.constant(2)), f.experimental_get_tracing_count()


@program
@H.raises("OperatorNotAllowedInGraphError")
def assert_statement_on_tensor_is_not_converted(tf):
    @tf.function
    def f(x):
        assert tf.reduce_all(x > 0.0), "x must be positive"
        return tf.sqrt(x)

    return f(tf.constant([4.0, -9.0]))


@program
def python_print_of_tensor_in_staged_loop_runs_at_trace(tf):
    buf = io.StringIO()

    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            print("body")
            i += 1
        return i

    with contextlib.redirect_stdout(buf):
        outs = [f(tf.constant(3)), f(tf.constant(4))]
    return outs, buf.getvalue()


@program
def set_loop_options_maximum_iterations(tf):
    @tf.function
    def f(x):
        i = tf.constant(0)
        while x < 1000.0:
            tf.autograph.experimental.set_loop_options(maximum_iterations=3)
            x = x * 2.0
            i += 1
        return x, i

    return f(tf.constant(1.0))


@program
def set_loop_options_shape_invariants_allow_growth(tf):
    @tf.function
    def f(n):
        x = tf.constant([1.0])
        while tf.size(x) < n:
            tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None]))])
            x = tf.concat([x, x * 2.0], 0)
        return x

    return f(tf.constant(5))


@program
@H.raises("ValueError", "TypeError", "InvalidArgumentError")
def if_on_non_scalar_tensor(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            x = x * 2.0
        return x

    return f(tf.constant([1.0, 2.0]))


@program
def loop_var_none_before_loop_becomes_tensor(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        y = None
        while i < n:
            y = i * 2
            i += 1
        return y

    return f(tf.constant(3))


@program
def python_elif_mixed_with_tensor_condition(tf):
    @tf.function
    def f(x, mode):
        if mode == "double":
            y = x * 2.0
        elif x > 0.0:
            y = x + 10.0
        else:
            y = x - 10.0
        return y

    return (f(tf.constant(1.0), "double"), f(tf.constant(1.0), "other"), f(tf.constant(-1.0), "other"),
            f.experimental_get_tracing_count())


@program
def nested_function_defined_inside_is_converted(tf):
    @tf.function
    def f(x):
        def clamp(v):
            if v > 1.0:
                v = tf.constant(1.0)
            return v
        return clamp(x), clamp(x / 10.0)

    return f(tf.constant(5.0))


@program
def while_with_fixed_size_tensorarray(tf):
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=4)
        i = tf.constant(0)
        while i < 4:
            ta = ta.write(i, x * tf.cast(i, tf.float32))
            i += 1
        return ta.stack()

    return f(tf.constant([1.0, 2.0]))


@program
def len_of_tensor_inside_function(tf):
    @tf.function
    def f(x):
        total = tf.constant(0.0)
        for i in range(len(x)):
            total += x[i] * i
        return total, len(x)

    return f(tf.constant(XV))


@program
def staged_if_calls_inner_tf_function(tf):
    @tf.function
    def square(v):
        return v * v

    @tf.function
    def f(x):
        if x > 0.0:
            y = square(x)
        else:
            y = -square(x)
        return y

    return f(tf.constant(3.0)), f(tf.constant(-3.0)), square.experimental_get_tracing_count()


@program
def gradient_through_set_loop_options_maximum_iterations(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            while y < 1000.0:
                tf.autograph.experimental.set_loop_options(maximum_iterations=3)
                y = y * y + 1.0
        return y, tape.gradient(y, x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(tf.constant(1.5))


@program
def gradient_of_module_method_with_converted_loop(tf):
    class Poly(tf.Module):
        def __init__(self):
            super().__init__()
            self.coef = tf.Variable([1.0, -0.5, 0.25])

        @tf.function
        def __call__(self, x):
            y = tf.constant(0.0)
            for c in self.coef:
                y = y * x + c
            return y

    m = Poly()
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = m(x)
    return y, tape.gradient(y, [x, m.coef])



@program
def nested_list_of_traced_tensors_as_op_argument(tf):
    @tf.function
    def f(i):
        return tf.tensor_scatter_nd_update(tf.zeros([4]), [[i]], [1.0])

    return f(tf.constant(2))



# -- more loop and branch shapes: while True, dict and tuple state, raises in branches -------------
@program
@H.raises("NotImplementedError")
def while_true_with_tensor_break(tf):
    @tf.function
    def f(x):
        steps = tf.constant(0)
        while True:
            x = x * 3.0
            steps += 1
            if x > 100.0:
                break
        return x, steps

    return f(tf.constant(1.0))


@program
def loop_index_used_after_tf_range_loop(tf):
    @tf.function
    def f(n):
        total = tf.constant(0)
        i = tf.constant(-1)
        for i in tf.range(n):
            total += i
        return total, i

    return f(tf.constant(4))


@program
def dict_loop_state_updated_by_subscript(tf):
    @tf.function
    def f(x):
        state = {"value": x, "count": tf.constant(0)}
        while state["value"] < 50.0:
            state["value"] = state["value"] * 2.0
            state["count"] = state["count"] + 1
        return state

    return f(tf.constant(3.0))


@program
def tuple_unpacking_loop_state(tf):
    @tf.function
    def f(n):
        a, b = tf.constant(0), tf.constant(1)
        for _ in tf.range(n):
            a, b = b, a + b
        return a, b

    return f(tf.constant(10))


@program
def pass_in_one_branch(tf):
    @tf.function
    def f(x):
        y = x
        if x > 0.0:
            pass
        else:
            y = x * x
        return y

    return f(tf.constant(2.0)), f(tf.constant(-2.0))


@program
@H.raises("ValueError")
def raise_inside_staged_branch_raises_at_trace(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            y = x
        else:
            raise ValueError("x must be positive")
        return y

    return f(tf.constant(1.0))


@program
@H.raises("InaccessibleTensorError")
def python_list_append_inside_staged_branch_is_inaccessible(tf):
    @tf.function
    def f(x):
        outs = []
        for k in range(3):
            if x > float(k):
                outs.append(x * k)
            else:
                outs.append(-x)
        return tf.stack(outs)

    return f(tf.constant(1.5))


@program
def break_in_for_over_dataset(tf):
    ds = tf.data.Dataset.range(100)

    @tf.function
    def f():
        total = tf.constant(0, tf.int64)
        for e in ds:
            if total > 20:
                break
            total += e
        return total

    return f()


@program
def while_loop_state_with_python_float_and_tensor_mix(tf):
    @tf.function
    def f(x):
        rate = 1.0
        while x > 1.0:
            x = x / 2.0
            rate = rate * 0.5
        return x, rate

    return f(tf.constant(10.0))


@program
def nested_break_in_while_inside_for(tf):
    @tf.function
    def f(n):
        total = tf.constant(0)
        for i in tf.range(n):
            j = tf.constant(0)
            while j < 100:
                if j >= i:
                    break
                total += 1
                j += 1
        return total

    return f(tf.constant(5))


@program
def function_method_traces_per_instance(tf):
    class Scale(tf.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k

        @tf.function
        def __call__(self, x):
            if x > 0.0:
                return x * self.k
            return x

    a, b = Scale(2.0), Scale(3.0)
    outs = [a(tf.constant(1.0)), b(tf.constant(1.0)), a(tf.constant(2.0))]
    return outs, a.__call__.experimental_get_tracing_count(), b.__call__.experimental_get_tracing_count()


@program
@H.raises("OperatorNotAllowedInGraphError")
def keras_layer_call_is_not_converted(tf):
    class Gate(tf.keras.layers.Layer):
        def call(self, x, training=False):
            if training:
                x = x * 0.5
            if tf.reduce_sum(x) > 0.0:
                return x + 1.0
            return x - 1.0

    layer = Gate()

    @tf.function
    def g(x, t):
        return layer(x, training=t)

    return g(tf.constant([1.0, 2.0]), True)


@program
def retrace_on_python_list_argument_length(tf):
    @tf.function
    def f(values):
        total = tf.constant(0.0)
        for v in values:
            if v > 0.0:
                total += v
        return total

    outs = [f([tf.constant(1.0), tf.constant(-2.0)]), f([tf.constant(3.0), tf.constant(4.0)]),
            f([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)])]
    return outs, f.experimental_get_tracing_count()


@program
def tensor_kwargs_and_if(tf):
    @tf.function
    def f(x, *, scale, shift=None):
        if shift is not None:
            x = x + shift
        if scale > 1.0:
            x = x * scale
        return x

    return (f(tf.constant(1.0), scale=tf.constant(3.0)),
            f(tf.constant(1.0), scale=tf.constant(0.5), shift=tf.constant(2.0)),
            f.experimental_get_tracing_count())



@program
def dict_entry_assigned_in_staged_branch(tf):
    @tf.function
    def f(x):
        d = {"v": x, "sign": tf.constant(0)}
        if x > 0.0:
            d["v"] = x * 2.0
            d["sign"] = tf.constant(1)
        return d

    return f(tf.constant(1.0)), f(tf.constant(-1.0))


@program
def object_attribute_updated_in_staged_loop(tf):
    class Acc:
        pass

    @tf.function
    def f(n):
        acc = Acc()
        acc.total = tf.constant(0)
        for i in tf.range(n):
            acc.total = acc.total + i
        return acc.total

    return f(tf.constant(5))



@program
def tape_outside_function_through_data_dependent_while(tf):
    w = tf.Variable(1.5)

    @tf.function
    def f(x):
        while tf.reduce_sum(x) < 10.0:
            x = x * w
        return x

    out = []
    for start in ([1.0, 0.5], [3.0, 4.0]):
        with tf.GradientTape() as tape:
            y = f(tf.constant(start))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append((y, tape.gradient(y, w)))
    return out


@program
def tape_inside_function_through_break_and_continue(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.constant(0.0)
            for i in tf.range(10):
                if i % 2 == 1:
                    continue
                y = y + x * tf.cast(i, tf.float32)
                if y > 5.0:
                    break
        return y, tape.gradient(y, x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(tf.constant(1.0)), f(tf.constant(0.1))



@program
def tape_inside_function_variable_gradient_through_if(tf):
    w = tf.Variable([0.5, -0.25])

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            y = x
            if tf.reduce_sum(x) > 0:
                y = tf.tanh(y * w)
            else:
                y = y * w * w
            loss = tf.reduce_sum(y)
        return loss, tape.gradient(loss, w)

    return f(tf.constant([1.0, 2.0])), f(tf.constant([-1.0, -2.0]))


# -- shape-dynamic staged code: the call runs as Python (tapejax), TF's dynamic shapes (TF) -------
@program
def if_branch_shapes_differ_gradient_through_a_tape_outside(tf):
    x = tf.Variable(XV)

    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x[:2] * x[:2]
        else:
            y = x[:3] * 3.0
        return tf.reduce_sum(y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = []
        for sign in (1.0, -1.0):
            x.assign(sign * np.abs(XV))
            with tf.GradientTape() as tape:
                y = f(x)
            outs.append((y, tape.gradient(y, x)))
        return outs


@program
def if_branch_shapes_differ_gradient_through_a_tape_inside(tf):
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            if tf.reduce_sum(x) > 0:
                y = tf.sin(x[:2])
            else:
                y = x[1:] ** 2
            loss = tf.reduce_sum(y)
        return loss, tape.gradient(loss, x)

    return f(tf.constant(np.abs(XV))), f(tf.constant(-np.abs(XV)))


@program
def dynamic_tensor_array_in_a_tf_range_loop_under_tapes(tf):
    w = tf.Variable(1.5)

    @tf.function
    def f(n):
        with tf.GradientTape() as inner:
            ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
            for i in tf.range(n):
                ta = ta.write(i, w * tf.cast(i, tf.float32))
            total = tf.reduce_sum(ta.stack() ** 2)
        return total, inner.gradient(total, w), ta.size()

    with tf.GradientTape() as outer:
        total, inner_grad, size = f(tf.constant(4))
    return total, inner_grad, size, outer.gradient(total, w), f(tf.constant(2))


@program
def loop_variable_growing_within_its_shape_invariant_under_a_tape(tf):
    w = tf.Variable([2.0])

    @tf.function
    def f(n):
        x = w * 1.0
        while tf.size(x) < n:
            tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None]))])
            x = tf.concat([x, x * w], 0)
        return tf.reduce_sum(x)

    with tf.GradientTape() as tape:
        y = f(tf.constant(3))
    return y, tape.gradient(y, w), f(tf.constant(1))


@program
@H.raises("ValueError")
def loop_variable_outside_its_shape_invariant(tf):
    @tf.function
    def f(n):
        x = tf.zeros([1, 2])
        while tf.size(x) < n:
            tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None, 3]))])
            x = tf.concat([x, x], 0)
        return x

    return f(tf.constant(5))


@program
@H.raises("ValueError")
def loop_variable_shape_change_without_invariant(tf):
    @tf.function
    def f(n):
        x = tf.constant([1.0])
        while tf.size(x) < n:
            x = tf.concat([x, x], 0)
        return x

    return f(tf.constant(5))


@program
def a_function_run_as_python_after_a_fallback_counts_traces_per_signature(tf):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x[:2]
        else:
            y = x[:3]
        return tf.shape(y)

    counts = []
    for values in ([1.0, 2.0, 3.0, 4.0], [-1.0, 2.0, -3.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0], [5.0, 4.0, 3.0, 2.0, 1.0]):
        f(tf.constant(values))
        counts.append(f.experimental_get_tracing_count())
    return counts

@program
def dynamic_tensor_array_grown_by_a_tf_while_loop(tf):
    @tf.function
    def fill(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])
        _, out = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32))),
                               [tf.constant(0), ta])
        return out.stack()

    return fill(tf.constant(2)), fill(tf.constant(3))

@program
def tf_while_loop_shape_invariants_allow_growth(tf):
    @tf.function
    def f(n):
        x = tf.constant([1.0])
        i = tf.constant(0)
        return tf.while_loop(lambda i, x: tf.size(x) < n, lambda i, x: (i + 1, tf.concat([x, x * 2.0], 0)),
                             [i, x], shape_invariants=[i.shape, tf.TensorShape([None])])

    return f(tf.constant(5)), f(tf.constant(1))

@program
@H.raises("InvalidArgumentError")
def loop_var_none_before_a_loop_that_runs_zero_times(tf):
    @tf.function
    def f(n):
        i = tf.constant(0)
        y = None
        while i < n:
            y = i * 2
            i += 1
        return y

    return f(tf.constant(0))

# -- returns in if/elif chains (TF's ConditionalReturnRewriter) -----------------------------------
@program
@H.raises("ValueError")
def return_in_if_elif_followed_by_a_return(tf):
    @tf.function
    def f(x):
        if x > 5:
            return tf.constant(2)
        elif x > 0:
            return tf.constant(1)
        return tf.constant(0)

    return f(tf.constant(6))


@program
@H.raises("ValueError")
def return_in_a_nested_if_of_the_else_followed_by_a_return(tf):
    @tf.function
    def f(x):
        if x > 5:
            return tf.constant(2)
        else:
            if x > 0:
                return tf.constant(1)
        return tf.constant(0)

    return f(tf.constant(6))


@program
@H.raises("ValueError")
def return_in_else_with_a_nested_if_in_the_body(tf):
    @tf.function
    def f(x):
        if x > 5:
            if x > 8:
                return tf.constant(9)
        else:
            return tf.constant(1)
        return tf.constant(5)

    return f(tf.constant(9))


@program
def return_in_if_followed_by_statements_and_another_if_return(tf):
    @tf.function
    def f(x):
        y = tf.constant(0)
        if x > 5:
            return tf.constant(2)
        y = y + 1
        if x > 0:
            return y
        return tf.constant(0)

    return [f(tf.constant(v)) for v in (6, 1, -1)]


@program
def return_inside_a_with_in_an_if_counts_as_a_return(tf):
    @tf.function
    def f(x):
        if x > 5:
            with tf.name_scope("a"):
                return tf.constant(9)
        return tf.constant(5)

    return f(tf.constant(9)), f(tf.constant(1))


@program
def return_in_an_elif_chain_ending_in_else(tf):
    @tf.function
    def f(x):
        if x > 10:
            return tf.constant(3)
        elif x > 5:
            return tf.constant(2)
        else:
            return tf.constant(0)

    return [f(tf.constant(v)) for v in (11, 6, -1)]


# -- conditions of converted statements ---------------------------------------------------------
@program
@H.raises("ValueError")
def if_on_an_int_tensor_argument(tf):
    @tf.function
    def f(x):
        if x:
            return x + 1
        return x - 1

    return f(tf.constant(2))


@program
def if_on_a_one_element_bool_tensor(tf):
    @tf.function
    def f(x):
        if x > 0.0:
            x = x + 1.0
        return x

    return f(tf.constant([1.0])), f(tf.constant([-1.0]))


@program
def loop_var_none_before_a_tf_range_loop_becomes_tensor(tf):
    @tf.function
    def f(n):
        y = None
        for i in tf.range(n):
            y = tf.cast(i, tf.float32) * 2.0
        return y

    return f(tf.constant(3))


def _core_message(raised):
    """The first sentence of TF's error itself, past AutoGraph's "in user code:" frame listing."""
    lines = raised.message.split("\n")
    if lines[0].strip() == "in user code:":
        prefix = raised.type_name + ": "
        found = next((line.strip() for line in lines[1:] if line.strip().startswith(prefix)), None)
        lines = [found[len(prefix):]] if found is not None else lines
    text = lines[0].strip()
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program(name):
    prog = PROGRAMS[name]
    options = dict(prog.options)
    check_messages = options.pop("messages", True)
    expected = H.run(prog, "tensorflow")
    H.check_declared(expected, H.declared(prog))
    got = H.run(prog, "tapejax")
    H.assert_same(expected, got, messages=False, **options)
    if isinstance(expected, H.Raised) and check_messages:
        assert _core_message(got) == _core_message(expected), (
            f"message differs.\nTF:      {expected.message!r}\ntapejax: {got.message!r}")
