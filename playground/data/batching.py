"""Token ids in batches, in numpy: length buckets, padding, START/END framing.

Shared by training (which feeds these batches to the backend) and inference (which pads
and scores held-out data): it sits below both. Padding is id 0 and is masked out of loss
and metrics; examples of similar length are batched together (buckets ``bucket_width``
tokens wide) so little compute goes to padding.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from playground.data.text import normalize
from playground.data.vocab import END_ID, START_ID, Vocabulary


@dataclass
class EncodedSplit:
    """Token ids per example: ``sources[i]`` [S_i] (no specials; a single PAD for a
    language model), ``targets[i]`` [T_i] (no specials)."""

    sources: list
    targets: list

    def __len__(self) -> int:
        return len(self.targets)

    # Packed once, reused by every epoch's batches.
    @functools.cached_property
    def packed_sources(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _pack(self.sources)

    @functools.cached_property
    def packed_targets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _pack(self.targets)

    @functools.cached_property
    def example_lengths(self) -> np.ndarray:
        """[N]: max(source length, target length + 1), the padded width each example needs."""
        return np.maximum(self.packed_sources[2], self.packed_targets[2] + 1)


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


def text_tokens(text: str, vocab: Vocabulary, *, lowercase: bool, normalize_unicode: bool,
                reverse: bool = False) -> list[str]:
    """``text`` normalised and split as ``vocab`` splits it (reversed if the model reads it so)."""
    tokens = vocab.split(normalize(text, lowercase=lowercase, unicode=normalize_unicode))
    return tokens[::-1] if reverse else tokens


def encode_token_lists(token_lists: list[list[str]], vocab: Vocabulary):
    """→ (ids [B, S] int32, PAD-padded (an empty list is one PAD), unknown tokens per list)."""
    encoded = [vocab.encode_with_unknowns(tokens) for tokens in token_lists]
    return pad_batch([np.asarray(ids or [0], np.int32) for ids, _ in encoded]), [unknown for _, unknown in encoded]


def _pack(sequences) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """List of 1-D int arrays → (flat ids, offsets [N], lengths [N]) for vectorised gathers."""
    lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
    offsets = np.zeros(len(sequences), np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    flat = np.concatenate([np.asarray(s, np.int32) for s in sequences]) if len(sequences) else np.zeros(0, np.int32)
    return flat, offsets, lengths


def _gather_padded(flat, offsets, lengths, rows, width: int) -> np.ndarray:
    """Rows ``rows`` of a packed list → [len(rows), width] int32, right-padded with 0."""
    positions = np.arange(width)
    inside = positions[None, :] < lengths[rows][:, None]
    index = np.where(inside, offsets[rows][:, None] + positions[None, :], 0)
    return np.where(inside, flat[index] if len(flat) else 0, 0).astype(np.int32)


def _boundaries(lengths: np.ndarray, bucket_width: int) -> list[int]:
    longest = int(lengths.max()) if len(lengths) else 1
    return list(range(bucket_width + 1, longest + 1, bucket_width)) if bucket_width > 0 else []


def epoch_batches(split: EncodedSplit, batch_size: int, *, bucket_width: int = 4, shuffle: bool = True,
                  seed: int = 0, fill: bool = False) -> list[np.ndarray]:
    """Example indices of each batch, in the order they are served.

    Examples are grouped by length into buckets ``bucket_width`` wide; each bucket is cut
    into batches of ``batch_size`` (the last one may be smaller). With ``fill`` a bucket's
    remainder joins the next (longer) bucket instead, so every batch but the epoch's last is
    full: fewer steps where a partial batch costs as much as a full one (shapes padded to
    the full batch size for a compiler, under JAX). With ``shuffle`` the examples within
    buckets and the order of the batches are permuted by ``seed``.
    """
    lengths = split.example_lengths
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(split)) if shuffle else np.arange(len(split))
    boundaries = _boundaries(lengths, bucket_width)
    bucket_of = np.searchsorted(np.asarray(boundaries, np.int64), lengths[order], side="right")
    batches = []
    carried = order[:0]
    for bucket in range(len(boundaries) + 1):
        members = np.concatenate([carried, order[bucket_of == bucket]])
        whole = len(members) // batch_size * batch_size if fill else len(members)
        batches.extend(members[i:i + batch_size] for i in range(0, whole, batch_size))
        carried = members[whole:]
    if len(carried):
        batches.append(carried)
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def make_batch(split: EncodedSplit, rows: np.ndarray):
    """Examples ``rows`` → (source [B, S], target_in [B, T], target_out [B, T]) int32."""
    source_lengths, target_lengths = split.packed_sources[2][rows], split.packed_targets[2][rows]
    source = _gather_padded(*split.packed_sources, rows, max(int(source_lengths.max()), 1))
    target_out = _gather_padded(*split.packed_targets, rows, int(target_lengths.max()) + 1)
    target_in = np.concatenate([np.full((len(rows), 1), START_ID, np.int32), target_out[:, :-1]], axis=1)
    target_out[np.arange(len(rows)), target_lengths] = END_ID
    return source, target_in, target_out


def iterate_batches(split: EncodedSplit, batch_size: int, *, bucket_width: int = 4, shuffle: bool = True,
                    seed: int = 0, fill: bool = False):
    """Yields (source [B, S], target_in [B, T], target_out [B, T]) int32 numpy batches."""
    for rows in epoch_batches(split, batch_size, bucket_width=bucket_width, shuffle=shuffle, seed=seed, fill=fill):
        yield make_batch(split, rows)


def pad_to_shape(batch, rows: int, multiple: int):
    """Pads a (source, target_in, target_out) batch with PAD to ``rows`` rows and widths
    rounded up to a multiple of ``multiple`` (source and target each their own): a
    compiler that specialises on shapes (JAX) then sees a few shapes instead of one per
    batch. Padding is masked out of loss and metrics, so results do not change."""
    def padded(array):
        width = -(-array.shape[1] // multiple) * multiple
        out = np.zeros((max(rows, array.shape[0]), width), np.int32)
        out[: array.shape[0], : array.shape[1]] = array
        return out

    return tuple(padded(array) for array in batch)


def batches_per_epoch(split: EncodedSplit, batch_size: int, bucket_width: int = 4, fill: bool = False) -> int:
    """Exact batch count: each bucket yields ceil(n_bucket / batch_size) batches
    (with ``fill``, ceil(n / batch_size))."""
    if fill:
        return math.ceil(len(split) / batch_size)
    lengths = split.example_lengths
    boundaries = _boundaries(lengths, bucket_width)
    if not boundaries:
        return math.ceil(len(split) / batch_size)
    bucket = np.searchsorted(np.asarray(boundaries), lengths, side="right")
    counts = np.bincount(bucket, minlength=len(boundaries) + 1)
    return int(sum(math.ceil(c / batch_size) for c in counts if c))
