"""`keras.saving` (Keras 3's `import keras` namespace; TF 2.21's `tf.keras` has no `saving`, so
`tf.keras.saving` exists only in tapejax): the custom-object registry and whole-model/weights
saving."""

from __future__ import annotations

from tapejax.keras._model_functions import load_model, save_model
from tapejax.keras._saving_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable", "load_model", "save_model",
           "save_weights", "load_weights"]


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """`model.save_weights(filepath)` (Keras 3's `.weights.h5` layout)."""
    model.save_weights(filepath, overwrite=overwrite, max_shard_size=max_shard_size)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """`model.load_weights(filepath)` (`.weights.h5` or `.keras`)."""
    model.load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)
