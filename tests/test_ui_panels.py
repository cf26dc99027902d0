"""Panels on their own: model (live parameter count), diagram, heatmap, runs, generate, data."""

from __future__ import annotations


from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from conftest import shared_data  # noqa: E402
from playground.ui import dialogs  # noqa: E402
from playground.ui.state import AppState  # noqa: E402

LONG = 180_000


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(dialogs, "HOOK", lambda kind, title, text: seen.append((kind, title, text)) or True)
    monkeypatch.setenv("PLAYGROUND_CONFIG_DIR", str(tmp_path))
    return seen


def test_the_model_tab_counts_parameters_as_keras_would_without_building(tiny_corpus):
    """Counted from the config (a 4,000-unit model used to take a minute to build): equal to the
    built model's, and instant for a huge one."""
    import time

    from playground.config import ModelConfig
    from playground.models.seq2seq import Seq2SeqModel
    from playground.training.trainer import complete_model_config
    from playground.ui.model_panel import count_parameters

    config = ModelConfig(mode="attention", cell="gru", units=13, layers=2, bidirectional=True)
    built = Seq2SeqModel(complete_model_config(config, tiny_corpus).to_dict()).build_with_dummy_inputs()
    assert count_parameters(config, tiny_corpus) == built.count_params()
    began = time.perf_counter()
    assert count_parameters(ModelConfig(units=4000, layers=4), tiny_corpus) > 900_000_000
    assert time.perf_counter() - began < 1.0


def test_model_panel_counts_parameters_off_the_gui_thread(qtbot, tiny_corpus):
    from playground.models.seq2seq import Seq2SeqModel
    from playground.training.trainer import complete_model_config
    from playground.ui.model_panel import ModelPanel
    from playground.ui.workers import ensure_tensorflow

    state = AppState()
    panel = ModelPanel(state)
    qtbot.addWidget(panel)
    assert "load data first" in panel.params.text()
    state.set_corpus(tiny_corpus)
    state.set_device(ensure_tensorflow())
    panel.units.setValue(24)
    panel.embedding.setValue(8)
    panel.mode.setCurrentText("peek")
    with qtbot.waitSignal(panel.parameters_counted, timeout=LONG) as counted:
        pass
    cfg = complete_model_config(panel.model_config(), tiny_corpus)
    reference = Seq2SeqModel(cfg.to_dict())
    reference.build_with_dummy_inputs()
    expected = reference.count_params()
    assert counted.args[0] == expected
    assert f"{expected:,}" in panel.params.text()
    assert "peek" in panel.explanation.text() and panel.diagram.mode == "peek"
    panel.preset.setCurrentIndex(panel.preset.findText("attention_bigru"))
    panel._apply_preset(panel.preset.currentIndex())
    cfg = panel.model_config()
    assert (cfg.mode, cfg.cell, cfg.bidirectional) == ("attention", "gru", True)
    text_corpus = type(tiny_corpus)(**{**tiny_corpus.__dict__, "kind": "text"})
    state.set_corpus(text_corpus)
    assert panel.model_config().mode == "lm" and not panel.mode.isEnabled()


def test_model_panel_transformer_fields_and_count(qtbot, tiny_corpus):
    from playground.models.params import parameter_count
    from playground.training.trainer import complete_model_config
    from playground.ui.model_panel import ModelPanel
    from playground.ui.workers import ensure_tensorflow

    state = AppState()
    panel = ModelPanel(state)
    qtbot.addWidget(panel)
    state.set_corpus(tiny_corpus)
    state.set_device(ensure_tensorflow())
    panel.mode.setCurrentText("transformer")
    assert not panel.form.isRowVisible(panel.units) and panel.form.isRowVisible(panel.heads)
    panel.d_model.setValue(32)
    panel.heads.setValue(4)
    panel.encoder_layers.setValue(1)
    with qtbot.waitSignal(panel.parameters_counted, timeout=LONG) as counted:
        panel.ff_dim.setValue(64)
    cfg = panel.model_config()
    assert (cfg.mode, cfg.d_model, cfg.heads, cfg.ff_dim, cfg.encoder_layers) == ("transformer", 32, 4, 64, 1)
    assert counted.args[0] == parameter_count(complete_model_config(cfg, tiny_corpus))
    assert "Transformer" in panel.explanation.text() and "1 × Transformer" in panel.diagram.captions()[0]
    panel.heads.setValue(5)  # 32 is not a multiple of 5: said so, nothing built
    assert "multiple of heads" in panel.params.text()
    panel.mode.setCurrentText("attention")
    assert panel.form.isRowVisible(panel.units) and not panel.form.isRowVisible(panel.heads)


