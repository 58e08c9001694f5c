"""tf.compat, tf.compat.v1 and tf.compat.v2 (TF-measured behaviour is in compat_tests/test_compat_v1_compat.py)."""

import pytest

import tapejax as tf


@pytest.mark.parametrize("name", ["Session", "placeholder", "get_variable", "variable_scope",
                                  "disable_eager_execution", "disable_v2_behavior",
                                  "global_variables_initializer", "train.Saver",
                                  "train.GradientDescentOptimizer", "layers.dense"])
def test_tf1_graph_apis_raise_not_implemented_naming_the_api_and_the_fix(name):
    target = tf.compat.v1
    for part in name.split("."):
        target = getattr(target, part)
    with pytest.raises(NotImplementedError, match=rf"tf\.compat\.v1\.{name}: tapejax runs TF 2 eager"):
        target()


def test_v1_namespaces_keep_the_tf2_members_next_to_the_tf1_stand_ins():
    assert tf.compat.v1.train.Checkpoint is tf.train.Checkpoint
    assert tf.compat.v1.summary.create_file_writer is tf.summary.create_file_writer
    assert tf.compat.v1.constant is tf.constant and tf.compat.v1.keras is tf.keras
    assert tf.compat.v2 is tf and tf.compat.v1.Dimension(3).value == 3


def test_compat_modules_import_under_the_tensorflow_hook(tmp_path):
    from tapejax import run

    script = tmp_path / "s.py"
    script.write_text("import tensorflow.compat.v1 as v1\nimport tensorflow.compat.v2 as v2\n"
                      "import tensorflow.experimental.numpy as tnp\nfrom tensorflow.compat import v1 as again\n"
                      "ok = v1.executing_eagerly() and v2.constant(1.0).dtype == v2.float32 and again is v1\n"
                      "total = float(tnp.sum(tnp.arange(4)))\n")
    try:
        namespace = run.run_script(str(script))
    finally:
        run.uninstall()
    assert namespace["ok"] is True and namespace["total"] == 6.0


def test_tensor_equality_toggles_restore_unhashable_variables():
    v = tf.Variable(1.0)
    tf.compat.v1.disable_tensor_equality()
    try:
        assert {v: 1}[v] == 1 and (v == tf.Variable(1.0)) is False
    finally:
        tf.compat.v1.enable_tensor_equality()
    with pytest.raises(TypeError, match="unhashable"):
        hash(v)
    assert bool(v == tf.Variable(1.0))
