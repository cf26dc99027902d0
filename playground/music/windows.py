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
    events: the first note start (``vel`` or ``on``) of a time step, after the step's
    note-offs (those end the previous window, which saw the notes they close).
    """
    if i == 0:
        return True
    if encoding == "melody":
        return tokens[i] != HOLD
    if not tokens[i].startswith(("on", "vel")):
        return False
    before = i - 1
    while before >= 0 and tokens[before].startswith("off"):
        before -= 1
    return before >= 0 and tokens[before].startswith("shift")


def cut_windows(seqs: Sequence[Sequence[str]], window: int, encoding: str,
                min_length: int = MIN_WINDOW) -> list[list[str]]:
    """Consecutive, non-overlapping pieces of at most ``window`` tokens per sequence.

    Each piece ends at the last boundary (see :func:`is_boundary`) that fits, so the next
    one starts where it ends and no token is lost; only when no boundary lies within a
    window are the tokens up to the next boundary left out. Pieces shorter than
    ``min_length`` (the tail of a tune) are dropped unless the whole sequence is that
    short. ``window`` 0 returns the sequences unchanged.
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
            end = min(start + window, len(seq))
            if end < len(seq):
                end = next((k for k in range(end, start + min_length - 1, -1) if is_boundary(seq, k, encoding)),
                           end)
            if end - start >= min_length:
                out.append(seq[start:end])
            start = end
            while start < len(seq) and not is_boundary(seq, start, encoding):
                start += 1
    return out


__all__ = ["MIN_WINDOW", "cut_windows", "is_boundary"]
