"""The SavedModel export from any backend: a SavedModel is a TensorFlow artefact, so under
JAX or PyTorch the export runs in a TensorFlow child process (model files are portable
between backends). The in-process work is :func:`playground.export.export_savedmodel`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

EXPORT_TIMEOUT_S = 900


class ExportError(ValueError):
    """The model cannot be exported in the asked format."""


def export_savedmodel(model, path, *, model_path: str | None = None) -> Path:
    """Writes the SavedModel folder at ``path`` (see :func:`playground.export.export_savedmodel`)."""
    import keras

    if keras.backend.backend() == "tensorflow":
        from playground.export import export_savedmodel as export_here

        return export_here(model, path, model_path=model_path)
    return _export_in_tensorflow(model, Path(path), model_path)


def _export_in_tensorflow(model, path: Path, model_path: str | None) -> Path:
    from playground.modelfile import save_model

    if model.config.is_lm:
        raise ExportError("Only translation models have a 'translate' signature; this is a language model")
    with tempfile.TemporaryDirectory(prefix="playground-export-") as folder:
        copy = save_model(model, Path(folder) / "model.keras")
        code = textwrap.dedent(f"""
            from playground.backend.loading import load_backend
            load_backend("tensorflow")
            from playground.export import export_savedmodel
            from playground.modelfile import load_model
            export_savedmodel(load_model({str(copy)!r}, compile=False), {str(path)!r}, model_path={model_path!r})
        """)
        env = dict(os.environ, KERAS_BACKEND="tensorflow")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                              timeout=EXPORT_TIMEOUT_S)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise ExportError(f"the TensorFlow export process failed: {lines[-1] if lines else done.returncode}")
    return path
