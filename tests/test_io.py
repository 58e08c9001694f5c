"""Unit tests of tf.io files, gfile and the image codecs (tapejax._io, tapejax._ops.image_codec_ops).

TF's values and errors are checked in compat_tests/test_io_compat.py; these tests cover what only
tapejax has (host-only ops under tapejax.function, Pillow's limits) and invariants of the codecs.
"""

import io
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import tapejax as tf


def _rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_encode_png_then_decode_png_returns_the_pixels(channels, dtype):
    if dtype == np.uint16 and channels > 1:
        pytest.skip("Pillow writes 16-bit PNGs in grayscale only (see the next tests)")
    image = _rng().integers(0, np.iinfo(dtype).max + 1, (5, 9, channels)).astype(dtype)
    data = tf.io.encode_png(image)
    assert data.dtype == tf.string and data.shape == ()
    decoded = tf.io.decode_png(data, dtype=tf.as_dtype(dtype))
    assert decoded.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(decoded.numpy(), image)


def test_encode_png_of_uint16_color_raises_unimplemented():
    with pytest.raises(tf.errors.UnimplementedError, match="16-bit PNGs in grayscale only"):
        tf.io.encode_png(np.zeros((2, 2, 3), np.uint16))


def _png_16_bit_rgb(width, height):
    """A minimal 16-bit RGB PNG (Pillow cannot write one): zeros, written chunk by chunk."""
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    rows = b"".join(b"\x00" + bytes(width * 6) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_decode_png_of_16_bit_color_to_uint16_raises_unimplemented():
    data = _png_16_bit_rgb(3, 2)
    assert tf.io.decode_png(data).shape == (2, 3, 3)  # to uint8 it works
    with pytest.raises(tf.errors.UnimplementedError, match="16-bit color PNG"):
        tf.io.decode_png(data, dtype=tf.uint16)


def test_decode_jpeg_accurate_dct_is_pillow_s_decode():
    image = _rng().integers(0, 256, (16, 12, 3), dtype=np.uint8)
    data = tf.io.encode_jpeg(image, quality=90).numpy()
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE").numpy(), expected)


@pytest.mark.parametrize("ratio", [2, 4, 8])
def test_decode_jpeg_ratio_divides_the_size_rounding_up(ratio):
    data = tf.io.encode_jpeg(np.zeros((15, 9, 3), np.uint8)).numpy()
    assert tf.io.decode_jpeg(data, ratio=ratio).shape == (-(-15 // ratio), -(-9 // ratio), 3)


def test_image_ops_are_host_only_inside_tapejax_function():
    data = tf.io.encode_png(np.zeros((2, 2, 1), np.uint8))

    @tf.function
    def decode(image):
        return tf.io.encode_png(image)

    with pytest.raises(TypeError, match="runs on the host .* cannot be traced by tapejax.function"):
        decode(tf.constant(np.zeros((2, 2, 1), np.uint8)))

    @tf.function
    def decode_constant():
        return tf.io.decode_png(data)

    with pytest.raises(TypeError, match="DecodePng op runs on the host"):
        decode_constant()


def test_a_dataset_map_of_host_ops_runs_eagerly(tmp_path):
    image = _rng().integers(0, 256, (3, 4, 1), dtype=np.uint8)
    ds = tf.data.Dataset.from_tensors(tf.constant(image)).map(lambda x: tf.io.decode_png(tf.io.encode_png(x)))
    np.testing.assert_array_equal(next(iter(ds)).numpy(), image)


def test_read_file_returns_a_scalar_string_tensor_of_the_bytes(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\xffab")
    contents = tf.io.read_file(str(path))
    assert contents.dtype == tf.string and contents.shape == ()
    assert contents.numpy() == b"\x00\xffab"


def test_gfile_gfile_opens_lazily_and_reopens_after_close(tmp_path):
    missing = tf.io.gfile.GFile(str(tmp_path / "missing"))  # TF raises only at the first read
    with pytest.raises(tf.errors.NotFoundError):
        missing.read()
    path = str(tmp_path / "f.txt")
    f = tf.io.gfile.GFile(path, "w")
    f.write("abc")
    assert not os.path.exists(path) or open(path, "rb").read() == b""  # buffered until close
    f.close()
    reader = tf.io.gfile.GFile(path)
    assert reader.read() == "abc"
    reader.close()
    assert reader.read() == "abc"


def test_gfile_stat_has_tf_s_whole_second_mtime(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    st = tf.io.gfile.stat(str(path))
    assert (st.length, st.is_directory) == (5, False)
    assert st.mtime_nsec % 10**9 == 0 and st.mtime_nsec // 10**9 == int(os.stat(path).st_mtime)


def test_gfile_accepts_string_tensors_and_path_objects(tmp_path):
    tf.io.gfile.makedirs(tf.constant(str(tmp_path / "a" / "b")))
    assert tf.io.gfile.isdir(tmp_path / "a" / "b")
    assert tf.io.gfile.listdir(tmp_path / "a") == ["b"]


def test_tf_image_and_tf_io_share_the_codecs():
    for name in ("decode_png", "decode_jpeg", "decode_image", "decode_gif", "decode_bmp", "encode_png",
                 "encode_jpeg", "is_jpeg"):
        assert getattr(tf.image, name) is getattr(tf.io, name)
