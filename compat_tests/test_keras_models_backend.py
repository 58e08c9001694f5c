"""`tf.keras.models` (Sequential, Model, clone_model, save_model/load_model errors) and the legacy
`tf.keras.backend` functions, on TF 2.21's Keras 3 and on tapejax."""

import numpy as np
import pytest

RS = np.random.RandomState(11)
X = RS.randn(4, 3).astype(np.float32)
A = RS.randn(2, 3, 4).astype(np.float32)
B = RS.randn(4, 5).astype(np.float32)
P = np.abs(RS.randn(3, 4)).astype(np.float32)
P = P / P.sum(-1, keepdims=True)
Y = RS.randn(2, 4, 3).astype(np.float32)
LOGITS = RS.randn(3, 4).astype(np.float32)
W1 = RS.randn(3, 5).astype(np.float32) * 0.5
B1 = RS.randn(5).astype(np.float32) * 0.1
W2 = RS.randn(5, 2).astype(np.float32) * 0.5
B2 = RS.randn(2).astype(np.float32) * 0.1


def _seq(tf, name="net"):
    return tf.keras.models.Sequential([
        tf.keras.Input((3,)), tf.keras.layers.Dense(5, activation="relu", name="h"),
        tf.keras.layers.Dense(2, name="out")], name=name)


def test_models_sequential_is_keras_sequential_and_computes_with_set_weights(compare):
    def program(tf):
        model = _seq(tf)
        model.set_weights([W1, B1, W2, B2])
        return [type(model).__name__, isinstance(model, tf.keras.Model),
                tf.keras.models.Sequential is tf.keras.Sequential,
                tf.keras.models.Model is tf.keras.Model, model(X), model.name,
                [layer.name for layer in model.layers]]
    compare(program)


def test_models_model_builds_a_functional_model(compare):
    def program(tf):
        inputs = tf.keras.Input((3,))
        h = tf.keras.layers.Dense(5, activation="tanh")(inputs)
        model = tf.keras.models.Model(inputs, tf.keras.layers.Dense(2)(h))
        model.set_weights([W1, B1, W2, B2])
        return [isinstance(model, tf.keras.Model), len(model.weights), model(X)]
    compare(program)


def test_clone_model_of_sequential_keeps_structure_and_names_with_fresh_weights(compare):
    def program(tf):
        model = _seq(tf)
        model.set_weights([W1, B1, W2, B2])
        clone = tf.keras.models.clone_model(model)
        same = [bool(np.allclose(a, b)) for a, b in zip(model.get_weights(), clone.get_weights())]
        before = clone(X)
        clone.set_weights(model.get_weights())
        return [type(clone).__name__, clone.name, [layer.name for layer in clone.layers],
                clone.built, [tuple(w.shape) for w in clone.weights], same[0],
                tuple(before.shape), clone(X), clone.layers[0] is model.layers[0]]
    compare(program)


def test_clone_model_of_functional_model_replays_the_graph_with_new_layers(compare):
    def program(tf):
        inputs = tf.keras.Input((3,), name="x")
        h = tf.keras.layers.Dense(5, activation="relu", name="h")(inputs)
        model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="o")(h), name="fn")
        clone = tf.keras.models.clone_model(model)
        clone.set_weights([W1, B1, W2, B2])
        return [clone.name, [layer.name for layer in clone.layers], clone(X),
                clone.layers[1] is model.layers[1]]
    compare(program)


@pytest.mark.parametrize("path", ["/tmp/tapejax_model.foo", "/tmp/tapejax_model"])
def test_save_model_rejects_paths_without_keras_or_h5_extension(compare, path):
    def program(tf):
        model = _seq(tf)
        try:
            tf.keras.models.save_model(model, path)
        except ValueError as err:
            first = ValueError(str(err))
        try:
            model.save(path)
        except ValueError as err:
            second = ValueError(str(err))
        raise ValueError(f"{first} | {second}")
    compare(program, raises="ValueError")


