"""tapejax: TensorFlow's GradientTape programming model on JAX.

Use it as `import tapejax as tf`. Importing tapejax enables JAX's 64-bit mode
(`jax_enable_x64`) so that `tf.float64`/`tf.int64` values keep their precision; tapejax's own
defaults stay TensorFlow's (Python floats -> float32, ints -> int32), but raw `jax.numpy` code in
the same process then defaults to 64-bit types. It also turns on JAX's persistent compilation cache
in the user's cache directory (see `tapejax._compile_cache`; `TAPEJAX_COMPILATION_CACHE=0` turns it
off).
"""

import sys as _sys

import jax as _jax

_jax.config.update("jax_enable_x64", True)

from tapejax import _distribute_bootstrap  # noqa: E402

_distribute_bootstrap.connect_from_environment()  # a TF_CONFIG cluster is joined before JAX starts

from tapejax import _compile_cache  # noqa: E402

_compile_cache.configure_from_environment()

from tapejax import _errors  # noqa: E402
from tapejax import _namespaces  # noqa: E402
from tapejax import _nest  # noqa: E402

errors = _namespaces.make("errors", "tf.errors", _namespaces.pick(_errors, _errors.__all__))

from tapejax._dtypes import (  # noqa: E402
    DType, as_dtype, bfloat16, bool_ as bool, complex64, complex128, double, float16, float32,
    float64, half, int8, int16, int32, int64, string, uint8, uint16, uint32, uint64)
from tapejax._composite import custom_gradient, grad_pass_through, recompute_grad  # noqa: E402
from tapejax._control_flow import cond, vectorized_map, while_loop  # noqa: E402
from tapejax._function import TensorSpec, function  # noqa: E402
from tapejax._gradient import UnconnectedGradients  # noqa: E402
from tapejax._indexed_slices import IndexedSlices  # noqa: E402
from tapejax._module import Module, name_scope  # noqa: E402
from tapejax._py_function import numpy_function, py_function  # noqa: E402,F401
from tapejax._ops import array_ops as _array_ops  # noqa: E402
from tapejax._ops import linalg_ops as _linalg_ops  # noqa: E402
from tapejax._ops import math_ops as _math_ops  # noqa: E402
from tapejax._ops import nn_ops as _nn_ops  # noqa: E402
from tapejax._ops import random_ops as _random_ops  # noqa: E402
from tapejax._ops import image_ops as _image_ops  # noqa: E402
from tapejax._ops import string_ops as _string_ops  # noqa: E402 - also registers the string kernels
from tapejax._ops._convert import constant, convert_to_tensor  # noqa: E402
from tapejax import _sparse  # noqa: E402
from tapejax._tape import GradientTape  # noqa: E402
from tapejax._tensor import Tensor, TensorShape  # noqa: E402
from tapejax._cache import clear_all as clear_caches  # noqa: E402,F401 - tapejax's own (TF has none)
from tapejax._variable import Variable, VariableAggregation, VariableSynchronization  # noqa: E402

__version__ = "2.21.0"  # the TensorFlow API version tapejax implements (as `tf.__version__`)
__tapejax_version__ = "0.1.0"  # tapejax's own version (pyproject.toml's); also tf.version.TAPEJAX_VERSION

version = _namespaces.make("version", "tf.version", {
    "VERSION": __version__, "GIT_VERSION": f"v{__version__}-tapejax-{__tapejax_version__}",
    "COMPILER_VERSION": "tapejax (JAX/XLA)", "GRAPH_DEF_VERSION": 2474, "GRAPH_DEF_VERSION_MIN_CONSUMER": 0,
    "GRAPH_DEF_VERSION_MIN_PRODUCER": 0, "TAPEJAX_VERSION": __tapejax_version__})

_MATH = list(_math_ops.UNARY) + list(_math_ops.BINARY) + list(_math_ops.REDUCTIONS) + [
    "truediv", "mod", "add_n", "argmax", "argmin", "cumsum",
    "cumprod", "count_nonzero", "l2_normalize", "scalar_mul", "top_k",
    "unsorted_segment_sum", "segment_sum", "confusion_matrix"]
math = _namespaces.make("math", "tf.math", {**_namespaces.pick(_math_ops, _MATH), "softmax": _nn_ops.softmax,
                                             "log_softmax": _nn_ops.log_softmax})

