"""The loss landscape's grid and contour lines are computed off the GUI thread (on it they froze the window
for 0.1-0.4 s at every redraw while training), and a grid computed for settings changed meanwhile is not shown."""
import threading

import numpy as np
from PySide6.QtCore import QEvent, QObject

from annstudio.core.landscape import Param, loss_grid
from annstudio.core.spec import NetworkSpec, dense
from annstudio.gui.plots import landscape
from annstudio.gui.plots.landscape import LandscapeView

SPEC = NetworkSpec((2,), (dense(2, "sigmoid"), dense(1, "sigmoid")), ("x1", "x2"))


def _weights(scale: float = 1.0):
    rng = np.random.default_rng(1)
    return (("dense", [rng.normal(size=(2, 2)).astype(np.float32) * scale, np.zeros(2, np.float32)]),
            ("dense_1", [rng.normal(size=(2, 1)).astype(np.float32), np.zeros(1, np.float32)]))


class _LayoutWatch(QObject):
    """The layouts a widget is asked for from now until :meth:`stop` (which returns them)."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.requests: list = []
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LayoutRequest:
            self.requests.append(watched)
        return False

    def stop(self) -> list:
        self._widget.removeEventFilter(self)
        return self.requests


def _view(qtbot, owned: bool = True):
    view = LandscapeView()
    if owned:  # (not owned: the test deletes it itself)
        qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2))
    view.set_network(SPEC)
    view.set_data(x, (x[:, 0] * x[:, 1] > 0).astype(np.float32), "binary_crossentropy")
    view.add_point(1, 0, _weights())
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_grid_is_computed_in_a_thread_of_its_own_and_drawn_with_its_contours(qtbot, monkeypatch):
    threads = []
    original = landscape.loss_grid
    monkeypatch.setattr(landscape, "loss_grid", lambda *args: (threads.append(threading.current_thread()),
                                                               original(*args))[1])
    view = _view(qtbot)
    view.show_weights(None)
    qtbot.waitUntil(lambda: view.grid_shown() is not None, timeout=10000)
    assert threads and threading.main_thread() not in threads
    xs, ys = view.axes_shown
    first, second = view.chosen()
    from annstudio.core import backprop as bp

    expected = loss_grid(bp.dense_chain(SPEC, view._weights), view._x, view._y, "binary_crossentropy", first,
                         second, xs, ys)
    np.testing.assert_allclose(view.grid_shown(), np.log10(np.maximum(expected, 1e-6)), rtol=1e-6)
    assert sum(not curve.boundingRect().isEmpty() for curve in view.curves) >= 3  # contour lines drawn
    qtbot.waitUntil(lambda: not view._job.is_running(), timeout=10000)
    view.stop()


def test_a_grid_for_other_axes_is_not_shown_the_current_ones_are(qtbot, monkeypatch):
    release = threading.Event()
    original = landscape.loss_grid

    def slow(*args):
        release.wait(10)
        return original(*args)

    monkeypatch.setattr(landscape, "loss_grid", slow)
    view = _view(qtbot)
    view.redraw()
    assert view._job.is_running()
    view.choose(Param(0, None, 0), Param(1, 0, 0))  # other axes while the first grid is computed
    release.set()
    qtbot.waitUntil(lambda: view.axes_shown is not None and not view._job.is_running(), timeout=10000)
    assert view.chosen() == (Param(0, None, 0), Param(1, 0, 0))
    assert view.plot.plotItem.getAxis("bottom").labelText == Param(0, None, 0).label
    view.stop()


def test_a_view_destroyed_while_its_grid_is_computed_leaves_nothing_held(qtbot, monkeypatch):
    import gc

    import shiboken6

    from annstudio.gui import jobs
    from annstudio.gui.jobs import running_threads

    release = threading.Event()
    original = landscape.loss_grid
    monkeypatch.setattr(landscape, "loss_grid", lambda *args: (release.wait(10), original(*args))[1])
    view = _view(qtbot, owned=False)  # (deleted here, while its job runs)
    view.redraw()
    assert view._job.is_running() and not gc.isenabled()
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=5000)
    release.set()
    # its GC pause given back (whether collection is on also depends on other tests' background threads)
    qtbot.waitUntil(lambda: running_threads() == [] and not jobs._HELD, timeout=10000)


def test_a_long_run_keeps_an_evenly_thinned_path_and_its_newest_point(qtbot):
    from types import SimpleNamespace

    view = LandscapeView()
    qtbot.addWidget(view)
    view.set_network(SPEC)
    start = _weights()
    epoch = 0
    for _ in range(30):  # batches of 300 epochs, as one compiled call of a small network sends them
        points = []
        for _ in range(300):
            epoch += 1
            points.append((epoch, 0, tuple((name, [a + 0.001 * epoch for a in arrays]) for name, arrays in start)))
        view.add_batch(SimpleNamespace(parameters=points, report=None))
    assert len(view._path) <= landscape.MAX_PATH
    kept = np.array(view._epochs) // 1_000_000
    assert kept[0] == 1 and len(set(np.diff(kept))) == 1  # every stride-th epoch, from the first
    newest = view._path_to_tip()[-1]
    expected = np.concatenate([np.ravel(a) + 0.001 * epoch for _, arrays in start for a in arrays])
    np.testing.assert_allclose(newest, expected, rtol=1e-6)
    # a new run (an earlier epoch) starts a new path; the old one becomes the earlier, dashed one
    view.add_point(1, 0, start)
    assert len(view._path) == 1 and len(view._earlier) > 1000


def test_the_drawn_range_stays_while_it_holds_the_path_and_is_not_too_wide():
    steady = landscape._steady
    assert steady((-2.0, 2.0), (-1.5, 1.8)) == (-2.0, 2.0)   # inside, more than half as wide: kept
    assert steady((-2.0, 2.0), (-1.5, 2.5)) == (-1.5, 2.5)   # the path left it: the new one
    assert steady((-2.0, 2.0), (-0.5, 0.5)) == (-0.5, 0.5)   # far narrower: the new one (no wasted grid)


def test_ordinals_for_every_nth_point():
    assert [landscape._ordinal(n) for n in (2, 4, 8, 32, 112, 128, 1024, 22)] == [
        "2nd", "4th", "8th", "32nd", "112th", "128th", "1024th", "22nd"]


def test_new_numbers_under_the_landscape_lay_nothing_out_again(qtbot):
    """Each redraw's numbers changed a word-wrapped label: a new layout of the tab, and when it took another
    line the plot moved and the whole tab was painted again (~25 ms more on that frame while training)."""
    view = _view(qtbot)
    view.show_weights(None)
    qtbot.waitUntil(lambda: view.grid_shown() is not None, timeout=10000)
    qtbot.waitUntil(lambda: not view._job.is_running(), timeout=10000)
    assert "path points so far" in view.readout.text() and "white lines" in view.info.text()
    watch = _LayoutWatch(view)
    plot_height = view.plot.height()
    for k in range(1, 4):  # numbers of other lengths, the explanation as it was
        view._say(view.info.text(), f"{10 ** (3 * k)} path points so far (every {2 ** k}th drawn) · lowest loss "
                                    f"here {0.5 ** k:.4g} · at the star {0.25 ** k:.4g}")
        qtbot.wait(20)
    assert watch.stop() == [] and view.plot.height() == plot_height
    view.stop()


def test_the_first_grid_arrives_without_a_new_layout(qtbot):
    """The parameters' names have their room from the start, and the explanation is said when the grid is asked
    for: said with the first grid (the tab already painted), they grew both axes and moved the plot, and the
    tab was laid out and painted again on that frame (a 37 ms pause while training)."""
    view = LandscapeView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2))
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    bottom, left = view.plot.getPlotItem().getAxis("bottom"), view.plot.getPlotItem().getAxis("left")
    heights = bottom.height(), bottom.maximumHeight()
    view.set_network(SPEC)
    view.set_data(x, (x[:, 0] * x[:, 1] > 0).astype(np.float32), "binary_crossentropy")
    view.add_point(1, 0, _weights())
    view.show_weights(None)
    qtbot.waitUntil(lambda: view._job.is_running() or view.grid_shown() is not None, timeout=10000)
    assert "white lines" in view.info.text()
    qtbot.wait(50)  # (the layout the explanation asked for)
    watch = _LayoutWatch(view)
    plot_height = view.plot.height()
    qtbot.waitUntil(lambda: view.grid_shown() is not None, timeout=10000)
    qtbot.wait(50)
    first, second = view.chosen()
    assert (bottom.labelText, left.labelText) == (first.label, second.label)
    assert (bottom.height(), bottom.maximumHeight()) == heights
    assert watch.stop() == [] and view.plot.height() == plot_height
    view.plot.setRange(xRange=(-0.002, 0.002), yRange=(-0.5, 0.5), padding=0)  # small weights: their
    assert "(x" not in bottom.labelString() + left.labelString()  # numbers on the ticks, no "(x0.001)"
    view.stop()
