"""tapejax.keras.callbacks: what has no TF counterpart to compare with (tapejax's own limits)."""

import numpy as np

import tapejax as tf
from tapejax.keras._callbacks import _pythonify_logs


def _model():
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_model_checkpoint_of_a_whole_model_writes_a_keras_file_load_model_reads(tmp_path):
    cb = tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"))
    model = _model()
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), epochs=1, verbose=0,
              callbacks=[cb])
    reloaded = tf.keras.models.load_model(str(tmp_path / "m.keras"))
    for a, b in zip(model.weights + model.optimizer.variables,
                    reloaded.weights + reloaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_pythonify_logs_sorts_flattens_and_makes_floats():
    logs = _pythonify_logs({"b": tf.constant(2.0), "a": np.float32(1.5), "n": {"c": 3},
                            "o": np.ones(2)})
    assert list(logs) == ["a", "b", "c", "o"]
    assert type(logs["a"]) is float and type(logs["b"]) is float and logs["c"] == 3.0
    assert isinstance(logs["o"], np.ndarray)


def test_fit_returns_the_history_callback_that_is_the_models_history():
    model = _model()
    h = model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), epochs=2, verbose=0)
    assert isinstance(h, tf.keras.callbacks.History) and model.history is h
    assert h.epoch == [0, 1] and list(h.history) == ["loss"]
