"""MIDI reading/writing: file types, note pairing, tempo maps, broken files, atomic writes."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.music.midi_io import MidiError, load_midi_folder, read_midi, write_midi
from playground.music.notes import Note, Tune

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BUILTIN = Path(__file__).resolve().parents[1] / "assets" / "midi"
TPB = 480


def msgs(*items):
    """Build a MidiTrack from (kind, *args, delta) shorthand tuples."""
    track = mido.MidiTrack()
    for kind, *args in items:
        if kind == "on":
            ch, note, vel, dt = args
            track.append(mido.Message("note_on", channel=ch, note=note, velocity=vel, time=dt))
        elif kind == "off":
            ch, note, dt = args
            track.append(mido.Message("note_off", channel=ch, note=note, velocity=0, time=dt))
        elif kind == "tempo":
            bpm, dt = args
            track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=dt))
        elif kind == "sig":
            num, den, dt = args
            track.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=dt))
        elif kind == "end":
            track.append(mido.MetaMessage("end_of_track", time=args[0]))
    return track


def save(path: Path, tracks, type_=1, tpb=TPB) -> Path:
    mid = mido.MidiFile(type=type_, ticks_per_beat=tpb)
    mid.tracks.extend(tracks)
    mid.save(str(path))
    return path


def simple(notes):
    return [(n.pitch, n.start, n.duration) for n in notes]


def test_type0_tempo_and_signature_changes_velocity0_off(tmp_path):
    # One track, two channels; note_on vel 0 as note-off; tempo 100 -> 150 at beat 2; 4/4 -> 3/4 at beat 4.
    track = msgs(
        ("tempo", 100, 0), ("sig", 4, 4, 0),
        ("on", 0, 60, 90, 0), ("on", 1, 48, 70, 0),
        ("on", 0, 60, 0, TPB),  # velocity-0 note-on = note-off at beat 1
        ("tempo", 150, TPB),  # beat 2
        ("off", 1, 48, 0),
        ("on", 0, 64, 100, 0),
        ("sig", 3, 4, 2 * TPB),  # beat 4
        ("off", 0, 64, 0),
        ("end", 0),
    )
    tune = read_midi(save(tmp_path / "t0.mid", [track], type_=0))
    assert simple(tune.notes) == [(48, 0.0, 2.0), (60, 0.0, 1.0), (64, 2.0, 2.0)]
    assert [n.channel for n in tune.notes] == [1, 0, 0]
    assert tune.notes[2].velocity == 100
    assert tune.tempo_bpm == 100.0
    assert tune.tempo_changes == [(0.0, 100.0), (2.0, 150.0)]
    assert tune.time_signature == (4, 4)
    assert tune.time_signature_changes == [(0.0, (4, 4)), (4.0, (3, 4))]
    # 2 beats at 100 bpm + 2 beats at 150 bpm.
    assert tune.duration_seconds == pytest.approx(2 * 0.6 + 2 * 0.4)
    assert tune.duration_beats == 4.0 and tune.ticks_per_beat == TPB
    assert tune.name == "t0" and tune.source_path.endswith("t0.mid")


def test_type1_multitrack_merge_and_track_choice(tmp_path):
    conductor = msgs(("tempo", 90, 0), ("sig", 6, 8, 0), ("tempo", 120, 3 * TPB), ("end", 0))
    melody = msgs(("on", 0, 72, 80, 0), ("off", 0, 72, TPB // 2), ("on", 0, 74, 80, 0), ("off", 0, 74, TPB), ("end", 0))
    bass = msgs(("on", 1, 40, 60, 0), ("off", 1, 40, 3 * TPB), ("end", 0))
    path = save(tmp_path / "t1.mid", [conductor, melody, bass])
    tune = read_midi(path)
    assert simple(tune.notes) == [(40, 0.0, 3.0), (72, 0.0, 0.5), (74, 0.5, 1.0)]
    assert [n.track for n in tune.notes] == [2, 1, 1]
    assert tune.time_signature == (6, 8) and tune.tempo_changes == [(0.0, 90.0), (3.0, 120.0)]
    assert tune.bars() == pytest.approx(1.0)  # 3 beats in 6/8 = one bar
    only_melody = read_midi(path, track=1)
    assert simple(only_melody.notes) == [(72, 0.0, 0.5), (74, 0.5, 1.0)]
    assert only_melody.tempo_changes == tune.tempo_changes  # conductor still read
    with pytest.raises(MidiError, match="track 5"):
        read_midi(path, track=5)


def test_overlapping_same_pitch_and_unclosed_notes(tmp_path):
    track = msgs(
        ("on", 0, 60, 80, 0),
        ("on", 0, 60, 80, TPB),  # re-articulation at beat 1 ends the first note
        ("off", 0, 60, TPB),  # beat 2 ends the second
        ("off", 0, 60, TPB),  # surplus off at beat 3: ignored
        ("off", 0, 61, 0),  # off without on: ignored
        ("on", 0, 62, 80, 0),
        ("on", 0, 62, 80, TPB),  # single off for two ons (retrigger style)
        ("off", 0, 62, TPB),
        ("on", 0, 65, 80, 0),  # never closed: ends at the track end (beat 7)
        ("on", 0, 67, 80, TPB // 2), ("off", 0, 67, 0),  # zero length: dropped
        ("end", 3 * TPB // 2),
    )
    tune = read_midi(save(tmp_path / "ov.mid", [track], type_=0))
    assert simple(tune.notes) == [(60, 0.0, 1.0), (60, 1.0, 1.0), (62, 3.0, 1.0), (62, 4.0, 1.0), (65, 5.0, 2.0)]


def test_drums_excluded_unless_requested(tmp_path):
    track = msgs(("on", 9, 36, 100, 0), ("off", 9, 36, TPB), ("on", 0, 60, 80, 0), ("off", 0, 60, TPB), ("end", 0))
    path = save(tmp_path / "drums.mid", [track], type_=0)
    assert [n.pitch for n in read_midi(path).notes] == [60]
    with_drums = read_midi(path, include_drums=True)
    assert [(n.pitch, n.channel) for n in with_drums.notes] == [(36, 9), (60, 0)]


def test_type2_rejected(tmp_path):
    path = save(tmp_path / "t2.mid", [msgs(("end", 0)), msgs(("end", 0))], type_=2)
    with pytest.raises(MidiError, match="type-2"):
        read_midi(path)


def make_broken_folder(folder: Path) -> dict[str, Path]:
    """Two good files and four broken ones (plus a non-MIDI file that must be ignored)."""
    folder.mkdir()
    good = write_midi([Note(60, 0, 1), Note(62, 1, 1)], folder / "a_good.mid")
    (folder / "sub").mkdir()
    good2 = write_midi([Note(67, 0, 2)], folder / "sub" / "b_good.MIDI")
    rng = random.Random(0)
    bad = {
        "random": folder / "c_random.mid",
        "truncated": folder / "d_truncated.mid",
        "text": folder / "e_text.mid",
        "empty": folder / "f_empty.mid",
    }
    bad["random"].write_bytes(bytes(rng.randrange(256) for _ in range(300)))
    data = good.read_bytes()
    bad["truncated"].write_bytes(data[: len(data) // 2])
    bad["text"].write_text("X: 1\nT: not a midi file, an ABC tune\nK: G\n")
    bad["empty"].write_bytes(b"")
    (folder / "notes.txt").write_text("ignored: not a .mid")
    return {"good": good, "good2": good2, **bad}


def test_broken_files_reported_and_skipped(tmp_path):
    files = make_broken_folder(tmp_path / "mixed")
    load = load_midi_folder(tmp_path / "mixed")
    assert [t.name for t in load.tunes] == ["a_good", "b_good"]  # recursive, any-case suffix, sorted
    skipped = dict(load.skipped)
    assert set(skipped) == {str(files[k]) for k in ("random", "truncated", "text", "empty")}
    assert skipped[str(files["empty"])] == "empty file"
    assert "truncated" in skipped[str(files["truncated"])]
    for path, reason in load.skipped:
        assert "\n" not in reason and reason
    # read_midi itself raises one-line MidiErrors naming the file.
    for key in ("random", "truncated", "text", "empty"):
        with pytest.raises(MidiError) as err:
            read_midi(files[key])
        assert str(files[key]) in str(err.value) and "\n" not in str(err.value)
        assert isinstance(err.value, ValueError)
    with pytest.raises(MidiError, match="not found"):
        read_midi(tmp_path / "missing.mid")


def _with_raw_event(path: Path, event: bytes) -> Path:
    """``path`` with ``event`` (delta time + bytes) put first in its first track: damage mido will not write."""
    data = bytearray(path.read_bytes())
    at = data.index(b"MTrk")
    length = int.from_bytes(data[at + 4:at + 8], "big")
    data[at + 4:at + 8] = (length + len(event)).to_bytes(4, "big")
    data[at + 8:at + 8] = event
    path.write_bytes(bytes(data))
    return path


def test_damaged_tempo_signature_key_and_times_are_one_files_fault(tmp_path):
    """A tempo of 0, a 0/x or x/255 time signature, a key of 100 sharps or a 2^28-tick delta time
    used to abort the whole folder (ZeroDivisionError, an unnamed KeySignatureError), fill the memory,
    or give a model file the app then refused to open."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    three = [("on", 0, 60, 80, 0), ("off", 0, 60, TPB), ("on", 0, 62, 80, 0), ("off", 0, 62, TPB)]
    save(folder / "a_good.mid", [msgs(*three)])
    tempo0 = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=0), *msgs(*three)])
    save(folder / "b_tempo0.mid", [tempo0])
    save(folder / "c_numerator0.mid", [msgs(("sig", 0, 4, 0), *three)])
    _with_raw_event(save(folder / "d_denominator255.mid", [msgs(*three)]), bytes([0, 0xFF, 0x58, 4, 3, 0xFF, 24, 8]))
    _with_raw_event(save(folder / "e_key100.mid", [msgs(*three)]), bytes([0, 0xFF, 0x59, 2, 100, 0]))
    save(folder / "f_huge_delta.mid", [msgs(("on", 0, 60, 80, 0), ("off", 0, 60, 0x0FFFFFFF))], tpb=1)
    (folder / "g_karaoke.kar").write_bytes((folder / "a_good.mid").read_bytes())
    load = load_midi_folder(folder)
    assert [t.name for t in load.tunes] == ["a_good", "b_tempo0", "c_numerator0", "d_denominator255", "g_karaoke"]
    assert all(t.tempo_bpm == 120.0 and t.time_signature == (4, 4) for t in load.tunes)  # damage ignored
    skipped = {Path(path).name: reason for path, reason in load.skipped}
    assert "KeySignatureError" in skipped["e_key100.mid"]
    assert "268,435,455 beats, over 50,000" in skipped["f_huge_delta.mid"]


