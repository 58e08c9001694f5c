"""`keras.random`: seeded random ops, as Keras 3 with its TensorFlow backend.

A `seed` is an int (the same numbers on every call), a `SeedGenerator` (its state variable moves
on at each draw, so successive calls differ but a new generator with the same seed repeats
them, inside `tf.function` too) or None (a global generator). Each op is the matching stateless
op of `tf.random` on the drawn seed, so the numbers are tapejax's stream, not TF's.
"""

from tapejax.keras._random import (
    SeedGenerator,
    categorical,
    dropout,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)

__all__ = ["SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle", "truncated_normal", "uniform"]