def test_translate_panel_shows_one_transformer_head_on_request(qtbot, tiny_corpus):
    from conftest import train_tiny

    from playground.inference.predictor import Predictor
    from playground.ui.translate_panel import TranslatePanel

    result = train_tiny(tiny_corpus, "transformer", epochs=1, d_model=16, heads=2, ff_dim=16, encoder_layers=1,
                        decoder_layers=1)
    panel = TranslatePanel()
    qtbot.addWidget(panel)
    panel.set_model(result.model)
    assert not panel.heads_view.isHidden() and panel.heads_view.count() == 1 + 2
    shown = []
    panel.translated.connect(shown.append)
    panel.input.setText("123")
    panel.heads_view.setCurrentIndex(2)  # block 1 · head 2
    qtbot.waitUntil(lambda: bool(shown) and not panel._busy, timeout=LONG)
    translation = Predictor(result.model).translate(["123"])[0]
    heads = Predictor(result.model).attention_heads("123", translation.tokens)
    np.testing.assert_allclose(panel.heatmap.weights, heads[0, 1][:translation.attention.shape[0]], atol=1e-5)


@pytest.mark.parametrize("mode", ["basic", "feedback", "peek", "attention", "transformer", "lm"])
def test_diagram_draws_every_mode(qtbot, mode):
    from playground.ui.diagram import DecoderDiagram

    diagram = DecoderDiagram(mode)
    qtbot.addWidget(diagram)
    diagram.resize(420, 180)
    image = diagram.grab().toImage()
    colors = {image.pixel(x, y) for x in range(0, 420, 6) for y in range(0, 180, 6)}
    assert len(colors) > 5  # not blank


def test_heatmap_axes_carry_tokens(qtbot):
    from playground.ui.heatmap import AttentionHeatmap

    heat = AttentionHeatmap()
    qtbot.addWidget(heat)
    heat.set_attention(np.full((4, 3), 1 / 3), list("a b"), list("xyz"))
    assert heat.weights.shape == (4, 3)
    ticks = heat.getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["a", "␣", "b"]
    heat.clear_attention("none")
    assert heat.weights is None


def test_runs_panel_overlays_and_compares(qtbot):
    from playground.ui.runs_panel import RunsPanel

    state = AppState()
    panel = RunsPanel(state)
    qtbot.addWidget(panel)
    for mode in ("basic", "attention"):
        run = state.new_run(source="digits:reverse", model_config={"mode": mode, "cell": "lstm", "units": 16},
                            train_config={})
        run.batch_loss = [2.0, 1.5, 1.2, 1.0]
        run.batches_per_epoch = 2
        run.epochs = [{"epoch": 1, "val_loss": 1.4, "val_exact_match": 0.1},
                      {"epoch": 2, "val_loss": 1.1, "val_exact_match": 0.3}]
        run.status = "done"
    state.runs_changed.emit()
    for i in range(panel.list.count()):
        panel.list.item(i).setCheckState(panel.list.item(i).checkState().Checked)
    assert len(panel.checked_runs()) == 2
    assert panel.table.rowCount() == 2
    assert "basic" in panel.table.item(0, 0).text() and "attention" in panel.table.item(1, 0).text()
    assert len(panel.loss_plot.getPlotItem().listDataItems()) == 4
    assert len(panel.acc_plot.getPlotItem().listDataItems()) == 2
    # Metrics no checked run has take no column; a test figure of one run brings its column back.
    headings = {panel.table.horizontalHeaderItem(c).toolTip(): c for c in range(panel.table.columnCount())}
    assert panel.table.isColumnHidden(headings["test_perplexity"]) and panel.table.isColumnHidden(headings["test_bleu"])
    assert not panel.table.isColumnHidden(headings["val_exact_match"]) and not panel.table.isColumnHidden(headings["status"])
    state.runs[0].metrics = {"bleu": 12.5, "n": 10}
    panel.refresh_plots()
    assert not panel.table.isColumnHidden(headings["test_bleu"]) and panel.table.isColumnHidden(headings["test_chrf"])


