"""What the panels share: the loaded data, the model in use and the runs.

Panels read and write :class:`AppState` and listen to its signals; they never talk to
each other directly, so each can be previewed alone. Runs are kept in the app's data
folder (:mod:`playground.ui.run_store`) and come back after a restart.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from playground.training.events import count
from playground.ui.run_store import RunStore


def model_title(model, name: str = "") -> str:
    """How the app names a model: its run or file, its architecture and its data."""
    cfg = model.config
    meta = model.meta
    if cfg.is_transformer:
        stack = f"{cfg.encoder_layers}+{cfg.decoder_layers} blocks d{cfg.d_model}" if not cfg.is_lm else \
            f"{cfg.decoder_layers} Transformer blocks d{cfg.d_model}"
        arch = f"{cfg.mode} {stack}"
    else:
        arch = f"{cfg.mode} {cfg.cell} {cfg.units}u"
    what = f"{arch}, trained on {meta.get('source', '?')} ({count(meta.get('epochs_completed', 0), 'epoch')})"
    return f"{name} — {what}" if name else what


@dataclass
class Run:
    """One training run (or a model opened from a file)."""

    number: int
    source: str  # data source name
    model_config: dict
    train_config: dict  # the settings the run used (resolved: recommendations applied)
    checkpoint: str | None = None  # the run's model file (epoch checkpoints, then the final model)
    status: str = "running"  # running | done | stopped | early_stopped | nan | diverged | error | loaded
    message: str = ""
    batch_loss: list = field(default_factory=list)  # per batch
    epochs: list = field(default_factory=list)  # trainer epoch records (dicts)
    batches_per_epoch: int = 1
    device: str = ""
    parameters: int = 0
    seconds: float = 0.0  # training time, pauses left out
    metrics: dict = field(default_factory=dict)  # test-split figures
    mistakes: list = field(default_factory=list)  # [[input, expected, produced]] of wrong test items
    owned: bool = True  # the model file is the app's own (deleted with the run)
    continues: str = ""  # the model this run trained further ("run #2", a file name), if any
    model: object = None  # the Seq2SeqModel, once loaded (not saved in the records)

    _SAVED = ("number", "source", "model_config", "train_config", "checkpoint", "status", "message", "batch_loss",
              "epochs", "batches_per_epoch", "device", "parameters", "seconds", "metrics", "mistakes", "owned",
              "continues")

    @property
    def label(self) -> str:
        cfg = self.model_config
        mode = cfg.get("mode", "?")
        more = f" (more of {self.continues})" if self.continues else ""
        if mode == "transformer" or cfg.get("cell") == "transformer":
            size = f"{cfg.get('encoder_layers', 2)}+{cfg.get('decoder_layers', 2)}×d{cfg.get('d_model', 128)}"
            return f"#{self.number} {mode} {size} · {self.source}{more}"
        extra = f"/{cfg.get('attention')}" if mode == "attention" else ""
        return f"#{self.number} {mode}{extra} {cfg.get('cell', '')} {cfg.get('units', '')}u · {self.source}{more}"

    def final_metrics(self) -> dict:
        last = self.epochs[-1] if self.epochs else {}
        return {
            "epochs": len(self.epochs),
            "train_loss": last.get("train_loss"),
            "val_loss": last.get("val_loss"),
            "val_exact_match": last.get("val_exact_match"),
            **{f"test_{k}": v for k, v in self.metrics.items() if k != "n"},
            "parameters": self.parameters,
            "time": self.seconds or last.get("elapsed"),
        }

    def to_dict(self) -> dict:
        return {key: getattr(self, key) for key in self._SAVED}

    @classmethod
    def from_dict(cls, data: dict) -> "Run":
        """A saved record → Run; ValueError for a damaged one (a field missing or of the wrong kind)."""
        values = {key: data[key] for key in cls._SAVED if key in data}
        try:
            run = cls(**values)
        except TypeError as exc:
            raise ValueError(str(exc)) from None
        kinds = {"number": int, "source": str, "model_config": dict, "train_config": dict, "status": str,
                 "batch_loss": list, "epochs": list, "metrics": dict, "mistakes": list}
        wrong = [key for key, kind in kinds.items() if not isinstance(getattr(run, key), kind)
                 or isinstance(getattr(run, key), bool)]
        if wrong or not all(isinstance(e, dict) for e in run.epochs) or not isinstance(run.checkpoint, (str, type(None))):
            raise ValueError(f"damaged run record ({', '.join(wrong) or 'epochs or checkpoint'})")
        if run.status == "running":  # the app ended while it trained: its last checkpoint is what is left
            run.status, run.message = "stopped", "The app ended while this run trained; its last epoch is kept"
        return run

    @classmethod
    def from_model(cls, number: int, model, name: str) -> "Run":
        """A run record for a model opened from a file (its saved history)."""
        return cls._from_meta(number, model.meta, model.config.to_dict(), int(model.count_params()),
                              source=model.meta.get("source", name), checkpoint=name, status="loaded", owned=False,
                              model=model)

    @classmethod
    def recovered(cls, number: int, path, meta: dict) -> "Run":
        """A run record rebuilt from a run's model file (its record was lost)."""
        from playground.config import ModelConfig
        from playground.models.params import parameter_count

        config = dict(meta["model_config"])
        return cls._from_meta(number, meta, config, parameter_count(ModelConfig.from_dict(config)),
                              source=str(meta.get("source", "?")), checkpoint=str(path), status="recovered",
                              message="Its record was lost (a damaged run list, or another app on the same "
                                      "folder); rebuilt from its model file", device=str(meta.get("device", "")))

    @classmethod
    def _from_meta(cls, number: int, meta: dict, model_config: dict, parameters: int, *, source: str,
                   **fields) -> "Run":
        """A run record from a model's meta: its curves, figures and test mistakes."""
        history = meta.get("history", {})
        epochs = list(history.get("epochs", []))
        run = cls(number, source, model_config, dict(meta.get("train_config", {})),
                  batch_loss=list(history.get("batch_loss", [])), epochs=epochs, metrics=dict(meta.get("metrics", {})),
                  mistakes=list(meta.get("test_mistakes", [])), parameters=parameters,
                  seconds=float(epochs[-1].get("elapsed", 0.0)) if epochs else 0.0, **fields)
        if run.epochs:
            run.batches_per_epoch = max(1, len(run.batch_loss) // len(run.epochs))
        return run


class AppState(QObject):
    corpus_changed = Signal(object)  # Corpus or None
    data_stale_changed = Signal(bool)  # the Data tab's choices differ from the loaded data
    model_changed = Signal(object)  # Seq2SeqModel or None
    runs_changed = Signal()
    run_updated = Signal(object)  # Run: new batches, an epoch, its end (live curves)
    device_ready = Signal(str)  # TensorFlow is loaded; the device description

    def __init__(self, store: RunStore | None = None):
        super().__init__()
        self.corpus = None
        self.data_stale = False
        self.model = None
        self.model_path: str | None = None
        self.model_name = ""  # what the model in use is called in the app ("run #3 …", a file name)
        self.runs: list[Run] = []
        self.device: str | None = None
        self.store = store
        self.runs_problem = ""  # what went wrong reading the runs of earlier sessions
        self._numbers = itertools.count(1)

    # -- data ------------------------------------------------------------------------------

    def set_corpus(self, corpus):
        self.corpus = corpus
        self.set_data_stale(False)
        self.corpus_changed.emit(corpus)

    def set_data_stale(self, stale: bool):
        if stale != self.data_stale:
            self.data_stale = stale
            self.data_stale_changed.emit(stale)

    # -- the model in use ------------------------------------------------------------------

    def set_model(self, model, path: str | None = None, name: str | None = None):
        self.model = model
        self.model_path = path
        self.model_name = (name or path or "") if model is not None else ""
        self.model_changed.emit(model)

    # -- runs ------------------------------------------------------------------------------

    def load_runs(self) -> None:
        """The runs of earlier sessions (their models load when used). A damaged record is
        skipped; a model file whose record was lost comes back as a recovered run; numbers two
        apps gave alike are made unique. ``runs_problem`` says what went wrong, if anything."""
        from playground.modelfile import ModelFileError, read_meta

        if self.store is None:
            return
        runs, damaged = [], 0
        for record in self.store.load():
            try:
                runs.append(Run.from_dict(record))
            except ValueError:
                damaged += 1
        self._numbers = itertools.count(max((r.number for r in runs), default=0) + 1)
        seen = set()
        for run in runs:
            if run.number in seen:
                run.number = next(self._numbers)
            seen.add(run.number)
        recovered = 0
        for path in self.store.orphans({r.checkpoint for r in runs if r.owned}):
            try:
                runs.append(Run.recovered(next(self._numbers), path, read_meta(path)))
                recovered += 1
            except (ModelFileError, ValueError, OSError, KeyError, TypeError):
                pass  # not readable as a model: left where it is
        self.runs = runs
        problems = [self.store.problem] if self.store.problem else []
        if damaged:
            problems.append(f"{damaged} damaged run record(s) in {self.store.records_path} skipped")
        if recovered and not self.store.problem:
            problems.append(f"{recovered} run(s) recovered from model files whose records were lost")
        self.runs_problem = "; ".join(problems)
        self.runs_changed.emit()
        if damaged or recovered:
            self.save_runs()

    def save_runs(self) -> None:
        """Writes every run's record; one still training is recorded too, so its checkpoint is
        kept (and shown as stopped) if the app ends or crashes before the run does."""
        if self.store is not None:
            self.store.save([r.to_dict() for r in self.runs])

    def new_run(self, **kwargs) -> Run:
        run = Run(next(self._numbers), **kwargs)
        if self.store is not None and not run.checkpoint:
            run.checkpoint = str(self.store.new_model_path(run.number))
        self.runs.append(run)
        self.runs_changed.emit()
        self.save_runs()
        return run

    def add_loaded_model_run(self, model, name: str) -> Run:
        run = Run.from_model(next(self._numbers), model, name)
        self.runs.append(run)
        self.runs_changed.emit()
        self.save_runs()
        return run

    def delete_run(self, run: Run) -> None:
        """Forgets ``run`` and deletes its model file (if the app made it and it is not in use)."""
        if run.status == "running":
            raise ValueError("This run is still training: stop it first")
        self.runs.remove(run)
        if run.owned and self.store is not None:
            self.store.forget(run.checkpoint)
            if run.checkpoint != self.model_path:  # a model in use stays until the next start
                self.store.delete_model(run.checkpoint)
        self.runs_changed.emit()
        self.save_runs()

    def set_device(self, description: str):
        self.device = description
        self.device_ready.emit(description)
