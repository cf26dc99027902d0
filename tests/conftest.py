"""Shared fixtures: tiny corpora and models, fixed seeds, the shared-data location."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app's data folder (runs and their models) and settings stay out of the user's home.
import tempfile  # noqa: E402

os.environ.setdefault("PLAYGROUND_DATA_DIR", tempfile.mkdtemp(prefix="playground-test-data-"))
os.environ.setdefault("PLAYGROUND_CONFIG_DIR", tempfile.mkdtemp(prefix="playground-test-config-"))
os.environ.setdefault("PLAYGROUND_JAX_CACHE", tempfile.mkdtemp(prefix="playground-test-jax-cache-"))

import pytest  # noqa: E402

BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=f"needs the TensorFlow backend (running under {BACKEND})")
    for item in items:
        if BACKEND != "tensorflow" and "tensorflow_only" in item.keywords:
            item.add_marker(skip)


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(*parts) -> Path:
    """A path under ../shared/data, or skip the test when it is absent (a user's clone)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (../shared/data is not beside this checkout)")
    return path


@pytest.fixture
def messages(monkeypatch):
    """Dialogs the app would show, recorded as (kind, title, text) instead (answers yes)."""
    from playground.ui import dialogs

    seen = []
    monkeypatch.setattr(dialogs, "HOOK", lambda kind, title, text: seen.append((kind, title, text)) or True)
    return seen


@pytest.fixture(scope="session")
def tiny_corpus():
    """digits:reverse, 400 items, char level."""
    from playground.data.source import DataOptions, load_source

    return load_source("digits:reverse", DataOptions(task_size=400, seed=0))


def train_tiny(corpus, mode="attention", epochs=1, checkpoint=None, callback=None, **model_kw):
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    model_config = ModelConfig(mode=mode, units=model_kw.pop("units", 16),
                               embedding_dim=model_kw.pop("embedding_dim", 8), **model_kw)
    train_config = TrainConfig(epochs=epochs, batch_size=32, learning_rate=1e-2, seed=0, device="cpu")
    trainer = Trainer(corpus, model_config, train_config, callback=callback, checkpoint_path=checkpoint)
    return trainer.run()


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus):
    """An attention model trained one epoch on ``tiny_corpus``."""
    result = train_tiny(tiny_corpus, "attention", epochs=2)
    assert result.status == "done", result.message
    return result.model


@pytest.fixture(scope="session")
def tiny_model_file(tiny_model, tmp_path_factory):
    from playground.modelfile import save_model

    path = tmp_path_factory.mktemp("models") / "tiny.keras"
    save_model(tiny_model, path)
    return path


def rewrite_archive_config(source, target, change):
    """Copies a model archive with its config.json passed through ``change(config)`` (which
    edits it in place, or returns a replacement) → ``target``."""
    import json
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                replaced = change(config)
                data = json.dumps(config if replaced is None else replaced).encode()
            zout.writestr(item, data)
    return target


@pytest.fixture(scope="session")
def music_corpus():
    """The built-in MIDI sample as a melody corpus."""
    from playground.sources import load_any_source

    return load_any_source("midi:sample")


@pytest.fixture(scope="session")
def music_model(music_corpus):
    """A tiny LSTM trained two epochs on the built-in corpus with the core Trainer."""
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    result = Trainer(music_corpus, ModelConfig(mode="lm", units=32, embedding_dim=8),
                     TrainConfig(epochs=2, batch_size=16, learning_rate=1e-2, seed=0, device="cpu",
                                 sample_items=0)).run()
    assert result.status == "done", result.message
    return result.model
