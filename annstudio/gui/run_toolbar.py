"""The run controls at the top of the window: Play/Pause, Step, Stop, Reset and Speed, always in sight at
any window size, for the workspace in the current tab.

The bar only sends intents (through the window's Train actions) and shows where the workspace stands. From a
press of Play to the first report of the run it says "Starting…" with a busy bar: building and compiling a
new network takes a moment, and a student who sees nothing happen presses again.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QStyle, QToolBar, QToolButton, QWidget

from ..core.control import RunState
from .busy import BusyBar
from .training_panel import SPEEDS

#: How often the bar looks whether the first report of a starting run has come (ms).
POLL_MS = 50
_PLAY_STYLE = ("QToolButton { background: #0877bd; color: white; font-weight: bold; padding: 4px 14px; "
               "border-radius: 4px; } QToolButton:hover { background: #0a8ad8; } "
               "QToolButton:disabled { background: #9bbcd6; }")

_STATE_TEXTS = {RunState.RUNNING: "Training…", RunState.PAUSED: "Paused: Play goes on, Step trains one epoch.",
                RunState.FINISHED: "Done: Play trains on, Reset starts again."}


def _report_mark(workspace) -> tuple | None:
    """What identifies the newest report a workspace has drawn (epoch, batches), or None."""
    latest = workspace.latest_report() if workspace is not None else None
    return None if latest is None else (latest.epoch, latest.batches)


class RunToolBar(QToolBar):
    """Play/Pause, Step, Stop, Reset, Speed and a "Starting…" indicator for the current workspace.

    ``send(action)`` hands an action ("toggle", "step", "stop", "reset") to the current workspace.
    """

    def __init__(self, send: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__("Run controls", parent)
        self.setObjectName("run-controls")
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(20, 20))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._send = send
        self._workspace = None
        self._starting = False
        self._since: tuple | None = None
        self._state = RunState.IDLE
        icon = self.style().standardIcon
        self.play_button = self._button("Play", QStyle.StandardPixmap.SP_MediaPlay, "toggle",
                                        "Train and watch the network learn (Space). Press again to pause.")
        self.play_button.setStyleSheet(_PLAY_STYLE)
        self.play_button.setMinimumWidth(96)
        self.step_button = self._button("Step", QStyle.StandardPixmap.SP_MediaSkipForward, "step",
                                        "Train exactly one more epoch, then pause (→).")
        self.stop_button = self._button("Stop", QStyle.StandardPixmap.SP_MediaStop, "stop",
                                        "End this run; the network keeps what it learned (Ctrl+.).")
        self.reset_button = self._button("Reset", QStyle.StandardPixmap.SP_BrowserReload, "reset",
                                         "Back to the untrained network, same starting weights (Ctrl+R).")
        self.addSeparator()
        self.speed_label = QLabel(" Speed ")
        self.speed_combo = QComboBox()
        for words, value in SPEEDS:
            self.speed_combo.addItem(words, value)
        self.speed_combo.setToolTip("How many epochs a second the playground trains ([ slower, ] faster). The "
                                    "results are the same at every speed.")
        self._speed_actions = [self.addWidget(self.speed_label), self.addWidget(self.speed_combo)]
        self.addSeparator()
        self.busy = BusyBar(height=14)  # no end known: a moving bar
        self.busy.setMaximumWidth(90)
        self.status_label = QLabel()
        self.status_label.setContentsMargins(6, 0, 6, 0)
        self._busy_action = self.addWidget(self.busy)
        self.addWidget(self.status_label)
        self._busy_action.setVisible(False)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_started)
        self.set_workspace(None)

    def _button(self, text: str, pixmap: QStyle.StandardPixmap, action: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setIcon(self.style().standardIcon(pixmap))
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays the window's Play/Pause key
        button.clicked.connect(lambda: self.press(action))
        self.addWidget(button)
        return button

    # what the window tells the bar --------------------------------------------------------------------
    def set_workspace(self, workspace, speed: bool = False) -> None:
        """The workspace in the current tab (None: a tab without training, e.g. Compare runs); ``speed``:
        offer the speed box (the playground)."""
        self._workspace = workspace
        self._starting = False
        self._poll.stop()
        for action in self._speed_actions:
            action.setVisible(speed)
        self.set_state(workspace.state() if workspace is not None else RunState.IDLE)

    def connect_speed(self, panel) -> None:
        """Keep the bar's speed box and ``panel``'s (a TrainingPanel's) in step, both ways."""
        self.speed_combo.currentIndexChanged.connect(lambda i: panel.speed_combo.setCurrentIndex(i))
        panel.speed_combo.currentIndexChanged.connect(self._follow_speed)

    def _follow_speed(self, index: int) -> None:
        if self.speed_combo.currentIndex() != index:
            self.speed_combo.blockSignals(True)
            self.speed_combo.setCurrentIndex(index)
            self.speed_combo.blockSignals(False)

    def set_state(self, state: RunState | str) -> None:
        """The current workspace's state."""
        self._state = state = RunState(state)
        running = state is RunState.RUNNING
        ws = self._workspace
        for button in (self.play_button, self.step_button, self.stop_button, self.reset_button):
            button.setEnabled(ws is not None)
        if ws is not None:
            self.step_button.setEnabled(not running)
            self.stop_button.setEnabled(state.locked)
            self.reset_button.setEnabled(not running)
        if not running and self._starting and not self._run_pending():
            self._starting = False
        self._show()

    def press(self, action: str) -> None:
        """Play/Pause ("toggle"), "step", "stop" or "reset": from the bar's buttons, the Space key and the
        Train menu alike."""
        if self._workspace is None:
            return
        if action == "toggle" and self._starting:
            return  # a second press while the first is starting must not pause it
        if action in ("toggle", "step", "step_batch") and self._state is not RunState.RUNNING:
            self._starting = True
            self._since = _report_mark(self._workspace)
            self._poll.start()
        self._send(action)
        self._show()

    def is_starting(self) -> bool:
        return self._starting

    def busy_shown(self) -> bool:
        return self._busy_action.isVisible()

    def speed_shown(self) -> bool:
        return self._speed_actions[-1].isVisible()

    # showing -------------------------------------------------------------------------------------------
    def _run_pending(self) -> bool:
        session = getattr(self._workspace, "session", None)
        return session is not None and session.is_running()

    def _check_started(self) -> None:
        if not self._starting:
            self._poll.stop()
            return
        mark = _report_mark(self._workspace)
        started = mark is not None and mark != self._since and (self._since is None or mark > self._since)
        if started or not self._run_pending() and self._state is not RunState.RUNNING:
            self._starting = False
            self._poll.stop()
            self._show()

    def _show(self) -> None:
        starting = self._starting
        running = self._state is RunState.RUNNING and not starting
        pixmap = QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        self.play_button.setText("Starting…" if starting else "Pause" if running else "Play")
        self._busy_action.setVisible(starting)
        if starting:
            self.status_label.setText("Building and compiling the network: the first epoch comes in a moment.")
        elif self._workspace is None:
            self.status_label.setText("Compare runs: nothing to train here.")
        else:
            self.status_label.setText(_STATE_TEXTS.get(self._state, "Press Play (Space) to train."))
