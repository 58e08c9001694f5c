"""Keras 3's saving formats between TF 2.21's Keras and tapejax: `.weights.h5` (HDF5 layout) and the
`.keras` zip. A file written by one framework is read by both, and the weights (exactly), optimizer
variables and predictions compared; each framework's own file layout is compared too."""

import os

import h5py
import numpy as np
import pytest

from compat_tests import _harness

RS = np.random.RandomState(5)
X = RS.randn(6, 4).astype(np.float32)
Y = RS.randn(6, 1).astype(np.float32)
SEQ = RS.randint(0, 7, size=(6, 5)).astype(np.int32)


def _sequential(tf):
    keras = tf.keras
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.Dropout(0.2),
                             keras.layers.Dense(1)])


def _functional(tf):
    keras = tf.keras
    inputs = keras.Input((4,), name="features")
    a = keras.layers.Dense(3, activation="tanh")(inputs)
    b = keras.layers.Dense(3)(keras.layers.Dense(2)(inputs))
    merged = keras.layers.Concatenate()([a, b])
    return keras.Model(inputs, keras.layers.Dense(1)(merged), name="branches")


def _recurrent(tf):
    keras = tf.keras
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(7, 3)(inputs)
    x = keras.layers.Conv1D(4, 2, padding="same")(x)
    x = keras.layers.LSTM(3, return_sequences=True)(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(2))(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


def _attention(tf):
    keras = tf.keras
    inputs = keras.Input((3, 4))
    x = keras.layers.MultiHeadAttention(2, 3)(inputs, inputs)
    x = keras.layers.LayerNormalization()(keras.layers.Add()([inputs, x]))
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x)))


def _subclass_classes(tf):
    keras = tf.keras

    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = keras.layers.Dense(3)
            self.parts = [keras.layers.Dense(2), [keras.layers.Dense(2)]]

        def call(self, x):
            return self.parts[1][0](self.parts[0](self.first(x)))

    class Net(keras.Model):
        def __init__(self, units=1, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.block = Block()
            self.head = keras.layers.Dense(units)
            self.scale = self.add_weight(shape=(1,), initializer="ones", name="scale")

        def call(self, x):
            return self.head(self.block(x)) * self.scale

        def get_config(self):
            return {"units": self.units}

    return {"Net": Net, "Block": Block}


def _subclassed(tf):
    return _subclass_classes(tf)["Net"]()


MODELS = {"sequential": (_sequential, X), "functional": (_functional, X),
          "recurrent": (_recurrent, SEQ), "subclassed": (_subclassed, X),
          "attention": (_attention, RS.randn(6, 3, 4).astype(np.float32))}


def _trained(tf, kind):
    make, x = MODELS[kind]
    model = make(tf)
    model(x)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(x, Y, epochs=2, batch_size=3, verbose=0)
    return model


def _write(backend, kind, directory):
    """Trains a `kind` model on `backend` and saves it both ways; returns the two paths."""
    tf = _harness.load(backend)
    model = _trained(tf, kind)
    whole = os.path.join(directory, f"{kind}_{backend}.keras")
    weights = os.path.join(directory, f"{kind}_{backend}.weights.h5")
    model.save(whole)
    model.save_weights(weights)
    return whole, weights


def _state(model, x):
    return {"weights": [np.asarray(w.numpy()) for w in model.weights],
            "optimizer": [np.asarray(v.numpy()) for v in model.optimizer.variables]
            if model.optimizer is not None else None,
            "prediction": model.predict(x, verbose=0)}


@pytest.mark.parametrize("writer", _harness.BACKENDS)
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_keras_file_loads_with_the_same_weights_optimizer_state_and_predictions(
        compare, tmp_path, writer, kind):
    whole, _ = _write(writer, kind, str(tmp_path))
    x = MODELS[kind][1]

    def program(tf):
        model = tf.keras.models.load_model(whole, custom_objects=_subclass_classes(tf))
        state = _state(model, x)
        return [type(model).__name__, model.name if kind != "subclassed" else None,
                state["weights"], state["optimizer"], state["prediction"]]
    expected = compare(program, rtol=1e-6, atol=1e-6)
    # the weights and optimizer variables are the file's values, bit for bit, on both
    tf = _harness.load("tapejax")
    got = _harness.normalize(program(tf))
    _harness.assert_same(expected[1][2], got[1][2], rtol=0, atol=0)
    _harness.assert_same(expected[1][3], got[1][3], rtol=0, atol=0)


@pytest.mark.parametrize("writer", _harness.BACKENDS)
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_weights_h5_file_loads_into_a_fresh_model_exactly(compare, tmp_path, writer, kind):
    _, weights = _write(writer, kind, str(tmp_path))
    make, x = MODELS[kind]

    def program(tf):
        model = make(tf)
        model(x)
        model.load_weights(weights)
        return [[np.asarray(w.numpy()) for w in model.weights], model.predict(x, verbose=0)]
    expected = compare(program, rtol=1e-6, atol=1e-6)
    got = _harness.normalize(program(_harness.load("tapejax")))
    _harness.assert_same(expected[1][0], got[1][0], rtol=0, atol=0)


def _layout(path):
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append(
            (name, tuple(obj.shape) if isinstance(obj, h5py.Dataset) else None,
             str(obj.dtype) if isinstance(obj, h5py.Dataset) else None)))
    return sorted(out)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_both_write_the_same_hdf5_groups_and_datasets(compare, tmp_path, kind):
    def program(tf):
        directory = tmp_path / tf.__name__
        directory.mkdir()
        _, weights = _write(tf.__name__, kind, str(directory))
        return _layout(weights)
    compare(program)


