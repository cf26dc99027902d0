"""Exports from any backend: SavedModel, ONNX and LiteRT are made by TensorFlow tools, so
under JAX or PyTorch the export runs in a TensorFlow child process (model files are
portable between backends). The in-process work is :func:`playground.export.export_savedmodel`
and :func:`playground.exports.write.export_portable`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from playground.exports import QUANTIZATIONS

EXPORT_TIMEOUT_S = 900
FORMATS = ("savedmodel", "onnx", "tflite")


class ExportError(ValueError):
    """The model cannot be exported in the asked format."""


def export_model(model, path, export_format: str = "savedmodel", *, quantize: str | None = None,
                 model_path: str | None = None) -> Path:
    """Writes the export folder at ``path`` (replacing what is there: callers check first
    with :func:`playground.paths.check_output`)."""
    import keras

    if export_format not in FORMATS:
        raise ExportError(f"unknown export format {export_format!r}. Valid options: {', '.join(FORMATS)}")
    if quantize is not None and export_format != "tflite":
        raise ExportError("--quantize applies to the tflite format only")
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise ExportError(f"unknown quantisation {quantize!r}. Valid options: {', '.join(QUANTIZATIONS)}")
    if export_format == "savedmodel" and model.config.is_lm:
        raise ExportError("Only translation models have a 'translate' signature; this is a language model "
                          "(export it as onnx or tflite)")
    _check_tools(export_format)
    if keras.backend.backend() != "tensorflow":
        return _export_in_tensorflow(model, Path(path), export_format, quantize, model_path)
    try:
        return _export_here(model, path, export_format, quantize, model_path)
    except ExportError:
        raise
    except Exception as exc:
        reason = _write_failure(exc)
        if reason is None:
            raise
        # Not TensorFlow's "{{function_node __wrapped__SaveV2…}} <hidden temporary>…": the folder asked for.
        raise ExportError(f"{path}: could not write the export ({reason}); nothing was changed") from exc


_WRITE_FAILURES = ("No space left on device", "Disk quota exceeded", "Read-only file system", "Permission denied",
                   "File too large")


def _write_failure(exc: Exception) -> str | None:
    """Why writing failed, in the system's words (an OSError's, or one inside a TensorFlow
    error's text), lower-cased; None for other errors."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    found = next((reason for reason in _WRITE_FAILURES if reason.lower() in text.lower()), None)
    return found.lower() if found else None


def export_savedmodel(model, path, *, model_path: str | None = None) -> Path:
    """Writes the SavedModel folder at ``path`` (see :func:`playground.export.export_savedmodel`)."""
    return export_model(model, path, "savedmodel", model_path=model_path)


def _check_tools(export_format: str) -> None:
    import importlib.util

    needed = {"onnx": ["tf2onnx", "onnx"], "tflite": [], "savedmodel": []}[export_format]
    missing = [name for name in ["tensorflow", *needed] if importlib.util.find_spec(name) is None]
    if missing:
        raise ExportError(f"the {export_format} export needs {', '.join(missing)}: "
                          'pip install -e ".[export]"')


def _export_here(model, path, export_format, quantize, model_path) -> Path:
    if export_format == "savedmodel":
        from playground.export import export_savedmodel as export_here

        return export_here(model, path, model_path=model_path)
    from playground.exports.write import export_portable

    return export_portable(model, path, export_format, quantize=quantize, model_path=model_path)


def _export_in_tensorflow(model, path: Path, export_format, quantize, model_path) -> Path:
    from playground.modelfile import save_model

    with tempfile.TemporaryDirectory(prefix="playground-export-") as folder:
        copy = save_model(model, Path(folder) / "model.keras")
        code = textwrap.dedent(f"""
            from playground.backend.loading import load_backend
            load_backend("tensorflow")
            from playground.modelfile import load_model
            from playground.savedmodel import export_model
            export_model(load_model({str(copy)!r}, compile=False), {str(path)!r}, {export_format!r},
                         quantize={quantize!r}, model_path={model_path!r})
        """)
        env = dict(os.environ, KERAS_BACKEND="tensorflow")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                              timeout=EXPORT_TIMEOUT_S)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise ExportError(f"the TensorFlow export process failed: {lines[-1] if lines else done.returncode}")
    return path
