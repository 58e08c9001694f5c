"""Keras 3's lookup and text preprocessing layers: `StringLookup`, `IntegerLookup`,
`CategoryEncoding`, `Discretization` and `TextVectorization`.

Vocabularies live on the host. String tensors are NumPy object arrays in tapejax, so string lookups
and text vectorization run eagerly (in `Dataset.map`, in models run eagerly, or in `fit`/`predict`,
which run a step with string inputs eagerly); integer lookups and `CategoryEncoding` are tensor ops
and compile. `adapt` counts tokens and orders the vocabulary as Keras does: by count, most frequent
first, ties broken by the token, larger first. A `.keras` file keeps an adapted vocabulary in
`assets/<layer path>/vocabulary.txt`, as Keras writes it.
"""

from __future__ import annotations

import collections
import os
import re

import numpy as np

from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax.keras._layer import KerasTensor, Layer

__all__ = ["CategoryEncoding", "Discretization", "IntegerLookup", "StringLookup", "TextVectorization"]

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
# Keras' DEFAULT_STRIP_REGEX (TextVectorization's "strip_punctuation")
_STRIP = re.compile(rb'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


def _host(x):
    """`x` (a tensor, array, list or scalar) as a NumPy array."""
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x, dtype=object) if _is_text(x) else np.asarray(x)


def _is_text(x):
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and _is_text(x[0])
    return False


def _as_bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else value


def _batches(data):
    """The arrays `adapt` reads: one array, or each element of a Dataset / iterable."""
    if isinstance(data, (np.ndarray, Tensor, list, tuple, str, bytes)) or hasattr(type(data), "_value"):
        return [_host(data)]
    return [_host(b[0] if isinstance(b, tuple) else b) for b in data]


def _symbolic(layer, inputs, shape, dtype):
    """The KerasTensor `layer(inputs)` gives while a functional model is built (recorded as a node)."""
    out = KerasTensor(shape, dtype)
    node = (layer, inputs, (), {}, out)
    out._history = node
    out.name = f"keras_tensor_{layer.name}_0"
    layer._output_shape = shape
    layer.built = True
    return out


def _encode(indices, mode, depth, dtype):
    """Keras' encode_categorical_inputs for one_hot / multi_hot / count (rank-1 input: one sample)."""
    x = indices if isinstance(indices, Tensor) else convert_to_tensor(np.asarray(indices))
    if x.dtype.is_floating:
        x = math_ops.cast(x, "int64")
    if x.shape.rank == 0:
        x = array_ops.expand_dims(x, -1)
    if mode == "one_hot":
        if x.shape.rank > 1 and x.shape[-1] == 1:
            x = array_ops.squeeze(x, axis=-1)
        return array_ops.one_hot(x, depth, dtype=dtype)
    hot = array_ops.one_hot(x, depth, dtype=dtype)
    axis = 1 if x.shape.rank > 1 else 0
    if mode == "multi_hot":
        return math_ops.reduce_max(hot, axis=axis)
    return math_ops.reduce_sum(hot, axis=axis)


def _encoded_shape(input_shape, mode, depth):
    input_shape = tuple(input_shape)
    if not input_shape:
        return (depth,)
    if mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


