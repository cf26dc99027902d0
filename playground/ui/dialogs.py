"""Every message box and file dialog goes through here, so tests can replace them.

Tests monkeypatch :data:`HOOK` (``dialogs.HOOK = lambda kind, title, text: answer``) to
record messages and answer questions without a modal dialog blocking the event loop.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

log = logging.getLogger("playground.ui")

#: When set, ``HOOK(kind, title, text)`` replaces the dialog; kind is "error", "info",
#: "question", "open", "open_dir" or "save"; it returns the answer (bool or path/"" ).
HOOK = None


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


def open_file(parent: QWidget | None, title: str, filters: str = "All files (*)", directory: str = "") -> str:
    if HOOK is not None:
        return HOOK("open", title, filters) or ""
    path, _ = QFileDialog.getOpenFileName(parent, title, directory, filters)
    return path


def open_dir(parent: QWidget | None, title: str, directory: str = "") -> str:
    if HOOK is not None:
        return HOOK("open_dir", title, "") or ""
    return QFileDialog.getExistingDirectory(parent, title, directory)


def save_file(parent: QWidget | None, title: str, filters: str = "All files (*)", directory: str = "") -> str:
    if HOOK is not None:
        return HOOK("save", title, filters) or ""
    path, _ = QFileDialog.getSaveFileName(parent, title, directory, filters)
    return path