def test_generate_panel_with_a_language_model(qtbot):
    from conftest import train_tiny

    from playground.data.source import DataOptions, load_source
    from playground.ui.generate_panel import GeneratePanel

    corpus = load_source("text:sample", DataOptions(max_samples=64))
    result = train_tiny(corpus, "lm", epochs=1)
    assert result.status == "done", result.message
    state = AppState()
    panel = GeneratePanel(state)
    qtbot.addWidget(panel)
    assert not panel.button.isEnabled()
    state.set_model(result.model)
    assert panel.button.isEnabled()
    panel.seed_text.setText("The ")
    panel.length.setValue(20)
    with qtbot.waitSignal(panel.generated, timeout=LONG) as generated:
        panel.button.click()
    assert generated.args[0].startswith("The")
    assert panel.output.toPlainText() == generated.args[0]


def test_beam_fields_say_what_is_searched(qtbot, tiny_corpus, tiny_model):
    """n-best needs a beam at least as wide (the Beam field follows); a basic-mode model has no
    beam to search (every step is independent): the fields are off and say why."""
    import keras

    from playground.config import ModelConfig, TrainConfig
    from playground.models.seq2seq import Seq2SeqModel
    from playground.training.trainer import build_meta, complete_model_config
    from playground.ui.translate_panel import TranslatePanel

    panel = TranslatePanel()
    qtbot.addWidget(panel)
    panel.set_model(tiny_model)
    panel.beam.setValue(2)
    panel.n_best.setValue(8)
    assert panel.beam.value() == 8 and panel.beam.isEnabled()
    panel.beam.setValue(3)
    assert panel.n_best.value() == 3
    keras.utils.set_random_seed(0)
    config = complete_model_config(ModelConfig(mode="basic", units=8, embedding_dim=4), tiny_corpus)
    basic = Seq2SeqModel(config.to_dict(), build_meta(tiny_corpus, config, TrainConfig()))
    basic.build_with_dummy_inputs()
    panel.set_model(basic)
    assert not panel.beam.isEnabled() and not panel.n_best.isEnabled()
    assert "every step is independent" in panel.beam.toolTip()
    panel.set_model(tiny_model)
    assert panel.beam.isEnabled() and "n-best" in panel.beam.toolTip()


def test_translate_panel_refuses_language_models_and_drops_stale_results(qtbot, tiny_model):
    from playground.ui.translate_panel import TranslatePanel

    panel = TranslatePanel()
    qtbot.addWidget(panel)
    panel.set_model(tiny_model)
    panel.beam.setValue(1)
    panel.n_best.setValue(1)
    shown = []
    panel.translated.connect(lambda t: shown.append(t.source_tokens))
    for text in ("1", "12", "123", "1234"):
        panel.input.setText(text)
        panel.translate_now()  # as if the debounce fired after every keystroke
    qtbot.waitUntil(lambda: bool(shown) and not panel._busy, timeout=LONG)
    qtbot.wait(300)
    assert shown[-1] == list("1234")
    assert all(tokens == list("1234") for tokens in shown)  # stale texts never shown


