"""Custom layers: attention scores, the bidirectional state bridge, the padded-source LSTM.

Every layer is registered for Keras serialization with a complete ``get_config``.
"""

from __future__ import annotations

import warnings

import keras
from keras import ops

from playground.backend.rnn import lstm_route, masked_lstm
from playground.config import ATTENTIONS

PACKAGE = "playground"
# Attention over a one-token input (a number at word level) is a softmax over one position:
# weight 1, as it should be. Keras warns about it on every such decode.
warnings.filterwarnings("ignore", message="You are using a softmax over axis", category=UserWarning)


@keras.saving.register_keras_serializable(package=PACKAGE)
class Attention(keras.layers.Layer):
    """Global attention over encoder outputs (Luong et al. 2015, Bahdanau et al. 2015).

    Scores: ``dot`` q·m, ``general`` q·W m, ``additive`` vᵀ tanh(W₁q + W₂m).

    Call: ``query`` [B, T, U], ``memory`` [B, S, U], ``memory_mask`` [B, S] (bool)
    → ``context`` [B, T, U], ``weights`` [B, T, S] (rows sum to 1 over real tokens).
    """

    def __init__(self, score: str = "general", units: int = 128, **kwargs):
        super().__init__(**kwargs)
        if score not in ATTENTIONS:
            raise ValueError(f"Unknown attention {score!r}. Valid options: {', '.join(ATTENTIONS)}")
        self.score = score
        self.units = units
        if score == "general":
            self.memory_weight = keras.layers.Dense(units, use_bias=False, name="W")
        elif score == "additive":
            self.query_weight = keras.layers.Dense(units, use_bias=False, name="W_query")
            self.memory_weight = keras.layers.Dense(units, use_bias=False, name="W_memory")
            self.score_vector = keras.layers.Dense(1, use_bias=False, name="v")

    def build(self, query_shape, memory_shape=None, memory_mask_shape=None):
        memory_shape = memory_shape or query_shape
        if self.score == "general":
            self.memory_weight.build(memory_shape)
        elif self.score == "additive":
            self.query_weight.build(query_shape)
            self.memory_weight.build(memory_shape)
            self.score_vector.build(tuple(memory_shape[:-1]) + (self.units,))
        self.built = True

    def call(self, query, memory, memory_mask):
        if self.score == "dot":
            scores = ops.einsum("btu,bsu->bts", query, memory)
        elif self.score == "general":
            scores = ops.einsum("btu,bsu->bts", query, self.memory_weight(memory))
        else:
            # [B, T, 1, U] + [B, 1, S, U] → [B, T, S, U] → [B, T, S]
            hidden = ops.tanh(
                ops.expand_dims(self.query_weight(query), 2)
                + ops.expand_dims(self.memory_weight(memory), 1)
            )
            scores = ops.squeeze(self.score_vector(hidden), -1)
        mask = ops.expand_dims(ops.cast(memory_mask, "bool"), 1)
        # A large negative (not -inf) keeps rows with no real token finite; float16-safe.
        scores = ops.where(mask, scores, ops.cast(-3e4, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        context = ops.einsum("bts,bsu->btu", weights, memory)
        return context, weights

    def get_config(self):
        return {**super().get_config(), "score": self.score, "units": self.units}


@keras.saving.register_keras_serializable(package=PACKAGE)
class StateBridge(keras.layers.Layer):
    """Merges forward and backward encoder states into one decoder state.

    Call: ``forward`` [B, U], ``backward`` [B, U] → [B, U] (a learned projection of
    their concatenation; plain addition would confuse the two directions).
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.projection = keras.layers.Dense(units, name="projection")

    def build(self, forward_shape, backward_shape=None):
        self.projection.build(tuple(forward_shape[:-1]) + (2 * forward_shape[-1],))
        self.built = True

    def call(self, forward, backward):
        return self.projection(ops.concatenate([forward, backward], axis=-1))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package=PACKAGE)
class PaddedLSTM(keras.layers.LSTM):
    """A Keras LSTM over right-padded sequences (the encoder's sources, the decoder's targets).

    Same weights and results as Keras's LSTM; only how it runs is chosen per backend and
    device (:func:`playground.backend.rnn.lstm_route`): under JAX on a GPU Keras's loop (the
    fastest measured there) or, where chosen, cuDNN, a masked run as one fused call; no
    cuDNN attempt for work placed on a CPU. ``sequences`` [B, T, I], ``mask`` [B, T] true on
    a prefix of each row, or none.
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        route = lstm_route(masked=mask is not None)
        # The fused and projected runs cover the forward, dropout-free LSTM the models build.
        plain = not (self.go_backwards or self.dropout or self.recurrent_dropout)
        if route == "fused" and plain:
            fused = masked_lstm(sequences, mask, initial_state[0], initial_state[1],
                                ops.convert_to_tensor(self.cell.kernel),
                                ops.convert_to_tensor(self.cell.recurrent_kernel),
                                None if self.cell.bias is None else ops.convert_to_tensor(self.cell.bias))
            if fused is not None:
                outputs, h, c = fused
                return h, (outputs if self.return_sequences else ops.expand_dims(h, 1)), [h, c]
        if route.startswith("projected") and plain:
            return self._projected_loop(sequences, initial_state, mask, unroll=4 if route.endswith("unroll4") else 1)
        if route in ("scan", "unrolled"):
            # keras.layers.RNN's loop: LSTM's own inner_loop would try cuDNN first.
            unroll, self.unroll = self.unroll, route == "unrolled"
            try:
                return keras.layers.RNN.inner_loop(self, sequences, initial_state, mask, training=training)
            finally:
                self.unroll = unroll
        return super().inner_loop(sequences, initial_state, mask, training=training)

    def _projected_loop(self, sequences, initial_state, mask, unroll=1):
        """Keras's masked loop with the input projection taken out of it: one
        [B·T, I] × [I, 4U] matmul before the loop (and one for its gradient after), so each
        step multiplies only h by the recurrent kernel. Same values as Keras's loop, in the
        same order of operations: past a row's end the states hold and the output repeats
        the last h. (On a 2-core CPU it measured 10 % slower than Keras's loop, so it runs
        only where chosen: ``benchmarks/gpu_check.py --compare projected``.)

        ``sequences`` [B, T, I], ``initial_state`` [h, c] each [B, U], ``mask`` [B, T] or
        none → (last output [B, U], outputs [B, T, U] (or [B, 1, U]), [h, c])."""
        cell = self.cell
        recurrent = ops.convert_to_tensor(cell.recurrent_kernel)
        bias = ops.convert_to_tensor(cell.bias) if cell.use_bias else None
        # Time-major for the scan: [T, B, 4U].
        projected = ops.transpose(ops.matmul(sequences, ops.convert_to_tensor(cell.kernel)), (1, 0, 2))
        activation, recurrent_activation = cell.activation, cell.recurrent_activation

        def step(states, inputs):
            h, c = states
            z_t, keep_t = inputs if mask is not None else (inputs, None)
            z = ops.add(z_t, ops.matmul(h, recurrent))
            if bias is not None:
                z = ops.add(z, bias)
            z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
            new_c = recurrent_activation(z_f) * c + recurrent_activation(z_i) * activation(z_c)
            new_h = recurrent_activation(z_o) * activation(new_c)
            if keep_t is not None:
                new_h, new_c = ops.where(keep_t, new_h, h), ops.where(keep_t, new_c, c)
            return (new_h, new_c), new_h

        xs = projected if mask is None else (projected, ops.expand_dims(ops.transpose(ops.cast(mask, "bool")), -1))
        (h, c), outputs = ops.scan(step, (initial_state[0], initial_state[1]), xs, unroll=unroll)
        outputs = ops.transpose(outputs, (1, 0, 2)) if self.return_sequences else ops.expand_dims(h, 1)
        return h, outputs, [h, c]
