"""Keras 3's recurrent layers' `cell` and `stateful=True`, on TF 2.21's Keras and on tapejax: the cell holds the
layer's weights; a stateful layer's final states start its next call (eagerly, in `predict` and in `fit`), are
reset by `reset_state()`, and need the batch size when the layer is built."""

import numpy as np
import pytest

from compat_tests import _harness
from compat_tests._harness import raises

RS = np.random.RandomState(11)
X = RS.randn(2, 4, 3).astype(np.float32)
SEQS = RS.randn(8, 4, 3).astype(np.float32)
TARGETS = RS.randn(8, 2).astype(np.float32)
KINDS = ["SimpleRNN", "LSTM", "GRU"]


def _set(layer):
    rs = np.random.RandomState(5)
    layer.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.5 for w in layer.weights])


def _values(states):
    return [np.asarray(s.numpy()) for s in states]


@pytest.mark.parametrize("kind", KINDS)
def test_a_recurrent_layers_cell_holds_the_layers_weights(compare, kind):
    def program(tf):
        layer = getattr(tf.keras.layers, kind)(2)
        before = [type(layer.cell).__name__, layer.cell.name, layer.cell.built, len(layer.cell.weights)]
        layer.build((None, 4, 3))
        _set(layer)
        cell = layer.cell
        same = [a is b for a, b in zip(cell.weights, layer.weights)]
        states = cell.get_initial_state(batch_size=2)
        step_out, _ = cell(tf.constant(X[:, 0]), states)
        whole = getattr(tf.keras.layers, kind)(2)
        whole.build((None, 1, 3))
        whole.set_weights(layer.get_weights())
        sizes = cell.state_size if isinstance(cell.state_size, int) else list(cell.state_size)
        paths = [w.path.split("/", 1)[1] for w in cell.weights]  # (the layer's own name depends on the run)
        return [before, cell.built, same, paths, cell.units, sizes, cell.output_size, cell is layer.cell, step_out, whole(tf.constant(X[:, :1])), layer.cell.trainable]
    compare(program)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stateful_layer_starts_each_call_from_the_last_calls_final_states(compare, kind):
    def program(tf):
        layer = getattr(tf.keras.layers, kind)(2, stateful=True, return_sequences=True)
        layer.build((2, 4, 3))
        _set(layer)
        initial = _values(layer.states)
        first = layer(tf.constant(X))
        after_first = _values(layer.states)
        second = layer(tf.constant(X))
        layer.reset_state()
        zeros = _values(layer.states)
        third = layer(tf.constant(X))
        layer.reset_states()
        return [initial, first, after_first, second, zeros, third, [v.name for v in layer.states],
                [v.trainable for v in layer.states], len(layer.weights), len(layer.non_trainable_weights),
                layer.get_config()["stateful"], _values(layer.states)]
    compare(program)


def test_a_stateful_lstm_with_return_state_keeps_both_of_its_states(compare):
    def program(tf):
        layer = tf.keras.layers.LSTM(2, stateful=True, return_state=True)
        layer.build((2, 4, 3))
        _set(layer)
        out, h, c = layer(tf.constant(X))
        return [out, h, c, _values(layer.states), layer(tf.constant(X))]
    compare(program)


def test_a_stateful_layer_given_an_initial_state_starts_from_it_and_keeps_its_final_states(compare):
    def program(tf):
        layer = tf.keras.layers.GRU(2, stateful=True)
        layer.build((2, 4, 3))
        _set(layer)
        out = layer(tf.constant(X), initial_state=[tf.ones((2, 2))])
        return [out, _values(layer.states), layer(tf.constant(X))]
    compare(program)


def test_a_stateful_layer_built_without_a_batch_size_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.LSTM(2, stateful=True).build((None, 4, 3))
    compare(program)


def test_a_stateful_layer_called_on_another_batch_size_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        layer = tf.keras.layers.SimpleRNN(2, stateful=True)
        layer(tf.constant(X))
        return layer(tf.constant(X[:1]))
    compare(program)


