"""Cutting long token sequences into training windows.

A recurrent language model trains much faster on many short sequences than on a
few very long ones (Nottingham tunes reach 6,000 melody steps). A window should
open on a note event, never on a bare hold (``"_"``: the model could not know
which note is sounding) or in the middle of one time step of the event encoding.
"""

from __future__ import annotations

from typing import Sequence

from .encoding import HOLD

MIN_WINDOW = 16  # shortest window (tokens) worth keeping at the end of a tune


def is_boundary(tokens: Sequence[str], i: int, encoding: str) -> bool:
    """Whether a window may start at index ``i``.

    melody: any token but a hold (a note start, or "off" = a rest starts);
    events: the first token of a time step (right after a ``shift``) that starts a note
    (``vel`` or ``on``), so a window never opens on the note-offs of notes it did not see.
    """
    if i == 0:
        return True
    if encoding == "melody":
        return tokens[i] != HOLD
    return tokens[i - 1].startswith("shift") and tokens[i].startswith(("on", "vel"))


def cut_windows(seqs: Sequence[Sequence[str]], window: int, encoding: str,
                min_length: int = MIN_WINDOW) -> list[list[str]]:
    """Consecutive, non-overlapping pieces of at most ``window`` tokens per sequence.

    Each piece starts at the first boundary (see :func:`is_boundary`) at or after the
    end of the previous one; tokens skipped to reach a boundary are left out. Pieces
    shorter than ``min_length`` (the tail of a tune) are dropped unless the whole
    sequence is that short. ``window`` 0 returns the sequences unchanged.
    """
    if window <= 0:
        return [list(s) for s in seqs]
    if window < min_length:
        raise ValueError(f"window must be at least {min_length} tokens (or 0 for whole tunes); got {window}")
    out: list[list[str]] = []
    for seq in seqs:
        seq = list(seq)
        if len(seq) <= window:
            out.append(seq)
            continue
        start = 0
        while start < len(seq):
            piece = seq[start:start + window]
            if len(piece) >= min_length:
                out.append(piece)
            start += window
            while start < len(seq) and not is_boundary(seq, start, encoding):
                start += 1
    return out


__all__ = ["MIN_WINDOW", "cut_windows", "is_boundary"]
