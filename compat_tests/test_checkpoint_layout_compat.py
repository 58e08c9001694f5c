"""The names a checkpoint lists (`tf.train.list_variables`, `load_checkpoint`'s maps) are TF 2.21's:
object-graph paths with `/.ATTRIBUTES/VARIABLE_VALUE`, `_CHECKPOINTABLE_OBJECT_GRAPH`, Keras 3's
layer and optimizer layout; and restoring follows that graph as TF does (deferred restoration,
optimizer slots by position, TF's errors)."""

import os
import warnings

import numpy as np
import pytest

from compat_tests._harness import raises

ITERATOR = "/.ATTRIBUTES/ITERATOR_STATE"
X = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)


def _listing(tf, path):
    """[(name, shape, dtype name)] of a checkpoint, sorted; an iterator state's shape left out
    (see test_an_iterator_state_is_listed_with_tfs_shape)."""
    reader = tf.train.load_checkpoint(path)
    shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
    assert sorted(shapes) == [name for name, _ in tf.train.list_variables(path)]
    return [(k, None if k.endswith(ITERATOR) else shapes[k], dtypes[k].name) for k in sorted(shapes)]


def _write(tf, tmp_path, name, ckpt):
    return ckpt.write(str(tmp_path / tf.__name__ / name))


def _train_once(tf, model, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(X) ** 2)
    variables = model.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def _sequential(tf, *units):
    keras = tf.keras
    return keras.Sequential([keras.Input(shape=(3,))] + [keras.layers.Dense(u) for u in units])


def _subclassed(tf):
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)
    return Net


# -- what is listed -----------------------------------------------------------------------------
def test_a_subclassed_model_optimizer_iterator_and_variable_list_tfs_names(compare, tmp_path):
    def program(tf):
        model, optimizer = _subclassed(tf)(), tf.keras.optimizers.Adam(0.1)
        _train_once(tf, model, optimizer)
        batches = iter(tf.data.Dataset.range(10).batch(2))
        next(batches)
        ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=optimizer, model=model, batches=batches)
        return _listing(tf, ckpt.save(str(tmp_path / tf.__name__ / "ckpt")))
    compare(program)


def test_a_sequential_and_a_functional_model_list_keras_operations(compare, tmp_path):
    def program(tf):
        keras = tf.keras
        seq = _sequential(tf, 2, 1)
        seq(X)
        unbuilt_input = keras.Sequential([keras.layers.Dense(2)])
        unbuilt_input(X)
        entry = keras.Input(shape=(3,))
        functional = keras.Model(entry, keras.layers.Dense(2)(keras.layers.Dense(4)(entry)))
        a, b = keras.Input(shape=(3,)), keras.Input(shape=(2,))
        added = keras.layers.Add()([keras.layers.Dense(4)(a), keras.layers.Dense(4)(b)])
        two_inputs = keras.Model([a, b], keras.layers.Dense(1)(added))
        nested = keras.Sequential([keras.Input(shape=(3,)), _sequential(tf, 2), keras.layers.Dense(1)])
        return [_listing(tf, _write(tf, tmp_path, name, tf.train.Checkpoint(model=m)))
                for name, m in (("seq", seq), ("seq2", unbuilt_input), ("fun", functional),
                                ("two", two_inputs), ("nested", nested))]
    compare(program)


def test_the_optimizer_names_a_sequential_models_variables_by_the_shorter_path(compare, tmp_path):
    def program(tf):
        model, optimizer = _sequential(tf, 2), tf.keras.optimizers.Adam(0.1)
        _train_once(tf, model, optimizer)
        both = tf.train.Checkpoint(model=model, optimizer=optimizer)
        alone = tf.train.Checkpoint(optimizer=optimizer)
        return (_listing(tf, _write(tf, tmp_path, "both", both)),
                _listing(tf, _write(tf, tmp_path, "alone", alone)))
    compare(program)


def test_a_compiled_model_saves_its_optimizer_under_it(compare, tmp_path):
    def program(tf):
        model = _sequential(tf, 2)
        model.compile(optimizer="adam", loss="mse")
        model.fit(X, np.ones((4, 2), np.float32), verbose=0)
        return _listing(tf, _write(tf, tmp_path, "compiled", tf.train.Checkpoint(model=model)))
    compare(program)