# The math ops TF also exports at the top level (`tf.exp`, `tf.reduce_sum`, ...); TF 2 keeps `log`,
# `rsqrt`, `conj`, ... in tf.math only (tf.compat.v1 has them too, below).
from tapejax._ops.math_ops import (  # noqa: E402, A004 - TF's names shadow builtins (abs, pow, round, range, slice)
    abs, negative, sign, square, sqrt, exp, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, sigmoid, floor,
    round, add, subtract, multiply, divide, truediv, realdiv, pow, maximum, minimum, atan2, equal, not_equal,
    less, less_equal, greater, greater_equal, logical_and, logical_or, logical_not, cast, saturate_cast, add_n,
    argmax, argmin, cumsum, clip_by_value, reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod,
    reduce_logsumexp, reduce_any, reduce_all, clip_by_norm, clip_by_global_norm,
)
matmul = _linalg_ops.matmul
complex = _math_ops.complex  # noqa: A001 - tf.complex
einsum = _linalg_ops.einsum
tensordot = _linalg_ops.tensordot
norm = _linalg_ops.norm

from tapejax._ops.array_ops import (  # noqa: E402, A004 - TF's names shadow builtins (abs, pow, round, range, slice)
    identity, stop_gradient, reshape, transpose, expand_dims, squeeze, tile, broadcast_to, reverse, pad,
    concat, stack, unstack, split, slice, gather, gather_nd, where, boolean_mask, one_hot, repeat, sort,
    argsort, tensor_scatter_nd_update, tensor_scatter_nd_add, tensor_scatter_nd_sub, tensor_scatter_nd_min,
    tensor_scatter_nd_max, scatter_nd, zeros, ones, fill, zeros_like, ones_like, eye, range, linspace, shape,
    size, rank, meshgrid, newaxis,
)

linalg = _namespaces.make("linalg", "tf.linalg", {
    **_namespaces.pick(_linalg_ops, [
        "matmul", "matvec", "inv", "det", "logdet", "slogdet", "cholesky", "solve",
        "triangular_solve", "trace", "diag", "diag_part", "einsum", "tensordot", "norm", "qr",
        "svd", "eigh", "band_part"]),
    "eye": _array_ops.eye,
    "matrix_transpose": _array_ops.matrix_transpose,
    "l2_normalize": _math_ops.l2_normalize, "global_norm": _math_ops.global_norm,
})

bitwise = _namespaces.make("bitwise", "tf.bitwise", _namespaces.pick(_math_ops, list(_math_ops.BITWISE)))

strings = _namespaces.make("strings", "tf.strings", _namespaces.pick(_string_ops, _string_ops.__all__))
from tapejax import _io  # noqa: E402
from tapejax.data import _csv  # noqa: E402
from tapejax._ops import image_codec_ops as _image_codec_ops  # noqa: E402
from tapejax import _example_parsing  # noqa: E402
from tapejax.data import _tfrecord  # noqa: E402

image = _namespaces.make("image", "tf.image", {**_namespaces.pick(_image_ops, _image_ops.__all__),
                                               **_namespaces.pick(_image_codec_ops, _image_codec_ops.__all__)})
io = _namespaces.make("io", "tf.io", {
    **_namespaces.pick(_io, _io.__all__), **_namespaces.pick(_image_codec_ops, _image_codec_ops.__all__),
    "decode_raw": _string_ops.decode_raw, "decode_csv": _csv.decode_csv,
    "gfile": _namespaces.make("io.gfile", "tf.io.gfile", _namespaces.pick(_io, _io.GFILE)),
    **_namespaces.pick(_example_parsing, _example_parsing.__all__),
    "TFRecordWriter": _tfrecord.TFRecordWriter, "TFRecordOptions": _tfrecord.TFRecordOptions,
})

from tapejax._ops import signal_ops as _signal_ops  # noqa: E402

signal = _namespaces.make("signal", "tf.signal", _namespaces.pick(_signal_ops, _signal_ops.__all__))
audio = _namespaces.make("audio", "tf.audio", _namespaces.pick(_io, _io.AUDIO))

random = _namespaces.make("random", "tf.random", _namespaces.pick(_random_ops, [
    "normal", "uniform", "truncated_normal", "set_seed", "Generator", "categorical", "shuffle",
    "get_global_generator", "stateless_normal", "stateless_uniform", "stateless_truncated_normal"]))

