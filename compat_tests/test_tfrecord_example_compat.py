"""tf.train.Example protos, TFRecord files and tf.io's Example parsing, on TensorFlow and tapejax.

Bytes are compared exactly where TF's serialization is deterministic: a message with at most one
map entry (protobuf orders map entries by a per-process hash seed, TF's own included, so two
processes disagree on the order of a larger `Features` map: those messages are compared with
`SerializeToString(deterministic=True)`, which sorts the keys). Files written by one backend are
read by the other, and messages serialized by one are parsed by the other.
"""

import os
import shutil

import numpy as np
import pytest
import tensorflow
from google.protobuf import descriptor_pb2
from tensorflow.core.example import example_pb2, feature_pb2
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2

import tapejax
from compat_tests._harness import optional, raises
from tapejax import _example


@pytest.fixture
def fresh(tmp_path):
    """A function emptying and returning one directory (called once per backend run, so both runs
    see the same paths in their messages)."""
    def make():
        path = tmp_path / "run"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
        return str(path)
    return make


def example(tf):
    """An Example with each kind of feature (and an empty one)."""
    F = tf.train.Feature
    return tf.train.Example(features=tf.train.Features(feature={
        "ints": F(int64_list=tf.train.Int64List(value=[1, -2, 2**40])),
        "floats": F(float_list=tf.train.FloatList(value=[1.5, np.exp(1), -0.1])),
        "bytes": F(bytes_list=tf.train.BytesList(value=[b"x", "déf".encode(), b""])),
        "empty": F(),
    }))


def sparse_parts(sp):
    return ("sparse", sp.indices, sp.values, sp.dense_shape)


def outcome(result):
    """A parse result with SparseTensors as their components (and the key order kept)."""
    return [(k, sparse_parts(v) if hasattr(v, "indices") else v) for k, v in result.items()]


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------
def _fields(descriptor):
    proto = descriptor_pb2.DescriptorProto()
    descriptor.CopyToProto(proto)
    return proto


def _shape_of(proto):
    """What decides the wire format and the API of a message: its fields, nested types, oneofs."""
    fields = sorted((f.name, f.number, f.label, f.type, f.type_name, f.options.packed,
                     f.HasField("oneof_index") and f.oneof_index) for f in proto.field)
    nested = sorted((n.name, tuple(_shape_of(n))) for n in proto.nested_type)
    return fields, nested, [o.name for o in proto.oneof_decl]


@pytest.mark.parametrize("name, generated", [
    ("BytesList", feature_pb2.BytesList), ("FloatList", feature_pb2.FloatList),
    ("Int64List", feature_pb2.Int64List), ("Feature", feature_pb2.Feature),
    ("Features", feature_pb2.Features), ("FeatureList", feature_pb2.FeatureList),
    ("FeatureLists", feature_pb2.FeatureLists), ("Example", example_pb2.Example),
    ("SequenceExample", example_pb2.SequenceExample), ("TensorProto", tensor_pb2.TensorProto),
    ("TensorShapeProto", tensor_shape_pb2.TensorShapeProto)])
def test_each_message_has_tfs_fields_numbers_and_types(name, generated):
    ours = _fields(getattr(_example, name).DESCRIPTOR)
    theirs = _fields(generated.DESCRIPTOR)
    if name == "TensorProto":  # resource_handle_val (14) is left undeclared (kept as an unknown field)
        del theirs.field[[f.number for f in theirs.field].index(14)]
    assert _shape_of(ours) == _shape_of(theirs)
    assert getattr(_example, name).DESCRIPTOR.full_name == generated.DESCRIPTOR.full_name


def test_the_messages_are_tf_train_names(tf):
    for name in ("BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
                 "FeatureLists", "Example", "SequenceExample"):
        assert getattr(tf.train, name).DESCRIPTOR.full_name == "tensorflow." + name


def test_a_feature_prints_and_serializes_as_tf(compare):
    def program(tf):
        features = [tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"test_string"])),
                    tf.train.Feature(float_list=tf.train.FloatList(value=[np.exp(1)])),
                    tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2**62, -1])),
                    tf.train.Feature()]
        return [(str(f), repr(f), f.SerializeToString(), f.WhichOneof("kind"), f.ByteSize())
                for f in features]
    compare(program)


def test_an_example_serializes_to_tfs_bytes_and_prints_as_tf(compare):
    def program(tf):
        ex = example(tf)
        one = tf.train.Example(features=tf.train.Features(feature={
            "a": tf.train.Feature(int64_list=tf.train.Int64List(value=[3]))}))
        return (ex.SerializeToString(deterministic=True), str(ex), one.SerializeToString(), str(one),
                sorted(ex.features.feature), list(ex.features.feature["ints"].int64_list.value),
                ex.features.feature["floats"].float_list.value[1])
    compare(program)