def test_keras_3_does_not_save_layers_held_in_lists_or_dicts_of_a_subclassed_model(compare, tmp_path):
    def program(tf):
        class Blocks(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.blocks = [tf.keras.layers.Dense(2), tf.keras.layers.Dense(2)]
                self.table = {"b": tf.keras.layers.Dense(1)}
                self.v = tf.Variable(1.0)
                self.w = self.add_weight(shape=(2,), name="mine")

            def call(self, x):
                return self.table["b"](self.blocks[1](self.blocks[0](x))) + self.v

        model = Blocks()
        model(X)
        return _listing(tf, _write(tf, tmp_path, "blocks", tf.train.Checkpoint(model=model)))
    compare(program)


@pytest.mark.parametrize("optimizer", ["sgd", "sgd_momentum", "rmsprop", "adagrad", "adamw",
                                       "adam_schedule", "adam_amsgrad", "adam_unbuilt"])
def test_keras_3_optimizer_layout(compare, tmp_path, optimizer):
    def program(tf):
        opts = tf.keras.optimizers
        make = {"sgd": lambda: opts.SGD(0.1), "sgd_momentum": lambda: opts.SGD(0.1, momentum=0.9),
                "rmsprop": lambda: opts.RMSprop(0.01), "adagrad": lambda: opts.Adagrad(0.1),
                "adamw": lambda: opts.AdamW(0.01),
                "adam_schedule": lambda: opts.Adam(opts.schedules.ExponentialDecay(0.1, 10, 0.9)),
                "adam_amsgrad": lambda: opts.Adam(0.1, amsgrad=True),
                "adam_unbuilt": lambda: opts.Adam(0.1)}[optimizer]
        opt = make()
        if optimizer != "adam_unbuilt":
            _train_once(tf, _sequential(tf, 2), opt)
        return _listing(tf, _write(tf, tmp_path, optimizer, tf.train.Checkpoint(optimizer=opt)))
    compare(program)


def test_a_loss_scale_optimizer_saves_its_scale_and_its_inner_optimizer(compare, tmp_path):
    def program(tf):
        def make():
            return tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1, momentum=0.9))
        model, opt = _sequential(tf, 2), make()
        model.set_weights([np.full(w.shape, 0.5, np.float32) for w in model.weights])
        for _ in range(2):
            _train_once(tf, model, opt)
        path = _write(tf, tmp_path, "lso", tf.train.Checkpoint(model=model, optimizer=opt))
        fresh, fresh_opt = _sequential(tf, 2), make()
        tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
        _train_once(tf, fresh, fresh_opt)
        _train_once(tf, model, opt)
        return (_listing(tf, path), [w.numpy() for w in fresh.weights], [w.numpy() for w in model.weights],
                fresh_opt.step_counter.numpy(), fresh_opt.dynamic_scale.numpy(),
                [v.numpy() for v in fresh_opt.inner_optimizer.variables])
    compare(program)


@pytest.mark.parametrize("layer", [
    "Conv2D", "BatchNormalization", "Embedding", "LayerNormalization", "LSTM", "GRU", "Dropout", "Conv1D",
    "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "SimpleRNN", "Bidirectional", "TimeDistributed",
    "MultiHeadAttention", "PReLU", "GroupNormalization", "Normalization"])
