"""tapejax._saved_model: the on-disk format, its versioning and error paths, and loaded objects."""

import json
import os

import numpy as np
import pytest

import tapejax as tf
from tapejax import _saved_model


class Scaler(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([2.0, 3.0], name="w")
        self.steps = tf.Variable(0, trainable=False, name="steps")

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return x * self.w

    @tf.function(input_signature=[])
    def tick(self):
        self.steps.assign_add(1)
        return self.steps + 0


def _saved(tmp_path, obj=None, **kwargs):
    path = str(tmp_path / "model")
    tf.saved_model.save(Scaler() if obj is None else obj, path, **kwargs)
    return path


def test_save_writes_versioned_json_metadata_variables_and_one_artefact_per_signature(tmp_path):
    path = _saved(tmp_path)
    with open(os.path.join(path, _saved_model.METADATA_FILENAME)) as f:
        meta = json.load(f)
    assert meta["format"] == "tapejax-saved-model" and meta["version"] == _saved_model.VERSION
    assert {v["name"]: v["trainable"] for v in meta["variables"]} == {"w": True, "steps": False}
    files = sorted(os.listdir(os.path.join(path, "functions")))
    assert len(files) == 2 and all(f.endswith(".jax_exported") for f in files)
    with np.load(os.path.join(path, _saved_model.VARIABLES_PATH), allow_pickle=False) as data:
        w = [v["name"] for v in meta["variables"]].index("w")
        np.testing.assert_array_equal(data[f"v{w:06d}"], [2.0, 3.0])


def test_metadata_records_which_variables_each_function_reads_and_writes(tmp_path):
    meta = json.load(open(os.path.join(_saved(tmp_path), _saved_model.METADATA_FILENAME)))
    by_name = {f["name"]: f["concretes"][0] for f in meta["functions"]}
    names = [v["name"] for v in meta["variables"]]
    assert [names[i] for i in by_name["__call__"]["variables"]] == ["w"] and by_name["__call__"]["n_written"] == 0
    assert [names[i] for i in by_name["tick"]["variables"]] == ["steps"] and by_name["tick"]["n_written"] == 1


def test_a_method_saves_only_the_variables_of_its_own_instance(tmp_path):
    first = Scaler()
    first(np.ones((1, 2), np.float32))
    first.tick()
    meta = json.load(open(os.path.join(_saved(tmp_path), _saved_model.METADATA_FILENAME)))
    assert sorted(v["name"] for v in meta["variables"]) == ["steps", "w"]


def test_a_none_dimension_is_exported_symbolically_so_any_batch_size_runs(tmp_path):
    loaded = tf.saved_model.load(_saved(tmp_path))
    for n in (1, 3, 7):
        x = np.ones((n, 2), np.float32)
        np.testing.assert_array_equal(loaded(x).numpy(), x * [2.0, 3.0])


def test_a_loaded_function_that_assigns_writes_the_loaded_variable(tmp_path):
    loaded = tf.saved_model.load(_saved(tmp_path))
    assert int(loaded.tick().numpy()) == 1 and int(loaded.tick().numpy()) == 2
    assert int(loaded.steps.numpy()) == 2


def test_loaded_gradient_matches_finite_differences(tmp_path):
    loaded = tf.saved_model.load(_saved(tmp_path))
    x = np.array([[0.5, -1.0]], np.float32)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.sin(loaded(x)))
    grad = tape.gradient(y, loaded.w).numpy()
    w = np.array([2.0, 3.0])
    eps = 1e-3
    numeric = [(np.sin(x[0] * (w + eps * e)).sum() - np.sin(x[0] * (w - eps * e)).sum()) / (2 * eps)
                for e in np.eye(2)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-3)


def test_shared_objects_and_variables_load_as_the_same_objects(tmp_path):
    root = tf.Module()
    child = tf.Module()
    child.v = tf.Variable(1.0)
    root.a = child
    root.b = child
    root.also_v = child.v
    loaded = tf.saved_model.load(_saved(tmp_path, root))
    assert loaded.a is loaded.b and loaded.also_v is loaded.a.v


def test_a_variable_captured_but_not_an_attribute_is_saved_and_read(tmp_path):
    hidden = tf.Variable(5.0)
    m = tf.Module()
    m.f = tf.function(lambda x: x * hidden, input_signature=[tf.TensorSpec([])])
    loaded = tf.saved_model.load(_saved(tmp_path, m))
    hidden.assign(100.0)  # the loaded copy keeps the saved value
    assert float(loaded.f(2.0).numpy()) == 10.0


