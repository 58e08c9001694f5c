"""Keras 3's recurrent cells (`SimpleRNNCell`, `GRUCell`, `LSTMCell`, `StackedRNNCells`) and the
`RNN` layer over them: the same weights set on both backends, outputs, states and gradients compared
(tutorials/structured_data/time_series' FeedBack model calls an LSTMCell inside RNN and directly)."""

import numpy as np
import pytest

X = np.random.RandomState(0).randn(3, 5, 4).astype(np.float32)
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], bool)


def _set_weights(layer, seed=1):
    """Deterministic weights of the built `layer`'s shapes, in its weight order."""
    rng = np.random.RandomState(seed)
    layer.set_weights([rng.uniform(-0.5, 0.5, tuple(w.shape)).astype(np.float32) for w in layer.weights])


def _plain(size):
    """A state_size as plain lists (TF's tracking wraps a list attribute as a TrackedList)."""
    return [_plain(s) for s in size] if isinstance(size, (list, tuple)) else size


def _cells(tf):
    layers = tf.keras.layers
    return [layers.SimpleRNNCell(3), layers.SimpleRNNCell(3, activation="relu", use_bias=False),
            layers.GRUCell(3), layers.GRUCell(3, reset_after=False), layers.LSTMCell(3),
            layers.LSTMCell(2, recurrent_activation="tanh", use_bias=False)]


def test_a_cell_called_directly_returns_the_output_and_its_new_states(compare):
    def program(tf):
        out = []
        for cell in _cells(tf):
            states = cell.get_initial_state(batch_size=3)
            first, new = cell(X[:, 0], states)  # builds the cell
            _set_weights(cell)
            h, new = cell(X[:, 1], [s + 0.25 for s in states])
            bare = cell(X[:, 1], states[0]) if len(states) == 1 else None
            out.append((type(cell).__name__, _plain(cell.state_size), cell.output_size,
                        [tuple(s.shape) for s in states], h, new, new[0] is h,
                        [(w.name, w.path, tuple(w.shape)) for w in cell.weights],
                        None if bare is None else (isinstance(bare[1], list), bare[1])))
        return out
    compare(program)


@pytest.mark.parametrize("flags", [dict(), dict(return_sequences=True), dict(return_state=True),
                                   dict(return_sequences=True, return_state=True, go_backwards=True)])
def test_rnn_over_each_cell_gives_tf_outputs_states_and_gradients(compare, flags):
    def program(tf):
        out = []
        for cell in _cells(tf):
            rnn = tf.keras.layers.RNN(cell, **flags)
            rnn(X)
            _set_weights(rnn)
            x = tf.constant(X)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = rnn(x)
                loss = tf.add_n([tf.reduce_sum(t * t) for t in tf.nest.flatten(y)])
            grads = tape.gradient(loss, [x] + rnn.trainable_weights)
            out.append((y, grads, [w.path for w in rnn.weights], _plain(rnn.state_size)))
        return out
    compare(program)


def test_rnn_of_an_lstm_cell_equals_the_lstm_layer_with_the_same_weights(compare):
    def program(tf):
        out = []
        for kind in ("LSTM", "GRU", "SimpleRNN"):
            layer = getattr(tf.keras.layers, kind)(3, return_sequences=True, return_state=True)
            rnn = tf.keras.layers.RNN(getattr(tf.keras.layers, kind + "Cell")(3), return_sequences=True,
                                      return_state=True)
            layer(X), rnn(X)
            _set_weights(layer)
            rnn.set_weights(layer.get_weights())
            a, b = layer(X), rnn(X)
            out.append([float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) < 1e-6 for p, q in zip(a, b)])
        return out
    compare(program)


def test_stacked_cells_run_in_order_and_return_each_cells_states(compare):
    def program(tf):
        layers = tf.keras.layers
        stacked = layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(4), layers.SimpleRNNCell(2)])
        rnn = layers.RNN(stacked, return_state=True, return_sequences=True)
        rnn(X)
        _set_weights(rnn)
        x = tf.constant(X)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = rnn(x)
            loss = tf.add_n([tf.reduce_sum(t) for t in tf.nest.flatten(y)])
        grads = tape.gradient(loss, [x] + rnn.trainable_weights)
        states = stacked.get_initial_state(batch_size=3)
        h, new = stacked(X[:, 0], states)
        as_list = layers.RNN([layers.SimpleRNNCell(2), layers.SimpleRNNCell(3)], return_state=True)(X)
        return (y, grads, _plain(stacked.state_size), stacked.output_size, h, new,
                [w.path for w in rnn.weights], tf.nest.map_structure(lambda t: tuple(t.shape), as_list))
    compare(program)


