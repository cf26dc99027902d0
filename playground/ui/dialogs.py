"""Every message box and file dialog goes through here, so tests can replace them.

Tests monkeypatch :data:`HOOK` (``dialogs.HOOK = lambda kind, title, text: answer``) to
record messages and answer questions without a modal dialog blocking the event loop.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from playground.paths import PathRefused, check_output, existing_kind

log = logging.getLogger("playground.ui")

#: When set, ``HOOK(kind, title, text)`` replaces the dialog; kind is "error", "info",
#: "question", "open", "open_dir" or "save"; it returns the answer (bool or path/"" ).
HOOK = None
#: Where file dialogs remember their last folder per kind (the app's Settings, or None).
FOLDERS = None


def _start_in(kind: str | None, suggested: str = "") -> str:
    """The folder (plus a suggested file name) a file dialog of ``kind`` opens in."""
    folder = FOLDERS.last_dir(kind) if FOLDERS is not None and kind else ""
    if suggested:
        return str(Path(folder) / suggested) if folder else suggested
    return folder


def _remember(kind: str | None, path: str) -> None:
    if path and FOLDERS is not None and kind:
        FOLDERS.remember_dir(kind, path)


def error(parent: QWidget | None, title: str, text: str) -> None:
    log.warning("%s: %s", title, text)
    if HOOK is not None:
        HOOK("error", title, text)
        return
    QMessageBox.critical(parent, title, text)


def info(parent: QWidget | None, title: str, text: str) -> None:
    if HOOK is not None:
        HOOK("info", title, text)
        return
    QMessageBox.information(parent, title, text)


def question(parent: QWidget | None, title: str, text: str) -> bool:
    if HOOK is not None:
        return bool(HOOK("question", title, text))
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def open_file(parent: QWidget | None, title: str, filters: str = "All files (*)", *, kind: str | None = None) -> str:
    """A file to open; the dialog starts in the folder last used for ``kind``."""
    if HOOK is not None:
        return HOOK("open", title, filters) or ""
    path, _ = QFileDialog.getOpenFileName(parent, title, _start_in(kind), filters)
    _remember(kind, path)
    return path


def open_dir(parent: QWidget | None, title: str, *, kind: str | None = None) -> str:
    if HOOK is not None:
        return HOOK("open_dir", title, "") or ""
    path = QFileDialog.getExistingDirectory(parent, title, _start_in(kind))
    _remember(kind, path)
    return path


def save_file(parent: QWidget | None, title: str, filters: str = "All files (*)", *, kind: str | None = None,
              suggested: str = "") -> str:
    """A path to write; starts in the folder last used for ``kind`` with ``suggested`` as the name."""
    if HOOK is not None:
        return HOOK("save", title, filters) or ""
    # We ask before replacing (confirm_output), with the kind of what is there.
    path, _ = QFileDialog.getSaveFileName(parent, title, _start_in(kind, suggested), filters,
                                          options=QFileDialog.Option.DontConfirmOverwrite)
    _remember(kind, path)
    return path


_REPLACE_WHAT = {"model": "model", "midi": "MIDI file", "wav": "WAV file", "export": "export",
                 "table": "table", "png": "image"}


def confirm_output(parent: QWidget | None, path: str, writes: str, *, inputs=()) -> Path | None:
    """The rules of :func:`playground.paths.check_output`, asked as a person would be: a file
    of the same kind → "Replace it?"; one of another kind → "Replace it anyway?" (the CLI's
    --force); a folder we did not create or an input → refused with a message.
    → the path to write, or None when refused or declined."""
    try:
        target = check_output(path, writes, inputs=inputs)
    except PathRefused as refused:
        if not refused.forceable:
            error(parent, "Cannot write there", str(refused))
            return None
        text = str(refused).split("; refused")[0]
        title = "Replace a read-only file?" if refused.read_only else "Replace a file of another kind?"
        if not question(parent, title, f"{text}.\n\nReplace it anyway?"):
            return None
        return check_output(path, writes, inputs=inputs, force=True)
    if existing_kind(target) not in ("missing", "empty_dir"):
        if not question(parent, "Replace?", f"{target} already exists. Replace the {_REPLACE_WHAT[writes]}?"):
            return None
    return target
