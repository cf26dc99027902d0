"""Plain data types for symbolic music: :class:`Note` and :class:`Tune`.

Times are in *beats* (quarter notes), never ticks or seconds, so that the
encoders can put notes on a metrical grid regardless of tempo. Seconds are
derived on demand from the tune's tempo map.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Iterable

DRUM_CHANNEL = 9  # 0-based index of General MIDI channel 10 (percussion)


@dataclass(frozen=True)
class Note:
    """One sounding note."""

    pitch: int  # MIDI note number, 0..127 (60 = middle C)
    start: float  # onset in beats (quarter notes) from the start of the tune
    duration: float  # length in beats, >= 0
    velocity: int = 80  # MIDI velocity 1..127 (loudness)
    channel: int = 0  # MIDI channel index 0..15 (9 = drums)
    track: int = 0  # index of the MIDI track the note came from / goes to

    def __post_init__(self) -> None:
        # Fail at construction, not deep inside an encoder or mido.
        if not 0 <= int(self.pitch) <= 127:
            raise ValueError(f"Note pitch {self.pitch} outside MIDI range 0..127")
        if self.duration < 0:
            raise ValueError(f"Note duration {self.duration} is negative")
        if self.start < 0:
            raise ValueError(f"Note start {self.start} is negative")

    @property
    def end(self) -> float:
        """Offset in beats (start + duration)."""
        return self.start + self.duration

    def transposed(self, semitones: int) -> "Note":
        """A copy moved by ``semitones``; raises ValueError if it leaves 0..127."""
        return replace(self, pitch=self.pitch + semitones)


def sort_notes(notes: Iterable[Note]) -> list[Note]:
    """Notes in canonical order: by start, then pitch (then the rest, for determinism)."""
    return sorted(notes, key=lambda n: (n.start, n.pitch, n.duration, n.channel, n.track, n.velocity))


@dataclass
class Tune:
    """A piece of music read from (or written to) one MIDI file."""

    name: str  # human-readable name, usually the file stem
    notes: list[Note] = field(default_factory=list)  # sorted by (start, pitch)
    tempo_bpm: float = 120.0  # first tempo in the file (120 if none, the MIDI default)
    time_signature: tuple[int, int] = (4, 4)  # first time signature (numerator, denominator)
    ticks_per_beat: int = 480  # resolution of the source file (informational)
    source_path: str | None = None  # file it was read from, if any
    tempo_changes: list[tuple[float, float]] = field(default_factory=list)  # (beat, bpm), sorted
    time_signature_changes: list[tuple[float, tuple[int, int]]] = field(default_factory=list)  # (beat, (num, den))

    def __post_init__(self) -> None:
        # Everything downstream (encoders, synth) relies on this order.
        self.notes = sort_notes(self.notes)

    @property
    def duration_beats(self) -> float:
        """Time of the last note-off in beats (0.0 for an empty tune)."""
        return max((n.end for n in self.notes), default=0.0)

    @property
    def duration_seconds(self) -> float:
        """Length in seconds, following the tempo map."""
        return self.beats_to_seconds(self.duration_beats)

    def beats_to_seconds(self, beat: float) -> float:
        """Convert a beat position to seconds using ``tempo_changes`` (or ``tempo_bpm``)."""
        changes = self.tempo_changes or [(0.0, self.tempo_bpm)]
        if changes[0][0] > 0:
            # Before the first tempo event MIDI plays at the first tempo we know.
            changes = [(0.0, changes[0][1])] + list(changes)
        seconds = 0.0
        starts = [b for b, _ in changes]
        last = bisect.bisect_right(starts, beat) - 1
        for i in range(max(last, 0) + 1):
            seg_start, bpm = changes[i]
            seg_end = changes[i + 1][0] if i + 1 <= last else beat
            seconds += max(seg_end - seg_start, 0.0) * 60.0 / bpm
        return seconds

    def pitch_range(self) -> tuple[int, int] | None:
        """(lowest, highest) MIDI pitch, or None for an empty tune."""
        if not self.notes:
            return None
        pitches = [n.pitch for n in self.notes]
        return min(pitches), max(pitches)

    @property
    def beats_per_bar(self) -> float:
        """Beats (quarter notes) per bar of the first time signature: 4/4 -> 4, 6/8 -> 3."""
        num, den = self.time_signature
        return num * 4.0 / den

    def bars(self, beats_per_bar: float | None = None) -> float:
        """Length in bars (fractional), by default using the first time signature."""
        bpb = beats_per_bar if beats_per_bar is not None else self.beats_per_bar
        if bpb <= 0:
            raise ValueError(f"beats_per_bar must be positive, got {bpb}")
        return self.duration_beats / bpb

    def with_notes(self, notes: Iterable[Note], **changes) -> "Tune":
        """A copy of this tune with other notes (and optionally other fields)."""
        return replace(self, notes=list(notes), **changes)
