"""`tf.io` files: `read_file`, `write_file` and `tf.io.gfile` on the local file system, and
`tf.audio`'s WAV codec (`decode_wav`, `encode_wav`: 16-bit PCM as TF's wav_io reads and writes it).

These run on the host with TF's results and exceptions (`NotFoundError`, `FailedPreconditionError`,
`AlreadyExistsError`, `PermissionDeniedError`, with TF's messages). `read_file` returns a scalar string
Tensor; file contents cannot be read inside a `tapejax.function` trace (the file would be read once,
at trace time), so there they raise a `TypeError` that says so. `tf.data` map functions that take
file names run eagerly per element, where these ops work.
"""

from __future__ import annotations

import collections
import errno
import glob as _glob
import os
import shutil
import struct

import jax
import numpy as np

from tapejax import _dtypes, _function
from tapejax._errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    OpError,
    PermissionDeniedError,
)
from tapejax._ops._convert import convert_to_tensor, string_array
from tapejax._tensor import Tensor

__all__ = ["read_file", "write_file"]
AUDIO = ["decode_wav", "encode_wav"]  # tf.audio
GFILE = ["GFile", "copy", "exists", "glob", "isdir", "join", "listdir", "makedirs", "mkdir", "remove",
         "rename", "rmtree", "stat", "walk"]


def check_host(op, *values):
    """Raises a clear `TypeError` when a host-only op meets a trace (`tapejax.function`)."""
    if _function._tracing() or any(isinstance(getattr(v, "_v", None), jax.core.Tracer) for v in values):
        raise TypeError(
            f"{op} runs on the host (files, image codecs) and cannot be traced by tapejax.function: "
            f"call it outside the compiled function (eagerly, or in a tf.data map function, which "
            f"runs eagerly on strings).")


def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def scalar_bytes(value, op, what, message=None):
    """The bytes of a scalar string Tensor (or Python str/bytes) `value`, an input of TF op `op`."""
    tensor = value if isinstance(value, Tensor) else convert_to_tensor(value)
    check_host(f"The {op} op", tensor)
    array = np.asarray(tensor.numpy(), dtype=object)
    if array.ndim != 0:
        raise InvalidArgumentError((message or f"`{what}` must be scalar but got shape{{}}").format(
            _shape_text(array.shape)) + f" [Op:{op}] name: ")
    item = array[()]
    if not isinstance(item, bytes):
        raise InvalidArgumentError(f"`{what}` must be a string tensor, got {type(item).__name__} "
                                   f"[Op:{op}]")
    return item


def path_text(path):
    """A file name given as str, bytes, os.PathLike or a scalar string Tensor, as str."""
    if isinstance(path, Tensor):
        path = scalar_bytes(path, "GFile", "path")
    path = os.fspath(path)
    return path.decode("utf-8") if isinstance(path, bytes) else path


def _os_error(exc, path):
    """TF's exception for an OSError about `path`."""
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return NotFoundError(f"{path}; No such file or directory")
    if isinstance(exc, IsADirectoryError):
        return FailedPreconditionError(f"{path}; Is a directory")
    if isinstance(exc, NotADirectoryError):
        return FailedPreconditionError(f"{path}; Not a directory")
    if isinstance(exc, FileExistsError):
        return AlreadyExistsError(f"{path}; File exists")
    if isinstance(exc, PermissionError):
        return PermissionDeniedError(f"{path}; Permission denied")
    return OpError(f"{path}; {exc.strerror or exc}")


def read_file(filename, name=None):
    """Reads a whole file, as `tf.io.read_file`.

    Args:
      filename: a scalar string Tensor (or Python string): the file's name.
      name: ignored.

    Returns:
      A scalar `tf.string` Tensor holding the file's bytes.

    Raises:
      NotFoundError: the file does not exist.
      FailedPreconditionError: `filename` is a directory.
      InvalidArgumentError: `filename` is not a scalar.
    """
    path = scalar_bytes(filename, "ReadFile", "filename",
                        "Input filename tensor must be scalar, but had shape: {}").decode("utf-8")
    if os.path.isdir(path):
        raise FailedPreconditionError(f"{path}; Is a directory [Op:ReadFile]")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise type(_os_error(exc, path))(f"{_os_error(exc, path).message} [Op:ReadFile]") from None
    return Tensor(string_array(data))


