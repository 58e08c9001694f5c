"""Keras 3's image preprocessing and augmentation layers: `RandomFlip`, `RandomRotation`,
`RandomZoom`, `RandomTranslation`, `RandomContrast`, `RandomBrightness`, `RandomCrop`,
`Resizing` and `CenterCrop`, with TF 2.21's Keras (TensorFlow backend) as the reference.

The random layers augment when called with `training=True`, and also when called directly
without a `training` argument (Keras' `call(..., training=True)` default); `fit` calls them with
`training=True`, `predict`/`evaluate` with False, where they pass images through. Each layer owns
a `keras.random.SeedGenerator`: two layers made with the same `seed` draw the same
transformations, successive calls of one layer differ, and inside `tf.function` the generator's
state moves on at each call. The numbers are tapejax's random stream, not TF's.

The geometric layers share one sampler, `projective_transform`, which computes what TF's
`ImageProjectiveTransformV3` kernel computes: output pixel `(x, y)` reads the input at
`((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)` with `k = c0 x + c1 y + 1` (Keras' 8-number
transform), the coordinate folded back into the image by TF's fill-mode rule (reflect, wrap,
nearest; constant reads `fill_value` outside), then sampled by nearest or bilinear interpolation.
"""

from __future__ import annotations

import math
import random as python_random

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes
from tapejax._ops import array_ops, image_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor
from tapejax.keras import _config
from tapejax.keras import _random as keras_random
from tapejax.keras._layer import Layer

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
           "RandomBrightness", "RandomCrop", "Resizing", "CenterCrop", "projective_transform"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


# -- the sampler ---------------------------------------------------------------------------------
def _map_coordinate(coord, size, fill_mode):
    """TF's `MapCoordinate`: folds a continuous input coordinate into `[0, size - 1]`."""
    if fill_mode == "constant":
        return coord
    last = jnp.float32(size - 1)
    if fill_mode == "nearest" or size <= 1:
        return jnp.clip(coord, 0.0, last) if size > 1 else jnp.zeros_like(coord)
    n = jnp.float32(size)
    if fill_mode == "reflect":  # [abcd] -> [dcba|abcd|dcba]
        sz2 = 2 * n
        low = sz2 * jnp.trunc(-coord / sz2) + coord
        low = jnp.where(low < -n, low + sz2, -low - 1)
        high = coord - sz2 * jnp.trunc(coord / sz2)
        high = jnp.where(high >= n, sz2 - high - 1, high)
    else:  # wrap: [abcd] -> [abcd|abcd|abcd], with TF's `size - 1` period test
        sz = n - 1
        low = coord + n * (jnp.trunc(-coord / sz) + 1)
        high = coord - n * jnp.trunc(coord / sz)
    mapped = jnp.where(coord < 0, low, jnp.where(coord > last, high, coord))
    return jnp.clip(mapped, 0.0, last)


def _round_half_away(v):
    return jnp.sign(v) * jnp.floor(jnp.abs(v) + 0.5)  # C's std::round, as TF's kernel uses


