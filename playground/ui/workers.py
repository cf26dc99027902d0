"""Work off the GUI thread: TensorFlow loading, one-shot jobs, and the training worker.

* :func:`run_job` runs a function in a Python thread and delivers its result (or its
  one-line error) to callbacks on the GUI thread, through a queued Qt signal.
* :class:`TrainWorker` is a thin QObject living in a QThread: it runs
  :meth:`playground.training.trainer.Trainer.run` and turns the core's callback events
  into Qt signals. Batch events are buffered (:meth:`TrainWorker.take_batches`) and read
  by a throttled GUI timer instead of one queued signal per batch.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from playground.heap import collections_paused, freeze_long_lived
from playground.backend.loading import limit_cpu_threads, load_backend

log = logging.getLogger("playground.ui")

_tf_lock = threading.Lock()
_device_description: str | None = None
TF_READY = threading.Event()


WORKER_NICENESS = 5  # worker threads yield the CPU to the GUI thread


def lower_thread_priority() -> None:
    """Lowers the calling worker thread's CPU priority (Linux: niceness is per thread and
    inherited by the threads it starts, e.g. TensorFlow's thread pools). Never the GUI thread."""
    if threading.current_thread() is threading.main_thread() or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), WORKER_NICENESS))
    except (OSError, AttributeError):
        pass


def _configure_cpu_threads() -> None:
    """On a small machine, leave one core to the GUI (override: PLAYGROUND_TF_THREADS)."""
    wanted = os.environ.get("PLAYGROUND_TF_THREADS")
    cpus = os.cpu_count() or 1
    threads = int(wanted) if wanted and wanted.isdigit() else (cpus - 1 if 2 <= cpus <= 4 else 0)
    if threads > 0:
        limit_cpu_threads(threads)


def ensure_tensorflow() -> str:
    """Imports the Keras backend and the model code once (any thread) → "backend · device"
    (the name stays: TensorFlow is the default backend, and callers wait on TF_READY)."""
    global _device_description
    with _tf_lock:
        if _device_description is None:
            lower_thread_priority()
            with collections_paused():
                load_backend()  # KERAS_BACKEND, as the app set it at start; shares GPU memory
                _configure_cpu_threads()

                from playground.backend.devices import describe_default_device
                from playground.models import seq2seq  # noqa: F401  (registers the Keras class)

                _device_description = describe_default_device()
            freeze_long_lived()  # later full collections skip the backend's own objects
            TF_READY.set()
    return _device_description