def test_a_stateful_layer_in_a_functional_model_needs_a_fixed_batch_size(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.LSTM(2, stateful=True)(tf.keras.Input((4, 3)))
    compare(program)


def test_a_rebuilt_stateful_layer_resets_its_states(compare):
    def program(tf):
        layer = tf.keras.layers.SimpleRNN(2, stateful=True)
        layer.build((2, 4, 3))
        _set(layer)
        layer(tf.constant(X))
        kept = _values(layer.states)
        layer.build((2, 4, 3))
        return [kept, _values(layer.states)]
    compare(program)


@pytest.mark.parametrize("cells", ["one", "stacked"])
def test_a_stateful_rnn_of_cells_carries_its_states(compare, cells):
    def program(tf):
        layers = tf.keras.layers
        cell = layers.LSTMCell(2) if cells == "one" else [layers.SimpleRNNCell(3), layers.GRUCell(2)]
        layer = layers.RNN(cell, stateful=True, return_sequences=True)
        layer.build((2, 4, 3))
        _set(layer)
        first, second = layer(tf.constant(X)), layer(tf.constant(X))
        flat = layer.states if cells == "one" else [v for group in layer.states for v in group]
        return [first, second, _values(flat), [v.name for v in flat], len(layer.weights)]
    compare(program)


def _stateful_model(tf, kind):
    model = tf.keras.Sequential([tf.keras.Input(batch_shape=(2, 4, 3)),
                                 getattr(tf.keras.layers, kind)(3, stateful=True), tf.keras.layers.Dense(2)])
    rs = np.random.RandomState(9)
    model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.4 for w in model.weights])
    return model


@pytest.mark.parametrize("kind", KINDS)
def test_predict_of_a_stateful_model_carries_the_states_from_batch_to_batch(compare, kind):
    def program(tf):
        model = _stateful_model(tf, kind)
        carried = model.predict(SEQS, batch_size=2, verbose=0)
        states = _values(model.layers[0].states)
        model.layers[0].reset_state()
        again = model.predict(SEQS[:2], batch_size=2, verbose=0)
        return [carried, states, again]
    compare(program, atol=1e-5)


def test_fit_of_a_stateful_model_carries_the_states_and_trains(compare):
    def program(tf):
        model = _stateful_model(tf, "LSTM")
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
        history = model.fit(SEQS, TARGETS, batch_size=2, epochs=2, shuffle=False, verbose=0)
        return [history.history["loss"], _values(model.layers[0].states), model.get_weights()]
    compare(program, atol=1e-5, rtol=1e-4)


def test_fit_of_a_stateful_model_on_a_smaller_last_batch_runs_on_without_a_batch_size_check(compare):
    def program(tf):  # TF's traced step sees no batch size, so Keras' check does not run there
        model = _stateful_model(tf, "SimpleRNN")
        model.compile(optimizer="sgd", loss="mse")
        model.fit(SEQS[:7], TARGETS[:7], batch_size=2, epochs=1, shuffle=False, verbose=0)
    compare(program)


def test_a_stateful_bidirectional_layer_carries_and_resets_both_directions_states(compare):
    def program(tf):
        layer = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2, stateful=True))
        layer.build((2, 4, 3))
        _set(layer)
        first, second = layer(tf.constant(X)), layer(tf.constant(X))
        states = _values(layer.states)
        layer.reset_states()
        return [layer.stateful, first, second, states, _values(layer.states), layer(tf.constant(X))]
    compare(program)


def test_reset_state_of_a_bidirectional_layer_that_is_not_stateful_raises_attribute_error(compare):
    @raises("AttributeError")
    def program(tf):
        layer = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(2))
        return [layer.states, layer.reset_state()]
    compare(program)


# -- convolutional LSTMs -------------------------------------------------------------------------------
CONV_CASES = [
    ("ConvLSTM2D", dict(filters=3, kernel_size=3), (2, 3, 6, 5, 2)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=(3, 2), padding="same", return_sequences=True), (2, 3, 5, 4, 2)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=3, strides=2, padding="same", go_backwards=True,
                        return_state=True, activation="relu"), (2, 3, 6, 5, 2)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=2, dilation_rate=2, use_bias=False, return_sequences=True),
     (2, 3, 6, 6, 1)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=3, data_format="channels_first", return_sequences=True),
     (2, 3, 2, 5, 6)),
    ("ConvLSTM1D", dict(filters=3, kernel_size=2, return_sequences=True), (2, 4, 7, 2)),
    ("ConvLSTM3D", dict(filters=2, kernel_size=2, padding="same"), (1, 2, 3, 4, 3, 2)),
]


