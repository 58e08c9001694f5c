"""TFRecord framing: the CRC-32C implementations agree, and records round-trip through the writer."""

import os

import numpy as np
import pytest

from tapejax.data import _tfrecord


def test_the_python_crc32c_is_the_standard_one():
    assert _tfrecord._crc32c_python(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert _tfrecord._crc32c_python(b"") == 0


@pytest.mark.skipif(_tfrecord.google_crc32c is None, reason="google-crc32c is not installed")
def test_the_python_crc32c_equals_google_crc32c_which_is_the_one_used():
    rng = np.random.default_rng(0)
    for size in (0, 1, 7, 64, 1000):
        data = rng.bytes(size)
        assert _tfrecord._crc32c_python(data) == _tfrecord.google_crc32c.value(data)
    assert _tfrecord._crc32c is _tfrecord.google_crc32c.value


def test_a_record_is_framed_with_its_length_and_masked_checksums(tmp_path):
    record = _tfrecord.encode_record(b"abc")
    assert record[:8] == (3).to_bytes(8, "little") and record[12:15] == b"abc" and len(record) == 19
    assert int.from_bytes(record[15:], "little") == _tfrecord.masked_crc32c(b"abc")
    path = os.path.join(tmp_path, "x.tfrecord")
    for compression in ("", "GZIP", "ZLIB"):
        with _tfrecord.TFRecordWriter(path, compression) as writer:
            writer.write(b"abc")
            writer.write("déf")
        assert list(_tfrecord.read_records(path, compression)) == [b"abc", "déf".encode()]


def test_a_corrupted_record_is_a_data_loss(tmp_path):
    path = os.path.join(tmp_path, "x.tfrecord")
    with _tfrecord.TFRecordWriter(path) as writer:
        writer.write(b"abcdef")
    data = bytearray(open(path, "rb").read())
    data[14] ^= 1
    open(path, "wb").write(bytes(data))
    with pytest.raises(_tfrecord.DataLossError, match="corrupted record at 12"):
        list(_tfrecord.read_records(path))
