"""The Music panel (pytest-qt, offscreen): generate in a worker, piano roll, save, audio status."""

from __future__ import annotations

import threading
import wave

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from playground.music.midi_io import read_midi  # noqa: E402


@pytest.fixture
def panel(qtbot, music_corpus, music_model):
    from playground.ui.music.panel import MusicPanel

    widget = MusicPanel()
    qtbot.addWidget(widget)
    widget.set_corpus(music_corpus)
    widget.set_model(music_model)
    yield widget
    widget.shutdown()


def _key(n):
    return (n.pitch, round(n.start, 4), round(n.duration, 4))


def test_generate_in_worker_then_save_midi_and_wav(panel, qtbot, tmp_path, monkeypatch):
    import playground.inference.music as mg

    threads = []
    real = mg.generate_music

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(mg, "generate_music", spy)
    assert panel.generate_button.isEnabled() and not panel.save_midi_button.isEnabled()
    panel.bars.setValue(4)
    with qtbot.waitSignal(panel.generated, timeout=60000) as blocker:
        panel.generate_button.click()
        assert not panel.generate_button.isEnabled()  # busy while the worker runs
    result = blocker.args[0]
    assert threads and threads[0] is not threading.main_thread()  # never decoded on the GUI thread
    assert panel.roll.note_count() == len(result.notes) > 0
    assert panel.roll.primer_notes and panel.roll.generated_notes
    lo, hi = result.info.pitch_range
    assert all(lo <= n.pitch <= hi for n in result.generated_notes)
    assert result.total_beats == pytest.approx(4 * result.beats_per_bar)
    assert ", 4 bars with the seed note (" in panel.status.text()  # the seed note is the first step of them
    assert panel.save_midi_button.isEnabled() and panel.generate_button.isEnabled()

    midi_path = panel.save_midi(tmp_path / "out.mid")
    back = read_midi(midi_path)
    assert sorted(map(_key, back.notes)) == sorted(map(_key, result.notes))
    import mido

    mid = mido.MidiFile(str(midi_path))
    assert sum(1 for t in mid.tracks for m in t if m.type == "note_on" and m.velocity > 0) == len(result.notes)

    wav_path = panel.save_wav(tmp_path / "out.wav")
    with wave.open(str(wav_path)) as w:
        assert w.getnchannels() == 1 and w.getframerate() == 44100 and w.getnframes() > 0


def test_generate_from_primer_tune(panel, qtbot):
    panel.seed_kind.setCurrentIndex(1)
    assert panel.primer_tune.count() == 24
    panel.primer_tune.setCurrentIndex(0)
    panel.primer_bars.setValue(2)
    panel.bars.setValue(2)
    with qtbot.waitSignal(panel.generated, timeout=60000) as blocker:
        panel.generate()
    result = blocker.args[0]
    tune = panel.tunes[0][1]
    assert result.primer_beats == pytest.approx(2 * tune.beats_per_bar)
    assert all(n.start < result.primer_beats for n in panel.roll.primer_notes)
    assert all(n.start >= result.primer_beats for n in panel.roll.generated_notes)
    assert panel.roll.boundary.isVisible()


def test_same_seed_same_music(panel, qtbot):
    panel.random_seed.setValue(7)
    panel.bars.setValue(2)
    runs = []
    for _ in range(2):
        with qtbot.waitSignal(panel.generated, timeout=60000) as blocker:
            panel.generate()
        runs.append(blocker.args[0].generated_tokens)
    assert runs[0] == runs[1]


def test_audio_unavailable_path_says_so(qtbot, monkeypatch, music_model):
    from playground.ui.music import audio
    from playground.ui.music.panel import MusicPanel

    monkeypatch.setenv("PLAYGROUND_NO_AUDIO", "1")
    audio.audio_status(refresh=True)
    try:
        panel = MusicPanel()
        qtbot.addWidget(panel)
        panel.set_model(music_model)
        assert "switched off" in panel.audio_label.text()
        assert "save as WAV or MIDI" in panel.audio_label.text()
        panel.bars.setValue(1)
        with qtbot.waitSignal(panel.generated, timeout=60000):
            panel.generate()
        assert not panel.play_button.isEnabled()  # nothing to play through
        assert panel.save_wav_button.isEnabled() and panel.save_midi_button.isEnabled()
        with qtbot.waitSignal(panel.status_changed, timeout=2000) as blocker:
            panel.play()  # called anyway: a message, never a crash
        assert "switched off" in blocker.args[0]
        panel.shutdown()
    finally:
        monkeypatch.delenv("PLAYGROUND_NO_AUDIO")
        audio.audio_status(refresh=True)


def test_audio_status_on_this_machine_is_a_sentence():
    from playground.ui.music.audio import audio_status

    status = audio_status(refresh=True)
    assert isinstance(status.available, bool) and status.message
    if not status.available:
        assert "WAV" in status.message  # tells the user what still works


def test_midi_ports_never_crash(qtbot):
    from playground.ui.music.audio import MidiPortPlayer, midi_output_ports
    from playground.music.notes import Note

    names, message = midi_output_ports()
    assert isinstance(names, list) and message
    player = MidiPortPlayer()
    with qtbot.waitSignal(player.finished, timeout=5000):
        player.play([Note(60, 0, 0.1)], 120.0, "no such port")
    player.stop()


def test_panel_without_a_music_model(qtbot):
    from types import SimpleNamespace

    from playground.ui.music.panel import MusicPanel

    text_model = SimpleNamespace(meta={"corpus_kind": "text"}, config=SimpleNamespace(is_lm=True))
    panel = MusicPanel()
    qtbot.addWidget(panel)
    assert not panel.generate_button.isEnabled()
    assert not panel.play_button.isEnabled() and not panel.save_midi_button.isEnabled()
    panel.set_model(text_model)  # a text language model
    assert "not trained on music" in panel.model_label.text()
    assert not panel.generate_button.isEnabled()
    panel.generate()  # ignored, no crash
    assert panel.save_midi() is None
    panel.set_corpus(None)
    panel.set_model(None)


def test_piano_roll_axes_and_playhead(qtbot):
    from playground.music.notes import Note
    from playground.ui.music.piano_roll import PianoRoll

    roll = PianoRoll()
    qtbot.addWidget(roll)
    roll.set_notes([Note(60, 0, 1)], [Note(64, 1, 0.5), Note(67, 1.5, 1.5)], beats_per_bar=3, primer_end=1)
    assert roll.note_count() == 3 and roll.end_beat == 3.0
    axis = roll.getPlotItem().getAxis("bottom")
    assert axis.tickStrings([0.0, 3.0, 6.0, 4.0], 1, 1) == ["1", "2", "3", ""]
    assert roll.getPlotItem().getAxis("left").tickStrings([60.0, 61.0], 1, 1) == ["C4", "C#4"]
    assert roll.playhead_beat is None
    roll.set_playhead(1.25)
    assert roll.playhead_beat == 1.25
    roll.hide_playhead()
    assert roll.playhead_beat is None
    roll.clear_notes()
    assert roll.note_count() == 0


def test_playhead_follows_playback_position(panel, qtbot):
    panel.bars.setValue(1)
    with qtbot.waitSignal(panel.generated, timeout=60000) as blocker:
        panel.generate()
    tempo = blocker.args[0].tempo_bpm
    panel._audio_tempo = tempo
    panel._playback_position(2.0)  # what AudioPlayer.position reports while playing
    assert panel.roll.playhead_beat == pytest.approx(2.0 * tempo / 60.0)
    panel._playback_finished()
    assert panel.roll.playhead_beat is None