nest = _namespaces.make("nest", "tf.nest", _namespaces.pick(_nest, [
    "flatten", "pack_sequence_as", "map_structure", "assert_same_structure", "is_nested"]))

dtypes = _namespaces.make("dtypes", "tf.dtypes", {
    "DType": DType, "as_dtype": as_dtype, "float16": float16, "bfloat16": bfloat16,
    "float32": float32, "float64": float64, "int8": int8, "int16": int16, "int32": int32,
    "int64": int64, "uint8": uint8, "bool": bool, "string": string, "complex64": complex64, "complex128": complex128,
    "cast": _math_ops.cast})

from tapejax import _device, _function  # noqa: E402
from tapejax._device import device  # noqa: E402

config = _namespaces.make("config", "tf.config", {
    "run_functions_eagerly": _function.run_functions_eagerly,
    "functions_run_eagerly": _function.functions_run_eagerly,
    **_namespaces.pick(_device, [
        "list_physical_devices", "list_logical_devices", "get_visible_devices", "set_visible_devices",
        "LogicalDeviceConfiguration", "set_logical_device_configuration", "get_logical_device_configuration"]),
    "PhysicalDevice": _device.PhysicalDevice, "LogicalDevice": _device.LogicalDevice,
    "experimental": _namespaces.make("config.experimental", "tf.config.experimental", {
        **_namespaces.pick(_device, [
            "list_physical_devices", "list_logical_devices", "get_visible_devices", "set_visible_devices",
            "set_memory_growth", "get_memory_growth"]),
        "VirtualDeviceConfiguration": _device.LogicalDeviceConfiguration,
        "set_compilation_cache": _compile_cache.set_compilation_cache,
        "get_compilation_cache": _compile_cache.compilation_cache_directory,
        "set_virtual_device_configuration": _device.set_logical_device_configuration,
        "get_virtual_device_configuration": _device.get_logical_device_configuration}),
})

from tapejax import _autograph  # noqa: E402
from tapejax._function import executing_eagerly, init_scope  # noqa: E402,F401

autograph = _namespaces.make("autograph", "tf.autograph", {
    **_namespaces.pick(_autograph, ["to_code", "to_graph", "set_verbosity", "trace"]),
    "experimental": _namespaces.make("autograph.experimental", "tf.autograph.experimental", {
        "do_not_convert": _autograph.do_not_convert, "set_loop_options": _autograph.set_loop_options}),
})

from tapejax import _function  # noqa: E402

types = _namespaces.make("types", "tf.types", {"experimental": _namespaces.make(
    "types.experimental", "tf.types.experimental", {"TraceType": _function.TraceType})})

from tapejax import _forward  # noqa: E402

autodiff = _namespaces.make("autodiff", "tf.autodiff", {
    "GradientTape": GradientTape, "ForwardAccumulator": _forward.ForwardAccumulator})

from tapejax import data  # noqa: E402
from tapejax import distribute  # noqa: E402
from tapejax.distribute import _losses as _distribute_losses  # noqa: E402


nn = _namespaces.make("nn", "tf.nn", {
    **_namespaces.pick(_nn_ops, [
        "relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "leaky_relu", "softmax",
        "log_softmax", "sigmoid_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
        "sparse_softmax_cross_entropy_with_logits", "l2_loss", "bias_add", "dropout", "moments",
        "embedding_lookup", "sigmoid", "tanh", "softplus", "conv2d", "max_pool2d", "avg_pool2d",
        "max_pool", "avg_pool"]),
    "softsign": _math_ops.softsign, "l2_normalize": _math_ops.l2_normalize,
    "top_k": _math_ops.top_k,
    "embedding_lookup_sparse": _sparse.embedding_lookup_sparse,
    # defined with the strategies
    "compute_average_loss": _distribute_losses.compute_average_loss,
    "scale_regularization_loss": _distribute_losses.scale_regularization_loss,
})
from tapejax import keras  # noqa: E402

# TF 2's initializer classes (init_ops_v2): the same defaults and configs as Keras 3's, which accept them
constant_initializer = keras.initializers.Constant
ones_initializer = keras.initializers.Ones
random_normal_initializer = keras.initializers.RandomNormal
random_uniform_initializer = keras.initializers.RandomUniform
zeros_initializer = keras.initializers.Zeros

# TF 2's aliases of Keras namespaces (TF 2.21 has no tf.keras.optimizers.legacy classes that work).
optimizers = keras.optimizers
initializers = keras.initializers
losses = keras.losses
metrics = keras.metrics

