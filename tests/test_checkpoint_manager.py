"""CheckpointManager never deletes or writes outside its directory, and cleans interrupted saves."""

import os

import numpy as np

import tapejax as tf


def _manager(directory, max_to_keep=1):
    v = tf.Variable([1.0, 2.0])
    return tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(directory), max_to_keep=max_to_keep), v


def test_a_state_file_naming_files_outside_the_directory_never_deletes_them(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    precious = victim / "precious.npz"
    precious.write_bytes(b"keep me")
    ckpt_dir = tmp_path / "ckpts"
    ckpt_dir.mkdir()
    (ckpt_dir / "checkpoint").write_text(
        'model_checkpoint_path: "../victim/precious"\n'
        'all_model_checkpoint_paths: "../victim/precious"\n'
        f'all_model_checkpoint_paths: "{victim / "precious"}"\n')
    manager, _ = _manager(ckpt_dir, max_to_keep=1)
    assert manager.checkpoints == []
    for _ in range(3):
        manager.save()
    assert precious.read_bytes() == b"keep me"
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-3"]
    assert sorted(os.listdir(ckpt_dir)) == ["checkpoint", "ckpt-3.npz"]


def test_checkpoints_inside_the_directory_listed_by_the_state_file_are_kept_and_rotated(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable([1.0]))
    first = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2).save()
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert manager.checkpoints == [first]
    manager.save()
    manager.save()
    assert not os.path.exists(first + ".npz")
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-2", "ckpt-3"]


def test_temporary_files_of_interrupted_saves_are_removed_when_a_manager_starts(tmp_path):
    (tmp_path / "tmpab12cd.tmp").write_bytes(b"half an archive")
    (tmp_path / "checkpoint.tmp").write_text("model_checkpoint_path: ")
    (tmp_path / "notes.tmp").write_text("not ours")
    manager, v = _manager(tmp_path)
    path = manager.save()
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-1.npz", "notes.tmp"]
    v.assign([5.0, 6.0])
    tf.train.Checkpoint(v=v).restore(path)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
