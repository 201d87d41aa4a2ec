"""What the MNIST workspace's modules share: constants, sentences, small widgets."""
from __future__ import annotations

import logging

from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from ...core import datasets
from ..mnist_views import DigitGallery, FirstLayerWeights

log = logging.getLogger("annstudio.gui.mnist_workspace")

PRESET = "mnist-mlp"
LOSS_REDRAW_S = 0.1
DOWNLOAD_MB = 11
PERSONAL_REPEAT = 20   # each of your drawings counts this many times in training, so that it matters
TABS = ("Data", "Training", "Results", "Draw", "Augment")
ERROR_COLOUR = "#c62828"
WEIGHTS_TIP = "What each neuron of the first hidden layer looks for in the image."
HIGHLIGHT_STYLE = ("QPushButton { font-weight: bold; border: 2px solid #e65100; border-radius: 4px; "
                   "padding: 4px 12px; background: #fff3e0; }")


def count(n: int) -> str:
    """60000 -> "60 000" (a no-break space, as the lecture writes numbers)."""
    return f"{int(n):,}".replace(",", "\u00a0")


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, datasets.DataError) and text:
        first = text.split()[0]
        if "." not in first and "/" not in first and "\\" not in first:  # not a file name: a capital letter
            text = text[0].upper() + text[1:]
        return text.rstrip(".") + "."
    if isinstance(exc, MemoryError):
        return "There is not enough memory to load MNIST (it needs about 250 MB)."
    return f"MNIST could not be loaded because of an unexpected problem ({type(exc).__name__}: {text[:200]})."


def _section(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 6)
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(widget)
    return box


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


class CellGallery(DigitGallery):
    """The test digits of one cell of the confusion matrix, captioned with what the network said."""

    CELL_WIDTH = 84
    CAPTION_LINES = 2

    def __init__(self, parent: QWidget | None = None, columns: int = 6) -> None:
        super().__init__(parent, columns)
        self.filter.setVisible(False)  # a cell holds one true digit already
        self.counts.setVisible(False)


class CompactWeights(FirstLayerWeights):
    """The first layer's weights, in tiles small enough for ten in a row beside the confusion matrix."""

    TILE = 46


# ---------------------------------------------------------------------------------------------------
