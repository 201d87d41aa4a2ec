"""Loss and metric curves over the epochs, train and test, with a read-out of the epoch under the mouse.

Rows arrive in batches (thousands of epochs a second when a small net trains fast), so the values live in
growing numpy buffers and every :meth:`LossPlot.add_rows` ends in one ``setData`` per curve.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QSizePolicy,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from .. import style

#: Every number a history row may carry that this plot draws or reads out.
KEYS = ("loss", "test_loss", "accuracy", "test_accuracy", "rmse", "test_rmse", "r2", "test_r2")

#: For each metric the bottom plot can show: (train key, test key, axis label, legend placement).
METRICS = {
    "accuracy": ("accuracy", "test_accuracy", "accuracy", "bottom"),
    "rmse": ("rmse", "test_rmse", "RMSE", "top"),
    "r2": ("r2", "test_r2", "R²", "bottom"),
}
TASKS = ("binary", "multiclass", "regression")
_HINT = "Move the mouse over the curves to read the values at an epoch."


class _Buffers:
    """Columns of floats that grow by doubling; NaN where a row lacks a value."""

    def __init__(self) -> None:
        self.n = 0
        self._epoch = np.empty(0)
        self._cols = {key: np.empty(0) for key in KEYS}

    def append(self, rows: list[dict]) -> None:
        need = self.n + len(rows)
        if need > len(self._epoch):
            size = max(1024, 2 ** math.ceil(math.log2(need)))
            self._epoch = _grown(self._epoch, size, self.n)
            self._cols = {k: _grown(v, size, self.n) for k, v in self._cols.items()}
        end = self.n + len(rows)
        self._epoch[self.n:end] = [r.get("epoch", self.n + i + 1) for i, r in enumerate(rows)]
        for key, col in self._cols.items():
            col[self.n:end] = [_number(r.get(key)) for r in rows]
        self.n = end

    @property
    def epoch(self) -> np.ndarray:
        return self._epoch[:self.n]

    def column(self, key: str) -> np.ndarray:
        return self._cols[key][:self.n]


def _grown(array: np.ndarray, size: int, used: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[:used] = array[:used]
    return out


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _fmt(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.4g}"


class LossPlot(QWidget):
    """Top: the loss (train and test). Bottom: accuracy, or for regression RMSE or R². Shared epoch axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task = "binary"
        self._metric = "accuracy"
        self._rows: list[dict] = []
        self._data = _Buffers()
        self._hover_index: int | None = None
        self._in_legend: dict[int, str] = {}

        self._readout = QLabel(_HINT)
        self._readout.setToolTip("The values at the epoch under the mouse; the newest epoch otherwise.")
        self._readout.setTextFormat(Qt.TextFormat.RichText)
        self._readout.setWordWrap(True)
        self._readout.setMinimumWidth(120)
        # Its text changes every frame: a fixed size keeps that from re-laying out (and repainting) the window.
        self._readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._readout.setFixedHeight(2 * self._readout.fontMetrics().lineSpacing() + 4)
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
        top.addWidget(self._readout, 1)
        top.addWidget(self._choice)
        top.addWidget(self._log)

        self._view = pg.GraphicsLayoutWidget()
        self._loss_plot = self._view.addPlot(row=0, col=0)
        self._metric_plot = self._view.addPlot(row=1, col=0)
        self._metric_plot.setXLink(self._loss_plot)
        self._loss_plot.setLabel("left", "loss")
        self._metric_plot.setLabel("bottom", "epoch")
        self._loss_curves = self._make_curves(self._loss_plot)
        self._metric_curves = self._make_curves(self._metric_plot)
        self._loss_legend = self._loss_plot.addLegend(offset=(-10, 10))
        self._metric_legend = self._metric_plot.addLegend(offset=(-10, -10))
        self._cursors = []
        for plot in self.plot_items():
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
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
        self._set_metric("accuracy")

    @staticmethod
    def _make_curves(plot: pg.PlotItem) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        train = plot.plot(pen=pg.mkPen(style.TRAIN_COLOR, width=2))
        test = plot.plot(pen=pg.mkPen(style.TEST_COLOR, width=2))
        return train, test

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
        if not rows:
            return
        self._rows.extend(dict(r) for r in rows)
        self._data.append(rows)
        self._redraw()
        if self._hover_index is None:
            self._show_readout(self._data.n - 1, latest=True)

    def clear(self) -> None:
        self._rows = []
        self._data = _Buffers()
        self._hover_index = None
        for cursor in self._cursors:
            cursor.setVisible(False)
        self._redraw()
        self._readout.setText(_HINT)

    def rows(self) -> list[dict]:
        """Every row shown, as given (copies), e.g. for a CSV export."""
        return [dict(r) for r in self._rows]

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

    # drawing --------------------------------------------------------------------------------------
    def _set_metric(self, metric: str) -> None:
        self._metric = metric
        _, _, label, where = METRICS[metric]
        self._metric_plot.setLabel("left", label)
        if metric == "r2":
            # R² starts far below 0 on a bad fit; the part a student watches is its climb towards 1.
            self._metric_plot.enableAutoRange(y=False)
            self._metric_plot.setYRange(-1.0, 1.05, padding=0)
        else:
            self._metric_plot.enableAutoRange(y=True)
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
        plan = ((self._loss_curves[0], "loss", "train loss"), (self._loss_curves[1], "test_loss", "test loss"),
                (self._metric_curves[0], train_key, f"train {label}"),
                (self._metric_curves[1], test_key, f"test {label}"))
        epochs = self._data.epoch
        for curve, key, name in plan:
            values = self._data.column(key)
            finite = np.isfinite(values)
            if finite.all():
                curve.setData(epochs, values, skipFiniteCheck=True)
            else:
                curve.setData(epochs[finite], values[finite], skipFiniteCheck=True)
            self._update_legend(curve, name, bool(finite.any()))

    def _update_legend(self, curve: pg.PlotDataItem, name: str, present: bool) -> None:
        legend = self._loss_legend if curve in self._loss_curves else self._metric_legend
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
        value = {key: float(d.column(key)[i]) for key in KEYS}
        epoch = d.epoch[i]
        head = f"Epoch <b>{epoch:g}</b>" + (" (newest)" if latest else "")
        parts = [head, f"loss {_fmt(value['loss'])}"]
        if math.isfinite(value["test_loss"]):
            parts.append(f"test loss {_fmt(value['test_loss'])}")
        if self._task == "regression":
            names = (("rmse", "RMSE"), ("test_rmse", "test RMSE"), ("r2", "R²"), ("test_r2", "test R²"))
        else:
            names = (("accuracy", "accuracy"), ("test_accuracy", "test accuracy"))
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view.viewport() and event.type() == QEvent.Type.Leave:
            self.hover_epoch(None)
        return super().eventFilter(watched, event)