def test_folder_list_and_summary(tmp_path):
    files = make_broken_folder(tmp_path / "mixed")
    load = load_midi_folder([files["good2"], files["good"], files["empty"]])
    assert [t.name for t in load.tunes] == ["b_good", "a_good"]  # list order kept
    s = load.summary()
    json.dumps(s)
    assert s["tunes"] == 2 and s["notes"] == 3 and s["pitch_range"] == [60, 67]
    assert s["total_duration_beats"] == 4.0
    assert s["total_duration_seconds"] == pytest.approx(2.0)  # 120 bpm
    assert s["skipped"] == 1 and s["skipped_files"][0]["path"] == str(files["empty"])
    single = load_midi_folder(files["good"])
    assert len(single.tunes) == 1
    with pytest.raises(FileNotFoundError, match="nope"):
        load_midi_folder(tmp_path / "nope")


def test_write_read_roundtrip(tmp_path):
    notes = [
        Note(60, 0.0, 1.0, 100, 0, 0), Note(64, 0.5, 0.25, 70, 0, 0), Note(60, 1.0, 0.5, 90, 0, 0),
        Note(36, 0.0, 4.0, 50, 1, 1), Note(38, 2.0, 0.25, 110, 9, 1), Note(79, 3.75, 0.125, 1, 2, 2),
    ]
    tune = Tune("rt", notes, tempo_bpm=96.0, time_signature=(3, 4), tempo_changes=[(0.0, 96.0), (2.0, 132.0)])
    path = write_midi(tune, tmp_path / "rt.mid")
    back = read_midi(path, include_drums=True)
    key = lambda n: (n.pitch, n.start, n.duration, n.velocity, n.channel, n.track)  # noqa: E731
    assert [key(n) for n in back.notes] == [key(n) for n in tune.notes]
    assert back.tempo_changes == [(0.0, 96.0), (2.0, 132.0)] and back.time_signature == (3, 4)
    assert mido.MidiFile(str(path)).type == 1
    # Bare notes + explicit tempo.
    write_midi(notes[:3], tmp_path / "bare.mid", tempo_bpm=150, ticks_per_beat=96)
    bare = read_midi(tmp_path / "bare.mid")
    assert simple(bare.notes) == simple(notes[:3]) and bare.tempo_bpm == 150.0 and bare.ticks_per_beat == 96


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 127), st.integers(0, 64), st.integers(1, 16), st.integers(1, 127), st.integers(0, 15)),
        max_size=30,
    )
)
def test_write_read_roundtrip_property(tmp_path, raw):
    # 16th-note grid, no same-pitch overlaps on a channel (those are re-articulated by design).
    notes, busy = [], {}
    for pitch, s, d, vel, ch in raw:
        start, end = s / 4, (s + d) / 4
        if any(a < end and start < b for a, b in busy.get((ch, pitch), [])):
            continue
        busy.setdefault((ch, pitch), []).append((start, end))
        notes.append(Note(pitch, start, end - start, vel, ch))
    path = write_midi(notes, tmp_path / "prop.mid")
    back = read_midi(path, include_drums=True)
    key = lambda n: (n.start, n.pitch, n.channel, n.duration, n.velocity)  # noqa: E731
    assert sorted(map(key, back.notes)) == sorted(map(key, notes))


