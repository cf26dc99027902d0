"""Playback: the built-in synthesiser through QtMultimedia's QAudioSink, and MIDI ports.

Neither is guaranteed to exist: QtMultimedia needs a backend (on Linux it loads
``libpulse.so.0``; the import itself fails without it) and an output device; MIDI ports
need python-rtmidi. :func:`audio_status` and :func:`midi_output_ports` say what is there,
in words the app can show, and nothing here raises when they are missing.
Set ``PLAYGROUND_NO_AUDIO=1`` to switch audio off (tests, remote sessions).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

SAMPLE_RATE = 44100


@dataclass(frozen=True)
class AudioStatus:
    available: bool  # True when Play can produce sound
    message: str  # one line for the user (why not, or which device)


_status_cache: AudioStatus | None = None


def audio_status(refresh: bool = False) -> AudioStatus:
    """Whether QtMultimedia can play here, and a sentence saying so (cached)."""
    global _status_cache
    if _status_cache is not None and not refresh:
        return _status_cache
    if os.environ.get("PLAYGROUND_NO_AUDIO"):
        status = AudioStatus(False, "Audio playback is switched off (PLAYGROUND_NO_AUDIO); save as WAV or MIDI "
                                    "to listen elsewhere.")
    else:
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except Exception as exc:  # noqa: BLE001  ImportError, or a backend that fails to load
            reason = " ".join(str(exc).split()) or type(exc).__name__
            status = AudioStatus(False, f"Audio playback is unavailable: QtMultimedia could not load ({reason}). "
                                        "You can still save as WAV or MIDI.")
        else:
            device = QMediaDevices.defaultAudioOutput()
            if device.isNull():
                status = AudioStatus(False, "Audio playback is unavailable: no audio output device was found. "
                                            "You can still save as WAV or MIDI.")
            else:
                status = AudioStatus(True, f"Audio output: {device.description()}")
    _status_cache = status
    return status


class AudioPlayer(QObject):
    """Plays mono float audio through a QAudioSink; reports the position while playing.

    ``position`` (seconds) is emitted about 30 times a second; ``finished`` when the sound
    has played out or :meth:`stop` was called. When audio is unavailable :meth:`play`
    returns False and emits ``error`` with the reason; it never raises.
    """

    position = Signal(float)
    finished = Signal()
    error = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._sink = None
        self._buffer = None
        self._duration = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)

    @property
    def status(self) -> AudioStatus:
        return audio_status()

    @property
    def playing(self) -> bool:
        return self._sink is not None

    def play(self, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bool:
        self.stop()
        status = audio_status()
        if not status.available:
            self.error.emit(status.message)
            return False
        try:
            from PySide6.QtCore import QBuffer, QByteArray, QIODevice
            from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

            from playground.music.synth import to_int16

            fmt = QAudioFormat()
            fmt.setSampleRate(int(sample_rate))
            fmt.setChannelCount(1)
            fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
            device = QMediaDevices.defaultAudioOutput()
            if not device.isFormatSupported(fmt):
                self.error.emit(f"The audio device {device.description()} does not play 16-bit mono "
                                f"at {sample_rate} Hz; save as WAV instead.")
                return False
            self._buffer = QBuffer(self)
            self._buffer.setData(QByteArray(to_int16(audio).astype("<i2").tobytes()))
            self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._sink = QAudioSink(device, fmt, self)
            self._idle_state = QAudio.State.IdleState
            self._sink.stateChanged.connect(self._state_changed)
            self._duration = len(audio) / float(sample_rate)
            self._sink.start(self._buffer)
        except Exception as exc:  # noqa: BLE001  a backend can fail in many ways; say so, keep going
            self._release()
            self.error.emit(f"Audio playback failed: {' '.join(str(exc).split()) or type(exc).__name__}")
            return False
        self._timer.start()
        return True

    def stop(self) -> None:
        was_playing = self._sink is not None
        self._release()
        if was_playing:
            self.finished.emit()

    def _release(self) -> None:
        self._timer.stop()
        if self._sink is not None:
            try:
                self._sink.stateChanged.disconnect(self._state_changed)
                self._sink.stop()
            except Exception:  # noqa: BLE001
                pass
            self._sink.deleteLater()
            self._sink = None
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    def _tick(self) -> None:
        if self._sink is not None:
            self.position.emit(min(self._sink.processedUSecs() / 1e6, self._duration))

    def _state_changed(self, state) -> None:
        if self._sink is not None and state == self._idle_state:  # everything played
            self.stop()


# --------------------------------------------------------------------------- MIDI ports


MIDI_OUT_MISSING = "MIDI output ports need python-rtmidi (pip install seq2seq-playground[midi-out])."


def midi_output_ports() -> tuple[list[str], str]:
    """(port names, message). Empty with a reason when python-rtmidi or ports are missing."""
    try:
        import mido

        names = list(mido.get_output_names())
    except ImportError:
        return [], MIDI_OUT_MISSING
    except Exception as exc:  # noqa: BLE001  backend errors
        if "rtmidi" in str(exc).lower():
            return [], MIDI_OUT_MISSING
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return [], f"No MIDI output: {reason}."
    if not names:
        return [], "No MIDI output ports found."
    return names, f"{len(names)} MIDI output port(s)."


class MidiPortPlayer(QObject):
    """Sends notes to a MIDI output port in real time from a Python thread.

    ``finished`` is emitted when playback ends or is stopped; ``error`` carries a one-line
    reason (port vanished, rtmidi missing...).
    """

    finished = Signal()
    error = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self, notes, tempo_bpm: float, port_name: str) -> bool:
        self.stop()
        self._stop.clear()
        events = []
        for n in notes:
            events.append((n.start, 1, n.pitch, n.velocity))
            events.append((n.end, 0, n.pitch, 0))
        events.sort(key=lambda e: (e[0], e[1]))
        seconds_per_beat = 60.0 / tempo_bpm
        self._thread = threading.Thread(target=self._run, args=(events, seconds_per_beat, port_name),
                                        name="playground-midi-out", daemon=True)
        self._thread.start()
        return True

    def _run(self, events, seconds_per_beat, port_name) -> None:
        try:
            import mido

            with mido.open_output(port_name) as port:
                start = time.monotonic()
                sounding = set()
                try:
                    for beat, on, pitch, velocity in events:
                        delay = start + beat * seconds_per_beat - time.monotonic()
                        if delay > 0 and self._stop.wait(delay):
                            break
                        if on:
                            port.send(mido.Message("note_on", note=pitch, velocity=velocity))
                            sounding.add(pitch)
                        else:
                            port.send(mido.Message("note_off", note=pitch))
                            sounding.discard(pitch)
                finally:
                    for pitch in sounding:
                        port.send(mido.Message("note_off", note=pitch))
        except ImportError:
            self.error.emit(MIDI_OUT_MISSING)
        except Exception as exc:  # noqa: BLE001
            self.error.emit(f"MIDI output failed: {' '.join(str(exc).split()) or type(exc).__name__}")
        self.finished.emit()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None


__all__ = ["AudioPlayer", "AudioStatus", "MidiPortPlayer", "SAMPLE_RATE", "audio_status", "midi_output_ports"]