def test_keras_layer_variable_names(compare, tmp_path, layer):
    def program(tf):
        layers = tf.keras.layers
        made, inputs = {
            "Conv2D": (lambda: layers.Conv2D(2, 3), np.ones((1, 5, 5, 1), np.float32)),
            "BatchNormalization": (layers.BatchNormalization, X),
            "Embedding": (lambda: layers.Embedding(5, 2), np.array([[1, 2]], np.int32)),
            "LayerNormalization": (layers.LayerNormalization, X),
            "LSTM": (lambda: layers.LSTM(2), np.ones((1, 4, 3), np.float32)),
            "GRU": (lambda: layers.GRU(2), np.ones((1, 4, 3), np.float32)),
            "Dropout": (lambda: layers.Dropout(0.1), X),
            "Conv1D": (lambda: layers.Conv1D(2, 3), np.ones((1, 5, 2), np.float32)),
            "Conv2DTranspose": (lambda: layers.Conv2DTranspose(2, 3), np.ones((1, 4, 4, 1), np.float32)),
            "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3), np.ones((1, 5, 5, 2), np.float32)),
            "SeparableConv2D": (lambda: layers.SeparableConv2D(2, 3), np.ones((1, 5, 5, 2), np.float32)),
            "SimpleRNN": (lambda: layers.SimpleRNN(2), np.ones((1, 4, 3), np.float32)),
            "Bidirectional": (lambda: layers.Bidirectional(layers.LSTM(2)), np.ones((1, 4, 3), np.float32)),
            "TimeDistributed": (lambda: layers.TimeDistributed(layers.Dense(2)), np.ones((1, 4, 3), np.float32)),
            "MultiHeadAttention": (lambda: layers.MultiHeadAttention(2, 2), None),
            "PReLU": (layers.PReLU, X),
            "GroupNormalization": (lambda: layers.GroupNormalization(groups=1), X),
            "Normalization": (layers.Normalization, X)}[layer]
        made = made()
        if inputs is None:  # attention: query and value
            made(np.ones((1, 3, 4), np.float32), np.ones((1, 3, 4), np.float32))
        else:
            made(inputs)
        return _listing(tf, _write(tf, tmp_path, layer, tf.train.Checkpoint(layer=made)))
    compare(program)


def _holder_class(tf):
    class Holder(tf.Module):
        def __init__(self):
            super().__init__()
            self.lst = [tf.Variable(1.0), tf.Variable(2.0)]
            self.tup = (tf.Variable(3.0), [tf.Variable(4.0)])
            self.d = {"z": tf.Variable(5.0), "a": {"in": tf.Variable(6.0)}, "x/y.z": tf.Variable(7.0)}
            self._priv = tf.Variable(8.0)
            self.shared = self.lst[0]  # one variable, two paths: the shorter names it
            self.sub = tf.Module()
            self.sub.deep = tf.Variable(9.0, dtype=tf.float64)
            self.nothing, self.number = None, 3
    return Holder


def test_a_module_lists_its_attributes_lists_tuples_and_dicts_by_path(compare, tmp_path):
    def program(tf):
        holder = _holder_class(tf)()
        return _listing(tf, _write(tf, tmp_path, "module", tf.train.Checkpoint(mod=holder)))
    compare(program)


def test_the_first_of_equally_short_paths_names_a_shared_variable(compare, tmp_path):
    def program(tf):
        class Tie(tf.Module):
            def __init__(self):
                super().__init__()
                v = tf.Variable(1.0)
                self.zz = v
                self.aa = v
                self.d = {"z": tf.Variable(2.0), "a": None}
                self.d["a"] = self.d["z"]
        nested = tf.train.Checkpoint(a=tf.train.Checkpoint(b=tf.Variable(3.0)))
        nested.z = nested.a.b
        return (_listing(tf, _write(tf, tmp_path, "tie", tf.train.Checkpoint(m=Tie()))),
                _listing(tf, _write(tf, tmp_path, "nested", nested)))
    compare(program)


def test_a_root_object_is_the_top_of_the_graph(compare, tmp_path):
    def program(tf):
        class Small(tf.Module):
            def __init__(self):
                super().__init__()
                self.lst = [tf.Variable(1.0), tf.Variable(2.0)]
        return (_listing(tf, _write(tf, tmp_path, "var", tf.train.Checkpoint(tf.Variable(1.0)))),
                _listing(tf, _write(tf, tmp_path, "mod", tf.train.Checkpoint(Small(), extra=tf.Variable(2)))))
    compare(program)


