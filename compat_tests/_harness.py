"""Runs one program on real TensorFlow and on tapejax and compares what they produce.

A program is a function `program(tf)` that returns any nest of Tensors, Variables, NumPy values,
Python values and None. Outcomes are normalised to plain data (kind, dtype name, shape, value) so that
values, dtypes, shapes, `None` patterns, container types and exception types are all compared.

A program that is meant to raise declares it: `@raises("InvalidArgumentError")` on the program, or
`compare(program, raises="InvalidArgumentError")`. An exception TF raises that the program did not
declare (a `NameError` from a typo in the program, say) fails the comparison even when tapejax raises
the same one, and so does a declared exception that TF does not raise.
"""

from __future__ import annotations

import importlib
import math
import re

import numpy as np
import pytest

BACKENDS = ("tensorflow", "tapejax")


def load(backend):
    module = importlib.import_module(backend)
    if backend == "tensorflow":
        module.get_logger().setLevel("ERROR")
    return module


class Raised:
    """An exception a program raised, by class name and message (TF's `{{function_node ...}}` dropped)."""

    def __init__(self, exc):
        self.type_name = type(exc).__name__
        self.message = re.sub(r"^\{\{function_node [^}]*\}\} ", "", str(exc))

    def __repr__(self):
        return f"Raised({self.type_name}: {self.message!r})"


class optional(tuple):
    """Exception class names a shared program may raise on TF for some of its inputs (it may also
    return): `compare(program, raises=optional("InvalidArgumentError"))`. An undeclared class still fails."""

    def __new__(cls, *type_names):
        return super().__new__(cls, type_names)


def raises(*type_names, optional_=False):
    """Declares the exception class(es) (by name, e.g. "InvalidArgumentError") a program raises on TF;
    with `optional_=True` (a helper program shared by many inputs) it may also return."""
    if not type_names or not all(isinstance(n, str) for n in type_names):
        raise TypeError("raises() takes exception class names, e.g. raises('InvalidArgumentError')")

    def declare(program):
        program.raises = optional(*type_names) if optional_ else type_names
        return program
    return declare


def declared(program, raises=None):
    """The exception class names `program` declares (the `raises` argument wins), or ()."""
    names = raises if raises is not None else getattr(program, "raises", ())
    if isinstance(names, optional):
        return names
    return (names,) if isinstance(names, str) else tuple(names)


def check_declared(expected, names, path="result"):
    """Asserts TF's outcome `expected` raised one of `names` if any are declared, and returned otherwise."""
    if isinstance(expected, Raised):
        assert names, (f"{path}: TF raised {expected!r}, which the program does not declare; a program "
                       f"meant to raise declares it with @raises({expected.type_name!r}) or "
                       f"compare(..., raises={expected.type_name!r})")
        assert expected.type_name in names, (
            f"{path}: TF raised {expected!r}; the program declares {names}")
    elif not isinstance(names, optional):
        assert not names, f"{path}: the program declares it raises {names}, TF returned {expected!r}"


def normalize(value):
    """Plain-data view of a program's result."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Raised):
        return value
    if hasattr(value, "as_list") and hasattr(value, "rank"):  # a TensorShape (tapejax's is a tuple)
        return ("shape", tuple(value.as_list()))
    if isinstance(value, dict):
        return {"__dict__": {k: normalize(v) for k, v in value.items()}}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("namedtuple", type(value).__name__, tuple(normalize(v) for v in value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [normalize(v) for v in value])
    if isinstance(value, (int, float, complex)) and not hasattr(value, "dtype"):
        return ("python", type(value).__name__, value)
    if hasattr(value, "numpy") and hasattr(value, "dtype") and hasattr(value, "shape"):
        array = np.asarray(value.numpy())
        return ("tensor", value.dtype.name, tuple(int(d) for d in value.shape), array)
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        return ("ndarray", str(array.dtype), array.shape, array)
    if hasattr(value, "name") and hasattr(value, "is_floating"):  # a DType
        return ("dtype", value.name)
    return ("object", repr(value))


def run(program, backend):
    tf = load(backend)
    try:
        return normalize(program(tf))
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome being compared
        return Raised(exc)


# TF's x86 CPU kernels come in two builds: oneDNN's (on by default where the CPU has AVX-512) and
# Eigen's (elsewhere, e.g. an AMD EPYC without AVX-512). A few messages differ between them; tapejax
# gives oneDNN's, so an Eigen-build message is compared as its oneDNN twin.
_EIGEN_TO_ONEDNN = [
    (re.compile(r" by allocator cpu "), " by allocator mklcpu "),
    (re.compile(r"^In\[0\] and In\[1\] has different ndims: \[\d+\] vs\. \[[\d,]+\] "), "In[0] ndims must be >= 2 "),
    (re.compile(r"^In\[0\] and In\[1\] has different ndims: \[[\d,]+\] vs\. \[\d+\] "), "In[1] ndims must be >= 2 "),
]


def tf_onednn():
    """Whether the TensorFlow here runs oneDNN's CPU kernels (None when it cannot tell)."""
    try:
        from tensorflow.python.util import _pywrap_util_port  # private: guarded
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def skip_on_eigen_tf(missing):
    """Skips the test when the oracle is TF's Eigen CPU build, which lacks `missing` (its oneDNN build
    and GPUs have it): there is no TF result to compare with."""
    if tf_onednn() is False:
        pytest.skip(f"TF's Eigen CPU build (no oneDNN on this CPU) has no {missing}; the oracle is its "
                    f"oneDNN build")


