"""QApplication and the main window: menus, shortcuts, settings, and the workspaces as tabs.

TensorFlow takes seconds to import, so nothing here imports it: the window shows first, and the core's
training modules load in the worker thread (the first, untrained picture of the network starts that).
"""
from __future__ import annotations

import json
import os
import sys

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QTabWidget

from ..core import lessons
from ..core.spec import SpecError, data_from_dict, network_from_dict, train_from_dict
from . import style
from .playground import Playground

APP_NAME = "ANN Studio"
ORG_NAME = "ANN Studio"


def make_settings() -> QSettings:
    """The user's settings; ``$ANNSTUDIO_SETTINGS`` names an .ini file instead (tests, portable use)."""
    path = os.environ.get("ANNSTUDIO_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORG_NAME, APP_NAME)


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, restore: bool = True) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.settings = settings or make_settings()
        self.playground = Playground()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.playground, "Playground")
        self.tabs.setTabToolTip(0, "Build a network for 2-D points (or 1-D regression) and watch it learn.")
        self.setCentralWidget(self.tabs)
        self._message_box: QMessageBox | None = None
        self._last_error = ""
        self.playground.status.connect(self.statusBar().showMessage)
        self.playground.error.connect(self.show_error)
        self._build_menus()
        self.statusBar().showMessage("Ready: press Space (or Play) to train the network.")
        self.resize(1500, 900)
        if restore:
            self._restore_settings()

    # menus ------------------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addSeparator()
        self._action(self.file_menu, "&Quit", self.close, "Ctrl+Q", "Close ANN Studio (training stops first).")

        train = bar.addMenu("&Train")
        p = self.playground
        self.play_action = self._action(train, "Play / &Pause", p.toggle, "Space",
                                        "Start training, or pause it.")
        self._action(train, "Step one &epoch", p.step, "Right", "Train one more epoch, then pause.")
        self._action(train, "Step one &batch", p.step_batch, "Shift+Right",
                     "Train on one more batch, then pause: backpropagation one step at a time.")
        self._action(train, "&Stop", p.stop, "Ctrl+.", "Stop training; the model keeps what it learned.")
        self._action(train, "&Reset", lambda: p.reset(True), "Ctrl+R",
                     "Back to the untrained network with the same starting weights.")

        presets = bar.addMenu("&Presets")
        for preset in lessons.PRESETS:
            self._action(presets, preset.title, lambda checked=False, pid=preset.id: self.load_preset(pid),
                         tip=f"Load the lecture's experiment '{preset.id}'.")

        view = bar.addMenu("&View")
        for index in range(p.views.count()):
            self._action(view, p.views.tabText(index).replace("&&", "&"),
                         lambda checked=False, i=index: p.views.setCurrentIndex(i), f"Ctrl+{index + 1}")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "F1")

    def load_preset(self, preset_id: str) -> bool:
        return self.load_preset_object(lessons.get(preset_id))

    def current_workspace(self):
        """The workspace in the current tab (it has ``session``, ``play()``, ``state()``, ``error``)."""
        return self.tabs.currentWidget()

    def last_error(self) -> str:
        return self._last_error

    def load_preset_object(self, preset: "lessons.Preset") -> bool:
        if preset.data.kind == "mnist":
            self.show_error("The MNIST experiment needs the MNIST workspace, which this version does not have yet; "
                            "run it headless with: annstudio train --preset mnist-mlp")
            return False
        self.tabs.setCurrentWidget(self.playground)
        ok = self.playground.load_preset(preset)
        if ok:
            self.statusBar().showMessage(f"Loaded: {preset.title}. Press Space to train.")
        return ok

    def show_shortcuts(self) -> None:
        lines = [f"{a.shortcut().toString()}\t{a.text().replace('&', '')}" for a in self.actions()
                 if not a.shortcut().isEmpty()]
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "\n".join(lines), parent=self)
        box.open()

    def show_error(self, message: str) -> None:
        """A message the user should read: in the status bar and a (non-blocking) dialog."""
        self._last_error = message
        self.statusBar().showMessage(message)
        if self._message_box is not None and self._message_box.isVisible():
            self._message_box.setText(message)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, message, parent=self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.open()
        self._message_box = box

    # settings ---------------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.playground.splitter.restoreState(splitter)
        text = s.value("playground/last")
        if not text:
            return
        try:
            last = json.loads(str(text))
            data = data_from_dict(last["data"])
            network = network_from_dict(last["network"])
            train = train_from_dict(last["train"])
        except (SpecError, ValueError, KeyError, TypeError):
            return  # settings from an older or damaged session: start from the default workspace
        if data.kind == "mnist":
            return
        preset = lessons.Preset("last", "last session", data, network, train)
        self.playground.load_preset(preset)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.playground.splitter.saveState())
        spec = self.playground.data_panel.data_spec()
        if spec is not None:
            last = {"data": spec.to_dict(), "network": self.playground.network_spec().to_dict(),
                    "train": self.playground.train_spec().to_dict()}
            s.setValue("playground/last", json.dumps(last))
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.playground.shutdown()
        self.playground.setEnabled(False)  # nothing may start a new run while the window goes
        self.save_settings()
        super().closeEvent(event)


def make_app(argv: list[str] | None = None) -> QApplication:
    # TensorFlow (loaded later, in the worker) may use every core but one: the window must stay smooth
    os.environ.setdefault("ANNSTUDIO_TF_THREADS", str(max(1, (os.cpu_count() or 2) - 1)))
    # The training thread and the GUI thread share the GIL. Painting calls back into Python hundreds of
    # times a frame; with the default 5 ms switch interval each call can wait that long for the GIL.
    sys.setswitchinterval(0.0005)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    style.configure_pyqtgraph()
    return app


def run(argv: list[str] | None = None) -> int:
    app = make_app(argv)
    window = MainWindow()
    window.show()
    QTimer.singleShot(0, window.raise_)
    if os.environ.get("ANNSTUDIO_EXIT_AFTER_SHOW"):  # bench/startup.py: report when the window is up, leave
        def shown() -> None:
            import time

            print(f"shown {time.time():.6f} tensorflow={'tensorflow' in sys.modules}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()
