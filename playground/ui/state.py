"""What the panels share: the loaded corpus, the current model and the session's runs.

Panels read and write :class:`AppState` and listen to its signals; they never talk to
each other directly, so each can be previewed alone.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal


@dataclass
class Run:
    """One training run of this session."""

    number: int
    source: str  # data source name
    model_config: dict
    train_config: dict
    checkpoint: str | None = None
    status: str = "running"  # running | done | stopped | early_stopped | nan | error
    message: str = ""
    batch_loss: list = field(default_factory=list)  # per batch
    epochs: list = field(default_factory=list)  # trainer epoch records (dicts)
    batches_per_epoch: int = 1
    device: str = ""
    parameters: int = 0
    model: object = None  # the Seq2SeqModel (kept for the session)

    @property
    def label(self) -> str:
        cfg = self.model_config
        mode = cfg.get("mode", "?")
        extra = f"/{cfg.get('attention')}" if mode == "attention" else ""
        return f"#{self.number} {mode}{extra} {cfg.get('cell', '')} {cfg.get('units', '')}u · {self.source}"

    def final_metrics(self) -> dict:
        last = self.epochs[-1] if self.epochs else {}
        return {
            "epochs": len(self.epochs),
            "train_loss": last.get("train_loss"),
            "val_loss": last.get("val_loss"),
            "val_token_accuracy": last.get("val_token_accuracy"),
            "val_exact_match": last.get("val_exact_match"),
            "parameters": self.parameters,
            "seconds": last.get("elapsed"),
        }

    @classmethod
    def from_model(cls, number: int, model, name: str) -> "Run":
        """A run record for a model opened from a file (its saved history)."""
        meta = model.meta
        history = meta.get("history", {})
        run = cls(number, meta.get("source", name), model.config.to_dict(), dict(meta.get("train_config", {})),
                  checkpoint=name, status="loaded", batch_loss=list(history.get("batch_loss", [])),
                  epochs=list(history.get("epochs", [])), model=model)
        if run.epochs:
            run.batches_per_epoch = max(1, len(run.batch_loss) // len(run.epochs))
        return run


class AppState(QObject):
    corpus_changed = Signal(object)  # Corpus or None
    model_changed = Signal(object)  # Seq2SeqModel or None
    runs_changed = Signal()
    device_ready = Signal(str)  # TensorFlow is loaded; the device description

    def __init__(self):
        super().__init__()
        self.corpus = None
        self.model = None
        self.model_path: str | None = None
        self.runs: list[Run] = []
        self.device: str | None = None
        self._numbers = itertools.count(1)

    def set_corpus(self, corpus):
        self.corpus = corpus
        self.corpus_changed.emit(corpus)

    def set_model(self, model, path: str | None = None):
        self.model = model
        self.model_path = path
        self.model_changed.emit(model)

    def new_run(self, **kwargs) -> Run:
        run = Run(next(self._numbers), **kwargs)
        self.runs.append(run)
        self.runs_changed.emit()
        return run

    def add_loaded_model_run(self, model, name: str) -> Run:
        run = Run.from_model(next(self._numbers), model, name)
        self.runs.append(run)
        self.runs_changed.emit()
        return run

    def set_device(self, description: str):
        self.device = description
        self.device_ready.emit(description)
