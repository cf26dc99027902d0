"""Honest results: divergence is caught and reported, text encodings and binary files are
told apart, commands refuse sources and values that do not fit, bad MIDI says why."""

from __future__ import annotations

import math

import mido
import numpy as np
import pytest

from playground.cli import main
from playground.config import ConfigError, TrainConfig
from playground.data import DataError
from playground.data.pairs import load_pairs
from playground.data.source import DataOptions, load_source


def test_infinite_learning_rate_is_refused_naming_the_option(capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["train", "digits:reverse", "--out", "m.keras", "--learning-rate", "inf"])
    assert exit_code.value.code == 2
    assert "--learning-rate: 'inf' is not a finite number" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="learning_rate must be a positive finite number"):
        TrainConfig(learning_rate=math.inf)


def test_exploding_learning_rate_stops_with_a_clear_message_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "m.keras"
    code = main(["train", "digits:reverse", "--out", str(out), "--learning-rate", "1e6", "--units", "16",
                 "--embedding-dim", "8", "--max-samples", "300", "--batch-size", "32", "--epochs", "2"])
    captured = capsys.readouterr()
    assert code == 2
    assert "diverged" in captured.err and "learning rate 1e+06 is likely too high" in captured.err
    assert "saved" not in captured.out + captured.err and not out.exists()


def test_divergence_after_an_epoch_restores_and_keeps_the_last_good_epoch(tiny_corpus, tmp_path):
    from playground.config import ModelConfig
    from playground.modelfile import load_model
    from playground.training import events as ev
    from playground.training.trainer import Trainer

    def callback(event):  # after epoch 1, weights blown up as a far too high learning rate would
        if isinstance(event, ev.EpochEnd) and event.epoch == 0:
            trainer.model.set_weights([w * 50 for w in trainer.model.get_weights()])

    checkpoint = tmp_path / "ckpt.keras"
    trainer = Trainer(tiny_corpus, ModelConfig(units=16, embedding_dim=8),
                      TrainConfig(epochs=3, batch_size=32, learning_rate=1e-2, device="cpu"),
                      callback=callback, checkpoint_path=checkpoint)
    result = trainer.run()
    assert result.status == "diverged" and result.epochs_completed == 1, result.message
    assert "epoch 1 (last good) were restored" in result.message
    saved = load_model(checkpoint, compile=False)
    for restored, kept in zip(result.model.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(restored, kept)


def test_normal_training_is_not_taken_for_divergence(tiny_corpus):
    from conftest import train_tiny

    result = train_tiny(tiny_corpus, "attention", epochs=2)
    assert result.status == "done", result.message


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_decoded_by_their_byte_order_mark(tmp_path, codec):
    text = "english\tfrench\nGo.\tVa !\nHello.\tBonjour.\nThanks.\tMerci.\nYes.\tOui.\nNo.\tNon.\n"
    path = tmp_path / "pairs.txt"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    loaded = load_pairs(path)
    assert loaded.header == "english\tfrench"
    assert loaded.pairs[0] == ("Go.", "Va !") and len(loaded.pairs) == 5
    corpus = load_source(str(path), DataOptions(val_split=0.0, test_split=0.0))
    assert corpus.kind == "pairs" and not any("\x00" in t for t in corpus.source_vocab.tokens)


def test_binary_and_undecodable_files_are_refused(tmp_path, capsys):
    binary = tmp_path / "program.txt"
    binary.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)))
    with pytest.raises(DataError, match="program.txt: looks like a binary file"):
        load_source(str(binary))
    assert main(["data-info", str(binary)]) == 2
    assert "binary file" in capsys.readouterr().err
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("été\tsummer\nçà\tthat\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8 text"):
        load_source(str(latin))
    broken_utf16 = tmp_path / "broken.txt"
    broken_utf16.write_bytes(b"\xff\xfeG\x00o\x00\x00\xd8")  # a lone surrogate
    with pytest.raises(DataError, match="not valid UTF-16"):
        load_source(str(broken_utf16))


