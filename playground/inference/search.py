"""Decoding: greedy, beam search and sampling over a model's ``encode`` / ``decode_step``.

Each search is one compiled function holding a ``keras.ops.while_loop`` (never one
``predict()`` per token), built once per model and cached on it
(:func:`playground.backend.compiled.compile_inference`). Outputs go into buffers of a
fixed ``capacity``; the loop stops at ``limit`` steps or when every item has ended.
Under JAX, where each new shape is a new compilation, batch, source length and capacity
are rounded up to powers of two (translate-as-you-type then compiles a handful of
times, not at every keystroke); padding is masked, so results do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keras import ops

from playground.backend.compiled import compile_inference, needs_static_shapes, random_categorical
from playground.data.vocab import END_ID, PAD_ID, START_ID, UNK_ID
from playground.limits import DEFAULT_LENGTH_PENALTY

NEG_INF = -1e9


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


def _cached(model, key, builder, static):
    cache = model.__dict__.setdefault("_search_cache", {})
    if key not in cache:
        cache[key] = compile_inference(model, builder(model), static=static)
    return cache[key]


def _bucket(n: int, minimum: int) -> int:
    return max(minimum, 1 << max(int(n) - 1, 0).bit_length())


def _shaped(source_ids, max_length: int):
    """→ (source [B', S'] int32, capacity): padded to buckets where shapes are compiled."""
    source = np.asarray(source_ids, np.int32)
    if not needs_static_shapes():
        return source, int(max_length)
    rows, width = _bucket(source.shape[0], 1), _bucket(source.shape[1], 8)
    padded = np.zeros((rows, width), np.int32)
    padded[: source.shape[0], : source.shape[1]] = source
    return padded, _bucket(max_length, 16)


def _write(buffer, step, values):
    """``buffer`` [B, L, ...] with ``values`` [B, ...] written at position ``step``."""
    start = [0, step] + [0] * (len(buffer.shape) - 2)
    return ops.slice_update(buffer, start, ops.expand_dims(ops.cast(values, buffer.dtype), 1))


def _build_greedy(model):
    mode = model.config.mode

    def greedy(source, rows, limit, capacity):
        batch = ops.shape(source)[0]
        if mode == "basic":
            # No feedback: the whole output comes from one pass over the repeated vector.
            logits = model((source, ops.zeros((batch, capacity), "int32")), training=False)
            log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
            tokens = ops.cast(ops.argmax(logits, -1), "int32")
            ended = ops.cast(ops.equal(tokens, END_ID), "int32")
            finished_before = (ops.cumsum(ended, axis=1) - ended) > 0
            finished_before = ops.logical_or(finished_before, ops.arange(capacity)[None, :] >= limit)
            tokens = ops.where(finished_before, PAD_ID, tokens)
            score = ops.sum(ops.where(finished_before, 0.0, ops.max(log_probs, -1)), 1)
            return tokens, ops.zeros((batch, capacity, ops.shape(source)[1]), "float32"), score
        memory, memory_mask, states, context = model.encode(source, decode_length=capacity)
        tokens = ops.zeros((batch, capacity), "int32")
        attention = ops.zeros((batch, capacity, ops.shape(source)[1]), "float32")
        previous = ops.full((batch,), START_ID, "int32")
        finished = ops.arange(batch) >= rows  # rows past ``rows`` are padding: done from the start
        score = ops.zeros((batch,), "float32")

        def cond(step, previous, states, finished, score, tokens, attention):
            return ops.logical_and(step < limit, ops.logical_not(ops.all(finished)))

        def body(step, previous, states, finished, score, tokens, attention):
            logits, states, weights = model.decode_step(previous, states, memory, memory_mask, context)
            log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
            token = ops.cast(ops.argmax(log_probs, -1), "int32")
            score = score + ops.where(finished, 0.0, ops.max(log_probs, -1))
            token = ops.where(finished, PAD_ID, token)
            tokens, attention = _write(tokens, step, token), _write(attention, step, weights)
            finished = ops.logical_or(finished, ops.equal(token, END_ID))
            return step + 1, token, list(states), finished, score, tokens, attention

        loop = (ops.convert_to_tensor(0, "int32"), previous, list(states), finished, score, tokens, attention)
        _, _, _, _, score, tokens, attention = ops.while_loop(cond, body, loop)
        return tokens, attention, score

    return greedy


def greedy_function(model):
    """The uncompiled greedy search, for embedding in another graph (the SavedModel export):
    ``(source [B, S], rows, limit, capacity)`` → (tokens [B, capacity], attention, scores)."""
    return _build_greedy(model)


def greedy_decode(model, source_ids, max_length: int) -> GreedyResult:
    """``source_ids`` [B, S] int (PAD-padded) → :class:`GreedyResult` with L = ``max_length``."""
    batch, width = np.shape(source_ids)
    source, capacity = _shaped(source_ids, max_length)
    fn = _cached(model, "greedy", _build_greedy, static=(3,))
    tokens, attention, score = fn(source, batch, int(max_length), capacity)
    return GreedyResult(tokens[:batch, :max_length], attention[:batch, :max_length, :width], score[:batch])


def _build_beam(model):
    vocab = model.config.target_vocab_size

    def beam(source, rows, limit, capacity, k, length_penalty):
        batch = ops.shape(source)[0]
        memory, memory_mask, states, context = model.encode(source, decode_length=capacity)

        def tile(t):  # [B, ...] → [B·K, ...], beams of one item adjacent
            return ops.repeat(t, k, axis=0)

        memory, memory_mask, context = tile(memory), tile(memory_mask), tile(context)
        states = [tile(s) for s in states]
        # Only the first beam is live at the start, so the K beams do not start identical.
        first = ops.where(ops.arange(k) == 0, 0.0, NEG_INF)
        scores = ops.zeros((batch, k), "float32") + ops.cast(first, "float32")[None, :]  # [B, K]
        previous = ops.full((batch * k,), START_ID, "int32")
        finished = ops.logical_or(ops.zeros((batch, k), "bool"), (ops.arange(batch) >= rows)[:, None])  # padding: done
        lengths = ops.zeros((batch, k), "int32")
        history = ops.zeros((batch, k, capacity), "int32")
        pad_only = ops.where(ops.arange(vocab) == PAD_ID, 0.0, NEG_INF)  # a finished beam adds PAD, free

        def cond(step, previous, states, scores, finished, lengths, history):
            return ops.logical_and(step < limit, ops.logical_not(ops.all(finished)))

        def body(step, previous, states, scores, finished, lengths, history):
            logits, new_states, _ = model.decode_step(previous, states, memory, memory_mask, context)
            log_probs = ops.reshape(ops.log_softmax(ops.cast(logits, "float32"), axis=-1), (-1, k, vocab))
            log_probs = ops.where(finished[..., None], ops.cast(pad_only, "float32")[None, None], log_probs)
            candidates = ops.reshape(scores[..., None] + log_probs, (-1, k * vocab))
            top_scores, top_index = ops.top_k(candidates, k)
            beam_index = ops.cast(top_index // vocab, "int32")
            token = ops.cast(top_index % vocab, "int32")
            was_finished = ops.take_along_axis(finished, beam_index, axis=1)
            rows = ops.broadcast_to(beam_index[..., None], ops.shape(history))
            history = ops.take_along_axis(history, rows, axis=1)
            start = [0, 0, step]
            history = ops.slice_update(history, start, token[..., None])
            lengths = ops.take_along_axis(lengths, beam_index, axis=1) + ops.cast(ops.logical_not(was_finished),
                                                                                  "int32")
            finished = ops.logical_or(was_finished, ops.equal(token, END_ID))
            flat_index = ops.reshape(beam_index + ops.arange(batch, dtype="int32")[:, None] * k, (-1,))
            new_states = [ops.take(s, flat_index, axis=0) for s in new_states]
            return step + 1, ops.reshape(token, (-1,)), new_states, top_scores, finished, lengths, history

        loop = (ops.convert_to_tensor(0, "int32"), previous, states, scores, finished, lengths, history)
        _, _, _, scores, finished, lengths, history = ops.while_loop(cond, body, loop)
        # GNMT length penalty: ((5 + |y|) / 6) ** alpha.
        penalty = ops.power((5.0 + ops.cast(lengths, "float32")) / 6.0, length_penalty)
        normalised = scores / penalty
        order = ops.cast(ops.argsort(-normalised, axis=1), "int32")
        rows = ops.broadcast_to(order[..., None], ops.shape(history))
        return (ops.take_along_axis(history, rows, axis=1), ops.take_along_axis(normalised, order, axis=1),
                ops.take_along_axis(scores, order, axis=1))

    return beam


def beam_search(model, source_ids, max_length: int, beam_width: int = 4, n_best: int = 1,
                length_penalty: float = DEFAULT_LENGTH_PENALTY) -> BeamResult:
    """``source_ids`` [B, S] → the ``n_best`` ≤ ``beam_width`` best of each item's beams."""
    if beam_width < 1 or n_best < 1:
        raise ValueError("beam_width and n_best must be at least 1")
    n_best = min(n_best, beam_width)
    if model.config.mode == "basic":
        # Without feedback every step is independent: beam search adds nothing.
        greedy = greedy_decode(model, source_ids, max_length)
        return BeamResult(greedy.tokens[:, None], greedy.log_probs[:, None], greedy.log_probs[:, None])
    batch = np.shape(source_ids)[0]
    source, capacity = _shaped(source_ids, max_length)
    fn = _cached(model, "beam", _build_beam, static=(3, 4))
    tokens, scores, log_probs = fn(source, batch, int(max_length), capacity, int(beam_width), float(length_penalty))
    return BeamResult(tokens[:batch, :n_best, :max_length], scores[:batch, :n_best], log_probs[:batch, :n_best])


