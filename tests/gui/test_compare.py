"""Compare runs: loss curves overlaid, fitted curves and decision boundaries of runs on the same data."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from annstudio.gui import style
from annstudio.gui.compare import (
    MAX_RUNS,
    CompareView,
    Run,
    boundary_segments,
    contour_segments,
)

X = np.linspace(-4.5, 4.5, 10)
Y = np.array([0.9819, 0.7973, 1.9737, 0.1838, 1.3180, -0.8361, -0.6591, -2.4701, -2.8122, -6.2512])
GRID = np.linspace(-3.0, 3.0, 61)


@pytest.fixture(autouse=True)
def _app_look():
    style.configure_pyqtgraph()


@pytest.fixture
def view(qtbot):
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def history(n: int, scale: float = 1.0, test: bool = True) -> list[dict]:
    rows = []
    for epoch in range(1, n + 1):
        row = {"epoch": epoch, "loss": scale / epoch}
        if test:
            row["test_loss"] = 2 * scale / epoch
        rows.append(row)
    return rows


def fit_run(name: str, degree: int, key: str = "lecture-points") -> Run:
    xs = np.linspace(-5, 5, 101)
    return Run(name, history(20), key, curve=(xs, np.polyval(np.polyfit(X, Y, degree), xs)), points=(X, Y))


def surface_run(name: str, key: str, threshold: float, points: bool = True) -> Run:
    """p(class 1) = sigmoid(4·(x − threshold)): its 0.5 boundary is the vertical line x = threshold."""
    gx, _ = np.meshgrid(GRID, GRID)
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-3, 3, (50, 2))
    labels = (inputs[:, 0] > 0).astype(int)
    return Run(name, history(10), key, surface=1 / (1 + np.exp(-4 * (gx - threshold))), axes=(GRID, GRID),
               points=(inputs, labels) if points else None)


def test_overlays_train_and_test_loss_of_every_checked_run(view):
    view.add_run(Run("a", history(30)))
    view.add_run(Run("b", history(50, 0.5)))
    view.add_run(Run("c", history(10), ""))
    view.add_run(Run("no test", history(5, test=False)))
    assert len(view.visible_loss_curves()) == 7
    assert view.loss_legend_names() == ["a", "b", "c", "no test"]
    train, test = view.loss_curves()["b"]
    assert np.allclose(train.yData, [0.5 / e for e in range(1, 51)])
    assert np.allclose(test.yData, [1.0 / e for e in range(1, 51)])
    assert train.opts["pen"].style() == Qt.PenStyle.SolidLine
    assert test.opts["pen"].style() == Qt.PenStyle.DashLine
    assert train.opts["pen"].color() == test.opts["pen"].color()
    assert len({view.color(n) for n in ("a", "b", "c", "no test")}) == 4


def test_unticking_a_run_hides_its_curves(view, qtbot):
    for name in ("a", "b", "c"):
        view.add_run(Run(name, history(10)))
    runs = view.list_widget()
    runs.setFocus()
    runs.setCurrentRow(1)
    qtbot.keyClick(runs, Qt.Key.Key_Space)  # as a student unticks "b"
    assert view.checked() == ["a", "c"]
    assert len(view.visible_loss_curves()) == 4
    assert not view.loss_curves()["b"][0].isVisible()
    assert view.loss_legend_names() == ["a", "c"]
    view.set_checked("b", True)
    assert len(view.visible_loss_curves()) == 6


def test_log_scale(view, qtbot):
    view.add_run(Run("a", history(10)))
    view.set_log_scale(True)
    assert view.plot_items()[0].getAxis("left").logMode
    view.set_log_scale(False)
    assert not view.plot_items()[0].getAxis("left").logMode


def test_three_regression_fits_share_one_plot_over_the_points(view):
    for name, degree in (("overfit-plain", 9), ("overfit-batchnorm", 7), ("overfit-dropout", 2)):
        view.add_run(fit_run(name, degree))
    fits = view.fit_items()
    assert list(fits) == ["overfit-plain", "overfit-batchnorm", "overfit-dropout"]
    fit_box = view.plot_items()[1].getViewBox()
    for name, item in fits.items():
        assert item.isVisible() and item.getViewBox() is fit_box
        assert np.allclose(item.getData()[1], view.runs()[list(fits).index(name)].curve[1])
    assert view.fit_legend_names() == list(fits)
    x, y = view.points_item().getData()
    assert np.allclose(x, X) and np.allclose(y, Y)
    assert "3 fitted curves" in view.fit_title()
    assert len({view.color(n) for n in fits}) == 3


def test_boundaries_of_runs_on_the_same_data_and_not_of_other_data(view, qtbot):
    view.add_run(surface_run("xor-a", "xor", -1.0))
    view.add_run(surface_run("xor-b", "xor", 1.0))
    other = view.add_run(surface_run("parabola", "parabola", 0.0, points=False))
    assert view.fit_data() == "parabola"  # the newest run's data first
    assert list(view.fit_items()) == ["parabola"]
    view.set_fit_data("xor")
    fits = view.fit_items()
    assert list(fits) == ["xor-a", "xor-b"]
    assert view.fit_legend_names() == ["xor-a", "xor-b"]
    assert view.loss_curves()[other][0].isVisible()  # its loss is still compared
    for name, threshold in (("xor-a", -1.0), ("xor-b", 1.0)):
        xs, ys = fits[name].getData()
        assert len(xs) > 20 and np.allclose(xs, threshold, atol=1e-6)
        assert ys.min() == pytest.approx(-3.0) and ys.max() == pytest.approx(3.0)
    assert len(view.points_item().getData()[0]) == 50
    assert "2 decision boundaries" in view.fit_title()
    view.set_checked("xor-b", False)
    assert list(view.fit_items()) == ["xor-a"]
    with pytest.raises(ValueError):
        view.set_fit_data("mnist")


def test_choosing_the_data_from_the_list(view):
    view.add_run(surface_run("xor-a", "xor", -1.0))
    view.add_run(surface_run("parabola", "parabola", 0.0))
    choice = view.findChild(QComboBox)
    assert choice.isVisible() and choice.count() == 2
    choice.setCurrentIndex(choice.findData("xor"))
    assert list(view.fit_items()) == ["xor-a"]
    view.set_checked("parabola", False)
    assert not choice.isVisible()


def test_names_are_made_unique_and_runs_removed(view):
    assert [view.add_run(Run("run", history(3))) for _ in range(3)] == ["run", "run 2", "run 3"]
    assert [r.name for r in view.runs()] == ["run", "run 2", "run 3"]
    view.remove_run("run 2")
    assert [r.name for r in view.runs()] == ["run", "run 3"]
    assert view.list_widget().count() == 2
    assert view.add_run(Run("run", history(3))) == "run 2"
    with pytest.raises(KeyError, match="no run called"):
        view.remove_run("nope")
    view.clear()
    assert view.runs() == [] and view.visible_loss_curves() == [] and view.loss_legend_names() == []


def test_only_the_newest_runs_are_kept(view):
    for i in range(MAX_RUNS + 1):
        view.add_run(Run(f"r{i}", history(3)))
    assert [r.name for r in view.runs()] == [f"r{i}" for i in range(1, MAX_RUNS + 1)]
    assert "r0" in view.note() and str(MAX_RUNS) in view.note()
    assert len(view.visible_loss_curves()) == 2 * MAX_RUNS


def test_run_records_check_their_shapes():
    run = Run("curve", surface=np.arange(5.0), axes=(np.linspace(0, 1, 5),))
    assert run.kind == "curve" and run.surface is None and len(run.curve[0]) == 5
    with pytest.raises(ValueError, match="rows"):
        Run("bad", surface=np.zeros((3, 4)), axes=(np.arange(3), np.arange(3)))
    with pytest.raises(ValueError, match="x values"):
        Run("bad", curve=(np.arange(3), np.arange(4)))
    assert Run("loss only", history(4)).kind == "" and Run("x", history(4)).final() == pytest.approx(0.25)


def test_contours_follow_the_level():
    gx, gy = np.meshgrid(GRID, GRID)
    circle = contour_segments(gx ** 2 + gy ** 2, GRID, GRID, 4.0)
    radius = np.hypot(circle[..., 0], circle[..., 1])
    assert len(circle) > 40 and np.allclose(radius, 2.0, atol=0.02)
    saddle = contour_segments(gx * gy + 0.01, GRID, GRID, 0.0)
    assert len(saddle) > 0 and np.all(np.abs(saddle[..., 0] * saddle[..., 1]) < 0.2)
    assert contour_segments(np.ones((5, 5)), GRID[:5], GRID[:5]).shape == (0, 2, 2)
    three = np.stack([gx, -gx, gy - 10], axis=-1)  # class 0 right, class 1 left: the border is x = 0
    assert np.allclose(boundary_segments(three, GRID, GRID)[..., 0], 0.0, atol=1e-6)


def test_gradient_sizes_of_runs_stand_side_by_side(qtbot):
    import numpy as np

    from annstudio.gui.compare import CompareView, Run

    view = CompareView()
    qtbot.addWidget(view)
    sigmoid = view.add_run(Run("sigmoid", history=[{"epoch": 1, "loss": 0.7}],
                               grad_norms=(("dense_1", 1e-5), ("dense_2", 1e-3), ("dense_3", 0.1))))
    relu = view.add_run(Run("relu", history=[{"epoch": 1, "loss": 0.2}],
                            grad_norms=(("dense_1", 0.05), ("dense_2", 0.08), ("dense_3", 0.1))))
    bars = view.grad_bars()
    assert len(bars) == 2
    tops = [np.asarray(b.opts["y1"]) for b in bars]
    np.testing.assert_allclose(tops[0], [-5, -3, -1])
    np.testing.assert_allclose(tops[1], np.log10([0.05, 0.08, 0.1]))
    xs = [np.asarray(b.opts["x"]) for b in bars]
    assert (xs[0] < xs[1]).all()  # grouped per layer, one run beside the other
    view.set_checked(relu, False)
    assert len(view.grad_bars()) == 1
    assert [run.name for run in view.runs()] == [sigmoid, relu]


def test_a_run_that_goes_on_replaces_its_entry_and_keeps_colour_and_tick(view):
    first = view.add_run(Run("a", history(5), "k", run_id="playground 1"))
    view.set_checked(first, False)
    colour = view.color(first)
    again = view.add_run(Run("a · epoch 9", history(9), "k", run_id="playground 1"))
    assert again == first and len(view.runs()) == 1
    assert len(view.runs()[0].history) == 9 and view.color(first) == colour and view.checked() == []
    view.add_run(Run("b", history(3), "k", run_id="playground 2"))
    assert len(view.runs()) == 2


def test_the_list_and_legends_show_short_names_and_legends_are_off_at_first(view):
    from annstudio.core import lessons
    from annstudio.core.runs import run_settings

    preset = lessons.get("looking-at-parameters")
    runs = [Run(f"long name {lr}", history(4), "k", data_label="Lecture: parabola · 1000 points",
                settings=run_settings("Playground", preset.network, preset.train.__class__(learning_rate=lr),
                                      "Lecture: parabola"))
            for lr in (0.1, 0.3)]
    keys = [view.add_run(r) for r in runs]
    texts = [view.list_widget().item(i).text() for i in range(2)]
    assert texts == ["Playground · lr 0.1", "Playground · lr 0.3"]
    assert [view.display_name(k) for k in keys] == texts
    assert view.loss_legend_names() == texts
    legends = [item.legend for item in view.plot_items()]
    assert not any(legend.isVisible() for legend in legends)
    view.set_legends_shown(True)
    assert all(legend.isVisible() for legend in legends)
    view.list_widget().setCurrentRow(0)
    view._remove.click()
    assert [r.name for r in view.runs()] == [keys[1]]


def test_the_data_choice_speaks_words_and_gradient_bars_name_their_layers(view):
    view.add_run(surface_run("a", "key-1", 0.0).__class__(**{**surface_run("a", "key-1", 0.0).__dict__,
                                                             "data_label": "XOR · 200 points"}))
    view.add_run(surface_run("b", "key-2", 0.5))
    combo = view.findChild(QComboBox)
    words = [combo.itemText(i) for i in range(combo.count())]
    assert words == ["XOR · 200 points (1 run)", "key-2 (1 run)"]
    view.add_run(Run("g", history(2), grad_norms=(("dense_1", 0.1), ("dense_2", 0.2), ("dense_3", 0.3))))
    ticks = view.plot_items()[2].getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["hidden 1", "hidden 2", "output"]
