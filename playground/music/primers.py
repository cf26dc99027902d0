"""Primer tunes stored in a model file, so a music model can be primed whatever data is loaded.

A music corpus keeps a few of its tunes as JSON-able dicts in ``corpus.extra["primers"]``
(the trainer stores ``corpus.extra`` in the model's ``meta["extra"]``): held-out (test)
tunes first, then validation, then training tunes, each cut to its first
:data:`PRIMER_BARS` bars so the model file stays small::

    {"name": "03_a_minor_jig", "split": "test", "tempo_bpm": 112.0, "time_signature": [6, 8],
     "notes": [[pitch, start_beats, duration_beats, velocity], ...]}

Times are in beats (quarter notes), like :class:`~playground.music.notes.Note`. Channel and
track are not kept (a primer is re-encoded by the model's encoding). Pure Python: no Qt, no
TensorFlow.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from .encoding import clip_tune
from .notes import Note, Tune

PRIMER_BARS = 8  # bars of each tune kept as a primer
MAX_PRIMERS = 16  # primers a corpus stores (the model-file check accepts up to 64)
MAX_PRIMER_NOTES = 2048  # notes kept per primer: a dense piano piece stays bounded too
SPLITS = ("test", "val", "train")  # stored in this order: held-out tunes first
_DIGITS = 6  # decimals kept of beat times (the encodings' grid is 1/4 beat)


def tune_to_primer(tune: Tune, split: str, bars: float = PRIMER_BARS) -> dict:
    """The first ``bars`` bars of ``tune`` (its first time signature) as a JSON-able dict.

    Notes crossing the cut are shortened to end there; at most :data:`MAX_PRIMER_NOTES`
    notes are kept (the earliest)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    if bars <= 0:
        raise ValueError(f"bars must be positive, got {bars}")
    clipped = clip_tune(tune, bars * tune.beats_per_bar)
    notes = [[int(n.pitch), round(float(n.start), _DIGITS), round(float(n.duration), _DIGITS),
              min(max(int(n.velocity), 1), 127)] for n in clipped.notes[:MAX_PRIMER_NOTES]]
    num, den = tune.time_signature
    return {"name": str(tune.name), "split": split, "tempo_bpm": float(tune.tempo_bpm),
            "time_signature": [int(num), int(den)], "notes": notes}


def primer_to_tune(primer: dict) -> Tune:
    """A :class:`Tune` from a primer dict (see the module docstring); raises ValueError or
    TypeError on a malformed one (model files are checked on load, see
    :mod:`playground.modelfile_checks`)."""
    num, den = primer["time_signature"]
    notes = [Note(int(pitch), float(start), float(duration), int(velocity))
             for pitch, start, duration, velocity in primer["notes"]]
    return Tune(name=str(primer["name"]), notes=notes, tempo_bpm=float(primer["tempo_bpm"]),
                time_signature=(int(num), int(den)))


def primers_from_splits(splits: Iterable[tuple[str, Sequence[Tune]]], *, limit: int = MAX_PRIMERS,
                        bars: float = PRIMER_BARS) -> list[dict]:
    """Up to ``limit`` primers from ``(split, tunes)`` pairs, in the order given; tunes
    without notes in their first ``bars`` bars are left out."""
    out: list[dict] = []
    for split, tunes in splits:
        for tune in tunes:
            if len(out) >= limit:
                return out
            primer = tune_to_primer(tune, split, bars)
            if primer["notes"]:
                out.append(primer)
    return out


def primers_from_music(music, *, limit: int = MAX_PRIMERS, bars: float = PRIMER_BARS) -> list[dict]:
    """Primers of a :class:`~playground.music.corpus.MusicCorpus`: test tunes first, then
    validation, then training tunes (never the transposed copies)."""
    return primers_from_splits((("test", music.tunes_test), ("val", music.tunes_val),
                                ("train", music.tunes_train)), limit=limit, bars=bars)


def primer_label(primer: dict) -> str:
    """How a primer is listed: ``"name (split)"``."""
    return f"{primer['name']} ({primer['split']})"


def primer_tunes(primers) -> list[tuple[str, Tune]]:
    """``(label, Tune)`` for each usable primer of a model's ``meta["extra"]["primers"]``
    (anything malformed is skipped: primers are optional)."""
    out = []
    for primer in primers if isinstance(primers, list) else []:
        try:
            tune = primer_to_tune(primer)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            continue
        if tune.notes:
            out.append((primer_label(primer), tune))
    return out


__all__ = ["MAX_PRIMERS", "MAX_PRIMER_NOTES", "PRIMER_BARS", "SPLITS", "primer_label", "primer_to_tune",
           "primer_tunes", "primers_from_music", "primers_from_splits", "tune_to_primer"]