def test_save_counter_is_listed_after_save_and_after_restore_not_after_write(compare, tmp_path):
    def program(tf):
        written = tf.train.Checkpoint(v=tf.Variable(1.0))
        first = _listing(tf, _write(tf, tmp_path, "written", written))
        saved = tf.train.Checkpoint(b=tf.Variable(1.0), a=tf.Variable([1, 2], dtype=tf.int64))
        path = saved.save(str(tmp_path / tf.__name__ / "saved"))
        fresh = tf.train.Checkpoint(b=tf.Variable(0.0), a=tf.Variable([0, 0], dtype=tf.int64))
        fresh.restore(path)
        read = tf.train.Checkpoint(b=tf.Variable(0.0), a=tf.Variable([0, 0], dtype=tf.int64))
        status = read.read(path)  # read() creates no save_counter: the saved one is left unused
        try:
            status.assert_consumed()
            consumed = True
        except AssertionError:
            consumed = False
        status.assert_existing_objects_matched()
        after_read = _listing(tf, _write(tf, tmp_path, "after_read", read))
        next_path = read.save(str(tmp_path / tf.__name__ / "saved"))  # the saved count, restored now, + 1
        return (first, _listing(tf, path), _listing(tf, _write(tf, tmp_path, "after", fresh)), consumed,
                after_read, os.path.basename(next_path))
    compare(program)


def test_a_generator_state_is_listed_as_its_state_var(compare, tmp_path):
    def program(tf):
        g = tf.random.Generator.from_seed(1)
        return _listing(tf, _write(tf, tmp_path, "gen", tf.train.Checkpoint(g=g)))
    compare(program)


def test_an_iterator_state_is_listed_with_tfs_shape(compare, tmp_path):
    def program(tf):
        it = iter(tf.data.Dataset.range(5).batch(2))
        next(it)
        path = _write(tf, tmp_path, "it", tf.train.Checkpoint(it=it))
        return tf.train.load_checkpoint(path).get_variable_to_shape_map()["it" + ITERATOR]
    compare(program)


def test_the_object_graph_entry_is_a_string_scalar(compare, tmp_path):
    def program(tf):
        reader = tf.train.load_checkpoint(_write(tf, tmp_path, "g", tf.train.Checkpoint(v=tf.Variable(1.0))))
        graph = reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH")
        return (type(graph).__name__, reader.get_variable_to_dtype_map()["_CHECKPOINTABLE_OBJECT_GRAPH"].name,
                reader.get_variable_to_shape_map()["_CHECKPOINTABLE_OBJECT_GRAPH"])
    compare(program)


def test_a_dict_with_a_non_string_key_cannot_be_saved(compare, tmp_path):
    @raises("ValueError")
    def program(tf):
        holder = tf.Module()
        holder.d = {3: tf.Variable(1.0)}
        return _write(tf, tmp_path, "bad", tf.train.Checkpoint(m=holder))
    compare(program, messages=False)  # the message holds the dict's repr


def test_a_keras_metric_is_not_trackable(compare):
    @raises("ValueError")
    def program(tf):
        return tf.train.Checkpoint(m=tf.keras.metrics.Mean())
    compare(program, messages=False)  # the message holds the metric's repr


# -- how it restores ----------------------------------------------------------------------------
def test_a_fresh_sequential_and_unbuilt_optimizer_continue_training_exactly(compare, tmp_path):
    def program(tf):
        model, optimizer = _sequential(tf, 3, 1), tf.keras.optimizers.Adam(0.05)
        model.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32) for i, w in enumerate(model.weights)])
        for _ in range(2):
            _train_once(tf, model, optimizer)
        path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(tmp_path / tf.__name__ / "run"))
        _train_once(tf, model, optimizer)
        fresh, fresh_opt = _sequential(tf, 3, 1), tf.keras.optimizers.Adam(0.05)
        status = tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
        outcomes = []
        for check in (status.assert_consumed, status.assert_existing_objects_matched):
            try:
                check()
                outcomes.append(True)
            except AssertionError:
                outcomes.append(False)
        iterations = int(fresh_opt.iterations.numpy())
        _train_once(tf, fresh, fresh_opt)
        status.assert_consumed()  # the slots were restored as the optimizer made them
        return (outcomes, iterations, [w.numpy() for w in fresh.weights],
                [w.numpy() for w in model.weights], [v.numpy() for v in fresh_opt.variables],
                [v.numpy() for v in optimizer.variables])
    compare(program)