def test_the_keras_archive_holds_keras_members_and_a_keras_3_config(compare, tmp_path):
    import json
    import zipfile

    def program(tf):
        path = str(tmp_path / f"{tf.__name__}.keras")
        _trained(tf, "sequential").save(path)
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            metadata = json.loads(archive.read("metadata.json"))
            return [archive.namelist(), sorted(config), config["class_name"],
                    [layer["class_name"] for layer in config["config"]["layers"]],
                    config["compile_config"]["loss"],
                    config["compile_config"]["optimizer"]["class_name"],
                    sorted(metadata)]
    compare(program)


def test_load_model_refuses_a_lambda_layer_under_safe_mode(compare, tmp_path):
    import tensorflow as real_tf
    inputs = real_tf.keras.Input((3,))
    model = real_tf.keras.Model(inputs, real_tf.keras.layers.Lambda(lambda t: t * 2.0)(inputs))
    path = str(tmp_path / "lambda.keras")
    model.save(path)

    def program(tf):
        return tf.keras.models.load_model(path)
    compare(program, raises="ValueError")


def test_load_model_with_safe_mode_off_runs_the_lambda(compare, tmp_path):
    import tensorflow as real_tf
    inputs = real_tf.keras.Input((3,))
    model = real_tf.keras.Model(inputs, real_tf.keras.layers.Lambda(lambda t: t * 2.0)(inputs))
    path = str(tmp_path / "lambda.keras")
    model.save(path)

    def program(tf):
        return tf.keras.models.load_model(path, safe_mode=False)(X[:, :3])
    compare(program)


def test_load_weights_of_another_architecture_raises_keras_value_error(compare, tmp_path):
    def program(tf):
        keras = tf.keras
        path = str(tmp_path / f"{tf.__name__}.weights.h5")
        small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="a")])
        small.save_weights(path)
        big = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="a"),
                                keras.layers.Dense(1, name="b")])
        before = [np.asarray(w.numpy()) for w in big.weights]
        try:
            big.load_weights(path)
        except ValueError as err:
            return [str(err).split("\n")[0], before[-1]]
        return "loaded"
    compare(program)


@pytest.mark.parametrize("path", ["w.h5", "w.keras", "w.weights.json"])
def test_save_weights_names_must_end_in_weights_h5(compare, tmp_path, path):
    def program(tf):
        model = _sequential(tf)
        model.save_weights(str(tmp_path / path))
    compare(program, raises="ValueError")


def test_save_weights_of_an_unbuilt_model_raises(compare, tmp_path):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
        model.save_weights(str(tmp_path / "u.weights.h5"))
    compare(program, raises="ValueError")


def _write_legacy(backend, kind, directory):
    tf = _harness.load(backend)
    make, x = MODELS[kind]
    model = make(tf)
    model(x)
    # (TF's Keras cannot reload its own legacy .h5 of a loss or metric given by name)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=tf.keras.losses.MeanSquaredError(),
                  metrics=[tf.keras.metrics.MeanAbsoluteError()])
    model.fit(x, Y, epochs=2, batch_size=3, verbose=0)
    path = os.path.join(directory, f"{kind}_{backend}.h5")
    model.save(path)
    return path


@pytest.mark.parametrize("writer", _harness.BACKENDS)
@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_a_legacy_h5_model_loads_with_the_same_weights_and_predictions(
        compare, tmp_path, writer, kind):
    path = _write_legacy(writer, kind, str(tmp_path))
    x = MODELS[kind][1]

    def program(tf):
        model = tf.keras.models.load_model(path)
        state = _state(model, x)
        return [type(model).__name__, state["weights"], state["optimizer"], state["prediction"],
                model.evaluate(x, Y, verbose=0)]
    expected = compare(program, rtol=1e-6, atol=1e-6)
    got = _harness.normalize(program(_harness.load("tapejax")))
    _harness.assert_same(expected[1][1], got[1][1], rtol=0, atol=0)
