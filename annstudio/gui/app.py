"""QApplication and the main window: menus, shortcuts and the workspaces as tabs (settings: window_settings.py;
opening models and workspaces, unsaved work: window_files.py).

TensorFlow takes seconds to import, so nothing here imports it: the window shows first, and the core's
training modules load in the worker thread (the first, untrained picture of the network starts that).
The tabs that are not on screen at start-up (MNIST digits, Compare runs) are built when first needed.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from ..core import lessons
from ..core.control import enable_gc_if_due
from ..core.spec import SpecError
from ..core.unsaved import UnsavedWork
from . import tooltips, wheel
from .crash import qt_override, report_exception, run_all
from .dialog_ref import DialogRef
from .files import MODEL_SUFFIXES, FileActions
from .lessons_panel import LessonDialog, LessonsPanel
from .pacer import on_first_paint
from .playground import DEFAULT_PRESET, Playground
from .qapp import APP_NAME, ORG_NAME, app_icon, make_app  # noqa: F401 - where tests and scripts look for them
from .run_toolbar import RunToolBar
from .tabs import QuietTabWidget
from .window_files import WindowFiles
from .window_settings import WindowSettings, make_settings

if TYPE_CHECKING:
    from .compare import CompareView, Run
    from .mnist_workspace import MnistWorkspace

#: Controls a teacher can hide from students in a saved lesson.
HIDEABLE = [("data", "Data panel"), ("network", "Network builder"), ("training", "Training settings")]
MNIST_TAB, COMPARE_TAB = 1, 2
LESSONS_MIN_WIDTH = 220  # px: a lesson's text and its Load buttons stay readable


def lessons_width(window_width: int) -> int:
    """How wide the Lessons panel is at least in a window this wide: a fifth of it, from 220 to 340 px."""
    return int(min(340, max(LESSONS_MIN_WIDTH, 0.2 * window_width)))
#: Train actions that go through the run tool bar (the others go straight to the workspace).
RUN_ACTIONS = ("toggle", "step", "step_batch", "stop", "reset")


def first_size(free: tuple[int, int] | None, platform: str) -> tuple[int, int]:
    """A new window's size: 1500 x 900, or the screen's free area (``free``, width and height) where that is
    smaller (a 1366 x 768 laptop): not a window whose right side (the lessons) or bottom starts off the screen.
    Without a real screen (``offscreen``: the tests, ``annstudio shot``, the benchmarks) always 1500 x 900."""
    width, height = 1500, 900
    if free is None or platform in ("offscreen", "minimal") or free[0] <= 0 or free[1] <= 0:
        return width, height
    return min(width, free[0]), min(height, free[1])


def _app_filters() -> None:
    wheel.install()
    tooltips.install()


class MainWindow(WindowFiles, WindowSettings, QMainWindow):
    """The main window. Opening models and workspaces and the unsaved-work question are in
    :class:`WindowFiles` (window_files.py), saving and restoring settings in :class:`WindowSettings`."""

    def __init__(self, settings: QSettings | None = None, restore: bool = True) -> None:
        super().__init__()
        # Scrolling a panel never edits the spin box under the mouse, long tool tips wrap: two filters on the
        # application, which see every event of every widget. Installed at the window's first paint (no one
        # scrolls or hovers before): the ~16 000 events of building and showing it took 0.3-0.5 s through them.
        on_first_paint(self, _app_filters)
        self.setWindowTitle(APP_NAME)
        self.settings = settings or make_settings()
        last = self._last_preset() if restore else None
        self.playground = Playground(preset=last)
        self.tabs = QuietTabWidget()
        self.tabs.addTab(self.playground, "Playground")
        self.tabs.setTabToolTip(0, "Build a network for 2-D points (or 1-D regression) and watch it learn.")
        self._mnist: MnistWorkspace | None = None      # built when first needed: see the properties below
        self._compare: CompareView | None = None
        self._pending_runs: list[Run] = []             # finished runs, until the compare tab exists
        self.tabs.addTab(QWidget(), "MNIST digits")
        self.tabs.setTabToolTip(MNIST_TAB, "The lecture's handwritten digits: train the 784-100-10 network, "
                                           "look inside it, and draw digits for it to read.")
        self.tabs.addTab(QWidget(), "Compare runs")
        self.tabs.setTabToolTip(COMPARE_TAB, "Every finished run of this session: overlay their loss curves and "
                                             "their fitted curves or decision boundaries.")
        self.tabs.currentChanged.connect(self._build_tab)
        self.setCentralWidget(self.tabs)
        self.lessons = LessonsPanel()
        self.lessons_dock = QDockWidget("Lessons", self)
        self.lessons_dock.setObjectName("lessons")
        self.lessons_dock.setWidget(self.lessons)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lessons_dock)
        self.lessons_dock.setMinimumWidth(LESSONS_MIN_WIDTH)
        if last is None:  # the lecture's default experiment: its lesson is the one to read
            self._select_lesson_of(DEFAULT_PRESET)
        self.lessons.preset_requested.connect(self.load_preset)
        self.lessons.workspace_requested.connect(lambda path: self.files.open_workspace(path))
        self.playground.run_finished.connect(self._add_run)
        self.unsaved = UnsavedWork()  # what quitting or loading over a workspace would lose
        self._track_unsaved_playground()
        self.setAcceptDrops(True)
        self._message_box: DialogRef[QMessageBox] = DialogRef(forget_on_finish=False)
        self._last_error = ""
        self.playground.status.connect(self.statusBar().showMessage)
        self.playground.error.connect(self.show_error)
        self._build_menus()
        self.run_bar = RunToolBar(self._send_to_workspace, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.run_bar)
        self.run_bar.connect_speed(self.playground.training)
        self._follow_workspace(self.playground)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._on_tab_changed()
        self.files = FileActions(self, self.file_menu, self, self.settings)
        # a training or compiling thread that ended its pause of garbage collection leaves turning it back on
        # to this thread (see core.control.resume_gc)
        self._gc_timer = QTimer(self)
        self._gc_timer.setInterval(1000)
        self._gc_timer.timeout.connect(enable_gc_if_due)
        self._gc_timer.start()
        self.file_menu.insertAction(self.file_menu.actions()[-1], self._lesson_action())
        self.statusBar().showMessage("Ready: press Space (or Play) to train the network.")
        screen = self.screen() or QApplication.primaryScreen()
        free = screen.availableGeometry().size().toTuple() if screen is not None else None
        self.resize(*first_size(free, QApplication.platformName()))
        if restore:
            self._restore_settings()

    # tabs built on first use -------------------------------------------------------------------------
    @property
    def mnist(self) -> "MnistWorkspace":
        """The MNIST digits workspace (built the first time anything needs it: it is not on screen at first)."""
        if self._mnist is None:
            from .mnist_workspace import MnistWorkspace

            self._mnist = MnistWorkspace()
            self._mnist.run_finished.connect(self._add_run)
            self._mnist.status.connect(self.statusBar().showMessage)
            self._mnist.error.connect(self.show_error)
            self._follow_workspace(self._mnist)
            self._mnist.state_changed.connect(lambda state: self._trained("mnist", state))
            self._mnist.reader.personal_set_changed.connect(lambda: self.unsaved.mark("mnist", "drawings"))
            self._put_page(MNIST_TAB, self._mnist)
        return self._mnist

    @property
    def compare(self) -> "CompareView":
        """The Compare runs view (built the first time anything needs it), holding every finished run."""
        if self._compare is None:
            from .compare import CompareView

            self._compare = CompareView()
            for run in self._pending_runs:
                self._compare.add_run(run)
            self._pending_runs = []
            self._put_page(COMPARE_TAB, self._compare)
        return self._compare

    def _put_page(self, index: int, page: QWidget) -> None:
        """Put the built ``page`` in place of tab ``index``'s placeholder, keeping its title, tip and the
        current tab."""
        placeholder, current = self.tabs.widget(index), self.tabs.currentIndex()
        text, tip = self.tabs.tabText(index), self.tabs.tabToolTip(index)
        with QSignalBlocker(self.tabs):
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, page, text)
            self.tabs.setTabToolTip(index, tip)
            self.tabs.setCurrentIndex(current)
        placeholder.deleteLater()

    def _build_tab(self, index: int) -> None:
        if index == MNIST_TAB:
            self.mnist  # noqa: B018 - builds it
        elif index == COMPARE_TAB:
            self.compare  # noqa: B018 - builds it

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
        self.play_action = self._action(train, "Play / &Pause", lambda: self._on_workspace("toggle"), "Space",
                                        "Start training, or pause it.")
        self._action(train, "Step one &epoch", lambda: self._on_workspace("step"), "Right",
                     "Train one more epoch, then pause.")
        self._action(train, "Step one &batch", lambda: self._on_workspace("step_batch"), "Shift+Right",
                     "Train on one more batch, then pause: backpropagation one step at a time.")
        self._action(train, "&Stop", lambda: self._on_workspace("stop"), "Ctrl+.",
                     "Stop training; the model keeps what it learned.")
        self._action(train, "&Reset", lambda: self._on_workspace("reset"), "Ctrl+R",
                     "Back to the untrained network with the same starting weights.")
        train.addSeparator()
        self._action(train, "&Slower", lambda: self._on_workspace("slower"), "[",
                     "Train fewer epochs a second, to watch the network change (playground).")
        self._action(train, "&Faster", lambda: self._on_workspace("faster"), "]",
                     "Train more epochs a second, up to full speed (playground).")

        presets = bar.addMenu("&Presets")
        for preset in lessons.PRESETS:
            self._action(presets, preset.title, lambda checked=False, pid=preset.id: self.load_preset(pid),
                         tip=f"Load the lecture's experiment '{preset.id}'.")

        view = bar.addMenu("&View")
        toggle = self.lessons_dock.toggleViewAction()
        toggle.setText("&Lessons panel")
        toggle.setShortcut(QKeySequence("F2"))
        view.addAction(toggle)
        self.addAction(toggle)
        self._action(view, "&Playground", lambda: self.tabs.setCurrentIndex(0), "Ctrl+Shift+1")
        self._action(view, "&MNIST digits", lambda: self.tabs.setCurrentIndex(1), "Ctrl+Shift+2")
        self._action(view, "&Compare runs", lambda: self.tabs.setCurrentIndex(2), "Ctrl+Shift+3")
        view.addSeparator()
        panels = view.addMenu("Playground &panels")
        self.panel_actions = {}
        for key, title in HIDEABLE:
            action = QAction(title, self, checkable=True, checked=True)
            action.setStatusTip(f"Show or hide the playground's {title.lower()} (a teacher's lesson may hide it).")
            action.toggled.connect(lambda on, k=key: self._show_panel(k, on))
            panels.addAction(action)
            self.panel_actions[key] = action
        view.addSeparator()
        for index in range(p.views.count()):
            self._action(view, p.views.tabText(index),  # "&&" stays: a menu shows it as "&"
                         lambda checked=False, i=index: p.views.setCurrentIndex(i), f"Ctrl+{index + 1}")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "F1")

    def load_preset(self, preset_id: str) -> bool:
        return self.load_preset_object(lessons.get(preset_id))

    def _on_workspace(self, action: str) -> None:
        """A Train-menu action (or its key) for the workspace in the current tab: the run controls go through
        the tool bar, which shows "Starting…" from a Play to the first report."""
        if action in RUN_ACTIONS:
            self.run_bar.press(action)
        else:
            self._send_to_workspace(action)

    def _follow_workspace(self, workspace) -> None:
        """The tool bar shows ``workspace``'s state while its tab is the current one."""
        workspace.training.show_run_buttons(False)  # the tool bar has them, always in sight
        workspace.state_changed.connect(
            lambda state, ws=workspace: self.run_bar.set_state(state) if self.current_workspace() is ws else None)

    def _on_tab_changed(self, _index: int = 0) -> None:
        workspace = self.current_workspace()
        trains = workspace is self.playground or (workspace is self._mnist and workspace is not None)
        self.run_bar.set_workspace(workspace if trains else None, speed=workspace is self.playground)

    def _send_to_workspace(self, action: str) -> None:
        """Call the current workspace's method for ``action`` (the compare tab has none)."""
        workspace = self.current_workspace()
        method = getattr(workspace, action, None)
        if callable(method):
            method()

    def current_workspace(self):
        """The workspace in the current tab (it has ``session``, ``play()``, ``state()``, ``error``)."""
        return self.tabs.currentWidget()

    def last_error(self) -> str:
        return self._last_error

    def load_preset_object(self, preset: "lessons.Preset") -> bool:
        workspace = self.mnist if preset.data.kind == "mnist" else self.playground
        if not self.confirm_unsaved([workspace]):
            return False
        self.tabs.setCurrentWidget(workspace)
        ok = workspace.load_preset(preset)
        if ok and workspace is self.playground:
            self.apply_hidden_controls(())  # a lecture experiment: every panel in sight again
            if preset.id != "last":
                self.playground.training.set_speed(None)  # full speed: a lesson's 5000 epochs take seconds
        if ok:
            self.unsaved.clear(workspace.key)
            self._select_lesson_of(preset.id)
        if ok:
            self.statusBar().showMessage(f"Loaded: {preset.title}. Press Space to train.")
        return ok

    def _select_lesson_of(self, preset_id: str) -> None:
        from ..core.lesson_texts import lesson_for_preset

        try:
            lesson_id = lesson_for_preset(preset_id).id
        except (SpecError, KeyError):
            return
        self.lessons.select_lesson(lesson_id)
        self.lessons.mark_loaded(lesson_id)

    def _lesson_action(self) -> QAction:
        action = QAction("Save as &lesson…", self)
        action.setStatusTip("For teachers: save this workspace with a text and with chosen controls hidden; "
                            "students open it from the Lessons panel.")
        action.triggered.connect(lambda: self.save_as_lesson())
        return action

    def save_as_lesson(self, values: tuple | None = None, path: str | None = None) -> bool:
        """A teacher's lesson: the workspace plus a text and the controls students should not see."""
        if values is None:
            dialog = LessonDialog(HIDEABLE, parent=self)
            if not dialog.exec():
                return False
            values = dialog.values()
        title, text, hidden = values
        lesson = text if text.lstrip().startswith("#") else f"# {title}\n\n{text}"
        if not self.files.save_workspace(path, lesson=lesson, hidden=list(hidden)):
            return False
        saved = self.files.recent()[0]
        self.lessons.add_custom_lesson(title, lesson, saved)
        self._remember_lesson(title, saved)
        return True

    def apply_hidden_controls(self, hidden) -> None:
        """Hide the playground's panels a teacher's lesson hides, and show every other one: hidden panels
        belong to the lesson that hid them, so loading anything else brings them back. View › Panels can
        always show one again."""
        for key, action in self.panel_actions.items():
            action.setChecked(key not in set(hidden or ()))

    def _panels(self) -> dict:
        p = self.playground
        return {"data": p.data_panel, "network": p.builder, "training": p.training}

    def _show_panel(self, key: str, on: bool) -> None:
        self._panels()[key].parentWidget().setVisible(on)

    def _add_run(self, run: "Run") -> None:
        if self._compare is None:
            self._pending_runs.append(run)  # the compare tab takes them when it is first shown
        else:
            self._compare.add_run(run)

    # drag and drop ----------------------------------------------------------------------------------
    @qt_override
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if any(url.toLocalFile().lower().endswith(MODEL_SUFFIXES + (".annws",)) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    @qt_override
    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path:
                self.files.open_path(path)
                event.acceptProposedAction()
                return

    def show_shortcuts(self) -> None:
        lines = [f"{a.shortcut().toString()}\t{a.text().replace('&', '')}" for a in self.actions()
                 if not a.shortcut().isEmpty()]
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "\n".join(lines), parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_error(self, message: str) -> None:
        """A message the user should read: in the status bar and a (non-blocking) dialog."""
        self._last_error = message
        self.statusBar().showMessage(message)
        box = self._message_box.get()
        if box is not None and box.isVisible():
            box.setText(message)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, message, parent=self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self._message_box.set(box)

    @qt_override
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._widen_lessons()

    def _widen_lessons(self) -> None:
        """A window that grows again gives the Lessons panel back its room: Qt would keep it as narrow as the
        smallest window made it and give all new room to the workspace."""
        dock = self.lessons_dock
        if dock.isFloating() or not dock.isVisible():
            return
        wanted = lessons_width(self.width())
        if dock.width() < wanted - 8:
            self.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    @qt_override
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Ask about unsaved work (Cancel keeps the window open); then stop and join every thread of both
        workspaces and save the settings, each even when another fails; the window closes in any case."""
        try:
            keep = not self.confirm_unsaved()
        except Exception as exc:  # noqa: BLE001 - a failed question must not keep the threads running
            report_exception(exc)
            keep = False
        if keep:
            event.ignore()
            return
        mnist = self._mnist
        run_all(self.playground.shutdown,
                lambda: self.playground.setEnabled(False),  # nothing may start a new run while the window goes
                *((mnist.shutdown, lambda: mnist.setEnabled(False)) if mnist is not None else ()),
                self.save_settings)
        event.accept()


def run(argv: list[str] | None = None, open_file: str | None = None) -> int:
    """The window; ``open_file`` (a workspace or a model) is opened once it is shown."""
    from ..core.applog import setup_logging
    from .crash import install_excepthook

    setup_logging()
    app = make_app(argv)
    window = MainWindow()
    install_excepthook(lambda: window)  # an unexpected error: a dialog and the log file, the app lives on
    window.show()
    QTimer.singleShot(0, window.raise_)
    if open_file:
        QTimer.singleShot(0, lambda: window.files.open_path(open_file))
    if os.environ.get("ANNSTUDIO_EXIT_AFTER_SHOW"):  # bench/startup.py: report when the window is up, leave
        def shown() -> None:
            import time

            print(f"shown {time.time():.6f} tensorflow={'tensorflow' in sys.modules}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()
