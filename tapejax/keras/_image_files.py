"""Keras' image-file utilities (`keras.utils.load_img`, `img_to_array`, `array_to_img`, `save_img`, also under
`tf.keras.preprocessing.image`), on Pillow as Keras' own."""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
from PIL import Image

_RESAMPLE = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
             "hamming": Image.HAMMING, "box": Image.BOX, "lanczos": Image.LANCZOS}


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file as a PIL image, as `keras.utils.load_img`.

    Args:
      path: a file path (str or `os.PathLike`) or an `io.BytesIO`.
      color_mode: "grayscale", "rgb" or "rgba".
      target_size: None, or `(height, width)` to resize to.
      interpolation: "nearest", "bilinear", "bicubic", "hamming", "box" or "lanczos".
      keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Returns:
      A PIL image.
    """
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, os.PathLike)):
        with open(os.fspath(path), "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        size = (target_size[1], target_size[0])
        if img.size != size:
            if interpolation not in _RESAMPLE:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods are "
                                 f"{', '.join(_RESAMPLE)}")
            if keep_aspect_ratio:
                width, height = img.size
                crop_height = (width * target_size[0]) // target_size[1]
                crop_width = (height * target_size[1]) // target_size[0]
                crop_height, crop_width = min(height, crop_height), min(width, crop_width)
                top, left = (height - crop_height) // 2, (width - crop_width) // 2
                img = img.crop((left, top, left + crop_width, top + crop_height))
            img = img.resize(size, _RESAMPLE[interpolation])
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a NumPy array `(height, width, channels)` (channels first with "channels_first")."""
    data_format = data_format or "channels_last"
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}")
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x.reshape((1, *x.shape)) if data_format == "channels_first" else x.reshape((*x.shape, 1))
    raise ValueError(f"Unsupported image shape: {x.shape}")


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array as a PIL image (scaled to [0, 255] when `scale`)."""
    data_format = data_format or "channels_last"
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid data_format: {data_format}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes a 3D array as an image file (the format from `file_format` or the file name)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
