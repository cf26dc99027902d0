"""File actions of the main window: open / save a model, export (SavedModel, ONNX, LiteRT), save the
plots as PNG and the history as CSV. Slow work runs off the GUI thread; every failure is
a message naming the file and the problem, and the app keeps its state."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playground.atomic import atomic_write
from playground.ui import dialogs
from playground.ui.workers import run_job

MODEL_FILTER = "Seq2Seq Playground model (*.keras);;All files (*)"
EPOCH_COLUMNS = ("epoch", "train_loss", "train_token_accuracy", "val_loss", "val_token_accuracy", "val_exact_match",
                 "elapsed")


def suggested_name(model, suffix: str) -> str:
    """A file name that says what the model is: ``attention-lstm-digits-reverse.keras``."""
    if model is None:
        return f"model{suffix}"
    cfg = model.config
    source = str(model.meta.get("source", "data"))
    source = Path(source).stem if ("/" in source or "\\" in source) else source
    slug = re.sub(r"[^A-Za-z0-9]+", "-", source).strip("-").lower() or "data"
    return f"{cfg.mode}-{cfg.cell}-{slug}{suffix}"


def _load(path: str):
    from playground.modelfile import load_model

    from playground.ui.workers import ensure_tensorflow

    ensure_tensorflow()
    return load_model(path, compile=False)


def open_model(window, path: str | None = None, on_done=None) -> None:
    path = path or dialogs.open_file(window, "Open a model", MODEL_FILTER, kind="model")
    if not path:
        return
    window.statusBar().showMessage(f"Opening {path}…")

    def done(model):
        window.state.set_model(model, path, name=f"file {Path(path).name}")
        window.state.add_loaded_model_run(model, path)
        window.settings.add_recent("recent_models", str(path))
        window.statusBar().showMessage(f"Opened {path}", 5000)
        window.model_opened.emit(model)
        if on_done:
            on_done(model)

    def failed(message):
        window.statusBar().showMessage(f"Could not open {path}", 5000)
        dialogs.error(window, "Could not open the model", message if str(path) in message else f"{path}: {message}")
        window.model_open_failed.emit(message)

    run_job(lambda: _load(path), done, failed)


def save_model(window, path: str | None = None, on_done=None) -> None:
    model = window.state.model
    if model is None:
        dialogs.error(window, "No model", "Train a model or open one first.")
        return
    path = path or dialogs.save_file(window, "Save the model", MODEL_FILTER, kind="model",
                                      suggested=suggested_name(model, ".keras"))
    if not path:
        return
    if not str(path).endswith(".keras"):
        path = f"{path}.keras"
    path = dialogs.confirm_output(window, path, "model")
    if path is None:
        return

    def work():
        from playground.modelfile import save_model as save

        return save(model, path)

    def done(written):
        window.state.model_path = str(written)
        window.settings.add_recent("recent_models", str(written))
        window.statusBar().showMessage(f"Saved {written}", 5000)
        window.model_saved.emit(str(written))
        if on_done:
            on_done(written)

    run_job(work, done, lambda message: dialogs.error(window, "Could not save the model", message))


EXPORTS = {  # format, quantisation → (menu title, file-dialog title, folder suffix)
    ("savedmodel", None): ("TensorFlow SavedModel…", "Export a TensorFlow SavedModel (a folder)", "-savedmodel"),
    ("onnx", None): ("ONNX…", "Export ONNX graphs (a folder)", "-onnx"),
    ("tflite", None): ("LiteRT / TFLite (float32)…", "Export LiteRT graphs (a folder)", "-tflite"),
    ("tflite", "dynamic"): ("LiteRT / TFLite, int8 weights…", "Export quantised LiteRT graphs (a folder)",
                            "-tflite-int8"),
    ("tflite", "float16"): ("LiteRT / TFLite, float16 weights…", "Export float16 LiteRT graphs (a folder)",
                            "-tflite-fp16"),
}


def export_model(window, export_format: str = "savedmodel", quantize: str | None = None, path: str | None = None,
                 on_done=None) -> None:
    """Exports the model in use (a worker thread; under JAX/PyTorch a TensorFlow child process)."""
    model = window.state.model
    if model is None:
        dialogs.error(window, "Nothing to export", "Train a model or open one first.")
        return
    if export_format == "savedmodel" and model.config.is_lm:
        dialogs.error(window, "Nothing to export", "A SavedModel export needs a translation model; export a "
                                                   "language model as ONNX or LiteRT.")
        return
    _, title, suffix = EXPORTS[(export_format, quantize)]
    path = path or dialogs.save_file(window, title, "Folder (*)", kind="export", suggested=suggested_name(model, suffix))
    if not path:
        return
    path = dialogs.confirm_output(window, path, "export", inputs=[window.state.model_path])
    if path is None:
        return
    label = {"savedmodel": "SavedModel", "onnx": "ONNX", "tflite": "LiteRT"}[export_format]
    window.statusBar().showMessage(f"Exporting {label} to {path}…")

    def work():
        from playground.savedmodel import export_model as export

        return export(model, path, export_format, quantize=quantize, model_path=window.state.model_path)

    def done(written):
        what = ("signature 'translate'" if export_format == "savedmodel"
                else "encoder + decoder step, model.json; run with playground.portable")
        window.statusBar().showMessage(f"Exported {label} {written} ({what})", 8000)
        if on_done:
            on_done(written)

    run_job(work, done, lambda message: dialogs.error(window, "Could not export", f"{path}: {message}"))


def export_savedmodel(window, path: str | None = None, on_done=None) -> None:
    export_model(window, "savedmodel", None, path, on_done)


def save_plots(window, stem: str | None = None) -> list[str]:
    stem = stem or dialogs.save_file(window, "Save the training plots (PNG)", "PNG (*.png)", kind="image",
                                      suggested="training.png")
    if not stem:
        return []
    stem = stem[:-4] if stem.endswith(".png") else stem
    for suffix in ("loss", "accuracy"):
        if dialogs.confirm_output(window, f"{stem}-{suffix}.png", "png") is None:
            return []
    try:
        written = window.train_panel.plots.export_png(stem)
    except (OSError, RuntimeError) as exc:
        dialogs.error(window, "Could not save the plots", f"{stem}: {exc}")
        return []
    window.statusBar().showMessage("Saved " + ", ".join(written), 5000)
    return written


def history_rows(window) -> tuple[list[dict], list[float]]:
    """Epoch records and batch losses of the current model (or the latest run)."""
    model = window.state.model
    if model is not None and model.meta.get("history", {}).get("epochs"):
        history = model.meta["history"]
        return list(history.get("epochs", [])), list(history.get("batch_loss", []))
    if window.state.runs:
        run = window.state.runs[-1]
        return run.epochs, run.batch_loss
    return [], []


def save_history_csv(window, path: str | None = None) -> str | None:
    epochs, batch_loss = history_rows(window)
    if not epochs and not batch_loss:
        dialogs.info(window, "No history", "Train a model first.")
        return None
    path = path or dialogs.save_file(window, "Save the training history (CSV)", "CSV (*.csv)", kind="table",
                                      suggested="history.csv")
    if not path:
        return None
    batches = Path(path).with_name(Path(path).stem + "-batches.csv")
    if dialogs.confirm_output(window, path, "table") is None or dialogs.confirm_output(window, batches, "table") is None:
        return None

    epoch_text, batch_text = io.StringIO(newline=""), io.StringIO(newline="")
    writer = csv.DictWriter(epoch_text, EPOCH_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(epochs)
    csv.writer(batch_text).writerows([["batch", "loss"], *enumerate(batch_loss, 1)])
    try:
        atomic_write(path, lambda handle: handle.write(epoch_text.getvalue().encode("utf-8")))
        atomic_write(batches, lambda handle: handle.write(batch_text.getvalue().encode("utf-8")))
    except OSError as exc:
        dialogs.error(window, "Could not save the history", f"{path}: {exc.strerror or exc}")
        return None
    window.statusBar().showMessage(f"Saved {path} and {batches.name}", 5000)
    return path

