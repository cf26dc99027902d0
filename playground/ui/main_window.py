"""The main window: Data → Model → Train → Runs → Translate / Generate (→ Music) tabs,
menus with shortcuts, drag & drop, settings restore/save, and a clean close."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QPlainTextEdit, QTabWidget

from playground import __version__
from playground.ui import dialogs, export_actions
from playground.ui.data_panel import DataPanel
from playground.ui.generate_panel import GeneratePanel
from playground.ui.model_panel import ModelPanel
from playground.ui.help import GETTING_STARTED
from playground.ui.run_store import RunStore
from playground.ui.runs_panel import RunsPanel
from playground.backend.devices import backend_title
from playground.backend.selection import requested_backend
from playground.ui.backend_menu import BackendMenu
from playground.ui.settings import Settings
from playground.ui.state import AppState
from playground.ui.train_panel import TrainPanel
from playground.ui.translate_panel import TranslatePanel
from playground.ui.workers import TfLoader, wait_jobs

log = logging.getLogger("playground.ui")
TITLE = "Seq2Seq Playground"
_COLLECTOR = []  # the one GUI-thread garbage collector of this process


def collect_garbage_on_the_gui_thread() -> None:
    """Python's automatic collection runs in whatever thread allocates; when it frees Qt objects
    held in reference cycles from a worker thread (a data load, a decode) Qt crashes. So
    automatic collection is off and a timer on the GUI thread collects instead."""
    if not _COLLECTOR:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _COLLECTOR.append(GarbageCollector(interval=1.0))

try:  # written by another engineer; the app works without it
    from playground.ui.music.panel import MusicPanel
except Exception:  # noqa: BLE001  (ImportError, or any error while importing it)
    MusicPanel = None


class MainWindow(QMainWindow):
    first_painted = Signal()
    model_opened = Signal(object)
    model_open_failed = Signal(str)
    model_saved = Signal(str)

    def __init__(self, settings: Settings | None = None, *, autoload: bool = True):
        super().__init__()
        collect_garbage_on_the_gui_thread()
        self.setWindowTitle(TITLE)
        self.setAcceptDrops(True)
        self.settings = settings or Settings()
        dialogs.FOLDERS = self.settings  # file dialogs start where the user last was, per kind
        self.state = AppState(RunStore())
        self._painted = False

        self.data_panel = DataPanel(self.state)
        self.model_panel = ModelPanel(self.state)
        self.train_panel = TrainPanel(self.state, self.model_panel.model_config)
        # A Transformer's recommended rate differs (warm-up, capped rate): refresh when the architecture changes.
        self.model_panel.config_changed.connect(self.train_panel.model_changed)
        self.runs_panel = RunsPanel(self.state)
        self.translate_panel = TranslatePanel(self.state)
        self.generate_panel = GeneratePanel(self.state)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for panel, name, tip in ((self.data_panel, "1 Data", "Pick and preview a dataset"),
                                 (self.model_panel, "2 Model", "Decoder mode and architecture"),
                                 (self.train_panel, "3 Train", "Train and watch it learn"),
                                 (self.runs_panel, "4 Runs", "Compare the runs of this session"),
                                 (self.translate_panel, "5 Translate", "Use a translation model"),
                                 (self.generate_panel, "6 Generate", "Use a language model")):
            self.tabs.addTab(panel, name)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tip)
        self.music_panel = None
        if MusicPanel is not None:
            try:
                self.music_panel = MusicPanel()
                self.tabs.addTab(self.music_panel, "7 Music")
                self.tabs.setTabToolTip(self.tabs.count() - 1, "Generate and play music")
            except Exception:  # noqa: BLE001
                log.exception("the Music panel failed to start")
                self.music_panel = None
        self.setCentralWidget(self.tabs)

        self.device_description = None
        self.device_label = QLabel(f"Loading {backend_title(requested_backend())}…")
        self.device_label.setToolTip("The Keras backend and the device that will train")
        self.statusBar().addPermanentWidget(self.device_label)
        self._build_menus()
        self.state.corpus_changed.connect(self._corpus_changed)
        self.state.model_changed.connect(self._model_changed)
        self.state.device_ready.connect(self._device_ready)
        self.train_panel.training_started.connect(lambda _: self.tabs.setCurrentWidget(self.train_panel))
        self.train_panel.controls_changed.connect(self._update_train_actions)
        self.runs_panel.use_run.connect(lambda run: self.statusBar().showMessage(f"Using run {run.label}", 5000))
        self.data_panel.corpus_loaded.connect(self._remember_source)
        self._restore_settings()
        self.state.load_runs()
        if self.state.runs_problem:
            self.statusBar().showMessage(self.state.runs_problem, 30000)
        self._update_train_actions()
        for field in [*self.findChildren(QLineEdit), *self.findChildren(QPlainTextEdit)]:  # spin boxes too
            field.installEventFilter(self)
        if not self.settings["window"].get("geometry"):
            self.resize(1180, 760)
        if autoload:  # after the first paint, so loading never delays the window
            self.first_painted.connect(lambda: QTimer.singleShot(0, self.data_panel.load))
            if not self.settings.data.get("shown_getting_started"):
                self.first_painted.connect(lambda: QTimer.singleShot(300, self.show_getting_started))

    # -- menus -----------------------------------------------------------------------------

    def _action(self, menu, text, slot, shortcut=None, tip=""):
        action = QAction(text, self)
        if isinstance(shortcut, (list, tuple)):
            action.setShortcuts([QKeySequence(k) for k in shortcut])
        elif shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip or text)
        action.setStatusTip(tip or text)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self):
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "Open &model…", lambda: export_actions.open_model(self), "Ctrl+O",
                     "Open a model file (.keras)")
        self._action(file, "Open &data file…", self.data_panel.choose_file, "Ctrl+Shift+O",
                     "Open a dataset file (pairs, text or MIDI)")
        self._action(file, "Open data &folder…", self.data_panel.choose_folder, None, "Open a folder of MIDI files")
        self.recent_menu = file.addMenu("Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        self._action(file, "&Save model…", lambda: export_actions.save_model(self), "Ctrl+S",
                     "Save the current model to one file")
        self._action(file, "&Export SavedModel…", lambda: export_actions.export_savedmodel(self), "Ctrl+E",
                     "Export a TensorFlow SavedModel with a strings-to-strings 'translate' signature")
        self.export_menu = file.addMenu("Export &as")
        for (fmt, quantize), (title, _, _) in export_actions.EXPORTS.items():
            self._action(self.export_menu, title,
                         lambda _=False, f=fmt, q=quantize: export_actions.export_model(self, f, q),
                         tip=f"Export the model in use as {title.rstrip('…')} (a folder)")
        self._action(file, "Save plots as &PNG…", lambda: export_actions.save_plots(self), "Ctrl+Shift+P",
                     "Save the training plots as PNG images")
        self._action(file, "Save history as &CSV…", lambda: export_actions.save_history_csv(self), None,
                     "Save the training history (per epoch and per batch) as CSV")
        file.addSeparator()
        self._action(file, "&Quit", self.close, "Ctrl+Q")
        train = bar.addMenu("&Train")
        self.train_action = self._action(train, "&Train", self.train_panel.toggle, "Ctrl+T", "Start training")
        self.pause_action = self._action(train, "&Pause", self.train_panel.pause, "Ctrl+P", "Pause training")
        self.resume_action = self._action(train, "&Resume", self.train_panel.resume, "Ctrl+R", "Resume training")
        self.stop_action = self._action(train, "&Stop", self.train_panel.stop, ["Ctrl+.", "Esc", "Ctrl+Shift+S"],
                                        "Stop training; the model stays usable (Esc)")
        self.use_action = self._action(train, "&Use this model", self.train_panel.use_model, "Ctrl+U",
                                       "Use the last run's model to translate / generate / save")
        self.more_action = self._action(train, "Train &more", self.train_panel.train_more, "Ctrl+M",
                                        "Continue the model in use for the number of epochs set on the Train tab")
        self.generate_action = self._action(train, "&Generate", self.generate_now, "Ctrl+G",
                                            "Generate text, or music on the Music tab, with the model in use")
        self.backend_menu = BackendMenu(self, bar.addMenu("&Settings").addMenu("&Backend"))
        self.train_panel.backend = self.backend_menu.training_backend
        view = bar.addMenu("&View")
        for i in range(self.tabs.count()):
            self._action(view, self.tabs.tabText(i), lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                         f"Alt+{i + 1}")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Getting started", self.show_getting_started, "F1",
                     "The three steps: Data, Train, Translate or Generate")
        self._action(help_menu, "&About", lambda: dialogs.info(
            self, f"About {TITLE}", f"{TITLE} {__version__}\n\nTrain, compare and use sequence-to-sequence "
                                    "networks: four decoder modes, beam search, attention heatmaps, music, "
                                    "one-file models."))

    def show_getting_started(self):
        self.settings.data["shown_getting_started"] = True
        dialogs.info(self, "Getting started", GETTING_STARTED)

    def _update_train_actions(self):
        panel = self.train_panel
        self.train_action.setEnabled(panel.train_button.isEnabled())
        self.pause_action.setEnabled(panel.pause_button.isEnabled())
        self.resume_action.setEnabled(panel.resume_button.isEnabled())
        self.stop_action.setEnabled(panel.stop_button.isEnabled())
        self.use_action.setEnabled(panel.use_button.isEnabled())
        self.more_action.setEnabled(panel.more_button.isEnabled())

    def eventFilter(self, obj, event):  # noqa: N802
        """The window's shortcuts win over text fields' own key bindings (QLineEdit takes
        Ctrl+E, Esc, … for itself on some platforms): they work wherever the focus is.
        Installed on the window's text fields only (an application-wide filter would run
        Python for every event and delay queued signals from worker threads)."""
        if event.type() == QEvent.Type.ShortcutOverride and \
                QKeySequence(event.keyCombination()) in self._shortcut_keys():
            return True  # not overridden: the shortcut map triggers our action
        return False

    def _shortcut_keys(self) -> set:
        return {key for action in self.findChildren(QAction) if action.isEnabled() for key in action.shortcuts()}

    def _fill_recent(self):
        self.recent_menu.clear()
        for path in self.settings.data.get("recent_models", []):
            self._action(self.recent_menu, f"model: {path}", lambda _=False, p=path: export_actions.open_model(self, p))
        for path in self.settings.data.get("recent_files", []):
            self._action(self.recent_menu, f"data: {path}", lambda _=False, p=path: self.data_panel.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    # -- state -----------------------------------------------------------------------------

    def _remember_source(self, corpus):
        source = self.data_panel.loaded_source or ""
        if Path(source).exists():
            self.settings.add_recent("recent_files", source)

    def _corpus_changed(self, corpus):
        if self.music_panel is not None:
            try:
                self.music_panel.set_corpus(corpus if corpus is not None and corpus.kind == "music" else None)
            except Exception:  # noqa: BLE001
                log.exception("MusicPanel.set_corpus failed")

    def _model_changed(self, model):
        if model is not None:
            cfg = model.config
            self.statusBar().showMessage(f"Current model: {cfg.mode} {cfg.cell} {cfg.units} units", 5000)
        if self.music_panel is not None:
            music = model if model is not None and model.meta.get("corpus_kind") == "music" else None
            try:
                self.music_panel.set_model(music)
            except Exception:  # noqa: BLE001
                log.exception("MusicPanel.set_model failed")
        if model is not None:
            target = self.translate_panel if not model.config.is_lm else (
                self.music_panel if model.meta.get("corpus_kind") == "music" and self.music_panel
                else self.generate_panel)
            # Train and Runs are where runs are watched and compared: the user stays there.
            watching = self.tabs.currentWidget() in (self.train_panel, self.runs_panel)
            if not self.train_panel.is_training() and not watching:
                self.tabs.setCurrentWidget(target)
            elif target is not None and target is not self.tabs.currentWidget():
                name = self.tabs.tabText(self.tabs.indexOf(target)).split(" ", 1)[-1]
                self.statusBar().showMessage(f"The model in use is ready on the {name} tab", 8000)

    def generate_now(self) -> None:
        """Ctrl+G: music on the Music tab, text otherwise (the tab shows the result)."""
        if self.music_panel is not None and self.tabs.currentWidget() is self.music_panel:
            self.music_panel.generate()
            return
        self.tabs.setCurrentWidget(self.generate_panel)
        self.generate_panel.generate()

    def start_tensorflow(self):
        """Loads the Keras backend in the background; the status bar then shows the device."""
        title = backend_title(requested_backend())
        self._tf_loader = TfLoader()
        self._tf_loader.ready.connect(self.state.set_device)
        self._tf_loader.failed.connect(lambda m: self.device_label.setText(f"{title} failed to load: {m}"))
        self._tf_loader.start()

    def _device_ready(self, description):
        self.device_description = description
        self.update_device_label()

    def update_device_label(self):
        """"Device: JAX · GPU 0: …", and the training backend when Settings changed it."""
        if self.device_description is None:
            return
        text = f"Device: {self.device_description}"
        training = self.backend_menu.training_backend
        if training != self.backend_menu.app_backend:
            text += f" · training: {backend_title(training)}"
        self.device_label.setText(text)

    # -- settings --------------------------------------------------------------------------

    def _restore_settings(self):
        s = self.settings
        self.data_panel.set_options(s["data"].get("options") or {}, level_chosen=bool(s["data"].get("level_chosen")))
        source = s["data"].get("source") or "digits:reverse"
        if ":" in source and not Path(source).exists() and self.data_panel.source.findData(source) < 0:
            source = "digits:reverse"
        if Path(source).exists() or self.data_panel.source.findData(source) >= 0:
            self.data_panel.set_source(source)
        if s["model"]:
            self.model_panel.set_config_dict(s["model"])
        if s["train"]:
            self.train_panel.set_train_config(s["train"])
        geometry = s["window"].get("geometry")
        if geometry:
            try:
                self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
            except (ValueError, TypeError):
                pass
        self.tabs.setCurrentIndex(int(s["window"].get("tab", 0) or 0) % max(self.tabs.count(), 1))

    def store_settings(self):
        s = self.settings
        try:  # a source that failed to load is no longer chosen (the Data tab went back)
            s["data"] = {"source": self.data_panel.current_source(), "options": self.data_panel.options().to_dict(),
                         "level_chosen": self.data_panel.level_chosen}
        except ValueError:
            pass
        try:
            s["model"] = self.model_panel.model_config().to_dict()
            s["train"] = self.train_panel.saved_settings()
        except ValueError:
            pass
        s["window"] = {"geometry": base64.b64encode(bytes(self.saveGeometry())).decode("ascii"),
                       "tab": self.tabs.currentIndex()}
        s.save()

    # -- events ----------------------------------------------------------------------------

    def event(self, event):
        if not getattr(self, "_painted", True) and event.type() in (QEvent.Type.Paint, QEvent.Type.UpdateRequest):
            self._painted = True
            self.first_painted.emit()
        return super().event(event)

    def dragEnterEvent(self, event):  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        self.open_dropped(urls[0])
        event.acceptProposedAction()

    def open_dropped(self, path: str):
        if path.endswith(".keras"):
            export_actions.open_model(self, path)
        else:
            self.tabs.setCurrentWidget(self.data_panel)
            self.data_panel.open_path(path)

    def closeEvent(self, event):  # noqa: N802
        if self.train_panel.is_training():
            run = self.train_panel.run
            if run and run.checkpoint and run.epochs and os.path.exists(run.checkpoint):
                keep = f" The last finished epoch ({len(run.epochs)}) is kept in {run.checkpoint}."
            else:
                keep = " No epoch has finished yet, so nothing of this run is kept."
            if not dialogs.question(self, "Training is running", "Stop training and quit?" + keep):
                event.ignore()
                return
            self.statusBar().showMessage("Stopping training…")
            self.train_panel.shutdown()
        else:
            self.train_panel.timer.stop()
        self.store_settings()
        self.state.save_runs()
        wait_jobs(30)
        event.accept()
