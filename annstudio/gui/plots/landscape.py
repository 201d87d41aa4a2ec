"""The loss landscape over two chosen parameters, with the optimizer's path across it.

The grid is computed by :func:`annstudio.core.landscape.loss_grid` from the newest weights (every other
parameter held at its current value), with its contour lines, in a thread of its own (:class:`JobRunner`):
computed on the GUI thread it froze the window for 0.1-0.4 s at every redraw while training (``ui_latency``).
The path has a point per epoch, or per batch when stepping: a small network's reports carry every epoch's
weights (see ``Probes.parameters_up_to``), also when one compiled call trains hundreds of epochs between two
pictures. When a new run starts, the last one's path stays on
the picture, dashed, so two optimizers from the same start can be compared.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core import backprop as bp
from ...core.landscape import Param, loss_grid, span, work
from ...core.spec import NetworkSpec
from ..crash import qt_override
from ..jobs import JobRunner
from .fixed_box import FixedSizeBox
from .ranges import cached_axes

RESOLUTION = 61        # grid points per axis at most ...
LEAST_RESOLUTION = 21  # ... and at least
WORK = 20_000_000      # multiplications a grid may take; bigger networks get a coarser grid
MAX_SAMPLES = 250      # the grid's loss is averaged over at most this many training points
MAX_PATH = 2000        # weights kept per run (older points are thinned out)
DOTS_UP_TO = 300       # a path of at most this many points has a dot per point
EVERY_EPOCH_UP_TO = 500  # networks with at most this many weights report each epoch's (a point per epoch)
REDRAW_S = 0.5         # while training, the grid is recomputed at most this often
CONTOURS = 9
PATH_COLOR = (214, 39, 40)
EARLIER_COLOR = (255, 150, 30)  # orange: seen on the dark valleys and the light slopes


class Contour(pg.IsocurveItem):
    """Contour lines computed elsewhere (the landscape's job, see :func:`compute`): painting computes nothing."""

    def set_lines(self, lines: list) -> None:
        path = QPainterPath()
        for line in lines:
            path.moveTo(*line[0])
            for point in line[1:]:
                path.lineTo(*point)
        self.prepareGeometryChange()
        self.data, self.path = None, path
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self.path.boundingRect() if self.path is not None else QRectF()

    @qt_override
    def paint(self, painter, *args) -> None:
        if self.path is not None:
            painter.setPen(self.pen)
            painter.drawPath(self.path)


def compute(chain, x, y, loss: str, first: Param, second: Param, xs, ys, state=None) -> dict:
    """The job: the loss grid (``loss_grid``), its log10 as shown, and the contour lines of CONTOURS levels
    between its lowest and highest value (in the image's pixel coordinates, as pyqtgraph's IsocurveItem
    draws them)."""
    started = time.perf_counter()
    grid = loss_grid(chain, x, y, loss, first, second, xs, ys)
    shown = np.log10(np.maximum(grid, 1e-6))   # valleys keep their shape next to steep walls
    low, high = float(shown.min()), float(shown.max())
    lines = [pg.functions.isocurve(shown.T, low + (high - low) * (k + 1) / (CONTOURS + 1), connected=True,
                                   extendToEdge=True) for k in range(CONTOURS)]
    return {"grid": grid, "shown": shown, "lines": lines, "seconds": time.perf_counter() - started}


def _ordinal(n: int) -> str:
    """2nd, 4th, 32nd, 128th."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _steady(old: tuple[float, float], wanted: tuple[float, float]) -> tuple[float, float]:
    """The range drawn before while it still holds ``wanted`` and is not more than twice as wide: a range that
    moves at every redraw lays the axes out again and repaints the whole plot (``ui_latency``)."""
    if old[0] <= wanted[0] and wanted[1] <= old[1] and wanted[1] - wanted[0] >= 0.5 * (old[1] - old[0]):
        return old
    return wanted


class LandscapeView(QWidget):
    """Heat map of the loss over two parameters, contour lines, and the paths of this run and the last."""

    compare_requested = Signal(str)  # an optimizer: train again from the same start with it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._optimizer = "adam"
        self.compare_button = QPushButton()
        self.compare_button.setToolTip("Train again from the same starting weights with the other optimizer. "
                                       "This run's path stays on the landscape, dashed, to compare the two.")
        self.compare_button.clicked.connect(lambda: self.compare_requested.emit(self.other_optimizer()))
        self._name_compare()
        self.first_box, self.second_box = QComboBox(), QComboBox()
        for box in (self.first_box, self.second_box):
            box.setToolTip("The parameter on this axis. All others are held at their current values.")
            box.currentIndexChanged.connect(self._on_choice)
        self.info = QLabel("")      # what the picture shows
        self.info.setWordWrap(True)
        # its numbers, new at every redraw: in a box of fixed size (a label's new text lays the window out
        # again, and a new line of it moved the plot: the whole tab repainted, ~25 ms more on that frame)
        self.readout = QLabel("")
        self.readout.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w", axisItems=cached_axes())
        self.plot.setMenuEnabled(False)
        for side in ("bottom", "left"):  # room for the parameters' names from the start: shown with the first
            self.plot.setLabel(side, "\u2007")  # grid (a tab already painted), they grew both axes, so the
            # tab was laid out and painted once more on that frame (a 37 ms pause of the window while training)
            self.plot.getAxis(side).enableAutoSIPrefix(False)  # "(x0.001)" after a name puzzles students
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.curves: list[Contour] = []
        for _ in range(CONTOURS):
            curve = Contour(pen=pg.mkPen((255, 255, 255, 170), width=1))
            curve.setParentItem(self.image)
            self.curves.append(curve)
        self.earlier_item = pg.PlotDataItem(pen=pg.mkPen(EARLIER_COLOR, width=2, style=Qt.PenStyle.DashLine),
                                            symbol="o", symbolSize=4, symbolBrush=EARLIER_COLOR, symbolPen=None)
        self.path_item = pg.PlotDataItem(pen=pg.mkPen(PATH_COLOR, width=2.5), symbol="o", symbolSize=5,
                                         symbolBrush=PATH_COLOR, symbolPen=None)
        self.start_item = pg.ScatterPlotItem(size=11, symbol="s", brush=(255, 255, 255), pen=pg.mkPen("k", width=1.5))
        self.now_item = pg.ScatterPlotItem(size=13, symbol="star", brush=PATH_COLOR, pen=pg.mkPen("w", width=1))
        legend = self.plot.addLegend(offset=(8, 8), labelTextColor="k", brush=(255, 255, 255, 210))
        for item in (self.earlier_item, self.path_item, self.start_item, self.now_item):
            self.plot.addItem(item)
        legend.addItem(self.start_item, "start")
        choose = QHBoxLayout()
        choose.addWidget(QLabel("x axis:"))
        choose.addWidget(self.first_box, 1)
        choose.addWidget(QLabel("y axis:"))
        choose.addWidget(self.second_box, 1)
        compare = QHBoxLayout()
        compare.addWidget(self.compare_button)
        note = QLabel("from the same start; this run's path stays, dashed")
        note.setWordWrap(True)  # a narrow view wraps it rather than widening the window
        compare.addWidget(note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(choose)
        layout.addWidget(self.plot, 1)
        layout.addLayout(compare)
        layout.addWidget(self.info)
        layout.addWidget(FixedSizeBox(self.readout, lines=2))
        self._params: list[Param] = []
        self._spec: NetworkSpec | None = None
        self._x = self._y = None
        self._loss = "binary_crossentropy"
        self._path: list[np.ndarray] = []      # flat parameter vectors of this run
        self._earlier: list[np.ndarray] = []
        self._label = self._earlier_label = ""
        self._epochs: list[int] = []
        self._labels: tuple = ()
        self._ranges: tuple | None = None  # ((first, second), (x range, y range)) of the grid asked for last
        self._legend: list = []
        self._tip: np.ndarray | None = None    # the newest point (the path keeps every _stride-th one)
        self._tip_moment = 0
        self._offered = 0                      # points this run offered to the path
        self._stride = 1
        self._weights: tuple | None = None
        self._grid_key = None
        self.axes_shown: tuple | None = None  # the grid's values of the two parameters, as last drawn
        self._drawn_at = 0.0
        self._compute_s = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)
        self._job = JobRunner("landscape", self)
        self._job.done.connect(self._show)
        self._job.failed.connect(self._failed)
        self._asked: dict | None = None  # what the running job computes, and for which settings
        self._again = False  # asked to redraw while a job ran: once more when it is done
        self._data_version = 0

    # settings -------------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec) -> None:
        """A new network: its parameters to choose from; the paths no longer apply. The same network again
        (a reset): this run's path becomes the earlier one, to compare the next run with."""
        same = spec == self._spec
        if same and len(self._path) > 1:
            self._earlier, self._earlier_label = self._path_to_tip(), self._label
        elif not same:
            self._earlier = []
        chosen = (self.first_box.currentIndex(), self.second_box.currentIndex())
        self._spec, self._weights, self._path, self._epochs = spec, None, [], []
        self._tip, self._offered, self._stride = None, 0, 1
        self._params = []
        sizes = [int(np.prod(spec.input_shape))] + [layer.units for layer in spec.layers if layer.kind == "dense"]
        for layer, (inputs, units) in enumerate(zip(sizes, sizes[1:])):
            for unit in range(min(units, 8)):
                for source in list(range(min(inputs, 8))) + [None]:
                    self._params.append(Param(layer, source, unit))
        for box, default in zip((self.first_box, self.second_box), chosen if same else (0, 1)):
            box.blockSignals(True)
            box.clear()
            box.addItems([p.label for p in self._params])
            box.setCurrentIndex(min(default, len(self._params) - 1))
            box.blockSignals(False)
        self._grid_key = self._ranges = None
        self._schedule(now=True)

    def set_optimizer(self, optimizer: str) -> None:
        """The optimizer the next run uses (the compare button offers the other one)."""
        self._optimizer = optimizer
        self._name_compare()

    def other_optimizer(self) -> str:
        """SGD for Adam, Adam for the others: the two the lecture compares."""
        return "sgd" if self._optimizer == "adam" else "adam"

    def _name_compare(self) -> None:
        self.compare_button.setText(f"Compare: again with {'SGD' if self.other_optimizer() == 'sgd' else 'Adam'}")

    def set_data(self, x: np.ndarray, y: np.ndarray, loss: str) -> None:
        """The training points (as the network's inputs) and the loss the landscape shows."""
        x, y = np.asarray(x), np.asarray(y)
        if len(x) > MAX_SAMPLES:
            pick = np.random.default_rng(0).choice(len(x), MAX_SAMPLES, replace=False)
            x, y = x[pick], y[pick]
        self._x, self._y, self._loss = x, y, loss
        self._data_version += 1
        self._grid_key = None
        self._schedule(now=True)

    def choose(self, first: Param, second: Param) -> None:
        """Show the landscape over these two parameters (e.g. two links clicked in the explorer)."""
        for box, param in ((self.first_box, first), (self.second_box, second)):
            if param in self._params:
                box.setCurrentIndex(self._params.index(param))

    def chosen(self) -> tuple[Param, Param] | None:
        i, j = self.first_box.currentIndex(), self.second_box.currentIndex()
        if not (0 <= i < len(self._params) and 0 <= j < len(self._params)):
            return None
        return self._params[i], self._params[j]

    def _on_choice(self, _index: int) -> None:
        self._grid_key = None
        self._schedule(now=True)

    # reports --------------------------------------------------------------------------------------
    def add_batch(self, batch, label: str = "") -> None:
        """A :class:`~annstudio.gui.worker.ReportBatch`: a point for each of its epochs (a small network's
        reports carry every epoch's weights, also when one call trained hundreds), else for its report. Epochs
        the thinned path would drop anyway are only counted (at thousands of epochs a second, making each one's
        point took the window's thread ~15% of its time)."""
        points = getattr(batch, "parameters", ())
        if not points:
            self.add_report(batch.report, label)
            return
        last = len(points) - 1
        for i, (epoch, batches, weights) in enumerate(points):
            self.add_point(epoch, batches, weights, label, skippable=i != last)

    def add_report(self, report, label: str = "") -> None:
        """Record the report's weights as a point of the path (a report from a new run starts a new path);
        ``label`` names the run in the legend (e.g. its optimizer)."""
        weights = getattr(report, "weights", None)
        if weights is None:
            weights = getattr(report, "parameters", None)
        if weights is not None:
            self.add_point(report.epoch, report.batches, weights, label)

    def add_point(self, epoch: int, batches: int, weights: tuple, label: str = "", skippable: bool = False) -> None:
        """The weights after ``epoch`` epochs and ``batches`` batches as a point of the path: a point per
        epoch, or per batch when stepping (a point from an earlier moment starts a new path). A long path keeps
        every ``stride``-th point (at most :data:`MAX_PATH`) and its newest one; ``skippable``: a point that
        is neither (another follows at once) is not even looked at."""
        moment = epoch * 1_000_000 + batches
        going_on = self._tip is not None and moment > self._tip_moment
        if skippable and going_on and self._offered % self._stride:
            self._offered += 1
            return
        dense = tuple((name, arrays) for name, arrays in weights if name.startswith("dense"))
        if not dense:
            return
        flat = np.concatenate([np.ravel(a) for _, arrays in dense for a in arrays[:2]]).astype(np.float32)
        if self._tip is not None and (moment < self._tip_moment or flat.shape != self._tip.shape):
            if len(self._path) > 1:
                self._earlier, self._earlier_label = self._path_to_tip(), self._label
            self._path, self._epochs, self._tip, self._offered, self._stride = [], [], None, 0, 1
        if label:
            self._label = label  # the run's settings as they are now (its first report may predate a change)
        if self._tip is not None and moment == self._tip_moment:  # the same moment again: its newer weights
            if self._epochs and self._epochs[-1] == moment:
                self._path[-1] = flat
        else:
            if self._offered % self._stride == 0:
                self._path.append(flat)
                self._epochs.append(moment)
            self._offered += 1
        self._tip, self._tip_moment = flat, moment
        if len(self._path) > MAX_PATH:
            self._path, self._epochs, self._stride = self._path[::2], self._epochs[::2], self._stride * 2
        self._weights = dense

    def _path_to_tip(self) -> list[np.ndarray]:
        """This run's path with its newest point (which the thinned path may not hold)."""
        if self._tip is not None and (not self._epochs or self._epochs[-1] != self._tip_moment):
            return self._path + [self._tip]
        return self._path

    def show_weights(self, weights: tuple | None) -> None:
        """Redraw for these weights (the tab is in sight): at most every REDRAW_S seconds."""
        if weights is not None:
            self._weights = tuple((name, arrays) for name, arrays in weights if name.startswith("dense"))
        self._schedule()

    def _schedule(self, now: bool = False) -> None:
        # the grid's job takes a core from training: while training, at most a quarter of its time
        pause = max(REDRAW_S, 3 * self._compute_s)
        wait = 0.0 if now else max(0.0, pause - (time.perf_counter() - self._drawn_at))
        if not self._timer.isActive():
            self._timer.start(int(wait * 1000))

    # drawing --------------------------------------------------------------------------------------
    def _offsets(self) -> list[int]:
        """Where each parameter starts in a flat vector of the Dense layers' kernels and biases."""
        sizes = [int(np.prod(self._spec.input_shape))] + [l.units for l in self._spec.layers if l.kind == "dense"]
        starts, at = [], 0
        for inputs, units in zip(sizes, sizes[1:]):
            starts.append(at)
            at += inputs * units + units
        return starts

    def _flat_index(self, param: Param, sizes_in: list[int], units: list[int]) -> int:
        start = self._offsets()[param.layer]
        if param.source is None:
            return start + sizes_in[param.layer] * units[param.layer] + param.unit
        return start + param.source * units[param.layer] + param.unit

    def path_of(self, path: list[np.ndarray], first: Param, second: Param) -> np.ndarray:
        if not path or self._spec is None:
            return np.zeros((0, 2))
        units = [l.units for l in self._spec.layers if l.kind == "dense"]
        sizes_in = [int(np.prod(self._spec.input_shape))] + units[:-1]
        i, j = self._flat_index(first, sizes_in, units), self._flat_index(second, sizes_in, units)
        return np.array([[v[i], v[j]] for v in path if v.size > max(i, j)], dtype=float).reshape(-1, 2)

    @qt_override
    def showEvent(self, event) -> None:
        try:
            self._schedule(now=True)  # what changed while it was out of sight
        except Exception:  # noqa: BLE001 - an event handler must never raise into Qt
            pass
        super().showEvent(event)

    def redraw(self) -> None:
        """Start computing the grid for the current weights and axes (in the job's thread; :meth:`_show` draws
        it). One job at a time: asked again meanwhile, it starts again when that one is done."""
        if not self.isVisible():  # out of sight: nothing to compute until it is shown
            return
        if self._job.is_running():
            self._again = True
            return
        self._drawn_at = time.perf_counter()
        pair = self.chosen()
        if pair is None or self._weights is None or self._x is None or self._spec is None:
            self._say("Train or step the network to see its loss landscape.")
            return
        first, second = pair
        if first == second:
            self._say("Choose two different parameters.")
            return
        try:
            chain = bp.dense_chain(self._spec, self._weights)
            now = np.array([first.value(chain), second.value(chain)])
        except bp.CannotExplain as exc:
            self._say(str(exc))
            return
        path = self.path_of(self._path_to_tip(), first, second)
        earlier = self.path_of(self._earlier, first, second)
        shown = np.concatenate([path, earlier, now[None]])
        per_point = max(1, work(chain, len(self._x), 1))
        res = int(np.clip(np.sqrt(WORK / per_point), LEAST_RESOLUTION, RESOLUTION))
        ranges = (span(shown[:, 0]), span(shown[:, 1]))
        if self._ranges is not None and self._ranges[0] == (first, second):
            ranges = tuple(_steady(old, wanted) for old, wanted in zip(self._ranges[1], ranges))
        self._ranges = ((first, second), ranges)
        xs = np.linspace(*ranges[0], res)
        ys = np.linspace(*ranges[1], res)
        self._asked = {"axes": (first, second), "xs": xs, "ys": ys, "path": path, "earlier": earlier, "now": now,
                       "data": self._data_version, "network": self._spec}
        # what the grid will show, said now: the tab just shown is laid out with it before its first paint (said
        # with the grid, its lines moved the plot: the tab laid out and painted once more on that frame)
        self.info.setText(self._explanation(len(earlier) > 0))
        self._job.start(compute, chain, self._x, self._y, self._loss, first, second, xs, ys)

    def _failed(self, exc) -> None:
        self._asked = None
        self._say(str(exc) if isinstance(exc, bp.CannotExplain) else f"The landscape failed: {exc}")
        self._next()

    def _next(self) -> None:
        if self._again:
            self._again = False
            self._schedule()

    def _show(self, result: dict) -> None:
        """Draw a grid the job computed (unless the network changed meanwhile), then the next one if asked."""
        asked, self._asked = self._asked, None
        self._compute_s = result["seconds"]
        if (asked is None or asked["network"] != self._spec or asked["data"] != self._data_version
                or self.chosen() != asked["axes"]):
            self._again = True  # for other settings: draw the current ones
            self._next()
            return
        (first, second), xs, ys = asked["axes"], asked["xs"], asked["ys"]
        path, earlier, now = asked["path"], asked["earlier"], asked["now"]
        grid, shown_grid, res = result["grid"], result["shown"], len(xs)
        self.axes_shown = (xs, ys)
        self.image.setImage(shown_grid, autoLevels=True)
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setRect(xs[0] - dx / 2, ys[0] - dy / 2, dx * res, dy * res)
        for curve, lines in zip(self.curves, result["lines"]):
            curve.set_lines(lines)
        for item, points in ((self.path_item, path), (self.earlier_item, earlier)):
            # a dot per epoch while they can be told apart; a long path's thousand dots made a line that took
            # the window's thread longer to paint than the rest of the tab
            dots = "o" if len(points) <= DOTS_UP_TO else None
            if item.opts["symbol"] != dots:
                item.setSymbol(dots)
            item.setData(points[:, 0], points[:, 1]) if len(points) else item.setData([], [])
        start = path[:1] if len(path) else now[None]
        self.start_item.setData(start[:, 0], start[:, 1])
        self.now_item.setData([now[0]], [now[1]])
        self._name_paths()
        if self._labels != (first.label, second.label):  # (a label set again lays its axis out again)
            self._labels = (first.label, second.label)
            self.plot.setLabel("bottom", first.label)
            self.plot.setLabel("left", second.label)
        self.plot.setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)
        thinned = f" (every {_ordinal(self._stride)} drawn)" if self._stride > 1 else ""
        at_star = float(grid.flat[np.argmin(np.abs(xs - now[0])) + res * np.argmin(np.abs(ys - now[1]))])
        self._say(self._explanation(len(earlier) > 0),
                  f"{max(len(path), self._offered)} path points so far{thinned} · lowest loss here "
                  f"{float(grid.min()):.4g} · at the star {at_star:.4g}")
        self._next()

    @staticmethod
    def _explanation(earlier: bool) -> str:
        earlier_note = ("; orange, dashed: the run before (its other parameters differ from those held here, so "
                        "it need not follow these valleys)") if earlier else ""
        return (f"Colour: the loss over the training points (dark = low, log scale), every other parameter at its "
                f"current value; white lines join equal losses. Red: this run's path, a point per epoch (per batch "
                f"when stepping){earlier_note}.")

    def _say(self, info: str, numbers: str = "") -> None:
        self.info.setText(info)  # (Qt lays out again only when the text differs: once a run, at most)
        self.readout.setText(numbers)

    def stop(self) -> None:
        """Cancel and join the grid's job (the workspace closes)."""
        self._again = False
        self._job.stop()

    def _name_paths(self) -> None:
        entries = []
        for item, name in ((self.path_item, "this run"), (self.earlier_item, "earlier run")):
            label = self._label if item is self.path_item else self._earlier_label
            if item.xData is not None and len(item.xData):
                entries.append((item, f"{name}: {label}" if label else name))
        if entries == self._legend:  # (the legend laid out again at every redraw: only when it changes)
            return
        self._legend = entries
        legend = self.plot.plotItem.legend
        for item in (self.path_item, self.earlier_item):
            legend.removeItem(item)
        for item, text in entries:
            legend.addItem(item, text)

    def grid_shown(self) -> np.ndarray | None:
        return self.image.image
