"""MIDI as a training data source: built-in corpus, splits, augmentation, skipped files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from playground.music.corpus import BUILTIN_MIDI_DIR, load_music_source, resolve_source, split_counts
from playground.music.encoding import decode_melody, encode_melody

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def names(tunes):
    return [t.name for t in tunes]


def test_builtin_location_and_generated_readme():
    assert BUILTIN_MIDI_DIR == Path(__file__).resolve().parents[1] / "assets" / "midi"
    assert resolve_source("midi:sample") == BUILTIN_MIDI_DIR
    assert resolve_source("midi:/x/y") == Path("/x/y") and resolve_source("songs") == Path("songs")
    assert len(list(BUILTIN_MIDI_DIR.glob("*.mid"))) == 24
    assert "make_builtin_midi.py" in (BUILTIN_MIDI_DIR / "README.md").read_text()


def test_builtin_generator_is_deterministic(tmp_path):
    import runpy

    tool = Path(__file__).resolve().parents[1] / "tools" / "make_builtin_midi.py"
    main = runpy.run_path(str(tool))["main"]
    assert main(["--out", str(tmp_path)]) == 0
    for f in sorted(BUILTIN_MIDI_DIR.glob("*.mid")):
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f"{f.name} differs: re-run the tool"


def test_load_builtin_melody():
    corpus = load_music_source("midi:sample")
    assert corpus.encoding == "melody" and not corpus.skipped
    assert (len(corpus.tunes_train), len(corpus.tunes_val), len(corpus.tunes_test)) == (20, 2, 2)
    all_names = names(corpus.tunes_train) + names(corpus.tunes_val) + names(corpus.tunes_test)
    assert len(set(all_names)) == 24  # disjoint, complete
    assert len(corpus.train) == 20 and len(corpus.val) == 2 and len(corpus.test) == 2
    assert corpus.train[0] == encode_melody(corpus.tunes_train[0])
    assert all(tok == "_" or tok == "off" or tok.startswith("p") for seq in corpus.train for tok in seq)
    lo, hi = corpus.pitch_range
    assert 55 <= lo <= hi <= 84  # melody only: the accompaniment sits below the top voice
    s = corpus.summary
    json.dumps(s)
    assert s["split_tunes"] == {"train": 20, "val": 2, "test": 2} and s["tunes"] == 24
    assert s["tokens"]["train"] == sum(map(len, corpus.train))


def test_split_is_seeded():
    a = load_music_source("midi:sample", seed=0)
    b = load_music_source("midi:sample", seed=0)
    c = load_music_source("midi:sample", seed=1)
    assert names(a.tunes_test) == names(b.tunes_test) and a.train == b.train
    assert names(a.tunes_val) + names(a.tunes_test) != names(c.tunes_val) + names(c.tunes_test)


def test_augmentation_only_on_train():
    plain = load_music_source("midi:sample", encoding="events")
    aug = load_music_source("midi:sample", encoding="events", transpose_augment=True)
    assert names(aug.tunes_train) == names(plain.tunes_train)
    assert len(aug.train) == 5 * len(plain.train)  # original + 4 transpositions
    assert aug.train[: len(plain.train)] == plain.train
    assert aug.val == plain.val and aug.test == plain.test
    assert aug.pitch_range[0] == plain.pitch_range[0] - 2 and aug.pitch_range[1] == plain.pitch_range[1] + 2
    assert any(t.startswith("shift") for t in aug.train[0])


def test_split_counts():
    assert split_counts(24, 0.1, 0.1) == (20, 2, 2)
    assert split_counts(3, 0.1, 0.1) == (1, 1, 1)
    assert split_counts(2, 0.1, 0.1) == (2, 0, 0)
    assert split_counts(1, 0.5, 0.4) == (1, 0, 0)
    assert split_counts(10, 0.0, 0.0) == (10, 0, 0)
    with pytest.raises(ValueError, match="val_split"):
        split_counts(10, 0.6, 0.5)


def test_folder_with_broken_and_empty_files(tmp_path):
    folder = tmp_path / "songs"
    folder.mkdir()
    for f in sorted(BUILTIN_MIDI_DIR.glob("*.mid"))[:5]:
        shutil.copy(f, folder / f.name)
    (folder / "zz_broken.mid").write_bytes(b"MThd garbage")
    from playground.music.midi_io import write_midi
    from playground.music.notes import Note

    write_midi([Note(36, 0, 1, channel=9)], folder / "zz_drums_only.mid")
    corpus = load_music_source(f"midi:{folder}", val_split=0.2, test_split=0.2)
    assert len(corpus.tunes_train) + len(corpus.tunes_val) + len(corpus.tunes_test) == 5
    reasons = dict(corpus.skipped)
    assert set(Path(p).name for p in reasons) == {"zz_broken.mid", "zz_drums_only.mid"}
    assert "no notes" in reasons[str(folder / "zz_drums_only.mid")]
    assert corpus.summary["skipped"] == 2 and corpus.summary["tunes"] == 5
    with_drums = load_music_source(str(folder), include_drums=True)
    assert len(with_drums.skipped) == 1


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="melody, events"):
        load_music_source("midi:sample", encoding="abc")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no usable MIDI tunes"):
        load_music_source(str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError):
        load_music_source(str(tmp_path / "missing"))


@pytest.mark.shared_data
def test_nottingham_melody_corpus():
    folder = SHARED / "midi" / "nottingham-melody"
    if not folder.is_dir():
        pytest.skip(f"shared data not found at {folder} (fresh clone without ../shared)")
    corpus = load_music_source(str(folder))
    total = len(corpus.tunes_train) + len(corpus.tunes_val) + len(corpus.tunes_test)
    assert total + len(corpus.skipped) == 1034
    assert len(corpus.tunes_test) == round(total * 0.1)
    # Melodies decode back to notes (monophonic data: the tune itself, up to the 16th grid).
    tune = corpus.tunes_test[0]
    assert decode_melody(corpus.test[0])
    assert len(corpus.test[0]) == round(tune.duration_beats * 4)


def test_max_tunes_first_reads_no_more_files_than_it_keeps():
    from playground.music.corpus import load_music_source

    read = []
    corpus = load_music_source("midi:sample", max_tunes=5, progress=lambda fraction, what: read.append(what))
    assert sum(corpus.summary["split_tunes"].values()) == 5 and len(read) == 5
    chosen = load_music_source("midi:sample", max_tunes=5, sample="random", seed=3)  # a seeded choice of all
    assert sum(chosen.summary["split_tunes"].values()) == 5 and chosen.tunes_train != corpus.tunes_train