def test_an_unbuilt_subclassed_model_loses_its_first_restored_variable_to_keras_symbolic_build(
        compare, tmp_path):
    def program(tf):
        net = _subclassed(tf)
        saved, optimizer = net(), tf.keras.optimizers.Adam(0.1)
        _train_once(tf, saved, optimizer)
        saved.dense.bias.assign([3.0, 4.0])
        path = _write(tf, tmp_path, "sub", tf.train.Checkpoint(model=saved, optimizer=optimizer))
        fresh, fresh_opt = net(), tf.keras.optimizers.Adam(0.1)
        status = tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
        fresh(X)
        outcomes = []
        for check in (status.assert_consumed, status.assert_existing_objects_matched):
            try:
                check()
                outcomes.append(True)
            except AssertionError:
                outcomes.append(False)
        weights = fresh.weights
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that the unused kernel has no gradient
            _train_once(tf, fresh, fresh_opt)
        saved_kernel = saved.dense.kernel.numpy()
        return (outcomes, [w.shape for w in weights], np.array_equal(weights[0].numpy(), weights[1].numpy()),
                [bool(np.allclose(w.numpy(), saved_kernel)) for w in weights[:2]],
                len(fresh_opt.variables), [v.shape for v in fresh_opt.variables],
                bool(np.allclose(fresh_opt.variables[2].numpy(), optimizer.variables[2].numpy())),
                _listing(tf, _write(tf, tmp_path, "again", tf.train.Checkpoint(model=fresh, optimizer=fresh_opt))))
    compare(program)


def test_a_layer_without_its_own_build_loses_only_its_first_sublayers_first_variable(compare, tmp_path):
    def program(tf):
        class Block(tf.keras.layers.Layer):  # Keras builds it by a symbolic call
            def __init__(self):
                super().__init__()
                self.d1, self.d2 = tf.keras.layers.Dense(2), tf.keras.layers.Dense(2)

            def call(self, x):
                return self.d2(self.d1(x))

        class Built(tf.keras.Model):  # its own build: no symbolic call
            def __init__(self):
                super().__init__()
                self.dense = tf.keras.layers.Dense(2)

            def build(self, shape):
                self.dense.build(shape)

            def call(self, x):
                return self.dense(x)

        out = []
        for cls in (Block, Built):
            saved = cls()
            saved(X)
            for i, w in enumerate(saved.weights):
                w.assign(np.full(w.shape, i + 1.0, np.float32))
            path = _write(tf, tmp_path, cls.__name__, tf.train.Checkpoint(m=saved))
            fresh = cls()
            tf.train.Checkpoint(m=fresh).restore(path)
            fresh(X)
            # each fresh weight: the saved weight whose value it holds (1-based), or 0
            out.append([(w.shape, max([i + 1 for i, v in enumerate(saved.weights)
                                       if v.shape == w.shape and np.array_equal(v.numpy(), w.numpy())] + [0]))
                        for w in fresh.weights])
        return out
    compare(program)


def test_an_unbuilt_sequential_and_layer_are_restored_when_built(compare, tmp_path):
    def program(tf):
        keras = tf.keras
        out = []
        for make in (lambda: keras.Sequential([keras.layers.Dense(2)]), lambda: keras.layers.Dense(2)):
            saved = make()
            saved(X)
            for i, w in enumerate(saved.weights):
                w.assign(np.full(w.shape, i + 2.0, np.float32))
            path = _write(tf, tmp_path, f"unbuilt{len(out)}", tf.train.Checkpoint(model=saved))
            fresh = make()
            tf.train.Checkpoint(model=fresh).restore(path)
            out.append((fresh(X), [w.numpy() for w in fresh.weights]))
        return out
    compare(program)


def test_an_optimizer_alone_restores_its_slots_not_the_variables_it_is_built_on_later(compare, tmp_path):
    def program(tf):
        model, optimizer = _sequential(tf, 2), tf.keras.optimizers.SGD(0.1, momentum=0.9)
        model.set_weights([np.full(w.shape, 0.5, np.float32) for w in model.weights])
        _train_once(tf, model, optimizer)
        path = _write(tf, tmp_path, "opt", tf.train.Checkpoint(optimizer=optimizer))
        fresh, fresh_opt = _sequential(tf, 2), tf.keras.optimizers.SGD(0.1, momentum=0.9)
        fresh.set_weights([np.zeros(w.shape, np.float32) for w in fresh.weights])
        tf.train.Checkpoint(optimizer=fresh_opt).restore(path)
        fresh_opt.build(fresh.trainable_variables)
        return ([w.numpy() for w in fresh.weights], [w.numpy() for w in model.weights],
                [v.numpy() for v in fresh_opt.variables])
    compare(program)