@pytest.mark.parametrize("path", ["/tmp/tapejax_missing_model.keras", "/tmp/tapejax_model.foo"])
def test_load_model_reports_a_missing_file_or_an_unsupported_format(compare, path):
    def program(tf):
        return tf.keras.models.load_model(path)
    compare(program, raises="ValueError")


def test_save_model_then_load_model_round_trips_a_keras_file(compare, tmp_path):
    path = str(tmp_path / "model.keras")

    def program(tf):
        model = _seq(tf)
        model.set_weights([W1, B1, W2, B2])
        tf.keras.models.save_model(model, path)
        return tf.keras.models.load_model(path)(X)
    compare(program)


# -- keras.backend ----------------------------------------------------------------------------
def test_backend_elementwise_and_reductions_match(compare):
    def program(tf):
        K = tf.keras.backend
        x = tf.constant(A)
        return [K.abs(x), K.square(x), K.sqrt(x), K.exp(x), K.log(K.abs(x)), K.pow(x, 2.0),
                K.clip(x, -0.5, 0.5), K.clip(x, 0.5, -0.5), K.sign(x), K.round(x), K.sin(x),
                K.cos(x), K.tanh(x), K.sigmoid(x), K.hard_sigmoid(x), K.softplus(x),
                K.softsign(x), K.relu(x), K.relu(x, alpha=0.1), K.relu(x, max_value=6.0),
                K.relu(x, alpha=0.1, max_value=0.5, threshold=0.2), K.elu(x), K.elu(x, 0.5),
                K.softmax(x), K.softmax(x, axis=1),
                K.mean(x), K.mean(x, axis=1), K.mean(x, axis=-1, keepdims=True), K.sum(x, 0),
                K.max(x, axis=2), K.min(x), K.prod(x, axis=1), K.std(x, axis=0), K.var(x),
                K.argmax(x), K.argmin(x, axis=0), K.cumsum(x, axis=1), K.cumprod(x),
                K.all(x > 0, axis=1), K.any(x > 0), K.mean(x > 0), K.maximum(x, 0.0),
                K.minimum(x, 0.0), K.equal(x, x), K.not_equal(x, 0.0), K.greater(x, 0.0),
                K.greater_equal(x, 0.0), K.less(x, 0.0), K.less_equal(x, 0.0),
                K.l2_normalize(x, axis=-1), K.cast(x, "int32"), K.cast(x, "float64")]
    compare(program, rtol=1e-5, atol=1e-6)


def test_backend_shape_functions_match(compare):
    def program(tf):
        K = tf.keras.backend
        x = tf.constant(A)
        v = tf.Variable(A)
        return [K.shape(x), K.int_shape(x), K.int_shape(v), K.ndim(x), K.dtype(x),
                K.count_params(v), K.reshape(x, (4, 6)), K.transpose(tf.constant(B)),
                K.permute_dimensions(x, (2, 0, 1)), K.expand_dims(x), K.expand_dims(x, 0),
                K.squeeze(K.expand_dims(x, 1), 1), K.flatten(x), K.batch_flatten(x),
                K.concatenate([x, x]), K.concatenate([x, x], axis=0), K.stack([x, x], axis=1),
                K.tile(x, (1, 2, 1)), K.repeat(tf.constant(B), 3),
                K.repeat_elements(x, 2, axis=1), K.reverse(x, 1), K.reverse(x, [0, 2]),
                K.gather(tf.constant(B), [3, 0]), K.one_hot(tf.constant([0, 2, 1]), 3),
                K.temporal_padding(x, (1, 2)),
                K.spatial_2d_padding(tf.constant(A[..., None]), ((1, 0), (0, 2))),
                K.arange(5), K.arange(2, 8, 2, dtype="float32"), K.arange(-3)]
    compare(program)


