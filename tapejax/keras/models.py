"""`keras.models`: `Sequential`, `Model`, `clone_model`, and `save_model`/`load_model`.

`save_model`/`load_model` use Keras 3's `.keras` zip or Keras' legacy whole-model `.h5` layout
(see `_saving_lib.py`).
"""

from tapejax.keras._model_functions import (
    Model,
    Sequential,
    clone_model,
    load_model,
    model_from_json,
    save_model,
)

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
