"""Runs (this session's and earlier ones'): pick several to overlay their curves and compare
final and test-split metrics; see a run's test mistakes; use or delete a run. The run that
is training updates live."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from playground.ui import dialogs
from playground.ui.workers import run_job

from playground.training.events import clock
from playground.ui.plots import integer_epoch_axis, smooth

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
METRICS = ("status", "epochs", "train_loss", "val_loss", "val_exact_match", "test_exact_match",
           "test_token_accuracy", "test_chrf", "test_bleu", "test_perplexity", "parameters", "time")
# Column headings as a reader says them (the metric keys in their tooltips).
HEADINGS = {"status": "status", "epochs": "epochs", "train_loss": "train\nloss", "val_loss": "val\nloss",
            "val_exact_match": "val\nexact", "test_exact_match": "test\nexact", "test_token_accuracy": "test\ntokens",
            "test_chrf": "test\nchrF", "test_bleu": "test\nBLEU", "test_perplexity": "test\nperplexity",
            "parameters": "params", "time": "time"}  # two lines each: narrow columns
RUN_COLUMN_MAX_WIDTH = 180
LIVE_REFRESH_MS = 500  # the training run's curve in this view, at most twice a second


def duration(seconds) -> str:
    """1:05 (m:ss) or 1:02:03 (h:mm:ss)."""
    return clock(max(0.0, float(seconds or 0)))


class RunsPanel(QWidget):
    use_run = Signal(object)  # Run whose model the user wants to use

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.list = QListWidget()
        self.list.setToolTip("Check runs to overlay their curves and compare them")
        self.list.itemChanged.connect(lambda _: self.refresh_plots())
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.use_button = QPushButton("Use selected model")
        self.use_button.setToolTip("Make the highlighted run's model the current one (Translate / Generate / Save)")
        self.use_button.clicked.connect(self._use)
        self.delete_button = QPushButton("Delete run")
        self.delete_button.setToolTip("Forget the highlighted run and delete the model file the app made for it "
                                      "(a model you opened from a file is not deleted)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.loss_plot = pg.PlotWidget(title="Training loss (smoothed)")
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
        self.table.setHorizontalHeaderLabels(["run", *(HEADINGS[key] for key in METRICS)])
        for column, key in enumerate(METRICS, 1):
            self.table.horizontalHeaderItem(column).setToolTip(key)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # A long run label is cut (its tooltip has it whole) rather than pushing the metrics off screen.
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Final metrics of the checked runs; test … are scores on the held-out test split")
        self.mistakes = QTableWidget(0, 3)
        self.mistakes.setHorizontalHeaderLabels(["Input", "Expected", "Produced"])
        self.mistakes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mistakes.setToolTip("Test items the highlighted run's model got wrong")
        self.lower = QTabWidget()
        self.lower.addTab(self.table, "Metrics")
        self.lower.addTab(self.mistakes, "Mistakes of the highlighted run")

        left = QVBoxLayout()
        left.addWidget(QLabel("Runs (check to compare)"))
        left.addWidget(self.list, 1)
        left.addWidget(self.use_button)
        left.addWidget(self.delete_button)
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
        right.addWidget(self.lower)
        right.setSizes([380, 180])
        row = QHBoxLayout(self)
        row.addWidget(left_w)
        row.addWidget(right, 1)
        state.runs_changed.connect(self.refresh)
        state.run_updated.connect(self._run_updated)
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_REFRESH_MS)
        self._live.timeout.connect(self.refresh_plots)
        self.refresh()

    def _run_updated(self, run):
        """A training run moved on: its curve and row follow (throttled, and only while this
        view is on screen: redrawing hidden curves would cost the event loop for nothing)."""
        if not self.isVisible():
            self._stale = True
            return
        if run in self.checked_runs() and not self._live.isActive():
            self._live.start()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._stale = False
            self.refresh_plots()

    def _run(self, number):
        """The run with this number (list items hold numbers: indices change when runs go)."""
        return next((run for run in self.state.runs if run.number == number), None)

    def checked_runs(self):
        runs = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            run = self._run(item.data(Qt.ItemDataRole.UserRole))
            if item.checkState() == Qt.CheckState.Checked and run is not None:
                runs.append(run)
        return runs

    def refresh(self):
        checked = {r.number for r in self.checked_runs()}
        selected = self.selected_run()
        self.list.blockSignals(True)
        self.list.clear()
        for index, run in enumerate(self.state.runs):
            item = QListWidgetItem(f"[{run.status}] {run.label}")  # the status first: a long label is cut at its end
            item.setToolTip(f"{run.label} — {run.status}")
            item.setData(Qt.ItemDataRole.UserRole, run.number)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            new = run.number not in checked and index == len(self.state.runs) - 1
            item.setCheckState(Qt.CheckState.Checked if run.number in checked or new else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            if selected is not None and run is selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.refresh_plots()
        self._show_selected()

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
            label = QTableWidgetItem(run.label)
            label.setToolTip(run.label)
            self.table.setItem(r, 0, label)
            for c, key in enumerate(METRICS, 1):
                value = metrics.get(key)
                if key == "time" and value is not None:
                    text = duration(value)
                elif value is None:
                    text = "–"
                elif isinstance(value, float):
                    text = f"{value:.1f}" if key in ("test_chrf", "test_bleu") else f"{value:.4f}"
                else:
                    text = f"{value:,}" if isinstance(value, int) else str(value)
                self.table.setItem(r, c, QTableWidgetItem(text))
        self._hide_empty_columns(runs)

    def _hide_empty_columns(self, runs):
        """A metric none of the checked runs has (perplexity for translation runs, BLEU for
        language models) takes no column: the table then fits a 1,024 px wide window."""
        for column, key in enumerate(METRICS, 1):
            empty = all(self.table.item(r, column).text() == "–" for r in range(len(runs)))
            self.table.setColumnHidden(column, bool(runs) and empty and key not in ("status", "epochs"))
        label_width = min(self.table.sizeHintForColumn(0), RUN_COLUMN_MAX_WIDTH)
        self.table.setColumnWidth(0, max(label_width, 60))

    def selected_run(self):
        item = self.list.currentItem()
        return None if item is None else self._run(item.data(Qt.ItemDataRole.UserRole))

    def _show_selected(self):
        run = self.selected_run()
        mistakes = run.mistakes if run is not None else []
        self.mistakes.setRowCount(len(mistakes))
        for r, row in enumerate(mistakes):
            for c, text in enumerate(row):
                self.mistakes.setItem(r, c, QTableWidgetItem(str(text)))
        label = f"Mistakes of run #{run.number} ({len(mistakes)})" if run is not None else "Mistakes"
        self.lower.setTabText(1, label)

    def _use(self):
        run = self.selected_run()
        if run is None or run.status == "running":
            return
        if run.model is not None:
            self.state.set_model(run.model, run.checkpoint, name=f"run #{run.number}")
            self.use_run.emit(run)
            return
        if not run.checkpoint:
            return

        def load():  # a run from an earlier session: its model loads from its file, off the GUI thread
            from playground.modelfile import load_model
            from playground.ui.workers import ensure_tensorflow

            ensure_tensorflow()
            return load_model(run.checkpoint, compile=False)

        def loaded(model):
            run.model = model
            self.state.set_model(model, run.checkpoint, name=f"run #{run.number}")
            self.use_run.emit(run)

        run_job(load, loaded, lambda message: dialogs.error(self, "Could not load the run's model", message))

    def delete_selected(self):
        run = self.selected_run()
        if run is None:
            return
        if run.status == "running":
            dialogs.error(self, "Still training", "This run is still training: stop it first.")
            return
        what = "and delete its model file" if run.owned else "(the model file you opened stays)"
        if not dialogs.question(self, "Delete run?", f"Forget run {run.label} {what}?"):
            return
        self.state.delete_run(run)


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
