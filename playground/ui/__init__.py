"""The PySide6 desktop app: a thin layer over the Qt-free core in ``playground``.

Only this package imports Qt. TensorFlow is never imported on the GUI thread before
the window is shown; heavy work (loading data, training, decoding, exporting) runs in
worker threads (see :mod:`playground.ui.workers`).
"""

from playground.ui import pyside_fix  # noqa: F401  (must run before any PySide6 use)