def test_a_few_bad_lines_are_still_skipped_and_counted(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_bytes(b"Go.\tVa !\nbad \xff\tline\nHi.\tSalut.\nRun.\tCours.\n")
    loaded = load_pairs(path)
    assert len(loaded.pairs) == 3 and [s.line for s in loaded.skipped] == [2]


@pytest.mark.parametrize("first_line", ["1\t2", "0\t1", "1\t2\t3"])
def test_numbered_header_line_is_detected_and_reported(tmp_path, capsys, first_line):
    path = tmp_path / "deu.txt"
    path.write_text(f"{first_line}\nGo.\tGeh.\nHi.\tHallo!\nRun!\tLauf!\n")
    loaded = load_pairs(path)
    assert loaded.header == first_line and loaded.pairs[0] == ("Go.", "Geh.")
    assert main(["data-info", str(path), "--json"]) == 0
    assert f'"header": "{first_line}' in capsys.readouterr().out.replace("\\t", "\t")
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("1\t2\n3\t4\n5\t6\n")  # numeric data: "1<TAB>2" is a pair here
    assert load_pairs(numbers).header is None


def test_evaluate_refuses_sources_of_another_kind(tiny_model_file, tmp_path, capsys):
    text = tmp_path / "story.txt"
    text.write_text("Once upon a time there was a model.\nIt translated digits.\n" * 5)
    assert main(["evaluate", str(tiny_model_file), str(text)]) == 2
    assert "was trained on sentence pairs" in capsys.readouterr().err
    assert main(["evaluate", str(tiny_model_file), "midi:sample"]) == 2
    assert "MIDI music, but" in capsys.readouterr().err


def test_generate_refuses_a_translation_model(tiny_model_file, capsys):
    assert main(["generate", str(tiny_model_file), "--seed", "12"]) == 2
    err = capsys.readouterr().err
    assert "a translation model; use 'playground translate'" in err


@pytest.mark.parametrize("argv, option", [
    (["translate", "m.keras", "1", "--beam", "0"], "--beam"),
    (["translate", "m.keras", "1", "--beam", "-1"], "--beam"),
    (["translate", "m.keras", "1", "--n-best", "0"], "--n-best"),
    (["generate", "m.keras", "--top-k", "-1"], "--top-k"),
    (["generate", "m.keras", "--temperature", "nan"], "--temperature"),
    (["generate", "m.keras", "--temperature", "0"], "--temperature"),
    (["generate", "m.keras", "--top-p", "1.5"], "--top-p"),
    (["generate", "m.keras", "--length", "-1"], "--length"),
    (["train", "digits:reverse", "--out", "m", "--early-stopping", "-1"], "--early-stopping"),
    (["train", "digits:reverse", "--out", "m", "--epochs", "0"], "--epochs"),
    (["train", "digits:reverse", "--out", "m", "--units", "0"], "--units"),
    (["evaluate", "m.keras", "--beam", "0"], "--beam"),
    (["data-info", "digits:copy", "--task-size", "1000000000"], "--task-size"),  # would run for minutes
])
def test_nonsense_values_are_refused_naming_the_option(argv, option, capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(argv)
    assert exit_code.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}:" in err and len(err.strip().splitlines()) == 1
    assert argv[-1] in err and "1,000,000,000" not in err  # the value as typed


def test_api_refuses_the_same_values(tiny_model):
    from playground.inference.predictor import Predictor

    predictor = Predictor(tiny_model)
    for kwargs, words in (({"beam_width": 0}, "beam_width"), ({"n_best": 0}, "n_best")):
        with pytest.raises(ValueError, match=words):
            predictor.translate(["12"], **kwargs)
    for kwargs, words in (({"temperature": math.nan}, "temperature"), ({"top_k": -1}, "top_k"),
                          ({"length": -1}, "length")):
        with pytest.raises(ValueError, match=words):
            predictor.generate_tokens([], **kwargs)


def test_a_single_bad_midi_file_says_why(tmp_path, capsys):
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    assert main(["data-info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "broken.mid: unexpected end of file" in err or "broken.mid: not a valid MIDI file" in err


def test_absurd_tempo_is_clamped_on_read_and_never_written(tmp_path):
    from playground.music.midi_io import TEMPO_RANGE_BPM, read_midi, write_midi
    from playground.music.notes import Note, Tune

    mid = mido.MidiFile(type=0, ticks_per_beat=480)
    track = mido.MidiTrack()
    track += [mido.MetaMessage("set_tempo", tempo=1), mido.Message("note_on", note=60, velocity=80, time=0),
              mido.Message("note_off", note=60, velocity=0, time=480)]
    mid.tracks.append(track)
    path = tmp_path / "fast.mid"
    mid.save(path)
    tune = read_midi(path)
    assert tune.tempo_bpm == TEMPO_RANGE_BPM[1]
    written = write_midi(Tune("x", [Note(60, 0, 1)], tempo_bpm=60_000_000.0), tmp_path / "out.mid")
    tempi = [m.tempo for t in mido.MidiFile(written).tracks for m in t if m.type == "set_tempo"]
    assert tempi and all(TEMPO_RANGE_BPM[0] <= mido.tempo2bpm(t) <= TEMPO_RANGE_BPM[1] + 1e-6 for t in tempi)
