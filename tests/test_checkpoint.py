"""tf.train.Checkpoint / CheckpointManager: safe .npz format, exact continuation, clear errors that
change nothing, deferred optimizer slots."""

import os

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


def _setup(seed=0):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    rs = np.random.RandomState(seed)
    model.set_weights([rs.randn(*w.shape).astype(np.float32) for w in model.weights])
    return model, keras.optimizers.Adam(0.05)


X = np.random.RandomState(1).randn(16, 3).astype(np.float32)
Y = X.sum(axis=1, keepdims=True)


def _step(model, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - Y))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_weights), model.trainable_weights))
    return float(loss)


def test_save_restore_continues_exactly_with_deferred_slots(tmp_path):
    model, opt = _setup()
    for _ in range(3):
        _step(model, opt)
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "ckpt"))
    assert path.endswith("ckpt-1") and os.path.exists(path + ".npz")
    expected = [_step(model, opt) for _ in range(3)]

    fresh, fresh_opt = _setup(seed=9)  # optimizer not built: its slots are restored on creation
    status = tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
    with pytest.raises(AssertionError, match="optimizer/_variables/2"):
        status.assert_consumed()  # as TF: the slots wait for the optimizer's build
    status.assert_existing_objects_matched()
    assert int(fresh_opt.iterations.numpy()) == 3
    assert [_step(fresh, fresh_opt) for _ in range(3)] == expected
    status.assert_consumed()
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_manager_keeps_newest_and_latest_checkpoint(tmp_path):
    model, opt = _setup()
    ckpt = tf.train.Checkpoint(model=model, optimizer=opt)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    paths = [manager.save() for _ in range(4)]
    assert manager.checkpoints == paths[2:]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-3.npz", "ckpt-4.npz"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    again = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert again.latest_checkpoint == paths[-1]


def test_truncated_checkpoint_raises_and_changes_nothing(tmp_path):
    model, opt = _setup()
    _step(model, opt)
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "ckpt"))
    data = open(path + ".npz", "rb").read()
    open(path + ".npz", "wb").write(data[:len(data) - 200])
    other, other_opt = _setup(seed=5)
    before = other.get_weights()
    with pytest.raises(tf.errors.OpError, match="truncated"):
        tf.train.Checkpoint(model=other, optimizer=other_opt).restore(path)
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(other_opt.iterations.numpy()) == 0


def test_a_value_of_another_shape_raises_and_changes_nothing(tmp_path):
    model, opt = _setup()
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "one"))
    wider = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(5), keras.layers.Dense(1)])
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"Received incompatible tensor with shape \(3, 4\) when attempting "
                                         r"to restore variable with shape \(3, 5\)"):
        tf.train.Checkpoint(model=wider).read(path)
    for a, b in zip(before, wider.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_value_of_another_dtype_raises_invalid_argument_and_changes_nothing(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1, 2]), w=tf.Variable(3.0)).write(str(tmp_path / "ints"))
    v, w = tf.Variable([5.0, 6.0]), tf.Variable(0.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected dtype float does not equal original dtype int32"):
        tf.train.Checkpoint(v=v, w=w).restore(path)
    assert w.numpy() == 0.0 and list(v.numpy()) == [5.0, 6.0]


def test_a_deeper_model_takes_what_the_checkpoint_has_as_tf(tmp_path):
    model, _ = _setup()
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "one"))
    deeper = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4),
                               keras.layers.Dense(1), keras.layers.Dense(1)])
    status = tf.train.Checkpoint(model=deeper).read(path)
    for a, b in zip(model.get_weights(), deeper.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(AssertionError, match="not restored"):
        status.assert_consumed()


def test_missing_checkpoint_and_restore_none(tmp_path):
    model, _ = _setup()
    ckpt = tf.train.Checkpoint(model=model)
    with pytest.raises(tf.errors.NotFoundError):
        ckpt.restore(str(tmp_path / "nope-1"))
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    ckpt.restore(tf.train.latest_checkpoint(str(tmp_path)))  # a no-op, as in TF


def test_variables_and_modules_roundtrip(tmp_path):
    v = tf.Variable([1.0, 2.0])
    step = tf.Variable(7, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(v=v, step=step)
    path = ckpt.write(str(tmp_path / "vars"))
    v.assign([5.0, 6.0])
    step.assign(0)
    ckpt.read(path)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert int(step.numpy()) == 7
    assert np.load(path + ".npz", allow_pickle=False)["__tapejax_meta__"][0] == "tapejax-checkpoint-v2"


def test_non_trackable_raises():
    with pytest.raises(ValueError, match="trackable"):
        tf.train.Checkpoint(model=None)


class _LazyModule(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = None

    def __call__(self, x):
        if self.w is None:
            self.w = tf.Variable(tf.zeros([x.shape[-1], 2]))
        return tf.matmul(x, self.w)


def test_deferred_restoration_removes_its_read_hook_once_applied(tmp_path):
    from tapejax import _context
    saved = _LazyModule()
    saved(tf.ones([1, 3]))
    saved.w.assign(np.full([3, 2], 2.0, np.float32))
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "lazy"))
    fresh = _LazyModule()
    tf.train.Checkpoint(m=fresh).restore(path)
    assert _context.current.read_hook is not None
    np.testing.assert_allclose(fresh(tf.ones([1, 3])).numpy(), [[6.0, 6.0]])
    assert _context.current.read_hook is None


def test_deferred_restoration_of_a_collected_module_is_dropped(tmp_path):
    import gc

    from tapejax import _context
    saved = _LazyModule()
    saved(tf.ones([1, 3]))
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "lazy"))
    tf.train.Checkpoint(m=_LazyModule()).restore(path)
    gc.collect()
    (tf.Variable(1.0) * 2.0).numpy()  # any read checks the waiting restorations
    assert _context.current.read_hook is None


