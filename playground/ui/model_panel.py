"""Model step: decoder mode (with explanation and diagram), architecture, presets and a
live parameter count computed off the GUI thread once TensorFlow is loaded."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QSpinBox, QVBoxLayout, QWidget)

from playground.config import ATTENTIONS, CELLS, PRESETS, SEQ2SEQ_MODES, ModelConfig
from playground.ui.diagram import EXPLANATIONS, DecoderDiagram
from playground.ui.workers import TF_READY, run_job

PARAM_DEBOUNCE_MS = 300


def count_parameters(config: ModelConfig, corpus) -> int:
    """Worker thread: builds the model once with dummy inputs and counts its weights."""
    from playground.models.seq2seq import Seq2SeqModel
    from playground.training.trainer import complete_model_config

    cfg = complete_model_config(config, corpus)
    model = Seq2SeqModel(cfg.to_dict())
    model.build_with_dummy_inputs()
    return int(model.count_params())


class ModelPanel(QWidget):
    config_changed = Signal()
    parameters_counted = Signal(int)

    def __init__(self, state=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.corpus_kind = "pairs"
        self._request = 0
        self.parameter_count: int | None = None

        self.preset = QComboBox()
        self.preset.addItem("(custom)")
        self.preset.addItems(list(PRESETS))
        self.preset.setToolTip("Start from a named configuration (config.PRESETS)")
        self.mode = QComboBox()
        self.mode.addItems(list(SEQ2SEQ_MODES))
        self.mode.setToolTip("What feeds the decoder: basic, feedback, peek or attention")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.diagram = DecoderDiagram()
        self.cell = QComboBox()
        self.cell.addItems(list(CELLS))
        self.cell.setToolTip("Recurrent cell: SimpleRNN, GRU or LSTM")
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
        for widget in (self.mode, self.cell, self.attention):
            widget.currentIndexChanged.connect(self._changed)
        for widget in (self.layers, self.units, self.embedding):
            widget.valueChanged.connect(self._changed)
        self.dropout.valueChanged.connect(self._changed)
        self.bidirectional.toggled.connect(self._changed)
        self.preset.activated.connect(self._apply_preset)
        if state is not None:
            state.corpus_changed.connect(self.set_corpus)
            state.device_ready.connect(lambda _: self._debounce.start())

    # -- config ----------------------------------------------------------------------------

    def model_config(self) -> ModelConfig:
        lm = self.corpus_kind in ("text", "music")
        return ModelConfig(mode="lm" if lm else self.mode.currentText(), cell=self.cell.currentText(),
                           layers=self.layers.value(), units=self.units.value(),
                           embedding_dim=self.embedding.value(),
                           bidirectional=False if lm else self.bidirectional.isChecked(),
                           attention=self.attention.currentText(), dropout=round(self.dropout.value(), 3))

    def set_config(self, config: ModelConfig) -> None:
        widgets = (self.mode, self.cell, self.layers, self.units, self.embedding, self.bidirectional,
                   self.attention, self.dropout)
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
        for widget in widgets:
            widget.blockSignals(False)
        self._changed(from_preset=True)

    def set_config_dict(self, values: dict) -> None:
        try:
            self.set_config(ModelConfig.from_dict({k: v for k, v in values.items() if k in
                                                   {f.name for f in dataclasses.fields(ModelConfig)}}))
        except ValueError:
            pass

    def _apply_preset(self, index: int) -> None:
        if index > 0:
            self.set_config(PRESETS[self.preset.itemText(index)])
            self.preset.setCurrentIndex(index)

    def _changed(self, *_, from_preset: bool = False) -> None:
        if not from_preset:
            self.preset.setCurrentIndex(0)
        cfg = self.model_config()
        self.explanation.setText(f"<b>{cfg.mode}</b>: {EXPLANATIONS[cfg.mode]}")
        self.diagram.set_config(cfg)
        lm = cfg.mode == "lm"
        self.mode.setEnabled(not lm)
        self.bidirectional.setEnabled(not lm)
        self.attention.setEnabled(cfg.mode == "attention")
        self.params.setText("Parameters: counting…" if self._can_count() else self._params_hint())
        self._debounce.start()
        self.config_changed.emit()

    # -- parameter count -------------------------------------------------------------------

    def set_corpus(self, corpus) -> None:
        self.corpus_kind = corpus.kind if corpus is not None else "pairs"
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
        self._request += 1
        request, config, corpus = self._request, self.model_config(), self._corpus()
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
