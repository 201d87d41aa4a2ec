"""Compare runs: the loss curves of several runs overlaid, and their fitted curves (1-D regression) or
decision boundaries (2-D classification) over the data they share.

A :class:`~annstudio.core.runs.Run` is a plain record of what a finished (or stopped) run leaves behind; the
view never trains anything. Runs "share data" when their ``data_key`` is equal: only then are their fits drawn
in one plot. A run that comes back with the same ``run_id`` (more epochs, an edited neuron) replaces its
entry instead of adding one. Runs are listed under short names that say how they differ
(:func:`~annstudio.core.runs.short_names`); the legends in the plots are off unless asked for, since the
list beside them already shows each run's colour.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core.runs import (  # noqa: F401 - Run and the helpers are used from here too
    Run,
    boundary_segments,
    contour_segments,
    describe_run,
    run_name,
    short_names,
)
from . import style
from .plots.ranges import EpochAxis

MAX_RUNS = 12

#: One colour per run; red first, so that a run never looks like the orange/blue classes of the points.
RUN_COLORS: tuple[tuple[int, int, int], ...] = (
    (214, 39, 40), (44, 160, 44), (148, 103, 189), (31, 119, 180), (140, 86, 75), (227, 119, 194),
    (188, 189, 34), (23, 190, 207), (255, 127, 14), (127, 127, 127), (30, 30, 30), (57, 59, 121),
)
POINT_COLOR = (60, 60, 60)
_LEGEND_LOOK = {"brush": (255, 255, 255, 215), "pen": (200, 200, 200)}


def _unique_name(name: str, taken: set[str]) -> str:
    name = name.strip() or "run"
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"


def layer_ticks(layers: int) -> list[tuple[int, str]]:
    """Names under the gradient bars: the hidden layers numbered from the input side, then the output."""
    short = layers > 6
    return [(i, "out" if short else "output") if i == layers - 1 else (i, f"{'h' if short else 'hidden '}{i + 1}")
            for i in range(layers)]


def _swatch(color: tuple[int, int, int]) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(*color))
    return QIcon(pixmap)


# ---------------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    run: Run
    color: tuple[int, int, int]
    item: QListWidgetItem
    train: pg.PlotDataItem
    test: pg.PlotDataItem
    fit: pg.PlotCurveItem


class CompareView(QWidget):
    """Overlay the runs of a session: loss curves (train solid, test dashed) and, for runs on the same data,
    fitted curves or decision boundaries over the points."""

    runs_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: dict[str, _Entry] = {}
        self._display: dict[str, str] = {}  # run key -> the short name shown
        self._fit_key: str | None = None

        self._list = QListWidget()
        self._list.setToolTip("The runs of this session. Tick a run to draw it; the colour square is its "
                              "colour in both plots.")
        self._list.itemChanged.connect(self._on_item_changed)
        self._list.setMinimumWidth(170)
        self._remove = QPushButton("Remove")
        self._remove.setToolTip("Take the selected run out of the comparison.")
        self._remove.clicked.connect(self._remove_selected)
        self._clear = QPushButton("Remove all")
        self._clear.setToolTip("Take every run out of the comparison.")
        self._clear.clicked.connect(self.clear)
        self._note = QLabel()
        self._note.setWordWrap(True)
        self._note.setStyleSheet("color: #8a4b00;")
        self._note.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self._remove)
        buttons.addWidget(self._clear)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Runs</b>"))
        hint = QLabel("Tick the runs to compare.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        column.addWidget(hint)
        column.addWidget(self._list, 1)
        column.addLayout(buttons)
        column.addWidget(self._note)

        self._log = QCheckBox("Log scale")
        self._log.setToolTip("Draw the loss on a logarithmic scale, so that the runs' differences late in "
                             "training stay visible.")
        self._log.toggled.connect(self.set_log_scale)
        self._legends = QCheckBox("Legends")
        self._legends.setToolTip("Write the runs' names into the plots too. The list on the left already shows "
                                 "each run's colour.")
        self._legends.toggled.connect(self.set_legends_shown)
        loss_head = QHBoxLayout()
        loss_head.addWidget(QLabel("<b>Loss</b> — solid: training data, dashed: test data"), 1)
        loss_head.addWidget(self._legends)
        loss_head.addWidget(self._log)
        self._loss_view = pg.PlotWidget(axisItems={"bottom": EpochAxis("bottom")})
        self._loss_plot = self._loss_view.getPlotItem()
        self._loss_plot.setLabel("bottom", "epoch")
        self._loss_plot.setLabel("left", "loss")
        self._loss_legend = self._loss_plot.addLegend(offset=(-10, 10), **_LEGEND_LOOK)
        self._fit_view = pg.PlotWidget()
        self._fit_plot = self._fit_view.getPlotItem()
        self._fit_legend = self._fit_plot.addLegend(offset=(-10, 10), **_LEGEND_LOOK)
        for plot in (self._loss_plot, self._fit_plot):
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(False)
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
        self._loss_plot.setDownsampling(auto=True, mode="peak")
        self._loss_plot.setClipToView(True)
        self._points = pg.ScatterPlotItem(size=9, pen=pg.mkPen("w", width=1), brush=pg.mkBrush(*POINT_COLOR))
        self._points.setZValue(10)
        self._fit_plot.addItem(self._points)

        self._fit_title = QLabel()
        self._fit_title.setWordWrap(True)
        self._data_choice = QComboBox()
        self._data_choice.setToolTip("Fits can only be compared on the same data. Choose which data, and so "
                                     "which runs, the lower plot shows.")
        self._data_choice.currentIndexChanged.connect(self._on_data_chosen)
        fit_head = QHBoxLayout()
        fit_head.addWidget(self._fit_title, 1)
        fit_head.addWidget(self._data_choice)

        self._grad_view = pg.PlotWidget()
        self._grad_plot = self._grad_view.getPlotItem()
        self._grad_plot.setLabel("left", "log₁₀ gradient size")
        self._grad_plot.setLabel("bottom", "layer (input side → output side)")
        self._grad_plot.setMenuEnabled(False)
        self._grad_legend = self._grad_plot.addLegend(offset=(-10, 10), **_LEGEND_LOOK)
        self._grad_view.setToolTip("The size of each layer's gradient at the end of every ticked run, side by "
                                   "side: tiny bars near the input are the vanishing gradient.")
        self._grad_bars: list = []
        grad_head = QHBoxLayout()
        grad_head.addWidget(QLabel("<b>Gradient size per layer</b> — at the end of each run"), 1)
        plots = QSplitter(Qt.Orientation.Vertical)
        for head, view in ((loss_head, self._loss_view), (fit_head, self._fit_view),
                           (grad_head, self._grad_view)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addLayout(head)
            box_layout.addWidget(view, 1)
            plots.addWidget(box)
        plots.setSizes([260, 340, 200])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(plots)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.set_legends_shown(False)
        self._refresh()

    # public API -----------------------------------------------------------------------------------
    def add_run(self, run: Run) -> str:
        """Add ``run`` (checked) and return its key: its name, numbered if taken (the list shows a short name
        that says how it differs from the others, :meth:`display_name`).

        A run whose ``run_id`` is listed already went on (more epochs, an edited neuron): it replaces that
        entry, keeping its colour and tick. With :data:`MAX_RUNS` runs already, the oldest is dropped and a
        note says so."""
        if run.run_id:
            same = next((n for n, e in self._entries.items() if e.run.run_id == run.run_id), None)
            if same is not None:
                entry = self._entries[same]
                entry.run = replace(run, name=same)
                entry.item.setToolTip(describe_run(entry.run))
                self._draw_run(entry)
                if entry.run.kind:
                    self._fit_key = entry.run.data_key
                self._refresh()
                return same
        name = _unique_name(run.name, set(self._entries))
        run = replace(run, name=name)
        dropped = []
        while len(self._entries) >= MAX_RUNS:
            oldest = next(iter(self._entries))
            dropped.append(self.display_name(oldest))
            self._remove_entry(oldest)
        used = {e.color for e in self._entries.values()}
        color = next((c for c in RUN_COLORS if c not in used), RUN_COLORS[len(self._entries) % len(RUN_COLORS)])
        item = QListWidgetItem(_swatch(color), name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setToolTip(describe_run(run))
        pen = pg.mkPen(color, width=2)
        train = self._loss_plot.plot(pen=pen)
        test = self._loss_plot.plot(pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine))
        fit = pg.PlotCurveItem(pen=pg.mkPen(color, width=2.5))
        fit.setZValue(5)
        self._fit_plot.addItem(fit)
        entry = _Entry(run, color, item, train, test, fit)
        self._draw_run(entry)
        self._entries[name] = entry
        self._list.blockSignals(True)
        self._list.addItem(item)
        self._list.blockSignals(False)
        if run.kind:
            self._fit_key = run.data_key
        if dropped:
            listed = ", ".join(f"“{n}”" for n in dropped)
            self._note.setText(f"At most {MAX_RUNS} runs are kept: the oldest, {listed}, was removed.")
            self._note.setVisible(True)
        self._refresh()
        return name

    def _draw_run(self, entry: _Entry) -> None:
        """Give a run's curves its data: the loss curves and its fit (curve or decision boundary)."""
        run = entry.run
        epochs = run.history.epochs()
        for curve, key in ((entry.train, "loss"), (entry.test, "test_loss")):
            values = run.history.column(key)
            ok = np.isfinite(values)
            curve.setData(epochs[ok], values[ok])
        if run.kind == "curve":
            entry.fit.setData(*run.curve)
        elif run.kind == "surface":
            segs = boundary_segments(run.surface, *run.axes)
            entry.fit.setData(segs[:, :, 0].reshape(-1), segs[:, :, 1].reshape(-1), connect="pairs")
        else:
            entry.fit.setData([], [])

    def display_name(self, name: str) -> str:
        """The short name the list and the legends show for run ``name``."""
        return self._display.get(name, name)

    def set_legends_shown(self, on: bool) -> None:
        """Write the runs' names into the plots (off at first: the list beside them shows the colours)."""
        if self._legends.isChecked() != on:
            self._legends.setChecked(on)  # comes back through the toggled signal
            return
        for legend in (self._loss_legend, self._fit_legend, self._grad_legend):
            legend.setVisible(on)

    def legends_shown(self) -> bool:
        return self._legends.isChecked()

    def runs(self) -> list[Run]:
        """The runs shown, oldest first, under their shown names."""
        return [e.run for e in self._entries.values()]

    def checked(self) -> list[str]:
        return [n for n, e in self._entries.items() if e.item.checkState() == Qt.CheckState.Checked]

    def set_checked(self, name: str, on: bool) -> None:
        self._entry(name).item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def remove_run(self, name: str) -> None:
        self._entry(name)
        self._remove_entry(name)
        self._refresh()

    def clear(self) -> None:
        for name in list(self._entries):
            self._remove_entry(name)
        self._note.setVisible(False)
        self._refresh()

    def color(self, name: str) -> tuple[int, int, int]:
        return self._entry(name).color

    def set_log_scale(self, on: bool) -> None:
        if self._log.isChecked() != on:
            self._log.setChecked(on)  # comes back through the toggled signal
            return
        self._loss_plot.setLogMode(x=False, y=on)

    def set_fit_data(self, data_key: str) -> None:
        """Which data (and so which runs) the fit plot shows, when the checked runs are on different data."""
        index = self._data_choice.findData(data_key)
        if index < 0:
            raise ValueError(f"no checked run with a fit uses the data {data_key!r}")
        self._data_choice.setCurrentIndex(index)

    def fit_data(self) -> str | None:
        return self._fit_key if self._fit_names() else None

    def note(self) -> str:
        return self._note.text() if self._note.isVisible() else ""

    # what is drawn (for tests and export) ---------------------------------------------------------
    def loss_curves(self) -> dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]]:
        """The (train, test) loss curves of every run, drawn or not."""
        return {n: (e.train, e.test) for n, e in self._entries.items()}

    def visible_loss_curves(self) -> list[pg.PlotDataItem]:
        """The loss curves drawn now that hold data."""
        return [c for e in self._entries.values() for c in (e.train, e.test)
                if c.isVisible() and c.xData is not None and len(c.xData)]

    def fit_items(self) -> dict[str, pg.PlotCurveItem]:
        """The fitted curves / decision boundaries drawn now in the fit plot, by run name."""
        return {n: self._entries[n].fit for n in self._fit_names()}

    def fit_legend_names(self) -> list[str]:
        return [label.text for _, label in self._fit_legend.items]

    def loss_legend_names(self) -> list[str]:
        return [label.text for _, label in self._loss_legend.items]

    def points_item(self) -> pg.ScatterPlotItem:
        return self._points

    def fit_title(self) -> str:
        return self._fit_title.text()

    def plot_items(self) -> list[pg.PlotItem]:
        return [self._loss_plot, self._fit_plot, self._grad_plot]

    def list_widget(self) -> QListWidget:
        return self._list

    # drawing --------------------------------------------------------------------------------------
    def _entry(self, name: str) -> _Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"there is no run called {name!r}") from None

    def _remove_entry(self, name: str) -> None:
        entry = self._entries.pop(name)
        self._loss_plot.removeItem(entry.train)
        self._loss_plot.removeItem(entry.test)
        self._fit_plot.removeItem(entry.fit)
        self._list.takeItem(self._list.row(entry.item))

    def _remove_selected(self) -> None:
        item = self._list.currentItem()
        if item is not None:
            self.remove_run(item.data(Qt.ItemDataRole.UserRole))

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self._refresh()

    def _on_data_chosen(self, index: int) -> None:
        if index >= 0 and not self._data_choice.signalsBlocked():
            self._fit_key = self._data_choice.itemData(index)
            self._refresh()

    def _fit_groups(self) -> dict[str, list[str]]:
        """Checked runs with a fit, by data key, in the order the runs were added."""
        groups: dict[str, list[str]] = {}
        for name in self.checked():
            run = self._entries[name].run
            if run.kind:
                groups.setdefault(run.data_key, []).append(name)
        return groups

    def _fit_names(self) -> list[str]:
        groups = self._fit_groups()
        if self._fit_key not in groups:
            return list(groups[next(reversed(groups))]) if groups else []
        return groups[self._fit_key]

    def _refresh(self) -> None:
        checked = set(self.checked())
        self._display = dict(zip(self._entries, short_names([e.run for e in self._entries.values()])))
        self._list.blockSignals(True)
        for name, entry in self._entries.items():
            entry.item.setText(self.display_name(name))
        self._list.blockSignals(False)
        self._loss_legend.clear()
        for name, entry in self._entries.items():
            on = name in checked
            entry.train.setVisible(on)
            entry.test.setVisible(on)
            if on:
                self._loss_legend.addItem(entry.train, self.display_name(name))
                self._follow_legend_clicks(self._loss_legend, name)
        self._refresh_data_choice()
        self._refresh_fit()
        self._refresh_gradients(checked)
        self._remove.setEnabled(bool(self._entries))
        self._clear.setEnabled(bool(self._entries))
        self.runs_changed.emit()

    def _follow_legend_clicks(self, legend: pg.LegendItem, name: str) -> None:
        """A click on a legend's line sample hides that run everywhere (and unticks it), not just one curve."""
        sample, _ = legend.items[-1]
        # with this widget as context: a click just before it is deleted calls nothing on a dead widget
        sample.sigClicked.connect(
            lambda item, n=name: QTimer.singleShot(0, self, lambda: self._legend_clicked(n, item)))

    def _legend_clicked(self, name: str, item: pg.GraphicsObject) -> None:
        if name in self._entries:  # later than the click: the legend is rebuilt, so not inside its handler
            self.set_checked(name, item.isVisible())

    def _refresh_gradients(self, checked: set) -> None:
        """Grouped bars: one group per layer, one bar per ticked run that knows its gradients."""
        for item in self._grad_bars:
            self._grad_plot.removeItem(item)
        self._grad_bars = []
        self._grad_legend.clear()
        runs = [(name, entry) for name, entry in self._entries.items()
                if name in checked and entry.run.grad_norms]
        if not runs:
            self._grad_plot.getAxis("bottom").setTicks(None)
            return
        layers = max(len(entry.run.grad_norms) for _, entry in runs)
        self._grad_plot.getAxis("bottom").setTicks([layer_ticks(layers), []])
        width = 0.8 / len(runs)
        heights = [np.log10([max(float(n), 1e-12) for _, n in entry.run.grad_norms]) for _, entry in runs]
        floor = float(np.floor(min(h.min() for h in heights))) - 0.5  # bars rise from below the smallest
        for k, ((name, entry), height) in enumerate(zip(runs, heights)):
            x = np.arange(len(height)) + (k - (len(runs) - 1) / 2) * width
            bars = pg.BarGraphItem(x=x, y0=np.full(len(height), floor), y1=height, width=width * 0.9,
                                   brush=pg.mkBrush(self.color(name)))
            self._grad_plot.addItem(bars)
            self._grad_bars.append(bars)
            self._grad_legend.addItem(bars, self.display_name(name))

    def grad_bars(self) -> list:
        return list(self._grad_bars)

    def _refresh_data_choice(self) -> None:
        groups = self._fit_groups()
        if groups and self._fit_key not in groups:
            self._fit_key = next(reversed(groups))
        self._data_choice.blockSignals(True)
        self._data_choice.clear()
        for key, names in groups.items():
            words = next((self._entries[n].run.data_label for n in names if self._entries[n].run.data_label), "")
            self._data_choice.addItem(f"{words or key or 'data'} ({len(names)} run{'s' if len(names) != 1 else ''})",
                                      key)
        if groups:
            self._data_choice.setCurrentIndex(self._data_choice.findData(self._fit_key))
        self._data_choice.blockSignals(False)
        self._data_choice.setVisible(len(groups) > 1)

    def _refresh_fit(self) -> None:
        shown = self._fit_names()
        self._fit_legend.clear()
        for name, entry in self._entries.items():
            entry.fit.setVisible(name in shown)
        for name in shown:
            self._fit_legend.addItem(self._entries[name].fit, self.display_name(name))
            self._follow_legend_clicks(self._fit_legend, name)
        runs = [self._entries[n].run for n in shown]
        kind = runs[0].kind if runs else ""
        self._show_points(next((r.points for r in runs if r.points is not None), None), kind)
        if kind == "curve":
            self._fit_plot.setLabel("bottom", "x")
            self._fit_plot.setLabel("left", "y")
            what = "fitted curve" if len(runs) == 1 else f"{len(runs)} fitted curves"
            self._fit_title.setText(f"<b>Fit</b> — {what} over the same data")
        elif kind == "surface":
            self._fit_plot.setLabel("bottom", "x1")
            self._fit_plot.setLabel("left", "x2")
            what = "decision boundary" if len(runs) == 1 else f"{len(runs)} decision boundaries"
            self._fit_title.setText(f"<b>Fit</b> — {what} (where the network says 50 %) over the same data")
            xs, ys = runs[0].axes
            self._fit_plot.setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)
        else:
            self._fit_title.setText("<b>Fit</b> — tick runs with a fitted curve or a decision surface on the "
                                    "same data to compare them here")
        if kind == "curve":
            self._frame_curves(runs)

    def _frame_curves(self, runs: list[Run]) -> None:
        """Frame the points (with room around them), as the data plot does: a wild fit may leave the view,
        the data never does. Without points, frame the curves."""
        points = next((r.points for r in runs if r.points is not None), None)
        if points is None:
            self._fit_plot.enableAutoRange()
            return
        x, y = (np.asarray(a, dtype=np.float64).reshape(-1) for a in points)
        x0, x1 = min(x.min(), *(r.curve[0].min() for r in runs)), max(x.max(), *(r.curve[0].max() for r in runs))
        y0, y1 = y.min(), y.max()
        margin = 0.25 * max(y1 - y0, 1e-9)
        self._fit_plot.disableAutoRange()
        self._fit_plot.setRange(xRange=(x0, x1), yRange=(y0 - margin, y1 + margin), padding=0.02)

    def _show_points(self, points: tuple[np.ndarray, np.ndarray] | None, kind: str) -> None:
        if points is None or not kind:
            self._points.setData([], [])
            return
        x, y = points
        self._points.setZValue(10 if kind == "curve" else 1)  # dots on curves; boundaries over the points
        if kind == "surface" and x.ndim == 2 and x.shape[1] >= 2:
            brushes = [pg.mkBrush(style.class_color(int(c))) for c in np.asarray(y).reshape(-1)]
            self._points.setData(x=x[:, 0], y=x[:, 1], brush=brushes, size=7)
        else:
            self._points.setData(x=x.reshape(-1), y=np.asarray(y, dtype=np.float64).reshape(-1),
                                 brush=pg.mkBrush(*POINT_COLOR), size=9)
