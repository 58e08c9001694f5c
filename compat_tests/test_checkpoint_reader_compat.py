"""`tf.train.list_variables` and `tf.train.load_checkpoint` on checkpoints each backend wrote.

Both list `_CHECKPOINTABLE_OBJECT_GRAPH` (a string scalar: TF's serialized object graph, tapejax's as
JSON), so the listings are compared whole.
"""

import os
import shutil

from compat_tests._harness import raises

GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"


def _saved_twice(tf, directory):
    # one directory for both backends (messages name it): each run starts from an empty one
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    v = tf.Variable([1.0, 2.0])
    w = tf.Variable(3, dtype=tf.int64)
    m = tf.Variable([[1.5, 2.5, 3.5]], dtype=tf.float64)
    ckpt = tf.train.Checkpoint(a=v, b={"c": w, "d": m})
    first = ckpt.save(os.path.join(directory, "ckpt"))
    v.assign([5.0, 6.0])
    w.assign(7)
    ckpt.save(os.path.join(directory, "ckpt"))
    return directory, first


def test_list_variables_of_a_directory_and_of_a_path(compare, tmp_path):
    def program(tf):
        directory, first = _saved_twice(tf, str(tmp_path / "ckpts"))
        return tf.train.list_variables(directory), tf.train.list_variables(first)
    compare(program)


def test_reader_maps_and_values(compare, tmp_path):
    def program(tf):
        directory, first = _saved_twice(tf, str(tmp_path / "ckpts"))
        latest, old = tf.train.load_checkpoint(directory), tf.train.load_checkpoint(first)
        shapes, dtypes = latest.get_variable_to_shape_map(), latest.get_variable_to_dtype_map()
        return (shapes, {k: d.name for k, d in dtypes.items()}, latest.has_tensor(GRAPH),
                latest.get_tensor("a/.ATTRIBUTES/VARIABLE_VALUE"),
                old.get_tensor("a/.ATTRIBUTES/VARIABLE_VALUE"),
                latest.get_tensor("b/c/.ATTRIBUTES/VARIABLE_VALUE"),
                latest.get_tensor("b/d/.ATTRIBUTES/VARIABLE_VALUE"),
                latest.get_tensor("save_counter/.ATTRIBUTES/VARIABLE_VALUE"),
                latest.has_tensor("a/.ATTRIBUTES/VARIABLE_VALUE"), latest.has_tensor("a"))
    compare(program)


def test_missing_name_raises_not_found(compare, tmp_path):
    @raises("NotFoundError")
    def program(tf):
        directory, _ = _saved_twice(tf, str(tmp_path / "ckpts"))
        return tf.train.load_checkpoint(directory).get_tensor("zz")
    compare(program)


def test_missing_checkpoint_raises_not_found(compare, tmp_path):
    @raises("NotFoundError")
    def program(tf):
        directory, _ = _saved_twice(tf, str(tmp_path / "ckpts"))
        return tf.train.list_variables(os.path.join(directory, "nope"))
    compare(program)


def test_missing_checkpoint_reader_raises_not_found(compare, tmp_path):
    @raises("NotFoundError")
    def program(tf):
        directory, _ = _saved_twice(tf, str(tmp_path / "ckpts"))
        return tf.train.load_checkpoint(os.path.join(directory, "ckpt-9"))
    compare(program)


def test_a_directory_without_checkpoints_raises_value_error(compare, tmp_path):
    @raises("ValueError")
    def program(tf):
        return tf.train.list_variables(str(tmp_path))
    compare(program)


def test_a_tensor_path_raises_type_error(compare, tmp_path):
    @raises("TypeError")
    def program(tf):
        return tf.train.load_checkpoint(tf.constant(1.0))
    compare(program, messages=False)  # the message holds the tensor's repr


def test_load_variable_reads_one_value_by_name(compare, tmp_path):
    def program(tf):
        directory, first = _saved_twice(tf, str(tmp_path / "ckpts"))
        return (tf.train.load_variable(directory, "a/.ATTRIBUTES/VARIABLE_VALUE"),
                tf.train.load_variable(first, "b/c/.ATTRIBUTES/VARIABLE_VALUE:0"))
    compare(program)


def test_load_variable_of_a_missing_name_raises_not_found(compare, tmp_path):
    @raises("NotFoundError")
    def program(tf):
        directory, _ = _saved_twice(tf, str(tmp_path / "ckpts"))
        return tf.train.load_variable(directory, "nope")
    compare(program)
