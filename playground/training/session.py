"""One training job, one path: load the source → resolve the settings → train → evaluate on the
test split → save once. The CLI, the Python API and the app's training child process all run
a :class:`TrainingSession`; nothing else strings these steps together.

Settings: the user's explicit choices win; every other training setting is the source's
recommendation (:func:`playground.sources.recommended_training`), then the TrainConfig
default. So ``playground train digits:add`` and Train in the app on digits:add use the same
epochs, batch size and learning rate.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from playground.config import ModelConfig, TrainConfig
from playground.training import events as ev

EVALUATION_BATCH = 128
TASKS = ("translate", "lm")


class SessionError(ValueError):
    """The job cannot run as asked (a source that does not fit the task, …); one line."""


@dataclass(frozen=True)
class TrainRequest:
    """Everything one training job needs, as plain JSON-able values."""

    source: str  # built-in name or path (see playground.sources.load_any_source)
    out: str  # the model file: a checkpoint after each epoch, then the final model
    data_options: dict | None = None  # DataOptions fields chosen; the rest default (resuming: the checkpoint's)
    music: dict = field(default_factory=dict)  # music loading: encoding, window, transpose, include_drums
    task: str | None = None  # translate | lm | None (text and music sources give lm)
    model: dict = field(default_factory=dict)  # ModelConfig fields chosen by the user
    train: dict = field(default_factory=dict)  # TrainConfig fields chosen by the user; the rest are resolved
    resume: str | None = None  # a model file to continue: same data and architecture (see training.resume)
    backend: str | None = None  # Keras backend for a training child process (None: KERAS_BACKEND / default)
    tensorboard: str | None = None  # a folder for TensorBoard event files of this run (None: none)
    force: bool = False  # replace a file at ``out`` that is not a model (never done unasked)

    def __post_init__(self):
        """A mistyped request fails here, naming the field, not deep inside a run."""
        for name in ("source", "out"):
            value = getattr(self, name)
            if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
                raise SessionError(f"TrainRequest.{name} must be a path or name (a non-empty string), "
                                   f"got {value!r}")
        for name in ("data_options", "music", "model", "train"):
            value = getattr(self, name)
            if not isinstance(value, dict) and not (value is None and name == "data_options"):
                raise SessionError(f"TrainRequest.{name} must be a dict of settings, got {value!r}")
        if self.task not in (None, *TASKS):
            raise SessionError(f"TrainRequest.task must be {' or '.join(TASKS)} (or None: from the source), "
                               f"got {self.task!r}")
        from playground.sources import MUSIC_OPTIONS

        unknown = sorted(set(self.music) - set(MUSIC_OPTIONS))
        if unknown:
            raise SessionError(f"unknown music option(s) {', '.join(map(str, unknown))}; "
                               f"valid options: {', '.join(MUSIC_OPTIONS)}")


@dataclass
class SessionResult:
    model: object  # the trained Seq2SeqModel, or None
    status: str  # done | early_stopped | stopped | nan | diverged | error
    message: str
    epochs_completed: int
    history: dict
    metrics: dict  # test-split metrics ({} when there is no test split or evaluation was stopped)
    model_path: str | None  # where the model was saved (a failed run: its last checkpoint); None: nothing written
    train_config: TrainConfig | None = None


def resolve_train_config(source: str, chosen: dict, transformer: bool = False) -> TrainConfig:
    """The settings a run of ``source`` uses: ``chosen`` fields, else the source's
    recommendation (for a Transformer when ``transformer``), else the defaults."""
    from playground.sources import recommended_training

    values = {**recommended_training(source, transformer), **{k: v for k, v in chosen.items() if v is not None}}
    return TrainConfig.from_dict(values)


def resolve_model_config(chosen: dict, task: str, source: str = "") -> ModelConfig:
    """The architecture: ``chosen`` fields over the defaults (for a sentence-pair file with
    no mode chosen, over the "sentences" preset); a language model for ``lm``."""
    from playground.config import PRESETS
    from playground.sources import is_sentence_file

    values = {k: v for k, v in chosen.items() if v is not None}
    if task != "lm" and "mode" not in values and is_sentence_file(source):
        values = {**PRESETS["sentences"].to_dict(), **values}
    if task == "lm":
        # A Transformer chosen for a language model means decoder-only Transformer blocks.
        cell = "transformer" if values.get("mode") == "transformer" else values.get("cell", "lstm")
        values.update(mode="lm", bidirectional=False, cell=cell)
    elif values.get("mode") == "lm":
        raise SessionError("mode 'lm' is a language model: train it on text or music (task lm)")
    return ModelConfig.from_dict(values)


class TrainingSession:
    """Runs one :class:`TrainRequest`; ``callback(event)`` gets the trainer's events plus
    Evaluating, Evaluated and ModelSaved. :meth:`pause`, :meth:`resume` and :meth:`stop` may
    be called from any thread: a stop during training keeps the model as it is (it is still
    evaluated and saved); a stop during the evaluation skips the rest of it.
    ``corpus``: an already loaded corpus for ``request.source`` (the app loads it for its
    preview), else it is loaded here."""

    def __init__(self, request: TrainRequest, callback=None, *, corpus=None):
        self.request = request
        self.callback = callback or (lambda event: None)
        self.corpus = corpus
        self.resume_model = None
        self.model_config: ModelConfig | None = None
        self.train_config: TrainConfig | None = None
        self.trainer = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._paused = False
        self._evaluating = False

    # -- control (any thread) --------------------------------------------------------------

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            if self.trainer is not None:
                self.trainer.stop()

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self.trainer is not None:
                self.trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self.trainer is not None:
                self.trainer.resume()

    # -- steps -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """Loads the source (unless given) and resolves the settings; raises before any
        training for a source or setting that does not fit."""
        if self.train_config is not None:
            return
        from playground.data.source import DataOptions
        from playground.paths import check_output, source_files
        from playground.sources import load_any_source

        request = self.request
        # Before any work: a model replaces only a model (the CLI, the app and the API alike).
        check_output(request.out, "model", inputs=source_files(request.source), force=request.force)
        meta = {}
        if request.resume:
            from playground.modelfile import load_model
            from playground.training import resume

            self.resume_model = load_model(request.resume)
            meta = self.resume_model.meta
            resume.check_choices(request, self.resume_model, request.task or meta.get("task", "translate"))
            options = DataOptions.from_dict(meta["data_options"])
        else:
            from playground.sources import recommended_data_options

            options = DataOptions.from_dict(recommended_data_options(request.source, dict(request.data_options or {}),
                                                                     request.task))
        if self.corpus is None:
            from playground.sources import music_options

            music = {**music_options(meta), **request.music}
            self.corpus = load_any_source(request.source, options, task=request.task, **music)
        corpus = self.corpus
        task = request.task or ("lm" if corpus.kind in ("text", "music") else "translate")
        if task == "translate" and corpus.kind != "pairs":
            why = (" (it is read as plain text: most of its first lines have no tab; a file of pairs holds "
                   "INPUT<TAB>TARGET lines, or is named .csv for comma or semicolon columns)"
                   if corpus.kind == "text" and Path(str(request.source)).is_file() else "")
            raise SessionError(f"{request.source}: a {corpus.kind} source trains a language model (task lm), "
                               f"not translate{why}")
        if self.resume_model is not None:
            resume.check_same_data(request, meta, corpus)
            self.model_config = self.resume_model.config
            self.train_config = resume.resumed_train_config(request, meta)
            return
        self.model_config = resolve_model_config(request.model, task, request.source)
        self.train_config = resolve_train_config(request.source, request.train, self.model_config.is_transformer)

    def run(self) -> SessionResult:
        """Trains, evaluates and saves; failures of training are a result, not an exception.
        Raises PathRefused while another run writes the same model file."""
        from playground.output_lock import OutputLock

        with OutputLock(self.request.out):
            return self._run_locked()

    def _run_locked(self) -> SessionResult:
        self.prepare()
        log = self._tensorboard_log()
        user_callback = self.callback
        if log is not None:

            def both(event):
                log(event)
                user_callback(event)

            self.callback = both
        try:
            return self._run()
        finally:
            self.callback = user_callback
            if log is not None:
                log.close()

    def _tensorboard_log(self):
        """The run's TensorBoard writer (``request.tensorboard``), hyper-parameters written."""
        if not self.request.tensorboard:
            return None
        from playground.training.tensorboard_log import TensorBoardLog

        hparams = {**{f"model.{k}": v for k, v in self.model_config.to_dict().items()},
                   **{f"train.{k}": v for k, v in self.train_config.to_dict().items()},
                   "source": self.request.source}
        return TensorBoardLog(self.request.tensorboard, hparams)

    def _run(self) -> SessionResult:
        from playground.training.trainer import Trainer

        trainer = Trainer(self.corpus, self.model_config, self.train_config, callback=self.callback,
                          checkpoint_path=self.request.out, resume_model=self.resume_model,
                          checkpoint_last_epoch=False)
        with self._lock:
            self.trainer = trainer
            if self._stopped.is_set():
                trainer.stop()
            if self._paused:
                trainer.pause()  # a no-op after a stop: the trainer lets a stop win
        result = trainer.run()
        self._stopped.clear()  # a Stop from now on stops the evaluation
        if result.status in ev.FAILED or result.model is None:
            kept = self.request.out if trainer.saved_epoch else None  # this run's last checkpoint
            return SessionResult(result.model, result.status, result.message, result.epochs_completed,
                                 result.history, {}, kept, self.train_config)
        try:
            metrics = self._evaluate(result.model)
        except BaseException:  # Ctrl-C or a crash while scoring: the trained model is kept
            self._save(result, final=False)
            raise
        path = self._save(result, final=True)
        return SessionResult(result.model, result.status, result.message, result.epochs_completed,
                             result.history, metrics, path, self.train_config)

    def _evaluate(self, model) -> dict:
        from playground.inference.evaluate import MISTAKES_KEPT, EvaluationStopped, evaluate
        from playground.inference.predictor import Predictor

        test = self.corpus.test
        if not test:
            return {}
        self.callback(ev.Evaluating(len(test)))
        try:
            metrics = evaluate(Predictor(model), test, batch_size=EVALUATION_BATCH, should_stop=self._stopped.is_set,
                               mistakes=MISTAKES_KEPT)
        except EvaluationStopped:
            self.callback(ev.Evaluated({}, []))
            return {}
        metrics.pop("outputs", None)
        mistakes = metrics.pop("mistakes", [])
        model.meta["metrics"] = metrics
        model.meta["test_mistakes"] = mistakes
        self.callback(ev.Evaluated(dict(metrics), mistakes))
        return metrics

    def _save(self, result, *, final: bool) -> str:
        from playground.modelfile import save_model

        path = str(save_model(result.model, self.request.out))
        self.callback(ev.ModelSaved(path, result.epochs_completed, final))
        return path


def train(request: TrainRequest, callback=None, *, corpus=None) -> SessionResult:
    """The Python API's one call: ``train(TrainRequest("dates:iso", "dates.keras"))``."""
    return TrainingSession(request, callback, corpus=corpus).run()
