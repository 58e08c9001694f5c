"""tf.function programs run on TF and on tapejax.function."""

import numpy as np

from compat_tests._harness import raises


def _data():
    rs = np.random.RandomState(7)
    return rs.randn(8, 3).astype(np.float32), rs.randn(8, 1).astype(np.float32)


def test_training_step_in_function_matches(compare):
    def program(tf):
        x, y = (tf.constant(a) for a in _data())
        w = tf.Variable(np.full((3, 1), 0.1, np.float32))
        b = tf.Variable(np.zeros(1, np.float32))

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((x @ w + b - y) ** 2)
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            return loss

        losses = [step(x, y) for _ in range(5)]
        return losses, w, b, step.experimental_get_tracing_count()
    compare(program)


def test_retrace_on_new_shape_and_python_value(compare):
    def program(tf):
        @tf.function
        def f(x, k):
            return x * k

        outs = [f(tf.constant([1.0, 2.0]), 2.0), f(tf.constant([1.0, 2.0, 3.0]), 2.0),
                f(tf.constant([1.0, 2.0]), 3.0), f(tf.constant([5.0, 6.0]), 2.0)]
        return outs, f.experimental_get_tracing_count()
    compare(program)


def test_variable_created_on_first_call_only(compare):
    def program(tf):
        holder = []

        @tf.function
        def f(x):
            if not holder:
                holder.append(tf.Variable(3.0))
            return holder[0] * x

        return [f(tf.constant(2.0)), f(tf.constant(4.0))]
    compare(program)


def test_variable_created_every_call_raises(compare):
    @raises("ValueError")
    def program(tf):
        @tf.function
        def f(x):
            return tf.Variable(1.0) * x

        f(tf.constant(1.0))
        return f(tf.constant(2.0))
    compare(program, messages=False)


def test_gradient_of_function_call_under_eager_tape(compare):
    def program(tf):
        w = tf.Variable([1.0, -2.0])

        @tf.function
        def f(x):
            return tf.reduce_sum(tf.sin(x * w) ** 2)

        x = tf.constant([0.3, 0.7])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return y, tape.gradient(y, [x, w])
    compare(program)


def test_nested_tapes_and_jacobian_inside_function(compare):
    def program(tf):
        @tf.function
        def hessian(x):
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = tf.reduce_sum(tf.exp(x) * x ** 2)
                g = inner.gradient(y, x)
            return g, outer.jacobian(g, x)

        return hessian(tf.constant([0.5, -1.0, 2.0]))
    compare(program, rtol=1e-5)


def test_run_functions_eagerly(compare):
    def program(tf):
        seen = []

        @tf.function
        def f(x):
            seen.append(1)
            return x + 1.0

        tf.config.run_functions_eagerly(True)
        try:
            out = [f(tf.constant(1.0)), f(tf.constant(2.0))]
        finally:
            tf.config.run_functions_eagerly(False)
        return out, len(seen), tf.config.functions_run_eagerly()
    compare(program)


def test_unhashable_python_argument_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        class Unhashable:
            __hash__ = None

            def __init__(self, v):
                self.v = v

        @tf.function
        def f(x, u):
            return x * u.v

        return f(tf.constant(1.0), Unhashable(2.0))
    compare(program, messages=False)


def test_arguments_are_bound_before_tracing_so_keywords_and_defaults_share_a_trace(compare):
    def program(tf):
        @tf.function
        def f(x, y=2.0):
            return x * y

        outs = [f(tf.constant(1.0)), f(x=tf.constant(2.0)), f(tf.constant(1.0), 2.0), f(tf.constant(1.0), y=2.0),
                f(tf.constant(1.0), y=3.0), f(y=3.0, x=tf.constant(5.0))]
        return outs, f.experimental_get_tracing_count()
    compare(program)


def test_concrete_function_of_keyword_specs_takes_its_tensor_positionally(compare):
    def program(tf):
        @tf.function
        def power(base, exponent):
            return base ** exponent

        squarer = power.get_concrete_function(base=tf.TensorSpec([], tf.float32), exponent=2)
        return (squarer(tf.constant(3.0)), squarer(base=tf.constant(4.0)), str(squarer.structured_input_signature),
                power.experimental_get_tracing_count())
    compare(program)


