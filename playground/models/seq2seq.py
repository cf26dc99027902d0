"""The sequence model: an RNN encoder and a decoder in one of four modes, or a language model.

Decoder modes (see PRODUCT.md):

- ``basic``: the encoder's final vector is the decoder's input at every step; no feedback.
- ``feedback``: the decoder starts from the encoder states and reads its previous token.
- ``peek``: feedback, plus the encoder's final vector at every step (Cho et al. 2014).
- ``attention``: feedback, plus attention over all encoder outputs (Luong et al. 2015).
- ``transformer``: self-attention encoder and decoder blocks (Vaswani et al. 2017); see
  :mod:`playground.models.transformer_model`.
- ``lm``: no encoder; the decoder alone predicts the next token (one-to-many generation),
  recurrent or (cell ``transformer``) decoder-only Transformer blocks.

Search (greedy, beam, sampling) lives in ``playground.inference.search`` and drives the model only
through ``encode`` and ``decode_step``.
"""

from __future__ import annotations

import keras
from keras import ops

from playground.config import ModelConfig
from playground.models.layers import PACKAGE, Attention, PaddedLSTM, StateBridge
from playground.models.transformer_model import TransformerParts

_RNN_LAYERS = {"rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": PaddedLSTM}


def states_per_layer(cell: str) -> int:
    """LSTM layers carry (h, c); GRU and SimpleRNN carry h."""
    return 2 if cell == "lstm" else 1