def test_backend_linear_algebra_matches(compare):
    def program(tf):
        K = tf.keras.backend
        x, b = tf.constant(A), tf.constant(B)
        y = tf.constant(Y)
        return [K.dot(tf.constant(A[0]), b), K.dot(x, b), K.dot(x, tf.constant(A.transpose(0, 2, 1))),
                K.batch_dot(x, y), K.batch_dot(x, y, axes=[1, 2]),
                K.batch_dot(tf.constant(B[:2]), tf.constant(B[2:])),
                K.bias_add(x, tf.constant(B[:, 0])), K.bias_add(x, tf.constant(A[0])),
                K.batch_normalization(x, tf.constant(B[:, 0]), tf.constant(P[0]),
                                      tf.constant(B[:, 1]), tf.constant(B[:, 2]))]
    compare(program, rtol=1e-5, atol=1e-5)


def test_backend_losses_match(compare):
    def program(tf):
        K = tf.keras.backend
        onehot = np.eye(4, dtype=np.float32)[[0, 3, 1]]
        logits = tf.constant(LOGITS)
        probs = tf.constant(P)
        return [K.binary_crossentropy(tf.constant(onehot), probs),
                K.binary_crossentropy(tf.constant(onehot), logits, from_logits=True),
                K.categorical_crossentropy(tf.constant(onehot), probs),
                K.categorical_crossentropy(tf.constant(onehot), logits, from_logits=True),
                K.sparse_categorical_crossentropy(tf.constant([0, 3, 1]), probs),
                K.sparse_categorical_crossentropy(tf.constant([[0], [3], [1]]), logits,
                                                  from_logits=True)]
    compare(program, rtol=1e-5, atol=1e-6)


def test_backend_variables_constants_and_values_match(compare):
    def program(tf):
        K = tf.keras.backend
        v = K.variable(B, name="kv")
        K.set_value(v, B * 2)
        z, o = K.zeros((2, 3)), K.ones((2,), dtype="float64")
        K.batch_set_value([(z, np.full((2, 3), 5.0))])
        K.update_add(o, np.ones(2))
        m = K.variable(np.zeros(2))
        K.moving_average_update(m, tf.constant([1.0, 2.0]), 0.9)
        return [K.get_value(v), isinstance(v, tf.Variable), v.dtype, isinstance(z, tf.Variable),
                K.batch_get_value([z, o]), K.constant(3), K.constant([1, 2], dtype="int32"),
                K.constant(1.5, shape=(2, 2)), K.eye(3), K.zeros_like(tf.constant(B)),
                K.ones_like(tf.constant(B), dtype="int32"), m, K.cast_to_floatx([1, 2]),
                K.get_value(3.0), K.eval(tf.constant(B))]
    compare(program)


def test_backend_config_functions_match(compare):
    def program(tf):
        K = tf.keras.backend
        out = [K.epsilon(), K.floatx(), K.image_data_format(), K.backend(),
               K.is_keras_tensor(tf.keras.Input((2,))), K.is_keras_tensor(tf.constant(1.0)),
               K.standardize_dtype("float64"), K.is_float_dtype("float16"),
               K.is_int_dtype("uint8"), K.is_sparse(tf.constant(1.0))]
        K.set_epsilon(1e-5)
        K.set_image_data_format("channels_first")
        out += [K.epsilon(), K.image_data_format()]
        K.set_epsilon(1e-7)
        K.set_image_data_format("channels_last")
        for bad in (lambda: K.set_floatx("int32"), lambda: K.set_image_data_format("nhwc")):
            try:
                bad()
            except ValueError as err:
                out.append(str(err).split(" Expected one of")[0])
        return out
    compare(program)


def test_backend_set_floatx_changes_the_default_dtype_of_new_layers(compare):
    def program(tf):
        K = tf.keras.backend
        K.set_floatx("float64")
        K.clear_session()  # Keras 3 reads floatx into its dtype policy again after this
        try:
            layer = tf.keras.layers.Dense(2)
            layer.build((None, 3))
            return [K.floatx(), layer.dtype, str(layer.kernel.numpy().dtype), K.zeros((2,)).dtype,
                    K.constant(1.0).dtype]
        finally:
            K.set_floatx("float32")
            K.clear_session()
    compare(program)


