"""Atomic writes: a file or a folder appears whole at its path, or the old one stays.

Everything is first written to a hidden temporary beside the target (same file system, so
the final ``os.replace`` is atomic). A temporary is named
``.<target name>.<pid>.<random>.playground-tmp``: a process killed mid-save leaves one
behind, and the next write into the same folder removes it once its process is gone
(:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Callable

TEMP_SUFFIX = ".playground-tmp"
STALE_AFTER_SECONDS = 24 * 3600  # a temporary this old is stale even if its pid was reused


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's counts)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) there would send CTRL_C_EVENT
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def _windows_pid_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    code = ctypes.c_ulong()
    try:
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
    finally:
        kernel32.CloseHandle(handle)
    return code.value == 259  # STILL_ACTIVE


def _owner_pid(name: str) -> int | None:
    """The pid in ``.<name>.<pid>.<random>.playground-tmp[.ext]`` (None if the name is not ours)."""
    if not name.startswith(".") or TEMP_SUFFIX not in name:
        return None
    parts = name[: name.rindex(TEMP_SUFFIX)].rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1])


def remove_stale_temporaries(directory: str | os.PathLike) -> list[Path]:
    """Deletes temporaries in ``directory`` left by processes that are gone (or older than a
    day) → the paths removed. Never touches anything not named like our temporaries."""
    directory = Path(directory)
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        pid = _owner_pid(entry.name)
        if pid is None:
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS
        except OSError:
            continue
        if pid != os.getpid() and (old or not pid_alive(pid)):
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def _parent(path: Path) -> Path:
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def temp_file_for(path: str | os.PathLike, suffix: str = "") -> Path:
    """A new empty hidden temporary file beside ``path`` (stale ones there are removed first);
    ``suffix`` ends its name, for writers that check it (Keras wants ``.keras``)."""
    path = Path(path)
    parent = _parent(path)
    remove_stale_temporaries(parent)
    fd, name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX + suffix, dir=parent)
    os.close(fd)
    return Path(name)


def temp_dir_for(path: str | os.PathLike) -> Path:
    """A new empty hidden temporary folder beside ``path``."""
    path = Path(path)
    parent = _parent(path)
    remove_stale_temporaries(parent)
    return Path(tempfile.mkdtemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=parent))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def new_file_mode(path: Path, *, folder: bool = False) -> int:
    """Permission bits for a file (``folder``: a folder) written at ``path``: those of what it
    replaces, else 0666 (0777) minus the umask (mkstemp's 0600 and mkdtemp's 0700 would hide it
    from other users, a model server's among them)."""
    try:
        if path.is_dir() == folder:  # a folder replacing a file takes no file mode (0644 has no x)
            return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    umask = os.umask(0)  # the only portable way to read the umask
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Calls ``write(fh)`` on a temporary beside ``path``, then moves it over ``path``.

    Any failure (an exception, a full disk) removes the temporary and leaves a previous
    ``path`` untouched; a kill leaves a temporary that the next write removes.
    """
    def save(tmp: Path):
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())

    return atomic_save_with(path, save)


def atomic_save_with(path: str | os.PathLike, save: Callable[[Path], object], *, suffix: str = "") -> Path:
    """Calls ``save(tmp_path)`` for a temporary beside ``path``, then moves it over ``path``
    (failures as in :func:`atomic_write`); ``suffix`` ends the temporary's name, for writers
    that check it (Keras: .keras)."""
    path = Path(path)
    tmp = temp_file_for(path, suffix)
    try:
        save(tmp)
        os.chmod(tmp, new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_replace_dir(path: str | os.PathLike, fill: Callable[[Path], object]) -> Path:
    """Builds a folder with ``fill(tmp_dir)`` beside ``path``, then puts it at ``path``.

    Whatever was at ``path`` (a previous export, or a file the caller agreed to replace)
    is moved aside first and deleted only once the new folder is in place; a failure puts
    it back.
    """
    path = Path(path)
    tmp = temp_dir_for(path)
    try:
        fill(tmp)
        os.chmod(tmp, new_file_mode(path, folder=True))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    aside = None
    try:
        if path.exists() or path.is_symlink():
            aside = temp_dir_for(path)
            os.replace(path, aside / "old")
        os.replace(tmp, path)
    except BaseException:
        if aside is not None and (aside / "old").exists() and not path.exists():
            os.replace(aside / "old", path)
        shutil.rmtree(tmp, ignore_errors=True)
        if aside is not None:
            _remove(aside)
        raise
    if aside is not None:
        _remove(aside)
    return path
