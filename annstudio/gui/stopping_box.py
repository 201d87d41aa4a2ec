"""The training panel's two folding groups: "Stopping" (validation split, early stopping, target loss) and
"Learning rate schedule". They only show and collect settings (the rules live in core/stopping.py and
core/schedules.py); the panel builds the TrainSpec from :meth:`values`."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QToolButton,
                               QVBoxLayout, QWidget)

from annstudio.core import schedules
from annstudio.core.stopping import MONITORS

#: Every TrainSpec field these groups set.
RULE_FIELDS = ("validation_split", "early_stopping", "monitor", "patience", "restore_best", "target_loss", "schedule",
               "schedule_every", "schedule_factor", "schedule_length", "schedule_floor", "schedule_warmup")
NOTE_STYLE = "color: #8a4b00;"


class _Folding(QWidget):
    """A titled group whose contents fold away under a small arrow (closed by default: most runs need none)."""

    changed = Signal()

    def __init__(self, title: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QToolButton(text=title, checkable=True, checked=False)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.RightArrow)
        self.header.setAutoRaise(True)
        self.header.setToolTip(tip)
        self.header.toggled.connect(self.set_open)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(12, 0, 0, 0)
        self.body.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)

    def set_open(self, on: bool) -> None:
        if self.header.isChecked() != on:
            self.header.setChecked(on)  # comes back through toggled
            return
        self.header.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)

    def is_open(self) -> bool:
        return self.header.isChecked()

    def _emit(self, *_args) -> None:
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        """Enable and explain what goes with what (subclasses)."""


class StoppingBox(_Folding):
    """Validation split, early stopping (watching what, patience, keep the best weights), target loss."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Stopping", "When a run ends by itself: a validation set to watch, early stopping, a target "
                         "loss. (The epoch budget is the Epochs field above.)", parent)
        self.split_spin = QDoubleSpinBox(minimum=0.0, maximum=0.9, singleStep=0.05, decimals=2, value=0.0,
                                         keyboardTracking=False)
        self.split_spin.setSpecialValueText("off")
        self.split_spin.setToolTip("Hold out this fraction of the training points as a validation set: they are not "
                                   "trained on, and their loss (val_loss) is measured after every epoch. As Keras' "
                                   "validation_split, the LAST points of the data are taken, unshuffled; the data plot "
                                   "draws them hollow. Fixed for a run: Reset to change it.")
        self.early_check = QCheckBox("Early stopping")
        self.early_check.setToolTip("Stop when the watched number has not improved for 'patience' epochs in a row "
                                    "(Keras' EarlyStopping). Play goes on from there.")
        self.monitor_combo = QComboBox()
        for key, (words, _) in MONITORS.items():
            self.monitor_combo.addItem(words, key)
        self.monitor_combo.setToolTip("What early stopping watches: the validation loss is the usual choice (it "
                                      "rises when the network starts learning the noise).")
        self.patience_spin = QSpinBox(minimum=1, maximum=100_000, value=10, keyboardTracking=False)
        self.patience_spin.setToolTip("How many epochs in a row without a new best early stopping waits before it "
                                      "stops (at least 1).")
        self.restore_check = QCheckBox("Keep the best epoch's weights", checked=True)
        self.restore_check.setToolTip("When the run ends, put back the weights of the best epoch (Keras' "
                                      "restore_best_weights), not the last epoch's.")
        self.target_check = QCheckBox("Stop at a training loss of")
        self.target_spin = QDoubleSpinBox(minimum=0.0001, maximum=1000.0, decimals=4, singleStep=0.01, value=0.1,
                                          keyboardTracking=False)
        self.target_spin.setToolTip("Stop as soon as an epoch's training loss is at or below this number (above 0: "
                                    "a loss is never negative). Play goes on from there.")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setVisible(False)
        self.form.addRow("Validation split", self.split_spin)
        self.form.addRow(self.early_check)
        self.form.addRow("Watch", self.monitor_combo)
        self.form.addRow("Patience (epochs)", self.patience_spin)
        self.form.addRow(self.restore_check)
        self.form.addRow(self.target_check, self.target_spin)
        self.form.addRow(self.note)
        for signal in (self.split_spin.valueChanged, self.early_check.toggled, self.monitor_combo.currentIndexChanged,
                       self.patience_spin.valueChanged, self.restore_check.toggled, self.target_check.toggled,
                       self.target_spin.valueChanged):
            signal.connect(self._emit)
        self._update()

    def values(self) -> dict:
        """The TrainSpec fields as shown (early stopping on a validation number without a split is left off,
        and the note says why)."""
        split = round(self.split_spin.value(), 4)
        monitor = self.monitor_combo.currentData()
        early = self.early_check.isChecked() and not (monitor.startswith("val_") and not split)
        return {"validation_split": split, "early_stopping": early, "monitor": monitor,
                "patience": self.patience_spin.value(), "restore_best": self.restore_check.isChecked(),
                "target_loss": round(self.target_spin.value(), 6) if self.target_check.isChecked() else None}

    def show_values(self, spec) -> None:
        widgets = (self.split_spin, self.early_check, self.monitor_combo, self.patience_spin, self.restore_check,
                   self.target_check, self.target_spin)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.split_spin.setValue(spec.validation_split)
            self.early_check.setChecked(spec.early_stopping)
            self.monitor_combo.setCurrentIndex(max(0, self.monitor_combo.findData(spec.monitor)))
            self.patience_spin.setValue(spec.patience)
            self.restore_check.setChecked(spec.restore_best)
            self.target_check.setChecked(spec.target_loss is not None)
            if spec.target_loss is not None:
                self.target_spin.setValue(spec.target_loss)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._update()
        if spec.validation_split or spec.early_stopping or spec.target_loss is not None:
            self.set_open(True)

    def set_split_fixed(self, fixed: bool) -> None:
        """The split changes the data trained on: fixed while a run exists (Reset frees it)."""
        self.split_spin.setEnabled(not fixed)

    def _update(self) -> None:
        early = self.early_check.isChecked()
        for widget in (self.monitor_combo, self.patience_spin, self.restore_check):
            widget.setEnabled(early)
        self.target_spin.setEnabled(self.target_check.isChecked())
        monitor = self.monitor_combo.currentData()
        missing = early and monitor.startswith("val_") and not self.split_spin.value()
        self.note.setText(f"Early stopping on the {MONITORS[monitor][0]} needs a validation split above 0: it is "
                          "off until you set one." if missing else "")
        self.note.setVisible(missing)


