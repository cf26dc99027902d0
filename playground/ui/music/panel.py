"""The Music tab: generate from a seed note or a primer tune, see the piano roll, play, save.

``MusicPanel.set_model(model)`` takes a trained music language model (or None) and
``set_corpus(corpus)`` a music Corpus (or None). Primer tunes come from the model file
(``meta["extra"]["primers"]``, see :mod:`playground.music.primers`), whatever dataset is
loaded; the loaded corpus' tunes are offered instead when it is the model's own data (whole
tunes, all of them) or when the model stores none (older model files). Generation runs in a
worker thread (:class:`GenerateWorker` in a QThread); widgets are only touched on the GUI
thread. Preview alone: ``python -m playground.ui.music.panel`` (trains a tiny model on
midi:sample first).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from playground.inference.music import MusicModelInfo, bars_text, pitch_name, start_text
from playground.music.primers import PRIMER_BARS, primer_tunes
from playground.ui import dialogs
from playground.ui.music.audio import SAMPLE_RATE, AudioPlayer, MidiPortPlayer, audio_status, midi_output_ports
from playground.ui.music.piano_roll import PianoRoll

SEED_NOTE, PRIMER = 0, 1  # pages of the seed chooser
MAX_PRIMER_BARS = 32  # of a corpus tune; a primer stored in a model file holds PRIMER_BARS
PRIMER_TIP = "Held-out (test) tunes first, then validation and training tunes"


class GenerateWorker(QObject):
    """Runs :func:`playground.inference.music.generate_music` on its own thread."""

    done = Signal(object)  # GeneratedMusic
    failed = Signal(str)

    def __init__(self, model, kwargs: dict):
        super().__init__()
        self.model, self.kwargs = model, kwargs
        self.cancelled = False

    @Slot()
    def run(self):
        from playground.inference.music import generate_music

        try:
            result = generate_music(self.model, should_stop=lambda: self.cancelled, **self.kwargs)
        except Exception as exc:  # noqa: BLE001  shown as one line in the status
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.failed.emit(text)
            return
        self.done.emit(result)


class MusicPanel(QWidget):
    """Seed / primer, length, sampling settings → Generate → piano roll, Play / Stop, Save."""

    generated = Signal(object)  # GeneratedMusic, after it is shown
    generation_failed = Signal(str)
    status_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None
        self.info: MusicModelInfo | None = None
        self.corpus = None
        self.tunes: list = []  # (label, Tune) offered as primers
        self.tunes_from: str | None = None  # "model", "corpus" or None: where self.tunes come from
        self._model_tunes: list = []  # (label, Tune) stored in the model file
        self._corpus_tunes: list = []  # (label, Tune) of the loaded music corpus
        self.result = None  # the last GeneratedMusic
        self._thread: QThread | None = None
        self._worker: GenerateWorker | None = None
        self._audio_tempo = 120.0
        self._build()
        self.player = AudioPlayer(self)
        self.player.position.connect(self._playback_position)
        self.player.finished.connect(self._playback_finished)
        self.player.error.connect(self._set_status)
        self.midi_player = MidiPortPlayer(self)
        self.midi_player.error.connect(self._set_status)
        self.midi_player.finished.connect(self._playback_finished)
        self._show_audio_status()
        self._update_enabled()
        app = QApplication.instance()
        if app is not None:  # never leave a generation thread running when the app quits
            app.aboutToQuit.connect(self.shutdown)

    # -- layout ----------------------------------------------------------------------------

    def _build(self):
        self.model_label = QLabel("No music model yet: train one on a MIDI dataset (Data tab: midi:sample) "
                                  "or open a model file.")
        self.model_label.setWordWrap(True)

        self.seed_kind = QComboBox()
        self.seed_kind.addItems(["Seed note", "Primer from a tune"])
        self.seed_note = QComboBox()
        self.seed_note.setToolTip("The first note; only pitches the model was trained on are offered")
        self.primer_tune = QComboBox()
        self.primer_tune.setToolTip(PRIMER_TIP)
        self.primer_bars = QSpinBox()
        self.primer_bars.setRange(1, MAX_PRIMER_BARS)
        self.primer_bars.setValue(2)
        self.primer_bars.setSuffix(" bars")
        self.seed_pages = QStackedWidget()
        note_page = QWidget()
        QHBoxLayout(note_page).addWidget(self.seed_note)
        note_page.layout().setContentsMargins(0, 0, 0, 0)
        primer_page = QWidget()
        row = QHBoxLayout(primer_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.primer_tune, 1)
        row.addWidget(QLabel("first"))
        row.addWidget(self.primer_bars)
        self.seed_pages.addWidget(note_page)
        self.seed_pages.addWidget(primer_page)
        self.seed_kind.currentIndexChanged.connect(self.seed_pages.setCurrentIndex)
        self.seed_kind.currentIndexChanged.connect(lambda _: self._update_enabled())

        self.bars = QSpinBox()
        self.bars.setRange(1, 128)
        self.bars.setValue(8)
        self.bars.setSuffix(" bars")
        self.bars.setToolTip("Bars to generate (after the primer; a seed note is the first step)")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 3.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(1.0)
        self.temperature.setToolTip("Below 1: safer, more repetitive; above 1: more adventurous")
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 500)
        self.top_k.setSpecialValueText("off")
        self.top_k.setToolTip("Sample only from the k most likely tokens (off = all)")
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setValue(1.0)
        self.top_p.setToolTip("Nucleus sampling: the smallest set of tokens reaching this probability (1 = off)")
        self.random_seed = QSpinBox()
        self.random_seed.setRange(0, 1_000_000)
        self.random_seed.setToolTip("Same seed and settings → same music")

        form = QFormLayout()
        form.addRow("Start from", self.seed_kind)
        form.addRow("", self.seed_pages)
        form.addRow("Length", self.bars)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-k", self.top_k)
        form.addRow("Top-p", self.top_p)
        form.addRow("Random seed", self.random_seed)
        settings = QGroupBox("Generate")
        settings.setLayout(form)

        self.generate_button = QPushButton("Generate")
        self.generate_button.clicked.connect(self.generate)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.play)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.save_midi_button = QPushButton("Save MIDI…")
        self.save_midi_button.clicked.connect(lambda: self.save_midi())
        self.save_wav_button = QPushButton("Save WAV…")
        self.save_wav_button.clicked.connect(lambda: self.save_wav())
        self.midi_port = QComboBox()
        self.midi_port.setToolTip("Play through the built-in synthesiser, or send to a MIDI output port")

        buttons = QHBoxLayout()
        for w in (self.generate_button, self.play_button, self.stop_button, self.save_midi_button,
                  self.save_wav_button):
            buttons.addWidget(w)
        buttons.addWidget(QLabel("Output:"))
        buttons.addWidget(self.midi_port, 1)

        self.audio_label = QLabel()
        self.audio_label.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.roll = PianoRoll()

        left = QVBoxLayout()
        left.addWidget(self.model_label)
        left.addWidget(settings)
        left.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(left, 0)
        right = QVBoxLayout()
        right.addLayout(buttons)
        right.addWidget(self.roll, 1)
        right.addWidget(self.audio_label)
        right.addWidget(self.status)
        top.addLayout(right, 1)
        self.setLayout(top)

    def _show_audio_status(self):
        status = audio_status()
        ports, port_message = midi_output_ports()
        self.midi_port.clear()
        self.midi_port.addItem("Built-in synthesiser", None)
        for name in ports:
            self.midi_port.addItem(f"MIDI: {name}", name)
        self.audio_available = status.available
        self.audio_label.setText(f"{status.message} {port_message}")

    # -- inputs ----------------------------------------------------------------------------

    def set_model(self, model):
        """A trained music language model, or None."""
        self.stop()
        self.model, self.info = None, None
        self._model_tunes = []
        self.seed_note.clear()
        if model is None:
            self.model_label.setText("No music model yet: train one on a MIDI dataset or open a model file.")
        elif model.meta.get("corpus_kind") != "music" or not model.config.is_lm:
            self.model_label.setText("This model was not trained on music; train a language model on a MIDI "
                                     "dataset to generate here.")
        else:
            self.model, self.info = model, MusicModelInfo.from_model(model)
            self._model_tunes = primer_tunes((model.meta.get("extra") or {}).get("primers"))
            vocab = set(model.meta.get("target_vocab", {}).get("tokens", []))
            prefix = "p" if self.info.encoding == "melody" else "on"
            pitches = [p for p in range(128) if f"{prefix}{p}" in vocab]
            for p in pitches:
                self.seed_note.addItem(f"{pitch_name(p)} ({p})", p)
            if pitches:  # start near the middle of the range, on a C/G if possible
                middle = (pitches[0] + pitches[-1]) / 2
                best = min(pitches, key=lambda p: (abs(p - middle) + (0 if p % 12 in (0, 7) else 3)))
                self.seed_note.setCurrentIndex(pitches.index(best))
            lo, hi = self.info.pitch_range
            cfg = model.config
            self.model_label.setText(
                f"Music model: {cfg.cell.upper()} {cfg.layers}×{cfg.units}, {self.info.encoding} encoding, "
                f"pitches {pitch_name(lo)}–{pitch_name(hi)}, trained {model.meta.get('epochs_completed', 0)} "
                f"epoch(s) on {Path(str(model.meta.get('source', '?'))).name}.")
        self._show_tunes()
        self._update_enabled()

    def set_corpus(self, corpus):
        """A music Corpus (its tunes are primers when the model stores none), or None."""
        self.corpus = corpus
        self._corpus_tunes = []
        music = getattr(corpus, "music", None) if corpus is not None else None
        if music is None and corpus is not None and getattr(corpus, "kind", None) == "music":
            music = self._reload_tunes(corpus)
        if music is not None:
            for split, tunes in (("test", music.tunes_test), ("val", music.tunes_val), ("train", music.tunes_train)):
                for tune in tunes:
                    self._corpus_tunes.append((f"{tune.name} ({split})", tune))
        self._show_tunes()
        self._update_enabled()

    def _corpus_is_model_data(self) -> bool:
        """Whether the loaded corpus is the one the model was trained on, split the same way."""
        if self.model is None or self.corpus is None or not self._corpus_tunes:
            return False
        meta = self.model.meta
        if str(getattr(self.corpus, "name", "")) != str(meta.get("source")):
            return False
        options = getattr(self.corpus, "options", None)
        stored = meta.get("data_options") or {}
        return all(getattr(options, key, None) == stored.get(key) for key in ("val_split", "test_split", "seed"))

    def _show_tunes(self):
        """Fill the primer list: the model's stored primers, unless the loaded corpus is the
        model's own data (its whole tunes) or the model stores none (older files)."""
        if self._model_tunes and not self._corpus_is_model_data():
            tunes, source = self._model_tunes, "model"
        elif self._corpus_tunes:
            tunes, source = self._corpus_tunes, "corpus"
        else:
            tunes, source = [], None
        previous = self.primer_tune.currentText()
        self.tunes, self.tunes_from = list(tunes), source
        self.primer_tune.clear()
        for label, _ in self.tunes:
            self.primer_tune.addItem(label)
        labels = [label for label, _ in self.tunes]
        if previous in labels:
            self.primer_tune.setCurrentIndex(labels.index(previous))
        if source == "model":
            self.primer_bars.setMaximum(PRIMER_BARS)
            self.primer_tune.setToolTip(f"{PRIMER_TIP}: their first {PRIMER_BARS} bars, stored in the model file")
        else:
            self.primer_bars.setMaximum(MAX_PRIMER_BARS)
            self.primer_tune.setToolTip(PRIMER_TIP)

    @staticmethod
    def _reload_tunes(corpus):
        """Tunes for a corpus loaded without them (kept light: folder re-read, no encoding)."""
        try:
            from playground.music.corpus import load_music_source

            extra = corpus.extra or {}
            return load_music_source(corpus.name, encoding=extra.get("encoding", "melody"),
                                     val_split=corpus.options.val_split, test_split=corpus.options.test_split,
                                     seed=corpus.options.seed)
        except Exception:  # noqa: BLE001  primers are optional; seed notes still work
            return None

    def _update_enabled(self):
        busy = self._thread is not None
        has_model = self.model is not None
        primer_ok = self.seed_kind.currentIndex() == SEED_NOTE or bool(self.tunes)
        self.generate_button.setEnabled(has_model and not busy and primer_ok)
        self.generate_button.setText("Generating…" if busy else "Generate")
        has_music = self.result is not None and bool(self.result.notes)
        playing = self.player.playing or self.midi_player.playing if hasattr(self, "player") else False
        self.play_button.setEnabled(has_music and not playing and
                                    (self.audio_available or self.midi_port.currentData() is not None))
        self.stop_button.setEnabled(playing)
        self.save_midi_button.setEnabled(has_music)
        self.save_wav_button.setEnabled(has_music)
        if has_model and not primer_ok:
            self._set_status("No tunes to take a primer from: choose a dataset of MIDI tunes, or use a seed note.")

    # -- generation ------------------------------------------------------------------------

    def request(self) -> dict:
        """The generate_music keyword arguments the controls describe."""
        kwargs = {"bars": float(self.bars.value()), "temperature": float(self.temperature.value()),
                  "top_k": int(self.top_k.value()), "top_p": float(self.top_p.value()),
                  "random_seed": int(self.random_seed.value())}
        if self.seed_kind.currentIndex() == PRIMER and self.tunes:
            kwargs["primer"] = self.tunes[max(self.primer_tune.currentIndex(), 0)][1]
            kwargs["primer_bars"] = float(self.primer_bars.value())
        elif self.seed_note.count():
            kwargs["seed_pitch"] = int(self.seed_note.currentData())
        return kwargs

    def generate(self):
        """Start generating on a worker thread (ignored while one runs or without a model)."""
        if self.model is None or self._thread is not None:
            return
        self.stop()
        self._thread = QThread(self)
        self._worker = GenerateWorker(self.model, self.request())
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.done.connect(self._generated)
        self._worker.failed.connect(self._failed)
        self._set_status("Generating… (the first time also compiles the sampling loop)")
        self._update_enabled()
        self._thread.start()

    def _finish_thread(self):
        thread, self._thread, self._worker = self._thread, None, None
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()
        self._update_enabled()

    @Slot(object)
    def _generated(self, result):
        assert self.thread() is QThread.currentThread()
        self._finish_thread()
        self.result = result
        self.roll.set_notes(result.primer_notes, result.generated_notes, result.beats_per_bar,
                            primer_end=result.primer_beats, end_beat=result.total_beats)
        s = result.summary()
        distance = s["pitch_class_distance"]
        gr = s["generated_pitch_range"]
        self._set_status(
            f"Generated {s['generated_notes']} notes, {bars_text(s)} "
            f"({s['generated_tokens']} tokens, {result.seconds:.2f}s) {start_text(s)}; "
            f"pitches {pitch_name(gr[0]) + '–' + pitch_name(gr[1]) if gr else 'none'} within the training range"
            + (f"; pitch-class distance to the training music {distance:.3f}" if distance is not None else ""))
        self._update_enabled()
        self.generated.emit(result)

    @Slot(str)
    def _failed(self, message):
        self._finish_thread()
        self._set_status(f"Generation failed: {message}")
        self.generation_failed.emit(message)

    # -- playback --------------------------------------------------------------------------

    def play(self):
        if self.result is None or not self.result.notes:
            return
        self.stop()
        port = self.midi_port.currentData()
        tempo = self.result.tempo_bpm
        self._audio_tempo = tempo
        if port is not None:
            self.midi_player.play(self.result.notes, tempo, port)
            self._set_status(f"Playing to MIDI port {port}")
        else:
            from playground.music.synth import render

            audio = render(self.result.notes, tempo_bpm=tempo, sample_rate=SAMPLE_RATE)
            if not self.player.play(audio, SAMPLE_RATE):
                return
            self._set_status("Playing…")
        self._update_enabled()

    def stop(self):
        if hasattr(self, "player"):
            self.player.stop()
            self.midi_player.stop()
        self.roll.hide_playhead()

    @Slot(float)
    def _playback_position(self, seconds):
        self.roll.set_playhead(seconds * self._audio_tempo / 60.0)

    @Slot()
    def _playback_finished(self):
        self.roll.hide_playhead()
        self._update_enabled()

    # -- saving ----------------------------------------------------------------------------

    def _ask_path(self, caption, suffix, filter_text):
        path = dialogs.save_file(self, caption, filter_text, kind="music", suggested=f"generated{suffix}")
        if path and not path.lower().endswith(suffix):
            path += suffix
        return path or None

    def save_midi(self, path=None):
        """Write the last result as a MIDI file (asks for a path when none is given) → path or None."""
        if self.result is None:
            return None
        path = path or self._ask_path("Save MIDI", ".mid", "MIDI files (*.mid *.midi)")
        if not path:
            return None
        path = dialogs.confirm_output(self, path, "midi")
        if path is None:
            return None
        from playground.music.midi_io import write_midi

        try:
            written = write_midi(self.result.tune(Path(path).stem), path)
        except Exception as exc:  # noqa: BLE001
            self._set_status(f"Could not save MIDI: {exc}")
            return None
        self._set_status(f"Saved {written}")
        return written

    def save_wav(self, path=None):
        """Render the last result with the built-in synthesiser and write a WAV file → path or None."""
        if self.result is None:
            return None
        path = path or self._ask_path("Save WAV", ".wav", "WAV audio (*.wav)")
        if not path:
            return None
        path = dialogs.confirm_output(self, path, "wav")
        if path is None:
            return None
        from playground.music.synth import render, write_wav

        try:
            audio = render(self.result.notes, tempo_bpm=self.result.tempo_bpm, sample_rate=SAMPLE_RATE)
            written = write_wav(audio, path, SAMPLE_RATE)
        except Exception as exc:  # noqa: BLE001
            self._set_status(f"Could not save WAV: {exc}")
            return None
        self._set_status(f"Saved {written}")
        return written

    # -- housekeeping ----------------------------------------------------------------------

    def _set_status(self, text):
        self.status.setText(text)
        self.status_changed.emit(text)

    def shutdown(self):
        """Stop playback and wait for a running generation (call before the window closes)."""
        self.stop()
        if self._worker is not None:
            self._worker.cancelled = True
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None

    def closeEvent(self, event):
        self.shutdown()
        super().closeEvent(event)


def _preview():  # pragma: no cover - manual preview
    import sys

    from playground.config import ModelConfig, TrainConfig
    from playground.sources import load_any_source
    from playground.training.trainer import Trainer

    app = QApplication.instance() or QApplication(sys.argv)
    corpus = load_any_source("midi:sample")
    print("training a tiny model on midi:sample for the preview…", flush=True)
    result = Trainer(corpus, ModelConfig(mode="lm", units=64, embedding_dim=16),
                     TrainConfig(epochs=8, batch_size=8, learning_rate=1e-2, device="cpu", sample_items=0)).run()
    panel = MusicPanel()
    panel.set_corpus(corpus)
    panel.set_model(result.model)
    panel.resize(1100, 600)
    panel.setWindowTitle("Music panel preview")
    panel.show()
    panel.generate()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(_preview())
