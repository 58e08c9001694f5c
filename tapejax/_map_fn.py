"""`tf.map_fn`: applies a function to each element of a Tensor or RaggedTensor along axis 0.

Each call of `fn` runs as ordinary ops (so tapes record them and gradients flow to `elems` and to
the Variables `fn` reads); the results are stacked along a new first dimension. Inside
`tapejax.function` the loop unrolls over the (static) first dimension.
"""

from __future__ import annotations

from tapejax import _dtypes, _nest, _ragged
from tapejax._errors import InvalidArgumentError
from tapejax._ops import array_ops
from tapejax._ops._convert import convert_to_tensor


def _rows(elem):
    """The elements of `elem` along axis 0 (a list)."""
    if isinstance(elem, _ragged.RaggedTensor):
        return list(elem)
    return array_ops.unstack(elem)


def _wants_ragged(signature, results, ragged_elems):
    if isinstance(signature, _ragged.RaggedTensorSpec):
        return True
    if signature is not None:
        return False
    if any(isinstance(r, _ragged.RaggedTensor) for r in results):
        return True
    # TF's default output signature is the elements' own: ragged elements give ragged results
    return ragged_elems and all(len(convert_to_tensor(r).shape) >= 1 for r in results)


def _stack(results, signature, ragged_elems):
    if _wants_ragged(signature, results, ragged_elems):
        if any(isinstance(r, _ragged.RaggedTensor) for r in results):
            return _ragged.ragged_stack(results)
        rows = [convert_to_tensor(r) for r in results]  # int64 row splits, as TF's map_fn output
        return _ragged.RaggedTensor.from_row_lengths(array_ops.concat(rows, axis=0),
                                                     [r.shape[0] for r in rows])
    tensors = [convert_to_tensor(r) for r in results]
    dtype = getattr(signature, "dtype", signature)
    if dtype is not None and not isinstance(dtype, str):
        dtype = _dtypes.as_dtype(dtype)
        for t in tensors:
            if t.dtype != dtype:
                raise TypeError(f"fn's output dtype {t.dtype.name} does not match fn_output_signature's "
                                f"{dtype.name}\ntapejax: cast inside fn, or give the right fn_output_signature.")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise InvalidArgumentError(
            f"Tried to stack elements of an empty list with non-fully-defined element_shape; fn's outputs have "
            f"different shapes {sorted(shapes)}\ntapejax: give fn_output_signature=tf.RaggedTensorSpec(...) "
            f"for outputs of different lengths.")
    return array_ops.stack(tensors)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Maps `fn` over the first dimension of `elems`, as `tf.map_fn`.

    Args:
      fn: a function of one element (a nest matching `elems`, each leaf without its first dimension).
      elems: a Tensor, RaggedTensor, or nest of them sharing a first dimension.
      dtype: the legacy name of `fn_output_signature`.
      fn_output_signature: the output's dtype, `tf.TensorSpec` or `tf.RaggedTensorSpec` (a nest for a
        nest of outputs). By default the output is like `elems` (ragged for ragged elements).

    Returns:
      `fn`'s results stacked along a new first dimension (the structure of `fn`'s output).

    Raises:
      ValueError: if `elems` is empty or its leaves differ in their first dimension.
    """
    signature = fn_output_signature if fn_output_signature is not None else dtype
    leaves = _nest.flatten(elems)
    if not leaves:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors. Got [], which does not "
                         "contain any Tensors.")
    leaves = [x if isinstance(x, _ragged.RaggedTensor) else convert_to_tensor(x) for x in leaves]
    ragged_elems = any(isinstance(x, _ragged.RaggedTensor) for x in leaves)
    rows = [_rows(x) for x in leaves]
    n = len(rows[0])
    if any(len(r) != n for r in rows):
        raise ValueError(f"Arguments to map_fn must share a first dimension: got sizes {[len(r) for r in rows]}")
    outputs = [fn(_nest.pack_sequence_as(elems, [r[i] for r in rows])) for i in range(n)]
    if not outputs:
        first = leaves[0]
        out_dtype = getattr(signature, "dtype", signature) or first.dtype
        return array_ops.zeros([0], _dtypes.as_dtype(out_dtype))
    structure = outputs[0]
    flat_outputs = [_nest.flatten(o) for o in outputs]
    signatures = _nest.flatten(signature) if signature is not None and _nest.is_nested(signature) else (
        [signature] * len(flat_outputs[0]))
    stacked = [_stack([o[j] for o in flat_outputs], signatures[j], ragged_elems)
               for j in range(len(flat_outputs[0]))]
    return _nest.pack_sequence_as(structure, stacked)
