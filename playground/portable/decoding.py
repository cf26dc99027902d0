"""Greedy, beam and sampling search in numpy over an exported encoder and decoder step,
step for step the loops of :mod:`playground.inference.search` (same stopping rule, same
beam bookkeeping and length penalty), so an export decodes what the app decodes."""

from __future__ import annotations

import numpy as np

from playground.data.vocab import END_ID, PAD_ID, START_ID, UNK_ID

NEG_INF = -1e9


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """[..., V] → log-probabilities, in float64 for stable sums."""
    x = logits.astype(np.float64)
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


class Decoder:
    """Searches over ``encoder(feeds) → dict`` and ``step(feeds) → dict`` (see
    :mod:`playground.exports.graphs` for the names)."""

    def __init__(self, encoder, step, states: list[str], transformer: bool):
        self.encoder, self.step, self.states, self.transformer = encoder, step, states, transformer

    def encode(self, source: np.ndarray, capacity: int) -> dict:
        """``source`` [B, S] int32 → the step's constant inputs and initial states. An encoder
        fixed to one row (LiteRT) is run row by row."""
        source = np.asarray(source, np.int32)
        feeds = {"source": source}
        if self.transformer:
            feeds["decode_length"] = np.asarray(capacity, np.int32)
        if self.encoder.batch is None or self.encoder.batch == len(source):
            return self.encoder(feeds)
        rows = [self.encoder({**feeds, "source": source[i:i + 1]}) for i in range(len(source))]
        return {name: np.concatenate([row[name] for row in rows]) for name in rows[0]}

    def _step(self, previous, states, encoded):
        feeds = {"previous": previous, "memory": encoded["memory"], "memory_mask": encoded["memory_mask"],
                 "context": encoded["context"], **dict(zip(self.states, states))}
        out = self.step(feeds)
        return out["logits"], [out[f"next_{name}"] for name in self.states], out["weights"]

    def greedy(self, source, limit: int):
        """→ (tokens [B, limit] (END then PAD), attention [B, limit, S], log-probabilities [B])."""
        encoded = self.encode(source, limit)
        batch, width = np.shape(source)
        states = [encoded[name] for name in self.states]
        tokens = np.zeros((batch, limit), np.int32)
        attention = np.zeros((batch, limit, width), np.float32)
        previous = np.full(batch, START_ID, np.int32)
        finished = np.zeros(batch, bool)
        score = np.zeros(batch, np.float64)
        for step in range(limit):
            if finished.all():
                break
            logits, states, weights = self._step(previous, states, encoded)
            log_probs = log_softmax(logits)
            token = log_probs.argmax(-1).astype(np.int32)
            score += np.where(finished, 0.0, log_probs.max(-1))
            token = np.where(finished, PAD_ID, token).astype(np.int32)
            tokens[:, step], attention[:, step] = token, weights
            finished |= token == END_ID
            previous = token
        return tokens, attention, score

    def beam(self, source, limit: int, width: int, length_penalty: float):
        """→ (tokens [B, K, limit], length-normalised scores [B, K], log-probabilities [B, K]), best first."""
        encoded = self.encode(source, limit)
        batch = len(source)
        encoded = {name: np.repeat(value, width, axis=0) for name, value in encoded.items()}  # beams adjacent
        states = [encoded[name] for name in self.states]
        scores = np.tile(np.where(np.arange(width) == 0, 0.0, NEG_INF), (batch, 1))  # only beam 0 is live
        previous = np.full(batch * width, START_ID, np.int32)
        finished = np.zeros((batch, width), bool)
        lengths = np.zeros((batch, width), np.int32)
        history = np.zeros((batch, width, limit), np.int32)
        for step in range(limit):
            if finished.all():
                break
            logits, new_states, _ = self._step(previous, states, encoded)
            vocab = logits.shape[-1]
            log_probs = log_softmax(logits).reshape(batch, width, vocab)
            pad_only = np.where(np.arange(vocab) == PAD_ID, 0.0, NEG_INF)  # a finished beam adds PAD, free
            log_probs = np.where(finished[..., None], pad_only[None, None], log_probs)
            candidates = (scores[..., None] + log_probs).reshape(batch, width * vocab)
            top_index = np.argsort(-candidates, axis=1, kind="stable")[:, :width]  # ties: lower index first
            scores = np.take_along_axis(candidates, top_index, axis=1)
            beam_index, token = top_index // vocab, (top_index % vocab).astype(np.int32)
            was_finished = np.take_along_axis(finished, beam_index, axis=1)
            history = np.take_along_axis(history, beam_index[..., None], axis=1)
            history[:, :, step] = token
            lengths = np.take_along_axis(lengths, beam_index, axis=1) + ~was_finished
            finished = was_finished | (token == END_ID)
            flat = (beam_index + np.arange(batch)[:, None] * width).reshape(-1)
            states = [s[flat] for s in new_states]
            previous = token.reshape(-1)
        normalised = scores / ((5.0 + lengths) / 6.0) ** length_penalty  # GNMT length penalty
        order = np.argsort(-normalised, axis=1, kind="stable")
        return (np.take_along_axis(history, order[..., None], axis=1), np.take_along_axis(normalised, order, axis=1),
                np.take_along_axis(scores, order, axis=1))

    def sample(self, source, limit: int, prefix: list[int], *, temperature: float = 1.0, top_k: int = 0,
               top_p: float = 1.0, seed: int = 0) -> np.ndarray:
        """Samples up to ``limit`` tokens per item after forcing ``prefix`` → [B, limit] int32."""
        rng = np.random.default_rng(seed)
        encoded = self.encode(source, limit)
        batch = len(source)
        states = [encoded[name] for name in self.states]
        tokens = np.zeros((batch, limit), np.int32)
        previous = np.full(batch, START_ID, np.int32)
        finished = np.zeros(batch, bool)
        for step in range(limit):
            if finished.all():
                break
            logits, states, _ = self._step(previous, states, encoded)
            if step < len(prefix):
                token = np.full(batch, prefix[step], np.int32)
            else:
                token = np.array([_sample_row(row, temperature, top_k, top_p, rng) for row in logits], np.int32)
            token = np.where(finished, PAD_ID, token).astype(np.int32)
            tokens[:, step] = token
            finished |= token == END_ID
            previous = token
        return tokens


def _sample_row(logits: np.ndarray, temperature: float, top_k: int, top_p: float, rng) -> int:
    """One token from ``logits`` [V] with the app's filters: PAD, START and <unk> never, then top-k,
    then the nucleus (smallest set reaching ``top_p``)."""
    x = logits.astype(np.float64) / max(temperature, 1e-6)
    x[[PAD_ID, START_ID, UNK_ID]] = NEG_INF
    if 0 < top_k < len(x):
        x[x < np.sort(x)[-top_k]] = NEG_INF
    if top_p < 1.0:
        descending = np.sort(x)[::-1]
        probabilities = np.exp(descending - descending.max())
        probabilities /= probabilities.sum()
        before = np.cumsum(probabilities) - probabilities
        x[x < descending[max(int((before < top_p).sum()) - 1, 0)]] = NEG_INF
    probabilities = np.exp(x - x.max())
    return int(rng.choice(len(x), p=probabilities / probabilities.sum()))
