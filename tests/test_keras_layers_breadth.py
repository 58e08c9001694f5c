"""tapejax's Keras layers, models, regularizers, constraints and backend: configs, cloning,
loss bookkeeping, constraint timing, and the errors they raise (TF-free checks; the values are
compared with TF in compat_tests/test_keras_*)."""

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


@pytest.mark.parametrize("make", [
    lambda: keras.layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d"),
    lambda: keras.layers.Conv1D(2, 3, padding="causal"),
    lambda: keras.layers.Conv2DTranspose(2, 3, strides=2),
    lambda: keras.layers.LSTM(4, return_sequences=True),
    lambda: keras.layers.GRU(2, reset_after=False),
    lambda: keras.layers.LeakyReLU(negative_slope=0.2),
])
def test_get_config_round_trips_through_from_config(make):
    layer = make()
    clone = type(layer).from_config(layer.get_config())
    assert clone is not layer and not clone.built
    assert clone.get_config() == layer.get_config()


def test_clone_model_of_a_subclassed_model_uses_its_constructor_arguments():
    class Net(keras.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keras.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    net = Net(3, name="net")
    net(np.ones((2, 4), np.float32))
    clone = keras.models.clone_model(net)
    assert type(clone) is Net and clone.units == 3 and clone is not net
    assert tuple(clone(np.ones((2, 4), np.float32)).shape) == (2, 3)


def test_a_model_subclass_called_with_inputs_and_outputs_is_functional():
    class Net(keras.Model):
        def train_step(self, data):
            return {"custom": tf.constant(1.0)}

    inputs = keras.Input((3,))
    model = Net(inputs, keras.layers.Dense(2)(inputs))
    assert isinstance(model, Net) and isinstance(model, keras.Model)
    assert type(model).__name__ == "Net" and len(model.weights) == 2
    model.compile("sgd", "mse")
    history = model.fit(np.ones((4, 3), np.float32), np.ones((4, 2), np.float32), verbose=0)
    assert history.history["custom"] == [1.0]


def test_constraints_run_after_optimizer_updates_but_not_on_assign():
    layer = keras.layers.Dense(2, kernel_constraint=keras.constraints.NonNeg())
    layer.build((None, 2))
    layer.kernel.assign(-np.ones((2, 2), np.float32))
    assert (layer.kernel.numpy() == -1).all()
    opt = keras.optimizers.SGD(0.1)
    opt.apply_gradients([(tf.constant(np.ones((2, 2), np.float32)), layer.kernel)])
    assert (layer.kernel.numpy() == 0).all()


def test_constraints_apply_inside_a_compiled_step():
    layer = keras.layers.Dense(2, kernel_constraint=keras.constraints.MaxNorm(0.5))
    layer.build((None, 3))
    opt = keras.optimizers.SGD(1.0)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        grads = tape.gradient(loss, layer.trainable_weights)
        opt.apply_gradients(zip(grads, layer.trainable_weights))

    step(tf.constant(np.full((4, 3), 3.0, np.float32)))
    norms = np.sqrt((layer.kernel.numpy() ** 2).sum(axis=0))
    assert (norms <= 0.5 + 1e-6).all()


def test_add_loss_values_are_replaced_on_each_outer_call_and_kept_for_inner_calls():
    class Inner(keras.layers.Layer):
        def call(self, x):
            self.add_loss(tf.reduce_sum(x))
            return x

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.a, self.b = Inner(), Inner()

        def call(self, x):
            return self.b(self.a(x))

    outer = Outer()
    outer(tf.constant([1.0, 2.0]))
    assert [float(v) for v in outer.losses] == [3.0, 3.0]
    outer(tf.constant([5.0]))
    assert [float(v) for v in outer.losses] == [5.0, 5.0]


def test_activity_regularizer_is_divided_by_the_batch_size():
    layer = keras.layers.Dense(1, kernel_initializer="ones", use_bias=False,
                               activity_regularizer=keras.regularizers.L1(1.0))
    layer(np.ones((4, 2), np.float32))
    np.testing.assert_allclose(float(layer.losses[0]), 8.0 / 4)


def test_compute_loss_without_any_loss_raises():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="No loss to compute"):
        model.compute_loss(None, None, None)


@pytest.mark.parametrize("module,kind", [(keras.regularizers, "regularizer"),
                                         (keras.constraints, "constraint")])
def test_unknown_identifiers_raise_value_error(module, kind):
    with pytest.raises(ValueError, match=f"Could not interpret {kind} identifier: nope"):
        module.get("nope")


def test_regularizer_and_constraint_configs_round_trip():
    reg = keras.regularizers.deserialize(keras.regularizers.serialize(keras.regularizers.L1L2(
        0.1, 0.2)))
    assert reg.get_config() == {"l1": 0.1, "l2": 0.2}
    c = keras.constraints.deserialize(keras.constraints.serialize(keras.constraints.MinMaxNorm(
        0.5, 2.0, 0.3, 1)))
    assert c.get_config() == {"min_value": 0.5, "max_value": 2.0, "rate": 0.3, "axis": 1}


def test_normalization_adapt_rejects_an_empty_iterable_and_a_mismatched_shape():
    layer = keras.layers.Normalization()
    with pytest.raises(ValueError, match="empty iterable"):
        layer.adapt([])
    layer.adapt(np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.ones((3, 5), np.float32))


def test_normalization_needs_mean_and_variance_together():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        keras.layers.Normalization(mean=1.0)


def test_lstm_gradients_match_finite_differences():
    x = np.random.RandomState(0).randn(1, 3, 2).astype(np.float64)
    layer = keras.layers.LSTM(2, dtype="float64")
    layer.build((None, 3, 2))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) ** 2)
    grad = tape.gradient(loss, xt).numpy()
    eps = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        numeric[idx] = (float(tf.reduce_sum(layer(tf.constant(plus)) ** 2))
                        - float(tf.reduce_sum(layer(tf.constant(minus)) ** 2))) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


def test_load_model_of_a_file_that_is_not_a_zip_says_so(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a `.keras` zip archive"):
        keras.models.load_model(str(path))


def test_backend_clear_session_resets_layer_names_and_uids():
    keras.backend.clear_session()
    first = keras.layers.Dense(1).name
    keras.backend.get_uid("x")
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == first and keras.backend.get_uid("x") == 1


def test_nadam_lists_its_product_variable_only_once_built():
    opt = keras.optimizers.Nadam()
    assert len(opt.variables) == 2
    v = tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([1.0]), v)])
    assert opt.variables[-1].path == "nadam/u_product"
    np.testing.assert_allclose(opt.variables[-1].numpy(), 0.9 * (1 - 0.5 * 0.96), rtol=1e-6)
