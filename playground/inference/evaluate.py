"""Held-out evaluation: exact match, masked token accuracy, BLEU, chrF; perplexity for LMs."""

from __future__ import annotations

import numpy as np

from playground import metrics
from playground.data.batching import encode_split, iterate_batches, pad_batch

MISTAKES_KEPT = 200  # wrong test items stored with a model, for the app's "show mistakes" table


class EvaluationStopped(Exception):
    """``should_stop()`` turned true between batches."""


def _check(should_stop) -> None:
    if should_stop is not None and should_stop():
        raise EvaluationStopped()


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _teacher_forced(model, split, batch_size: int = 128, should_stop=None):
    """→ (mean NLL per token, masked token accuracy) over ``split``."""
    from keras import ops

    totals = np.zeros(3)
    for source, target_in, target_out in iterate_batches(split, batch_size, shuffle=False):
        _check(should_stop)
        logits = ops.convert_to_numpy(model((source, target_in), training=False)).astype(np.float32)
        mask = target_out != 0
        log_probs = np.take_along_axis(_log_softmax(logits), target_out[..., None], -1)[..., 0]
        correct = (logits.argmax(-1) == target_out) & mask
        totals += [-(log_probs * mask).sum(), correct.sum(), mask.sum()]
    return totals[0] / max(totals[2], 1), totals[1] / max(totals[2], 1)


def evaluate(predictor, examples, *, batch_size: int = 128, beam_width: int = 1, should_stop=None,
             mistakes: int = 0) -> dict:
    """``examples``: [(source tokens, target tokens)] (already as the model's data options make
    them) → metrics dict. Translation: exact_match, token_accuracy, bleu (over words, or over
    characters where most references are under 4 words: ``bleu_tokenize``), chrf, n, ``outputs``
    (the first 5 as (input, expected, produced)) and, with ``mistakes`` > 0, up to that many
    wrong items as ``mistakes``. Language model: token_accuracy, perplexity, nll, n.
    ``should_stop()`` is polled between batches (EvaluationStopped)."""
    if not examples:
        raise ValueError("Nothing to evaluate: the test split is empty")
    split = encode_split(examples, predictor.source_vocab, predictor.target_vocab)
    nll, token_accuracy = _teacher_forced(predictor.model, split, batch_size, should_stop)
    if predictor.is_lm:
        return {"token_accuracy": token_accuracy, "perplexity": metrics.perplexity(nll), "nll": nll,
                "n": len(examples)}
    produced = []
    for begin in range(0, len(split), batch_size):
        _check(should_stop)
        ids = pad_batch(split.sources[begin:begin + batch_size])
        if beam_width > 1:
            from playground.inference import search

            beams = search.beam_search(predictor.model, ids, predictor._output_length(ids), beam_width=beam_width)
            produced.extend(predictor.target_vocab.decode(row[0]) for row in beams.tokens)
        else:
            produced.extend(predictor.translate_ids(ids))
    hypotheses = [predictor.detokenize(p) for p in produced]
    references = [predictor.detokenize(list(t)) for _, t in examples]
    inputs = [predictor.detokenize(list(s[::-1] if predictor.reverse_source else s)) for s, _ in examples]
    result = {
        "exact_match": metrics.exact_match(hypotheses, references),
        "token_accuracy": token_accuracy,
        "bleu": metrics.bleu(hypotheses, references, tokenize := metrics.bleu_tokenization(references)),
        "bleu_tokenize": tokenize,
        "chrf": metrics.chrf(hypotheses, references),
        "n": len(examples),
        "outputs": list(zip(inputs[:5], references[:5], hypotheses[:5])),
    }
    if mistakes:
        wrong = [(i, r, h) for i, r, h in zip(inputs, references, hypotheses) if r != h]
        result["mistakes"] = [list(item) for item in wrong[:mistakes]]
    return result