def write_file(filename, contents, name=None):
    """Writes `contents` to `filename`, creating missing parent directories, as `tf.io.write_file`.

    Args:
      filename: a scalar string Tensor: the file's name.
      contents: a scalar string Tensor: the bytes to write.
      name: ignored.

    Returns:
      None (TF's eager result).
    """
    path = scalar_bytes(filename, "WriteFile", "filename",
                        "Input filename tensor must be scalar, but had shape: {}").decode("utf-8")
    data = scalar_bytes(contents, "WriteFile", "contents",
                        "Contents tensor must be scalar, but had shape: {}")
    directory = os.path.dirname(path)
    try:
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise type(_os_error(exc, path))(f"{_os_error(exc, path).message} [Op:WriteFile]") from None
    return None


# --------------------------------------------------------------------------------------------------
# tf.io.gfile
# --------------------------------------------------------------------------------------------------
# ==== tf.audio: WAV files (TF's wav_io: a RIFF header, a 16- or 18-byte fmt chunk, 16-bit PCM) ====
DecodeWav = collections.namedtuple("DecodeWav", ["audio", "sample_rate"])


class _WavReader:
    """Reads TF's wav_io fields in order, with its errors for short or mismatched data."""

    def __init__(self, data):
        self.data, self.offset = data, 0

    def _take(self, size):
        if self.offset + size > len(self.data):
            raise InvalidArgumentError("Data too short when trying to read string [Op:DecodeWav]")
        chunk = self.data[self.offset:self.offset + size]
        self.offset += size
        return chunk

    def expect(self, text):
        found = self._take(len(text))
        if found != text:
            raise InvalidArgumentError(f"Header mismatch: Expected {text.decode()} but found "
                                       f"{found.decode('latin-1')} [Op:DecodeWav]")

    def value(self, fmt):
        return struct.unpack("<" + fmt, self._take(struct.calcsize(fmt)))[0]

    def text(self, size):
        return self._take(size)


def _attr_int(value, name):
    if isinstance(value, Tensor):
        value = value.numpy()
    array = np.asarray(value)
    if array.ndim != 0 or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"Expected int for argument '{name}' not {value!r}.")
    return int(array)


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """Decodes a 16-bit PCM WAV file, as `tf.audio.decode_wav`.

    Args:
      contents: a scalar string Tensor: the WAV file's bytes.
      desired_channels: the number of channels to return (-1: the file's); a missing channel
        repeats the file's last one, extra ones are dropped.
      desired_samples: the number of samples to return (-1: the file's); shorter files are padded
        with zeros, longer ones cut.
      name: ignored.

    Returns:
      `DecodeWav(audio, sample_rate)`: a float32 `[samples, channels]` Tensor scaled to [-1, 1)
      (each 16-bit value divided by 32768) and the file's sample rate as an int32 scalar.

    Raises:
      InvalidArgumentError: `contents` is not a scalar, or not a 16-bit PCM WAV file (TF's
        messages: "Header mismatch: ...", "Can only read 16-bit WAV files, ...", ...).
    """
    desired_channels = _attr_int(desired_channels, "desired_channels")
    desired_samples = _attr_int(desired_samples, "desired_samples")
    data = scalar_bytes(contents, "DecodeWav", "contents", "contents must be scalar, got shape {}")
    reader = _WavReader(data)
    reader.expect(b"RIFF")
    reader.value("I")  # the file size TF does not check
    reader.expect(b"WAVE")
    reader.expect(b"fmt ")
    format_size = reader.value("I")
    if format_size not in (16, 18):
        raise InvalidArgumentError(f"Bad format chunk size for WAV: Expected 16 or 18, but got"
                                   f"{format_size} [Op:DecodeWav]")
    audio_format = reader.value("H")
    if audio_format != 1:
        raise InvalidArgumentError(f"Bad audio format for WAV: Expected 1 (PCM), but got"
                                   f"{audio_format} [Op:DecodeWav]")
    channels = reader.value("H")
    if channels < 1:
        raise InvalidArgumentError(f"Bad number of channels for WAV: Expected at least 1, but got "
                                   f"{channels} [Op:DecodeWav]")
    sample_rate = reader.value("I")
    reader.value("I")  # bytes per second
    block_align = reader.value("H")
    bits = reader.value("H")
    if bits != 16:
        raise InvalidArgumentError(f"Can only read 16-bit WAV files, but received {bits} [Op:DecodeWav]")
    if format_size == 18:
        reader.value("H")
    values = None
    while reader.offset < len(data):
        chunk_id = reader.text(4)
        chunk_size = reader.value("I")
        if chunk_size > 2**31 - 1:
            raise InvalidArgumentError(f"WAV data chunk '{chunk_id.decode('latin-1')}' is too large: "
                                       f"{chunk_size} bytes, but the limit is {2**31 - 1} [Op:DecodeWav]")
        if chunk_id != b"data":
            reader.text(chunk_size)
            continue
        if values is not None:
            raise InvalidArgumentError("More than one data chunk found in WAV [Op:DecodeWav]")
        samples = chunk_size // block_align
        raw = reader.text(2 * samples * channels)
        values = np.frombuffer(raw, dtype="<i2").astype(np.float32).reshape(samples, channels) / 32768.0
    if values is None:
        raise InvalidArgumentError("No data chunk found in WAV [Op:DecodeWav]")
    out_channels = channels if desired_channels == -1 else desired_channels
    out_samples = values.shape[0] if desired_samples == -1 else desired_samples
    pick = np.minimum(np.arange(out_channels), channels - 1)
    audio = np.zeros((out_samples, out_channels), np.float32)
    kept = min(out_samples, values.shape[0])
    audio[:kept] = values[:kept][:, pick]
    return DecodeWav(convert_to_tensor(audio), convert_to_tensor(np.int32(sample_rate)))


