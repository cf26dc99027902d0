"""The Transformer side of :class:`~playground.models.seq2seq.Seq2SeqModel`: an encoder–decoder
(mode ``transformer``) or a decoder-only language model (mode ``lm``, cell ``transformer``),
behind the same ``call`` / ``encode`` / ``decode_step`` interface as the recurrent modes.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from playground.config import DEFAULT_POSITIONS
from playground.models.transformer import TransformerBlock, causal_mask, sinusoidal_positions


def cache_length(config) -> int:
    """Positions learned embeddings cover (and the key/value cache's length when a caller
    gives no ``decode_length``)."""
    return int(config.max_positions) or DEFAULT_POSITIONS


class TransformerParts:
    """Mixin: builds and runs the Transformer layers from ``self.config``."""

    def _build_transformer(self):
        cfg = self.config
        width, rate = cfg.d_model, cfg.dropout
        self.positions_length = cache_length(cfg)
        self.embedding_scale = math.sqrt(width)
        self.dropout = keras.layers.Dropout(rate, name="dropout")
        if cfg.positions == "learned":
            self.position_embedding = keras.layers.Embedding(self.positions_length, width, name="position_embedding")
        if not cfg.is_lm:
            if cfg.source_vocab_size < 5:
                raise ValueError("source_vocab_size must be set from the data's vocabulary")
            self.source_embedding = keras.layers.Embedding(cfg.source_vocab_size, width, name="source_embedding")
            self.encoder_blocks = [TransformerBlock(width, cfg.heads, cfg.ff_dim, rate, name=f"encoder_block_{i}")
                                   for i in range(cfg.encoder_layers)]
            self.encoder_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="encoder_norm")
        self.target_embedding = keras.layers.Embedding(cfg.target_vocab_size, width, name="target_embedding")
        self.decoder_blocks = [
            TransformerBlock(width, cfg.heads, cfg.ff_dim, rate, cross=not cfg.is_lm, name=f"decoder_block_{i}")
            for i in range(cfg.decoder_layers)]
        self.decoder_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="decoder_norm")
        self.output_layer = keras.layers.Dense(cfg.target_vocab_size, dtype="float32", name="logits")

    def _embed(self, embedding, tokens, positions, training):
        """``tokens`` [B, T] int, ``positions`` [B|1, T] int → [B, T, D]."""
        x = embedding(tokens) * ops.cast(self.embedding_scale, self.compute_dtype)
        if self.config.positions == "learned":
            x = x + self.position_embedding(ops.minimum(positions, self.positions_length - 1))
        else:
            x = x + sinusoidal_positions(positions, self.config.d_model, x.dtype)
        return self.dropout(x, training=training)

    def _transformer_encode(self, source, training=False, decode_length=None):
        """``source`` [B, S] → (memory [B, S, D], mask [B, S] bool, cache states, context [B, D]).

        The key/value caches hold ``decode_length`` positions (default ``max_positions``)."""
        batch = ops.shape(source)[0]
        width = self.config.d_model
        if self.config.is_lm:
            memory = ops.zeros((batch, 1, width), self.compute_dtype)
            mask = ops.zeros((batch, 1), "bool")
        else:
            mask = ops.not_equal(source, 0)
            x = self._embed(self.source_embedding, source, ops.arange(ops.shape(source)[1])[None, :], training)
            attend = ops.expand_dims(mask, 1)  # [B, 1, S]
            for block in self.encoder_blocks:
                x, _ = block(x, attend, training=training)
            memory = self.encoder_norm(x)
        length = self.positions_length if decode_length is None else decode_length
        cache = ops.zeros((batch, length, width), self.compute_dtype)
        states = [ops.zeros((batch,), "int32")] + [cache] * (2 * len(self.decoder_blocks))
        return memory, mask, states, ops.zeros((batch, width), self.compute_dtype)

    def _transformer_decode(self, target_in, memory, mask, training=False):
        """Teacher-forced decoder over all positions → (logits [B, T, V], cross weights per
        block: list of [B, H, T, S] (empty for a language model))."""
        steps = ops.shape(target_in)[1]
        x = self._embed(self.target_embedding, target_in, ops.arange(steps)[None, :], training)
        self_mask = causal_mask(steps)
        memory_mask = ops.expand_dims(mask, 1)
        weights = []
        for block in self.decoder_blocks:
            x, cross = block(x, self_mask, memory, memory_mask, training=training)
            if cross is not None:
                weights.append(cross)
        return self.output_layer(self.decoder_norm(x)), weights

    def _transformer_step(self, previous_tokens, states, memory, memory_mask):
        """One position → (logits [B, V], new states, last block's cross weights, mean over
        heads [B, S])."""
        position = states[0]
        x = self._embed(self.target_embedding, previous_tokens[:, None], position[:, None], False)
        new_states = [position + 1]
        weights = None
        for i, block in enumerate(self.decoder_blocks):
            x, keys, values, cross = block.step(x, states[1 + 2 * i], states[2 + 2 * i], position,
                                                memory, ops.expand_dims(memory_mask, 1))
            new_states += [keys, values]
            weights = cross if cross is not None else weights
        logits = self.output_layer(self.decoder_norm(x))[:, 0]
        if weights is None:
            mean = ops.zeros_like(ops.cast(memory_mask, "float32"))
        else:
            mean = ops.mean(ops.cast(weights, "float32"), axis=1)[:, 0]
        return logits, new_states, mean

    def cross_attention(self, source, target_in):
        """Every decoder block's cross-attention per head, for display:
        ``source`` [B, S], ``target_in`` [B, T] → [B, blocks, H, T, S] float32."""
        if not self.config.is_transformer or self.config.is_lm:
            raise ValueError("cross-attention per head exists only in Transformer translation models")
        memory, mask, _, _ = self._transformer_encode(source)
        _, weights = self._transformer_decode(target_in, memory, mask)
        return ops.stack([ops.cast(w, "float32") for w in weights], axis=1)
