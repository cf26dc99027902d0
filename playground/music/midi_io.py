"""Reading and writing Standard MIDI Files with mido.

``read_midi`` turns a type-0 or type-1 file into a :class:`Tune` with times in
beats; ``load_midi_folder`` loads many files and reports (rather than raises
on) the broken ones; ``write_midi`` writes a type-1 file atomically.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import mido

from playground.atomic import atomic_write
from playground.paths import MIDI_SUFFIXES, special_kind

from .notes import DRUM_CHANNEL, Note, Tune, sort_notes

# Tempi outside this range are damaged or hostile files (60,000,000 bpm was seen); clamped on read.
TEMPO_RANGE_BPM = (10.0, 1000.0)
# Time signatures a model file can hold; others (a 0 numerator, a 255 denominator) are damage, ignored on read.
SIGNATURE_DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)
# No real tune is longer (2 hours of 16th notes at 400 bpm is 48,000 beats); a damaged delta time of
# 2^28 ticks would otherwise become hundreds of millions of grid steps and fill the memory.
MAX_TUNE_BEATS = 50_000


class MidiError(ValueError):
    """A MIDI file could not be read or written; the message names the file and why."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = str(path)
        # One line, so it fits a log line or a status bar.
        self.reason = " ".join(str(reason).split()) or "unknown error"
        super().__init__(f"{self.path}: {self.reason}")


def _open_midi(path: Path) -> mido.MidiFile:
    """Parse ``path`` with mido, translating every failure into MidiError."""
    special = special_kind(path)
    if special:
        raise MidiError(path, f"is {special}, not a MIDI file")
    try:
        return mido.MidiFile(str(path))
    except EOFError:
        # mido raises a bare EOFError for empty and truncated files.
        reason = "empty file" if path.exists() and path.stat().st_size == 0 else "unexpected end of file (truncated?)"
        raise MidiError(path, reason) from None
    except FileNotFoundError:
        raise MidiError(path, "file not found") from None
    except IsADirectoryError:
        raise MidiError(path, "is a directory, not a MIDI file") from None
    except PermissionError:
        raise MidiError(path, "permission denied") from None
    except Exception as exc:  # noqa: BLE001 -- mido raises many kinds (KeySignatureError, EOFError, ValueError...)
        # "MThd not found", bad data bytes, unknown status bytes, a key of 100 sharps...: one file's fault.
        raise MidiError(path, f"not a valid MIDI file ({type(exc).__name__}: {exc})") from None


def read_midi(path: str | os.PathLike, *, include_drums: bool = False, track: int | None = None) -> Tune:
    """Read a type-0 or type-1 MIDI file into a :class:`Tune` (times in beats).

    All tracks and channels are merged unless ``track`` picks one (tempo and
    time-signature events are always taken from every track, since type-1
    files keep them in a conductor track). Note pairing rules:

    * note_on with velocity 0 is a note-off;
    * a note_on of a pitch already sounding on the same channel ends the
      sounding note there (re-articulation), so same-pitch notes never overlap;
    * a note-off closes the oldest open note of its (channel, pitch) -- FIFO;
      because of the rule above at most one is open per (channel, pitch), so
      this is the sounding one, and surplus note-offs are ignored (a file
      with on, on, off, off for one pitch gives two back-to-back notes);
    * notes still open at the end of their track end at the track's last event;
    * zero-length notes are dropped (inaudible, and they break grid encoders);
    * channel index 9 (General MIDI drums) is skipped unless ``include_drums``.

    Raises MidiError for unreadable/corrupt files, type-2 files and a bad ``track``.
    """
    path = Path(path)
    mid = _open_midi(path)
    if mid.type == 2:
        raise MidiError(path, "type-2 MIDI (independent sequences) is not supported")
    tpb = mid.ticks_per_beat
    if not isinstance(tpb, int) or tpb <= 0:
        raise MidiError(path, f"unsupported time division {tpb!r} (SMPTE timing?)")
    if track is not None and not 0 <= track < len(mid.tracks):
        raise MidiError(path, f"track {track} requested but the file has {len(mid.tracks)} track(s)")
    try:
        notes, tempos, signatures = _collect(mid, include_drums=include_drums, track=track)
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise MidiError(path, f"malformed MIDI events ({type(exc).__name__}: {exc})") from None
    end = max((n.end for n in notes), default=0.0)
    if end > MAX_TUNE_BEATS:
        raise MidiError(path, f"its notes last {end:,.0f} beats, over {MAX_TUNE_BEATS:,} (a damaged delta time or "
                              "note-off?); skipped")

    tempo_changes = [(t / tpb, bpm) for t, bpm in tempos]
    sig_changes = [(t / tpb, sig) for t, sig in signatures]
    return Tune(
        name=path.stem,
        notes=notes,
        tempo_bpm=tempo_changes[0][1] if tempo_changes else 120.0,
        time_signature=sig_changes[0][1] if sig_changes else (4, 4),
        ticks_per_beat=tpb,
        source_path=str(path),
        tempo_changes=tempo_changes,
        time_signature_changes=sig_changes,
    )


