"""Importing TensorFlow without its start-up chatter on stderr.

TensorFlow's C++ runtime prints several lines ("oneDNN custom operations…",
"Could not find cuda drivers…") before its logging is configured, so no environment
variable silences them. A user of the CLI should see our output only: stderr (fd 2) is
pointed at /dev/null for the duration of the import.
"""

from __future__ import annotations

import os
import sys


def share_gpu_memory() -> None:
    """TensorFlow reserves nearly all GPU memory when it starts. The app holds a model for
    translation while a child process trains: both must take GPU memory as they need it
    (a setting read when TensorFlow initialises; inherited by child processes)."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")


def import_tensorflow(quiet: bool = True):
    """Imports and returns ``tensorflow`` (and Keras with it), silently when ``quiet``."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    share_gpu_memory()
    if not quiet:
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401  (Keras 3 on the TensorFlow backend)
        import tensorflow

        # Device discovery prints its own CUDA complaints on a machine without a GPU.
        tensorflow.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow
