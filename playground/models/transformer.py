"""Transformer blocks (Vaswani et al. 2017), pre-layer-norm, in ``keras.ops`` only.

Training runs every position at once (causal and padding masks); inference runs one
position per call against a key/value cache as long as the search's output buffer, so the
searches' compiled loops keep fixed shapes. The cache lives in the searches' ``states``
list: ``[position [B] int32, keys₀ [B, P, D], values₀ [B, P, D], keys₁, …]``.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from playground.models.layers import PACKAGE

# A large negative (not -inf) keeps fully masked rows finite; float16-safe.
MASKED = -3e4


def sinusoidal_positions(positions, width: int, dtype):
    """``positions`` [...] int → [..., width] sin/cos encodings (Vaswani et al. 2017)."""
    half = width // 2
    frequencies = ops.exp(ops.arange(half, dtype="float32") * (-math.log(10000.0) / max(half, 1)))
    angles = ops.expand_dims(ops.cast(positions, "float32"), -1) * frequencies
    encoding = ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)
    if width % 2:
        encoding = ops.pad(encoding, [(0, 0)] * (len(encoding.shape) - 1) + [(0, 1)])
    return ops.cast(encoding, dtype)


@keras.saving.register_keras_serializable(package=PACKAGE)
class MultiHeadAttention(keras.layers.Layer):
    """Scaled dot-product attention over ``heads`` heads.

    Call: ``query`` [B, T, D], ``keys`` [B, S, D], ``values`` [B, S, D] (already projected
    by :meth:`project_keys` / :meth:`project_values`), ``mask`` bool broadcastable to
    [B, T, S] → output [B, T, D], weights [B, H, T, S].
    """

    def __init__(self, d_model: int, heads: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads, self.rate = d_model, heads, dropout
        self.query_dense = keras.layers.Dense(d_model, name="query")
        self.key_dense = keras.layers.Dense(d_model, name="key")
        self.value_dense = keras.layers.Dense(d_model, name="value")
        self.output_dense = keras.layers.Dense(d_model, name="output")
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, query_shape, memory_shape=None):
        memory_shape = memory_shape or query_shape
        self.query_dense.build(query_shape)
        self.key_dense.build(memory_shape)
        self.value_dense.build(memory_shape)
        self.output_dense.build(tuple(query_shape[:-1]) + (self.d_model,))
        self.built = True

    def project_keys(self, memory):
        return self.key_dense(memory)

    def project_values(self, memory):
        return self.value_dense(memory)

    def _split(self, x):
        """[B, T, D] → [B, H, T, D/H]."""
        batch, steps = ops.shape(x)[0], ops.shape(x)[1]
        return ops.transpose(ops.reshape(x, (batch, steps, self.heads, self.d_model // self.heads)), (0, 2, 1, 3))

    def attend(self, query, keys, values, mask, training=False):
        q = self._split(self.query_dense(query))
        k, v = self._split(keys), self._split(values)
        scores = ops.einsum("bhtd,bhsd->bhts", q, k) / ops.cast(math.sqrt(self.d_model // self.heads), q.dtype)
        scores = ops.where(ops.expand_dims(mask, 1), scores, ops.cast(MASKED, scores.dtype))
        weights = ops.softmax(ops.cast(scores, "float32"), axis=-1)
        mixed = ops.einsum("bhts,bhsd->bhtd", ops.cast(self.dropout(weights, training=training), v.dtype), v)
        batch, steps = ops.shape(query)[0], ops.shape(query)[1]
        merged = ops.reshape(ops.transpose(mixed, (0, 2, 1, 3)), (batch, steps, self.d_model))
        return self.output_dense(merged), weights

    def call(self, query, memory, mask, training=False):
        return self.attend(query, self.project_keys(memory), self.project_values(memory), mask, training)

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads, "dropout": self.rate}


@keras.saving.register_keras_serializable(package=PACKAGE)
class FeedForward(keras.layers.Layer):
    """Position-wise ``Dense(ff_dim, relu) → Dense(d_model)``: [B, T, D] → [B, T, D]."""

    def __init__(self, d_model: int, ff_dim: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.ff_dim, self.rate = d_model, ff_dim, dropout
        self.hidden = keras.layers.Dense(ff_dim, activation="relu", name="hidden")
        self.projection = keras.layers.Dense(d_model, name="projection")
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.hidden.build(input_shape)
        self.projection.build(tuple(input_shape[:-1]) + (self.ff_dim,))
        self.built = True

    def call(self, x, training=False):
        return self.projection(self.dropout(self.hidden(x), training=training))

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "ff_dim": self.ff_dim, "dropout": self.rate}


@keras.saving.register_keras_serializable(package=PACKAGE)
class TransformerBlock(keras.layers.Layer):
    """Self-attention, optional cross-attention over an encoder's memory, feed-forward;
    each sub-layer as ``x + dropout(f(layer_norm(x)))``.

    Call: ``x`` [B, T, D], ``self_mask`` bool [B|1, T, T], ``memory`` [B, S, D] or None,
    ``memory_mask`` bool [B, 1, S] → (x [B, T, D], cross weights [B, H, T, S] or None).
    """

    def __init__(self, d_model: int, heads: int, ff_dim: int, dropout: float = 0.0, cross: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads, self.ff_dim, self.rate, self.cross = d_model, heads, ff_dim, dropout, cross
        self.self_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="self_norm")
        self.self_attention = MultiHeadAttention(d_model, heads, dropout, name="self_attention")
        if cross:
            self.cross_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="cross_norm")
            self.cross_attention = MultiHeadAttention(d_model, heads, dropout, name="cross_attention")
        self.ff_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="ff_norm")
        self.feed_forward = FeedForward(d_model, ff_dim, dropout, name="feed_forward")
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        for norm in (self.self_norm, self.ff_norm) + ((self.cross_norm,) if self.cross else ()):
            norm.build(input_shape)
        self.self_attention.build(input_shape)
        if self.cross:
            self.cross_attention.build(input_shape, input_shape)
        self.feed_forward.build(input_shape)
        self.built = True

    def _cross_and_feed_forward(self, x, memory, memory_mask, training):
        weights = None
        if self.cross:
            attended, weights = self.cross_attention(self.cross_norm(x), memory, memory_mask, training=training)
            x = x + self.dropout(attended, training=training)
        x = x + self.dropout(self.feed_forward(self.ff_norm(x), training=training), training=training)
        return x, weights

    def call(self, x, self_mask, memory=None, memory_mask=None, training=False):
        normed = self.self_norm(x)
        attended, _ = self.self_attention(normed, normed, self_mask, training=training)
        x = x + self.dropout(attended, training=training)
        return self._cross_and_feed_forward(x, memory, memory_mask, training)

    def step(self, x, keys, values, position, memory=None, memory_mask=None):
        """One position at inference: ``x`` [B, 1, D], caches ``keys``/``values`` [B, P, D],
        ``position`` [B] int → (x [B, 1, D], keys, values, cross weights [B, H, 1, S] or None)."""
        normed = self.self_norm(x)
        capacity = ops.shape(keys)[1]
        # Every row is at the same step (the searches advance all rows together), so one slice
        # is written. Past the cache's end the oldest entry is overwritten (a sliding window):
        # attention is order-free, each key already carries its position.
        # A masked write, not slice_update: ONNX and LiteRT have no XLA dynamic-update-slice.
        slot = ops.equal(ops.arange(capacity), position[0] % capacity)[None, :, None]  # [1, P, 1]
        keys = ops.where(slot, ops.cast(self.self_attention.project_keys(normed), keys.dtype), keys)
        values = ops.where(slot, ops.cast(self.self_attention.project_values(normed), values.dtype), values)
        seen = ops.arange(capacity)[None, :] <= ops.expand_dims(position, -1)  # [B, P]
        attended, _ = self.self_attention.attend(normed, keys, values, ops.expand_dims(seen, 1))
        x = x + attended
        x, weights = self._cross_and_feed_forward(x, memory, memory_mask, False)
        return x, keys, values, weights

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads, "ff_dim": self.ff_dim,
                "dropout": self.rate, "cross": self.cross}


def causal_mask(steps):
    """[1, T, T] bool: position t sees positions ≤ t."""
    index = ops.arange(steps)
    return ops.expand_dims(index[None, :] <= index[:, None], 0)
