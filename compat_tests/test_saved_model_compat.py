"""tf.saved_model: programs that save an object, load it back and use it, on TF and on tapejax.

They compare restored values, the outputs of restored functions and signatures, gradients through a
loaded function (w.r.t. the loaded Variables and the inputs), which functions and signatures TF
saves, TF's signature naming (`output_0`, dict keys, argument or TensorSpec names), and the error
classes of bad calls and bad directories. Every directory is a fresh temporary one.
"""

import os
import tempfile

import numpy as np

from compat_tests._harness import raises

X = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)


def _save_load(tf, obj, **kwargs):
    path = os.path.join(tempfile.mkdtemp(), "model")
    tf.saved_model.save(obj, path, **kwargs)
    return tf.saved_model.load(path)


def _module(tf):
    class Model(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([1.5, -2.0], name="w")
            self.b = tf.Variable(0.5, trainable=False, name="b")
            self.sub = tf.Module()
            self.sub.v = tf.Variable(3.0)
            self.counts = [tf.Variable(1), tf.Variable(np.int64(2))]
            self.table = {"scale": tf.Variable(np.float64(0.25))}

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="inp")])
        def __call__(self, x):
            return tf.reduce_sum(x * self.w, axis=1) + self.b

        @tf.function
        def traced(self, x, scale=2.0):
            return {"a": x * scale * self.sub.v, "b": (x, x + 1.0)}

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def set_bias(self, value):
            self.b.assign(value)
            return self.b * 2.0

    return Model()


def test_module_round_trip_restores_variables_and_structure(compare):
    def program(tf):
        loaded = _save_load(tf, _module(tf))
        return (loaded.w, loaded.b, loaded.sub.v, list(loaded.counts), loaded.table["scale"],
                loaded.w.name, loaded.w.trainable, loaded.b.trainable,
                hasattr(loaded, "variables"), hasattr(loaded, "trainable_variables"))
    compare(program)


def test_restored_functions_follow_tf_argument_rules(compare):
    def program(tf):
        m = _module(tf)
        m.traced(tf.constant([1.0]))
        m.traced(tf.constant([1.0, 2.0]), 3.0)
        loaded = _save_load(tf, m)
        return (loaded(tf.constant(X)), loaded(X[:1]),
                loaded.traced(tf.constant([5.0])), loaded.traced(x=tf.constant([5.0])),
                loaded.traced(tf.constant([5.0, 6.0]), 3.0), loaded.traced(tf.constant([5.0, 6.0]), scale=3.0))
    compare(program)


def test_loaded_function_reads_loaded_variables_and_writes_them(compare):
    def program(tf):
        loaded = _save_load(tf, _module(tf))
        before = loaded(tf.constant(X))
        loaded.w.assign([10.0, 1.0])
        after_assign = loaded(tf.constant(X))
        written = loaded.set_bias(tf.constant(-4.0))
        return before, after_assign, written, loaded.b, loaded(tf.constant(X))
    compare(program)


def test_gradients_through_a_loaded_function(compare):
    def program(tf):
        loaded = _save_load(tf, _module(tf))
        x = tf.constant(X)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = tf.reduce_sum(loaded(x) ** 2)
        return tape.gradient(y, [loaded.w, loaded.b]), tape.gradient(y, x)
    compare(program)


def test_second_order_gradient_through_a_loaded_function(compare):
    def program(tf):
        class Cubic(tf.Module):
            def __init__(self):
                self.w = tf.Variable(2.0)

            @tf.function(input_signature=[tf.TensorSpec([])])
            def f(self, x):
                return x ** 3 * self.w

        loaded = _save_load(tf, Cubic())
        x = tf.constant(1.5)
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = loaded.f(x)
            g = inner.gradient(y, x)
        return g, outer.gradient(g, [x, loaded.w])
    compare(program)


def test_fine_tuning_a_loaded_module(compare):
    def program(tf):
        loaded = _save_load(tf, _module(tf))
        target = tf.constant([1.0, 0.0])
        losses = []
        for _ in range(5):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((loaded(tf.constant(X)) - target) ** 2)
            grad = tape.gradient(loss, loaded.w)
            loaded.w.assign_sub(0.05 * grad)
            losses.append(loss)
        return losses, loaded.w
    compare(program, rtol=1e-5)


def test_a_fine_tuned_loaded_object_saves_again(compare):
    def program(tf):
        class One(tf.Module):
            def __init__(self):
                self.w = tf.Variable(2.0)
                self.sub = tf.Module()
                self.sub.v = tf.Variable(1.0)

            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def f(self, x):
                return x * self.w + self.sub.v

        loaded = _save_load(tf, One())
        loaded.w.assign(5.0)
        again = _save_load(tf, loaded)
        return (again.w, again.sub.v, again.f(tf.constant([1.0, 2.0])), list(again.signatures),
                again.signatures["serving_default"](x=tf.constant([1.0])))
    compare(program)


