"""The network builder: hidden layers edited by point and click between an input and an output layer
that follow from the data.

The panel only describes a network (:class:`~annstudio.core.spec.NetworkSpec`); building it is the core's
job. Every spec it hands out passes ``validate()``: the controls cannot hold a value that would not.
The rules for one layer (a new one, its limits, its words, the parameter count) are in builder_layers.py.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QMenu, QPushButton, QSizePolicy, QSpinBox, QStyle,
                               QToolButton, QVBoxLayout, QWidget)

from annstudio.core.output_rules import OutputAdvice, check_output
from annstudio.core.spec import (ACTIVATIONS, INITIALIZERS, STEP_ONLY_PERCEPTRON, LayerSpec, NetworkSpec, dense,
                                 flatten)
from annstudio.gui.activation_curve import ActivationCurve
from annstudio.gui.builder_layers import (KIND_NAMES, MAX_RATE, MAX_UNITS, canonical, count_parameters,
                                          default_layer, layer_text)
from annstudio.gui.dataset_panel import FEATURE_TEXT

TASKS = ("binary", "multiclass", "regression")
LOSS_FOR_TASK = {"binary": "binary_crossentropy", "multiclass": "sparse_categorical_crossentropy",
                 "regression": "mse"}
OUTPUT_ACTIVATION = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
LOSS_WORDS = {"binary_crossentropy": "binary cross-entropy", "mse": "mean squared error",
              "sparse_categorical_crossentropy": "categorical cross-entropy"}
KIND_TIP = ("What the layer does. Dense: neurons that each weigh all their inputs and add a bias. "
            "Dropout: switches off a share of the values at random while training, against overfitting. "
            "Batch normalization: rescales the values of each batch to mean 0 and spread 1. "
            "Activation: applies a function to every value.")
ACTIVATION_TIP = ("The function applied to each neuron's weighted sum. relu: max(0, z). sigmoid: squashes to "
                  "0…1. tanh: squashes to −1…1. linear: leaves it as it is. softmax: turns the values into "
                  "probabilities that add up to 1. leaky_relu: like relu, but 0.2·z below 0. elu: like relu, "
                  "but a smooth e^z − 1 below 0. gelu and swish: smooth versions of relu. softplus: log(1 + e^z), "
                  "a smooth relu. sine: sin(z). step: 1 where the sum is above 0, else 0 (the "
                  "perceptron's; only for a network of one output neuron, trained by the perceptron rule). The curve "
                  "below shows the function and its derivative.")
STEP_HIDDEN_TIP = ("Not here: " + STEP_ONLY_PERCEPTRON + ". Remove the hidden layers and choose step for the "
                   "output neuron instead.")
#: The initializers as the builder lists them.
INITIALIZER_NAMES = {"glorot_uniform": "Glorot uniform (Keras' default)", "he_normal": "He normal",
                     "normal": "normal(0, 0.1) (the lecture's)", "zeros": "zeros", "constant": "constant"}
INITIALIZER_TIP = ("How the layer's weights start before training (the biases always start at 0). Glorot "
                   "uniform: small random numbers scaled to the layer's size (Keras' default). He normal: random, "
                   "scaled for relu. normal(0, 0.1): random with spread 0.1, as in the lecture. zeros or a "
                   "constant: every weight the same, so every neuron of the layer computes the same thing and "
                   "gets the same update: they stay identical (the symmetry problem).")
WARNING_STYLE = "color: #b35900;"
ERROR_STYLE = "color: #c62828;"


def _offer_step(combo: QComboBox, allowed: bool, why: str) -> None:
    """Enable the combo's "step" item only where a step can be trained; its tool tip says why not."""
    index = combo.findText("step")
    item = combo.model().item(index) if index >= 0 else None
    if item is not None:
        item.setEnabled(allowed)
        item.setToolTip("The perceptron's step: 1 or 0. Trained by the perceptron rule." if allowed else why)


