"""String tensors live on the host: NumPy object arrays of bytes, run by `string_ops`' NumPy kernels."""

import jax
import numpy as np
import pytest

import tapejax as tf
from tapejax._ops import _dispatch


def _is_host_strings(t):
    return type(t._v) is np.ndarray and t._v.dtype == object and all(
        type(b) is bytes for b in t._v.reshape(-1))


def test_text_line_dataset_values_are_host_arrays_of_bytes():
    line = tf.constant(b"line")
    batch = tf.constant(np.array([b"a", b"bb"], dtype=object))
    assert _is_host_strings(line) and _is_host_strings(batch)
    assert line.dtype == tf.string and batch.shape == (2,)
    assert line.numpy() == b"line" and batch.numpy().tolist() == [b"a", b"bb"]


def test_str_values_are_stored_as_utf8_bytes():
    t = tf.constant([["é", "a"]])
    assert _is_host_strings(t)
    assert t.numpy().tolist() == [["é".encode("utf-8"), b"a"]]


def test_array_ops_on_strings_never_make_jax_arrays():
    s = tf.constant(["a", "b", "c", "d"])
    results = [tf.reshape(s, [2, 2]), tf.stack([s, s]), s[1], s[1:], tf.concat([s, s], 0),
               tf.gather(s, [0, 0]), tf.transpose(tf.reshape(s, [2, 2])), tf.unstack(s)[0]]
    for r in results:
        assert _is_host_strings(r), r


def test_string_equality_returns_a_jax_bool_array():
    e = tf.equal(tf.constant(["a", "b"]), "a")
    assert isinstance(e._v, jax.Array) and e.dtype == tf.bool
    assert e.numpy().tolist() == [True, False]


def test_string_ops_are_not_recorded_on_tapes():
    s = tf.constant(["a", "b"])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(s)
        r = tf.reshape(s, [2, 1])
    assert tape.gradient(r, s) is None


def test_numeric_ops_still_return_jax_arrays():
    x = tf.constant([1.0, 2.0])
    assert isinstance((x * 2.0)._v, jax.Array)
    assert isinstance(tf.reshape(x, [2, 1])._v, jax.Array)


def test_every_host_kernel_is_named_after_an_existing_op_row():
    names = {op.name for op in _dispatch._ALL_OPS}  # every op row (the tables, sparse, keras)
    names.add("Cast")
    assert set(_dispatch.HOST_KERNELS) <= names


def test_an_op_without_a_string_kernel_raises_invalid_argument_naming_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[Op:Exp\]"):
        tf.exp(tf.constant("a"))


def test_pickled_string_tensor_round_trips():
    import pickle
    t = pickle.loads(pickle.dumps(tf.constant(["a", "b"])))
    assert _is_host_strings(t) and t.numpy().tolist() == [b"a", b"b"]