@pytest.mark.parametrize("name, kwargs, shape", CONV_CASES)
def test_conv_lstm_outputs_weights_and_gradients_equal_keras(compare, name, kwargs, shape):
    if kwargs.get("data_format") == "channels_first":
        _harness.skip_on_eigen_tf("NCHW Conv2D on the CPU")
    def program(tf):
        layer = getattr(tf.keras.layers, name)(**kwargs)
        layer.build(shape)
        _set(layer)
        x = tf.constant(np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape))
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = layer(x)
            outs = list(out) if isinstance(out, (list, tuple)) else [out]
            loss = tf.add_n([tf.reduce_sum(o * o) for o in outs])
        grads = tape.gradient(loss, [x] + layer.trainable_weights)
        symbolic = getattr(tf.keras.layers, name)(**kwargs)(tf.keras.Input(shape[1:]))
        symbolic = [tuple(s.shape) for s in symbolic] if isinstance(symbolic, (list, tuple)) else tuple(symbolic.shape)
        return [layer.name.rstrip("_0123456789"), [w.path.split("/", 1)[1] for w in layer.weights],
                type(layer.cell).__name__, layer.filters, symbolic] + outs + grads
    compare(program, atol=1e-5, rtol=1e-4)


def test_a_stateful_conv_lstm_carries_its_states(compare):
    def program(tf):
        layer = tf.keras.layers.ConvLSTM2D(2, 3, padding="same", stateful=True)
        shape = (2, 3, 4, 4, 1)
        layer.build(shape)
        _set(layer)
        x = tf.constant(np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape))
        first, second = layer(x), layer(x)
        layer.reset_state()
        return [first, second, layer(x), [tuple(s.shape) for s in layer.states]]
    compare(program, atol=1e-5)


def test_a_conv_lstm_cell_initializes_its_forget_bias_to_ones(compare):
    def program(tf):
        layer = tf.keras.layers.ConvLSTM2D(2, 3)
        layer.build((None, 3, 5, 5, 1))
        return [layer.cell.bias.numpy(), tuple(layer.cell.kernel.shape), tuple(layer.cell.recurrent_kernel.shape)]
    compare(program)


@pytest.mark.parametrize("kwargs", [dict(strides=2, dilation_rate=2), dict(padding="causal")])
def test_conv_lstm_with_bad_arguments_raises_value_error(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.ConvLSTM2D(2, 3, **kwargs)
    compare(program, messages=False)


def test_a_conv_lstm_of_unknown_spatial_dimensions_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.ConvLSTM2D(2, 3)(tf.keras.Input((3, None, 5, 1)))
    compare(program)


def test_a_model_with_a_conv_lstm_trains_as_keras(compare):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((3, 5, 5, 1)), tf.keras.layers.ConvLSTM2D(2, 3, padding="same"),
                                     tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
        rs = np.random.RandomState(2)
        model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.3 for w in model.weights])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
        x = rs.randn(4, 3, 5, 5, 1).astype(np.float32)
        history = model.fit(x, rs.randn(4, 1).astype(np.float32), batch_size=2, epochs=2, shuffle=False, verbose=0)
        return [history.history["loss"], model.predict(x, verbose=0)]
    compare(program, atol=1e-4, rtol=1e-4)


def _conv_lstm_model(tf):
    model = tf.keras.Sequential([tf.keras.Input((3, 5, 5, 1)),
                                 tf.keras.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
                                 tf.keras.layers.ConvLSTM2D(1, 2), tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
    rs = np.random.RandomState(4)
    model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.3 for w in model.weights])
    return model


CONV_X = np.random.RandomState(6).randn(2, 3, 5, 5, 1).astype(np.float32)


@pytest.mark.parametrize("writer", _harness.BACKENDS)
def test_a_conv_lstm_model_saved_by_either_backend_loads_on_both(compare, tmp_path, writer):
    model = _conv_lstm_model(_harness.load(writer))
    whole, weights = str(tmp_path / "m.keras"), str(tmp_path / "m.weights.h5")
    model.save(whole)
    model.save_weights(weights)

    def program(tf):
        loaded = tf.keras.models.load_model(whole)
        fresh = _conv_lstm_model(tf)
        fresh.set_weights([np.zeros(w.shape, np.float32) for w in fresh.weights])
        fresh.load_weights(weights)
        return [[layer.name for layer in loaded.layers], loaded.predict(CONV_X, verbose=0),
                fresh.predict(CONV_X, verbose=0)]
    compare(program, atol=1e-6)


def test_a_conv_lstm_models_checkpoint_lists_tfs_variable_names(compare, tmp_path):
    def program(tf):
        path = tf.train.Checkpoint(model=_conv_lstm_model(tf)).save(str(tmp_path / tf.__name__ / "ckpt"))
        return [(name, tuple(shape)) for name, shape in tf.train.list_variables(path)
                if name != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    compare(program)
