"""Process start → first paint of the main window, against a bare PySide6 window.

    python benchmarks/startup.py [--runs 3]

Runs ``python main.py`` offscreen with PLAYGROUND_REPORT_FIRST_PAINT=1 and
PLAYGROUND_QUIT_AFTER_PAINT=1; the app prints ``first-paint <unix time>`` on its first
paint event. The baseline is a bare QWidget app measured the same way in the same run.
Goal: the window is visible < 1.5 s after launch (TensorFlow loads afterwards).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 1.5

BARE = """
import time
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QWidget
class W(QWidget):
    done = False
    def event(self, e):
        if not self.done and e.type() in (QEvent.Type.Paint, QEvent.Type.UpdateRequest):
            self.done = True
            print(f"first-paint {time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
        return super().event(e)
app = QApplication([])
w = W(); w.setWindowTitle("bare"); w.resize(400, 300); w.show()
app.exec()
"""


def measure(cmd, env) -> tuple[float, float]:
    """→ (wall seconds from process start to first paint, CPU seconds of the whole process)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out, err = proc.stdout, proc.stderr
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in out.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start, cpu
    raise RuntimeError(f"no first-paint line (exit {proc.returncode}): {err[-500:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, PLAYGROUND_REPORT_FIRST_PAINT="1", PLAYGROUND_QUIT_AFTER_PAINT="1",
               PLAYGROUND_CONFIG_DIR=tempfile.mkdtemp(prefix="playground-startup-"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    measure([sys.executable, "main.py"], env)  # warm the file cache
    app_runs = [measure([sys.executable, "main.py"], env) for _ in range(args.runs)]
    bare_runs = [measure([sys.executable, "-c", BARE], env) for _ in range(args.runs)]
    app_times, bare_times = [r[0] for r in app_runs], [r[0] for r in bare_runs]
    app_s, bare_s = statistics.median(app_times), statistics.median(bare_times)
    app_cpu, bare_cpu = statistics.median(r[1] for r in app_runs), statistics.median(r[1] for r in bare_runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"platform {env['QT_QPA_PLATFORM']}, {os.cpu_count()} CPUs, load average {load:.1f}")
    print(f"app: process start -> first paint: median {app_s:.3f} s  (runs: "
          f"{', '.join(f'{t:.3f}' for t in app_times)})")
    print(f"bare PySide6 window baseline:     median {bare_s:.3f} s  (runs: "
          f"{', '.join(f'{t:.3f}' for t in bare_times)})")
    print(f"CPU time of the whole process (start, paint, quit; independent of machine load): "
          f"app {app_cpu:.3f} s, bare {bare_cpu:.3f} s")
    print(f"ratio app / bare: {app_s / bare_s:.2f}x; goal < {GOAL_S} s: {'met' if app_s < GOAL_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
