"""Array ops (`tf.reshape`, `tf.concat`, `tf.gather`, indexing, creation ops, ...)."""

from __future__ import annotations

import builtins
import functools

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _checks, _dtypes, _ragged_dispatch, _trace_graph
from tapejax._errors import InvalidArgumentError
from tapejax._ops import _shapes
from tapejax._ops._convert import (
    PACK,
    as_value,
    binary_inputs,
    contains_tensor,
    convert_to_tensor,
    same_dtype_values,
    stack,  # noqa: F401 - tf.stack, defined with list conversion (autopacking)
)
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor, TensorShape

newaxis = None


def _ints(value):
    """A tuple of Python ints from a shape-like (list, tuple, TensorShape, Tensor)."""
    if hasattr(value, "numpy") and not isinstance(value, TensorShape):
        value = np.asarray(value.numpy()).tolist()
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    return tuple(-1 if d is None else int(d) for d in value)


def _op(name, fn, differentiable=True, multi=False):
    return Op(name, fn, differentiable, multi)


ARRAY = {
    "identity": _op("Identity", lambda x: x),
    "stop_gradient": _op("StopGradient", lambda x: x, differentiable=False),
    "reshape": _op("Reshape", lambda x, shape: jnp.reshape(x, shape)),
    "transpose": _op("Transpose", lambda x, perm: jnp.transpose(x, perm)),
    "transpose_conjugate": _op("ConjugateTranspose", lambda x, perm: jnp.conj(jnp.transpose(x, perm))),
    "expand_dims": _op("ExpandDims", lambda x, axis: jnp.expand_dims(x, axis)),
    "squeeze": _op("Squeeze", lambda x, axis: jnp.squeeze(x, axis)),
    "tile": _op("Tile", lambda x, multiples: jnp.tile(x, multiples)),
    "broadcast_to": _op("BroadcastTo", lambda x, shape: jnp.broadcast_to(x, shape)),
    "reverse": _op("ReverseV2", lambda x, axis: jnp.flip(x, axis)),
    "pad": _op("PadV2", lambda x, c, paddings, mode: jnp.pad(x, paddings, mode=mode, constant_values=c)
               if mode == "constant" else jnp.pad(x, paddings, mode=mode)),
    "concat": _op("ConcatV2", lambda *xs, axis: jnp.concatenate(xs, axis=axis)),
    "stack": PACK,
    "unstack": _op("Unpack", lambda x, num, axis: tuple(
        jnp.squeeze(p, axis) for p in jnp.split(x, num, axis=axis)), multi=True),
    "split": _op("SplitV", lambda x, sizes, axis: tuple(
        jnp.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis)), multi=True),
    "getitem": _op("StridedSlice", lambda x, key: x[_decode_key(key)]),
    "slice": _op("Slice", lambda x, begin, size: jax.lax.dynamic_slice(x, begin, size)),
    "gather": _op("GatherV2", lambda p, i, axis, batch_dims: _gather(p, i, axis, batch_dims)),
    "gather_nd": _op("GatherNd", lambda p, i, batch_dims: _gather_nd(p, i, batch_dims)),
    "where": _op("SelectV2", lambda c, x, y: jnp.where(c, x, y)),
    "where_index": _op("Where", lambda c: jnp.argwhere(c).astype(jnp.int64), differentiable=False),
    "one_hot": _op("OneHot", lambda i, on, off, depth, axis, dtype: jnp.where(
        jax.nn.one_hot(i, depth, axis=axis, dtype=jnp.bool_), on, off).astype(dtype),
        differentiable=False),
    "zeros_like": _op("ZerosLike", jnp.zeros_like, differentiable=False),
    "ones_like": _op("OnesLike", jnp.ones_like, differentiable=False),
    "repeat": _op("Repeat", lambda x, repeats, axis: jnp.repeat(x, repeats, axis=axis)),
    "sort": _op("Sort", lambda x, axis, descending: -jnp.sort(-x, axis=axis) if descending
                else jnp.sort(x, axis=axis)),
    "argsort": _op("ArgSort", lambda x, axis, descending: jnp.argsort(
        -x if descending else x, axis=axis, stable=True).astype(jnp.int32), differentiable=False),
    "tensor_scatter_nd_update": _op("TensorScatterUpdate", lambda t, i, u: t.at[
        tuple(jnp.moveaxis(i, -1, 0))].set(u)),
    "tensor_scatter_nd_add": _op("TensorScatterAdd", lambda t, i, u: t.at[
        tuple(jnp.moveaxis(i, -1, 0))].add(u)),
    "tensor_scatter_nd_sub": _op("TensorScatterSub", lambda t, i, u: t.at[
        tuple(jnp.moveaxis(i, -1, 0))].add(-u)),
    "tensor_scatter_nd_min": _op("TensorScatterMin", lambda t, i, u: t.at[
        tuple(jnp.moveaxis(i, -1, 0))].min(u)),
    "tensor_scatter_nd_max": _op("TensorScatterMax", lambda t, i, u: t.at[
        tuple(jnp.moveaxis(i, -1, 0))].max(u)),
    "scatter_nd": _op("ScatterNd", lambda i, u, shape: jnp.zeros(shape, u.dtype).at[
        tuple(jnp.moveaxis(i, -1, 0))].add(u)),
    "linspace": _op("LinSpace", lambda s, e, num, axis: jnp.linspace(s, e, num, axis=axis)),
    "boolean_mask": _op("BooleanMask", lambda x, mask_idx: x[mask_idx]),
}