def test_a_sequence_example_serializes_to_tfs_bytes(compare):
    def program(tf):
        F = tf.train.Feature
        seq = tf.train.SequenceExample(
            context=tf.train.Features(feature={"id": F(bytes_list=tf.train.BytesList(value=[b"s1"]))}),
            feature_lists=tf.train.FeatureLists(feature_list={"tokens": tf.train.FeatureList(feature=[
                F(int64_list=tf.train.Int64List(value=[1, 2])), F(int64_list=tf.train.Int64List(value=[3]))])}))
        return seq.SerializeToString(), str(seq), len(seq.feature_lists.feature_list["tokens"].feature)
    compare(program)


def test_messages_serialized_by_one_backend_parse_in_the_other():
    ours = example(tapejax)
    theirs = tensorflow.train.Example.FromString(ours.SerializeToString())
    assert str(theirs) == str(ours)
    assert theirs.SerializeToString(deterministic=True) == ours.SerializeToString(deterministic=True)
    back = tapejax.train.Example()
    back.ParseFromString(example(tensorflow).SerializeToString())
    assert back == ours and str(back) == str(example(tensorflow))


def test_messages_compare_by_value_and_reject_wrong_values(compare):
    @raises("TypeError")
    def wrong_int(tf):
        return tf.train.Int64List(value=["1"])

    @raises("TypeError")
    def wrong_float(tf):
        return tf.train.FloatList(value=[b"x"])

    def equality(tf):
        a = tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))
        b = tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))
        c = tf.train.Feature(float_list=tf.train.FloatList(value=[1]))
        return a == b, a == c, tf.train.Example.FromString(b"") == tf.train.Example()
    for program in (wrong_int, wrong_float, equality):
        compare(program, messages=False)


@raises("DecodeError")
def test_a_message_from_bad_bytes_raises_protobufs_decode_error(compare):
    compare(lambda tf: tf.train.Example.FromString(b"garbage"), raises="DecodeError", messages=False)


# --------------------------------------------------------------------------------------------------
# TFRecordWriter
# --------------------------------------------------------------------------------------------------
RECORDS = [b"", b"a", b"hello world" * 50, bytes(range(256)) * 3]


@pytest.mark.parametrize("options", [None, "", "GZIP", "ZLIB", "options_gzip", "options_zlib_level"])
def test_the_writer_writes_tfs_bytes_and_both_datasets_read_them(compare, fresh, options):
    def program(tf):
        opts = {"options_gzip": lambda: tf.io.TFRecordOptions(compression_type="GZIP"),
                "options_zlib_level": lambda: tf.io.TFRecordOptions(compression_type="ZLIB",
                                                                    compression_level=9)}.get(options, lambda: options)()
        path = os.path.join(fresh(), "data.tfrecord")
        with tf.io.TFRecordWriter(path, opts) as writer:
            for record in RECORDS:
                writer.write(record)
        compression = tf.io.TFRecordOptions.get_compression_type_string(opts)
        read_here = [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type=compression)]
        other = tensorflow if tf is tapejax else tapejax
        read_there = [r.numpy() for r in other.data.TFRecordDataset(path, compression_type=compression)]
        with open(path, "rb") as f:
            return f.read(), read_here, read_there, compression
    compare(program)


def test_a_flush_of_a_compressed_writer_writes_what_tf_writes(compare, fresh):
    def program(tf):
        path = os.path.join(fresh(), "data.tfrecord")
        writer = tf.io.TFRecordWriter(path, "ZLIB")
        writer.write(b"hello")
        writer.flush()
        with open(path, "rb") as f:
            flushed = f.read()
        writer.write("again, a str")
        writer.close()
        writer.close()
        with open(path, "rb") as f:
            return flushed, f.read()
    compare(program)


def test_a_closed_writer_raises_failed_precondition(compare, fresh):
    @raises("FailedPreconditionError")
    def write(tf):
        writer = tf.io.TFRecordWriter(os.path.join(fresh(), "x.tfrecord"))
        writer.close()
        writer.write(b"x")

    @raises("FailedPreconditionError")
    def flush(tf):
        writer = tf.io.TFRecordWriter(os.path.join(fresh(), "x.tfrecord"))
        writer.close()
        writer.flush()
    compare(write)
    compare(flush)


