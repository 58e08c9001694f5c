"""Keras initializers by name (`glorot_uniform`, `he_normal`, `zeros`, ...).

Initial values are made without compiling an XLA program per shape (a cold start's largest cost):
constants are filled on the host, random values drawn on the host by `random_ops.initial_values`
(from the same global seed, op seed and call counter as `tf.random`), then copied to the device.
"""

from tapejax.keras._initializers import (
    STFT,
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    IdentityInitializer,
    Initializer,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    OrthogonalInitializer,
    RandomNormal,
    RandomUniform,
    STFTInitializer,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
    constant,
    deserialize,
    get,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    identity,
    lecun_normal,
    lecun_uniform,
    ones,
    orthogonal,
    random_normal,
    random_uniform,
    serialize,
    stft,
    truncated_normal,
    variance_scaling,
    zeros,
)

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "IdentityInitializer",
           "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "OrthogonalInitializer",
           "RandomNormal", "RandomUniform", "STFT", "STFTInitializer", "TruncatedNormal", "VarianceScaling",
           "Zeros", "constant", "deserialize", "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
           "identity", "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
           "serialize", "stft", "truncated_normal", "variance_scaling", "zeros"]
