"""The training panel: optimizer settings and the Play/Pause, Step, Stop and Reset controls.

It only says what the student wants (signals); the window runs the training and tells the panel the
state it is in (:meth:`TrainingPanel.set_state`). Learning rate and batch size are sent the moment they
change, because they take effect while training runs.
"""
from __future__ import annotations

import math
import random

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QLabel,
                               QPushButton, QSpinBox, QStyle, QVBoxLayout, QWidget)

from annstudio.core.control import RunState
from annstudio.core.spec import LOSSES, TrainSpec, suited_optimizer

from .busy import BusyBar
from .stopping_box import RULE_FIELDS, ScheduleBox, StoppingBox

OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "perceptron": "Perceptron rule"}
TYPICAL_RATES = ("0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3")
MIN_RATE, MAX_RATE = 1e-5, 100.0  # 100 makes training diverge: a lesson worth seeing
MAX_BATCH, MAX_EPOCHS, MAX_SEED = 100_000, 1_000_000, 2**31 - 1
STATES = tuple(RunState)
#: What the speed box offers: (words, epochs a second or None for as fast as it goes).
SPEEDS = (("Full speed", None), ("1000 epochs a second", 1000.0), ("100 epochs a second", 100.0),
          ("10 epochs a second", 10.0), ("1 epoch a second", 1.0))
LOSS_WORDS = {"binary_crossentropy": "binary cross-entropy",
              "sparse_categorical_crossentropy": "categorical cross-entropy", "mse": "mean squared error"}
ERROR_STYLE = "color: #c62828;"


