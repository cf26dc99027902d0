"""Piano rolls: a tune as the set of pitches sounding at each step of a 16th-note grid.

The classic polyphonic benchmarks (JSB chorales, Nottingham, MuseData, Piano-midi in the
Boulanger-Lewandowski 2012 form) are stored this way: one list of MIDI pitches per time
step. A roll cannot tell a held note from a repeated one; :func:`tune_from_roll` reads a
pitch that sounds on consecutive steps as one held note, as those datasets' own MIDI
renderings do, and two voices in unison as one note.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Iterable, Sequence

from playground.music.notes import Note, Tune

STEPS_PER_BEAT = 4  # 16th notes


def tune_from_roll(roll: Sequence[Iterable[int]], name: str = "roll", *, steps_per_beat: int = STEPS_PER_BEAT,
                   tempo_bpm: float = 100.0, velocity: int = 80) -> Tune:
    """``roll``: [steps][pitches sounding] → a Tune; a pitch held over consecutive steps is one note.
    Raises ValueError naming the step of a pitch outside 0..127."""
    notes: list[Note] = []
    started: dict[int, int] = {}  # pitch → step it began
    for step, pitches in enumerate([*roll, ()]):  # the empty last step closes every note
        now = set()
        for given in pitches:
            pitch = _pitch(given)
            if pitch is None:
                raise ValueError(f"{name}: step {step + 1}: {given!r} is not a MIDI pitch (0..127)")
            now.add(pitch)
        for pitch in [p for p in started if p not in now]:
            begin = started.pop(pitch)
            notes.append(Note(pitch, begin / steps_per_beat, (step - begin) / steps_per_beat, velocity))
        for pitch in now - started.keys():
            started[pitch] = step
    return Tune(name=name, notes=notes, tempo_bpm=tempo_bpm)


def _pitch(value) -> int | None:
    """A whole number 0..127 (some rolls store 73.0) → int, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
        return None
    return int(value) if 0 <= value <= 127 else None


def roll_from_notes(notes: Iterable[Note], *, steps_per_beat: int = STEPS_PER_BEAT) -> list[tuple[int, ...]]:
    """Notes → [steps][sorted pitches sounding] on the grid (onsets and ends rounded to steps)."""
    spans = [(round(n.start * steps_per_beat), round(n.end * steps_per_beat), n.pitch) for n in notes]
    length = max((end for _, end, _ in spans), default=0)
    roll: list[set[int]] = [set() for _ in range(length)]
    for start, end, pitch in spans:
        for step in range(start, max(end, start + 1)):
            roll[step].add(pitch)
    return [tuple(sorted(pitches)) for pitches in roll]


def load_roll_splits(path: str | os.PathLike, skipped: list | None = None) -> dict[str, list[Tune]]:
    """A JSON file ``{"train": [roll, ...], "valid": [...], "test": [...]}`` (e.g. the JSB
    chorales) → the same splits as Tunes named ``<split>-<n>``. A piece that cannot be read
    raises ValueError naming the file and the piece, or, given a ``skipped`` list, is left
    out and recorded there as (path, reason) while the rest load."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))  # a byte-order mark is allowed
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ValueError(f"{path}: not a piano-roll JSON file ({reason})") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{path}: expected an object of splits, like {{\"train\": [...], \"test\": [...]}}")
    splits = {}
    for split, rolls in data.items():
        if not isinstance(rolls, list):
            raise ValueError(f"{path}: split {split!r} is not a list of pieces")
        tunes = []
        for number, roll in enumerate(rolls, 1):
            try:
                if not isinstance(roll, list) or not all(isinstance(step, list) for step in roll):
                    raise ValueError(f"{split} piece {number} is not a list of time steps (lists of pitches)")
                tunes.append(tune_from_roll(roll, f"{split} piece {number}"))
            except ValueError as exc:
                if skipped is None:
                    raise ValueError(f"{path}: {exc}") from None
                skipped.append((str(path), str(exc)))
                continue
            tunes[-1].name = f"{split}-{number}"
        splits[split] = tunes
    return splits
