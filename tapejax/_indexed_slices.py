"""`tf.IndexedSlices`: the sparse gradient of a row gather (rows `values` at `indices`)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from tapejax._tensor import Tensor, TensorShape


class IndexedSlices:
    """A sparse representation of a dense tensor: `dense[indices[i]] += values[i]`.

    Gradients of `tf.gather` / `tf.nn.embedding_lookup` with respect to their params come back in
    this form, as in TF (duplicate indices are not merged). `tf.convert_to_tensor` densifies it.

    Args:
      values: a Tensor of rows, shape `[n, *dense_shape[1:]]`.
      indices: an integer Tensor of shape `[n]`.
      dense_shape: the shape of the dense tensor (an int Tensor or a list).
    """

    _tapejax_leaf = True

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        if dense_shape is not None and not isinstance(dense_shape, Tensor):
            dense_shape = Tensor(jnp.asarray(np.asarray(list(dense_shape), np.int32)))
        self._dense_shape = dense_shape

    @property
    def values(self):
        return self._values

    @property
    def indices(self):
        return self._indices

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def shape(self):
        if self._dense_shape is None:
            return TensorShape([None] + list(self._values.shape[1:]))
        return TensorShape(np.asarray(self._dense_shape.numpy()).tolist())

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def device(self):
        return self._values.device

    @property
    def name(self):
        return ""

    def _tapejax_dense(self):
        if self._dense_shape is None:
            raise ValueError("Cannot convert an IndexedSlices of unknown dense shape to a Tensor.")
        shape = tuple(self.shape)
        dense = jnp.zeros(shape, self._values._v.dtype)
        return Tensor(dense.at[self._indices._value].add(self._values._value))

    def __neg__(self):
        return IndexedSlices(-self._values, self._indices, self._dense_shape)
