"""Data step: pick a built-in source or a file/folder, set loader options, preview.

Loading runs in a worker thread (:mod:`playground.ui.data_loading`) with a progress bar
and a Cancel button; for a file the first lines are shown at once. What Train uses is
always what the preview shows: a failed or cancelled load changes nothing, and changed
options mark the preview "out of date" until Load is pressed.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QProgressBar, QPushButton, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from playground.data.subword import DEFAULT_SUBWORD_VOCAB, MAX_SUBWORD_VOCAB, MIN_SUBWORD_VOCAB
from playground.paths import MIDI_SUFFIXES
from playground.ui import dialogs
from playground.ui.data_loading import Progress, load_and_summarise, quick_preview
from playground.ui.workers import run_job

def _column_spin(value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, 99)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class DataPanel(QWidget):
    """Emits ``corpus_loaded(corpus)``; shows errors through :mod:`dialogs`."""

    corpus_loaded = Signal(object)
    load_failed = Signal(str)
    preview_shown = Signal()

    def __init__(self, state=None, parent=None):
        super().__init__(parent)
        self.state = state
        self._request = 0
        self._summary = None  # what show_summary last showed for a successful load
        self.loading = False
        self.extra_sources: list[str] = []

        self.source = QComboBox()
        self.source.setToolTip("The dataset: a built-in generated task or sample, or a file/folder you opened")
        self.source.setMinimumWidth(260)
        from playground.sources import builtin_sources

        for row in builtin_sources():
            self.source.addItem(row["name"], row["name"])
            self.source.setItemData(self.source.count() - 1, row["description"], Qt.ItemDataRole.ToolTipRole)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: palette(mid);")
        open_file = QPushButton("Open file…")
        open_file.setToolTip("Open a pairs file (Anki/Tatoeba .txt, TSV, CSV), a text file or a MIDI file")
        open_file.clicked.connect(self.choose_file)
        open_dir = QPushButton("Open folder…")
        open_dir.setToolTip("Open a folder of MIDI files")
        open_dir.clicked.connect(self.choose_folder)
        self.load_button = QPushButton("Load")
        self.load_button.setToolTip("Load the source with these options (runs in the background)")
        self.load_button.clicked.connect(self.load)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Abandon this load; the data loaded before stays")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setVisible(False)
        self.load_progress = QProgressBar()
        self.load_progress.setRange(0, 1000)
        self.load_progress.setToolTip("Loading progress")
        self.load_progress.setVisible(False)
        self.stale = QLabel("")
        self.stale.setStyleSheet("color: #a05a00; font-weight: bold;")
        self.stale.setToolTip("The choices above differ from the data loaded: Train uses only loaded data")
        self.stale.setVisible(False)
        self.loaded_source: str | None = None  # what Train uses: the source and options last loaded
        self.loaded_options = None
        self._progress: Progress | None = None

        self.level = QComboBox()
        self.level.addItems(["char", "word", "subword"])
        self.level.setToolTip("Token granularity: characters, words, or subword pieces (SentencePiece, learned "
                              "from the training split and stored in the model file)")
        self.subword_vocab = QSpinBox()
        self.subword_vocab.setRange(MIN_SUBWORD_VOCAB, MAX_SUBWORD_VOCAB)
        self.subword_vocab.setSingleStep(500)
        self.subword_vocab.setValue(DEFAULT_SUBWORD_VOCAB)
        self.subword_vocab.setToolTip("Subword pieces per language (fewer are learned from small data)")
        self.lowercase = QCheckBox("lowercase")
        self.lowercase.setToolTip("Lower-case all text after normalising")
        self.reverse = QCheckBox("reverse source")
        self.reverse.setToolTip("Reverse the source tokens (Sutskever et al. 2014)")
        self.max_length = QSpinBox()
        self.max_length.setRange(0, 10000)
        self.max_length.setSpecialValueText("no limit")
        self.max_length.setToolTip("Drop pairs whose source or target has more tokens (0: keep all)")
        self.max_samples = QSpinBox()
        self.max_samples.setRange(0, 10_000_000)
        self.max_samples.setSpecialValueText("all")
        self.max_samples.setToolTip("Keep at most this many examples after filtering, or tunes of MIDI (0: all)")
        self.sample = QComboBox()
        self.sample.addItem("first", "first")
        self.sample.addItem("random (seeded)", "random")
        self.sample.setToolTip("Which examples Max samples keeps: the first in the file (Tatoeba files are "
                               "sorted by length: the first are the shortest) or a random sample fixed by the seed")
        self.task_size = QSpinBox()
        self.task_size.setRange(0, 1_000_000)
        self.task_size.setSpecialValueText("default")
        self.task_size.setToolTip("Number of pairs generated for a built-in task (0: the task's default)")
        self.val_split = QDoubleSpinBox()
        self.val_split.setRange(0.0, 0.5)
        self.val_split.setSingleStep(0.05)
        self.val_split.setValue(0.1)
        self.val_split.setToolTip("Fraction held out for validation")
        self.test_split = QDoubleSpinBox()
        self.test_split.setRange(0.0, 0.5)
        self.test_split.setSingleStep(0.05)
        self.test_split.setValue(0.1)
        self.test_split.setToolTip("Fraction held out for the final test")
        self.source_column, self.target_column = (
            _column_spin(1, "The column of a sentence-pair file that holds the input (1 = the first)"),
            _column_spin(2, "The column that holds the target; input 2, target 1 translates the other way"))
        self.columns = QWidget()
        columns = QHBoxLayout(self.columns)
        columns.setContentsMargins(0, 0, 0, 0)
        for label, spin in (("input", self.source_column), ("target", self.target_column)):
            columns.addWidget(QLabel(label))
            columns.addWidget(spin, 1)
        self.header = QComboBox()
        for text, value in (("detect", None), ("names the columns", True), ("is data", False)):
            self.header.addItem(text, value)
        self.header.setToolTip("Whether the file's first line holds column names (not trained on) or a pair; "
                               "detected: known names, or names over a column of numbers")
        self.encoding = QComboBox()
        self.encoding.addItem("melody", "melody")
        self.encoding.addItem("events (polyphonic)", "events")
        self.encoding.setToolTip("melody: the top voice on a 16th-note grid (one token per step); events: every "
                                 "note as note-on / note-off / time-shift / velocity tokens (chords too)")
        self.include_drums = QCheckBox("drums")
        self.include_drums.setToolTip("Keep MIDI channel 10 (drums); left out by default")
        self.transpose = QCheckBox("transpose ±2")
        self.transpose.setToolTip("Add training copies transposed by -2..+2 semitones (validation and test "
                                  "stay as they are)")
        self.music_row = QWidget()  # the encoding above its two choices: one line clips them at 1280 px
        music_row = QVBoxLayout(self.music_row)
        music_row.setContentsMargins(0, 0, 0, 0)
        music_row.addWidget(self.encoding)
        music_checks = QHBoxLayout()
        music_checks.addWidget(self.include_drums)
        music_checks.addWidget(self.transpose)
        music_checks.addStretch(1)
        music_row.addLayout(music_checks)
        self.loaded_music: dict | None = None
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed for task generation, sampling and the split")

        top = QHBoxLayout()
        top.addWidget(QLabel("Source:"))
        top.addWidget(self.source, 1)
        top.addWidget(open_file)
        top.addWidget(open_dir)
        top.addWidget(self.load_button)
        top.addWidget(self.cancel_button)

        form = QFormLayout()
        form.addRow("Tokens", self.level)
        form.addRow("Subword pieces", self.subword_vocab)
        form.addRow("Columns", self.columns)
        form.addRow("First line", self.header)
        form.addRow("Music", self.music_row)
        self.data_form = form
        self.text_checks = QWidget()
        checks = QHBoxLayout(self.text_checks)
        checks.setContentsMargins(0, 0, 0, 0)
        checks.addWidget(self.lowercase)
        checks.addWidget(self.reverse)
        form.addRow("", self.text_checks)
        form.addRow("Max length", self.max_length)
        form.addRow("Max samples", self.max_samples)
        form.addRow("Sample", self.sample)
        form.addRow("Task size", self.task_size)
        form.addRow("Validation", self.val_split)
        form.addRow("Test", self.test_split)
        form.addRow("Seed", self.seed)
        options_box = QGroupBox("Loader options")
        options_box.setLayout(form)

        self.counts = QLabel("Nothing loaded yet")
        self.counts.setWordWrap(True)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.preview = QTableWidget(0, 2)
        self.preview.setHorizontalHeaderLabels(["Input", "Target"])
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.preview.setToolTip("The first training pairs, as the model will see them")
        self.skipped = QTableWidget(0, 3)
        self.skipped.setHorizontalHeaderLabels(["Line", "Reason", "Text"])
        self.skipped.horizontalHeader().setStretchLastSection(True)
        self.skipped.setToolTip("Input lines that could not be used, with their line number and why")
        self.histogram = pg.PlotWidget(title="Sequence lengths (tokens)")
        self.histogram.setToolTip("How many examples have each length, for inputs and targets")
        self.histogram.setLabel("bottom", "tokens")
        self.histogram.setLabel("left", "examples")
        self.histogram.addLegend(offset=(-10, 10))
        self._hist_source = self.histogram.plot([], [], stepMode="center", fillLevel=0, name="input",
                                                pen=pg.mkPen("#1f77b4", width=2), brush=(31, 119, 180, 80))
        self._hist_target = self.histogram.plot([], [], stepMode="center", fillLevel=0, name="target",
                                                pen=pg.mkPen("#ff7f0e", width=2), brush=(255, 127, 14, 80))

        tabs = QTabWidget()
        tabs.addTab(self.preview, "Preview")
        tabs.addTab(self.skipped, "Skipped lines")
        self.details_tabs = tabs

        left = QVBoxLayout()
        left.addWidget(options_box)
        left.addWidget(self.counts)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setMaximumWidth(340)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(tabs)
        right.addWidget(self.histogram)
        right.setSizes([400, 220])
        body = QHBoxLayout()
        body.addWidget(left_widget)
        body.addWidget(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.load_progress)
        layout.addWidget(self.description)
        layout.addWidget(self.stale)
        layout.addLayout(body, 1)

        self.source.currentIndexChanged.connect(self._source_changed)
        self._source_changed()
        for widget in (self.level, self.sample, self.header, self.encoding):
            widget.currentIndexChanged.connect(self.check_stale)
        for widget in (self.lowercase, self.reverse, self.include_drums, self.transpose):
            widget.toggled.connect(self.check_stale)
        for widget in (self.max_length, self.max_samples, self.task_size, self.val_split, self.test_split, self.seed,
                       self.subword_vocab, self.source_column, self.target_column):
            widget.valueChanged.connect(self.check_stale)
        self.level.currentIndexChanged.connect(self._level_changed)
        self.level.activated.connect(self._level_chosen)
        self.level_chosen = False  # the user picked the tokens: no automatic choice then
        self._level_changed()

    def _level_chosen(self, *_) -> None:
        self.level_chosen = True

    def _level_changed(self, *_) -> None:
        shown = self.level.currentText() == "subword" and self.data_form.isRowVisible(self.level)
        self.data_form.setRowVisible(self.subword_vocab, shown)

    # -- options ---------------------------------------------------------------------------

    def options(self):
        from playground.data.source import DataOptions

        columns = (self.source_column.value() - 1, self.target_column.value() - 1)
        if columns[0] == columns[1]:
            raise ValueError(f"The input and target columns must differ (both are column {columns[0] + 1})")
        return DataOptions(level=self.level.currentText(), lowercase=self.lowercase.isChecked(), columns=columns,
                           header=self.header.currentData(),
                           reverse_source=self.reverse.isChecked(),
                           max_length=self.max_length.value() or None, max_samples=self.max_samples.value() or None,
                           sample=self.sample.currentData(), task_size=self.task_size.value() or None,
                           val_split=round(self.val_split.value(), 4), test_split=round(self.test_split.value(), 4),
                           seed=self.seed.value(), subword_vocab=self.subword_vocab.value())

    def set_options(self, values: dict, *, level_chosen: bool = True) -> None:
        from playground.data.source import DataOptions

        try:
            options = DataOptions.from_dict(values)
        except (ValueError, TypeError):
            return
        self.level.setCurrentText(options.level)
        if "level" in values:  # a level given stays (no automatic choice over it) if it was the user's
            self.level_chosen = level_chosen
        self.lowercase.setChecked(options.lowercase)
        self.reverse.setChecked(options.reverse_source)
        self.max_length.setValue(options.max_length or 0)
        self.max_samples.setValue(options.max_samples or 0)
        self.sample.setCurrentIndex(max(self.sample.findData(options.sample), 0))
        self.task_size.setValue(options.task_size or 0)
        self.val_split.setValue(options.val_split)
        self.test_split.setValue(options.test_split)
        self.seed.setValue(options.seed)
        self.subword_vocab.setValue(options.subword_vocab)
        self.source_column.setValue(options.columns[0] + 1)
        self.target_column.setValue(options.columns[1] + 1)
        self.header.setCurrentIndex(max(self.header.findData(options.header), 0))

    def music_choice(self) -> dict:
        """How a MIDI source is read: encoding, drums kept, transposed copies."""
        return {"encoding": self.encoding.currentData(), "include_drums": self.include_drums.isChecked(),
                "transpose": self.transpose.isChecked()}

    def set_music_choice(self, music: dict) -> None:
        self.encoding.setCurrentIndex(max(self.encoding.findData(music.get("encoding", "melody")), 0))
        self.include_drums.setChecked(bool(music.get("include_drums")))
        self.transpose.setChecked(bool(music.get("transpose")))

    def current_source(self) -> str:
        return self.source.currentData() or self.source.currentText()

    def set_source(self, source: str) -> None:
        index = self.source.findData(source)
        if index < 0:
            name = Path(source).name if ("/" in source or "\\" in source) else source
            self.source.addItem(name, source)
            index = self.source.count() - 1
            self.source.setItemData(index, source, Qt.ItemDataRole.ToolTipRole)
        self.source.setCurrentIndex(index)

    def _source_changed(self):
        from playground.data.tasks import BUILTIN_TASKS
        from playground.sources import is_music_source, is_sentence_file

        source = self.current_source()
        sentences = is_sentence_file(source)  # sniffs the file once
        music = is_music_source(source)
        if not getattr(self, "level_chosen", True):  # sentence files: the recommended subword tokens
            self.level.setCurrentText("subword" if sentences else "char")
        self.data_form.setRowVisible(self.columns, sentences)
        self.data_form.setRowVisible(self.header, sentences)
        # Only the choices that apply to this kind of source (MIDI has its own tokens).
        self.data_form.setRowVisible(self.music_row, music)
        for widget in (self.level, self.text_checks, self.max_length):
            self.data_form.setRowVisible(widget, not music)
        self.data_form.setRowVisible(self.subword_vocab, not music and self.level.currentText() == "subword")
        self.data_form.setRowVisible(self.task_size, source in BUILTIN_TASKS)
        tip = self.source.itemData(self.source.currentIndex(), Qt.ItemDataRole.ToolTipRole)
        self.description.setText(tip or self.current_source())
        self.check_stale()

    def is_stale(self) -> bool:
        """The choices on this tab differ from the data loaded (and Train would use)."""
        if self.loaded_source is None:
            return False
        try:
            options = self.options()
        except ValueError:
            return True
        return (self.current_source() != self.loaded_source or options != self.loaded_options
                or self.music_choice() != self.loaded_music)

    def check_stale(self, *_):
        stale = self.is_stale()
        self.stale.setText("Out of date — press Load: the data in use is still "
                           f"{self.loaded_source}" if stale else "")
        self.stale.setVisible(stale and not self.loading)  # while loading, the progress bar says it
        if self.state is not None:
            self.state.set_data_stale(stale)

    # -- loading ---------------------------------------------------------------------------

    def choose_file(self):
        path = dialogs.open_file(self, "Open a dataset", "Data (*.txt *.tsv *.csv *.mid *.midi *.kar *.json);;All files (*)",
                                 kind="data")
        if path:
            self.open_path(path)

    def choose_folder(self):
        path = dialogs.open_dir(self, "Open a folder of MIDI files", kind="data")
        if path:
            self.open_path(path)

    def open_path(self, path: str):
        """Select a file/folder (menu, drag & drop) and load it."""
        self.source.blockSignals(True)
        self.set_source(str(path))
        self.source.blockSignals(False)
        self._source_changed()
        self.load()

    def load(self):
        source, options = self.current_source(), None
        try:
            options = self.options()
        except ValueError as exc:
            dialogs.error(self, "Invalid data options", str(exc))
            return
        if self._progress is not None:
            self._progress.cancel()  # a newer load replaces the one running
        self._request += 1
        request = self._request
        self.loading = True
        self.stale.setVisible(False)  # the progress bar says what is loading
        self.load_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.load_progress.setValue(0)
        self.load_progress.setFormat(f"Loading {source}…")
        self.load_progress.setVisible(True)
        progress = self._progress = Progress()
        progress.changed.connect(lambda fraction, what: self._show_progress(request, source, fraction, what))
        path = Path(source)
        if path.is_file() and path.suffix.lower() not in (*MIDI_SUFFIXES, ".json"):  # text files only
            run_job(lambda: quick_preview(source), lambda rows: self._show_quick(request, rows))
        music = self.music_choice()
        run_job(lambda: load_and_summarise(source, options, progress, music),
                lambda result: self._loaded(request, source, options, result, progress.cancelled.is_set(), music),
                lambda message: self._failed(request, source, message, progress.cancelled.is_set()))

    def cancel(self):
        """Abandons the running load; the data loaded before stays."""
        if self._progress is not None and self.loading:
            self._progress.cancel()
            self.load_progress.setFormat("Cancelling…")

    def _show_progress(self, request, source, fraction, what):
        if request == self._request and self.loading:
            self.load_progress.setValue(int(fraction * 1000))
            self.load_progress.setFormat(f"{source}: {what} — %p%")

    def _show_quick(self, request, rows):
        if request != self._request or not self.loading:
            return
        pairs = any(target for _, target in rows)  # tab-separated: a pairs file (the last data may be music)
        self.preview.setHorizontalHeaderLabels(["Input", "Target"] if pairs else ["Line", ""])
        self.preview.setColumnHidden(0, False)
        self.preview.setColumnHidden(1, not pairs)
        self._fill_preview(rows)
        self.preview_shown.emit()

    def _end_loading(self):
        self.loading = False
        self._progress = None
        self.load_button.setEnabled(True)
        self.cancel_button.setVisible(False)
        self.load_progress.setVisible(False)
        self.check_stale()

    def _failed(self, request, source, message, cancelled=False):
        if request != self._request:
            return
        self._end_loading()
        self._restore_loaded()
        if cancelled:
            self.load_failed.emit("cancelled")
            return
        dialogs.error(self, "Could not load the data", message)
        self.load_failed.emit(message)

    def _restore_loaded(self):
        """After a failed or cancelled load: the choices, preview and data go back to what is loaded."""
        if self.loaded_source is not None:
            self.source.blockSignals(True)
            self.set_source(self.loaded_source)
            self.source.blockSignals(False)
            self._source_changed()
            if self.loaded_options is not None:
                self.set_options(self.loaded_options.to_dict())
            if self.loaded_music is not None:
                self.set_music_choice(self.loaded_music)
            if self._summary is not None:
                self.show_summary(self._summary)
        else:
            self._fill_preview([])
            self.counts.setText("Nothing loaded yet")
        self.check_stale()

    def _loaded(self, request, source, options, result, cancelled, music):
        if request != self._request:
            return
        if cancelled:  # Cancel came after the worker's last check: the user's choice still stands
            self._failed(request, source, "cancelled", cancelled=True)
            return
        self._end_loading()
        self.loaded_source, self.loaded_options, self._summary = source, options, result
        self.loaded_music = music
        self.show_summary(result)
        self.check_stale()
        if self.state is not None:
            self.state.set_corpus(result["corpus"])
        self.corpus_loaded.emit(result["corpus"])

    # -- showing ---------------------------------------------------------------------------

    def _fill_preview(self, rows):
        self.preview.setUpdatesEnabled(False)
        self.preview.setRowCount(len(rows))
        for r, (source, target) in enumerate(rows):
            self.preview.setItem(r, 0, QTableWidgetItem(source))
            self.preview.setItem(r, 1, QTableWidgetItem(target))
        self.preview.setUpdatesEnabled(True)

    def show_summary(self, result: dict):
        info = result["describe"]
        corpus = result["corpus"]
        self._fill_preview(result["preview"])
        pairs = corpus.kind == "pairs"
        self.preview.setHorizontalHeaderLabels(["Input", "Target"] if pairs else ["", "Sequence"])
        self.preview.setColumnHidden(0, not pairs)  # a text or MIDI corpus has no input side
        self.preview.setColumnHidden(1, False)
        self._hist_source.setVisible(pairs)  # nor input lengths: its legend entry goes too
        legend = self.histogram.getPlotItem().legend
        if legend is not None:
            legend.clear()
            if pairs:
                legend.addItem(self._hist_source, "input")
            legend.addItem(self._hist_target, "target" if pairs else "sequence")
        counts = info["counts"]
        vocab = info["vocab_sizes"]
        # A MIDI folder skips whole files (unreadable, no notes), not lines: listed the same way.
        if corpus.kind == "music":
            what, headings = "files", ["File", "Reason", "Path"]
            rows = [(Path(path).name, reason, path) for path, reason in (corpus.extra or {}).get("skipped_files", [])]
        else:
            what, headings = "lines", ["Line", "Reason", "Text"]
            rows = [(str(line.line), line.reason, line.text) for line in corpus.skipped]
        lines = [f"<b>{info['name']}</b> ({info['kind']})",
                 f"train {counts['train']:,} · val {counts['val']:,} · test {counts['test']:,}",
                 f"vocabulary: input {vocab['source'] if vocab['source'] is not None else '–'}, "
                 f"target {vocab['target']}",
                 f"skipped {what} {len(rows):,} · too long {info['dropped_too_long']:,} · "
                 f"empty {info['dropped_empty']:,}"]
        if info.get("header"):
            lines.append(f"header line (not trained on): <code>{html.escape(info['header'])}</code>")
        summary = (corpus.extra or {}).get("summary", {}) if corpus.kind == "music" else {}
        if summary:  # pieces, not the windows counted above
            tunes = summary["split_tunes"]
            own = summary.get("split") == "the dataset's own"  # the Validation and Test fields did not choose it
            cap = corpus.options.max_samples
            heading = "the file's own split, by piece" if own else "tunes"
            capped = f" (Max samples: {'training pieces' if own else 'tunes'} ≤ {cap:,}, {corpus.options.sample})" \
                if cap else ""
            lines.append(f"{heading}: train {tunes['train']:,} · val {tunes['val']:,} · test {tunes['test']:,}{capped}")
        stats = info["length_stats"]
        for side in ("source", "target"):
            if stats.get(side):
                s = stats[side]
                lines.append(f"{'input' if side == 'source' else 'target'} length: {s['min']}–{s['max']} "
                             f"(mean {s['mean']:.1f}, p95 {s['p95']:.0f})")
        self.counts.setText("<br>".join(lines))
        self.skipped.setHorizontalHeaderLabels(headings)
        self.skipped.setRowCount(min(len(rows), 1000))
        for r, row in enumerate(rows[:1000]):
            for column, text in enumerate(row):
                self.skipped.setItem(r, column, QTableWidgetItem(text))
        self.details_tabs.setTabText(1, f"Skipped {what} ({len(rows)})")
        for curve, lengths in ((self._hist_source, result["source_lengths"]),
                               (self._hist_target, result["target_lengths"])):
            if len(lengths) and lengths.max() > 0:
                top = int(lengths.max())
                bins = np.arange(0.5, top + 1.5, max(1, top // 60))
                counts_, edges = np.histogram(lengths, bins=bins)
                curve.setData(edges, counts_)
            else:
                curve.setData([], [])


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    panel = DataPanel()
    panel.resize(1000, 650)
    panel.show()
    panel.load()
    app.exec()
