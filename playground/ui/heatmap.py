"""Attention heatmap: output tokens (rows) × input tokens (columns) with token labels, on a
fixed 0–1 scale with a colour bar (a map scaled to its own maximum shows uniform attention
as bright as a sharp alignment)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


def visible_token(token: str) -> str:
    """A token as shown on screen: a space as "␣" (else it cannot be seen)."""
    return "␣" if token == " " else token


class AttentionHeatmap(pg.PlotWidget):
    """``set_attention(weights [out, in], input tokens, output tokens)``."""

    def __init__(self, parent=None):
        super().__init__(parent, title="Attention")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get("viridis"), width=12,
                                          interactive=False, colorMapMenu=False)
        self.colour_bar.setImageItem(self.image, insert_in=self.getPlotItem())
        self.invertY(True)
        self.setAspectLocked(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setLabel("bottom", "input")
        self.setLabel("left", "output")
        for name in ("bottom", "left"):  # token ticks, not numbers: never "(x0.001)" on an empty map
            self.getAxis(name).enableAutoSIPrefix(False)
        self.setToolTip("Which input tokens each output token looked at (attention models)")
        self.weights: np.ndarray | None = None
        self.clear_attention()  # empty: no numeric ticks either

    def clear_attention(self, message: str = "") -> None:
        self.weights = None
        self.image.clear()
        self.setTitle(message or "Attention")
        self.getAxis("bottom").setTicks([[]])
        self.getAxis("left").setTicks([[]])

    def set_attention(self, weights, input_tokens, output_tokens, title: str = "Attention") -> None:
        weights = np.asarray(weights, dtype=float)
        if weights.ndim != 2 or weights.size == 0:
            self.clear_attention("Attention: nothing to show")
            return
        rows, cols = weights.shape
        self.weights = weights
        self.image.setImage(weights, levels=(0.0, 1.0))  # weights are probabilities
        self.image.setRect(0, 0, cols, rows)
        outputs = [*list(output_tokens)[: rows - 1], "</s>"] if rows else []
        outputs += [""] * (rows - len(outputs))
        self.getAxis("bottom").setTicks([[(i + 0.5, visible_token(t)) for i, t in enumerate(list(input_tokens)[:cols])]])
        self.getAxis("left").setTicks([[(i + 0.5, visible_token(t)) for i, t in enumerate(outputs)]])
        self.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)
        self.setTitle(title)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    heat = AttentionHeatmap()
    src = list("31415")
    w = np.eye(6, 5)[:, ::-1] * 0.8 + 0.04
    heat.set_attention(w, src, list("51413"))
    heat.resize(500, 400)
    heat.show()
    app.exec()
