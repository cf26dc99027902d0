"""Chart conventions (pytest-qt, offscreen): integer epoch axes from 1, no SI scale on an empty
heatmap, the piano-roll key outside the notes, layers / direction / cell in the model diagram."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

import pyqtgraph as pg  # noqa: E402

from playground.config import ModelConfig  # noqa: E402
from playground.ui.state import AppState  # noqa: E402


def _assert_integer_epoch_ticks(axis, low: float, high: float, size: float) -> list[float]:
    levels = axis.tickValues(low, high, size)
    values = [v for _, level in levels for v in level]
    assert values, f"no ticks for ({low}, {high})"
    assert all(float(v).is_integer() and v >= 1 for v in values), values
    strings = axis.tickStrings(values, 1.0, 1.0)
    assert strings == [str(int(v)) for v in values]
    return values


def _training_plots(qtbot):
    from playground.ui.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.reset(4, batch_loss=list(np.linspace(2.0, 0.5, 20)))
    for epoch in range(1, 6):
        plots.add_epoch({"epoch": epoch, "val_loss": 2.0 / epoch, "train_token_accuracy": 0.1 * epoch,
                         "val_token_accuracy": 0.09 * epoch, "val_exact_match": 0.05 * epoch})
    plots.refresh()
    plots.resize(900, 320)
    plots.show()
    qtbot.waitExposed(plots)
    return plots


def test_training_epoch_axis_has_whole_epochs_from_one(qtbot):
    plots = _training_plots(qtbot)
    axis = plots.metric_plot.getAxis("bottom")
    assert axis.labelText == "epoch"
    assert _assert_integer_epoch_ticks(axis, 0.2, 5.3, 400) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert axis.tickStrings([1.0, 2.0, 3.0], 1.0, 1.0) == ["1", "2", "3"]
    # squeezed or zoomed out: fewer ticks, still whole epochs ≥ 1
    _assert_integer_epoch_ticks(axis, 0.2, 5.3, 60)
    assert _assert_integer_epoch_ticks(axis, -3.0, 120.0, 300)[0] == 1.0
    # what is on screen right now
    (low, high), _ = plots.metric_plot.viewRange()
    _assert_integer_epoch_ticks(axis, low, high, axis.width() or 300)


def test_a_failed_batch_is_marked_where_the_loss_curve_ends(qtbot):
    plots = _training_plots(qtbot)
    marks = lambda: [i for i in plots.loss_plot.getPlotItem().items if isinstance(i, pg.InfiniteLine)]  # noqa: E731
    assert marks() == []
    plots.mark_failure(float("nan"))
    plots.mark_failure(3.5e4)  # one mark: the last failure
    (mark,) = marks()
    assert mark.value() == 21 and mark.label.toPlainText() == "diverged: loss 3.5e+04"
    plots.reset(4)
    assert marks() == []  # a new run starts clean


def test_epoch_axis_helper_on_a_plain_plot(qtbot):
    from playground.ui.plots import EpochAxis, integer_epoch_axis

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.showGrid(x=True, y=True, alpha=0.3)
    axis = integer_epoch_axis(widget)
    assert isinstance(axis, EpochAxis) and widget.getAxis("bottom") is axis
    assert axis.labelText == "epoch" and axis.autoSIPrefix is False
    assert axis.grid is not False  # the grid set before the swap still applies
    assert axis.tickValues(3.2, 3.8, 300) == []  # no whole epoch in view: no (fractional) tick


def test_runs_panel_epoch_axes_are_integer_with_fractional_batches(qtbot):
    from playground.ui.runs_panel import RunsPanel

    state = AppState()
    panel = RunsPanel(state)
    qtbot.addWidget(panel)
    run = state.new_run(source="digits:reverse", model_config={"mode": "attention", "cell": "lstm", "units": 16},
                        train_config={})
    run.batch_loss = list(np.linspace(2.0, 0.4, 12))
    run.batches_per_epoch = 4  # batch-level curve at 0.25, 0.5, … epochs
    run.epochs = [{"epoch": e, "val_loss": 2.0 / e, "val_exact_match": 0.2 * e} for e in (1, 2, 3)]
    run.status = "done"
    state.runs_changed.emit()
    panel.list.item(0).setCheckState(panel.list.item(0).checkState().Checked)
    panel.resize(1100, 500)
    panel.show()
    qtbot.waitExposed(panel)
    for plot in (panel.loss_plot, panel.acc_plot):
        axis = plot.getAxis("bottom")
        assert axis.labelText == "epoch"
        assert _assert_integer_epoch_ticks(axis, 0.2, 5.3, 400) == [1.0, 2.0, 3.0, 4.0, 5.0]
        (low, high), _ = plot.viewRange()
        _assert_integer_epoch_ticks(axis, low, high, axis.width() or 300)
    x = panel.loss_plot.getPlotItem().listDataItems()[0].getData()[0]
    assert x[0] == pytest.approx(0.25)  # data may be fractional; only the ticks are whole


def test_empty_heatmap_axes_have_no_si_scale(qtbot):
    from playground.ui.heatmap import AttentionHeatmap

    heat = AttentionHeatmap()
    qtbot.addWidget(heat)
    heat.resize(400, 300)
    heat.show()
    qtbot.waitExposed(heat)

    def check():
        for name in ("bottom", "left"):
            axis = heat.getAxis(name)
            assert axis.autoSIPrefix is False
            text = axis.label.toPlainText()
            assert "x0.001" not in text and "(x" not in text, text

    check()  # empty from the start
    heat.set_attention(np.full((3, 2), 0.5), list("ab"), list("xy"))
    heat.clear_attention("Attention: nothing to show")
    heat.setRange(xRange=(-0.5, 0.5), yRange=(-0.5, 0.5), padding=0)  # tiny range, as a fresh view has
    qtbot.wait(10)
    check()
    heat.set_attention(np.zeros((0, 0)), [], [])
    check()


def test_heatmap_scale_is_fixed_at_zero_to_one(qtbot):
    """Uniform attention is dim, a sharp alignment bright: the scale is the weights' own range
    (probabilities), not each map's maximum; a colour bar shows it."""
    from playground.ui.heatmap import AttentionHeatmap

    heat = AttentionHeatmap()
    qtbot.addWidget(heat)
    heat.set_attention(np.full((3, 8), 0.125), list("abcdefgh"), list("xy"), "Attention of the greedy output")
    assert tuple(heat.image.getLevels()) == (0.0, 1.0) and tuple(heat.colour_bar.levels()) == (0.0, 1.0)
    assert heat.getPlotItem().titleLabel.text == "Attention of the greedy output"