def test_tracing_protocol_keys_the_trace_by_the_objects_trace_type(compare):
    def program(tf):
        class KindType(tf.types.experimental.TraceType):
            def __init__(self, obj):
                self.kind, self.obj = type(obj), obj

            def is_subtype_of(self, other):
                return self == other

            def most_specific_common_supertype(self, others):
                return self if all(self == o for o in others) else None

            def placeholder_value(self, placeholder_context=None):
                return self.obj

            def __eq__(self, other):
                return type(other) is KindType and self.kind is other.kind

            def __hash__(self):
                return hash(self.kind)

        class Food:
            def __tf_tracing_type__(self, context):
                return KindType(self)

        class Pear(Food):
            taste = tf.constant([1, 2])

        class Plum(Food):
            taste = tf.constant([3, 4])

        @tf.function
        def combined(left, right):
            return left.taste + right.taste

        outs = [combined(Pear(), Plum()), combined(Pear(), Plum()), combined(Plum(), Pear())]
        return outs, combined.experimental_get_tracing_count(), issubclass(KindType, tf.types.experimental.TraceType)
    compare(program)


def test_traced_scalar_indices_select_and_differentiate(compare):
    def program(tf):
        @tf.function
        def pick(x, i):
            return x[i], x[i, 1:], x[:, i], x[..., i], x[-i], x[i][i]

        x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = pick(x, tf.constant(1))
        return out, tape.gradient(tf.reduce_sum(out[0]) + tf.reduce_sum(out[2]), x), pick.experimental_get_tracing_count()
    compare(program)


def test_concrete_function_graph_nodes_name_their_inputs(compare):
    def program(tf):
        @tf.function
        def f(x):
            return tf.exp(x) + x

        graph = f.get_concrete_function(tf.TensorSpec([2], tf.float32)).graph
        nodes = graph.as_graph_def().node
        by_name = {n.name: list(n.input) for n in nodes}
        return nodes[0].name, by_name["x"], "x" in sum(by_name.values(), [])
    compare(program)


def test_concrete_function_called_with_another_python_value_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        @tf.function
        def power(base, exponent):
            return base ** exponent

        squarer = power.get_concrete_function(base=tf.TensorSpec([], tf.float32), exponent=2)
        assert float(squarer(tf.constant(10.0), exponent=2)) == 100.0
        return squarer(tf.constant(10.0), exponent=3)
    compare(program, messages=False)  # TF's message goes on to print the whole signature


def test_input_signature_with_none_dimensions_traces_once_for_every_length(compare):
    def program(tf):
        seen = []

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([], tf.int32)])
        def f(x, k):
            seen.append((str(x), x.shape.as_list(), str(k)))
            rows = tf.shape(x)[0]
            return tf.reduce_sum(x, axis=1) * tf.cast(rows + k, tf.float32), tf.size(x), tf.shape(x)

        outs = [f(tf.ones([n, 2]), tf.constant(n)) for n in (1, 3, 2, 3)]
        return outs, seen, f.experimental_get_tracing_count(), f.pretty_printed_concrete_signatures()
    compare(program)


def test_reduce_retracing_relaxes_the_dimensions_that_changed(compare):
    def program(tf):
        seen = []

        @tf.function(reduce_retracing=True)
        def f(x, scale):
            seen.append(x.shape.as_list())
            return tf.reduce_mean(x, axis=0) * scale + tf.cast(tf.shape(x)[0], tf.float32)

        outs = [f(tf.ones(shape), 2.0) for shape in [(2, 3), (4, 3), (5, 3), (5, 4), (6, 7), (2, 2)]]
        return outs, seen, f.experimental_get_tracing_count()
    compare(program)


def test_a_concrete_function_of_a_none_spec_serves_later_calls_of_the_function(compare):
    def program(tf):
        @tf.function
        def f(x):
            if tf.reduce_sum(x) > 0:
                return x + 1.0
            return x - 1.0

        concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
        outs = [concrete(tf.constant([1.0, 2.0])), concrete(tf.constant([-5.0])), f(tf.constant([3.0, 4.0, 5.0]))]
        return (outs, f.experimental_get_tracing_count(), str(concrete.structured_input_signature),
                concrete.structured_outputs.shape.as_list())
    compare(program)