def _gather(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return jnp.take(params, indices, axis=axis, mode="clip")
    fn = _gather
    for _ in builtins.range(batch_dims):
        fn = jax.vmap(lambda p, i, f=fn: f(p, i, axis - batch_dims, 0) if f is _gather else f(p, i))
    return fn(params, indices)


def _gather_nd(params, indices, batch_dims):
    def one(p, i):
        return p[tuple(jnp.moveaxis(i, -1, 0))]
    fn = one
    for _ in builtins.range(batch_dims):
        fn = jax.vmap(fn)
    return fn(params, indices)


# -- indexing -----------------------------------------------------------------------------------
def _encode_key(key):
    """A hashable description of a __getitem__ key (ints, slices, None, Ellipsis)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, builtins.slice):
            out.append(("s", _int_or_none(k.start), _int_or_none(k.stop), _int_or_none(k.step)))
        elif k is None:
            out.append(("n",))
        elif k is Ellipsis:
            out.append(("e",))
        elif isinstance(k, (Tensor,)) or hasattr(k, "_trainable"):
            if k.dtype.is_bool:
                raise TypeError("Boolean tensors are not valid indices; use tf.boolean_mask.")
            value = np.asarray(k.numpy())
            if value.ndim == 0:
                out.append(("i", int(value)))
            else:
                raise TypeError(
                    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                    "tf.int32/tf.int64 tensors are valid indices, got a tensor of shape "
                    f"{tuple(value.shape)}.\ntapejax: use tf.gather for tensor indices.")
        elif isinstance(k, (int, np.integer)):
            out.append(("i", int(k)))
        else:
            raise TypeError(
                "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                f"tf.int32/tf.int64 tensors are valid indices, got {k!r}")
    return tuple(out)


def _int_or_none(v):
    if v is None:
        return None
    return int(v.numpy()) if hasattr(v, "numpy") else int(v)


def _decode_key(key):
    out = []
    for k in key:
        tag = k[0]
        if tag == "s":
            out.append(builtins.slice(k[1], k[2], k[3]))
        elif tag == "n":
            out.append(None)
        elif tag == "e":
            out.append(Ellipsis)
        else:
            out.append(k[1])
    return tuple(out)


def _traced_index(k):
    return type(k) is Tensor and isinstance(k._v, jax.core.Tracer) and k._v.ndim == 0 and not k.dtype.is_bool


def _getitem_traced(x, parts):
    """`x[key]` where some indices are traced scalars (inside `tapejax.function`): the static part
    of the key first, then one gather per traced index (a negative one counts from the end)."""
    result = getitem(x, tuple(builtins.slice(None) if _traced_index(k) else k for k in parts))
    consumed = sum(1 for k in parts if k is not None and k is not Ellipsis)
    dims, dim = [], 0
    for k in parts:
        if k is Ellipsis:
            dim += x.ndim - consumed
        elif _traced_index(k):
            dims.append((dim, k))
            dim += 1
        elif k is None or isinstance(k, builtins.slice):
            dim += 1
    for dim, index in reversed(dims):
        size = result._v.shape[dim]
        index = where(index < 0, index + size, index)
        result = gather(result, index, axis=dim)
    return result


def getitem(x, key):
    """`x[key]` for ints, slices, `tf.newaxis` and `...`, with TF's out-of-range error."""
    x = as_value(x)
    if any(_traced_index(k) for k in (key if isinstance(key, tuple) else (key,))):
        return _getitem_traced(x, key if isinstance(key, tuple) else (key,))
    encoded = _encode_key(key)
    shape = x._v.shape
    dim = 0
    for k in encoded:
        if k[0] == "e":
            dim = len(shape) - sum(1 for j in encoded if j[0] in "is")
            continue
        if k[0] in "is" and dim >= len(shape):
            raise InvalidArgumentError(
                f"Index out of range using input dim {dim}; input has only {len(shape)} dims "
                f"[Op:StridedSlice] name: strided_slice/")
        if k[0] == "i":
            if not -shape[dim] <= k[1] < shape[dim]:
                size = shape[dim] if dim < len(shape) else 0
                raise InvalidArgumentError(
                    f"slice index {k[1]} of dimension {dim} out of bounds. [Op:StridedSlice] "
                    f"name: strided_slice/\ntapejax: dimension {dim} has size {size}.")
        if k[0] in "is":
            dim += 1
    return apply(ARRAY["getitem"], [x], (("key", encoded),))


# -- shape ops ----------------------------------------------------------------------------------
def identity(input, name=None):
    """Returns a tensor with the same value; reading a Variable this way is watched."""
    return apply(ARRAY["identity"], [as_value(input)])


def stop_gradient(input, name=None):
    """Returns `input`; no gradient flows through it (`None` gradients, as TF)."""
    return apply(ARRAY["stop_gradient"], [as_value(input)])


def reshape(tensor, shape, name=None):
    """Reshapes `tensor` to `shape` (one dimension may be -1).

    Raises:
      InvalidArgumentError: if the number of elements does not match.
    """
    x = as_value(tensor)
    shape = _ints(_shapes.attr_ints(shape, "Reshape", "Tshape"))
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    if _symbolic(x._v.shape):  # a relaxed trace's None dimensions: sizes known when it runs
        _shapes.check_symbolic_reshape(x._v.shape, shape, known)
        return apply(ARRAY["reshape"], [x], (("shape", shape),))
    size = int(np.prod(x._v.shape, dtype=np.int64))
    if (-1 not in shape and known != size) or (-1 in shape and (known == 0 or size % known)):
        raise InvalidArgumentError(
            f"Input to reshape is a tensor with {size} values, but the requested shape has "
            f"{known} [Op:Reshape]" if -1 not in shape else
            f"Input to reshape is a tensor with {size} values, but the requested shape requires a "
            f"multiple of {known} [Op:Reshape]")
    return apply(ARRAY["reshape"], [x], (("shape", shape),))


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes dimensions (reverses them when `perm` is None)."""
    x = as_value(a)
    perm = tuple(reversed(builtins.range(x.ndim))) if perm is None else _ints(perm)
    conjugate = conjugate and x._v.dtype.kind == "c"
    return apply(ARRAY["transpose_conjugate" if conjugate else "transpose"], [x], (("perm", perm),))


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the last two dimensions of `a` (conjugating when asked), as `tf.linalg.matrix_transpose`."""
    x = as_value(a)
    if x._v.ndim < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = {x.numpy()} "
                         f"with shape: {tuple(x._v.shape)}")
    perm = [*builtins.range(x._v.ndim - 2), x._v.ndim - 1, x._v.ndim - 2]
    return transpose(x, perm, conjugate=conjugate)


