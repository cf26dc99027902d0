"""Decoding: greedy, beam search and sampling over a model's ``encode`` / ``decode_step``.

Each search is one compiled ``tf.function`` holding a ``tf.while_loop`` (never one
``predict()`` per token). Functions are traced once per model and cached on it; the
input signature has dynamic batch and length so new inputs never retrace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from playground.data.vocab import END_ID, PAD_ID, START_ID

_INT_MATRIX = tf.TensorSpec([None, None], tf.int32)
_SCALAR_INT = tf.TensorSpec([], tf.int32)
_SCALAR_FLOAT = tf.TensorSpec([], tf.float32)


@dataclass
class GreedyResult:
    """``tokens`` [B, L] int (END then PAD after the end), ``attention`` [B, L, S] float,
    ``log_probs`` [B] (sum over emitted tokens, END included)."""

    tokens: np.ndarray
    attention: np.ndarray
    log_probs: np.ndarray


@dataclass
class BeamResult:
    """``tokens`` [B, N, L] int, ``scores`` [B, N] length-normalised log-probabilities,
    ``log_probs`` [B, N] raw log-probabilities, best first."""

    tokens: np.ndarray
    scores: np.ndarray
    log_probs: np.ndarray


def _cached(model, key, builder):
    cache = model.__dict__.setdefault("_search_cache", {})
    if key not in cache:
        cache[key] = builder(model)
    return cache[key]


def _build_greedy(model):
    mode = model.config.mode

    @tf.function(input_signature=[_INT_MATRIX, _SCALAR_INT])
    def greedy(source, max_length):
        batch = tf.shape(source)[0]
        if mode == "basic":
            # No feedback: the whole output comes from one pass over the repeated vector.
            logits = model((source, tf.zeros([batch, max_length], tf.int32)), training=False)
            log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
            tokens = tf.argmax(logits, -1, output_type=tf.int32)
            token_lp = tf.reduce_max(log_probs, -1)
            finished_before = tf.cumsum(tf.cast(tf.equal(tokens, END_ID), tf.int32), axis=1, exclusive=True) > 0
            tokens = tf.where(finished_before, PAD_ID, tokens)
            score = tf.reduce_sum(tf.where(finished_before, 0.0, token_lp), 1)
            return tokens, tf.zeros([batch, max_length, tf.shape(source)[1]]), score
        memory, memory_mask, states, context = model.encode(source)
        tokens_ta = tf.TensorArray(tf.int32, size=max_length, element_shape=[None])
        attention_ta = tf.TensorArray(tf.float32, size=max_length, element_shape=[None, None])
        previous = tf.fill([batch], START_ID)
        finished = tf.zeros([batch], tf.bool)
        score = tf.zeros([batch])
        step = tf.constant(0)

        def cond(step, *_):
            return tf.logical_and(step < max_length, tf.logical_not(tf.reduce_all(finished)))

        def body(step, previous, states, finished, score, tokens_ta, attention_ta):
            logits, states, weights = model.decode_step(previous, states, memory, memory_mask, context)
            log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32))
            token = tf.argmax(log_probs, -1, output_type=tf.int32)
            score += tf.where(finished, 0.0, tf.reduce_max(log_probs, -1))
            token = tf.where(finished, PAD_ID, token)
            tokens_ta = tokens_ta.write(step, token)
            attention_ta = attention_ta.write(step, weights)
            finished = tf.logical_or(finished, tf.equal(token, END_ID))
            return step + 1, token, states, finished, score, tokens_ta, attention_ta

        step, _, _, _, score, tokens_ta, attention_ta = tf.while_loop(
            cond, body, [step, previous, states, finished, score, tokens_ta, attention_ta])
        tokens = tf.transpose(tokens_ta.stack())  # [B, L]
        attention = tf.transpose(attention_ta.stack(), [1, 0, 2])  # [B, L, S]
        return tokens, attention, score

    return greedy


def greedy_decode(model, source_ids, max_length: int) -> GreedyResult:
    """``source_ids`` [B, S] int (PAD-padded) → :class:`GreedyResult`."""
    fn = _cached(model, "greedy", _build_greedy)
    tokens, attention, score = fn(tf.constant(source_ids, tf.int32), tf.constant(max_length, tf.int32))
    return GreedyResult(tokens.numpy(), attention.numpy(), score.numpy())


def _build_beam(model):
    @tf.function(input_signature=[_INT_MATRIX, _SCALAR_INT, _SCALAR_INT, _SCALAR_FLOAT])
    def beam(source, beam_width, max_length, length_penalty):
        batch = tf.shape(source)[0]
        k = beam_width
        memory, memory_mask, states, context = model.encode(source)

        def tile(t):  # [B, ...] → [B·K, ...], beams of one item adjacent
            return tf.repeat(t, k, axis=0)

        memory, memory_mask, context = tile(memory), tile(memory_mask), tile(context)
        states = [tile(s) for s in states]
        vocab = model.config.target_vocab_size
        # Only the first beam is live at the start, so the K beams do not start identical.
        scores = tf.tile(tf.concat([[0.0], tf.fill([k - 1], -1e9)], 0)[None], [batch, 1])  # [B, K]
        previous = tf.fill([batch * k], START_ID)
        finished = tf.zeros([batch, k], tf.bool)
        lengths = tf.zeros([batch, k], tf.int32)
        history = tf.zeros([batch, k, 0], tf.int32)
        step = tf.constant(0)

        def cond(step, previous, states, scores, finished, lengths, history):
            return tf.logical_and(step < max_length, tf.logical_not(tf.reduce_all(finished)))

        def body(step, previous, states, scores, finished, lengths, history):
            logits, new_states, _ = model.decode_step(previous, states, memory, memory_mask, context)
            log_probs = tf.reshape(tf.nn.log_softmax(tf.cast(logits, tf.float32)), [batch, k, vocab])
            # A finished beam may only extend with PAD at no cost.
            pad_only = tf.one_hot(PAD_ID, vocab, on_value=0.0, off_value=-1e9)
            log_probs = tf.where(finished[..., None], pad_only[None, None], log_probs)
            candidates = tf.reshape(scores[..., None] + log_probs, [batch, k * vocab])
            top_scores, top_index = tf.math.top_k(candidates, k)
            beam_index = top_index // vocab
            token = top_index % vocab
            gather = lambda t: tf.gather(t, beam_index, batch_dims=1)  # noqa: E731
            was_finished = gather(finished)
            history = tf.concat([gather(history), token[..., None]], axis=2)
            lengths = gather(lengths) + tf.cast(tf.logical_not(was_finished), tf.int32)
            finished = tf.logical_or(was_finished, tf.equal(token, END_ID))
            flat_index = tf.reshape(beam_index + tf.range(batch)[:, None] * k, [-1])
            new_states = [tf.gather(s, flat_index) for s in new_states]
            return step + 1, tf.reshape(token, [-1]), new_states, top_scores, finished, lengths, history

        _, _, _, scores, finished, lengths, history = tf.while_loop(
            cond, body, [step, previous, states, scores, finished, lengths, history],
            shape_invariants=[step.shape, previous.shape, [tf.TensorShape([None, None])] * len(states),
                              scores.shape, finished.shape, lengths.shape, tf.TensorShape([None, None, None])])
        # GNMT length penalty: ((5 + |y|) / 6) ** alpha.
        penalty = tf.pow((5.0 + tf.cast(lengths, tf.float32)) / 6.0, length_penalty)
        normalised = scores / penalty
        order = tf.argsort(normalised, axis=1, direction="DESCENDING")
        return (tf.gather(history, order, batch_dims=1), tf.gather(normalised, order, batch_dims=1),
                tf.gather(scores, order, batch_dims=1))

    return beam


def beam_search(model, source_ids, max_length: int, beam_width: int = 4, n_best: int = 1,
                length_penalty: float = 0.6) -> BeamResult:
    """``source_ids`` [B, S] → the ``n_best`` ≤ ``beam_width`` best of each item's beams."""
    if beam_width < 1 or n_best < 1:
        raise ValueError("beam_width and n_best must be at least 1")
    n_best = min(n_best, beam_width)
    if model.config.mode == "basic":
        # Without feedback every step is independent: beam search adds nothing.
        greedy = greedy_decode(model, source_ids, max_length)
        return BeamResult(greedy.tokens[:, None], greedy.log_probs[:, None], greedy.log_probs[:, None])
    fn = _cached(model, "beam", _build_beam)
    tokens, scores, log_probs = fn(tf.constant(source_ids, tf.int32), tf.constant(beam_width, tf.int32),
                                   tf.constant(max_length, tf.int32), tf.constant(length_penalty, tf.float32))
    return BeamResult(tokens.numpy()[:, :n_best], scores.numpy()[:, :n_best], log_probs.numpy()[:, :n_best])


