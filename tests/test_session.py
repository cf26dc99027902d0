"""One training path: the session resolves settings, trains, evaluates and saves once, for the
CLI, the API and the app's child process alike."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from playground.training import events as ev
from playground.training.session import TrainingSession, TrainRequest, resolve_train_config, train

TINY_MODEL = {"mode": "attention", "units": 16, "embedding_dim": 8}


def test_recommended_settings_apply_unless_chosen():
    resolved = resolve_train_config("digits:add", {})
    assert (resolved.epochs, resolved.batch_size, resolved.learning_rate) == (25, 256, 6e-3)
    chosen = resolve_train_config("digits:add", {"epochs": 2, "learning_rate": None})
    assert (chosen.epochs, chosen.batch_size, chosen.learning_rate) == (2, 256, 6e-3)
    plain = resolve_train_config("my-file.txt", {})
    assert (plain.epochs, plain.batch_size, plain.learning_rate) == (10, 64, 3e-3)


def test_session_trains_evaluates_and_saves_once(tmp_path, monkeypatch):
    import playground.modelfile as modelfile

    writes = []
    original = modelfile.save_model
    monkeypatch.setattr(modelfile, "save_model", lambda model, path, **kw: writes.append(str(path))
                        or original(model, path, **kw))
    events = []
    out = tmp_path / "m.keras"
    result = train(TrainRequest("digits:reverse", str(out), data_options={"task_size": 300}, model=TINY_MODEL,
                                train={"epochs": 3, "batch_size": 32, "device": "cpu"}), events.append)
    assert result.status == "done" and result.model_path == str(out)
    assert writes == [str(out)] * 3  # epochs 1 and 2 as checkpoints, epoch 3 once, with its metrics
    kinds = [type(e).__name__ for e in events]
    assert kinds[-4:] == ["TrainFinished", "Evaluating", "Evaluated", "ModelSaved"] and events[-1].final
    assert [e.checkpoint for e in events if isinstance(e, ev.EpochEnd)] == [str(out), str(out), None]
    from playground.modelfile import read_meta

    meta = read_meta(out)
    assert meta["metrics"] == pytest.approx(result.metrics) and set(result.metrics) >= {"exact_match", "chrf"}
    assert meta["train_config"]["epochs"] == 3 and meta["epochs_completed"] == 3
    assert all(len(m) == 3 for m in meta["test_mistakes"])


def test_one_run_per_model_file_and_a_callback_error_keeps_the_finished_epoch(tmp_path):
    """Two runs on one output overwrote each other's checkpoints, the last save winning unsaid; a
    user callback failing at the last EpochEnd lost that finished epoch (the file held one less
    than the result reported, model_path None)."""
    from playground.modelfile import read_meta
    from playground.output_lock import OutputLock
    from playground.paths import PathRefused

    out = tmp_path / "m.keras"
    request = TrainRequest("digits:reverse", str(out), data_options={"task_size": 200}, model=TINY_MODEL,
                           train={"epochs": 2, "batch_size": 32, "device": "cpu"})
    with OutputLock(out), pytest.raises(PathRefused, match="another training run .* is writing this model file"):
        train(request)
    refused_while_training = []

    def callback(event):
        if isinstance(event, ev.EpochEnd) and event.epoch == 0:
            with pytest.raises(PathRefused) as refused, OutputLock(out):
                pass
            refused_while_training.append(str(refused.value))
        if isinstance(event, ev.EpochEnd) and event.epoch == 1:
            raise RuntimeError("a bug in my callback")

    result = train(request, callback)
    assert refused_while_training  # the run held the lock while it trained
    assert result.status == "error" and result.message.startswith("RuntimeError: a bug in my callback")
    assert f"the last finished epoch (2) is kept in {out}" in result.message and result.model_path == str(out)
    assert read_meta(out)["epochs_completed"] == result.epochs_completed == 2
    with OutputLock(out):  # released when the run ended
        pass


def test_interrupt_during_evaluation_keeps_the_trained_model(tmp_path, monkeypatch):
    import playground.inference.evaluate as evaluate

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate, "evaluate", interrupted)
    events = []
    out = tmp_path / "m.keras"
    session = TrainingSession(TrainRequest("digits:reverse", str(out), data_options={"task_size": 300},
                                           model=TINY_MODEL, train={"epochs": 1, "device": "cpu"}), events.append)
    with pytest.raises(KeyboardInterrupt):
        session.run()
    saved = [e for e in events if isinstance(e, ev.ModelSaved)]
    assert saved and not saved[-1].final and out.exists()


def test_a_text_source_cannot_train_a_translator(tmp_path):
    session = TrainingSession(TrainRequest("text:sample", str(tmp_path / "m.keras"), task="translate"))
    with pytest.raises(ValueError, match="trains a language model"):
        session.prepare()


def test_inference_imports_nothing_from_training():
    package = Path(__file__).resolve().parents[1] / "playground" / "inference"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            assert not [n for n in names if n.startswith("playground.training")], (path.name, names)


def test_cli_and_app_child_process_train_alike(qtbot, tmp_path, monkeypatch):
    """The same source and options through ``playground train`` and through the app's Train
    button (its child process): the same settings, final loss and test metrics."""
    pytest.importorskip("pytestqt")
    from playground.cli import main
    from playground.modelfile import read_meta
    from playground.ui import dialogs
    from playground.ui.main_window import MainWindow
    from playground.ui.settings import Settings

    cli_out = tmp_path / "cli.keras"
    assert main(["train", "digits:add", "--out", str(cli_out), "--task-size", "400", "--units", "16",
                 "--embedding-dim", "8", "--epochs", "2", "--json"]) == 0
    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(dialogs, "HOOK", lambda *a: True)
    window = MainWindow(Settings(), autoload=False)
    qtbot.addWidget(window)
    data = window.data_panel
    data.set_source("digits:add")
    data.task_size.setValue(400)
    with qtbot.waitSignal(data.corpus_loaded, timeout=120_000):
        data.load()
    window.model_panel.units.setValue(16)
    window.model_panel.embedding.setValue(8)
    window.train_panel.epochs.setValue(2)  # the user's choice; batch size and rate stay recommended
    assert window.train_panel.batch_size.value() == 256  # digits:add's recommendation, shown
    window.model_panel.mode.setCurrentText("transformer")  # a Transformer's recommendation: a capped rate
    assert window.train_panel.learning_rate.value() == pytest.approx(0.002)
    window.model_panel.mode.setCurrentText("attention")
    assert window.train_panel.learning_rate.value() == pytest.approx(0.006)
    with qtbot.waitSignal(window.train_panel.training_finished, timeout=300_000) as finished:
        assert window.train_panel.start()
    assert finished.args[0].status == "done"
    app_meta = read_meta(window.train_panel.run.checkpoint)
    cli_meta = read_meta(cli_out)
    assert app_meta["train_config"] == cli_meta["train_config"]
    assert app_meta["model_config"] == cli_meta["model_config"]
    assert app_meta["data_options"] == cli_meta["data_options"]
    assert app_meta["history"]["epochs"][-1]["train_loss"] == pytest.approx(
        cli_meta["history"]["epochs"][-1]["train_loss"], rel=1e-4)
    assert app_meta["metrics"] and app_meta["metrics"] == pytest.approx(cli_meta["metrics"], rel=1e-4)
    assert json.dumps(app_meta["metrics"]) and window.train_panel.test_figures.text().startswith("test (")
    window.train_panel.shutdown()


@pytest.fixture(scope="module")
def pairs_checkpoint(tmp_path_factory):
    """A 1-epoch attention model on a small sentence-pair file: (file, checkpoint)."""
    folder = tmp_path_factory.mktemp("resume")
    pairs = folder / "pairs.txt"
    pairs.write_text("".join(f"I see {n} cats.\tJe vois {n} chats.\n" for n in range(80)), encoding="utf-8")
    out = folder / "m.keras"
    result = train(TrainRequest(str(pairs), str(out), data_options={"level": "char"}, model=TINY_MODEL,
                                train={"epochs": 1, "batch_size": 16, "learning_rate": 0.002, "device": "cpu"}))
    assert result.status == "done"
    return pairs, out


def _prepared(checkpoint, source, **request):
    session = TrainingSession(TrainRequest(str(source), str(checkpoint.parent / "resumed.keras"),
                                           resume=str(checkpoint), **request))
    session.prepare()
    return session


def test_resume_continues_the_checkpoints_run_and_refuses_what_contradicts_it(pairs_checkpoint, tmp_path):
    from playground.training.resume import ResumeError

    pairs, checkpoint = pairs_checkpoint
    resumed = _prepared(checkpoint, pairs, train={"epochs": 3, "batch_size": 8})
    config = resumed.train_config
    # The checkpoint's settings (its sentence-file recommendation and chosen rate), with the new choices.
    assert (config.epochs, config.batch_size, config.learning_rate) == (3, 8, 0.002)
    assert (config.optimizer, config.label_smoothing) == ("adamw", 0.1)
    assert resumed.model_config == resumed.resume_model.config

    copy = tmp_path / "moved.txt"  # the same data at another path resumes
    copy.write_bytes(pairs.read_bytes())
    assert _prepared(checkpoint, copy, train={"epochs": 2}).train_config.epochs == 2

    changed = tmp_path / "changed.txt"
    changed.write_text(pairs.read_text(encoding="utf-8").replace("cats", "dogs"), encoding="utf-8")
    for source in (changed, "digits:reverse"):
        with pytest.raises(ResumeError, match=f"was trained on {pairs}; .* {source} holds other data"):
            _prepared(checkpoint, source, train={"epochs": 2})

    same_units = {**TINY_MODEL, "mode": "transformer"}
    with pytest.raises(ResumeError) as refused:
        _prepared(checkpoint, pairs, model=same_units, data_options={"level": "word", "val_split": 0.1,
                                                                     "columns": (1, 0)},
                  train={"epochs": 2, "learning_rate": 0.01, "optimizer": "adamw"})
    message = str(refused.value)
    assert "mode 'transformer' (the checkpoint has 'attention')" in message
    assert "level 'word' (the checkpoint has 'char')" in message
    assert "columns 2,1 (the checkpoint has 1,2)" in message  # counted as --columns and the Data tab count
    assert "learning_rate 0.01 (the checkpoint has 0.002)" in message
    # Choices equal to the checkpoint's are not contradictions.
    assert "units" not in message and "val_split" not in message and "optimizer" not in message

    with pytest.raises(ResumeError, match="already trained 1 epoch, and 1 are asked for in all"):
        _prepared(checkpoint, pairs, train={"epochs": None})


def test_the_cli_leaves_unchosen_options_to_the_recommendations(pairs_checkpoint):
    """``playground train FILE`` and the app's Train resolve a sentence file's recommended
    optimizer and label smoothing alike (the CLI's own defaults used to override them)."""
    from playground import cli

    pairs, _ = pairs_checkpoint
    args = cli.build_parser().parse_args(["train", str(pairs), "--out", "m.keras"])
    request = cli.train_request(args, "m.keras")
    assert not {k: v for k, v in request.model.items() if v is not None}
    resolved = resolve_train_config(request.source, request.train)
    assert (resolved.optimizer, resolved.label_smoothing, resolved.warmup_steps) == ("adamw", 0.1, 400)
    chosen = cli.train_request(cli.build_parser().parse_args(
        ["train", str(pairs), "--out", "m.keras", "--optimizer", "sgd", "--units", "32", "--bidirectional"]), "m")
    assert resolve_train_config(chosen.source, chosen.train).optimizer == "sgd"
    assert (chosen.model["units"], chosen.model["bidirectional"], chosen.model["cell"]) == (32, True, None)



def test_the_cli_says_which_recommendations_a_sentence_file_brought(pairs_checkpoint, capsys):
    from playground import cli, cli_notes

    pairs, _ = pairs_checkpoint
    args = cli.build_parser().parse_args(["train", str(pairs), "--out", "m.keras", "--optimizer", "sgd",
                                          "--epochs", "2", "--level", "char"])
    session = TrainingSession(cli.train_request(args, "m.keras"))
    session.prepare()
    cli_notes.note_recommended(args, session)
    note = capsys.readouterr().err
    assert note.startswith(f"note: {pairs}: sentence pairs, so the recommended mode transformer, batch size 128")
    assert "label smoothing 0.1" in note and "optimizer" not in note and "tokens" not in note  # chosen: not named


def test_api_mistakes_are_named_not_half_done(tiny_model):
    """A string where a list belongs would be translated character by character; a path where a
    model belongs, or generating from a translation model, fails deep inside: all are named."""
    from playground.inference.predictor import Predictor

    predictor = Predictor(tiny_model)
    with pytest.raises(TypeError, match=r"texts must be a list of strings, got one string; write \['31415'\]"):
        predictor.translate("31415")
    with pytest.raises(TypeError, match=r"texts\[1\] must be a string, got int 31415"):
        predictor.translate(["1", 31415])
    with pytest.raises(TypeError, match=r"Predictor\(playground.modelfile.load_model\(path\)\)"):
        Predictor("model.keras")
    with pytest.raises(ValueError, match="This is a translation model"):
        predictor.generate("12")
    with pytest.raises(TypeError, match="seed_tokens must be a list of strings, got one string"):
        predictor.generate_tokens("p60", length=2)
    assert [t.text for t in predictor.translate(("12", "34"))] == [t.text for t in predictor.translate(["12", "34"])]
