"""Image decoding and encoding (`tf.io.decode_png`, `decode_jpeg`, `decode_image`, `encode_png`, ...)
on Pillow.

Pillow's codecs (libpng, libjpeg-turbo, its GIF and BMP readers) decode the file; the conversions TF's
kernels apply on top (channel expansion and stripping, libpng's RGB-to-gray weights, 8 <-> 16 bit
scaling) are done here in NumPy with TF's arithmetic, so PNG, GIF and BMP results equal TF's. JPEG
pixels equal TF's for `dct_method="INTEGER_ACCURATE"`; TF's default DCT (`INTEGER_FAST`) is not
available in Pillow, whose accurate DCT differs from it by a few levels (see the README).

Like TF, every `decode_*` op reads any supported format (TF's DecodePng decodes a JPEG too). The ops
run on the host: inside a `tapejax.function` trace they raise a `TypeError` (see `_io.check_host`).
"""

from __future__ import annotations

import io
import math

import jax
import numpy as np
from PIL import Image, UnidentifiedImageError

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError, UnimplementedError
from tapejax._io import check_host, scalar_bytes
from tapejax._ops._convert import convert_to_tensor, string_array
from tapejax._ops.image_ops import convert_image_dtype
from tapejax._tensor import Tensor

__all__ = ["decode_png", "decode_jpeg", "decode_image", "decode_gif", "decode_bmp", "encode_png",
           "encode_jpeg", "is_jpeg"]

_UNKNOWN = "Unknown image file format. One of JPEG, JPEG XL, PNG, GIF, BMP, WebP required."
# libpng's fixed-point weights (of 32768) for png_set_rgb_to_gray(0.299, 0.587), floored as libpng
# does: measured equal to TF on every pixel of random images.
_GRAY_WEIGHTS = (9797, 19234, 3737)


def _fail(op, message):
    return InvalidArgumentError(f"{message} [Op:{op}] name: ")


def _format(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] in (b"GIF8",):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _contents(contents, op):
    data = scalar_bytes(contents, op, "contents")
    return data, _format(data)


def _check_channels(channels, op):
    channels = 0 if channels is None else int(channels)
    if channels not in (0, 1, 3, 4):
        raise _fail(op, f"`channels` must be 0, 1, 3 or 4 but got {channels}")
    return channels


def _gray(rgb):
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    w = _GRAY_WEIGHTS
    return ((r * w[0] + g * w[1] + b * w[2]) >> 15).astype(rgb.dtype)[..., None]


def _to_channels(array, channels, filler=None):
    """TF's channel conversion of a decoded HxWxC array (gray <-> RGB, alpha added or stripped);
    an added alpha channel holds `filler` (default: the dtype's maximum)."""
    have = array.shape[-1]
    if channels in (0, have):
        return array
    color = have >= 3
    base = array[..., :3] if color else array[..., :1]
    if channels == 1:
        return _gray(base) if color else base
    rgb = base if color else np.repeat(base, 3, axis=-1)
    if channels == 3:
        return rgb
    alpha = array[..., -1:] if have in (2, 4) else np.full(
        array.shape[:-1] + (1,), np.iinfo(array.dtype).max if filler is None else filler, array.dtype)
    return np.concatenate([rgb, alpha], axis=-1)


def _png_native(image, data, op, want16):
    """A PNG's pixels as HxWxC, uint16 for 16-bit files (uint8 otherwise), after libpng's expansion
    (palette -> RGB, tRNS -> alpha, 1/2/4-bit gray -> 8-bit)."""
    bit_depth, color_type = data[24], data[25]
    if bit_depth == 16 and color_type != 0 and want16:
        raise UnimplementedError(
            f"tapejax cannot decode a 16-bit color PNG to uint16 (Pillow reads it as 8 bits per "
            f"channel): decode it with dtype=tf.uint8 [Op:{op}]")
    transparent = "transparency" in image.info
    if image.mode == "P":
        image = image.convert("RGBA" if transparent else "RGB")
    elif image.mode in ("1", "L") and transparent:
        image = image.convert("LA")
    elif image.mode == "RGB" and transparent:
        image = image.convert("RGBA")
    elif image.mode == "1":
        image = image.convert("L")
    array = np.asarray(image)
    if image.mode.startswith("I"):
        array = array.astype(np.uint16)
    return array if array.ndim == 3 else array[..., None]


