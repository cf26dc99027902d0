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


def bleu_tokenization(references: list[str]) -> str:
    """"13a" (sacrebleu's word tokens, the usual BLEU) when at least half of the references
    have 4 or more tokens; else "char". BLEU counts n-grams up to 4: on references of one
    to three words (digit strings, dates) word BLEU is 0 even for perfect outputs."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tokenize = Tokenizer13a()
    long_enough = sum(len(tokenize(reference).split()) >= 4 for reference in references)
    return "13a" if references and long_enough * 2 >= len(references) else "char"


def bleu(hypotheses: list[str], references: list[str], tokenize: str = "13a") -> float:
    """Corpus BLEU (sacrebleu; ``tokenize`` "13a" words or "char" characters)."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(hypotheses, [references], tokenize=tokenize).score)


def chrf(hypotheses: list[str], references: list[str]) -> float:
    """Corpus chrF (sacrebleu defaults: character 6-grams, β = 2)."""
    import sacrebleu

    return float(sacrebleu.corpus_chrf(hypotheses, [references]).score)


def perplexity(mean_negative_log_likelihood: float) -> float:
    return float(math.exp(min(mean_negative_log_likelihood, 700.0)))