@pytest.mark.parametrize("case", ["bad_type", "bad_options", "bad_dir", "bad_record", "get_bad"])
def test_writer_misuse_raises_tfs_errors(compare, fresh, case):
    def program(tf):
        path = os.path.join(fresh(), "x.tfrecord")
        if case == "bad_type":
            return tf.io.TFRecordWriter(path, "BAD")
        if case == "bad_options":
            return tf.io.TFRecordOptions(compression_type="LZ4")
        if case == "bad_dir":
            return tf.io.TFRecordWriter(os.path.join(path, "missing", "x.tfrecord"))
        if case == "get_bad":
            return tf.io.TFRecordOptions.get_compression_type_string("BAD")
        with tf.io.TFRecordWriter(path) as writer:
            writer.write(3)
    compare(program, raises=("ValueError", "NotFoundError", "TypeError"))


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_a_damaged_compressed_file_is_a_data_loss_after_its_good_records(compare, fresh, compression, damage):
    def program(tf):
        path = os.path.join(fresh(), "data.tfrecord")
        with tf.io.TFRecordWriter(path, compression) as writer:
            for i in range(100):
                writer.write(b"record %d" % i * 20)
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:len(data) // 2] if damage == "truncated" else data[:5] + b"\xff" * 20 + data[25:])
        good = []
        try:
            for record in tf.data.TFRecordDataset(path, compression_type=compression):
                good.append(record.numpy())
        except tf.errors.DataLossError as err:
            return len(good), str(err).split("}} ")[-1].split(" [Op:")[0]
    compare(program)


def test_tfrecord_options_keep_their_settings(compare):
    def program(tf):
        o = tf.io.TFRecordOptions(compression_type="GZIP", compression_level=3)
        return (o.compression_type, o.compression_level, o.mem_level, o.flush_mode,
                tf.io.TFRecordOptions.get_compression_type_string(o),
                tf.io.TFRecordOptions.get_compression_type_string(None),
                tf.io.TFRecordOptions.get_compression_type_string("ZLIB"))
    compare(program)


def test_the_dataset_of_a_file_repr_is_tfs(compare, fresh):
    def program(tf):
        path = os.path.join(fresh(), "x.tfrecord")
        with tf.io.TFRecordWriter(path) as writer:
            writer.write(b"a")
        return repr(tf.data.TFRecordDataset([path]))
    compare(program)


def test_a_big_file_reads_back_with_its_checksums(fresh):
    path = os.path.join(fresh(), "big.tfrecord")
    rng = np.random.default_rng(0)
    records = [rng.bytes(int(n)) for n in rng.integers(0, 100_000, 40)]
    with tapejax.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    assert [r.numpy() for r in tensorflow.data.TFRecordDataset(path)] == records
    assert list(tapejax.data.TFRecordDataset(path).as_numpy_iterator()) == records


# --------------------------------------------------------------------------------------------------
# Feature specs and parsing
# --------------------------------------------------------------------------------------------------
def test_feature_specs_are_tfs_named_tuples(compare):
    def program(tf):
        specs = [tf.io.FixedLenFeature([], tf.int64), tf.io.FixedLenFeature([2], tf.float32, default_value=[1.0, 2.0]),
                 tf.io.VarLenFeature(tf.string), tf.io.FixedLenSequenceFeature([3], tf.float32, allow_missing=True)]
        return [repr(s) for s in specs], [s._fields for s in specs], specs[1].shape, specs[3].allow_missing
    compare(program)


def test_parse_single_example_gives_each_kind_of_feature(compare):
    def program(tf):
        ex = example(tf).SerializeToString()
        spec = {
            "ints": tf.io.FixedLenFeature([3], tf.int64),
            "floats": tf.io.FixedLenFeature([3], tf.float32),
            "bytes": tf.io.VarLenFeature(tf.string),
            "missing": tf.io.FixedLenFeature([2, 2], tf.float32, default_value=[[1, 2], [3, 4]]),
            "missing_str": tf.io.FixedLenFeature([], tf.string, default_value="q"),
            "missing_var": tf.io.VarLenFeature(tf.float32),
            "empty": tf.io.VarLenFeature(tf.int64),
            "empty_seq": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True),
            "missing_seq": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True),
        }
        out = tf.io.parse_single_example(ex, spec)
        out2 = tf.io.parse_single_example(tf.constant(ex), {
            "ints": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
            "floats": tf.io.VarLenFeature(tf.float32)})
        out3 = tf.io.parse_single_example(ex, {"ints": tf.io.FixedLenFeature([3, 1], tf.int64),
                                               "bytes": tf.io.FixedLenFeature([3], tf.string)})
        return outcome(out), outcome(out2), outcome(out3)
    compare(program)