from tapejax import _debugging, _printing, _unimplemented  # noqa: E402

print = _printing.print_  # noqa: A001 - tf.print
debugging = _namespaces.make("debugging", "tf.debugging", _namespaces.pick(_debugging, [
    "Assert", "assert_all_finite", "assert_equal", "assert_greater", "assert_greater_equal", "assert_integer",
    "assert_less", "assert_less_equal", "assert_near", "assert_negative", "assert_non_negative",
    "assert_non_positive", "assert_none_equal", "assert_positive", "assert_rank", "assert_rank_at_least",
    "assert_rank_in", "assert_scalar", "assert_shapes", "assert_type", "check_numerics",
    "disable_check_numerics", "enable_check_numerics", "get_log_device_placement", "is_numeric_tensor",
    "set_log_device_placement"]))
from tapejax._debugging import Assert, assert_equal, assert_greater, assert_less, assert_rank  # noqa: E402
SparseTensor, SparseTensorSpec = _sparse.SparseTensor, _sparse.SparseTensorSpec
sparse = _namespaces.make("sparse", "tf.sparse", {
    **_unimplemented.members("sparse", _unimplemented.SPARSE), **_namespaces.pick(_sparse, [
        "SparseTensor", "add", "bincount", "concat", "expand_dims", "eye", "fill_empty_rows", "from_dense",
        "map_values", "mask", "maximum", "minimum", "reduce_max", "reduce_sum", "reorder", "reset_shape",
        "reshape", "retain", "segment_mean", "segment_sqrt_n", "segment_sum", "slice", "softmax",
        "sparse_dense_matmul", "split", "to_dense", "to_indicator", "transpose"])})
from tapejax import _ragged  # noqa: E402
from tapejax._map_fn import map_fn  # noqa: E402

RaggedTensor, RaggedTensorSpec = _ragged.RaggedTensor, _ragged.RaggedTensorSpec
is_tensor = _ragged.is_tensor
ragged = _namespaces.make("ragged", "tf.ragged", {
    **_unimplemented.members("ragged", _unimplemented.RAGGED), **_ragged.RAGGED_API})
sets = _namespaces.make("sets", "tf.sets (not implemented in tapejax)",
                        _unimplemented.members("sets", _unimplemented.SETS))

from tapejax._checkpoint import train  # noqa: E402

from tapejax._tensor_array import TensorArray  # noqa: E402
from tapejax import _summary  # noqa: E402

summary = _namespaces.make("summary", "tf.summary", {
    **_namespaces.pick(_summary, [
        "SummaryWriter", "audio", "create_file_writer", "create_noop_writer", "flush", "histogram",
        "image", "record_if", "scalar", "should_record_summaries", "text", "trace_export", "trace_off",
        "trace_on", "write"]),
    "experimental": _namespaces.make("summary.experimental", "tf.summary.experimental",
                                     _namespaces.pick(_summary, ["get_step", "set_step", "summary_scope"])),
})

from tapejax import _numpy_api  # noqa: E402

experimental = _namespaces.make("experimental", "tf.experimental", {
    "numpy": _namespaces.make("experimental.numpy", "tf.experimental.numpy", {
        **_namespaces.pick(_numpy_api, _numpy_api.NAMES),
        "random": _namespaces.make("experimental.numpy.random", "tf.experimental.numpy.random",
                                   _namespaces.pick(_numpy_api, _numpy_api.RANDOM))}),
})
experimental.__path__ = []  # a package, so that `import tensorflow.experimental.numpy as tnp` resolves

from tapejax import _profiler  # noqa: E402

profiler = _namespaces.make("profiler", "tf.profiler", {
    "experimental": _namespaces.make("profiler.experimental", "tf.profiler.experimental", {
        **_namespaces.pick(_profiler, _profiler.__all__),
        "server": _namespaces.make("profiler.experimental.server", "tf.profiler.experimental.server",
                                   {"start": _profiler.start_server}),
        "client": _namespaces.make("profiler.experimental.client", "tf.profiler.experimental.client",
                                   {"trace": _profiler._remote, "monitor": _profiler._remote})})})

from tapejax import _compat_v1  # noqa: E402

