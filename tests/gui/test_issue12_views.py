"""Fixes from issue 12 that a user meets in the views: hovering a confusion matrix, the neuron editor after
a load, the data-set combo's separator, the builder's output layer."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint

from annstudio.core.words import plural
from annstudio.gui.mnist_views import ConfusionMatrixView


def _shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_plural_takes_numpy_integers():
    assert plural(np.int64(1), "digit") == "1 digit"
    assert plural(np.int64(3), "digit") == "3 digits"
    assert plural(np.uint8(0), "drawing") == "0 drawings"


def test_hovering_the_confusion_matrix_names_each_cell(qtbot):
    view = _shown(qtbot, ConfusionMatrixView())
    view.set_predictions(np.array([0, 4, 4, 4, 9]), np.array([0, 4, 9, 9, 9]))
    for (true, predicted), words in {(4, 9): "2 digits that are a 4, read as a 9",
                                     (0, 0): "1 digit that is a 0, read as a 0",
                                     (3, 5): "0 digits that are a 3, read as a 5"}.items():
        qtbot.mouseMove(view, view.cell_rect(true, predicted).center())
        qtbot.waitUntil(lambda words=words: words in view.toolTip(), timeout=2000)
    qtbot.mouseMove(view, QPoint(5, 5))  # the margin, outside every cell: the general tip again
    qtbot.waitUntil(lambda: view.toolTip() == ConfusionMatrixView.TIP, timeout=2000)
