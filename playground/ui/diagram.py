"""A small QPainter sketch of what feeds the decoder in each decoder mode.

Given a model configuration (:meth:`DecoderDiagram.set_config`) it also names the stack under
the encoder and decoder cells — layers × (Bi)cell units, e.g. "2 × BiLSTM 128" — draws the
extra layers as stacked cells and a bidirectional encoder with arrows both ways.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

EXPLANATIONS = {
    "basic": "The encoder's final vector is repeated as the decoder's input at every step; "
             "the decoder never sees its own previous output.",
    "feedback": "The decoder starts from the encoder's state and reads its previous output token "
                "(teacher forcing while training).",
    "peek": "Feedback, plus the encoder's context vector fed to the decoder at every step (Cho et al. 2014).",
    "attention": "Feedback, plus attention: at each step the decoder looks at all encoder outputs "
                 "and weighs them (Luong / Bahdanau).",
    "transformer": "Transformer: self-attention blocks read all input positions at once; each output "
                   "position attends to the outputs before it and, by cross-attention, to every input "
                   "position (Vaswani et al. 2017).",
    "lm": "Language model: no encoder; each generated token is fed back in to predict the next.",
}

_ENC = QColor("#4C78A8")
_DEC = QColor("#F58518")
_CTX = QColor("#54A24B")
_ATT = QColor("#B279A2")

CELL_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def _option(config, name: str, default):
    """A field of a ModelConfig or of its dict form (a run's ``model_config``)."""
    if isinstance(config, Mapping):
        return config.get(name, default)
    return getattr(config, name, default)


def stack_captions(config) -> tuple[str, str]:
    """(encoder, decoder) descriptions such as ("2 × BiLSTM 128", "2 × LSTM 128").

    The encoder's is empty for a language model (no encoder); both are empty without a config.
    """
    if config is None:
        return "", ""
    lm = _option(config, "mode", "") == "lm"
    if _option(config, "mode", "") == "transformer" or _option(config, "cell", "") == "transformer":
        block = f"Transformer {int(_option(config, 'd_model', 128))}"  # short: the caption spans three cells
        decoder = f"{int(_option(config, 'decoder_layers', 2))} × {block}"
        return ("" if lm else f"{int(_option(config, 'encoder_layers', 2))} × {block}"), decoder
    cell = str(_option(config, "cell", "lstm"))
    cell = CELL_NAMES.get(cell.lower(), cell.upper())
    layers, units = int(_option(config, "layers", 1)), int(_option(config, "units", 0))
    size = f" {units}" if units else ""
    bi = "Bi" if _option(config, "bidirectional", False) and not lm else ""
    return ("" if lm else f"{layers} × {bi}{cell}{size}"), f"{layers} × {cell}{size}"


class DecoderDiagram(QWidget):
    """Encoder cells (blue), decoder cells (orange) and the arrows of the chosen mode."""

    def __init__(self, mode: str = "attention", parent=None, config=None):
        super().__init__(parent)
        self.mode = mode
        self.config = None  # ModelConfig (or its dict) whose layers / cell / direction are shown
        if config is not None:
            self.set_config(config)
        self.setMinimumSize(360, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("What feeds the decoder in this mode")

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.update()

    def set_config(self, config) -> None:
        """Shows ``config``'s mode plus its layer count, cell type and (bi)directionality."""
        self.config = config
        self.mode = _option(config, "mode", self.mode)
        self.update()

    @property
    def layers(self) -> int:
        return self.stack_depth("layers")

    @property
    def transformer(self) -> bool:
        return self.mode == "transformer" or (self.config is not None and _option(self.config, "cell", "") ==
                                              "transformer")

    def stack_depth(self, field: str) -> int:
        """Layers drawn for the encoder (``encoder_layers``) or decoder; recurrent models
        have one ``layers`` for both."""
        if self.config is None:
            return 1
        return max(1, int(_option(self.config, field if self.transformer else "layers", 1)))

    @property
    def bidirectional(self) -> bool:
        return bool(self.config is not None and _option(self.config, "bidirectional", False)
                    and self.mode != "lm")

    def captions(self) -> tuple[str, str]:
        """The texts drawn under the encoder and the decoder ("" where nothing is drawn)."""
        encoder, decoder = stack_captions(self.config)
        return (f"encoder: {encoder}" if encoder and self.mode != "lm" else "",
                (f"language model: {decoder}" if self.mode == "lm" else f"decoder: {decoder}") if decoder else "")

    def _arrow(self, painter: QPainter, start: QPointF, end: QPointF, color: QColor, curved: bool = False):
        painter.setPen(QPen(color, 1.6))
        path = QPainterPath(start)
        if curved:
            mid = QPointF((start.x() + end.x()) / 2, min(start.y(), end.y()) - 44)
            path.quadTo(mid, end)
        else:
            path.lineTo(end)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        direction = end - (path.pointAtPercent(0.93))
        length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 1e-6)
        ux, uy = direction.x() / length, direction.y() / length
        left = QPointF(end.x() - 7 * ux + 4 * uy, end.y() - 7 * uy - 4 * ux)
        right = QPointF(end.x() - 7 * ux - 4 * uy, end.y() - 7 * uy + 4 * ux)
        painter.setBrush(color)
        painter.drawPolygon([end, left, right])

    def _path_arrow(self, painter, points, color, dashed=False):
        """A polyline through ``points`` with an arrow head at the last point."""
        painter.setPen(QPen(color, 1.5, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for a, b in zip(points, points[1:-1]):
            painter.drawLine(a, b)
        self._arrow(painter, points[-2], points[-1], color)

    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        # Draw on a fixed logical canvas, scaled to fit the widget and centred.
        w, h = 480.0, 200.0
        scale = min(self.width() / w, self.height() / h, 2.2)
        painter.translate((self.width() - w * scale) / 2, (self.height() - h * scale) / 2)
        painter.scale(scale, scale)
        mode = self.mode
        text_pen = QPen(self.palette().text().color())
        cw, ch, top = 40.0, 28.0, 86.0
        enc = [] if mode == "lm" else [QRectF(30 + 70 * i, top, cw, ch) for i in range(3)]
        dec_x0 = 150.0 if mode == "lm" else 260.0
        dec = [QRectF(dec_x0 + 80 * i, top, cw, ch) for i in range(3)]
        for rects, color, label, names in ((enc, _ENC, "enc", "x₁ x₂ x₃"), (dec, _DEC, "dec", "y₁ y₂ y₃")):
            both_ways = rects is enc and self.bidirectional
            depth = self.stack_depth("encoder_layers" if rects is enc else "decoder_layers")
            for i, rect in enumerate(rects):
                if i and not self.transformer:  # a Transformer reads all positions at once: no chain
                    dy = -5.0 if both_ways else 0.0
                    self._arrow(painter, QPointF(rects[i - 1].right(), rect.center().y() + dy),
                                QPointF(rect.left(), rect.center().y() + dy), color.darker(140))
                    if both_ways:  # the backward reading of a bidirectional encoder
                        self._arrow(painter, QPointF(rect.left(), rect.center().y() + 5),
                                    QPointF(rects[i - 1].right(), rect.center().y() + 5), color.darker(140))
                for k in range(min(depth, 4) - 1, 0, -1):  # stacked layers, drawn behind
                    painter.setPen(QPen(color.darker(130), 1.0))
                    painter.setBrush(color.lighter(170))
                    painter.drawRoundedRect(rect.translated(3.0 * k, -3.0 * k), 5, 5)
                painter.setPen(QPen(color.darker(130), 1.4))
                painter.setBrush(color.lighter(150))
                painter.drawRoundedRect(rect, 5, 5)
                painter.setPen(text_pen)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
                name = names.split()[i]
                if rects is enc:
                    painter.drawText(QRectF(rect.left(), rect.bottom() + 30, cw, 16), Qt.AlignmentFlag.AlignCenter, name)
                    self._arrow(painter, QPointF(rect.center().x(), rect.bottom() + 30),
                                QPointF(rect.center().x(), rect.bottom() + 2), color.darker(140))
                else:
                    painter.drawText(QRectF(rect.left(), rect.top() - 46, cw, 16), Qt.AlignmentFlag.AlignCenter, name)
                    self._arrow(painter, QPointF(rect.center().x(), rect.top() - 2),
                                QPointF(rect.center().x(), rect.top() - 28), color.darker(140))
        if enc and mode not in ("basic", "transformer"):  # encoder state initialises the decoder
            self._arrow(painter, QPointF(enc[-1].right(), enc[-1].center().y()),
                        QPointF(dec[0].left(), dec[0].center().y()), _ENC.darker(140))
            painter.setPen(text_pen)
            painter.drawText(QRectF(enc[-1].right(), enc[-1].center().y() + 1, dec[0].left() - enc[-1].right(), 14),
                             Qt.AlignmentFlag.AlignCenter, "state")
        if mode in ("basic", "peek"):  # the encoder vector c at every decoder step
            bus_y, start_x = top + ch + 30, enc[-1].right()
            painter.setPen(QPen(_CTX, 1.8))
            painter.drawLine(QPointF(start_x, top + ch * 0.75), QPointF(start_x + 14, top + ch * 0.75))
            painter.drawLine(QPointF(start_x + 14, top + ch * 0.75), QPointF(start_x + 14, bus_y))
            painter.drawLine(QPointF(start_x + 14, bus_y), QPointF(dec[-1].center().x() - 8, bus_y))
            for rect in dec:
                self._arrow(painter, QPointF(rect.center().x() - 8, bus_y), QPointF(rect.center().x() - 8,
                                                                                    rect.bottom() + 1), _CTX)
            painter.setPen(QPen(_CTX))
            painter.drawText(QRectF(start_x + 16, bus_y, 60, 16), Qt.AlignmentFlag.AlignLeft, "c")
        if mode in ("feedback", "peek", "attention", "transformer", "lm"):  # previous output fed back
            for i in range(len(dec) - 1):
                gap_x = dec[i].right() + 20
                label_y = dec[i].top() - 38
                in_x = dec[i + 1].center().x() + 8
                self._path_arrow(painter, [QPointF(dec[i].center().x() + 10, label_y), QPointF(gap_x, label_y),
                                           QPointF(gap_x, top + ch + 16), QPointF(in_x, top + ch + 16),
                                           QPointF(in_x, top + ch + 1)], _DEC.darker(150), dashed=True)
        if mode in ("attention", "transformer"):
            target = dec[1]
            for rect in enc:
                self._arrow(painter, QPointF(rect.center().x(), rect.top() - 1),
                            QPointF(target.left() + 6, target.top() + 2), _ATT, curved=True)
        encoder_caption, decoder_caption = self.captions()
        plain_font = QFont(painter.font())
        caption_font = QFont(plain_font)
        caption_font.setBold(True)
        painter.setFont(caption_font)
        for rects, caption, color in ((enc, encoder_caption, _ENC), (dec, decoder_caption, _DEC)):
            if rects and caption:
                painter.setPen(QPen(color.darker(150)))
                span = QRectF(rects[0].left() - 20, h - 38, rects[-1].right() - rects[0].left() + 40, 16)
                painter.drawText(span, Qt.AlignmentFlag.AlignCenter, caption)
        painter.setFont(plain_font)
        legend = {"basic": "green: the encoder vector c is the decoder's input at every step · no feedback",
                  "feedback": "blue: encoder state starts the decoder · dashed: previous output fed back",
                  "peek": "green: encoder vector c at every step · dashed: previous output fed back",
                  "attention": "purple: attention over all encoder outputs · dashed: previous output",
                  "transformer": "purple: cross-attention over all input positions · dashed: previous output",
                  "lm": "dashed: each output is the next input"}[mode]
        painter.setPen(text_pen)
        painter.drawText(QRectF(0, h - 18, w, 16), Qt.AlignmentFlag.AlignCenter, legend)
        painter.end()


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication, QHBoxLayout

    from playground.config import ModelConfig

    app = QApplication([])
    box = QWidget()
    row = QHBoxLayout(box)
    for i, name in enumerate(EXPLANATIONS):
        row.addWidget(DecoderDiagram(config=ModelConfig(mode=name, cell=("lstm", "gru", "rnn")[i % 3], layers=1 + i % 3,
                                                        bidirectional=name != "lm" and i % 2 == 0)))
    box.show()
    app.exec()
