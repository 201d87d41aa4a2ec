"""How the weights spread over the epochs, and how large each layer's gradient is.

Top: for the chosen layer, a picture with the epoch across and the weight value up; the darker a spot, the
more weights of that layer had that value in that epoch (like TensorBoard's distributions). Every epoch's
histogram has its own bins, so each is spread onto one fixed value axis, which widens when weights grow
beyond it. A long run keeps at most :data:`MAX_COLUMNS` columns: when full, every second one is dropped and
from then on only every second epoch is kept, so the whole run stays in view.

Bottom: the size (norm) of the loss gradient for each layer's weights, as bars on a log scale. When the
first layers' bars are many powers of ten shorter than the last ones', those layers hardly learn: the
vanishing gradient.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import style

MAX_COLUMNS = 2000
BINS = 120


def _density_lut() -> np.ndarray:
    """White (no weights) → dark blue (most weights)."""
    t = np.linspace(0.0, 1.0, 256)[:, None]
    dark = np.array(style.POSITIVE, float) * 0.55
    lut = np.empty((256, 4), np.uint8)
    lut[:, :3] = np.round(255.0 + (dark - 255.0) * t).astype(np.uint8)
    lut[:, 3] = 255
    return lut


def resample(counts: np.ndarray, edges: np.ndarray, fixed_edges: np.ndarray) -> np.ndarray:
    """A histogram spread onto other bins, assuming values are even within each bin (the total is kept)."""
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(counts, float))])
    return np.diff(np.interp(fixed_edges, np.asarray(edges, float), cumulative))


class _LayerHistory:
    """One layer's histograms, epoch by epoch, spread onto a shared value axis."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.stride = 1
        self.raw: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}   # column -> (epoch, counts, edges)
        self.columns = np.zeros((0, BINS), np.float32)                  # one row per column, from first
        self.first = 0
        self.low = self.high = 0.0
        self.last_epoch = -1

    def add(self, epoch: int, counts: np.ndarray, edges: np.ndarray) -> None:
        counts, edges = np.asarray(counts, float), np.asarray(edges, float)
        if counts.size == 0 or edges.size != counts.size + 1 or not np.isfinite(edges).all():
            return
        if epoch < self.last_epoch:   # a new run: start again
            self.reset()
        self.last_epoch = epoch
        rebuild = False
        if not self.raw or edges[0] < self.low or edges[-1] > self.high:
            low = min(edges[0], self.low) if self.raw else edges[0]
            high = max(edges[-1], self.high) if self.raw else edges[-1]
            margin = 0.25 * max(high - low, 1e-3)
            self.low, self.high = low - margin, high + margin
            rebuild = True
        column = epoch // self.stride
        if not self.raw:
            self.first = column
        while column - self.first >= MAX_COLUMNS:
            self.stride *= 2
            thinned: dict[int, tuple] = {}
            for entry in sorted(self.raw.values(), key=lambda e: e[0]):
                thinned[entry[0] // self.stride] = entry
            self.raw, column = thinned, epoch // self.stride
            self.first = min(min(self.raw, default=column), column)
            rebuild = True
        self.raw[column] = (epoch, counts, edges)
        if rebuild:
            self._rebuild()
        else:
            self._grow(column)
            self.columns[column - self.first] = self._spread(counts, edges)

    @property
    def fixed_edges(self) -> np.ndarray:
        return np.linspace(self.low, self.high, BINS + 1)

    def _spread(self, counts: np.ndarray, edges: np.ndarray) -> np.ndarray:
        spread = resample(counts, edges, self.fixed_edges)
        top = spread.max()
        return (spread / top if top > 0 else spread).astype(np.float32)

    def _grow(self, column: int) -> None:
        need = column - self.first + 1
        if need > len(self.columns):
            bigger = np.full((max(need, 2 * len(self.columns), 64), BINS), np.nan, np.float32)
            bigger[:len(self.columns)] = self.columns
            self.columns = bigger

    def _rebuild(self) -> None:
        self.columns = np.full((max(len(self.columns), 64), BINS), np.nan, np.float32)
        for column, (_, counts, edges) in self.raw.items():
            self._grow(column)
            self.columns[column - self.first] = self._spread(counts, edges)

    def image(self) -> tuple[np.ndarray, QRectF]:
        """(value bins × columns) intensities, gaps filled with the column before, and where it lies."""
        last = max(self.raw)
        used = self.columns[: last - self.first + 1]
        have = ~np.isnan(used[:, 0])
        index = np.maximum.accumulate(np.where(have, np.arange(len(used)), 0))
        picture = np.ascontiguousarray(used[index].T)
        start = self.first * self.stride
        return picture, QRectF(start - 0.5 * self.stride, self.low, len(used) * self.stride, self.high - self.low)


class WeightsPlot(QWidget):
    """Weight distributions over the epochs (one layer at a time) and gradient norms per layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._histories: dict[str, _LayerHistory] = {}
        self._grad_names: list[str] = []
        self._floor = -1.0
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which layer's weights the picture above shows.")
        self.layer_combo.currentTextChanged.connect(self._show_layer)
        pick = QHBoxLayout()
        label = QLabel("Weights of layer:")
        label.setToolTip(self.layer_combo.toolTip())
        pick.addWidget(label)
        pick.addWidget(self.layer_combo, 1)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground(style.BACKGROUND)
        self._graphics.setToolTip("Top: darker = more weights with that value at that epoch. "
                                  "Bottom: how strongly the loss pulls on each layer's weights (log scale).")
        self.hist_plot = self._graphics.addPlot(row=0, col=0)
        self.hist_plot.setTitle("How the weights are spread, epoch by epoch (darker = more weights)", size="9pt")
        self.hist_plot.setLabel("bottom", "epoch")
        self.hist_plot.setLabel("left", "weight value")
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.hideButtons()
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setLookupTable(_density_lut())
        self.hist_plot.addItem(self._image)
        self.hist_plot.addLine(y=0, pen=pg.mkPen(150, 150, 150, 120, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.grad_plot = self._graphics.addPlot(row=1, col=0)
        self.grad_plot.setTitle("Gradient size per layer (log scale): tiny bars = the layer hardly learns",
                                size="9pt")
        self.grad_plot.setLabel("left", "gradient norm")
        self.grad_plot.setLogMode(y=True)
        self.grad_plot.getAxis("left").enableAutoSIPrefix(False)
        self.grad_plot.setMouseEnabled(x=False, y=False)
        self.grad_plot.hideButtons()
        self.bars = pg.BarGraphItem(x=[], y0=[], y1=[], width=0.6, brush=pg.mkBrush(*style.POSITIVE),
                                    pen=pg.mkPen(None))
        self.grad_plot.addItem(self.bars)
        self._bar_labels: list[pg.TextItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pick)
        layout.addWidget(self._graphics, 1)

    # histograms ----------------------------------------------------------------------------------
    def add_histograms(self, epoch: int, histograms: tuple | list | None) -> None:
        """Take one report's ``((layer name, counts, edges), ...)``."""
        for name, counts, edges in histograms or ():
            if name not in self._histories:
                self._histories[name] = _LayerHistory()
                self.layer_combo.addItem(name)
            self._histories[name].add(int(epoch), counts, edges)
        self._show_layer(self.layer_combo.currentText())

    def _show_layer(self, name: str) -> None:
        history = self._histories.get(name)
        if history is None or not history.raw:
            self._image.clear()
            return
        picture, rect = history.image()
        self._image.setImage(picture, autoLevels=False, levels=(0.0, 1.0))
        self._image.setRect(rect)

    def history(self, name: str) -> _LayerHistory:
        return self._histories[name]

    # gradient norms ------------------------------------------------------------------------------
    def update_grad_norms(self, grad_norms: tuple | list | None) -> None:
        """Show ``((layer name, norm), ...)`` as bars whose tops are at log10(norm)."""
        if not grad_norms:
            return
        names = [name for name, _ in grad_norms]
        norms = np.array([float(v) for _, v in grad_norms])
        if names != self._grad_names:
            self._set_grad_layers(names)
        positive = norms[np.isfinite(norms) & (norms > 0)]
        if positive.size:
            self._floor = min(self._floor, math.floor(float(np.log10(positive.min()))) - 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            tops = np.where(np.isfinite(norms) & (norms > 0), np.log10(np.where(norms > 0, norms, 1.0)), self._floor)
        x = np.arange(len(names), dtype=float)
        self.bars.setOpts(x=x, y0=np.full(len(names), self._floor), y1=tops, height=None)
        for label, xi, top, value in zip(self._bar_labels, x, tops, norms):
            label.setText(f"{value:.2g}")
            label.setPos(xi, top)
        self.grad_plot.setYRange(self._floor, max(float(tops.max()), self._floor + 1.0) + 0.6, padding=0)

    def _set_grad_layers(self, names: list[str]) -> None:
        self._grad_names = names
        self._floor = -1.0
        for label in self._bar_labels:
            self.grad_plot.removeItem(label)
        self._bar_labels = []
        for _ in names:
            label = pg.TextItem("", color=style.FOREGROUND, anchor=(0.5, 1.0))
            self.grad_plot.addItem(label)
            self._bar_labels.append(label)
        self.grad_plot.getAxis("bottom").setTicks([list(enumerate(names))])
        self.grad_plot.setXRange(-0.6, len(names) - 0.4, padding=0)

    def gradient_tops(self) -> dict[str, float]:
        """Where each layer's bar ends (log10 of its gradient norm)."""
        return dict(zip(self._grad_names, np.asarray(self.bars.opts["y1"], float).tolist()))

    # all -----------------------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every epoch and bar (for a new network or a new run)."""
        self._histories = {}
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.blockSignals(False)
        self._image.clear()
        self._set_grad_layers([])
        self.bars.setOpts(x=[], y0=[], y1=[], height=None)

    def plot_items(self) -> list[pg.PlotItem]:
        return [self.hist_plot, self.grad_plot]
