"""`tf.image`: resizing, cropping and padding, flips and rotations, colour adjustments, metrics.

Resizing follows TF's kernels exactly rather than `jax.image.resize`, whose edge handling and
cubic coefficients differ: bilinear, bicubic and area resizing are separable, so each is two
matrix products with weight matrices built on the host the way TF's kernels place their samples
(half-pixel centers, TF's clamping at the borders, its 1024-entry cubic table, area's box
overlaps); nearest is a gather at TF's indices. Antialiased and Lanczos resizing use
`jax.image.scale_and_translate`, a port of TF's ScaleAndTranslate kernel; its Gaussian and Mitchell
kernels, which JAX lacks, are TF's sampling as weight matrices again. Colour ops port TF's
kernels' HSV algorithms. Ops TF differentiates are differentiable here through the tape; those TF
registers no gradient for (AdjustContrastv2, AdjustSaturation, AdjustHue, ResizeArea, HSVToRGB) are
not differentiable.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes
from tapejax._errors import FailedPreconditionError, InvalidArgumentError
from tapejax._ops import array_ops, linalg_ops, math_ops, random_ops
from tapejax._ops._convert import as_value, convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor

__all__ = [
    "ResizeMethod", "resize", "resize_with_pad", "resize_with_crop_or_pad", "central_crop",
    "crop_to_bounding_box", "pad_to_bounding_box", "flip_left_right", "flip_up_down",
    "random_flip_left_right", "random_flip_up_down", "rot90", "transpose", "adjust_brightness",
    "adjust_contrast", "adjust_gamma", "random_brightness", "random_contrast", "adjust_saturation",
    "random_saturation", "adjust_hue", "random_hue", "rgb_to_grayscale", "grayscale_to_rgb",
    "rgb_to_hsv", "hsv_to_rgb", "per_image_standardization", "convert_image_dtype", "random_crop",
    "image_gradients", "total_variation", "psnr", "ssim", "extract_patches",
    "stateless_random_flip_left_right", "stateless_random_flip_up_down", "stateless_random_brightness",
    "stateless_random_contrast", "stateless_random_saturation", "stateless_random_hue",
    "stateless_random_crop",
]

_HIGHEST = jax.lax.Precision.HIGHEST


class ResizeMethod:
    """The `method` names of `tf.image.resize`."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


# ==== checks ====================================================================================
def _shape_text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _at_least_3d(image):
    shape = tuple(image.shape)
    if len(shape) < 3:
        raise ValueError(f"'image' (shape {_shape_text(shape)}) must be at least three-dimensional.")
    if any(d == 0 for d in shape[-3:]):
        raise ValueError(f"inner 3 dims of 'image.shape' must be > 0: {_shape_text(shape)}")


def _rank_3_or_4(image, space=True):
    _at_least_3d(image)
    if image.ndim not in (3, 4):
        gap = " " if space else ""
        raise ValueError(f"'image' (shape {_shape_text(tuple(image.shape))}){gap}must have either 3 or 4 "
                         f"dimensions.")


def _batched(image):
    """`image` as a batch (rank 4) and whether it was one; TF's error for other ranks."""
    if image.ndim == 3:
        return array_ops.expand_dims(image, 0), False
    if image.ndim != 4:
        raise ValueError(f"'image' (shape {_shape_text(tuple(image.shape))}) must have either 3 or 4 "
                         f"dimensions.")
    return image, True


def _unbatched(image, is_batch):
    return image if is_batch else array_ops.squeeze(image, axis=[0])


def _int(value):
    return int(value.numpy()) if hasattr(value, "numpy") else int(value)


def _float(value):
    return float(value.numpy()) if hasattr(value, "numpy") else float(value)


def _concrete_float(value):
    """`value` as a Python float, or None for a value traced inside tapejax.function."""
    if hasattr(value, "_value") and isinstance(value._value, jax.core.Tracer):
        return None
    return _float(value)


# ==== resize weights, as TF's kernels place their samples ======================================
_CUBIC_TABLE_SIZE = 1024


@functools.lru_cache(maxsize=None)
def _cubic_table():
    a = np.float32(-0.5)  # Keys' cubic, as TF with half-pixel centers
    x = (np.arange(_CUBIC_TABLE_SIZE + 1) / _CUBIC_TABLE_SIZE).astype(np.float32)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + np.float32(1)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


@functools.lru_cache(maxsize=256)
def _weights(method, in_size, out_size):
    """The (out_size, in_size) float32 matrix of one axis' resampling weights."""
    scale = np.float32(in_size) / np.float32(out_size)
    out = np.arange(out_size, dtype=np.float32)
    w = np.zeros((out_size, in_size), np.float64)
    rows = np.arange(out_size)
    if method == "bilinear":
        pos = (out + np.float32(0.5)) * scale - np.float32(0.5)
        floor = np.floor(pos)
        lower = np.maximum(floor, 0).astype(np.int64)
        upper = np.minimum(np.ceil(pos), in_size - 1).astype(np.int64)
        lerp = (pos - floor).astype(np.float32)
        np.add.at(w, (rows, lower), 1 - lerp)
        np.add.at(w, (rows, upper), lerp)
    elif method == "bicubic":
        near, far = _cubic_table()
        pos = (out + np.float32(0.5)) * scale - np.float32(0.5)
        loc = np.floor(pos).astype(np.int64)
        offset = np.rint((pos - loc) * _CUBIC_TABLE_SIZE).astype(np.int64)
        taps = [(loc - 1, far[offset]), (loc, near[offset]), (loc + 1, near[_CUBIC_TABLE_SIZE - offset]),
                (loc + 2, far[_CUBIC_TABLE_SIZE - offset])]
        inside = [(idx >= 0) & (idx < in_size) for idx, _ in taps]
        total = sum(np.where(ok, wt, 0).astype(np.float32) for (_, wt), ok in zip(taps, inside))
        for (idx, wt), ok in zip(taps, inside):
            np.add.at(w, (rows, np.clip(idx, 0, in_size - 1)), np.where(ok, wt / total, 0))
    elif method == "area":
        for y in range(out_size):
            start, end = np.float32(y) * scale, np.float32(y + 1) * scale
            for i in range(int(np.floor(start)), int(np.ceil(end))):
                if i < start:
                    part = scale if i + 1 > end else (i + 1) - start
                else:
                    part = end - i if i + 1 > end else 1.0
                w[y, min(i, in_size - 1)] += part
        w /= scale
    return w.astype(np.float32)