def user_message(exc: BaseException) -> str:
    """One line for the user: the core's errors already name the file and the problem."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    known = ("DataError", "ModelFileError", "ConfigError", "ExportError", "DeviceError", "BackendError")
    if type(exc).__name__ in known or isinstance(exc, (OSError, ValueError)):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Job(QObject):
    """One background call; ``done``/``failed`` arrive on the GUI thread."""

    done = Signal(object)
    failed = Signal(str)
    _running: set = set()

    def __init__(self, fn, on_done=None, on_error=None):
        super().__init__()
        self.fn, self.on_done, self.on_error = fn, on_done, on_error
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)
        self.thread = threading.Thread(target=self._run, name="playground-job", daemon=True)

    def start(self):
        Job._running.add(self)
        self.thread.start()
        return self

    def _run(self):
        lower_thread_priority()
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001  shown to the user as one line
            log.debug("job failed\n%s", traceback.format_exc())
            self.failed.emit(user_message(exc))
            return
        self.done.emit(result)

    @staticmethod
    def _call(callback, value):
        if callback is None:
            return
        try:
            callback(value)
        except RuntimeError as exc:
            if "already deleted" not in str(exc):
                raise
            log.debug("a job finished after its widget was closed: %s", exc)

    @Slot(object)
    def _deliver_done(self, result):
        Job._running.discard(self)
        self._call(self.on_done, result)

    @Slot(str)
    def _deliver_error(self, message):
        Job._running.discard(self)
        self._call(self.on_error, message)


def run_job(fn, on_done=None, on_error=None) -> Job:
    return Job(fn, on_done, on_error).start()


def wait_jobs(timeout: float = 10.0) -> None:
    """Joins running jobs (at exit), so none is left behind."""
    for job in list(Job._running):
        job.thread.join(timeout)


class TfLoader(QObject):
    """Imports TensorFlow in a background thread; ``ready(device description)``."""

    ready = Signal(str)
    failed = Signal(str)

    def start(self):
        self._job = run_job(ensure_tensorflow, self.ready.emit, self.failed.emit)


class TrainWorker(QObject):
    """Relays one training run to the GUI from a QThread; control methods may be called from
    any thread. The run itself happens in a child process
    (:class:`~playground.training.process.TrainingProcess`), so TensorFlow's tracing and the
    training loop never hold this interpreter's GIL against the event loop."""

    started = Signal(object)  # events.TrainStarted
    epoch_end = Signal(object)  # events.EpochEnd
    paused = Signal(bool)
    notice = Signal(object)  # events.Evaluating / Evaluated / ModelSaved
    finished = Signal(object)  # TrainResult

    def __init__(self, request, corpus):
        super().__init__()
        self.request, self.corpus = request, corpus
        self.process = None
        self._lock = threading.Lock()
        self._batches = collections.deque()
        self._stop_requested = False
        self._pause_requested = False

    @Slot()
    def run(self):
        from playground.training import events as ev
        from playground.training.process import TrainingProcess

        try:
            with self._lock:
                self.process = TrainingProcess(self.request, self.corpus)
                if not self._stop_requested:
                    self.process.start()
                    if self._pause_requested:
                        self.process.pause()
            if self._stop_requested:
                self._on_event(ev.TrainFinished("stopped", "Stopped before training began", 0))
                self.finished.emit(_empty_result("stopped", "Stopped before training began"))
                return
            for event in self.process.events():
                self._on_event(event)
            result = self.process.result()
            if self.process.needs_finished_event:  # the child died before reporting its end
                self._on_event(ev.TrainFinished(result.status, result.message, result.epochs_completed))
        except Exception as exc:  # noqa: BLE001  (the child reports its own errors)
            log.error("training worker failed:\n%s", traceback.format_exc())
            result = _empty_result("error", user_message(exc), exc)
            self._on_event(ev.TrainFinished("error", result.message, 0))
        self.finished.emit(result)

    def _on_event(self, event):
        from playground.training import events as ev

        if isinstance(event, (ev.BatchEnd, ev.BatchFailed)):  # in order: a failed batch ends the curve
            self._batches.append(event)
        elif isinstance(event, ev.TrainStarted):
            self.started.emit(event)
        elif isinstance(event, ev.EpochEnd):
            self.epoch_end.emit(event)
        elif isinstance(event, ev.Paused):
            self.paused.emit(event.paused)
        elif isinstance(event, (ev.Evaluating, ev.Evaluated, ev.ModelSaved)):
            self.notice.emit(event)

    def take_batches(self) -> list:
        """BatchEnd (and a last BatchFailed) events since the last call (GUI thread)."""
        out = []
        while self._batches:
            out.append(self._batches.popleft())
        return out

    def pause(self):
        with self._lock:
            self._pause_requested = True
            if self.process is not None:
                self.process.pause()

    def resume(self):
        with self._lock:
            self._pause_requested = False
            if self.process is not None:
                self.process.resume()

    def stop(self):
        with self._lock:
            self._stop_requested = True
            if self.process is not None:
                self.process.stop()

    def kill(self):
        """Last resort when a stopped child does not end in time."""
        if self.process is not None:
            self.process.kill()


def _empty_result(status, message, error=None):
    from playground.training.trainer import TrainResult

    return TrainResult(None, status, message, 0, {}, error)


class TrainRunner(QObject):
    """Owns the QThread of one training run; ``finished(TrainResult)`` after the thread ends."""

    finished = Signal(object)

    def __init__(self, worker: TrainWorker, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName("playground-train")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.finished.connect(self._on_worker_finished)
        self.result = None

    def start(self):
        self.thread.start()

    @Slot(object)
    def _on_worker_finished(self, result):
        self.result = result
        self.thread.quit()
        self.thread.wait()
        self.finished.emit(result)

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def stop_and_wait(self, timeout_ms: int = 60000) -> bool:
        """Stops training and joins the thread (used when the window closes); a child that
        does not end in time is killed (its last epoch checkpoint stays on disk)."""
        self.worker.stop()
        self.thread.quit()  # the thread's loop ends once the worker's run returns
        if not self.thread.wait(timeout_ms):
            self.worker.kill()
            return self.thread.wait(10000)
        return True
