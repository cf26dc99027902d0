"""Events the trainer reports through its callback (plain dataclasses, no Qt).

A UI turns them into signals; the CLI prints them. A callback may raise
:class:`StopTraining` to stop the run at the next batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field


#: Statuses of a run that failed (no usable result from this run beyond its last checkpoint).
FAILED = ("nan", "diverged", "error")


def clock(seconds: float) -> str:
    """1:05 (m:ss) or 1:02:03 (h:mm:ss); "…" while not known (negative)."""
    if seconds < 0:
        return "…"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


def count(n: int, noun: str) -> str:
    """ "1 epoch", "3 epochs": a number with its noun, as messages say it."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class StopTraining(Exception):
    """Raised by a callback to stop training cleanly (like pressing Stop)."""


@dataclass(frozen=True)
class TrainStarted:
    device: str  # human-readable device in use, e.g. "CPU" or "GPU 0: NVIDIA H100"
    replicas: int  # devices training in parallel (tf.distribute)
    epochs: int  # epochs planned (the last epoch index + 1 when resuming)
    first_epoch: int  # 0, or the epoch to resume from
    batches_per_epoch: int  # batches in one epoch of the training split
    train_examples: int
    val_examples: int
    parameters: int  # trainable parameters


@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # 0-based
    batch: int  # 0-based within the epoch
    step: int  # global batch counter
    loss: float  # this batch's masked cross-entropy
    token_accuracy: float  # this batch's masked token accuracy
    samples_per_second: float  # throughput over the last batches
    elapsed: float  # seconds since training started
    eta_seconds: float  # estimate for the whole run to finish; -1 while not known (the run's first batch)


@dataclass(frozen=True)
class BatchFailed:
    """The batch whose loss stopped the run (not a number, or diverged); no BatchEnd for it."""

    epoch: int  # 0-based
    batch: int  # 0-based within the epoch
    step: int  # the global batch counter it would have had
    loss: float  # nan, inf, or the diverged value


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    train_loss: float
    train_token_accuracy: float
    val_loss: float | None  # None when there is no validation split
    val_token_accuracy: float | None
    val_exact_match: float | None  # greedy decode vs reference, whole sequences
    samples: list = field(default_factory=list)  # [(input, expected, produced)] for fixed val items
    elapsed: float = 0.0
    checkpoint: str | None = None  # path written this epoch
    learning_rate: float | None = None  # the optimizer's rate at the epoch's end


def continuation(source: str, expected: str, produced: str) -> tuple[str, str, bool]:
    """An EpochEnd sample's expected and produced text after the prompt, when both continue
    it (a language model's sample) → (expected, produced, continued); else as given."""
    if source and expected.startswith(source) and produced.startswith(source):
        return expected[len(source):], produced[len(source):], True
    return expected, produced, False


@dataclass(frozen=True)
class TrainFinished:
    status: str  # "done" | "stopped" | "early_stopped" | "nan" | "diverged" | "error"
    message: str
    epochs_completed: int
    best_val_loss: float | None = None


@dataclass(frozen=True)
class Evaluating:
    items: int  # test items being scored after training


@dataclass(frozen=True)
class Evaluated:
    metrics: dict  # exact_match, token_accuracy, bleu, chrf, n (perplexity, nll for language models)
    mistakes: list = field(default_factory=list)  # [[input, expected, produced]] of wrong test items


@dataclass(frozen=True)
class ModelSaved:
    path: str  # the model file written
    epochs_completed: int
    final: bool  # True: the run's final model (with its test metrics when they were computed)


@dataclass(frozen=True)
class Paused:
    paused: bool  # True on pause, False on resume
