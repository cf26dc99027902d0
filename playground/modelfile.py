"""One-file models: weights, config, vocabularies, data description and history.

The file is a Keras 3 ``.keras`` archive (zip: ``config.json``, ``metadata.json``,
``model.weights.h5``) whose top-level object is a :class:`Seq2SeqModel`; everything
that is not a weight lives in the model's ``meta`` inside ``config.json``.

Loading never executes code from the file: the archive's config is checked before Keras
sees it (only our registered model class, no ``Lambda``, no unknown classes), and Keras
loads it with ``safe_mode=True``. Saving is atomic (temp file, then rename).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

FORMAT = "seq2seq-playground-model"
FORMAT_VERSION = 1
MODEL_CLASS = "playground>Seq2SeqModel"
_ALLOWED_MODULES = ("keras", "playground")


class ModelFileError(ValueError):
    """A model file cannot be read or written; the message names the file and the reason."""


def save_model(model, path, *, include_optimizer: bool = True) -> Path:
    """Writes ``model`` to ``path`` atomically; a failure leaves any previous file intact."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory, expected a model file path")
    model.meta["format"] = FORMAT
    model.meta["format_version"] = FORMAT_VERSION
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".keras", dir=directory)
    os.close(fd)
    try:
        optimizer = getattr(model, "optimizer", None)
        if not include_optimizer and optimizer is not None:
            model.optimizer = None
        try:
            model.save(tmp_name)
        finally:
            if not include_optimizer and optimizer is not None:
                model.optimizer = optimizer
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, (OSError, ValueError, TypeError)):
            raise ModelFileError(f"{path}: could not save the model ({exc})") from exc
        raise
    return path


def _iter_class_names(node):
    """Yields (module, class_name, registered_name) of every serialized object in a config."""
    if isinstance(node, dict):
        if "class_name" in node:
            yield node.get("module"), node.get("class_name"), node.get("registered_name")
        for value in node.values():
            yield from _iter_class_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _iter_class_names(value)


def read_archive_config(path) -> dict:
    """Validates the archive without building anything → its top-level ``config.json``."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such file")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory (a SavedModel export?), expected a model file")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a Seq2Seq Playground model file (not a zip archive; corrupt or truncated?)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = {"config.json", "model.weights.h5"} - names
            if missing:
                raise ModelFileError(f"{path}: not a Keras model archive (missing {', '.join(sorted(missing))})")
            bad = archive.testzip()
            if bad:
                raise ModelFileError(f"{path}: corrupt archive (bad CRC in {bad})")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, EOFError, OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc
    registered = config.get("registered_name") or config.get("class_name")
    if registered != MODEL_CLASS:
        raise ModelFileError(f"{path}: a Keras model of another kind ({registered!r}), "
                             "not a Seq2Seq Playground model")
    meta = config.get("config", {}).get("meta", {})
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a Seq2Seq Playground model file (format {meta.get('format')!r})")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelFileError(f"{path}: made by a newer version of Seq2Seq Playground "
                             f"(format {meta.get('format_version')}, this version reads {FORMAT_VERSION})")
    for module, class_name, registered_name in _iter_class_names(config.get("config", {})):
        if class_name == "Lambda" or "lambda" in str(registered_name).lower():
            raise ModelFileError(f"{path}: holds a Lambda layer (arbitrary code); refused to load")
        if module is not None and str(module).split(".")[0] not in _ALLOWED_MODULES:
            raise ModelFileError(f"{path}: holds an unknown class {class_name!r} from {module!r}; refused to load")
    return config


def read_meta(path) -> dict:
    """The model's meta (config, vocabularies, data, history, metrics) without loading weights."""
    config = read_archive_config(path)["config"]
    return {**config["meta"], "model_config": config["model_config"]}


def load_model(path, *, compile: bool = True):
    """→ a built :class:`Seq2SeqModel` with its weights (and optimizer state when saved)."""
    import keras

    from playground.models.seq2seq import Seq2SeqModel  # noqa: F401  (registers the class)

    path = Path(path)
    read_archive_config(path)
    # Keras only reads archives whose name ends in .keras.
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / "model.keras"
        try:
            os.symlink(path.resolve(), link)
        except OSError:
            import shutil

            shutil.copyfile(path, link)
        try:
            return keras.saving.load_model(link, compile=compile, safe_mode=True)
        except Exception as exc:  # Keras raises many types for a damaged archive
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelFileError(f"{path}: could not load the model ({message})") from exc
