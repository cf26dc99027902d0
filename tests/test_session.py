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