def encode_wav(audio, sample_rate, name=None):
    """Encodes float audio as a 16-bit PCM WAV file, as `tf.audio.encode_wav`.

    Args:
      audio: a float32 `[samples, channels]` Tensor; values are scaled by 32768, rounded and
        clipped to 16 bits.
      sample_rate: an int32 scalar: the samples per second written in the header.
      name: ignored.

    Returns:
      A scalar string Tensor: the WAV file's bytes.

    Raises:
      InvalidArgumentError: `audio` is not float32 or not 2-D, or `sample_rate` is not a scalar.
    """
    audio = audio if isinstance(audio, Tensor) else convert_to_tensor(audio, dtype=_dtypes.float32)
    rate = sample_rate if isinstance(sample_rate, Tensor) else convert_to_tensor(sample_rate,
                                                                                dtype=_dtypes.int32)
    check_host("The EncodeWav op", audio, rate)
    for i, (value, want) in enumerate(((audio, _dtypes.float32), (rate, _dtypes.int32))):
        if value.dtype != want:
            raise InvalidArgumentError(
                f"cannot compute EncodeWav as input #{i}(zero-based) was expected to be a {want.name} "
                f"tensor but is a {value.dtype.name} tensor [Op:EncodeWav] name: ")
    samples = np.asarray(audio.numpy())
    if samples.ndim != 2:
        raise InvalidArgumentError(f"audio must be 2-dimensional{_shape_text(samples.shape)} "
                                   "[Op:EncodeWav] name: ")
    rate_value = np.asarray(rate.numpy())
    if rate_value.ndim != 0:
        raise InvalidArgumentError(f"Input sample_rate should be a scalar tensor, got "
                                   f"{_shape_text(rate_value.shape)} instead. [Op:EncodeWav] name: ")
    frames, channels = samples.shape
    pcm = np.clip(np.round(samples.astype(np.float32) * np.float32(32768.0)), -32768, 32767).astype("<i2")
    body = pcm.tobytes()
    header = (b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE" + b"fmt "
              + struct.pack("<IHHIIHH", 16, 1, channels, int(rate_value), int(rate_value) * 2 * channels,
                            2 * channels, 16)
              + b"data" + struct.pack("<I", len(body)))
    return Tensor(string_array(header + body))


