"""PySide6 6.12 on CPython 3.11 drops a reference to None on every void call; the app
must survive far more calls than None has references."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import playground.ui
from PySide6.QtCore import QObject, Signal
class O(QObject):
    sig = Signal(bool)
o = O()
o.sig.connect(lambda v: None)
for i in range(200_000):
    o.setObjectName("x")
    o.sig.emit(True)
import gc; gc.collect()
print("ok")
"""


def test_many_void_calls_do_not_abort():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"
