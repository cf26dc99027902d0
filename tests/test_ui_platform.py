"""The pre-Qt platform check and the excepthook."""

from __future__ import annotations

import sys

from playground.ui.platform_check import XCB_LIBRARIES, check_platform


def test_no_display_suggests_xvfb_or_offscreen():
    message = check_platform({}, "linux")
    assert "xvfb-run" in message and "QT_QPA_PLATFORM=offscreen" in message


def test_missing_xcb_libraries_are_named():
    message = check_platform({"DISPLAY": ":0"}, "linux", loadable=lambda name: name == "libxcb-icccm.so.4")
    assert "libxcb-cursor0" in message and "libxcb-keysyms1" in message and "libxcb-icccm4" not in message
    assert check_platform({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", loadable=lambda n: False)


def test_fine_cases():
    assert check_platform({"DISPLAY": ":0"}, "linux", loadable=lambda n: True) is None
    assert check_platform({"QT_QPA_PLATFORM": "offscreen"}, "linux", loadable=lambda n: False) is None
    assert check_platform({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}, "linux", loadable=lambda n: False) is None
    assert check_platform({}, "win32") is None
    assert check_platform({}, "darwin") is None
    assert len(XCB_LIBRARIES) == 3


def test_main_exits_2_with_one_line(monkeypatch, capsys):
    from playground.ui import app

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main(["main.py"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "DISPLAY" in err[0]


def test_excepthook_shows_a_dialog_not_a_traceback(monkeypatch):
    from playground.ui import app, dialogs

    shown = []
    monkeypatch.setattr(dialogs, "HOOK", lambda kind, title, text: shown.append((kind, title, text)))
    old = sys.excepthook
    try:
        app.install_excepthook()
        try:
            raise ZeroDivisionError("boom")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
    assert shown and shown[0][0] == "error" and "boom" in shown[0][2] and "Traceback" not in shown[0][2]