def test_data_panel_previews_tatoeba_off_the_gui_thread(qtbot):
    from playground.ui.data_panel import DataPanel

    path = shared_data("tatoeba", "tatoeba-eng-fra.txt")
    state = AppState()
    panel = DataPanel(state)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.preview_shown, timeout=LONG):
        panel.open_path(str(path))
    assert panel.preview.rowCount() > 50
    assert panel.preview.item(0, 0).text()
    qtbot.waitUntil(lambda: state.corpus is not None, timeout=LONG)
    assert len(state.corpus.train) > 100_000


def test_a_midi_folders_unreadable_files_are_listed_with_their_reasons(qtbot, tmp_path):
    import shutil

    from playground.music.corpus import BUILTIN_MIDI_DIR
    from playground.ui.data_panel import DataPanel

    folder = tmp_path / "tunes"
    folder.mkdir()
    for tune in sorted(Path(BUILTIN_MIDI_DIR).glob("*.mid"))[:3]:
        shutil.copy(tune, folder)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06 not a tune")
    state = AppState()
    panel = DataPanel(state)
    qtbot.addWidget(panel)
    panel.open_path(str(folder))
    qtbot.waitUntil(lambda: state.corpus is not None and not panel.loading, timeout=LONG)
    assert panel.details_tabs.tabText(1) == "Skipped files (1)"
    assert panel.skipped.horizontalHeaderItem(0).text() == "File" and panel.skipped.rowCount() == 1
    assert panel.skipped.item(0, 0).text() == "broken.mid" and panel.skipped.item(0, 1).text()
    assert "skipped files 1" in panel.counts.text()


def test_midi_sources_offer_their_own_choices_and_train_as_loaded(qtbot, tmp_path):
    """A MIDI source shows encoding / drums / transposed copies (not text tokens); what was
    loaded is what a run reads (the request carries it); a changed choice makes the data stale."""
    from playground.sources import music_request
    from playground.ui.data_panel import DataPanel
    from playground.ui.settings import Settings
    from playground.ui import main_window

    state = AppState()
    panel = DataPanel(state)
    qtbot.addWidget(panel)
    panel.set_source("midi:sample")
    form = panel.data_form
    assert form.isRowVisible(panel.music_row) and not form.isRowVisible(panel.level)
    assert not form.isRowVisible(panel.task_size) and not form.isRowVisible(panel.text_checks)
    assert form.isRowVisible(panel.max_samples)  # tunes, for MIDI: never a hidden cap
    panel.encoding.setCurrentIndex(panel.encoding.findData("events"))
    panel.transpose.setChecked(True)
    panel.max_samples.setValue(12)
    panel.load()
    qtbot.waitUntil(lambda: state.corpus is not None and not panel.loading, timeout=LONG)
    assert state.corpus.extra["summary"]["tunes"] == 12
    assert "tunes: train 10 · val 1 · test 1 (Max samples: tunes ≤ 12, first)" in panel.counts.text()
    assert music_request(state.corpus) == {"encoding": "events", "window": state.corpus.extra["window"],
                                           "include_drums": False, "transpose": True}
    assert any(t.startswith("on") for t in state.corpus.train[0][1])  # event tokens
    legend = panel.histogram.getPlotItem().legend
    assert [label.text for _, label in legend.items] == ["sequence"]  # no input side to a tune
    assert panel.preview.isColumnHidden(0) and not panel.stale.isVisible()
    assert not panel.is_stale()
    panel.include_drums.setChecked(True)
    assert panel.is_stale()
    panel.set_source("digits:reverse")
    assert not form.isRowVisible(panel.music_row) and form.isRowVisible(panel.level)
    assert form.isRowVisible(panel.task_size)

    # A fresh app recommends subword tokens for a sentence file (restoring no settings chose nothing).
    win = main_window.MainWindow(Settings(), autoload=False)
    qtbot.addWidget(win)
    assert not win.data_panel.level_chosen
    pairs = tmp_path / "fra.txt"
    pairs.write_text("".join(f"I see {n} cats.\tJe vois {n} chats.\n" for n in range(60)), encoding="utf-8")
    win.data_panel.set_source(str(pairs))
    assert win.data_panel.level.currentText() == "subword"


