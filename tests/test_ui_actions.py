"""Menus, shortcuts, tooltips, drag & drop of a data file, SavedModel export off the GUI thread."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDoubleSpinBox, QLineEdit, QPlainTextEdit,  # noqa: E402
                               QSpinBox)

from playground.ui import export_actions  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402
from playground.ui.settings import Settings  # noqa: E402
from playground.ui.workers import wait_jobs  # noqa: E402

LONG = 240_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, messages):
    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    win = MainWindow(Settings(), autoload=False)
    qtbot.addWidget(win)
    yield win
    wait_jobs(60)


def test_shortcuts(window):
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in window.findChildren(type(
        window.menuBar().actions()[0]))}
    assert shortcuts["Open model…"] == "Ctrl+O"
    assert shortcuts["Save model…"] == "Ctrl+S"
    assert shortcuts["Train"] == "Ctrl+T"
    assert shortcuts["Stop"] == "Ctrl+."
    assert shortcuts["Quit"] == "Ctrl+Q"
    assert shortcuts["Generate"] == "Ctrl+G"
    window.generate_action.trigger()  # no model yet: the Generate tab, nothing else
    assert window.tabs.currentWidget() is window.generate_panel


def test_a_new_model_in_use_leaves_the_runs_tab_where_it_is(window, tiny_model):
    window.tabs.setCurrentWidget(window.runs_panel)
    window.state.set_model(tiny_model, name="tiny")
    assert window.tabs.currentWidget() is window.runs_panel
    assert "Translate tab" in window.statusBar().currentMessage()
    window.tabs.setCurrentWidget(window.data_panel)
    window.state.set_model(tiny_model, name="tiny again")
    assert window.tabs.currentWidget() is window.translate_panel


def test_every_control_has_a_tooltip(window):
    kinds = (QAbstractButton, QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit, QPlainTextEdit)
    panels = [window.data_panel, window.model_panel, window.train_panel, window.runs_panel,
              window.translate_panel, window.generate_panel]
    missing = []
    for panel in panels:
        for name, value in vars(panel).items():
            if isinstance(value, kinds) and not value.toolTip():
                missing.append(f"{type(panel).__name__}.{name}")
        for button in panel.findChildren(QAbstractButton):
            if button.text() and not button.toolTip() and button.parent() is not None \
                    and "QTabBar" not in type(button.parent()).__name__:
                missing.append(f"{type(panel).__name__}: button {button.text()!r}")
    assert not missing, missing


def test_dropping_a_pairs_file_loads_it(qtbot, window, tmp_path):
    data = tmp_path / "pairs.tsv"
    data.write_text("hello\tbonjour\ncat\tchat\nno tab here\n" + "".join(f"w{i}\tm{i}\n" for i in range(40)),
                    encoding="utf-8")
    with qtbot.waitSignal(window.data_panel.corpus_loaded, timeout=LONG):
        window.open_dropped(str(data))
    corpus = window.state.corpus
    assert corpus.name == str(data)
    assert window.data_panel.skipped.rowCount() == 1
    assert window.data_panel.skipped.item(0, 0).text() == "3"
    assert str(data) in window.settings["recent_files"]


def test_export_savedmodel_in_the_background(qtbot, window, tiny_model, tmp_path):
    window.state.set_model(tiny_model)
    written = []
    export_actions.export_savedmodel(window, str(tmp_path / "saved"), on_done=written.append)
    assert not written  # returned at once; the export runs in a worker thread
    qtbot.waitUntil(lambda: bool(written), timeout=LONG)
    assert (tmp_path / "saved" / "saved_model.pb").exists()


def test_export_menu_writes_onnx_in_the_background(qtbot, window, tiny_model, tmp_path):
    pytest.importorskip("tf2onnx")
    window.state.set_model(tiny_model)
    titles = [action.text() for action in window.export_menu.actions()]
    assert titles == [title for title, _, _ in export_actions.EXPORTS.values()]
    written = []
    export_actions.export_model(window, "onnx", None, str(tmp_path / "onnx"), on_done=written.append)
    qtbot.waitUntil(lambda: bool(written), timeout=LONG)
    assert {"encoder.onnx", "decoder_step.onnx", "model.json"} <= {p.name for p in (tmp_path / "onnx").iterdir()}
    assert "ONNX" in window.statusBar().currentMessage()


def test_status_bar_shows_the_training_device(qtbot, window):
    assert window.device_label.text().startswith("Loading TensorFlow")
    window.start_tensorflow()
    qtbot.waitUntil(lambda: window.device_label.text().startswith("Device: "), timeout=LONG)
    from playground.backend.devices import describe_default_device

    assert window.device_label.text() == f"Device: {describe_default_device()}"
    assert "TensorFlow" in window.device_label.text()  # the backend in use is named
