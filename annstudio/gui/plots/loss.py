"""Loss and metric curves over the epochs, train and test, with a read-out of the epoch under the mouse.

Rows arrive in batches (ten thousand epochs a second when a small net trains fast), so the values live in
growing numpy columns, each with its running extent, and every :meth:`LossPlot.add_rows` ends in one
``setData`` per curve.

While training (:meth:`LossPlot.set_live`) nothing costs more as the run grows: the axes keep their ranges
and grow in steps (the epoch axis to the next 1-2-5 number, a value axis only when the data leave it), so
the tick labels are not laid out and drawn anew every frame, and a curve is drawn from the lowest and
highest value of each of at most 1024 runs of epochs (:class:`~annstudio.gui.plots.curve_buffers.Peaks`), updated from the new epochs only.
Out of training the axes fit the data exactly and every epoch is drawn (thinned to the zoom by pyqtgraph).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from .. import style
from ..crash import qt_override
from .curve_buffers import PEAK_BUCKETS, CurveBuffers, Peaks
from .fixed_box import FixedSizeBox
from .ranges import cached_axes, live_epoch_range, live_value_range

__all__ = ["LossPlot", "PEAK_BUCKETS"]  # PEAK_BUCKETS: where tests look for it

#: Every number a history row may carry that this plot draws or reads out.
KEYS = ("loss", "test_loss", "accuracy", "test_accuracy", "rmse", "test_rmse", "r2", "test_r2", "updates", "val_loss",
        "val_accuracy")
#: The validation curves (Keras' validation_split): dashed, in their own colour.
VAL_COLOR = (46, 125, 50)
#: The lines that mark where early stopping found its best epoch and where a rule stopped the run.
BEST_PEN, STOP_PEN = dict(color=(46, 125, 50), width=2, style=Qt.PenStyle.DashLine), \
    dict(color=(90, 90, 90), width=2, style=Qt.PenStyle.DotLine)

#: For each metric the bottom plot can show: (train key, test key, axis label, legend placement).
METRICS = {
    "accuracy": ("accuracy", "test_accuracy", "accuracy", "bottom"),
    "rmse": ("rmse", "test_rmse", "RMSE", "top"),
    "r2": ("r2", "test_r2", "R²", "bottom"),
    "updates": ("updates", "test_updates", "updates", "top"),  # the perceptron rule's (no test)
}
#: The loss axis' name for a perceptron's rows (they carry "updates"): its loss counts misclassified points.
PERCEPTRON_LOSS = "misclassified"
TASKS = ("binary", "multiclass", "regression")
#: Fixed value ranges: R² starts far below 0 on a bad fit; the part a student watches is its climb towards 1.
FIXED_Y = {"r2": (-1.0, 1.05)}
#: Values that cannot go below 0 (or above 1): their axis stops there rather than showing impossible values.
NON_NEGATIVE = ("loss", "accuracy", "rmse", "updates")
AT_MOST_ONE = ("accuracy",)
_HINT = "Point at a curve to read it."
#: Curve widths in pixels: thin while training (Qt strokes a 2-pixel line ~8x slower than a 1-pixel one,
#: which was most of a loss-plot frame), thicker to read and export afterwards.
LIVE_WIDTH, STILL_WIDTH = 1, 2
MIN_HEIGHT = 330  # px: the loss curve ≥ 150 px tall and the accuracy below it, on a 1280×720 screen too


def _fmt(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.4g}"


class LossPlot(QWidget):
    """Top: the loss (train and test). Bottom: accuracy, or for regression RMSE or R². Shared epoch axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task = "binary"
        self._metric = "accuracy"
        self._data = CurveBuffers()
        self._unshown = False  # rows taken in but not drawn yet
        self._peaks: dict[str, Peaks] = {}
        self._hover_index: int | None = None
        self._in_legend: dict[int, str] = {}
        self._live = False      # training: the axes grow in steps instead of fitting every frame
        self._follow = True     # False once the user pans or zooms: the view is theirs then
        self._ranges: list[tuple | None] = [None, None, None]  # epochs, loss values, metric values (as set)

        self._readout = QLabel(_HINT)
        self._readout.setToolTip("The values at the epoch under the mouse; the newest epoch otherwise.")
        self._readout.setTextFormat(Qt.TextFormat.RichText)
        self._readout.setWordWrap(True)
        self._log = QCheckBox("Log scale")
        self._log.setToolTip("Draw the loss on a logarithmic scale, so that small improvements late in "
                             "training stay visible.")
        self._log.toggled.connect(self.set_log_scale)
        self._choice = QComboBox()
        self._choice.addItem("RMSE (lower is better)", "rmse")
        self._choice.addItem("R² (1 is a perfect fit)", "r2")
        self._choice.setToolTip("What the lower plot shows for regression: the root mean squared error "
                                "(how far off the predictions are, in units of y) or R² (the share of the "
                                "variation of y that the network explains; 1 is perfect, 0 is no better than "
                                "always guessing the mean).")
        self._choice.currentIndexChanged.connect(lambda _: self._set_metric(self._choice.currentData()))
        self._choice.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(FixedSizeBox(self._readout, lines=2), 1)
        top.addWidget(self._choice)
        top.addWidget(self._log)

        self._view = pg.GraphicsLayoutWidget()
        self._loss_plot = self._view.addPlot(row=0, col=0, axisItems=cached_axes(epochs=True))
        self._metric_plot = self._view.addPlot(row=1, col=0, axisItems=cached_axes(epochs=True))
        self._metric_plot.setXLink(self._loss_plot)
        layout_ = self._view.ci.layout
        layout_.setRowStretchFactor(0, 2)  # the loss is the curve to watch: it gets the larger share
        layout_.setRowStretchFactor(1, 1)
        self._loss_plot.setLabel("left", "loss")
        self._metric_plot.setLabel("bottom", "epoch")
        self._loss_curves = self._make_curves(self._loss_plot)
        self._metric_curves = self._make_curves(self._metric_plot)
        self._val_curves = tuple(plot.plot(pen=pg.mkPen(VAL_COLOR, width=STILL_WIDTH, style=Qt.PenStyle.DashLine))
                                 for plot in (self._loss_plot, self._metric_plot))
        self._marks: list[pg.InfiniteLine] = []  # best and stop epoch (set_stop_marks)
        self._rate_plot = self._make_rate_plot()
        self._loss_legend = self._loss_plot.addLegend(offset=(-10, 10))
        self._metric_legend = self._metric_plot.addLegend(offset=(-10, -10))
        self._cursors = []
        for plot in self.plot_items():
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.disableAutoRange()  # the ranges are set by _update_ranges (see the module's docstring)
            plot.getViewBox().sigRangeChangedManually.connect(self._user_moved_view)
            plot.autoBtn.clicked.connect(self._follow_data)  # the "A" button: fit the data again
            plot.updateButtons = self._buttons_updater(plot)
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)  # "loss (x0.001)" puzzles students
            cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), width=1))
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)
            self._cursors.append(cursor)
        self._view.scene().sigMouseMoved.connect(self._mouse_moved)
        self._view.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self._view, 1)
        self.setMinimumHeight(MIN_HEIGHT)
        self._set_metric("accuracy")

    @staticmethod
    def _make_curves(plot: pg.PlotItem) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        curves = (plot.plot(pen=pg.mkPen(style.TRAIN_COLOR, width=STILL_WIDTH)),
                  plot.plot(pen=pg.mkPen(style.TEST_COLOR, width=STILL_WIDTH)))
        for curve in curves:
            # peak downsampling to ~1 epoch per pixel column: its minimum and maximum, two points a column
            # (pyqtgraph's default keeps five per column, and stroking them was most of a frame's cost)
            curve.opts["autoDownsampleFactor"] = 1.0
        return curves

    # public API -----------------------------------------------------------------------------------
    def set_task(self, task: str) -> None:
        """``"binary"``, ``"multiclass"`` or ``"regression"``: decides what the lower plot shows."""
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
        self._task = task
        regression = task == "regression"
        self._choice.setVisible(regression)
        self._set_metric(self._choice.currentData() if regression else "accuracy")

    def task(self) -> str:
        return self._task

    def metric_name(self) -> str:
        """The metric the lower plot shows now: ``"accuracy"``, ``"rmse"`` or ``"r2"``."""
        return self._metric

    def add_rows(self, rows: list[dict]) -> None:
        """Append history rows (``{"epoch": 3, "loss": …, "test_loss": …, …}``) and redraw once."""
        self.append_rows(rows)
        self.flush()

    def append_rows(self, rows: list[dict]) -> None:
        """Take rows in without drawing them yet (:meth:`flush` draws): while training, rows come in small
        batches many times a second and are drawn a few times a second."""
        if rows:
            if "updates" in rows[0] and self._metric != "updates":  # a perceptron's run: its own two curves
                self._loss_plot.setLabel("left", PERCEPTRON_LOSS)
                self._metric = "updates"
                self._unshown = True
                self._set_metric("updates")
            self._data.add(rows)
            self._unshown = True

    def has_unshown_rows(self) -> bool:
        return self._unshown

    def flush(self) -> None:
        """Draw the rows taken in since the last drawing (one redraw for all of them)."""
        if not self._unshown:
            return
        self._unshown = False
        self._redraw()
        if self._hover_index is None:
            self._show_readout(self._data.n - 1, latest=True)

    def clear(self) -> None:
        self._unshown = False
        self._data = CurveBuffers()
        self._peaks = {}
        self._hover_index = None
        self._follow = True
        self._ranges = [None, None, None]
        for cursor in self._cursors:
            cursor.setVisible(False)
        self.set_stop_marks(None, None)
        if self._metric == "updates":  # the next run may be no perceptron: back to the task's metric
            self._loss_plot.setLabel("left", "loss")
            self.set_task(self._task)
        self._redraw()
        self._readout.setText(_HINT)

    def set_live(self, on: bool) -> None:
        """While training (True) the axes grow in steps; after it (False) they fit every epoch exactly."""
        on = bool(on)
        if on != self._live:
            self._live = on
            self._ranges = [None, None, None]  # start afresh from the data: steps while live, exact after
            width = LIVE_WIDTH if on else STILL_WIDTH
            for curve in self._loss_curves + self._metric_curves + self._val_curves:
                pen = curve.opts["pen"]
                curve.setPen(pg.mkPen(pen.color(), width=width, style=pen.style()))
            self._redraw()

    def is_live(self) -> bool:
        return self._live

    def follows_data(self) -> bool:
        """Whether the axes follow the data (False after the user zoomed or panned, until "A" or a clear)."""
        return self._follow

    def rows(self) -> list[dict]:
        """Every row shown (new dictionaries with the numbers given), e.g. for a CSV export."""
        return list(self._data)

    def row_count(self) -> int:
        """How many epochs the plot holds (cheaper than ``len(rows())``)."""
        return self._data.n

    def plot_items(self) -> list[pg.PlotItem]:
        """The loss plot and the metric plot, e.g. for a PNG/SVG export."""
        return [self._loss_plot, self._metric_plot]

    def curves(self) -> dict[str, pg.PlotDataItem]:
        """The curve items by role: ``loss``, ``test_loss``, ``metric``, ``test_metric``."""
        return dict(zip(("loss", "test_loss", "metric", "test_metric"), self._loss_curves + self._metric_curves))

    def set_log_scale(self, on: bool) -> None:
        if self._log.isChecked() != on:
            self._log.setChecked(on)  # re-enters through the toggled signal
            return
        self._loss_plot.setLogMode(x=False, y=on)
        self._ranges[1] = None
        self._update_ranges()

    def readout_text(self) -> str:
        """The read-out line as plain text."""
        return self._readout.text().replace("&nbsp;", " ").replace("<b>", "").replace("</b>", "")

    def hover_epoch(self, epoch: float | None) -> None:
        """Read out (and mark) the epoch nearest ``epoch``; None goes back to the newest epoch."""
        n = self._data.n
        if epoch is None or n == 0:
            self._hover_index = None
            for cursor in self._cursors:
                cursor.setVisible(False)
            if n:
                self._show_readout(n - 1, latest=True)
            return
        epochs = self._data.epoch
        i = int(np.clip(np.searchsorted(epochs, epoch), 0, n - 1))
        if i > 0 and abs(epochs[i - 1] - epoch) <= abs(epochs[i] - epoch):
            i -= 1
        self._hover_index = i
        for cursor in self._cursors:
            cursor.setPos(float(epochs[i]))
            cursor.setVisible(True)
        self._show_readout(i, latest=False)

    # stopping and the learning-rate schedule ----------------------------------------------------------
    def set_stop_marks(self, best: int | None, stopped: int | None) -> None:
        """Mark early stopping's best epoch (dashed, green) and the epoch where a rule stopped the run
        (dotted); None: no such mark."""
        for line in self._marks:
            self._loss_plot.removeItem(line)
        self._marks = []
        # the labels low in the plot (the legend is at the top), "best" right of its line, "stopped" left of it
        for epoch, pen, words, place, side in ((best, BEST_PEN, "best {}", 0.12, 0), (stopped, STOP_PEN, "stopped {}",
                                                                                       0.28, 1)):
            if epoch is None:
                continue
            line = pg.InfiniteLine(pos=float(epoch), angle=90, movable=False, pen=pg.mkPen(**pen),
                                   label=words.format(epoch), labelOpts={"position": place, "color": pen["color"], "fill": (255, 255, 255, 210),
                                                                         "anchors": [(side, 0.5), (side, 0.5)]})
            line.setToolTip(("The best epoch early stopping found: its weights are the ones kept." if words.startswith(
                "best") else "Where a stopping rule ended the run.") + " Play goes on from here.")
            self._loss_plot.addItem(line, ignoreBounds=True)
            self._marks.append(line)

    def stop_marks(self) -> dict[str, float]:
        """The marks shown, by their words ("best", "stopped") (tests, reports)."""
        return {line.label.toPlainText().split()[0]: float(line.value()) for line in self._marks}

    def _make_rate_plot(self) -> pg.PlotItem:
        plot = pg.PlotItem(axisItems=cached_axes(epochs=True))
        plot.setLabel("left", "learning rate")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setMaximumHeight(90)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        self._rate_curve = plot.plot(pen=pg.mkPen((123, 31, 162), width=2))
        self._rate_now = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(123, 31, 162), pen=None)
        plot.addItem(self._rate_now)
        plot.setXLink(self._loss_plot)
        return plot

    def set_schedule(self, epochs: np.ndarray | None, rates: np.ndarray | None) -> None:
        """Draw the learning rate the schedule gives each epoch under the loss (None: no schedule, no plot)."""
        shown = self._rate_plot.scene() is not None
        if epochs is None or rates is None or not len(epochs):
            if shown:
                self._view.ci.removeItem(self._rate_plot)
            self._rate_curve.setData([], [])
            self._rate_now.setData([], [])
            return
        if not shown:
            self._view.addItem(self._rate_plot, row=2, col=0)
            self._view.ci.layout.setRowStretchFactor(2, 0)
        self._rate_curve.setData(np.asarray(epochs, float), np.asarray(rates, float))
        top = float(np.max(rates))
        self._rate_plot.setYRange(0.0, top * 1.05 if top > 0 else 1.0, padding=0)

    def show_schedule(self, spec, base: float, first_epoch: int, epochs: int) -> None:
        """The schedule of a TrainSpec from the rate ``base`` over the run's next ``epochs`` epochs after
        ``first_epoch`` (nothing for a constant rate)."""
        from ...core import schedules
        from ...core.errors import UserError

        if spec.schedule == "constant" or epochs < 1:
            self.set_schedule(None, None)
            return
        done = np.unique(np.linspace(first_epoch, first_epoch + epochs - 1, min(epochs, 2000)).astype(int))
        try:
            rates = [schedules.rate_at(spec, base, int(k)) for k in done]
        except UserError:  # the rate would reach 0: the run says so in a sentence when it gets there
            self.set_schedule(None, None)
            return
        self.set_schedule(done + 1, np.array(rates))  # epoch k + 1 trains with the rate of index k

    def set_current_rate(self, epoch: float, rate: float) -> None:
        """The rate in use now, as a dot on the schedule's curve."""
        if self._rate_plot.scene() is not None:
            self._rate_now.setData([float(epoch)], [float(rate)])

    def schedule_shown(self) -> bool:
        return self._rate_plot.scene() is not None

    # drawing --------------------------------------------------------------------------------------
    def _set_metric(self, metric: str) -> None:
        self._metric = metric
        _, _, label, where = METRICS[metric]
        self._metric_plot.setLabel("left", label)
        self._ranges[2] = None
        corner = (1, 0) if where == "top" else (1, 1)
        offset = (-10, 10) if where == "top" else (-10, -10)
        self._metric_legend.anchor(itemPos=corner, parentPos=corner, offset=offset)
        self._in_legend = {}
        self._redraw()
        if self._data.n and self._hover_index is None:
            self._show_readout(self._data.n - 1, latest=True)
        elif self._hover_index is not None:
            self._show_readout(self._hover_index, latest=False)

    def _redraw(self) -> None:
        train_key, test_key, label, _ = METRICS[self._metric]
        loss = "misclassified" if self._metric == "updates" else "loss"  # a perceptron counts its mistakes
        plan = ((self._loss_curves[0], "loss", f"train {loss}"), (self._loss_curves[1], "test_loss", f"test {loss}"),
                (self._val_curves[0], "val_loss", f"validation {loss}"),
                (self._metric_curves[0], train_key, f"train {label}"),
                (self._metric_curves[1], test_key, f"test {label}"),
                (self._val_curves[1], f"val_{train_key}", f"validation {label}"))
        epochs = self._data.epoch
        for curve, key, name in plan:
            values = self._data.values(key)
            if self._live:  # each pixel column's lowest and highest value, without looking at old epochs
                x, y = self._peaks.setdefault(key, Peaks()).curve(epochs, values)
            else:  # every epoch: pyqtgraph thins what it draws to the zoom, so zooming in shows them all
                x, y = epochs, values
            finite = np.isfinite(y)
            if finite.all():
                curve.setData(x, y, skipFiniteCheck=True)
            else:
                curve.setData(x[finite], y[finite], skipFiniteCheck=True)
            self._update_legend(curve, name, key in self._data.extent)
        self._update_ranges()

    # axis ranges ----------------------------------------------------------------------------------
    def _value_extent(self, keys: tuple[str, str], log: bool) -> tuple[float, float] | None:
        extents = [self._data.extent[key] for key in keys if key in self._data.extent]
        if log:
            extents = [(c, b) for _, b, c in extents if b > 0]
            if not extents:
                return None
            return math.log10(min(lo for lo, _ in extents)), math.log10(max(hi for _, hi in extents))
        if not extents:
            return None
        return min(lo for lo, _, _ in extents), max(hi for _, hi, _ in extents)

    def _update_ranges(self) -> None:
        """Set the axes' ranges from the data: in steps while live, exactly otherwise (unless the user
        moved the view)."""
        if not self._follow:
            return
        d = self._data
        if d.n == 0:  # an empty plot: plain ranges, which the first data then replace (not grow from)
            self._loss_plot.getViewBox().setRange(xRange=(0.0, 10.0), yRange=(0.0, 1.0), padding=0)
            self._metric_plot.getViewBox().setRange(yRange=FIXED_Y.get(self._metric, (0.0, 1.0)), padding=0)
            self._ranges = [None, None, None]
            return
        first, last = float(d.epoch[0]), float(d.epoch[-1])
        if self._live:
            self._apply_range(0, self._loss_plot, live_epoch_range(first, last, self._ranges[0]), padding=0)
        else:
            self._apply_range(0, self._loss_plot, (first, max(last, first + 1)), padding=None)
        train_key, test_key, _, _ = METRICS[self._metric]
        log = self._log.isChecked()
        for i, plot, kind, keys in ((1, self._loss_plot, "loss", ("loss", "test_loss", "val_loss")),
                                    (2, self._metric_plot, self._metric, (train_key, test_key, f"val_{train_key}"))):
            if kind in FIXED_Y:
                self._apply_range(i, plot, FIXED_Y[kind], padding=0)
                continue
            extent = self._value_extent(keys, log and i == 1)
            if extent is None:
                continue
            if self._live:
                floor = 0.0 if kind in NON_NEGATIVE and not (log and i == 1) else None
                ceiling = 1.02 if kind in AT_MOST_ONE else None
                self._apply_range(i, plot, live_value_range(*extent, self._ranges[i], floor, ceiling), padding=0)
            else:
                lo, hi = extent
                if hi - lo <= 1e-12:
                    lo, hi = lo - max(abs(lo) * 0.05, 1e-3), hi + max(abs(hi) * 0.05, 1e-3)
                self._apply_range(i, plot, (lo, hi), padding=None)

    def _apply_range(self, index: int, plot: pg.PlotItem, span: tuple[float, float], padding) -> None:
        """Set one axis's range, only when it differs from what was set last (every change re-lays out
        and redraws that axis's ticks)."""
        wanted = (float(span[0]), float(span[1]))
        if self._ranges[index] == wanted:
            return
        self._ranges[index] = wanted
        vb = plot.getViewBox()
        if index == 0:
            vb.setRange(xRange=wanted, padding=padding, disableAutoRange=True)
        else:
            vb.setRange(yRange=wanted, padding=padding, disableAutoRange=True)

    def _buttons_updater(self, plot: pg.PlotItem):
        """pyqtgraph offers its "A" (auto range) button whenever its own auto range is off, as it always is
        here; offer it only once the user has moved the view away from the data."""
        original = plot.updateButtons

        def update() -> None:
            original()
            if self._follow:
                plot.autoBtn.hide()

        return update

    def _user_moved_view(self, *_args) -> None:
        self._follow = False

    def _follow_data(self) -> None:
        """The auto-range button: take over from pyqtgraph's auto range, which re-fits on every frame."""
        for plot in self.plot_items():
            plot.disableAutoRange()
        self._follow = True
        self._ranges = [None, None, None]
        self._update_ranges()

    def _update_legend(self, curve: pg.PlotDataItem, name: str, present: bool) -> None:
        on_top = curve in self._loss_curves or curve is self._val_curves[0]
        legend = self._loss_legend if on_top else self._metric_legend
        key = id(curve)
        shown = self._in_legend.get(key)
        if present and shown == name:
            return
        legend.removeItem(curve)
        self._in_legend.pop(key, None)
        if present:
            legend.addItem(curve, name)
            self._in_legend[key] = name

    def _show_readout(self, i: int, latest: bool) -> None:
        d = self._data
        value = {key: float(d.values(key)[i]) for key in KEYS}
        epoch = d.epoch[i]
        head = f"Epoch <b>{epoch:g}</b>" + (" (newest)" if latest else "")
        parts = [head, f"loss {_fmt(value['loss'])}"]
        if math.isfinite(value["test_loss"]):
            parts.append(f"test loss {_fmt(value['test_loss'])}")
        if math.isfinite(value["val_loss"]):
            parts.append(f"val loss {_fmt(value['val_loss'])}")
        if self._metric == "updates":  # a perceptron: its mistakes and its updates first, in two short lines
            parts = [head, f"misclassified {_fmt(value['loss'])}"]
            if math.isfinite(value["test_loss"]):
                parts[1] += f" (test {_fmt(value['test_loss'])})"
            names = (("updates", "updates"), ("accuracy", "accuracy"), ("test_accuracy", "test"))
        elif self._task == "regression":
            names = (("rmse", "RMSE"), ("test_rmse", "test RMSE"), ("r2", "R²"), ("test_r2", "test R²"))
        else:
            names = (("accuracy", "accuracy"), ("test_accuracy", "test accuracy"), ("val_accuracy", "val accuracy"))
        parts += [f"{label} {_fmt(value[key])}" for key, label in names if math.isfinite(value[key])]
        self._readout.setText(" · ".join(part.replace(" ", "&nbsp;") for part in parts))

    # mouse ----------------------------------------------------------------------------------------
    def _mouse_moved(self, scene_pos: QPointF) -> None:
        for plot in self.plot_items():
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(scene_pos):
                self.hover_epoch(vb.mapSceneToView(scene_pos).x())
                return
        self.hover_epoch(None)

    @qt_override(default=False)
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view.viewport() and event.type() == QEvent.Type.Leave:
            self.hover_epoch(None)
        return super().eventFilter(watched, event)
