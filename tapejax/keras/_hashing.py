"""Keras 3's `Hashing` and `HashedCrossing` preprocessing layers, with TF's exact hashes, on the host.

`Hashing`: strings (and integers, as their decimal strings) into `num_bins` bins by FarmHash Fingerprint64
(`tf.strings.to_hash_bucket_fast`), or with a `salt` SipHash-2-4 keyed by it (`tf.strings.to_hash_bucket_strong`).
`HashedCrossing`: TF's `sparse.cross_hashed` of one value per input and row (a string's Fingerprint64, an
integer as itself, chained by FingerprintCat64 from TF's default hash key)."""

from __future__ import annotations

import farmhash
import numpy as np

from tapejax._ops._convert import convert_to_tensor
from tapejax.keras._layer import Layer
from tapejax.keras._preprocessing import _encode, _host, _symbolic

__all__ = ["Hashing", "HashedCrossing", "siphash24", "cross_hash"]

_MASK64 = (1 << 64) - 1


def _rotl(x, bits):
    return ((x << bits) | (x >> (64 - bits))) & _MASK64


def siphash24(k0, k1, data):
    """SipHash-2-4 of the bytes `data` under the 128-bit key `(k0, k1)` (TF's StrongKeyedHash)."""
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rounds(n, v0, v1, v2, v3):
        for _ in range(n):
            v0 = (v0 + v1) & _MASK64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _MASK64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _MASK64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _MASK64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v0, v1, v2, v3 = rounds(2, v0, v1, v2, v3 ^ m)
        v0 ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v0, v1, v2, v3 = rounds(2, v0, v1, v2, v3 ^ last)
    v0 ^= last
    v0, v1, v2, v3 = rounds(4, v0, v1, v2 ^ 0xFF, v3)
    return v0 ^ v1 ^ v2 ^ v3


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")  # tf.as_string of an integer (floats are cast to int64 first)


class Hashing(Layer):
    """Hashes strings or integers into `num_bins` bins (bin 0 kept for `mask_value` when one is given), as
    Keras 3: `output_mode` `'int'` (int64 bins), `'one_hot'`, `'multi_hot'` or `'count'` (float32).

    Args:
      num_bins: the number of bins, the mask's included.
      mask_value: a value hashed to bin 0 (the others to bins 1 ... num_bins - 1).
      salt: an int or a pair of ints: SipHash-2-4 keyed by it instead of FarmHash.

    Raises:
      ValueError: for a `num_bins` that is not positive, another `output_mode`, an `'int'` mode with a
        non-integer dtype, `sparse` with `'int'`, or a malformed `salt`.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: "
                             f"num_bins={num_bins}.")
        if output_mode == "int" and self._dtype_policy.name not in ("int32", "int64"):
            raise ValueError(f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or 'in64'. "
                             f"Received: dtype={kwargs['dtype']}")
        modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in modes:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {modes}. Received: "
                             f"output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `\"one_hot\"`, `\"multi_hot\"`, or "
                             f"`\"count\"`. Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("tapejax's Hashing gives dense outputs only (sparse=False).")
        self.num_bins, self.mask_value, self.output_mode, self.sparse = num_bins, mask_value, output_mode, sparse
        self.strong_hash = salt is not None
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a "
                                 f"single integer. Received: salt={salt}.")

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def _symbolic_call(self, inputs, args, kwargs):
        return _symbolic(self, inputs, self.compute_output_shape(inputs.shape), self._dtype.name)

    def _bins(self, array):
        bins, masked = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            if array.dtype == object:
                mask = _as_bytes(self.mask_value)
                masked = np.asarray([_as_bytes(v) == mask for v in array.reshape(-1)], bool).reshape(array.shape)
            else:
                masked = array == self.mask_value
        if array.dtype.kind == "f":
            array = array.astype(np.int64)
        key = self.salt
        out = np.empty(array.shape, np.int64)
        for index, value in np.ndenumerate(array):
            data = _as_bytes(value)
            out[index] = (siphash24(key[0] & _MASK64, key[1] & _MASK64, data) if key
                          else farmhash.fingerprint64(data)) % bins
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        return out

    def call(self, inputs):
        array = _host(inputs)
        if self.output_mode == "one_hot" and array.ndim and array.shape[-1] == 1:
            array = np.squeeze(array, -1)
        bins = self._bins(array)
        if self.output_mode == "int":
            return convert_to_tensor(bins.astype(self._dtype._np))
        return _encode(convert_to_tensor(bins), self.output_mode, self.num_bins, self._dtype.name)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                "output_mode": self.output_mode, "sparse": self.sparse}



_CAT_MUL = 0xC6A4A7935BD1E995
_CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key


def _shift_mix(value):
    return value ^ (value >> 47)


def _fingerprint_cat64(fp1, fp2):
    """TF's FingerprintCat64: two 64-bit fingerprints combined into one."""
    result = fp1 ^ _CAT_MUL
    result ^= (_shift_mix((fp2 * _CAT_MUL) & _MASK64) * _CAT_MUL) & _MASK64
    result = (result * _CAT_MUL) & _MASK64
    result = (_shift_mix(result) * _CAT_MUL) & _MASK64
    return _shift_mix(result)


def cross_hash(values, num_bins, hash_key=_CROSS_HASH_KEY):
    """TF's hashed cross of one row's `values` (bytes or integers) into `num_bins` bins."""
    out = hash_key
    for value in values:
        feature = farmhash.fingerprint64(value) if isinstance(value, bytes) else int(value) & _MASK64
        out = _fingerprint_cat64(out, feature)
    return out % num_bins


class HashedCrossing(Layer):
    """Crosses two or more integer or string features into `num_bins` bins (TF's hashed cross), as Keras 3:
    inputs of shape `()`, `(batch,)` or `(batch, 1)`, `output_mode` `'int'` (int64) or `'one_hot'` (float32).

    Raises:
      ValueError: for another `output_mode`, or inputs that are not a list or tuple of two or more
        integer or string tensors of one of those shapes.
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype)
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"Unknown value for `output_mode` argument of HashedCrossing. Allowed values are: "
                             f"('int', 'one_hot'). Received: output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("tapejax's HashedCrossing gives dense outputs only (sparse=False).")
        self.num_bins, self.output_mode, self.sparse = num_bins, output_mode, sparse

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def _symbolic_call(self, inputs, args, kwargs):
        shape = self.compute_output_shape([tuple(x.shape) for x in inputs])
        return _symbolic(self, inputs, shape, self._dtype.name)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                             f"inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. Received: inputs={inputs}")
        arrays = [_host(x) for x in inputs]
        arrays = [a.astype(object) if a.dtype.kind in "SU" else a for a in arrays]  # a scalar string's bytes
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received: inputs={inputs}")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: inputs={inputs}")
        if not all(a.dtype == object or a.dtype.kind in "iu" for a in arrays):
            raise ValueError(f"All `HashedCrossing` inputs should have an integer or string dtype. Received: "
                             f"inputs={inputs}")
        rows = [a.reshape(-1) for a in arrays]
        bins = np.asarray([cross_hash([_as_bytes(r[i]) if r.dtype == object else r[i] for r in rows],
                                      self.num_bins) for i in range(rows[0].size)], np.int64).reshape(shape)
        if self.output_mode == "int":
            return convert_to_tensor(bins.astype(self._dtype._np))
        if bins.ndim == 0:
            bins = bins.reshape(1)
        return _encode(convert_to_tensor(bins), "one_hot", self.num_bins, self._dtype.name)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": self._dtype_policy.name}
