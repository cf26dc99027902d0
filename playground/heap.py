"""Garbage-collector control for work that makes many objects and no garbage cycles.

A full (generation 2) collection walks every tracked object while holding the GIL. Building
millions of token lists, or importing TensorFlow, triggers repeated full walks of what was
just made; and once TensorFlow, Keras and pyqtgraph are loaded a single full walk takes
250-300 ms on a 2-core machine, during which the app's GUI thread cannot run.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collections_paused():
    """No automatic collections inside (the objects made there form no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_long_lived() -> None:
    """Moves everything alive now (imported modules, TensorFlow's registries) out of the
    collector's reach, so later full collections only walk what is made after. Cheap: no
    walk (collecting first would walk all that was just imported, the very pause avoided)."""
    gc.freeze()
