"""Metrics: masked token accuracy, exact match, BLEU and chrF (sacrebleu), perplexity."""

from __future__ import annotations

import math

import numpy as np


def masked_token_accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    """``logits`` [B, T, V], ``targets`` [B, T] with 0 = padding (never counted)."""
    mask = targets != 0
    if not mask.any():
        return 0.0
    return float(((np.argmax(logits, -1) == targets) & mask).sum() / mask.sum())


def exact_match(predictions: list, references: list) -> float:
    """Share of items whose prediction equals the reference exactly (strings or token lists)."""
    if not references:
        return 0.0
    return sum(p == r for p, r in zip(predictions, references)) / len(references)


def bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU (sacrebleu defaults, 13a word tokenisation)."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(hypotheses, [references]).score)


def chrf(hypotheses: list[str], references: list[str]) -> float:
    """Corpus chrF (sacrebleu defaults: character 6-grams, β = 2)."""
    import sacrebleu

    return float(sacrebleu.corpus_chrf(hypotheses, [references]).score)


def perplexity(mean_negative_log_likelihood: float) -> float:
    return float(math.exp(min(mean_negative_log_likelihood, 700.0)))