def test_backend_random_functions_give_floatx_samples_of_the_shape(compare):
    def program(tf):
        K = tf.keras.backend
        draws = [K.random_normal((3, 4)), K.random_uniform((2,), 1.0, 2.0, seed=1),
                 K.truncated_normal((5,), stddev=0.1), K.random_bernoulli((4,), p=0.5),
                 K.random_normal((2,), dtype="float64"),
                 K.random_uniform_variable((2, 2), 0.0, 1.0),
                 K.random_normal_variable((3,), 0.0, 1.0)]
        u = draws[1].numpy()
        return [(d.dtype, tuple(d.shape)) for d in draws] + [
            bool(((u >= 1) & (u < 2)).all()), isinstance(draws[5], tf.Variable),
            bool(np.isin(draws[3].numpy(), [0.0, 1.0]).all())]
    compare(program)


def test_backend_switch_and_clear_session_match(compare):
    def program(tf):
        K = tf.keras.backend
        x = tf.constant(A)
        first = tf.keras.layers.Dense(1).name
        K.clear_session()
        again = tf.keras.layers.Dense(1).name
        return [K.switch(tf.constant(True), lambda: x * 2, lambda: x),
                K.switch(x > 0, x, -x), K.switch(tf.constant(A[:, :, 0] > 0), x, x * 0),
                K.get_uid("thing"), K.get_uid("thing"), first == again]
    compare(program)


def test_backend_does_not_have_learning_phase(compare):
    def program(tf):
        return [hasattr(tf.keras.backend, name) for name in (
            "learning_phase", "set_learning_phase", "placeholder", "function", "square")]
    compare(program)


def test_compiled_metrics_given_by_name_are_logged_under_that_name(compare):
    def program(tf):
        model = _seq(tf)
        model.set_weights([W1, B1, W2, B2])
        model.compile("sgd", "mse", metrics=["mae", "mean_absolute_error",
                                              tf.keras.metrics.MeanAbsoluteError(), "mse"])
        history = model.fit(X, np.ones((4, 2), np.float32), verbose=0, shuffle=False)
        return {k: v for k, v in history.history.items()}
    compare(program, rtol=1e-5)


def _json_model(tf):
    L = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input((6, 3)), L.Conv1D(4, 2, activation="relu", kernel_regularizer="l2"),
        L.LSTM(3, return_sequences=True), L.Bidirectional(L.GRU(2)), L.Dropout(0.2),
        L.Dense(2, kernel_initializer=tf.keras.initializers.RandomNormal(stddev=0.1),
                kernel_constraint=tf.keras.constraints.MaxNorm(2.0))], name="arch")


def test_model_from_json_round_trips_a_sequential_architecture(compare):
    def program(tf):
        model = tf.keras.models.model_from_json(_json_model(tf).to_json())
        weights = [np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.3
                   for i, w in enumerate(model.weights)]
        model.set_weights(weights)
        x = np.random.RandomState(0).randn(2, 6, 3).astype(np.float32)
        return [model.name, [type(layer).__name__ for layer in model.layers],
                [layer.name for layer in model.layers], [tuple(w.shape) for w in model.weights],
                model(x), [float(v) for v in model.losses],
                type(model.layers[-1].kernel.constraint).__name__]
    compare(program, rtol=2e-5, atol=2e-5)


def test_tf_json_loads_in_tapejax_and_tapejax_json_loads_in_tf():
    import tensorflow

    import tapejax
    from_tf = tapejax.keras.models.model_from_json(_json_model(tensorflow).to_json())
    from_tj = tensorflow.keras.models.model_from_json(_json_model(tapejax).to_json())
    for a, b in ((from_tf, _json_model(tensorflow)), (from_tj, _json_model(tapejax))):
        assert [type(x).__name__ for x in a.layers] == [type(x).__name__ for x in b.layers]
        assert [tuple(w.shape) for w in a.weights] == [tuple(w.shape) for w in b.weights]
    assert from_tf.layers[0].kernel_regularizer.get_config() == {"l2": 0.01}
    assert from_tj.layers[-1].kernel_constraint.get_config()["max_value"] == 2.0


