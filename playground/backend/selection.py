"""Which Keras backend runs the engine: ``tensorflow`` (the default), ``jax`` or ``torch``.

Keras reads ``KERAS_BACKEND`` once, when it is first imported, so the choice is made
before that: from ``playground --backend``, the app's setting (for the training child
process at once, for the app at its next start) or the environment. Imports nothing heavy.
"""

from __future__ import annotations

import importlib.util
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = "tensorflow"
_INSTALL_HINTS = {
    "tensorflow": 'pip install -e .  (TensorFlow is the default backend and installed with the app)',
    "jax": 'pip install -e ".[jax]"  (CPU; README.md says how to get a CUDA build)',
    "torch": 'pip install -e ".[torch]"',
}


class BackendError(RuntimeError):
    """An unknown, missing or conflicting backend choice; the message says what to do."""


def requested_backend(environ=None) -> str:
    """The backend named by ``KERAS_BACKEND``, else the default."""
    environ = os.environ if environ is None else environ
    return (environ.get("KERAS_BACKEND") or DEFAULT_BACKEND).strip().lower()


def active_backend() -> str:
    """The backend Keras runs on (imports Keras if it is not loaded yet)."""
    import keras

    return keras.backend.backend()


def is_installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def select_backend(name: str | None = None) -> str:
    """Sets ``KERAS_BACKEND`` for this process (and the processes it starts) → the name.

    Raises :class:`BackendError` for an unknown or uninstalled backend, or when Keras is
    already loaded on another backend (a process cannot switch once Keras has loaded).
    """
    name = (name or requested_backend()).strip().lower()
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    if not is_installed(name):
        raise BackendError(f"the {name} backend is not installed; {_INSTALL_HINTS[name]}")
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        loaded = keras.backend.backend()
        if loaded != name:
            raise BackendError(f"Keras is already running on {loaded} in this process; "
                               f"the {name} backend applies to a new process")
    os.environ["KERAS_BACKEND"] = name
    return name