def test_loaded_function_called_inside_a_function(compare):
    def program(tf):
        loaded = _save_load(tf, _module(tf))

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(loaded(x))
            return y, tape.gradient(y, loaded.w)
        return step(tf.constant(X))
    compare(program)


def test_default_serving_signature_of_the_one_function_with_an_input_signature(compare):
    def program(tf):
        class One(tf.Module):
            def __init__(self):
                self.w = tf.Variable(2.0)

            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def f(self, x):
                return x * self.w

        loaded = _save_load(tf, One())
        sig = loaded.signatures["serving_default"]
        inputs = sig.structured_input_signature
        outputs = sig.structured_outputs
        return (list(loaded.signatures), inputs[0], {k: (tuple(v.shape), v.dtype, v.name) for k, v in inputs[1].items()},
                {k: (tuple(v.shape), v.dtype, v.name) for k, v in outputs.items()}, sig(x=tf.constant([1.0, 3.0])))
    compare(program)


def test_saving_traces_an_input_signature_function_once(compare):
    def program(tf):
        class One(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def f(self, x):
                return x * 2.0

        class Two(tf.Module):
            @tf.function
            def f(self, x):
                return x * 2.0

        fresh, called, traced = One(), One(), Two()
        called.f(tf.constant([1.0, 2.0, 3.0]))
        traced.f(tf.constant(1.0))
        counts = []
        for _ in range(2):
            for m in (fresh, called, traced):
                _save_load(tf, m)
                counts.append(m.f.experimental_get_tracing_count())
        fresh.f(tf.constant([1.0]))
        return counts, fresh.f.experimental_get_tracing_count()
    compare(program)


def test_restored_concrete_functions_describe_their_signature(compare):
    def program(tf):
        class One(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def f(self, x):
                return {"y": x * 2.0}

        loaded = _save_load(tf, One())
        (concrete,) = loaded.f.concrete_functions
        args, kwargs = concrete.structured_input_signature
        return ([(tuple(a.shape), a.dtype, a.name) for a in args], kwargs,
                {k: (tuple(v.shape), v.dtype) for k, v in concrete.structured_outputs.items()})
    compare(program)


def test_no_default_signature_without_exactly_one_input_signature(compare):
    def program(tf):
        m = _module(tf)  # two functions with an input_signature
        m.traced(tf.constant([1.0]))

        class Traced(tf.Module):
            @tf.function
            def f(self, x):
                return x

        t = Traced()
        t.f(tf.constant(1.0))
        return list(_save_load(tf, m).signatures), list(_save_load(tf, t).signatures)
    compare(program)


def test_signatures_argument_and_output_naming(compare):
    def program(tf):
        class Outs(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32, name="inp"), tf.TensorSpec([], tf.int32)])
            def pair(self, x, n):
                return x, x * tf.cast(n, tf.float32)

            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def named(self, x):
                return {"y": x, "z": x + 1.0}

            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def listed(self, x):
                return [x, -x]

        m = Outs()
        loaded = _save_load(tf, m, signatures={"pair": m.pair, "named": m.named, "listed": m.listed})
        described = {}
        for name in ("pair", "named", "listed"):
            sig = loaded.signatures[name]
            described[name] = (sorted(sig.structured_input_signature[1]), sorted(sig.structured_outputs))
        x = tf.constant([1.0, 2.0])
        return (sorted(loaded.signatures), described, loaded.signatures["pair"](inp=x, n=tf.constant(3)),
                loaded.signatures["named"](x=x), loaded.signatures["listed"](x=x), loaded.pair(x, 2))
    compare(program)


def test_a_python_value_returned_by_a_signature_function_is_a_tensor_output(compare):
    def program(tf):
        m = tf.Module()
        m.f = tf.function(lambda x: (x, 3), input_signature=[tf.TensorSpec([])])
        loaded = _save_load(tf, m, signatures=m.f)
        return loaded.signatures["serving_default"](x=tf.constant(2.0)), loaded.f(tf.constant(1.0))
    compare(program)


