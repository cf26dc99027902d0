"""Work around a PySide6 6.12 refcount bug on CPython < 3.12.

Every PySide6 method that returns ``void``, called from Python, gives back ``None``
without taking a reference (harmless on 3.12+, where ``None`` is immortal); so does
``Signal.emit()`` with the ``True`` it returns. On 3.11 each
call therefore drops one reference to ``None``; after a few thousand calls (a few seconds
of live plotting) CPython aborts with "Fatal Python error: none_dealloc". We detect the
bug with ten calls and, when present, give ``None`` a huge reference count, which makes
it (and ``True`` / ``False``) as immortal as 3.12 does. Imported by ``playground.ui`` before anything else.
"""

from __future__ import annotations

import sys

_BOOST = 1 << 40


def none_refcount_leaks() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(10):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 5


def apply() -> bool:
    """→ True when the work-around was needed (and applied)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    try:
        if not none_refcount_leaks():
            return False
    except ImportError:
        return False
    import ctypes

    for singleton in (None, True, False):  # Signal.emit() leaks True the same way
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BOOST  # ob_refcnt: PyObject's first field
    return True


APPLIED = apply()
