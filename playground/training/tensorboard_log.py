"""TensorBoard event files for a run: batch loss, epoch train/validation loss and accuracy,
exact match, learning rate, and the hyper-parameters (TensorBoard's HParams tab).

Written with TensorBoard's own record writer and protos, not ``tf.summary``, so it works
under every Keras backend without loading TensorFlow. Read the folder with
``tensorboard --logdir DIR``.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from playground.training import events as ev

EPOCH_SCALARS = {"epoch/train_loss": "train_loss", "epoch/train_token_accuracy": "train_token_accuracy",
                 "epoch/val_loss": "val_loss", "epoch/val_token_accuracy": "val_token_accuracy",
                 "epoch/val_exact_match": "val_exact_match", "epoch/learning_rate": "learning_rate"}


class TensorBoardError(ValueError):
    """The log folder cannot be written, or TensorBoard is not installed; one line."""


def _hparams(values: dict) -> dict:
    """Flat name → bool | number | string (what the HParams plugin takes)."""
    out = {}
    for name, value in values.items():
        if isinstance(value, (bool, int, float, str)):
            out[name] = value
        elif value is not None:
            out[name] = str(value)
    return out


class TensorBoardLog:
    """An event callback: feed it the session's events, then :meth:`close` it."""

    def __init__(self, folder: str | os.PathLike, hparams: dict):
        try:
            from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: F401
            from tensorboard.summary.writer.record_writer import RecordWriter
        except ImportError:
            raise TensorBoardError('TensorBoard logs need the tensorboard package: pip install -e ".[export]"') \
                from None
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.playground"
            self.path = self.folder / name
            self._file = open(self.path, "wb")  # noqa: SIM115 (closed at TrainFinished / close())
        except OSError as exc:
            raise TensorBoardError(f"{folder}: cannot write the TensorBoard log ({exc.strerror or exc})") from None
        self._records = RecordWriter(self._file)
        self._event(file_version="brain.Event:2")
        self._event(summary=_hparams_summary(_hparams(hparams)))

    def _event(self, step: int = 0, **fields) -> None:
        from tensorboard.compat.proto import event_pb2

        self._records.write(event_pb2.Event(wall_time=time.time(), step=step, **fields).SerializeToString())

    def scalar(self, tag: str, value: float, step: int) -> None:
        from tensorboard.compat.proto import summary_pb2

        self._event(step, summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag,
                                                                                       simple_value=float(value))]))

    def __call__(self, event) -> None:
        if self._file.closed:
            return
        if isinstance(event, ev.BatchEnd):
            self.scalar("batch/loss", event.loss, event.step)
        elif isinstance(event, ev.EpochEnd):
            for tag, name in EPOCH_SCALARS.items():
                value = getattr(event, name, None)
                if value is not None:
                    self.scalar(tag, value, event.epoch + 1)
            self._file.flush()
        elif isinstance(event, ev.Evaluated):
            for name in ("exact_match", "token_accuracy", "bleu", "chrf"):
                if isinstance(event.metrics.get(name), (int, float)):
                    self.scalar(f"test/{name}", event.metrics[name], 0)
            self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


def _hparams_summary(hparams: dict):
    """The HParams plugin's session-start summary (what ``hparams_pb`` writes, without TensorFlow)."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.hparams import metadata, plugin_data_pb2

    info = plugin_data_pb2.SessionStartInfo(group_name="", start_time_secs=time.time())
    for name in sorted(hparams):
        value = hparams[name]
        if isinstance(value, bool):
            info.hparams[name].bool_value = value
        elif isinstance(value, (int, float)):
            info.hparams[name].number_value = value
        else:
            info.hparams[name].string_value = value
    summary = summary_pb2.Summary()
    value = summary.value.add(tag=metadata.SESSION_START_INFO_TAG, metadata=metadata.create_summary_metadata(
        plugin_data_pb2.HParamsPluginData(session_start_info=info)))
    value.tensor.CopyFrom(metadata.NULL_TENSOR)
    return summary