def test_a_function_passed_as_signatures_is_serving_default(compare):
    def program(tf):
        class One(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
            def f(self, x):
                return x + 1.0

        m = One()
        loaded = _save_load(tf, m, signatures=m.f)
        return list(loaded.signatures), loaded.signatures["serving_default"](x=tf.constant([1.0, 2.0, 3.0]))
    compare(program)


def test_free_function_attribute_and_python_argument_conversion(compare):
    def program(tf):
        m = tf.Module()
        m.v = tf.Variable(1.0)
        m.f = tf.function(lambda x: x + m.v, input_signature=[tf.TensorSpec([])])
        loaded = _save_load(tf, m)
        return loaded.f(1.0), loaded.f(tf.constant(2.5)), list(loaded.signatures)
    compare(program)


def test_concrete_functions_as_attribute_and_as_signature(compare):
    def program(tf):
        class Doubler(tf.Module):
            def __init__(self):
                self.v = tf.Variable(2.0)

            @tf.function
            def f(self, x, power=1):
                return x ** power * self.v

        m = Doubler()
        m.c = m.f.get_concrete_function(tf.TensorSpec([None], tf.float32, name="values"))
        loaded = _save_load(tf, m, signatures={"sq": m.f.get_concrete_function(tf.TensorSpec([3]), 2)})
        sig = loaded.signatures["sq"]
        return (loaded.c(tf.constant([1.0, 2.0])), loaded.c(tf.constant([1.0, 2.0, 4.0])),
                sorted(loaded.signatures), sorted(sig.structured_input_signature[1]),
                sig(x=tf.constant([1.0, 2.0, 3.0])))
    compare(program)


def test_python_list_arguments_are_part_of_a_saved_trace(compare):
    def program(tf):
        class Stack(tf.Module):
            def __init__(self):
                self.w = tf.Variable(np.ones((3, 2), np.float32))

            @tf.function
            def __call__(self, inputs):
                return tf.nn.relu(tf.convert_to_tensor(inputs) @ self.w)

        m = Stack()
        m([[2.0, 2.0, 2.0]])
        m([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]])
        loaded = _save_load(tf, m)
        return loaded([[2.0, 2.0, 2.0]]), loaded([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]])
    compare(program)


def test_a_tensor_where_a_python_list_was_traced_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        class Stack(tf.Module):
            @tf.function
            def __call__(self, inputs):
                return tf.convert_to_tensor(inputs) * 2.0

        m = Stack()
        m([[2.0, 2.0, 2.0]])
        _save_load(tf, m)(tf.constant([[2.0, 2.0, 2.0]]))
    compare(program)


def test_random_ops_in_a_saved_function_draw_on_each_call(tf):
    class R(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([4], tf.float32)])
        def f(self, x):
            return x + tf.random.uniform([4])

    loaded = _save_load(tf, R())
    a, b = loaded.f(tf.zeros([4])), loaded.f(tf.zeros([4]))
    assert a.dtype == tf.float32 and tuple(a.shape) == (4,)
    assert not np.array_equal(a.numpy(), b.numpy())
    assert np.all((a.numpy() >= 0) & (a.numpy() < 1))


def test_custom_gradient_is_kept_by_a_saved_function(compare):
    def program(tf):
        @tf.custom_gradient
        def clip(x):
            return x, lambda dy: tf.clip_by_norm(dy, 0.5)

        class Holder(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def f(self, x):
                return clip(x) * 3.0

        loaded = _save_load(tf, Holder(), options=tf.saved_model.SaveOptions(experimental_custom_gradients=True))
        v = tf.Variable([2.0, 1.0])
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(loaded.f(v * v))
        return tape.gradient(y, v), tf.saved_model.SaveOptions().experimental_custom_gradients
    compare(program)


# -- Keras ----------------------------------------------------------------------------------------
def _keras_model(tf):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    model.set_weights([np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]], np.float32),
                       np.array([0.1, -0.2], np.float32)])
    return model


def test_keras_export_serves_and_fine_tunes(compare):
    def program(tf):
        model = _keras_model(tf)
        path = os.path.join(tempfile.mkdtemp(), "exported")
        model.export(path, verbose=False)
        loaded = tf.saved_model.load(path)
        x = tf.constant(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]], np.float32))
        sig = loaded.signatures["serving_default"]
        (name, spec), = sig.structured_input_signature[1].items()
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(loaded.serve(x) ** 2)
        grads = tape.gradient(loss, list(loaded.trainable_variables))
        return (sorted(loaded.signatures), (tuple(spec.shape), spec.dtype), sorted(sig.structured_outputs),
                loaded.serve(x), sig(**{name: x}), model(x), grads, len(loaded.variables),
                list(loaded.non_trainable_variables))
    compare(program)


