"""Keras 3's dot-product (`Attention`) and additive (`AdditiveAttention`) attention layers."""

from __future__ import annotations

import numpy as np

from tapejax._ops import array_ops, linalg_ops, math_ops, nn_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.keras._layer import Layer


def _check_inputs(layer, inputs, mask=None):
    name = type(layer).__name__
    if not isinstance(inputs, list):
        raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                         f"[query, value, key]. Received: inputs={inputs}.")
    if len(inputs) < 2 or len(inputs) > 3:
        raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] "
                         f"or [query, value, key]. Received length: {len(inputs)}.")
    if mask is not None:
        if not isinstance(mask, list):
            raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                             f"Received: mask={mask}.")
        if len(mask) < 2 or len(mask) > 3:
            raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: "
                             f"inputs={inputs}, mask={mask}.")


class Attention(Layer):
    """Dot-product attention, as `keras.layers.Attention`: `softmax(query @ key^T) @ value`.

    Args:
      use_scale: learn a scalar `scale` multiplying the scores (initialised to 1).
      score_mode: `"dot"` (the scores are `query @ key^T`) or `"concat"` (the scores are
        `concat_score_weight * sum(tanh(query + key))` over the features).
      dropout: dropout rate on the attention distribution (training only).
      seed: optional seed of that dropout.

    Call arguments:
      inputs: `[query, value]` or `[query, value, key]`, shapes `(batch, Tq, dim)`,
        `(batch, Tv, dim)` and `(batch, Tv, dim)` (key defaults to value).
      mask: `[query_mask, value_mask]`: boolean `(batch, Tq)` and `(batch, Tv)`; value positions
        that are False get no attention, query positions that are False output zeros.
      return_attention_scores: also return the attention distribution `(batch, Tq, Tv)`.
      use_causal_mask: query position i attends to value positions <= i only.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")
        self.scale = None
        self.concat_score_weight = None

    def build(self, input_shape=None):
        _check_inputs(self, input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones", trainable=True)
        self.built = True

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = linalg_ops.matmul(query, key, transpose_b=True)
            return scores if self.scale is None else scores * self.scale
        pairs = array_ops.expand_dims(query, -2) + array_ops.expand_dims(key, -3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * math_ops.reduce_sum(math_ops.tanh(pairs), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        _check_inputs(self, inputs, mask)
        if not self.built:
            self.build([tuple(x.shape) for x in inputs] if isinstance(inputs, list) else tuple(inputs.shape))
        query, value = (convert_to_tensor(x) for x in inputs[:2])
        key = convert_to_tensor(inputs[2]) if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._scores(query, key)
        keep = None if value_mask is None else array_ops.expand_dims(math_ops.cast(value_mask, "bool"), -2)
        if use_causal_mask:
            causal = convert_to_tensor(np.tril(np.ones((1,) + tuple(scores.shape[-2:]), bool)))
            keep = causal if keep is None else math_ops.logical_and(keep, causal)
        if keep is not None:  # masked positions get a score far below every other one
            big = 65504.0 if scores.dtype.name == "float16" else 1.0e9
            scores = array_ops.where(keep, scores, scores - math_ops.cast(big, scores.dtype))
        weights = nn_ops.softmax(scores, axis=-1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = nn_ops.dropout(weights, self.dropout, seed=self.seed)
        output = linalg_ops.matmul(dropped, value)
        if query_mask is not None:
            output = array_ops.where(array_ops.expand_dims(math_ops.cast(query_mask, "bool"), -1),
                                     output, array_ops.zeros_like(output))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        _check_inputs(self, inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return convert_to_tensor(mask[0])

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention, as `keras.layers.AdditiveAttention`: the scores are
    `sum(scale * tanh(query + key))` over the features, `scale` a learned vector (glorot-uniform
    initialised) when `use_scale`, else 1.

    Args:
      use_scale: learn the per-feature `scale` (default True).
      dropout: dropout rate on the attention distribution (training only).
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape=None):
        _check_inputs(self, input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform", trainable=True)
        self.built = True

    def _scores(self, query, key):
        pairs = math_ops.tanh(array_ops.expand_dims(query, -2) + array_ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = pairs * self.scale
        return math_ops.reduce_sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
