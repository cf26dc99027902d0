"""Resuming a run: it continues the checkpoint's own run, on the checkpoint's data, with its
architecture, vocabularies and optimizer (state and learning-rate schedule). A choice that
contradicts the checkpoint is refused with one line naming each field, never ignored: a
user who asks for a Transformer, other data or another learning rate would otherwise get
the old run without a word.

What a resumed run may change: the number of epochs (the total, so more than are done),
batch size, label smoothing, early stopping, the seed of the later epochs' shuffling, and the
machine settings (device, distribution, mixed precision), which are the machine's, not the run's.
"""

from __future__ import annotations

import json
import os

from playground.config import TrainConfig
from playground.training.events import count

# Not inherited from the checkpoint: where the run goes now.
MACHINE_SETTINGS = ("device", "distribute", "mixed_precision")
# Restored with the optimizer; a new value would be silently ignored.
OPTIMIZER_SETTINGS = ("optimizer", "learning_rate", "lr_schedule", "warmup_steps", "clip_norm")


class ResumeError(ValueError):
    """The resume asks for something the checkpoint's run cannot continue with (one line)."""


def _differences(chosen: dict, checkpoint: dict) -> list[str]:
    return [f"{key} {_shown(key, chosen[key])} (the checkpoint has {_shown(key, checkpoint.get(key))})"
            for key in chosen if chosen[key] != checkpoint.get(key)]


def _shown(key: str, value) -> str:
    """A value as the user writes it: columns 1-based, as ``--columns 2,3`` and the Data tab count."""
    if key == "columns" and isinstance(value, (list, tuple)):
        return ",".join(str(column + 1) for column in value)
    return repr(value)


def _refuse(checkpoint_path: str, differences: list[str]) -> None:
    if differences:
        raise ResumeError(f"{checkpoint_path}: resuming continues the checkpoint's run, so these must stay as they "
                          f"were: {'; '.join(differences)}. Leave them out, or train a new model without resuming.")


def check_choices(request, model, task: str) -> None:
    """Refuses model, data, music and optimizer choices of ``request`` (a TrainRequest) that
    differ from the checkpoint ``model``'s; ``task`` is the task the request resolves to."""
    meta = model.meta
    differences = []
    if task != meta.get("task", task):
        differences.append(f"task {task!r} (the checkpoint has {meta.get('task')!r})")
    chosen_model = {k: v for k, v in (request.model or {}).items() if v is not None}
    if chosen_model:
        from playground.training.session import resolve_model_config

        # Resolved as a new run would be (a language model's mode and cell), then compared.
        resolved = resolve_model_config(chosen_model, task, request.source).to_dict()
        keys = set(chosen_model) | ({"mode", "cell"} if "mode" in chosen_model else set())
        differences += _differences({k: resolved[k] for k in sorted(keys)}, model.config.to_dict())
    from playground.data.source import DataOptions

    stored = meta.get("data_options") or {}
    chosen_data = dict(request.data_options or {})
    if chosen_data:
        wanted = DataOptions.from_dict({**stored, **chosen_data}).to_dict()
        differences += _differences({k: wanted[k] for k in chosen_data}, DataOptions.from_dict(stored).to_dict())
    from playground.sources import music_options

    trained_music = music_options(meta)
    differences += _differences({k: v for k, v in (request.music or {}).items() if k in trained_music},
                                trained_music)
    trained = meta.get("train_config") or {}
    differences += _differences({k: v for k, v in (request.train or {}).items()
                                 if k in OPTIMIZER_SETTINGS and v is not None and k in trained},
                                TrainConfig.from_dict(trained).to_dict())
    _refuse(request.resume, differences)


def check_same_data(request, meta: dict, corpus) -> None:
    """Refuses other data than the checkpoint's: the same source name, the same file or
    folder, or (a moved or copied file) data that reads the same: split sizes,
    vocabularies and the seeded test split."""
    trained_on = meta.get("source")
    if trained_on is None or str(trained_on) == str(request.source):
        return
    try:
        if os.path.exists(trained_on) and os.path.samefile(trained_on, request.source):
            return
    except OSError:
        pass
    stored = {"counts": (meta.get("data") or {}).get("counts"), "source_vocab": meta.get("source_vocab"),
              "target_vocab": meta.get("target_vocab"), "test": meta.get("test_examples")}
    loaded = {"counts": {"train": len(corpus.train), "val": len(corpus.val), "test": len(corpus.test)},
              "source_vocab": corpus.source_vocab.to_dict() if corpus.source_vocab is not None else None,
              "target_vocab": corpus.target_vocab.to_dict(), "test": [[list(s), list(t)] for s, t in corpus.test]}
    if json.dumps(stored, sort_keys=True, default=str) == json.dumps(loaded, sort_keys=True, default=str):
        return
    raise ResumeError(f"{request.resume} was trained on {trained_on}; resuming continues on that data, and "
                      f"{request.source} holds other data. Pass {trained_on} (or a copy of it), or train a new "
                      "model on this data without resuming.")


def resumed_train_config(request, meta: dict) -> TrainConfig:
    """The checkpoint's settings (its machine settings aside) with the request's choices over
    them; refuses a run that has no epochs left to train."""
    trained = {k: v for k, v in (meta.get("train_config") or {}).items() if k not in MACHINE_SETTINGS}
    chosen = {k: v for k, v in (request.train or {}).items() if v is not None}
    config = TrainConfig.from_dict({**trained, **chosen})
    done = int(meta.get("epochs_completed", 0))
    if config.epochs <= done:
        raise ResumeError(f"{request.resume} has already trained {count(done, 'epoch')}, and {config.epochs} are "
                          f"asked for in all: ask for more in all (e.g. {done + 10} epochs) to train further.")
    return config
