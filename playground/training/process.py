"""Training in a child process, reporting the trainer's events back through a pipe.

A desktop app that trains on its own GUI thread's interpreter shares the GIL with
TensorFlow's graph tracing and Python-side bookkeeping: the event loop then stalls for
hundreds of milliseconds at a time. A child process has its own interpreter (and runs at
a lower CPU priority), so the app only ever unpickles small event objects. A crash in
the child (out of memory, a native fault) ends the run, not the app; the last epoch's
checkpoint stays on disk and is offered as the result.

The child runs a :class:`~playground.training.session.TrainingSession`, the same path as
the CLI: resolved settings, test-split evaluation, one final save. Qt-free: the UI wraps
:class:`TrainingProcess` in a worker thread that turns events into signals.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from playground.training import events as ev

CHILD_NICENESS = 5  # the child yields the CPU to the app's own threads


@dataclass(frozen=True)
class ProcessDone:
    """The child's last message: how training ended and where the final model is."""

    status: str  # done | stopped | early_stopped | nan | diverged | error
    message: str
    epochs_completed: int
    history: dict
    model_path: str | None  # the final model (also after a stop); None if no model
    metrics: dict = dataclasses.field(default_factory=dict)  # test-split metrics


class TrainingProcess:
    """Runs a :class:`~playground.training.session.TrainRequest` in a spawned child process.

    ``request.out`` receives a checkpoint after every epoch and then the final model (after
    a stop: the model as it was). :meth:`events` yields the session's events; :meth:`result`
    then gives a ``TrainResult`` with the model loaded. ``corpus``: the request's data,
    already loaded by the app (sent along rather than loaded twice).
    :meth:`pause`, :meth:`resume` and :meth:`stop` may be called from any thread.
    """

    def __init__(self, request, corpus=None):
        self.request = request
        self.checkpoint_path = str(request.out)
        context = multiprocessing.get_context("spawn")  # fork after TensorFlow started is unsafe
        # One-way pipes, each end held by one process only: a child that dies mid-message gives
        # EOFError here instead of a reader blocked forever, and an app that dies stops the child.
        self._events, child_events = context.Pipe(duplex=False)
        child_control, self._control = context.Pipe(duplex=False)
        self._child_ends = (child_events, child_control)
        self._control_lock = threading.Lock()
        self._process = context.Process(
            target=_child_main, name="playground-train", daemon=True,
            args=(child_events, child_control, request, corpus))
        self.done: ProcessDone | None = None
        self._finished_seen = False  # the trainer's own TrainFinished event arrived

    # -- control (any thread) --------------------------------------------------------------

    def start(self) -> None:
        self._process.start()
        for end in self._child_ends:
            end.close()

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def stop(self) -> None:
        self._send("stop")

    def _send(self, command: str) -> None:
        with self._control_lock:
            try:
                self._control.send(command)
            except (OSError, ValueError):
                pass  # the child has already ended

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode

    def is_alive(self) -> bool:
        return self._process.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Waits for the child; True when it has ended."""
        self._process.join(timeout)
        return not self._process.is_alive()

    def kill(self) -> None:
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)

    # -- results (the thread that reads events) --------------------------------------------

    def events(self, poll_seconds: float = 0.1):
        """Yields trainer events until the child has sent :class:`ProcessDone` or died."""
        while self.done is None:
            try:
                if not self._events.poll(poll_seconds):
                    continue
                message = self._events.recv()
            except (EOFError, OSError):  # the child has ended (after its last message, or died)
                break
            if isinstance(message, ProcessDone):
                self.done = message
                break
            self._finished_seen |= isinstance(message, ev.TrainFinished)
            yield message
        self._process.join(30)

    def result(self):
        """→ ``TrainResult`` with the model loaded from the child's result file (or, when the
        child died, from its last checkpoint)."""
        from playground.modelfile import load_model
        from playground.training.trainer import TrainResult

        done = self.done
        if done is None:  # the child died without reporting: keep what the last epoch saved
            code = self._process.exitcode
            path = self.checkpoint_path if Path(self.checkpoint_path).is_file() else None
            kept = f"; the checkpoint of the last finished epoch is kept ({path})" if path else \
                "; no epoch had finished, so there is no model"
            message = f"The training process ended unexpectedly (exit code {code}){kept}"
            done = ProcessDone("error", message, 0, {}, path)
        model = None
        if done.model_path and Path(done.model_path).is_file():
            model = load_model(done.model_path)
        epochs = int(model.meta.get("epochs_completed", done.epochs_completed)) if model is not None \
            else done.epochs_completed
        history = model.meta.get("history", done.history) if model is not None else done.history
        error = RuntimeError(done.message) if done.status == "error" else None
        return TrainResult(model, done.status, done.message, epochs, history, error)

    @property
    def needs_finished_event(self) -> bool:
        """True when the child died before its trainer reported ``TrainFinished``."""
        return not self._finished_seen


def _child_main(events, control, request, corpus):
    """Entry point of the child process."""
    try:
        os.nice(CHILD_NICENESS)
    except (OSError, AttributeError):
        pass
    try:
        from playground.backend.loading import load_backend

        load_backend(request.backend)  # quietly: the app's terminal gets no start-up chatter
        from playground.training.session import TrainingSession

        session = TrainingSession(request, events.send, corpus=corpus)
        threading.Thread(target=_apply_control, args=(control, session), daemon=True).start()
        try:
            result = session.run()
        except Exception as exc:  # noqa: BLE001  (a failed save or evaluation: the checkpoint stays)
            path = request.out if Path(request.out).is_file() else None
            message = f"{type(exc).__name__}: {exc}" + (f"; the last checkpoint is kept ({path})" if path else "")
            events.send(ProcessDone("error", message, 0, {}, path))
            return
        path = result.model_path
        if path is None and Path(request.out).is_file():  # a failed run: its last good epoch
            path = request.out
        events.send(ProcessDone(result.status, result.message, result.epochs_completed,
                                _plain(result.history), path, _plain(result.metrics)))
    except BaseException as exc:  # noqa: BLE001  (reported to the parent, never a silent exit)
        message = f"{type(exc).__name__}: {exc}"
        try:
            events.send(ev.TrainFinished("error", message, 0))
            events.send(ProcessDone("error", message, 0, {}, None))
        except OSError:
            pass  # the app is gone
    finally:
        events.close()


def _apply_control(control, session):
    actions = {"pause": session.pause, "resume": session.resume, "stop": session.stop}
    while True:
        try:
            command = control.recv()
        except (EOFError, OSError):  # the app has gone: stop (the last checkpoint stays)
            session.stop()
            return
        actions[command]()


def _plain(value):
    """Keras wraps dicts and lists held by a model in tracking subclasses that do not pickle."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
