"""TF dtype objects and their JAX dtypes; TF's conversion and no-promotion rules."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from tapejax._errors import InvalidArgumentError

# The dtypes gradients flow through: a tape tracks values of these only (TF's backprop rule).
DIFFERENTIABLE_DTYPES = frozenset(
    np.dtype(d) for d in (np.float16, jnp.bfloat16, np.float32, np.float64, np.complex64,
                          np.complex128))


class DType:
    """A TensorFlow-style dtype: `tf.float32`, `tf.int32`, ...

    Attributes:
      name: TF's name for the dtype (`'float32'`).
      as_numpy_dtype: the NumPy scalar type holding its values.
    """

    __slots__ = ("name", "_np", "_tf_kind")

    def __init__(self, name, np_dtype, tf_kind):
        self.name = name
        self._np = np.dtype(np_dtype)
        self._tf_kind = tf_kind  # TF's short name used in kernel errors ("float", "double")

    @property
    def as_numpy_dtype(self):
        return object if self._np.kind == "O" else self._np.type

    @property
    def is_floating(self):
        return self._np.kind == "f" or self.name == "bfloat16"

    @property
    def is_complex(self):
        return self._np.kind == "c"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_differentiable(self):
        return self.is_floating or self.is_complex

    @property
    def real_dtype(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    @property
    def size(self):
        return 0 if self._np.kind == "O" else self._np.itemsize

    @property
    def min(self):
        self._check_numeric("minimum")
        return (np.finfo if self.is_floating else np.iinfo)(self._np).min

    @property
    def max(self):
        self._check_numeric("maximum")
        return (np.finfo if self.is_floating else np.iinfo)(self._np).max

    def _check_numeric(self, what):
        if self._np.kind in "Ob":
            raise TypeError(f"Cannot find {what} value of {self} with type {self}.")

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16, "half")
bfloat16 = DType("bfloat16", jnp.bfloat16, "bfloat16")
float32 = DType("float32", np.float32, "float")
float64 = DType("float64", np.float64, "double")
complex64 = DType("complex64", np.complex64, "complex64")
complex128 = DType("complex128", np.complex128, "complex128")
int8 = DType("int8", np.int8, "int8")
int16 = DType("int16", np.int16, "int16")
int32 = DType("int32", np.int32, "int32")
int64 = DType("int64", np.int64, "int64")
uint8 = DType("uint8", np.uint8, "uint8")
uint16 = DType("uint16", np.uint16, "uint16")
uint32 = DType("uint32", np.uint32, "uint32")
uint64 = DType("uint64", np.uint64, "uint64")
bool_ = DType("bool", np.bool_, "bool")
# Strings live on the host: a string Tensor holds a NumPy object array of Python `bytes` (UTF-8 for
# str), as TF's `.numpy()` returns; they never reach JAX and are never differentiable.
string = DType("string", object, "string")
half = float16
double = float64

ALL_DTYPES = (float16, bfloat16, float32, float64, complex64, complex128, int8, int16, int32,
              int64, uint8, uint16, uint32, uint64, bool_, string)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"half": float16, "double": float64, "float": float32})
_BY_NP = {d._np: d for d in ALL_DTYPES}
# TF: tf.as_dtype(str) raises, while np.dtype("U3") and object name tf.string
_BY_PYTHON_TYPE = {float: float32, int: int32, bool: bool_, complex: complex128, str: None, bytes: None}


def as_dtype(type_value):
    """Converts `type_value` (a DType, NumPy dtype, name or Python type) to a `DType`.

    Raises:
      TypeError: if `type_value` names no supported dtype.
    """
    if isinstance(type_value, DType):
        return type_value
    found = None
    if isinstance(type_value, str):
        found = _BY_NAME.get(type_value)
    elif isinstance(type_value, type) and type_value in _BY_PYTHON_TYPE:
        found = _BY_PYTHON_TYPE[type_value]
    elif type_value is not None:  # np.dtype(None) is float64
        try:
            numpy_dtype = np.dtype(type_value)
            found = _BY_NP.get(numpy_dtype) or (string if numpy_dtype.kind in "US" else None)
        except TypeError:
            pass
    if found is not None:
        return found
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType.")


def from_jax(jax_dtype):
    """The `DType` of a JAX/NumPy array dtype."""
    return _BY_NP[np.dtype(jax_dtype)]


def mismatch_error(op_name, index, expected, got, traced=False):
    """TF's kernel error for two tensors of different dtypes meeting in one op (TF's graph error, a
    TypeError, when the op is traced inside a function)."""
    if traced:
        return TypeError(f"Input 'y' of '{op_name}' Op has type {got.name} that does not match type "
                         f"{expected.name} of argument 'x'.")
    hint = ("strings and numbers do not mix; convert with tf.strings.as_string or tf.strings.to_number."
            if "O" in (expected._np.kind, got._np.kind) else
            f"TensorFlow never promotes dtypes implicitly; cast one operand with tf.cast(x, tf.{expected.name}).")
    return InvalidArgumentError(
        f"cannot compute {op_name} as input #{index}(zero-based) was expected to be a {expected._tf_kind} "
        f"tensor but is a {got._tf_kind} tensor [Op:{op_name}] name: \ntapejax: {hint}")
