"""How the weights spread over the epochs, and how large each layer's gradient is.

Top: for the chosen layer, a picture with the epoch across and the weight value up; the darker a spot, the
more weights of that layer had that value in that epoch (like TensorBoard's distributions). Every epoch's
histogram has its own bins, so each is spread onto one fixed value axis, which widens when weights grow
beyond it. A long run keeps at most :data:`MAX_COLUMNS` columns: when full, every second one is dropped and
from then on only every second epoch is kept, so the whole run stays in view.

Bottom: the size (norm) of the loss gradient for each layer's weights, as bars on a log scale. When the
first layers' bars are many powers of ten shorter than the last ones', those layers hardly learn: the
vanishing gradient.

While training (:meth:`WeightsPlot.set_live`) the axes grow in steps rather than fit every frame (see
:mod:`.ranges`); afterwards they fit the run. The two plots are made when first shown or used (their
tab is rarely the first one in sight, and they cost ~50 ms of the window's start).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import style
from .ranges import cached_axes, live_epoch_range
from ..crash import qt_override

MAX_COLUMNS = 2000
BINS = 120
DRAWN_COLUMNS = 500   # more columns than this are drawn combined (the darkest of each group): a plot is
                      # a few hundred pixels wide, and colouring 2000 columns every frame costs ~4x as much
SPREAD_PER_PICTURE = 300  # columns spread (or, moved onto a grown value axis, spread again) per picture
_PLOT_PARTS = frozenset({"hist_plot", "grad_plot", "bars", "_image", "_bar_labels", "_label_pool"})
LABELS_MADE = 8  # the gradient bars' value labels made with the plots (more when a network has more layers)


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


def resample_many(counts: np.ndarray, edges: np.ndarray, fixed_edges: np.ndarray) -> np.ndarray:
    """:func:`resample` for many histograms of the same number of bins at once: ``counts`` (n, bins),
    ``edges`` (n, bins + 1) → (n, len(fixed_edges) - 1).

    Evenly spaced edges (as ``np.histogram`` makes them, to 1e-4 of a bin) are found by arithmetic; others by one
    ``searchsorted`` for all rows (row r shifted by r times more than the whole value range, so the rows'
    edges laid end to end stay sorted).
    """
    counts, edges = np.asarray(counts, float), np.asarray(edges, float)
    fixed = np.asarray(fixed_edges, float)[None, :]
    n, m = edges.shape
    cumulative = np.zeros((n, m))
    np.cumsum(counts, axis=1, out=cumulative[:, 1:])
    rows = np.arange(n)[:, None]
    widths = np.diff(edges, axis=1)
    width = (edges[:, -1:] - edges[:, :1]) / (m - 1)
    # (the engine's edges are float32: even to ~1e-6 of a bin, which the old 1e-6 bound missed: 5x slower)
    if np.all(width > 0) and np.all(np.abs(widths - width) <= 1e-4 * width):
        position = (fixed - edges[:, :1]) / width
        index = np.clip(position, 0, m - 2).astype(np.intp)  # floor, as the clipped values are ≥ 0
        fraction = np.clip(position - index, 0.0, 1.0)
        at = cumulative.ravel().take(index + rows * m) + fraction * counts.ravel().take(index + rows * (m - 1))
        return np.diff(at, axis=1)
    low = min(float(edges.min()), float(fixed.min()))
    shift = (max(float(edges.max()), float(fixed.max())) - low + 1.0) * rows
    index = np.searchsorted((edges - low + shift).ravel(), (fixed - low + shift).ravel()).reshape(n, -1)
    index = np.clip(index - m * rows, 1, m - 1)
    x0, x1 = edges[rows, index - 1], edges[rows, index]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x1 > x0, (fixed - x0) / (x1 - x0), 1.0)
    y0, y1 = cumulative[rows, index - 1], cumulative[rows, index]
    return np.diff(y0 + np.clip(t, 0.0, 1.0) * (y1 - y0), axis=1)


class _LayerHistory:
    """One layer's histograms, epoch by epoch, spread onto a shared value axis.

    A watched run at full speed sends thousands of epochs a second: :meth:`add` only records an epoch, and
    the epochs recorded since are spread all at once when the picture is asked for (:attr:`columns`)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.stride = 1
        self.raw: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}   # column -> (epoch, counts, edges)
        self._columns = np.zeros((0, BINS), np.float32)                 # one row per column, from first
        self._unspread: set[int] = set()                                # columns recorded, not spread yet
        self._axis: tuple[float, float] | None = None                   # the value axis _columns are spread on
        self._approximate: set[int] = set()                             # columns moved onto it, not spread again
        self.first = 0
        self.low = self.high = 0.0
        self.last_epoch = -1

    @property
    def columns(self) -> np.ndarray:
        """One row of :data:`BINS` intensities per column from :attr:`first` (NaN: no epoch there)."""
        return self._spread()

    def _spread(self, budget: int | None = None) -> np.ndarray:
        """The columns on the value axis as it is now: the ones spread before moved onto it if it grew
        (:meth:`_move_to_axis`, close but not exact), then up to ``budget`` columns (None: all) spread exactly:
        first the ones recorded since the last picture (an even choice of them; :meth:`image` fills a gap with
        the column before), then moved ones, the newest first."""
        self._move_if_grown()
        if self._unspread:
            self._grow(max(self._unspread))
            todo = sorted(self._unspread)
            if budget is not None:  # every step-th from the oldest: the picture has them all, coarsely, at once
                todo = todo[::math.ceil(len(todo) / budget)] if budget > 0 else []
            self._spread_columns(todo)
            self._unspread.difference_update(todo)
            self._approximate.difference_update(todo)
            budget = None if budget is None else budget - len(todo)
        self._axis = (self.low, self.high)
        if self._approximate and budget != 0:
            todo = sorted(self._approximate, reverse=True)[:budget]
            self._spread_columns(todo)
            self._approximate.difference_update(todo)
        return self._columns

    def add(self, epoch: int, counts: np.ndarray, edges: np.ndarray) -> None:
        counts, edges = np.asarray(counts, float), np.asarray(edges, float)
        if counts.size == 0 or edges.size != counts.size + 1 or not np.isfinite(edges).all():
            return
        if epoch < self.last_epoch:   # a new run: start again
            self.reset()
        self.last_epoch = epoch
        if not self.raw or edges[0] < self.low or edges[-1] > self.high:
            self._widen(min(edges[0], self.low) if self.raw else edges[0],
                        max(edges[-1], self.high) if self.raw else edges[-1])
        if not self.raw:
            self.first = epoch // self.stride
        self._put(epoch, counts, edges)

    def add_many(self, epochs: list[int], counts: list, edges: list) -> None:
        """:meth:`add` for a report batch's epochs at once (in order), with the same outcome: at thousands of
        epochs a second, one by one took the window's thread ~9% of its time. Only the newest epoch of each
        column is kept (as :meth:`add` overwrites the others), so only those are looked at closely."""
        order = np.asarray(epochs, np.int64)
        try:
            lows = np.fromiter((e[0] for e in edges), float, len(edges))
            highs = np.fromiter((e[-1] for e in edges), float, len(edges))
            sizes = {(len(c), len(e)) for c, e in zip(counts, edges)}
        except (TypeError, IndexError, ValueError):
            sizes = set()
        bins, n_edges = next(iter(sizes)) if len(sizes) == 1 else (0, 0)
        if (not bins or n_edges != bins + 1 or len(order) < 2 or np.any(np.diff(order) < 0)
                or order[0] < self.last_epoch or not (np.isfinite(lows).all() and np.isfinite(highs).all())):
            self._add_each(epochs, counts, edges)
            return
        columns = order // self.stride
        kept = np.flatnonzero(np.append(columns[1:] != columns[:-1], True))  # (finer than any later stride's)
        edges_kept = np.asarray(np.stack([edges[i] for i in kept]), float)
        if not np.isfinite(edges_kept).all():
            self._add_each(epochs, counts, edges)
            return
        counts_kept = np.asarray(np.stack([counts[i] for i in kept]), float)
        start = 0
        while start < len(order):  # the value axis widens as add() widens it, row by row
            if self.raw or start:
                beyond = np.flatnonzero((lows[start:] < self.low) | (highs[start:] > self.high))
                if not len(beyond):
                    break
                at = start + int(beyond[0])
                low, high = min(lows[at], self.low), max(highs[at], self.high)
            else:
                at, low, high = 0, lows[0], highs[0]
            self._widen(low, high)
            start = at + 1
        if not self.raw:
            self.first = int(columns[0])
        for epoch, c, e in zip(order[kept].tolist(), counts_kept, edges_kept):
            self._put(epoch, c, e)
        self.last_epoch = int(order[-1])

    def _add_each(self, epochs, counts, edges) -> None:
        for epoch, c, e in zip(epochs, counts, edges):
            self.add(int(epoch), c, e)

    def _widen(self, low: float, high: float) -> None:
        """The value axis over ``low``..``high`` with a quarter of that as margin (the columns spread so far
        move onto it when the picture is next asked for)."""
        margin = 0.25 * max(high - low, 1e-3)
        self.low, self.high = low - margin, high + margin

    def _put(self, epoch: int, counts: np.ndarray, edges: np.ndarray) -> None:
        column = epoch // self.stride
        while column - self.first >= MAX_COLUMNS:
            self._thin()
            column = epoch // self.stride
            self.first = min(min(self.raw, default=column), column)
        self.raw[column] = (epoch, counts, edges)
        self._unspread.add(column)

    def _thin(self) -> None:
        """Keep every second column (the newest epoch of each pair); the kept columns' pictures stay (those
        not spread yet are spread when the picture is asked for: a hidden plot spreads nothing)."""
        old_first, old_columns = self.first, self._columns
        self.stride *= 2
        thinned: dict[int, tuple[int, tuple]] = {}
        for column, entry in sorted(self.raw.items(), key=lambda item: item[1][0]):
            thinned[entry[0] // self.stride] = (column, entry)
        self.raw = {new: entry for new, (_, entry) in thinned.items()}
        self._approximate = {new for new, (old, _) in thinned.items() if old in self._approximate}
        self._unspread = {new for new, (old, _) in thinned.items() if old in self._unspread}
        self.first = min(self.raw, default=0)
        self._columns = np.full((max(len(old_columns), 64), BINS), np.nan, np.float32)
        spread = [(new, old) for new, (old, _) in thinned.items() if new not in self._unspread]
        if spread:
            new, old = (np.array(side, np.intp) for side in zip(*spread))
            self._columns[new - self.first] = old_columns[old - old_first]

    @property
    def fixed_edges(self) -> np.ndarray:
        return np.linspace(self.low, self.high, BINS + 1)

    def _grow(self, column: int) -> None:
        need = column - self.first + 1
        if need > len(self._columns):
            bigger = np.full((max(need, 2 * len(self._columns), 64), BINS), np.nan, np.float32)
            bigger[:len(self._columns)] = self._columns
            self._columns = bigger

    def pending(self) -> bool:
        """Some columns are not spread yet, or were moved onto a grown value axis and not spread again."""
        return bool(self._unspread or self._approximate)

    def _rebuild(self) -> None:
        """Spread every kept histogram afresh onto the value axis (exactly; :meth:`_move_to_axis` is quicker)."""
        self._columns = np.full((max(len(self._columns), 64), BINS), np.nan, np.float32)
        self._unspread.clear()
        self._approximate.clear()
        self._axis = (self.low, self.high)
        if self.raw:
            self._grow(max(self.raw))
            self._spread_columns(list(self.raw))

    def _move_if_grown(self) -> None:
        if self._axis is not None and self._axis != (self.low, self.high):
            self._move_to_axis()
            self._approximate.update(column for column in self.raw if column not in self._unspread)

    def _move_to_axis(self) -> None:
        """The columns spread so far, moved from the value axis they were spread on to the wider one now.

        One matrix product: each old bin's share of each new bin. A close picture at once (the axis only
        widens: a new bin gathers old ones), though a narrow histogram moved many times blurs across a bin
        boundary, so :meth:`_spread` spreads the moved columns again exactly, a few at a time."""
        old_edges = np.linspace(*self._axis, BINS + 1)
        share = resample_many(np.eye(BINS), np.broadcast_to(old_edges, (BINS, BINS + 1)), self.fixed_edges)
        moved = self._columns @ share.astype(np.float32)
        top = moved.max(axis=1, keepdims=True)
        self._columns = np.divide(moved, top, out=moved, where=top > 0)
        self._axis = (self.low, self.high)

    def _spread_columns(self, columns: list[int]) -> None:
        """Spread these columns' histograms onto the value axis.

        Vectorized by bin count: a long run has ~2000 columns, and one by one took ~65 ms.
        """
        groups: dict[int, list[int]] = {}
        for column in columns:
            groups.setdefault(len(self.raw[column][1]), []).append(column)
        fixed = self.fixed_edges
        for group in groups.values():
            spread = resample_many(np.stack([self.raw[c][1] for c in group]),
                                   np.stack([self.raw[c][2] for c in group]), fixed)
            top = spread.max(axis=1, keepdims=True)
            spread = np.divide(spread, top, out=spread.copy(), where=top > 0)
            self._columns[np.asarray(group) - self.first] = spread.astype(np.float32)

    def image(self, most: int | None = None) -> tuple[np.ndarray, QRectF]:
        """(value bins × columns) intensities, gaps filled with the column before, and where it lies; with
        ``most``, more columns than that are drawn combined (the darkest of each group of neighbours: the last
        group repeats its last column), the rect still spanning every epoch. At most SPREAD_PER_PICTURE columns
        are spread (exactly) for it; the rest in the next pictures (a long run's 2000 columns at once took the
        window 10-40 ms when the tab was shown while training, ``ui_latency``)."""
        columns = self._spread(SPREAD_PER_PICTURE)
        last = max(self.raw)
        used = columns[: last - self.first + 1]
        have = ~np.isnan(used[:, 0])
        filled = used[np.maximum.accumulate(np.where(have, np.arange(len(used)), 0))]
        group = math.ceil(len(filled) / most) if most else 1
        if group > 1:  # combined along the columns while they are rows: ~25x quicker than across a transpose
            extra = -len(filled) % group
            if extra:
                filled = np.concatenate([filled, np.repeat(filled[-1:], extra, axis=0)])
            filled = filled.reshape(-1, group, filled.shape[1]).max(axis=1)
        start = self.first * self.stride
        return (np.ascontiguousarray(filled.T),
                QRectF(start - 0.5 * self.stride, self.low, len(used) * self.stride, self.high - self.low))


class WeightsPlot(QWidget):
    """Weight distributions over the epochs (one layer at a time) and gradient norms per layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._built = False
        self._histories: dict[str, _LayerHistory] = {}
        self._grad_names: list[str] = []
        self._floor = -1.0
        self._grad_top: float | None = None
        self._grad_range: tuple | None = None  # the gradient plot's value range as last set
        self._live = False
        self._hist_x: tuple[float, float] | None = None
        self._shown: tuple | None = None   # (layer, x range, y range) as last drawn
        self._exact_timer = QTimer(self, singleShot=True, interval=40)
        self._exact_timer.timeout.connect(self.refresh)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pick)
        layout.addWidget(self._graphics, 1)

    def __getattr__(self, name: str):
        """The plots' parts are made on first use (Python asks here only for attributes not made yet)."""
        if name in _PLOT_PARTS and not self.__dict__.get("_built", True):
            self._build_plots()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @qt_override
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._build_plots()
        super().showEvent(event)

    def is_built(self) -> bool:
        return self.__dict__.get("_built", True)

    def prepare(self) -> None:
        """Make the plots now (when idle, so that no training frame has to wait for them later)."""
        self._build_plots()

    def _build_plots(self) -> None:
        if self._built:
            return
        self._built = True
        self.hist_plot = self._graphics.addPlot(row=0, col=0, axisItems=cached_axes())
        # short titles: a title is as wide as its text at least, and a wider one pushed the plots out of view
        self.hist_plot.setTitle("Weights per epoch (darker = more of them)", size="9pt")
        self.hist_plot.setLabel("bottom", "epoch")
        self.hist_plot.setLabel("left", "weight value")
        self.hist_plot.getAxis("left").enableAutoSIPrefix(False)  # "(x0.001)" puzzles students
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.hideButtons()
        self.hist_plot.disableAutoRange()  # set in _show_layer
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setLookupTable(_density_lut())
        self.hist_plot.addItem(self._image)
        self.hist_plot.addLine(y=0, pen=pg.mkPen(150, 150, 150, 120, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.grad_plot = self._graphics.addPlot(row=1, col=0, axisItems=cached_axes())
        self.grad_plot.setTitle("Gradient size per layer (tiny = hardly learns)", size="9pt")
        self.grad_plot.setLabel("left", "gradient norm")
        self.grad_plot.setLogMode(y=True)
        self.grad_plot.getAxis("left").enableAutoSIPrefix(False)
        self.grad_plot.setMouseEnabled(x=False, y=False)
        self.grad_plot.hideButtons()
        self.bars = pg.BarGraphItem(x=[], y0=[], y1=[], width=0.6, brush=pg.mkBrush(*style.POSITIVE),
                                    pen=pg.mkPen(None))
        self.grad_plot.addItem(self.bars)
        self._bar_labels: list[pg.TextItem] = []
        # made now, shown when the bars come: 2-4 ms a label when made, which the tab's first frame while
        # training paid on top of its first paint (the longest pause of the window in ``ui_latency``)
        self._label_pool: list[pg.TextItem] = []
        self._more_labels(LABELS_MADE)
        self.refresh()

    def _more_labels(self, count: int) -> None:
        while len(self._label_pool) < count:
            label = pg.TextItem("", color=style.FOREGROUND, anchor=(0.5, 1.0))
            label.setVisible(False)
            self.grad_plot.addItem(label)
            self._label_pool.append(label)

    # histograms ----------------------------------------------------------------------------------
    def add_histograms(self, epoch: int, histograms: tuple | list | None, show: bool = True) -> None:
        """Take one report's ``((layer name, counts, edges), ...)``.

        ``show=False`` only records them (the plot is out of sight); :meth:`refresh` draws them later.
        """
        for name, counts, edges in histograms or ():
            if name not in self._histories:
                self._histories[name] = _LayerHistory()
                self.layer_combo.addItem(name)
            self._histories[name].add(int(epoch), counts, edges)
        if show:
            self.refresh()

    def add_many_histograms(self, items) -> None:
        """Record a report batch's ``[(epoch, histograms), ...]`` (as :meth:`add_histograms` one by one with
        ``show=False``, at once)."""
        per_layer: dict[str, tuple[list, list, list]] = {}
        for epoch, histograms in items:
            for name, counts, edges in histograms or ():
                found = per_layer.setdefault(name, ([], [], []))
                found[0].append(int(epoch))
                found[1].append(counts)
                found[2].append(edges)
        for name, (epochs, counts, edges) in per_layer.items():
            if name not in self._histories:
                self._histories[name] = _LayerHistory()
                self.layer_combo.addItem(name)
            self._histories[name].add_many(epochs, counts, edges)

    def refresh(self) -> None:
        """Draw the chosen layer's history as it is now."""
        self._show_layer(self.layer_combo.currentText())

    def set_live(self, on: bool) -> None:
        """While training (True) the epoch axis grows in steps; after it (False) it fits the run."""
        if bool(on) != self._live:
            self._live = bool(on)
            self._hist_x = None
            self.refresh()

    def _show_layer(self, name: str) -> None:
        if not self._built:
            return  # drawn when the plots are made
        history = self._histories.get(name)
        if history is None or not history.raw:
            self._image.clear()
            self._hist_x = self._shown = None
            return
        picture, rect = history.image(DRAWN_COLUMNS)
        self._image.setImage(picture, autoLevels=False, levels=(0.0, 1.0))
        self._image.setRect(rect)
        if history.pending():  # the rest in the next pictures, also once training ends
            self._exact_timer.start()
        first, last = rect.left(), rect.right()
        if self._live:
            self._hist_x = live_epoch_range(first, last, self._hist_x)
        else:
            self._hist_x = (first, last)
        shown = (name, self._hist_x, (history.low, history.high))
        if shown != self._shown:  # a new range re-draws the axes' ticks: only when it changed
            self._shown = shown
            self.hist_plot.setRange(xRange=self._hist_x, yRange=shown[2], padding=0)

    def history(self, name: str) -> _LayerHistory:
        return self._histories[name]

    # gradient norms ------------------------------------------------------------------------------
    def update_grad_norms(self, grad_norms: tuple | list | None) -> None:
        """Show ``((layer name, norm), ...)`` as bars whose tops are at log10(norm)."""
        if not grad_norms:
            return
        self._build_plots()
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
        highest = max(float(tops.max()), self._floor + 1.0)
        # room for the labels above the highest bar; the range moves in whole powers of ten, and only when
        # the bars outgrow it or fall far below it (gradients jump by a power of ten from batch to batch, and
        # each change re-draws the axis)
        if self._grad_top is None or not highest + 0.4 <= self._grad_top <= highest + 2.6:
            self._grad_top = math.ceil(highest + 0.6)
        if self._grad_range != (self._floor, self._grad_top):  # (set again unchanged, it still re-laid the axes)
            self._grad_range = (self._floor, self._grad_top)
            self.grad_plot.setYRange(self._floor, self._grad_top, padding=0)

    def _set_grad_layers(self, names: list[str]) -> None:
        self._grad_names = names
        self._floor = -1.0
        self._grad_top = None
        self._grad_range = None
        for label in self._bar_labels:
            label.setVisible(False)
        self._more_labels(len(names))
        self._bar_labels = self._label_pool[:len(names)]
        for label in self._bar_labels:
            label.setText("")
            label.setVisible(True)
        self.grad_plot.getAxis("bottom").setTicks([list(enumerate(names))])
        self.grad_plot.setXRange(-0.6, len(names) - 0.4, padding=0)

    def gradient_tops(self) -> dict[str, float]:
        """Where each layer's bar ends (log10 of its gradient norm)."""
        return dict(zip(self._grad_names, np.asarray(self.bars.opts["y1"], float).tolist()))

    # all -----------------------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every epoch and bar (for a new network or a new run)."""
        self._histories = {}
        self._hist_x = self._shown = None
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.blockSignals(False)
        if not self._built:
            self._grad_names, self._grad_top, self._floor, self._grad_range = [], None, -1.0, None
            return
        self._image.clear()
        self._set_grad_layers([])
        self.bars.setOpts(x=[], y0=[], y1=[], height=None)

    def plot_items(self) -> list[pg.PlotItem]:
        return [self.hist_plot, self.grad_plot]
