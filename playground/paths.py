"""What a path is, and whether a command may read from it or write to it.

Inputs must be regular files (a FIFO would block a read forever, ``/dev/zero`` never ends).
Outputs never destroy what they were not meant to replace: a model replaces only a model,
a MIDI or WAV file only a MIDI or WAV file, an export only an earlier export of ours;
anything else needs ``force`` (``--force``, or "Replace" in the app), a folder we did not
create is never deleted, and no command writes over one of its own inputs.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import zipfile
from pathlib import Path

#: Written into every export folder, so a later export knows it may replace it.
EXPORT_MARKER = "playground-export.json"
#: What a command writes → the kinds of existing file it may replace without ``force``.
REPLACEABLE = {"model": ("model",), "midi": ("midi", "wav"), "wav": ("midi", "wav"), "export": ("export",),
               "table": ("table",), "png": ("png",)}
_WHAT = {"model": "a model file", "midi": "a MIDI file", "wav": "a WAV file", "export": "an export folder",
         "table": "a table (CSV/TSV)", "png": "a PNG image"}
_KIND_WORDS = {"model": "a Keras model file", "midi": "a MIDI file", "wav": "a WAV file", "png": "a PNG image",
               "table": "a CSV/TSV table", "export": "an earlier export", "file": "a file of another kind",
               "empty_dir": "an empty folder", "dir": "a folder", "missing": "nothing"}
_TABLE_SUFFIXES = (".csv", ".tsv")
#: Standard MIDI files (.kar: karaoke, a MIDI file with lyrics); any case.
MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".smf")


class PathRefused(ValueError):
    """A path cannot be used as asked; the message names it and says why (one line).
    ``forceable``: ``force`` would allow it (the file exists and is of another kind, or is
    read-only: ``read_only``)."""

    def __init__(self, message: str, *, forceable: bool = False, read_only: bool = False):
        super().__init__(message)
        self.forceable = forceable
        self.read_only = read_only


def special_kind(path: str | os.PathLike) -> str | None:
    """"a FIFO (named pipe)", "a character device", … for a path that exists and is neither a
    regular file nor a folder; None otherwise (missing, file, folder)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "not a regular file"


def require_regular_file(path: str | os.PathLike, what: str = "file", *, error=None) -> Path:
    """``path`` as a Path when it is an existing regular file; else raises ``error`` (default
    :class:`PathRefused`) with a message that says what the path is."""
    error = error or PathRefused
    path = Path(path)
    special = special_kind(path)
    if special:
        raise error(f"{path}: is {special}, not a regular file; give the path of a {what}")
    if path.is_dir():
        raise error(f"{path}: is a directory, expected a {what}")
    if not path.exists():
        raise error(f"{path}: no such file" + (" (a broken link)" if path.is_symlink() else ""))
    return path


def _head(path: Path, size: int = 16) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def is_keras_archive(path: Path) -> bool:
    """A zip holding Keras' ``config.json`` and weights (ours or another Keras model)."""
    if _head(path, 4) != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "config.json" in names and "model.weights.h5" in names


def is_export_folder(path: Path) -> bool:
    marker = path / EXPORT_MARKER
    try:
        return marker.is_file() and json.loads(marker.read_text("utf-8")).get("made_by") == "seq2seq-playground"
    except (OSError, ValueError, AttributeError):
        return False


def existing_kind(path: str | os.PathLike) -> str:
    """missing | model | midi | wav | png | table | export | empty_dir | dir | file | special."""
    path = Path(path)
    if special_kind(path):
        return "special"
    if path.is_dir():
        if is_export_folder(path):
            return "export"
        return "dir" if any(path.iterdir()) else "empty_dir"
    if not path.exists():
        return "missing"
    head = _head(path)
    if head.startswith(b"MThd"):
        return "midi"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"PK\x03\x04") and is_keras_archive(path):
        return "model"
    if path.suffix.lower() in _TABLE_SUFFIXES and b"\x00" not in _head(path, 4096):
        return "table"
    return "file"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def source_files(source: str) -> list[str]:
    """The files a data source string reads (for "never write over an input")."""
    return [part for part in str(source).split("::") if part]


def check_output(path: str | os.PathLike | None, writes: str, *, option: str = "--out", inputs=(),
                 force: bool = False) -> Path:
    """Checks that ``writes`` (model | midi | wav | export | table | png) may go to ``path``
    → ``path`` as a Path. Raises :class:`PathRefused` (``forceable`` where ``force`` would
    allow it). ``inputs``: paths the same command reads, never written over."""
    if writes not in REPLACEABLE:
        raise ValueError(f"unknown output kind {writes!r}. Valid options: {', '.join(REPLACEABLE)}")
    if path is None or not str(path).strip():
        raise PathRefused(f"{option} is empty; give the path of {_WHAT[writes]} to write")
    path = Path(path)
    for source in inputs:
        if source and _same_file(path, Path(source)):
            raise PathRefused(f"{path}: is also an input of this command ({source}); "
                              f"choose another {option} path")
    parent = path.parent if str(path.parent) else Path(".")
    for ancestor in (parent, *parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise PathRefused(f"{path}: {ancestor} is a file, not a folder")
            _require_writable(ancestor, path)
            break
    kind = existing_kind(path)
    if path.is_file() and not path.stat().st_mode & 0o222 and not force:
        # A rename replaces it whatever its mode (and root writes anyway): the mode is the user's word.
        raise PathRefused(f"{path}: is read-only; refused to replace it (make it writable, choose another "
                          "path, or add --force)", forceable=True, read_only=True)
    if kind in ("missing",) or kind in REPLACEABLE[writes]:
        return path
    if kind == "special":
        raise PathRefused(f"{path}: is {special_kind(path)}; {option} must be a file path")
    if writes == "export":
        if kind == "empty_dir":
            return path
        if kind == "dir":
            raise PathRefused(f"{path}: is a folder with other files in it (not an earlier export); "
                              "it is never deleted: choose a new folder name")
    elif kind in ("dir", "empty_dir"):
        raise PathRefused(f"{path}: is a folder; {option} must be a file path such as {path / _example(writes)}")
    if force:
        return path
    raise PathRefused(f"{path}: exists and is {_KIND_WORDS.get(kind, kind)}, not {_WHAT[writes]}; "
                      f"refused to replace it (add --force to replace it anyway)", forceable=True)


def _require_writable(folder: Path, path: Path) -> None:
    """Creates and removes a file in ``folder`` (where ``path``, or the folders leading to it,
    will be written), so a long run learns now, not at its end, that it could not save.
    A real write: permission bits say nothing for root, a read-only mount or /proc."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".playground-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise PathRefused(f"{path}: cannot write in {folder} ({exc.strerror or exc}); choose another folder") \
            from None


def _example(writes: str) -> str:
    return {"model": "model.keras", "midi": "tune.mid", "wav": "tune.wav", "table": "history.csv",
            "png": "plot.png"}.get(writes, "out")


def mark_export(folder: str | os.PathLike, export_format: str, model_path: str | None = None) -> None:
    """Writes the marker that lets a later export replace ``folder``."""
    marker = {"made_by": "seq2seq-playground", "format": export_format, "model": model_path}
    Path(folder, EXPORT_MARKER).write_text(json.dumps(marker, indent=2), "utf-8")
