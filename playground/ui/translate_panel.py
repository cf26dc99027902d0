"""Use step for translation models: translation as you type (debounced, decoded in a
worker thread, stale results dropped), beam-search n-best, attention heatmap, unknown
input tokens highlighted, and a batch mode whose table can be saved as TSV."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QSizePolicy, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from playground.atomic import atomic_write
from playground.data import DataError
from playground.data.pairs import read_lines
from playground.ui import dialogs
from playground.ui.heatmap import AttentionHeatmap, visible_token
from playground.ui.state import model_title
from playground.ui.workers import run_job

DEBOUNCE_MS = 250


def _predictor_for(model):
    from playground.inference.predictor import Predictor

    return Predictor(model)


BEAM_TIP = "Beam width (1: greedy only); at least n-best"
N_BEST_TIP = "How many beam-search hypotheses to list"
BASIC_MODE_TIP = ("Basic mode feeds no output back, so every step is independent: greedy decoding is already "
                  "the best output, and there is one hypothesis")

class TranslatePanel(QWidget):
    translated = Signal(object)  # Translation shown
    batch_done = Signal()

    def __init__(self, state=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = None
        self.predictor = None
        self._request = 0
        self._busy = False
        self._pending: int | None = None
        self.last = None
        self.batch_rows: list[tuple[str, str, float]] = []

        self.input = QLineEdit()
        self.input.setPlaceholderText("Type here; the translation updates as you type")
        self.input.setToolTip("Input text; decoded in the background 250 ms after you stop typing")
        self.beam = QSpinBox()
        self.beam.setRange(1, 32)
        self.beam.setValue(4)
        self.beam.setToolTip(BEAM_TIP)
        self.n_best = QSpinBox()
        self.n_best.setRange(1, 32)
        self.n_best.setValue(4)
        self.n_best.setToolTip(N_BEST_TIP)
        self.output = QLabel("—")
        self.output.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output.setWordWrap(True)  # a long result wraps; it never widens the window
        self.output.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.output.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.output.setFont(font)
        self.output.setToolTip("Best translation (beam search when the beam is > 1)")
        self.greedy = QLabel("")
        self.greedy.setToolTip("Greedy decoding and its log-probability")
        self.unknown = QLabel("")
        for label in (self.greedy, self.unknown):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.unknown.setTextFormat(Qt.TextFormat.RichText)
        self.unknown.setToolTip("The input as the model sees it; unknown tokens are highlighted in red")
        self.model_label = QLabel("No model in use: train one (then “Use this model”) or open a model file.")
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)
        self.model_label.setWordWrap(True)
        self.model_label.setToolTip("The model that translates here; it changes only when you choose another")
        self.nbest_table = QTableWidget(0, 2)
        self.nbest_table.setHorizontalHeaderLabels(["Hypothesis", "Score"])
        self.nbest_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.nbest_table.setToolTip("Beam-search n-best list with length-normalised log-probability scores")
        self.heatmap = AttentionHeatmap()
        self.heatmap.clear_attention("Attention (attention models only)")
        self.heads_view = QComboBox()
        self.heads_view.setToolTip("Transformer cross-attention: the mean over the last block's heads, "
                                   "or one head of one block")
        self.heads_view.setVisible(False)
        self.heads_view.currentIndexChanged.connect(lambda _: self.translate_now())

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Beam"))
        controls.addWidget(self.beam)
        controls.addWidget(QLabel("n-best"))
        controls.addWidget(self.n_best)
        controls.addStretch(1)
        controls.addWidget(self.heads_view)
        interactive = QWidget()
        lay = QVBoxLayout(interactive)
        lay.addWidget(self.model_label)
        lay.addWidget(self.input)
        lay.addLayout(controls)
        lay.addWidget(self.unknown)
        lay.addWidget(self.output)
        lay.addWidget(self.greedy)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.nbest_table)
        split.addWidget(self.heatmap)
        split.setSizes([350, 450])
        lay.addWidget(split, 1)

        self.batch_input = QPlainTextEdit()
        self.batch_input.setPlaceholderText("One input per line")
        self.batch_input.setToolTip("Paste inputs, one per line, then press Translate all")
        self.batch_table = QTableWidget(0, 3)
        self.batch_table.setHorizontalHeaderLabels(["Input", "Translation", "Score"])
        self.batch_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.batch_table.setToolTip("Translations of every line")
        batch_go = QPushButton("Translate all")
        batch_go.setToolTip("Translate every line in the background")
        batch_go.clicked.connect(self.translate_batch)
        batch_open = QPushButton("Open file…")
        batch_open.setToolTip("Load inputs from a text file, one per line")
        batch_open.clicked.connect(self.open_batch_file)
        self.batch_save = QPushButton("Save TSV…")
        self.batch_save.setToolTip("Save input, translation and score as tab-separated values")
        self.batch_save.clicked.connect(self.save_batch)
        batch_buttons = QHBoxLayout()
        for b in (batch_open, batch_go, self.batch_save):
            batch_buttons.addWidget(b)
        batch_buttons.addStretch(1)
        batch = QWidget()
        blay = QVBoxLayout(batch)
        blay.addLayout(batch_buttons)
        bsplit = QSplitter(Qt.Orientation.Horizontal)
        bsplit.addWidget(self.batch_input)
        bsplit.addWidget(self.batch_table)
        bsplit.setSizes([300, 600])
        blay.addWidget(bsplit, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(interactive, "Interactive")
        self.tabs.addTab(batch, "Batch")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.translate_now)
        self.input.textChanged.connect(lambda _: self._debounce.start())
        self.beam.valueChanged.connect(lambda _: self._debounce.start())
        self.n_best.valueChanged.connect(lambda _: self._debounce.start())
        # n best need a beam at least n wide: the Beam field shows the width really searched.
        self.n_best.valueChanged.connect(lambda n: self.beam.setValue(max(self.beam.value(), n)))
        self.beam.valueChanged.connect(lambda width: self.n_best.setValue(min(self.n_best.value(), width)))
        if state is not None:
            state.model_changed.connect(self.set_model)
        self._enable(False)

    def _enable(self, on: bool):
        for w in (self.input, self.beam, self.n_best, self.batch_input):
            w.setEnabled(on)

    def set_model(self, model) -> None:
        is_translator = model is not None and not model.config.is_lm
        self.model = model if is_translator else None
        self.predictor = None
        self._request += 1  # a decode still running belongs to the old model: its result is dropped
        self._enable(is_translator)
        if model is None:
            self.model_label.setText("No model in use: train one (then “Use this model”) or open a model file.")
        elif not is_translator:
            self.model_label.setText("The model in use is a language model: use the Generate tab.")
        else:
            self.model_label.setText(f"Model in use: {model_title(model, self._model_name())}")
            basic = model.config.mode == "basic"  # no feedback: each output independent, a beam adds nothing
            for field, tip in ((self.beam, BEAM_TIP), (self.n_best, N_BEST_TIP)):
                field.setEnabled(not basic)
                field.setToolTip(BASIC_MODE_TIP if basic else tip)
            if model.config.mode not in ("attention", "transformer"):
                self.heatmap.clear_attention(f"No attention in {model.config.mode} mode")
            self._fill_heads(model.config)
            self.output.setText("—")
            self.nbest_table.setRowCount(0)
            if self.input.text():
                self._debounce.start()

    def _fill_heads(self, config) -> None:
        """The head choices of a Transformer (hidden for other modes)."""
        self.heads_view.blockSignals(True)
        self.heads_view.clear()
        if config.mode == "transformer":
            self.heads_view.addItem("mean of heads (last block)", None)
            for block in range(config.decoder_layers):
                for head in range(config.heads):
                    self.heads_view.addItem(f"block {block + 1} · head {head + 1}", (block, head))
        self.heads_view.setVisible(config.mode == "transformer")
        self.heads_view.blockSignals(False)

    def _model_name(self) -> str:
        return self.state.model_name if self.state is not None else ""

    # -- interactive -----------------------------------------------------------------------

    def _decode(self, model, text, beam, n_best, head=None):
        """Worker thread → (model, best translation, greedy translation); with ``head``
        (block, head) the greedy attention map is that head's."""
        predictor = self.predictor
        if predictor is None or predictor.model is not model:
            predictor = self.predictor = _predictor_for(model)
        greedy = predictor.translate([text])[0]
        if head is not None and greedy.attention is not None:
            rows = greedy.attention.shape[0]
            greedy.attention = predictor.attention_heads(text, greedy.tokens)[head][:rows]
        if beam == 1 and n_best == 1:
            return model, greedy, greedy
        return model, predictor.translate([text], beam_width=beam, n_best=n_best)[0], greedy

    def translate_now(self) -> None:
        if self.model is None:
            return
        self._request += 1
        if self._busy:  # one decode at a time; the newest text runs next
            self._pending = self._request
            return
        self._start(self._request)

    def _start(self, request):
        text = self.input.text()
        if not text.strip():
            self.output.setText("—")
            self.greedy.setText("")
            self.unknown.setText("")
            self.nbest_table.setRowCount(0)
            return
        self._busy = True
        model, beam, n_best = self.model, max(self.beam.value(), self.n_best.value()), self.n_best.value()
        head = None if self.heads_view.isHidden() else self.heads_view.currentData()
        run_job(lambda: self._decode(model, text, beam, n_best, head), lambda r: self._done(request, r),
                lambda message: self._failed(request, message))

    def _next(self):
        self._busy = False
        if self._pending is not None:
            request, self._pending = self._pending, None
            if request == self._request:
                self._start(request)

    def _failed(self, request, message):
        self._next()
        if request == self._request:  # nothing of the previous input stays on show
            self.output.setText(f"(could not translate: {message})")
            self.greedy.setText("")
            self.unknown.setText("")
            self.nbest_table.setRowCount(0)
            self.heatmap.clear_attention("Attention: no translation")

    def _done(self, request, result):
        self._next()
        model, translation, greedy = result
        if request != self._request or model is not self.model:
            return  # stale: the text or the model in use changed meanwhile
        self.show_translation(translation, greedy)

    def show_translation(self, t, greedy=None) -> None:
        greedy = greedy or t
        self.last = t
        self.output.setText(t.text or "(empty)")
        self.greedy.setText(f"greedy: {greedy.text or '(empty)'} (log-prob {greedy.score:.3f})"
                            + (f" · beam best score {t.score:.3f}" if t is not greedy else ""))
        unknown = set(t.unknown)
        shown = []
        for token in t.source_tokens:
            label = html.escape(visible_token(token))
            shown.append(f'<span style="background:#f4b6b6;color:#900">{label}</span>' if token in unknown
                         else label)
        sep = "" if self.predictor is not None and self.predictor.level == "char" else " "
        note = f" — unknown: {', '.join(html.escape(visible_token(u)) for u in sorted(unknown))}" if unknown else ""
        self.unknown.setText("Model input: " + sep.join(shown) + note)
        rows = t.n_best or [(t.text, t.score)]
        self.nbest_table.setRowCount(len(rows))
        for r, (text, score) in enumerate(rows):
            self.nbest_table.setItem(r, 0, QTableWidgetItem(text))
            self.nbest_table.setItem(r, 1, QTableWidgetItem(f"{score:.4f}"))
        if greedy.attention is not None:
            differs = t is not greedy and t.tokens != greedy.tokens
            self.heatmap.set_attention(greedy.attention, greedy.source_tokens, greedy.tokens,
                                       "Attention of the greedy output" if differs else "Attention")
        self.translated.emit(t)

    # -- batch -----------------------------------------------------------------------------

    def open_batch_file(self):
        path = dialogs.open_file(self, "Inputs to translate", "Text (*.txt *.tsv);;All files (*)", kind="data")
        if not path:
            return
        try:
            lines, invalid = read_lines(path)
        except DataError as exc:
            dialogs.error(self, "Could not read the file", str(exc))
            return
        lines = [line for i, line in enumerate(lines) if i not in invalid]
        self.batch_input.setPlainText("\n".join(line.split("\t")[0] for line in lines))

    def translate_batch(self):
        if self.model is None:
            dialogs.error(self, "No model", "Train a translation model or open a model file first.")
            return
        texts = [line for line in self.batch_input.toPlainText().splitlines() if line.strip()]
        if not texts:
            return
        model = self.model

        def work():
            predictor = _predictor_for(model)
            out = []
            for begin in range(0, len(texts), 64):
                out.extend(predictor.translate(texts[begin:begin + 64]))
            return out

        run_job(work, lambda results: self._batch_done(texts, results),
                lambda message: dialogs.error(self, "Could not translate", message))

    def _batch_done(self, texts, results):
        self.batch_rows = [(s, r.text, r.score) for s, r in zip(texts, results)]
        self.batch_table.setRowCount(len(self.batch_rows))
        for r, (s, t, score) in enumerate(self.batch_rows):
            self.batch_table.setItem(r, 0, QTableWidgetItem(s))
            self.batch_table.setItem(r, 1, QTableWidgetItem(t))
            self.batch_table.setItem(r, 2, QTableWidgetItem(f"{score:.4f}"))
        self.batch_done.emit()

    def save_batch(self, path: str | None = None):
        if not self.batch_rows:
            dialogs.info(self, "Nothing to save", "Translate some lines first.")
            return
        path = path or dialogs.save_file(self, "Save translations", "TSV (*.tsv)", kind="table",
                                         suggested="translations.tsv")
        if not path:
            return
        if not str(path).lower().endswith((".tsv", ".csv")):
            path = f"{path}.tsv"
        path = dialogs.confirm_output(self, path, "table")
        if path is None:
            return
        clean = lambda s: s.replace("\t", " ").replace("\n", " ")  # noqa: E731
        rows = ["input\ttranslation\tscore"] + [f"{clean(s)}\t{clean(t)}\t{score:.4f}" for s, t, score in self.batch_rows]
        try:
            atomic_write(path, lambda handle: handle.write(("\n".join(rows) + "\n").encode("utf-8")))
        except OSError as exc:
            dialogs.error(self, "Could not save", f"{path}: {exc.strerror or exc}")


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from playground.modelfile import load_model

    app = QApplication([])
    panel = TranslatePanel()
    if len(sys.argv) > 1:
        panel.set_model(load_model(sys.argv[1], compile=False))
    panel.resize(900, 600)
    panel.show()
    app.exec()
