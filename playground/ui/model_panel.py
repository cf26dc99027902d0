"""Model step: decoder mode (with explanation and diagram), architecture, presets and a
live parameter count computed off the GUI thread once TensorFlow is loaded."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QSpinBox, QVBoxLayout, QWidget)

from playground.config import ATTENTIONS, LM_CELLS, POSITIONS, PRESETS, SEQ2SEQ_MODES, ModelConfig
from playground.ui.diagram import EXPLANATIONS, DecoderDiagram
from playground.ui.workers import TF_READY, run_job

PARAM_DEBOUNCE_MS = 300


def count_parameters(config: ModelConfig, corpus) -> int:
    """The model's weight count on ``corpus``, from its config alone (no weights allocated:
    building 4,000 units × 4 layers took over a minute); ``parameter_count`` mirrors the layers
    ``Seq2SeqModel`` creates, as a test over every mode checks."""
    from playground.models.params import parameter_count
    from playground.training.trainer import complete_model_config

    return parameter_count(complete_model_config(config, corpus))


class ModelPanel(QWidget):
    config_changed = Signal()
    parameters_counted = Signal(int)

    def __init__(self, state=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.corpus_kind = "pairs"
        self._request = 0
        self.parameter_count: int | None = None
        self.user_chose = False  # the user changed a field or a preset: no automatic preset then

        self.preset = QComboBox()
        self.preset.addItem("(custom)")
        self.preset.addItems(list(PRESETS))
        self.preset.setToolTip("Start from a named configuration (config.PRESETS)")
        self.mode = QComboBox()
        self.mode.addItems(list(SEQ2SEQ_MODES))
        self.mode.setToolTip("What feeds the decoder: basic, feedback, peek, attention, or a Transformer")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.diagram = DecoderDiagram()
        self.cell = QComboBox()
        self.cell.addItems(list(LM_CELLS))
        self.cell.setToolTip("Recurrent cell: SimpleRNN, GRU or LSTM (language models: or Transformer blocks)")
        self.layers = QSpinBox()
        self.layers.setRange(1, 4)
        self.layers.setToolTip("Stacked recurrent layers in encoder and decoder")
        self.units = QSpinBox()
        self.units.setRange(1, 8192)
        self.units.setToolTip("Hidden units per recurrent layer")
        self.embedding = QSpinBox()
        self.embedding.setRange(1, 4096)
        self.embedding.setToolTip("Token embedding size")
        self.bidirectional = QCheckBox("bidirectional encoder")
        self.bidirectional.setToolTip("Read the input both ways (states merged by a learned bridge)")
        self.attention = QComboBox()
        self.attention.addItems(list(ATTENTIONS))
        self.attention.setToolTip("Attention score: dot / general (Luong) or additive (Bahdanau)")
        self.dropout = QDoubleSpinBox()
        self.dropout.setRange(0.0, 0.9)
        self.dropout.setSingleStep(0.05)
        self.dropout.setToolTip("Dropout on embeddings and between stacked layers")
        self.d_model = self._spin(8, 4096, "Width of every Transformer block (a multiple of the heads)", step=8)
        self.heads = self._spin(1, 64, "Attention heads per block")
        self.ff_dim = self._spin(1, 16384, "Hidden size of each block's feed-forward layer", step=64)
        self.encoder_layers = self._spin(1, 12, "Encoder blocks")
        self.decoder_layers = self._spin(1, 12, "Decoder blocks")
        self.positions = QComboBox()
        self.positions.addItems(list(POSITIONS))
        self.positions.setToolTip("Position encodings: fixed sinusoids or learned embeddings")
        self.params = QLabel("Parameters: –")
        self.params.setToolTip("Trainable parameters of this model on the loaded data")
        font = self.params.font()
        font.setBold(True)
        self.params.setFont(font)

        form = QFormLayout()
        form.addRow("Preset", self.preset)
        form.addRow("Decoder mode", self.mode)
        form.addRow("Cell", self.cell)
        form.addRow("Layers", self.layers)
        form.addRow("Units", self.units)
        form.addRow("Embedding", self.embedding)
        form.addRow("", self.bidirectional)
        form.addRow("Attention", self.attention)
        form.addRow("Dropout", self.dropout)
        self.recurrent_rows = (self.layers, self.units, self.embedding, self.bidirectional, self.attention)
        self.transformer_rows = (self.d_model, self.heads, self.ff_dim, self.encoder_layers, self.decoder_layers,
                                 self.positions)
        for label, widget in zip(("Width (d_model)", "Heads", "Feed-forward", "Encoder blocks", "Decoder blocks",
                                  "Positions"), self.transformer_rows):
            form.addRow(label, widget)
        self.form = form
        box = QGroupBox("Architecture")
        box.setLayout(form)
        box.setMaximumWidth(360)
        right = QVBoxLayout()
        right.addWidget(self.explanation)
        right.addWidget(self.diagram, 1)
        right.addWidget(self.params)
        row = QHBoxLayout(self)
        row.addWidget(box)
        row.addLayout(right, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PARAM_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._count)
        self.set_config(ModelConfig(units=64, embedding_dim=32))
        for widget in (self.mode, self.cell, self.attention, self.positions):
            widget.currentIndexChanged.connect(self._changed)
        for widget in (self.layers, self.units, self.embedding, self.d_model, self.heads, self.ff_dim,
                       self.encoder_layers, self.decoder_layers):
            widget.valueChanged.connect(self._changed)
        self.dropout.valueChanged.connect(self._changed)
        self.bidirectional.toggled.connect(self._changed)
        self.preset.activated.connect(self._apply_preset)
        if state is not None:
            state.corpus_changed.connect(self.set_corpus)
            state.device_ready.connect(lambda _: self._debounce.start())

    def _spin(self, low: int, high: int, tip: str, step: int = 1) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setToolTip(tip)
        return spin

    # -- config ----------------------------------------------------------------------------

    def model_config(self) -> ModelConfig:
        """The chosen architecture; ValueError (ConfigError) when the fields do not fit together."""
        lm = self.corpus_kind in ("text", "music")
        cell = self.cell.currentText()
        if not lm and cell == "transformer":
            cell = "lstm"  # Transformer blocks are a mode for translation, a cell for language models
        return ModelConfig(mode="lm" if lm else self.mode.currentText(), cell=cell,
                           layers=self.layers.value(), units=self.units.value(),
                           embedding_dim=self.embedding.value(),
                           bidirectional=False if lm else self.bidirectional.isChecked(),
                           attention=self.attention.currentText(), dropout=round(self.dropout.value(), 3),
                           d_model=self.d_model.value(), heads=self.heads.value(), ff_dim=self.ff_dim.value(),
                           encoder_layers=self.encoder_layers.value(), decoder_layers=self.decoder_layers.value(),
                           positions=self.positions.currentText())

    def set_config(self, config: ModelConfig) -> None:
        widgets = (self.mode, self.cell, self.layers, self.units, self.embedding, self.bidirectional,
                   self.attention, self.dropout) + self.transformer_rows
        for widget in widgets:
            widget.blockSignals(True)
        if config.mode in SEQ2SEQ_MODES:
            self.mode.setCurrentText(config.mode)
        self.cell.setCurrentText(config.cell)
        self.layers.setValue(config.layers)
        self.units.setValue(config.units)
        self.embedding.setValue(config.embedding_dim)
        self.bidirectional.setChecked(config.bidirectional)
        self.attention.setCurrentText(config.attention)
        self.dropout.setValue(config.dropout)
        self.d_model.setValue(config.d_model)
        self.heads.setValue(config.heads)
        self.ff_dim.setValue(config.ff_dim)
        self.encoder_layers.setValue(config.encoder_layers)
        self.decoder_layers.setValue(config.decoder_layers)
        self.positions.setCurrentText(config.positions)
        for widget in widgets:
            widget.blockSignals(False)
        self._changed(from_preset=True)

    def set_config_dict(self, values: dict) -> None:
        self.user_chose = True  # restored choices are the user's
        try:
            self.set_config(ModelConfig.from_dict({k: v for k, v in values.items() if k in
                                                   {f.name for f in dataclasses.fields(ModelConfig)}}))
        except ValueError:
            pass

    def _apply_preset(self, index: int) -> None:
        if index > 0:
            self.user_chose = True
            self.set_config(PRESETS[self.preset.itemText(index)])
            self.preset.setCurrentIndex(index)

    def _changed(self, *_, from_preset: bool = False) -> None:
        if not from_preset:
            self.preset.setCurrentIndex(0)
            self.user_chose = True
        try:
            cfg = self.model_config()
        except ValueError as exc:
            self._request += 1  # a count still running is for fields no longer shown
            self.params.setText(f"Parameters: {exc}")
            self.config_changed.emit()
            return
        self.explanation.setText(f"<b>{cfg.mode}</b>: {EXPLANATIONS[cfg.mode]}")
        self.diagram.set_config(cfg)
        lm = cfg.mode == "lm"
        self.mode.setEnabled(not lm)
        transformer = cfg.is_transformer
        self._show_rows(self.transformer_rows, transformer)
        self._show_rows(self.recurrent_rows, not transformer)
        self.cell.setEnabled(lm or not transformer)
        self.cell.model().item(LM_CELLS.index("transformer")).setEnabled(lm)
        self.bidirectional.setEnabled(not lm)
        self.attention.setEnabled(cfg.mode == "attention")
        self.params.setText("Parameters: counting…" if self._can_count() else self._params_hint())
        self._debounce.start()
        self.config_changed.emit()

    def _show_rows(self, widgets, visible: bool) -> None:
        for widget in widgets:
            self.form.setRowVisible(widget, visible)

    # -- parameter count -------------------------------------------------------------------

    def set_corpus(self, corpus) -> None:
        """Follows the loaded data; a sentence-pair file gets the recommended "sentences"
        preset unless the user has chosen an architecture."""
        from playground.sources import is_sentence_corpus

        self.corpus_kind = corpus.kind if corpus is not None else "pairs"
        if corpus is not None and not self.user_chose and is_sentence_corpus(corpus):
            self.set_config(PRESETS["sentences"])
            self.preset.setCurrentIndex(self.preset.findText("sentences"))
            return
        self._changed(from_preset=True)

    def _corpus(self):
        return self.state.corpus if self.state is not None else None

    def _can_count(self) -> bool:
        return TF_READY.is_set() and self._corpus() is not None

    def _params_hint(self) -> str:
        if self._corpus() is None:
            return "Parameters: load data first"
        return "Parameters: waiting for TensorFlow…"

    def _count(self) -> None:
        if not self._can_count():
            self.params.setText(self._params_hint())
            return
        try:
            config = self.model_config()
        except ValueError:
            return  # the message is already shown
        self._request += 1
        request, corpus = self._request, self._corpus()
        run_job(lambda: count_parameters(config, corpus), lambda n: self._counted(request, n),
                lambda message: self._count_failed(request, message))

    def _counted(self, request: int, count: int) -> None:
        if request != self._request:
            return
        self.parameter_count = count
        self.params.setText(f"Parameters: {count:,}")
        self.parameters_counted.emit(count)

    def _count_failed(self, request: int, message: str) -> None:
        if request == self._request:
            self.params.setText(f"Parameters: cannot build this model ({message})")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    panel = ModelPanel()
    panel.resize(900, 420)
    panel.show()
    app.exec()
