"""Settings → Backend: which Keras backend trains (at once, in the training process) and
runs the app itself (at its next start: a process cannot switch once Keras has loaded)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QAction, QActionGroup

from playground.backend.devices import backend_title
from playground.backend.selection import BACKENDS, BackendError, is_installed, requested_backend, select_backend

log = logging.getLogger("playground.ui")
SETTING = "backend"


def apply_backend_setting(settings) -> str | None:
    """At start-up, before Keras loads: the backend chosen in the app (else KERAS_BACKEND,
    else TensorFlow) → None, or a one-line problem (the default is used instead)."""
    chosen = settings.data.get(SETTING)
    if not chosen:
        return None
    try:
        select_backend(chosen)
    except BackendError as exc:
        log.warning("backend setting %r not used: %s", chosen, exc)
        return f"The {chosen} backend chosen in Settings is not available ({exc}); using {requested_backend()}."
    return None


class BackendMenu:
    """The menu, and the backend the next training uses (``training_backend``)."""

    def __init__(self, window, menu):
        self.window = window
        self.app_backend = requested_backend()  # what this process loads (set before Keras)
        self.training_backend = self.app_backend
        self.group = QActionGroup(window)
        self.group.setExclusive(True)
        for name in BACKENDS:
            installed = is_installed(name)
            action = QAction(backend_title(name) + ("" if installed else " (not installed)"), window)
            action.setCheckable(True)
            action.setEnabled(installed)
            action.setData(name)
            action.setChecked(name == self.app_backend)
            action.setStatusTip(f"Train with Keras on {backend_title(name)}")
            action.triggered.connect(lambda _=False, n=name: self.choose(n))
            self.group.addAction(action)
            menu.addAction(action)

    def choose(self, name: str) -> None:
        self.training_backend = name
        self.window.settings[SETTING] = name
        self.window.settings.save()
        self.window.train_panel.backend = name
        self.window.update_device_label()
        if name == self.app_backend:
            text = f"Backend: {backend_title(name)}."
        else:
            text = (f"Backend: {backend_title(name)}. The next training uses it; translation and generation in "
                    f"this window switch at the app's next start.")
        self.window.statusBar().showMessage(text, 10000)
