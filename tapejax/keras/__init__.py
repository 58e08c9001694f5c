"""A Keras-shaped subset (`tf.keras`) built on tapejax ops, so everything records on tapes:
layers, `Sequential`/functional/subclassed models with `compile`/`fit`, losses, metrics,
regularizers, constraints, the legacy `keras.backend` functions, and optimizers on optax."""

from tapejax import _namespaces
from tapejax.keras import (
    _backend,
    _config,
    _dataset_utils,
    _image_files,
    _mixed_precision,
    _sequence,
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from tapejax.keras._dtype_policy import DTypePolicy
from tapejax.keras._initializers import Initializer
from tapejax.keras._layer import Input, InputSpec, KerasTensor, Layer
from tapejax.keras._losses import Loss
from tapejax.keras._metrics import Metric
from tapejax.keras._models import Model, Sequential
from tapejax.keras._optimizers import Optimizer
from tapejax.keras._regularizers import Regularizer
from tapejax.keras._variables import KerasVariable as Variable

# tf.keras.preprocessing: TF 2.21 keeps the dataset utilities there too
preprocessing = _namespaces.make("keras.preprocessing", "tf.keras.preprocessing", {
    **_namespaces.pick(_dataset_utils, ["image_dataset_from_directory", "text_dataset_from_directory",
                                        "timeseries_dataset_from_array"]),
    "sequence": _namespaces.make("keras.preprocessing.sequence", "tf.keras.preprocessing.sequence",
                                 {"pad_sequences": _sequence.pad_sequences}),
    "image": _namespaces.make("keras.preprocessing.image", "tf.keras.preprocessing.image", _namespaces.pick(
        _image_files, ["array_to_img", "img_to_array", "load_img", "save_img"]))})

# tf.keras.config: Keras 3's settings functions (the same objects as keras.backend's and mixed_precision's)
config = _namespaces.make("keras.config", "tf.keras.config", {
    **_namespaces.pick(_config, ["disable_traceback_filtering", "enable_traceback_filtering", "epsilon", "floatx",
                                 "image_data_format", "is_traceback_filtering_enabled", "set_epsilon",
                                 "set_floatx", "set_image_data_format"]),
    **_namespaces.pick(_mixed_precision, ["dtype_policy", "set_dtype_policy"]),
    "backend": _backend.backend})

# The Keras 3 release tapejax's tf.keras follows (the one TF 2.21's tf.keras was checked against here)
__version__ = "3.15.1"

__all__ = ["DTypePolicy", "Initializer", "Input", "InputSpec", "KerasTensor", "Layer", "Loss", "Metric", "Model",
           "Optimizer", "Regularizer", "Sequential", "Variable", "activations", "backend", "callbacks",
           "config", "constraints", "datasets", "initializers", "layers", "losses", "metrics", "mixed_precision", "models",
           "ops", "optimizers", "preprocessing", "random", "regularizers", "saving", "utils"]
