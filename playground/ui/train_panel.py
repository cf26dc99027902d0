"""Train step: hyperparameters, Train / Pause / Resume / Stop, progress, live plots and
the model's outputs on a few validation items after each epoch.

Training runs in a child process, relayed by a :class:`~playground.ui.workers.TrainWorker`
on its own QThread; a throttled timer moves buffered batch events into the plots.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QProgressBar, QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from playground.config import DEVICES, OPTIMIZERS, TrainConfig
from playground.training.events import FAILED
from playground.training.session import TrainRequest
from playground.ui import dialogs
from playground.ui.plots import TrainingPlots
from playground.ui.workers import TrainRunner, TrainWorker

REFRESH_MS = 120  # plot refresh period while training (≈8 per second)


def checkpoint_dir() -> Path:
    """Per-run checkpoints: ``$PLAYGROUND_DATA_DIR/runs`` or a temp folder."""
    base = os.environ.get("PLAYGROUND_DATA_DIR") or os.path.join(tempfile.gettempdir(), "seq2seq-playground")
    path = Path(base) / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _eta(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


class TrainPanel(QWidget):
    training_started = Signal(object)  # Run
    training_finished = Signal(object)  # TrainResult
    epoch_finished = Signal(object)  # EpochEnd
    plots_refreshed = Signal()

    def __init__(self, state, model_config_fn=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.model_config_fn = model_config_fn
        self.runner: TrainRunner | None = None
        self.run = None
        self.refresh_count = 0

        self.epochs = self._spin(1, 100000, 10, "Passes over the training split")
        self.batch_size = self._spin(1, 65536, 64, "Examples per batch")
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 10.0)
        self.learning_rate.setSingleStep(1e-3)
        self.learning_rate.setValue(1e-3)
        self.learning_rate.setToolTip("Optimizer step size")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.setToolTip("Optimizer")
        self.clip_norm = QDoubleSpinBox()
        self.clip_norm.setRange(0, 100)
        self.clip_norm.setValue(1.0)
        self.clip_norm.setToolTip("Global gradient-norm clipping (0 disables)")
        self.label_smoothing = QDoubleSpinBox()
        self.label_smoothing.setRange(0, 0.5)
        self.label_smoothing.setSingleStep(0.05)
        self.label_smoothing.setToolTip("Cross-entropy label smoothing")
        self.early_stopping = self._spin(0, 1000, 0, "Stop after this many epochs without val-loss gain (0: off)")
        self.early_stopping.setSpecialValueText("off")
        self.max_batches = self._spin(0, 1_000_000, 0, "Cap batches per epoch (0: whole split), for quick demos")
        self.max_batches.setSpecialValueText("all")
        self.seed = self._spin(0, 2**31 - 1, 0, "Weight init, shuffling and dropout seed")
        self.device = QComboBox()
        self.device.addItems(list(DEVICES))
        self.device.setToolTip("auto: the GPU when there is one, else the CPU")

        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train a new model with these settings (Ctrl+T)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current batch")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue a paused run")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop now; the model trained so far stays usable (Ctrl+.)")
        self.train_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)

        self.progress = QProgressBar()
        self.progress.setToolTip("Batches done over the whole run")
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.status = QLabel("Press Train to start.")
        self.status.setToolTip("Epoch, batch, ETA and throughput")
        self.plots = TrainingPlots()
        self.samples = QTableWidget(0, 4)
        self.samples.setHorizontalHeaderLabels(["Epoch", "Input", "Expected", "Produced"])
        self.samples.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.samples.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.samples.setToolTip("The model's outputs for a few validation items after each epoch")

        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Clip norm", self.clip_norm)
        form.addRow("Label smoothing", self.label_smoothing)
        form.addRow("Early stopping", self.early_stopping)
        form.addRow("Batches/epoch", self.max_batches)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)
        box = QGroupBox("Hyperparameters")
        box.setLayout(form)
        box.setMaximumWidth(300)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(box)
        left.addLayout(buttons)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots)
        split.addWidget(self.samples)
        split.setSizes([380, 160])
        right.addWidget(split, 1)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(right, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._refresh)
        self._update_buttons()

    @staticmethod
    def _spin(low, high, value, tip):
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    # -- settings --------------------------------------------------------------------------

    def train_config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs.value(), batch_size=self.batch_size.value(),
                           learning_rate=self.learning_rate.value(), optimizer=self.optimizer.currentText(),
                           clip_norm=self.clip_norm.value(), label_smoothing=round(self.label_smoothing.value(), 4),
                           early_stopping=self.early_stopping.value(), seed=self.seed.value(),
                           device=self.device.currentText(), max_batches_per_epoch=self.max_batches.value())

    def set_train_config(self, values: dict) -> None:
        try:
            cfg = TrainConfig.from_dict(values)
        except (ValueError, TypeError):
            return
        self.epochs.setValue(cfg.epochs)
        self.batch_size.setValue(cfg.batch_size)
        self.learning_rate.setValue(cfg.learning_rate)
        self.optimizer.setCurrentText(cfg.optimizer)
        self.clip_norm.setValue(cfg.clip_norm)
        self.label_smoothing.setValue(cfg.label_smoothing)
        self.early_stopping.setValue(cfg.early_stopping)
        self.seed.setValue(cfg.seed)
        self.device.setCurrentText(cfg.device)
        self.max_batches.setValue(cfg.max_batches_per_epoch)

    # -- control ---------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self.runner is not None and self.runner.is_running()

    def is_paused(self) -> bool:
        return self.is_training() and self.runner.worker._pause_requested

    def _update_buttons(self):
        training = self.runner is not None
        paused = training and self.runner.worker._pause_requested
        self.train_button.setEnabled(not training)
        self.pause_button.setEnabled(training and not paused)
        self.resume_button.setEnabled(training and paused)
        self.stop_button.setEnabled(training)

    def start(self) -> bool:
        if self.runner is not None:
            return False
        corpus = self.state.corpus
        if corpus is None:
            dialogs.error(self, "Nothing to train on", "Load a dataset on the Data tab first.")
            return False
        try:
            model_config = self.model_config_fn() if self.model_config_fn else None
            if model_config is None:
                from playground.config import ModelConfig

                model_config = ModelConfig(mode="lm" if corpus.kind != "pairs" else "attention")
            train_config = self.train_config()
        except ValueError as exc:
            dialogs.error(self, "Invalid settings", str(exc))
            return False
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run = self.state.new_run(source=corpus.name, model_config=model_config.to_dict(),
                                 train_config=train_config.to_dict())
        run.checkpoint = str(checkpoint_dir() / f"run-{stamp}-{os.getpid()}-{run.number}.keras")
        self.run = run
        request = TrainRequest(source=corpus.name, out=run.checkpoint, data_options=corpus.options.to_dict(),
                               model=model_config.to_dict(), train=train_config.to_dict())
        worker = TrainWorker(request, corpus)
        self.runner = TrainRunner(worker, self)
        worker.started.connect(self._on_started)
        worker.epoch_end.connect(self._on_epoch)
        worker.paused.connect(self._on_paused)
        self.runner.finished.connect(self._on_finished)
        self.plots.reset()
        self.samples.setRowCount(0)
        self.progress.setRange(0, 0)  # busy until the first batch
        self.progress.setFormat("starting…")
        self.status.setText(f"Run #{run.number}: starting the training process (it loads TensorFlow and "
                            "traces the model: a few seconds)…")
        self.runner.start()
        self.timer.start()
        self._update_buttons()
        self.training_started.emit(run)
        return True

    def pause(self):
        if self.runner is not None:
            self.runner.worker.pause()
            self.status.setText("Pausing after this batch…")
            self._update_buttons()

    def resume(self):
        if self.runner is not None:
            self.runner.worker.resume()
            self._update_buttons()

    def stop(self):
        if self.runner is not None:
            self.runner.worker.stop()
            self.status.setText("Stopping…")

    def toggle(self):
        """Ctrl+T: train when idle (Stop has its own shortcut)."""
        if self.runner is None:
            self.start()

    def shutdown(self, timeout_ms: int = 120000) -> bool:
        """Stops a running training and waits for its thread (window closing)."""
        self.timer.stop()
        if self.runner is None:
            return True
        runner = self.runner
        ok = runner.stop_and_wait(timeout_ms)
        return ok

    # -- events (GUI thread) ---------------------------------------------------------------

    def _on_started(self, event):
        run = self.run
        run.batches_per_epoch = max(1, event.batches_per_epoch)
        run.device = event.device
        run.parameters = event.parameters
        self._started = event
        self.plots.reset(run.batches_per_epoch)
        total = max(1, (event.epochs - event.first_epoch) * event.batches_per_epoch)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.status.setText(f"Training on {event.device}: {event.train_examples:,} train / "
                            f"{event.val_examples:,} val examples, {event.parameters:,} parameters")

    def _refresh(self):
        if self.runner is None:
            return
        batches = self.runner.worker.take_batches()
        if batches:
            losses = [b.loss for b in batches]
            self.run.batch_loss.extend(losses)
            self.plots.add_losses(losses)
            last = batches[-1]
            started = getattr(self, "_started", None)
            if started is not None:
                done = (last.epoch - started.first_epoch) * started.batches_per_epoch + last.batch + 1
                self.progress.setValue(min(done, self.progress.maximum()))
                self.status.setText(
                    f"Epoch {last.epoch + 1}/{started.epochs} · batch {last.batch + 1}/{started.batches_per_epoch}"
                    f" · loss {last.loss:.4f} · acc {last.token_accuracy:.3f} · "
                    f"{last.samples_per_second:,.0f} examples/s · ETA {_eta(last.eta_seconds)} · {started.device}")
        if self.plots.refresh():
            self.refresh_count += 1
            self.plots_refreshed.emit()

    def _on_epoch(self, event):
        record = {"epoch": event.epoch + 1, "train_loss": event.train_loss,
                  "train_token_accuracy": event.train_token_accuracy, "val_loss": event.val_loss,
                  "val_token_accuracy": event.val_token_accuracy, "val_exact_match": event.val_exact_match,
                  "elapsed": event.elapsed}
        self.run.epochs.append(record)
        self.plots.add_epoch(record)
        for source, expected, produced in event.samples:
            row = self.samples.rowCount()
            self.samples.insertRow(row)
            for col, text in enumerate((str(event.epoch + 1), source, expected, produced)):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(Qt.GlobalColor.darkGreen if produced == expected else Qt.GlobalColor.darkRed)
                self.samples.setItem(row, col, item)
        self.samples.scrollToBottom()
        self.epoch_finished.emit(event)

    def _on_paused(self, paused: bool):
        self.status.setText("Paused: press Resume to continue, Stop to keep the model as it is." if paused
                            else "Resumed.")
        self._update_buttons()

    def _on_finished(self, result):
        self._refresh()
        self.timer.stop()
        run = self.run
        run.status, run.message = result.status, result.message
        run.model = result.model
        self.runner = None
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if result.status == "done" else 0)
        self.progress.setFormat(result.status)
        self.status.setText(f"Run #{run.number}: {result.message}")
        self._update_buttons()
        if result.model is not None and result.status != "error":
            self.state.set_model(result.model, None)
        self.state.runs_changed.emit()
        if result.status in FAILED:
            dialogs.error(self, "Training stopped", result.message)
        self.training_finished.emit(result)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.data.source import DataOptions, load_source
    from playground.ui.state import AppState

    app = QApplication([])
    state = AppState()
    state.set_corpus(load_source("digits:reverse", DataOptions(task_size=600)))
    panel = TrainPanel(state)
    panel.epochs.setValue(3)
    panel.resize(1100, 650)
    panel.show()
    app.exec()
