"""A small QPainter sketch of what feeds the decoder in each decoder mode."""

from __future__ import annotations

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
    "lm": "Language model: no encoder; each generated token is fed back in to predict the next.",
}

_ENC = QColor("#4C78A8")
_DEC = QColor("#F58518")
_CTX = QColor("#54A24B")
_ATT = QColor("#B279A2")


class DecoderDiagram(QWidget):
    """Encoder cells (blue), decoder cells (orange) and the arrows of the chosen mode."""

    def __init__(self, mode: str = "attention", parent=None):
        super().__init__(parent)
        self.mode = mode
        self.setMinimumSize(360, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("What feeds the decoder in this mode")

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.update()

    def _arrow(self, painter: QPainter, start: QPointF, end: QPointF, color: QColor, curved: bool = False):
        painter.setPen(QPen(color, 1.6))
        path = QPainterPath(start)
        if curved:
            mid = QPointF((start.x() + end.x()) / 2, min(start.y(), end.y()) - 28)
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

    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        w, h = self.width(), self.height()
        cell_w, cell_h = 34.0, 26.0
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        y_cells = h * 0.55
        n_enc, n_dec = (0 if self.mode == "lm" else 3), 3
        gap = 14.0
        total = (n_enc + n_dec) * cell_w + (n_enc + n_dec - 1) * gap + (40 if n_enc else 0)
        x = (w - total) / 2
        enc_rects, dec_rects = [], []
        for i in range(n_enc):
            enc_rects.append(QRectF(x, y_cells, cell_w, cell_h))
            x += cell_w + gap
        if n_enc:
            x += 40
        for i in range(n_dec):
            dec_rects.append(QRectF(x, y_cells, cell_w, cell_h))
            x += cell_w + gap
        text_pen = QPen(self.palette().text().color())
        for rects, color, label, inputs in ((enc_rects, _ENC, "enc", ["x₁", "x₂", "x₃"]),
                                            (dec_rects, _DEC, "dec", ["y₁", "y₂", "y₃"])):
            for i, rect in enumerate(rects):
                painter.setPen(QPen(color.darker(130), 1.4))
                painter.setBrush(color.lighter(150))
                painter.drawRoundedRect(rect, 5, 5)
                painter.setPen(text_pen)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
                if i:
                    self._arrow(painter, QPointF(rects[i - 1].right(), rect.center().y()),
                                QPointF(rect.left(), rect.center().y()), color.darker(130))
            if rects is enc_rects:
                for i, rect in enumerate(rects):
                    painter.setPen(text_pen)
                    painter.drawText(QRectF(rect.left(), rect.bottom() + 22, cell_w, 16),
                                     Qt.AlignmentFlag.AlignCenter, inputs[i])
                    self._arrow(painter, QPointF(rect.center().x(), rect.bottom() + 22),
                                QPointF(rect.center().x(), rect.bottom() + 2), color.darker(130))
            else:
                for i, rect in enumerate(rects):
                    painter.setPen(text_pen)
                    painter.drawText(QRectF(rect.left(), rect.top() - 40, cell_w, 16),
                                     Qt.AlignmentFlag.AlignCenter, inputs[i])
                    self._arrow(painter, QPointF(rect.center().x(), rect.top() - 2),
                                QPointF(rect.center().x(), rect.top() - 22), color.darker(130))
        mode = self.mode
        if enc_rects:
            last = enc_rects[-1]
            state_color = _CTX if mode != "attention" else _ENC.darker(130)
            self._arrow(painter, QPointF(last.right(), last.center().y()),
                        QPointF(dec_rects[0].left(), dec_rects[0].center().y()), state_color)
            painter.setPen(QPen(_CTX))
            painter.drawText(QRectF(last.right() + 2, last.center().y() + 2, 40, 14),
                             Qt.AlignmentFlag.AlignCenter, "c")
        if mode in ("basic", "peek"):
            last = enc_rects[-1]
            for rect in dec_rects:
                self._arrow(painter, QPointF(last.center().x(), last.bottom()),
                            QPointF(rect.center().x(), rect.bottom()), _CTX, curved=False)
        if mode in ("feedback", "peek", "attention", "lm"):
            for i in range(1, len(dec_rects)):
                start = QPointF(dec_rects[i - 1].center().x() + 6, dec_rects[i - 1].top() - 24)
                end = QPointF(dec_rects[i].left() + 4, dec_rects[i].bottom() + 1)
                painter.setPen(QPen(_DEC.darker(140), 1.2, Qt.PenStyle.DashLine))
                painter.drawLine(start, QPointF(start.x() + 10, start.y()))
                self._arrow(painter, QPointF(start.x() + 10, start.y()), end, _DEC.darker(140))
        if mode == "attention":
            for rect in dec_rects[1:2]:
                for enc in enc_rects:
                    self._arrow(painter, QPointF(enc.center().x(), enc.top()),
                                QPointF(rect.center().x(), rect.top()), _ATT, curved=True)
        legend = {"basic": "green: encoder vector at every step · no feedback",
                  "feedback": "dashed: previous output fed back",
                  "peek": "green: encoder vector at every step · dashed: previous output",
                  "attention": "purple: attention over all encoder outputs · dashed: previous output",
                  "lm": "dashed: each output is the next input"}[mode]
        painter.setPen(text_pen)
        painter.drawText(QRectF(4, h - 18, w - 8, 16), Qt.AlignmentFlag.AlignCenter, legend)
        painter.end()


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication, QHBoxLayout

    app = QApplication([])
    box = QWidget()
    row = QHBoxLayout(box)
    for name in EXPLANATIONS:
        row.addWidget(DecoderDiagram(name))
    box.show()
    app.exec()
