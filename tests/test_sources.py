"""Source dispatch: built-ins, pairs and text files, MIDI folders, recommendations."""

import pytest

from playground.data import DataError
from playground.data.source import DataOptions
from playground.sources import (builtin_sources, is_music_source, load_any_source, recommended_training)


def test_builtins_cover_every_kind():
    kinds = {row["kind"] for row in builtin_sources()}
    assert kinds == {"pairs", "text", "music"}


def test_dispatch_by_kind(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("a b\tc d\ne f\tg h\ni j\tk l\nm n\to p\nq r\ts t\n", encoding="utf-8")
    assert load_any_source(str(pairs), DataOptions(level="word", val_split=0.2, test_split=0.2)).kind == "pairs"
    corpus = load_any_source("midi:sample", DataOptions())
    assert corpus.kind == "music" and corpus.source_vocab is None
    assert corpus.extra["encoding"] == "melody" and corpus.train[0][0] == []
    assert is_music_source("midi:sample") and is_music_source("tune.MID") and not is_music_source("x.txt")


def test_folder_without_midi_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(DataError, match="no MIDI files"):
        load_any_source(str(tmp_path))


def test_recommended_training_only_fills_gaps():
    assert recommended_training("digits:reverse") == {"epochs": 10, "batch_size": 64, "learning_rate": 3e-3}
    assert recommended_training("digits:add")["epochs"] > 10
