"""Live training plots: each PlotDataItem is created once and fed growing arrays.

:class:`TrainingPlots` keeps the numbers in Python lists (cheap appends) and copies them
into the curves only when :meth:`refresh` is called by the train panel's throttled timer.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

pg.setConfigOptions(antialias=False, background="w", foreground="k")

SMOOTHING = 0.9  # exponential moving average weight for the smoothed loss


def smooth(values, weight: float = SMOOTHING) -> np.ndarray:
    """Bias-corrected exponential moving average (TensorBoard-style)."""
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    last, norm = 0.0, 0.0
    for i, v in enumerate(values):
        last = weight * last + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out[i] = last / norm
    return out


class EpochAxis(pg.AxisItem):
    """An epoch axis: whole-number ticks only (1, 2, 3 … or 1, 5, 10 … when zoomed out), never 0.

    Curves may still be plotted at fractional epochs (batch-level loss); only the tick
    positions and labels are integers ≥ 1. No SI-prefix scaling ("x0.001", "k") is applied.
    """

    MIN_TICK_PIXELS = 40.0  # closest two labelled epochs may be

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    @classmethod
    def step_for(cls, pixels_per_epoch: float) -> int:
        """The smallest 1-2-5 × 10ⁿ epoch step whose ticks are at least MIN_TICK_PIXELS apart."""
        step, factors = 1, (2, 2.5, 2)  # 1, 2, 5, 10, 20, 50, 100 …
        i = 0
        while step * pixels_per_epoch < cls.MIN_TICK_PIXELS and step < 10**9:
            step = int(step * factors[i % 3])
            i += 1
        return step

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph API)
        low, high = sorted((float(minVal), float(maxVal)))
        if not (math.isfinite(low) and math.isfinite(high)):
            return []
        first, last = max(1, math.ceil(low - 1e-9)), math.floor(high + 1e-9)
        if last < first:
            return []
        span = max(high - low, 1e-9)
        step = self.step_for(size / span if size > 0 else self.MIN_TICK_PIXELS)
        if step <= 2:  # 1, 2, 3 … or 1, 3, 5 …
            start = first + (1 - first) % step
            values = list(range(start, last + 1, step))
        else:  # 1, then the round multiples: 1, 5, 10, 15 … / 1, 10, 20 …
            start = max(step, math.ceil(first / step) * step)
            values = ([1] if first <= 1 else []) + list(range(start, last + 1, step))
        return [(float(step), [float(v) for v in values])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        return [str(int(round(v))) for v in values]


def integer_epoch_axis(plot, label: str = "epoch") -> EpochAxis:
    """Gives a PlotWidget / PlotItem an :class:`EpochAxis` at the bottom, labelled ``label``."""
    plot_item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    axis = EpochAxis("bottom")
    plot_item.setAxisItems({"bottom": axis})
    plot_item.setLabel("bottom", label)
    plot_item.updateGrid()  # a grid switched on earlier applies to the new axis too
    return axis


def _live(plot_item) -> None:
    plot_item.setDownsampling(mode="peak")
    plot_item.setClipToView(True)


class TrainingPlots(QWidget):
    """Loss per batch (raw + smoothed) with val loss per epoch; accuracy and exact match."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(title="Loss")
        self.loss_plot.setLabel("bottom", "batch")
        self.loss_plot.setLabel("left", "cross-entropy")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.25)
        self.loss_plot.addLegend(offset=(-10, 10))
        self.loss_plot.setToolTip("Training loss per batch (raw and smoothed) and validation loss per epoch")
        self.metric_plot = pg.PlotWidget(title="Accuracy")
        integer_epoch_axis(self.metric_plot)
        self.metric_plot.setYRange(0, 1)
        self.metric_plot.showGrid(x=True, y=True, alpha=0.25)
        self.metric_plot.addLegend(offset=(-10, -10))
        self.metric_plot.setToolTip("Token accuracy (train, validation) and exact match per epoch")
        for widget in (self.loss_plot, self.metric_plot):
            _live(widget.getPlotItem())
        self.raw = self.loss_plot.plot(name="batch", pen=pg.mkPen((31, 119, 180, 90), width=1))
        self.smoothed = self.loss_plot.plot(name="smoothed", pen=pg.mkPen("#1f77b4", width=2))
        self.val = self.loss_plot.plot(name="val (epoch)", pen=pg.mkPen("#d62728", width=2), symbol="o",
                                       symbolSize=7, symbolBrush="#d62728")
        self.train_acc = self.metric_plot.plot(name="train token acc", pen=pg.mkPen("#1f77b4", width=2),
                                               symbol="o", symbolSize=6, symbolBrush="#1f77b4")
        self.val_acc = self.metric_plot.plot(name="val token acc", pen=pg.mkPen("#d62728", width=2), symbol="s",
                                             symbolSize=6, symbolBrush="#d62728")
        self.exact = self.metric_plot.plot(name="val exact match", pen=pg.mkPen("#2ca02c", width=2), symbol="t",
                                           symbolSize=7, symbolBrush="#2ca02c")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.metric_plot, 2)
        self.reset()

    def reset(self, batches_per_epoch: int = 1, batch_loss=(), epochs=()) -> None:
        self.batches_per_epoch = max(1, batches_per_epoch)
        if getattr(self, "failure_mark", None) is not None:
            self.loss_plot.removeItem(self.failure_mark)
        self.failure_mark = None
        self.losses: list[float] = list(batch_loss)
        self.epochs: list[dict] = list(epochs)
        self._smoothed = smooth(self.losses) if self.losses else np.zeros(0)
        self._ema = (0.0, 0.0)
        if self.losses:
            last, norm = 0.0, 0.0
            for v in self.losses:
                last, norm = SMOOTHING * last + (1 - SMOOTHING) * v, SMOOTHING * norm + (1 - SMOOTHING)
            self._ema = (last, norm)
        self._smoothed_list = list(self._smoothed)
        self.dirty = True
        self.refresh()

    def add_losses(self, losses) -> None:
        last, norm = self._ema
        for v in losses:
            self.losses.append(v)
            last, norm = SMOOTHING * last + (1 - SMOOTHING) * v, SMOOTHING * norm + (1 - SMOOTHING)
            self._smoothed_list.append(last / norm)
        self._ema = (last, norm)
        self.dirty = self.dirty or bool(losses)

    def mark_failure(self, loss: float) -> None:
        """A red line where the run's next batch failed: its loss (nan, inf, or huge) is no
        point on the curve, but the user should see where and why the curve ends."""
        if self.failure_mark is not None:
            self.loss_plot.removeItem(self.failure_mark)
        what = f"diverged: loss {loss:.3g}" if math.isfinite(loss) else f"loss became {loss}"
        self.failure_mark = pg.InfiniteLine(
            pos=len(self.losses) + 1, angle=90, pen=pg.mkPen("#d62728", width=2, style=Qt.PenStyle.DashLine),
            # Half-way up, left of the line: the legend holds the top right corner.
            label=what, labelOpts={"position": 0.5, "color": "#d62728", "anchors": [(1, 0.5), (1, 0.5)],
                                   "fill": (255, 255, 255, 220)})
        self.loss_plot.addItem(self.failure_mark)

    def add_epoch(self, record: dict) -> None:
        self.epochs.append(record)
        self.dirty = True

    def point_count(self) -> int:
        return len(self.raw.getData()[0] if self.raw.getData()[0] is not None else [])

    def refresh(self) -> bool:
        """Copies new numbers into the curves; → whether anything changed."""
        if not self.dirty:
            return False
        self.dirty = False
        x = np.arange(1, len(self.losses) + 1)
        self.raw.setData(x, np.asarray(self.losses, dtype=float))
        self.smoothed.setData(x, np.asarray(self._smoothed_list, dtype=float))
        epochs_x = np.array([r["epoch"] for r in self.epochs], dtype=float)

        def column(key):
            pairs = [(e, r[key]) for e, r in zip(epochs_x, self.epochs) if r.get(key) is not None]
            return (np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs], dtype=float))

        val_x, val_y = column("val_loss")
        self.val.setData(val_x * self.batches_per_epoch, val_y)
        for curve, key in ((self.train_acc, "train_token_accuracy"), (self.val_acc, "val_token_accuracy"),
                           (self.exact, "val_exact_match")):
            curve.setData(*column(key))
        return True

    def export_png(self, path_stem: str) -> list[str]:
        """Writes ``<stem>-loss.png`` and ``<stem>-accuracy.png``."""
        from pyqtgraph.exporters import ImageExporter

        written = []
        for widget, suffix in ((self.loss_plot, "loss"), (self.metric_plot, "accuracy")):
            path = f"{path_stem}-{suffix}.png"
            exporter = ImageExporter(widget.getPlotItem())
            exporter.parameters()["width"] = max(800, widget.width())
            exporter.export(path)
            written.append(path)
        return written


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    plots = TrainingPlots()
    rng = np.random.default_rng(0)
    plots.reset(50)
    plots.add_losses(list(2.5 * np.exp(-np.arange(300) / 80) + rng.normal(0, 0.1, 300)))
    for e in range(1, 7):
        plots.add_epoch({"epoch": e, "val_loss": 2.4 * np.exp(-e * 50 / 80), "train_token_accuracy": 1 - 0.8 ** e,
                         "val_token_accuracy": 1 - 0.82 ** e, "val_exact_match": 1 - 0.9 ** e})
    plots.refresh()
    plots.resize(1000, 350)
    plots.show()
    app.exec()
