"""CSV files as datasets: `tf.data.experimental.CsvDataset` and `make_csv_dataset`, on Python's csv."""

from __future__ import annotations

import collections
import csv
import glob
import gzip
import io
import zlib

import numpy as np

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError, NotFoundError
from tapejax._function import TensorSpec
from tapejax._io import check_host
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax.data import _structure
from tapejax.data._dataset import AUTOTUNE, UNKNOWN, Dataset


def _open_text(name, compression):
    try:
        with open(name, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise NotFoundError(f"{name}; No such file or directory") from None
    if compression == "GZIP":
        data = gzip.decompress(data)
    elif compression == "ZLIB":
        data = zlib.decompress(data)
    return data.decode("utf-8")


def _default_of(value):
    """(dtype, default array or None for a required field) of one `record_defaults` entry."""
    if isinstance(value, (_dtypes.DType, np.dtype)) or (isinstance(value, type)
                                                        and issubclass(value, np.generic)):
        return _dtypes.as_dtype(value), None
    if isinstance(value, Tensor):
        value = value.numpy()
    array = _structure.to_component(value)
    if array.ndim == 1 and array.shape[0] == 1:
        array = array.reshape(())
    if array.ndim == 1 and array.shape[0] == 0:
        return _structure.dtype_of(array), None
    if array.ndim != 0:
        raise ValueError(f"Each `record_defaults` entry must be a dtype, a scalar or a list of one "
                         f"value, got {value!r}.")
    return _structure.dtype_of(array), array


def _parse(field, dtype, default, index, na_value):
    if field == "" or field == na_value:
        if default is None:
            raise InvalidArgumentError(f"Field {index} is required but missing in record! [Op:IteratorGetNext] name: ")
        return default
    if dtype == _dtypes.string:
        out = np.empty((), object)
        out[()] = field.encode("utf-8")
        return out
    try:
        if dtype.is_integer:
            value = int(field)
            info = np.iinfo(dtype.as_numpy_dtype)
            if not info.min <= value <= info.max:
                raise ValueError
            return np.asarray(value, dtype.as_numpy_dtype)
        return np.asarray(float(field), dtype.as_numpy_dtype)
    except ValueError:
        raise InvalidArgumentError(f"Field {index} in record is not a valid {dtype.name}: {field} "
                                   f"[Op:IteratorGetNext] name: ") from None


class CsvDataset(Dataset):
    """The records of CSV files, each a tuple of scalars typed by `record_defaults`.

    Args:
      filenames: a file name or a list of them.
      record_defaults: per column, a dtype (a required field) or a default value (`[0.0]`, `""`).
      compression_type: "" (none), "GZIP" or "ZLIB".
      header: whether the first line of each file is a header to skip.
      field_delim: the field separator.
      use_quote_delim: whether double quotes enclose fields (with delimiters inside).
      na_value: a field value read as missing.
      select_cols: the column indices to read (sorted), or `exclude_cols` to drop.
    """

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None, header=False,
                 field_delim=",", use_quote_delim=True, na_value="", select_cols=None, exclude_cols=None,
                 name=None):
        names = _structure.to_component(filenames)
        self._files = [n.decode() if isinstance(n, bytes) else str(n) for n in np.ravel(names)]
        self._compression = (compression_type or "").upper()
        self._columns = [_default_of(v) for v in record_defaults]
        if select_cols is not None and exclude_cols is not None:
            raise ValueError("Either select_cols or exclude_cols should be empty")
        self._select = None if select_cols is None else [int(c) for c in select_cols]
        if self._select is not None and self._select != sorted(set(self._select)):
            raise InvalidArgumentError("select_cols is not strictly increasing.")
        if self._select is not None and len(self._select) != len(self._columns):
            raise ValueError("record_defaults must have the same length as select_cols")
        self._exclude = set(exclude_cols or ())
        self._header = bool(header)
        self._delim = field_delim
        self._quotes = bool(use_quote_delim)
        self._na = na_value
        self._spec = tuple(TensorSpec((), dtype) for dtype, _ in self._columns)
        self._card = UNKNOWN

    def _rows(self, name):
        reader = csv.reader(io.StringIO(_open_text(name, self._compression)), delimiter=self._delim,
                            quoting=csv.QUOTE_MINIMAL if self._quotes else csv.QUOTE_NONE)
        for i, row in enumerate(reader):
            if i == 0 and self._header:
                continue
            if not row:
                continue
            yield row

    def _stream(self, seeds):
        n = len(self._columns)
        for name in self._files:
            for row in self._rows(name):
                if self._select is not None:
                    if self._select and self._select[-1] >= len(row):
                        raise InvalidArgumentError(f"Expect {n} fields but have {len(row)} in record "
                                                   f"[Op:IteratorGetNext] name: ")
                    row = [row[c] for c in self._select]
                elif self._exclude:
                    row = [v for c, v in enumerate(row) if c not in self._exclude]
                if len(row) != n:
                    raise InvalidArgumentError(f"Expect {n} fields but have "
                                               f"{'more' if len(row) > n else len(row)} in record "
                                               f"[Op:IteratorGetNext] name: ")
                yield tuple(_parse(field, dtype, default, i, self._na)
                            for i, (field, (dtype, default)) in enumerate(zip(row, self._columns)))


_INFERRED = [(_dtypes.int32, int), (_dtypes.int64, int), (_dtypes.float32, float), (_dtypes.float64, float)]


def _infer(values, na_value):
    """TF's column type inference: the narrowest of int32, int64, float32, float64, string."""
    rank = 0
    for value in values:
        if value == "" or value == na_value:
            continue
        while rank < len(_INFERRED):
            dtype, parse = _INFERRED[rank]
            try:
                number = parse(value)
                if dtype.is_integer and not np.iinfo(dtype.as_numpy_dtype).min <= number <= \
                        np.iinfo(dtype.as_numpy_dtype).max:
                    raise ValueError
                break
            except ValueError:
                rank += 1
        if rank == len(_INFERRED):
            break
    return _dtypes.string if rank == len(_INFERRED) else _INFERRED[rank][0]


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None,
                     select_columns=None, field_delim=",", use_quote_delim=True, na_value="", header=True,
                     num_epochs=None, shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8"):
    """Batches of `(features, label)` (or `features`) read from CSV files, as TF's helper.

    `features` is an OrderedDict of column name -> batch; column types are inferred from the first
    `num_rows_for_inference` rows unless `column_defaults` are given. The files are read
    `num_epochs` times (forever when None) and shuffled with a buffer of `shuffle_buffer_size`.
    """
    patterns = [p.decode() if isinstance(p, bytes) else str(p)
                for p in np.ravel(_structure.to_component(file_pattern))]
    files = sorted({n for p in patterns for n in glob.glob(p)})
    if not files:
        raise ValueError(f"No files match `file_pattern` {file_pattern}.")
    compression = (compression_type or "").upper()
    first = list(csv.reader(io.StringIO(_open_text(files[0], compression)), delimiter=field_delim))
    if column_names is None:
        if not header:
            raise ValueError("Expected file header names if `column_names` is not given.")
        column_names = first[0]
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        raise ValueError("Expected `column_names` to be unique.")
    if label_name is not None and label_name not in column_names:
        raise ValueError(f"`label_name` provided must be one of the columns: {column_names}. "
                         f"Received: {label_name}.")
    selected = list(range(len(column_names)))
    if select_columns is not None:
        selected = sorted(column_names.index(c) if isinstance(c, str) else int(c) for c in select_columns)
        if label_name is not None and column_names.index(label_name) not in selected:
            raise ValueError("`label_name` must be one of the `select_columns`.")
    rows = first[1 if header else 0:][:num_rows_for_inference]
    if column_defaults is None:
        defaults = []
        for c in selected:
            dtype = _infer([r[c] for r in rows if c < len(r)], na_value)
            defaults.append([b"" if dtype == _dtypes.string else dtype.as_numpy_dtype(0)])
        defaults = [np.asarray(d, dtype=object if isinstance(d[0], bytes) else None) for d in defaults]
    else:
        defaults = list(column_defaults)
        if len(defaults) != len(selected):
            defaults = [defaults[c] for c in selected]
    names = [column_names[c] for c in selected]
    ds = CsvDataset(files, defaults, compression_type=compression_type, header=header,
                    field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                    select_cols=selected if len(selected) != len(column_names) else None)
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size, drop_remainder=num_epochs is None)

    def to_features(*columns):
        features = collections.OrderedDict(zip(names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    ds = ds._restructure(to_features)
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


def _decode_field(field, dtype, default, column, record, na_value):
    if field == "" or field == na_value:
        if default is None:
            raise InvalidArgumentError(f"Field {column} is required but missing in record {record}! [Op:DecodeCSV]")
        return default
    if dtype == _dtypes.string:
        return field.encode("utf-8")
    try:
        if dtype.is_integer:
            value = int(field)
            info = np.iinfo(dtype.as_numpy_dtype)
            if not info.min <= value <= info.max:
                raise ValueError
            return value
        return float(field)
    except ValueError:
        raise InvalidArgumentError(f"Field {column} in record {record} is not a valid {dtype.name}: {field} "
                                   f"[Op:DecodeCSV]") from None


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """Splits CSV records into typed columns (`tf.io.decode_csv`), on the host.

    Args:
      records: a string Tensor (any shape) of CSV lines.
      record_defaults: per column, a default value (`0`, `0.0`, `""`, `[1]`) or an empty Tensor of
        the column's dtype (a required field).
      field_delim: the field separator.
      use_quote_delim: whether double quotes enclose fields (with delimiters inside).
      name: unused.
      na_value: a field value read as missing.
      select_cols: the column indices to keep (strictly increasing).

    Returns:
      A list of Tensors, one per column, each shaped like `records`.

    Raises:
      InvalidArgumentError: a record has another number of fields, a required field is missing, or
        a field does not parse as its column's dtype.
    """
    check_host("The DecodeCSV op", records)
    array = np.asarray(records.numpy() if isinstance(records, Tensor) else _structure.to_component(records),
                       dtype=object)
    columns = [(dtype, None if default is None else default[()]) for dtype, default in map(_default_of, record_defaults)]
    select = None if select_cols is None else [int(c) for c in select_cols]
    if select is not None and select != sorted(set(select)):
        raise InvalidArgumentError("select_cols is not strictly increasing. [Op:DecodeCSV]")
    n = len(columns)
    outs = [[] for _ in columns]
    for r, record in enumerate(array.ravel()):
        text = record.decode("utf-8") if isinstance(record, bytes) else str(record)
        fields = next(csv.reader([text], delimiter=field_delim,
                                 quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE), [""])
        if select is not None:
            if select and select[-1] >= len(fields):
                raise InvalidArgumentError(f"Expect {n} fields but have {len(fields)} in record {r} [Op:DecodeCSV]")
            fields = [fields[c] for c in select]
        if len(fields) != n:
            raise InvalidArgumentError(f"Expect {n} fields but have {len(fields)} in record {r} [Op:DecodeCSV]")
        for c, (field, (dtype, default)) in enumerate(zip(fields, columns)):
            outs[c].append(_decode_field(field, dtype, default, c, r, na_value))
    result = []
    for values, (dtype, _) in zip(outs, columns):
        out = np.empty(len(values), object if dtype == _dtypes.string else dtype.as_numpy_dtype)
        out[:] = values
        result.append(convert_to_tensor(out.reshape(array.shape), dtype=dtype))
    return result