class CategoryEncoding(Layer):
    """Encodes integer category ids as one-hot, multi-hot or count vectors (Keras 3's layer).

    Args:
      num_tokens: the number of categories (ids are in `[0, num_tokens)`).
      output_mode: `"multi_hot"` (default), `"one_hot"` or `"count"`.
      sparse: must be False (tapejax returns dense tensors).
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not "
                             "known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise NotImplementedError("tapejax's CategoryEncoding returns dense tensors (sparse=True is "
                                      "not supported)")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def _symbolic_call(self, inputs, args, kwargs):
        return _symbolic(self, inputs, self.compute_output_shape(inputs.shape), self._dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"`count_weights` is not used when `output_mode` is not `'count'`. "
                                 f"Received `count_weights={count_weights}`.")
            raise NotImplementedError("tapejax's CategoryEncoding does not take count_weights yet")
        return _encode(inputs, self.output_mode, self.num_tokens, self._dtype)


class _IndexLookup(Layer):
    """What StringLookup and IntegerLookup share: a host vocabulary, adapt, and the encodings."""

    _vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, **kwargs):
        kwargs.pop("vocabulary_size", None)  # recorded in Keras' configs; derived here
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("oov_method", None)
        kwargs.pop("salt", None)
        super().__init__(**kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if num_oov_indices > 1:
            raise NotImplementedError("tapejax's lookup layers support num_oov_indices 0 or 1 (Keras "
                                      "hashes into several OOV buckets with TF's farmhash)")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {list(_MODES)}. "
                             f"Received: output_mode={output_mode}")
        if output_mode == "tf_idf" or idf_weights is not None:
            raise NotImplementedError("tapejax's lookup layers do not support output_mode='tf_idf' yet")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("tapejax's lookup layers return dense tensors (sparse=True is not "
                                      "supported)")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = invert, output_mode
        self.pad_to_max_tokens, self.sparse = pad_to_max_tokens, sparse
        self.input_vocabulary = vocabulary
        self._tokens = []  # the learned tokens, in index order (no mask / OOV)
        self._index = {}
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # ---- the vocabulary ----

    def _key(self, token):
        return _as_bytes(token) if self._vocabulary_dtype == "string" else int(token)

    def _public(self, token):
        """A vocabulary entry as Keras' get_vocabulary gives it (np.str_ / np.int64)."""
        if self._vocabulary_dtype == "string":
            return np.str_(token.decode("utf-8") if isinstance(token, bytes) else token)
        return np.int64(token)

    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self):
        """The vocabulary size, mask and OOV indices included."""
        return len(self._tokens) + self._token_start()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, in index order (with the mask and OOV tokens unless told otherwise)."""
        vocab = [self.oov_token] * self._token_start() + [self._public(t) for t in self._tokens]
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start():]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary from a list (or a file path with one token a line)."""
        if idf_weights is not None:
            raise NotImplementedError("tapejax's lookup layers do not support idf_weights yet")
        if isinstance(vocabulary, str) and self._vocabulary_dtype == "string" and os.path.isfile(vocabulary):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
        values = list(_host(vocabulary).reshape(-1)) if not isinstance(vocabulary, list) else list(vocabulary)
        keys = [self._key(v) for v in values]
        start = 0
        if self.mask_token is not None and keys and keys[0] == self._key(self.mask_token):
            start = 1
        if self.oov_token is not None and self.num_oov_indices and len(keys) > start and \
                keys[start] == self._key(self.oov_token):
            start += self.num_oov_indices
        tokens = keys[start:]
        if len(set(tokens)) != len(tokens):
            repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify "
                             f"your dataset. The repeated terms are: {[self._public(t) for t in repeated]}")
        specials = {self._key(t) for t in (self.mask_token, self.oov_token) if t is not None}
        if specials & set(tokens):
            raise ValueError(f"Found reserved tokens in `vocabulary`: the mask and OOV tokens "
                             f"{sorted(self._public(t) for t in specials & set(tokens))} may only "
                             f"appear at the start of the vocabulary.")
        if self.max_tokens is not None and len(tokens) + self._token_start() > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {len(tokens) + self._token_start()}; "
                             f"`max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        self._index = {t: i + self._token_start() for i, t in enumerate(self._tokens)}
        self._int_keys = None

    def _adapt_tokens(self, arrays):
        counts = collections.Counter()
        for array in arrays:
            counts.update(self._key(t) for t in np.asarray(array, dtype=object).reshape(-1))
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        tokens = list(counts)
        order = np.lexsort((np.asarray(tokens, dtype=object if self._vocabulary_dtype == "string" else None),
                            np.asarray([counts[t] for t in tokens])))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start()]
        self._set_tokens([tokens[i] for i in order])

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from `data` (an array, tensor or Dataset of batches)."""
        self._adapt_tokens(_batches(data))
        self.built = True

    def finalize_state(self):
        pass

    # ---- saving (Keras' assets layout) ----

    def save_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = [str(v) for v in lines] if self._vocabulary_dtype == "string" else [int(v) for v in lines]
        self.set_vocabulary(values)

    def get_config(self):
        config = super().get_config()
        vocabulary = self.input_vocabulary
        if vocabulary is not None and not isinstance(vocabulary, (list, str)):
            vocabulary = [self._public(v) for v in _host(vocabulary).reshape(-1)]
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode, "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary_dtype": self._vocabulary_dtype,
            "idf_weights": None, "vocabulary": vocabulary, "vocabulary_size": self.vocabulary_size(),
            "oov_method": "floormod", "salt": None,
        })
        return config

    # ---- calling ----

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def _output_dtype(self):
        if self.invert:
            return self._vocabulary_dtype
        return "int64"  # Keras' lookups give int64 indices and int64 one/multi-hot and counts

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return _encoded_shape(input_shape, self.output_mode, self._depth())

    def _symbolic_call(self, inputs, args, kwargs):
        # Keras' compute_output_spec: int64 indices, else the layer's dtype (eager calls give int64)
        dtype = self._output_dtype() if self.output_mode == "int" else self._dtype.name
        return _symbolic(self, inputs, self.compute_output_shape(inputs.shape), dtype)

    def _lookup_host(self, array):
        flat = array.reshape(-1)
        out = np.empty(flat.shape, np.int64)
        mask = self._key(self.mask_token) if self.mask_token is not None else None
        oov = self._oov_start()
        for i, token in enumerate(flat):
            key = self._key(token)
            index = self._index.get(key)
            if index is None:
                if mask is not None and key == mask:
                    index = 0
                elif self.num_oov_indices == 0:
                    raise InvalidArgumentError(
                        f"When `num_oov_indices=0` all inputs should be in vocabulary, "
                                    f"found OOV values {self._public(token)!r}, consider setting "
                                    f"`num_oov_indices=1`.")
                else:
                    index = oov
            out[i] = index
        return out.reshape(array.shape)

    def _invert_host(self, array):
        vocab = self.get_vocabulary()
        keyed = [_as_bytes(v) if self._vocabulary_dtype == "string" else v for v in vocab]
        fallback = _as_bytes(self.oov_token) if self._vocabulary_dtype == "string" else self.oov_token
        flat = [keyed[i] if 0 <= i < len(keyed) else fallback for i in array.reshape(-1).tolist()]
        out = np.asarray(flat, dtype=object if self._vocabulary_dtype == "string" else np.int64)
        return out.reshape(array.shape)

    def _lookup(self, inputs):
        array = _host(inputs)
        if self.invert:
            return convert_to_tensor(self._invert_host(array.astype(np.int64)))
        return convert_to_tensor(self._lookup_host(array))

    def call(self, inputs):
        indices = self._lookup(inputs)
        if self.output_mode == "int":
            return indices
        return _encode(indices, self.output_mode, self._depth(), "int64")


class StringLookup(_IndexLookup):
    """Maps strings to integer indices from a vocabulary (given, or learned by `adapt`), as Keras 3.

    Index 0 is the OOV token `"[UNK]"` (with `mask_token` set, 0 is the mask and 1 the OOV token);
    learned tokens follow, most frequent first.

    Args:
      max_tokens: the largest vocabulary size (mask and OOV indices included); None for no limit.
      num_oov_indices: 1 (default) or 0 (then an unknown string raises InvalidArgumentError).
      mask_token: a string mapped to 0, or None.
      oov_token: the OOV token `get_vocabulary` reports (`"[UNK]"`).
      vocabulary: an optional list of strings (or a text file, one a line).
      invert: map indices back to strings.
      output_mode: `"int"` (int64 indices), `"one_hot"`, `"multi_hot"` or `"count"` (float32).
      pad_to_max_tokens: encode to `max_tokens` columns instead of the vocabulary size.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        if encoding != "utf-8":
            raise NotImplementedError("tapejax's StringLookup reads UTF-8 only")
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         sparse=sparse, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        del config["vocabulary_dtype"]  # as Keras' StringLookup
        return config


