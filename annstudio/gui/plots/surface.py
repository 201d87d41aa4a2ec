"""The data plot: points coloured by class over the network's output as a heat map (Playground's view),
the first layer's "hidden lines", and clicks that add or erase points when the user edits the data.

For 1-D regression it shows the points and the fitted curve instead.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from ...core.stopping import validation_start
from .. import style
from ..crash import qt_override
from .ranges import cached_axes

if TYPE_CHECKING:
    from ...core.datasets import Dataset

HEAT_ALPHA = 135          # how strongly the heat map covers the white background (0–255)
ERASER_PIXELS = 14        # radius of the eraser, in screen pixels
LEVELS = 257              # colour steps of the heat map; odd, so that p = 0.5 is exactly white
MAX_LINE_LABELS = 12      # more hidden lines than this get no numbers (they would only clutter)


# ---------------------------------------------------------------------------------------------------
# numpy helpers (no Qt): colours and lines

def _blend(color: tuple[int, int, int], strength: np.ndarray) -> np.ndarray:
    """RGBA rows going from white (strength 0) to ``color`` (strength 1)."""
    s = np.asarray(strength, dtype=np.float64)[:, None]
    rgb = (1 - s) * 255 + s * np.asarray(color, dtype=np.float64)
    alpha = np.full((len(s), 1), HEAT_ALPHA, dtype=np.float64)
    return np.round(np.hstack([rgb, alpha])).astype(np.uint8)


@lru_cache(maxsize=1)
def binary_lut() -> np.ndarray:
    """LEVELS RGBA colours for p = 0 … 1: orange (class 0) through white (exactly 0.5) to blue (class 1)."""
    p = np.linspace(0.0, 1.0, LEVELS)
    lut = np.where((p < 0.5)[:, None], _blend(style.class_color(0), np.clip(1 - 2 * p, 0, 1)),
                   _blend(style.class_color(1), np.clip(2 * p - 1, 0, 1)))
    return _read_only(lut.astype(np.uint8))


@lru_cache(maxsize=8)
def class_luts(classes: int) -> np.ndarray:
    """(classes, LEVELS, 4): for each class, white → that class's colour, indexed by how sure the net is."""
    strength = np.linspace(0.0, 1.0, LEVELS)
    return _read_only(np.stack([_blend(style.class_color(c), strength) for c in range(classes)]))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False  # shared through the cache
    return array


def surface_rgba(surface: np.ndarray, discretize: bool = False) -> np.ndarray:
    """The heat map of a (res, res) probability grid (binary) or (res, res, C) class probabilities."""
    surface = np.asarray(surface, dtype=np.float32)
    if surface.ndim == 2:
        p = np.nan_to_num(surface, nan=0.5)
        if discretize:
            index = np.where(p >= 0.5, LEVELS - 1, 0)
        else:
            index = _levels(p)
        return np.ascontiguousarray(binary_lut()[index])
    classes = surface.shape[-1]
    winner = np.argmax(surface, axis=-1)
    if discretize:
        index = np.full(winner.shape, LEVELS - 1)
    else:
        top = np.max(surface, axis=-1)
        sure = (top - 1.0 / classes) / (1.0 - 1.0 / classes)  # 0: a guess among all classes, 1: certain
        index = _levels(np.nan_to_num(sure))
    return np.ascontiguousarray(class_luts(classes)[winner, index])


def _levels(values: np.ndarray) -> np.ndarray:
    """Indices into a LEVELS-long colour table for values in [0, 1]."""
    return np.clip(values * (LEVELS - 1) + 0.5, 0, LEVELS - 1).astype(np.uint16)


