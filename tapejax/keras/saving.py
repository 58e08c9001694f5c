"""`keras.saving` (Keras 3's `import keras` namespace; TF 2.21's `tf.keras` has no `saving`, so
`tf.keras.saving` exists only in tapejax): the custom-object registry and whole-model/weights
saving."""

from tapejax.keras._saving_functions import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    load_model,
    load_weights,
    register_keras_serializable,
    save_model,
    save_weights,
)

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable", "load_model", "save_model",
           "save_weights", "load_weights"]