def _projective_transform(images, transforms, *, interpolation, fill_mode, fill_value):
    """`images` `[batch, height, width, channels]`, `transforms` `[batch or 1, 8]`."""
    dtype = images.dtype
    work = images if dtype in (jnp.float32, jnp.float64) else images.astype(jnp.float32)
    batch, height, width, _ = images.shape
    transforms = jnp.broadcast_to(transforms.astype(jnp.float32), (batch, 8))
    ys = jnp.arange(height, dtype=jnp.float32)[:, None]
    xs = jnp.arange(width, dtype=jnp.float32)[None, :]
    fill = jnp.asarray(fill_value, work.dtype)

    def one(image, t):
        k = t[6] * xs + t[7] * ys + 1.0
        x = _map_coordinate((t[0] * xs + t[1] * ys + t[2]) / k, width, fill_mode)
        y = _map_coordinate((t[3] * xs + t[4] * ys + t[5]) / k, height, fill_mode)

        def read(yi, xi):  # every channel of pixel (yi, xi) at once; the fill value outside
            inside = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
            pixel = image[jnp.clip(yi, 0, height - 1).astype(jnp.int32),
                          jnp.clip(xi, 0, width - 1).astype(jnp.int32)]
            return jnp.where(inside[..., None], pixel, fill)

        if interpolation == "nearest":
            out = read(_round_half_away(y), _round_half_away(x))
        else:
            y0, x0 = jnp.floor(y), jnp.floor(x)
            wy1, wx1 = (y - y0)[..., None], (x - x0)[..., None]
            wy0, wx0 = (y0 + 1 - y)[..., None], (x0 + 1 - x)[..., None]
            top = wx0 * read(y0, x0) + wx1 * read(y0, x0 + 1)
            bottom = wx0 * read(y0 + 1, x0) + wx1 * read(y0 + 1, x0 + 1)
            out = wy0 * top + wy1 * bottom
        return jnp.where((k == 0)[..., None], fill, out)

    return jax.vmap(one)(work, transforms).astype(dtype)


_PROJECTIVE = Op("ImageProjectiveTransformV3", _projective_transform)


