"""Train step: hyperparameters, Train / Pause / Resume / Stop, progress, live plots, the
model's outputs on a few validation items after each epoch, and after the run its test-split
figures and mistakes.

Training runs a :class:`~playground.training.session.TrainingSession` in a child process
(the same path as ``playground train``), relayed by a :class:`~playground.ui.workers.TrainWorker`
on its own QThread; a throttled timer moves buffered batch events into the plots. Epochs,
batch size, learning rate, optimizer and label smoothing show the data's recommended values
until the user sets them. "Train more" continues the model in use (``--resume``'s path).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QProgressBar, QPushButton, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from playground.config import DEVICES, OPTIMIZERS, TrainConfig
from playground.training import events as ev
from playground.training.session import TrainRequest, resolve_train_config
from playground.ui import dialogs
from playground.ui.plots import TrainingPlots
from playground.ui.samples_table import SamplesTable
from playground.ui.workers import TrainRunner, TrainWorker

REFRESH_MS = 120  # plot refresh period while training (≈8 per second)
# Fields a data source may recommend (playground.sources.recommended_training); the rest are the user's.
RECOMMENDED = ("epochs", "batch_size", "learning_rate", "optimizer", "label_smoothing")
STALE_DATA = "The data choices on the Data tab have changed: the preview is out of date — press Load first."


def metrics_text(metrics: dict) -> str:
    """Test-split figures in a line: exact match, token accuracy, chrF, BLEU (perplexity for LMs)."""
    if not metrics:
        return ""
    names = (("exact_match", "exact match", "{:.3f}"), ("token_accuracy", "token accuracy", "{:.3f}"),
             ("chrf", "chrF", "{:.1f}"), ("bleu", "BLEU (characters)" if metrics.get("bleu_tokenize") == "char"
                                          else "BLEU", "{:.1f}"), ("perplexity", "perplexity", "{:.2f}"))
    parts = [f"{label} {fmt.format(metrics[key])}" for key, label, fmt in names if metrics.get(key) is not None]
    return f"test ({metrics.get('n', '?')} items): " + ", ".join(parts)


class TrainPanel(QWidget):
    training_started = Signal(object)  # Run
    training_finished = Signal(object)  # TrainResult
    epoch_finished = Signal(object)  # EpochEnd
    evaluated = Signal(object)  # Evaluated (test-split metrics and mistakes)
    plots_refreshed = Signal()
    controls_changed = Signal()  # training started / paused / resumed / ended: menus follow

    def __init__(self, state, model_config_fn=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.model_config_fn = model_config_fn
        self.runner: TrainRunner | None = None
        self.backend: str | None = None  # Keras backend of the training process (None: the app's)
        self.run = None
        self.tensorboard_log = None  # the running job's TensorBoard folder, if any
        self._transformer_shown = False  # the recommendation shown is a Transformer's
        self.refresh_count = 0
        self.user_set: set[str] = set()  # recommendable fields the user changed
        self._continued: str | None = None  # the model file a "Train more" run continues
        self._seconds_before = 0.0  # training time of the history a continued run starts with
        self._programmatic = False

        self.epochs = self._spin(1, 100000, 10, "Passes over the training split (the data's recommendation "
                                                "until you change it); for Train more, this many more")
        self.batch_size = self._spin(1, 65536, 64, "Examples per batch (the data's recommendation until you "
                                                   "change it)")
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 10.0)
        self.learning_rate.setSingleStep(1e-3)
        self.learning_rate.setValue(3e-3)
        self.learning_rate.setToolTip("Optimizer step size (the data's recommendation until you change it)")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.setToolTip("Optimizer (the data's recommendation until you change it)")
        self.clip_norm = QDoubleSpinBox()
        self.clip_norm.setRange(0, 100)
        self.clip_norm.setValue(1.0)
        self.clip_norm.setToolTip("Global gradient-norm clipping (0 disables)")
        self.label_smoothing = QDoubleSpinBox()
        self.label_smoothing.setRange(0, 0.5)
        self.label_smoothing.setSingleStep(0.05)
        self.label_smoothing.setToolTip("Cross-entropy label smoothing (the data's recommendation until you "
                                        "change it)")
        for name in RECOMMENDED:
            _changed_signal(getattr(self, name)).connect(lambda _=None, name=name: self._user_changed(name))
        self.early_stopping = self._spin(0, 1000, 0, "Stop after this many epochs without val-loss gain (0: off)")
        self.early_stopping.setSpecialValueText("off")
        self.max_batches = self._spin(0, 1_000_000, 0, "Cap batches per epoch (0: whole split), for quick demos")
        self.max_batches.setSpecialValueText("all")
        self.seed = self._spin(0, 2**31 - 1, 0, "Weight init, shuffling and dropout seed")
        self.device = QComboBox()
        self.device.addItems(list(DEVICES))
        self.device.setToolTip("auto: the GPU when there is one, else the CPU")
        self.tensorboard = QCheckBox("Write a TensorBoard log")
        self.tensorboard.setToolTip("Losses, accuracy, exact match, learning rate and hyper-parameters as "
                                    "TensorBoard event files in the app's data folder (tensorboard/run-N); "
                                    "view with: tensorboard --logdir FOLDER")
        self.recommendation = QLabel("")
        self.recommendation.setWordWrap(True)
        self.recommendation.setToolTip("Where epochs, batch size, learning rate, optimizer and label smoothing "
                                       "come from")

        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train a new model with these settings (Ctrl+T)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current batch (Ctrl+P)")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue a paused run (Ctrl+R)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop now; the model trained so far stays usable (Esc, Ctrl+Shift+S)")
        self.use_button = QPushButton("Use this model")
        self.use_button.setToolTip("Make this run's model the one Translate / Generate / Save use")
        self.use_button.setEnabled(False)
        self.more_button = QPushButton("Train more")
        self.more_button.setToolTip("Continue the model in use from its file for the number of epochs above, on "
                                    "its own data, with its settings and optimizer state (a new run)")
        self.more_button.setEnabled(False)
        self.more_button.clicked.connect(self.train_more)
        self.train_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        self.use_button.clicked.connect(self.use_model)

        self.progress = QProgressBar()
        self.progress.setToolTip("Batches done over the whole run")
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.status = QLabel("Press Train to start.")
        self.status.setToolTip("Epoch, batch, ETA and throughput")
        self.status.setWordWrap(True)
        self.test_figures = QLabel("")
        self.test_figures.setToolTip("The finished run's scores on the held-out test split")
        self.test_figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plots = TrainingPlots()
        self.samples = SamplesTable()
        self.mistakes = QTableWidget(0, 3)
        self.mistakes.setHorizontalHeaderLabels(["Input", "Expected", "Produced"])
        self.mistakes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mistakes.setToolTip("Test items the finished model got wrong")
        self.lower_tabs = QTabWidget()
        self.lower_tabs.addTab(self.samples, "Validation samples")
        self.lower_tabs.addTab(self.mistakes, "Test mistakes")

        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Label smoothing", self.label_smoothing)
        form.addRow("", self.recommendation)  # under the fields it speaks of
        form.addRow("Clip norm", self.clip_norm)
        form.addRow("Early stopping", self.early_stopping)
        form.addRow("Batches/epoch", self.max_batches)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)
        form.addRow("", self.tensorboard)
        box = QGroupBox("Hyperparameters")
        box.setLayout(form)
        box.setMaximumWidth(300)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(box)
        left.addLayout(buttons)
        model_buttons = QHBoxLayout()
        model_buttons.addWidget(self.use_button)
        model_buttons.addWidget(self.more_button)
        left.addLayout(model_buttons)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addWidget(self.test_figures)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots)
        split.addWidget(self.lower_tabs)
        split.setSizes([380, 160])
        right.addWidget(split, 1)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(right, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._refresh)
        state.corpus_changed.connect(lambda corpus: self.show_recommended())
        state.model_changed.connect(lambda _model: self._update_buttons())
        self.show_recommended()
        self._update_buttons()

    @staticmethod
    def _spin(low, high, value, tip):
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    # -- settings --------------------------------------------------------------------------

    def _user_changed(self, name: str) -> None:
        if not self._programmatic:
            self.user_set.add(name)
            self.show_recommended()

    def chosen_settings(self) -> dict:
        """What the user chose: every field but the recommendable ones they left alone."""
        values = self._values()
        return {k: v for k, v in values.items() if k not in RECOMMENDED or k in self.user_set}

    def _values(self) -> dict:
        return {"epochs": self.epochs.value(), "batch_size": self.batch_size.value(),
                "learning_rate": self.learning_rate.value(), "optimizer": self.optimizer.currentText(),
                "clip_norm": self.clip_norm.value(), "label_smoothing": round(self.label_smoothing.value(), 4),
                "early_stopping": self.early_stopping.value(), "seed": self.seed.value(),
                "device": self.device.currentText(), "max_batches_per_epoch": self.max_batches.value()}

    def train_config(self, transformer: bool = False) -> TrainConfig:
        """The settings a run started now would use (recommendations resolved)."""
        return resolve_train_config(self._source(), self.chosen_settings(), transformer)

    def _source(self) -> str:
        corpus = self.state.corpus
        return corpus.name if corpus is not None else ""

    def _model_is_transformer(self) -> bool:
        try:
            config = self.model_config_fn() if self.model_config_fn else None
        except ValueError:  # the Model view says what is wrong
            return False
        return bool(config is not None and config.is_transformer)

    def model_changed(self) -> None:
        """The Model view changed: the recommendation differs only between a Transformer and
        the recurrent modes, so it is resolved again (reading a sentence file's head) only then."""
        transformer = self._model_is_transformer()
        if transformer != self._transformer_shown:
            self.show_recommended()

    def show_recommended(self) -> None:
        """Shows the resolved values in the recommendable fields the user left alone."""
        self._transformer_shown = self._model_is_transformer()
        config = self.train_config(self._transformer_shown)
        self._programmatic = True
        try:
            for name in RECOMMENDED:
                if name not in self.user_set:
                    _show_value(getattr(self, name), getattr(config, name))
        finally:
            self._programmatic = False
        left = [n.replace("_", " ") for n in RECOMMENDED if n not in self.user_set]
        source = self._source() or "the data"
        self.recommendation.setText(f"<small>{', '.join(left)}: recommended for {source}</small>" if left else
                                    "<small>all set by you</small>")

    def set_train_config(self, values: dict) -> None:
        """Restores saved choices (the recommendable fields present count as set by the user)."""
        try:
            cfg = TrainConfig.from_dict({k: v for k, v in values.items() if k != "user_set"})
        except (ValueError, TypeError):
            return
        user_set = set(values.get("user_set", [k for k in RECOMMENDED if k in values]))
        self._programmatic = True
        try:
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
        finally:
            self._programmatic = False
        self.user_set = user_set & set(RECOMMENDED)
        self.show_recommended()

    def saved_settings(self) -> dict:
        """What the settings file keeps: the choices, and which recommendations were overridden."""
        return {**self.chosen_settings(), "user_set": sorted(self.user_set)}

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
        run = self.run
        self.use_button.setEnabled(not training and run is not None and run.model is not None
                                   and self.state.model is not run.model)
        self.more_button.setEnabled(not training and self._continuable() is not None)
        self.controls_changed.emit()

    def _continuable(self):
        """(the model in use, its file) when it can train further here, else None."""
        model, path = self.state.model, self.state.model_path
        if model is None or not path or not os.path.isfile(path):
            return None
        return model, path

    def start(self) -> bool:
        if self.runner is not None:
            return False
        corpus = self.state.corpus
        if corpus is None:
            dialogs.error(self, "Nothing to train on", "Load a dataset on the Data tab first.")
            return False
        if self.state.data_stale:
            dialogs.error(self, "The data is out of date", STALE_DATA)
            return False
        try:
            model_config = self.model_config_fn() if self.model_config_fn else None
            if model_config is None:
                from playground.config import ModelConfig

                model_config = ModelConfig(mode="lm" if corpus.kind != "pairs" else "attention")
            train_config = self.train_config(model_config.is_transformer)
        except ValueError as exc:
            dialogs.error(self, "Invalid settings", str(exc))
            return False
        run = self._new_run(source=corpus.name, model_config=model_config.to_dict(),
                            train_config=train_config.to_dict())
        from playground.sources import music_request

        request = TrainRequest(source=corpus.name, out=run.checkpoint, data_options=corpus.options.to_dict(),
                               music=music_request(corpus), model=model_config.to_dict(),
                               train=self.chosen_settings(), backend=self.backend,
                               tensorboard=self.tensorboard_folder(run))
        self._continued = None
        return self._launch(run, request, corpus)

    def train_more(self) -> bool:
        """Continues the model in use from its file for the Epochs field's number of epochs
        more: its own data, settings and optimizer state (``--resume``'s path), as a new run
        whose curves start with the model's history."""
        continuable = self._continuable()
        if self.runner is not None or continuable is None:
            return False
        model, path = continuable
        meta = model.meta
        epochs = int(meta.get("epochs_completed", 0)) + self.epochs.value()
        history = meta.get("history", {})
        run = self._new_run(source=str(meta.get("source", "")), model_config=model.config.to_dict(),
                            train_config={**meta.get("train_config", {}), "epochs": epochs},
                            continues=self.state.model_name or os.path.basename(path),
                            batch_loss=list(history.get("batch_loss", [])),
                            epochs=[dict(e) for e in history.get("epochs", [])])
        request = TrainRequest(source=run.source, out=run.checkpoint, resume=path,
                               train={"epochs": epochs, "device": self.device.currentText()}, backend=self.backend,
                               tensorboard=self.tensorboard_folder(run))
        self._continued = path
        if not self._launch(run, request, None):  # the child loads the model's own data, with its options
            return False
        own = meta.get("train_config", {})
        more = ev.count(self.epochs.value(), "more epoch")
        self.status.setText(f"Run #{run.number}: {more} of {run.continues} with its own "
                            f"settings (batch size {own.get('batch_size', '?')}, learning rate "
                            f"{own.get('learning_rate', '?')}, {own.get('optimizer', '?')}); the fields here apply to "
                            "new runs, Epochs and Device to this one too. Starting…")
        return True

    def _new_run(self, **fields):
        run = self.state.new_run(**fields)
        if not run.checkpoint:  # no run store (a panel previewed alone)
            import tempfile

            run.checkpoint = tempfile.mkstemp(prefix=f"run-{run.number}-", suffix=".keras")[1]
        return run

    def _launch(self, run, request, corpus) -> bool:
        self.run = run
        self._seconds_before = run.seconds = float(run.epochs[-1].get("elapsed", 0.0)) if run.epochs else 0.0
        self.tensorboard_log = request.tensorboard
        worker = TrainWorker(request, corpus)
        self.runner = TrainRunner(worker, self)
        worker.started.connect(self._on_started)
        worker.epoch_end.connect(self._on_epoch)
        worker.paused.connect(self._on_paused)
        worker.notice.connect(self._on_notice)
        self.runner.finished.connect(self._on_finished)
        self.plots.reset()
        self.samples.setRowCount(0)
        self.mistakes.setRowCount(0)
        self.lower_tabs.setTabText(1, "Test mistakes")
        self.test_figures.setText("")
        self.progress.setRange(0, 0)  # busy until the first batch
        self.progress.setFormat("starting…")
        self.status.setText(f"Run #{run.number}: starting the training process (it loads TensorFlow and "
                            "traces the model: a few seconds)…")
        self.runner.start()
        self.timer.start()
        self._update_buttons()
        self.training_started.emit(run)
        return True

    def tensorboard_folder(self, run) -> str | None:
        """Where this run's TensorBoard log goes when the box is ticked."""
        if not self.tensorboard.isChecked():
            return None
        from playground.ui.run_store import data_dir

        return str(data_dir() / "tensorboard" / f"run-{run.number}")

    def pause(self):
        if self.runner is not None and not self.runner.worker._pause_requested:
            self.runner.worker.pause()
            self.status.setText("Pausing after this batch…")
            self._update_buttons()

    def resume(self):
        if self.runner is not None and self.runner.worker._pause_requested:
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

    def use_model(self):
        """Makes the last run's model the one in use (the user's explicit choice)."""
        run = self.run
        if run is not None and run.model is not None:
            self.state.set_model(run.model, run.checkpoint, name=f"run #{run.number}")
        self._update_buttons()

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
        self.plots.reset(run.batches_per_epoch, run.batch_loss, run.epochs)  # a continued run: its history first
        total = max(1, (event.epochs - event.first_epoch) * event.batches_per_epoch)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.status.setText(f"Training on {event.device}: {event.train_examples:,} train / "
                            f"{event.val_examples:,} val examples, {event.parameters:,} parameters")
        self.state.run_updated.emit(run)

    def _refresh(self):
        if self.runner is None:
            return
        arrived = self.runner.worker.take_batches()
        batches = [b for b in arrived if isinstance(b, ev.BatchEnd)]
        if batches:
            losses = [b.loss for b in batches]
            self.run.batch_loss.extend(losses)
            self.plots.add_losses(losses)
            last = batches[-1]
            self.run.seconds = self._seconds_before + last.elapsed
            started = getattr(self, "_started", None)
            if started is not None:
                done = (last.epoch - started.first_epoch) * started.batches_per_epoch + last.batch + 1
                self.progress.setValue(min(done, self.progress.maximum()))
                self.status.setText(
                    f"Epoch {last.epoch + 1}/{started.epochs} · batch {last.batch + 1}/{started.batches_per_epoch}"
                    f" · loss {last.loss:.4f} · acc {last.token_accuracy:.3f} · "
                    f"{last.samples_per_second:,.0f} examples/s · ETA {ev.clock(last.eta_seconds)} · {started.device}")
            self.state.run_updated.emit(self.run)
        for failed in [b for b in arrived if isinstance(b, ev.BatchFailed)]:  # after the curve it ends
            self.plots.mark_failure(failed.loss)
        if self.plots.refresh():
            self.refresh_count += 1
            self.plots_refreshed.emit()

    def _on_epoch(self, event):
        record = {"epoch": event.epoch + 1, "train_loss": event.train_loss,
                  "train_token_accuracy": event.train_token_accuracy, "val_loss": event.val_loss,
                  "val_token_accuracy": event.val_token_accuracy, "val_exact_match": event.val_exact_match,
                  "elapsed": event.elapsed}
        self.run.epochs.append(record)
        self.run.seconds = self._seconds_before + event.elapsed
        self.plots.add_epoch(record)
        self.samples.add_epoch(event.epoch + 1, event.samples)
        self.epoch_finished.emit(event)
        self.state.run_updated.emit(self.run)

    def _on_notice(self, event):
        if isinstance(event, ev.Evaluating):
            self.status.setText(f"Run #{self.run.number}: scoring the model on {event.items:,} test items…")
        elif isinstance(event, ev.Evaluated):
            self.evaluated.emit(event)

    def show_mistakes(self, mistakes: list) -> None:
        self.mistakes.setRowCount(len(mistakes))
        for r, row in enumerate(mistakes):
            for c, text in enumerate(row):
                self.mistakes.setItem(r, c, QTableWidgetItem(str(text)))
        self.lower_tabs.setTabText(1, f"Test mistakes ({len(mistakes)})")

    def _on_paused(self, paused: bool):
        if paused:
            self._refresh()  # the plot shows every batch trained before the pause, not a timer tick later
        self.status.setText("Paused: press Resume to continue, Stop to keep the model as it is." if paused
                            else "Resumed.")
        self._update_buttons()

    def _on_finished(self, result):
        self._refresh()
        self.timer.stop()
        run = self.run
        run.status, run.message = result.status, result.message
        run.model = result.model
        if result.model is not None:
            run.metrics = dict(result.model.meta.get("metrics", {}))
            run.mistakes = list(result.model.meta.get("test_mistakes", []))
        self.runner = None
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if result.status == "done" else 0)
        self.progress.setFormat(result.status)
        log = f" · TensorBoard log in {self.tensorboard_log}" if self.tensorboard_log else ""
        self.status.setText(f"Run #{run.number}: {result.message}{log}")
        self.test_figures.setText(metrics_text(run.metrics))
        self.show_mistakes(run.mistakes)
        continued = self._continued is not None and self._continued == self.state.model_path
        if result.model is not None and result.status not in ev.FAILED and (self.state.model is None or continued):
            # Nothing was in use, or the user trained the model in use further: no other model
            # is replaced behind the user's back.
            self.use_model()
        self._update_buttons()
        self.state.runs_changed.emit()
        self.state.save_runs()
        if result.status in ev.FAILED:
            dialogs.error(self, "Training stopped", result.message)
        self.training_finished.emit(result)


def _changed_signal(widget):
    return widget.currentTextChanged if isinstance(widget, QComboBox) else widget.valueChanged


def _show_value(widget, value) -> None:
    if isinstance(widget, QComboBox):
        widget.setCurrentText(value)
    else:
        widget.setValue(value)


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
