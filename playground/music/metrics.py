"""Simple music metrics and n-gram baselines.

The baselines are what a trained LSTM must beat on the same token sequences:
if a model's next-token accuracy / perplexity is no better than a smoothed
bigram table, it has not learned anything musical beyond local transitions.
With the melody encoding most tokens are "_" (hold), so accuracy is near the
share of "_" for every simple model; perplexity is the telling number there.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Iterable, Sequence

import numpy as np

from .notes import Note

UNK = "<unk>"  # stands for test tokens never seen in training
BOS = "<s>"  # context of the first token of each sequence (bigram model)


def pitch_class_histogram(notes: Iterable[Note], *, weight: str = "count") -> np.ndarray:
    """Normalised pitch-class distribution, shape (12,) (index 0 = C), sums to 1.

    ``weight="count"`` counts notes, ``"duration"`` weights them by length in
    beats. An empty input gives all zeros.
    """
    if weight not in ("count", "duration"):
        raise ValueError(f"weight must be 'count' or 'duration', got {weight!r}")
    h = np.zeros(12, dtype=np.float64)
    for n in notes:
        h[n.pitch % 12] += 1.0 if weight == "count" else n.duration
    total = h.sum()
    return h / total if total > 0 else h


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Jensen-Shannon divergence (base 2) between two histograms, in [0, 1].

    Inputs are renormalised; 0 means identical distributions, 1 disjoint
    support. Two empty histograms are at distance 0, an empty and a non-empty
    one at distance 1. Symmetric, and finite even with zero bins (unlike KL).
    """
    p, q = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if p.shape != q.shape:
        raise ValueError(f"histograms differ in shape: {p.shape} vs {q.shape}")
    if np.any(p < 0) or np.any(q < 0):
        raise ValueError("histograms must be non-negative")
    sp, sq = p.sum(), q.sum()
    if sp == 0 or sq == 0:
        return 0.0 if sp == sq else 1.0
    p, q = p / sp, q / sq
    m = 0.5 * (p + q)

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log2(x[mask] / m[mask])))

    return float(min(max(0.5 * kl(p) + 0.5 * kl(q), 0.0), 1.0))


def _vocab(train_seqs: Sequence[Sequence[str]], k: float) -> list[str]:
    """Training vocabulary plus UNK, in a deterministic order (and a check of k)."""
    if not k > 0:
        raise ValueError(f"smoothing constant k must be positive, got {k}")
    return sorted({t for s in train_seqs for t in s} | {UNK})


def unigram_baseline(
    train_seqs: Sequence[Sequence[str]], test_seqs: Sequence[Sequence[str]], *, k: float = 0.1
) -> dict:
    """Add-k smoothed unigram model: predict the most frequent training token every time.

    Returns {"token_accuracy", "perplexity", "tokens", "vocab_size"} over all
    test tokens (unseen ones count as UNK: a miss, with smoothed probability).
    """
    vocab = _vocab(train_seqs, k)
    counts = Counter(t for s in train_seqs for t in s)
    total = sum(counts.values()) + k * len(vocab)
    # Most frequent token; ties go to the first in vocabulary order.
    best = min(counts, key=lambda t: (-counts[t], t)) if counts else None
    nll, hits, n = 0.0, 0, 0
    for seq in test_seqs:
        for tok in seq:
            known = tok if tok in counts else UNK
            nll -= math.log((counts[known] + k) / total)
            hits += tok == best
            n += 1
    return _result(nll, hits, n, len(vocab))


def bigram_baseline(
    train_seqs: Sequence[Sequence[str]], test_seqs: Sequence[Sequence[str]], *, k: float = 0.1
) -> dict:
    """Add-k smoothed bigram model P(t_i | t_{i-1}) of the same tokens.

    ``k`` = 0.1 by default: add-one smoothing over-flattens the sparse
    contexts of small corpora (on the built-in corpus it even loses to the
    unigram). Each sequence starts from the context BOS. ``token_accuracy`` is the
    share of test tokens equal to the argmax prediction from the previous
    true token; ``perplexity`` = exp(mean negative log-likelihood). Unseen
    test tokens map to UNK (always a miss). Returns the same keys as
    :func:`unigram_baseline`.
    """
    vocab = _vocab(train_seqs, k)
    index = {t: i for i, t in enumerate(vocab)}
    follow: dict[str, Counter] = defaultdict(Counter)
    for seq in train_seqs:
        prev = BOS
        for tok in seq:
            follow[prev][tok] += 1
            prev = tok
    # Argmax per context (ties -> vocabulary order) and its normaliser.
    best = {c: min(cnt, key=lambda t: (-cnt[t], index[t])) for c, cnt in follow.items()}
    totals = {c: sum(cnt.values()) + k * len(vocab) for c, cnt in follow.items()}
    empty_total = k * len(vocab)
    nll, hits, n = 0.0, 0, 0
    for seq in test_seqs:
        prev = BOS
        for tok in seq:
            ctx = prev if prev in follow else None
            known = tok if tok in index else UNK
            count = follow[ctx][known] if ctx is not None else 0
            nll -= math.log((count + k) / (totals[ctx] if ctx is not None else empty_total))
            hits += ctx is not None and best[ctx] == tok
            n += 1
            prev = tok
    return _result(nll, hits, n, len(vocab))


def _result(nll: float, hits: int, n: int, vocab_size: int) -> dict:
    """Package the baseline numbers (NaN when there are no test tokens)."""
    return {
        "token_accuracy": hits / n if n else float("nan"),
        "perplexity": math.exp(nll / n) if n else float("nan"),
        "tokens": n,
        "vocab_size": vocab_size,
    }


__all__ = ["bigram_baseline", "histogram_distance", "pitch_class_histogram", "unigram_baseline"]
