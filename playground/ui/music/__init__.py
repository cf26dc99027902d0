"""The Music tab's widgets: piano roll, playback (QtMultimedia / MIDI ports) and the panel.

The music logic itself is Qt-free (:mod:`playground.music`, :mod:`playground.inference.music`).
Names are imported lazily, so ``python -m playground.ui.music.panel`` (the preview) runs the
module only once.
"""

from importlib import import_module

_WHERE = {
    "AudioPlayer": "audio", "AudioStatus": "audio", "MidiPortPlayer": "audio", "audio_status": "audio",
    "midi_output_ports": "audio", "MusicPanel": "panel", "PianoRoll": "piano_roll",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