class IntegerLookup(_IndexLookup):
    """Maps integers to contiguous indices from a vocabulary (given, or learned by `adapt`), as Keras 3.

    Index 0 is the OOV value -1 (with `mask_token` set, 0 is the mask and 1 the OOV index); learned
    values follow, most frequent first. Outside `invert`, the lookup is tensor ops (it compiles).

    Args:
      max_tokens, num_oov_indices, mask_token, vocabulary, invert, output_mode, pad_to_max_tokens:
        as for `StringLookup`.
      oov_token: the OOV value `get_vocabulary` reports (-1).
      vocabulary_dtype: `"int64"` (the only one Keras accepts with TF).
    """

    _vocabulary_dtype = "int64"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         sparse=sparse, **kwargs)

    def _lookup(self, inputs):
        if self.invert:
            return super()._lookup(inputs)
        x = inputs if isinstance(inputs, Tensor) else convert_to_tensor(np.asarray(inputs))
        x = math_ops.cast(x, "int64")
        missing = -1 if self.num_oov_indices == 0 else self._oov_start()
        out = array_ops.fill(array_ops.shape(x), np.int64(missing)) if x.shape.rank else \
            convert_to_tensor(np.int64(missing))
        if self._tokens:
            keys = convert_to_tensor(np.asarray(self._tokens, np.int64))
            matches = math_ops.equal(array_ops.expand_dims(x, -1), keys)
            found = math_ops.reduce_any(matches, axis=-1)
            position = math_ops.cast(math_ops.argmax(math_ops.cast(matches, "int32"), axis=-1), "int64")
            out = array_ops.where(found, position + self._token_start(), out)
        if self.mask_token is not None:
            is_mask = math_ops.equal(x, convert_to_tensor(np.int64(self.mask_token)))
            out = array_ops.where(is_mask, array_ops.zeros_like(out), out)
        if self.num_oov_indices == 0 and not _traced(out) and (_host(out) == -1).any():
            self._lookup_host(_host(x))  # raises Keras' error for the first unknown value
        return out


