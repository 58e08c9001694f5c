"""tapejax.keras saving (`_saving.py`, `_saving_lib.py`): what the compat suite cannot compare with
TF (tapejax's older .npz files, refusing unsafe files, all-or-nothing loading, the registry)."""

import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import tapejax as tf

keras = tf.keras
X = np.random.RandomState(0).randn(3, 4).astype(np.float32)


def _model(units=2, outputs=1):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, name="a"),
                             keras.layers.Dense(outputs, name="b")])


def test_old_npz_weights_files_still_load(tmp_path):
    model = _model()
    model._save_weights_npz(str(tmp_path / "old.weights.npz"))
    # tapejax used to write the same .npz under `.weights.h5` names: those load too
    model._save_weights_npz(str(tmp_path / "old.weights.h5"))
    for name in ("old.weights.npz", "old.weights.h5"):
        other = _model()
        other.load_weights(str(tmp_path / name))
        for a, b in zip(model.weights, other.weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_save_weights_writes_hdf5_not_a_zip(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    _model().save_weights(path)
    assert h5py.is_hdf5(path) and not zipfile.is_zipfile(path)
    with h5py.File(path, "r") as f:
        assert sorted(f["layers"]) == ["dense", "dense_1"]
        assert f["layers/dense/vars"].attrs["name"] == "a"


def test_a_failed_load_leaves_every_weight_unchanged(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    _model().save_weights(path)
    with h5py.File(path, "a") as f:  # break the second layer only
        del f["layers/dense_1/vars/1"]
    target = _model()
    before = [w.numpy().copy() for w in target.weights]
    with pytest.raises(ValueError, match="A total of 1 objects could not be loaded"):
        target.load_weights(path)
    for w, b in zip(target.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)


def test_skip_mismatch_warns_and_loads_the_layers_that_match(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    source = _model(outputs=1)
    source.save_weights(path)
    target = _model(outputs=3)
    before = [w.numpy().copy() for w in target.weights]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        target.load_weights(path, skip_mismatch=True)
    assert any("A total of 1 objects could not be loaded" in str(w.message) for w in caught)
    for w, s in zip(target.weights[:2], source.weights[:2]):  # `a` matches and loads
        np.testing.assert_array_equal(w.numpy(), s.numpy())
    for w, b in zip(target.weights[2:], before[2:]):  # `b` (2x1 saved, 2x3 here) is left alone
        np.testing.assert_array_equal(w.numpy(), b)


def test_an_external_link_in_a_weights_file_is_refused(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.ones((4, 2), np.float32)
    path = str(tmp_path / "m.weights.h5")
    _model().save_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(other), "/data")
    with pytest.raises(ValueError, match="ExternalLink"):
        _model().load_weights(path)


def test_load_model_imports_nothing_a_file_names(tmp_path):
    path = str(tmp_path / "m.keras")
    _model().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1].update({"module": "os", "class_name": "system",
                                          "registered_name": None})
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(TypeError, match="Could not locate class 'system'"):
        keras.models.load_model(path)


def test_a_registered_custom_layer_round_trips_without_custom_objects(tmp_path):
    @keras.utils.register_keras_serializable(package="SavingTest")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = keras.Sequential([keras.Input((4,)), Scale(3.0)])
    model.layers[0].w.assign(np.arange(4, dtype=np.float32))
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        layer = json.loads(archive.read("config.json"))["config"]["layers"][1]
    assert layer["registered_name"] == "SavingTest>Scale"
    reloaded = keras.models.load_model(path)
    assert type(reloaded.layers[0]) is Scale and reloaded.layers[0].factor == 3.0
    np.testing.assert_array_equal(reloaded(X).numpy(), model(X).numpy())


def test_a_custom_object_scope_makes_a_class_visible_to_load_model(tmp_path):
    class Net(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Net()
    model(X)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate class 'Net'"):
        keras.models.load_model(path)
    with keras.utils.custom_object_scope({"Net": Net}):
        reloaded = keras.models.load_model(path)
    np.testing.assert_array_equal(reloaded(X).numpy(), model(X).numpy())


def test_saving_is_atomic_and_leaves_no_temporary_files(tmp_path):
    model = _model()
    model.save(str(tmp_path / "m.keras"))
    model.save_weights(str(tmp_path / "m.weights.h5"))
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.weights.h5"]


def test_load_weights_accepts_a_keras_archive(tmp_path):
    model = _model()
    model.save(str(tmp_path / "m.keras"))
    other = _model()
    other.load_weights(str(tmp_path / "m.keras"))
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_legacy_h5_file_round_trips_weights_and_the_model_s_own_weights(tmp_path):
    class Net(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(2)
            self.scale = self.add_weight(shape=(1,), initializer="ones", name="scale")

        def call(self, x):
            return self.d(x) * self.scale

    model = Net()
    model(X)
    model.scale.assign([3.0])
    path = str(tmp_path / "m.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Net"
    reloaded = keras.models.load_model(path, custom_objects={"Net": Net})
    np.testing.assert_array_equal(reloaded(X).numpy(), model(X).numpy())


def test_sharded_weights_are_not_supported_and_say_so(tmp_path):
    with pytest.raises(NotImplementedError, match="max_shard_size"):
        _model().save_weights(str(tmp_path / "m.weights.json"), max_shard_size=1)