def test_asset_is_copied_and_its_path_points_into_the_saved_model(tmp_path):
    source = tmp_path / "vocab.txt"
    source.write_text("a\nb\n")
    m = tf.Module()
    m.vocab = tf.saved_model.Asset(str(source))
    path = _saved(tmp_path, m)
    loaded = tf.saved_model.load(path)
    asset_path = loaded.vocab.asset_path.numpy().decode()
    assert asset_path == os.path.join(path, "assets", "vocab.txt")
    assert open(asset_path).read() == "a\nb\n"


def test_a_newer_format_version_raises_os_error_naming_the_versions(tmp_path):
    path = _saved(tmp_path)
    meta_path = os.path.join(path, _saved_model.METADATA_FILENAME)
    meta = json.load(open(meta_path))
    meta["version"] = _saved_model.VERSION + 1
    json.dump(meta, open(meta_path, "w"))
    with pytest.raises(OSError, match="format version 2"):
        tf.saved_model.load(path)


def test_a_tensorflow_protobuf_saved_model_raises_os_error_saying_it_is_out_of_scope(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(OSError, match="TF's protobuf SavedModel format is not supported"):
        tf.saved_model.load(str(tmp_path))
    assert tf.saved_model.contains_saved_model(str(tmp_path))


def test_a_missing_or_corrupted_artefact_raises_os_error(tmp_path):
    path = _saved(tmp_path)
    artefact = os.path.join(path, "functions", sorted(os.listdir(os.path.join(path, "functions")))[0])
    with open(artefact, "wb") as f:
        f.write(b"not stablehlo")
    with pytest.raises(OSError, match="not a serialized jax.export artefact"):
        tf.saved_model.load(path)
    os.remove(artefact)
    with pytest.raises(OSError, match="incomplete"):
        tf.saved_model.load(path)


def test_variables_are_read_without_pickle(tmp_path):
    path = _saved(tmp_path)
    np.savez(os.path.join(path, _saved_model.VARIABLES_PATH), v000000=np.array([object()], dtype=object),
             v000001=np.array(0))
    with pytest.raises(OSError, match="truncated or corrupted"):
        tf.saved_model.load(path)


def test_a_variable_of_the_wrong_shape_raises_os_error(tmp_path):
    path = _saved(tmp_path)
    np.savez(os.path.join(path, _saved_model.VARIABLES_PATH), v000000=np.array(0, np.int32),
             v000001=np.zeros(3, np.float32))
    with pytest.raises(OSError, match="saved with shape"):
        tf.saved_model.load(path)


def test_options_keep_their_arguments():
    options = tf.saved_model.SaveOptions(experimental_custom_gradients=False, function_aliases={"f": None})
    assert options.experimental_custom_gradients is False and options.function_aliases == {"f": None}
    assert tf.saved_model.SaveOptions().experimental_custom_gradients is True
    assert tf.saved_model.LoadOptions(allow_partial_checkpoint=True).allow_partial_checkpoint is True


def test_keras_export_prints_the_serve_endpoint(tmp_path, capsys):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    model.export(str(tmp_path / "exported"))
    text = capsys.readouterr().out
    assert text.startswith(f"Saved artifact at '{tmp_path / 'exported'}'. The following endpoints are available:")
    assert "* Endpoint 'serve'" in text and "TensorSpec(shape=(None, 2)" in text


def test_keras_export_rejects_other_formats(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(str(tmp_path / "x"), format="onnx")


def test_artefacts_are_lowered_for_cpu_cuda_and_tpu(tmp_path):
    from jax import export
    path = _saved(tmp_path)
    name = sorted(os.listdir(os.path.join(path, "functions")))[0]
    with open(os.path.join(path, "functions", name), "rb") as f:
        exported = export.deserialize(bytearray(f.read()))
    assert tuple(exported.platforms) == _saved_model.PLATFORMS


def test_tf_print_inside_a_saved_function_is_left_out_of_the_artefact(tmp_path, capsys):
    class Printer(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([])])
        def f(self, x):
            tf.print("value", x)
            return x * 2.0

    loaded = tf.saved_model.load(_saved(tmp_path, Printer()))
    capsys.readouterr()
    assert float(loaded.f(3.0).numpy()) == 6.0


def test_a_function_calling_py_function_cannot_be_saved(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: tf.py_function(lambda v: v * 2.0, [x], tf.float32),
                      input_signature=[tf.TensorSpec([])])
    with pytest.raises(ValueError, match="could not export"):
        tf.saved_model.save(m, str(tmp_path / "m"))
