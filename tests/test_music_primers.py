"""Primer tunes stored in a music model file: Tune <-> dict, the corpus' primers, the Music
panel priming from the model whatever dataset is loaded, and the model-file check."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from conftest import rewrite_archive_config  # noqa: E402

from playground.modelfile import ModelFileError, load_model, read_meta, save_model  # noqa: E402
from playground.music.corpus import BUILTIN_MIDI_DIR  # noqa: E402
from playground.music.midi_io import read_midi  # noqa: E402
from playground.music.notes import Note, Tune  # noqa: E402
from playground.music.primers import (  # noqa: E402
    MAX_PRIMERS,
    PRIMER_BARS,
    primer_to_tune,
    primer_tunes,
    primers_from_music,
    tune_to_primer,
)


def _key(n):
    return (n.pitch, round(n.start, 4), round(n.duration, 4), n.velocity)


@pytest.fixture(scope="module")
def music_model_file(music_model, tmp_path_factory):
    return save_model(music_model, tmp_path_factory.mktemp("music") / "music.keras")


# -- Tune <-> dict ----------------------------------------------------------------------------

def test_round_trip_keeps_the_first_eight_bars():
    tune = read_midi(BUILTIN_MIDI_DIR / "03_a_minor_jig.mid")
    end = PRIMER_BARS * tune.beats_per_bar
    assert tune.duration_beats > end  # the cut matters for this tune
    primer = json.loads(json.dumps(tune_to_primer(tune, "test")))  # as stored in a model file
    assert primer["name"] == tune.name and primer["split"] == "test"
    assert primer["time_signature"] == list(tune.time_signature)
    assert primer["tempo_bpm"] == pytest.approx(tune.tempo_bpm)
    back = primer_to_tune(primer)
    assert isinstance(back, Tune) and back.time_signature == tuple(tune.time_signature)
    assert back.tempo_bpm == pytest.approx(tune.tempo_bpm) and back.name == tune.name
    kept = [n for n in tune.notes if n.start < end]
    assert 0 < len(back.notes) == len(kept) < len(tune.notes)
    expected = [(n.pitch, round(n.start, 4), round(min(n.end, end) - n.start, 4), n.velocity) for n in kept]
    assert sorted(map(_key, back.notes)) == sorted(expected)
    assert back.duration_beats <= end + 1e-9


def test_round_trip_of_a_short_tune_is_exact_and_bars_follow_the_time_signature():
    notes = [Note(60, 0, 1.5, 70), Note(64, 1.5, 0.5, 90), Note(67, 2.25, 4.0, 100), Note(72, 6.0, 1.0)]
    tune = Tune("waltz", notes, tempo_bpm=96.0, time_signature=(3, 4))
    whole = primer_to_tune(tune_to_primer(tune, "val"))
    assert list(map(_key, whole.notes)) == list(map(_key, tune.notes))
    two_bars = primer_to_tune(tune_to_primer(tune, "train", bars=2))  # 2 bars of 3/4 = 6 beats
    assert [(_key(n)) for n in two_bars.notes] == [_key(n) for n in notes[:2]] + [(67, 2.25, 3.75, 100)]
    with pytest.raises(ValueError):
        tune_to_primer(tune, "holdout")


# -- the corpus' primers ----------------------------------------------------------------------

def test_music_corpus_stores_primers_test_tunes_first(music_corpus):
    primers = music_corpus.extra["primers"]
    music = music_corpus.music
    assert len(primers) == min(MAX_PRIMERS, len(music.tunes_test) + len(music.tunes_val) + len(music.tunes_train))
    splits = [p["split"] for p in primers]
    assert splits == sorted(splits, key=["test", "val", "train"].index)  # test, then val, then train
    assert [p["name"] for p in primers[:len(music.tunes_test)]] == [t.name for t in music.tunes_test]
    assert splits[:len(music.tunes_test)] == ["test"] * len(music.tunes_test)
    size = len(json.dumps(primers))
    assert size < 64_000, size  # the model file stays small
    json.dumps(music_corpus.extra)
    for primer in primers:
        tune = primer_to_tune(primer)
        assert tune.notes and tune.duration_beats <= PRIMER_BARS * tune.beats_per_bar + 1e-9
    assert primers == primers_from_music(music)


def test_model_file_keeps_the_primers(music_corpus, music_model_file):
    stored = read_meta(music_model_file)["extra"]["primers"]
    assert stored == music_corpus.extra["primers"]
    loaded = load_model(music_model_file, compile=False)  # the check accepts real primers
    assert [label for label, _ in primer_tunes(loaded.meta["extra"]["primers"])][0].endswith("(test)")


# -- the Music panel --------------------------------------------------------------------------

@pytest.fixture
def panel(qtbot):
    from playground.ui.music.panel import MusicPanel

    widget = MusicPanel()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def test_panel_primes_from_the_model_with_no_corpus(panel, qtbot, music_model_file):
    model = load_model(music_model_file, compile=False)
    primers = model.meta["extra"]["primers"]
    panel.set_corpus(None)  # e.g. a text dataset is loaded
    panel.set_model(model)
    assert panel.tunes_from == "model"
    assert panel.primer_tune.count() == len(primers) > 0
    assert panel.primer_tune.itemText(0) == f"{primers[0]['name']} (test)"
    panel.seed_kind.setCurrentIndex(1)
    assert panel.generate_button.isEnabled()
    assert "No tunes to take a primer from" not in panel.status.text()
    panel.primer_tune.setCurrentIndex(0)
    panel.primer_bars.setValue(2)
    panel.bars.setValue(2)
    with qtbot.waitSignal(panel.generated, timeout=60000) as blocker:
        panel.generate_button.click()
    result = blocker.args[0]
    tune = panel.tunes[0][1]
    assert tune.name == primers[0]["name"]
    assert result.settings["seed"].startswith(primers[0]["name"])
    assert result.primer_beats == pytest.approx(2 * tune.beats_per_bar)
    assert panel.roll.primer_notes and all(n.start < result.primer_beats for n in panel.roll.primer_notes)
    assert "Generated" in panel.status.text()
    panel.set_model(None)  # no model: nothing to prime from
    assert panel.primer_tune.count() == 0 and panel.tunes_from is None


def test_panel_prefers_the_model_over_other_music_data(panel, music_model):
    from playground.data.source import DataOptions
    from playground.sources import load_any_source

    other = load_any_source("midi:sample", DataOptions(seed=5))  # split differently: not the model's data
    panel.set_corpus(other)
    panel.set_model(music_model)
    assert panel.tunes_from == "model"
    assert panel.primer_tune.count() == len(music_model.meta["extra"]["primers"])
    assert panel.primer_bars.maximum() == PRIMER_BARS


def test_panel_falls_back_to_the_corpus_for_an_older_model(panel, music_corpus, music_model_file):
    old = load_model(music_model_file, compile=False)
    del old.meta["extra"]["primers"]  # a model file from before primers were stored
    panel.set_corpus(None)
    panel.set_model(old)
    panel.seed_kind.setCurrentIndex(1)
    assert panel.primer_tune.count() == 0 and not panel.generate_button.isEnabled()
    assert "No tunes to take a primer from" in panel.status.text()
    panel.set_corpus(music_corpus)
    assert panel.tunes_from == "corpus" and panel.primer_tune.count() == len(music_corpus.music.tunes_test) + \
        len(music_corpus.music.tunes_val) + len(music_corpus.music.tunes_train)
    assert panel.generate_button.isEnabled()


# -- the model-file check ---------------------------------------------------------------------

GOOD = {"name": "tune", "split": "test", "tempo_bpm": 120.0, "time_signature": [4, 4],
        "notes": [[60, 0.0, 1.0, 80], [62, 1, 0.5, 90]]}


def _primers(value):
    def change(config):
        config["config"]["meta"].setdefault("extra", {})["primers"] = value
    return change


def _bad(**fields):
    return [dict(GOOD), {**GOOD, **fields}]


MALFORMED = [
    ("many", "meta.extra.primers is str"),
    ([GOOD] * 65, "holds 65 tunes"),
    ([GOOD, "tune"], "meta.extra.primers[1] is str"),
    (_bad(name=3), "meta.extra.primers[1].name is int"),
    ([{k: v for k, v in GOOD.items() if k != "notes"}], "meta.extra.primers[0].notes is missing"),
    (_bad(split="holdout"), "primers[1].split 'holdout'"),
    (_bad(tempo_bpm="fast"), "primers[1].tempo_bpm is str"),
    (_bad(tempo_bpm=0), "tempo_bpm 0 is not a tempo"),
    (_bad(time_signature=[4]), "primers[1].time_signature [4]"),
    (_bad(time_signature=[3, 5]), "primers[1].time_signature [3, 5]"),
    (_bad(notes={"a": 1}), "primers[1].notes is dict"),
    (_bad(notes=[[60, 0, 1]]), "primers[1].notes must be"),
    (_bad(notes=[[128, 0, 1, 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60, -1, 1, 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60, 0, -0.5, 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60, 0, 1, 0]]), "primers[1].notes must be"),
    (_bad(notes=[[60, 0, 1, 128]]), "primers[1].notes must be"),
    (_bad(notes=[[60, "0", 1, 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60, 0, 10 ** 400, 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60, float("nan"), 1, 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60, 0, float("inf"), 80]]), "primers[1].notes must be"),
    (_bad(notes=[[60.0, 0, 1, 80]]), "primers[1].notes must be"),
]


@pytest.mark.parametrize("value, words", MALFORMED)
def test_malformed_primers_raise_model_file_error_naming_the_file(tiny_model_file, tmp_path, value, words):
    path = rewrite_archive_config(tiny_model_file, tmp_path / "malformed.keras", _primers(value))
    for load in (lambda: read_meta(path), lambda: load_model(path, compile=False)):
        with pytest.raises(ModelFileError, match="malformed.keras") as error:
            load()
        assert words in str(error.value)


def test_well_formed_primers_load(tiny_model_file, tmp_path):
    path = rewrite_archive_config(tiny_model_file, tmp_path / "good.keras", _primers([GOOD] * MAX_PRIMERS))
    assert read_meta(path)["extra"]["primers"][0] == GOOD
