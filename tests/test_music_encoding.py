"""Token encodings: round trips, skyline reduction, robustness of decoders, primers, transposition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.music.encoding import (
    ENCODINGS,
    melody_track,
    augment_transpositions,
    bars_to_steps,
    decode,
    decode_events,
    decode_melody,
    encode,
    encode_events,
    encode_melody,
    primer_tokens,
    top_voice,
    transpose_tune,
    velocity_bin,
)
from playground.music.midi_io import load_midi_folder, read_midi
from playground.music.notes import Note, Tune

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BUILTIN = Path(__file__).resolve().parents[1] / "assets" / "midi"


def psd(notes):
    """(pitch, start, duration) triples: what a round trip must preserve."""
    return [(n.pitch, n.start, n.duration) for n in notes]


@pytest.fixture(scope="module")
def builtin_tunes():
    return load_midi_folder(BUILTIN).tunes


# --------------------------------------------------------------------------- melody


def test_melody_tokens_and_roundtrip():
    # Leading rest, a rest in the middle, two back-to-back notes of one pitch.
    notes = [Note(60, 0.5, 0.5), Note(62, 1.0, 1.0), Note(62, 2.0, 0.25), Note(67, 3.0, 0.75)]
    tokens = encode_melody(Tune("m", notes))
    assert tokens == ["_", "_", "p60", "_", "p62", "_", "_", "_", "p62", "off", "_", "_", "p67", "_", "_"]
    assert psd(decode_melody(tokens)) == psd(notes)
    assert all(n.velocity == 80 for n in decode_melody(tokens))
    assert [n.velocity for n in decode_melody(tokens, velocity=99)] == [99] * 4
    assert encode_melody(Tune("empty")) == [] and decode_melody([]) == []


def test_melody_other_grid_and_transpose():
    notes = [Note(60, 0.0, 1 / 3), Note(64, 1 / 3, 2 / 3)]  # triplets on a 12-per-beat grid
    tokens = encode_melody(Tune("t", notes), steps_per_beat=12, transpose=2)
    assert tokens[0] == "p62" and tokens[4] == "p66" and len(tokens) == 12
    back = decode_melody(tokens, steps_per_beat=12)
    assert [n.pitch for n in back] == [62, 66]
    assert [n.end for n in back] == pytest.approx([1 / 3, 1.0])


def test_melody_quantises_to_grid():
    notes = [Note(60, 0.02, 0.49), Note(62, 0.52, 0.2)]
    back = decode_melody(encode_melody(Tune("q", notes)))
    assert psd(back) == [(60, 0.0, 0.5), (62, 0.5, 0.25)]


def test_skyline_top_voice():
    notes = [
        Note(48, 0, 4), Note(52, 0, 4),  # chord under everything
        Note(72, 0, 1), Note(74, 1, 0.5),
        Note(79, 2, 1), Note(76, 2, 2),  # two notes start together: highest wins, lower emerges at 3
    ]
    assert top_voice(notes) == [(0, 4, 72), (4, 6, 74), (6, 8, 52), (8, 12, 79), (12, 16, 76)]
    tokens = encode_melody(Tune("poly", notes))
    assert psd(decode_melody(tokens)) == [(72, 0, 1), (74, 1, 0.5), (52, 1.5, 0.5), (79, 2, 1), (76, 3, 1)]


def test_melody_track_choice():
    notes = [Note(72, 0, 1, track=1), Note(40, 0, 2, track=2), Note(74, 1, 1, track=1)]
    tune = Tune("tr", notes)
    assert encode_melody(tune, track=2) == ["p40", "_", "_", "_", "_", "_", "_", "_"]
    assert psd(decode_melody(encode_melody(tune, track=1))) == [(72, 0, 1), (74, 1, 1)]


def test_melody_roundtrip_builtin(builtin_tunes):
    assert builtin_tunes
    for tune in builtin_tunes:
        melody = [n for n in tune.notes if n.track == 0]  # the generator's melody track
        assert psd(decode_melody(encode_melody(tune))) == psd(melody), tune.name
        assert encode_melody(tune) == encode_melody(tune, track=0), tune.name


# --------------------------------------------------------------------------- events


def test_events_tokens():
    notes = [Note(60, 0, 1, 100), Note(64, 0, 1, 100), Note(67, 1, 6, 40)]
    tokens = encode_events(Tune("e", notes))
    assert tokens == [
        "vel6", "on60", "on64", "shift4", "off60", "off64", "vel2", "on67", "shift16", "shift8", "off67",
    ]
    back = decode_events(tokens)
    assert psd(back) == psd(notes)
    assert [velocity_bin(n.velocity) for n in back] == [6, 6, 2]


def test_events_leading_gap_and_shift_limit():
    notes = [Note(50, 9.0, 0.25)]
    tokens = encode_events(Tune("gap", notes), steps_per_beat=2)
    assert tokens == ["shift8", "shift8", "shift2", "vel5", "on50", "shift1", "off50"]
    assert psd(decode_events(tokens, steps_per_beat=2)) == [(50, 9.0, 0.5)]  # 0.25 beat -> 1 step of 0.5


def test_events_same_pitch_overlap_cut_and_duplicates():
    notes = [Note(60, 0, 2), Note(60, 1, 2), Note(60, 1, 0.5), Note(62, 0, 1)]
    back = decode_events(encode_events(Tune("o", notes)))
    assert psd(back) == [(60, 0, 1), (62, 0, 1), (60, 1, 2)]


def test_events_roundtrip_builtin(builtin_tunes):
    for tune in builtin_tunes:
        tokens = encode_events(tune)
        back = decode_events(tokens)
        assert psd(back) == psd(tune.notes), tune.name
        assert [velocity_bin(n.velocity) for n in back] == [velocity_bin(n.velocity) for n in tune.notes]
        # vel tokens only on change
        vels = [t for t in tokens if t.startswith("vel")]
        assert all(a != b for a, b in zip(vels, vels[1:]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 127), st.integers(0, 80), st.integers(1, 40), st.integers(1, 127)), max_size=40)
)
def test_events_roundtrip_property(raw):
    # Grid notes without same-pitch overlaps round-trip exactly (velocity up to its bin).
    notes, busy = [], {}
    for pitch, s, d, vel in raw:
        if any(a < s + d and s < b for a, b in busy.get(pitch, [])):
            continue
        busy.setdefault(pitch, []).append((s, s + d))
        notes.append(Note(pitch, s / 4, d / 4, vel))
    tune = Tune("p", notes)
    back = decode_events(encode_events(tune))
    assert psd(back) == psd(tune.notes)
    assert [velocity_bin(n.velocity) for n in back] == [velocity_bin(n.velocity) for n in tune.notes]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 127), st.integers(0, 64), st.integers(1, 16)), max_size=30))
def test_melody_roundtrip_property(raw):
    # The decoded melody is exactly the skyline of the input.
    notes = [Note(p, s / 4, d / 4) for p, s, d in raw]
    back = decode_melody(encode_melody(Tune("p", notes)))
    assert [(int(n.start * 4), int(n.end * 4), n.pitch) for n in back] == top_voice(notes)


TOKEN_SOUP = st.lists(
    st.one_of(
        st.sampled_from(["_", "off", "p60", "p200", "on60", "on64", "off60", "off99", "shift3", "shift0",
                         "vel7", "vel99", "on", "p", "shift", "<s>", "</s>", "<pad>", "onx", "p-3", "shift²", ""]),
        st.text(max_size=6),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(TOKEN_SOUP)
def test_decoders_never_raise(tokens):
    for enc in ENCODINGS:
        notes = decode(tokens, enc)
        assert all(0 <= n.pitch <= 127 and n.duration > 0 and 1 <= n.velocity <= 127 for n in notes)


def test_decoders_malformed_cases():
    # off without on ignored; note left open closed at the end (at least one step).
    assert psd(decode_events(["off60", "on60", "shift2", "on62"])) == [(60, 0, 0.5), (62, 0.5, 0.25)]
    assert psd(decode_events(["on60", "on60", "shift1", "off60"])) == [(60, 0, 0.25)]
    assert psd(decode_melody(["<s>", "p60", "_", "bogus", "_", "off", "p999", "_"])) == [(60, 0, 0.75)]
    assert decode_events([None, 3, "vel"]) == []  # non-strings too


def test_dispatchers():
    tune = Tune("d", [Note(60, 0, 1), Note(64, 1, 1)])
    assert encode(tune, "melody") == encode_melody(tune)
    assert encode(tune, "events", velocity_bins=4) == encode_events(tune, velocity_bins=4)
    assert psd(decode(encode(tune, "events"), "events")) == psd(tune.notes)
    with pytest.raises(ValueError, match="melody, events"):
        encode(tune, "abc")
    with pytest.raises(ValueError, match="valid options"):
        decode([], "piano-roll")


# --------------------------------------------------------------------------- transposition, bars, primers


def test_transpose_and_augment():
    tune = Tune("t", [Note(1, 0, 1), Note(60, 1, 1), Note(126, 2, 1), Note(36, 0, 1, channel=9)])
    down = transpose_tune(tune, -2)
    assert sorted(n.pitch for n in down.notes) == [36, 58, 124]  # 1-2 dropped, drum kept
    assert down.name == "t-2" and [n.pitch for n in tune.notes] == [1, 36, 60, 126]  # original untouched
    ok = Tune("ok", [Note(60, 0, 1)])
    aug = augment_transpositions([ok, tune])
    # t-2 would lose pitch 1 and t+2 pitch 126: those copies are left out, not kept damaged.
    assert [t.name for t in aug] == ["ok", "t", "ok-2", "ok-1", "t-1", "ok+1", "t+1", "ok+2"]
    assert [t.notes[0].pitch for t in aug if t.name.startswith("ok")] == [60, 58, 59, 61, 62]


def test_bars_to_steps():
    assert bars_to_steps(1) == 16
    assert bars_to_steps(2, (3, 4)) == 24
    assert bars_to_steps(1, (6, 8)) == 12
    assert bars_to_steps(4, (4, 4), steps_per_beat=2) == 32


def test_primer_tokens(builtin_tunes):
    tune = next(t for t in builtin_tunes if t.time_signature == (3, 4))
    mel = primer_tokens(tune, 2, "melody")
    assert len(mel) == 24 and mel == encode_melody(tune)[:24]
    ev = primer_tokens(tune, 2, "events")
    back = decode_events(ev)
    assert max(n.end for n in back) <= 6.0
    assert sum(int(t[5:]) for t in ev if t.startswith("shift")) == 24  # covers exactly 2 bars
    expected = [(n.pitch, n.start) for n in tune.notes if n.start < 6.0]
    assert [(n.pitch, n.start) for n in back] == expected
    # Trailing rest inside the primer span is padded; a primer longer than the tune stops at its end.
    short = Tune("s", [Note(60, 0, 1)])
    assert primer_tokens(short, 1, "melody") == ["p60", "_", "_", "_"]
    assert primer_tokens(Tune("r", [Note(60, 0, 1), Note(62, 8, 1)]), 1, "melody")[4:] == ["off"] + ["_"] * 11
    assert primer_tokens(short, 1, "events") == ["vel5", "on60", "shift4", "off60"]


# --------------------------------------------------------------------------- shared data


@pytest.mark.shared_data
def test_the_melody_of_a_tune_with_chords_is_its_melody_track():
    """Nottingham's full tunes (melody + chords) encode as the published melody-only files do:
    the top voice of all tracks would take chord notes wherever the melody rests."""
    full, melody_only = SHARED / "midi" / "nottingham-full", SHARED / "midi" / "nottingham-melody"
    if not full.is_dir() or not melody_only.is_dir():
        pytest.skip(f"shared data not found at {full.parent} (fresh clone without ../shared)")
    names = [f.name for f in sorted(full.glob("*.mid"))[::40] if (melody_only / f.name).exists()][:26]
    assert len(names) >= 20
    same = sum(encode_melody(read_midi(full / n)) == encode_melody(read_midi(melody_only / n)) for n in names)
    assert same >= len(names) - 2, f"{same} of {len(names)}"  # the top voice of all tracks: 9 of 26


@pytest.mark.shared_data
def test_nottingham_full_top_voice_roundtrip():
    folder = SHARED / "midi" / "nottingham-full"
    if not folder.is_dir():
        pytest.skip(f"shared data not found at {folder} (fresh clone without ../shared)")
    all_files = sorted(folder.glob("*.mid"))
    files = all_files[:: max(1, len(all_files) // 8)][:8]  # a spread of 8 tunes
    assert files
    for f in files:
        tune = read_midi(f)
        assert len({n.track for n in tune.notes}) >= 2, f  # melody + chords
        tokens = encode_melody(tune)
        back = decode_melody(tokens)
        melody = [n for n in tune.notes if n.track == melody_track(tune.notes)]
        assert [(round(n.start * 4), round(n.end * 4), n.pitch) for n in back] == top_voice(melody), f
        # Decoding the melody-track encoding re-encodes identically.
        mel_tokens = encode_melody(tune, track=0)
        assert encode_melody(Tune("x", decode_melody(mel_tokens))) == mel_tokens, f
        assert decode_events(encode_events(tune)), f


@pytest.mark.shared_data
def test_every_bach_chorale_survives_the_event_encoding_and_a_midi_file(tmp_path):
    """The polyphonic event encoding on the classic polyphonic benchmark: all 382 JSB chorales
    (four voices on a 16th grid) decode to the very piano roll they came from, and a few go
    through a MIDI file and back unchanged."""
    from playground.music.midi_io import write_midi
    from playground.music.pianoroll import load_roll_splits, roll_from_notes

    path = SHARED / "midi" / "jsb-chorales-16th.json"
    if not path.is_file():
        pytest.skip(f"shared data not found at {path} (fresh clone without ../shared)")
    rolls = json.loads(path.read_text(encoding="utf-8"))
    splits = load_roll_splits(path)
    assert {k: len(v) for k, v in splits.items()} == {"train": 229, "valid": 76, "test": 77}
    for split, tunes in splits.items():
        for roll, tune in zip(rolls[split], tunes):
            expected = [tuple(sorted({int(p) for p in step})) for step in roll]  # 73.0; voices in unison
            while expected and not expected[-1]:
                expected.pop()  # trailing silence has no notes to keep
            assert roll_from_notes(tune.notes) == expected, tune.name
            tokens = encode_events(tune)
            assert roll_from_notes(decode_events(tokens)) == expected, tune.name
    for tune in splits["test"][:5]:
        again = read_midi(write_midi(tune, tmp_path / f"{tune.name}.mid"))
        assert encode_events(again) == encode_events(tune), tune.name
    # As a training source (CLI, app): the dataset's own split, so held-out figures compare.
    from playground.data.source import DataOptions
    from playground.sources import load_any_source

    corpus = load_any_source(str(path), DataOptions(seed=5), encoding="events")
    summary = corpus.extra["summary"]
    assert summary["split_tunes"] == {"train": 229, "val": 76, "test": 77} and summary["split"] == "the dataset's own"
    assert [tokens for _, tokens in corpus.test] == [encode_events(t) for t in splits["test"]]
    capped = load_any_source(str(path), DataOptions(max_samples=50), encoding="events").extra["summary"]
    assert capped["split_tunes"] == {"train": 50, "val": 76, "test": 77}  # held-out splits stay whole


def test_a_piano_roll_holds_repeats_as_one_note_and_names_a_bad_step(tmp_path):
    from playground.music.pianoroll import load_roll_splits, roll_from_notes, tune_from_roll

    tune = tune_from_roll([[60, 64], [60, 64.0], [60], [], [67]], "r")
    assert [(n.pitch, n.start, n.duration) for n in tune.notes] == [(60, 0, 0.75), (64, 0, 0.5), (67, 1.0, 0.25)]
    assert roll_from_notes(tune.notes) == [(60, 64), (60, 64), (60,), (), (67,)]
    for bad_pitch in (128, 60.5, "60", True, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"r: step 2: {bad_pitch!r} is not a MIDI pitch"):
            tune_from_roll([[60], [bad_pitch]], "r")
    bad = tmp_path / "rolls.json"
    bad.write_text('\ufeff{"train": [[[60]], [60], [[61], [200]], [[62]]]}', encoding="utf-8")  # a BOM is fine
    with pytest.raises(ValueError, match=r"rolls.json: train piece 2 is not a list of time steps"):
        load_roll_splits(bad)
    skipped = []  # the corpus' way: bad pieces are reported, the rest load
    assert [t.name for t in load_roll_splits(bad, skipped)["train"]] == ["train-1", "train-4"]
    assert skipped == [(str(bad), "train piece 2 is not a list of time steps (lists of pitches)"),
                       (str(bad), "train piece 3: step 2: 200 is not a MIDI pitch (0..127)")]
    bad.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ValueError, match=r"rolls.json: not a piano-roll JSON file \(nested too deeply\)"):
        load_roll_splits(bad)