def _jpeg_native(image, channels, op, ratio=1):
    if channels == 4:
        raise _fail(op, "JPEG does not support 4 channels")
    mode = "L" if channels == 1 else ("RGB" if channels == 3 or image.mode not in ("L",) else "L")
    width, height = image.size
    # Pillow picks the largest DCT scale that keeps the image at least this size; libjpeg's output
    # at scale 1/ratio is ceil(size / ratio)
    image.draft(mode, (max(width // ratio, 1), max(height // ratio, 1)))
    if image.size != (math.ceil(width / ratio), math.ceil(height / ratio)):
        raise UnimplementedError(f"tapejax cannot decode this {width}x{height} JPEG at ratio {ratio} "
                                 f"(Pillow chose another DCT scale): decode it with ratio=1 [Op:{op}]")
    image = image.convert(mode) if image.mode != mode else image
    array = np.asarray(image)
    return array if array.ndim == 3 else array[..., None]


def _gif_frames(image):
    frames = []
    for i in range(getattr(image, "n_frames", 1)):
        image.seek(i)
        frames.append(np.asarray(image.convert("RGB")))
    return np.stack(frames)


def _decode(data, kind, channels, op, want16=False, ratio=1, animated_ok=False):
    """Decoded pixels (uint8, or uint16 for a 16-bit PNG when `want16`), HxWxC (NxHxWx3 for GIFs
    when `animated_ok`)."""
    if kind is None:
        raise InvalidArgumentError(f"{_UNKNOWN} [Op:{op}]")
    if kind == "bmp" and channels == 1:
        raise _fail(op, f"`channels` must be 0, 3 or 4 for BMP, but got {channels}")
    if kind == "bmp" and op in ("DecodePng", "DecodeJpeg"):
        raise InvalidArgumentError(f"Trying to decode BMP format using a wrong op. Use `decode_bmp` or "
                                   f"`decode_image` instead. Op used: {op} [Op:{op}]")
    try:
        return _decode_pixels(Image.open(io.BytesIO(data)), data, kind, channels, op, want16, ratio,
                              animated_ok)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        message = {"jpeg": "jpeg::Uncompress failed. Invalid JPEG data or crop window.",
                   "png": f"Invalid PNG data, size {len(data)}",
                   "gif": "Failed to decode gif"}.get(kind, f"Invalid image data: {exc}")
        raise _fail(op, message) from None


def _decode_pixels(image, data, kind, channels, op, want16, ratio, animated_ok):
    filler = None
    if kind == "png":
        array = _png_native(image, data, op, want16)
        if data[24] < 8:  # libpng adds alpha at the file's bit depth, before expanding to 8 bits
            filler = (1 << data[24]) - 1
    elif kind == "jpeg":
        return _jpeg_native(image, channels, op, ratio)
    elif kind == "gif":
        frames = _gif_frames(image)
        if animated_ok:
            return frames
        if frames.shape[0] != 1:
            raise InvalidArgumentError(
                f"Got {frames.shape[0]} frames, but animated gifs can only be decoded by "
                f"tf.io.decode_gif or tf.io.decode_image [Op:{op}]")
        array = frames[0]
    else:
        if image.mode not in ("L", "RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
        array = np.asarray(image)
        array = array if array.ndim == 3 else array[..., None]
    return _to_channels(array, channels, filler)


def _bit_depth(array, dtype):
    if dtype == _dtypes.uint16 and array.dtype == np.uint8:
        return array.astype(np.uint16) * np.uint16(257)
    if dtype == _dtypes.uint8 and array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    return array


def _tensor(array):
    # device_put, not jnp.asarray: that compiles a conversion per image shape
    return Tensor(jax.device_put(np.ascontiguousarray(array)))


def _attr_dtype(dtype, op, signature):
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in (_dtypes.uint8, _dtypes.uint16):
        raise InvalidArgumentError(
            f"Value for attr 'dtype' of {dtype._tf_kind} is not in the list of allowed values: uint8, "
            f"uint16\n\t; NodeDef: {{{{node {op}}}}}; Op<name={op}; {signature}> [Op:{op}] name: ")
    return dtype


def decode_png(contents, channels=0, dtype=_dtypes.uint8, name=None):
    """Decodes a PNG (or any format TF's DecodePng reads: JPEG, BMP, a one-frame GIF), as
    `tf.io.decode_png`.

    Args:
      contents: a scalar string Tensor: the encoded image.
      channels: 0 (the file's channels), 1 (grayscale), 3 (RGB) or 4 (RGBA).
      dtype: `tf.uint8` or `tf.uint16`.
      name: ignored.

    Returns:
      A `[height, width, channels]` Tensor of `dtype`.

    Raises:
      InvalidArgumentError: for data that is not an image, a bad `channels` or `dtype`, or an
        animated GIF.
    """
    dtype = _attr_dtype(dtype, "DecodePng", "signature=contents:string -> image:dtype; attr=channels:"
                        "int,default=0; attr=dtype:type,default=DT_UINT8,allowed=[DT_UINT8, DT_UINT16]")
    channels = _check_channels(channels, "DecodePng")
    data, kind = _contents(contents, "DecodePng")
    return _tensor(_bit_depth(_decode(data, kind, channels, "DecodePng", dtype == _dtypes.uint16), dtype))


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """Decodes a JPEG (or another format TF's DecodeJpeg reads), as `tf.io.decode_jpeg`.

    Args:
      contents: a scalar string Tensor: the encoded image.
      channels: 0 (the file's), 1 (grayscale: libjpeg's luma) or 3 (RGB).
      ratio: downscaling while decoding, 1, 2, 4 or 8 (libjpeg's DCT scaling).
      fancy_upscaling, try_recover_truncated, acceptable_fraction: accepted; Pillow always upsamples
        chroma smoothly and never recovers truncated files.
      dct_method: `""`/`"INTEGER_FAST"` (TF's default) or `"INTEGER_ACCURATE"`: tapejax always
        decodes with libjpeg's accurate integer DCT, which equals TF's `"INTEGER_ACCURATE"`.
      name: ignored.

    Returns:
      A `[height, width, channels]` uint8 Tensor.
    """
    channels = _check_channels(channels, "DecodeJpeg")
    if ratio not in (1, 2, 4, 8):
        raise _fail("DecodeJpeg", f"ratio must be 1, 2, 4, or 8, got {ratio}")
    data, kind = _contents(contents, "DecodeJpeg")
    return _tensor(_bit_depth(_decode(data, kind, channels, "DecodeJpeg", ratio=ratio), _dtypes.uint8))


def decode_gif(contents, name=None):
    """Decodes every frame of a GIF, as `tf.io.decode_gif`.

    Returns:
      A `[num_frames, height, width, 3]` uint8 Tensor.
    """
    data, kind = _contents(contents, "DecodeGif")
    if kind != "gif":
        array = _decode(data, kind, 3, "DecodeGif")[None]
    else:
        array = _decode(data, kind, 0, "DecodeGif", animated_ok=True)
    return _tensor(array)


def decode_bmp(contents, channels=0, name=None):
    """Decodes a BMP (or another format TF reads), as `tf.io.decode_bmp`.

    Returns:
      A `[height, width, channels]` uint8 Tensor.
    """
    channels = _check_channels(channels, "DecodeBmp")
    data, kind = _contents(contents, "DecodeBmp")
    return _tensor(_bit_depth(_decode(data, kind, channels, "DecodeBmp"), _dtypes.uint8))


def decode_image(contents, channels=None, dtype=_dtypes.uint8, name=None, expand_animations=True):
    """Decodes a BMP, GIF, JPEG or PNG by its header, as `tf.io.decode_image`.

    Args:
      contents: a scalar string Tensor: the encoded image.
      channels: None/0 (the file's), 1, 3 or 4 (GIFs: 0 or 3).
      dtype: the output dtype; pixel values are scaled as `tf.image.convert_image_dtype` (floats in
        [0, 1]); a 16-bit PNG decoded to `tf.uint16` keeps its 16 bits.
      name: ignored.
      expand_animations: if True an (animated or not) GIF gives `[frames, height, width, 3]`; if
        False, its first frame, `[height, width, 3]`.

    Returns:
      A Tensor of `dtype`: rank 3, or rank 4 for a GIF with `expand_animations`.
    """
    dtype = _dtypes.as_dtype(dtype)
    channels = _check_channels(channels, "DecodeImage")
    data, kind = _contents(contents, "DecodeImage")
    if kind == "gif":
        if channels not in (0, 3):
            raise InvalidArgumentError(f"channels must be 0 or 3 for GIF, got {channels} [Op:DecodeImage]")
        array = _decode(data, kind, 0, "DecodeImage", animated_ok=True)
        if not expand_animations:
            array = array[0]
    else:
        array = _decode(data, kind, channels, "DecodeImage", want16=kind == "png" and dtype != _dtypes.uint8)
    if dtype in (_dtypes.uint8, _dtypes.uint16):
        return _tensor(_bit_depth(array, dtype))
    if kind == "png":  # TF decodes a PNG to uint16 and converts that (measured: equal in every ulp)
        return convert_image_dtype(_tensor(_bit_depth(array, _dtypes.uint16)), dtype)
    # other formats: uint8 * float32(1/255), then converted (measured on JPEG: equal to TF)
    scaled = _tensor(array.astype(np.float32) * np.float32(1.0 / 255.0))
    return scaled if dtype == _dtypes.float32 else convert_image_dtype(scaled, dtype)


def is_jpeg(contents, name=None):
    """True (a bool scalar Tensor) if `contents` starts with JPEG's header, as `tf.io.is_jpeg`."""
    data = scalar_bytes(contents, "IsJpeg", "contents")
    return convert_to_tensor(data[:3] == b"\xff\xd8\xff")


def _image_array(image, op):
    tensor = image if isinstance(image, Tensor) else convert_to_tensor(image)
    check_host(f"The {op} op", tensor)
    return tensor, np.asarray(tensor.numpy())


def _encoded(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return Tensor(string_array(buffer.getvalue()))


def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def encode_png(image, compression=-1, name=None):
    """Encodes a `[height, width, channels]` uint8/uint16 image as PNG, as `tf.io.encode_png`.

    Args:
      image: 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels, uint8 or uint16 (uint16: one
        channel only in tapejax, Pillow cannot write 16-bit color PNGs).
      compression: zlib level 0-9, or -1 for the default.
      name: ignored.

    Returns:
      A scalar string Tensor: the PNG file's bytes (the pixels decode to TF's; the bytes may not
      equal TF's, as zlib settings differ).
    """
    tensor, array = _image_array(image, "EncodePng")
    if tensor.dtype not in (_dtypes.uint8, _dtypes.uint16):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {tensor.dtype._tf_kind} is not in the list of allowed values: uint8, "
            f"uint16\n\t; NodeDef: {{{{node EncodePng}}}}; Op<name=EncodePng; signature=image:T -> "
            f"contents:string; attr=compression:int,default=-1; attr=T:type,default=DT_UINT8,"
            f"allowed=[DT_UINT8, DT_UINT16]> [Op:EncodePng] name: ")
    if array.ndim < 3:
        raise _fail("EncodePng", f"images must be at least rank 3{_shape_text(array.shape)}")
    if array.ndim != 3:
        raise _fail("EncodePng", f"image must be 3-dimensional{_shape_text(array.shape)}")
    channels = array.shape[-1]
    if channels not in (1, 2, 3, 4):
        raise _fail("EncodePng", f"image must have 1, 2, 3, or 4 channels, got {channels}")
    if not -1 <= int(compression) <= 9:
        raise _fail("EncodePng", f"compression should be in [-1,9], got {compression}")
    if array.dtype == np.uint16:
        if channels != 1:
            raise UnimplementedError(
                f"tapejax cannot encode a uint16 PNG with {channels} channels (Pillow writes 16-bit "
                f"PNGs in grayscale only) [Op:EncodePng]")
    # Pillow infers the mode from the array: L, LA, RGB, RGBA, or I;16 for uint16 gray
    pil = Image.fromarray(np.ascontiguousarray(array if channels > 1 else array[..., 0]))
    return _encoded(pil, format="PNG", compress_level=6 if int(compression) == -1 else int(compression))


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """Encodes a `[height, width, 1 or 3]` uint8 image as JPEG, as `tf.io.encode_jpeg`.

    Args:
      image: the uint8 image.
      format: `""` (from the channels), `"grayscale"` or `"rgb"`.
      quality: 0-100.
      progressive: a progressive JPEG.
      optimize_size: optimized Huffman tables.
      chroma_downsampling: 4:2:0 chroma subsampling (else 4:4:4).
      density_unit: `"in"` or `"cm"`; x_density, y_density: the JFIF pixel density.
      xmp_metadata: XMP metadata to embed (a string).
      name: ignored.

    Returns:
      A scalar string Tensor: the JPEG file's bytes.
    """
    tensor, array = _image_array(image, "EncodeJpeg")
    if tensor.dtype != _dtypes.uint8:
        raise InvalidArgumentError(
            f"cannot compute EncodeJpeg as input #0(zero-based) was expected to be a uint8 tensor but "
            f"is a {tensor.dtype._tf_kind} tensor [Op:EncodeJpeg] name: ")
    if array.ndim != 3:
        raise _fail("EncodeJpeg", f"image must be 3-dimensional{_shape_text(array.shape)}")
    channels = array.shape[-1]
    if channels not in (1, 3):
        raise _fail("EncodeJpeg", f"image must have 1 or 3 channels, got {_shape_text(array.shape)}")
    if not 0 <= int(quality) <= 100:
        raise _fail("EncodeJpeg", f"quality must be in [0,100], got {quality}")
    if format == "grayscale" and channels != 1 or format == "rgb" and channels != 3:
        raise _fail("EncodeJpeg", f"format {format!r} needs {1 if format == 'grayscale' else 3} "
                    f"channels, got {channels}")
    pil = Image.fromarray(np.ascontiguousarray(array[..., 0] if channels == 1 else array))
    options = dict(format="JPEG", quality=int(quality), progressive=bool(progressive),
                   optimize=bool(optimize_size))
    if channels == 3:
        options["subsampling"] = 2 if chroma_downsampling else 0
    if density_unit == "in":
        options["dpi"] = (int(x_density), int(y_density))
    if xmp_metadata:
        options["xmp"] = xmp_metadata.encode("utf-8") if isinstance(xmp_metadata, str) else xmp_metadata
    return _encoded(pil, **options)