def test_parse_example_batches_pads_and_makes_two_dimensional_sparse_tensors(compare):
    def program(tf):
        F = tf.train.Feature
        other = tf.train.Example(features=tf.train.Features(feature={
            "ints": F(int64_list=tf.train.Int64List(value=[7, 8, 9])),
            "bytes": F(bytes_list=tf.train.BytesList(value=[b"only"]))}))
        batch = [example(tf).SerializeToString(), other.SerializeToString(), b""]
        out = tf.io.parse_example(batch, {
            "ints": tf.io.FixedLenFeature([3], tf.int64, default_value=[0, 0, 0]),
            "bytes": tf.io.VarLenFeature(tf.string),
            "floats": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True, default_value=-1.0),
            "floats_var": tf.io.VarLenFeature(tf.float32),
            "missing": tf.io.FixedLenFeature([], tf.string, default_value=""),
        })
        empty = tf.io.parse_example(tf.constant([], tf.string), {
            "s": tf.io.VarLenFeature(tf.string), "a": tf.io.FixedLenFeature([2], tf.int64)})
        scalar = tf.io.parse_example(batch[1], {"ints": tf.io.FixedLenFeature([3], tf.int64)})
        return outcome(out), outcome(empty), outcome(scalar)
    compare(program)


def test_ragged_features_parse_to_a_tensor_or_a_ragged_batch(compare):
    def program(tf):
        R = tf.io.RaggedFeature
        ex = example(tf).SerializeToString()
        single = tf.io.parse_single_example(ex, {
            "ints": R(tf.int64), "bytes": R(tf.string), "m": R(tf.float32),
            "floats": tf.io.VarLenFeature(tf.float32), "a_dense": tf.io.FixedLenFeature([], tf.int64, default_value=1)})
        batch = tf.io.parse_example([ex, b""], {"ints": R(tf.int64), "b": R(tf.string, value_key="bytes",
                                                                          row_splits_dtype=tf.int64)})
        ragged = [(k, v.to_list(), v.row_splits, v.dtype) for k, v in batch.items()]
        return outcome(single), ragged, repr(R(tf.int64))
    compare(program)


def test_a_ragged_feature_of_another_type_raises_tfs_error(compare):
    compare(lambda tf: tf.io.parse_example([example(tf).SerializeToString()],
                                           {"ints": tf.io.RaggedFeature(tf.float32)}), raises="InvalidArgumentError")


@pytest.mark.parametrize("features", [
    {"ints": "r", "b": "r:bytes"}, {"b": "r", "ints": "r"}, {"z": "r", "b": "r:q", "c": "var", "a": "fixed"},
    {"ints": "r:floats", "floats": "r:ints", "a": "r:ints"}], ids=["renamed", "sorted", "mixed", "swapped"])
def test_parsed_features_come_in_tfs_key_order(compare, features):
    def program(tf):
        def spec(code):
            if code == "var":
                return tf.io.VarLenFeature(tf.int64)
            if code == "fixed":
                return tf.io.FixedLenFeature([], tf.int64, default_value=0)
            return tf.io.RaggedFeature(tf.float32, value_key=code[2:] or None)
        described = {k: spec(v) for k, v in features.items()}
        return list(tf.io.parse_example([b""], described)), list(tf.io.parse_single_example(b"", described))
    compare(program)


def sparse_example(tf, idx, val, idx2=None):
    F = tf.train.Feature
    features = {"ix": F(int64_list=tf.train.Int64List(value=idx)), "v": F(float_list=tf.train.FloatList(value=val))}
    if idx2 is not None:
        features["iy"] = F(int64_list=tf.train.Int64List(value=idx2))
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString(deterministic=True)


def test_sparse_features_build_sorted_sparse_tensors_from_index_and_value_features(compare):
    def program(tf):
        S = tf.io.SparseFeature
        one = sparse_example(tf, [3, 1], [0.5, 1.5])
        results = [
            tf.io.parse_single_example(one, {"sp": S("ix", "v", tf.float32, 5)}),
            tf.io.parse_single_example(one, {"sp": S("ix", "v", tf.float32, 5, already_sorted=True)}),
            tf.io.parse_single_example(one, {"sp": S("ix", "v", tf.float32, 5), "v": tf.io.VarLenFeature(tf.float32)}),
            tf.io.parse_example([one, sparse_example(tf, [0], [2.0])], {"sp": S("ix", "v", tf.float32, 5)}),
            tf.io.parse_example([sparse_example(tf, [3, 1], [0.5, 1.5], [0, 2]), sparse_example(tf, [0], [2.0], [1])],
                                {"sp": S(["ix", "iy"], "v", tf.float32, [5, 3])}),
            tf.io.parse_example([one, b""], {"sp": S("ix", "v", tf.float32, 5), "iy": tf.io.VarLenFeature(tf.int64),
                                             "a": tf.io.FixedLenFeature([], tf.int64, default_value=3)}),
        ]
        return [outcome(r) for r in results], repr(S("ix", "v", tf.float32, 5))
    compare(program)


def test_a_sparse_feature_with_fewer_indices_than_values_raises_value_error(compare):
    compare(lambda tf: tf.io.parse_single_example(sparse_example(tf, [3], [0.5, 1.5]), {
        "sp": tf.io.SparseFeature("ix", "v", tf.float32, 5)}), raises="ValueError")


