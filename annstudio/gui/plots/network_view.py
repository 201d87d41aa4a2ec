"""The network as a diagram: columns of neurons joined by their weights.

:class:`NetworkView` draws the inputs, every Dense layer and the output as columns of small squares; each
square shows what its neuron computes over the input plane, as TensorFlow Playground does. A link's width
follows the size of its weight, its colour the sign (blue positive, orange negative). Dropout,
BatchNormalization, Activation and Flatten layers are marked between the columns they sit between.
Clicking a neuron asks for it to be edited in a :class:`NeuronEditor` (``neuron_editor.py``); the
diagram's items live in ``network_items.py``.

The items are made once per network; an update only changes pens and pictures, and tooltips are
written when asked for, so a report can be shown 60 times a second.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsTextItem, QGraphicsView, QToolTip, QWidget

from ...core.datasets import expand_features
from ...core.spec import NetworkSpec
from ..crash import qt_override
from .network_items import Column, LinkItem, NodeItem, TagItem, faded
from .neuron_editor import NeuronEditor
from .neurons import colorize, layer_names, layer_titles, levels_for, output_activations

__all__ = ["NetworkView", "NeuronEditor", "is_output_layer", "neuron_sources"]  # NeuronEditor: its old home

NODE = 30.0           # side of a neuron's square (scene units)
PITCH = 42.0          # vertical distance between neurons
COLUMN_GAP = 150.0    # horizontal distance between columns before the widget has a size
MIN_GAP_PX, MAX_GAP_PX = 84.0, 260.0   # columns at least / at most this many pixels apart
TAG_PITCH = 24.0   # px between the tags of layers without neurons (Dropout, BatchNorm, …) stacked up
MAX_FULL = 32         # a column with more units than this is drawn condensed ...
SHOWN = 16            # ... as its first SHOWN units and a "… n more" mark
MIN_WIDTH, MAX_WIDTH = 0.4, 6.0
MAX_SCALE = 1.6       # a tiny network is not blown up beyond this

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
        self._columns: list[Column] = []
        self._nodes: dict[tuple[str, int], NodeItem] = {}
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
                self._columns.append(Column(f"{titles[i]}\n{layer.units} {acts[i]}", names[i], i, layer.units,
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

    def _input_column(self, spec: NetworkSpec) -> Column:
        size = int(np.prod(spec.input_shape))
        if spec.features:
            return Column("input\n" + ("1 feature" if size == 1 else f"{size} features"), None, None, size,
                           list(range(size)))
        shape = "×".join(str(n) for n in spec.input_shape)
        if size > MAX_FULL:
            return Column(f"input\n{shape} image" if len(spec.input_shape) > 1 else f"input\n{size} numbers",
                           None, None, size, [], condensed_box=True)
        return Column("input\n1 number" if size == 1 else f"input\n{size} numbers", None, None, size,
                       list(range(size)))

    def _text(self, html: str, position: float, y: float, align: str, tip: str, tag: bool = False,
              dx: float = 0.0) -> QGraphicsTextItem:
        """Text that keeps its size however the diagram is scaled, placed by ``align`` around the point
        ``dx`` scene units right of column ``position`` at height ``y``: ``above`` (its bottom centre
        there), ``below`` (top centre) or ``left`` (right middle)."""
        item = TagItem() if tag else QGraphicsTextItem()
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

    def _draw_column(self, position: int, column: Column) -> None:
        top = self._rows_top
        self._text("<div align='center'>" + column.title.replace("\n", "<br>") + "</div>", position, top, "above",
                   "The layer's name, how many neurons it has and their activation function.")
        if column.condensed_box:
            tip = f"{column.units} input numbers (one per pixel), too many to draw one by one."
            box = NodeItem(QRectF(-NODE / 2, -2 * PITCH, NODE, 4 * PITCH), None, f"{column.units} inputs", tip)
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
                node = NodeItem(rect, None, title)
                label = self._text(title, position, y, "left", f"Input {title}.", dx=-NODE / 2)
                self._label_px = max(self._label_px, label.boundingRect().width())
            else:
                node = NodeItem(rect, (column.layer, unit), f"{column.title.splitlines()[0]}, neuron {unit + 1}")
                self._nodes[(column.layer, unit)] = node
            self.scene().addItem(node)
            column.nodes.append(node)
        if len(column.shown) < column.units:
            self._text(f"… {column.units - len(column.shown)} more", position, self._node_y(count - 1, count) - 8,
                       "below", f"This layer has {column.units} neurons; only the first {len(column.shown)} "
                                "are drawn.")

    def _draw_links(self, source: Column, target: Column) -> None:
        for start in source.nodes:
            row = []
            for end in target.nodes:
                link = LinkItem(start, end, f"all {source.units} inputs" if source.condensed_box else start.title)
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
                    if y == self._rows_top and not isinstance(item, TagItem)), default=0.0)

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

    def _kernel(self, column: Column) -> np.ndarray | None:
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
                        link.setPen(QPen(faded(block[s, t] >= 0, strength[s, t]), float(widths[s, t])))
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

    def _node_at(self, point: QPoint) -> NodeItem | None:
        for item in self.items(point):
            if isinstance(item, NodeItem):
                return item
        return None

    @qt_override(default=False)
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            node = self._node_at(event.pos())
            links = [i for i in self.items(event.pos()) if isinstance(i, LinkItem)]
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
        key = item.key if isinstance(item, NodeItem) else self._link_key(item)
        found = ""
        if key is not None and getattr(self, "formula", None) is not None:
            try:
                found = self.formula(*key) if isinstance(item, LinkItem) else self.formula(key[0], None, key[1])
            except Exception:  # noqa: BLE001 - a tooltip must never raise into Qt
                found = ""
        return found or item.describe()

    def _link_key(self, link: LinkItem) -> tuple[str, int, int] | None:
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
                   and not isinstance(item, TagItem)]
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

    def node_item(self, layer: str, unit: int) -> NodeItem:
        return self._nodes[(layer, unit)]

    def node_position(self, layer: str, unit: int) -> QPoint:
        """Where the neuron's centre is on the viewport (for clicking it)."""
        return self.mapFromScene(self._nodes[(layer, unit)].sceneBoundingRect().center())

    def link_item(self, layer: str, source: int, target: int) -> LinkItem:
        """The link into neuron ``target`` of ``layer`` from drawn neuron/input number ``source``."""
        column = next(c for c in self._columns if c.layer == layer)
        return column.links[source][column.shown.index(target)]

