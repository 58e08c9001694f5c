"""tf.reshape and tf.size on arrays with symbolic sizes (the None dimensions of a relaxed trace,
as tf.data traces a function on an unknown batch size), traced with `jax.eval_shape`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tapejax as tf
from tapejax._errors import InvalidArgumentError

B, = jax.export.symbolic_shape("b")


def _shape_of(fn, *shapes):
    out = jax.eval_shape(lambda *xs: fn(*xs)._v, *(jax.ShapeDtypeStruct(s, jnp.float32) for s in shapes))
    return out.shape


def test_a_minus_one_dimension_takes_the_symbolic_element_count():
    assert _shape_of(lambda x: tf.reshape(x, [-1]), (B, 2)) == (2 * B,)


def test_a_minus_one_dimension_divides_a_symbolic_count_that_its_known_dimensions_divide():
    assert _shape_of(lambda x: tf.reshape(x, [3, -1]), (B, 6)) == (3, 2 * B)
    assert _shape_of(lambda x: tf.reshape(x, [-1, 2, 3]), (B, 6)) == (B, 2, 3)


def test_a_reshape_keeping_the_symbolic_size_needs_no_minus_one():
    assert _shape_of(lambda x: tf.reshape(x, [-1, 4]), (B, 2, 2)) == (B, 4)


def test_a_minus_one_that_only_some_symbolic_sizes_fit_is_refused_for_a_trace_at_exact_shapes():
    with pytest.raises(ValueError, match=r"requires a multiple of 2 values, for every value"):
        _shape_of(lambda x: tf.reshape(x, [-1, 2]), (B,))


def test_a_fixed_shape_for_a_symbolic_count_is_refused_for_a_trace_at_exact_shapes():
    # JAX itself accepts (b,) -> (3,) when tracing and fails only when the program runs
    with pytest.raises(ValueError, match=r"requires 3 values"):
        _shape_of(lambda x: tf.reshape(x, [3]), (B,))
    with pytest.raises(ValueError, match=r"requires a multiple of 0"):
        _shape_of(lambda x: tf.reshape(x, [0, -1]), (B,))


def test_size_counts_symbolic_elements():
    out = jax.eval_shape(lambda x: tf.size(x)._v, jax.ShapeDtypeStruct((B, 3), jnp.float32))
    assert out.shape == () and out.dtype == np.int32


def test_a_concrete_reshape_keeps_tfs_errors():
    with pytest.raises(InvalidArgumentError, match=r"^Input to reshape is a tensor with 6 values, but the "
                                                   r"requested shape has 4 \[Op:Reshape\]$"):
        tf.reshape(tf.range(6), [4])
    with pytest.raises(InvalidArgumentError, match=r"^Input to reshape is a tensor with 5 values, but the "
                                                   r"requested shape requires a multiple of 2 \[Op:Reshape\]$"):
        tf.reshape(tf.range(5), [-1, 2])
    assert tf.reshape(tf.range(6), [-1, 3]).shape == (2, 3)