def _as_onednn(message):
    for pattern, replacement in _EIGEN_TO_ONEDNN:
        message = pattern.sub(replacement, message, count=1)
    return message


def assert_same(expected, got, rtol=1e-5, atol=1e-6, messages=True, path="result"):
    """Asserts `got` (tapejax) matches `expected` (TensorFlow)."""
    if isinstance(expected, Raised):
        assert isinstance(got, Raised), f"{path}: TF raised {expected!r}, tapejax returned {got!r}"
        assert expected.type_name == got.type_name, f"{path}: TF raised {expected!r}, tapejax {got!r}"
        if messages:
            first = _as_onednn(expected.message.split("\n")[0].strip())
            assert got.message.startswith(first), (
                f"{path}: message differs.\nTF:      {expected.message!r}\ntapejax: {got.message!r}")
        return
    assert not isinstance(got, Raised), f"{path}: TF returned {expected!r}, tapejax raised {got!r}"
    if expected is None or isinstance(expected, (bool, str)):
        assert got == expected, f"{path}: TF {expected!r}, tapejax {got!r}"
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got["__dict__"]) == set(expected["__dict__"]), (
            f"{path}: TF {expected!r}, tapejax {got!r}")
        for k in expected["__dict__"]:
            assert_same(expected["__dict__"][k], got["__dict__"][k], rtol, atol, messages, f"{path}[{k!r}]")
        return
    assert isinstance(got, tuple) and got[0] == expected[0], f"{path}: TF {expected!r}, tapejax {got!r}"
    kind = expected[0]
    if kind in ("list", "tuple"):
        assert len(got[1]) == len(expected[1]), f"{path}: TF {expected!r}, tapejax {got!r}"
        for i, (e, g) in enumerate(zip(expected[1], got[1])):
            assert_same(e, g, rtol, atol, messages, f"{path}[{i}]")
    elif kind == "namedtuple":
        assert got[1] == expected[1] and len(got[2]) == len(expected[2]), f"{path}: {expected!r} vs {got!r}"
        for i, (e, g) in enumerate(zip(expected[2], got[2])):
            assert_same(e, g, rtol, atol, messages, f"{path}.{i}")
    elif kind in ("tensor", "ndarray"):
        assert got[1] == expected[1], f"{path}: dtype TF {expected[1]}, tapejax {got[1]}"
        assert got[2] == expected[2], f"{path}: shape TF {expected[2]}, tapejax {got[2]}"
        e, g = expected[3], got[3]
        if e.dtype.kind in "fc" or str(e.dtype) == "bfloat16":
            np.testing.assert_allclose(g.astype(e.dtype) if g.dtype != e.dtype else g, e,
                                       rtol=rtol, atol=atol, err_msg=path, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, e, err_msg=path)
    elif kind == "python":
        assert got[1] == expected[1], f"{path}: TF {expected!r}, tapejax {got!r}"
        if isinstance(expected[2], float) and math.isnan(expected[2]):
            assert math.isnan(got[2]), f"{path}: TF nan, tapejax {got[2]}"
        elif isinstance(expected[2], (float, complex)):
            assert abs(got[2] - expected[2]) <= atol + rtol * abs(expected[2]), f"{path}: {expected} vs {got}"
        else:
            assert got[2] == expected[2], f"{path}: TF {expected!r}, tapejax {got!r}"
    else:
        assert got == expected, f"{path}: TF {expected!r}, tapejax {got!r}"


def compare(program, rtol=1e-5, atol=1e-6, messages=True, raises=None):
    """Runs `program` on both backends and asserts tapejax matches TensorFlow.

    Args:
      program: a function of the backend module (`program(tf)`).
      rtol, atol: tolerances for floating-point values.
      messages: whether an exception's first line must match too (the class always must).
      raises: the exception class name(s) TF is expected to raise; defaults to what the program
        declares with `@raises(...)`. An undeclared exception on TF fails, as does a declared one TF
        does not raise.

    Returns:
      The normalised TensorFlow outcome (for extra assertions in the test).
    """
    expected = run(program, "tensorflow")
    check_declared(expected, declared(program, raises))
    got = run(program, "tapejax")
    assert_same(expected, got, rtol=rtol, atol=atol, messages=messages)
    return expected
