"""tapejax.keras.mixed_precision: mixed policies are refused clearly (tapejax layers compute in
their variables' dtype), and leave the global policy as it was."""

import pytest

import tapejax as tf


def test_a_mixed_global_policy_raises_not_implemented_error_naming_it():
    mp = tf.keras.mixed_precision
    with pytest.raises(NotImplementedError, match="mixed_float16"):
        mp.set_global_policy("mixed_float16")
    assert mp.global_policy().name == "float32"
    assert tf.keras.layers.Dense(1).dtype == "float32"
