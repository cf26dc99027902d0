"""Safe loading as documented: the whole config tree is scanned for code, whatever the load
path, and a malformed config is one ModelFileError naming the file, never an AttributeError."""

from __future__ import annotations

import pytest
from conftest import rewrite_archive_config

from playground.cli import main
from playground.modelfile import ModelFileError, load_model, read_meta

LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
          "config": {"function": {"class_name": "__lambda__", "config": {"code": "open('/tmp/pwned', 'w')"}}}}
FOREIGN = {"module": "os", "class_name": "system", "config": {"command": "touch /tmp/pwned"}}


@pytest.mark.parametrize("where", ["compile_config", "build_config"])
@pytest.mark.parametrize("payload, words", [(LAMBDA, "Lambda"), (FOREIGN, "unknown class 'system'")])
def test_payloads_in_compile_and_build_config_are_refused(tiny_model_file, tmp_path, where, payload, words):
    def inject(config):
        config.setdefault(where, {})
        config[where]["loss"] = payload

    path = rewrite_archive_config(tiny_model_file, tmp_path / "payload.keras", inject)
    for load in (lambda: load_model(path, compile=False), lambda: load_model(path, compile=True),
                 lambda: read_meta(path)):
        with pytest.raises(ModelFileError, match=words):
            load()


def _set(path_in_meta, value):
    def change(config):
        node = config["config"]["meta"]
        for key in path_in_meta[:-1]:
            node = node[key]
        node[path_in_meta[-1]] = value
    return change


MALFORMED = [
    (lambda c: [c], "config.json holds a list"),
    (lambda c: c["config"].update(meta="a string"), "meta is str"),
    (_set(["format_version"], None), "format_version None"),
    (_set(["format_version"], "abc"), "format_version 'abc'"),
    (_set(["format_version"], True), "format_version True"),
    (_set(["target_vocab"], {"level": "char", "tokens": "abc"}), "meta.target_vocab"),
    (_set(["source_vocab"], {"level": "char", "tokens": ["a", "b"]}), "meta.source_vocab"),
    (_set(["target_vocab"], None), "meta.target_vocab"),
    (_set(["history"], "none"), "meta.history is str"),
    (_set(["history", "epochs"], [1, 2]), "history.epochs must hold objects"),
    (_set(["history", "batch_loss"], ["x"]), "batch_loss must hold numbers"),
    (_set(["train_config"], {"epochs": "ten"}), "epochs must be a whole number between"),
    (_set(["data_options"], []), "meta.data_options is list"),
    (_set(["test_examples"], [["1", "2"]]), "test_examples must be pairs of token lists"),
    (_set(["task"], "lm"), "task 'lm' does not fit"),
    (lambda c: c["config"]["model_config"].update(units="many"), "units must be a whole number between"),
    (lambda c: c["config"].pop("model_config") and None, "model_config is missing"),
]


@pytest.mark.parametrize("change, words", MALFORMED)
def test_malformed_configs_raise_model_file_error_naming_the_file(tiny_model_file, tmp_path, change, words):
    path = rewrite_archive_config(tiny_model_file, tmp_path / "malformed.keras", change)
    for load in (lambda: read_meta(path), lambda: load_model(path, compile=False)):
        with pytest.raises(ModelFileError, match="malformed.keras") as error:
            load()
        assert words in str(error.value)


def test_cli_reports_a_malformed_model_in_one_line(tiny_model_file, tmp_path, capsys):
    path = rewrite_archive_config(tiny_model_file, tmp_path / "bad.keras", _set(["format_version"], "abc"))
    for command in (["info", str(path)], ["translate", str(path), "12"], ["evaluate", str(path)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "bad.keras: malformed model file" in err and len(err.strip().splitlines()) == 1