def exists(path):
    """True if `path` (a file or a directory) exists."""
    return os.path.exists(path_text(path))


def isdir(path):
    """True if `path` is a directory."""
    return os.path.isdir(path_text(path))


def join(path, *paths):
    """Joins path components, as `os.path.join` on local paths."""
    return os.path.join(path_text(path), *(path_text(p) for p in paths))


def glob(pattern):
    """The paths matching `pattern` (a glob, or a list of globs), as `tf.io.gfile.glob`.

    Returns:
      A list of str (an empty list when nothing matches).
    """
    patterns = [pattern] if isinstance(pattern, (str, bytes, os.PathLike, Tensor)) else list(pattern)
    out = []
    for p in patterns:
        out.extend(_glob.glob(path_text(p), include_hidden=True))
    return out


def listdir(path):
    """The names of the entries of directory `path` (not `.`/`..`).

    Raises:
      NotFoundError: `path` is not a directory.
    """
    path = path_text(path)
    if not os.path.isdir(path):
        raise NotFoundError(f"Could not find directory {path}")
    return os.listdir(path)


def mkdir(path):
    """Creates directory `path` (its parent must exist); an existing `path` is not an error."""
    path = path_text(path)
    if os.path.exists(path):
        return
    try:
        os.mkdir(path)
    except OSError as exc:
        raise _os_error(exc, path) from None


