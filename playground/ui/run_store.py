"""Runs that survive a restart: their records in ``runs.json`` and their model files, all in
the app's data folder (``$PLAYGROUND_DATA_DIR``, else the platform's app-data location).

Each training run writes one model file, ``runs/run-<time>-<pid>-<n>.keras`` (its epoch
checkpoints, then its final model). Deleting a run deletes that file (one still in use is
listed as deleted and goes at the next start). A model is never deleted for want of a record:
a file no record refers to, left by an app that has ended (a damaged ``runs.json``, a second
app on the same folder), comes back as a recovered run. Two apps on one folder merge their
records when they save. Qt-free except for asking Qt where the app-data folder is.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from playground.atomic import atomic_write, pid_alive, remove_stale_temporaries
from playground.output_lock import held_lock

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


class RunStore:
    """Reads and writes the run records; names and cleans up the runs' model files."""

    def __init__(self, directory: Path | None = None):
        self.folder = Path(directory or data_dir()) / "runs"
        self.problem: str | None = None  # what went wrong reading the records, for the user
        self.read_only = False  # the records belong to a newer app: leave them alone
        self.deleted: set[str] = set()  # model files of runs the user deleted (none come back)

    @property
    def records_path(self) -> Path:
        return self.folder / RUNS_FILE

    def new_model_path(self, number: int) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{number}.keras"

    def _read(self) -> dict | None:
        """The records file's content; None when there is none; ValueError when damaged."""
        try:
            data = json.loads(self.records_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(str(exc)) from None
        if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
            raise ValueError("not a runs file")
        return data

    def load(self) -> list[dict]:
        """The saved run records (oldest first); a damaged file is set aside (its runs come back
        from their model files), a newer app's is left alone; never fatal."""
        try:
            data = self._read()
        except ValueError:  # json.JSONDecodeError too
            try:
                self.records_path.replace(self.records_path.with_suffix(".json.bad"))
            except OSError:
                pass
            self.problem = (f"The run list {self.records_path} was damaged; it is kept as {RUNS_FILE}.bad, and "
                            "the runs come back from their model files")
            return []
        if data is None:
            return []
        version = data.get("version", 0)
        if not isinstance(version, int) or version > VERSION:
            self.read_only = True
            self.problem = (f"The run list {self.records_path} was written by a newer version of the app: this "
                            "version leaves it (and its runs' models) alone and keeps this session's runs unrecorded")
            return []
        self.deleted = {p for p in data.get("deleted", []) if isinstance(p, str)}
        return [r for r in data["runs"] if isinstance(r, dict)]

    def save(self, records: list[dict]) -> None:
        """Writes ``records``, keeping those another app on this folder wrote since (merged by
        model file), unless the user deleted them here."""
        if self.read_only:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with held_lock(self.records_path):  # another app on this folder may be saving
                try:
                    on_disk = self._read() or {}
                except ValueError:
                    on_disk = {}
                ours = {_key(r) for r in records}
                deleted = self.deleted | {p for p in on_disk.get("deleted", []) if isinstance(p, str)}
                theirs = [r for r in on_disk.get("runs", []) if isinstance(r, dict) and _key(r) not in ours
                          and r.get("checkpoint") not in deleted]
                deleted = sorted(p for p in deleted if Path(p).exists())  # gone files need no entry
                text = json.dumps({"version": VERSION, "runs": theirs + records, "deleted": deleted},
                                  ensure_ascii=False, default=_plain)
                atomic_write(self.records_path, lambda handle: handle.write(text.encode("utf-8")))
        except OSError:
            pass  # runs are kept in memory for this session either way

    def forget(self, path: str | None) -> None:
        """A run's model file the user deleted (kept on disk while in use): never brought back."""
        if path:
            self.deleted.add(str(path))

    def delete_model(self, path: str | None) -> None:
        """Deletes a run's model file, only if it is one of ours (inside the runs folder)."""
        if not path:
            return
        path = Path(path)
        if path.parent.resolve() == self.folder.resolve() and _RUN_FILE.match(path.name):
            path.unlink(missing_ok=True)

    def orphans(self, referenced: set[str]) -> list[Path]:
        """Run files no record refers to, whose app has ended, oldest first: the caller recovers
        them as runs. Files of runs the user deleted go now (and stale temporaries)."""
        found = []
        if not self.folder.is_dir() or self.read_only:
            return found
        remove_stale_temporaries(self.folder)
        keep = {str(Path(p).resolve()) for p in referenced if p}
        deleted = {str(Path(p).resolve()) for p in self.deleted}
        for path in sorted(self.folder.iterdir()):
            match = _RUN_FILE.match(path.name)
            if not match or str(path.resolve()) in keep:
                continue
            if int(match["pid"]) == os.getpid() or pid_alive(int(match["pid"])):
                continue  # another app's run in progress: that app records it
            if str(path.resolve()) in deleted:
                path.unlink(missing_ok=True)
            else:
                found.append(path)
        return found


def _key(record: dict) -> str:
    """What identifies a run record across apps: its model file (else its number)."""
    return str(record.get("checkpoint") or f"#{record.get('number')}")


def _plain(value):
    """numpy numbers and other non-JSON leftovers as plain values."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)
