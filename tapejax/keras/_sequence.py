"""`keras.utils.pad_sequences` (also `keras.preprocessing.sequence.pad_sequences`), on NumPy."""

from __future__ import annotations

import numpy as np

__all__ = ["pad_sequences"]


def _lengths_and_item_shape(sequences):
    lengths, item_shape = [], None
    for seq in sequences:
        try:
            lengths.append(len(seq))
        except TypeError as exc:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {seq}") from exc
        if item_shape is None and len(seq):
            item_shape = np.asarray(seq).shape[1:]
    return lengths, item_shape or ()


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads (and truncates) sequences to one length, as Keras 3 does.

    Args:
      sequences: a list (or object array) of sequences, each a list or array.
      maxlen: the output length; the longest sequence's length when None.
      dtype: the output dtype (`int32` by default, as Keras).
      padding: `'pre'` or `'post'`: where shorter sequences are padded.
      truncating: `'pre'` or `'post'`: which end of longer sequences is cut off.
      value: the padding value.

    Returns:
      A NumPy array of shape `(len(sequences), maxlen) + item shape`.

    Raises:
      ValueError: for a non-iterable item, an unknown `padding`/`truncating`, a string `value` with
        a numeric dtype, or items of different shapes.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, item_shape = _lengths_and_item_shape(sequences)
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    textual = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not textual:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + tuple(item_shape), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq):
            continue
        if truncating == "pre":
            kept = seq[-maxlen:]
        elif truncating == "post":
            kept = seq[:maxlen]
        else:
            raise ValueError(f'Truncating type "{truncating}" not understood')
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different "
                             f"from expected shape {tuple(item_shape)}")
        if not len(kept):
            continue
        if padding == "post":
            out[i, :len(kept)] = kept
        elif padding == "pre":
            out[i, -len(kept):] = kept
        else:
            raise ValueError(f'Padding type "{padding}" not understood')
    return out
