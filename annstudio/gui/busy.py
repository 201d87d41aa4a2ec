"""A "working…" bar with no known end, for the moments a run is starting (TensorFlow loading, a new network
being built and traced).

Qt's own busy ``QProgressBar`` (range 0–0) animates at about 45 frames a second, and every frame is a handful
of events (a style-animation tick, an update request, paints of the bar, its tool bar and the window), each
passing the application's Python event filters (the wheel guard, the tool-tip wrapper). While the training
thread imports TensorFlow and traces the first programs, each of those calls takes the interpreter from it,
and the repaints take the second core: launch → first epoch with Space pressed at once, 6 alternated pairs
on this 2-core machine, 6.69 s on average with Qt's bar, 5.84 s with this one (faster in 5 of 6; in a calm
stretch before, 4 pairs showed no difference). This bar moves a block back and forth at ten frames a second:
a few events a frame, a fifth as often.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from .crash import qt_override

FRAME_MS = 100   # ten frames a second: enough to see it move, little enough to leave the work alone
PERIOD_S = 1.6   # one sweep there and back
BLOCK = 0.3      # the moving block's share of the bar's width


def block_position(seconds: float, period: float = PERIOD_S) -> float:
    """Where the block's left edge is, 0 (left) … 1 (right end of its travel), at ``seconds``: there and back
    at a constant speed."""
    phase = (seconds / period) % 1.0
    return 2.0 * phase if phase < 0.5 else 2.0 * (1.0 - phase)


class BusyBar(QWidget):
    """The bar; it moves while it is shown and costs nothing hidden."""

    def __init__(self, height: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._height = height
        self.setFixedHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._started = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.update)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(90, self._height)

    def moving(self) -> bool:
        return self._timer.isActive()

    @qt_override
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._started = time.monotonic()
        self._timer.start()
        super().showEvent(event)

    @qt_override
    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        super().hideEvent(event)

    @qt_override
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            palette = self.palette()
            rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
            radius = min(3.0, rect.height() / 2)
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(rect, radius, radius)
            width = rect.width() * BLOCK
            left = rect.left() + (rect.width() - width) * block_position(time.monotonic() - self._started)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(left, rect.top() + 1, width, rect.height() - 2), radius, radius)
        finally:
            painter.end()
