"""TF's protocol buffers for data: `tf.train.Example` and its parts, and `TensorProto`.

The messages are real protobuf messages (the `protobuf` package) built from descriptors written here
with TF's field numbers, types and packing (tensorflow/core/example/feature.proto and example.proto,
tensorflow/core/framework/tensor.proto, tensor_shape.proto and types.proto), so the bytes they
serialize to are TF's wire format: TF parses what tapejax writes and tapejax parses what TF writes.
They live in a private descriptor pool (not protobuf's default one), so they never clash with TF's
generated modules when both are imported in one process; their text format, equality,
`SerializeToString`, `FromString`, `ParseFromString`, `WhichOneof` and map fields are protobuf's.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_OPTIONAL, _REPEATED = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED

# TF's DataType enum (tensorflow/core/framework/types.proto): the numbers TensorProto.dtype holds.
DATA_TYPES = {
    "invalid": 0, "float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
    "string": 7, "complex64": 8, "int64": 9, "bool": 10, "qint8": 11, "quint8": 12, "qint32": 13,
    "bfloat16": 14, "qint16": 15, "quint16": 16, "uint16": 17, "complex128": 18, "float16": 19,
    "resource": 20, "variant": 21, "uint32": 22, "uint64": 23,
}
_ENUM_NAMES = {
    "invalid": "DT_INVALID", "float32": "DT_FLOAT", "float64": "DT_DOUBLE", "int32": "DT_INT32",
    "uint8": "DT_UINT8", "int16": "DT_INT16", "int8": "DT_INT8", "string": "DT_STRING",
    "complex64": "DT_COMPLEX64", "int64": "DT_INT64", "bool": "DT_BOOL", "qint8": "DT_QINT8",
    "quint8": "DT_QUINT8", "qint32": "DT_QINT32", "bfloat16": "DT_BFLOAT16", "qint16": "DT_QINT16",
    "quint16": "DT_QUINT16", "uint16": "DT_UINT16", "complex128": "DT_COMPLEX128", "float16": "DT_HALF",
    "resource": "DT_RESOURCE", "variant": "DT_VARIANT", "uint32": "DT_UINT32", "uint64": "DT_UINT64",
}


def _field(message, name, number, kind, label=_OPTIONAL, type_name=None, packed=False, oneof=None):
    field = message.field.add(name=name, number=number, label=label, type=kind)
    if type_name is not None:
        field.type_name = type_name
    if packed:
        field.options.packed = True
    if oneof is not None:
        field.oneof_index = oneof
    return field


def _map_entry(message, entry_name, value_type):
    entry = message.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)
    return entry


def _file(name, dependencies=()):
    proto = descriptor_pb2.FileDescriptorProto(name=name, package="tensorflow", syntax="proto3")
    proto.dependency.extend(dependencies)
    return proto


def _feature_proto():
    proto = _file("tensorflow/core/example/feature.proto")
    _field(proto.message_type.add(name="BytesList"), "value", 1, _F.TYPE_BYTES, _REPEATED)
    _field(proto.message_type.add(name="FloatList"), "value", 1, _F.TYPE_FLOAT, _REPEATED, packed=True)
    _field(proto.message_type.add(name="Int64List"), "value", 1, _F.TYPE_INT64, _REPEATED, packed=True)
    feature = proto.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for number, kind in enumerate(("BytesList", "FloatList", "Int64List"), start=1):
        _field(feature, kind[:-4].lower() + "_list", number, _F.TYPE_MESSAGE,
               type_name=f".tensorflow.{kind}", oneof=0)
    features = proto.message_type.add(name="Features")
    _map_entry(features, "FeatureEntry", ".tensorflow.Feature")
    _field(features, "feature", 1, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.Features.FeatureEntry")
    _field(proto.message_type.add(name="FeatureList"), "feature", 1, _F.TYPE_MESSAGE, _REPEATED,
           ".tensorflow.Feature")
    lists = proto.message_type.add(name="FeatureLists")
    _map_entry(lists, "FeatureListEntry", ".tensorflow.FeatureList")
    _field(lists, "feature_list", 1, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.FeatureLists.FeatureListEntry")
    return proto


def _example_proto():
    proto = _file("tensorflow/core/example/example.proto", ["tensorflow/core/example/feature.proto"])
    _field(proto.message_type.add(name="Example"), "features", 1, _F.TYPE_MESSAGE,
           type_name=".tensorflow.Features")
    sequence = proto.message_type.add(name="SequenceExample")
    _field(sequence, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(sequence, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")
    return proto


def _types_proto():
    proto = _file("tensorflow/core/framework/types.proto")
    enum = proto.enum_type.add(name="DataType")
    for key, number in DATA_TYPES.items():
        enum.value.add(name=_ENUM_NAMES[key], number=number)
    return proto


def _tensor_shape_proto():
    proto = _file("tensorflow/core/framework/tensor_shape.proto")
    shape = proto.message_type.add(name="TensorShapeProto")
    dim = shape.nested_type.add(name="Dim")
    _field(dim, "size", 1, _F.TYPE_INT64)
    _field(dim, "name", 2, _F.TYPE_STRING)
    _field(shape, "dim", 2, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.TensorShapeProto.Dim")
    _field(shape, "unknown_rank", 3, _F.TYPE_BOOL)
    return proto


def _tensor_proto():
    proto = _file("tensorflow/core/framework/tensor.proto", [
        "tensorflow/core/framework/tensor_shape.proto", "tensorflow/core/framework/types.proto"])
    tensor = proto.message_type.add(name="TensorProto")
    _field(tensor, "dtype", 1, _F.TYPE_ENUM, type_name=".tensorflow.DataType")
    _field(tensor, "tensor_shape", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.TensorShapeProto")
    _field(tensor, "version_number", 3, _F.TYPE_INT32)
    _field(tensor, "tensor_content", 4, _F.TYPE_BYTES)
    for name, number, kind in (
            ("half_val", 13, _F.TYPE_INT32), ("float_val", 5, _F.TYPE_FLOAT), ("double_val", 6, _F.TYPE_DOUBLE),
            ("int_val", 7, _F.TYPE_INT32), ("scomplex_val", 9, _F.TYPE_FLOAT), ("int64_val", 10, _F.TYPE_INT64),
            ("bool_val", 11, _F.TYPE_BOOL), ("dcomplex_val", 12, _F.TYPE_DOUBLE),
            ("uint32_val", 16, _F.TYPE_UINT32), ("uint64_val", 17, _F.TYPE_UINT64)):
        _field(tensor, name, number, kind, _REPEATED, packed=True)
    _field(tensor, "string_val", 8, _F.TYPE_BYTES, _REPEATED)
    # resource_handle_val (14) is not declared: its bytes are kept as an unknown field.
    _field(tensor, "variant_val", 15, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.VariantTensorDataProto")
    _field(tensor, "float8_val", 18, _F.TYPE_BYTES)
    variant = proto.message_type.add(name="VariantTensorDataProto")
    _field(variant, "type_name", 1, _F.TYPE_STRING)
    _field(variant, "metadata", 2, _F.TYPE_BYTES)
    _field(variant, "tensors", 3, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.TensorProto")
    return proto


_POOL = descriptor_pool.DescriptorPool()
for _proto in (_feature_proto(), _example_proto(), _types_proto(), _tensor_shape_proto(), _tensor_proto()):
    _POOL.Add(_proto)


def _message(name, module="tapejax.train"):
    """The message class of `tensorflow.<name>`, named as the namespace that exports it (pickle finds it there)."""
    cls = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("tensorflow." + name))
    cls.__module__ = module
    return cls


BytesList = _message("BytesList")
FloatList = _message("FloatList")
Int64List = _message("Int64List")
Feature = _message("Feature")
Features = _message("Features")
FeatureList = _message("FeatureList")
FeatureLists = _message("FeatureLists")
Example = _message("Example")
SequenceExample = _message("SequenceExample")
TensorShapeProto = _message("TensorShapeProto", __name__)
TensorProto = _message("TensorProto", __name__)

__all__ = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList", "FeatureLists",
           "Example", "SequenceExample", "TensorShapeProto", "TensorProto"]