def _traced(t):
    try:
        t.numpy()
    except Exception:  # noqa: BLE001 - a traced value has no numpy()
        return True
    return False


class TextVectorization(Layer):
    """Turns strings into token indices (or multi-hot / count vectors), as Keras 3's layer.

    Each string is standardized, split into tokens and looked up in a vocabulary learned by
    `adapt` (index 0 is padding `""`, 1 the OOV token `"[UNK]"`).

    Args:
      max_tokens: the largest vocabulary (padding and OOV included); None for no limit.
      standardize: `"lower_and_strip_punctuation"` (default), `"lower"`, `"strip_punctuation"`,
        None, or a callable taking and returning a string tensor.
      split: `"whitespace"` (default), `"character"`, None, or a callable.
      ngrams: must be None (n-grams are not supported yet).
      output_mode: `"int"` (default), `"multi_hot"`, `"count"` or `"one_hot"`.
      output_sequence_length: in `"int"` mode, pad or cut each row to this length (else rows are
        padded to the batch's longest).
      pad_to_max_tokens: encode to `max_tokens` columns.
      vocabulary: an optional list of tokens.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 **kwargs):
        kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if standardize not in (None, "lower_and_strip_punctuation", "lower", "strip_punctuation") \
                and not callable(standardize):
            raise ValueError(f"Invalid value for argument `standardize`. Expected one of "
                             f"[None, 'lower_and_strip_punctuation', 'lower', 'strip_punctuation'] or a "
                             f"callable. Received: standardize={standardize}")
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ValueError(f"Invalid value for argument `split`. Expected one of [None, 'whitespace', "
                             f"'character'] or a callable. Received: split={split}")
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of ['int', "
                             f"'one_hot', 'multi_hot', 'count', 'tf_idf']. Received: "
                             f"output_mode={output_mode}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                             f"Received output_sequence_length={output_sequence_length}.")
        if ngrams is not None:
            raise NotImplementedError("tapejax's TextVectorization does not support ngrams yet")
        if ragged:
            raise NotImplementedError("tapejax's TextVectorization does not return ragged tensors yet")
        self._standardize, self._split = standardize, split
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding, self._ragged = encoding, ragged
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            mask_token="" if output_mode == "int" else None, output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, encoding=encoding,
            name=f"{self.name}_lookup", dtype=self._dtype_policy.name)

    # ---- the text pipeline ----

    def _standardized(self, inputs):
        x = inputs if isinstance(inputs, Tensor) else convert_to_tensor(_host(inputs))
        if self._standardize in ("lower", "lower_and_strip_punctuation") or \
                self._standardize in ("strip_punctuation",):
            array = _host(x)
            flat = []
            for value in array.reshape(-1):
                value = _as_bytes(value)
                if self._standardize != "strip_punctuation":
                    value = value.lower()
                if self._standardize != "lower":
                    value = _STRIP.sub(b"", value)
                flat.append(value)
            x = convert_to_tensor(np.asarray(flat, dtype=object).reshape(array.shape))
        elif callable(self._standardize):
            x = self._standardize(x)
        return x

    def _tokens(self, inputs):
        """Per input string, its list of tokens (bytes); the batch shape squeezed as Keras does."""
        x = self._standardized(inputs)
        array = _host(x)
        if self._split is None:
            return array, None
        if array.ndim > 1:
            if array.shape[-1] != 1:
                raise ValueError(f"When using `TextVectorization` to tokenize strings, the input rank "
                                 f"must be 1 or the last shape dimension must be 1. Received: "
                                 f"inputs.shape={tuple(array.shape)} with rank={array.ndim}")
            array = array.reshape(array.shape[:-1])
        flat = array.reshape(-1)
        if callable(self._split):
            pieces = self._split(convert_to_tensor(flat))
            rows = pieces.to_list() if hasattr(pieces, "to_list") else _host(pieces).tolist()
            return array, [[_as_bytes(t) for t in row] for row in rows]
        if self._split == "whitespace":
            return array, [_as_bytes(v).split() for v in flat]
        return array, [[c.encode("utf-8") for c in _as_bytes(v).decode("utf-8")] for v in flat]

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from `data` (an array, tensor or Dataset of string batches)."""
        arrays = []
        for batch in _batches(data):
            array, tokens = self._tokens(batch)
            if tokens is None:
                arrays.append(array)
            else:
                arrays.append(np.asarray([t for row in tokens for t in row], dtype=object))
        self._lookup_layer._adapt_tokens(arrays)
        self.built = True

    def call(self, inputs):
        array, tokens = self._tokens(inputs)
        lookup = self._lookup_layer
        if tokens is None:
            return lookup(convert_to_tensor(array))
        if self._output_mode != "int":
            rows = [lookup._lookup_host(np.asarray(row, dtype=object)) for row in tokens]
            encoded = [_encode(convert_to_tensor(r.astype(np.int64)), self._output_mode, lookup._depth(),
                               "int64") if len(r) else None for r in rows]
            depth = lookup._depth()
            stacked = [e if e is not None else convert_to_tensor(np.zeros((depth,), np.int64))
                       for e in encoded]
            out = array_ops.stack(stacked) if array.ndim else stacked[0]
            return out
        length = self._output_sequence_length
        if length is None:
            length = max((len(row) for row in tokens), default=0)
        out = np.zeros((len(tokens), length), np.int64)
        for i, row in enumerate(tokens):
            ids = lookup._lookup_host(np.asarray(row[:length], dtype=object)) if row else []
            out[i, :len(ids)] = ids
        if array.ndim == 0:
            out = out[0]
        return convert_to_tensor(out)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            batch = input_shape[:1] if input_shape else ()
            return batch + (self._output_sequence_length,)
        # Keras' symbolic rule (eager results have no token axis): the split adds a token axis
        if self._split is None:
            input_shape = input_shape + (1,) if len(input_shape) <= 1 else input_shape
        else:
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def _symbolic_call(self, inputs, args, kwargs):
        dtype = "int64" if self._output_mode == "int" else self._dtype.name
        return _symbolic(self, inputs, self.compute_output_shape(inputs.shape), dtype)

    # ---- the vocabulary ----

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary (with `""` and `"[UNK]"` first in `"int"` mode)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The vocabulary size, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def finalize_state(self):
        pass

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    def get_config(self):
        config = super().get_config()
        config.update({
            "max_tokens": self._lookup_layer.max_tokens, "standardize": self._standardize,
            "split": self._split, "ngrams": None, "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens, "sparse": False,
            "ragged": self._ragged, "vocabulary": self._lookup_layer.input_vocabulary,
            "idf_weights": None, "encoding": self._encoding, "vocabulary_size": self.vocabulary_size(),
        })
        return config