SPEC_FORMS = {
    "int_shape": lambda tf: tf.io.FixedLenFeature(2, tf.int64, default_value=[1, 2]),
    "tensor_shape": lambda tf: tf.io.FixedLenFeature(tf.TensorShape([2]), tf.int64, default_value=[1, 2]),
    "dtype_name_and_numpy_default": lambda tf: tf.io.FixedLenFeature([2], "float32", default_value=np.array([1, 2])),
    "tensor_default": lambda tf: tf.io.FixedLenFeature([2], tf.float32, default_value=tf.constant([1.0, 2.0])),
    "numpy_scalar_default": lambda tf: tf.io.FixedLenFeature((), tf.int64, default_value=np.int64(4)),
    "int_default_of_a_float": lambda tf: tf.io.FixedLenFeature([], tf.float32, default_value=1),
    "float_default_of_an_int": lambda tf: tf.io.FixedLenFeature([], tf.int64, default_value=1.5),
    "nested_string_default": lambda tf: tf.io.FixedLenFeature([1, 2], tf.string, default_value=[["p", b"q"]]),
    "empty_shape_is_still_required": lambda tf: tf.io.FixedLenFeature([0], tf.int64),
}


@pytest.mark.parametrize("case", sorted(SPEC_FORMS))
def test_feature_shapes_dtypes_and_defaults_are_taken_in_tfs_forms(compare, case):
    compare(lambda tf: tf.io.parse_single_example(b"", {"a": SPEC_FORMS[case](tf)}),
            raises=optional("TypeError", "InvalidArgumentError"))


def _bad(tf, case):
    """The example and feature description of one misuse."""
    ex = example(tf).SerializeToString()
    F, V, S = tf.io.FixedLenFeature, tf.io.VarLenFeature, tf.io.FixedLenSequenceFeature
    return ex, {
        "missing_required": {"zz": F([], tf.float32)},
        "missing_required_string": {"zz": F([], tf.string)},
        "empty_feature_is_missing": {"empty": F([], tf.int64)},
        "too_few_values": {"ints": F([5], tf.int64)},
        "too_many_values": {"ints": F([2], tf.int64)},
        "too_few_floats": {"floats": F([4], tf.float32)},
        "wrong_count_of_strings": {"bytes": F([], tf.string)},
        "int_feature_read_as_float": {"ints": F([3], tf.float32)},
        "bytes_read_as_int": {"bytes": F([3], tf.int64)},
        "float_read_as_string": {"floats": F([3], tf.string)},
        "var_len_of_another_type": {"ints": V(tf.float32)},
        "sequence_of_another_type": {"bytes": S([], tf.int64, allow_missing=True)},
        "sequence_not_divisible": {"ints": S([2], tf.int64, allow_missing=True)},
        "int32_is_not_allowed": {"ints": F([3], tf.int32)},
        "float64_var_len_is_not_allowed": {"ints": V(tf.float64)},
        "default_of_another_size": {"ints": F([3], tf.int64, default_value=[1, 2])},
        "scalar_default_is_not_broadcast": {"zz": F([2], tf.int64, default_value=5)},
        "unknown_first_dimension": {"ints": F([None], tf.int64)},
        "sequence_without_allow_missing": {"ints": S([], tf.int64)},
        "not_a_feature": {"ints": "int64"},
        "empty_features": {},
        "none_features": None,
    }[case]


BAD_CASES = ["missing_required", "missing_required_string", "empty_feature_is_missing", "too_few_values",
             "too_many_values", "too_few_floats", "wrong_count_of_strings", "int_feature_read_as_float",
             "bytes_read_as_int", "float_read_as_string", "var_len_of_another_type",
             "sequence_of_another_type", "sequence_not_divisible", "int32_is_not_allowed",
             "float64_var_len_is_not_allowed", "default_of_another_size", "scalar_default_is_not_broadcast",
             "unknown_first_dimension", "sequence_without_allow_missing", "not_a_feature", "empty_features",
             "none_features"]


@pytest.mark.parametrize("case", BAD_CASES)
@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
def test_bad_examples_and_descriptions_raise_tfs_errors(compare, case, batched):
    def program(tf):
        ex, features = _bad(tf, case)
        if batched:
            return outcome(tf.io.parse_example([b"", ex], features))
        return outcome(tf.io.parse_single_example(ex, features))
    compare(program, raises=("InvalidArgumentError", "ValueError"))