def makedirs(path):
    """Creates directory `path` and its missing parents; an existing directory is not an error.

    Raises:
      FailedPreconditionError: `path` or a parent is a file.
    """
    path = path_text(path)
    head = path
    while head and not os.path.exists(head):  # the deepest existing ancestor must be a directory
        parent = os.path.dirname(head.rstrip(os.sep))
        if parent == head:
            break
        head = parent
    if head and os.path.exists(head) and not os.path.isdir(head):
        raise FailedPreconditionError(f"{head} is not a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, path) from None


def remove(path):
    """Deletes file `path`.

    Raises:
      NotFoundError: `path` does not exist.
      FailedPreconditionError: `path` is a directory.
    """
    path = path_text(path)
    if os.path.isdir(path):
        raise FailedPreconditionError(f"{path}; Is a directory")
    try:
        os.remove(path)
    except OSError as exc:
        raise _os_error(exc, path) from None


def rmtree(path):
    """Deletes `path` and everything below it (a file is deleted too).

    Raises:
      NotFoundError: `path` does not exist.
    """
    path = path_text(path)
    if not os.path.lexists(path):
        raise NotFoundError(f"{path} not found")
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def copy(src, dst, overwrite=False):
    """Copies file `src` to `dst`.

    Raises:
      NotFoundError: `src` does not exist.
      AlreadyExistsError: `dst` exists and `overwrite` is False.
    """
    src, dst = path_text(src), path_text(dst)
    if not os.path.exists(src):
        raise NotFoundError(f"{src}; No such file or directory")
    if not overwrite and os.path.exists(dst):
        raise AlreadyExistsError("file already exists")
    try:
        shutil.copyfile(src, dst)
    except OSError as exc:
        raise _os_error(exc, dst if os.path.exists(src) else src) from None


def rename(src, dst, overwrite=False):
    """Renames (moves) `src` to `dst`.

    Raises:
      NotFoundError: `src` does not exist.
      AlreadyExistsError: `dst` exists and `overwrite` is False.
    """
    src, dst = path_text(src), path_text(dst)
    if not os.path.lexists(src):
        raise NotFoundError(f"{src}; No such file or directory")
    if not overwrite and os.path.exists(dst):
        raise AlreadyExistsError("file already exists")
    try:
        os.replace(src, dst)
    except OSError as exc:
        raise _os_error(exc, src) from None


def walk(top, topdown=True, onerror=None):
    """Yields `(dirname, subdirs, filenames)` for each directory under `top`, as `tf.io.gfile.walk`
    (nothing for a missing `top`)."""
    return os.walk(path_text(top), topdown=topdown,
                   onerror=None if onerror is None else (lambda exc: onerror(_os_error(exc, exc.filename))))


class FileStatistics:
    """What `tf.io.gfile.stat` returns: `length` (bytes), `is_directory`, `mtime_nsec`."""

    def __init__(self, length, is_directory, mtime_nsec):
        self.length = length
        self.is_directory = is_directory
        self.mtime_nsec = mtime_nsec

    def __repr__(self):
        return (f"FileStatistics(length={self.length}, is_directory={self.is_directory}, "
                f"mtime_nsec={self.mtime_nsec})")


def stat(path):
    """`FileStatistics` of `path` (TF's modification time has whole seconds).

    Raises:
      NotFoundError: `path` does not exist.
    """
    path = path_text(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _os_error(exc, path) from None
    return FileStatistics(int(st.st_size), os.path.isdir(path), int(st.st_mtime) * 10**9)


_MODES = {"r", "w", "a", "r+", "w+", "a+"}


class GFile:
    """A file object on tapejax's file system layer, as `tf.io.gfile.GFile`.

    The file is opened at the first read or write (a missing file raises `NotFoundError` then, not
    here); writes are buffered until `flush()`/`close()`. Text modes read and write UTF-8 `str`,
    `b` modes `bytes`; lines are split at `\\n` only, as TF.

    Args:
      name: the file's name.
      mode: `'r'`, `'w'`, `'a'`, `'r+'`, `'w+'` or `'a+'`, each optionally with `'b'`.

    Raises:
      InvalidArgumentError: for another mode.
    """

    def __init__(self, name, mode="r"):
        if mode.replace("b", "") not in _MODES:
            raise InvalidArgumentError("mode is not 'r' or 'w' or 'a' or 'r+' or 'w+' or 'a+'")
        self.__name = path_text(name)
        self.__mode = mode
        self._binary = "b" in mode
        self._read_ok = "r" in mode or "+" in mode
        self._write_ok = "w" in mode or "a" in mode or "+" in mode
        self._file = None

    @property
    def name(self):
        """The file's name."""
        return self.__name

    @property
    def mode(self):
        """The mode the file was opened with."""
        return self.__mode

    def _open(self):
        if self._file is None:
            base = self.__mode.replace("b", "")
            try:
                self._file = open(self.__name, {"r": "rb", "w": "wb", "a": "ab", "r+": "r+b",
                                                "w+": "w+b", "a+": "a+b"}[base])
            except OSError as exc:
                raise _os_error(exc, self.__name) from None
        return self._file

    def _reader(self):
        if not self._read_ok:
            raise PermissionDeniedError("File isn't open for reading")
        return self._open()

    def _writer(self):
        if not self._write_ok:
            raise PermissionDeniedError("File isn't open for writing")
        return self._open()

    def _out(self, data):
        return data if self._binary else data.decode("utf-8")

    def size(self):
        """The file's length in bytes."""
        if self._file is not None:
            self._file.flush()
        return stat(self.__name).length

    def read(self, n=-1):
        """Reads `n` bytes (all that remain if `n` is -1), as `str` in text modes."""
        return self._out(self._reader().read(-1 if n is None else n))

    def readline(self):
        """Reads the next line, with its `\\n` (an empty value at the end)."""
        return self._out(self._reader().readline())

    def readlines(self):
        """All remaining lines."""
        return [self._out(line) for line in self._reader().readlines()]

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__

    def write(self, file_content):
        """Writes `file_content` (`str` is encoded as UTF-8, in every mode)."""
        if isinstance(file_content, Tensor):
            file_content = scalar_bytes(file_content, "GFile", "file_content")
        if isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        self._writer().write(file_content)

    def tell(self):
        """The position in the file, in bytes."""
        return self._open().tell()

    def seek(self, offset=None, whence=0, position=None):
        """Moves to `offset` (or the deprecated `position`) relative to `whence` (0, 1 or 2)."""
        if position is not None:
            offset = position
        self._open().seek(offset, whence)

    def seekable(self):
        return True

    def flush(self):
        """Writes buffered data to the file."""
        if self._file is not None:
            self._file.flush()

    def close(self):
        """Flushes and closes the file (a later read or write reopens it)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - a destructor must not raise
            pass
