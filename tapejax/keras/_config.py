"""Keras' global settings (`floatx`, `epsilon`, `image_data_format`), read by layers and by
`keras.backend`."""

from __future__ import annotations

_state = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last",
          "policy": None, "traceback_filtering": True}


def default_layer_dtype():
    """The dtype of layers created without one: Keras 3 fixes its global dtype policy from
    `floatx()` when the first layer asks for it, until `clear_session()`."""
    if _state["policy"] is None:
        _state["policy"] = _state["floatx"]
    return _state["policy"]


def reset_policy():
    _state["policy"] = None


def floatx():
    return _state["floatx"]


def set_floatx(value):
    accepted_dtypes = {"bfloat16", "float16", "float32", "float64"}
    if value not in accepted_dtypes:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted_dtypes}")
    _state["floatx"] = str(value)


def epsilon():
    return _state["epsilon"]


def set_epsilon(value):
    _state["epsilon"] = value


def image_data_format():
    return _state["image_data_format"]


def set_image_data_format(data_format):
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of "
                         "{'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    _state["image_data_format"] = data_format


def enable_traceback_filtering():
    """Turns Keras' traceback filtering on (the default): an exception raised inside a layer's
    `call` is re-raised with the call's arguments in its message."""
    _state["traceback_filtering"] = True


def disable_traceback_filtering():
    """Turns Keras' traceback filtering off: exceptions raised in `call` pass through unchanged."""
    _state["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    """Whether Keras' traceback filtering is on.

    Returns:
        A bool, True unless `disable_traceback_filtering()` was called.
    """
    return _state["traceback_filtering"]
