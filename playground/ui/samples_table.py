"""The Train tab's table of validation samples: the model's outputs for a few validation
items after each epoch (a language model's: what it added after its prompt)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from playground.training.events import continuation

PROMPT_SHOWN = 40  # characters of a long prompt's end (a tune's prompt would fill the cells)


class SamplesTable(QTableWidget):
    """Rows of (epoch, input, expected, produced); produced in green when it is the expected."""

    def __init__(self, parent=None):
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["Epoch", "Input", "Expected", "Produced"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip("The model's outputs for a few validation items after each epoch")

    def add_epoch(self, epoch: int, samples) -> None:
        """``samples``: an EpochEnd's [(input, expected, produced)]; ``epoch`` 1-based."""
        for source, expected, produced in samples:
            row = self.rowCount()
            self.insertRow(row)
            expected_shown, produced_shown, continued = continuation(source, expected, produced)
            prompt = "…" + source[-PROMPT_SHOWN:] if continued and len(source) > PROMPT_SHOWN else source
            for col, text in enumerate((str(epoch), prompt, expected_shown, produced_shown)):
                item = QTableWidgetItem(text)
                item.setToolTip((f"prompt: {source}" if col == 1 and continued else text)[:400])
                if col == 3:
                    item.setForeground(Qt.GlobalColor.darkGreen if produced == expected else Qt.GlobalColor.darkRed)
                self.setItem(row, col, item)
        self.scrollToBottom()
