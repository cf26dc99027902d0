"""Runs that survive a restart: their records in ``runs.json`` and their model files, all in
the app's data folder (``$PLAYGROUND_DATA_DIR``, else the platform's app-data location).

Each training run writes one model file, ``runs/run-<time>-<pid>-<n>.keras`` (its epoch
checkpoints, then its final model). Deleting a run deletes that file; a file no record
refers to, left by an app that has ended, is removed at the next start, so nothing piles up.
Qt-free except for asking Qt where the app-data folder is.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from playground.atomic import atomic_write, remove_stale_temporaries

ENV_DIR = "PLAYGROUND_DATA_DIR"
RUNS_FILE = "runs.json"
VERSION = 1
_RUN_FILE = re.compile(r"run-\d{8}-\d{6}-(?P<pid>\d+)-\d+(\.final)?\.keras$")


def data_dir() -> Path:
    """The app's own data folder (runs, their models)."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    from PySide6.QtCore import QStandardPaths

    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".local" / "share" / "seq2seq-playground")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class RunStore:
    """Reads and writes the run records; names and cleans up the runs' model files."""

    def __init__(self, directory: Path | None = None):
        self.folder = Path(directory or data_dir()) / "runs"

    @property
    def records_path(self) -> Path:
        return self.folder / RUNS_FILE

    def new_model_path(self, number: int) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{number}.keras"

    def load(self) -> list[dict]:
        """The saved run records (oldest first); a damaged file is set aside, never fatal."""
        try:
            data = json.loads(self.records_path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
                raise ValueError("not a runs file")
            if int(data.get("version", 0)) > VERSION:
                return []  # written by a newer app: leave it alone
            return [r for r in data["runs"] if isinstance(r, dict)]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError):
            try:
                self.records_path.replace(self.records_path.with_suffix(".json.bad"))
            except OSError:
                pass
            return []

    def save(self, records: list[dict]) -> None:
        text = json.dumps({"version": VERSION, "runs": records}, ensure_ascii=False, default=_plain)
        try:
            atomic_write(self.records_path, lambda handle: handle.write(text.encode("utf-8")))
        except OSError:
            pass  # runs are kept in memory for this session either way

    def delete_model(self, path: str | None) -> None:
        """Deletes a run's model file, only if it is one of ours (inside the runs folder)."""
        if not path:
            return
        path = Path(path)
        if path.parent.resolve() == self.folder.resolve() and _RUN_FILE.match(path.name):
            path.unlink(missing_ok=True)

    def remove_orphans(self, referenced: set[str]) -> list[Path]:
        """Run files no record refers to, whose app has ended (and stale temporaries)."""
        removed = []
        if not self.folder.is_dir():
            return removed
        remove_stale_temporaries(self.folder)
        keep = {str(Path(p).resolve()) for p in referenced if p}
        for path in self.folder.iterdir():
            match = _RUN_FILE.match(path.name)
            if not match or str(path.resolve()) in keep:
                continue
            if int(match["pid"]) != os.getpid() and not _alive(int(match["pid"])):
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed


def _plain(value):
    """numpy numbers and other non-JSON leftovers as plain values."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)