def test_bad_bytes_and_bad_input_shapes_raise_tfs_errors(compare):
    spec = lambda tf: {"a": tf.io.FixedLenFeature([], tf.int64)}  # noqa: E731
    compare(lambda tf: tf.io.parse_single_example(b"garbage", spec(tf)), raises="InvalidArgumentError")
    compare(lambda tf: tf.io.parse_example([b"garbage"], spec(tf)), raises="InvalidArgumentError")
    compare(lambda tf: tf.io.parse_single_example([b""], spec(tf)), raises="ValueError")
    compare(lambda tf: tf.io.parse_example([[b""]], spec(tf)), raises="InvalidArgumentError")


def test_a_batch_error_names_the_example(compare):
    def program(tf):
        ok = example(tf).SerializeToString()
        return tf.io.parse_example([ok, b""], {"ints": tf.io.FixedLenFeature([3], tf.int64)},
                                   example_names=["first", "second"])
    compare(program, raises="InvalidArgumentError")


def test_parse_single_example_in_a_dataset_map_over_a_tfrecord_file(compare, fresh):
    def program(tf):
        path = os.path.join(fresh(), "data.tfrecord")
        with tf.io.TFRecordWriter(path) as writer:
            for i in range(5):
                F = tf.train.Feature
                writer.write(tf.train.Example(features=tf.train.Features(feature={
                    "x": F(float_list=tf.train.FloatList(value=[i / 2, -i])),
                    "y": F(int64_list=tf.train.Int64List(value=[i] * i)),
                })).SerializeToString(deterministic=True))
        spec = {"x": tf.io.FixedLenFeature([2], tf.float32), "y": tf.io.VarLenFeature(tf.int64)}
        dense = tf.data.TFRecordDataset(path).map(
            lambda r: tf.io.parse_single_example(r, {"x": spec["x"]})["x"])
        sparse = tf.data.TFRecordDataset(path).map(lambda r: tf.io.parse_single_example(r, spec))
        batched = tf.data.TFRecordDataset(path).batch(2).map(lambda r: tf.io.parse_example(r, spec))
        return ([e for e in dense], [outcome(e) for e in sparse], [outcome(e) for e in batched])
    compare(program)


def test_parse_single_example_inside_a_function_on_string_arguments(compare):
    def program(tf):
        spec = {"ints": tf.io.FixedLenFeature([3], tf.int64), "bytes": tf.io.FixedLenFeature([3], tf.string),
                "z": tf.io.FixedLenFeature([], tf.float32, default_value=0.5)}

        @tf.function
        def parse(serialized):
            out = tf.io.parse_single_example(serialized, spec)
            return out["ints"] * 2, out["bytes"], out["z"]

        @tf.function
        def parse_sparse(serialized):
            return tf.sparse.to_dense(tf.io.parse_single_example(serialized, {"b": tf.io.VarLenFeature(tf.string)})["b"])

        ex = example(tf).SerializeToString()
        other = tf.train.Example(features=tf.train.Features(feature={
            "ints": tf.train.Feature(int64_list=tf.train.Int64List(value=[4, 5, 6])),
            "bytes": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"p", b"q", b"r"])),
            "b": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"s"]))})).SerializeToString()
        return (parse(tf.constant(ex)), parse(tf.constant(other)), parse_sparse(tf.constant(other)))
    compare(program)


# --------------------------------------------------------------------------------------------------
# SequenceExample parsing
# --------------------------------------------------------------------------------------------------
def sequence(tf, tokens, ctx_id=b"a", weights=True):
    F = tf.train.Feature
    lists = {"tokens": tf.train.FeatureList(feature=[F(int64_list=tf.train.Int64List(value=t)) for t in tokens])}
    if weights:
        lists["w"] = tf.train.FeatureList(feature=[F(float_list=tf.train.FloatList(value=[0.5, i])) for i in
                                                   range(len(tokens))])
    return tf.train.SequenceExample(
        context=tf.train.Features(feature={"id": F(bytes_list=tf.train.BytesList(value=[ctx_id])),
                                           "len": F(int64_list=tf.train.Int64List(value=[len(tokens)]))}),
        feature_lists=tf.train.FeatureLists(feature_list=lists)).SerializeToString(deterministic=True)


def test_parse_single_sequence_example_gives_context_and_feature_lists(compare):
    def program(tf):
        s1 = sequence(tf, [[1, 2], [3], [4, 5, 6]])
        context, lists = tf.io.parse_single_sequence_example(
            s1, context_features={"id": tf.io.FixedLenFeature([], tf.string), "len": tf.io.VarLenFeature(tf.int64),
                                  "zz": tf.io.FixedLenFeature([2], tf.float32, default_value=[1, 2])},
            sequence_features={"tokens": tf.io.VarLenFeature(tf.int64), "w": tf.io.FixedLenSequenceFeature([2], tf.float32),
                               "missing": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
                               "missing_var": tf.io.VarLenFeature(tf.string)})
        only_context = tf.io.parse_single_sequence_example(s1, context_features={
            "len": tf.io.FixedLenFeature([], tf.int64)})
        return outcome(context), outcome(lists), outcome(only_context[0]), outcome(only_context[1])
    compare(program)


