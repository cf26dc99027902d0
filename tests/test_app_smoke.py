"""The real entry point starts headless, paints, and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_main_py_paints_and_quits(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PLAYGROUND_CONFIG_DIR=str(tmp_path),
               PLAYGROUND_REPORT_FIRST_PAINT="1", PLAYGROUND_QUIT_AFTER_PAINT="1")
    proc = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert any(line.startswith("first-paint ") for line in proc.stdout.splitlines())
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "settings.json").exists()  # settings saved on close, in the redirected dir


def test_tensorflow_is_not_imported_before_the_window(tmp_path):
    code = ("import sys, os; os.environ['QT_QPA_PLATFORM']='offscreen';"
            "from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from playground.ui.main_window import MainWindow; from playground.ui.settings import Settings;"
            "w = MainWindow(Settings(), autoload=False); w.show(); app.processEvents();"
            "print('tensorflow' in sys.modules)")
    env = dict(os.environ, PLAYGROUND_CONFIG_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
