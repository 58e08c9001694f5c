"""tapejax's Example protos: their own descriptor pool, names, pickling."""

import pickle

from google.protobuf import descriptor_pool

import tapejax as tf
from tapejax import _example


def test_the_messages_live_in_a_private_pool_not_protobufs_default_one():
    assert tf.train.Example.DESCRIPTOR.file.pool is _example._POOL
    assert _example._POOL is not descriptor_pool.Default()


def test_the_message_classes_are_named_by_the_namespace_that_exports_them():
    assert repr(tf.train.Example) == "<class 'tapejax.train.Example'>"
    assert repr(_example.TensorProto) == "<class 'tapejax._example.TensorProto'>"


def test_a_message_pickles_and_copies_by_value():
    example = tf.train.Example(features=tf.train.Features(feature={
        "a": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2])),
        "b": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"x"]))}))
    back = pickle.loads(pickle.dumps(example))
    assert back == example and type(back) is tf.train.Example
    assert list(back.features.feature["a"].int64_list.value) == [1, 2]