def test_parse_sequence_example_pads_the_lists_and_gives_their_lengths(compare):
    def program(tf):
        batch = [sequence(tf, [[1, 2], [3], [4, 5, 6]]), sequence(tf, [[7]], b"b"), sequence(tf, [], b"c")]
        context, lists, lengths = tf.io.parse_sequence_example(
            batch, context_features={"id": tf.io.FixedLenFeature([], tf.string), "len": tf.io.VarLenFeature(tf.int64)},
            sequence_features={"tokens": tf.io.VarLenFeature(tf.int64), "w": tf.io.FixedLenSequenceFeature([2], tf.float32)})
        scalar = tf.io.parse_sequence_example(batch[0], sequence_features={
            "w": tf.io.FixedLenSequenceFeature([2], tf.float32)})
        return (outcome(context), outcome(lists), outcome(lengths), outcome(scalar[1]), outcome(scalar[2]))
    compare(program)


SEQUENCE_BAD = {
    "list_count": dict(sequence_features={"tokens": "seq_int"}),
    "list_type": dict(sequence_features={"tokens": "var_float"}),
    "list_dense_type": dict(sequence_features={"w": "seq_int2"}),
    "list_required": dict(sequence_features={"nope": "seq_int"}),
    "list_int32": dict(sequence_features={"tokens": "var_int32"}),
    "list_fixed_len_is_unsupported": dict(sequence_features={"w": "fixed_float2"}),
    "list_default_is_refused": dict(sequence_features={"w": "seq_float2_default"}),
    "list_unknown_shape": dict(sequence_features={"w": "seq_unknown"}),
    "context_count": dict(context_features={"len": "fixed_int2"}),
    "context_type": dict(context_features={"len": "fixed_float"}),
    "context_sparse_type": dict(context_features={"id": "var_int"}),
    "context_missing": dict(context_features={"zz": "fixed_float"}),
    "context_sequence_is_unsupported": dict(context_features={"len": "seq_int"}),
    "no_features": dict(),
}


def _sequence_feature(tf, code):
    return {"seq_int": tf.io.FixedLenSequenceFeature([], tf.int64),
            "seq_int2": tf.io.FixedLenSequenceFeature([2], tf.int64),
            "var_float": tf.io.VarLenFeature(tf.float32), "var_int": tf.io.VarLenFeature(tf.int64),
            "var_int32": tf.io.VarLenFeature(tf.int32),
            "fixed_float2": tf.io.FixedLenFeature([2], tf.float32),
            "seq_float2_default": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True, default_value=-1.0),
            "seq_unknown": tf.io.FixedLenSequenceFeature([None], tf.float32),
            "fixed_int2": tf.io.FixedLenFeature([2], tf.int64), "fixed_float": tf.io.FixedLenFeature([], tf.float32),
            }[code]


@pytest.mark.parametrize("case", sorted(SEQUENCE_BAD))
@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
def test_bad_sequence_examples_and_descriptions_raise_tfs_errors(compare, case, batched):
    def program(tf):
        kwargs = {group: {k: _sequence_feature(tf, v) for k, v in spec.items()}
                  for group, spec in SEQUENCE_BAD[case].items()}
        s = sequence(tf, [[1], [2, 3]])
        if batched:
            return tf.io.parse_sequence_example([sequence(tf, [[1]]), s], **kwargs)
        return tf.io.parse_single_sequence_example(s, **kwargs)
    compare(program, raises=("InvalidArgumentError", "ValueError"))


def test_bad_sequence_bytes_raise_tfs_error(compare):
    compare(lambda tf: tf.io.parse_single_sequence_example(
        b"garbage", context_features={"c": tf.io.VarLenFeature(tf.string)}), raises="InvalidArgumentError")
    compare(lambda tf: tf.io.parse_sequence_example(
        [b"", b"garbage"], context_features={"c": tf.io.VarLenFeature(tf.string)}, example_names=["a", "b"]),
        raises="InvalidArgumentError")


# --------------------------------------------------------------------------------------------------
# serialize_tensor / parse_tensor
# --------------------------------------------------------------------------------------------------
TENSORS = {
    "float32": lambda tf: tf.constant([1.0, 2.0]),
    "int32_scalar": lambda tf: tf.constant(3),
    "int64_matrix": lambda tf: tf.constant([[1, 2], [3, -4]], tf.int64),
    "bool": lambda tf: tf.constant([True, False]),
    "uint8": lambda tf: tf.constant([1, 255], tf.uint8),
    "float64_scalar": lambda tf: tf.constant(2.5, tf.float64),
    "complex64": lambda tf: tf.constant([1 + 2j], tf.complex64),
    "float16": lambda tf: tf.constant([1.5, -2.0], tf.float16),
    "bfloat16": lambda tf: tf.constant([1.5], tf.bfloat16),
    "empty": lambda tf: tf.constant([], tf.float32),
    "zero_sized_dims": lambda tf: tf.zeros([2, 0, 3]),
    "string_scalar": lambda tf: tf.constant(b"abc"),
    "strings": lambda tf: tf.constant([["a", "bc"], ["", "déf"]]),
}


