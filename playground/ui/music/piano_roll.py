"""A piano-roll view: notes as bars over pitch (y) and time in beats (x), with a playhead.

Primer (or seed) notes and generated notes are drawn in two colours; the x axis marks bars
(numbered) and beats, the y axis names the C of every octave (and every pitch when zoomed
in). Each graphics item is created once and updated with ``setOpts`` / ``setValue``.
"""

from __future__ import annotations

from typing import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

from playground.inference.music import pitch_name

PRIMER_COLOUR = (90, 140, 220)  # blue: what the model was given
GENERATED_COLOUR = (235, 130, 40)  # orange: what it made
PLAYHEAD_COLOUR = (210, 40, 40)


class _BarAxis(pg.AxisItem):
    """Time axis in beats, labelled with bar numbers at the first beat of each bar."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.beats_per_bar = 4.0

    def tickValues(self, minVal, maxVal, size):
        bpb = self.beats_per_bar
        span = max(maxVal - minVal, 1e-9)
        pixels_per_bar = size / span * bpb
        bar_step = 1
        while pixels_per_bar * bar_step < 40:  # keep bar labels readable
            bar_step *= 2
        first_bar = max(int(minVal // bpb), 0)
        bars = [b * bpb for b in range(first_bar, int(maxVal // bpb) + 2, bar_step) if minVal <= b * bpb <= maxVal]
        beats = []
        if pixels_per_bar / bpb >= 8:  # beats only when they are far enough apart
            beats = [float(b) for b in range(max(int(minVal), 0), int(maxVal) + 1) if b % bpb]
        return [(bpb * bar_step, bars), (1.0, beats)]

    def tickStrings(self, values, scale, spacing):
        bpb = self.beats_per_bar
        return [str(int(round(v / bpb)) + 1) if abs(v / bpb - round(v / bpb)) < 1e-6 else "" for v in values]


class _PitchAxis(pg.AxisItem):
    """Pitch axis: note names (every C, or every pitch when there is room)."""

    def tickValues(self, minVal, maxVal, size):
        span = max(maxVal - minVal, 1e-9)
        every = size / span >= 12
        low, high = max(int(minVal), 0), min(int(maxVal) + 1, 127)
        cs = [float(p) for p in range(low, high + 1) if p % 12 == 0]
        others = [float(p) for p in range(low, high + 1) if p % 12 and every]
        return [(12.0, cs), (1.0, others)]

    def tickStrings(self, values, scale, spacing):
        return [pitch_name(int(round(v))) if 0 <= round(v) <= 127 else "" for v in values]


class PianoRoll(pg.PlotWidget):
    """``set_notes(primer, generated, beats_per_bar)``; ``set_playhead(beat)`` / ``hide_playhead()``."""

    def __init__(self, parent=None):
        self._time_axis = _BarAxis(orientation="bottom")
        super().__init__(parent, axisItems={"bottom": self._time_axis, "left": _PitchAxis(orientation="left")})
        self.setBackground("w")
        self.setMenuEnabled(False)
        self.showGrid(x=True, y=True, alpha=0.15)
        self.setLabel("bottom", "bar")
        self.setLabel("left", "pitch")
        self.getPlotItem().setMouseEnabled(x=True, y=False)
        self.primer_item = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=pg.mkBrush(*PRIMER_COLOUR),
                                           pen=pg.mkPen(40, 70, 130))
        self.generated_item = pg.BarGraphItem(x0=[], y0=[], width=[], height=[],
                                              brush=pg.mkBrush(*GENERATED_COLOUR), pen=pg.mkPen(150, 75, 20))
        self.addItem(self.primer_item)
        self.addItem(self.generated_item)
        self.boundary = pg.InfiniteLine(angle=90, movable=False,
                                        pen=pg.mkPen(120, 120, 120, style=Qt.PenStyle.DashLine))
        self.boundary.setVisible(False)
        self.addItem(self.boundary)
        self.playhead = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(*PLAYHEAD_COLOUR, width=2))
        self.playhead.setVisible(False)
        self.playhead.setZValue(10)
        self.addItem(self.playhead)
        self.legend = self._legend_row()
        self.primer_notes: list = []
        self.generated_notes: list = []
        self.end_beat = 0.0
        self.setXRange(0, 16, padding=0)
        self.setYRange(57, 84, padding=0)

    def _legend_row(self) -> pg.LegendItem:
        """The colour key in its own row under the time axis, so it never hides a note."""
        legend = pg.LegendItem(colCount=2, horSpacing=8, frame=False, labelTextColor="k")  # laid out, not anchored
        legend.addItem(pg.BarGraphItem(x0=[0], y0=[0], width=[1], height=[1], brush=pg.mkBrush(*PRIMER_COLOUR)),
                       "seed / primer")
        legend.addItem(pg.BarGraphItem(x0=[0], y0=[0], width=[1], height=[1],
                                       brush=pg.mkBrush(*GENERATED_COLOUR)), "generated")
        legend.layout.setContentsMargins(2, 0, 2, 0)
        legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # compact, not stretched
        layout = self.getPlotItem().layout  # rows: 0 title, 1 top axis, 2 view box, 3 bottom axis
        row = layout.rowCount()
        layout.addItem(legend, row, 1)
        layout.setAlignment(legend, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return legend

    # -- content ---------------------------------------------------------------------------

    @staticmethod
    def _bars(item: pg.BarGraphItem, notes: Sequence) -> None:
        item.setOpts(x0=[n.start for n in notes], y0=[n.pitch - 0.4 for n in notes],
                     width=[max(n.duration, 0.05) for n in notes], height=[0.8] * len(notes))

    def set_notes(self, primer: Sequence, generated: Sequence, beats_per_bar: float = 4.0,
                  primer_end: float | None = None, end_beat: float | None = None) -> None:
        """Show ``primer`` and ``generated`` notes (objects with pitch/start/duration in beats)."""
        self.primer_notes, self.generated_notes = list(primer), list(generated)
        self._time_axis.beats_per_bar = float(beats_per_bar) if beats_per_bar > 0 else 4.0
        self._time_axis.picture = None
        self._time_axis.update()
        self._bars(self.primer_item, self.primer_notes)
        self._bars(self.generated_item, self.generated_notes)
        notes = self.primer_notes + self.generated_notes
        last = max((n.start + n.duration for n in notes), default=0.0)
        self.end_beat = max(float(end_beat or 0.0), last)
        if primer_end is not None and primer_end > 0 and self.generated_notes:
            self.boundary.setValue(primer_end)
            self.boundary.setVisible(True)
        else:
            self.boundary.setVisible(False)
        if notes:
            pitches = [n.pitch for n in notes]
            self.setYRange(min(pitches) - 2, max(pitches) + 2, padding=0)
            self.setXRange(0, max(self.end_beat, beats_per_bar), padding=0.02)
        self.hide_playhead()

    def clear_notes(self) -> None:
        self.set_notes([], [])

    def note_count(self) -> int:
        return len(self.primer_notes) + len(self.generated_notes)

    # -- playhead --------------------------------------------------------------------------

    def set_playhead(self, beat: float) -> None:
        self.playhead.setValue(float(beat))
        self.playhead.setVisible(True)

    def hide_playhead(self) -> None:
        self.playhead.setVisible(False)

    @property
    def playhead_beat(self) -> float | None:
        return float(self.playhead.value()) if self.playhead.isVisible() else None


__all__ = ["GENERATED_COLOUR", "PRIMER_COLOUR", "PianoRoll"]


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.music.notes import Note

    app = QApplication([])
    roll = PianoRoll()
    primer = [Note(60 + (i * 5) % 12, i * 1.0, 1.0) for i in range(8)]
    generated = [Note(64 + (i * 7) % 12, 8 + i * 0.5, 0.5) for i in range(16)]
    roll.set_notes(primer, generated, beats_per_bar=4, primer_end=8)
    roll.set_playhead(10.5)
    roll.resize(800, 320)
    roll.show()
    app.exec()