def test_a_checkpoint_of_another_model_restores_nothing_and_does_not_raise_as_tf(tmp_path):
    saved = _LazyModule()
    saved(tf.ones([1, 3]))
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "lazy"))
    model, _ = _setup()
    before = [w.numpy().copy() for w in model.weights]
    status = tf.train.Checkpoint(m=model).restore(path)
    for b, w in zip(before, model.weights):
        np.testing.assert_array_equal(b, w.numpy())
    with pytest.raises(AssertionError):
        status.assert_existing_objects_matched()


def _v1_archive(path, arrays_by_key):
    """A checkpoint as tapejax wrote it before object-graph keys (format v1: structural keys)."""
    from tapejax._npz import save_arrays
    keys = sorted(arrays_by_key)
    arrays = {f"v{i:06d}": np.asarray(arrays_by_key[k]) for i, k in enumerate(keys)}
    save_arrays(path + ".npz", arrays, ["tapejax-checkpoint-v1"] + keys)


def test_a_v1_checkpoint_with_structural_keys_still_restores_and_continues_training(tmp_path):
    model, opt = _setup()
    for _ in range(2):
        _step(model, opt)
    values = {f"model/weights/{i}": w.numpy() for i, w in enumerate(model.weights)}
    values.update({"optimizer/iteration": np.int64(2), "optimizer/learning_rate": np.float32(0.05),
                   "save_counter": np.int64(1)})
    for i, var in enumerate(opt._trainable_variables):
        for j, slot in enumerate(opt._slots[var._id].variables):
            values[f"optimizer/slots/model/weights/{i}/{j}"] = slot.numpy()
    path = str(tmp_path / "old-1")
    _v1_archive(path, values)
    expected = [_step(model, opt) for _ in range(2)]
    fresh, fresh_opt = _setup(seed=4)
    ckpt = tf.train.Checkpoint(model=fresh, optimizer=fresh_opt)
    ckpt.restore(path).assert_consumed()
    assert int(ckpt.save_counter.numpy()) == 1
    assert [_step(fresh, fresh_opt) for _ in range(2)] == expected
    names = dict(tf.train.list_variables(path))
    assert names["model/weights/0/.ATTRIBUTES/VARIABLE_VALUE"] == [3, 4]
    assert names["optimizer/slots/model/weights/0/1/.ATTRIBUTES/VARIABLE_VALUE"] == [3, 4]


def test_a_v1_checkpoint_restores_an_attached_variable(tmp_path):
    path = str(tmp_path / "old")
    _v1_archive(path, {"v": np.float32(7.0), "items/0": np.float32(1.0)})
    reader = tf.train.Checkpoint()
    reader.restore(path)
    late, appended = tf.Variable(0.0), tf.Variable(0.0)
    reader.v = late
    reader.items = []
    reader.items.append(appended)
    assert late.numpy() == 7.0 and appended.numpy() == 1.0


def test_the_file_is_a_npz_archive_with_the_object_graph_as_json(tmp_path):
    import json
    path = tf.train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "ckpt"))
    assert os.path.exists(path + ".npz") and not os.path.exists(path + ".index")
    with np.load(path + ".npz", allow_pickle=False) as data:
        graph = json.loads(str(data["object_graph"][()]))
    assert graph["nodes"][0] == {"children": [["v", 1]], "key": None}
    assert graph["nodes"][1] == {"children": [], "key": "v/.ATTRIBUTES/VARIABLE_VALUE"}
    assert tf.train.load_checkpoint(path).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH") == json.dumps(graph).encode()


def test_values_a_built_model_has_no_place_for_leave_no_read_hook_waiting(tmp_path):
    from tapejax import _context
    deeper = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4), keras.layers.Dense(1),
                               keras.layers.Dense(1)])
    path = tf.train.Checkpoint(model=deeper).write(str(tmp_path / "deeper"))
    model, _ = _setup()
    status = tf.train.Checkpoint(model=model).restore(path)
    assert _context.current.read_hook is None
    with pytest.raises(AssertionError, match="_operations/3"):
        status.assert_consumed()
    biased = keras.layers.Dense(2)
    biased(tf.ones([1, 3]))
    path = tf.train.Checkpoint(layer=biased).write(str(tmp_path / "biased"))
    plain = keras.layers.Dense(2, use_bias=False)
    plain(tf.ones([1, 3]))
    tf.train.Checkpoint(layer=plain).restore(path)
    assert _context.current.read_hook is None
    np.testing.assert_array_equal(plain.kernel.numpy(), biased.kernel.numpy())


def test_a_waiting_restoration_checks_an_object_again_only_when_its_attributes_changed(tmp_path):
    saved = _LazyModule()
    saved(tf.ones([1, 3]))
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "lazy"))
    fresh = _LazyModule()
    tf.train.Checkpoint(m=fresh).restore(path)
    from tapejax import _checkpoint
    entry = next(e for e in _checkpoint._waiting if getattr(e, "ref", lambda: None)() is fresh)
    calls = []
    original = _checkpoint._children
    _checkpoint._children = lambda obj, saving=False: calls.append(obj) or original(obj, saving)
    try:
        for _ in range(3):
            (tf.Variable(1.0) * 2.0).numpy()
        assert calls == []  # nothing changed on `fresh`: not walked again
        fresh(tf.ones([1, 3]))
    finally:
        _checkpoint._children = original
    assert calls and entry not in _checkpoint._waiting
    np.testing.assert_array_equal(fresh.w.numpy(), saved.w.numpy())
