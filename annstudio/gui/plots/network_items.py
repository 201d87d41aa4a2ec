"""The pieces of the network diagram (:class:`~annstudio.gui.plots.network_view.NetworkView`): a neuron's
square, a weight's curve, the label of a layer drawn between the columns, and a column's bookkeeping.

They hold what the view last gave them (weight, bias, frozen/off) and describe themselves for tooltips only
when asked, so an update of the diagram only changes pens and pictures.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem, QGraphicsTextItem

from .. import style
from ..crash import qt_override


class NodeItem(QGraphicsRectItem):
    """A neuron or an input: a square (centred on x = 0; the column sets its x) with its picture as face."""

    def __init__(self, rect: QRectF, key: tuple[str, int] | None, title: str, tip: str = "") -> None:
        super().__init__(rect)
        self.key, self.title, self.tip = key, title, tip
        self.face: QImage | None = None
        self.frozen = self.off = False
        self.bias: float | None = None
        self._buffer: np.ndarray | None = None
        self.setZValue(2)
        self.setPen(QPen(QColor(0, 0, 0), 3))  # only widens the bounding rect for the frozen outline
        if key is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_face(self, rgba: np.ndarray) -> None:
        self._buffer = np.ascontiguousarray(rgba)
        h, w = self._buffer.shape[:2]
        self.face = QImage(self._buffer.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
        self.update()

    @qt_override
    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.rect()
        painter.setOpacity(0.3 if self.off else 1.0)
        if self.face is not None:
            painter.drawImage(rect, self.face)
        else:
            painter.fillRect(rect, QColor(*style.NEUTRAL))
        pen = QPen(QColor(40, 40, 40), 2.4 if self.frozen else 1.0)
        if self.frozen:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        painter.setOpacity(1.0)
        if self.off:
            painter.setPen(QPen(QColor(90, 90, 90), 1.6))
            painter.drawLine(rect.topLeft(), rect.bottomRight())
            painter.drawLine(rect.topRight(), rect.bottomLeft())
        if self.frozen:
            _draw_lock(painter, QPointF(rect.right() - 1, rect.top() + 1))

    def describe(self) -> str:
        if self.key is None:
            return self.tip or f"Input {self.title}: a number fed into the network."
        text = f"<b>{self.title}</b>"
        if self.bias is not None:
            text += f"<br>bias {self.bias:.4g}"
        if self.frozen:
            text += "<br>frozen: training keeps its weights as they are"
        if self.off:
            text += "<br>switched off: its output is 0"
        return text + "<br>Click to see and change its weights."


def faded(positive: bool, strength: float) -> QColor:
    """The weight colour mixed with white; opaque, because translucent wide curves paint several times
    slower."""
    base = np.array(style.POSITIVE if positive else style.NEGATIVE, float)
    r, g, b = (255.0 + (base - 255.0) * strength).round().astype(int)
    return QColor(int(r), int(g), int(b))


def _draw_lock(painter: QPainter, corner: QPointF) -> None:
    """A small padlock whose top-right corner is at ``corner``."""
    body = QRectF(corner.x() - 10, corner.y() + 5, 9, 7)
    painter.setPen(QPen(QColor(30, 30, 30), 1.4))
    painter.setBrush(QBrush(QColor(255, 255, 255)))
    painter.drawArc(QRectF(body.left() + 1.5, corner.y() + 1, 6, 8), 0, 180 * 16)
    painter.setBrush(QBrush(QColor(30, 30, 30)))
    painter.drawRect(body)


class LinkItem(QGraphicsPathItem):
    """A weight from one neuron to the next: a curve whose width and colour follow the weight."""

    def __init__(self, start: NodeItem, end: NodeItem, source: str) -> None:
        super().__init__()
        self.start, self.end, self.source = start, end, source
        self.weight: float | None = None
        self.look = 0.0   # what its pen shows, to skip setting an unchanged pen
        self.setZValue(1)

    def place(self) -> None:
        a = self.start.mapToScene(self.start.rect().right(), self.start.rect().center().y())
        b = self.end.mapToScene(self.end.rect().left(), self.end.rect().center().y())
        path = QPainterPath(a)
        mid = (a.x() + b.x()) / 2
        path.cubicTo(QPointF(mid, a.y()), QPointF(mid, b.y()), b)
        self.setPath(path)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(max(self.pen().widthF(), 5.0))
        return stroker.createStroke(self.path())

    def describe(self) -> str:
        if self.weight is None:
            return f"From {self.source} to {self.end.title}."
        return f"weight {self.weight:.4g}<br>from {self.source} to {self.end.title}"


class TagItem(QGraphicsTextItem):
    """Text on a pale label, for the layers drawn between the columns."""

    @qt_override
    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor(150, 150, 150)))
        painter.setBrush(QBrush(QColor(250, 246, 225)))
        painter.drawRoundedRect(self.boundingRect().adjusted(1, 1, -1, -1), 3, 3)
        super().paint(painter, option, widget)


@dataclass
class Column:
    title: str
    layer: str | None                 # Keras layer name (Dense columns only)
    index: int | None                 # position in spec.layers
    units: int
    shown: list[int]
    nodes: list[NodeItem] = field(default_factory=list)
    links: list[list[LinkItem]] = field(default_factory=list)   # [source position][target position]
    condensed_box: bool = False


