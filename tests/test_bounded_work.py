"""Bounded work on any input: zip bombs and absurd configs in model files, over-long inputs,
huge generation requests and special files are refused quickly with a clear message."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from pathlib import Path

import pytest

from playground.cli import main
from playground.cli_parser import stdin_lines
from playground.modelfile import ModelFileError, load_model, read_meta

BOMB_BYTES = 70 << 20  # over the 64 MiB cap on config.json, quick to build


def _copy_with(source: Path, target: Path, *, replace: dict | None = None, extra: list | None = None):
    """Rewrites a model archive: members in ``replace`` get new bytes; ``extra`` (name, bytes)
    members are appended (zipfile warns about duplicates, which is the point)."""
    import warnings

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, (replace or {}).get(item.filename, zin.read(item.filename)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, data in extra or []:
                zout.writestr(name, data)
    return target


def _config(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def test_config_that_inflates_past_the_cap_is_refused_before_reading(tiny_model_file, tmp_path):
    bomb = _copy_with(tiny_model_file, tmp_path / "bomb.keras",
                      replace={"config.json": b'{"a": "' + b" " * BOMB_BYTES + b'"}'})
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ModelFileError, match=r"bomb.keras: member 'config.json' inflates to 70.0 MiB"):
        read_meta(bomb)


def test_member_that_lies_about_its_size_is_cut_at_the_declared_size(tiny_model_file, tmp_path):
    liar = _copy_with(tiny_model_file, tmp_path / "liar.keras",
                      replace={"config.json": b'{"a": "' + b" " * BOMB_BYTES + b'"}'})
    data = bytearray(liar.read_bytes())
    position = data.find(b"PK\x01\x02")
    while position >= 0:  # the central-directory entry of config.json: declare 1,000 bytes
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == b"config.json":
            struct.pack_into("<I", data, position + 24, 1000)
        position = data.find(b"PK\x01\x02", position + 4)
    liar.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="liar.keras: corrupt"):
        read_meta(liar)


def test_duplicated_and_too_many_members_are_refused(tiny_model_file, tmp_path):
    config = zipfile.ZipFile(tiny_model_file).read("config.json")
    repeated = _copy_with(tiny_model_file, tmp_path / "repeated.keras", extra=[("config.json", config)] * 5000)
    with pytest.raises(ModelFileError, match="5003 members in the archive"):
        read_meta(repeated)
    twice = _copy_with(tiny_model_file, tmp_path / "twice.keras", extra=[("config.json", config)])
    with pytest.raises(ModelFileError, match="'config.json' is listed more than once"):
        read_meta(twice)


def test_absurd_sizes_are_refused_when_the_weights_do_not_match(tiny_model_file, tmp_path):
    config = _config(tiny_model_file)
    config["config"]["model_config"].update(units=8192, layers=4, bidirectional=True, embedding_dim=4096)
    huge = _copy_with(tiny_model_file, tmp_path / "huge.keras", replace={"config.json": json.dumps(config)})
    with pytest.raises(ModelFileError, match=r"huge.keras: the config declares [\d,]+ parameters but the weights"):
        load_model(huge)
    config = _config(tiny_model_file)
    config["config"]["model_config"]["units"] += 1
    off_by_one = _copy_with(tiny_model_file, tmp_path / "off.keras", replace={"config.json": json.dumps(config)})
    with pytest.raises(ModelFileError, match=r"off.keras: the weights hold [\d,]+ parameters, the config declares"):
        load_model(off_by_one)
    assert main(["info", str(off_by_one)]) == 2  # info said such a file was fine; translate refused it


def test_a_claimed_output_length_is_bounded(tiny_model_file, tmp_path):
    """A crafted max_target_length of 10^9 made translate take 13 GB; 10^5 printed 100,000 tokens."""
    from playground.limits import MAX_GENERATED_TOKENS, output_length

    config = _config(tiny_model_file)
    config["config"]["model_config"]["max_target_length"] = 10**9
    crafted = _copy_with(tiny_model_file, tmp_path / "long.keras", replace={"config.json": json.dumps(config)})
    with pytest.raises(ModelFileError, match="max_target_length must be a whole number between 0 and 65536"):
        read_meta(crafted)
    assert output_length(60_000, 10) == MAX_GENERATED_TOKENS and output_length(20, 10) == 32


def test_parameter_count_from_config_matches_keras():
    import itertools

    from playground.config import ModelConfig
    from playground.models.params import parameter_count
    from playground.models.seq2seq import Seq2SeqModel

    # Every mode × cell, deep and (where allowed) bidirectional; every attention score once more.
    cases = [(mode, cell, mode != "lm", 2, "general") for mode, cell in itertools.product(
        ("basic", "feedback", "peek", "attention", "lm"), ("rnn", "gru", "lstm"))]
    cases += [("attention", "lstm", False, 1, score) for score in ("dot", "general", "additive")]
    cases += [("attention", "gru", True, 1, "additive"), ("basic", "lstm", True, 3, "general")]
    for mode, cell, bidirectional, layers, attention in cases:
        config = ModelConfig(mode=mode, cell=cell, bidirectional=bidirectional, layers=layers,
                             attention=attention, units=6, embedding_dim=5, target_vocab_size=9,
                             source_vocab_size=0 if mode == "lm" else 11)
        model = Seq2SeqModel(config.to_dict(), {}).build_with_dummy_inputs()
        assert parameter_count(config) == model.count_params(), config
    # Transformers: encoder–decoder and decoder-only, both position kinds, uneven depths.
    for mode, cell, positions, encoder_layers, decoder_layers in (
            ("transformer", "lstm", "sinusoidal", 1, 2), ("transformer", "lstm", "learned", 3, 1),
            ("lm", "transformer", "learned", 1, 2), ("lm", "transformer", "sinusoidal", 1, 1)):
        config = ModelConfig(mode=mode, cell=cell, positions=positions, encoder_layers=encoder_layers,
                             decoder_layers=decoder_layers, d_model=12, heads=3, ff_dim=7, max_positions=10,
                             target_vocab_size=9, source_vocab_size=0 if mode == "lm" else 11)
        model = Seq2SeqModel(config.to_dict(), {}).build_with_dummy_inputs()
        assert parameter_count(config) == model.count_params(), config


def test_long_input_is_capped_or_translated_sentence_by_sentence(tiny_model):
    from playground.inference.predictor import InputTooLong, Predictor

    predictor = Predictor(tiny_model)
    limit = predictor.max_input_tokens
    assert limit == max(2 * tiny_model.config.max_source_length, 32)
    with pytest.raises(InputTooLong, match="100,000 characters.*at most"):
        predictor.translate(["1" * 100_000])
    sentences = ". ".join("123456789" for _ in range(6)) + "."
    assert len(sentences) > limit
    result = predictor.translate([sentences])[0]
    assert result.pieces == 6 and result.attention is None
    one = predictor.translate(["123456789."])[0]
    assert result.text == " ".join([one.text] * 6)
    with pytest.raises(InputTooLong, match="64 sentences"):
        predictor.translate([". ".join(["1"] * 200)])


def test_cli_translate_refuses_long_lines_and_endless_stdin(tiny_model_file, capsys, monkeypatch):
    assert main(["translate", str(tiny_model_file), "1" * 100_000]) == 2
    assert "input 1: input too long" in capsys.readouterr().err
    with pytest.raises(ValueError, match="stdin line 1: longer than 100,000 characters"):
        list(stdin_lines(io.StringIO("\0" * 300_000)))  # what /dev/zero gives
    with pytest.raises(ValueError, match="stdin line 2: holds NUL"):
        list(stdin_lines(io.StringIO("12\n3\x004\n")))
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n" + "9" * 200_001))
    assert main(["translate", str(tiny_model_file)]) == 2
    assert "stdin line 2: longer than" in capsys.readouterr().err


def test_generation_length_is_capped(tiny_model, capsys):
    from playground.inference.predictor import Predictor

    with pytest.raises(SystemExit) as exit_code:
        main(["generate", "m.keras", "--length", "10000000"])
    assert exit_code.value.code == 2
    assert "--length: must be a whole number from 1 to 10,000" in capsys.readouterr().err
    with pytest.raises(ValueError, match="length must be a whole number from 1 to 10,000"):
        Predictor(tiny_model).generate_tokens([], length=10_000_000)


@pytest.fixture
def fifo(tmp_path):
    def make(name):
        path = tmp_path / name
        os.mkfifo(path)
        return path
    return make


@pytest.mark.timeout(120)
def test_special_files_are_refused_not_read(fifo, tiny_model_file, capsys):
    cases = [
        (["data-info", f"{fifo('pairs.txt')}::other.txt"], "is a FIFO (named pipe)"),
        (["data-info", str(fifo("tune.mid"))], "is a FIFO (named pipe)"),
        (["data-info", str(fifo("plain"))], "is a FIFO (named pipe)"),
        (["info", str(fifo("model.keras"))], "is a FIFO (named pipe)"),
        (["info", "/dev/zero"], "/dev/zero: is a character device"),
        (["translate", "/dev/zero", "12"], "/dev/zero: is a character device"),
        (["generate", str(tiny_model_file), "--primer", str(fifo("primer.mid"))], "is a FIFO (named pipe)"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert words in err and "no such file" not in err, (argv, err)
