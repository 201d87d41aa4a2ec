"""A small drawing of an activation g(a) and its derivative g′(a) over a = −5 … 5, for the layer editor.

Its title says how large g′ can get ("sigmoid: g′ ≤ 0.25"): backpropagation multiplies a gradient by g′
once per layer, so a small bound is why deep sigmoid networks barely learn (the vanishing-gradient lesson).
The numbers come from :mod:`annstudio.core.activations`; this widget only paints them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from annstudio.core import activations

from . import style
from .crash import qt_override

LOW, HIGH = -5.0, 5.0
Y_LIMITS = (-2.0, 3.0)  # linear / ReLU grow without end: show the part around 0 where the shapes differ
VALUE_COLOR = QColor(*style.POSITIVE)
DERIVATIVE_COLOR = QColor(*style.NEGATIVE)


class ActivationCurve(QWidget):
    """g(a) (solid blue) and g′(a) (dashed orange) of one activation, with its derivative's bound as title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(140)
        self.name = ""
        self._curve: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.set_activation("relu")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(220, 86)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(140, 86)

    def title(self) -> str:
        """What the widget writes above the curves, e.g. ``sigmoid: g′ ≤ 0.25``."""
        return f"{self.name}: {activations.DERIVATIVE_BOUND[self.name]}" if self.name else ""

    def set_activation(self, name: str) -> None:
        if name not in activations.NAMES or name == self.name:
            return
        self.name = name
        self._curve = activations.curve(name, LOW, HIGH, 161)
        self.setToolTip(f"{activations.FORMULA[name]}.\nSolid blue: g(a); dashed orange: its derivative g′(a), "
                        f"for a from {LOW:g} to {HIGH:g}. Backpropagation multiplies the gradient by g′ at "
                        "every layer it passes, so a small g′ makes the first layers learn slowly.")
        self.update()

    def _y_range(self) -> tuple[float, float]:
        _, g, d = self._curve
        low = max(min(float(g.min()), float(d.min()), 0.0), Y_LIMITS[0])
        high = min(max(float(g.max()), float(d.max()), 1.0), Y_LIMITS[1])
        pad = 0.08 * (high - low)
        return low - pad, high + pad

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        text_height = self.fontMetrics().height()
        painter.setPen(QColor(30, 30, 30))
        painter.drawText(QRectF(4, 1, self.width() - 8, text_height), Qt.AlignmentFlag.AlignLeft, self.title())
        painter.setPen(DERIVATIVE_COLOR)
        painter.drawText(QRectF(4, 1, self.width() - 8, text_height), Qt.AlignmentFlag.AlignRight, "g′")
        painter.setPen(VALUE_COLOR)
        painter.drawText(QRectF(4, 1, self.width() - 30, text_height), Qt.AlignmentFlag.AlignRight, "g")
        if self._curve is None:
            return
        area = QRectF(6, text_height + 3, self.width() - 12, self.height() - text_height - 6)
        if area.width() < 10 or area.height() < 10:
            return
        a, g, d = self._curve
        y_low, y_high = self._y_range()

        def to_point(x: float, y: float) -> QPointF:
            return QPointF(area.left() + (x - LOW) / (HIGH - LOW) * area.width(),
                           area.bottom() - (y - y_low) / (y_high - y_low) * area.height())

        painter.setPen(QPen(QColor(190, 190, 190), 1))
        painter.drawLine(to_point(LOW, 0.0), to_point(HIGH, 0.0))
        painter.drawLine(to_point(0.0, y_low), to_point(0.0, y_high))
        painter.setClipRect(area)
        for values, color, dash in ((g, VALUE_COLOR, Qt.PenStyle.SolidLine),
                                    (d, DERIVATIVE_COLOR, Qt.PenStyle.DashLine)):
            path = QPainterPath(to_point(float(a[0]), float(values[0])))
            for x, y in zip(a[1:], values[1:]):
                path.lineTo(to_point(float(x), float(y)))
            pen = QPen(color, 2)
            pen.setStyle(dash)
            painter.setPen(pen)
            painter.drawPath(path)
