"""KerasTensor operators and keras.ops calls in functional models, on TF 2.21's Keras 3 and on
tapejax: they record symbolic operations (not layers), with Keras' symbolic shapes and dtypes, its
config entries (`keras.src.ops.numpy.Multiply`, ...), and models that call, train and round-trip
through `.keras` files."""

import json
import os
import tempfile

import numpy as np

X = np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32)


def _model(tf):
    inputs = tf.keras.Input(shape=(2,))
    scaled = -(inputs * 10.0 + 1.0)
    dense = tf.keras.layers.Dense(2, kernel_initializer="ones")(inputs)
    outputs = [scaled[:, 0], tf.keras.ops.exp(inputs) + dense, 2.0 - inputs[..., 1:] / 4.0]
    return tf.keras.Model(inputs, outputs)


def _operation_names(model):
    return [getattr(op, "class_name", type(op).__name__) for op in model.operations]


def test_operators_record_operations_not_layers(compare):
    def program(tf):
        model = _model(tf)
        return ([type(layer).__name__ for layer in model.layers], _operation_names(model),
                [np.asarray(o) for o in model(X)])
    compare(program)


def test_operations_have_keras_config_entries(compare):
    def program(tf):
        tf.keras.backend.clear_session()  # auto names (`multiply`, `get_item_1`) count per process
        config = json.loads(_model(tf).to_json())["config"]
        entries = [(e["class_name"], e["module"], e["name"], e.get("registered_name"), e["config"])
                   if e["module"].startswith("keras.src.ops") else (e["class_name"], e["name"])
                   for e in config["layers"]]
        get_items = [e["inbound_nodes"] for e in config["layers"] if e["class_name"] == "GetItem"]
        return entries, json.dumps(get_items, sort_keys=True), config["output_layers"]
    compare(program)


def test_symbolic_shapes_and_dtypes_follow_keras(compare):
    def program(tf):
        x = tf.keras.Input(shape=(2,))
        n = tf.keras.Input(shape=(3,), dtype="int32")
        results = [x[:, 0], x[0], x @ tf.keras.ops.ones((2, 4)), x ** 2, abs(x), x > 0.0,
                   n * 1.5, n + 1, n / 2, (x > 0.0) & (x < 1.0), ~(x > 0.0), 3.0 - x, x % 2.0]
        return [(tuple(r.shape), str(r.dtype)) for r in results]
    compare(program)


def test_a_model_with_operations_trains(compare):
    def program(tf):
        inputs = tf.keras.Input(shape=(2,))
        outputs = tf.keras.layers.Dense(1, kernel_initializer="ones")(inputs * 0.5 - 1.0) ** 2
        model = tf.keras.Model(inputs, outputs)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
        history = model.fit(X, np.array([[1.0], [2.0]], np.float32), epochs=3, batch_size=2, verbose=0)
        return history.history["loss"], [np.asarray(w) for w in model.get_weights()]
    compare(program, rtol=1e-4)


def test_a_model_with_operations_round_trips_through_a_keras_file(compare):
    def program(tf):
        model = _model(tf)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.keras")
            model.save(path)
            again = tf.keras.models.load_model(path)
        return ([type(layer).__name__ for layer in again.layers], _operation_names(again),
                [np.asarray(o) for o in again(X)])
    compare(program)
