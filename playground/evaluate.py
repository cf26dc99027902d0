"""Held-out evaluation: exact match, masked token accuracy, BLEU, chrF; perplexity for LMs."""

from __future__ import annotations

import numpy as np

from playground import metrics
from playground.training.pipeline import encode_split, make_dataset, pad_batch


def _teacher_forced(model, split, batch_size: int = 128):
    """→ (mean NLL per token, masked token accuracy) over ``split``."""
    import tensorflow as tf

    totals = np.zeros(3)
    for source, target_in, target_out in make_dataset(split, batch_size, shuffle=False):
        logits = tf.cast(model((source, target_in), training=False), tf.float32)
        mask = tf.cast(tf.not_equal(target_out, 0), tf.float32)
        nll = tf.nn.sparse_softmax_cross_entropy_with_logits(target_out, logits)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), target_out), tf.float32)
        totals += [float(tf.reduce_sum(nll * mask)), float(tf.reduce_sum(correct * mask)),
                   float(tf.reduce_sum(mask))]
    return totals[0] / max(totals[2], 1), totals[1] / max(totals[2], 1)


def evaluate(predictor, examples, *, batch_size: int = 128, beam_width: int = 1) -> dict:
    """``examples``: [(source tokens, target tokens)] (already as the model's data options make
    them) → metrics dict. Translation: exact_match, token_accuracy, bleu, chrf, n.
    Language model: token_accuracy, perplexity, nll, n."""
    if not examples:
        raise ValueError("Nothing to evaluate: the test split is empty")
    split = encode_split(examples, predictor.source_vocab, predictor.target_vocab)
    nll, token_accuracy = _teacher_forced(predictor.model, split, batch_size)
    if predictor.is_lm:
        return {"token_accuracy": token_accuracy, "perplexity": metrics.perplexity(nll), "nll": nll,
                "n": len(examples)}
    produced = []
    for begin in range(0, len(split), batch_size):
        ids = pad_batch(split.sources[begin:begin + batch_size])
        if beam_width > 1:
            from playground import search

            beams = search.beam_search(predictor.model, ids, predictor._output_length(ids), beam_width=beam_width)
            produced.extend(predictor.target_vocab.decode(row[0]) for row in beams.tokens)
        else:
            produced.extend(predictor.translate_ids(ids))
    hypotheses = [predictor.detokenize(p) for p in produced]
    references = [predictor.detokenize(list(t)) for _, t in examples]
    return {
        "exact_match": metrics.exact_match(hypotheses, references),
        "token_accuracy": token_accuracy,
        "bleu": metrics.bleu(hypotheses, references),
        "chrf": metrics.chrf(hypotheses, references),
        "n": len(examples),
        "outputs": list(zip([predictor.detokenize(list(s[::-1] if predictor.reverse_source else s))
                             for s, _ in examples[:5]], references[:5], hypotheses[:5])),
    }
