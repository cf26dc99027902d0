"""One training run per model file: two runs given the same output (two terminals, the app and
a script) would overwrite each other's checkpoints, and the one that saved last would win
without a word. A run holds an operating-system lock on its output for as long as it trains;
the system drops it when the process ends, however it ends, so a crash leaves no stale lock.

The lock files live in the temporary folder (one per path, named by its hash), not beside
the user's model. :func:`held_lock` is the same lock, waited for (the app's run list).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

from playground.paths import PathRefused

if os.name == "nt":
    import msvcrt
else:
    import fcntl


def _lock_path(output: Path) -> Path:
    folder = Path(tempfile.gettempdir()) / "playground-locks"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(str(output.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return folder / f"{digest}.lock"


def _try_lock(path: Path):
    """→ (the open lock file, holding ``path``'s lock; closing it drops the lock, None when
    another process holds it, the holder's pid as written or "")."""
    handle = open(_lock_path(path), "a+")
    try:
        if os.name == "nt":
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        return None, holder
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle, ""


class OutputLock:
    """Context manager: holds ``output``'s lock, or raises PathRefused naming the process that does."""

    def __init__(self, output: str | os.PathLike) -> None:
        self.output = Path(output)
        self._handle = None

    def __enter__(self) -> "OutputLock":
        self._handle, holder = _try_lock(self.output)
        if self._handle is None:
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise PathRefused(f"{self.output}: another training run ({who}) is writing this model file; "
                              "wait for it to end, or choose another output")
        return self

    def __exit__(self, *exc) -> bool:
        if self._handle is not None:
            self._handle.close()  # closing drops the lock
            self._handle = None
        return False


@contextlib.contextmanager
def held_lock(path: str | os.PathLike, wait_seconds: float = 5.0):
    """``path``'s lock, waited for up to ``wait_seconds`` (then OSError)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        handle, _ = _try_lock(Path(path))
        if handle is not None:
            break
        if time.monotonic() > deadline:
            raise OSError(f"{path}: locked by another process")
        time.sleep(0.05)
    try:
        yield
    finally:
        handle.close()