def clamp_tempo(bpm: float) -> float:
    """``bpm`` within TEMPO_RANGE_BPM (a non-number becomes the MIDI default, 120)."""
    low, high = TEMPO_RANGE_BPM
    if not math.isfinite(bpm):
        return 120.0
    return min(max(float(bpm), low), high)


def _collect(mid: mido.MidiFile, *, include_drums: bool, track: int | None):
    """Walk the tracks; return (notes, [(tick, bpm)], [(tick, (num, den))])."""
    tpb = mid.ticks_per_beat
    notes: list[Note] = []
    tempos: dict[int, float] = {}
    signatures: dict[int, tuple[int, int]] = {}
    for index, midi_track in enumerate(mid.tracks):
        want_notes = track is None or index == track
        # (channel, pitch) -> (start_tick, velocity) of the note sounding there.
        sounding: dict[tuple[int, int], tuple[int, int]] = {}
        tick = 0

        def close(key: tuple[int, int], end_tick: int) -> None:
            start, velocity = sounding.pop(key)
            if end_tick > start:
                notes.append(Note(key[1], start / tpb, (end_tick - start) / tpb, velocity, key[0], index))

        for msg in midi_track:
            tick += msg.time
            if msg.type == "set_tempo":
                # Files store microseconds per beat: round the bpm to 0.001 so 101 reads back as 101.0.
                # On a clash at one tick the later track wins. A tempo of 0 µs per beat is damage: ignored.
                if msg.tempo > 0:
                    tempos[tick] = clamp_tempo(round(float(mido.tempo2bpm(msg.tempo)), 3))
            elif msg.type == "time_signature":
                if 1 <= msg.numerator <= 255 and msg.denominator in SIGNATURE_DENOMINATORS:
                    signatures[tick] = (int(msg.numerator), int(msg.denominator))
            elif not want_notes or msg.type not in ("note_on", "note_off"):
                continue
            elif msg.channel == DRUM_CHANNEL and not include_drums:
                continue
            else:
                key = (msg.channel, msg.note)
                if key in sounding:
                    # Either the note-off of the open note (the oldest -- and,
                    # given re-articulation, the only one) or a re-articulation.
                    close(key, tick)
                if msg.type == "note_on" and msg.velocity > 0:
                    sounding[key] = (tick, msg.velocity)
                # else: a note-off with nothing open -- surplus, ignored.
        for key in list(sounding):
            close(key, tick)  # still open at the end of the track
    return (
        sort_notes(notes),
        sorted(tempos.items()),
        sorted(signatures.items()),
    )


@dataclass
class MidiLoad:
    """Result of loading several MIDI files: the good ones and why the others failed."""

    tunes: list[Tune] = field(default_factory=list)  # successfully read tunes, in file order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) of unreadable files

    def summary(self) -> dict:
        """JSON-able statistics over the loaded tunes (plus the skipped files)."""
        pitches = [n.pitch for t in self.tunes for n in t.notes]
        return {
            "tunes": len(self.tunes),
            "notes": len(pitches),
            "pitch_range": [min(pitches), max(pitches)] if pitches else None,
            "total_duration_beats": float(sum(t.duration_beats for t in self.tunes)),
            "total_duration_seconds": float(sum(t.duration_seconds for t in self.tunes)),
            "skipped": len(self.skipped),
            "skipped_files": [{"path": p, "reason": r} for p, r in self.skipped],
        }


