"""Variable scatter updates (`v.scatter_add`, `v.scatter_nd_update`, ...), attached to `tf.Variable` here,
above the Variable's storage (as TF keeps them in its state ops): each checks its indices and updates
as TF's resource scatter ops do, then writes through the Variable's in-place update path."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _context, _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._indexed_slices import IndexedSlices
from tapejax._ops._convert import convert_to_tensor
from tapejax._variable import Variable

# -- scatter kernels (Variable.scatter_*): (current, (indices, updates)) -> new value ---------------

def _dims(shape):
    return "[" + ",".join(map(str, shape)) + "]"


def _scatter_indices(indices, op_name):
    indices = convert_to_tensor(indices)._value
    if indices.dtype not in (jnp.int32, jnp.int64):
        name = _dtypes.from_jax(indices.dtype).name
        name = {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)  # TF's attr names
        raise InvalidArgumentError(
            f"Value for attr 'Tindices' of {name} is not in the list "
            f"of allowed values: int32, int64\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: ")
    return indices


def _combine(at, ref, index, updates, mode):
    if mode == "update":
        return at.set(updates, mode="drop")
    if mode == "add":
        return at.add(updates, mode="drop")
    if mode == "sub":
        return at.subtract(updates, mode="drop")
    if mode == "mul":
        return at.multiply(updates, mode="drop")
    if mode == "div":
        if jnp.issubdtype(ref.dtype, jnp.integer):  # TF's truncating integer division, per write
            return jax.lax.div(ref, jnp.ones_like(ref).at[index].multiply(updates, mode="drop"))
        return at.divide(updates, mode="drop")
    return at.max(updates, mode="drop") if mode == "max" else at.min(updates, mode="drop")


def _row_scatter(mode):
    def apply(ref, delta):
        indices, updates = delta
        index = jnp.where(indices < 0, ref.shape[0], indices)  # JAX would wrap a negative index
        return _combine(ref.at[index], ref, index, updates, mode)
    return apply


def _nd_scatter(mode):
    def apply(ref, delta):
        indices, updates = delta
        bound = jnp.asarray(ref.shape[:indices.shape[-1]], indices.dtype)
        index = tuple(jnp.moveaxis(jnp.where(indices < 0, bound, indices), -1, 0))
        return _combine(ref.at[index], ref, index, updates, mode)
    return apply


# (kernel, in-place kernel donating the old value) per mode, as assign_add's pair.
_SCATTER_KERNELS = {m: (jax.jit(_row_scatter(m)), jax.jit(_row_scatter(m), donate_argnums=0))
                    for m in ("update", "add", "sub", "mul", "div", "max", "min")}
_SCATTER_ND_KERNELS = {m: (jax.jit(_nd_scatter(m)), jax.jit(_nd_scatter(m), donate_argnums=0))
                       for m in ("update", "add", "sub")}


def _scatter(variable, mode, sparse_delta, op_name):
    if not isinstance(sparse_delta, IndexedSlices):
        raise TypeError(f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: "
                        f"{sparse_delta}")
    indices = _scatter_indices(sparse_delta.indices, op_name)
    updates = convert_to_tensor(sparse_delta.values, dtype=variable.dtype)._value
    shape = tuple(variable._stored.shape if _context.current.read_hook is None else variable._read().shape)
    if updates.shape != () and updates.shape != indices.shape + shape[1:]:
        raise InvalidArgumentError(
            f"Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = [], "
            f"got updates.shape {_dims(updates.shape)}, indices.shape {_dims(indices.shape)}, "
            f"params.shape {_dims(shape)} [Op:{op_name}] name: ")
    if not isinstance(indices, jax.core.Tracer):
        flat = np.asarray(indices)
        bad = np.argwhere((flat < 0) | (flat >= shape[0])) if shape else np.argwhere(flat == flat)
        if bad.size:
            where = ",".join(map(str, bad[0])) if flat.ndim else "0"
            raise InvalidArgumentError(
                f"indices[{where}] = {flat[tuple(bad[0])]} is not in [0, {shape[0] if shape else 0}) "
                f"[Op:{op_name}] name: ")
        if mode == "div" and not isinstance(updates, jax.core.Tracer) and not np.all(np.asarray(updates)):
            raise InvalidArgumentError(f"updates must not contain 0 [Op:{op_name}] name: ")
    kernels = _SCATTER_KERNELS[mode]
    variable._update(kernels[0], kernels[1], (indices, updates))
    return variable


def scatter_update(self, sparse_delta, use_locking=False, name=None):
    """Writes `sparse_delta.values` into the rows `sparse_delta.indices` (the last write wins
    for a repeated index, as TF on CPU).

    Args:
      sparse_delta: a `tf.IndexedSlices` of rows (or a scalar broadcast to every indexed row).

    Returns:
      The variable.

    Raises:
      InvalidArgumentError: an index outside `[0, shape[0])` (checked eagerly; inside
        `tapejax.function` an out-of-range row is skipped, as TF on GPU does).
    """
    return _scatter(self, "update", sparse_delta, "ResourceScatterUpdate")


def scatter_add(self, sparse_delta, use_locking=False, name=None):
    """Adds `sparse_delta` to the indexed rows (repeated indices accumulate); returns the variable."""
    return _scatter(self, "add", sparse_delta, "ResourceScatterAdd")


def scatter_sub(self, sparse_delta, use_locking=False, name=None):
    """Subtracts `sparse_delta` from the indexed rows (repeated indices accumulate)."""
    return _scatter(self, "sub", sparse_delta, "ResourceScatterSub")


def scatter_mul(self, sparse_delta, use_locking=False, name=None):
    """Multiplies the indexed rows by `sparse_delta` (repeated indices accumulate)."""
    return _scatter(self, "mul", sparse_delta, "ResourceScatterMul")


def scatter_div(self, sparse_delta, use_locking=False, name=None):
    """Divides the indexed rows by `sparse_delta` (integers truncate, as TF); a zero in the
    values raises InvalidArgumentError, as TF."""
    return _scatter(self, "div", sparse_delta, "ResourceScatterDiv")


def scatter_max(self, sparse_delta, use_locking=False, name=None):
    """Sets the indexed rows to the maximum of themselves and `sparse_delta`."""
    return _scatter(self, "max", sparse_delta, "ResourceScatterMax")


def scatter_min(self, sparse_delta, use_locking=False, name=None):
    """Sets the indexed rows to the minimum of themselves and `sparse_delta`."""
    return _scatter(self, "min", sparse_delta, "ResourceScatterMin")


def _scatter_nd(variable, mode, indices, updates, op_name):
    indices = _scatter_indices(indices, op_name)
    updates = convert_to_tensor(updates, dtype=variable.dtype)._value
    shape = tuple(variable._stored.shape if _context.current.read_hook is None else variable._read().shape)
    ishape, ushape = indices.shape, updates.shape
    slice_dim = ishape[-1] if len(ishape) > 1 else 1
    batch_dim = len(ishape) - 1 if len(ishape) > 1 else 1
    if (len(shape) < slice_dim + (len(ushape) - batch_dim) or len(ushape) - batch_dim != len(shape) - slice_dim
            or any(ushape[d] != shape[d - batch_dim + slice_dim] for d in range(batch_dim, len(ushape)))):
        raise InvalidArgumentError(
            f"Dimensions [{slice_dim},{len(shape)}) of input[shape={_dims(shape)}] must match "
            f"dimensions [{slice_dim},{len(ushape)}) of updates[shape={_dims(ushape)}] "
            f"[Op:{op_name}] name: ")
    for d in range(batch_dim):
        if ushape[d] != ishape[d]:
            raise InvalidArgumentError(
                f"Dimensions [0,{batch_dim}) of indices[shape={_dims(ishape)}] = {ishape[d]} must "
                f"match dimensions [0,{batch_dim}) of updates[shape={_dims(ushape)}] = {ushape[d]} "
                f"[Op:{op_name}] name: ")
    if len(ishape) < 2:
        indices = indices.reshape(-1, 1) if len(ishape) == 1 else indices.reshape(1, 1)
    if not isinstance(indices, jax.core.Tracer):
        flat = np.asarray(indices)
        bad = np.argwhere(np.any((flat < 0) | (flat >= np.asarray(shape[:flat.shape[-1]])), axis=-1))
        if bad.size:
            position = ",".join(map(str, bad[0]))
            raise InvalidArgumentError(
                f"indices[{position}] = [{', '.join(map(str, flat[tuple(bad[0])]))}] does not index "
                f"into shape {_dims(shape)} [Op:{op_name}] name: ")
    kernels = _SCATTER_ND_KERNELS[mode]
    variable._update(kernels[0], kernels[1], (indices, updates))
    return variable


def scatter_nd_update(self, indices, updates, name=None):
    """Writes `updates` at the index tuples in the last axis of `indices` (`tf.scatter_nd`'s layout).

    Args:
      indices: int32/int64 Tensor `[..., K]` of index tuples into the first K axes.
      updates: Tensor `indices.shape[:-1] + shape[K:]`.

    Returns:
      The variable.
    """
    return _scatter_nd(self, "update", indices, updates, "ResourceScatterNdUpdate")


def scatter_nd_add(self, indices, updates, name=None):
    """Adds `updates` at the index tuples of `indices` (repeated tuples accumulate)."""
    return _scatter_nd(self, "add", indices, updates, "ResourceScatterNdAdd")


def scatter_nd_sub(self, indices, updates, name=None):
    """Subtracts `updates` at the index tuples of `indices` (repeated tuples accumulate)."""
    return _scatter_nd(self, "sub", indices, updates, "ResourceScatterNdSub")


def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
    """`scatter_update` per batch: `indices` `[*batch, n]` pick positions along the axis after
    the batch axes (TF builds the same index tuples and calls `scatter_nd_update`)."""
    if not isinstance(sparse_delta, IndexedSlices):
        raise TypeError(f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: "
                        f"{sparse_delta}")
    indices = _scatter_indices(sparse_delta.indices, "ResourceScatterNdUpdate")
    batch = indices.shape[:-1]
    grids = jnp.meshgrid(*[jnp.arange(n, dtype=indices.dtype) for n in indices.shape], indexing="ij")
    nd = jnp.stack(grids[:-1] + [indices], axis=-1) if batch else indices[:, None]
    return _scatter_nd(self, "update", nd, convert_to_tensor(sparse_delta.values, dtype=self.dtype),
                            "ResourceScatterNdUpdate")


for _method in (scatter_update, scatter_add, scatter_sub, scatter_mul, scatter_div, scatter_max, scatter_min, scatter_nd_update, scatter_nd_add, scatter_nd_sub, batch_scatter_update):
    setattr(Variable, _method.__name__, _method)
