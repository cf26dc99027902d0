"""Runs of this session: pick several to overlay their curves and compare final metrics."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from playground.ui.plots import integer_epoch_axis, smooth

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
METRICS = ("status", "epochs", "train_loss", "val_loss", "val_token_accuracy", "val_exact_match", "parameters",
           "seconds")


class RunsPanel(QWidget):
    use_run = Signal(object)  # Run whose model the user wants to use

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.list = QListWidget()
        self.list.setToolTip("Check runs to overlay their curves and compare them")
        self.list.itemChanged.connect(lambda _: self.refresh_plots())
        self.use_button = QPushButton("Use selected model")
        self.use_button.setToolTip("Make the highlighted run's model the current one (Translate / Generate / Save)")
        self.use_button.clicked.connect(self._use)
        self.loss_plot = pg.PlotWidget(title="Training loss (smoothed) per epoch fraction")
        integer_epoch_axis(self.loss_plot)
        self.loss_plot.addLegend(offset=(-10, 10))
        self.loss_plot.showGrid(x=True, y=True, alpha=0.25)
        self.loss_plot.setToolTip("Smoothed training loss (thin) and validation loss (thick, dots) of each run")
        self.acc_plot = pg.PlotWidget(title="Validation exact match")
        integer_epoch_axis(self.acc_plot)
        self.acc_plot.setYRange(0, 1)
        self.acc_plot.showGrid(x=True, y=True, alpha=0.25)
        self.acc_plot.setToolTip("Whole-sequence exact match on validation items per epoch")
        for w in (self.loss_plot, self.acc_plot):
            w.getPlotItem().setDownsampling(mode="peak")
            w.getPlotItem().setClipToView(True)
        self.table = QTableWidget(0, len(METRICS) + 1)
        self.table.setHorizontalHeaderLabels(["run", *METRICS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Final metrics of the checked runs")

        left = QVBoxLayout()
        left.addWidget(QLabel("Runs (check to compare)"))
        left.addWidget(self.list, 1)
        left.addWidget(self.use_button)
        left_w = QWidget()
        left_w.setLayout(left)
        left_w.setMaximumWidth(330)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.acc_plot)
        plots_w = QWidget()
        plots_w.setLayout(plots)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(plots_w)
        right.addWidget(self.table)
        right.setSizes([380, 180])
        row = QHBoxLayout(self)
        row.addWidget(left_w)
        row.addWidget(right, 1)
        state.runs_changed.connect(self.refresh)
        self.refresh()

    def checked_runs(self):
        runs = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                runs.append(self.state.runs[item.data(Qt.ItemDataRole.UserRole)])
        return runs

    def refresh(self):
        checked = {r.number for r in self.checked_runs()}
        self.list.blockSignals(True)
        self.list.clear()
        for index, run in enumerate(self.state.runs):
            item = QListWidgetItem(f"{run.label} [{run.status}]")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            new = run.number not in checked and index == len(self.state.runs) - 1
            item.setCheckState(Qt.CheckState.Checked if run.number in checked or new else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.refresh_plots()

    def refresh_plots(self):
        self.loss_plot.clear()
        self.acc_plot.clear()
        runs = self.checked_runs()
        for i, run in enumerate(runs):
            color = COLORS[run.number % len(COLORS)]
            if run.batch_loss:
                x = np.arange(1, len(run.batch_loss) + 1) / max(run.batches_per_epoch, 1)
                self.loss_plot.plot(x, smooth(run.batch_loss), pen=pg.mkPen(color, width=1), name=f"#{run.number}")
            epochs = [e for e in run.epochs if e.get("val_loss") is not None]
            if epochs:
                self.loss_plot.plot([e["epoch"] for e in epochs], [e["val_loss"] for e in epochs],
                                    pen=pg.mkPen(color, width=3), symbol="o", symbolBrush=color, symbolSize=6)
            exact = [e for e in run.epochs if e.get("val_exact_match") is not None]
            if exact:
                self.acc_plot.plot([e["epoch"] for e in exact], [e["val_exact_match"] for e in exact],
                                   pen=pg.mkPen(color, width=2), symbol="o", symbolBrush=color, symbolSize=6)
        self.table.setRowCount(len(runs))
        for r, run in enumerate(runs):
            metrics = {"status": run.status, **run.final_metrics()}
            self.table.setItem(r, 0, QTableWidgetItem(run.label))
            for c, key in enumerate(METRICS, 1):
                value = metrics.get(key)
                text = "–" if value is None else (f"{value:.4f}" if isinstance(value, float) else f"{value:,}"
                                                  if isinstance(value, int) else str(value))
                self.table.setItem(r, c, QTableWidgetItem(text))

    def _use(self):
        item = self.list.currentItem()
        if item is None:
            return
        run = self.state.runs[item.data(Qt.ItemDataRole.UserRole)]
        if run.model is not None:
            self.state.set_model(run.model, run.checkpoint)
            self.use_run.emit(run)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.ui.state import AppState

    app = QApplication([])
    state = AppState()
    rng = np.random.default_rng(0)
    for mode, rate in (("basic", 150), ("attention", 60)):
        run = state.new_run(source="digits:reverse", model_config={"mode": mode, "cell": "lstm", "units": 64},
                            train_config={})
        run.batches_per_epoch = 50
        run.batch_loss = list(2.5 * np.exp(-np.arange(300) / rate) + rng.normal(0, 0.05, 300))
        run.epochs = [{"epoch": e, "val_loss": 2.5 * np.exp(-e * 50 / rate), "val_exact_match": 1 - np.exp(-e * 40 / rate)}
                      for e in range(1, 7)]
        run.status = "done"
    state.runs_changed.emit()
    panel = RunsPanel(state)
    panel.resize(1100, 600)
    panel.show()
    app.exec()
