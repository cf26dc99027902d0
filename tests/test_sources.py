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


def test_a_transformer_gets_a_warm_up_and_a_capped_rate_unless_chosen():
    from playground.sources import TRANSFORMER_MAX_RATE, TRANSFORMER_WARMUP
    from playground.training.session import resolve_train_config

    add = resolve_train_config("digits:add", {}, transformer=True)
    assert add.warmup_steps == TRANSFORMER_WARMUP and add.learning_rate == TRANSFORMER_MAX_RATE < 6e-3
    assert add.epochs == 25 and add.batch_size == 256  # the task's own figures stay
    assert resolve_train_config("digits:add", {}).learning_rate == 6e-3  # recurrent modes: unchanged
    chosen = resolve_train_config("digits:add", {"learning_rate": 0.01, "warmup_steps": 0}, transformer=True)
    assert chosen.learning_rate == 0.01 and chosen.warmup_steps == 0  # the user's choice wins


def test_sentence_files_get_the_recommended_transformer_on_subwords(tmp_path):
    from playground.sources import SENTENCE_TRAINING, is_sentence_file
    from playground.training.session import TrainingSession, TrainRequest, resolve_model_config

    pairs = tmp_path / "fra.txt"
    pairs.write_text("".join(f"I see {n} cats.\tJe vois {n} chats.\n" for n in range(60)), encoding="utf-8")
    text = tmp_path / "story.txt"
    text.write_text("Once upon a time.\nThe end.\n", encoding="utf-8")
    assert is_sentence_file(str(pairs)) and not is_sentence_file(str(text))
    assert not is_sentence_file("digits:reverse") and not is_sentence_file(str(tmp_path / "missing.txt"))
    assert recommended_training(str(pairs))["warmup_steps"] == SENTENCE_TRAINING["warmup_steps"]
    assert resolve_model_config({}, "translate", str(pairs)).mode == "transformer"
    assert resolve_model_config({"mode": "attention"}, "translate", str(pairs)).mode == "attention"
    assert resolve_model_config({}, "translate", "digits:reverse").mode == "attention"
    session = TrainingSession(TrainRequest(source=str(pairs), out=str(tmp_path / "m.keras")))
    session.prepare()
    assert session.corpus.options.level == "subword" and session.model_config.mode == "transformer"
    chosen = TrainingSession(TrainRequest(source=str(pairs), out=str(tmp_path / "c.keras"),
                                          data_options={"level": "char"}))
    chosen.prepare()
    assert chosen.corpus.options.level == "char"
