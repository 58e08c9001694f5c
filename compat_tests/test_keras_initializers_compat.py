"""Keras initializers: the statistics of their values (range, mean, spread) on TF/Keras 3 and on
tapejax, which draws them on the host with its own generator (the numbers differ from TF's)."""

import math

import numpy as np
import pytest

SHAPE = (300, 200)  # fan_in 300, fan_out 200
FAN = {"fan_in": 300, "fan_out": 200, "fan_avg": 250}

# name -> (constructor kwargs, distribution, variance-scaling scale, mode) or a plain distribution
SCALED = {
    "GlorotUniform": ("uniform", 1.0, "fan_avg"),
    "GlorotNormal": ("truncated_normal", 1.0, "fan_avg"),
    "HeNormal": ("truncated_normal", 2.0, "fan_in"),
    "HeUniform": ("uniform", 2.0, "fan_in"),
    "LecunNormal": ("truncated_normal", 1.0, "fan_in"),
    "LecunUniform": ("uniform", 1.0, "fan_in"),
}


def _summary(values, mean, std, low=None, high=None):
    """Booleans about `values`: within [low, high], mean and standard deviation near `mean`, `std`
    (tolerances several standard errors wide for 60,000 samples)."""
    values = np.asarray(values)
    if low is not None:  # the bounds as the values' dtype holds them (a float32 draw can equal -limit in float32)
        low, high = float(np.asarray(low, values.dtype)), float(np.asarray(high, values.dtype))
    values = values.astype(np.float64)
    out = [bool(abs(values.mean() - mean) < 4 * std / math.sqrt(values.size) + 1e-12),
           bool(abs(values.std() / std - 1) < 0.03)]
    if low is not None:
        out += [bool(values.min() >= low), bool(values.max() <= high),
                bool(values.min() < low + 0.01 * (high - low)), bool(values.max() > high - 0.01 * (high - low))]
    return out


@pytest.mark.parametrize("name", sorted(SCALED))
def test_variance_scaling_presets_draw_the_scaled_distribution(compare, name):
    distribution, scale, mode = SCALED[name]

    def program(tf):
        x = getattr(tf.keras.initializers, name)(seed=3)(SHAPE)
        var = scale / FAN[mode]
        if distribution == "uniform":
            limit = math.sqrt(3 * var)
            stats = _summary(x, 0.0, math.sqrt(var), -limit, limit)
        else:  # truncated at two (untruncated) standard deviations, rescaled to variance `var`
            sigma = math.sqrt(var) / 0.87962566103423978
            stats = _summary(x, 0.0, math.sqrt(var), -2 * sigma, 2 * sigma)
        return x.shape, x.dtype, stats

    compare(program)


@pytest.mark.parametrize("kind", ["RandomNormal", "TruncatedNormal", "RandomUniform"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_random_initializers_draw_their_distribution_in_the_requested_dtype(compare, kind, dtype):
    def program(tf):
        if kind == "RandomUniform":
            x = tf.keras.initializers.RandomUniform(-0.5, 1.5, seed=1)(SHAPE, dtype=dtype)
            stats = _summary(x, 0.5, 2 / math.sqrt(12), -0.5, 1.5)
        elif kind == "RandomNormal":
            x = tf.keras.initializers.RandomNormal(1.0, 0.2, seed=1)(SHAPE, dtype=dtype)
            stats = _summary(x, 1.0, 0.2)
        else:
            x = tf.keras.initializers.TruncatedNormal(1.0, 0.2, seed=1)(SHAPE, dtype=dtype)
            stats = _summary(x, 1.0, 0.2 * 0.87962566103423978, 0.6, 1.4)
        return x.shape, x.dtype, stats

    compare(program)


def test_constant_initializers_fill_the_shape_in_the_requested_dtype(compare):
    def program(tf):
        init = tf.keras.initializers
        return (init.Zeros()((2, 3)), init.Ones()((4,), dtype="float64"),
                init.Constant(2.5)((2, 2)), init.Constant(3)((3,), dtype="int32"),
                init.Zeros()((0, 5)))

    compare(program)


def test_orthogonal_initializer_is_orthogonal(compare):
    def program(tf):
        q = np.asarray(tf.keras.initializers.Orthogonal(gain=2.0, seed=2)((50, 30)))
        return q.shape, bool(np.allclose(q.T @ q, 4 * np.eye(30), atol=1e-4))

    compare(program)
