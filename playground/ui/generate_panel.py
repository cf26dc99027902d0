"""Use step for language models: seed text, length, temperature, top-k / top-p → text
(``Predictor.generate``, run in a worker thread)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from playground.ui.heatmap import visible_token
from playground.ui.state import model_title
from playground.ui.workers import run_job


class GeneratePanel(QWidget):
    generated = Signal(str)

    def __init__(self, state=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = None
        self._request = 0
        self.model_label = QLabel("No language model yet: train one on text:sample (or a text file), or open one.")
        self.model_label.setWordWrap(True)
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)
        self.model_label.setToolTip("The model that generates here; it changes only when you choose another")
        self.seed_text = QLineEdit()
        self.seed_text.setPlaceholderText("Seed text (may be empty)")
        self.seed_text.setToolTip("The generated text continues this primer")
        self.length = QSpinBox()
        self.length.setRange(1, 5000)
        self.length.setValue(200)
        self.length.setToolTip("Tokens to generate")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.01, 5.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(0.8)
        self.temperature.setToolTip("Lower: safer and more repetitive; higher: more surprising")
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 10000)
        self.top_k.setSpecialValueText("off")
        self.top_k.setToolTip("Sample only among the k likeliest tokens (0: off)")
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setValue(1.0)
        self.top_p.setToolTip("Nucleus sampling: the smallest set of tokens with this total probability")
        self.random_seed = QSpinBox()
        self.random_seed.setRange(0, 2**31 - 1)
        self.random_seed.setToolTip("Random seed of the sampler (same seed, same text)")
        self.button = QPushButton("Generate")
        self.button.setToolTip("Generate text in the background (Ctrl+G)")
        self.button.clicked.connect(self.generate)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setToolTip("Generated text, seed included")
        self.unknown = QLabel("")

        form = QFormLayout()
        form.addRow("Seed", self.seed_text)
        form.addRow("Length", self.length)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-k", self.top_k)
        form.addRow("Top-p", self.top_p)
        form.addRow("Random seed", self.random_seed)
        form.addRow("", self.button)
        box = QGroupBox("Sampling")
        box.setLayout(form)
        box.setMaximumWidth(380)
        row = QHBoxLayout()
        row.addWidget(box)
        right = QVBoxLayout()
        right.addWidget(self.output, 1)
        right.addWidget(self.unknown)
        row.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.model_label)
        layout.addLayout(row, 1)
        if state is not None:
            state.model_changed.connect(self.set_model)
        self.set_model(None)

    def set_model(self, model) -> None:
        ok = model is not None and model.config.is_lm and model.meta.get("corpus_kind") != "music"
        self.model = model if ok else None
        self._request += 1  # a generation still running belongs to the old model: dropped
        self.button.setEnabled(ok)
        if ok:
            name = self.state.model_name if self.state is not None else ""
            self.model_label.setText(f"Model in use: {model_title(model, name)}")
        elif model is not None and model.config.is_lm:
            self.model_label.setText("A music model: use the Music tab.")
        elif model is not None:
            self.model_label.setText("This is a translation model: use the Translate tab.")
        else:
            self.model_label.setText("No language model yet: train one on text:sample (or a text file), or open one.")

    def generate(self) -> None:
        if self.model is None:
            return
        self._request += 1
        request, model = self._request, self.model
        kwargs = dict(length=self.length.value(), temperature=self.temperature.value(), top_k=self.top_k.value(),
                      top_p=self.top_p.value(), seed=self.random_seed.value())
        seed = self.seed_text.text()
        self.button.setEnabled(False)

        def work():
            from playground.inference.predictor import Predictor

            return Predictor(model).generate(seed, **kwargs)

        run_job(work, lambda result: self._done(request, result), lambda message: self._done(request, None, message))

    def _done(self, request, result, message=""):
        self.button.setEnabled(self.model is not None)
        if request != self._request:
            return
        if result is None:
            self.output.setPlainText(f"(could not generate: {message})")
            return
        text, unknown = result
        self.output.setPlainText(text)
        shown = ", ".join(visible_token(token) for token in unknown)
        self.unknown.setText(f"Unknown seed tokens (read as <unk>): {shown}" if unknown else "")
        self.generated.emit(text)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    panel = GeneratePanel()
    if len(sys.argv) > 1:
        from playground.modelfile import load_model

        panel.set_model(load_model(sys.argv[1], compile=False))
    panel.resize(900, 500)
    panel.show()
    app.exec()
