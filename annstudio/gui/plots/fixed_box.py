"""A box that holds a label whose text changes while training, at a size that does not follow the text."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ..crash import qt_override


class FixedSizeBox(QWidget):
    """Holds a label whose text changes every frame at a fixed size that follows this box's size.

    A label's new text asks its layout to re-lay out, which re-lays out (and repaints) the whole window;
    Qt skips that only for a widget of fixed width and height.
    """

    def __init__(self, label: QLabel, lines: int) -> None:
        super().__init__()
        self._label = label
        label.setParent(self)
        label.move(0, 0)
        self.setMinimumWidth(120)
        self.setFixedHeight(lines * label.fontMetrics().lineSpacing() + 4)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    @qt_override
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._label.setFixedSize(event.size())
        super().resizeEvent(event)