def test_atomic_write_keeps_previous_file(tmp_path, monkeypatch):
    path = write_midi([Note(60, 0, 1)], tmp_path / "keep.mid")
    before = path.read_bytes()

    def failing_save(self, filename=None, file=None):
        file.write(b"MThd\x00\x00")  # half a header, then the disk "fills up"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mido.MidiFile, "save", failing_save)
    with pytest.raises(MidiError, match="keep.mid.*No space left"):
        write_midi([Note(72, 0, 4)], path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.mid"]  # temp file cleaned up
    monkeypatch.undo()
    assert simple(read_midi(path).notes) == [(60, 0.0, 1.0)]


def test_write_errors_name_the_file(tmp_path):
    with pytest.raises(MidiError, match="bad.mid.*channel"):
        write_midi([Note(60, 0, 1, channel=16)], tmp_path / "bad.mid")
    with pytest.raises(MidiError, match="sig.mid"):
        write_midi(Tune("s", [Note(60, 0, 1)], time_signature=(3, 5)), tmp_path / "sig.mid")
    assert not list(tmp_path.iterdir())
    # Names mido cannot store are degraded, not fatal.
    write_midi(Tune("Tōkyō 東京", [Note(60, 0, 1)]), tmp_path / "name.mid")
    assert simple(read_midi(tmp_path / "name.mid").notes) == [(60, 0.0, 1.0)]


def test_written_file_permissions_are_normal(tmp_path):
    path = write_midi([Note(60, 0, 1)], tmp_path / "perm.mid")
    assert path.stat().st_mode & 0o044  # readable by others as usual, not mkstemp's 0600


def test_builtin_corpus_reads():
    load = load_midi_folder(BUILTIN)
    assert len(load.tunes) >= 20 and not load.skipped
    assert all(p.stat().st_size < 8000 for p in BUILTIN.glob("*.mid"))


@pytest.mark.shared_data
def test_nottingham_melody_all_files():
    folder = SHARED / "midi" / "nottingham-melody"
    if not folder.is_dir():
        pytest.skip(f"shared data not found at {folder} (fresh clone without ../shared)")
    load = load_midi_folder(folder)
    s = load.summary()
    assert s["tunes"] + s["skipped"] == 1034
    assert s["tunes"] > 1000
    lo, hi = s["pitch_range"]
    assert 40 <= lo < 60 < hi <= 100
    print(f"nottingham-melody: {s['tunes']} tunes, {s['notes']} notes, pitch range {lo}-{hi}, "
          f"{s['skipped']} skipped, {s['total_duration_seconds'] / 3600:.1f} h")
