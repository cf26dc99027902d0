"""Music generation (playground.inference.music), training windows and the music CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from playground.data.source import DataOptions
from playground.music.encoding import bars_to_steps, primer_tokens
from playground.music.metrics import histogram_distance, pitch_class_histogram
from playground.music.midi_io import read_midi, write_midi
from playground.music.windows import cut_windows, is_boundary
from playground.inference.music import (
    MusicGenerationError,
    _context,
    _cut_at_steps,
    fold_into_range,
    generate_music,
    parse_pitch,
    pitch_name,
)
from playground.sources import load_any_source

pytestmark = pytest.mark.backends

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample_corpus():
    return load_any_source("midi:sample", DataOptions(seed=0))


def _train(corpus, epochs, units=64):
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    model_config = ModelConfig(mode="lm", cell="lstm", units=units, embedding_dim=16)
    train_config = TrainConfig(epochs=epochs, batch_size=8, learning_rate=1e-2, seed=0, device="cpu",
                               bucket_width=0, sample_items=0)
    result = Trainer(corpus, model_config, train_config).run()
    assert result.status == "done", result.message
    return result.model


@pytest.fixture(scope="module")
def trained(sample_corpus):
    """An LSTM trained on midi:sample long enough to learn its pitch distribution."""
    return _train(sample_corpus, epochs=6)


@pytest.fixture(scope="module")
def untrained(sample_corpus):
    from playground.config import ModelConfig, TrainConfig
    from playground.models.seq2seq import Seq2SeqModel
    from playground.training.trainer import build_meta, complete_model_config

    import keras

    keras.utils.set_random_seed(0)
    config = complete_model_config(ModelConfig(mode="lm", units=64, embedding_dim=16), sample_corpus)
    model = Seq2SeqModel(config.to_dict(), build_meta(sample_corpus, config, TrainConfig()))
    model.build_with_dummy_inputs()
    return model


def _in_vocab_pitch(model, near=72):
    from playground.inference.music import _predictor

    vocab = _predictor(model).target_vocab
    return min((p for p in range(128) if f"p{p}" in vocab), key=lambda p: abs(p - near))


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize("text, pitch", [("60", 60), (60, 60), ("C4", 60), ("c4", 60), ("C#4", 61),
                                         ("Db4", 61), ("A4", 69), ("Bb3", 58), ("C-1", 0), ("G9", 127),
                                         (" e5 ", 76)])
def test_parse_pitch(text, pitch):
    assert parse_pitch(text) == pitch


@pytest.mark.parametrize("text", ["H4", "C", "128", "-1", "G#9", "do", ""])
def test_parse_pitch_rejects(text):
    with pytest.raises(MusicGenerationError):
        parse_pitch(text)


def test_pitch_name_round_trip():
    assert pitch_name(60) == "C4" and pitch_name(61) == "C#4" and pitch_name(0) == "C-1"
    assert all(parse_pitch(pitch_name(p)) == p for p in range(128))


def test_fold_into_range():
    assert fold_into_range(50, 55, 88) == 62
    assert fold_into_range(100, 55, 88) == 88 and fold_into_range(95, 55, 88) == 83
    assert fold_into_range(70, 55, 88) == 70
    assert fold_into_range(40, 60, 65) == 64
    assert fold_into_range(40, 60, 62) == 60  # no octave of it fits: clamped


def test_cut_windows_start_on_events_and_cover_the_tune():
    seq = ["p60", "_", "_", "_", "off", "_", "p62", "_"] * 40  # 320 tokens
    pieces = cut_windows([seq], 64, "melody")
    assert all(len(p) <= 64 for p in pieces)
    assert all(p[0] != "_" for p in pieces)
    assert sum(map(len, pieces)) >= len(seq) - 64  # only hold runs at cuts and a short tail are lost
    assert cut_windows([seq[:40]], 64, "melody") == [seq[:40]]
    assert cut_windows([seq], 0, "melody") == [seq]
    assert sum(pieces, []) == seq  # each piece ends where the next can start: nothing lost
    events = ["vel5", "on60", "shift4", "off60", "on62", "shift2"] * 30
    pieces = cut_windows([events], 20, "events")
    assert all(p[0].startswith(("vel", "on")) and len(p) <= 20 for p in pieces)
    assert sum(pieces, [])[:len(events) - 16] == events[:len(events) - 16]  # legato steps open with offs
    assert is_boundary(events, 6, "events") and not is_boundary(events, 3, "events")
    assert is_boundary(events, 4, "events")  # after the step's offs: they close notes the last window saw
    assert not is_boundary(["on60", "shift2", "off60", "on62", "on64"], 4, "events")  # mid-step: a chord split
    with pytest.raises(ValueError, match="at least"):
        cut_windows([seq], 4, "melody")


def test_event_helpers():
    toks = ["vel5", "on60", "shift4", "off60", "on62", "shift8", "off62"]
    assert _cut_at_steps(toks, 6) == ["vel5", "on60", "shift4", "off60", "on62", "shift2"]
    assert _cut_at_steps(toks, 4) == ["vel5", "on60", "shift4"]
    assert _cut_at_steps(toks, 100) == toks
    melody = ["p60"] + ["_"] * 100
    assert _context(melody, "melody")[0] != "_" or len(_context(melody, "melody")) == 1


def test_music_corpus_windows_and_extra():
    corpus = load_any_source("midi:sample", DataOptions(seed=0), window=64)
    assert all(len(t) <= 64 for _, t in corpus.train + corpus.val)
    assert any(len(t) > 64 for _, t in corpus.test)  # test tunes stay whole
    extra = corpus.extra
    assert extra["window"] == 64 and extra["encoding"] == "melody"
    assert len(extra["pitch_class_histogram"]) == 12 and abs(sum(extra["pitch_class_histogram"]) - 1) < 1e-4
    assert tuple(extra["time_signature"]) in {(4, 4), (3, 4), (6, 8)}
    json.dumps(extra)  # stored in the model file
    assert len(corpus.music.tunes_train) == extra["summary"]["split_tunes"]["train"]


# --------------------------------------------------------------------------- generation


def test_generated_notes_lie_in_training_pitch_range(trained, sample_corpus):
    lo, hi = sample_corpus.extra["pitch_range"]
    seed = _in_vocab_pitch(trained)
    for k in range(3):
        music = generate_music(trained, seed_pitch=seed, length=128, temperature=1.5, random_seed=k)
        assert len(music.generated_tokens) == 128
        assert music.generated_notes
        assert all(lo <= n.pitch <= hi for n in music.generated_notes)
        assert music.out_of_range() == [] and music.clamped == 0


def test_generation_is_deterministic_per_seed(trained):
    seed = _in_vocab_pitch(trained)
    a = generate_music(trained, seed_pitch=seed, length=64, random_seed=3)
    b = generate_music(trained, seed_pitch=pitch_name(seed), length=64, random_seed=3)
    c = generate_music(trained, seed_pitch=seed, length=64, random_seed=4)
    assert a.generated_tokens == b.generated_tokens
    assert a.generated_tokens != c.generated_tokens
    assert a.primer_tokens == [f"p{seed}"] and a.primer_notes[0].pitch == seed


def test_bars_count_the_seed_step(trained):
    music = generate_music(trained, seed_pitch=_in_vocab_pitch(trained), bars=3, random_seed=0)
    bpb = music.beats_per_bar
    assert music.total_beats == pytest.approx(3 * bpb)
    assert len(music.primer_tokens) + len(music.generated_tokens) == bars_to_steps(3, music.time_signature)
    assert all(n.end <= 3 * bpb + 1e-9 for n in music.notes)


def test_primer_from_a_tune(trained, sample_corpus):
    tune = sample_corpus.music.tunes_test[0]
    music = generate_music(trained, primer=tune, primer_bars=2, bars=2, random_seed=1)
    expected = primer_tokens(tune, 2, "melody")
    assert music.primer_tokens == expected
    assert music.time_signature == tuple(tune.time_signature)
    assert music.primer_beats == pytest.approx(2 * tune.beats_per_bar)
    assert music.total_beats == pytest.approx(4 * tune.beats_per_bar)
    assert all(n.start >= music.primer_beats for n in music.generated_notes)
    assert all(n.start < music.primer_beats for n in music.primer_notes)
    assert {n.track for n in music.primer_notes} == {0} and {n.track for n in music.generated_notes} == {1}


def test_bad_requests(trained, sample_corpus):
    lo, hi = sample_corpus.extra["pitch_range"]
    with pytest.raises(MusicGenerationError, match="outside the training pitch range"):
        generate_music(trained, seed_pitch=lo - 13, length=8)
    from playground.music.encoding import token_pitch

    seen = {token_pitch(t) for t in sample_corpus.target_vocab.tokens} - {None}
    gap = next((p for p in range(lo, hi + 1) if p not in seen), None)
    if gap is not None:  # inside the range, yet no note of the tunes starts on it
        with pytest.raises(MusicGenerationError, match=rf"\({gap}\) never starts a note .* the nearest it knows"):
            generate_music(trained, seed_pitch=gap, length=8)
    with pytest.raises(MusicGenerationError):
        generate_music(trained, seed_pitch=60, length=8, bars=2)
    with pytest.raises(MusicGenerationError):
        generate_music(trained, seed_pitch=hi, length=8, temperature=0)


def test_not_a_music_model():
    from types import SimpleNamespace

    text_model = SimpleNamespace(meta={"corpus_kind": "text"})
    with pytest.raises(MusicGenerationError, match="not a music model"):
        generate_music(text_model, seed_pitch=60, length=8)


def test_trained_model_is_closer_to_training_pitch_classes(trained, untrained, sample_corpus):
    """The pitch-class histogram distance is reported, and training reduces it."""
    training = np.asarray(sample_corpus.extra["pitch_class_histogram"])

    def distance(model):
        notes = []
        for k in range(4):
            music = generate_music(model, seed_pitch=_in_vocab_pitch(model, 64 + 3 * k), length=256,
                                   random_seed=k)
            notes += music.generated_notes
            assert music.pitch_class_distance() is not None
        return histogram_distance(pitch_class_histogram(notes), training)

    d_trained, d_untrained = distance(trained), distance(untrained)
    print(f"pitch-class distance: trained {d_trained:.4f}, untrained {d_untrained:.4f}")
    assert d_trained < d_untrained


def test_midi_out_reopens_with_same_notes(trained, tmp_path):
    music = generate_music(trained, seed_pitch=_in_vocab_pitch(trained), bars=4, random_seed=2)
    path = write_midi(music.tune(), tmp_path / "gen.mid")
    back = read_midi(path)
    key = lambda n: (n.pitch, round(n.start, 4), round(n.duration, 4))  # noqa: E731
    assert sorted(map(key, back.notes)) == sorted(map(key, music.notes))
    import mido

    assert len(mido.MidiFile(str(path)).tracks) == 2  # primer track and generated track


# --------------------------------------------------------------------------- CLI


def test_cli_data_info_music(capsys):
    from playground.cli import main

    assert main(["data-info", "midi:sample", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "music" and info["tunes"] == 24 and info["notes"] > 0
    assert info["skipped"] == [] and info["encoding"] == "melody"


def test_cli_data_info_reports_skipped_files(tmp_path, capsys):
    from playground.cli import main
    from playground.music.corpus import BUILTIN_MIDI_DIR

    for src in sorted(BUILTIN_MIDI_DIR.glob("*.mid"))[:4]:
        (tmp_path / src.name).write_bytes(src.read_bytes())
    (tmp_path / "broken.mid").write_bytes(b"MThd not really")
    assert main(["data-info", str(tmp_path), "--json", "--encoding", "events"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tunes"] == 4 and info["encoding"] == "events"
    assert [s["path"].endswith("broken.mid") for s in info["skipped"]] == [True]


def test_cli_train_and_generate(tmp_path, capsys):
    from playground.cli import main

    model = tmp_path / "m.keras"
    assert main(["train", "midi:sample", "--out", str(model), "--units", "16", "--embedding-dim", "8",
                 "--epochs", "1", "--batch-size", "16", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "done" and out["test_metrics"]["perplexity"] > 1
    assert main(["info", str(model), "--json"]) == 0  # how it reads MIDI is part of what it is
    assert json.loads(capsys.readouterr().out)["music"] == {"encoding": "melody", "window": 256,
                                                            "include_drums": False, "transpose": False}
    mid, wav = tmp_path / "tune.mid", tmp_path / "tune.wav"
    assert main(["generate", str(model), "--seed", "72", "--length", "64", "--out", str(mid),
                 "--wav", str(wav), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["generated_tokens"] == 64 and summary["midi"] == str(mid)
    lo, hi = summary["training_pitch_range"]
    notes = read_midi(mid).notes
    assert len(notes) == summary["primer_notes"] + summary["generated_notes"]
    assert all(lo <= n.pitch <= hi for n in notes)
    import wave

    with wave.open(str(wav)) as w:
        assert w.getnframes() > 44100  # 64 16th notes at ~110 bpm: several seconds
    # A note name, bars, and a readable error for a seed out of range.
    assert main(["generate", str(model), "--seed", "C5", "--bars", "2"]) == 0
    assert "(2 bars with the seed note," in capsys.readouterr().out  # the seed is the first step of them
    assert main(["generate", str(model), "--seed", "C1"]) == 2
    assert "outside the training pitch range" in capsys.readouterr().err
    # A primer from a MIDI file.
    assert main(["generate", str(model), "--primer", str(mid), "--primer-bars", "1", "--bars", "1",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["seed"].endswith("first 1 bars")
    assert main(["generate", str(model), "--primer", str(mid), "--primer-bars", "1", "--bars", "1"]) == 0
    assert "(1 bar after the primer," in capsys.readouterr().out
    assert main(["generate", str(model), "--primer", str(mid), "--seed", "C5"]) == 2
    assert "give --seed or --primer, not both" in capsys.readouterr().err


def test_events_encoding_generates_whole_bars():
    """The event encoding counts time in shift tokens: bars are met exactly (untrained model)."""
    import keras

    from playground.config import ModelConfig, TrainConfig
    from playground.models.seq2seq import Seq2SeqModel
    from playground.training.trainer import build_meta, complete_model_config

    corpus = load_any_source("midi:sample", DataOptions(seed=0), encoding="events", window=128)
    assert all(t[0].startswith(("vel", "on")) for _, t in corpus.train)
    keras.utils.set_random_seed(0)
    config = complete_model_config(ModelConfig(mode="lm", units=16, embedding_dim=8), corpus)
    model = Seq2SeqModel(config.to_dict(), build_meta(corpus, config, TrainConfig()))
    model.build_with_dummy_inputs()
    lo, hi = corpus.extra["pitch_range"]
    music = generate_music(model, seed_pitch=72, bars=2, random_seed=0)
    assert music.primer_tokens[-1] == "on72"
    assert music.total_beats == pytest.approx(2 * music.beats_per_bar)
    assert music.generated_notes and all(lo <= n.pitch <= hi for n in music.generated_notes)
    assert all(n.start < music.total_beats for n in music.notes)


def test_early_end_is_continued_from_recent_context(monkeypatch):
    """A model that ends the piece early is re-primed until the requested length is met."""
    from types import SimpleNamespace

    import playground.inference.music as mg
    from playground.data.vocab import Vocabulary

    calls = []

    class EndsEarly:
        target_vocab = Vocabulary(["p60", "p62", "_", "off"], "word")

        def generate_tokens(self, seed_tokens, *, length, seed, **kwargs):
            calls.append((list(seed_tokens), length, seed))
            return list(seed_tokens) + ["p62", "<unk>", "_"][:length], []  # then the end token

    model = SimpleNamespace(meta={"corpus_kind": "music", "extra": {"encoding": "melody", "pitch_range": [60, 62]}})
    monkeypatch.setattr(mg, "_predictor", lambda m: EndsEarly())
    music = generate_music(model, seed_pitch=60, length=100)
    assert len(music.generated_tokens) == 100
    assert "<unk>" not in music.generated_tokens  # an unknown token is played as a hold
    assert music.continuations == len(calls) - 1 >= 30
    assert calls[0][0] == ["p60"]
    assert all(len(c[0]) <= mg.CONTEXT_STEPS and c[0][0] != "_" for c in calls[1:])
    assert len({c[2] for c in calls}) == len(calls)  # a fresh sampling seed per call
