"""The editor for one neuron of the network diagram: its bias and incoming weights, editable, and whether it
is frozen or switched off. It only sends the edit as an intent (``edit_requested``); the playground puts
it into the network between two training batches.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from ..crash import qt_override

LIMIT = 1000.0        # largest weight or bias the editor accepts
MAX_EDITABLE = 128    # more incoming weights than this are not offered one by one

_OFF_TIP = "The neuron's output is replaced by 0, so you can see what the network does without it."


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setToolTip(buddy.toolTip())
    label.setBuddy(buddy)
    return label


class NeuronEditor(QWidget):
    """One neuron's bias and incoming weights, editable, and whether it is frozen or switched off."""

    edit_requested = Signal(str, int, object, float, bool, bool)  # layer, unit, incoming, bias, frozen, off
    EMPTY_TITLE = "Click a neuron in the network diagram to see its weights here."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layer, self._unit = "", -1
        self._incoming = np.zeros(0, np.float32)
        self._bias, self._frozen, self._off = 0.0, False, False
        self._boxes: list[QDoubleSpinBox] = []
        self._title = QLabel(self.EMPTY_TITLE)
        self._title.setWordWrap(True)
        self._title.setToolTip("Which neuron you are looking at.")
        self._explain = QLabel("Its output is activation(bias + sum of weight × input). Change numbers and press "
                               "Apply; training goes on from the new values.")
        self._explain.setWordWrap(True)
        self._explain.setToolTip("How a neuron turns its inputs into its output.")
        self.bias_box = self._spin_box("The bias: added to the weighted sum before the activation function.")
        self._weights_form = QFormLayout()
        holder = QWidget()
        holder.setLayout(self._weights_form)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setWidget(holder)
        self._scroll.setToolTip("The weights on the links coming into this neuron, one per source.")
        self._many = QLabel("")
        self._many.setWordWrap(True)
        self._many.setToolTip("Neurons of the first layer of an image network get one weight per pixel.")
        self._many.hide()
        self._update_note = QLabel("")
        self._update_note.setToolTip("How much the last training step (one batch, or the epochs since the last "
                                     "picture) changed this neuron: backpropagation's work, made visible.")
        self._update_note.setStyleSheet("color: #1f5f8b;")
        self._update_note.hide()
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.error.setWordWrap(True)
        self.error.setToolTip("Very large weights make a network's outputs saturate, so the editor refuses them.")
        self.error.hide()
        self.freeze_box = QCheckBox("Freeze")
        self.freeze_box.setToolTip("Keep these values while training: training will not change this neuron's "
                                   "bias and incoming weights.")
        self.off_box = QCheckBox("Switch off (output 0)")
        self.off_box.setToolTip(_OFF_TIP)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("Put these values into the network (between two training batches).")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Go back to the values the neuron had when you clicked it.")
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.revert)
        form = QFormLayout()
        form.addRow(_label("bias", self.bias_box), self.bias_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        for widget in (self._title, self._explain):
            layout.addWidget(widget)
        layout.addLayout(form)
        incoming = QLabel("incoming weights:")
        incoming.setToolTip(self._scroll.toolTip())
        layout.addWidget(incoming)
        layout.addWidget(self._scroll, 1)
        for box in (self.freeze_box, self.off_box):  # as wide as its words: a click beside them does nothing
            box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        for widget in (self._many, self._update_note, self.error, self.freeze_box, self.off_box):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.bias_box.valueChanged.connect(self._check)
        self.setEnabled(False)

    def _spin_box(self, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(-1e9, 1e9)          # anything can be typed; too large values are refused visibly
        box.setDecimals(4)
        box.setSingleStep(0.1)
        box.setToolTip(tip + f" Allowed: −{LIMIT:g} to {LIMIT:g}.")
        return box

    def show_neuron(self, layer_name: str, unit: int, incoming: np.ndarray, bias: float, sources: list[str],
                    frozen: bool, off: bool, title: str | None = None, can_switch_off: bool = True) -> None:
        """Show a neuron's values. ``sources`` names where each incoming weight comes from; ``title`` is what
        the student reads (default: the Keras name and unit); output neurons cannot be switched off."""
        self._layer, self._unit = layer_name, int(unit)
        self._update_note.hide()
        self._incoming = np.array(incoming, dtype=np.float32).reshape(-1)
        self._bias, self._frozen, self._off = float(bias), bool(frozen), bool(off)
        self._title.setText(f"<b>{title or f'{layer_name}, neuron {unit + 1}'}</b>"
                            f"<br><small>Keras: layer {layer_name}, unit {unit}</small>")
        while self._weights_form.rowCount():
            self._weights_form.removeRow(0)
        self._boxes = []
        if len(self._incoming) <= MAX_EDITABLE:
            self._many.hide()
            names = list(sources)[:len(self._incoming)]
            names += [f"input {k + 1}" for k in range(len(names), len(self._incoming))]
            for name in names:
                box = self._spin_box(f"The weight on the link from {name}.")
                box.valueChanged.connect(self._check)
                self._weights_form.addRow(_label(f"from {name}", box), box)
                self._boxes.append(box)
        else:
            self._many.setText(f"This neuron has {len(self._incoming)} incoming weights, too many to type one by "
                               "one; you can still change its bias, freeze it or switch it off.")
            self._many.show()
        self.off_box.setEnabled(can_switch_off)
        self.off_box.setToolTip(_OFF_TIP if can_switch_off else
                                "An output neuron cannot be switched off; switch off a hidden neuron instead.")
        self.setEnabled(True)
        self.revert()

    def shown_neuron(self) -> tuple[str, int] | None:
        return (self._layer, self._unit) if self._unit >= 0 else None

    def clear(self) -> None:
        """Show no neuron (another network was loaded: the shown one's numbers belong to the old one, and
        Apply must not write them into the new one)."""
        self._layer, self._unit = "", -1
        self._incoming = np.zeros(0, np.float32)
        self._bias, self._frozen, self._off = 0.0, False, False
        while self._weights_form.rowCount():
            self._weights_form.removeRow(0)
        self._boxes, self._shown = [], []
        self._many.hide()
        self._update_note.hide()
        self._title.setText(self.EMPTY_TITLE)
        self.revert()
        self.setEnabled(False)

    def follow(self, incoming: np.ndarray, bias: float) -> bool:
        """Training moved this neuron: show the new values and the last update (backpropagation made
        visible), unless the user is typing new values. True when the view followed."""
        if self._unit < 0 or not self.isEnabled():
            return False
        typed = (self.bias_box.value() != self._shown_bias
                 or any(box.value() != shown for box, shown in zip(self._boxes, self._shown)))
        if typed:
            return False
        incoming = np.array(incoming, dtype=np.float32).reshape(-1)
        if incoming.shape != self._incoming.shape:
            return False
        step = incoming - self._incoming
        bias_step = float(bias) - self._bias
        if np.any(step) or bias_step:
            largest = int(np.argmax(np.abs(step))) if len(step) else 0
            self._update_note.setText(
                f"Last update: bias {bias_step:+.5f}"
                + (f"; largest weight change {step[largest]:+.5f} (weight {largest + 1})" if len(step) else ""))
            self._update_note.show()
        self._incoming, self._bias = incoming, float(bias)
        self.revert()
        return True

    def revert(self) -> None:
        """Show the values the neuron had when it was shown."""
        for box, value in zip([self.bias_box, *self._boxes], [self._bias, *self._incoming]):
            box.blockSignals(True)
            box.setValue(float(value))
            box.blockSignals(False)
        self.freeze_box.setChecked(self._frozen)
        self.off_box.setChecked(self._off)
        self._shown = [box.value() for box in self._boxes]
        self._shown_bias = self.bias_box.value()
        self._check()

    def _check(self) -> bool:
        bad = 0
        for box in [self.bias_box, *self._boxes]:
            wrong = abs(box.value()) > LIMIT
            bad += wrong
            if wrong != bool(box.styleSheet()):
                box.setStyleSheet("background: #f8d0cc;" if wrong else "")
        self.error.setVisible(bool(bad))
        self.error.setText(f"Weights and the bias must be between −{LIMIT:g} and {LIMIT:g}; "
                           f"{bad} value{'s are' if bad > 1 else ' is'} outside. Change {'them' if bad > 1 else 'it'} "
                           "to apply." if bad else "")
        self.apply_button.setEnabled(not bad and self._unit >= 0)
        return not bad

    def apply(self) -> None:
        """Ask for the shown values to be put into the network (only values that were changed are sent
        as typed; untouched ones keep their full precision)."""
        if self._unit < 0 or not self._check():
            return
        incoming = self._incoming.copy()
        for i, (box, shown) in enumerate(zip(self._boxes, self._shown)):
            if box.value() != shown:
                incoming[i] = box.value()
        bias = self.bias_box.value() if self.bias_box.value() != self._shown_bias else self._bias
        frozen, off = self.freeze_box.isChecked(), self.off_box.isChecked()
        # what was applied is now the neuron's state: the next picture of training must not show the old one
        self._incoming, self._bias, self._frozen, self._off = incoming, float(bias), frozen, off
        self.revert()
        self.edit_requested.emit(self._layer, self._unit, incoming.copy(), float(bias), frozen, off)

    @qt_override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.apply_button.isEnabled():
            self.apply()
            return
        super().keyPressEvent(event)

    def weight_boxes(self) -> list[QDoubleSpinBox]:
        return list(self._boxes)
