"""Hypothesis fuzz over shapes, dtypes and axes (issue 16): for the common ops and for
`GradientTape.gradient` with nested sources, tapejax returns TF's value or raises TF's class, and never
crashes the process.

Examples are derandomized (the same inputs on every run, so CI cannot flake) and bounded, so the
test runs in seconds. TF is the oracle: each drawn program runs on both backends through the harness;
an exception is compared by class only (messages hold shapes in TF's own wording).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compat_tests import _harness as H

FUZZ = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

DTYPES = ["float32", "float64", "int32", "int64", "bool"]
UNARY = ["abs", "negative", "square", "sqrt", "exp", "log", "tanh", "sigmoid", "floor", "sign", "reciprocal"]
BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "floordiv", "floormod",
          "equal", "less", "squared_difference"]
REDUCE = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
          "reduce_logsumexp", "reduce_std"]
AXIS_OPS = ["argmax", "argmin", "cumsum", "reverse", "expand_dims", "squeeze", "unstack", "softmax"]

shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


def _value(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("int"):
        return rng.integers(-3, 4, shape).astype(dtype)  # zeros included: division by zero is fuzzed too
    return rng.normal(size=shape).astype(dtype)


# Outcomes where tapejax deliberately differs from TF (see test_errors_compat / test_error_sweep_compat):
# TF's CPU Cholesky returns NaN; here no fuzzed op hits one, so every outcome must match.
def _check(program):
    expected = H.run(program, "tensorflow")
    got = H.run(program, "tapejax")
    names = H.optional(expected.type_name) if isinstance(expected, H.Raised) else ()
    H.check_declared(expected, names)
    H.assert_same(expected, got, rtol=1e-4, atol=1e-5, messages=False)


@FUZZ
@given(name=st.sampled_from(UNARY), shape=shapes, dtype=st.sampled_from(DTYPES), seed=st.integers(0, 3))
def test_unary_ops_match_tf(name, shape, dtype, seed):
    x = _value(shape, dtype, seed)
    _check(lambda tf: getattr(tf.math, name)(tf.constant(x)))


@FUZZ
@given(name=st.sampled_from(BINARY), a=shapes, b=shapes, dtype=st.sampled_from(DTYPES[:4]),
       other=st.sampled_from(DTYPES[:4]), seed=st.integers(0, 3))
def test_binary_ops_match_tf(name, a, b, dtype, other, seed):
    x, y = _value(a, dtype, seed), _value(b, other if seed == 0 else dtype, seed + 1)
    _check(lambda tf: getattr(tf.math, name)(tf.constant(x), tf.constant(y)))


@FUZZ
@given(name=st.sampled_from(REDUCE), shape=shapes, dtype=st.sampled_from(DTYPES),
       axis=st.one_of(st.none(), st.integers(-4, 3)), keepdims=st.booleans())
def test_reductions_match_tf(name, shape, dtype, axis, keepdims):
    x = _value(shape, dtype, 0)
    _check(lambda tf: getattr(tf.math, name)(tf.constant(x), axis=axis, keepdims=keepdims))


@FUZZ
@given(name=st.sampled_from(AXIS_OPS), shape=shapes, axis=st.integers(-4, 3))
def test_axis_ops_match_tf(name, shape, axis):
    x = _value(shape, "float32", 1)

    def program(tf):
        t = tf.constant(x)
        if name in ("argmax", "argmin"):
            return getattr(tf.math, name)(t, axis=axis)
        if name == "cumsum":
            return tf.math.cumsum(t, axis=axis)
        if name == "reverse":
            return tf.reverse(t, [axis])
        if name == "expand_dims":
            return tf.expand_dims(t, axis)
        if name == "squeeze":
            return tf.squeeze(t, [axis])
        if name == "unstack":
            return tf.unstack(t, axis=axis)
        return tf.nn.softmax(t, axis=axis)
    _check(program)


@FUZZ
@given(shape=shapes, dtype=st.sampled_from(["float32", "float64"]), reshape=shapes)
def test_creation_and_reshape_match_tf(shape, dtype, reshape):
    x = _value(shape, dtype, 2)
    _check(lambda tf: [tf.zeros(shape, dtype), tf.ones(reshape), tf.reshape(tf.constant(x), reshape)])


nests = st.recursive(st.sampled_from(["x", "y", "v"]),
                     lambda inner: st.one_of(st.lists(inner, max_size=3),
                                             st.tuples(inner, inner),
                                             st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)),
                     max_leaves=5)


@FUZZ
@given(sources=nests, shape=st.lists(st.integers(1, 3), max_size=2).map(tuple),
       target=st.sampled_from(["sum", "list", "xy"]))
def test_gradient_with_nested_sources_matches_tf(sources, shape, target):
    x0, y0 = _value(shape, "float32", 3), _value(shape, "float32", 4)

    def program(tf):
        leaves = {"x": tf.constant(x0), "y": tf.constant(y0), "v": tf.Variable(x0)}

        def build(s):
            if isinstance(s, str):
                return leaves[s]
            if isinstance(s, dict):
                return {k: build(v) for k, v in s.items()}
            if isinstance(s, tuple):
                return tuple(build(v) for v in s)
            return [build(v) for v in s]
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([leaves["x"], leaves["y"]])
            z = leaves["x"] * leaves["v"] + tf.sin(leaves["y"])
            out = {"sum": tf.reduce_sum(z), "list": [z, leaves["x"] * 2.0], "xy": leaves["x"] * leaves["y"]}
        return tape.gradient(out[target], build(sources))
    _check(program)


@pytest.mark.parametrize("bad", ["x", 3, None, b"x"])
def test_gradient_with_a_non_tensor_source_in_a_nest_raises_tf_class(bad):
    def program(tf):
        x = tf.constant(1.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        return tape.gradient(y, {"a": [x, bad]})
    _check(program)
