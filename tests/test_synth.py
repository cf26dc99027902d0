"""The numpy synthesiser: pitch accuracy, length, polyphony, WAV output, speed."""

from __future__ import annotations

import os
import wave

import numpy as np
import pytest

from playground.music.notes import Note
from playground.music.synth import RELEASE, midi_to_hz, render, to_int16, write_wav

SR = 44100


def spectrum(audio: np.ndarray, sample_rate: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, magnitudes) of a Hann-windowed, zero-padded FFT."""
    n = 1 << int(np.ceil(np.log2(len(audio) * 4)))
    mag = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n))
    return np.fft.rfftfreq(n, 1 / sample_rate), mag


def peak_hz(audio: np.ndarray) -> float:
    freqs, mag = spectrum(audio)
    return float(freqs[np.argmax(mag)])


def test_midi_to_hz():
    assert midi_to_hz(69) == 440.0
    assert midi_to_hz(60) == pytest.approx(261.6256, rel=1e-6)
    assert midi_to_hz(81) == pytest.approx(880.0)


@pytest.mark.parametrize("pitch, hz", [(69, 440.0), (60, 261.63)])
def test_single_note_spectral_peak(pitch, hz):
    audio = render([Note(pitch, 0, 2)], tempo_bpm=120)  # one second
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(peak_hz(audio) - hz) <= 0.01 * hz


def test_output_range_and_shape():
    audio = render([Note(60, 0, 1, 127)])
    assert np.max(np.abs(audio)) <= 1.0 and np.max(np.abs(audio)) > 0.05
    assert render([]).shape == (0,)
    with pytest.raises(ValueError):
        render([Note(60, 0, 1)], tempo_bpm=0)


def test_length_is_notes_plus_release_tail():
    # A phrase of 8 beats at 90 bpm lasts 8 * 60/90 s; the tail adds RELEASE (0.18 s).
    # Tolerance: within 2 samples of (end + RELEASE) * sample_rate (rounding up).
    notes = [Note(60 + i, i * 1.0, 1.0) for i in range(8)]
    audio = render(notes, tempo_bpm=90, sample_rate=22050)
    expected = (8 * 60 / 90 + RELEASE) * 22050
    assert abs(len(audio) - expected) <= 2
    # The sound really stops: the last 5 ms are near silence, the note is loud before its end.
    assert np.max(np.abs(audio[-110:])) < 1e-3
    end = int(8 * 60 / 90 * 22050)
    assert np.max(np.abs(audio[end - 2000 : end])) > 0.02


def test_polyphony_sums_both_notes():
    a, b = Note(69, 0, 2), Note(76, 0, 2)  # A4 440 Hz and E5 659.26 Hz
    both = render([a, b])
    np.testing.assert_allclose(both, render([a]) + render([b]), atol=1e-6)  # plain sum (no clipping needed)
    freqs, mag = spectrum(both)
    for hz in (440.0, midi_to_hz(76)):
        near = np.abs(freqs - hz) <= 0.01 * hz
        assert mag[near].max() > 0.3 * mag.max(), f"no peak at {hz:.1f} Hz"
    # ...and they are the two strongest partials (harmonics are weaker).
    order = np.argsort(mag)[::-1]
    strongest = [freqs[order[0]]] + [f for f in freqs[order[:500]] if abs(f - freqs[order[0]]) > 20][:1]
    assert sorted(round(f / 10) for f in strongest) == [44, 66]


def test_loud_chord_is_normalised_not_clipped():
    chord = [Note(p, 0, 1, 127) for p in (48, 52, 55, 60, 64, 67, 72, 76)]
    audio = render(chord, gain=1.0)
    peak = np.max(np.abs(audio))
    assert 0.98 <= peak <= 0.99 + 1e-6


def test_to_int16_and_wav_roundtrip(tmp_path):
    assert to_int16(np.array([0.0, 1.0, -1.0, 2.0])).tolist() == [0, 32767, -32767, 32767]
    audio = render([Note(60, 0, 1), Note(64, 1, 1)], sample_rate=16000)
    path = write_wav(audio, tmp_path / "out" / "x.wav", 16000)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        assert w.getnframes() == len(audio)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    np.testing.assert_array_equal(data, to_int16(audio))
    assert os.listdir(path.parent) == ["x.wav"]  # no temp file left behind
    with pytest.raises(ValueError, match="mono"):
        write_wav(np.zeros((10, 2)), tmp_path / "stereo.wav")


def test_wav_write_failure_keeps_previous(tmp_path, monkeypatch):
    path = write_wav(np.zeros(100, dtype=np.float32), tmp_path / "keep.wav", 8000)
    before = path.read_bytes()

    def boom(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(wave.Wave_write, "writeframes", boom)
    with pytest.raises(OSError):
        write_wav(np.ones(1000, dtype=np.float32) * 0.5, path, 8000)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["keep.wav"]
