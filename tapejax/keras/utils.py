"""`keras.utils`: `Progbar` (the progress bar `fit` prints), `to_categorical`, `set_random_seed`,
`plot_model`."""

from tapejax.keras._backend import clear_session, is_keras_tensor, standardize_dtype
from tapejax.keras._datasets import get_file
from tapejax.keras._utils import (
    CustomObjectScope,
    Progbar,
    array_to_img,
    audio_dataset_from_directory,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    model_to_dot,
    pad_sequences,
    plot_model,
    register_keras_serializable,
    save_img,
    set_random_seed,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
    to_categorical,
)

__all__ = ["array_to_img", "audio_dataset_from_directory", "clear_session", "custom_object_scope", "CustomObjectScope", "get_custom_objects",
           "get_file", "get_registered_name", "get_registered_object", "image_dataset_from_directory",
           "img_to_array", "is_keras_tensor", "load_img", "model_to_dot", "pad_sequences", "plot_model", "Progbar",
           "register_keras_serializable", "save_img", "set_random_seed", "standardize_dtype",
           "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical"]