def _build_sampler(model):
    @tf.function(input_signature=[_INT_MATRIX, _INT_MATRIX, _SCALAR_INT, _SCALAR_FLOAT, _SCALAR_INT,
                                  _SCALAR_FLOAT, tf.TensorSpec([2], tf.int32)])
    def sample(source, prefix, max_length, temperature, top_k, top_p, seed):
        memory, memory_mask, states, context = model.encode(source)
        batch = tf.shape(source)[0]
        prefix_length = tf.shape(prefix)[1]
        # One spare column so the gather below is valid even for an empty prefix.
        prefix = tf.concat([prefix, tf.zeros([batch, 1], tf.int32)], axis=1)
        vocab = model.config.target_vocab_size
        tokens_ta = tf.TensorArray(tf.int32, size=max_length)
        previous = tf.fill([batch], START_ID)
        finished = tf.zeros([batch], tf.bool)

        def cond(step, *_):
            return tf.logical_and(step < max_length, tf.logical_not(tf.reduce_all(finished)))

        def body(step, previous, states, finished, tokens_ta):
            logits, states, _ = model.decode_step(previous, states, memory, memory_mask, context)
            logits = tf.cast(logits, tf.float32) / tf.maximum(temperature, 1e-6)
            # Never sample padding or start.
            banned = tf.one_hot(PAD_ID, vocab) + tf.one_hot(START_ID, vocab)
            logits = tf.where(banned[None] > 0, -1e9, logits)
            k = tf.where(top_k > 0, tf.minimum(top_k, vocab), vocab)
            kth = tf.math.top_k(logits, k).values[:, -1:]
            logits = tf.where(logits < kth, -1e9, logits)
            # Nucleus: keep the smallest set of tokens whose probability reaches top_p.
            sorted_logits = tf.sort(logits, direction="DESCENDING")
            cumulative = tf.cumsum(tf.nn.softmax(sorted_logits), axis=-1, exclusive=True)
            cutoff_index = tf.reduce_sum(tf.cast(cumulative < top_p, tf.int32), -1, keepdims=True) - 1
            cutoff = tf.gather(sorted_logits, tf.maximum(cutoff_index, 0), batch_dims=1)
            logits = tf.where(logits < cutoff, -1e9, logits)
            step_seed = tf.stack([seed[0], seed[1] + step])
            sampled = tf.reshape(tf.random.stateless_categorical(logits, 1, step_seed, dtype=tf.int32), [-1])
            forced = tf.gather(prefix, tf.minimum(step, prefix_length), axis=1)
            token = tf.where(step < prefix_length, forced, sampled)
            token = tf.where(finished, PAD_ID, token)
            tokens_ta = tokens_ta.write(step, token)
            finished = tf.logical_or(finished, tf.equal(token, END_ID))
            return step + 1, token, states, finished, tokens_ta

        _, _, _, _, tokens_ta = tf.while_loop(cond, body, [tf.constant(0), previous, states, finished, tokens_ta])
        return tf.transpose(tokens_ta.stack())

    return sample


