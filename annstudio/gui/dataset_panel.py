"""The dataset panel: which points the network learns from, which input features it sees, and the
student's own points (added by clicking in the data plot, erased by dragging, or loaded from CSV).

The panel holds settings and emits the resulting :class:`~annstudio.core.datasets.Dataset`; it never
trains anything and never imports TensorFlow.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QStyle, QVBoxLayout,
                               QWidget)

from annstudio.core.datasets import DataError, Dataset, from_points, generate
from annstudio.core.points_csv import MAX_ROWS, read_points, write_points
from annstudio.core.spec import FEATURES, REGRESSION_KINDS, DataSpec
from annstudio.gui.style import class_color

OWN = "own"
CLASSIFICATION = "classification"
REGRESSION = "regression"
MAX_SEED = 2**31 - 1
MAX_SIZE = 100_000
MULTICLASS_KINDS = ("gaussians", "spiral")

#: (name shown, kind, what a student should know about it); None marks a separator.
CHOICES: tuple[tuple[str, str, str] | None, ...] = (
    ("Lecture: line (logistic regression)", "linear",
     "Two classes split by a straight line (0.8·x1 + x2 = 3): one neuron is enough."),
    ("Lecture: parabola (looking at parameters)", "parabola",
     "Two classes split by a parabola: the 2-2-1 network of the lecture bends its boundary to fit it."),
    ("XOR", "xor", "Opposite corners belong to the same class: one neuron cannot separate them."),
    ("Circle", "circle", "One class inside a circle, the other around it."),
    ("Gaussians (2–10 classes)", "gaussians", "Round clouds of points, one per class."),
    ("Spiral (2–10 arms)", "spiral", "Interleaved spiral arms, one per class: hard to learn."),
    None,
    ("Lecture: 10 points (overfitting)", "lecture-points",
     "The lecture's ten (x, y) points: a big network learns them by heart."),
    ("Sine", "sine", "Regression: points on a sine wave."),
    ("Cubic", "cubic", "Regression: points on an S-shaped cubic curve."),
    ("Step", "step", "Regression: a jump from −1.5 to +1.5 at x = 0."),
    None,
    ("Your own data", OWN, "Place points yourself by clicking in the data plot, or import a CSV file. "
                           "Starting from a data set copies its points so you can edit them."),
)

FEATURE_TEXT = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁·x₂",
                "sin(x1)": "sin x₁", "sin(x2)": "sin x₂"}
FEATURE_TIPS = {
    "x1": "The first coordinate of each point, fed to the network as it is.",
    "x2": "The second coordinate of each point, fed to the network as it is.",
    "x1^2": "The first coordinate squared. With it even one neuron can draw a curved (parabola) boundary.",
    "x2^2": "The second coordinate squared. With x₁² too, one neuron can draw a circle.",
    "x1*x2": "The product of the two coordinates. With it a single neuron can solve XOR.",
    "sin(x1)": "The sine of the first coordinate: helps with wavy patterns.",
    "sin(x2)": "The sine of the second coordinate: helps with wavy patterns.",
}
CLASS_NAMES = ("orange", "blue", "green", "red", "purple", "brown", "pink", "grey", "olive", "cyan")
DEFAULT_BOUNDS = {CLASSIFICATION: (-6.0, 6.0, -6.0, 6.0), REGRESSION: (-5.0, 5.0, -3.0, 3.0)}
ERROR_STYLE = "color: #c62828;"
INFO_STYLE = "color: #37474f;"


def _swatch(rgb: tuple[int, int, int]) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(*rgb))
    return QIcon(pixmap)


def _empty_points(task: str) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, 2 if task == CLASSIFICATION else 1)), np.zeros(0)


class DatasetPanel(QWidget):
    """Data set choice and settings, input features, and the student's own points."""

    dataset_changed = Signal(object)
    features_changed = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._own = {task: _empty_points(task) for task in (CLASSIFICATION, REGRESSION)}
        self._own_bounds = dict(DEFAULT_BOUNDS)
        self._error = ""
        self._locked = False
        self._dataset: Dataset | None = None
        self._features: tuple[str, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._make_data_box())
        layout.addWidget(self._make_own_box())
        layout.addWidget(self._make_feature_box())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._update_controls()
        self._refresh(emit=False)

    # --- construction -------------------------------------------------------------------------------

    def _make_data_box(self) -> QGroupBox:
        box = QGroupBox("Data set")
        self.data_box = box
        form = QFormLayout(box)
        self._form = form
        self.kind_combo = QComboBox()
        # a list that drops down below the box, the same every time (not one that opens over it, moved so the
        # current entry sits under the mouse)
        self.kind_combo.setStyleSheet("QComboBox { combobox-popup: 0; }")
        self.kind_combo.setMaxVisibleItems(len(CHOICES))
        self.kind_combo.setToolTip("Which points the network learns from. The first sets have colored classes "
                                   "to separate; the regression sets are points of a curve to fit.")
        for choice in CHOICES:
            if choice is None:
                self.kind_combo.insertSeparator(self.kind_combo.count())
                continue
            name, kind, tip = choice
            self.kind_combo.addItem(name, kind)
            self.kind_combo.setItemData(self.kind_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData("parabola"))
        self._kind_index = self.kind_combo.currentIndex()  # the last real data set chosen
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        form.addRow(self.kind_combo)

        self.size_spin = QSpinBox()
        self.size_spin.setRange(10, MAX_SIZE)
        self.size_spin.setSingleStep(100)
        self.size_spin.setValue(1000)
        self.size_spin.setToolTip("How many points are made. More points show the pattern more clearly, "
                                  "but every epoch takes longer.")
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.0, 10.0)
        self.noise_spin.setDecimals(2)
        self.noise_spin.setSingleStep(0.1)
        self.noise_spin.setToolTip("Random jitter added to the points. Classes start to overlap (or regression "
                                   "targets scatter around the curve), so no network can be perfect.")
        self.test_spin = QDoubleSpinBox()
        self.test_spin.setRange(0.0, 0.9)
        self.test_spin.setDecimals(2)
        self.test_spin.setSingleStep(0.05)
        self.test_spin.setToolTip("Share of the points kept aside for testing: the network never trains on "
                                  "them. 0.2 means one point in five. The test loss shows whether it "
                                  "generalizes or just learns the training points by heart.")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setToolTip("The number that fixes the random choices: the same seed always gives the "
                                  "same points and the same test points.")
        self.classes_spin = QSpinBox()
        self.classes_spin.setRange(2, 10)
        self.classes_spin.setToolTip("How many classes (colors) the Gaussians and the spiral have. "
                                     "Only these two sets can have more than two.")
        for spin in (self.size_spin, self.noise_spin, self.test_spin, self.seed_spin, self.classes_spin):
            spin.setKeyboardTracking(False)  # regenerate when the number is finished, not at every digit
            spin.valueChanged.connect(self._on_setting_changed)
        self.regenerate_button = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload),
                                             "Regenerate")
        self.regenerate_button.setToolTip("Draw new random points: the seed goes up by one. "
                                          "For your own points it draws a new test split.")
        self.regenerate_button.clicked.connect(self._on_regenerate)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.regenerate_button)
        form.addRow("Points", self.size_spin)
        form.addRow("Noise", self.noise_spin)
        form.addRow("Classes", self.classes_spin)
        form.addRow("Test fraction", self.test_spin)
        form.addRow("Seed", seed_row)
        return box

    def _make_own_box(self) -> QGroupBox:
        box = QGroupBox("Your own points")
        self.own_box = box
        form = QFormLayout(box)
        self._own_form = form
        self.own_task_combo = QComboBox()
        self.own_task_combo.addItem("Classes (colored points)", CLASSIFICATION)
        self.own_task_combo.addItem("Regression (x → y)", REGRESSION)
        self.own_task_combo.setToolTip("Whether your points have classes (colors) to separate, or are (x, y) "
                                       "points of a curve to fit. Each kind keeps its own points.")
        self.own_task_combo.currentIndexChanged.connect(self._on_own_task_changed)
        self.class_combo = QComboBox()
        for label, name in enumerate(CLASS_NAMES):
            self.class_combo.addItem(_swatch(class_color(label)), f"Class {label} ({name})", label)
        self.class_combo.setToolTip("The class (color) of the points you add by clicking in the data plot.")
        form.addRow("Kind", self.own_task_combo)
        form.addRow("Add as", self.class_combo)
        self.own_hint = QLabel()
        self.own_hint.setWordWrap(True)
        self.own_hint.setStyleSheet(INFO_STYLE)
        form.addRow(self.own_hint)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove all your points of this kind.")
        self.clear_button.clicked.connect(self.clear_points)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Load points from a CSV file with the columns x1,x2,label (classes 0–9) "
                                      "or x,target (regression). They replace your points.")
        self.import_button.clicked.connect(self._choose_import)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save these points as a CSV file to open in a spreadsheet or import later.")
        self.export_button.clicked.connect(self._choose_export)
        for button in (self.clear_button, self.import_button, self.export_button):
            buttons.addWidget(button)
        form.addRow(buttons)
        return box

    def _make_feature_box(self) -> QGroupBox:
        box = QGroupBox("Input features")
        self.feature_box = box
        box.setToolTip("What the network is given for each point. Extra features such as x₁² or x₁·x₂ "
                       "let even a small network draw curved boundaries.")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(10)
        self.feature_checks: dict[str, QCheckBox] = {}
        for i, name in enumerate(FEATURES):
            check = QCheckBox(FEATURE_TEXT[name])
            check.setToolTip(FEATURE_TIPS[name])
            check.setChecked(name in ("x1", "x2"))
            check.toggled.connect(lambda checked, name=name: self._on_feature_toggled(name, checked))
            self.feature_checks[name] = check
            grid.addWidget(check, i // 4, i % 4)
        self.feature_note = QLabel("This data set has one input, x: there is nothing to choose.")
        self.feature_note.setWordWrap(True)
        self.feature_note.setStyleSheet(INFO_STYLE)
        grid.addWidget(self.feature_note, 2, 0, 1, 4)
        return box

    # --- public API ---------------------------------------------------------------------------------

    def dataset(self) -> Dataset:
        """The data set the settings describe (own points included), split into train and test."""
        assert self._dataset is not None
        return self._dataset

    def data_spec(self) -> DataSpec | None:
        """The generated set's settings, or None for the student's own points."""
        kind = self._kind()
        if kind == OWN:
            return None
        return DataSpec(kind=kind, size=self.size_spin.value(), noise=round(self.noise_spin.value(), 4),
                        seed=self.seed_spin.value(), test_fraction=round(self.test_spin.value(), 4),
                        classes=self.classes_spin.value() if kind in MULTICLASS_KINDS else 2)

    def features(self) -> tuple[str, ...]:
        """The checked input features, in the order of spec.FEATURES; empty for 1-D (regression) data."""
        if self._is_1d():
            return ()
        return tuple(name for name in FEATURES if self.feature_checks[name].isChecked())

    def set_data_spec(self, spec: DataSpec) -> bool:
        """Show a preset's data settings and generate its points. Refused (with a message) if unusable."""
        problems = spec.problems()
        if spec.kind == "mnist":
            problems.append("MNIST digits are images, not points: they are opened from the digits view")
        if problems:
            self._show_error("These data settings cannot be used: " + "; ".join(problems) + ".")
            return False
        note = ""
        if spec.size > MAX_SIZE:
            note = f"At most {MAX_SIZE} points are made here; the size was lowered."
        if spec.test_fraction > self.test_spin.maximum():
            note = "The test fraction was lowered to 0.9 so that some points are left to train on."
        blockers = [QSignalBlocker(w) for w in (self.kind_combo, self.size_spin, self.noise_spin, self.test_spin,
                                                self.seed_spin, self.classes_spin)]
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(spec.kind))
        self._kind_index = self.kind_combo.currentIndex()
        self.size_spin.setValue(min(spec.size, MAX_SIZE))
        self.noise_spin.setValue(min(spec.noise, self.noise_spin.maximum()))
        self.test_spin.setValue(spec.test_fraction)
        self.seed_spin.setValue(spec.seed)
        self.classes_spin.setValue(spec.classes)
        del blockers
        self._update_controls()
        self._refresh()
        if note:
            self._show_info(note)
        return True

    def set_features(self, features: tuple[str, ...] | list[str]) -> bool:
        """Check exactly these input features. An empty list (1-D data) leaves the boxes as they are."""
        features = tuple(features)
        unknown = [name for name in features if name not in FEATURES]
        if unknown:
            self._show_error(f"Unknown input feature(s): {', '.join(unknown)}.")
            return False
        if not features:
            return True
        for name, check in self.feature_checks.items():
            with QSignalBlocker(check):
                check.setChecked(name in features)
        self._emit_features()
        return True

    def is_own_data(self) -> bool:
        return self._kind() == OWN

    def own_data_spec(self) -> DataSpec:
        """A DataSpec standing for the student's own points in a workspace file (the points are saved beside
        it): their task's kind of data, their number, the test fraction and seed set here."""
        data = self.dataset()
        kind = "sine" if data.task == "regression" else "xor"
        return DataSpec(kind, size=max(1, len(data.x_train) + len(data.x_test)), classes=max(2, data.classes or 2),
                        test_fraction=float(self.test_spin.value()), seed=int(self.seed_spin.value()))

    def own_points(self) -> tuple[np.ndarray, np.ndarray, str]:
        """The student's points of the kind shown: (x (n, 2) or (n, 1), y (n,), "classification"|"regression")."""
        task = self._own_task()
        x, y = self._own[task]
        return x.copy(), y.copy(), task

    def set_own_points(self, x: np.ndarray, y: np.ndarray, task: str) -> bool:
        """Show these points as the student's own data (a workspace being opened, a CSV imported)."""
        task = REGRESSION if task == REGRESSION else CLASSIFICATION
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        width = 2 if task == CLASSIFICATION else 1
        problem = ""
        if x.ndim != 2 or x.shape[1] != width or len(x) != len(y):
            problem = f"{task} points need {width} x column(s) and one target per row"
        elif not (np.isfinite(x).all() and np.isfinite(y).all()):
            problem = "the points must be finite numbers"
        elif len(x) > MAX_ROWS:
            problem = f"at most {MAX_ROWS} points can be used"
        elif task == CLASSIFICATION and len(y) and ((y != np.round(y)).any() or y.min() < 0 or y.max() > 9):
            problem = "class labels must be whole numbers from 0 to 9"
        if problem:
            self._show_error(f"These points cannot be used: {problem}.")
            return False
        self._own[task] = (x.copy(), y.copy())
        self._own_bounds[task] = DEFAULT_BOUNDS[task]
        with QSignalBlocker(self.kind_combo), QSignalBlocker(self.own_task_combo):
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(OWN))
            self._kind_index = self.kind_combo.currentIndex()
            self.own_task_combo.setCurrentIndex(self.own_task_combo.findData(task))
        self._update_controls()
        self._refresh()
        return True

    def add_point(self, x: float, y: float) -> bool:
        """A click in the data plot: add a point of the chosen class (or the target point (x, y)).

        Ignored (returns False) unless "Your own data" is chosen and the panel is not locked.
        """
        if not self.is_own_data() or self._locked:
            return False
        if not (np.isfinite(x) and np.isfinite(y)):
            return False
        task = self._own_task()
        xs, ys = self._own[task]
        if len(xs) >= MAX_ROWS:
            self._show_error(f"You already have {MAX_ROWS} points; erase some before adding more.")
            return False
        if task == CLASSIFICATION:
            self._own[task] = (np.vstack([xs, [[x, y]]]), np.append(ys, float(self.class_combo.currentData())))
        else:
            self._own[task] = (np.vstack([xs, [[x]]]), np.append(ys, float(y)))
        self._refresh()
        return True

    def erase_near(self, x: float, y: float, radius: float) -> int:
        """A drag over the data plot: remove own points within ``radius`` of (x, y); returns how many."""
        if not self.is_own_data() or self._locked:
            return 0
        task = self._own_task()
        xs, ys = self._own[task]
        if not len(xs):
            return 0
        points = xs if task == CLASSIFICATION else np.column_stack([xs[:, 0], ys])
        keep = np.hypot(points[:, 0] - x, points[:, 1] - y) > radius
        removed = int(len(keep) - keep.sum())
        if removed:
            self._own[task] = (xs[keep], ys[keep])
            self._refresh()
        return removed

    def clear_points(self) -> None:
        """Remove all own points of the kind shown."""
        task = self._own_task()
        self._own[task] = _empty_points(task)
        self._own_bounds[task] = DEFAULT_BOUNDS[task]
        self._refresh()

    def import_csv(self, path: str) -> bool:
        """Load own points from a CSV file; a bad file is refused with a message in the panel."""
        try:
            x, y, task = read_points(path)
        except DataError as exc:
            self._show_error(f"Could not import: {exc}.")
            return False
        if not self.set_own_points(x, y, task):
            return False
        self._show_info(f"Imported {len(x)} points.")
        return True

    def export_csv(self, path: str) -> bool:
        """Save the points shown (own or generated, training and test together) as CSV."""
        data = self.dataset()
        x = np.concatenate([data.x_train, data.x_test]).astype(np.float64)
        y = np.concatenate([data.y_train, data.y_test]).astype(np.float64)
        if self.is_own_data():
            x, y, _ = self.own_points()
        if not len(x):
            self._show_error("There are no points to export yet.")
            return False
        try:
            write_points(path, x, y)
        except DataError as exc:
            self._show_error(f"Could not export: {exc}.")
            return False
        self._show_info(f"Saved {len(x)} points.")
        return True

    def set_locked(self, locked: bool) -> None:
        """While training, the data cannot change."""
        self._locked = locked
        for box in (self.data_box, self.own_box, self.feature_box):
            box.setEnabled(not locked)
        if not locked:
            self._update_controls()

    def last_error(self) -> str:
        """The error shown in the panel, or "" when there is none."""
        return self._error

    # --- reactions ----------------------------------------------------------------------------------

    def _kind(self) -> str:
        kind = self.kind_combo.currentData()
        if kind is None:  # a separator line is not a data set: the last real choice still holds
            kind = self.kind_combo.itemData(self._kind_index)
        return kind

    def _own_task(self) -> str:
        return self.own_task_combo.currentData()

    def _is_1d(self) -> bool:
        kind = self._kind()
        return kind in REGRESSION_KINDS or (kind == OWN and self._own_task() == REGRESSION)

    def _on_kind_changed(self) -> None:
        if self.kind_combo.currentData() is None:  # a separator was chosen (from code: a user cannot)
            with QSignalBlocker(self.kind_combo):
                self.kind_combo.setCurrentIndex(self._kind_index)
            return
        self._kind_index = self.kind_combo.currentIndex()
        copied = 0
        if self._kind() == OWN and self._dataset is not None:
            copied = self._copy_into_own(self._dataset)
        self._update_controls()
        self._refresh()
        if copied:
            self._show_info(f"Copied the {copied} points of the previous data set: add or erase points in the plot.")

    def _copy_into_own(self, data: Dataset) -> int:
        task = REGRESSION if data.task == REGRESSION else CLASSIFICATION
        x = np.concatenate([data.x_train, data.x_test]).astype(np.float64)
        y = np.concatenate([data.y_train, data.y_test]).astype(np.float64)
        self._own[task] = (x, y)
        self._own_bounds[task] = data.bounds
        with QSignalBlocker(self.own_task_combo):
            self.own_task_combo.setCurrentIndex(self.own_task_combo.findData(task))
        return len(x)

    def _on_own_task_changed(self) -> None:
        self._update_controls()
        self._refresh()

    def _on_setting_changed(self) -> None:
        self._refresh()

    def _on_regenerate(self) -> None:
        self.seed_spin.setValue((self.seed_spin.value() + 1) % (MAX_SEED + 1))

    def _on_feature_toggled(self, name: str, checked: bool) -> None:
        if not checked and not any(check.isChecked() for check in self.feature_checks.values()):
            with QSignalBlocker(self.feature_checks[name]):
                self.feature_checks[name].setChecked(True)
            self._show_error("At least one input feature must stay checked: the network needs an input.")
            return
        self._clear_error()
        self._emit_features()

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import points", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.import_csv(path)

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export points", "points.csv", "CSV files (*.csv)")
        if path:
            if not path.lower().endswith(".csv"):
                path += ".csv"
            self.export_csv(path)

    # --- state --------------------------------------------------------------------------------------

    def _update_controls(self) -> None:
        kind = self._kind()
        own = kind == OWN
        for widget in (self.noise_spin, self.classes_spin):
            self._form.setRowVisible(widget, not own)
        self._form.setRowVisible(self.size_spin, not own and kind != "lecture-points")  # always ten points
        self.size_spin.setEnabled(kind != "lecture-points")
        self.classes_spin.setEnabled(kind in MULTICLASS_KINDS)
        self.own_box.setVisible(own)
        classification = self._own_task() == CLASSIFICATION
        self._own_form.setRowVisible(self.class_combo, classification)
        self.own_hint.setText("Click in the data plot to add a point of the class chosen above; drag over "
                              "points to erase them." if classification else
                              "Click in the data plot to add a point (x, y) for the curve to pass near; drag "
                              "over points to erase them.")
        one_d = self._is_1d()
        for check in self.feature_checks.values():
            check.setEnabled(not one_d)
        self.feature_note.setVisible(one_d)

    def _refresh(self, emit: bool = True) -> None:
        """Make the data set the settings describe and tell the listeners."""
        self._clear_message()
        if self.is_own_data():
            self._dataset = self._own_dataset()
            count = len(self._dataset.x_train) + len(self._dataset.x_test)
            self.own_box.setTitle(f"Your own points ({count})")
        else:
            self._dataset = generate(self.data_spec())
        if emit:
            self.dataset_changed.emit(self._dataset)
            self._emit_features()
        else:
            self._features = self.features()

    def _own_dataset(self) -> Dataset:
        task = self._own_task()
        x, y = self._own[task]
        bounds = self._bounds_around(task, x, y)
        if not len(x):
            empty = np.zeros((0, x.shape[1]), dtype=np.float32)
            return Dataset("your data", empty, np.zeros(0, np.float32), empty, np.zeros(0, np.float32),
                           "regression" if task == REGRESSION else "binary", 0 if task == REGRESSION else 2, bounds)
        fraction = self.test_spin.value()
        if round(len(x) * fraction) >= len(x):  # keep at least one point to train on
            fraction = (len(x) - 1) / len(x)
        data = from_points(x, y, task, test_fraction=fraction, seed=self.seed_spin.value(), name="your data")
        return replace(data, bounds=bounds)

    def _bounds_around(self, task: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
        """The plot area stays where the student started and only grows when points fall outside it."""
        lo1, hi1, lo2, hi2 = self._own_bounds[task]
        if len(x):
            second = x[:, 1] if task == CLASSIFICATION else y
            lo1, hi1 = min(lo1, float(x[:, 0].min())), max(hi1, float(x[:, 0].max()))
            lo2, hi2 = min(lo2, float(second.min())), max(hi2, float(second.max()))
        self._own_bounds[task] = (lo1, hi1, lo2, hi2)
        return (lo1, hi1, lo2, hi2)

    def _emit_features(self) -> None:
        features = self.features()
        if features != self._features:
            self._features = features
            self.features_changed.emit(features)

    def _show_error(self, text: str) -> None:
        self._error = text
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
        self.message.setVisible(True)

    def _show_info(self, text: str) -> None:
        self._error = ""
        self.message.setStyleSheet(INFO_STYLE)
        self.message.setText(text)
        self.message.setVisible(True)

    def _clear_error(self) -> None:
        if self._error:
            self._clear_message()

    def _clear_message(self) -> None:
        self._error = ""
        self.message.clear()
        self.message.setVisible(False)