# ---- Discretization (Keras' quantile summaries: sorted samples every 1/epsilon-th, merged and
# compressed by interpolating cumulative weights) ----

def _summary_of(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.ones_like(picked) * step])


def _compressed(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    bins = np.interp(percents, fractions, summary[0])
    cumulative = np.interp(percents, fractions, cumulative)
    weights = cumulative - np.concatenate((np.array([0]), cumulative[:-1]))
    return np.stack((bins, weights)).astype("float32")


class Discretization(Layer):
    """Buckets numbers by boundaries (given, or quantiles learned by `adapt`), as Keras 3.

    Bucket `i` holds `boundaries[i-1] <= x < boundaries[i]`.

    Args:
      bin_boundaries: sorted boundaries; or None with `num_bins` (then call `adapt`).
      num_bins: the number of buckets `adapt` learns.
      epsilon: the quantile summaries' error tolerance.
      output_mode: `"int"` (int32 bucket ids, the default), `"one_hot"`, `"multi_hot"` or `"count"`.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise NotImplementedError("tapejax's Discretization returns dense tensors (sparse=True is not "
                                      "supported)")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of ['int', 'one_hot', "
                             f"'multi_hot', 'count']. Received: output_mode={output_mode}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries, self.num_bins, self.epsilon = bin_boundaries, num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self._summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    def adapt(self, data, steps=None):
        """Learns `num_bins - 1` quantile boundaries from `data` (an array, tensor or batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        self._summary = np.array([[], []], dtype="float32")
        batches = _batches(data)
        for batch in batches[:steps] if steps is not None else batches:
            summary = _summary_of(np.asarray(batch).astype("float32"), self.epsilon)
            merged = np.concatenate((summary, self._summary), axis=1)
            self._summary = _compressed(np.take(merged, np.argsort(merged[0]), axis=1), self.epsilon)
        self.bin_boundaries = _compressed(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()
        self.built = True

    def finalize_state(self):
        pass

    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def _symbolic_call(self, inputs, args, kwargs):
        dtype = "int32" if self.output_mode == "int" else self._dtype.name
        return _symbolic(self, inputs, self.compute_output_shape(inputs.shape), dtype)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or "
                             "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        x = inputs if isinstance(inputs, Tensor) else convert_to_tensor(np.asarray(inputs, np.float32))
        bounds = np.asarray(self.bin_boundaries, dtype=x.dtype.as_numpy_dtype if x.dtype.is_floating
                            else np.float64)
        if not x.dtype.is_floating:
            x = math_ops.cast(x, "float64")
        if bounds.size:
            above = math_ops.greater_equal(array_ops.expand_dims(x, -1), convert_to_tensor(bounds))
            indices = math_ops.reduce_sum(math_ops.cast(above, "int32"), axis=-1)
        else:
            indices = math_ops.cast(array_ops.zeros_like(x), "int32")
        if self.output_mode == "int":
            return indices
        return _encode(indices, self.output_mode, self._depth(), self._dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": self._dtype_policy.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            config["num_bins"] = None  # an adapted layer's config has both (Keras keeps the boundaries)
        return cls(**config)
