"""Entry point of the desktop app (``python main.py`` / ``seq2seq-playground``).

The window is shown before TensorFlow is imported; TensorFlow loads in a background
thread afterwards. Environment variables for tests and benchmarks:

* ``PLAYGROUND_REPORT_FIRST_PAINT=1``: print ``first-paint <unix time>`` at the first paint.
* ``PLAYGROUND_QUIT_AFTER_PAINT=1``: quit right after the first paint (exit code 0).
* ``PLAYGROUND_CONFIG_DIR``: where settings live (see :mod:`playground.ui.settings`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback

EXIT_ENVIRONMENT = 2
log = logging.getLogger("playground.ui")


def _setup_logging(directory) -> None:
    handlers = [logging.StreamHandler(sys.stderr)]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(directory / "playground.log", encoding="utf-8"))
    except OSError:
        pass
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=handlers)


def install_excepthook(parent_fn=lambda: None) -> None:
    """Unexpected errors are logged and shown in a dialog, never as a raw traceback."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unexpected error\n%s", text)
        try:
            from playground.ui import dialogs

            dialogs.error(parent_fn(), "Unexpected error",
                          f"{exc_type.__name__}: {exc}\n\nThe details are in the log; the app keeps running.")
        except Exception:  # noqa: BLE001
            sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def main(argv=None) -> int:
    argv = list(sys.argv if argv is None else argv)
    from playground.ui.platform_check import check_platform

    problem = check_platform(os.environ)
    if problem:
        print(f"seq2seq-playground: {problem}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # runtime log lines are not the user's errors
    sys.setswitchinterval(0.002)  # the GUI thread gets the GIL back quickly from decoding workers

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("seq2seq-playground")
    app.setApplicationDisplayName("Seq2Seq Playground")
    app.setOrganizationName("seq2seq-playground")

    from playground.ui.settings import Settings, config_dir

    _setup_logging(config_dir())
    from playground.ui.main_window import MainWindow

    report = os.environ.get("PLAYGROUND_REPORT_FIRST_PAINT") == "1"
    quit_after = os.environ.get("PLAYGROUND_QUIT_AFTER_PAINT") == "1"
    settings = Settings()
    from playground.ui.backend_menu import apply_backend_setting

    backend_problem = apply_backend_setting(settings)  # before anything loads Keras
    window = MainWindow(settings, autoload=not quit_after)
    if backend_problem:
        window.statusBar().showMessage(backend_problem, 15000)
    install_excepthook(lambda: window)
    started_tf = []

    def start_tf():
        if not started_tf:
            started_tf.append(True)
            window.start_tensorflow()

    def on_first_paint():
        if report:
            print(f"first-paint {time.time():.6f}", flush=True)
        if quit_after:
            QTimer.singleShot(0, window.close)
            return
        QTimer.singleShot(50, start_tf)

    window.first_painted.connect(on_first_paint)
    if not quit_after:
        QTimer.singleShot(2000, start_tf)  # in case no paint event ever comes
    window.show()
    for arg in argv[1:]:
        if os.path.exists(arg):
            window.open_dropped(arg)
    code = app.exec()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
