"""`tf.train.load_checkpoint` / `list_variables` on tapejax checkpoints of Keras models and optimizers."""

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


def _trained(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    opt = keras.optimizers.Adam(0.1)
    x = tf.constant(np.ones((4, 3), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "ckpt"))
    return model, opt, path


def test_a_model_and_optimizer_checkpoint_lists_tfs_object_graph_names(tmp_path):
    model, opt, path = _trained(tmp_path)
    names = dict(tf.train.list_variables(str(tmp_path)))
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    # TF 2.21: a Sequential's kernel is named by the optimizer's shorter path to it
    assert names["optimizer/_trainable_variables/0" + suffix] == [3, 2]
    assert names["optimizer/_trainable_variables/1" + suffix] == [2]
    assert names["optimizer/_iterations" + suffix] == [] and names["save_counter" + suffix] == []
    assert names["optimizer/_variables/2" + suffix] == [3, 2] and names["optimizer/_variables/5" + suffix] == [2]
    assert names["_CHECKPOINTABLE_OBJECT_GRAPH"] == []
    assert not any(name.startswith("model/") for name in names)
    assert list(names) == sorted(names)


def test_reader_values_are_the_saved_weights(tmp_path):
    model, opt, path = _trained(tmp_path)
    reader = tf.train.load_checkpoint(path)
    kernel_name = "optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"
    kernel = reader.get_tensor(kernel_name)
    np.testing.assert_array_equal(kernel, model.weights[0].numpy())
    assert reader.get_tensor("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE") == 1
    assert reader.get_variable_to_dtype_map()[kernel_name] == tf.float32
    assert reader.get_variable_to_dtype_map()["_CHECKPOINTABLE_OBJECT_GRAPH"] == tf.string
    kernel[...] = 0.0  # a returned array is the caller's copy
    assert np.any(reader.get_tensor(kernel_name) != 0.0)


def test_a_truncated_checkpoint_raises_data_loss(tmp_path):
    _, _, path = _trained(tmp_path)
    data = open(path + ".npz", "rb").read()
    open(path + ".npz", "wb").write(data[: len(data) // 2])
    with pytest.raises(tf.errors.DataLossError):
        tf.train.load_checkpoint(path)


def test_a_tensorflow_checkpoint_is_named_in_the_not_found_error(tmp_path):
    prefix = str(tmp_path / "ckpt-1")
    open(prefix + ".index", "wb").close()
    with pytest.raises(tf.errors.NotFoundError, match=r"ckpt-1\.index is a TensorFlow checkpoint"):
        tf.train.list_variables(prefix)


def test_listing_reads_only_the_archive_headers_and_get_tensor_one_value(tmp_path, monkeypatch):
    from tapejax import _checkpoint
    model, opt, path = _trained(tmp_path)
    read = []
    original = _checkpoint._read_member
    monkeypatch.setattr(_checkpoint, "_read_member", lambda f, name: read.append(name) or original(f, name))
    reader = tf.train.load_checkpoint(path)
    shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
    assert read == [] and shapes["optimizer/_variables/3/.ATTRIBUTES/VARIABLE_VALUE"] == [3, 2]
    assert dtypes["optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"] == tf.int64
    np.testing.assert_array_equal(reader.get_tensor("optimizer/_trainable_variables/1/.ATTRIBUTES/VARIABLE_VALUE"),
                                  model.weights[1].numpy())
    assert len(read) == 1