def test_a_deeper_model_takes_the_values_it_has_paths_for(compare, tmp_path):
    def program(tf):
        saved = _sequential(tf, 4, 1)
        saved.set_weights([np.full(w.shape, 0.25, np.float32) for w in saved.weights])
        path = _write(tf, tmp_path, "shallow", tf.train.Checkpoint(model=saved))
        deeper = _sequential(tf, 4, 1, 1)
        status = tf.train.Checkpoint(model=deeper).read(path)
        try:
            status.assert_consumed()
            consumed = True
        except AssertionError:
            consumed = False
        return consumed, [w.numpy() for w in deeper.weights[:4]]
    compare(program)


def test_a_value_of_another_shape_raises_value_error(compare, tmp_path):
    @raises("ValueError")
    def program(tf):
        path = _write(tf, tmp_path, "narrow", tf.train.Checkpoint(model=_sequential(tf, 4, 1)))
        return tf.train.Checkpoint(model=_sequential(tf, 5, 1)).read(path)
    compare(program, messages=False)  # TF's message names its variable (sequential_1/dense_2/kernel:0)


def test_a_value_of_another_dtype_raises_invalid_argument(compare, tmp_path):
    @raises("InvalidArgumentError")
    def program(tf):
        path = _write(tf, tmp_path, "ints", tf.train.Checkpoint(v=tf.Variable([1, 2])))
        return tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).restore(path)
    compare(program, messages=False)  # tapejax adds the checkpoint's path


def test_a_checkpoint_of_other_objects_restores_nothing_and_does_not_raise(compare, tmp_path):
    def program(tf):
        holder = tf.Module()
        holder.w = tf.Variable(tf.zeros([3]))
        path = _write(tf, tmp_path, "other", tf.train.Checkpoint(m=holder))
        model = _sequential(tf, 2)
        before = [w.numpy() for w in model.weights]
        status = tf.train.Checkpoint(m=model).restore(path)
        outcomes = []
        for check in (status.assert_consumed, status.assert_existing_objects_matched):
            try:
                check()
                outcomes.append(True)
            except AssertionError:
                outcomes.append(False)
        return outcomes, [bool(np.array_equal(a, w.numpy())) for a, w in zip(before, model.weights)]
    compare(program)


def test_values_restore_through_any_saved_path(compare, tmp_path):
    def program(tf):
        holder = _holder_class(tf)()
        path = _write(tf, tmp_path, "paths", tf.train.Checkpoint(mod=holder))
        fresh = _holder_class(tf)()
        for v in fresh.variables:
            v.assign(v * 0)
        tf.train.Checkpoint(mod=fresh).restore(path)
        one = tf.Variable(0.0)
        stand_in = tf.train.Checkpoint(mod=tf.train.Checkpoint(lst=[one]))  # lst/0 was saved as `shared`
        stand_in.restore(path)
        return sorted(float(v.numpy()) for v in fresh.variables), one
    compare(program)



def test_a_restored_unbuilt_optimizer_builds_inside_a_tf_function_step(compare, tmp_path):
    def program(tf):
        model, optimizer = _sequential(tf, 3, 1), tf.keras.optimizers.Adam(0.05)
        model.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32) for i, w in enumerate(model.weights)])
        _train_once(tf, model, optimizer)
        path = _write(tf, tmp_path, "fn", tf.train.Checkpoint(model=model, optimizer=optimizer))
        fresh, fresh_opt = _sequential(tf, 3, 1), tf.keras.optimizers.Adam(0.05)
        tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(fresh(X) ** 2)
            fresh_opt.apply_gradients(zip(tape.gradient(loss, fresh.trainable_variables),
                                          fresh.trainable_variables))
            return loss

        losses = [step() for _ in range(2)]
        for _ in range(2):
            _train_once(tf, model, optimizer)
        return losses, [w.numpy() for w in fresh.weights], [w.numpy() for w in model.weights]
    compare(program, rtol=1e-5, atol=1e-6)
