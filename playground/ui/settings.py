"""Settings that persist between launches: a small versioned JSON file.

The file lives in ``QStandardPaths.AppConfigLocation`` (or ``$PLAYGROUND_CONFIG_DIR``,
which tests use to keep it out of the user's home). Older files are migrated step by
step (``_MIGRATIONS``); a damaged file is set aside and defaults are used.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from playground.atomic import atomic_write

VERSION = 3
FILE_NAME = "settings.json"
MAX_RECENT = 8
ENV_DIR = "PLAYGROUND_CONFIG_DIR"

DEFAULTS: dict = {
    "version": VERSION,
    "data": {"source": "digits:reverse", "options": {}},
    "model": {},
    "train": {},
    "window": {"geometry": None, "tab": 0},
    "recent_files": [],
    "recent_models": [],
    "last_dirs": {},  # file-dialog kind → the folder last used for it
    "shown_getting_started": False,
    "backend": None,  # Keras backend chosen in the app (None: $KERAS_BACKEND, else tensorflow)
}


def config_dir() -> Path:
    """Where the settings file lives."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    from PySide6.QtCore import QStandardPaths

    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(location or Path.home() / ".config" / "seq2seq-playground")


def _migrate_1_to_2(data: dict) -> dict:
    """Version 1 kept ``dataset`` and ``data_options`` at top level and one ``recent`` list."""
    data = dict(data)
    source = data.pop("dataset", None)
    options = data.pop("data_options", None) or {}
    data["data"] = {"source": source or DEFAULTS["data"]["source"], "options": options}
    data["recent_files"] = list(data.pop("recent", []) or [])
    data["version"] = 2
    return data


def _migrate_2_to_3(data: dict) -> dict:
    """Version 2 kept every training setting; epochs, batch size and learning rate were the
    app's fixed defaults, not choices. Dropped, so the data's recommendations apply."""
    data = dict(data)
    train = {k: v for k, v in (data.get("train") or {}).items()
             if k not in ("epochs", "batch_size", "learning_rate")}
    data["train"] = train
    data["version"] = 3
    return data


_MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


def migrate(data: dict) -> dict:
    """Brings a settings dict of any known version up to :data:`VERSION`."""
    version = int(data.get("version", 1))
    while version < VERSION:
        data = _MIGRATIONS[version](data)
        version = int(data["version"])
    return data


def _merge(defaults: dict, data: dict) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in ("options", "model", "train"):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class Settings:
    """Load once at start, change the dict, ``save()`` at exit (and after big changes)."""

    def __init__(self, directory: Path | None = None):
        self.path = Path(directory or config_dir()) / FILE_NAME
        self.data = self._load()

    def _load(self) -> dict:
        if not self.path.exists():
            return copy.deepcopy(DEFAULTS)
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            if int(raw.get("version", 1)) > VERSION:
                return copy.deepcopy(DEFAULTS)  # made by a newer app: leave it alone, use defaults
            return _merge(DEFAULTS, migrate(raw))
        except (ValueError, OSError, KeyError, TypeError):
            try:
                self.path.replace(self.path.with_suffix(".json.bad"))
            except OSError:
                pass
            return copy.deepcopy(DEFAULTS)

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def add_recent(self, key: str, path: str) -> None:
        items = [p for p in self.data.get(key, []) if p != path]
        self.data[key] = [path, *items][:MAX_RECENT]

    def last_dir(self, kind: str) -> str:
        """The folder a file dialog of ``kind`` (model, data, export, music, table, image) last used."""
        folder = (self.data.get("last_dirs") or {}).get(kind, "")
        return folder if folder and os.path.isdir(folder) else ""

    def remember_dir(self, kind: str, path: str) -> None:
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        self.data.setdefault("last_dirs", {})[kind] = folder

    def save(self) -> None:
        self.data["version"] = VERSION
        text = json.dumps(self.data, indent=2, ensure_ascii=False)
        try:
            atomic_write(self.path, lambda handle: handle.write(text.encode("utf-8")))
        except OSError:
            pass  # settings are a convenience; never fail the app for them