def test_a_mask_carries_states_over_masked_steps(compare):
    def program(tf):
        out = []
        for zero in (False, True):
            rnn = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(3), return_sequences=True, return_state=True,
                                      zero_output_for_mask=zero)
            rnn(X)
            _set_weights(rnn)
            out.append(rnn(X, mask=MASK))
        return out
    compare(program)


def test_a_users_cell_runs_step_by_step(compare):
    def program(tf):
        class MinimalRNNCell(tf.keras.layers.Layer):  # the Keras RNN guide's cell
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.state_size = units

            def build(self, input_shape):
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones",
                                              name="kernel")
                self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                        initializer=tf.keras.initializers.Constant(0.3),
                                                        name="recurrent_kernel")

            def call(self, inputs, states):
                prev_output = states[0]
                h = tf.matmul(inputs, self.kernel)
                output = h + 0.5 * tf.matmul(prev_output, self.recurrent_kernel)
                return output, [output]

        out = []
        for flags in (dict(), dict(return_sequences=True, return_state=True, go_backwards=True)):
            rnn = tf.keras.layers.RNN(MinimalRNNCell(2), **flags)
            x = tf.constant(X)
            with tf.GradientTape() as tape:
                y = rnn(x)
                loss = tf.add_n([tf.reduce_sum(t) for t in tf.nest.flatten(y)])
            out.append((y, tape.gradient(loss, rnn.trainable_weights)))
        masked = tf.keras.layers.RNN(MinimalRNNCell(2), return_sequences=True)(X, mask=MASK)
        return out, masked
    compare(program)


def test_a_functional_model_with_an_rnn_trains_like_tf(compare):
    def program(tf):
        inputs = tf.keras.Input((5, 4))
        seq, h, c = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(3), return_sequences=True, return_state=True)(inputs)
        y = tf.keras.layers.Dense(1)(tf.keras.layers.Concatenate()([seq[:, -1], h, c]))
        model = tf.keras.Model(inputs, y)
        _set_weights(model)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
        history = model.fit(X, np.arange(3, dtype=np.float32), epochs=3, batch_size=3, verbose=0)
        return ([tuple(t.shape) for t in (seq, h, c)], history.history["loss"], model.predict(X, verbose=0))
    compare(program, rtol=1e-4)


def test_configs_round_trip_with_the_cell_serialized(compare):
    def program(tf):
        rnn = tf.keras.layers.RNN(tf.keras.layers.GRUCell(3, reset_after=False), return_state=True,
                                  go_backwards=True, name="recurrent")
        config = rnn.get_config()
        again = tf.keras.layers.RNN.from_config(dict(config))  # Keras pops "cell"
        stacked = tf.keras.layers.StackedRNNCells([tf.keras.layers.LSTMCell(2), tf.keras.layers.SimpleRNNCell(3)])
        stacked_again = tf.keras.layers.StackedRNNCells.from_config(stacked.get_config())
        return ({k: config[k] for k in ("name", "return_sequences", "return_state", "go_backwards",
                                        "stateful", "unroll", "zero_output_for_mask")},
                (config["cell"]["module"], config["cell"]["class_name"], config["cell"]["config"]["units"],
                 config["cell"]["config"]["reset_after"]),
                (type(again.cell).__name__, again.cell.units, again.cell.reset_after, again.go_backwards),
                [type(c).__name__ for c in stacked_again.cells], _plain(stacked_again.state_size))
    compare(program)


def test_bad_cells_raise_value_error(compare):
    def program(tf):
        out = []
        for make in (lambda: tf.keras.layers.RNN("cell"), lambda: tf.keras.layers.LSTMCell(0),
                     lambda: tf.keras.layers.StackedRNNCells([object()])):
            try:
                make()
            except ValueError as e:
                out.append(str(e).split(" Received")[0])
        return out
    compare(program)


def test_a_model_with_an_rnn_saves_and_loads_as_in_tf(compare, tmp_path):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((5, 4)), tf.keras.layers.RNN(tf.keras.layers.LSTMCell(3)),
                                     tf.keras.layers.Dense(1)])
        _set_weights(model)
        folder = tmp_path / tf.__name__
        folder.mkdir()
        path = tf.train.Checkpoint(model=model).write(str(folder / "ckpt"))
        model.save(str(folder / "model.keras"))
        loaded = tf.keras.models.load_model(str(folder / "model.keras"))
        return ([name for name, _ in tf.train.list_variables(path) if name != "_CHECKPOINTABLE_OBJECT_GRAPH"],
                type(loaded.layers[0].cell).__name__, loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    compare(program)


def test_return_state_gives_a_tuple_eagerly_and_symbolically(compare):
    def program(tf):
        layers = tf.keras.layers
        out = []
        for make in (lambda: layers.LSTM(2, return_state=True), lambda: layers.GRU(2, return_state=True),
                     lambda: layers.Bidirectional(layers.LSTM(2, return_state=True)),
                     lambda: layers.RNN(layers.LSTMCell(2), return_state=True),
                     lambda: layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)], return_state=True)):
            eager, symbolic = make()(X), make()(tf.keras.Input((5, 4)))
            out.append((type(eager).__name__, type(symbolic).__name__,
                        tf.nest.map_structure(lambda t: tuple(t.shape), symbolic)))
        return out
    compare(program)