def test_reads_after_an_assignment_in_a_function_differentiate_as_the_variable(compare):
    def program(tf):
        v = tf.Variable(1.0)

        @tf.function
        def f(x):
            v.assign_add(tf.reduce_sum(x))
            return tf.reduce_sum(x * v)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def g(x):
            v.assign(v * 2.0)
            return tf.reduce_sum(x) * v

        grads = []
        for fn in (f, g):
            x = tf.constant([1.0, 2.0])
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = fn(x)
            grads.append((y, tape.gradient(y, [x, v])))
        return grads, v
    compare(program)


def test_tf_print_in_a_function_with_none_dimensions_traces_once(compare):
    def program(tf):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def f(x):
            tf.print(tf.shape(x))
            return x * 2.0

        return [f(tf.constant([1.0, 2.0])), f(tf.constant([3.0]))], f.experimental_get_tracing_count()
    compare(program)


def test_traced_op_outputs_are_named_as_tf_names_them(compare):
    def program(tf):
        names = []

        @tf.function
        def f(a, b):
            x = a + b
            outputs = [x, tf.reduce_sum(x), tf.add(x, 1.0), tf.multiply(x, 2.0), x * 3.0, x > 0, x - 1.0, x / 2.0,
                       -x, tf.square(x), tf.nn.relu(x), tf.exp(x), tf.reduce_mean(x), tf.maximum(x, 0.0), tf.abs(x),
                       x ** 2, tf.matmul(tf.reshape(x, [1, -1]), tf.reshape(x, [-1, 1])), tf.sigmoid(x), tf.tanh(x),
                       tf.math.log(x), tf.expand_dims(x, 0), tf.identity(x), tf.cast(x, tf.int32), a + b]
            names.extend(t.name for t in outputs)
            with tf.name_scope("block"):
                names.append((x * 2.0).name)
                names.append(str(tf.reduce_sum(x)))
            names.append(repr(x))
            return x

        f(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]))
        return names
    compare(program)


def test_a_tensor_made_in_a_staged_branch_and_kept_in_a_list_is_named_in_the_error(compare):
    def program(tf):
        @tf.function
        def f(x):
            kept = []
            if x > 0.0:
                kept.append(tf.square(x))
            else:
                kept.append(x + 1.0)
            return kept[0]

        return f(tf.constant(2.0))
    compare(program, raises="InaccessibleTensorError")


def test_ops_in_staged_branches_are_named_under_cond_and_names_stay_unique_after(compare):
    def program(tf):
        seen = []

        @tf.function
        def f(x):
            seen.extend([(x + 1.0).name, tf.add(x, 1.0).name, (x * 2.0).name, tf.multiply(x, 2.0).name])
            if x > 0.0:
                y = x * 2.0
                seen.append(y.name)
            else:
                y = x * 3.0
                seen.append(y.name)
            seen.append((x * 4.0).name)
            return y

        f(tf.constant(1.0))
        return seen
    compare(program)


def test_a_concrete_function_runs_its_traced_graph_on_inputs_of_other_shapes(compare):
    def program(tf):
        scale = {"factor": 2.0}
        v = tf.Variable(1.0)

        @tf.function
        def f(x):
            v.assign_add(1.0)
            return x * scale["factor"] + v + tf.cast(tf.reduce_sum(tf.shape(x)), tf.float32)

        scalar = f.get_concrete_function(tf.constant(1.0))
        vector = f.get_concrete_function(tf.constant([1.0, 2.0, 3.0]))
        scale["factor"] = 100.0  # the traced graphs keep the Python value of their trace
        results = [scalar(tf.constant([3.0])), scalar(tf.constant([1.0, 2.0])), scalar(tf.constant([[1.0]])),
                   vector(tf.constant([1.0])), vector(tf.constant([1.0, 2.0, 3.0, 4.0])), vector(tf.constant(2.0))]
        return results, v, f.experimental_get_tracing_count()
    compare(program)


def test_a_function_with_none_dimensions_and_tf_print_runs_every_shape_from_one_trace(compare):
    def program(tf):
        calls = []

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def f(x):
            calls.append(1)
            tf.print("rows", tf.shape(x)[0])
            return tf.reduce_sum(x * 3.0, axis=1) + tf.cast(tf.shape(x)[0], tf.float32)

        outs = [f(tf.ones([n, 2])) for n in (1, 3, 5)]
        return outs, len(calls), f.experimental_get_tracing_count()
    compare(program)
