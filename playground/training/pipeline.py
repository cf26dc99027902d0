"""tf.data input pipeline: token ids, length bucketing, padding.

Examples of similar length are batched together (``bucket_by_sequence_length``) so
little compute goes to padding; padding is id 0 and is masked out of loss and metrics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from playground.data.vocab import END_ID, START_ID, Vocabulary


@dataclass
class EncodedSplit:
    """Token ids per example: ``sources[i]`` [S_i] (no specials; a single PAD for a
    language model), ``targets[i]`` [T_i] (no specials)."""

    sources: list
    targets: list

    def __len__(self) -> int:
        return len(self.targets)


def encode_split(examples, source_vocab: Vocabulary | None, target_vocab: Vocabulary) -> EncodedSplit:
    """``examples``: [(source tokens, target tokens)] → ids (unknown tokens → UNK)."""
    sources, targets = [], []
    for source_tokens, target_tokens in examples:
        if source_vocab is None:
            sources.append(np.zeros(1, np.int32))
        else:
            sources.append(np.asarray(source_vocab.encode(source_tokens), np.int32))
        targets.append(np.asarray(target_vocab.encode(target_tokens), np.int32))
    return EncodedSplit(sources, targets)


def pad_batch(sequences, length: int | None = None) -> np.ndarray:
    """List of 1-D int arrays → [B, L] int32 right-padded with 0."""
    length = length or max((len(s) for s in sequences), default=1)
    out = np.zeros((len(sequences), max(length, 1)), np.int32)
    for i, seq in enumerate(sequences):
        seq = seq[:length]
        out[i, : len(seq)] = seq
    return out


def _example_length(source, target_in, target_out):
    return tf.maximum(tf.shape(source)[0], tf.shape(target_in)[0])


def _boundaries(split: EncodedSplit, bucket_width: int) -> list[int]:
    longest = max(max(len(s), len(t) + 1) for s, t in zip(split.sources, split.targets))
    return list(range(bucket_width + 1, longest + 1, bucket_width)) if bucket_width > 0 else []


def make_dataset(split: EncodedSplit, batch_size: int, *, bucket_width: int = 4,
                 shuffle: bool = True, seed: int = 0) -> tf.data.Dataset:
    """→ dataset of (source [B, S], target_in [B, T], target_out [B, T]) int32 batches.

    ``target_in`` = START + target; ``target_out`` = target + END.
    """
    sources, targets = split.sources, split.targets

    def generate():
        for source, target in zip(sources, targets):
            yield source, np.concatenate([[START_ID], target]).astype(np.int32), \
                np.concatenate([target, [END_ID]]).astype(np.int32)

    spec = tf.TensorSpec([None], tf.int32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=(spec, spec, spec))
    if shuffle:
        dataset = dataset.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
    boundaries = _boundaries(split, bucket_width)
    if boundaries:
        dataset = dataset.bucket_by_sequence_length(
            _example_length, boundaries, [batch_size] * (len(boundaries) + 1))
    else:
        dataset = dataset.padded_batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)


def batches_per_epoch(split: EncodedSplit, batch_size: int, bucket_width: int = 4) -> int:
    """Exact batch count: each bucket yields ceil(n_bucket / batch_size) batches."""
    boundaries = _boundaries(split, bucket_width)
    if not boundaries:
        return math.ceil(len(split) / batch_size)
    lengths = np.array([max(len(s), len(t) + 1) for s, t in zip(split.sources, split.targets)])
    bucket = np.searchsorted(np.asarray(boundaries), lengths, side="right")
    counts = np.bincount(bucket, minlength=len(boundaries) + 1)
    return int(sum(math.ceil(c / batch_size) for c in counts if c))