class _LayerRow(QWidget):
    """One line of the layer list: what the layer is, and − / + neuron buttons for a Dense layer."""

    def __init__(self, layer: LayerSpec, on_step: Callable[["_LayerRow", int], None]) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 1, 2, 1)
        self.label = QLabel(layer_text(layer))
        self.label.setMinimumWidth(40)  # a long line is cut at the list's edge (its tool tip has it all)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.label, 1)
        self.minus = self.plus = None
        if layer.kind == "dense":
            self.minus = QToolButton(text="−", toolTip="One neuron fewer in this layer.")
            self.plus = QToolButton(text="+", toolTip="One neuron more in this layer.")
            for button, step in ((self.minus, -1), (self.plus, 1)):
                button.setAutoRaise(True)
                button.setFixedWidth(24)
                button.clicked.connect(lambda _=False, step=step: on_step(self, step))
                row.addWidget(button)

    def update_layer(self, layer: LayerSpec) -> None:
        self.label.setText(layer_text(layer))
        self.label.setToolTip(layer_text(layer))
        if self.minus is not None:
            self.minus.setEnabled(layer.units > 1)
            self.plus.setEnabled(layer.units < MAX_UNITS)


class BuilderPanel(QWidget):
    """Input layer, editable hidden layers and output layer of a network, with a one-line summary."""

    network_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._input_shape: tuple[int, ...] = (2,)
        self._features: tuple[str, ...] = ("x1", "x2")
        self._task = "binary"
        self._classes = 2
        self._hidden: list[LayerSpec] = [dense(4, "relu")]
        self._output = dense(1, "sigmoid")
        self._locked = False
        self._error = ""
        self._last: NetworkSpec | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.input_label = QLabel()
        self.input_label.setStyleSheet("font-weight: bold;")
        self.input_label.setToolTip("The input layer: one value per input feature (chosen in the data panel).")
        layout.addWidget(self.input_label)
        layout.addWidget(self._make_hidden_box())
        layout.addWidget(self._make_editor_box())
        layout.addWidget(self._make_output_box())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setToolTip("The whole network in one line, and how many numbers (weights and biases) "
                                "training adjusts.")
        layout.addWidget(self.summary)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._rebuild_list(0)
        self._changed()

    # --- construction -------------------------------------------------------------------------------

    def _make_hidden_box(self) -> QGroupBox:
        box = QGroupBox("Hidden layers")
        column = QVBoxLayout(box)
        self.layer_list = QListWidget()
        self.layer_list.setToolTip("The hidden layers, from the input (top) to the output (bottom). "
                                   "Click one to change it.")
        self.layer_list.setMinimumHeight(110)
        self.layer_list.currentRowChanged.connect(self._on_selection)
        column.addWidget(self.layer_list)
        buttons = QHBoxLayout()
        style = self.style()
        self.add_button = QToolButton(text="Add layer")
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.add_button.setToolTip("Add a hidden layer below the selected one: a Dense layer of 4 ReLU "
                                   "neurons. The arrow offers the other kinds of layer.")
        self.add_button.clicked.connect(lambda: self.add_layer("dense"))
        menu = QMenu(self.add_button)
        self.add_actions: dict[str, QAction] = {}
        for kind, name in KIND_NAMES.items():
            action = menu.addAction(name)
            action.triggered.connect(lambda _=False, kind=kind: self.add_layer(kind))
            self.add_actions[kind] = action
        self.add_button.setMenu(menu)
        self.remove_button = QToolButton(icon=style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon),
                                         text="Remove", toolTip="Remove the selected layer.")
        self.remove_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.remove_button.clicked.connect(self.remove_layer)
        self.up_button = QToolButton(icon=style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp),
                                     toolTip="Move the selected layer up, closer to the input.")
        self.up_button.clicked.connect(lambda: self.move_layer(-1))
        self.down_button = QToolButton(icon=style.standardIcon(QStyle.StandardPixmap.SP_ArrowDown),
                                       toolTip="Move the selected layer down, closer to the output.")
        self.down_button.clicked.connect(lambda: self.move_layer(1))
        for button in (self.add_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        column.addLayout(buttons)
        return box

    def _make_editor_box(self) -> QGroupBox:
        box = QGroupBox("Selected layer")
        self.editor_box = box
        form = QFormLayout(box)
        self._editor_form = form
        self.kind_combo = QComboBox(toolTip=KIND_TIP)
        for kind, name in KIND_NAMES.items():
            self.kind_combo.addItem(name, kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_edited)
        self.units_spin = QSpinBox(minimum=1, maximum=MAX_UNITS, keyboardTracking=False)
        self.units_spin.setToolTip("How many neurons this layer has (1–1024). More neurons can draw more "
                                   "complicated boundaries, but train slower and may learn the training "
                                   "points by heart.")
        self.activation_combo = QComboBox(toolTip=ACTIVATION_TIP)
        self.activation_combo.addItems(ACTIVATIONS)
        _offer_step(self.activation_combo, False, STEP_HIDDEN_TIP)  # a hidden step neuron can never be trained
        self.activation_curve = ActivationCurve()
        self.init_combo, self.init_value_spin = self._make_init_editors()
        self.rate_spin = QDoubleSpinBox(minimum=0.0, maximum=MAX_RATE, decimals=2, singleStep=0.05,
                                        keyboardTracking=False)
        self.rate_spin.setToolTip("Share of the values switched off at random in every training step "
                                  "(0.2 = one in five, at most 0.95). Only while training: it makes the "
                                  "network rely on many neurons, against overfitting.")
        self.l1_spin = QDoubleSpinBox(minimum=0.0, maximum=10.0, decimals=5, singleStep=0.001,
                                      keyboardTracking=False)
        self.l1_spin.setToolTip("L1 penalty: the sum of |weights| times this number is added to the loss. "
                                "It pushes unneeded weights to exactly zero. 0 = off.")
        self.l2_spin = QDoubleSpinBox(minimum=0.0, maximum=10.0, decimals=5, singleStep=0.001,
                                      keyboardTracking=False)
        self.l2_spin.setToolTip("L2 penalty: the sum of squared weights times this number is added to the "
                                "loss. It keeps the weights small and the boundary smooth. 0 = off.")
        for spin in (self.units_spin, self.rate_spin, self.l1_spin, self.l2_spin, self.init_value_spin):
            spin.valueChanged.connect(self._on_value_edited)
        self.activation_combo.currentIndexChanged.connect(self._on_value_edited)
        self.init_combo.currentIndexChanged.connect(self._on_value_edited)
        form.addRow("Kind", self.kind_combo)
        form.addRow("Neurons", self.units_spin)
        form.addRow("Activation", self.activation_combo)
        form.addRow(self.activation_curve)
        form.addRow("Initial weights", self.init_combo)
        form.addRow("Constant", self.init_value_spin)
        form.addRow("Dropout rate", self.rate_spin)
        form.addRow("L1 penalty", self.l1_spin)
        form.addRow("L2 penalty", self.l2_spin)
        self.editor_hint = QLabel("Select a layer in the list to change it.")
        self.editor_hint.setWordWrap(True)
        form.addRow(self.editor_hint)
        return box

    @staticmethod
    def _make_init_editors() -> tuple[QComboBox, QDoubleSpinBox]:
        combo = QComboBox(toolTip=INITIALIZER_TIP)
        for key in INITIALIZERS:
            combo.addItem(INITIALIZER_NAMES[key], key)
        spin = QDoubleSpinBox(minimum=-10.0, maximum=10.0, decimals=3, singleStep=0.1, keyboardTracking=False)
        spin.setToolTip("The value every weight of the layer starts at (the constant initializer).")
        return combo, spin

    def _make_output_box(self) -> QGroupBox:
        box = QGroupBox("Output layer")
        form = QFormLayout(box)
        self._output_form = form
        self.output_label = QLabel()
        self.output_label.setWordWrap(True)
        self.output_label.setToolTip("The output layer's size follows from the data: one neuron for two "
                                     "classes or a number, one per class for more classes.")
        self.output_activation_combo = QComboBox()
        self.output_activation_combo.addItems(ACTIVATIONS)
        self.output_activation_combo.setToolTip("The function of the output neuron(s). Two classes: sigmoid "
                                                "gives the probability of class 1. More classes: softmax "
                                                "gives one probability per class. Regression: linear, so "
                                                "any number can come out.")
        self.output_activation_combo.currentIndexChanged.connect(self._on_output_edited)
        self.output_init_combo, self.output_init_value_spin = self._make_init_editors()
        self.output_init_combo.currentIndexChanged.connect(self._on_output_edited)
        self.output_init_value_spin.valueChanged.connect(self._on_output_edited)
        self.loss_label = QLabel()
        self.loss_label.setToolTip("What training makes small; it follows from the data (cross-entropy for "
                                   "classes, mean squared error for numbers).")
        self.output_warning = QLabel()
        self.output_warning.setWordWrap(True)
        self.output_warning.setStyleSheet(WARNING_STYLE)
        self.output_fix_button = QPushButton()
        self.output_fix_button.setToolTip("Change the output layer's activation to the one this loss is made for.")
        self.output_fix_button.clicked.connect(self.fix_output)
        form.addRow(self.output_label)
        form.addRow("Activation", self.output_activation_combo)
        form.addRow("Initial weights", self.output_init_combo)
        form.addRow("Constant", self.output_init_value_spin)
        form.addRow("Loss", self.loss_label)
        form.addRow(self.output_warning)
        form.addRow(self.output_fix_button)
        return box

    # --- public API ---------------------------------------------------------------------------------

    def network_spec(self) -> NetworkSpec:
        """The network as shown; it always passes ``validate()``."""
        image = len(self._input_shape) > 1
        layers = ([flatten()] if image else []) + self._hidden + [self._output]
        return NetworkSpec(input_shape=self._input_shape, layers=tuple(layers), features=self._features)

    def set_network(self, spec: NetworkSpec) -> bool:
        """Show a network (a preset's): hidden layers are all but a leading Flatten and the last Dense."""
        problems = spec.problems()
        if problems:
            self._show_error("This network cannot be shown: " + "; ".join(problems) + ".")
            return False
        layers = list(spec.layers)
        if layers and layers[0].kind == "flatten":
            layers = layers[1:]
        last = max(i for i, layer in enumerate(layers) if layer.kind == "dense")
        notes = []
        if last < len(layers) - 1:
            notes.append("layers after the last Dense layer were left out (the output layer comes last)")
        hidden = [layer for layer in layers[:last] if layer.kind != "flatten"]
        if len(hidden) < last:
            notes.append("a Flatten layer in the middle was left out")
        clamped = [canonical(layer) for layer in hidden]
        if any(a.kind == "dense" and a.units != b.units for a, b in zip(hidden, clamped)):
            notes.append(f"layers are limited to {MAX_UNITS} neurons")
        if any(a.kind == "dropout" and a.rate != b.rate for a, b in zip(hidden, clamped)):
            notes.append(f"dropout rates are limited to {MAX_RATE}")
        output = layers[last]
        self._input_shape = tuple(spec.input_shape)
        self._features = tuple(spec.features)
        if output.units > 1:
            self._task, self._classes = "multiclass", output.units
        elif self._task == "multiclass":
            self._task = "binary" if output.activation in ("sigmoid", "step") else "regression"
        self._hidden = clamped
        self._output = output
        self._rebuild_list(0 if clamped else -1)
        self._changed()
        if notes:
            self._show_error("Note: " + "; ".join(notes) + ".")
        return True

    def set_io(self, input_shape: tuple[int, ...], features: tuple[str, ...], task: str, classes: int) -> None:
        """Follow the data: the input size from the features (or image shape), the output from the task."""
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
        features = tuple(features)
        self._features = features
        self._input_shape = (len(features),) if features else tuple(int(n) for n in input_shape)
        task_changed = task != self._task
        self._task = task
        self._classes = max(2, int(classes)) if task == "multiclass" else (2 if task == "binary" else 0)
        units = self._classes if task == "multiclass" else 1
        act = OUTPUT_ACTIVATION[task] if task_changed else self._output.activation
        self._output = replace(self._output, units=units, activation=act)
        self._changed()

    def loss(self) -> str:
        return LOSS_FOR_TASK[self._task]

    def set_locked(self, locked: bool) -> None:
        """While training, the network cannot change."""
        self._locked = locked
        self._update_controls()

    def add_layer(self, kind: str = "dense") -> None:
        """Insert a new hidden layer below the selected one (at the end when none is selected)."""
        if self._locked:
            return
        row = self.layer_list.currentRow()
        position = row + 1 if row >= 0 else len(self._hidden)
        self._hidden.insert(position, default_layer(kind))
        self._rebuild_list(position)
        self._changed()

    def remove_layer(self) -> None:
        row = self.layer_list.currentRow()
        if self._locked or row < 0:
            return
        del self._hidden[row]
        self._rebuild_list(min(row, len(self._hidden) - 1))
        self._changed()

    def move_layer(self, step: int) -> None:
        row = self.layer_list.currentRow()
        target = row + step
        if self._locked or row < 0 or not 0 <= target < len(self._hidden):
            return
        self._hidden[row], self._hidden[target] = self._hidden[target], self._hidden[row]
        self._rebuild_list(target)
        self._changed()

    def last_error(self) -> str:
        return self._error

    # --- reactions ----------------------------------------------------------------------------------

    def _rebuild_list(self, select: int) -> None:
        with QSignalBlocker(self.layer_list):
            self.layer_list.clear()
            height = _LayerRow(dense(1), self._on_row_step).sizeHint().height()  # rows of equal height
            for layer in self._hidden:
                item = QListWidgetItem()
                row = _LayerRow(layer, self._on_row_step)
                row.update_layer(layer)
                item.setSizeHint(row.sizeHint().expandedTo(QSize(0, height)))
                self.layer_list.addItem(item)
                self.layer_list.setItemWidget(item, row)
            self.layer_list.setCurrentRow(select)
        self._on_selection(self.layer_list.currentRow())

    def _row_widget(self, row: int) -> _LayerRow:
        return self.layer_list.itemWidget(self.layer_list.item(row))

    def _on_row_step(self, widget: _LayerRow, step: int) -> None:
        row = next(i for i in range(self.layer_list.count()) if self._row_widget(i) is widget)
        layer = self._hidden[row]
        units = min(max(layer.units + step, 1), MAX_UNITS)
        if self._locked or units == layer.units:
            return
        self.layer_list.setCurrentRow(row)
        self.units_spin.setValue(units)  # the editor applies it, as if typed there

    def _on_selection(self, row: int) -> None:
        self._load_editor()
        self._update_controls()

    def _selected(self) -> LayerSpec | None:
        row = self.layer_list.currentRow()
        return self._hidden[row] if 0 <= row < len(self._hidden) else None

    def _load_editor(self) -> None:
        layer = self._selected()
        editors = (self.kind_combo, self.units_spin, self.activation_combo, self.rate_spin, self.l1_spin,
                   self.l2_spin, self.init_combo, self.init_value_spin)
        blockers = [QSignalBlocker(w) for w in editors]
        if layer is not None:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(layer.kind))
            self.units_spin.setValue(layer.units)
            self.activation_combo.setCurrentText(layer.activation)
            self.rate_spin.setValue(layer.rate)
            self.l1_spin.setValue(layer.l1)
            self.l2_spin.setValue(layer.l2)
            self.init_combo.setCurrentIndex(self.init_combo.findData(layer.initializer))
            self.init_value_spin.setValue(layer.init_value)
            self.activation_curve.set_activation(layer.activation)
        del blockers
        kind = layer.kind if layer is not None else None
        self._editor_form.setRowVisible(self.kind_combo, kind is not None)
        self._editor_form.setRowVisible(self.units_spin, kind == "dense")
        self._editor_form.setRowVisible(self.activation_combo, kind in ("dense", "activation"))
        self._editor_form.setRowVisible(self.activation_curve, kind in ("dense", "activation"))
        self._editor_form.setRowVisible(self.init_combo, kind == "dense")
        self._editor_form.setRowVisible(self.init_value_spin, kind == "dense" and layer.initializer == "constant")
        self._editor_form.setRowVisible(self.rate_spin, kind == "dropout")
        self._editor_form.setRowVisible(self.l1_spin, kind == "dense")
        self._editor_form.setRowVisible(self.l2_spin, kind == "dense")
        self._editor_form.setRowVisible(self.editor_hint, kind in (None, "batchnorm"))
        self.editor_hint.setText("Select a layer in the list to change it." if kind is None else
                                 "Batch normalization has nothing to set: it learns a scale and a shift "
                                 "for every value.")

    def _on_kind_edited(self) -> None:
        row = self.layer_list.currentRow()
        if row < 0:
            return
        self._hidden[row] = default_layer(self.kind_combo.currentData(), self._hidden[row])
        self._rebuild_list(row)
        self._changed()

    def _on_value_edited(self) -> None:
        row = self.layer_list.currentRow()
        if row < 0:
            return
        layer = self._hidden[row]
        self._hidden[row] = canonical(replace(layer, units=self.units_spin.value(),
                                              activation=self.activation_combo.currentText(),
                                              rate=round(self.rate_spin.value(), 4),
                                              l1=round(self.l1_spin.value(), 6), l2=round(self.l2_spin.value(), 6),
                                              initializer=self.init_combo.currentData(),
                                              init_value=round(self.init_value_spin.value(), 6)))
        self._row_widget(row).update_layer(self._hidden[row])
        self.activation_curve.set_activation(self._hidden[row].activation)
        self._editor_form.setRowVisible(self.init_value_spin, self._hidden[row].kind == "dense"
                                        and self._hidden[row].initializer == "constant")
        self._changed()

    def _on_output_edited(self) -> None:
        self._output = replace(self._output, activation=self.output_activation_combo.currentText(),
                               initializer=self.output_init_combo.currentData(),
                               init_value=round(self.output_init_value_spin.value(), 6))
        self._changed()

    # --- state --------------------------------------------------------------------------------------

    def _update_controls(self) -> None:
        row = self.layer_list.currentRow()
        editable = not self._locked
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable and row >= 0)
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and 0 <= row < len(self._hidden) - 1)
        self.editor_box.setEnabled(editable and row >= 0)
        self.output_activation_combo.setEnabled(editable)
        self.output_init_combo.setEnabled(editable)
        self.output_init_value_spin.setEnabled(editable)
        self.output_fix_button.setEnabled(editable)
        for i in range(self.layer_list.count()):
            widget = self._row_widget(i)
            if widget.minus is not None:
                widget.setEnabled(editable)

    def _step_output_allowed(self) -> bool:
        return not self._hidden and self._task == "binary" and self._output.units == 1

    def _changed(self) -> None:
        """Show the network as it now is and tell the listeners, once per real change."""
        note = ""
        if self._output.activation == "step" and not self._step_output_allowed():
            self._output = replace(self._output, activation=OUTPUT_ACTIVATION[self._task])
            note = (f"The output went back to {self._output.activation}: {STEP_ONLY_PERCEPTRON}.")
        _offer_step(self.output_activation_combo, self._step_output_allowed(),
                    "Not here: " + STEP_ONLY_PERCEPTRON + ("; this network has hidden layers" if self._hidden else
                                                           "; this data set is not two classes") + ".")
        spec = self.network_spec()
        self.input_label.setText(self._input_text())
        self.output_label.setText(self._output_text())
        with QSignalBlocker(self.output_activation_combo), QSignalBlocker(self.output_init_combo), \
                QSignalBlocker(self.output_init_value_spin):
            self.output_activation_combo.setCurrentText(self._output.activation)
            self.output_init_combo.setCurrentIndex(self.output_init_combo.findData(self._output.initializer))
            self.output_init_value_spin.setValue(self._output.init_value)
        self._output_form.setRowVisible(self.output_init_value_spin, self._output.initializer == "constant")
        self.loss_label.setText(LOSS_WORDS[self.loss()])
        advice = self.output_advice()
        self.output_warning.setText(advice.message if advice else "")
        self.output_warning.setStyleSheet(ERROR_STYLE if advice and advice.cannot_learn else WARNING_STYLE)
        self._output_form.setRowVisible(self.output_warning, advice is not None)
        fix = advice.fix if advice else None
        self.output_fix_button.setText(f"Use {fix}" if fix else "")
        self._output_form.setRowVisible(self.output_fix_button, fix is not None)
        count = count_parameters(spec)
        self.summary.setText(f"{spec.describe()}\n{count:,} trainable parameter{'s' if count != 1 else ''}")
        self._clear_error()
        if note:
            self._show_error(note)
        self._update_controls()
        if spec != self._last:
            self._last = spec
            self.network_changed.emit(spec)

    def _input_text(self) -> str:
        if len(self._input_shape) > 1:
            shape = "×".join(map(str, self._input_shape))
            return f"Input: {shape} image ({math.prod(self._input_shape)} pixels, flattened)"
        if not self._features:
            return f"Input: {self._input_shape[0]} number{'s' if self._input_shape[0] != 1 else ''} (x)"
        names = ", ".join(FEATURE_TEXT.get(f, f) for f in self._features)
        count = len(self._features)
        return f"Input: {count} feature{'s' if count != 1 else ''} ({names})"

    def _output_text(self) -> str:
        if self._task == "multiclass":
            return f"Dense: {self._output.units} neurons, one per class"
        if self._task == "binary":
            return "Dense: 1 neuron, the probability of class 1"
        return "Dense: 1 neuron, the predicted number"

    def output_advice(self) -> OutputAdvice | None:
        """Why the output layer cannot work (or works poorly) with the loss, with its fix; None when fine."""
        return check_output(self._output.activation, self._output.units, self.loss())

    def fix_output(self) -> None:
        """The one-click fix the advice offers: the activation the loss is made for."""
        advice = self.output_advice()
        if advice is not None and advice.fix is not None and not self._locked:
            self._output = replace(self._output, activation=advice.fix)
            self._changed()

    def _show_error(self, text: str) -> None:
        self._error = text
        self.message.setText(text)
        self.message.setVisible(True)

    def _clear_error(self) -> None:
        self._error = ""
        self.message.setVisible(False)
