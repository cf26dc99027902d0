"""One-file models: weights, config, vocabularies, data description and history.

The file is a Keras 3 ``.keras`` archive (zip: ``config.json``, ``metadata.json``,
``model.weights.h5``) whose top-level object is a :class:`Seq2SeqModel`; everything
that is not a weight lives in the model's ``meta`` inside ``config.json``.

Loading never executes code from the file and does bounded work on any file: the zip's
member table, the config (the whole tree, read with a size cap) and the weights' shapes are
checked first (:mod:`playground.modelfile_checks`), and Keras loads it with
``safe_mode=True``. Saving is atomic (temp file, then rename).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playground.atomic import atomic_save_with
from playground.modelfile_checks import (
    FORMAT,
    FORMAT_VERSION,
    MODEL_CLASS,
    ModelFileError,
    check_archive,
    check_weights,
    read_json_member,
    validate_config,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "MODEL_CLASS", "ModelFileError", "load_model", "read_archive_config",
           "read_meta", "save_model"]


def save_model(model, path, *, include_optimizer: bool = True) -> Path:
    """Writes ``model`` to ``path`` atomically; a failure leaves any previous file intact."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory, expected a model file path")
    model.meta["format"] = FORMAT
    model.meta["format_version"] = FORMAT_VERSION
    optimizer = getattr(model, "optimizer", None)

    def write(tmp: Path):
        if not include_optimizer and optimizer is not None:
            model.optimizer = None
        try:
            model.save(tmp)
        finally:
            if not include_optimizer and optimizer is not None:
                model.optimizer = optimizer

    try:
        return atomic_save_with(path, write, suffix=".keras")  # Keras only writes names ending in .keras
    except (OSError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: could not save the model ({exc})") from exc


def read_archive_config(path, *, check_weights_too: bool = False) -> dict:
    """Validates the archive without building anything → its top-level ``config.json``;
    ``check_weights_too``: also the weights' parameter count and HDF5 structure (no Keras)."""
    from playground.config import ModelConfig

    path = Path(path)
    with check_archive(path) as archive:
        config = validate_config(path, read_json_member(path, archive, "config.json"))
        if check_weights_too:
            check_weights(path, archive, ModelConfig.from_dict(config["config"]["model_config"]))
    return config


def read_meta(path, *, check_weights_too: bool = False) -> dict:
    """The model's meta (config, vocabularies, data, history, metrics) without loading weights;
    ``check_weights_too``: also the check :func:`load_model` makes of the weights, so a file
    that would not load says so."""
    config = read_archive_config(path, check_weights_too=check_weights_too)["config"]
    return {**config["meta"], "model_config": config["model_config"]}


def load_model(path, *, compile: bool = True):
    """→ a built :class:`Seq2SeqModel` with its weights (and optimizer state when saved)."""
    path = Path(path)
    read_archive_config(path, check_weights_too=True)

    import keras

    from playground.models.seq2seq import Seq2SeqModel  # noqa: F401  (registers the class)

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