def line_segments(kernel: np.ndarray, bias: np.ndarray,
                  box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the lines ``kernel[0, j]·x + kernel[1, j]·y + bias[j] = 0`` cross ``box`` (x0, x1, y0, y1).

    Returns ``(start, end, visible)``: (units, 2) end points and a mask of the lines that cross the box.
    Vertical and horizontal lines work; a unit with both weights ≈ 0 has no line.
    """
    a = np.asarray(kernel, dtype=np.float64)[0]
    b = np.asarray(kernel, dtype=np.float64)[1]
    c = np.asarray(bias, dtype=np.float64).reshape(-1)
    x0, x1, y0, y1 = box
    tiny = 1e-12 * max(abs(x1 - x0), abs(y1 - y0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        candidates = []
        for x in (x0, x1):  # the left and right edges
            y = -(a * x + c) / b
            candidates.append((np.full_like(y, x), y, (np.abs(b) > tiny) & (y >= y0) & (y <= y1)))
        for y in (y0, y1):  # the bottom and top edges
            x = -(b * y + c) / a
            candidates.append((x, np.full_like(x, y), (np.abs(a) > tiny) & (x >= x0) & (x <= x1)))
    ok = np.stack([p[2] for p in candidates], axis=1)
    xs = np.where(ok, np.stack([p[0] for p in candidates], axis=1), 0.0)
    ys = np.where(ok, np.stack([p[1] for p in candidates], axis=1), 0.0)
    along = xs * -b[:, None] + ys * a[:, None]  # position along the line's direction (−b, a)
    first = np.argmin(np.where(ok, along, np.inf), axis=1)
    last = np.argmax(np.where(ok, along, -np.inf), axis=1)
    rows = np.arange(len(a))
    start = np.column_stack([xs[rows, first], ys[rows, first]])
    end = np.column_stack([xs[rows, last], ys[rows, last]])
    visible = ok.any(axis=1) & (np.hypot(*(end - start).T) > tiny)
    return start, end, visible


# ---------------------------------------------------------------------------------------------------

class SurfacePlot(QWidget):
    """The data and what the network makes of it. Shows what it is given; changes nothing itself.

    Signals (edit mode only): ``point_clicked(x, y)`` on a left click; ``erase_requested(x, y, radius)``
    along a right-button or Shift+left drag. All in data coordinates.
    """

    point_clicked = Signal(float, float)
    erase_requested = Signal(float, float, float)
    point_picked = Signal(float, float)   # pick mode (not edit mode): a left click chooses a point

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._surface: np.ndarray | None = None
        self._axes: tuple | None = None
        self._lines: tuple[np.ndarray, np.ndarray] | None = None
        self._edit_mode = False
        self._erasing = False
        self._pick_mode = False   # a left click chooses a training point (the Backprop tab)
        self._picked: pg.ScatterPlotItem | None = None  # the ring around the chosen point

        self._show_test = QCheckBox("Test data (squares)")
        self._show_test.setToolTip("Also draw the points held back for testing, as squares. The network "
                                   "never learns from them; they show how well it does on new data.")
        self._show_test.setChecked(True)
        self._show_test.toggled.connect(self._apply_visibility)
        self._discretize = QCheckBox("Discretize")
        self._discretize.setToolTip("Colour every place by the class the network would choose, without "
                                    "shades for how sure it is (a probability of 0.5 or more counts as class 1).")
        self._discretize.toggled.connect(lambda _: self._draw_surface())
        self._hidden = QCheckBox("Hidden lines")
        self._hidden.setToolTip("Draw one line per neuron of the first hidden layer: where its weighted sum "
                                "w1·x1 + w2·x2 + b is 0. Its output changes most across that line. Only "
                                "available when the network's inputs are exactly x1 and x2.")
        self._hidden.toggled.connect(self._apply_visibility)
        self._hidden.setEnabled(False)
        switches = QHBoxLayout()
        for box in (self._show_test, self._discretize, self._hidden):
            switches.addWidget(box)
        switches.addStretch(1)

        self._view = pg.PlotWidget(axisItems=cached_axes())
        self._plot = self._view.getPlotItem()
        # no grid: the heat map shows where things are, and grid lines cost ~20 ms a frame to paint
        self._plot.setMenuEnabled(False)
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setZValue(-10)
        self._plot.addItem(self._image, ignoreBounds=True)
        self._curve = pg.PlotCurveItem(pen=pg.mkPen((40, 40, 40), width=2.5))
        self._curve.setZValue(5)
        self._plot.addItem(self._curve)
        self._hidden_curve = pg.PlotCurveItem(pen=pg.mkPen((60, 60, 60), width=2), connect="pairs")
        self._hidden_curve.setZValue(6)
        self._plot.addItem(self._hidden_curve, ignoreBounds=True)
        self._line_labels: list[pg.TextItem] = []
        self._label_wanted: list[bool] = []
        self._train = pg.ScatterPlotItem(size=8, symbol="o", pen=pg.mkPen("w", width=1))
        self._test = pg.ScatterPlotItem(size=8, symbol="s", pen=pg.mkPen((30, 30, 30), width=1.2))
        self._train.setZValue(10)
        self._test.setZValue(11)
        self._plot.addItem(self._train)
        self._plot.addItem(self._test)
        # the validation points (the last fraction of the training points, as Keras takes them): hollow rings
        self._val_fraction = 0.0
        self._val = pg.ScatterPlotItem(size=9, symbol="o", brush=pg.mkBrush(255, 255, 255, 170))
        self._val.setZValue(10)
        self._val.setToolTip("Validation points: held out of training; their loss is the validation loss.")
        self._plot.addItem(self._val)
        self._eraser = pg.ScatterPlotItem(size=2 * ERASER_PIXELS, symbol="o", brush=None,
                                          pen=pg.mkPen((80, 80, 80), width=1, style=Qt.PenStyle.DashLine))
        self._eraser.setZValue(20)
        # the point that moved the perceptron's line last: a ring around it
        self._marked = pg.ScatterPlotItem(size=20, symbol="o", brush=None, pen=pg.mkPen((200, 0, 120), width=3))
        self._marked.setZValue(15)
        self._marked.setToolTip("The last point the perceptron got wrong: the rule moved the line toward it.")
        self._plot.addItem(self._marked, ignoreBounds=True)
        self._eraser.setVisible(False)
        self._plot.addItem(self._eraser, ignoreBounds=True)
        self._view.viewport().installEventFilter(self)

        self._class_brushes = [pg.mkBrush(style.class_color(c)) for c in range(len(style.CLASS_COLORS))]
        self._value_brush = pg.mkBrush(70, 70, 70)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(switches)
        layout.addWidget(self._view, 1)
        self._set_axis_labels("x1", "x2")

    # data -----------------------------------------------------------------------------------------
    def set_dataset(self, dataset: Dataset | None) -> None:
        """Show ``dataset``'s points and fit the view to its bounds (2-D classes or 1-D regression)."""
        if dataset is not None and dataset.input_dim not in (1, 2):
            dataset = None  # images (MNIST): there is no plane to draw them in
        self._dataset = dataset
        if dataset is None:
            self._train.setData([], [])
            self._test.setData([], [])
            self._val.setData([], [])
            self._apply_visibility()
            return
        regression = dataset.input_dim == 1
        split = validation_start(len(dataset.x_train), self._val_fraction)
        x, y = dataset.x_train[split:], dataset.y_train[split:]
        pens = ([pg.mkPen(70, 70, 70, width=2)] * len(x) if regression else
                [pg.mkPen(style.class_color(int(c)), width=2.5) for c in y])
        self._val.setData(x=np.asarray(x[:, 0], float), y=np.asarray(y if regression else x[:, 1], float), pen=pens)
        dataset = replace(dataset, x_train=dataset.x_train[:split], y_train=dataset.y_train[:split])
        if regression:
            self._set_axis_labels("x", "y")
            self._fill(self._train, dataset.x_train[:, 0], dataset.y_train, None)
            self._fill(self._test, dataset.x_test[:, 0], dataset.y_test, None)
            x0, x1, y0, y1 = dataset.bounds
            self._set_range(x0, x1, y0, y1, padding=0.08)
        else:
            self._set_axis_labels("x1", "x2")
            self._fill(self._train, dataset.x_train[:, 0], dataset.x_train[:, 1], dataset.y_train)
            self._fill(self._test, dataset.x_test[:, 0], dataset.x_test[:, 1], dataset.y_test)
            self._set_range(*dataset.bounds, padding=0.0)
        if self._surface is not None and (self._surface.ndim == 1) != regression:
            self.set_surface(None)
        if self._lines is not None:
            self.set_hidden_lines(*self._lines)
        self._apply_visibility()

    def set_validation_split(self, fraction: float) -> None:
        """Draw the last ``fraction`` of the training points as validation points (hollow rings)."""
        if fraction != self._val_fraction:
            self._val_fraction = fraction
            dataset = self._dataset
            if dataset is not None:
                self.set_dataset(dataset)

    def validation_points(self) -> int:
        """How many points are drawn as validation points (tests)."""
        x, _ = self._val.getData()
        return 0 if x is None else len(x)

    def _fill(self, item: pg.ScatterPlotItem, x: np.ndarray, y: np.ndarray, labels: np.ndarray | None) -> None:
        if labels is None:
            item.setData(x=np.asarray(x, float), y=np.asarray(y, float), brush=self._value_brush)
            return
        classes = np.asarray(labels).astype(int) % len(self._class_brushes)
        brushes = [self._class_brushes[c] for c in classes]
        item.setData(x=np.asarray(x, float), y=np.asarray(y, float), brush=brushes)

    def _set_axis_labels(self, x: str, y: str) -> None:
        self._plot.setLabel("bottom", x)
        self._plot.setLabel("left", y)

    def _set_range(self, x0: float, x1: float, y0: float, y1: float, padding: float) -> None:
        if x1 <= x0:
            x0, x1 = x0 - 1, x1 + 1
        if y1 <= y0:
            y0, y1 = y0 - 1, y1 + 1
        self._plot.disableAutoRange()
        self._plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=padding)

    # network output -------------------------------------------------------------------------------
    def set_surface(self, surface: np.ndarray | None, axes: tuple | None = None) -> None:
        """The network's output over the plane (2-D) or along x (regression).

        2-D: ``surface`` is (res, res) — p(class 1) — or (res, res, C), rows along ``axes[1]`` (y) and
        columns along ``axes[0]`` (x). Regression: ``surface`` is (res,) at ``axes[0]``.
        """
        if surface is None or axes is None:
            self._surface = self._axes = None
            self._image.clear()
            self._curve.setData([], [])
            self._apply_visibility()
            return
        self._surface = np.asarray(surface)
        self._axes = tuple(np.asarray(a, dtype=np.float64) for a in axes)
        self._draw_surface()

    def _draw_surface(self) -> None:
        surface, axes = self._surface, self._axes
        if surface is None or axes is None:
            return
        if surface.ndim == 1:
            self._image.clear()
            self._curve.setData(axes[0], surface.astype(np.float64))
        else:
            self._curve.setData([], [])
            self._image.setImage(surface_rgba(surface, self._discretize.isChecked()), autoLevels=False,
                                 levels=(0, 255))
            self._image.setRect(self.image_rect())
        self._apply_visibility()

    def image_rect(self) -> QRectF:
        """Where the heat map lies in data coordinates: pixel centres on the grid's sample points."""
        if self._axes is None or len(self._axes) < 2:
            return QRectF()
        xs, ys = self._axes
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        return QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)

    # hidden lines ---------------------------------------------------------------------------------
    def set_hidden_lines(self, kernel: np.ndarray | None, bias: np.ndarray | None) -> None:
        """The first Dense layer's weights, kernel (2, units) and bias (units,), or None to hide the lines.

        Only meaningful when the network's inputs are exactly x1 and x2.
        """
        if kernel is None or bias is None:
            self._lines = None
            self._hidden_curve.setData([], [])
            self._label_wanted = [False] * len(self._line_labels)
            self._hidden.setEnabled(False)
            self._apply_visibility()
            return
        kernel = np.asarray(kernel, dtype=np.float64)
        bias = np.asarray(bias, dtype=np.float64).reshape(-1)
        if kernel.ndim != 2 or kernel.shape[0] != 2 or kernel.shape[1] != len(bias):
            raise ValueError(f"hidden lines need a kernel of shape (2, units) and a bias of shape (units,), "
                             f"not {kernel.shape} and {bias.shape}")
        self._lines = (kernel, bias)
        self._hidden.setEnabled(True)
        x0, x1, y0, y1 = self._line_box()
        start, end, visible = line_segments(kernel, bias, (x0, x1, y0, y1))
        points = np.empty((2 * int(visible.sum()), 2))
        points[0::2] = start[visible]
        points[1::2] = end[visible]
        self._hidden_curve.setData(points[:, 0], points[:, 1], connect="pairs")
        self._place_line_labels(kernel, bias)
        self._apply_visibility()

    def _place_line_labels(self, kernel: np.ndarray, bias: np.ndarray) -> None:
        """Number each line (1, 2, … as the neurons of the first layer) in the middle of its visible part."""
        units = kernel.shape[1]
        (x0, x1), (y0, y1) = self._plot.getViewBox().viewRange()
        if self._dataset is not None:
            x0, x1, y0, y1 = self._dataset.bounds
        start, end, visible = line_segments(kernel, bias, (x0, x1, y0, y1))
        middle = (start + end) / 2
        while len(self._line_labels) < min(units, MAX_LINE_LABELS):
            label = pg.TextItem(str(len(self._line_labels) + 1), color=(30, 30, 30), anchor=(0.5, 0.5),
                                fill=pg.mkBrush(255, 255, 255, 210), border=pg.mkPen((60, 60, 60)))
            label.setZValue(7)
            self._plot.addItem(label, ignoreBounds=True)
            self._line_labels.append(label)
        self._label_wanted = [j < units and units <= MAX_LINE_LABELS and bool(visible[j])
                              for j in range(len(self._line_labels))]
        for j, label in enumerate(self._line_labels):
            if self._label_wanted[j]:
                label.setPos(float(middle[j, 0]), float(middle[j, 1]))

    def hidden_segments(self) -> np.ndarray:
        """The hidden lines drawn now, as (lines, 2 points, xy)."""
        x, y = self._hidden_curve.getData()
        if x is None or len(x) == 0:
            return np.empty((0, 2, 2))
        return np.column_stack([x, y]).reshape(-1, 2, 2)

    def _line_box(self) -> tuple[float, float, float, float]:
        """A box a little beyond the data's bounds (lines far outside the view cost Qt's stroker ~10 ms a
        frame for nothing)."""
        if self._dataset is not None:
            x0, x1, y0, y1 = self._dataset.bounds
        else:
            (x0, x1), (y0, y1) = self._plot.getViewBox().viewRange()
        w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        return x0 - 0.1 * w, x1 + 0.1 * w, y0 - 0.1 * h, y1 + 0.1 * h

    # switches -------------------------------------------------------------------------------------
    def set_show_test(self, on: bool) -> None:
        self._show_test.setChecked(on)

    def set_discretize(self, on: bool) -> None:
        self._discretize.setChecked(on)

    def set_show_hidden_lines(self, on: bool) -> None:
        self._hidden.setChecked(on)

    def show_test(self) -> bool:
        return self._show_test.isChecked()

    def discretize(self) -> bool:
        return self._discretize.isChecked()

    def set_marked_point(self, point: tuple | None) -> None:
        """Ring one data point, (x1, x2), e.g. the one that caused the perceptron's last update; None: none."""
        if point is None or len(point) < 2:
            self._marked.setData([], [])
        else:
            self._marked.setData([float(point[0])], [float(point[1])])

    def marked_point(self) -> tuple[float, float] | None:
        x, y = self._marked.getData()
        return (float(x[0]), float(y[0])) if x is not None and len(x) else None

    def _apply_visibility(self) -> None:
        self._test.setVisible(self._show_test.isChecked())
        lines_on = self._hidden.isChecked() and self._lines is not None
        self._hidden_curve.setVisible(lines_on)
        for label, wanted in zip(self._line_labels, self._label_wanted):
            label.setVisible(lines_on and wanted)
        two_d = self._surface is not None and self._surface.ndim >= 2
        self._image.setVisible(two_d)
        self._curve.setVisible(self._surface is not None and not two_d)

    # editing --------------------------------------------------------------------------------------
    def set_edit_mode(self, enabled: bool) -> None:
        """While on, clicks add points (``point_clicked``) and right-drags erase (``erase_requested``)
        instead of panning the view."""
        self._edit_mode = bool(enabled)
        self._erasing = False
        self._eraser.setVisible(False)
        cursor = Qt.CursorShape.CrossCursor if enabled else Qt.CursorShape.ArrowCursor
        self._view.viewport().setCursor(cursor)

    def edit_mode(self) -> bool:
        return self._edit_mode

    def eraser_radius(self) -> float:
        """The eraser's radius in data units (it is a fixed size on screen)."""
        width, height = self._plot.getViewBox().viewPixelSize()
        return float(ERASER_PIXELS * (width + height) / 2)

    def set_picked(self, point) -> None:
        """Ring the point the backprop explorer explains (None: no ring)."""
        ring = self._picked
        if ring is None:
            ring = self._picked = pg.ScatterPlotItem(size=20, symbol="o", brush=None,
                                                     pen=pg.mkPen((20, 20, 20), width=2.5))
            ring.setZValue(21)
            ring.setVisible(self._pick_mode)
            self._plot.addItem(ring, ignoreBounds=True)
        if point is None:
            ring.setData([], [])
        else:
            ring.setData([float(point[0])], [float(point[1])])

    def set_pick_mode(self, enabled: bool) -> None:
        """While on (and not editing), a left click also emits ``point_picked`` (the view still pans), and
        the picked point's ring shows."""
        self._pick_mode = bool(enabled)
        if self._picked is not None:
            self._picked.setVisible(self._pick_mode)

    @qt_override(default=False)
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (self._pick_mode and not self._edit_mode and watched is self._view.viewport()
                and event.type() == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton):
            try:
                point = self._to_data(event.position())
                if point is not None:
                    self.point_picked.emit(point.x(), point.y())
            except Exception:  # noqa: BLE001 - an event filter must never raise into Qt
                pass
            return False
        if not self._edit_mode or watched is not self._view.viewport():
            return super().eventFilter(watched, event)
        kind = event.type()
        if kind == QEvent.Type.ContextMenu:
            return True
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease):
            return super().eventFilter(watched, event)
        point = self._to_data(event.position())
        if kind == QEvent.Type.MouseButtonRelease:
            was_erasing = self._erasing
            self._erasing = False
            self._eraser.setVisible(False)
            return was_erasing or event.button() == Qt.MouseButton.LeftButton and point is not None
        if kind == QEvent.Type.MouseMove:
            if self._erasing and point is not None:
                self._erase_at(point)
            return self._erasing
        if point is None:
            return False
        button, shift = event.button(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if button == Qt.MouseButton.RightButton or (button == Qt.MouseButton.LeftButton and shift):
            self._erasing = True
            self._erase_at(point)
            return True
        if button == Qt.MouseButton.LeftButton:
            self.point_clicked.emit(point.x(), point.y())
            return True
        return False

    def _to_data(self, viewport_pos: QPointF) -> QPointF | None:
        """Data coordinates of a position on the view's viewport; None outside the plotting area."""
        scene = self._view.mapToScene(viewport_pos.toPoint())
        vb = self._plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene):
            return None
        return vb.mapSceneToView(scene)

    def _erase_at(self, point: QPointF) -> None:
        self._eraser.setData([point.x()], [point.y()])
        self._eraser.setVisible(True)
        self.erase_requested.emit(point.x(), point.y(), self.eraser_radius())

    # export ---------------------------------------------------------------------------------------
    def plot_item(self) -> pg.PlotItem:
        return self._plot

    def view(self) -> pg.PlotWidget:
        """The PlotWidget (its viewport receives the mouse)."""
        return self._view
