"""Render every panel of the app to PNG, with real content (a tiny model trained here).

    python tools/screenshots.py OUT_DIR

Runs offscreen (QT_QPA_PLATFORM=offscreen unless set); settings go to a temp dir.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def wait_until(app, predicate, timeout=300.0, what="condition"):
    end = time.monotonic() + timeout
    while not predicate():
        app.processEvents()
        time.sleep(0.02)
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")


def train(app, win, mode, epochs, units=32):
    win.model_panel.mode.setCurrentText(mode)
    win.model_panel.units.setValue(units)
    win.model_panel.embedding.setValue(16)
    tp = win.train_panel
    tp.epochs.setValue(epochs)
    tp.batch_size.setValue(32)
    tp.learning_rate.setValue(0.01)
    tp.device.setCurrentText("cpu")
    finished = []
    tp.training_finished.connect(finished.append)
    tp.start()
    wait_until(app, lambda: finished, what=f"training {mode}")
    tp.training_finished.disconnect(finished.append)
    return finished[0]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python tools/screenshots.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PLAYGROUND_CONFIG_DIR", tempfile.mkdtemp(prefix="playground-shots-"))
    os.environ.setdefault("PLAYGROUND_DATA_DIR", os.environ["PLAYGROUND_CONFIG_DIR"])

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from playground.ui import dialogs
    from playground.ui.main_window import MainWindow
    from playground.ui.settings import Settings
    from playground.ui.workers import ensure_tensorflow

    dialogs.HOOK = lambda kind, title, text: print(f"[{kind}] {title}: {text}") or True
    app = QApplication.instance() or QApplication([])
    win = MainWindow(Settings(), autoload=False)
    win.resize(1200, 780)
    win.show()
    win.state.set_device(ensure_tensorflow())

    def shot(widget, name):
        app.processEvents()
        path = out / name
        widget.grab().save(str(path))
        print(path)

    dp = win.data_panel
    dp.set_source("digits:reverse")
    dp.task_size.setValue(1500)
    dp.load()
    wait_until(app, lambda: win.state.corpus is not None and not dp.loading, what="data")
    win.tabs.setCurrentWidget(dp)
    shot(win, "01-data.png")

    basic = train(app, win, "basic", 4)
    win.model_panel.mode.setCurrentText("attention")
    win.tabs.setCurrentWidget(win.model_panel)
    wait_until(app, lambda: "Parameters: " in win.model_panel.params.text() and
               win.model_panel.params.text()[12:13].isdigit(), what="parameter count")
    shot(win, "02-model.png")
    result = train(app, win, "attention", 6)
    win.tabs.setCurrentWidget(win.train_panel)
    shot(win, "03-train.png")
    win.train_panel.lower_tabs.setCurrentIndex(1)
    shot(win, "03b-train-mistakes.png")
    win.train_panel.lower_tabs.setCurrentIndex(0)
    print("runs:", basic.status, result.status)

    win.tabs.setCurrentWidget(win.runs_panel)
    shot(win, "04-runs.png")

    # A restart: a new window finds the runs in the app's data folder.
    win.close()
    win = MainWindow(Settings(), autoload=False)
    win.resize(1200, 780)
    win.show()
    win.state.set_device(ensure_tensorflow())
    runs = win.runs_panel
    for i in range(runs.list.count()):
        runs.list.item(i).setCheckState(Qt.CheckState.Checked)
    runs.list.setCurrentRow(runs.list.count() - 1)
    win.tabs.setCurrentWidget(runs)
    shot(win, "04b-runs-after-restart.png")
    dp = win.data_panel
    dp.set_source("digits:reverse")
    dp.task_size.setValue(1500)
    dp.load()
    wait_until(app, lambda: win.state.corpus is not None and not dp.loading, what="data")

    tr = win.translate_panel
    win.state.set_model(result.model, name=f"run #{runs.selected_run().number}")
    win.tabs.setCurrentWidget(tr)
    shown = []
    tr.translated.connect(shown.append)
    tr.input.setText("90817x2")
    wait_until(app, lambda: shown, what="translation")
    shot(win, "05-translate.png")
    tr.batch_input.setPlainText("\n".join(["123", "98765", "5551212", "40", "7"]))
    done = []
    tr.batch_done.connect(lambda: done.append(1))
    tr.translate_batch()
    wait_until(app, lambda: done, what="batch")
    tr.tabs.setCurrentIndex(1)
    shot(win, "06-translate-batch.png")
    tr.tabs.setCurrentIndex(0)

    # Translate while another model trains: the model in use stays the one named.
    tp = win.train_panel
    win.model_panel.mode.setCurrentText("feedback")
    tp.epochs.setValue(1000)
    tp.start()
    wait_until(app, lambda: len(tp.run.batch_loss) > 20, what="training under way")
    shown.clear()
    tr.input.setText("2718281")
    wait_until(app, lambda: shown, what="translation while training")
    win.tabs.setCurrentWidget(tr)
    shot(win, "05b-translate-while-training.png")
    tp.stop()
    wait_until(app, lambda: tp.runner is None, what="stop")

    # Loading a big file: the progress bar and Cancel.
    big = Path(os.environ["PLAYGROUND_DATA_DIR"]) / "big-pairs.txt"
    big.write_text("".join(f"sentence number {i} here.\tphrase numéro {i} ici.\n" for i in range(600_000)),
                   encoding="utf-8")
    win.tabs.setCurrentWidget(dp)
    dp.open_path(str(big))
    wait_until(app, lambda: dp.load_progress.value() > 150 or not dp.loading, what="load progress")
    shot(win, "09-load-progress.png")
    dp.cancel()
    wait_until(app, lambda: not dp.loading, what="cancel")

    from PySide6.QtWidgets import QMessageBox

    from playground.ui.help import GETTING_STARTED

    box = QMessageBox(QMessageBox.Icon.Information, "Getting started", GETTING_STARTED, parent=win)
    box.show()
    shot(box, "10-help.png")
    box.close()

    from playground.data.source import DataOptions, load_source
    from playground.config import ModelConfig, TrainConfig
    from playground.training.trainer import Trainer

    corpus = load_source("text:sample", DataOptions())
    lm = Trainer(corpus, ModelConfig(mode="lm", units=96, embedding_dim=16),
                 TrainConfig(epochs=8, batch_size=32, learning_rate=0.01, device="cpu")).run()
    win.state.set_model(lm.model)
    gp = win.generate_panel
    win.tabs.setCurrentWidget(gp)
    gp.seed_text.setText("The ")
    gp.temperature.setValue(0.5)
    texts = []
    gp.generated.connect(texts.append)
    gp.generate()
    wait_until(app, lambda: texts, what="generation")
    shot(win, "07-generate.png")

    if win.music_panel is not None:
        try:  # the Music panel belongs to another module: give it a tiny melody model
            from playground.sources import load_any_source

            music = load_any_source("midi:sample", DataOptions())
            music_model = Trainer(music, ModelConfig(mode="lm", units=64, embedding_dim=16),
                                  TrainConfig(epochs=3, batch_size=32, learning_rate=0.01, device="cpu")).run().model
            win.state.set_corpus(music)
            win.state.set_model(music_model)
        except Exception as exc:  # noqa: BLE001
            print(f"music model: {exc}")
        win.tabs.setCurrentWidget(win.music_panel)
        from PySide6.QtWidgets import QPushButton

        buttons = {b.text().replace("&", ""): b for b in win.music_panel.findChildren(QPushButton)}
        if "Generate" in buttons and "Play" in buttons and buttons["Generate"].isEnabled():
            buttons["Generate"].click()
            try:
                wait_until(app, lambda: buttons["Play"].isEnabled() or buttons["Save MIDI…"].isEnabled(),
                           timeout=120, what="music generation")
            except (TimeoutError, KeyError) as exc:
                print(f"music generation: {exc}")
        shot(win, "08-music.png")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
