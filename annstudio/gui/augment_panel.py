"""Data augmentation for MNIST: four strengths and a grid of training digits as the network would see them.

The panel only holds the settings and shows examples (numpy, see :func:`annstudio.core.augment.preview`);
the training applies the same changes inside its compiled program (core/engine.py). The workspace asks it for
the TrainSpec fields (:meth:`AugmentPanel.applied`) and tells it the settings of what it loads
(:meth:`AugmentPanel.set_train`) and the digits it trains on (:meth:`AugmentPanel.set_images`).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ..core import augment
from ..core.augment import LIMITS, TYPICAL, Augmentation
from ..core.spec import TrainSpec, replace
from .mnist_views import _Mosaic

ROWS, VARIANTS = 4, 7   # four training digits, each as seven batches might show it (plus the original)

#: (label, suffix, step, decimals, tool tip) of each strength.
CONTROLS = {
    "shift": ("Shift", " px", 0.5, 1, "Move each digit left/right and up/down by up to this many pixels."),
    "rotation": ("Rotation", "°", 1.0, 0, "Turn each digit by up to this many degrees either way."),
    "scale": ("Scaling", "", 0.05, 2, "Make each digit larger or smaller by up to this fraction of its size "
                                      "(0.1: from 90 % to 110 %)."),
    "thickness": ("Stroke thickness", "", 0.1, 1, "Make the strokes thicker or thinner, up to a whole pixel "
                                                   "all round at 1."),
}


class AugmentPanel(QWidget):
    """Shift, rotation, scaling and stroke thickness (0: off), and 4×8 augmented training digits."""

    changed = Signal()  # a strength changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = np.zeros((0, 28, 28), np.float32)
        self._labels = np.zeros(0, np.int64)
        self._seed = 0
        self.spins: dict[str, QDoubleSpinBox] = {}
        note = QLabel("<b>More data without collecting it.</b> Before every batch trains the network, its digits "
                      "are changed a little at random: moved, turned, made larger or smaller, their strokes "
                      "thicker or thinner. The network never sees the same picture twice, so it cannot learn "
                      "the pictures by heart, and it learns that a digit moved or tilted a little is still the "
                      "same digit. 0 switches a change off; the settings apply from the next new run (Reset).")
        note.setWordWrap(True)
        grid = QGridLayout()
        for row, (name, (label, suffix, step, decimals, tip)) in enumerate(CONTROLS.items()):
            spin = QDoubleSpinBox()
            spin.setRange(0.0, LIMITS[name])
            spin.setSingleStep(step)
            spin.setDecimals(decimals)
            spin.setSuffix(suffix)
            spin.setSpecialValueText("off")
            spin.setToolTip(tip)
            spin.setMinimumWidth(90)
            spin.setMaximumWidth(120)
            spin.valueChanged.connect(self._on_changed)
            caption = QLabel(label)
            caption.setToolTip(tip)
            grid.addWidget(caption, row // 2, 3 * (row % 2))
            grid.addWidget(spin, row // 2, 3 * (row % 2) + 1)
            self.spins[name] = spin
        grid.setColumnMinimumWidth(2, 24)
        grid.setColumnStretch(5, 1)
        self.typical_button = QPushButton("Typical")
        self.typical_button.setToolTip(f"A good start: {TYPICAL.describe()}.")
        self.typical_button.clicked.connect(lambda: self.set_augmentation(TYPICAL))
        self.off_button = QPushButton("All off")
        self.off_button.setToolTip("No augmentation: the network sees every digit as it is.")
        self.off_button.clicked.connect(lambda: self.set_augmentation(Augmentation()))
        grid.addWidget(self.typical_button, 0, 6)
        grid.addWidget(self.off_button, 1, 6)
        self.again_button = QPushButton("Other examples")
        self.again_button.setToolTip("Show other training digits, changed by other random amounts.")
        self.again_button.clicked.connect(self._other_examples)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.mosaic = _Mosaic(VARIANTS + 1, 62, 1)
        scroll = QScrollArea()
        scroll.setWidget(self.mosaic)
        scroll.setMinimumHeight(200)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(grid)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self._timer = QTimer(self)  # a spin box held down changes many times a second: one refresh for them
        self._timer.setSingleShot(True)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    # settings ---------------------------------------------------------------------------------------
    def augmentation(self) -> Augmentation:
        return Augmentation(**{name: float(spin.value()) for name, spin in self.spins.items()})

    def applied(self, train: TrainSpec) -> TrainSpec:
        """``train`` with this panel's strengths."""
        return replace(train, **augment.fields_of(self.augmentation()))

    def set_train(self, train: TrainSpec) -> None:
        """Show the strengths of a loaded preset or workspace."""
        self.set_augmentation(train.augmentation, quiet=True)

    def set_augmentation(self, wanted: Augmentation, quiet: bool = False) -> None:
        """Set all four strengths at once (one refresh; ``changed`` unless ``quiet``)."""
        blockers = [QSignalBlocker(spin) for spin in self.spins.values()]
        for name, spin in self.spins.items():
            spin.setValue(getattr(wanted, name))
        del blockers
        self.refresh()
        if not quiet:
            self.changed.emit()

    def set_images(self, images: np.ndarray, labels: np.ndarray) -> None:
        """The training digits to take examples from."""
        self._images = np.asarray(images)
        self._labels = np.asarray(labels).astype(np.int64)
        self.refresh()

    # the grid ---------------------------------------------------------------------------------------
    def _on_changed(self, _value: float) -> None:
        self._timer.start()
        self.changed.emit()

    def _other_examples(self) -> None:
        self._seed += 1
        self.refresh()

    def _examples(self) -> np.ndarray:
        """Which training digits the rows show: the first ones, others after “Other examples”."""
        n = len(self._images)
        if n == 0:
            return np.zeros(0, np.int64)
        if self._seed == 0:
            return np.arange(min(ROWS, n))
        return np.random.default_rng(self._seed).choice(n, size=min(ROWS, n), replace=False)

    def refresh(self) -> None:
        """Draw the grid for the strengths as they are now: per row the original, then seven changed copies."""
        chosen = self._examples()
        augmentation = self.augmentation()
        words = augmentation.describe()
        self.summary.setText(f"Each row: a training digit, then as {VARIANTS} batches might show it ({words})."
                             if words else "Augmentation is off: the network sees every digit as it is.")
        if len(chosen) == 0:
            self.mosaic.set_digits(np.zeros((0, 28, 28), np.float32), [])
            return
        originals = np.asarray(self._images[chosen], np.float32)
        if np.issubdtype(np.asarray(self._images).dtype, np.integer):
            originals = originals / 255.0
        copies = np.repeat(originals, VARIANTS, axis=0)
        changed = augment.preview(copies, augmentation, seed=self._seed).reshape(len(chosen), VARIANTS, 28, 28)
        tiles, captions = [], []
        for row, index in enumerate(chosen):
            tiles.append(originals[row])
            captions.append(f"{int(self._labels[index])} as it is" if len(self._labels) > index else "as it is")
            tiles.extend(changed[row])
            captions.extend([""] * VARIANTS)
        self.mosaic.set_digits(np.stack(tiles), captions)


__all__ = ["AugmentPanel"]