def test_keras_export_of_a_two_input_model(compare):
    def program(tf):
        a = tf.keras.Input((2,), name="a")
        b = tf.keras.Input((3,), name="b")
        dense = tf.keras.layers.Dense(1)
        model = tf.keras.Model([a, b], dense(tf.keras.layers.Concatenate()([a, b])))
        dense.set_weights([np.arange(5, dtype=np.float32).reshape(5, 1), np.array([0.5], np.float32)])
        path = os.path.join(tempfile.mkdtemp(), "two")
        model.export(path, verbose=False)
        loaded = tf.saved_model.load(path)
        xa, xb = np.ones((4, 2), np.float32), np.full((4, 3), 2.0, np.float32)
        sig = loaded.signatures["serving_default"]
        return (loaded.serve([xa, xb]), sorted(sig.structured_input_signature[1]),
                sig(a=tf.constant(xa), b=tf.constant(xb)))
    compare(program)


def test_saved_model_save_of_a_keras_model_keeps_a_serving_signature(compare):
    def program(tf):
        model = _keras_model(tf)
        loaded = _save_load(tf, model)
        sig = loaded.signatures["serving_default"]
        x = tf.constant(np.ones((4, 3), np.float32))
        spec = sig.structured_input_signature[1]["inputs"]
        return (list(loaded.signatures), tuple(spec.shape), sorted(sig.structured_outputs),
                sig(inputs=x)["output_0"], hasattr(loaded, "serve"))
    compare(program)


def test_keras_export_of_an_unbuilt_model_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.Sequential([tf.keras.layers.Dense(2)]).export(tempfile.mkdtemp())
    compare(program)


# -- bad calls and bad directories ------------------------------------------------------------------
def test_unmatched_call_of_a_traced_function_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        m = _module(tf)
        m.traced(tf.constant([1.0]))
        _save_load(tf, m).traced(tf.constant([1.0, 2.0, 3.0]))
    compare(program)


def test_never_traced_function_raises_value_error_when_called(compare):
    @raises("ValueError")
    def program(tf):
        _save_load(tf, _module(tf)).traced(tf.constant([1.0]))
    compare(program)


def test_call_outside_the_input_signature_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        _save_load(tf, _module(tf))(tf.constant([1.0, 2.0, 3.0]))
    compare(program, messages=False)


def test_signature_called_positionally_or_without_an_argument_raises_type_error(compare):
    def signature(tf):
        class One(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32), tf.TensorSpec([2], tf.float32)])
            def f(self, a, b):
                return a + b
        return _save_load(tf, One()).signatures["serving_default"]

    @raises("TypeError")
    def positional(tf):
        signature(tf)(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))

    @raises("TypeError")
    def missing(tf):
        signature(tf)(a=tf.constant([1.0, 2.0]))
    compare(positional, messages=False)
    compare(missing, messages=False)


def test_signature_with_nested_outputs_raises_value_error_at_save(compare):
    @raises("ValueError")
    def program(tf):
        class Nested(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def f(self, x):
                return [x, (x, {"q": x})]
        m = Nested()
        _save_load(tf, m, signatures={"nested": m.f})
    compare(program, messages=False)


def test_signature_from_a_function_without_input_signature_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        class Traced(tf.Module):
            @tf.function
            def f(self, x):
                return x
        m = Traced()
        _save_load(tf, m, signatures=m.f)
    compare(program, messages=False)


def test_saving_a_non_trackable_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        tf.saved_model.save(3, tempfile.mkdtemp())
    compare(program)


def test_loading_a_missing_directory_raises_os_error(compare):
    @raises("OSError")
    def program(tf):
        tf.saved_model.load("/nonexistent/saved_model_dir")
    compare(program)


def test_loading_an_empty_directory_raises_os_error(compare):
    @raises("OSError")
    def program(tf):
        tf.saved_model.load(tempfile.mkdtemp())
    compare(program, messages=False)


def test_loading_a_corrupted_directory_raises_os_error(compare):
    @raises("OSError")
    def program(tf):
        path = os.path.join(tempfile.mkdtemp(), "model")
        tf.saved_model.save(_module(tf), path)
        name = "saved_model.pb" if os.path.exists(os.path.join(path, "saved_model.pb")) else \
            "tapejax_saved_model.json"
        with open(os.path.join(path, name), "wb") as f:
            f.write(b"\x00garbage")
        tf.saved_model.load(path)
    compare(program, messages=False)


def test_contains_saved_model(compare):
    def program(tf):
        path = os.path.join(tempfile.mkdtemp(), "model")
        before = tf.saved_model.contains_saved_model(path)
        tf.saved_model.save(_module(tf), path)
        return before, tf.saved_model.contains_saved_model(path), tf.saved_model.contains_saved_model(
            tempfile.mkdtemp())
    compare(program)