def parse_rate(text: str) -> float | None:
    """A learning rate typed by a student ("0.01", "1e-3", "0,01"), or None if it is not one we accept."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(value) or not MIN_RATE <= value <= MAX_RATE:
        return None
    return value


class TrainingPanel(QWidget):
    """Optimizer, learning rate, batch size, epochs, seed; Play/Pause, Step, Stop, Reset."""

    play_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal()
    stop_requested = Signal()
    reset_requested = Signal(bool)
    learning_rate_changed = Signal(float)
    batch_size_changed = Signal(int)
    speed_changed = Signal(object)  # epochs a second, or None: as fast as it goes
    setup_changed = Signal()        # optimizer, seed or shuffling: what fixes a run's starting point
    rules_changed = Signal()        # stopping rules or the rate schedule: taken at the next epoch, even mid-run

    def __init__(self, parent: QWidget | None = None, speed: bool = True) -> None:
        """``speed``: offer the speed box (small networks train thousands of epochs a second)."""
        super().__init__(parent)
        self._offer_speed = speed
        self._rate = 0.01
        self._state = RunState.IDLE
        self._starting = False
        self._error = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        controls = self._make_controls_box()
        layout.addWidget(controls)
        layout.addWidget(self._make_settings_box())
        self.stopping_box = StoppingBox()
        self.schedule_box = ScheduleBox()
        for box in (self.stopping_box, self.schedule_box):
            box.changed.connect(self._on_rules_edited)
            layout.addWidget(box)
        layout.addStretch(1)
        self.set_state(RunState.IDLE)

    # --- construction -------------------------------------------------------------------------------

    def _make_settings_box(self) -> QGroupBox:
        box = QGroupBox("Training settings")
        form = QFormLayout(box)
        self.optimizer_combo = QComboBox()
        for key, name in OPTIMIZER_NAMES.items():
            self.optimizer_combo.addItem(name, key)
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData("adam"))
        self.optimizer_combo.setToolTip("How the weights are changed after each batch. SGD: a plain step "
                                        "down the slope of the loss. Adam and RMSprop adapt the step size "
                                        "of every weight by themselves and usually learn faster. Perceptron "
                                        "rule: only for one step neuron; it moves the line toward each "
                                        "point it gets wrong.")
        self.rate_combo = QComboBox(editable=True)
        self.rate_combo.addItems(TYPICAL_RATES)
        self.rate_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.rate_combo.setCompleter(None)  # typing "0" must not silently become 0.001
        self.rate_combo.setCurrentText("0.01")
        self.rate_combo.setToolTip("How big a step the optimizer takes each batch. Too big and the loss "
                                   "jumps around or explodes; too small and learning is slow. Pick a value "
                                   "or type one from 0.00001 to 100; it takes effect at once, even while "
                                   "training.")
        self.rate_combo.lineEdit().editingFinished.connect(self._on_rate_typed)
        self.rate_combo.textActivated.connect(self._on_rate_typed)
        self.batch_spin = QSpinBox(minimum=1, maximum=MAX_BATCH, value=32, keyboardTracking=False)
        self.batch_spin.setToolTip("How many points the network looks at before each weight update. Small "
                                   "batches: many quick, noisy steps. Large batches: fewer, smoother steps. "
                                   "Takes effect at once, even while training.")
        self.batch_spin.valueChanged.connect(self.batch_size_changed)
        self.epochs_spin = QSpinBox(minimum=1, maximum=MAX_EPOCHS, value=100, keyboardTracking=False)
        self.epochs_spin.setToolTip("How many times training goes through all the training points. "
                                    "Play stops by itself after this many epochs.")
        self.seed_spin = QSpinBox(minimum=0, maximum=MAX_SEED, keyboardTracking=False)
        self.seed_spin.setToolTip("The number that fixes the random starting weights and the order of the "
                                  "points: the same seed trains the same way every time.")
        self.optimizer_combo.currentIndexChanged.connect(lambda _: self.setup_changed.emit())
        self.seed_spin.valueChanged.connect(lambda _: self.setup_changed.emit())
        self.shuffle_check = QCheckBox("Shuffle the points every epoch", checked=True)
        self.shuffle_check.setToolTip("Mix the training points into a new order before each epoch, so the "
                                      "batches differ. Usually helps; turn off to follow the lecture's "
                                      "computation step by step.")
        self.shuffle_check.toggled.connect(lambda _: self.setup_changed.emit())
        self.loss_label = QLabel()
        self.loss_label.setWordWrap(True)
        self.loss_label.setToolTip("What training makes small. It follows from the data: cross-entropy for "
                                   "classes, mean squared error for numbers.")
        form.addRow("Optimizer", self.optimizer_combo)
        form.addRow("Learning rate", self.rate_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Epochs", self.epochs_spin)
        self.speed_combo = QComboBox()
        for words, value in SPEEDS:
            self.speed_combo.addItem(words, value)
        self.speed_combo.setToolTip("How fast training runs. A small network learns thousands of epochs a "
                                    "second; slow it down to watch the decision boundary move epoch by epoch. "
                                    "The results are the same at every speed. Takes effect at once "
                                    "([ slower, ] faster).")
        self.speed_combo.currentIndexChanged.connect(lambda _: self.speed_changed.emit(self.speed()))
        if self._offer_speed:
            form.addRow("Speed", self.speed_combo)
        else:
            self.speed_combo.setVisible(False)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.shuffle_check)
        form.addRow("Loss", self.loss_label)
        self.fixed_note = QLabel("Optimizer, seed, shuffling and the validation split are fixed for this run: Reset to "
                                 "change them.")
        self.fixed_note.setWordWrap(True)
        self.fixed_note.setStyleSheet("color: #666;")
        self.fixed_note.setVisible(False)
        form.addRow(self.fixed_note)
        self._start_tips = {w: w.toolTip() for w in (self.optimizer_combo, self.seed_spin, self.shuffle_check)}
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        form.addRow(self.message)
        self.set_loss("binary_crossentropy")
        return box

    def _make_controls_box(self) -> QGroupBox:
        box = QGroupBox("Train")
        self.controls_box = box
        grid = QGridLayout(box)
        icon = self.style().standardIcon
        self.play_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPlay), "Play")
        self.play_button.clicked.connect(self._on_play_pause)
        self.step_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaSkipForward), "Step")
        self.step_button.setToolTip("Train for exactly one epoch, then stop and look.")
        self.step_button.clicked.connect(self.step_requested)
        self.stop_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaStop), "Stop")
        self.stop_button.setToolTip("End this training run. The network keeps what it has learned so far.")
        self.stop_button.clicked.connect(self.stop_requested)
        self.reset_button = QPushButton(icon(QStyle.StandardPixmap.SP_BrowserReload), "Reset")
        self.reset_button.setToolTip("Forget what was learned: start again from fresh weights at epoch 0.")
        self.reset_button.clicked.connect(self._on_reset)
        self.keep_weights_check = QCheckBox("Reset keeps the same starting weights", checked=True)
        self.keep_weights_check.setToolTip("Checked: Reset starts from exactly the same random weights, so you "
                                           "can compare runs fairly. Unchecked: Reset picks a new seed and "
                                           "new random weights.")
        grid.addWidget(self.play_button, 0, 0)
        grid.addWidget(self.step_button, 0, 1)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1)
        grid.addWidget(self.keep_weights_check, 2, 0, 1, 2)
        self.busy = BusyBar(height=8)  # no known end: the bar moves to say "working"
        self.busy.setToolTip("Training is starting: it begins by itself in a moment.")
        self.busy.setVisible(False)
        grid.addWidget(self.busy, 3, 0, 1, 2)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setToolTip("Where training stands.")
        grid.addWidget(self.status_label, 4, 0, 1, 2)
        return box

    # --- public API ---------------------------------------------------------------------------------

    def train_spec(self, loss: str) -> TrainSpec:
        """The training settings as shown, with the loss the data call for."""
        spec = TrainSpec(optimizer=self.optimizer_combo.currentData(), learning_rate=self._rate,
                         batch_size=self.batch_spin.value(), epochs=self.epochs_spin.value(), loss=loss,
                         seed=self.seed_spin.value(), shuffle=self.shuffle_check.isChecked(),
                         **self.stopping_box.values(), **self.schedule_box.values())
        self.set_loss(loss)
        if spec.problems():  # a rule the boxes allow but the settings refuse (early stopping without a split…)
            self._show_error("Not used: " + "; ".join(spec.problems()) + ".")
            spec = replace(spec, **{name: getattr(TrainSpec(), name) for name in RULE_FIELDS})
        return spec.validate()

    def set_train(self, spec: TrainSpec) -> bool:
        """Show a preset's or a workspace's training settings. A value beyond what the panel offers is not
        taken (the panel keeps its own and says so in red); the others are. False when one was refused."""
        problems = spec.problems()
        if problems:
            self._show_error("These training settings cannot be used: " + "; ".join(problems) + ".")
            return False
        refused = []
        if not MIN_RATE <= spec.learning_rate <= MAX_RATE:
            refused.append(f"the learning rate {spec.learning_rate:g} (it must be from {MIN_RATE:g} to {MAX_RATE:g}; "
                           f"still {self._rate:g})")
        if spec.batch_size > MAX_BATCH:
            refused.append(f"the batch size {spec.batch_size} (at most {MAX_BATCH}; still {self.batch_spin.value()})")
        if spec.epochs > MAX_EPOCHS:
            refused.append(f"{spec.epochs} epochs (at most {MAX_EPOCHS}; still {self.epochs_spin.value()})")
        widgets = (self.optimizer_combo, self.rate_combo, self.batch_spin, self.epochs_spin, self.seed_spin,
                   self.shuffle_check)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(spec.optimizer))
        if MIN_RATE <= spec.learning_rate <= MAX_RATE:
            self._rate = float(spec.learning_rate)
        self.rate_combo.setCurrentText(f"{self._rate:g}")
        if spec.batch_size <= MAX_BATCH:
            self.batch_spin.setValue(spec.batch_size)
        if spec.epochs <= MAX_EPOCHS:
            self.epochs_spin.setValue(spec.epochs)
        self.seed_spin.setValue(spec.seed)
        self.shuffle_check.setChecked(spec.shuffle)
        self.stopping_box.show_values(spec)
        self.schedule_box.show_values(spec)
        del blockers
        self.rules_changed.emit()  # the data plot's validation points, the schedule's curve
        self.set_loss(spec.loss)
        if refused:
            self._show_error("Not taken: " + "; ".join(refused) + ". The other settings were.")
            return False
        self._clear_error()
        return True

    def follow_network(self, network) -> None:
        """A step neuron is trained by the perceptron rule and nothing else, any other network by gradients:
        show the optimizer that can train ``network`` (the rule is core.spec.suited_optimizer)."""
        wanted = suited_optimizer(network, self.optimizer_combo.currentData())
        if wanted != self.optimizer_combo.currentData():
            with QSignalBlocker(self.optimizer_combo):
                self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(wanted))

    def set_loss(self, loss: str) -> None:
        """Show the loss the data call for (the builder knows it)."""
        if loss in LOSSES:
            self.loss_label.setText(LOSS_WORDS[loss])

    def learning_rate(self) -> float:
        return self._rate

    def speed(self) -> float | None:
        """Epochs a second at most, or None (as fast as it goes); always None without the speed box."""
        return self.speed_combo.currentData() if self._offer_speed else None

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Pick the offered speed nearest ``epochs_per_second`` (None: full speed)."""
        if not (isinstance(epochs_per_second, (int, float)) and math.isfinite(epochs_per_second)
                and epochs_per_second > 0):
            index = 0
        else:
            index = min(range(1, len(SPEEDS)), key=lambda i: abs(math.log(SPEEDS[i][1] / epochs_per_second)))
        self.speed_combo.setCurrentIndex(index)

    def change_speed(self, steps: int) -> None:
        """``steps`` > 0 faster, < 0 slower, through the offered speeds."""
        index = min(max(self.speed_combo.currentIndex() - steps, 0), self.speed_combo.count() - 1)
        self.speed_combo.setCurrentIndex(index)

    def set_state(self, state: RunState | str) -> None:
        """Enable what makes sense: "idle" (nothing trained), "running", "paused" or "finished"."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}")
        self._state = state = RunState(state)
        running = state is RunState.RUNNING
        icon = QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Starting…" if self._starting else "Pause" if running else "Play")
        self.play_button.setToolTip("Pause training; Play goes on from here." if running else
                                    "Train, epoch after epoch, and watch the network learn. "
                                    "Pause at any moment.")
        self.step_button.setEnabled(not running)
        self.stop_button.setEnabled(state.locked)
        self.reset_button.setEnabled(not running)
        # What fixes the starting point (optimizer, seed) waits for Reset; rate and batch size change live.
        fixed = state is not RunState.IDLE
        for widget, tip in self._start_tips.items():
            widget.setEnabled(not fixed)
            widget.setToolTip(f"{tip}\n\nFixed for this run: press Reset to change it." if fixed else tip)
        self.fixed_note.setVisible(fixed)
        self.epochs_spin.setEnabled(not running)
        self.stopping_box.set_split_fixed(fixed)

    def state(self) -> RunState:
        return self._state

    STARTING_TEXT = "Starting… the first epoch is on its way (the first time, TensorFlow loads: a few seconds)."

    def set_starting(self, starting: bool) -> None:
        """Say that Play (or Step) was pressed and training begins by itself as soon as it can: a moving bar
        and "Starting…" on the button, so that nobody presses again (which would pause it)."""
        if starting == self._starting:
            return
        self._starting = starting
        own = not self.play_button.isHidden()  # else the window's run tool bar shows it, once is enough
        self.busy.setVisible(starting and own)
        if starting and own:
            self.status_label.setText(self.STARTING_TEXT)
        elif self.status_label.text() == self.STARTING_TEXT:
            self.status_label.setText("")
        self.set_state(self._state)

    def is_starting(self) -> bool:
        return self._starting

    def show_run_buttons(self, on: bool) -> None:
        """Show or hide Play, Step, Stop and Reset (the window's tool bar has them; the panel keeps its status
        line and the Reset option)."""
        for button in (self.play_button, self.step_button, self.stop_button, self.reset_button):
            button.setVisible(on)
        self.controls_box.setTitle("Train" if on else "Run")

    def set_current_rate(self, rate: float | None) -> None:
        """The learning rate training uses now (the schedule's, at this epoch)."""
        self.schedule_box.set_current_rate(rate)

    def _on_rules_edited(self) -> None:
        self._clear_error()
        self.rules_changed.emit()

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def last_error(self) -> str:
        return self._error

    # --- reactions ----------------------------------------------------------------------------------

    def _on_play_pause(self) -> None:
        if self._state is RunState.RUNNING:
            self.pause_requested.emit()
        else:
            self.play_requested.emit()

    def _on_reset(self) -> None:
        keep = self.keep_weights_check.isChecked()
        if not keep:
            self.seed_spin.setValue(random.randrange(MAX_SEED + 1))
        self.reset_requested.emit(keep)

    def _on_rate_typed(self, text: str | None = None) -> None:
        text = self.rate_combo.currentText() if text is None else text
        value = parse_rate(text)
        if value is None:
            self._show_error(f"“{text.strip()}” is not a learning rate: type a number from 0.00001 to 100, "
                             f"for example 0.01. Still using {self._rate:g}.")
            self.rate_combo.lineEdit().setStyleSheet("background: #ffebee;")
            return
        self._clear_error()
        self.rate_combo.lineEdit().setStyleSheet("")
        if value != self._rate:
            self._rate = value
            self.learning_rate_changed.emit(value)

    def _show_error(self, text: str) -> None:
        self._error = text
        self.message.setText(text)
        self.message.setVisible(True)

    def _clear_error(self) -> None:
        self._error = ""
        self.message.setVisible(False)