def _build_sampler(model):
    vocab = model.config.target_vocab_size

    def sample(source, rows, prefix, prefix_length, limit, capacity, temperature, top_k, top_p, seed):
        memory, memory_mask, states, context = model.encode(source, decode_length=capacity)
        batch = ops.shape(source)[0]
        # One spare column so the take below is valid even for an empty prefix.
        prefix = ops.concatenate([prefix, ops.zeros((batch, 1), "int32")], axis=1)
        tokens = ops.zeros((batch, capacity), "int32")
        previous = ops.full((batch,), START_ID, "int32")
        finished = ops.arange(batch) >= rows  # padding rows: done from the start
        # Never sampled: padding, START, and <unk> (it stands for rare tokens; as output it says nothing).
        banned = ops.logical_or(ops.logical_or(ops.arange(vocab) == PAD_ID, ops.arange(vocab) == START_ID),
                                ops.arange(vocab) == UNK_ID)
        kept = ops.where(top_k > 0, ops.minimum(top_k, vocab), vocab)

        def cond(step, previous, states, finished, tokens):
            return ops.logical_and(step < limit, ops.logical_not(ops.all(finished)))

        def body(step, previous, states, finished, tokens):
            logits, states, _ = model.decode_step(previous, states, memory, memory_mask, context)
            logits = ops.cast(logits, "float32") / ops.maximum(temperature, 1e-6)
            logits = ops.where(banned[None], NEG_INF, logits)
            descending = -ops.sort(-logits, axis=-1)
            kth = ops.take(descending, kept - 1, axis=1)[:, None]
            logits = ops.where(logits < kth, NEG_INF, logits)
            # Nucleus: keep the smallest set of tokens whose probability reaches top_p.
            descending = -ops.sort(-logits, axis=-1)
            probabilities = ops.softmax(descending, axis=-1)
            before = ops.cumsum(probabilities, axis=-1) - probabilities
            cutoff_index = ops.sum(ops.cast(before < top_p, "int32"), -1, keepdims=True) - 1
            cutoff = ops.take_along_axis(descending, ops.maximum(cutoff_index, 0), axis=1)
            logits = ops.where(logits < cutoff, NEG_INF, logits)
            sampled = random_categorical(logits, seed, step)
            forced = ops.take(prefix, ops.minimum(step, prefix_length), axis=1)
            token = ops.where(step < prefix_length, forced, sampled)
            token = ops.where(finished, PAD_ID, token)
            tokens = _write(tokens, step, token)
            finished = ops.logical_or(finished, ops.equal(token, END_ID))
            return step + 1, token, list(states), finished, tokens

        loop = (ops.convert_to_tensor(0, "int32"), previous, list(states), finished, tokens)
        return ops.while_loop(cond, body, loop)[-1]

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
    batch = np.shape(source_ids)[0]
    source, capacity = _shaped(source_ids, max_length)
    if prefix_ids is None:
        prefix_ids = np.zeros((batch, 0), np.int32)
    prefix_ids = np.asarray(prefix_ids, np.int32)
    prefix_length = prefix_ids.shape[1]
    prefix = np.zeros((source.shape[0], _bucket(prefix_length, 8) if needs_static_shapes() else prefix_length),
                      np.int32)
    prefix[:batch, :prefix_length] = prefix_ids
    fn = _cached(model, "sample", _build_sampler, static=(5,))
    tokens = fn(source, batch, prefix, int(prefix_length), int(max_length), capacity, float(temperature), int(top_k),
                float(top_p), np.asarray([seed, 0], np.int32))
    return tokens[:batch, :max_length]


def reference_greedy_decode(model, source_ids, max_length: int) -> np.ndarray:
    """Plain eager step-by-step greedy decode, for checking the compiled one. → [B, L]."""
    memory, mask, states, context = model.encode(ops.convert_to_tensor(np.asarray(source_ids, np.int32)),
                                                 decode_length=max_length)
    previous = np.full([len(source_ids)], START_ID, np.int32)
    finished = np.zeros(len(source_ids), bool)
    out = []
    for _ in range(max_length):
        logits, states, _ = model.decode_step(ops.convert_to_tensor(previous), states, memory, mask, context)
        token = np.argmax(ops.convert_to_numpy(logits), -1).astype(np.int32)
        token[finished] = PAD_ID
        out.append(token)
        finished |= token == END_ID
        previous = token
        if finished.all():
            break
    return np.stack(out, 1)