def _functional_json_model(tf):
    L = tf.keras.layers
    inputs = tf.keras.Input((4,), name="x")
    left = L.Dense(3, activation="tanh", name="left")(inputs)
    right = L.Dense(3, name="right")(L.Dense(2, name="narrow")(inputs))
    return tf.keras.Model(inputs, L.Dense(1, name="out")(L.Concatenate(name="cat")([left, right])),
                          name="fork")


def test_a_functional_architecture_in_json_loads_in_either_framework(compare):
    import tensorflow

    import tapejax
    texts = {"tf": _functional_json_model(tensorflow).to_json(),
             "tapejax": _functional_json_model(tapejax).to_json()}

    def program(tf):
        out = []
        for text in texts.values():
            model = tf.keras.models.model_from_json(text)
            model.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32)
                               for i, w in enumerate(model.weights)])
            out.append([model.name, [layer.name for layer in model.layers],
                        [tuple(w.shape) for w in model.weights], model(X[:, :3].repeat(2, 1)[:, :4])])
        return out
    compare(program)


def test_set_epsilon_changes_the_losses_clipping(compare):
    def program(tf):
        K = tf.keras.backend
        y_true = tf.constant([[1.0, 0.0], [0.0, 1.0]])
        y_pred = tf.constant([[1.0, 0.0], [0.3, 0.7]])
        before = tf.keras.losses.BinaryCrossentropy()(y_true, y_pred)
        K.set_epsilon(1e-3)
        try:
            after = [tf.keras.losses.BinaryCrossentropy()(y_true, y_pred),
                     tf.keras.losses.CategoricalCrossentropy()(y_true, y_pred),
                     tf.keras.losses.SparseCategoricalCrossentropy()(tf.constant([0, 1]), y_pred)]
        finally:
            K.set_epsilon(1e-7)
        return [before] + after
    compare(program, rtol=1e-5)


def test_a_model_subclass_given_two_positional_arguments_stays_a_subclassed_model(compare):
    def program(tf):
        class Block(tf.keras.Model):
            def __init__(self, units, scale):
                super().__init__(name="block")
                self.units, self.scale = units, scale
                self.dense = tf.keras.layers.Dense(units, kernel_initializer="ones")

            def call(self, x):
                return self.dense(x) * self.scale

        model = Block(2, 3.0)
        return [type(model).__name__, model(X), model.name, len(model.weights),
                hasattr(model, "inputs") and model.inputs is not None]
    compare(program)


def test_a_model_subclass_calling_super_init_with_inputs_and_outputs_is_functional(compare):
    def program(tf):
        class Custom(tf.keras.Model):
            def __init__(self, units):
                inputs = tf.keras.Input((3,))
                outputs = tf.keras.layers.Dense(units, kernel_initializer="ones")(inputs)
                super().__init__(inputs, outputs, name="custom")

            def scaled(self, x):
                return self(x) * 2.0

        model = Custom(4)
        return [type(model).__name__, model.scaled(X), [tuple(t.shape) for t in model.inputs],
                len(model.layers)]
    compare(program)


def test_a_raw_tf_variable_attribute_is_not_a_keras_weight(compare):
    def program(tf):
        class Line(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.w = tf.Variable(5.0, name="raw_w")
                self.b = tf.Variable(1.0, trainable=False, name="raw_b")
                self.listed = [tf.Variable(3.0, name="in_list")]
                self.kv = tf.keras.Variable(2.0, name="kv")

            def call(self, x):
                return x * self.w + self.b + self.kv

        class Scale(tf.keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.w = tf.Variable(2.0)

            def call(self, x):
                return x * self.w

        line, scale = Line(), Scale()
        out = [line(X), scale(X)]
        for obj in (line, scale):
            out += [[v.name for v in getattr(obj, attr)] for attr in
                    ("weights", "trainable_weights", "non_trainable_weights", "variables")]
        return out
    compare(program)