def find_midi_files(path_or_paths: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """Expand files and folders (recursively) into a list of MIDI file paths.

    Folders contribute ``*.mid`` / ``*.midi`` (any case) in sorted order; files
    named explicitly are kept whatever their suffix. Missing paths raise
    FileNotFoundError naming them.
    """
    items = [path_or_paths] if isinstance(path_or_paths, (str, os.PathLike)) else list(path_or_paths)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = [f for f in p.rglob("*") if f.suffix.lower() in MIDI_SUFFIXES and f.is_file()]
            files.extend(sorted(found))
        elif p.exists():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such MIDI file or folder")
    return files


def load_midi_folder(path_or_paths: str | os.PathLike | Sequence[str | os.PathLike], *, progress=None,
                     enough: int | None = None, **kw) -> MidiLoad:
    """Read every MIDI file under a file, a folder or a list of them.

    ``kw`` goes to :func:`read_midi`. Corrupt files are recorded in
    ``MidiLoad.skipped`` as (path, reason) and the rest still load.
    ``progress(fraction, what)`` is called before each file (it may raise to abandon the load).
    ``enough``: stop once that many tunes with notes are read (the first N of a folder).
    """
    load = MidiLoad()
    files = find_midi_files(path_or_paths)
    for number, f in enumerate(files):
        if progress is not None:
            progress(number / max(len(files), 1), f"reading MIDI file {number + 1:,} of {len(files):,}")
        try:
            load.tunes.append(read_midi(f, **kw))
        except MidiError as exc:
            load.skipped.append((exc.path, exc.reason))
        except (ValueError, ArithmeticError, TypeError, KeyError, IndexError, AttributeError, OSError,
                RecursionError) as exc:  # a fault this reader did not foresee: still one file's, the rest load
            load.skipped.append((str(f), f"could not be read ({type(exc).__name__}: {exc})"))
        if enough is not None and sum(1 for t in load.tunes if t.notes) >= enough:
            break
    return load


def write_midi(
    tune_or_notes: Tune | Iterable[Note],
    path: str | os.PathLike,
    *,
    tempo_bpm: float | None = None,
    ticks_per_beat: int = 480,
    program: int = 0,
) -> Path:
    """Write notes (or a Tune) to a type-1 MIDI file, atomically; return the path.

    Track k of the file holds the notes with ``note.track == k``; track 0 also
    carries tempo and time-signature events. ``tempo_bpm`` defaults to the
    tune's tempo map (or 120 for bare notes); giving it overrides the map with
    one constant tempo. ``program`` is set on every non-drum channel used.
    The file is written to a temporary file in the same folder and moved into
    place, so a failure leaves any previous file untouched. Raises MidiError
    (naming the path) when the data cannot be encoded (channel > 15, a
    time-signature denominator that is not a power of two...) or written.
    """
    path = Path(path)
    if isinstance(tune_or_notes, Tune):
        tune = tune_or_notes
    else:
        tune = Tune(name=path.stem, notes=list(tune_or_notes))
    if tempo_bpm is not None:
        tempos = [(0.0, float(tempo_bpm))]
    else:
        tempos = list(tune.tempo_changes) or [(0.0, tune.tempo_bpm)]
    signatures = list(tune.time_signature_changes) or [(0.0, tune.time_signature)]
    try:
        mid = _build_midifile(tune, tempos, signatures, ticks_per_beat, program)
    except (ValueError, TypeError, IndexError) as exc:
        # e.g. channel > 15, a time-signature denominator that is not a power of two
        raise MidiError(path, f"cannot be written as MIDI ({type(exc).__name__}: {exc})") from None
    _atomic_save(mid, path)
    return path


def _build_midifile(tune: Tune, tempos, signatures, ticks_per_beat: int, program: int) -> mido.MidiFile:
    """The mido file for ``tune`` (see :func:`write_midi`); raises ValueError on unencodable data."""
    if not 0 <= program <= 127:
        raise ValueError(f"program {program} outside 0..127")
    if ticks_per_beat <= 0:
        raise ValueError(f"ticks_per_beat must be positive, got {ticks_per_beat}")

    def tick(beat: float) -> int:
        return int(round(beat * ticks_per_beat))

    if any(n.track < 0 for n in tune.notes):
        raise ValueError("note.track must be >= 0")
    n_tracks = max((n.track for n in tune.notes), default=0) + 1
    # Per track: (tick, order, message); order puts offs before ons at one tick.
    events: list[list[tuple[int, int, mido.Message | mido.MetaMessage]]] = [[] for _ in range(n_tracks)]
    for beat, bpm in tempos:
        tempo = mido.bpm2tempo(clamp_tempo(bpm))
        events[0].append((tick(beat), 0, mido.MetaMessage("set_tempo", tempo=tempo)))
    for beat, (num, den) in signatures:
        events[0].append((tick(beat), 0, mido.MetaMessage("time_signature", numerator=num, denominator=den)))
    programmed: set[tuple[int, int]] = set()
    for n in tune.notes:
        if n.channel != DRUM_CHANNEL and (n.track, n.channel) not in programmed:
            programmed.add((n.track, n.channel))
            events[n.track].append((0, 1, mido.Message("program_change", channel=n.channel, program=program)))
        on, off = tick(n.start), max(tick(n.end), tick(n.start) + 1)
        velocity = min(max(int(n.velocity), 1), 127)
        events[n.track].append((on, 3, mido.Message("note_on", channel=n.channel, note=n.pitch, velocity=velocity)))
        events[n.track].append((off, 2, mido.Message("note_off", channel=n.channel, note=n.pitch, velocity=0)))

    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    for k, track_events in enumerate(events):
        track = mido.MidiTrack()
        if k == 0:
            # MIDI text is latin-1 in mido: replace what it cannot hold rather than fail.
            name = tune.name[:120].encode("latin-1", "replace").decode("latin-1")
            track.append(mido.MetaMessage("track_name", name=name))
        now = 0
        for t, _, msg in sorted(track_events, key=lambda e: (e[0], e[1])):
            track.append(msg.copy(time=t - now))
            now = t
        track.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(track)
    return mid


def _atomic_save(mid: mido.MidiFile, path: Path) -> None:
    """Save ``mid`` to ``path`` atomically (see :func:`atomic_write`)."""
    try:
        atomic_write(path, lambda fh: mid.save(file=fh))
    except (OSError, ValueError, TypeError) as exc:
        raise MidiError(path, f"could not write ({type(exc).__name__}: {exc})") from exc


__all__ = ["MidiError", "MidiLoad", "TEMPO_RANGE_BPM", "atomic_write", "clamp_tempo", "find_midi_files", "load_midi_folder", "read_midi", "write_midi"]