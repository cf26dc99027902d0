"""Settings: versioned JSON under PLAYGROUND_CONFIG_DIR, migration, damaged files, restore."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")

from playground.ui import settings as settings_mod  # noqa: E402
from playground.ui.settings import VERSION, Settings, migrate  # noqa: E402


def test_defaults_and_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path))
    s = Settings()
    assert s.path.parent == tmp_path
    assert s["data"]["source"] == "digits:reverse"
    s["data"] = {"source": "dates:iso", "options": {"level": "char", "seed": 3}}
    s.add_recent("recent_files", "/a.txt")
    s.add_recent("recent_files", "/b.txt")
    s.add_recent("recent_files", "/a.txt")
    s.save()
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["version"] == VERSION
    again = Settings()
    assert again["data"]["source"] == "dates:iso"
    assert again["recent_files"] == ["/a.txt", "/b.txt"]


def test_migrates_version_1(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps(
        {"version": 1, "dataset": "digits:sort", "data_options": {"seed": 5}, "recent": ["/x.txt"]}))
    s = Settings(tmp_path)
    assert s["version"] == VERSION
    assert s["data"] == {"source": "digits:sort", "options": {"seed": 5}}
    assert s["recent_files"] == ["/x.txt"]
    assert migrate({"version": 1})["data"]["source"] == "digits:reverse"


def test_damaged_file_is_set_aside(tmp_path):
    (tmp_path / "settings.json").write_text("{not json")
    s = Settings(tmp_path)
    assert s["data"]["source"] == settings_mod.DEFAULTS["data"]["source"]
    assert (tmp_path / "settings.json.bad").exists()


def test_newer_version_is_left_alone(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"version": VERSION + 5, "data": {"source": "x"}}))
    assert Settings(tmp_path)["data"]["source"] == "digits:reverse"


def test_window_restores_settings(qtbot, tmp_path, monkeypatch):
    from playground.ui import dialogs
    from playground.ui.main_window import MainWindow

    monkeypatch.setattr(dialogs, "HOOK", lambda *a: True)
    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path))
    win = MainWindow(Settings(), autoload=False)
    qtbot.addWidget(win)
    win.data_panel.set_source("dates:iso")
    win.data_panel.seed.setValue(7)
    win.model_panel.mode.setCurrentText("peek")
    win.model_panel.units.setValue(48)
    win.train_panel.epochs.setValue(3)
    win.tabs.setCurrentIndex(2)
    win.close()
    win2 = MainWindow(Settings(), autoload=False)
    qtbot.addWidget(win2)
    assert win2.data_panel.current_source() == "dates:iso"
    assert win2.data_panel.seed.value() == 7
    assert win2.model_panel.model_config().mode == "peek"
    assert win2.model_panel.units.value() == 48
    assert win2.train_panel.epochs.value() == 3
    assert win2.tabs.currentIndex() == 2
