"""Keras models in tapejax: tracking order, summary, weights files, functional graphs, Progbar."""

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


def _mlp():
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="relu"),
                             keras.layers.Dense(2)])


def test_summary_lists_layers_shapes_and_param_counts(capsys):
    model = _mlp()
    model.summary()
    out = capsys.readouterr().out
    assert f'Model: "{model.name}"' in out
    assert "(None, 3)" in out and "(None, 2)" in out
    assert "Total params: 23" in out and "Trainable params: 23" in out


def test_subclassed_model_tracks_layers_in_assignment_order():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.zeta = keras.layers.Dense(5)
            self.alpha = keras.layers.Dense(2)
            self.blocks = [keras.layers.Dense(3), keras.layers.Dense(4)]
            self.scale = keras.Variable(2.0)
            self.raw = tf.Variable(1.0)  # Keras 3 does not track a raw tf.Variable

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.alpha(self.zeta(x)) * self.scale

    net = Net()
    net(np.ones((2, 6), np.float32))
    shapes = [tuple(w.shape) for w in net.weights]
    assert shapes == [(), (4, 5), (5,), (5, 2), (2,), (6, 3), (3,), (3, 4), (4,)]
    assert len(net.trainable_variables) == 9


def test_save_and_load_weights_roundtrip(tmp_path):
    model = _mlp()
    path = str(tmp_path / "m.weights.npz")
    model.save_weights(path)
    other = _mlp()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    raw = np.load(path, allow_pickle=False)  # a plain npz: no pickled objects
    assert len(raw.files) == 5


def test_load_weights_mismatch_leaves_weights_untouched(tmp_path):
    path = str(tmp_path / "m.weights.npz")
    keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3), keras.layers.Dense(5)]
                     ).save_weights(path)
    model = _mlp()
    before = model.get_weights()
    with pytest.raises(ValueError, match="Nothing was loaded"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_truncated_weights_file_raises_clearly(tmp_path):
    model = _mlp()
    path = tmp_path / "m.weights.npz"
    model.save_weights(str(path))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    before = model.get_weights()
    with pytest.raises(ValueError, match="truncated"):
        model.load_weights(str(path))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_file_name_must_be_a_weights_file(tmp_path):
    with pytest.raises(ValueError, match="must end in"):
        _mlp().save_weights(str(tmp_path / "model.pkl"))


def test_functional_model_with_two_inputs_and_shared_layer():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    shared = keras.layers.Dense(2)
    out = keras.layers.Concatenate()([shared(a), shared(b)])
    model = keras.Model(inputs=[a, b], outputs=out)
    xa, xb = np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)
    y = model([xa, xb])
    assert tuple(y.shape) == (4, 4)
    np.testing.assert_allclose(y.numpy()[:, :2], shared(xa).numpy())
    assert len(model.weights) == 2
    assert isinstance(model, keras.Model)


def test_gradients_flow_through_functional_model():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dense(4, activation="tanh")(inputs)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(np.ones((2, 3), np.float32)))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads) and len(grads) == 4


def test_sequential_builds_lazily_and_pop():
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
    assert not model.built and model.weights == []
    model(np.ones((1, 5), np.float32))
    assert model.built and [tuple(w.shape) for w in model.weights] == [(5, 3), (3,), (3, 2), (2,)]
    model.pop()
    assert len(model.layers) == 1 and len(model.weights) == 2


def test_fit_lowers_loss_and_prints_progress(capsys):
    rs = np.random.RandomState(0)
    x = rs.randn(256, 4).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=3, validation_data=(x[:64], y[:64]))
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and "8/8" in out and "val_accuracy" in out
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.8
    # Keras 3: the compiled metrics live in one CompileMetrics container
    assert model.metrics_names == ["loss", "compile_metrics"]
    assert [m.name for m in model.metrics[1].metrics] == ["accuracy"]


def test_progbar_averages_until_the_last_update_which_shows_its_values_as_keras_3(capsys):
    bar = keras.utils.Progbar(4, verbose=1, interval=0)
    for i in range(1, 5):
        bar.update(i, [("loss", float(i))])
    shown = [s.rstrip("\b ") for s in capsys.readouterr().out.split("\r")[1:]]
    assert [s.rsplit(" - ", 1)[1] for s in shown] == ["loss: 1.0000", "loss: 1.5000", "loss: 2.0000",
                                                      "loss: 4.0000\n"]
    assert shown[-1].startswith("\x1b[1m4/4\x1b[0m \x1b[32m" + "━" * 20)


def test_layer_call_converts_numpy_and_casts_float64():
    layer = keras.layers.Dense(2)
    y = layer(np.ones((1, 3)))  # float64 NumPy input, autocast to the layer's float32
    assert y.dtype == tf.float32


def test_kernel_regularizer_penalty_in_losses_and_on_tape():
    layer = keras.layers.Dense(2, kernel_regularizer=lambda w: 0.5 * tf.reduce_sum(w * w))
    model = keras.Sequential([keras.Input(shape=(3,)), layer])
    layer.set_weights([np.ones((3, 2), np.float32), np.zeros(2, np.float32)])
    with tf.GradientTape() as tape:
        penalty = tf.add_n(model.losses)
    np.testing.assert_allclose(float(penalty), 3.0)
    np.testing.assert_allclose(tape.gradient(penalty, layer.kernel).numpy(), np.ones((3, 2)))
