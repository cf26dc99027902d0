"""The training loss and token accuracy over padded batches, in keras.ops (any backend)."""

from __future__ import annotations

from keras import ops


def masked_token_sums(target_out, logits, label_smoothing: float = 0.0):
    """``target_out`` [B, T] int (0 = padding), ``logits`` [B, T, V]
    → (cross-entropy summed over real tokens, correct tokens, real tokens): float32 scalars.

    Sums rather than means, so replicas and batches combine exactly; labels are smoothed by
    ``label_smoothing`` (mass spread evenly over the vocabulary).
    """
    logits = ops.cast(logits, "float32")
    vocab = logits.shape[-1]
    mask = ops.cast(ops.not_equal(target_out, 0), "float32")
    log_probs = ops.log_softmax(logits, axis=-1)
    labels = ops.one_hot(target_out, vocab) * (1.0 - label_smoothing) + label_smoothing / vocab
    token_loss = -ops.sum(labels * log_probs, axis=-1)
    predicted = ops.cast(ops.argmax(logits, axis=-1), "int32")
    correct = ops.cast(ops.equal(predicted, ops.cast(target_out, "int32")), "float32")
    return ops.sum(token_loss * mask), ops.sum(correct * mask), ops.sum(mask)
