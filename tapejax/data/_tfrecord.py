"""`tf.data.TFRecordDataset`: the records of TFRecord files.

A TFRecord file is a sequence of records, each: the data's length (uint64, little-endian), the
masked CRC-32C of those 8 bytes (uint32), the data, and the masked CRC-32C of the data (uint32).
Both checksums are verified as TF verifies them (a mismatch is a DataLossError).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

from tapejax import _dtypes
from tapejax._errors import DataLossError, InvalidArgumentError, NotFoundError
from tapejax._function import TensorSpec
from tapejax.data import _structure
from tapejax.data._dataset import UNKNOWN, Dataset

_HEADER = 12  # the length (8 bytes) and its masked CRC (4)
_FOOTER = 4
_OP = " [Op:IteratorGetNext] name: "  # TF's message suffix (the iterator's op)


def _crc32c_table():
    table = np.zeros(256, np.uint32)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table[i] = crc
    return [int(v) for v in table]


_TABLE = _crc32c_table()


def _crc32c(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The CRC-32C of `data` rotated and offset as TFRecord files store it."""
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _file_bytes(name, compression):
    if not os.path.exists(name):
        raise NotFoundError(f"{name}; No such file or directory")
    if compression == "GZIP":
        with gzip.open(name, "rb") as f:
            return f.read()
    with open(name, "rb") as f:
        data = f.read()
    return zlib.decompress(data) if compression == "ZLIB" else data


def read_records(name, compression=""):
    """Yields the data of each record of the TFRecord file `name` (bytes)."""
    data = _file_bytes(name, compression)
    offset, end = 0, len(data)
    while end - offset >= _HEADER:  # as TF: a partial header at the end is the end of the file
        length_bytes = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        (length_crc,) = struct.unpack("<I", data[offset + 8:offset + _HEADER])
        if masked_crc32c(length_bytes) != length_crc:
            hint = " (Is this even a TFRecord file?)" if offset == 0 else ""
            raise DataLossError(f"corrupted record at {offset}{hint}{_OP}")
        start = offset + _HEADER
        if end - start < length + _FOOTER:
            raise DataLossError(f"truncated record at {offset}' failed with Read less bytes than requested{_OP}")
        record = data[start:start + length]
        (record_crc,) = struct.unpack("<I", data[start + length:start + length + _FOOTER])
        if masked_crc32c(record) != record_crc:
            raise DataLossError(f"corrupted record at {start}{_OP}")
        yield record
        offset = start + length + _FOOTER


class TFRecordDataset(Dataset):
    """The records of one or more TFRecord files, as scalar string tensors.

    Args:
      filenames: a file name, a list of them, a string Tensor, or a Dataset of file names (read in
        order).
      compression_type: "" or None (none), "GZIP" or "ZLIB".
      buffer_size: accepted (tapejax reads each file whole).
      num_parallel_reads: accepted (files are read one after the other, in order).
      name: unused.

    Raises:
      NotFoundError: (on iteration) a file does not exist.
      DataLossError: (on iteration) a record is truncated or fails its checksum.
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None,
                 name=None):
        if isinstance(filenames, Dataset):
            self._files = filenames
        else:
            names = _structure.to_component(filenames)
            self._files = [n.decode() if isinstance(n, bytes) else str(n) for n in np.ravel(names)]
        self._compression = (compression_type or "").upper()
        if self._compression not in ("", "GZIP", "ZLIB"):
            raise InvalidArgumentError(f"Unsupported compression_type: {compression_type!r}. Use "
                                       f"'', 'GZIP' or 'ZLIB'.")
        self._spec = TensorSpec((), _dtypes.string)
        self._card = UNKNOWN

    def _names(self):
        if isinstance(self._files, Dataset):
            for name in self._files.as_numpy_iterator():
                yield name.decode() if isinstance(name, bytes) else str(name)
        else:
            yield from self._files

    def _stream(self, seeds):
        for name in self._names():
            for record in read_records(name, self._compression):
                array = np.empty((), object)
                array[()] = record
                yield array