def expand_dims(input, axis, name=None):
    """Inserts a dimension of length 1 at `axis`."""
    return apply(ARRAY["expand_dims"], [as_value(input)], (("axis", _shapes.axis_int(axis)),))


def squeeze(input, axis=None, name=None):
    """Removes dimensions of length 1 (only those in `axis` when given)."""
    x = as_value(input)
    if axis is not None:
        axis = _ints(axis)
        for a in axis:
            if not -x._v.ndim <= a < x._v.ndim:
                raise InvalidArgumentError(f"Tried to squeeze dim index {a} for tensor with {x._v.ndim} "
                                           f"dimensions. [Op:Squeeze] name: ")
            if x._v.shape[a] != 1:
                raise InvalidArgumentError(
                    f"Can not squeeze dim[{a % x.ndim}], expected a dimension of 1, got "
                    f"{x._v.shape[a]} [Op:Squeeze]")
    return apply(ARRAY["squeeze"], [x], (("axis", axis),))


def tile(input, multiples, name=None):
    """Repeats `input` `multiples[i]` times along dimension i.

    Raises:
      InvalidArgumentError: if `multiples` does not have one entry per dimension of `input`.
    """
    x, reps = as_value(input), _ints(_shapes.attr_ints(multiples, "Tile", "Tmultiples"))
    if len(reps) != len(x._v.shape):
        raise InvalidArgumentError(f"Expected multiples argument to be a vector of length "
                                   f"{len(x._v.shape)} but got length {len(reps)} [Op:Tile]")
    for i, r in enumerate(reps):
        if r < 0:
            raise InvalidArgumentError(f"Expected multiples[{i}] >= 0, but got {r} [Op:Tile]")
    return apply(ARRAY["tile"], [x], (("multiples", reps),))


def broadcast_to(input, shape, name=None):
    """Broadcasts `input` to `shape`."""
    shape = _ints(_shapes.attr_ints(shape, "BroadcastTo", "Tidx"))
    return apply(ARRAY["broadcast_to"], [as_value(input)], (("shape", shape),))


