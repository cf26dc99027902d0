"""One training run per model file: two runs given the same output (two terminals, the app and
a script) would overwrite each other's checkpoints, and the one that saved last would win
without a word. A run holds an operating-system lock on its output for as long as it trains;
the system drops it when the process ends, however it ends, so a crash leaves no stale lock.

The lock files live in the temporary folder (one per output path, named by its hash), not
beside the user's model.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
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


class OutputLock:
    """Context manager: holds ``output``'s lock, or raises PathRefused naming the process that does."""

    def __init__(self, output: str | os.PathLike) -> None:
        self.output = Path(output)
        self._handle = None

    def __enter__(self) -> "OutputLock":
        handle = open(_lock_path(self.output), "a+")
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
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise PathRefused(f"{self.output}: another training run ({who}) is writing this model file; "
                              "wait for it to end, or choose another output") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc) -> bool:
        if self._handle is not None:
            self._handle.close()  # closing drops the lock
            self._handle = None
        return False
