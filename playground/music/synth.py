"""A small numpy synthesiser, so generated music can be heard without a sound font.

The timbre is additive: a few harmonics whose amplitudes fall with their
number and which die away faster the higher they are (a soft, plucked /
electric-piano colour), shaped by an ADSR envelope. Notes are rendered one at
a time, vectorised over samples, and summed (polyphony).
"""

from __future__ import annotations

import math
import os
import wave
from pathlib import Path
from typing import Iterable

import numpy as np

from playground.atomic import atomic_write
from .notes import Note

HARMONICS = (1.0, 0.45, 0.25, 0.12, 0.07, 0.035)  # relative amplitude of harmonic 1, 2, ...
HARMONIC_DECAY = 1.8  # 1/s: harmonic k decays as exp(-k * HARMONIC_DECAY * t) (brightness fades)
ATTACK = 0.008  # s, linear rise (short, but long enough to avoid a click)
DECAY = 0.12  # s, fall from the attack peak to the sustain level
SUSTAIN = 0.65  # sustain level relative to the peak
RELEASE = 0.18  # s after the note-off until silence (the "release tail")


def midi_to_hz(pitch: float) -> float:
    """Equal-tempered frequency of a MIDI pitch: 69 -> 440 Hz, 60 -> 261.63 Hz."""
    return 440.0 * 2.0 ** ((pitch - 69) / 12.0)


def _envelope(n_on: int, n_rel: int, sample_rate: int) -> np.ndarray:
    """ADSR envelope, shape (n_on + n_rel,): attack/decay/sustain while held, then release."""
    t = np.arange(n_on, dtype=np.float32) / sample_rate
    held = np.interp(t, [0.0, ATTACK, ATTACK + DECAY], [0.0, 1.0, SUSTAIN]).astype(np.float32)
    level = float(held[-1]) if n_on else 0.0
    x = np.arange(n_rel, dtype=np.float32) / max(n_rel, 1)
    release = level * (1.0 - x) ** 2  # quadratic: quick fall, smooth landing at zero
    return np.concatenate([held, release.astype(np.float32)])


def _voice(pitch: int, n_on: int, sample_rate: int) -> np.ndarray:
    """One note at full velocity, shape (n_on + release samples,), float32."""
    n_rel = int(round(RELEASE * sample_rate))
    n = n_on + n_rel
    f = midi_to_hz(pitch)
    t = np.arange(n, dtype=np.float64) / sample_rate
    x = 2.0 * math.pi * f * t
    # sin(kx) by the Chebyshev recurrence s_k = 2cos(x) s_{k-1} - s_{k-2}: two
    # transcendental calls per note instead of one per harmonic.
    s_prev, s_cur = np.zeros(n), np.sin(x)
    two_cos = 2.0 * np.cos(x)
    fade = np.exp(-HARMONIC_DECAY * t)
    fade_k = fade.copy()
    out = HARMONICS[0] * fade_k * s_cur
    nyquist = sample_rate / 2.0
    for k, amp in enumerate(HARMONICS[1:], start=2):
        if k * f >= nyquist:
            break  # above Nyquist it would alias
        s_prev, s_cur = s_cur, two_cos * s_cur - s_prev
        fade_k = fade_k * fade
        out += amp * fade_k * s_cur
    out /= sum(HARMONICS)
    return (out * _envelope(n_on, n_rel, sample_rate)).astype(np.float32)


def render(
    notes: Iterable[Note], *, tempo_bpm: float = 120.0, sample_rate: int = 44100, gain: float = 0.3
) -> np.ndarray:
    """Render notes to mono audio, shape (n_samples,), float32 in [-1, 1].

    ``n_samples`` = (last note end in seconds + RELEASE) * sample_rate, rounded
    up. Voices are summed and scaled by ``gain`` (times velocity/127); only if
    the mix would exceed 1 is it normalised down to a peak of 0.99 (no clipping).
    """
    notes = list(notes)
    if tempo_bpm <= 0 or sample_rate <= 0:
        raise ValueError(f"tempo_bpm and sample_rate must be positive, got {tempo_bpm}, {sample_rate}")
    if not notes:
        return np.zeros(0, dtype=np.float32)
    sec_per_beat = 60.0 / tempo_bpm
    end_s = max(n.end for n in notes) * sec_per_beat
    total = int(math.ceil((end_s + RELEASE) * sample_rate))
    mix = np.zeros(total + 1, dtype=np.float32)  # +1 guards rounding at the very end
    cache: dict[tuple[int, int], np.ndarray] = {}  # melodies repeat (pitch, length) a lot
    for n in notes:
        start = int(round(n.start * sec_per_beat * sample_rate))
        n_on = max(int(round(n.duration * sec_per_beat * sample_rate)), 1)
        key = (n.pitch, n_on)
        if key not in cache:
            cache[key] = _voice(n.pitch, n_on, sample_rate)
        v = cache[key]
        stop = min(start + len(v), len(mix))
        mix[start:stop] += (gain * n.velocity / 127.0) * v[: stop - start]
    mix = mix[:total]
    peak = float(np.max(np.abs(mix))) if total else 0.0
    if peak > 1.0:
        mix *= 0.99 / peak
    return mix


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] (clipped if outside) -> int16 PCM, same shape."""
    a = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    return np.round(a * 32767.0).astype(np.int16)


def write_wav(audio: np.ndarray, path: str | os.PathLike, sample_rate: int = 44100) -> Path:
    """Write mono audio (shape (n,), float in [-1, 1] or int16) as a 16-bit WAV, atomically."""
    path = Path(path)
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"{path}: expected mono audio of shape (n,), got {audio.shape}")
    pcm = audio if audio.dtype == np.int16 else to_int16(audio)

    def write(fh) -> None:
        with wave.open(fh, "wb") as w:  # wave leaves a file object it did not open open
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(sample_rate))
            w.writeframes(pcm.astype("<i2").tobytes())

    atomic_write(path, write)
    return path


__all__ = ["RELEASE", "midi_to_hz", "render", "to_int16", "write_wav"]
