"""Keeps Python's full garbage collections short while the app is live.

A full (generation 2) collection walks every tracked object and holds the GIL throughout:
with TensorFlow, Keras, pyqtgraph and a traced model loaded that is 250-300 ms on a 2-core
machine, during which the GUI thread cannot run. Objects that live for the whole session
(imported modules, TensorFlow's registries) are moved out of the collector's reach
with :func:`gc.freeze`, so later full collections only walk what was made since.
"""

from __future__ import annotations

import contextlib
import gc


def settle() -> None:
    """Freezes everything alive now. Cheap: no walk (collecting first would walk all that
    was just imported, the very pause this avoids)."""
    gc.freeze()


@contextlib.contextmanager
def no_collections():
    """No automatic collections inside (e.g. while importing TensorFlow); settles after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        settle()
