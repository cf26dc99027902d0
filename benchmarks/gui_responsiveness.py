"""Event-loop lateness and plot refresh rate while the app trains on the CPU.

    python benchmarks/gui_responsiveness.py [--seconds 30] [--units 64]

Drives the real main window (offscreen unless QT_QPA_PLATFORM says otherwise): loads
digits:reverse, starts training, and for ``--seconds`` measures how late a 20 ms QTimer
fires (worst and 99th percentile) and how often the live plots are refreshed. The same
timer measured for 3 s with no training is the baseline; the hand-over after Stop (the
child process saves the model, the app loads it) is measured too. While training, 20 inputs
are typed into Translate (a small model trained first is in use) and the time from the
last keystroke to the translation shown is measured (the 250 ms debounce included).
Goals: worst lateness ≤ 100 ms, ≥ 5 plot refreshes per second, decode latency while
training median ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TICK_MS = 20


class LatenessProbe:
    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.samples: list[float] = []
        self.times: list[float] = []
        self.stalls: list[tuple[float, float]] = []
        self.last = None

    def start(self):
        self.samples.clear()
        self.times.clear()
        self.stalls = []
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self):
        self.timer.stop()

    def _tick(self):
        now = time.perf_counter()
        late = max(0.0, (now - self.last) * 1000 - TICK_MS)
        self.samples.append(late)
        self.times.append(now)
        if late > 100:
            self.stalls.append((now, late))
        self.last = now

    def summary(self, outside: tuple[float, float] | None = None) -> tuple[float, float]:
        """(worst, p99) lateness in ms; ``outside`` = a (begin, end) interval left out."""
        import numpy as np

        values = [v for t, v in zip(self.times, self.samples) if outside is None or not outside[0] <= t <= outside[1]]
        values = np.array(values or [0.0])
        return float(values.max()), float(np.percentile(values, 99))


def run_for(app, seconds, until=None):
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.001)


def type_while_training(app, win, count: int) -> list[float]:
    """Types ``count`` inputs into Translate, one at a time → ms from the last keystroke until
    that input's translation is shown (None-free: an input not shown in 30 s counts 30,000)."""
    import numpy as np

    panel = win.translate_panel
    shown = []
    panel.translated.connect(lambda t: shown.append((time.perf_counter(), "".join(t.source_tokens))))
    rng = np.random.default_rng(0)
    latencies = []
    for _ in range(count):
        text = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(4, 9))))
        began = time.perf_counter()
        panel.input.setText(text)
        run_for(app, 30, until=lambda: bool(shown) and shown[-1][1] == text)
        latencies.append(((shown[-1][0] if shown and shown[-1][1] == text else time.perf_counter()) - began) * 1000)
        run_for(app, 0.5)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--units", type=int, default=64)
    args = parser.parse_args()
    os.environ.setdefault("PLAYGROUND_CONFIG_DIR", tempfile.mkdtemp(prefix="playground-bench-"))
    os.environ.setdefault("PLAYGROUND_DATA_DIR", os.environ["PLAYGROUND_CONFIG_DIR"])
    sys.setswitchinterval(0.002)  # as the app does

    from PySide6.QtWidgets import QApplication

    from playground.ui import dialogs
    from playground.ui.main_window import MainWindow
    from playground.ui.settings import Settings
    from playground.ui.workers import ensure_tensorflow

    dialogs.HOOK = lambda kind, title, text: print(f"[{kind}] {title}: {text}") or True
    app = QApplication.instance() or QApplication([])
    win = MainWindow(Settings(), autoload=False)
    win.resize(1200, 780)
    win.show()
    win.state.set_device(ensure_tensorflow())
    win.data_panel.set_source("digits:reverse")
    win.data_panel.load()
    run_for(app, 60, until=lambda: win.state.corpus is not None)

    probe = LatenessProbe()
    probe.start()
    run_for(app, 3.0)
    probe.stop()
    idle_worst, idle_p99 = probe.summary()

    # A model to translate with while the next one trains (trained here, in the app process).
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    small = Trainer(win.state.corpus, ModelConfig(mode="attention", units=32, embedding_dim=16),
                    TrainConfig(epochs=1, batch_size=64, learning_rate=1e-2, device="cpu")).run().model
    win.state.set_model(small, None, name="benchmark model")

    win.model_panel.mode.setCurrentText("attention")
    win.model_panel.units.setValue(args.units)
    tp = win.train_panel
    tp.epochs.setValue(1000)
    tp.batch_size.setValue(64)
    tp.device.setCurrentText("cpu")
    refreshes, ticks = [], []
    tp.plots_refreshed.connect(lambda: refreshes.append(time.perf_counter()))
    tp.timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    probe.start()
    t0 = time.perf_counter()
    gui_cpu0 = time.thread_time()
    tp.start()
    run_for(app, min(args.seconds / 2, 15), until=lambda: bool(refreshes))  # training under way
    typing = (time.perf_counter(), None)
    decode_ms = type_while_training(app, win, 20)
    typing = (typing[0], time.perf_counter())
    run_for(app, max(args.seconds - (time.perf_counter() - t0), 0))
    probe.stop()
    t1 = time.perf_counter()
    gui_cpu = time.thread_time() - gui_cpu0
    worst, p99 = probe.summary()
    plain_worst, plain_p99 = probe.summary(outside=typing)
    training_stalls = list(probe.stalls)
    batches = len(tp.plots.losses) + len(tp.runner.worker._batches) if tp.runner else len(tp.plots.losses)
    first_batch = refreshes[0] if refreshes else t1
    # Refresh rate while points arrive: intervals between consecutive refreshes that drew new
    # points, leaving out pauses > 1 s (the trainer's end-of-epoch validation: nothing new to draw).
    gaps = [b - a for a, b in zip(refreshes, refreshes[1:]) if b - a < 1.0]
    live_seconds = max(sum(gaps), 1e-6)
    rate = len(gaps) / live_seconds if gaps else 0.0
    finished = []
    tp.training_finished.connect(finished.append)
    probe.start()
    t_stop = time.perf_counter()
    tp.stop()
    run_for(app, 120, until=lambda: bool(finished))
    probe.stop()
    handover_seconds = time.perf_counter() - t_stop
    handover_worst, handover_p99 = probe.summary()
    status = finished[0].status if finished else "not finished"
    tp.shutdown()
    if os.environ.get("PLAYGROUND_BENCH_VERBOSE"):
        for when, late in training_stalls + probe.stalls:
            print(f"  stall at +{when - t0:.2f} s: {late:.0f} ms")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"platform {os.environ['QT_QPA_PLATFORM']}, {os.cpu_count()} CPUs, load average {load:.1f}, "
          f"attention LSTM {args.units} units, batch 64")
    print(f"idle baseline (3 s): worst timer lateness {idle_worst:.1f} ms, p99 {idle_p99:.1f} ms")
    print(f"training ({t1 - t0:.1f} s, {batches} batches, first batch after {first_batch - t0:.1f} s): "
          f"worst timer lateness {worst:.1f} ms, p99 {p99:.1f} ms; leaving out the {typing[1] - typing[0]:.0f} s "
          f"of typing into Translate: worst {plain_worst:.1f} ms, p99 {plain_p99:.1f} ms")
    tick_rate = len([t for t in ticks if t >= first_batch]) / max(t1 - first_batch, 1e-6)
    print(f"plot refreshes while batches arrive: {rate:.1f} per second with new points "
          f"({len(refreshes)} refreshes, {live_seconds:.1f} s of streaming batches; "
          f"refresh timer fired {tick_rate:.1f} per second)")
    print(f"stop and hand-over ({handover_seconds:.1f} s, status {status}): worst timer lateness "
          f"{handover_worst:.1f} ms, p99 {handover_p99:.1f} ms")
    print(f"GUI thread CPU time: {gui_cpu:.2f} s in {t1 - t0:.1f} s ({100 * gui_cpu / (t1 - t0):.0f}% of one core; "
          "includes this probe and offscreen rendering)")
    import numpy as np

    median = float(np.median(decode_ms)) if decode_ms else float("nan")
    print(f"decode latency in Translate while training (20 typed inputs, keystroke → shown, 250 ms debounce "
          f"included): median {median:.0f} ms, worst {max(decode_ms, default=float('nan')):.0f} ms")
    print(f"goals: lateness <= 100 ms while training {'met' if worst <= 100 else 'NOT met'}; "
          f">= 5 refreshes/s {'met' if rate >= 5 else 'NOT met'}; "
          f"decode median <= 300 ms {'met' if median <= 300 else 'NOT met'}")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