class ScheduleBox(_Folding):
    """Constant, step decay, exponential or cosine (with a warm-up), and the rate in use now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Learning rate schedule", "How the learning rate changes from epoch to epoch, starting at "
                         "the rate above; drawn under the loss curves. Changes take effect at the next epoch, also "
                         "while paused.", parent)
        self.kind_combo = QComboBox()
        for key in schedules.SCHEDULES:
            self.kind_combo.addItem(schedules.SCHEDULE_WORDS[key], key)
        self.kind_combo.setToolTip("constant: the same rate every epoch. step decay: multiplied by the factor every "
                                   "few epochs. exponential: a little smaller every epoch. cosine: down along half a "
                                   "cosine to the lowest rate, optionally after a warm-up that climbs to the rate.")
        self.factor_spin = QDoubleSpinBox(minimum=0.01, maximum=1.0, singleStep=0.05, decimals=3, value=0.5,
                                          keyboardTracking=False)
        self.factor_spin.setToolTip("What the rate is multiplied by every 'every' epochs (above 0, at most 1).")
        self.every_spin = QSpinBox(minimum=1, maximum=1_000_000, value=10, keyboardTracking=False)
        self.every_spin.setToolTip("Every how many epochs the factor applies once.")
        self.length_spin = QSpinBox(minimum=1, maximum=1_000_000, value=100, keyboardTracking=False)
        self.length_spin.setToolTip("Over how many epochs the cosine goes down to its lowest rate.")
        self.floor_spin = QDoubleSpinBox(minimum=0.001, maximum=1.0, singleStep=0.01, decimals=3, value=0.01,
                                         keyboardTracking=False)
        self.floor_spin.setToolTip("The lowest rate, as a fraction of the rate (above 0: a rate of 0 learns nothing).")
        self.warmup_spin = QSpinBox(minimum=0, maximum=1_000_000, value=0, keyboardTracking=False)
        self.warmup_spin.setSpecialValueText("none")
        self.warmup_spin.setToolTip("Epochs in which the rate first climbs from a tenth of the rate to the rate.")
        self.now_label = QLabel("–")
        self.now_label.setToolTip("The learning rate the optimizer uses in this epoch.")
        self.form.addRow("Schedule", self.kind_combo)
        self.form.addRow("Factor", self.factor_spin)
        self.form.addRow("Every (epochs)", self.every_spin)
        self.form.addRow("Length (epochs)", self.length_spin)
        self.form.addRow("Lowest rate (×)", self.floor_spin)
        self.form.addRow("Warm-up (epochs)", self.warmup_spin)
        self.form.addRow("Rate now", self.now_label)
        for signal in (self.kind_combo.currentIndexChanged, self.factor_spin.valueChanged, self.every_spin.valueChanged,
                       self.length_spin.valueChanged, self.floor_spin.valueChanged, self.warmup_spin.valueChanged):
            signal.connect(self._emit)
        self._update()

    def values(self) -> dict:
        return {"schedule": self.kind_combo.currentData(), "schedule_every": self.every_spin.value(),
                "schedule_factor": round(self.factor_spin.value(), 6), "schedule_length": self.length_spin.value(),
                "schedule_floor": round(self.floor_spin.value(), 6), "schedule_warmup": self.warmup_spin.value()}

    def show_values(self, spec) -> None:
        widgets = (self.kind_combo, self.factor_spin, self.every_spin, self.length_spin, self.floor_spin,
                   self.warmup_spin)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(spec.schedule)))
            self.factor_spin.setValue(min(spec.schedule_factor, 1.0))
            self.every_spin.setValue(spec.schedule_every)
            self.length_spin.setValue(spec.schedule_length)
            self.floor_spin.setValue(spec.schedule_floor)
            self.warmup_spin.setValue(spec.schedule_warmup)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._update()
        if spec.schedule != "constant":
            self.set_open(True)

    def set_current_rate(self, rate: float | None) -> None:
        self.now_label.setText("–" if rate is None else f"{rate:.4g}")

    def _update(self) -> None:
        kind = self.kind_combo.currentData()
        shown = {"factor": kind in ("step", "exponential"), "every": kind in ("step", "exponential"),
                 "length": kind == "cosine", "floor": kind == "cosine", "warmup": kind == "cosine"}
        for name, on in shown.items():
            spin = getattr(self, f"{name}_spin")
            spin.setVisible(on)
            self.form.labelForField(spin).setVisible(on)
