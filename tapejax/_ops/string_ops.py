"""String tensors' ops: NumPy kernels for the array ops TF defines on strings, and `tf.strings`.

A string Tensor holds a NumPy object array of Python `bytes` (see `_dtypes.string`). Strings never
reach JAX: `_dispatch` runs an op whose inputs are strings with its row in `HOST_KERNELS` (filled
here, keyed by TF's op name, with the same signature as the JAX row), and the `tf.strings` ops below
compute on the host. None of them is differentiable (TF registers no gradient for strings).
"""

from __future__ import annotations

import builtins

import numpy as np

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError, UnimplementedError
from tapejax._ops._dispatch import HOST_KERNELS
from tapejax._ops.array_ops import _decode_key


def _broadcast(op_name, *arrays):
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = " vs. ".join("[" + ",".join(map(str, v.shape)) + "]" for v in arrays)
        raise InvalidArgumentError(f"Incompatible shapes: {shapes} [Op:{op_name}] name: ") from None


def _equal(x, y, op_name="Equal"):
    x, y = _broadcast(op_name, x, y)
    return np.fromiter((a == b for a, b in zip(x.ravel(), y.ravel())), bool, x.size).reshape(x.shape)


def _cast(x, dtype):
    src = "string" if x.dtype.kind == "O" else _dtypes.from_jax(x.dtype)._tf_kind
    dst = "string" if dtype.kind == "O" else _dtypes.as_dtype(dtype)._tf_kind
    raise UnimplementedError(f"Cast {src} to {dst} is not supported [Op:Cast] name: \ntapejax: use "
                             f"tf.strings.to_number / tf.strings.as_string to convert strings.")


def _objects(array):
    out = np.empty(np.shape(array), dtype=object)
    out[...] = array
    return out


def _add(x, y):
    x, y = _broadcast("AddV2", x, y)
    return _objects(np.frompyfunc(lambda a, b: a + b, 2, 1)(x, y))


HOST_KERNELS.update({
    "Identity": lambda x: x,
    "StopGradient": lambda x: x,
    "Reshape": lambda x, shape: x.reshape(shape),
    "Transpose": lambda x, perm: np.ascontiguousarray(np.transpose(x, perm)),
    "ExpandDims": lambda x, axis: np.expand_dims(x, axis),
    "Squeeze": lambda x, axis: np.squeeze(x, axis),
    "Tile": lambda x, multiples: np.tile(x, multiples),
    "BroadcastTo": lambda x, shape: np.array(np.broadcast_to(x, shape)),
    "ReverseV2": lambda x, axis: np.flip(x, axis).copy(),
    "ConcatV2": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "Pack": lambda *xs, axis: np.stack(xs, axis=axis),
    "Unpack": lambda x, num, axis: tuple(np.squeeze(p, axis) for p in np.split(x, num, axis=axis)),
    "SplitV": lambda x, sizes, axis: tuple(np.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis)),
    "StridedSlice": lambda x, key: _objects(x[_decode_key(key)]),
    "Slice": lambda x, begin, size: x[tuple(builtins.slice(b, b + s) for b, s in zip(begin, size))],
    "GatherV2": lambda p, i, axis, batch_dims: _objects(np.take(p, i, axis=axis)),
    "GatherNd": lambda p, i, batch_dims: _objects(p[tuple(np.moveaxis(i, -1, 0))]),
    "SelectV2": lambda c, x, y: _objects(np.where(c, x, y)),
    "Equal": _equal,
    "NotEqual": lambda x, y: ~_equal(x, y, "NotEqual"),
    "AddV2": _add,
    "Cast": _cast,
})
