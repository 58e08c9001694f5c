"""TFRecord files: `tf.data.TFRecordDataset` reads them, `tf.io.TFRecordWriter` writes them.

A TFRecord file is a sequence of records, each: the data's length (uint64, little-endian), the
masked CRC-32C of those 8 bytes (uint32), the data, and the masked CRC-32C of the data (uint32).
Both checksums are verified as TF verifies them (a mismatch is a DataLossError). A compressed file
is that sequence in one zlib stream (GZIP: with a gzip header), written with TF's zlib settings
(memory level 9, partial flushes), so tapejax writes the bytes TF writes. CRC-32C is computed by
the `google-crc32c` package (C, hardware instructions where the CPU has them), else in Python.
"""

from __future__ import annotations

import os
import re
import struct
import zlib

import numpy as np

from tapejax import _dtypes
from tapejax._errors import DataLossError, FailedPreconditionError, NotFoundError
from tapejax._function import TensorSpec
from tapejax.data._dataset import UNKNOWN, Dataset, compression_name, file_names

try:
    import google_crc32c
except ImportError:  # the pure-Python CRC below
    google_crc32c = None

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


def _crc32c_python(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


_crc32c = _crc32c_python if google_crc32c is None else google_crc32c.value


def masked_crc32c(data):
    """The CRC-32C of `data` rotated and offset as TFRecord files store it."""
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class _InflatingReader:
    """A ZLIB or GZIP stream read as a file (`read(n)`), decompressed as it is read. A corrupt stream
    is TF's DataLossError ("inflate() failed with error -3: ...")."""

    def __init__(self, raw, gzip_header):
        self._raw = raw
        self._inflate = zlib.decompressobj(31 if gzip_header else 15)
        self._buffer = bytearray()
        self._done = False

    def read(self, size):
        while len(self._buffer) < size and not self._done:
            chunk = self._raw.read(1 << 20)
            try:
                if chunk:
                    self._buffer += self._inflate.decompress(chunk)
                else:
                    self._buffer += self._inflate.flush()
                    self._done = True
            except zlib.error as err:
                found = re.match(r"Error (-?\d+) while decompressing data: (.*)", str(err))
                code, what = found.groups() if found else ("-3", str(err))
                raise DataLossError(f"inflate() failed with error {code}: {what}{_OP}") from None
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def close(self):
        self._raw.close()


def _open(name, compression):
    if not os.path.exists(name):
        raise NotFoundError(f"{name}; No such file or directory")
    raw = open(name, "rb")
    return _InflatingReader(raw, compression == "GZIP") if compression else raw


def read_records(name, compression=""):
    """Yields the data of each record of the TFRecord file `name` (bytes), reading the file (and
    decompressing it) as the records are taken, not all at once."""
    f = _open(name, compression)
    try:
        offset = 0
        while True:
            header = f.read(_HEADER)
            if len(header) < _HEADER:  # as TF: a partial header at the end is the end of the file
                return
            length_bytes = header[:8]
            (length,) = struct.unpack("<Q", length_bytes)
            (length_crc,) = struct.unpack("<I", header[8:])
            if masked_crc32c(length_bytes) != length_crc:
                hint = " (Is this even a TFRecord file?)" if offset == 0 else ""
                raise DataLossError(f"corrupted record at {offset}{hint}{_OP}")
            start = offset + _HEADER
            body = f.read(length + _FOOTER)
            if len(body) < length + _FOOTER:
                why = "EOF reached" if compression else "Read less bytes than requested"
                raise DataLossError(f"truncated record at {offset}' failed with {why}{_OP}")
            record = body[:length]
            (record_crc,) = struct.unpack("<I", body[length:])
            if masked_crc32c(record) != record_crc:
                raise DataLossError(f"corrupted record at {start}{_OP}")
            yield record
            offset = start + length + _FOOTER
    finally:
        f.close()


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
            self._files = file_names(filenames)
        self._compression = compression_name(compression_type)
        self._spec = TensorSpec((), _dtypes.string)
        self._card = UNKNOWN

    def __repr__(self):  # TF's class is TFRecordDatasetV2
        return f"<TFRecordDatasetV2 element_spec={self._spec!r}>"

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


def _compression_type_check(name):
    if name not in ("", "GZIP", "ZLIB"):
        raise ValueError(f'Not a valid compression_type: "{name}"')
    return name


class TFRecordOptions:
    """How a TFRecord file is compressed, as `tf.io.TFRecordOptions`.

    Args:
      compression_type: "" or None (none), "GZIP" or "ZLIB".
      flush_mode: the zlib flush mode of `TFRecordWriter.flush` (TF's default: `zlib.Z_PARTIAL_FLUSH`).
      input_buffer_size: accepted (zlib's buffering is Python's).
      output_buffer_size: accepted.
      window_bits: zlib's window size (8-15; 15 by default). GZIP adds 16, as TF does.
      compression_level: 0-9, or -1 for zlib's default (the default).
      compression_method: zlib's method (8, deflate, is the only one).
      mem_level: zlib's memory level (TF's default: 9).
      compression_strategy: zlib's strategy (0 by default).

    Raises:
      ValueError: an unknown compression type.
    """

    compression_type_map = {None: "", "": "", "GZIP": "GZIP", "ZLIB": "ZLIB"}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.compression_type = _compression_type_check(compression_type or "")
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """The compression type ("", "GZIP" or "ZLIB") of `options` (None, a string or TFRecordOptions).

        Raises:
          ValueError: an unknown compression type.
        """
        if options is None:
            return ""
        if isinstance(options, TFRecordOptions):
            return options.compression_type
        return _compression_type_check(options or "")

    def _compressor(self):
        """A zlib compressor with TF's settings for this type, or None for no compression."""
        if not self.compression_type:
            return None
        bits = 15 if self.window_bits is None else int(self.window_bits)
        return zlib.compressobj(
            -1 if self.compression_level is None else int(self.compression_level),
            zlib.DEFLATED if self.compression_method is None else int(self.compression_method),
            bits + 16 if self.compression_type == "GZIP" else bits,
            9 if self.mem_level is None else int(self.mem_level),
            0 if self.compression_strategy is None else int(self.compression_strategy))


def encode_record(data):
    """`data` (bytes) framed as one TFRecord record: length, its masked CRC, data, data's masked CRC."""
    length = struct.pack("<Q", len(data))
    return b"".join((length, struct.pack("<I", masked_crc32c(length)), data,
                     struct.pack("<I", masked_crc32c(data))))


class TFRecordWriter:
    """Writes records to a TFRecord file, as `tf.io.TFRecordWriter` (a context manager).

    Args:
      path: the file to write (created or truncated).
      options: None, a compression type ("", "GZIP", "ZLIB") or a `tf.io.TFRecordOptions`.

    Raises:
      ValueError: an unknown compression type.
      NotFoundError: the file's directory does not exist.
    """

    def __init__(self, path, options=None):
        if not isinstance(options, TFRecordOptions):
            options = TFRecordOptions(TFRecordOptions.get_compression_type_string(options))
        self._options = options
        self._flush_mode = zlib.Z_PARTIAL_FLUSH if options.flush_mode is None else int(options.flush_mode)
        path = os.fspath(path.decode() if isinstance(path, bytes) else path)
        try:
            self._file = open(path, "wb")
        except FileNotFoundError:
            raise NotFoundError(f"{path}; No such file or directory") from None
        self._compressor = options._compressor()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _check_open(self):
        if self._file is None:
            raise FailedPreconditionError("Writer is closed.")

    def _put(self, data):
        if self._compressor is not None:
            data = self._compressor.compress(data)
        if data:
            self._file.write(data)

    def write(self, record):
        """Writes one record.

        Args:
          record: bytes (a str is written as its UTF-8 bytes).

        Raises:
          FailedPreconditionError: the writer is closed.
          TypeError: `record` is not bytes or str.
        """
        if isinstance(record, str):
            record = record.encode("utf-8")
        if not isinstance(record, bytes):
            raise TypeError(
                f"write(): incompatible function arguments. The following argument types are "
                f"supported:\n    1. (self: RecordWriter, record: str) -> None\n\nInvoked with: "
                f"{self!r}, {record!r}\n(a record is bytes: write `tensor.numpy()` or "
                f"`example.SerializeToString()`)")
        self._check_open()
        self._put(encode_record(record))

    def flush(self):
        """Writes out what is buffered (a compressed file gets a zlib flush, as TF's).

        Raises:
          FailedPreconditionError: the writer is closed.
        """
        self._check_open()
        if self._compressor is not None:
            self._file.write(self._compressor.flush(self._flush_mode))
        self._file.flush()

    def close(self):
        """Finishes the file and closes it (closing twice is allowed)."""
        if self._file is None:
            return
        if self._compressor is not None:
            self._file.write(self._compressor.flush())
        self._file.close()
        self._file = None

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            self.close()