def test_the_recurrent_layers_weights_have_their_cells_paths(compare):
    def program(tf):
        tf.keras.backend.clear_session()  # names count from 0 whatever ran before in this process
        out = []
        for kind in ("LSTM", "GRU", "SimpleRNN"):
            layer = getattr(tf.keras.layers, kind)(2)
            layer(X)
            out.append([(w.name, w.path) for w in layer.weights])
        return out
    compare(program)


def _dropout_layers(tf):
    layers = tf.keras.layers
    return [layers.LSTM(3, dropout=0.3, return_sequences=True),
            layers.LSTM(3, dropout=0.3, recurrent_dropout=0.4, return_sequences=True),
            layers.GRU(3, recurrent_dropout=0.4, return_sequences=True),
            layers.GRU(3, dropout=0.2, recurrent_dropout=0.4, reset_after=False, return_sequences=True),
            layers.SimpleRNN(3, dropout=0.3, recurrent_dropout=0.3, return_sequences=True),
            layers.RNN(layers.LSTMCell(3, dropout=0.3, recurrent_dropout=0.2), return_sequences=True),
            layers.RNN([layers.GRUCell(3, dropout=0.3), layers.LSTMCell(2, recurrent_dropout=0.5)],
                       return_sequences=True)]


def test_dropout_leaves_inference_unchanged_and_changes_training_outputs(compare):
    def program(tf):
        out = []
        for layer in _dropout_layers(tf):
            layer(X)
            _set_weights(layer)
            with tf.GradientTape() as tape:
                train = layer(X, training=True)
            grads = tape.gradient(tf.reduce_sum(train), layer.trainable_weights)
            inference = layer(X, training=False)
            out.append((inference, tuple(train.shape), bool(np.all(np.isfinite(np.asarray(train)))),
                        bool(np.max(np.abs(np.asarray(train) - np.asarray(inference))) > 1e-3),
                        [None if g is None else tuple(g.shape) for g in grads],
                        getattr(getattr(layer, "cell", layer), "dropout", None)))
        return out
    compare(program)


def test_a_model_with_recurrent_dropout_trains(compare):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((5, 4)), tf.keras.layers.LSTM(4, dropout=0.2, recurrent_dropout=0.2),
                                     tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(X, np.ones(3, np.float32), epochs=2, verbose=0)
        return sorted(history.history), bool(np.all(np.isfinite(history.history["loss"])))
    compare(program)


def test_a_masking_layer_masks_an_rnn_of_cells_in_a_functional_model(compare):
    def program(tf):
        inputs = tf.keras.Input((5, 4))
        masked = tf.keras.layers.Masking(0.0)(inputs)
        seq = tf.keras.layers.RNN(tf.keras.layers.GRUCell(3), return_sequences=True)(masked)
        last = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(2))(seq)
        model = tf.keras.Model(inputs, [seq, last])
        _set_weights(model)
        padded = X * MASK[:, :, None]
        return model(padded), model.predict(padded, verbose=0)
    compare(program)


def test_an_encoder_decoder_passes_its_states_as_initial_state(compare):
    def program(tf):
        layers = tf.keras.layers
        encoder_inputs, decoder_inputs = tf.keras.Input((5, 4)), tf.keras.Input((3, 4))
        _, h, c = layers.LSTM(3, return_state=True)(encoder_inputs)
        decoded = layers.RNN(layers.LSTMCell(3), return_sequences=True)(decoder_inputs, initial_state=[h, c])
        gru_out = layers.GRU(3)(decoder_inputs, initial_state=h)
        model = tf.keras.Model([encoder_inputs, decoder_inputs], [decoded, gru_out])
        _set_weights(model)
        rnn = layers.RNN(layers.SimpleRNNCell(3), return_state=True)
        rnn(X)
        _set_weights(rnn)
        eager = rnn(X, initial_state=[np.full((3, 3), 0.5, np.float32)])
        return model([X, X[:, :3]]), eager
    compare(program)