def test_music_tab_when_the_module_is_there(qtbot):
    from playground.ui import main_window
    from playground.ui.settings import Settings

    win = main_window.MainWindow(Settings(), autoload=False)
    qtbot.addWidget(win)
    names = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert ("7 Music" in names) == (main_window.MusicPanel is not None)


def test_sentence_files_get_the_recommended_model_and_tokens(qtbot, tmp_path):
    from playground.data.source import DataOptions, load_source
    from playground.ui.data_panel import DataPanel
    from playground.ui.model_panel import ModelPanel

    pairs = tmp_path / "fra.txt"
    pairs.write_text("".join(f"I see {n} cats.\tJe vois {n} chats.\n" for n in range(60)), encoding="utf-8")
    state = AppState()
    data = DataPanel(state)
    model = ModelPanel(state)
    qtbot.addWidget(data)
    qtbot.addWidget(model)
    with qtbot.waitSignal(data.preview_shown, timeout=LONG):
        data.open_path(str(pairs))
    assert data.level.currentText() == "subword" and data.options().level == "subword"
    # A pair file's columns are the user's choice (1-based on screen); built-in tasks have none.
    assert data.data_form.isRowVisible(data.columns) and data.options().columns == (0, 1)
    qtbot.waitUntil(lambda: data.loaded_source == str(pairs) and not data.loading, timeout=LONG)
    assert not data.is_stale()
    data.source_column.setValue(2)
    data.target_column.setValue(1)
    assert data.options().columns == (1, 0) and data.is_stale()  # loaded with the other columns
    data.target_column.setValue(2)
    with pytest.raises(ValueError, match="must differ"):
        data.options()
    data.target_column.setValue(1)
    data.set_options({**data.options().to_dict(), "columns": [0, 1]})
    assert (data.source_column.value(), data.target_column.value()) == (1, 2)
    assert data.options().header is None  # detected, unless the user says
    data.header.setCurrentIndex(data.header.findData(False))
    assert data.options().header is False and data.is_stale()
    data.set_options({**data.options().to_dict(), "header": True})
    assert data.header.currentData() is True and data.options().header is True
    data.set_options({**data.options().to_dict(), "header": None})
    data.set_source("digits:reverse")
    assert not data.data_form.isRowVisible(data.columns)
    data.set_source(str(pairs))
    state.set_corpus(load_source(str(pairs), DataOptions(level="subword", subword_vocab=40)))
    assert model.preset.currentText() == "sentences" and model.model_config().mode == "transformer"
    model.mode.setCurrentText("attention")  # the user's choice stays when data is loaded again
    state.set_corpus(load_source(str(pairs), DataOptions(level="subword", subword_vocab=40)))
    assert model.model_config().mode == "attention"


def test_train_panel_shows_and_uses_a_sentence_files_recommendations(qtbot, tmp_path):
    """The recommended optimizer and label smoothing of a sentence file reach the app's run
    as they reach the CLI's (the panel used to send its own adam and 0 as choices)."""
    from playground.data.source import DataOptions, load_source
    from playground.training.session import resolve_train_config
    from playground.ui.train_panel import TrainPanel

    pairs = tmp_path / "fra.txt"
    pairs.write_text("".join(f"I see {n} cats.\tJe vois {n} chats.\n" for n in range(60)), encoding="utf-8")
    state = AppState()
    panel = TrainPanel(state)
    qtbot.addWidget(panel)
    state.set_corpus(load_source(str(pairs), DataOptions(level="char")))
    panel.show_recommended()
    assert (panel.optimizer.currentText(), panel.label_smoothing.value()) == ("adamw", pytest.approx(0.1))
    assert panel.train_config() == resolve_train_config(str(pairs), {"seed": 0, "device": "auto", "clip_norm": 1.0,
                                                                     "early_stopping": 0, "max_batches_per_epoch": 0})
    assert "optimizer, label smoothing: recommended" in panel.recommendation.text()
    panel.optimizer.setCurrentText("sgd")  # the user's choice wins and stays
    panel.show_recommended()
    assert panel.train_config().optimizer == "sgd" and panel.train_config().label_smoothing == pytest.approx(0.1)
    assert panel.saved_settings()["user_set"] == ["optimizer"]