def reverse(tensor, axis, name=None):
    axis = _ints(_shapes.attr_ints(axis, "ReverseV2", "Tidx"))
    x = as_value(tensor)
    if x._v.ndim == 0 or 0 in x._v.shape:  # TF returns an empty or scalar input unchanged, whatever the axis
        return identity(x)
    return apply(ARRAY["reverse"], [x], (("axis", axis),))


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads `tensor`; `mode` is CONSTANT, REFLECT or SYMMETRIC."""
    x = as_value(tensor)
    _shapes.attr_ints(paddings, "PadV2" if mode.upper() == "CONSTANT" else "MirrorPad", "Tpaddings")
    pads = tuple(tuple(int(v) for v in row) for row in np.asarray(
        paddings.numpy() if hasattr(paddings, "numpy") else paddings))
    if len(pads) != x._v.ndim:
        raise InvalidArgumentError(
            f"The first dimension of paddings must be the rank of inputs[{len(pads)},"
            f"{len(pads[0]) if pads else 2}] [{','.join(map(str, x._v.shape))}] [Op:Pad]")
    c = convert_to_tensor(constant_values, dtype=x.dtype)
    return apply(ARRAY["pad"], [x, c], (("paddings", pads), ("mode", mode.lower())))


def concat(values, axis, name="concat"):
    """Concatenates tensors along `axis`."""
    values = same_dtype_values(list(values), "ConcatV2")
    return apply(ARRAY["concat"], values, (("axis", int(axis)),))


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits `value` along `axis` into a list of tensors."""
    x = as_value(value)
    axis = _shapes.axis_int(axis)
    rank = x._v.ndim
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    n = x._v.shape[axis]
    if num is not None and int(num) != n:
        raise InvalidArgumentError(f"Input shape axis {axis % rank} must equal {int(num)}, got shape "
                                   f"[{','.join(map(str, x._v.shape))}] [Op:Unpack] name: {name}")
    if n == 0:
        return []
    return apply(ARRAY["unstack"], [x], (("num", n), ("axis", axis)))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` into equal parts (an int) or parts of the given sizes (a list)."""
    x = as_value(value)
    axis = _shapes.axis_int(axis)
    rank = x._v.ndim
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but got {axis} "
                                   f"[Op:Split] name: split")
    dim = x._v.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if n < 1:
            raise InvalidArgumentError(f"Value for attr 'num_split' of {n} must be at least minimum 1")
        if dim % n:
            raise InvalidArgumentError(
                f"Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {axis} (size = {dim}) and num_split {n} [Op:Split] name: split")
        sizes = (dim // n,) * n
    else:
        sizes = list(_ints(num_or_size_splits))
        if -1 in sizes:
            sizes[sizes.index(-1)] = dim - sum(s for s in sizes if s != -1)
        sizes = tuple(sizes)
        if sum(sizes) != dim:
            raise InvalidArgumentError(
                f"Determined shape must either match input shape along split_dim exactly if "
                f"fully specified, or be less than the size of the input along split_dim if not "
                f"fully specified.  Got: {sum(sizes)} [Op:SplitV] name: split")
    return apply(ARRAY["split"], [x], (("sizes", sizes), ("axis", int(axis))))


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """Extracts a slice of `size` starting at `begin` (-1 in size: to the end)."""
    x = as_value(input_)
    begin = _ints(begin)
    size = tuple(x._v.shape[i] - b if s == -1 else s
                 for i, (b, s) in enumerate(zip(begin, _ints(size))))
    return apply(ARRAY["slice"], [x], (("begin", begin), ("size", size)))


# -- gather / where -----------------------------------------------------------------------------
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of `params` along `axis` at `indices`.

    Raises:
      InvalidArgumentError: if an index is out of range (checked eagerly, as TF's CPU kernel).
    """
    p = as_value(params)
    i = as_value(indices)
    axis = batch_dims if axis is None else _shapes.axis_int(axis)
    if not -p.ndim <= axis < p.ndim:
        raise InvalidArgumentError(f"Shape must be at least rank {axis + 1 if axis >= 0 else -axis} but is "
                                   f"rank {p.ndim} [Op:GatherV2]")
    if axis < 0:
        axis += p.ndim
    if not isinstance(i._value, jax.core.Tracer):
        idx = np.asarray(i._value)
        limit = p._v.shape[axis]
        bad = (idx < 0) | (idx >= limit)
        if bad.any():
            where = tuple(int(v) for v in np.argwhere(bad)[0])
            raise InvalidArgumentError(
                f"indices{list(where)} = {int(idx[where])} is not in [0, {limit}) "
                f"[Op:GatherV2] name: ")
    return apply(ARRAY["gather"], [p, i], (("axis", axis), ("batch_dims", int(batch_dims))))


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of `params` at the index tuples in the last dimension of `indices`.

    Raises:
      InvalidArgumentError: for an index tuple outside `params` (eagerly, as TF on CPU).
    """
    p, i = as_value(params), as_value(indices)
    depth = i._v.shape[-1] if i._v.ndim else 0
    if depth > p._v.ndim - int(batch_dims):
        raise InvalidArgumentError(f"index innermost dimension length must be <= params rank; saw: {depth} vs. "
                                   f"{p._v.ndim} [Op:GatherNd]")
    if not batch_dims and not _is_traced(i):
        _check_nd_indices(np.asarray(i._value), tuple(p._v.shape))
    return apply(ARRAY["gather_nd"], [p, i], (("batch_dims", int(batch_dims)),))


def _is_traced(x):
    return isinstance(x._value, jax.core.Tracer)


def _check_nd_indices(indices, shape):
    depth = indices.shape[-1] if indices.ndim else 0
    flat = indices.reshape(-1, depth) if depth else indices.reshape(-1, 0)
    bounds = np.asarray(shape[:depth])
    bad = np.nonzero(np.any((flat < 0) | (flat >= bounds), axis=1))[0]
    if bad.size:
        k = int(bad[0])
        raise InvalidArgumentError(
            f"indices[{','.join(str(int(v)) for v in np.unravel_index(k, indices.shape[:-1]))}] = "
            f"[{', '.join(str(int(v)) for v in flat[k])}] does not index into param shape "
            f"[{','.join(map(str, shape))}], node name: GatherNd [Op:GatherNd]")


def where(condition, x=None, y=None, name=None):
    """Elementwise select (`x` where `condition`, else `y`), or indices of true elements."""
    c = as_value(condition)
    if x is None and y is None:
        if c._v.dtype.kind == "O":
            raise InvalidArgumentError(
                "Value for attr 'T' of string is not in the list of allowed values: float, double, int32, uint8, "
                "int16, int8, complex64, int64, bool, complex128 [Op:Where]")
        return Tensor(jnp.argwhere(c._value).astype(jnp.int64))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    x, y = binary_inputs("SelectV2", x, y)
    return apply(ARRAY["where"], [c, x, y])


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    x = as_value(tensor)
    mask_shape = tuple(as_value(mask)._v.shape)
    if mask_shape != tuple(x._v.shape[:len(mask_shape)]):
        raise ValueError(f"Shapes {tuple(x._v.shape[:len(mask_shape)])} and {mask_shape} are incompatible")
    m = np.asarray(as_value(mask).numpy()).astype(bool)
    idx = tuple(np.nonzero(m))
    return apply(ARRAY["gather_nd"], [x, Tensor(jnp.asarray(np.stack(idx, -1)))], (("batch_dims", 0),))


_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}  # as TF's op-def errors


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encodes integer `indices` to `depth` classes (float32 by default)."""
    i = as_value(indices)
    if i._v.dtype not in (np.uint8, np.int8, np.int32, np.int64):
        raise InvalidArgumentError(
            f"Value for attr 'TI' of {_TF_TYPE_NAMES.get(i._v.dtype.name, i._v.dtype.name)} is not in the "
            f"list of allowed "
            f"values: uint8, int8, int32, int64\n\t; NodeDef: {{{{node OneHot}}}}; Op<name=OneHot; "
            f"signature=indices:TI, depth:int32, on_value:T, off_value:T -> output:T> [Op:OneHot]")
    if not isinstance(depth, (int, np.integer)) or isinstance(depth, bool):
        if hasattr(depth, "dtype") and getattr(depth.dtype, "is_integer", False) and len(depth.shape) == 0:
            depth = int(depth)
        else:
            raise TypeError(f"Cannot convert {depth!r} to EagerTensor of dtype int32")
    if depth < 0:
        raise InvalidArgumentError(f"depth must be non-negative, got: {depth} [Op:OneHot]")
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    elif on_value is not None or off_value is not None:  # TF infers the dtype from the values
        dtype = convert_to_tensor(on_value if on_value is not None else off_value).dtype
    else:
        dtype = _dtypes.float32
    on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype)._value
    off = convert_to_tensor(0 if off_value is None else off_value, dtype=dtype)._value
    return Tensor(ARRAY["one_hot"].kernel((("depth", int(depth)), ("axis", -1 if axis is None else int(axis)),
                                           ("dtype", dtype._np)))(i._value, on, off))


def repeat(input, repeats, axis=None, name=None):
    rank = as_value(input)._v.ndim
    if axis is not None and not -rank <= int(axis) < rank:
        raise ValueError(f"axis={int(axis)} out of bounds: expected {-rank}<=axis<{rank}")
    return apply(ARRAY["repeat"], [as_value(input)], (("repeats", int(repeats)), ("axis", axis)))


def sort(values, axis=-1, direction="ASCENDING", name=None):
    return apply(ARRAY["sort"], [as_value(values)], (("axis", int(axis)), ("descending", direction == "DESCENDING")))


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    return apply(ARRAY["argsort"], [as_value(values)], (("axis", int(axis)), ("descending", direction == "DESCENDING")))


_IN_BOUNDS = {}


def _out_of_bounds_kernel(shape):
    found = _IN_BOUNDS.get(shape)
    if found is None:
        def any_outside(i):
            depth = i.shape[-1]
            bounds = jnp.asarray(shape[:depth], i.dtype)
            return jnp.any((i < 0) | (i >= bounds))
        found = _IN_BOUNDS[shape] = jax.jit(any_outside)
    return found


def _scatter_indices(indices, t, op_name):
    """`indices` as a Tensor, checked against `t`'s shape as TF's CPU kernel does: now for host values,
    with the next value read for a Tensor (`_checks`, no device sync here)."""
    shape = tuple(t._v.shape)
    if type(indices) is Tensor or hasattr(indices, "_trainable") or contains_tensor(indices):
        i = as_value(indices)  # a nested list holding Tensors packs to one (traced inside a function)
        if i._v.ndim and i._v.shape[-1] <= len(shape) and i._v.dtype.kind in "iu":
            _checks.defer(_out_of_bounds_kernel(shape), i, InvalidArgumentError,
                          f"indices does not index into shape [{','.join(map(str, shape))}] [Op:{op_name}]")
        return i
    i = as_value(indices)
    host = np.asarray(indices)
    if host.ndim and host.dtype.kind in "iu" and host.shape[-1] <= len(shape):
        flat = host.reshape(-1, host.shape[-1])
        bad = np.nonzero(np.any((flat < 0) | (flat >= np.asarray(shape[:host.shape[-1]])), axis=1))[0]
        if bad.size:
            k = int(bad[0])
            raise InvalidArgumentError(
                f"indices[{k}] = [{', '.join(str(int(v)) for v in flat[k])}] does not index into shape "
                f"[{','.join(map(str, shape))}] [Op:{op_name}]")
    return i


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    t = as_value(tensor)
    i = _scatter_indices(indices, t, "TensorScatterUpdate")
    return apply(ARRAY["tensor_scatter_nd_update"], [t, i, as_value(updates, t.dtype)])


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    t = as_value(tensor)
    i = _scatter_indices(indices, t, "TensorScatterAdd")
    return apply(ARRAY["tensor_scatter_nd_add"], [t, i, as_value(updates, t.dtype)])


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """`tensor` with `updates` subtracted at the index tuples in the last axis of `indices`."""
    t = as_value(tensor)
    i = _scatter_indices(indices, t, "TensorScatterSub")
    return apply(ARRAY["tensor_scatter_nd_sub"], [t, i, as_value(updates, t.dtype)])


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """`tensor` with each indexed element replaced by its minimum with the update."""
    t = as_value(tensor)
    i = _scatter_indices(indices, t, "TensorScatterMin")
    return apply(ARRAY["tensor_scatter_nd_min"], [t, i, as_value(updates, t.dtype)])


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """`tensor` with each indexed element replaced by its maximum with the update."""
    t = as_value(tensor)
    i = _scatter_indices(indices, t, "TensorScatterMax")
    return apply(ARRAY["tensor_scatter_nd_max"], [t, i, as_value(updates, t.dtype)])


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of `shape` with `updates` added at the index tuples in the last axis of
    `indices` (duplicate indices sum, as TF); differentiable in `updates`.

    Args:
      indices: int32/int64 Tensor, shape `[..., k]` with k <= len(shape).
      updates: Tensor of shape `indices.shape[:-1] + shape[k:]`.
      shape: the output shape (a list or a 1-D int Tensor).

    Returns:
      A Tensor of `shape` and `updates`' dtype.

    Raises:
      InvalidArgumentError: an index outside `shape` (checked eagerly, as TF's CPU kernel), or
        shapes that do not fit together.
    """
    i = as_value(indices)
    u = as_value(updates)
    dims = _ints(shape)
    concrete = i._v
    if not isinstance(concrete, jax.core.Tracer):
        flat = np.asarray(concrete).reshape(-1, concrete.shape[-1] if concrete.ndim else 1)
        bounds = np.asarray(dims[:flat.shape[1]])
        for n, row in enumerate(flat):
            if flat.shape[1] <= len(dims) and ((row < 0) | (row >= bounds)).any():
                raise InvalidArgumentError(
                    f"indices[{n}] = [{', '.join(str(int(v)) for v in row)}] does not index into "
                    f"shape [{','.join(str(d) for d in dims)}] [Op:ScatterNd]")
    return apply(ARRAY["scatter_nd"], [i, u], (("shape", dims),))


# -- creation -----------------------------------------------------------------------------------
def _dtype_or(dtype, default):
    return (_dtypes.as_dtype(dtype) if dtype is not None else default)._np


def _created(fn, shape, dtype):
    try:
        return Tensor(fn(shape, dtype))
    except jax.errors.JaxRuntimeError as err:  # JAX's out-of-memory: TF's ResourceExhaustedError
        raise _shapes.oom_error(shape, dtype, "Fill") from err


def zeros(shape, dtype=_dtypes.float32, name=None, layout=None):
    """A Tensor of zeros (float32 by default).

    Raises:
      TypeError: a non-integer dimension.
      InvalidArgumentError: a negative dimension, or more than 2**63 - 1 elements.
      ResourceExhaustedError: more bytes than the device holds.
    """
    dtype = _dtype_or(dtype, _dtypes.float32)
    return _created(jnp.zeros, _shapes.creation_shape(shape, dtype), dtype)


def ones(shape, dtype=_dtypes.float32, name=None, layout=None):
    """A Tensor of ones (float32 by default); raises as `zeros`."""
    dtype = _dtype_or(dtype, _dtypes.float32)
    return _created(jnp.ones, _shapes.creation_shape(shape, dtype), dtype)


def fill(dims, value, name=None, layout=None):
    """A Tensor of shape `dims` filled with the scalar `value` (of its dtype), as `tf.fill`.

    Args:
      dims: the shape: a vector (or scalar) of non-negative int32/int64 dimensions.
      value: the scalar to fill with.
      name: ignored (eager).
      layout: ignored (DTensor).

    Returns:
      A Tensor of shape `dims` and `value`'s dtype.

    Raises:
      InvalidArgumentError: `dims` of rank 2 or more, float or string dimensions, a negative
        dimension, or a `value` that is not a scalar (TF's Fill kernel messages).
      ValueError: a list of dimensions mixing bools with ints, or None dimensions.
    """
    if isinstance(dims, (list, tuple)) and any(isinstance(d, (bool, np.bool_)) for d in dims) \
            and not all(isinstance(d, (bool, np.bool_)) for d in dims):
        raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
    if dims is None:
        raise ValueError("Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a "
                         "Tensor.")
    if isinstance(dims, (str, bytes)) or isinstance(dims, (list, tuple)) and dims and all(
            isinstance(d, (str, bytes)) for d in dims):
        raise InvalidArgumentError("Value for attr 'index_type' of string is not in the list of allowed values: "
                                   "int32, int64\n\t; NodeDef: {{node Fill}} [Op:Fill]")
    v = convert_to_tensor(value)
    dims_shape = _dims_shape(dims)
    if dims_shape is not None and len(dims_shape) > 1:
        raise InvalidArgumentError(f"dims must represent a vector, got shape {_shape_text(dims_shape)} [Op:Fill] name: ")
    try:
        shape = _shapes.creation_shape(dims, v._v.dtype, float_attr="index_type")
    except InvalidArgumentError as err:
        if not _fill_scalar(v) and str(err).startswith("Dimension "):  # the kernel checks the value first
            raise _fill_value_error(v) from None
        raise
    if not _fill_scalar(v):
        raise _fill_value_error(v)
    if v._v.ndim:  # TF's kernel also takes a value of shape [1]
        v = reshape(v, [])
    if v._v.dtype.kind == "O":  # a string fill stays on the host, as string tensors do
        out = np.empty(shape, dtype=object)
        out[...] = v._value[()]
        return Tensor(out)
    return _created(lambda s, d: jnp.full(s, v._value), shape, v._v.dtype)


def _shape_text(shape):
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def _fill_scalar(value):
    """Whether `tf.fill` takes `value` (a Tensor) as its scalar: TF's kernel takes shape [] or [1]."""
    return value._v.ndim == 0 or value._v.shape == (1,)


def _fill_value_error(value):
    return InvalidArgumentError(f"value must represent a scalar, got shape {_shape_text(value._v.shape)} "
                                f"[Op:Fill] name: ")


def _dims_shape(dims):
    """The shape of `tf.fill`'s `dims` argument as TF converts it (None where it is not known)."""
    if hasattr(dims, "_v") and hasattr(dims, "dtype"):
        return tuple(dims._v.shape)
    if isinstance(dims, np.ndarray):
        return dims.shape
    if isinstance(dims, (list, tuple)):
        inner = [_dims_shape(d) if isinstance(d, (list, tuple, np.ndarray)) or hasattr(d, "_v") else ()
                 for d in dims]
        if inner and all(s is not None for s in inner) and len(set(inner)) == 1:
            return (len(dims),) + inner[0]
        return (len(dims),) if not inner else None
    return None


def zeros_like(input, dtype=None, name=None, layout=None):
    """Zeros of `input`'s shape (and dtype unless given); no gradient flows."""
    x = as_value(input)
    return Tensor(jnp.zeros(x._v.shape, _dtype_or(dtype, x.dtype)))


def ones_like(input, dtype=None, name=None, layout=None):
    """Ones of `input`'s shape (and dtype unless given); no gradient flows."""
    x = as_value(input)
    return Tensor(jnp.ones(x._v.shape, _dtype_or(dtype, x.dtype)))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32, name=None):
    """An identity matrix (optionally batched)."""
    for n in (num_rows, num_columns):
        if n is not None and not isinstance(n, (int, np.integer)) and not (
                hasattr(n, "dtype") and getattr(n.dtype, "is_integer", False)):
            raise TypeError(f"Arguments `num_rows` and `num_columns` must be positive integer values. "
                            f"Received: num_rows={num_rows}, "
                            f"num_columns={num_rows if num_columns is None else num_columns}")
    _shapes.creation_shape([int(num_rows), int(num_rows if num_columns is None else num_columns)],
                           _dtype_or(dtype, _dtypes.float32))
    m = jnp.eye(int(num_rows), None if num_columns is None else int(num_columns),
                dtype=_dtype_or(dtype, _dtypes.float32))
    if batch_shape is not None:
        m = jnp.broadcast_to(m, _ints(batch_shape) + m.shape)
    return Tensor(m)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """Numbers from `start` to `limit` (exclusive) by `delta`, as `tf.range`."""
    if limit is None:
        start, limit = 0, start
    vals = [v.numpy() if hasattr(v, "numpy") else v for v in (start, limit, delta)]
    if dtype is None:
        dtype = _dtypes.float32 if any(isinstance(v, (float, np.floating)) for v in vals) else _dtypes.int32
        for v in (start, limit, delta):
            if hasattr(v, "dtype"):
                dtype = v.dtype
    dtype = _dtypes.as_dtype(dtype)
    start_v, limit_v, delta_v = vals
    if delta_v == 0:
        raise InvalidArgumentError(f"Requires delta != 0: {_num(delta_v)} [Op:Range] name: ")
    if delta_v > 0 and start_v > limit_v:
        raise InvalidArgumentError(f"Requires start <= limit when delta > 0: {_num(start_v)}/{_num(limit_v)} "
                                   f"[Op:Range] name: ")
    if delta_v < 0 and start_v < limit_v:
        raise InvalidArgumentError(f"Requires start >= limit when delta < 0: {_num(start_v)}/{_num(limit_v)} "
                                   f"[Op:Range] name: ")
    return Tensor(jnp.asarray(np.arange(*vals).astype(dtype._np)))


def _num(v):
    """A range bound as TF prints it (0 for 0.0)."""
    v = v.item() if hasattr(v, "item") else v
    return int(v) if float(v).is_integer() else v


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` inclusive, differentiable in both.

    Integer endpoints (Python ints, int32/int64 Tensors) give float64, as TF; float endpoints keep
    their dtype (float32 for Python floats). Tensor endpoints of shape S give `num` values of shape
    S stacked along `axis`.
    """
    if isinstance(num, (float, np.floating)):
        raise TypeError(f"Argument `tensor` (name: num) must be of type integer. Received `tensor` = {num} of "
                        f"dtype: <dtype: 'float32'>")
    s = as_value(start)
    e = as_value(stop, s.dtype)
    if s.dtype.is_integer:  # integer inputs have no gradient, so a plain conversion loses none
        s, e = (Tensor(x._value.astype(np.float64)) for x in (s, e))
    return apply(ARRAY["linspace"], [s, e], (("num", int(num)), ("axis", int(axis))))


def _symbolic(dims):
    """Whether a shape holds symbolic sizes (None dimensions of a relaxed tapejax.function trace)."""
    return any(not isinstance(d, (int, np.integer)) for d in dims)


def shape(input, out_type=_dtypes.int32, name=None):
    """The shape of `input` as an int32 Tensor (a constant inside a trace: shapes are static, but
    for the None dimensions of a relaxed trace, which are computed when it runs)."""
    value, kernel = as_value(input)._v, _shape_kernel(_dtypes.as_dtype(out_type)._np)
    # A shape fully known at trace time is a constant (TF's graph optimizer folds it too); one with
    # None sizes is computed when the program runs, so the trace records it.
    return Tensor(_trace_graph.run_recorded(kernel, (value,)) if _symbolic(value.shape) else kernel(value))


@functools.lru_cache(maxsize=None)
def _shape_kernel(dtype):
    """The shape of an array as an array of `dtype`: a constant but for symbolic (None) sizes."""
    def shape_of(value):
        dims = value.shape
        if _symbolic(dims):
            return jnp.stack([jnp.asarray(d, dtype) for d in dims])
        with jax.ensure_compile_time_eval():
            return jnp.asarray(np.asarray(dims, dtype))
    return shape_of


def size(input, out_type=_dtypes.int32, name=None):
    dims = as_value(input)._v.shape
    if _symbolic(dims):
        return Tensor(jnp.asarray(np.prod(dims), _dtypes.as_dtype(out_type)._np))
    with jax.ensure_compile_time_eval():
        return Tensor(jnp.asarray(np.asarray(np.prod(as_value(input)._v.shape, dtype=np.int64),
                                             _dtypes.as_dtype(out_type)._np)))


def rank(input, name=None):
    with jax.ensure_compile_time_eval():
        return Tensor(jnp.asarray(np.int32(as_value(input)._v.ndim)))


def meshgrid(*args, **kwargs):
    indexing = kwargs.get("indexing", "xy")
    arrays = [as_value(a) for a in args]
    grids = jnp.meshgrid(*[a._value for a in arrays], indexing=indexing)
    return [Tensor(g) for g in grids]


# Ragged inputs run tf.ragged's versions (TF's ragged dispatch; see tapejax/_ragged_dispatch.py).
for _name in ("identity", "zeros_like", "ones_like"):
    globals()[_name] = _ragged_dispatch.elementwise(globals()[_name])
for _name in ("tile", "shape", "size", "rank", "expand_dims"):
    globals()[_name] = _ragged_dispatch.first(globals()[_name])
for _name in ("concat", "stack", "where", "gather"):
    globals()[_name] = _ragged_dispatch.any_arg(globals()[_name])