# tf.compat.v1: the TF 2 names bound so far, TF 1's spellings TF 2 keeps only in tf.math, and _compat_v1's own.
compat = _compat_v1.namespaces(
    {n: v for n, v in vars(_sys.modules[__name__]).items() if not n.startswith("_")},
    _sys.modules[__name__], _namespaces.pick(_math_ops, [
        "ceil", "conj", "floordiv", "floormod", "imag", "is_nan", "log", "real", "reciprocal", "rsqrt",
        "squared_difference"]))

from tapejax import _saved_model  # noqa: E402

saved_model = _namespaces.make("saved_model", "tf.saved_model", {
    **_namespaces.pick(_saved_model, ["save", "load", "contains_saved_model", "SaveOptions", "LoadOptions",
                                      "Asset", "DEFAULT_SERVING_SIGNATURE_DEF_KEY", "ASSETS_DIRECTORY"]),
    "SAVED_MODEL_SCHEMA_VERSION": _saved_model.VERSION})

# The door: TF 2.21's top-level names that tapejax has (tests/test_public_api.py compares them with TF's),
# and tapejax's own `clear_caches`. The op-table modules and the other implementation modules bound
# above are private (`_math_ops`, ...); tapejax's own submodules (explain, run, compare, demo) appear
# as attributes once imported.
_TAPEJAX_OWN_NAMES = ("clear_caches", "explain", "run", "compare", "demo")
__all__ = [
    "Assert", "DType", "GradientTape", "IndexedSlices", "Module", "RaggedTensor", "RaggedTensorSpec",
    "SparseTensor", "SparseTensorSpec", "Tensor", "TensorArray", "TensorShape", "TensorSpec",
    "UnconnectedGradients", "Variable", "VariableAggregation", "VariableSynchronization", "abs", "acos", "add",
    "add_n", "argmax", "argmin", "argsort", "as_dtype", "asin", "assert_equal", "assert_greater",
    "assert_less", "assert_rank", "atan", "atan2", "audio", "autodiff", "autograph", "bfloat16", "bitwise", "bool",
    "boolean_mask", "broadcast_to", "cast", "clear_caches", "clip_by_global_norm", "clip_by_norm",
    "clip_by_value", "compat", "complex", "complex128", "complex64", "concat", "cond", "config", "constant",
    "constant_initializer", "convert_to_tensor", "cos", "cosh", "cumsum", "custom_gradient", "data",
    "debugging", "device", "distribute", "divide", "double", "dtypes", "einsum", "equal", "errors",
    "executing_eagerly", "exp", "expand_dims", "experimental", "eye", "fill", "float16", "float32", "float64",
    "floor", "function", "gather", "gather_nd", "grad_pass_through", "greater", "greater_equal", "half",
    "identity", "image", "init_scope", "initializers", "int16", "int32", "int64", "int8", "io", "is_tensor",
    "keras", "less", "less_equal", "linalg", "linspace", "logical_and", "logical_not", "logical_or", "losses",
    "map_fn", "math", "matmul", "maximum", "meshgrid", "metrics", "minimum", "multiply", "name_scope",
    "negative", "nest", "newaxis", "nn", "norm", "not_equal", "numpy_function", "one_hot", "ones",
    "ones_initializer", "ones_like", "optimizers", "pad", "pow", "print", "profiler", "py_function", "ragged",
    "random", "random_normal_initializer", "random_uniform_initializer", "range", "rank", "realdiv",
    "recompute_grad", "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean",
    "reduce_min", "reduce_prod", "reduce_sum", "repeat", "reshape", "reverse", "round", "saturate_cast",
    "saved_model", "scatter_nd", "sets", "shape", "sigmoid", "sign", "signal", "sin", "sinh", "size", "slice", "sort",
    "sparse", "split", "sqrt", "square", "squeeze", "stack", "stop_gradient", "string", "strings", "subtract",
    "summary", "tan", "tanh", "tensor_scatter_nd_add", "tensor_scatter_nd_max", "tensor_scatter_nd_min",
    "tensor_scatter_nd_sub", "tensor_scatter_nd_update", "tensordot", "tile", "train", "transpose", "truediv",
    "types", "uint16", "uint32", "uint64", "uint8", "unstack", "vectorized_map", "version", "where",
    "while_loop", "zeros", "zeros_initializer", "zeros_like",
]

from tapejax import _missing_api  # noqa: E402

_missing_api.install(_sys.modules[__name__])  # a TF 2.21 name tapejax lacks says so (AttributeError)