def test_train_panel_marks_the_batch_that_stopped_a_run(qtbot):
    """The failing batch has no loss to plot; the panel draws where the curve ends and why."""
    from types import SimpleNamespace

    from playground.training import events as ev
    from playground.ui.state import Run
    from playground.ui.train_panel import TrainPanel

    panel = TrainPanel(AppState())
    qtbot.addWidget(panel)
    panel.run, panel._seconds_before = Run(1, "digits:copy", {}, {}), 0.0
    arrived = [ev.BatchEnd(0, b, b + 1, 2.0 - b / 10, 0.1, 100.0, 1.0, -1.0) for b in range(3)]
    arrived.append(ev.BatchFailed(0, 3, 4, float("inf")))
    panel.runner = SimpleNamespace(worker=SimpleNamespace(take_batches=lambda: list(arrived)))
    panel._refresh()
    assert panel.run.batch_loss == [2.0, 1.9, 1.8] and panel.plots.losses == [2.0, 1.9, 1.8]
    assert panel.plots.failure_mark.value() == 4 and panel.plots.failure_mark.label.toPlainText() == "loss became inf"


def test_a_piano_roll_file_loads_with_its_own_split(qtbot, tmp_path):
    import json

    from playground.ui.data_panel import DataPanel

    roll = lambda shift: [[60 + shift, 64 + shift]] * 4 + [[67 + shift]] * 4 + [[]] * 2  # noqa: E731
    rolls = tmp_path / "chorales.json"
    rolls.write_text(json.dumps({"train": [roll(k) for k in range(6)], "valid": [roll(7)], "test": [roll(8), roll(9)]}))
    state = AppState()
    panel = DataPanel(state)
    qtbot.addWidget(panel)
    panel.set_source(str(rolls))
    assert panel.data_form.isRowVisible(panel.music_row)  # a music source, not a text file
    panel.encoding.setCurrentIndex(panel.encoding.findData("events"))
    panel.load()
    qtbot.waitUntil(lambda: state.corpus is not None and not panel.loading, timeout=LONG)
    assert state.corpus.kind == "music" and len(state.corpus.test) == 2
    assert "the file's own split, by piece: train 6 · val 1 · test 2" in panel.counts.text()


def test_train_panel_shows_what_a_language_model_added_to_its_prompt(qtbot):
    from playground.training import events as ev
    from playground.ui.state import Run
    from playground.ui.train_panel import TrainPanel

    panel = TrainPanel(AppState())
    qtbot.addWidget(panel)
    panel.run, panel._seconds_before = Run(1, "midi:sample", {}, {}), 0.0
    prompt = "p60 _ _ _ " * 20  # a tune's prompt would fill every cell
    panel._on_epoch(ev.EpochEnd(0, 1.0, 0.5, 1.1, 0.4, None, samples=[(prompt, prompt + "p62 _", prompt + "p64 _"),
                                                                       ("12", "21", "21")]))
    cells = [[panel.samples.item(row, col).text() for col in range(4)] for row in range(2)]
    assert cells[0] == ["1", "…" + prompt[-40:], "p62 _", "p64 _"]
    assert cells[1] == ["1", "12", "21", "21"]  # a translation stays as it is
