"""The network as a diagram (columns of neurons joined by their weights) and an editor for one neuron.

:class:`NetworkView` draws the inputs, every Dense layer and the output as columns of small squares; each
square shows what its neuron computes over the input plane, as TensorFlow Playground does. A link's width
follows the size of its weight, its colour the sign (blue positive, orange negative). Dropout,
BatchNormalization, Activation and Flatten layers are marked between the columns they sit between.
Clicking a neuron asks for it to be edited in a :class:`NeuronEditor`.

The items are made once per network; an update only changes pens and pictures, and tooltips are
written when asked for, so a report can be shown 60 times a second.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QImage, QKeyEvent, QPainter, QPainterPath, QPainterPathStroker, QPen, \
    QTransform
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QGraphicsItem, QGraphicsPathItem,
                               QGraphicsRectItem, QGraphicsScene, QGraphicsTextItem, QGraphicsView, QHBoxLayout,
                               QLabel, QPushButton, QScrollArea, QSizePolicy, QToolTip, QVBoxLayout, QWidget)

from ...core.datasets import expand_features
from ...core.spec import NetworkSpec
from .. import style
from ..crash import qt_override
from .neurons import colorize, layer_names, layer_titles, levels_for, output_activations

NODE = 30.0           # side of a neuron's square (scene units)
PITCH = 42.0          # vertical distance between neurons
COLUMN_GAP = 150.0    # horizontal distance between columns before the widget has a size
MIN_GAP_PX, MAX_GAP_PX = 84.0, 260.0   # columns at least / at most this many pixels apart
TAG_PITCH = 24.0   # px between the tags of layers without neurons (Dropout, BatchNorm, …) stacked up
MAX_FULL = 32         # a column with more units than this is drawn condensed ...
SHOWN = 16            # ... as its first SHOWN units and a "… n more" mark
MIN_WIDTH, MAX_WIDTH = 0.4, 6.0
MAX_SCALE = 1.6       # a tiny network is not blown up beyond this
LIMIT = 1000.0        # largest weight or bias the editor accepts
MAX_EDITABLE = 128    # more incoming weights than this are not offered one by one

_CAPTION = "Lines are weights: blue positive, orange negative, thicker = larger. Click a neuron to change it."
_CAPTION_FLAGS = int(Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
_MARK_TIPS = {
    "dropout": "Dropout: while training, this many of the previous layer's outputs are set to 0 at random "
               "in every batch, so the network cannot rely on any single neuron.",
    "batchnorm": "Batch normalization: rescales the previous layer's outputs to mean 0 and spread 1 "
                 "(then learns a scale and shift), which helps deep networks train.",
    "activation": "An activation function applied to every output of the previous layer.",
    "flatten": "Flatten: the image's rows are laid end to end into one long list of numbers.",
}


def neuron_sources(spec: NetworkSpec, layer_name: str) -> list[str]:
    """Where the inputs of a neuron of ``layer_name`` come from, in the words of the diagram: feature names
    for the first layer (``x1``, ``pixel 5`` …), ``layer 1, neuron 3`` for later ones."""
    names, titles = layer_names(spec), layer_titles(spec)
    index = names.index(layer_name)
    previous = [i for i in range(index) if spec.layers[i].kind == "dense"]
    if previous:
        before = previous[-1]
        return [f"{titles[before]}, neuron {k + 1}" for k in range(spec.layers[before].units)]
    if spec.features:
        return list(spec.features)
    size = int(np.prod(spec.input_shape))
    if size == 1:
        return ["x"]
    return [f"pixel {k + 1}" if len(spec.input_shape) > 1 else f"input {k + 1}" for k in range(size)]


def is_output_layer(spec: NetworkSpec, layer_name: str) -> bool:
    dense = [n for n, layer in zip(layer_names(spec), spec.layers) if layer.kind == "dense"]
    return bool(dense) and dense[-1] == layer_name


# ---------------------------------------------------------------------------------------------------
# Scene items

class _Node(QGraphicsRectItem):
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


def _faded(positive: bool, strength: float) -> QColor:
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


class _Link(QGraphicsPathItem):
    """A weight from one neuron to the next: a curve whose width and colour follow the weight."""

    def __init__(self, start: _Node, end: _Node, source: str) -> None:
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


class _Tag(QGraphicsTextItem):
    """Text on a pale label, for the layers drawn between the columns."""

    @qt_override
    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor(150, 150, 150)))
        painter.setBrush(QBrush(QColor(250, 246, 225)))
        painter.drawRoundedRect(self.boundingRect().adjusted(1, 1, -1, -1), 3, 3)
        super().paint(painter, option, widget)


@dataclass
class _Column:
    title: str
    layer: str | None                 # Keras layer name (Dense columns only)
    index: int | None                 # position in spec.layers
    units: int
    shown: list[int]
    nodes: list[_Node] = field(default_factory=list)
    links: list[list[_Link]] = field(default_factory=list)   # [source position][target position]
    condensed_box: bool = False


# ---------------------------------------------------------------------------------------------------

class NetworkView(QGraphicsView):
    """The network as columns of neurons joined by weights. Click a neuron to edit it.

    Texts keep their size in pixels; the squares and links are scaled so that the tallest column fits the
    height, and the columns are spread over the width (with a scroll bar when there are too many).
    """

    neuron_clicked = Signal(str, int)   # (Keras layer name, unit index from 0)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hovered = None  # the node or link under the mouse (its tip follows new numbers)
        self.setScene(QGraphicsScene(self))
        self.setBackgroundBrush(QColor(255, 255, 255))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(240, 160)
        self.setToolTip("The network: inputs on the left, output on the right. Lines are weights: "
                        "blue = positive, orange = negative, thicker = larger. Click a neuron to change it.")
        self._spec: NetworkSpec | None = None
        self._columns: list[_Column] = []
        self._nodes: dict[tuple[str, int], _Node] = {}
        self._texts: list[tuple[QGraphicsTextItem, float, float, float]] = []   # (item, column, dx, y)
        self._weights: dict[str, tuple] = {}
        self._frozen: set[tuple[str, int]] = set()
        self._off: set[tuple[str, int]] = set()
        self._input_key: tuple | None = None
        self._rows_top = self._rows_height = 0.0
        self._label_px = self._top_px = 0.0
        self._gap = COLUMN_GAP

    # building ------------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec) -> None:
        """Draw ``spec`` afresh (links grey until :meth:`update_weights`)."""
        self.scene().clear()
        self._hovered = None  # its item went with the old scene
        self._spec, self._columns, self._nodes, self._texts, self._weights = spec, [], {}, [], {}
        self._input_key, self._gap = None, -1.0
        self._label_px, self._top_px = 0.0, 48.0
        self._columns.append(self._input_column(spec))
        names, titles, acts = layer_names(spec), layer_titles(spec), output_activations(spec)
        marks: list[list[int]] = [[]]
        for i, layer in enumerate(spec.layers):
            if layer.kind == "dense":
                shown = list(range(layer.units)) if layer.units <= MAX_FULL else list(range(SHOWN))
                self._columns.append(_Column(f"{titles[i]}\n{layer.units} {acts[i]}", names[i], i, layer.units,
                                             shown))
                marks.append([])
            else:
                marks[-1].append(i)
        rows = max(len(c.shown) + (len(c.shown) < c.units) for c in self._columns)
        self._rows_top, self._rows_height = -rows * PITCH / 2, rows * PITCH
        for position, column in enumerate(self._columns):
            self._draw_column(position, column)
        for position in range(1, len(self._columns)):
            self._draw_links(self._columns[position - 1], self._columns[position])
        for position, found in enumerate(marks):
            self._draw_marks(position, found)
        self._restyle_nodes()
        self._restyle_links()
        self._fit()

    def _input_column(self, spec: NetworkSpec) -> _Column:
        size = int(np.prod(spec.input_shape))
        if spec.features:
            return _Column("input\n" + ("1 feature" if size == 1 else f"{size} features"), None, None, size,
                           list(range(size)))
        shape = "×".join(str(n) for n in spec.input_shape)
        if size > MAX_FULL:
            return _Column(f"input\n{shape} image" if len(spec.input_shape) > 1 else f"input\n{size} numbers",
                           None, None, size, [], condensed_box=True)
        return _Column("input\n1 number" if size == 1 else f"input\n{size} numbers", None, None, size,
                       list(range(size)))

    def _text(self, html: str, position: float, y: float, align: str, tip: str, tag: bool = False,
              dx: float = 0.0) -> QGraphicsTextItem:
        """Text that keeps its size however the diagram is scaled, placed by ``align`` around the point
        ``dx`` scene units right of column ``position`` at height ``y``: ``above`` (its bottom centre
        there), ``below`` (top centre) or ``left`` (right middle)."""
        item = _Tag() if tag else QGraphicsTextItem()
        item.setHtml(html)
        item.setTextWidth(item.boundingRect().width())   # lets align='center' centre the lines
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setToolTip(tip)
        item.setZValue(4)
        box = item.boundingRect()
        shift = {"above": (-box.width() / 2, -box.height()), "below": (-box.width() / 2, 0.0),
                 "left": (-box.width() - 4, -box.height() / 2)}[align]
        item.setTransform(QTransform.fromTranslate(*shift))
        self.scene().addItem(item)
        self._texts.append((item, position, dx, y))
        return item

    def _node_y(self, k: int, count: int) -> float:
        return (k - (count - 1) / 2) * PITCH

    def _draw_column(self, position: int, column: _Column) -> None:
        top = self._rows_top
        self._text("<div align='center'>" + column.title.replace("\n", "<br>") + "</div>", position, top, "above",
                   "The layer's name, how many neurons it has and their activation function.")
        if column.condensed_box:
            tip = f"{column.units} input numbers (one per pixel), too many to draw one by one."
            box = _Node(QRectF(-NODE / 2, -2 * PITCH, NODE, 4 * PITCH), None, f"{column.units} inputs", tip)
            self.scene().addItem(box)
            column.nodes.append(box)
            label = self._text(f"<b>{column.units}</b><br>inputs", position, 0.0, "left", tip, dx=-NODE / 2)
            self._label_px = max(self._label_px, label.boundingRect().width())
            return
        count = len(column.shown) + (len(column.shown) < column.units)
        features = self._spec.features if column.layer is None else ()
        for k, unit in enumerate(column.shown):
            y = self._node_y(k, count)
            rect = QRectF(-NODE / 2, y - NODE / 2, NODE, NODE)
            if column.layer is None:
                title = features[unit] if features else "x" if column.units == 1 else f"input {unit + 1}"
                node = _Node(rect, None, title)
                label = self._text(title, position, y, "left", f"Input {title}.", dx=-NODE / 2)
                self._label_px = max(self._label_px, label.boundingRect().width())
            else:
                node = _Node(rect, (column.layer, unit), f"{column.title.splitlines()[0]}, neuron {unit + 1}")
                self._nodes[(column.layer, unit)] = node
            self.scene().addItem(node)
            column.nodes.append(node)
        if len(column.shown) < column.units:
            self._text(f"… {column.units - len(column.shown)} more", position, self._node_y(count - 1, count) - 8,
                       "below", f"This layer has {column.units} neurons; only the first {len(column.shown)} "
                                "are drawn.")

    def _draw_links(self, source: _Column, target: _Column) -> None:
        for start in source.nodes:
            row = []
            for end in target.nodes:
                link = _Link(start, end, f"all {source.units} inputs" if source.condensed_box else start.title)
                self.scene().addItem(link)
                row.append(link)
            target.links.append(row)

    def _draw_marks(self, position: int, indices: list[int]) -> None:
        """Tags for the layers without neurons of their own, between the columns they sit between."""
        for k, i in enumerate(indices):
            layer = self._spec.layers[i]
            text = {"dropout": f"Dropout {layer.rate:g}", "batchnorm": "BatchNorm",
                    "activation": layer.activation, "flatten": "Flatten"}.get(layer.kind, layer.kind)
            tag = self._text(text, position + 0.5, self._rows_top, "above", _MARK_TIPS.get(layer.kind, text),
                             tag=True)
            # above the layers' headers, one tag a line in the layers' order: they never cover a header
            headers = self._header_height()
            tag.setTransform(tag.transform().translate(0, -headers - 2 - (len(indices) - 1 - k) * TAG_PITCH))
            self._top_px = max(self._top_px, headers + TAG_PITCH * len(indices) + 6)

    def _header_height(self) -> float:
        """The tallest layer header in pixels (they stand above the top row of neurons)."""
        return max((item.boundingRect().height() for item, _, _, y in self._texts
                    if y == self._rows_top and not isinstance(item, _Tag)), default=0.0)

    def _widest_header(self) -> float:
        return max((item.boundingRect().width() for item, _, _, y in self._texts
                    if y == self._rows_top), default=0.0)

    def _place(self, gap: float) -> None:
        """Put the columns ``gap`` scene units apart (done when the widget's shape changes)."""
        if abs(gap - self._gap) < 0.5:
            return
        self._gap = gap
        for position, column in enumerate(self._columns):
            for node in column.nodes:
                node.setPos(position * gap, 0.0)
        for column in self._columns:
            for row in column.links:
                for link in row:
                    link.place()
        for item, position, dx, y in self._texts:
            item.setPos(position * gap + dx, y)

    # updating ------------------------------------------------------------------------------------
    def update_weights(self, weights: tuple) -> None:
        """Set link widths and colours (and the biases shown in tooltips) from ``((name, arrays), ...)``."""
        self._weights = {name: arrays for name, arrays in weights}
        self._restyle_links()
        self._refresh_tooltip()

    def _kernel(self, column: _Column) -> np.ndarray | None:
        arrays = self._weights.get(column.layer)
        kernel = np.asarray(arrays[0]) if arrays else None
        if kernel is None or kernel.ndim != 2 or kernel.shape[1] != column.units:
            return None
        if len(arrays) > 1:
            bias = np.asarray(arrays[1])
            for unit, node in zip(column.shown, column.nodes):
                node.bias = float(bias[unit])
        return kernel

    def _restyle_links(self) -> None:
        pairs = [(previous, column, self._kernel(column)) for previous, column in zip(self._columns, self._columns[1:])]
        drawn = [k for previous, _, k in pairs if k is not None and not previous.condensed_box and k.size]
        largest = max((float(np.max(np.abs(k))) for k in drawn), default=0.0) or 1.0
        grey = QPen(QColor(190, 190, 190), MIN_WIDTH)
        for previous, column, kernel in pairs:
            if kernel is None or previous.condensed_box or kernel.shape[0] != previous.units:
                for row in column.links:
                    for link in row:
                        link.weight = None
                        if link.look != -2.0:
                            link.look = -2.0
                            link.setPen(grey)
                continue
            block = kernel[np.ix_(previous.shown, column.shown)]
            size = np.abs(block) / largest
            widths = np.round(np.clip(size * MAX_WIDTH, MIN_WIDTH, MAX_WIDTH), 1)
            strength = np.round(np.clip(0.25 + 0.75 * size, 0.25, 1.0), 2)
            looks = (block >= 0) * 1_000_000 + widths * 1000 + strength * 100   # a pen changes only when this does
            for s, (start, row) in enumerate(zip(previous.nodes, column.links)):
                silent = start.key is not None and start.key in self._off
                for t, link in enumerate(row):
                    link.weight = float(block[s, t])
                    look = -1.0 if silent else float(looks[s, t])
                    if look == link.look:
                        continue
                    link.look = look
                    if silent:
                        link.setPen(QPen(QColor(150, 150, 150), MIN_WIDTH, Qt.PenStyle.DotLine))
                        link.setZValue(1.0)
                    else:
                        link.setPen(QPen(_faded(block[s, t] >= 0, strength[s, t]), float(widths[s, t])))
                        link.setZValue(1.0 + 0.9 * float(size[s, t]))   # strong links over weak ones, under squares

    def update_maps(self, neuron_maps: tuple | list | None, axes: tuple | None = None) -> None:
        """Show each neuron's output over the input plane as its face (see :mod:`.neurons`); ``axes`` =
        (xs, ys) of the grid also gives the inputs their faces."""
        spec = self._spec
        if spec is None or not neuron_maps or len(neuron_maps) != len(spec.layers):
            return
        acts = output_activations(spec)
        for column in self._columns[1:]:
            values = np.asarray(neuron_maps[column.index])
            if values.ndim != 3 or values.shape[2] != column.units:
                continue
            rgba = colorize(values[::-1, :, column.shown], levels_for(acts[column.index], values))
            for k, node in enumerate(column.nodes):
                node.set_face(rgba[:, :, k])
        if axes is not None and len(axes) == 2 and spec.features:
            self._input_faces(axes)

    def _input_faces(self, axes: tuple) -> None:
        xs, ys = (np.asarray(a, np.float32) for a in axes)
        key = (len(xs), len(ys), float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
        if key == self._input_key:
            return
        self._input_key = key
        gx, gy = np.meshgrid(xs, ys)
        values = expand_features(np.column_stack([gx.ravel(), gy.ravel()]), self._spec.features)
        values = values.reshape(len(ys), len(xs), -1)
        for unit, node in zip(self._columns[0].shown, self._columns[0].nodes):
            plane = values[::-1, :, unit]
            node.set_face(colorize(plane, levels_for("linear", plane)))

    def set_neuron_states(self, frozen: set[tuple[str, int]], off: set[tuple[str, int]]) -> None:
        """Mark frozen neurons (dashed outline and a lock) and switched-off ones (greyed and crossed)."""
        self._frozen, self._off = set(frozen), set(off)
        self._restyle_nodes()
        self._restyle_links()

    def _restyle_nodes(self) -> None:
        for key, node in self._nodes.items():
            node.frozen, node.off = key in self._frozen, key in self._off
            node.update()

    # interaction ---------------------------------------------------------------------------------
    @qt_override
    def mousePressEvent(self, event) -> None:
        """A click on a neuron asks for it to be edited; clicks elsewhere are taken and do nothing."""
        if event.button() == Qt.MouseButton.LeftButton:
            node = self._node_at(event.position().toPoint())
            if node is not None and node.key is not None:
                self.neuron_clicked.emit(*node.key)
        event.accept()

    @qt_override
    def mouseReleaseEvent(self, event) -> None:
        event.accept()

    def _node_at(self, point: QPoint) -> _Node | None:
        for item in self.items(point):
            if isinstance(item, _Node):
                return item
        return None

    @qt_override(default=False)
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            node = self._node_at(event.pos())
            links = [i for i in self.items(event.pos()) if isinstance(i, _Link)]
            self._hovered = node if node is not None else links[0] if links else None
            text = self.hover_text(self._hovered)
            if text:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().viewportEvent(event)

    def hover_text(self, item) -> str:
        """A neuron's or link's tooltip: its formula with the current numbers when ``formula`` (a callable
        ``(layer name, source unit or None, unit) -> str``) gives one, else its plain description."""
        if item is None:
            return ""
        key = item.key if isinstance(item, _Node) else self._link_key(item)
        found = ""
        if key is not None and getattr(self, "formula", None) is not None:
            try:
                found = self.formula(*key) if isinstance(item, _Link) else self.formula(key[0], None, key[1])
            except Exception:  # noqa: BLE001 - a tooltip must never raise into Qt
                found = ""
        return found or item.describe()

    def _link_key(self, link: _Link) -> tuple[str, int, int] | None:
        for previous, column in zip(self._columns, self._columns[1:]):
            for s, row in enumerate(column.links):
                if link in row and s < len(previous.shown):
                    return column.layer, previous.shown[s], column.shown[row.index(link)]
        return None

    def _refresh_tooltip(self) -> None:
        """Keep a shown formula current while training changes the numbers under it."""
        item = self._hovered
        if item is not None and QToolTip.isVisible() and self.underMouse():
            text = self.hover_text(item)
            if text and text != QToolTip.text():
                QToolTip.showText(QCursor.pos(), text, self)

    @qt_override
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Scale so the tallest column fits the height (never above MAX_SCALE) and spread the columns
        over the width, MIN_GAP_PX to MAX_GAP_PX apart, leaving room in pixels for the texts."""
        if not self._columns:
            return
        view = self.viewport().rect()
        top, bottom = self._top_px, self._caption_rect().height() + 12.0
        scale = max(min((view.height() - top - bottom) / self._rows_height, MAX_SCALE), 0.05)
        gaps = len(self._columns) - 1
        headers = [item.boundingRect().width() / 2 for item, _, _, y in self._texts if y == self._rows_top
                   and not isinstance(item, _Tag)]
        left = max(headers[0], NODE * scale / 2 + self._label_px + 8) + 8
        right = max(headers[-1], NODE * scale / 2) + 8
        if gaps:
            # never closer than the widest header or tag (labels must not overlap): a scroll bar instead
            least = max(MIN_GAP_PX, self._widest_header() + 8)
            gap_px = max(min(max((view.width() - left - right) / gaps, least), MAX_GAP_PX), least)
            scale = min(scale, gap_px / (2.5 * NODE))      # squares stay well apart from the next column
            self._place(gap_px / scale)
        else:
            self._place(COLUMN_GAP)
        geometry = QRectF(0.0, self._rows_top, gaps * self._gap, self._rows_height)
        rect = geometry.adjusted(-left / scale, -top / scale, right / scale, bottom / scale)
        self.setSceneRect(rect)
        self.setTransform(QTransform.fromScale(scale, scale))
        if rect.width() * scale > view.width():   # too wide: start at the inputs, scroll for the rest
            self.centerOn(QPointF(rect.left() + view.width() / 2 / scale, rect.center().y()))
        else:
            self.centerOn(rect.center())

    def _caption_rect(self) -> QRectF:
        area = self.viewport().rect().adjusted(6, 0, -6, -4)
        found = self.fontMetrics().boundingRect(area, _CAPTION_FLAGS, _CAPTION)
        return QRectF(found)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if not self._columns:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(QColor(110, 110, 110))
        area = self.viewport().rect().adjusted(6, 0, -6, -4)
        painter.setFont(self.font())
        painter.drawText(area, _CAPTION_FLAGS, _CAPTION)
        painter.restore()

    # for tests and the window ----------------------------------------------------------------------
    def node_count(self) -> int:
        """Squares drawn: inputs (or the one box of a condensed input) and shown neurons."""
        return sum(len(c.nodes) for c in self._columns)

    def link_count(self) -> int:
        return sum(len(row) for c in self._columns for row in c.links)

    def node_item(self, layer: str, unit: int) -> _Node:
        return self._nodes[(layer, unit)]

    def node_position(self, layer: str, unit: int) -> QPoint:
        """Where the neuron's centre is on the viewport (for clicking it)."""
        return self.mapFromScene(self._nodes[(layer, unit)].sceneBoundingRect().center())

    def link_item(self, layer: str, source: int, target: int) -> _Link:
        """The link into neuron ``target`` of ``layer`` from drawn neuron/input number ``source``."""
        column = next(c for c in self._columns if c.layer == layer)
        return column.links[source][column.shown.index(target)]


# ---------------------------------------------------------------------------------------------------

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