def projective_transform(images, transforms, interpolation="bilinear", fill_mode="constant",
                         fill_value=0.0, data_format="channels_last"):
    """Applies Keras' 8-number projective transforms to images, as TF's
    `ImageProjectiveTransformV3` (which `keras.ops.image.affine_transform` runs).

    Args:
      images: a 3-D (one image) or 4-D (batch) Tensor.
      transforms: `[a0, a1, a2, b0, b1, b2, c0, c1]` (one for all images) or one row per image:
        output pixel `(x, y)` reads the input at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`,
        `k = c0 x + c1 y + 1`.
      interpolation: `"nearest"` or `"bilinear"`.
      fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`: how points outside the input
        are read.
      fill_value: the value read outside the input when `fill_mode="constant"`.
      data_format: `"channels_last"` or `"channels_first"`.

    Returns:
      A Tensor of the images' shape and dtype.

    Raises:
      ValueError: for an unknown interpolation or fill mode, or images of rank other than 3 or 4.
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    images = convert_to_tensor(images)
    transforms = convert_to_tensor(transforms)
    if images.ndim not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
                         f"images). Received input with shape: images.shape={tuple(images.shape)}")
    x, single = _to_nhwc(images, data_format)
    if transforms.ndim == 1:
        transforms = array_ops.reshape(transforms, (1, 8))
    if transforms.dtype != _dtypes.float32:
        transforms = math_ops.cast(transforms, _dtypes.float32)
    attrs = (("interpolation", interpolation), ("fill_mode", fill_mode),
             ("fill_value", float(fill_value)))
    out = apply(_PROJECTIVE, [x, transforms], attrs)
    return _from_nhwc(out, single, data_format)


def _to_nhwc(x, data_format):
    single = x.ndim == 3
    if single:
        x = array_ops.expand_dims(x, 0)
    if data_format == "channels_first":
        x = array_ops.transpose(x, (0, 2, 3, 1))
    return x, single


def _from_nhwc(x, single, data_format):
    if data_format == "channels_first":
        x = array_ops.transpose(x, (0, 3, 1, 2))
    if single:
        x = array_ops.squeeze(x, 0)
    return x


# -- transform matrices (float32, in Keras' order of operations) -------------------------------------
def _rotation_matrix(angle, *, height, width):
    radians = angle * jnp.float32(math.pi / 180.0)
    cx = jnp.float32(0.5) * (jnp.float32(width) - 1)
    cy = jnp.float32(0.5) * (jnp.float32(height) - 1)
    cos, sin = jnp.cos(radians), jnp.sin(radians)
    zero = jnp.zeros_like(angle)
    # Keras' general matrix with scale 1, no shear and no translation.
    a0 = 1.0 * (cos + zero * sin)
    a1 = 1.0 * (-sin + zero * cos)
    a2 = zero + cx - cx * a0 - cy * a1
    b0 = 1.0 * (zero * cos + sin)
    b1 = 1.0 * (zero * -sin + cos)
    b2 = zero + cy - cx * b0 - cy * b1
    return jnp.stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1).astype(jnp.float32)


def _zoom_matrix(zoom_x, zoom_y, *, height, width):
    x_offset = ((jnp.float32(width) - 1.0) / 2.0) * (1.0 - zoom_x)
    y_offset = ((jnp.float32(height) - 1.0) / 2.0) * (1.0 - zoom_y)
    zero = jnp.zeros_like(zoom_x)
    return jnp.concatenate([zoom_x, zero, x_offset, zero, zoom_y, y_offset, zero, zero],
                           axis=1).astype(jnp.float32)


def _translation_matrix(shift_x, shift_y):
    one, zero = jnp.ones_like(shift_x), jnp.zeros_like(shift_x)
    return jnp.concatenate([one, zero, -shift_x, zero, one, -shift_y, zero, zero],
                           axis=1).astype(jnp.float32)


_ROTATION_MATRIX = Op("RotationMatrix", _rotation_matrix, differentiable=False)
_ZOOM_MATRIX = Op("ZoomMatrix", _zoom_matrix, differentiable=False)
_TRANSLATION_MATRIX = Op("TranslationMatrix", _translation_matrix, differentiable=False)


def _flip(x, flips, *, horizontal, vertical):
    keep = flips.reshape((-1, 1, 1, 1))
    if horizontal:
        x = jnp.where(keep, jnp.flip(x, axis=2), x)
    if vertical:
        x = jnp.where(keep, jnp.flip(x, axis=1), x)
    return x


def _crop_at(x, start_h, start_w, *, height, width):
    start = (jnp.int32(0), start_h.astype(jnp.int32), start_w.astype(jnp.int32), jnp.int32(0))
    return jax.lax.dynamic_slice(x, start, (x.shape[0], height, width, x.shape[3]))


_FLIP = Op("RandomFlip", _flip)
_CROP_AT = Op("RandomCrop", _crop_at)


# -- argument checks ---------------------------------------------------------------------------------
def _data_format(data_format):
    data_format = _config.image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of "
                         "{'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return data_format


def _base_factor(factor, bounds):
    """Keras' `BaseImagePreprocessingLayer._set_factor`: `(lower, upper)` within `bounds`."""
    message = ("The `factor` argument should be a number (or a list of two numbers) in the range "
               f"[{bounds[0]}, {bounds[1]}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        lower, upper = sorted(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        lower, upper = max(-factor, bounds[0]), factor
    else:
        raise ValueError(message)
    return lower, upper


def _pair_factor(factor, name, prefix, below_ok):
    """RandomZoom's and RandomTranslation's `_set_factor` (each number checked on its own)."""
    def check(number):
        if number > 1.0 or (number < -1.0 if below_ok else number <= -1.0):
            raise ValueError(prefix + f"Received: input_number={number}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(prefix + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        factor = abs(factor)
        return -factor, factor
    raise ValueError(prefix + f"Received: {name}={factor}")


def _check_modes(fill_mode, interpolation):
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                  f"{INTERPOLATIONS}.")


# -- the layers ----------------------------------------------------------------------------------------
class _ImageLayer(Layer):
    """Shared by the image layers: `data_format`, the rank check, NHWC internally."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)

    def _images(self, inputs, training):
        images = inputs if isinstance(inputs, Tensor) else convert_to_tensor(inputs)
        if images.ndim not in (3, 4):
            raise ValueError(
                "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={tuple(images.shape)}")
        return images

    def _cast(self, images):
        return images if images.dtype == self._dtype else math_ops.cast(images, self._dtype)

    def call(self, data, training=True):  # `data`, as Keras names it in its errors' argument lists
        return self._transform(self._images(data, training), bool(training))

    def _transform(self, images, training):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_policy.name,
                "data_format": self.data_format}


class _Geometric(_ImageLayer):
    """A layer that moves pixels with `projective_transform` (always outputs the compute dtype)."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = keras_random.SeedGenerator(seed)

    def _transform(self, images, training):
        images = self._cast(images)
        if not training:
            return images
        x, single = _to_nhwc(images, self.data_format)
        matrix = self._matrix(int(x.shape[0]), int(x.shape[1]), int(x.shape[2]))
        out = apply(_PROJECTIVE, [x, matrix], (("interpolation", self.interpolation),
                                               ("fill_mode", self.fill_mode),
                                               ("fill_value", float(self.fill_value))))
        return _from_nhwc(out, single, self.data_format)

    def _uniform(self, shape, low, high):
        return keras_random.uniform(shape, minval=low, maxval=high, seed=self.generator)

    def _matrix(self, batch, height, width):
        raise NotImplementedError

    def _geometry_config(self):
        return {"fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "interpolation": self.interpolation, "seed": self.seed}


class RandomFlip(_ImageLayer):
    """Flips each image left-right and/or top-bottom with probability 1/2 during training.

    With `"horizontal_and_vertical"` one draw per image decides both flips (so an image is either
    unchanged or turned by 180 degrees), as in Keras 3. The output is in the layer's compute dtype
    (float32 by default) in training and inference.

    Args:
      mode: `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"` (default).
      seed: an int seed for the layer's `SeedGenerator`.
      data_format: `"channels_last"` (default: `keras.config.image_data_format()`) or
        `"channels_first"`.
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.mode = mode
        self.seed = seed
        self.generator = keras_random.SeedGenerator(seed)

    def _transform(self, images, training):
        images = self._cast(images)
        if not training:
            return images
        x, single = _to_nhwc(images, self.data_format)
        flips = keras_random.uniform((int(x.shape[0]),), seed=self.generator) <= 0.5
        horizontal = self.mode in ("horizontal", "horizontal_and_vertical")
        vertical = self.mode in ("vertical", "horizontal_and_vertical")
        out = apply(_FLIP, [x, flips], (("horizontal", horizontal), ("vertical", vertical)))
        return _from_nhwc(out, single, self.data_format)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class RandomRotation(_Geometric):
    """Rotates each image by a random angle about its centre during training.

    Args:
      factor: a fraction of a full turn: `f` for angles in `[-f, f] * 360` degrees, or
        `(lower, upper)`; positive angles turn counter-clockwise.
      fill_mode: `"reflect"` (default), `"wrap"`, `"constant"` or `"nearest"`.
      interpolation: `"bilinear"` (default) or `"nearest"`.
      seed: an int seed for the layer's `SeedGenerator`.
      fill_value: the value outside the image with `fill_mode="constant"`.
      data_format: `"channels_last"` or `"channels_first"`.

    Raises:
      ValueError: for a factor outside [-1, 1].
      NotImplementedError: for an unknown fill mode or interpolation.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        self.factor = _base_factor(factor, (-1, 1))  # checked before the modes, as in Keras
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _matrix(self, batch, height, width):
        angle = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        return apply(_ROTATION_MATRIX, [angle], (("height", height), ("width", width)))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, **self._geometry_config()}


class RandomZoom(_Geometric):
    """Zooms each image in or out by a random factor about its centre during training.

    Args:
      height_factor: `f` for a vertical zoom in `[1 - f, 1 + f]`, or `(lower, upper)` for
        `[1 + lower, 1 + upper]`; negative values zoom in, positive ones out. In (-1, 1].
      width_factor: the same for the width; None (default) zooms both axes by the height's factor.
      fill_mode, interpolation, seed, fill_value, data_format: as in `RandomRotation`.

    Raises:
      ValueError: for a factor outside (-1, 1].
      NotImplementedError: for an unknown fill mode or interpolation.
    """

    _MESSAGE = ("The `height_factor` and `width_factor` arguments should be a number (or a list "
                "of two numbers) in the range (-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs):
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _pair_factor(height_factor, "height_factor",
                                                            self._MESSAGE, below_ok=False)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _pair_factor(width_factor, "width_factor",
                                                              self._MESSAGE, below_ok=False)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _matrix(self, batch, height, width):
        zoom_y = self._uniform((batch, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        zoom_x = zoom_y if self.width_factor is None else self._uniform(
            (batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        return apply(_ZOOM_MATRIX, [zoom_x, zoom_y], (("height", height), ("width", width)))

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._geometry_config()}


class RandomTranslation(_Geometric):
    """Shifts each image by a random fraction of its height and width during training.

    Args:
      height_factor: `f` for a vertical shift in `[-f, f] * height` (positive: down), or
        `(lower, upper)`. In [-1, 1].
      width_factor: the same for the width (positive: right).
      fill_mode, interpolation, seed, fill_value, data_format: as in `RandomRotation`.

    Raises:
      ValueError: for a factor outside [-1, 1].
      NotImplementedError: for an unknown fill mode or interpolation.
    """

    _MESSAGE = ("The `factor` argument should be a number (or a list of two numbers) in the "
                "range [-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _pair_factor(height_factor, "height_factor",
                                                            self._MESSAGE, below_ok=True)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _pair_factor(width_factor, "width_factor",
                                                          self._MESSAGE, below_ok=True)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def _matrix(self, batch, height, width):
        shift_y = self._uniform((batch, 1), self.height_lower, self.height_upper) * float(height)
        shift_x = self._uniform((batch, 1), self.width_lower, self.width_upper) * float(width)
        return apply(_TRANSLATION_MATRIX, [shift_x, shift_y])

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._geometry_config()}


class RandomContrast(_ImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor during
    training, then clips to `value_range`.

    As in Keras 3, `factor=f` draws the scale from `[1, 1 + f]` and `(lower, upper)` from
    `[1 - lower, 1 + upper]`. Training runs in the input's dtype (an integer image raises TF's
    `InvalidArgumentError`, as Keras does); inference returns the input unchanged.

    Args:
      factor: a number or a pair in [0, 1].
      value_range: the `(min, max)` the result is clipped to (default `(0, 255)`).
      seed: an int seed for the layer's `SeedGenerator`.

    Raises:
      ValueError: for a factor outside [0, 1].
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = _base_factor(factor, (0, 1))
        self.value_range = value_range
        self.seed = seed
        self.generator = keras_random.SeedGenerator(seed)

    def _transform(self, images, training):
        if not training:
            return images
        x, single = _to_nhwc(images, self.data_format)
        factor = keras_random.uniform((int(x.shape[0]), 1, 1, 1), minval=1.0 - self.factor[0],
                                      maxval=1.0 + self.factor[1], dtype=self._dtype,
                                      seed=self.generator)
        mean = math_ops.reduce_mean(math_ops.reduce_mean(x, axis=1, keepdims=True), axis=2,
                                    keepdims=True)
        out = (x - mean) * factor + mean
        out = _clip(out, self.value_range[0], self.value_range[1])
        return _from_nhwc(out, single, self.data_format)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


def _clip(x, low, high):
    low = convert_to_tensor(np.asarray(low).astype(x.dtype._np))
    high = convert_to_tensor(np.asarray(high).astype(x.dtype._np))
    return math_ops.minimum(math_ops.maximum(x, low), high)


class RandomBrightness(_ImageLayer):
    """Adds a random offset, `factor * (max - min)` of `value_range`, to each image during
    training, then clips to `value_range`; the dtype is kept (an integer image gets an integer
    offset).

    Args:
      factor: a number or a pair in [-1, 1]: `f` for offsets in `[-f, f]` of the range.
      value_range: `(min, max)` of the images (default `(0, 255)`).
      seed: an int seed for the layer's `SeedGenerator`.

    Raises:
      ValueError: for a factor outside [-1, 1] or a `value_range` that is not two numbers.
    """

    _VALUE_RANGE = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = _base_factor(factor, (-1, 1))
        self.seed = seed
        self.generator = keras_random.SeedGenerator(seed)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(self._VALUE_RANGE + f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def _transform(self, images, training):
        if not training:
            return images
        x, single = _to_nhwc(images, self.data_format)
        delta = keras_random.uniform((int(x.shape[0]), 1, 1, 1), minval=self.factor[0],
                                     maxval=self.factor[1], seed=self.generator)
        delta = delta * float(self.value_range[1] - self.value_range[0])
        if x.dtype.is_integer and x.dtype.size < 4:
            # TF's CPU cast of a float to a narrow integer converts to int32 and wraps (-25.5 -> 231
            # for uint8), and the uint8 sum wraps too: Keras' result on TF
            delta = math_ops.cast(delta, _dtypes.int32)
        out = x + math_ops.cast(delta, x.dtype)
        out = _clip(out, self.value_range[0], self.value_range[1])
        return _from_nhwc(out, single, self.data_format)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


def _center_window(height, width, target_height, target_width):
    """The largest centred window of the target's aspect ratio (Keras' `smart_resize` crop)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2),
            crop_height, crop_width)


def _saturate_cast(x, dtype):
    """Keras' `_saturate_cast`: clip to what both dtypes can hold, then cast."""
    in_np, out_np = x.dtype._np, dtype._np

    def limits(d):
        info = np.iinfo(d) if np.issubdtype(d, np.integer) else np.finfo(d)
        return info.min, info.max
    (in_min, in_max), (out_min, out_max) = limits(in_np), limits(out_np)
    low = np.asarray(np.maximum(in_min, out_min)).astype(in_np)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=in_np)
    high = np.asarray(np.minimum(in_max, out_max)).astype(in_np)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=in_np)
    x = math_ops.minimum(math_ops.maximum(x, convert_to_tensor(low)), convert_to_tensor(high))
    return math_ops.cast(x, dtype)


def _resize(x, height, width, interpolation="bilinear", antialias=False,
            crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_value=0.0):
    """Keras' TF-backend `image.resize` on an NHWC batch (float32 out except `nearest`)."""
    in_h, in_w = int(x.shape[1]), int(x.shape[2])
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = _center_window(in_h, in_w, height, width)
        x = x[:, top:top + crop_h, left:left + crop_w, :]
    elif pad_to_aspect_ratio:
        pad_h = max(in_h, int(float(in_w * height) / width))
        pad_w = max(in_w, int(float(in_h * width) / height))
        top, left = int(float(pad_h - in_h) / 2), int(float(pad_w - in_w) / 2)
        if top > 0 or left > 0:
            fill = np.asarray(fill_value).astype(x.dtype._np)
            x = array_ops.pad(x, [[0, 0], [top, top], [left, left], [0, 0]], constant_values=fill)
    return image_ops.resize(x, (height, width), method=interpolation, antialias=antialias)


class Resizing(_ImageLayer):
    """Resizes images to `(height, width)`, in training and inference, keeping the input dtype
    (integer images are rounded, then saturated).

    Args:
      height, width: the output size.
      interpolation: `"bilinear"` (default), `"nearest"`, `"bicubic"`, `"area"`, `"lanczos3"` or
        `"lanczos5"`.
      crop_to_aspect_ratio: first crop the largest centred window of the output's aspect ratio.
      pad_to_aspect_ratio: first pad (with `fill_value`, evenly on both sides) to the output's
        aspect ratio.
      fill_mode: `"constant"` only.
      fill_value: the padding value.
      antialias: low-pass filter when downsampling.
      data_format: `"channels_last"` or `"channels_first"`.

    Raises:
      ValueError: when called, for an unknown interpolation, a fill mode other than constant, or
        both aspect-ratio options.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def _transform(self, images, training):
        if self.interpolation not in RESIZE_INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                             f"{RESIZE_INTERPOLATIONS}. Received: interpolation={self.interpolation}")
        if self.fill_mode != "constant":
            raise ValueError(f"Invalid value for argument `fill_mode`. Only `'constant'` is "
                             f"supported. Received: fill_mode={self.fill_mode}")
        if self.pad_to_aspect_ratio and self.crop_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                             "`True`.")
        x, single = _to_nhwc(images, self.data_format)
        out = _resize(x, self.height, self.width, self.interpolation, self.antialias,
                      self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_value)
        if out.dtype != x.dtype:
            if x.dtype.is_integer:
                out = math_ops.round(out)
            out = _saturate_cast(out, x.dtype)
        return _from_nhwc(out, single, self.data_format)

    def compute_output_shape(self, input_shape):
        return _sized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def _sized_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    axis = len(shape) - (2 if data_format == "channels_first" else 3)
    shape[axis], shape[axis + 1] = height, width
    return tuple(shape)


class CenterCrop(_ImageLayer):
    """Crops the central `(height, width)` window, in training and inference; an image smaller
    than that on either side is first cropped to the target's aspect ratio and resized
    (bilinear), as Keras' `smart_resize`. The output is in the compute dtype.

    Args:
      height, width: the output size.
      data_format: `"channels_last"` or `"channels_first"`.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def _transform(self, images, training):
        x, single = _to_nhwc(self._cast(images), self.data_format)
        in_h, in_w = int(x.shape[1]), int(x.shape[2])
        if in_h >= self.height and in_w >= self.width:
            top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
            out = x[:, top:top + self.height, left:left + self.width, :]
        else:
            out = _resize(x, self.height, self.width, crop_to_aspect_ratio=True)
        return _from_nhwc(out, single, self.data_format)

    def compute_output_shape(self, input_shape):
        return _sized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomCrop(_ImageLayer):
    """Crops a random `(height, width)` window (one offset for the whole batch) during training;
    an input not larger than the target on both sides gets the centred window of the target's
    aspect ratio, resized to the target. Inference returns the input unchanged (its shape too),
    as Keras 3 does. Training outputs the compute dtype.

    Args:
      height, width: the crop size.
      seed: an int seed (default: a random one, which `get_config` reports).
      data_format: `"channels_last"` or `"channels_first"`.
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height, self.width = height, width
        self.seed = seed if seed is not None else python_random.randint(1, int(1e9))
        self.generator = keras_random.SeedGenerator(seed)

    def _transform(self, images, training):
        if not training:
            return images
        x, single = _to_nhwc(self._cast(images), self.data_format)
        in_h, in_w = int(x.shape[1]), int(x.shape[2])
        if in_h > self.height and in_w > self.width:
            start_h = keras_random.uniform((), 0, float(in_h - self.height + 1), seed=self.generator)
            start_w = keras_random.uniform((), 0, float(in_w - self.width + 1), seed=self.generator)
            out = apply(_CROP_AT, [x, start_h, start_w],
                        (("height", self.height), ("width", self.width)))
        else:
            top, left, _, _ = _center_window(in_h, in_w, self.height, self.width)
            out = x[:, top:top + self.height, left:left + self.width, :]
            if int(out.shape[1]) != self.height or int(out.shape[2]) != self.width:
                out = self._cast(image_ops.resize(out, (self.height, self.width)))
        return _from_nhwc(out, single, self.data_format)

    def compute_output_shape(self, input_shape):
        return _sized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
