"""Ctrl-C (and SIGTERM, what ``timeout``, ``docker stop`` and systemd send) for the command
line: one line saying what was kept, exit code 130 (143), never a traceback, wherever it lands.

Python raises KeyboardInterrupt wherever the main thread happens to be, including inside
TensorFlow's ``__del__`` methods, where it is printed as "Exception ignored" and lost. So the
handler also records the request: the trainer's callback and the command's end check it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 128 + int(signal.SIGTERM)  # 143
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupt:
    """Context manager: installs the SIGINT handler (main thread only) and a hook that hides
    KeyboardInterrupts lost in destructors; ``requested`` stays true once Ctrl-C was pressed."""

    def __init__(self):
        self.requested = False
        self.signal_number = signal.SIGINT  # SIGTERM when that is what stopped the command
        self._previous_handlers = {}
        self._previous_hook = None

    @property
    def exit_code(self) -> int:
        return EXIT_TERMINATED if self.signal_number == signal.SIGTERM else EXIT_INTERRUPTED

    @property
    def what(self) -> str:
        return "terminated (SIGTERM)" if self.signal_number == signal.SIGTERM else "interrupted"

    def _handle(self, signum, frame):
        self.requested = True
        self.signal_number = signum
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
        """Further Ctrl-C is ignored: the exit path is short and must not be cut. TensorFlow's
        complaints about graph objects the interrupted step left unused are not the user's."""
        logging.getLogger("tensorflow").setLevel(logging.CRITICAL)
        if threading.current_thread() is threading.main_thread():
            for number in _SIGNALS:
                signal.signal(number, signal.SIG_IGN)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous_handlers = {number: signal.signal(number, self._handle) for number in _SIGNALS}
        self._previous_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc):
        sys.unraisablehook = self._previous_hook
        for number, handler in self._previous_handlers.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        self._previous_handlers = {}
        return False