@keras.saving.register_keras_serializable(package=PACKAGE)
class Seq2SeqModel(TransformerParts, keras.Model):
    """Encoder–decoder (or decoder-only language model) over token ids.

    ``call((source, target_in))``: ``source`` [B, S] int (0 = padding; ignored for ``lm``),
    ``target_in`` [B, T] int (start token then the target, teacher forcing)
    → logits [B, T, V_target].

    ``meta`` is a JSON-able dict (vocabularies, data description, history, metrics)
    stored in the model file alongside the weights.
    """

    def __init__(self, model_config: dict, meta: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.config = ModelConfig.from_dict(model_config)
        self.meta = dict(meta or {})
        cfg = self.config
        if cfg.target_vocab_size < 5:
            raise ValueError("target_vocab_size must be set from the data's vocabulary")
        if cfg.is_transformer:
            self._build_transformer()
            return
        self.n_states = states_per_layer(cfg.cell)
        rnn = _RNN_LAYERS[cfg.cell]

        self.dropout = keras.layers.Dropout(cfg.dropout, name="dropout")
        self.encoder_layers = []
        self.bridges = []
        if cfg.mode != "lm":
            if cfg.source_vocab_size < 5:
                raise ValueError("source_vocab_size must be set from the data's vocabulary")
            self.source_embedding = keras.layers.Embedding(
                cfg.source_vocab_size, cfg.embedding_dim, name="source_embedding")
            for i in range(cfg.layers):
                layer = rnn(cfg.units, return_sequences=True, return_state=True, name=f"encoder_{i}")
                if cfg.bidirectional:
                    layer = keras.layers.Bidirectional(layer, merge_mode="concat", name=f"encoder_{i}_bi")
                    # The basic decoder only ever sees the top layer's h.
                    if cfg.mode != "basic" or i == cfg.layers - 1:
                        kept = 1 if cfg.mode == "basic" else self.n_states
                        self.bridges.append([StateBridge(cfg.units, name=f"bridge_{i}_{k}") for k in range(kept)])
                self.encoder_layers.append(layer)
            if cfg.bidirectional and cfg.mode == "attention":
                # Encoder outputs are 2U wide; attention compares them with U-wide decoder states.
                self.memory_projection = keras.layers.Dense(cfg.units, use_bias=False, name="memory_projection")
        if cfg.mode != "basic":
            self.target_embedding = keras.layers.Embedding(
                cfg.target_vocab_size, cfg.embedding_dim, name="target_embedding")
        self.decoder_layers = [
            rnn(cfg.units, return_sequences=True, return_state=True, name=f"decoder_{i}")
            for i in range(cfg.layers)
        ]
        if cfg.mode == "attention":
            self.attention = Attention(cfg.attention, cfg.units, name="attention")
            self.attention_combine = keras.layers.Dense(cfg.units, activation="tanh", name="attention_combine")
        # Logits stay float32 under mixed precision so the softmax is stable.
        self.output_layer = keras.layers.Dense(cfg.target_vocab_size, dtype="float32", name="logits")

    # -- encoder -------------------------------------------------------------------------

    def encode(self, source, training=False, decode_length=None):
        """``source`` [B, S] int → (memory [B, S, U], memory_mask [B, S] bool,
        initial decoder states: list of layers·n_states tensors [B, U], context [B, U]).

        A Transformer's states are its key/value caches, ``decode_length`` positions long
        (the most steps a search will take; see :mod:`playground.models.transformer`)."""
        cfg = self.config
        if cfg.is_transformer:
            return self._transformer_encode(source, training, decode_length)
        if cfg.mode == "lm":
            batch = ops.shape(source)[0]
            zeros = ops.zeros((batch, cfg.units), dtype=self.compute_dtype)
            return (ops.zeros((batch, 1, cfg.units), dtype=self.compute_dtype),
                    ops.zeros((batch, 1), dtype="bool"),
                    [zeros] * (cfg.layers * self.n_states), zeros)
        mask = ops.not_equal(source, 0)
        x = self.dropout(self.source_embedding(source), training=training)
        states = []
        for i, layer in enumerate(self.encoder_layers):
            outputs = layer(x, mask=mask, training=training)
            x, layer_states = outputs[0], list(outputs[1:])
            if cfg.bidirectional:
                forward, backward = layer_states[: self.n_states], layer_states[self.n_states:]
                if cfg.mode == "basic":
                    bridged = [self.bridges[0][0](forward[0], backward[0])] if i == cfg.layers - 1 else []
                    layer_states = bridged + forward[len(bridged):]
                else:
                    layer_states = [bridge(f, b) for bridge, f, b in zip(self.bridges[i], forward, backward)]
            states.extend(layer_states)
            if i < cfg.layers - 1:
                x = self.dropout(x, training=training)
        memory = self.memory_projection(x) if cfg.bidirectional and cfg.mode == "attention" else x
        context = states[-self.n_states]  # the top layer's final h
        if cfg.mode == "basic":
            # The basic decoder gets the vector as input, not as its starting state.
            zeros = ops.zeros_like(context)
            states = [zeros] * len(states)
        return memory, mask, states, context

    # -- decoder -------------------------------------------------------------------------

    def _decoder_inputs(self, target_in, context, training):
        """``target_in`` [B, T] → decoder inputs [B, T, E(+U)] for the mode."""
        if self.config.mode == "basic":
            steps = ops.shape(target_in)[1]
            return ops.tile(ops.expand_dims(context, 1), [1, steps, 1])
        x = self.dropout(self.target_embedding(target_in), training=training)
        if self.config.mode == "peek":
            steps = ops.shape(target_in)[1]
            x = ops.concatenate([x, ops.cast(ops.tile(ops.expand_dims(context, 1), [1, steps, 1]), x.dtype)], -1)
        return x

    def _output_logits(self, hidden, memory, memory_mask, context, training):
        """``hidden`` [B, T, U] → (logits [B, T, V], attention weights [B, T, S] or None)."""
        weights = None
        features = hidden
        if self.config.mode == "attention":
            attended, weights = self.attention(hidden, memory, memory_mask)
            features = self.attention_combine(ops.concatenate([attended, hidden], -1))
        elif self.config.mode == "peek":
            steps = ops.shape(hidden)[1]
            features = ops.concatenate([hidden, ops.tile(ops.expand_dims(context, 1), [1, steps, 1])], -1)
        return self.output_layer(self.dropout(features, training=training)), weights

    def call(self, inputs, training=False):
        source, target_in = inputs
        memory, mask, states, context = self.encode(source, training=training)
        if self.config.is_transformer:
            return self._transformer_decode(target_in, memory, mask, training)[0]
        x = self._decoder_inputs(target_in, context, training)
        for i, layer in enumerate(self.decoder_layers):
            layer_states = states[i * self.n_states:(i + 1) * self.n_states]
            x = layer(x, initial_state=layer_states, training=training)[0]
            if i < self.config.layers - 1:
                x = self.dropout(x, training=training)
        logits, _ = self._output_logits(x, memory, mask, context, training)
        return logits

    def decode_step(self, previous_tokens, states, memory, memory_mask, context):
        """One decoder step at inference.

        ``previous_tokens`` [B] int, ``states`` list of [B, U], ``memory`` [B, S, U],
        ``memory_mask`` [B, S], ``context`` [B, U]
        → (logits [B, V], new states, attention weights [B, S] (zeros unless attention)).
        """
        cfg = self.config
        if cfg.is_transformer:
            return self._transformer_step(previous_tokens, states, memory, memory_mask)
        if cfg.mode == "basic":
            x = context
        else:
            x = self.target_embedding(previous_tokens)
            if cfg.mode == "peek":
                x = ops.concatenate([x, ops.cast(context, x.dtype)], -1)
        new_states = []
        for i, layer in enumerate(self.decoder_layers):
            layer_states = list(states[i * self.n_states:(i + 1) * self.n_states])
            x, cell_states = layer.cell(x, layer_states, training=False)
            new_states.extend(cell_states if isinstance(cell_states, (list, tuple)) else [cell_states])
        logits, weights = self._output_logits(ops.expand_dims(x, 1), memory, memory_mask, context, False)
        if weights is None:
            weights = ops.expand_dims(ops.zeros_like(ops.cast(memory_mask, "float32")), 1)
        return logits[:, 0], new_states, ops.cast(weights[:, 0], "float32")

    # -- serialization ---------------------------------------------------------------------

    def build_with_dummy_inputs(self):
        """Creates every weight by one forward pass on a [1, 2] batch."""
        dummy = ops.ones((1, 2), dtype="int32")
        self((dummy, dummy), training=False)
        return self

    def get_build_config(self):
        return {"dummy_inputs": True}

    def build_from_config(self, config):
        self.build_with_dummy_inputs()

    def get_config(self):
        return {"model_config": self.config.to_dict(), "meta": self.meta,
                "name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config):
        return cls(config["model_config"], config.get("meta"), name=config.get("name"))
