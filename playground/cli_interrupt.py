"""Ctrl-C for the command line: one line saying what was kept, exit code 130, never a
traceback, wherever it lands.

Python raises KeyboardInterrupt wherever the main thread happens to be, including inside
TensorFlow's ``__del__`` methods, where it is printed as "Exception ignored" and lost. So the
handler also records the request: the trainer's callback and the command's end check it.
"""

from __future__ import annotations

import signal
import sys
import threading

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


class Interrupt:
    """Context manager: installs the SIGINT handler (main thread only) and a hook that hides
    KeyboardInterrupts lost in destructors; ``requested`` stays true once Ctrl-C was pressed."""

    def __init__(self):
        self.requested = False
        self._previous_handler = None
        self._previous_hook = None

    def _handle(self, signum, frame):
        self.requested = True
        raise KeyboardInterrupt

    def _unraisable(self, info):
        if isinstance(info.exc_value, KeyboardInterrupt):
            self.requested = True  # lost inside a destructor: check() raises it again later
            return
        self._previous_hook(info)

    def check(self) -> None:
        """Raises KeyboardInterrupt if Ctrl-C was pressed (even if its exception was lost)."""
        if self.requested:
            raise KeyboardInterrupt

    def ignore_more(self) -> None:
        """Further Ctrl-C is ignored: the exit path is short and must not be cut."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous_handler = signal.signal(signal.SIGINT, self._handle)
        self._previous_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc):
        sys.unraisablehook = self._previous_hook
        if self._previous_handler is not None:
            signal.signal(signal.SIGINT, self._previous_handler)
        return False