def test_piano_roll_legend_lies_outside_the_notes(qtbot):
    from playground.music.notes import Note
    from playground.ui.music.piano_roll import PianoRoll

    roll = PianoRoll()
    qtbot.addWidget(roll)
    notes = [Note(60 + i, float(i), 1.0) for i in range(8)]
    roll.set_notes(notes[:4], notes[4:], beats_per_bar=4, primer_end=4)
    roll.resize(700, 300)
    roll.show()
    qtbot.waitExposed(roll)
    view_box = roll.getPlotItem().getViewBox()
    legends = [item for item in roll.scene().items() if isinstance(item, pg.LegendItem)]
    assert len(legends) == 1
    legend = legends[0]
    assert legend.isVisible()
    assert not view_box.isAncestorOf(legend)
    notes_area = view_box.sceneBoundingRect()
    key = legend.sceneBoundingRect()
    assert key.width() > 0 and key.height() > 0
    assert not key.intersects(notes_area), (key, notes_area)
    assert roll.scene().sceneRect().contains(key)  # still on screen


def test_diagram_names_layers_direction_and_cell(qtbot):
    from playground.ui.diagram import DecoderDiagram

    diagram = DecoderDiagram(config=ModelConfig(mode="attention", cell="gru", layers=2, units=64,
                                                bidirectional=True))
    qtbot.addWidget(diagram)
    encoder, decoder = diagram.captions()
    assert "2 ×" in encoder and "BiGRU" in encoder and "64" in encoder
    assert "2 ×" in decoder and "GRU" in decoder and "Bi" not in decoder
    diagram.resize(480, 200)
    with_config = diagram.grab().toImage()
    plain = DecoderDiagram("attention")
    qtbot.addWidget(plain)
    plain.resize(480, 200)
    assert plain.captions() == ("", "")
    assert with_config != plain.grab().toImage()  # the captions and stacked cells are drawn

    diagram.set_config(ModelConfig(mode="peek", cell="lstm", layers=3))
    assert diagram.mode == "peek"
    encoder, decoder = diagram.captions()
    assert "3 × LSTM" in encoder and "Bi" not in encoder and "3 × LSTM" in decoder
    diagram.set_config({"mode": "lm", "cell": "rnn", "layers": 1, "units": 32})  # a run's model_config dict
    encoder, decoder = diagram.captions()
    assert encoder == "" and "1 × RNN 32" in decoder
