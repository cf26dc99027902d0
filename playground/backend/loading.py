"""Importing Keras and its backend without start-up chatter, and sharing GPU memory.

TensorFlow's C++ runtime prints several lines ("oneDNN custom operations…", "Could not
find cuda drivers…") before its logging is configured, and XLA (JAX) prints its own, so
no environment variable silences them all. A user of the CLI should see our output only:
stderr (fd 2) is pointed at /dev/null for the duration of the import.
"""

from __future__ import annotations

import contextlib
import os
import sys

from playground.backend.selection import requested_backend, select_backend


def share_gpu_memory() -> None:
    """The app holds a model for translation while a child process trains: neither may
    take all GPU memory up front. TensorFlow reserves nearly all of it and JAX 75 % unless
    told otherwise (settings read when each initialises; inherited by child processes)."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    # The runtimes' own log lines ("E0000 … oneDNN supports DT_BOOL only…", "failed call to
    # cuInit") are not errors of a command: a failure reaches the user as an exception, said
    # in one line. TF_CPP_MIN_LOG_LEVEL=0 (or --debug) shows them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def _stderr_silenced(quiet: bool):
    if not quiet:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_backend(name: str | None = None, quiet: bool = True) -> str:
    """Selects the backend (``name``, else ``KERAS_BACKEND``, else TensorFlow), imports
    Keras and the backend's library, silently when ``quiet`` → the backend's name."""
    name = select_backend(name or requested_backend())
    share_gpu_memory()
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        return name
    with _stderr_silenced(quiet):
        import keras  # noqa: F401  (reads KERAS_BACKEND)

        if name == "tensorflow":
            import tensorflow

            # Device discovery prints its own CUDA complaints on a machine without a GPU.
            tensorflow.config.list_physical_devices()
        elif name == "jax":
            import jax

            _use_compilation_cache(jax)
            jax.devices()
        else:
            import torch

            torch.cuda.is_available()
    return name


def compilation_cache_dir() -> str | None:
    """Where JAX keeps compiled programs between runs (``PLAYGROUND_JAX_CACHE``; empty: off)."""
    chosen = os.environ.get("PLAYGROUND_JAX_CACHE")
    if chosen is not None:
        return chosen or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "seq2seq-playground", "jax")


def _use_compilation_cache(jax) -> None:
    """Each new batch shape compiles the training step (seconds on a GPU); the cache makes
    the next run, the app's next training child and the next translation start warm."""
    directory = compilation_cache_dir()
    if not directory:
        return
    try:
        os.makedirs(directory, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", directory)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    except (OSError, AttributeError, ValueError):
        pass  # an unwritable cache costs time, not results


def limit_cpu_threads(threads: int) -> None:
    """Caps the backend's intra-op CPU threads (the app leaves a core to the GUI)."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(threads)
        elif backend == "torch":
            import torch

            torch.set_num_threads(threads)
        # JAX (XLA) sizes its CPU thread pool when it starts; nothing to set afterwards.
    except RuntimeError:
        pass  # the runtime was already initialised (e.g. by a test): keep its setting
