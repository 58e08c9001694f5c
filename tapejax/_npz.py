"""tapejax's `.npz` archives (Checkpoint v1/v2 data files, `.weights.npz`): arrays plus a metadata
list of strings, written atomically and read without pickle."""

from __future__ import annotations

import os
import tempfile
import zipfile

import numpy as np

from tapejax._errors import NotFoundError


def save_arrays(filepath, arrays, meta):
    """Writes `arrays` (a dict of name -> ndarray) and the strings `meta` to a .npz archive,
    atomically (a temporary file renamed over the target)."""
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __tapejax_meta__=np.asarray(meta, dtype=str), **arrays)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_arrays(filepath, error_type=ValueError):
    """Reads every array of a tapejax .npz archive into memory (no pickle), or raises
    `error_type` naming the file when it is missing, truncated or not such an archive."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise NotFoundError(f"Unsuccessful TensorSliceReader constructor: Failed to find any "
                            f"matching files for {filepath}")
    try:
        with np.load(filepath, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k]) for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as err:
        raise error_type(f"Unable to read the weights file {filepath!r}: it is truncated or not "
                         f"a tapejax .npz archive ({type(err).__name__}: {err}). Nothing was "
                         f"restored.") from None
    if "__tapejax_meta__" not in arrays:
        raise error_type(f"{filepath!r} is not a tapejax weights/checkpoint archive (no metadata). "
                         f"Nothing was restored.")
    meta = [str(s) for s in arrays.pop("__tapejax_meta__").tolist()]
    return arrays, meta
