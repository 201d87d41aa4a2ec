"""The hidden space of a network whose first hidden layer has 2 neurons (the lecture's "looking at
parameters"): every training point placed at its two hidden activations (z1, z2), coloured by class,
with the line where the output neuron's weighted sum w1·z1 + w2·z2 + b is 0.

If the network has learned, the classes that were not separable by a line in the input plane are
separable by that line here.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from .. import style
from .ranges import cached_axes
from .surface import line_segments, surface_rgba

MESSAGE = ("The hidden space is shown for a network whose first hidden layer has 2 neurons and feeds a "
           "single neuron (the output): that neuron's line is drawn in the plane of the two.\n\n"
           "Build one (for example 2 inputs → 2 sigmoid neurons → 1 output) and train it to see where "
           "the network moves the points.")
DEFAULT_RANGE = (0.0, 1.0)   # a sigmoid's outputs
SIDES_RESOLUTION = 128       # pixels of the shading that shows the output neuron's two sides


WAITING = "The hidden space appears with the network's first picture, in a moment."

class HiddenSpacePlot(QWidget):
    """Shows (z1, z2) per training point, the output neuron's line and its two sides (blue: the sum
    w1·z1 + w2·z2 + b is positive, i.e. class 1 for a sigmoid output); a message when that makes no sense."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: np.ndarray | None = None
        self._range: tuple[float, float, float, float] | None = None
        self._brushes = [pg.mkBrush(style.class_color(c)) for c in range(len(style.CLASS_COLORS))]
        self._plain = pg.mkBrush(70, 70, 70)

        self._message = QLabel(MESSAGE)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setMargin(24)

        self._view = pg.PlotWidget(axisItems=cached_axes())
        self._plot = self._view.getPlotItem()
        self._plot.setLabel("bottom", "z1 (hidden neuron 1)")
        self._plot.setLabel("left", "z2 (hidden neuron 2)")
        self._plot.showGrid(x=True, y=True, alpha=0.12)
        self._plot.setMenuEnabled(False)
        self._points = pg.ScatterPlotItem(size=7, symbol="o", pen=pg.mkPen("w", width=0.8))
        self._plot.addItem(self._points)
        self._line = pg.PlotCurveItem(pen=pg.mkPen((40, 40, 40), width=2.5))
        self._line.setZValue(5)
        self._plot.addItem(self._line, ignoreBounds=True)
        self._sides = pg.ImageItem(axisOrder="row-major")
        self._sides.setZValue(-10)
        self._sides.setOpacity(0.45)
        self._plot.addItem(self._sides, ignoreBounds=True)
        self._plot.disableAutoRange()

        self._stack = QStackedWidget()
        self._stack.addWidget(self._message)
        self._stack.addWidget(self._view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._fit((DEFAULT_RANGE[0], DEFAULT_RANGE[1], DEFAULT_RANGE[0], DEFAULT_RANGE[1]))

    # public API -----------------------------------------------------------------------------------
    def show_waiting(self) -> None:
        """The network has the right shape, but no picture of it has come yet."""
        self._message.setText(WAITING)
        self._stack.setCurrentWidget(self._message)

    def set_labels(self, y: np.ndarray | None) -> None:
        """The training points' classes, in the order the activations come (whole numbers; others: grey)."""
        self._labels = None if y is None else np.asarray(y).reshape(-1)

    def update_hidden(self, z: np.ndarray | None, out_kernel: np.ndarray | None = None,
                      out_bias: np.ndarray | None = None) -> None:
        """Show the activations ``z`` (n, 2) and the output line from ``out_kernel`` (2, 1), ``out_bias`` (1,).

        ``z`` None (or not 2 columns) shows the message instead; kernel None draws no line.
        """
        if z is None or np.ndim(z) != 2 or np.shape(z)[1] != 2:
            self._message.setText(MESSAGE)
            self._stack.setCurrentWidget(self._message)
            self._points.setData([], [])
            self._line.setData([], [])
            self._sides.setVisible(False)
            return
        z = np.asarray(z, dtype=np.float64)
        self._stack.setCurrentWidget(self._view)
        brushes = self._point_brushes(len(z))
        self._points.setData(x=z[:, 0], y=z[:, 1], brush=brushes)
        self._fit(self._wanted_range(z))
        if out_kernel is None or out_bias is None:
            self._line.setData([], [])
            self._sides.setVisible(False)
            return
        kernel = np.asarray(out_kernel, dtype=np.float64).reshape(2, -1)[:, :1]
        bias = np.asarray(out_bias, dtype=np.float64).reshape(-1)[:1]
        x0, x1, y0, y1 = self._range
        w, h = x1 - x0, y1 - y0
        start, end, visible = line_segments(kernel, bias, (x0 - w, x1 + w, y0 - h, y1 + h))
        if visible[0]:
            self._line.setData([start[0, 0], end[0, 0]], [start[0, 1], end[0, 1]])
        else:
            self._line.setData([], [])
        self._shade_sides(kernel[:, 0], float(bias[0]), (x0 - 0.1 * w, x1 + 0.1 * w, y0 - 0.1 * h, y1 + 0.1 * h))

    def _shade_sides(self, weights: np.ndarray, bias: float, box: tuple[float, float, float, float]) -> None:
        """Pale blue where the output neuron's sum is positive (it says class 1), pale orange elsewhere."""
        x0, x1, y0, y1 = box
        zs1 = np.linspace(x0, x1, SIDES_RESOLUTION)
        zs2 = np.linspace(y0, y1, SIDES_RESOLUTION)
        positive = (weights[0] * zs1[None, :] + weights[1] * zs2[:, None] + bias) > 0
        self._sides.setImage(surface_rgba(positive.astype(np.float32), discretize=True), autoLevels=False,
                             levels=(0, 255))
        self._sides.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self._sides.setVisible(True)

    def sides_image(self) -> np.ndarray | None:
        """The RGBA shading of the output neuron's two sides, None when not shown."""
        return self._sides.image if self._sides.isVisible() else None

    def showing_message(self) -> bool:
        return self._stack.currentWidget() is self._message

    def message(self) -> str:
        """The text of the message (shown instead of the plot when :meth:`showing_message`)."""
        return self._message.text()

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._points.getData()
        return np.asarray(x), np.asarray(y)

    def line(self) -> tuple[np.ndarray, np.ndarray]:
        """The output neuron's line as drawn: its two end points' x and y."""
        x, y = self._line.getData()
        return (np.asarray([]) if x is None else np.asarray(x)), (np.asarray([]) if y is None else np.asarray(y))

    def view_range(self) -> tuple[float, float, float, float]:
        (x0, x1), (y0, y1) = self._plot.getViewBox().viewRange()
        return x0, x1, y0, y1

    def plot_item(self) -> pg.PlotItem:
        return self._plot

    # helpers --------------------------------------------------------------------------------------
    def _point_brushes(self, n: int) -> list:
        labels = self._labels
        if labels is None or len(labels) == 0 or not np.all(np.isfinite(labels)) \
                or not np.all(labels == np.round(labels)):
            return [self._plain] * n
        classes = labels[:n].astype(int) % len(self._brushes)
        brushes = [self._brushes[c] for c in classes]
        return brushes + [self._plain] * (n - len(brushes))

    @staticmethod
    def _wanted_range(z: np.ndarray) -> tuple[float, float, float, float]:
        """[0, 1] × [0, 1] (a sigmoid's outputs), widened to take in any point outside it."""
        finite = z[np.isfinite(z).all(axis=1)]
        lo, hi = DEFAULT_RANGE
        if len(finite) == 0:
            return lo, hi, lo, hi
        (ax, ay), (bx, by) = finite.min(axis=0), finite.max(axis=0)
        return min(lo, ax), max(hi, bx), min(lo, ay), max(hi, by)

    def _fit(self, wanted: tuple[float, float, float, float]) -> None:
        if wanted == self._range:
            return
        self._range = wanted
        x0, x1, y0, y1 = wanted
        self._plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.05)
