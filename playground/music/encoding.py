"""Token encodings of tunes for sequence models (tokens are strings).

Two encodings, both on a metrical grid of ``steps_per_beat`` steps per beat
(4 = 16th notes):

* ``"melody"`` -- one token per grid step for a monophonic line:
  ``"p60"`` a note of pitch 60 starts here, ``"_"`` nothing new happens (the
  note or the rest continues), ``"off"`` the sounding note stops (a rest
  starts). Polyphonic input is reduced to its top voice (skyline) or to one
  chosen track first.
* ``"events"`` -- a polyphonic event stream: ``"on60"`` / ``"off60"`` note
  on/off, ``"shift{n}"`` advance time by n steps (1 <= n <= 4 beats' worth;
  longer gaps use several shifts), ``"vel{b}"`` the velocity bin of the
  following note-ons (emitted only when it changes).

Decoders never raise on malformed sequences (models generate arbitrary
token strings): unknown tokens are skipped, offs without an on are ignored,
notes left open are closed at the end.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Sequence

from .notes import Note, Tune

ENCODINGS = ("melody", "events")
HOLD = "_"  # melody: no new event at this step
OFF = "off"  # melody: the sounding note ends here


# --------------------------------------------------------------------------- grid helpers


def _grid(notes: Iterable[Note], steps_per_beat: int) -> list[tuple[int, int, Note]]:
    """Quantise notes to (start_step, end_step, note); every note keeps >= 1 step."""
    out = []
    for n in notes:
        s = int(round(n.start * steps_per_beat))
        e = max(int(round(n.end * steps_per_beat)), s + 1)
        out.append((s, e, n))
    return out


def bars_to_steps(bars: float, time_signature: tuple[int, int] = (4, 4), steps_per_beat: int = 4) -> int:
    """Grid steps in ``bars`` bars: 1 bar of 4/4 at 4 steps/beat -> 16; 6/8 -> 12."""
    num, den = time_signature
    return int(round(bars * num * 4.0 / den * steps_per_beat))


# --------------------------------------------------------------------------- transposition


def transpose_tune(tune: Tune, semitones: int) -> Tune:
    """A copy of ``tune`` moved by ``semitones``; notes pushed outside 0..127 are dropped.

    Drums (channel 9) are not pitched, so they are kept as they are.
    """
    if semitones == 0:
        return tune.with_notes(tune.notes)
    notes = [
        n if n.channel == 9 else replace(n, pitch=n.pitch + semitones)
        for n in tune.notes
        if n.channel == 9 or 0 <= n.pitch + semitones <= 127
    ]
    return tune.with_notes(notes, name=f"{tune.name}{semitones:+d}")


def augment_transpositions(tunes: Sequence[Tune], semitones: Sequence[int] = (-2, -1, 1, 2)) -> list[Tune]:
    """The original tunes followed by their transposed copies.

    A copy that would lose notes off the MIDI range is left out rather than
    kept damaged. Order: all originals, then all copies for ``semitones[0]``, ...
    """
    out = list(tunes)
    for k in semitones:
        if k == 0:
            continue
        for t in tunes:
            moved = transpose_tune(t, k)
            if len(moved.notes) == len(t.notes):
                out.append(moved)
    return out


# --------------------------------------------------------------------------- melody


def top_voice(notes: Sequence[Note], steps_per_beat: int = 4) -> list[tuple[int, int, int]]:
    """Skyline reduction: the highest sounding note at each grid step.

    Returns non-overlapping (start_step, end_step, pitch) segments. A note
    starts a segment when it becomes the highest sounding one (at its own
    onset, or when a higher note above it ends); re-articulated notes of the
    same pitch start new segments.
    """
    grid = _grid(notes, steps_per_beat)
    if not grid:
        return []
    length = max(e for _, e, _ in grid)
    # For each step, the index of the top note: highest pitch; on ties the latest
    # onset (re-articulation), then the longer note (a duplicate onset merges).
    top = [-1] * length
    top_key = [(-1, -1, -1)] * length
    for i, (s, e, n) in enumerate(grid):
        key = (n.pitch, s, e)
        for step in range(s, e):
            if key > top_key[step]:
                top[step], top_key[step] = i, key
    segments: list[tuple[int, int, int]] = []
    step = 0
    while step < length:
        i = top[step]
        if i < 0:
            step += 1
            continue
        end = step
        while end < length and top[end] == i:
            end += 1
        segments.append((step, end, grid[i][2].pitch))
        step = end
    return segments


def melody_track(notes) -> int | None:
    """The track that carries the tune when there are several: the highest on average (a
    folk tune's melody over its chords); None for one track. The top voice of all tracks
    would let the accompaniment through wherever the melody rests."""
    pitches: dict[int, list[int]] = {}
    for note in notes:
        pitches.setdefault(note.track, []).append(note.pitch)
    if len(pitches) < 2:
        return None
    return max(pitches, key=lambda track: (sum(pitches[track]) / len(pitches[track]), -track))


def encode_melody(
    tune: Tune, *, steps_per_beat: int = 4, transpose: int = 0, track: int | None = None
) -> list[str]:
    """Encode the top voice of the melody track (:func:`melody_track`, or ``track``) as one
    token per grid step.

    Returns a list of length = last note's end step; a leading rest is a run
    of ``"_"`` (the line starts silent), the end of the last note is implied
    by the end of the list.
    """
    if transpose:
        tune = transpose_tune(tune, transpose)
    track = melody_track(tune.notes) if track is None else track
    notes = [n for n in tune.notes if track is None or n.track == track]
    segments = top_voice(notes, steps_per_beat)
    if not segments:
        return []
    tokens = [HOLD] * segments[-1][1]
    for i, (s, e, pitch) in enumerate(segments):
        tokens[s] = f"p{pitch}"
        nxt = segments[i + 1][0] if i + 1 < len(segments) else None
        if nxt is not None and nxt > e:
            tokens[e] = OFF  # a rest follows this note
    return tokens


def _int_suffix(token: str, prefix: str) -> int | None:
    """``"p60"`` with prefix "p" -> 60; None for anything malformed."""
    if not token.startswith(prefix):
        return None
    rest = token[len(prefix):]
    return int(rest) if rest.isascii() and rest.isdigit() else None


def decode_melody(tokens: Iterable[str], *, steps_per_beat: int = 4, velocity: int = 80) -> list[Note]:
    """Inverse of :func:`encode_melody`; never raises.

    Unknown tokens (``"<s>"``, typos, event tokens...) are skipped without
    advancing time; pitches outside 0..127 count as ``"off"``.
    """
    notes: list[Note] = []
    current: tuple[int, int] | None = None  # (pitch, start_step)
    step = 0

    def close(end: int) -> None:
        if current is not None and end > current[1]:
            notes.append(Note(current[0], current[1] / steps_per_beat, (end - current[1]) / steps_per_beat, velocity))

    for tok in tokens:
        if not isinstance(tok, str):
            continue
        if tok == HOLD:
            pass
        elif tok == OFF:
            close(step)
            current = None
        else:
            pitch = _int_suffix(tok, "p")
            if pitch is None:
                continue  # unknown token: no time passes
            close(step)
            current = (pitch, step) if 0 <= pitch <= 127 else None
        step += 1
    close(step)
    return notes


# --------------------------------------------------------------------------- events


def velocity_bin(velocity: int, bins: int = 8) -> int:
    """Bin index 0..bins-1 of a MIDI velocity 0..127."""
    return min(max(int(velocity), 0), 127) * bins // 128


def bin_velocity(b: int, bins: int = 8) -> int:
    """Representative velocity (bin centre, 1..127) of bin ``b``."""
    b = min(max(int(b), 0), bins - 1)
    return min(max(int((b + 0.5) * 128 / bins), 1), 127)


def encode_events(tune: Tune, *, steps_per_beat: int = 4, velocity_bins: int = 8, transpose: int = 0) -> list[str]:
    """Encode all notes as on/off/shift/vel events on the grid.

    At one time step offs come first, then ons in ascending pitch order, each
    on preceded by ``vel{b}`` when its bin differs from the last one. Same-pitch
    notes that overlap after quantisation are cut at the later onset; exact
    duplicates are merged. Shifts are at most ``4 * steps_per_beat`` steps.
    """
    if transpose:
        tune = transpose_tune(tune, transpose)
    # Per pitch, sorted by start: cut overlaps so on/off pairs stay unambiguous.
    by_pitch: dict[int, list[tuple[int, int, int]]] = {}
    for s, e, n in sorted(_grid(tune.notes, steps_per_beat), key=lambda g: (g[2].pitch, g[0], -g[1])):
        lst = by_pitch.setdefault(n.pitch, [])
        if lst and lst[-1][0] == s:
            continue  # duplicate onset: keep the longer (sorted first)
        if lst and lst[-1][1] > s:
            lst[-1] = (lst[-1][0], s, lst[-1][2])
        lst.append((s, e, n.velocity))
    # Events as (step, kind, pitch, velocity); kind 0 = off sorts before 1 = on.
    events = []
    for pitch, lst in by_pitch.items():
        for s, e, vel in lst:
            events.append((s, 1, pitch, vel))
            events.append((e, 0, pitch, vel))
    events.sort()
    tokens: list[str] = []
    now = 0
    max_shift = 4 * steps_per_beat
    current_bin: int | None = None
    for step, kind, pitch, vel in events:
        gap = step - now
        while gap > 0:
            n = min(gap, max_shift)
            tokens.append(f"shift{n}")
            gap -= n
        now = step
        if kind == 0:
            tokens.append(f"off{pitch}")
        else:
            b = velocity_bin(vel, velocity_bins)
            if b != current_bin:
                tokens.append(f"vel{b}")
                current_bin = b
            tokens.append(f"on{pitch}")
    return tokens


def decode_events(tokens: Iterable[str], *, steps_per_beat: int = 4, velocity_bins: int = 8) -> list[Note]:
    """Inverse of :func:`encode_events`; never raises.

    Unknown or malformed tokens are skipped, an ``off`` without an open note is
    ignored, an ``on`` of a sounding pitch re-articulates it, and notes still
    open at the end are closed at the final time (at least one step long).
    Velocity starts at the bin of velocity 80 until a ``vel`` token appears.
    """
    notes: list[Note] = []
    sounding: dict[int, tuple[int, int]] = {}  # pitch -> (start_step, velocity)
    now = 0
    velocity = bin_velocity(velocity_bin(80, velocity_bins), velocity_bins)

    def close(pitch: int, end: int) -> None:
        start, vel = sounding.pop(pitch)
        if end > start:
            notes.append(Note(pitch, start / steps_per_beat, (end - start) / steps_per_beat, vel))

    for tok in tokens:
        if not isinstance(tok, str):
            continue
        if (n := _int_suffix(tok, "shift")) is not None:
            now += n
        elif (b := _int_suffix(tok, "vel")) is not None:
            velocity = bin_velocity(b, velocity_bins)
        elif (p := _int_suffix(tok, "on")) is not None:
            if 0 <= p <= 127:
                if p in sounding:
                    close(p, now)
                sounding[p] = (now, velocity)
        elif (p := _int_suffix(tok, "off")) is not None:
            if p in sounding:
                close(p, now)
    for p in list(sounding):
        close(p, max(now, sounding[p][0] + 1))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes


def token_pitch(token: str) -> int | None:
    """Pitch that a note-starting token ("p60" or "on60") plays, else None."""
    if not isinstance(token, str):
        return None
    p = _int_suffix(token, "p")
    if p is None:
        p = _int_suffix(token, "on")
    return p if p is not None and 0 <= p <= 127 else None


# --------------------------------------------------------------------------- dispatch


def _check(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown music encoding {encoding!r}; valid options: {', '.join(ENCODINGS)}")


def encode(tune: Tune, encoding: str, **kw) -> list[str]:
    """Encode ``tune`` with the named encoding ("melody" or "events")."""
    _check(encoding)
    return encode_melody(tune, **kw) if encoding == "melody" else encode_events(tune, **kw)


def decode(tokens: Iterable[str], encoding: str, **kw) -> list[Note]:
    """Decode tokens of the named encoding back to notes (never raises on bad tokens)."""
    _check(encoding)
    return decode_melody(tokens, **kw) if encoding == "melody" else decode_events(tokens, **kw)


def clip_tune(tune: Tune, end_beat: float) -> Tune:
    """The part of ``tune`` before ``end_beat``; notes crossing it are shortened."""
    notes = [replace(n, duration=min(n.end, end_beat) - n.start) for n in tune.notes if n.start < end_beat]
    return tune.with_notes(notes)


def primer_tokens(tune: Tune, bars: float, encoding: str, **kw) -> list[str]:
    """The first ``bars`` bars of ``tune`` (its first time signature), encoded.

    The result covers exactly that span (or the whole tune if shorter): a
    melody primer ending in a rest is padded with ``"off", "_", ...``, an
    events primer ends with the shift up to the cut, so generation continues
    at the right place in the bar.
    """
    _check(encoding)
    spb = kw.get("steps_per_beat", 4)
    steps = bars_to_steps(bars, tune.time_signature, spb)
    steps = min(steps, int(round(tune.duration_beats * spb)))
    tokens = encode(clip_tune(tune, steps / spb), encoding, **kw)
    if encoding == "melody":
        pad = steps - len(tokens)
        if pad <= 0:
            return tokens[:steps]
        # The encoding ends while its last note sounds: a trailing rest needs an "off".
        return tokens + ([OFF] if tokens else [HOLD]) + [HOLD] * (pad - 1)
    covered = sum(n for t in tokens if (n := _int_suffix(t, "shift")) is not None)
    gap, max_shift = steps - covered, 4 * spb
    while gap > 0:
        tokens.append(f"shift{min(gap, max_shift)}")
        gap -= max_shift
    return tokens


__all__ = [
    "ENCODINGS",
    "HOLD",
    "OFF",
    "augment_transpositions",
    "bars_to_steps",
    "bin_velocity",
    "clip_tune",
    "decode",
    "decode_events",
    "decode_melody",
    "encode",
    "encode_events",
    "encode_melody",
    "primer_tokens",
    "token_pitch",
    "top_voice",
    "transpose_tune",
    "velocity_bin",
]