def _gaussian_kernel(x):
    radius, sigma = np.float32(1.5), np.float32(0.5)
    return np.where(x >= radius, 0, np.exp(-x * x / (2.0 * sigma * sigma)))


def _mitchell_kernel(x):
    far = (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    near = (((7.0 / 6.0) * x - 2.0) * x) * x + 8.0 / 9.0
    return np.where(x >= 2.0, 0, np.where(x >= 1.0, far, near))


_SAMPLING_KERNELS = {"gaussian": (_gaussian_kernel, 1.5), "mitchellcubic": (_mitchell_kernel, 2.0)}


@functools.lru_cache(maxsize=256)
def _sampled_weights(method, in_size, out_size, antialias):
    """One axis' weights of TF's ScaleAndTranslate (zero translation) for `method`'s kernel:
    samples at half-pixel centers, the kernel widened by 1/scale when antialiasing a downscale,
    each row normalised to sum 1."""
    kernel, radius = _SAMPLING_KERNELS[method]
    inv_scale = np.float32(1.0) / (np.float32(out_size) / np.float32(in_size))
    kernel_scale = max(inv_scale, np.float32(1.0)) if antialias else np.float32(1.0)
    w = np.zeros((out_size, in_size), np.float32)
    for x in range(out_size):
        sample = (np.float32(x) + np.float32(0.5)) * inv_scale
        if sample < 0 or sample > in_size:
            continue
        start = int(np.ceil(sample - np.float32(radius) * kernel_scale - np.float32(0.5)))
        end = int(np.floor(sample + np.float32(radius) * kernel_scale - np.float32(0.5)))
        start, end = min(max(start, 0), in_size - 1), min(max(end, 0), in_size - 1) + 1
        pos = (np.arange(start, end, dtype=np.float32) + np.float32(0.5) - sample) / kernel_scale
        weights = kernel(np.abs(pos)).astype(np.float32)
        total = np.float32(weights.sum(dtype=np.float32))
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            weights = weights * (np.float32(1.0) / total)
        w[x, start:end] = weights
    return w


def _resize_sampled(x, size, method, antialias):
    wy = _sampled_weights(method, x.shape[1], size[0], antialias)
    wx = _sampled_weights(method, x.shape[2], size[1], antialias)
    y = jnp.einsum("oh,bhwc->bowc", wy, x.astype(jnp.float32), precision=_HIGHEST)
    return jnp.einsum("pw,bowc->bopc", wx, y, precision=_HIGHEST)


def _nearest_indices(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.clip(np.floor(pos).astype(np.int64), 0, in_size - 1)


def _resize_separable(x, size, method):
    wy = _weights(method, x.shape[1], size[0])
    wx = _weights(method, x.shape[2], size[1])
    x = x.astype(jnp.float32)
    y = jnp.einsum("oh,bhwc->bowc", wy, x, precision=_HIGHEST)
    return jnp.einsum("pw,bowc->bopc", wx, y, precision=_HIGHEST)


def _resize_nearest(x, size):
    rows = _nearest_indices(x.shape[1], size[0])
    cols = _nearest_indices(x.shape[2], size[1])
    return jnp.take(jnp.take(x, rows, axis=1), cols, axis=2)


_JAX_KERNELS = {"bilinear": "linear", "bicubic": "cubic", "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def _scale_and_translate(x, size, method, antialias):
    if method in _SAMPLING_KERNELS:  # kernels jax.image lacks: TF's sampling, as weight matrices
        return _resize_sampled(x, size, method, antialias)
    scale = jnp.asarray([np.float32(size[0]) / np.float32(x.shape[1]),
                         np.float32(size[1]) / np.float32(x.shape[2])], jnp.float32)
    return jax.image.scale_and_translate(
        x.astype(jnp.float32), (x.shape[0], size[0], size[1], x.shape[3]), (1, 2), scale,
        jnp.zeros(2, jnp.float32), _JAX_KERNELS[method], antialias=antialias)


_RESIZE = {
    "bilinear": Op("ResizeBilinear", lambda x, size: _resize_separable(x, size, "bilinear")),
    "bicubic": Op("ResizeBicubic", lambda x, size: _resize_separable(x, size, "bicubic")),
    "area": Op("ResizeArea", lambda x, size: _resize_separable(x, size, "area"), differentiable=False),
    "nearest": Op("ResizeNearestNeighbor", _resize_nearest),
    "scale_and_translate": Op("ScaleAndTranslate", _scale_and_translate),
}


def _size_pair(size):
    if isinstance(size, Tensor) or hasattr(size, "_trainable"):
        size = np.asarray(size.numpy())
    try:
        values = np.asarray(size)
    except (TypeError, ValueError):
        raise ValueError("'size' must be a 1-D int32 Tensor") from None
    if values.dtype.kind not in "iu" and not (values.dtype.kind == "f" and np.all(values == np.round(values))):
        raise ValueError("'size' must be a 1-D int32 Tensor")
    if values.shape != (2,):
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    return int(values[0]), int(values[1])


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False,
           name=None):
    """Resizes `images` to `size` with `method`, as `tf.image.resize` (TF 2's half-pixel centers).

    Args:
      images: a 4-D `[batch, height, width, channels]` or 3-D `[height, width, channels]` Tensor.
      size: `[new_height, new_width]`.
      method: a `ResizeMethod` name: bilinear, nearest, bicubic, area, lanczos3, lanczos5, gaussian,
        mitchellcubic.
      preserve_aspect_ratio: shrink `size` so the aspect ratio is kept (the result fits in it).
      antialias: low-pass filter when downsampling (all but nearest and area).

    Returns:
      The resized images: float32, except `nearest`, which keeps the dtype.

    Raises:
      ValueError: for images that are not rank 3 or 4, a bad `size` or an unknown method.
      InvalidArgumentError: for a non-positive output size.
    """
    images = as_value(images)
    if images.ndim not in (3, 4):
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    x, is_batch = _batched(images)
    new_h, new_w = _size_pair(size)
    height, width = x.shape[1], x.shape[2]
    if preserve_aspect_ratio:
        factor = min(np.float32(new_h) / np.float32(height), np.float32(new_w) / np.float32(width))
        new_h = int(np.round(np.float32(factor * np.float32(height))))
        new_w = int(np.round(np.float32(factor * np.float32(width))))
    method = method.lower() if isinstance(method, str) else method
    if method not in (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR, ResizeMethod.BICUBIC,
                      ResizeMethod.AREA, ResizeMethod.LANCZOS3, ResizeMethod.LANCZOS5,
                      ResizeMethod.GAUSSIAN, ResizeMethod.MITCHELLCUBIC):
        raise ValueError(f"Resize method is not implemented: {method}")
    sampled = method in (ResizeMethod.LANCZOS3, ResizeMethod.LANCZOS5, ResizeMethod.GAUSSIAN,
                         ResizeMethod.MITCHELLCUBIC) or (
        antialias and method in (ResizeMethod.BILINEAR, ResizeMethod.BICUBIC))
    op = _RESIZE["scale_and_translate" if sampled else method]
    if new_h <= 0 or new_w <= 0:
        raise InvalidArgumentError(f"output dimensions must be positive [Op:{op.name}] name: ")
    attrs = (("size", (new_h, new_w)),)
    if sampled:
        attrs += (("method", method), ("antialias", bool(antialias)))
    return _unbatched(apply(op, [x], attrs), is_batch)


# ==== crop and pad ==============================================================================
def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Pads `image` with zeros to `target_height` x `target_width`, placing it at the offsets.

    Raises:
      ValueError: for negative offsets, a target smaller than image + offset, or a bad rank.
    """
    image = as_value(image)
    x, is_batch = _batched(image)
    _at_least_3d(x)
    _, height, width, _ = x.shape
    oh, ow, th, tw = (_int(v) for v in (offset_height, offset_width, target_height, target_width))
    after_w, after_h = tw - ow - width, th - oh - height
    for ok, message in ((oh >= 0, "offset_height must be >= 0"), (ow >= 0, "offset_width must be >= 0"),
                        (after_w >= 0, "width must be <= target - offset"),
                        (after_h >= 0, "height must be <= target - offset")):
        if not ok:
            raise ValueError(message)
    padded = array_ops.pad(x, [[0, 0], [oh, after_h], [ow, after_w], [0, 0]])
    return _unbatched(padded, is_batch)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Crops the `target_height` x `target_width` box at the offsets out of `image`.

    Raises:
      ValueError: for negative offsets, non-positive targets, a box outside the image, a bad rank.
    """
    image = as_value(image)
    x, is_batch = _batched(image)
    _at_least_3d(x)
    _, height, width, _ = x.shape
    oh, ow, th, tw = (_int(v) for v in (offset_height, offset_width, target_height, target_width))
    for ok, message in ((ow >= 0, "offset_width must be >= 0."), (oh >= 0, "offset_height must be >= 0."),
                        (tw > 0, "target_width must be > 0."), (th > 0, "target_height must be > 0."),
                        (width >= tw + ow, "width must be >= target + offset."),
                        (height >= th + oh, "height must be >= target + offset.")):
        if not ok:
            raise ValueError(message)
    return _unbatched(array_ops.slice(x, [0, oh, ow, 0], [-1, th, tw, -1]), is_batch)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centrally crops or zero-pads `image` to `target_height` x `target_width`, as TF.

    Raises:
      ValueError: for non-positive targets or a bad rank.
    """
    image = as_value(image)
    x, is_batch = _batched(image)
    _at_least_3d(x)
    th, tw = _int(target_height), _int(target_width)
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    _, height, width, _ = x.shape
    width_diff, height_diff = tw - width, th - height
    cropped = crop_to_bounding_box(x, max(-height_diff // 2, 0), max(-width_diff // 2, 0),
                                   min(th, height), min(tw, width))
    resized = pad_to_bounding_box(cropped, max(height_diff // 2, 0), max(width_diff // 2, 0), th, tw)
    return _unbatched(resized, is_batch)


def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR, antialias=False):
    """Resizes `image` to fit `target_height` x `target_width` keeping its aspect ratio, then pads
    it with zeros to that size, as TF.

    Raises:
      ValueError: for non-positive targets or a bad rank.
    """
    image = as_value(image)
    x, is_batch = _batched(image)
    _at_least_3d(x)
    th, tw = _int(target_height), _int(target_width)
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    _, height, width, _ = x.shape
    f32 = np.float32
    ratio = max(f32(width) / f32(tw), f32(height) / f32(th))
    resized_h, resized_w = f32(height) / ratio, f32(width) / ratio
    pad_h = max(0, int(np.floor((f32(th) - resized_h) / f32(2))))
    pad_w = max(0, int(np.floor((f32(tw) - resized_w) / f32(2))))
    resized = resize(x, [int(np.floor(resized_h)), int(np.floor(resized_w))], method, antialias=antialias)
    return _unbatched(pad_to_bounding_box(resized, pad_h, pad_w, th, tw), is_batch)


def central_crop(image, central_fraction):
    """Crops the central `central_fraction` of each side of `image`, as TF.

    Raises:
      ValueError: for a fraction outside (0, 1] or a bad rank.
    """
    image = as_value(image)
    fraction = _float(central_fraction)
    if fraction <= 0.0 or fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if fraction == 1.0:
        return image
    _at_least_3d(image)
    if image.ndim not in (3, 4):
        raise ValueError(f"`image` should either be a Tensor with rank = 3 or rank = 4. Had rank = "
                         f"{image.ndim}.")
    h_axis = image.ndim - 3
    height, width = image.shape[h_axis], image.shape[h_axis + 1]
    start_h = int((float(height) - float(height) * fraction) / 2)
    start_w = int((float(width) - float(width) * fraction) / 2)
    begin = [start_h, start_w, 0]
    size = [height - 2 * start_h, width - 2 * start_w, -1]
    if image.ndim == 4:
        begin, size = [0] + begin, [-1] + size
    return array_ops.slice(image, begin, size)


# ==== flips, rotations ==========================================================================
def flip_left_right(image):
    """Reverses the width dimension of an image or a batch of images."""
    image = as_value(image)
    _rank_3_or_4(image, space=False)
    return array_ops.reverse(image, [image.ndim - 2])


def flip_up_down(image):
    """Reverses the height dimension of an image or a batch of images."""
    image = as_value(image)
    _rank_3_or_4(image, space=False)
    return array_ops.reverse(image, [image.ndim - 3])


def _random_flip(image, axis, uniform):
    """TF's random flips: a rank-3 image flips when its draw is < 0.5 (a select, so it also runs
    inside tapejax.function); each image of a batch flips when its draw rounds to 1."""
    image = as_value(image)
    _rank_3_or_4(image)
    if image.ndim == 3:
        return array_ops.where(math_ops.less(uniform([]), 0.5), array_ops.reverse(image, [axis]), image)
    batch = image.shape[0]
    flips = math_ops.round(array_ops.reshape(uniform([batch]), [batch, 1, 1, 1]))
    flips = math_ops.cast(flips, image.dtype)
    flipped = array_ops.reverse(image, [axis + 1])
    return flips * flipped + (1 - flips) * image


def _seeded(seed):
    return lambda shape, minval=0.0, maxval=1.0, dtype=_dtypes.float32: random_ops.uniform(
        shape, minval, maxval, dtype=dtype, seed=seed)


def _stateless(seed):
    """A uniform sampler for TF's stateless ops: the same `seed` (two ints) draws the same values.

    The values are JAX's (threefry), not TF's Philox stream.
    """
    words = np.asarray(seed.numpy() if hasattr(seed, "numpy") else seed).astype(np.int64).reshape(-1)
    if words.shape != (2,):
        raise ValueError(f"seed must have shape [2], not {list(words.shape)}.")
    key = jax.random.fold_in(jax.random.PRNGKey(int(words[0]) & 0xFFFFFFFF), int(words[1]) & 0xFFFFFFFF)

    def uniform(shape, minval=0.0, maxval=1.0, dtype=_dtypes.float32):
        dtype = _dtypes.as_dtype(dtype)
        if dtype.is_integer:
            return Tensor(jax.random.randint(key, tuple(shape), minval, maxval, dtype._np))
        return Tensor(jax.random.uniform(key, tuple(shape), dtype._np, minval, maxval))
    return uniform


def random_flip_left_right(image, seed=None):
    """Flips an image (each image of a batch, independently) left-right with probability 1/2."""
    return _random_flip(image, 1, _seeded(seed))


def random_flip_up_down(image, seed=None):
    """Flips an image (each image of a batch, independently) upside down with probability 1/2."""
    return _random_flip(image, 0, _seeded(seed))


def stateless_random_flip_left_right(image, seed):
    """`random_flip_left_right` drawn from `seed` (two ints): the same seed flips the same way."""
    return _random_flip(image, 1, _stateless(seed))


def stateless_random_flip_up_down(image, seed):
    """`random_flip_up_down` drawn from `seed` (two ints): the same seed flips the same way."""
    return _random_flip(image, 0, _stateless(seed))


def rot90(image, k=1, name=None):
    """Rotates an image (or batch) counter-clockwise by `k` quarter turns."""
    image = as_value(image)
    _rank_3_or_4(image)
    h = image.ndim - 3
    k = _int(k) % 4
    perm = list(range(image.ndim))
    perm[h], perm[h + 1] = perm[h + 1], perm[h]
    if k == 1:
        return array_ops.transpose(array_ops.reverse(image, [h + 1]), perm)
    if k == 2:
        return array_ops.reverse(image, [h, h + 1])
    if k == 3:
        return array_ops.reverse(array_ops.transpose(image, perm), [h + 1])
    return image


def transpose(image, name=None):
    """Swaps the height and width dimensions of an image (or batch)."""
    image = as_value(image)
    _rank_3_or_4(image)
    perm = [0, 2, 1] + [3] if image.ndim == 3 else [0, 2, 1, 3]
    return array_ops.transpose(image, [1, 0, 2] if image.ndim == 3 else perm)


# ==== dtype conversion ==========================================================================
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts `image` to `dtype`, scaling values as TF: floats in [0, 1), integers in
    [0, dtype.max]; integer to integer rescales by powers of two.

    Args:
      image: a Tensor.
      dtype: the target dtype (floating or integer).
      saturate: clip before casting to an integer dtype (avoids overflow).

    Raises:
      AttributeError: for a dtype that is neither floating nor integer.
    """
    image = as_value(image)
    dtype = _dtypes.as_dtype(dtype)
    src = image.dtype
    if not dtype.is_floating and not dtype.is_integer:
        raise AttributeError("dtype must be either floating point or integer")
    if not src.is_floating and not src.is_integer:
        raise AttributeError("image dtype must be either floating point or integer")
    if dtype == src:
        return array_ops.identity(image)
    if src.is_integer and dtype.is_integer:
        scale_in, scale_out = int(src.max), int(dtype.max)
        if scale_in > scale_out:
            scaled = math_ops.floordiv(image, (scale_in + 1) // (scale_out + 1))
            return math_ops.saturate_cast(scaled, dtype) if saturate else math_ops.cast(scaled, dtype)
        cast = math_ops.saturate_cast(image, dtype) if saturate else math_ops.cast(image, dtype)
        return math_ops.multiply(cast, (scale_out + 1) // (scale_in + 1))
    if src.is_floating and dtype.is_floating:
        return math_ops.cast(image, dtype)
    if src.is_integer:
        return math_ops.multiply(math_ops.cast(image, dtype), 1.0 / float(src.max))
    scaled = math_ops.multiply(image, float(dtype.max) + 0.5)
    return math_ops.saturate_cast(scaled, dtype) if saturate else math_ops.cast(scaled, dtype)


def _float_image(image):
    """`image` itself when float16/float32, else converted to float32 (as TF's adjust_* ops)."""
    if image.dtype in (_dtypes.float16, _dtypes.float32):
        return image
    return convert_image_dtype(image, _dtypes.float32)


# ==== colour ====================================================================================
def _rgb_to_hsv(x):
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = jnp.max(x, axis=-1)
    rng = v - jnp.min(x, axis=-1)
    s = jnp.where(v > 0, rng / jnp.where(v > 0, v, 1), 0)
    safe = jnp.where(rng > 0, rng, 1)
    norm = 1 / (6 * safe)
    h = jnp.where(r == v, norm * (g - b),
                  jnp.where(g == v, norm * (b - r) + np.float32(2 / 6), norm * (r - g) + np.float32(4 / 6)))
    h = jnp.where(rng > 0, h, 0)
    h = jnp.where(h < 0, h + 1, h)
    return jnp.stack([h, s, v], axis=-1).astype(x.dtype)


def _recip(x):
    return jnp.where(x == 0, 0, 1 / jnp.where(x == 0, 1, x))  # div_no_nan(1, x)


def _rgb_to_hsv_grad(x, hsv, grad):
    """TF's registered RGBToHSV gradient (image_grad.py), term by term: the oracle's formula, which
    is not the derivative of the forward at every point."""
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    sat, val = hsv[..., 1], hsv[..., 2]
    dt = x.dtype

    def f(cond):
        return cond.astype(dt)
    r_big, g_big, b_big = f((r >= b) & (r >= g)), f((g > r) & (g >= b)), f((b > r) & (b > g))
    r_small, g_small, b_small = f((r < b) & (r < g)), f((g <= r) & (g < b)), f((b <= r) & (b <= g))
    rp, gp, bp = f(r > 0), f(g > 0), f(b > 0)
    ds_dr = rp * (r_big * (g_small * g + b_small * b) * _recip(r * r) - r_small * _recip(g_big * g + b_big * b))
    ds_dg = gp * (g_big * (r_small * r + b_small * b) * _recip(g * g) - g_small * _recip(r_big * r + b_big * b))
    ds_db = bp * (b_big * (g_small * g + r_small * r) * _recip(b * b) - b_small * _recip(g_big * g + r_big * r))
    sv = _recip(sat * sat) * _recip(val * val)
    dh_dr = 60 * (-rp * r_big * (g - b) * sv + gp * g_big * r_small * (b - g) * _recip((r - g) ** 2)
                  - gp * g_big * b_small * _recip(g - b) + bp * b_big * r_small * (b - g) * _recip((b - r) ** 2)
                  + bp * b_big * g_small * _recip(b - g)) / 360
    dh_dg = 60 * (-gp * g_big * (b - r) * sv + rp * r_big * g_small * (r - b) * _recip((r - g) ** 2)
                  + rp * r_big * b_small * _recip(r - b) + bp * b_big * g_small * (r - b) * _recip((b - g) ** 2)
                  - bp * b_big * r_small * _recip(b - r)) / 360
    dh_db = 60 * (-bp * b_big * (r - g) * sv + rp * r_big * b_small * (g - r) * _recip((r - b) ** 2)
                  - rp * r_big * g_small * _recip(r - g) + gp * g_big * b_small * (g - r) * _recip((g - b) ** 2)
                  + gp * g_big * r_small * _recip(g - r)) / 360
    gh, gs, gv = grad[..., 0], grad[..., 1], grad[..., 2]
    return jnp.stack([gv * r_big + gs * ds_dr + gh * dh_dr, gv * g_big + gs * ds_dg + gh * dh_dg,
                      gv * b_big + gs * ds_db + gh * dh_db], axis=-1)


@jax.custom_vjp
def _rgb_to_hsv_tf(x):
    return _rgb_to_hsv(x)


def _rgb_to_hsv_fwd(x):
    hsv = _rgb_to_hsv(x)
    return hsv, (x, hsv)


def _rgb_to_hsv_bwd(saved, grad):
    return (_rgb_to_hsv_grad(*saved, grad),)


_rgb_to_hsv_tf.defvjp(_rgb_to_hsv_fwd, _rgb_to_hsv_bwd)


def _hsv_to_rgb(x):
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    dh = h * 6
    dr = jnp.clip(jnp.abs(dh - 3) - 1, 0, 1)
    dg = jnp.clip(-jnp.abs(dh - 2) + 2, 0, 1)
    db = jnp.clip(-jnp.abs(dh - 4) + 2, 0, 1)
    one_s = 1 - s
    return jnp.stack([(one_s + s * dr) * v, (one_s + s * dg) * v, (one_s + s * db) * v], axis=-1).astype(x.dtype)


def _saturation(x, factor):
    """TF's AdjustSaturation kernel: its own RGB->HSV, s scaled and clipped to [0, 1], HSV->RGB."""
    dtype = x.dtype
    x = x.astype(jnp.float32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = jnp.maximum(r, jnp.maximum(g, b))
    rng = v - jnp.minimum(r, jnp.minimum(g, b))
    s = jnp.where(v > 0, rng / jnp.where(v > 0, v, 1), 0)
    norm = 1 / (6 * rng)
    h = jnp.where(r == v, norm * (g - b),
                  jnp.where(g == v, norm * (b - r) + np.float32(2 / 6), norm * (r - g) + np.float32(4 / 6)))
    h = jnp.where(rng <= 0, 0, h)
    h = jnp.where(h < 0, h + 1, h)
    s = jnp.clip(s * factor.astype(jnp.float32), 0, 1)
    c = s * v
    m = v - c
    dh = h * 6
    category = dh.astype(jnp.int32)
    fmodu = jnp.mod(dh, 2)
    fmodu = jnp.where(dh <= 0, fmodu + jnp.where(fmodu <= 0, 2, 0), fmodu)
    xx = c * (1 - jnp.abs(fmodu - 1))
    zero = jnp.zeros_like(c)
    table = [(c, xx, zero), (xx, c, zero), (zero, c, xx), (zero, xx, c), (xx, zero, c), (c, zero, xx)]
    out = []
    for channel in range(3):
        value = zero
        for cat, rgb in enumerate(table):
            value = jnp.where(category == cat, rgb[channel], value)
        out.append(value + m)
    return jnp.stack(out, axis=-1).astype(dtype)


def _hue(x, delta):
    """TF's AdjustHue kernel: hue in [0, 6) from the sorted channels, shifted, mapped back."""
    dtype = x.dtype
    x = x.astype(jnp.float32)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    # TF's case analysis (ties counted on either side, as its comments allow)
    cases = [
        (r < g) & (b < r), (r < g) & (b >= r) & (b > g), (r < g) & (b >= r) & (b <= g),
        (r >= g) & (b < g), (r >= g) & (b >= g) & (b > r), (r >= g) & (b >= g) & (b <= r)]
    parts = [(g, r, b, 1), (b, g, r, 3), (g, b, r, 2), (r, g, b, 0), (b, r, g, 4), (r, b, g, 5)]
    v_max = v_mid = v_min = jnp.zeros_like(r)
    category = jnp.zeros(r.shape, jnp.int32)
    for case, (hi, mid, lo, cat) in zip(cases, parts):
        v_max, v_mid, v_min = jnp.where(case, hi, v_max), jnp.where(case, mid, v_mid), jnp.where(case, lo, v_min)
        category = jnp.where(case, cat, category)
    span = v_max - v_min
    ratio = (v_mid - v_min) / jnp.where(span == 0, 1, span)
    h = jnp.where(span == 0, 0, category + jnp.where(category % 2 == 0, ratio, 1 - ratio))
    h = h + delta.astype(jnp.float32) * 6
    h = jnp.mod(h, 6)
    h = jnp.where(h >= 6, h - 6, h)
    category = jnp.clip(h.astype(jnp.int32), 0, 5)
    ratio = h - category
    ratio = jnp.where(category % 2 == 0, ratio, 1 - ratio)
    v_mid = v_min + ratio * (v_max - v_min)
    table = [(v_max, v_mid, v_min), (v_mid, v_max, v_min), (v_min, v_max, v_mid), (v_min, v_mid, v_max),
             (v_mid, v_min, v_max), (v_max, v_min, v_mid)]
    out = []
    for channel in range(3):
        value = table[5][channel]
        for cat in range(5):
            value = jnp.where(category == cat, table[cat][channel], value)
        out.append(value)
    return jnp.stack(out, axis=-1).astype(dtype)


def _contrast(x, factor):
    dtype = x.dtype
    x = x.astype(jnp.float32)
    mean = jnp.mean(x, axis=(-3, -2), keepdims=True)
    return ((x - mean) * factor.astype(jnp.float32) + mean).astype(dtype)


_COLOUR = {
    "rgb_to_hsv": Op("RGBToHSV", _rgb_to_hsv_tf),
    "hsv_to_rgb": Op("HSVToRGB", _hsv_to_rgb, differentiable=False),
    "saturation": Op("AdjustSaturation", _saturation, differentiable=False),
    "hue": Op("AdjustHue", _hue, differentiable=False),
    "contrast": Op("AdjustContrastv2", _contrast, differentiable=False),
}
_HSV_TYPES = ("float16", "bfloat16", "float32", "float64")


def _check_hsv_input(image, op_name):
    if image.dtype.name not in _HSV_TYPES:
        raise InvalidArgumentError(
            f"Value for attr 'T' of {image.dtype._tf_kind} is not in the list of allowed values: half, "
            f"bfloat16, float, double\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: ")
    channels = image.shape[-1] if image.ndim else 0
    if channels != 3:
        raise FailedPreconditionError(f"input must have 3 channels but input only has {channels} "
                                      f"channels. [Op:{op_name}] name: ")


def rgb_to_hsv(images, name=None):
    """Converts RGB images (floats in [0, 1]) to HSV, each channel in [0, 1].

    Raises:
      InvalidArgumentError: for a non-float dtype.
      FailedPreconditionError: when the last dimension is not 3.
    """
    images = as_value(images)
    _check_hsv_input(images, "RGBToHSV")
    return apply(_COLOUR["rgb_to_hsv"], [images])


def hsv_to_rgb(images, name=None):
    """Converts HSV images to RGB (no gradient, as TF)."""
    images = as_value(images)
    _check_hsv_input(images, "HSVToRGB")
    return apply(_COLOUR["hsv_to_rgb"], [images])


def _channels_check(image, op_name):
    if image.ndim < 3:
        raise InvalidArgumentError(f"input must be at least 3-D, got shape{list(image.shape)} "
                                   f"[Op:{op_name}] name: ")
    if image.shape[-1] != 3:
        raise InvalidArgumentError(f"input must have 3 channels but instead has {image.shape[-1]} "
                                   f"channels. [Op:{op_name}] name: ")


def adjust_saturation(image, saturation_factor, name=None):
    """Scales the saturation of RGB images by `saturation_factor` (TF's kernel; no gradient).

    Returns:
      The adjusted images, of `image`'s dtype.
    """
    image = as_value(image)
    flt = _float_image(image)
    _channels_check(flt, "AdjustSaturation")
    factor = convert_to_tensor(saturation_factor, dtype=_dtypes.float32)
    return convert_image_dtype(apply(_COLOUR["saturation"], [flt, factor]), image.dtype)


def adjust_hue(image, delta, name=None):
    """Rotates the hue of RGB images by `delta` (a fraction of a turn, in [-1, 1]); no gradient.

    Raises:
      ValueError: for `delta` outside [-1, 1].
    """
    d = _concrete_float(delta)
    if d is not None and (d < -1 or d > 1):  # TF checks only eagerly
        raise ValueError("delta must be in the interval [-1, 1]")
    image = as_value(image)
    flt = _float_image(image)
    _channels_check(flt, "AdjustHue")
    adjusted = apply(_COLOUR["hue"], [flt, convert_to_tensor(delta, dtype=_dtypes.float32)])
    return convert_image_dtype(adjusted, image.dtype)


def adjust_contrast(images, contrast_factor):
    """Moves each channel of each image toward or away from its mean: (x - mean) * factor + mean.

    TF registers no gradient for it (LookupError through a tape in TF; None here).
    """
    images = as_value(images)
    flt = _float_image(images)
    if flt.ndim < 3:
        raise InvalidArgumentError(f"input must be at least 3-D, got shape{list(flt.shape)} "
                                   f"[Op:AdjustContrastv2] name: ")
    factor = convert_to_tensor(contrast_factor, dtype=_dtypes.float32)
    return convert_image_dtype(apply(_COLOUR["contrast"], [flt, factor]), images.dtype, saturate=True)


def adjust_brightness(image, delta):
    """Adds `delta` to every value (in float, then converted back to `image`'s dtype, saturating)."""
    image = as_value(image)
    flt = _float_image(image)
    adjusted = math_ops.add(flt, math_ops.cast(delta, flt.dtype))
    return convert_image_dtype(adjusted, image.dtype, saturate=True)


def adjust_gamma(image, gamma=1, gain=1):
    """Gamma correction: `gain * image ** gamma` (in float, then back to `image`'s dtype).

    Raises:
      ValueError: for a negative gamma.
    """
    image = as_value(image)
    flt = _float_image(image)
    g = _concrete_float(gamma)
    if g is not None and g < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    adjusted = math_ops.multiply(gain, math_ops.pow(flt, math_ops.cast(gamma, flt.dtype)))
    return convert_image_dtype(adjusted, image.dtype, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """`adjust_brightness` by a delta drawn uniformly from [-max_delta, max_delta).

    Raises:
      ValueError: for a negative max_delta.
    """
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, random_ops.uniform([], -max_delta, max_delta, seed=seed))


def random_contrast(image, lower, upper, seed=None):
    """`adjust_contrast` by a factor drawn uniformly from [lower, upper).

    Raises:
      ValueError: unless 0 <= lower < upper.
    """
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_contrast(image, random_ops.uniform([], lower, upper, seed=seed))


def random_saturation(image, lower, upper, seed=None):
    """`adjust_saturation` by a factor drawn uniformly from [lower, upper).

    Raises:
      ValueError: unless 0 <= lower < upper.
    """
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_saturation(image, random_ops.uniform([], lower, upper, seed=seed))


def random_hue(image, max_delta, seed=None):
    """`adjust_hue` by a delta drawn uniformly from [-max_delta, max_delta).

    Raises:
      ValueError: unless 0 <= max_delta <= 0.5.
    """
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, random_ops.uniform([], -max_delta, max_delta, seed=seed))


def stateless_random_brightness(image, max_delta, seed):
    """`random_brightness` with its delta drawn from `seed` (two ints)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, _stateless(seed)([], -max_delta, max_delta))


def stateless_random_contrast(image, lower, upper, seed):
    """`random_contrast` with its factor drawn from `seed` (two ints)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_contrast(image, _stateless(seed)([], lower, upper))


def stateless_random_saturation(image, lower, upper, seed=None):
    """`random_saturation` with its factor drawn from `seed` (two ints)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_saturation(image, _stateless(seed)([], lower, upper))


def stateless_random_hue(image, max_delta, seed):
    """`random_hue` with its delta drawn from `seed` (two ints)."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, _stateless(seed)([], -max_delta, max_delta))


_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def rgb_to_grayscale(images, name=None):
    """Weighted sum of the RGB channels (TF's weights), keeping a last dimension of 1."""
    images = as_value(images)
    flt = convert_image_dtype(images, _dtypes.float32)
    gray = linalg_ops.tensordot(flt, convert_to_tensor(list(_GRAY_WEIGHTS)), [[-1], [-1]])
    return convert_image_dtype(array_ops.expand_dims(gray, -1), images.dtype)


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel of grayscale images three times.

    Raises:
      ValueError: for rank < 2 or a last dimension other than 1.
    """
    images = as_value(images)
    if images.ndim < 2:
        raise ValueError("A grayscale image (shape %s) must be at least two-dimensional."
                         % _shape_text(tuple(images.shape)))
    if images.shape[-1] != 1:
        raise ValueError("Last dimension of a grayscale image should be size 1.")
    return array_ops.tile(images, [1] * (images.ndim - 1) + [3])


def per_image_standardization(image):
    """Scales each image to zero mean and unit variance (stddev floored at 1/sqrt(num_pixels)).

    Returns:
      A float32 Tensor of `image`'s shape.
    """
    image = as_value(image)
    _at_least_3d(image)
    x = math_ops.cast(image, _dtypes.float32)
    num_pixels = int(np.prod(image.shape[-3:]))
    mean = math_ops.reduce_mean(x, axis=[-1, -2, -3], keepdims=True)
    std = math_ops.reduce_std(x, axis=[-1, -2, -3], keepdims=True)
    adjusted = math_ops.maximum(std, math_ops.rsqrt(convert_to_tensor(float(num_pixels))))
    return math_ops.divide(x - mean, adjusted)


# ==== random crop ===============================================================================
_CROP = Op("Slice", lambda x, begin, size: jax.lax.dynamic_slice(x, tuple(begin), size))


def random_crop(value, size, seed=None, name=None):
    """Crops a random `size` slice out of `value` (uniform offsets, as TF).

    Raises:
      InvalidArgumentError: when `size` exceeds `value`'s shape.
    """
    return _random_crop(value, size, _seeded(seed))


def stateless_random_crop(value, size, seed, name=None):
    """`random_crop` with its offsets drawn from `seed` (two ints)."""
    return _random_crop(value, size, _stateless(seed))


def _random_crop(value, size, uniform):
    value = as_value(value)
    size = [int(s) for s in (np.asarray(size.numpy()) if hasattr(size, "numpy") else size)]
    shape = list(value.shape)
    if len(size) != len(shape) or any(s > d for s, d in zip(size, shape)):
        raise InvalidArgumentError(
            f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b'Need "
            f"value.shape >= size, got '\n{', '.join(map(str, shape))}\n{', '.join(map(str, size))}")
    limit = convert_to_tensor(np.asarray([d - s + 1 for d, s in zip(shape, size)], np.int32))
    offset = math_ops.floormod(uniform([len(shape)], 0, np.iinfo(np.int32).max, dtype=_dtypes.int32), limit)
    return apply(_CROP, [value, offset], (("size", tuple(size)),))


# ==== metrics ===================================================================================
def image_gradients(image):
    """Finite differences `(dy, dx)` of a batch of images, zero in the last row / column.

    Raises:
      ValueError: unless `image` is 4-D.
    """
    image = as_value(image)
    if image.ndim != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{_shape_text(tuple(image.shape))}.")
    b, h, w, d = image.shape
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = array_ops.concat([dy, array_ops.zeros([b, 1, w, d], image.dtype)], 1)
    dx = array_ops.concat([dx, array_ops.zeros([b, h, 1, d], image.dtype)], 2)
    return dy, dx


def total_variation(images, name=None):
    """The sum of absolute differences of neighbouring pixels (per image for a batch).

    Raises:
      ValueError: unless `images` is 3-D or 4-D.
    """
    images = as_value(images)
    if images.ndim == 3:
        dh = images[1:, :, :] - images[:-1, :, :]
        dw = images[:, 1:, :] - images[:, :-1, :]
        axes = None
    elif images.ndim == 4:
        dh = images[:, 1:, :, :] - images[:, :-1, :, :]
        dw = images[:, :, 1:, :] - images[:, :, :-1, :]
        axes = [1, 2, 3]
    else:
        raise ValueError("'images' must be either 3 or 4-dimensional.")
    if images.dtype.is_unsigned or images.dtype.is_bool:
        raise InvalidArgumentError(
            f"Value for attr 'T' of {images.dtype._tf_kind} is not in the list of allowed values: bfloat16, "
            f"half, float, double, int8, int16, int32, int64\n\t; NodeDef: {{{{node Abs}}}} [Op:Abs] name: ")
    return math_ops.reduce_sum(math_ops.abs(dh), axis=axes) + math_ops.reduce_sum(math_ops.abs(dw), axis=axes)


def _check_image_pair(a, b):
    if a.ndim < 3 or b.ndim < 3:
        raise ValueError("Shape must be at least rank 3")
    shape_a, shape_b = tuple(a.shape), tuple(b.shape)
    if shape_a[-3:] != shape_b[-3:]:
        raise ValueError(f"Shapes {_shape_text(shape_a)} and {_shape_text(shape_b)} are incompatible")


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio between `a` and `b` (per image), in dB, as TF.

    Returns:
      A float32 Tensor of the batch shape.
    """
    a, b = as_value(a), as_value(b)
    _check_image_pair(a, b)
    max_val = convert_image_dtype(math_ops.cast(max_val, a.dtype), _dtypes.float32)
    a = convert_image_dtype(a, _dtypes.float32)
    b = convert_image_dtype(b, _dtypes.float32)
    mse = math_ops.reduce_mean(math_ops.squared_difference(a, b), axis=[-3, -2, -1])
    return math_ops.subtract(20 * math_ops.log(max_val) / math_ops.log(convert_to_tensor(10.0)),
                             np.float32(10 / np.log(10)) * math_ops.log(mse))


def _gaussian_filter(size, sigma):
    coords = np.arange(size, dtype=np.float32) - np.float32((size - 1) / 2.0)
    g = np.square(coords)
    g = g * np.float32(-0.5 / np.square(np.float32(sigma)))
    g = g.reshape(1, -1) + g.reshape(-1, 1)
    g = np.exp(g - g.max()) / np.sum(np.exp(g - g.max()))
    return g.astype(np.float32)


def _depthwise_valid(x, kernel):
    channels = x.shape[-1]
    k = jnp.tile(jnp.asarray(kernel)[:, :, None, None], (1, 1, 1, channels))
    return jax.lax.conv_general_dilated(
        x, k, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"), feature_group_count=channels,
        precision=_HIGHEST)


def _ssim(x, y, max_val, size, sigma, k1, k2):
    kernel = _gaussian_filter(size, sigma)
    shape = x.shape
    x4 = x.reshape((-1,) + shape[-3:])
    y4 = y.reshape((-1,) + shape[-3:])

    def reducer(z):
        out = _depthwise_valid(z, kernel)
        return out.reshape(shape[:-3] + out.shape[1:])
    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    mean0, mean1 = reducer(x4), reducer(y4)
    num0 = mean0 * mean1 * 2.0
    den0 = jnp.square(mean0) + jnp.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(x4 * y4) * 2.0
    den1 = reducer(jnp.square(x4) + jnp.square(y4))
    c2 = c2 * 1.0
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    ssim_per_channel = jnp.mean(luminance * cs, axis=(-3, -2))
    return jnp.mean(ssim_per_channel, axis=-1)


_SSIM = Op("SSIM", _ssim)


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, return_index_map=False):
    """Structural similarity of two images (or batches), TF's Gaussian-window formulation.

    Returns:
      A float32 Tensor of the batch shape.
    """
    if return_index_map:
        raise NotImplementedError("tf.image.ssim(return_index_map=True) is not supported in tapejax.")
    a, b = as_value(img1), as_value(img2)
    _check_image_pair(a, b)
    max_val = convert_image_dtype(math_ops.cast(max_val, a.dtype), _dtypes.float32)
    a = convert_image_dtype(a, _dtypes.float32)
    b = convert_image_dtype(b, _dtypes.float32)
    size = int(filter_size)
    for t in (a, b):
        if t.shape[-3] < size or t.shape[-2] < size:
            raise InvalidArgumentError(
                f"assertion failed: [{', '.join(map(str, t.shape))}] [{size}]\ntapejax: tf.image.ssim "
                f"needs images at least filter_size ({size}) high and wide.")
    return apply(_SSIM, [a, b, max_val], (("size", size), ("sigma", float(filter_sigma)),
                                          ("k1", float(k1)), ("k2", float(k2))))


def _patches(x, sizes, strides, rates, padding):
    _, kh, kw, _ = sizes
    _, sh, sw, _ = strides
    _, rh, rw, _ = rates
    b, h, w, c = x.shape
    eff_h, eff_w = (kh - 1) * rh + 1, (kw - 1) * rw + 1
    if padding == "SAME":
        out_h, out_w = -(-h // sh), -(-w // sw)
        pad_h, pad_w = max((out_h - 1) * sh + eff_h - h, 0), max((out_w - 1) * sw + eff_w - w, 0)
        x = jnp.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        out_h, out_w = (h - eff_h) // sh + 1, (w - eff_w) // sw + 1
    if out_h <= 0 or out_w <= 0:
        return jnp.zeros((b, max(out_h, 0), max(out_w, 0), kh * kw * c), x.dtype)
    taps = [x[:, i * rh:i * rh + (out_h - 1) * sh + 1:sh, j * rw:j * rw + (out_w - 1) * sw + 1:sw, :]
            for i in range(kh) for j in range(kw)]
    return jnp.stack(taps, axis=3).reshape(b, out_h, out_w, kh * kw * c)


_PATCHES = Op("ExtractImagePatches", _patches)


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """Patches of `sizes` taken every `strides` (dilated by `rates`), each flattened in
    (row, column, channel) order into the last dimension, as TF.

    Args:
      images: a 4-D `[batch, height, width, depth]` Tensor.
      sizes, strides, rates: `[1, rows, cols, 1]`.
      padding: "VALID" or "SAME".

    Raises:
      InvalidArgumentError: unless `images` is 4-D.
    """
    images = as_value(images)
    if images.ndim != 4:
        raise InvalidArgumentError(f"input must be 4-dimensional[{','.join(map(str, images.shape))}] "
                                   f"[Op:ExtractImagePatches] name: ")
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}.")
    attrs = tuple((key, tuple(int(v) for v in value)) for key, value in
                  (("sizes", sizes), ("strides", strides), ("rates", rates))) + (("padding", padding),)
    return apply(_PATCHES, [images], attrs)