def sample_decode(model, source_ids, max_length: int, *, prefix_ids=None, temperature: float = 1.0,
                  top_k: int = 0, top_p: float = 1.0, seed: int = 0) -> np.ndarray:
    """Samples ``max_length`` tokens per item → [B, L] int.

    ``source_ids`` [B, S] (any [B, 1] for a language model); ``prefix_ids`` [B, P] are
    forced as the first P outputs (a primer or seed text) and returned with the rest.
    ``top_k`` 0 and ``top_p`` 1.0 disable those filters.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    if not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    source_ids = np.asarray(source_ids, np.int32)
    if prefix_ids is None:
        prefix_ids = np.zeros((source_ids.shape[0], 0), np.int32)
    fn = _cached(model, "sample", _build_sampler)
    tokens = fn(tf.constant(source_ids), tf.constant(prefix_ids, tf.int32), tf.constant(max_length, tf.int32),
                tf.constant(temperature, tf.float32), tf.constant(top_k, tf.int32), tf.constant(top_p, tf.float32),
                tf.constant([seed, 0], tf.int32))
    return tokens.numpy()


def reference_greedy_decode(model, source_ids, max_length: int) -> np.ndarray:
    """Plain eager step-by-step greedy decode, for checking the compiled one. → [B, L]."""
    memory, mask, states, context = model.encode(tf.constant(source_ids, tf.int32))
    previous = np.full([len(source_ids)], START_ID, np.int32)
    finished = np.zeros(len(source_ids), bool)
    out = []
    for _ in range(max_length):
        logits, states, _ = model.decode_step(tf.constant(previous), states, memory, mask, context)
        token = np.argmax(np.asarray(logits), -1).astype(np.int32)
        token[finished] = PAD_ID
        out.append(token)
        finished |= token == END_ID
        previous = token
        if finished.all():
            break
    return np.stack(out, 1)
