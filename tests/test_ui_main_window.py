"""Drive the real main window offscreen: data → train (pause/resume) → translate → save/open."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from playground.ui import export_actions  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402
from playground.ui.settings import Settings  # noqa: E402
from playground.ui.workers import wait_jobs  # noqa: E402

LONG = 180_000  # ms; TensorFlow tracing is slow on a busy 2-core CPU


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, messages):
    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    win = MainWindow(Settings(), autoload=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.train_panel.shutdown()
    assert not win.train_panel.is_training()
    wait_jobs(60)
    qtbot.wait(50)


def load_tiny(qtbot, win, source="digits:reverse", samples=300):
    panel = win.data_panel
    panel.set_source(source)
    panel.max_samples.setValue(samples)
    panel.task_size.setValue(samples)
    with qtbot.waitSignal(panel.corpus_loaded, timeout=LONG):
        panel.load()
    assert win.state.corpus is not None


def tiny_settings(win, mode="attention", epochs=1, batch=16, max_batches=0):
    mp = win.model_panel
    mp.mode.setCurrentText(mode)
    mp.units.setValue(16)
    mp.embedding.setValue(8)
    tp = win.train_panel
    tp.epochs.setValue(epochs)
    tp.batch_size.setValue(batch)
    tp.learning_rate.setValue(0.01)
    tp.max_batches.setValue(max_batches)
    tp.device.setCurrentText("cpu")


def test_window_title_and_default_dataset(window):
    assert window.windowTitle() == "Seq2Seq Playground"
    assert window.data_panel.current_source() == "digits:reverse"
    assert window.tabs.count() >= 6


def test_train_pause_resume_translate_save_open(qtbot, window, messages, tmp_path):
    load_tiny(qtbot, window)
    assert window.data_panel.preview.rowCount() > 0
    tiny_settings(window, "attention", epochs=2, batch=16)
    tp = window.train_panel
    assert tp.start()
    qtbot.waitUntil(lambda: len(tp.plots.losses) > 0, timeout=LONG)
    qtbot.waitUntil(lambda: tp.plots.raw.getData()[0] is not None and len(tp.plots.raw.getData()[0]) > 0,
                    timeout=5000)
    tp.pause()
    assert tp.pause_button.isEnabled() is False and tp.resume_button.isEnabled()
    qtbot.waitUntil(lambda: "Paused" in tp.status.text(), timeout=LONG)
    # "Paused" is shown with every batch trained before it already plotted...
    settled = len(tp.plots.losses)
    assert settled == len(tp.run.batch_loss) > 0
    qtbot.wait(1200)
    tp._refresh()
    assert len(tp.plots.losses) == settled  # ...and nothing trains while paused
    with qtbot.waitSignal(tp.training_finished, timeout=LONG) as finished:
        tp.resume()
    result = finished.args[0]
    assert result.status == "done", result.message
    assert window.state.model is result.model
    assert tp.samples.rowCount() > 0
    assert window.state.runs[-1].epochs and window.state.runs[-1].status == "done"
    assert not tp.is_training()

    # translate as you type: greedy + n-best + heatmap, unknown tokens shown
    tr = window.translate_panel
    assert tr.input.isEnabled()
    with qtbot.waitSignal(tr.translated, timeout=LONG):
        tr.input.setText("12x34")
    assert tr.nbest_table.rowCount() == tr.n_best.value()
    assert tr.heatmap.weights is not None and tr.heatmap.weights.shape[1] == 5
    assert "x" in tr.last.unknown and "background" in tr.unknown.text()
    with qtbot.waitSignal(tr.translated, timeout=LONG):
        tr.input.setText("1234")
    assert tr.last.source_tokens == list("1234")
    # Too long to translate: said in place, nothing of "1234" left on show, and the long message
    # does not make the panel (so the window) wider than a screen.
    tr.input.setText("7" * 3000)
    qtbot.waitUntil(lambda: tr.output.text().startswith("(could not translate"), timeout=LONG)
    assert tr.nbest_table.rowCount() == 0 and tr.greedy.text() == "" and tr.heatmap.weights is None
    assert len(tr.output.text()) > 150 and tr.output.minimumSizeHint().width() < 1000  # it wraps

    # batch mode → TSV
    tr.batch_input.setPlainText("123\n4567\n")
    with qtbot.waitSignal(tr.batch_done, timeout=LONG):
        tr.translate_batch()
    tsv = tmp_path / "out.tsv"
    tr.save_batch(str(tsv))
    assert tsv.read_text(encoding="utf-8").splitlines()[1].startswith("123\t")

    # save, then reopen
    path = str(tmp_path / "tiny.keras")
    with qtbot.waitSignal(window.model_saved, timeout=LONG):
        export_actions.save_model(window, path)
    with qtbot.waitSignal(window.model_opened, timeout=LONG) as opened:
        export_actions.open_model(window, path)
    reopened = opened.args[0]
    assert reopened.config == result.model.config
    assert window.state.model is reopened
    assert window.state.runs[-1].status == "loaded" and window.state.runs[-1].epochs

    # plots and history
    written = export_actions.save_plots(window, str(tmp_path / "plots"))
    assert all((tmp_path / p).exists() for p in written) and len(written) == 2
    csv_path = export_actions.save_history_csv(window, str(tmp_path / "history.csv"))
    assert csv_path and "val_loss" in open(csv_path).readline()

    # a corrupt model file: a message naming the file, the app keeps its model
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip archive")
    messages.clear()
    with qtbot.waitSignal(window.model_open_failed, timeout=LONG):
        export_actions.open_model(window, str(bad))
    assert messages and messages[-1][0] == "error" and "broken.keras" in messages[-1][2]
    assert window.state.model is reopened

    # Train more: the model in use (the reopened file) one epoch further, on its own data and
    # settings, as a new run that starts with its history; it becomes the model in use.
    tp.epochs.setValue(1)
    assert tp.more_button.isEnabled() and window.more_action.isEnabled()
    with qtbot.waitSignal(tp.training_finished, timeout=LONG) as more:
        assert tp.train_more()
        assert not tp.more_button.isEnabled() and not tp.train_more()  # one run at a time
        assert "1 more epoch of file tiny.keras with its own settings (batch size" in tp.status.text()
    further = more.args[0]
    assert further.status == "done", further.message
    run = window.state.runs[-1]
    assert [e["epoch"] for e in run.epochs] == [1, 2, 3] and run.label.endswith("(more of file tiny.keras)")
    assert window.state.model is further.model and further.model.meta["epochs_completed"] == 3
    assert int(np.asarray(further.model.optimizer.iterations)) == 3 * run.batches_per_epoch  # its optimizer went on
    assert len(tp.plots.epochs) == 3 and len(tp.plots.losses) == len(run.batch_loss) == 3 * run.batches_per_epoch
    assert run.checkpoint != path and window.state.model_path == run.checkpoint  # the opened file is not written
    assert tp.more_button.isEnabled()  # and the new model may go on again


def test_stop_keeps_usable_model_and_close_leaves_no_thread(qtbot, window, messages):
    load_tiny(qtbot, window)
    tiny_settings(window, "feedback", epochs=1000, batch=16, max_batches=3)
    tp = window.train_panel
    tp.tensorboard.setChecked(True)
    assert tp.start()
    qtbot.waitUntil(lambda: len(tp.run.epochs) >= 1, timeout=LONG)
    log = tp.tensorboard_log
    assert log and log.endswith(f"run-{tp.run.number}") and "tensorboard" in log
    thread = tp.runner.thread
    child = tp.runner.worker.process
    checkpoint = tp.run.checkpoint
    messages.clear()
    window.close()  # asks (answered yes by the hook), stops, joins
    assert messages and messages[0][0] == "question"
    assert thread.isFinished() and not thread.isRunning()
    import os

    assert os.path.exists(checkpoint)
    names = [t.name for t in threading.enumerate()]
    assert "playground-train" not in names
    assert not child.is_alive() and child.exitcode == 0  # the training process ended cleanly
    events = list(Path(log).glob("events.out.tfevents.*"))  # the ticked box wrote the run's log
    assert len(events) == 1 and events[0].stat().st_size > 0


def test_stop_button(qtbot, window):
    load_tiny(qtbot, window)
    tiny_settings(window, "basic", epochs=1000, batch=16)
    tp = window.train_panel
    assert tp.start()
    qtbot.waitUntil(lambda: len(tp.plots.losses) > 0 or bool(tp.runner.worker._batches), timeout=LONG)
    with qtbot.waitSignal(tp.training_finished, timeout=LONG) as finished:
        tp.stop_button.click()
    assert finished.args[0].status == "stopped"
    assert window.state.model is not None  # usable at once
    assert tp.train_button.isEnabled() and not tp.stop_button.isEnabled()
    assert window.translate_panel.input.isEnabled()


def test_bad_data_file_gives_message_and_keeps_state(qtbot, window, messages, tmp_path):
    load_tiny(qtbot, window)
    corpus = window.state.corpus
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    with qtbot.waitSignal(window.data_panel.load_failed, timeout=LONG):
        window.data_panel.open_path(str(bad))
    assert messages[-1][0] == "error" and "empty.txt" in messages[-1][2]
    assert window.state.corpus is corpus


def test_train_without_data_explains(qtbot, window, messages):
    assert window.state.corpus is None
    assert window.train_panel.start() is False
    assert messages[-1][0] == "error"