@pytest.mark.parametrize("case", sorted(TENSORS))
def test_serialize_tensor_writes_tfs_tensor_proto_and_parse_tensor_reads_it(compare, case):
    def program(tf):
        tensor = TENSORS[case](tf)
        data = tf.io.serialize_tensor(tensor)
        other = tensorflow if tf is tapejax else tapejax
        from_other = other.io.serialize_tensor(TENSORS[case](other)).numpy()
        return data, tf.io.parse_tensor(data, tensor.dtype), tf.io.parse_tensor(from_other, tensor.dtype)
    compare(program)


def test_parse_tensor_reads_value_fields_as_tf_does(compare):
    def program(tf):
        protos = [tensor_pb2.TensorProto(dtype=1, float_val=[1.5], tensor_shape=tensor_shape_pb2.TensorShapeProto(
                      dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=3)])),
                  tensor_pb2.TensorProto(dtype=3, int_val=[1, 2], tensor_shape=tensor_shape_pb2.TensorShapeProto(
                      dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=2)])),
                  tensor_pb2.TensorProto(dtype=7, string_val=[b"a"], tensor_shape=tensor_shape_pb2.TensorShapeProto())]
        dtypes = [tf.float32, tf.int32, tf.string]
        return [tf.io.parse_tensor(p.SerializeToString(), d) for p, d in zip(protos, dtypes)]
    compare(program)


@pytest.mark.parametrize("case", ["wrong_dtype", "not_a_proto"])
def test_parse_tensor_of_bad_input_raises_tfs_errors(compare, case):
    def program(tf):
        if case == "wrong_dtype":
            return tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([[1, 2]], tf.int64)), tf.int32)
        return tf.io.parse_tensor(b"zzz", tf.int32)
    compare(program, raises="InvalidArgumentError")


# --------------------------------------------------------------------------------------------------
# serialize_sparse / serialize_many_sparse / deserialize_many_sparse
# --------------------------------------------------------------------------------------------------
def test_sparse_tensors_serialize_to_tfs_bytes_and_deserialize_by_rows(compare):
    def program(tf):
        sp = tf.sparse.SparseTensor([[0, 1], [2, 0], [2, 3]], [1.5, 2.5, -1.0], [3, 4])
        strings = tf.sparse.SparseTensor([[0, 0, 1], [1, 1, 0]], ["a", "bc"], [2, 2, 2])
        many = tf.io.serialize_many_sparse(sp)
        other = tensorflow if tf is tapejax else tapejax
        from_other = other.io.serialize_many_sparse(other.sparse.SparseTensor(
            [[0, 1], [2, 0], [2, 3]], [1.5, 2.5, -1.0], [3, 4])).numpy()
        return (tf.io.serialize_sparse(sp), many, tf.io.serialize_many_sparse(strings),
                sparse_parts(tf.io.deserialize_many_sparse(many, tf.float32)),
                sparse_parts(tf.io.deserialize_many_sparse(from_other, tf.float32)),
                sparse_parts(tf.io.deserialize_many_sparse(tf.io.serialize_many_sparse(strings), tf.string)),
                sparse_parts(tf.io.deserialize_many_sparse(tf.stack([many[2], many[0]]), tf.float32)),
                tf.io.parse_tensor(other.io.serialize_sparse(other.sparse.SparseTensor(
                    [[0, 0], [1, 1]], ["a", "bcd"], [2, 2])).numpy()[1], tf.string))
    compare(program)


@pytest.mark.parametrize("case", ["rank_one", "not_sparse", "bad_matrix", "wrong_dtype"])
def test_sparse_serialization_misuse_raises_tfs_errors(compare, case):
    def program(tf):
        if case == "rank_one":
            return tf.io.serialize_many_sparse(tf.sparse.SparseTensor([[1]], [1.0], [3]))
        if case == "not_sparse":
            return tf.io.serialize_sparse(tf.constant([1.0]))
        many = tf.io.serialize_many_sparse(tf.sparse.SparseTensor([[0, 1]], [1.0], [2, 2]))
        if case == "bad_matrix":
            return tf.io.deserialize_many_sparse(tf.reshape(many, [-1]), tf.float32)
        return tf.io.deserialize_many_sparse(many, tf.int32)
    compare(program, raises=("InvalidArgumentError", "TypeError", "ValueError"))
