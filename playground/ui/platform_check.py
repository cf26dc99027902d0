"""Before Qt starts: catch the two launch failures whose Qt messages are cryptic.

* xcb platform (Linux, ``QT_QPA_PLATFORM`` unset or ``xcb``, ``DISPLAY`` set) without the
  xcb helper libraries → name the Debian/Ubuntu packages to install.
* No ``DISPLAY`` (nor ``WAYLAND_DISPLAY``) and no ``QT_QPA_PLATFORM`` → suggest xvfb-run or
  ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import ctypes
import sys

#: shared library → Debian/Ubuntu package that provides it (Qt ≥ 6.5 xcb plugin needs them)
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
}


def _loadable(name: str) -> bool:
    try:
        ctypes.CDLL(name)
        return True
    except OSError:
        return False


def check_platform(environ, platform: str = sys.platform, loadable=_loadable) -> str | None:
    """→ one line explaining why Qt cannot start here, or None when it should."""
    if not platform.startswith("linux"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "")
    display = environ.get("DISPLAY", "")
    if not qpa and not display and not environ.get("WAYLAND_DISPLAY"):
        return ("No display: DISPLAY is not set. Run it under a desktop session, with "
                "'xvfb-run python main.py', or headless with QT_QPA_PLATFORM=offscreen.")
    if qpa.split(":")[0] in ("", "xcb") and display:
        missing = [package for library, package in XCB_LIBRARIES.items() if not loadable(library)]
        if missing:
            return ("Qt's xcb platform plugin needs system libraries that are missing; install them with: "
                    f"sudo apt-get install {' '.join(missing)}  (or set QT_QPA_PLATFORM=offscreen)")
    return None
