"""The Data tab's loading, off the GUI thread: the first lines of a file at once, then the
whole corpus and what the panel shows of it, with progress and Cancel."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

PREVIEW_ROWS = 200
_QUICK_BYTES = 65536


def quick_preview(path: str) -> list[tuple[str, str]]:
    """The first lines of a text file split on tabs (shown while the full load runs)."""
    with open(path, "rb") as handle:
        head = handle.read(_QUICK_BYTES).decode("utf-8", errors="replace")
    rows = []
    for line in head.splitlines()[:-1][:PREVIEW_ROWS]:
        cells = line.split("\t")
        rows.append((cells[0], cells[1] if len(cells) > 1 else ""))
    return rows


class Progress(QObject):
    """Carries a worker's progress to the GUI thread; ``cancel()`` makes the next report raise."""

    changed = Signal(float, str)

    def __init__(self):
        super().__init__()
        self.cancelled = threading.Event()

    def __call__(self, fraction: float, what: str) -> None:
        from playground.data import LoadCancelled

        if self.cancelled.is_set():
            raise LoadCancelled("cancelled")
        self.changed.emit(float(fraction), what)

    def cancel(self) -> None:
        self.cancelled.set()


def load_and_summarise(source: str, options, progress=None, music: dict | None = None) -> dict:
    """Worker-thread part of a load: the corpus plus everything the panel shows. ``music``:
    encoding, include_drums, transpose (MIDI sources only)."""
    from playground.sources import load_any_source

    corpus = load_any_source(source, options, progress=progress, **(music or {}))  # other kinds ignore music
    preview = corpus.preview(PREVIEW_ROWS)
    everything = corpus.train + corpus.val + corpus.test
    source_lengths = np.array([len(s) for s, _ in everything])
    target_lengths = np.array([len(t) for _, t in everything])
    return {"corpus": corpus, "preview": preview, "source_lengths": source_lengths,
            "target_lengths": target_lengths, "describe": corpus.describe()}
