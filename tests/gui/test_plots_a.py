"""The loss plot, the data/decision-surface plot and the hidden-space plot, driven as a user drives them."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from annstudio.core.datasets import from_points, generate
from annstudio.core.spec import DataSpec
from annstudio.gui import style
from annstudio.gui.plots.hidden_space import HiddenSpacePlot
from annstudio.gui.plots.loss import LossPlot
from annstudio.gui.plots.surface import (
    ERASER_PIXELS,
    HEAT_ALPHA,
    SurfacePlot,
    line_segments,
    surface_rgba,
)


@pytest.fixture(autouse=True)
def _app_look():
    style.configure_pyqtgraph()  # as the app does: white plots, row-major images


def shown(qtbot, widget, size=(640, 520)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def viewport_pos(view, plot_item, x: float, y: float) -> QPoint:
    """Where data point (x, y) of ``plot_item`` lies on ``view``'s viewport (what the mouse must hit)."""
    scene = plot_item.getViewBox().mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)


def settled_pos(qtbot, view, plot_item, x: float, y: float) -> QPoint:
    """As :func:`viewport_pos`, once the layout has settled (axes widen when their tick labels are known)."""
    last = None
    for _ in range(100):
        qtbot.wait(20)
        pos = viewport_pos(view, plot_item, x, y)
        if pos == last:
            return pos
        last = pos
    raise AssertionError("the plot's layout never settled")


def history(n: int, start: int = 1, test: bool = True, regression: bool = False) -> list[dict]:
    rows = []
    for epoch in range(start, start + n):
        loss = 1.0 / epoch
        row = {"epoch": epoch, "loss": loss}
        if regression:
            row.update(mse=loss, rmse=loss ** 0.5, r2=1 - loss)
            if test:
                row.update(test_loss=2 * loss, test_mse=2 * loss, test_rmse=(2 * loss) ** 0.5, test_r2=1 - 2 * loss)
        else:
            row["accuracy"] = 1 - loss / 2
            if test:
                row.update(test_loss=1.5 * loss, test_accuracy=1 - loss)
        rows.append(row)
    return rows


def legend_names(plot_item) -> list[str]:
    return [label.text for _, label in plot_item.legend.items]


# ---------------------------------------------------------------------------------------------------
# LossPlot

def test_rows_arrive_in_batches_and_show_up_in_the_curves(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_task("binary")
    rows = history(3)
    plot.add_rows(rows)
    plot.add_rows(history(2000, start=4))  # past the first buffer size: the buffers must grow
    curves = plot.curves()
    x, y = curves["loss"].getOriginalDataset()
    assert np.array_equal(x, np.arange(1, 2004))
    assert np.allclose(y, 1.0 / np.arange(1, 2004))
    x, y = curves["test_loss"].getOriginalDataset()
    assert np.allclose(y, 1.5 / np.arange(1, 2004))
    x, y = curves["metric"].getOriginalDataset()
    assert np.allclose(y, 1 - 0.5 / np.arange(1, 2004))
    x, y = curves["test_metric"].getOriginalDataset()
    assert np.allclose(y, 1 - 1.0 / np.arange(1, 2004))
    assert plot.rows()[:3] == rows and len(plot.rows()) == 2003
    loss_item, metric_item = plot.plot_items()
    assert legend_names(loss_item) == ["train loss", "test loss"]
    assert legend_names(metric_item) == ["train accuracy", "test accuracy"]
    assert "Epoch 2003" in plot.readout_text() and "newest" in plot.readout_text()


def test_without_test_data_the_test_curves_stay_empty_and_out_of_the_legend(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.add_rows(history(5, test=False))
    assert len(plot.curves()["loss"].getOriginalDataset()[0]) == 5
    x, _ = plot.curves()["test_loss"].getOriginalDataset()
    assert x is None or len(x) == 0
    assert legend_names(plot.plot_items()[0]) == ["train loss"]
    assert "test loss" not in plot.readout_text()


def test_clear_forgets_everything(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.add_rows(history(10))
    plot.clear()
    assert plot.rows() == []
    x, _ = plot.curves()["loss"].getOriginalDataset()
    assert x is None or len(x) == 0
    plot.add_rows(history(2, start=1))
    assert list(plot.curves()["loss"].getOriginalDataset()[0]) == [1, 2]


def test_hovering_reads_out_the_epoch_under_the_mouse(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.add_rows(history(50))
    loss_item = plot.plot_items()[0]
    loss_item.getViewBox().setXRange(1, 50, padding=0)
    pos = settled_pos(qtbot, plot._view, loss_item, 20.2, 0.5)
    qtbot.mouseMove(plot._view.viewport(), pos)
    qtbot.waitUntil(lambda: "Epoch 20 " in plot.readout_text() + " ", timeout=2000)
    text = plot.readout_text()
    assert "newest" not in text
    assert "loss 0.05 " in text + " " and "test loss 0.075" in text and "test accuracy 0.95" in text
    assert all(cursor.isVisible() and cursor.value() == 20 for cursor in plot._cursors)
    plot.hover_epoch(None)  # the mouse left
    assert "Epoch 50 (newest)" in plot.readout_text()
    assert not any(cursor.isVisible() for cursor in plot._cursors)


def test_regression_shows_rmse_or_r2_below_the_loss(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_task("regression")
    plot.add_rows(history(10, regression=True))
    assert plot.metric_name() == "rmse"
    assert np.allclose(plot.curves()["metric"].getOriginalDataset()[1], (1.0 / np.arange(1, 11)) ** 0.5)
    assert legend_names(plot.plot_items()[1]) == ["train RMSE", "test RMSE"]
    assert plot.plot_items()[1].getAxis("left").labelText == "RMSE"
    assert "R² 0.9" in plot.readout_text() and "test RMSE" in plot.readout_text()
    assert plot._choice.isVisible() and plot._choice.toolTip()
    plot._choice.setCurrentIndex(1)  # the student picks R²
    assert plot.metric_name() == "r2"
    assert np.allclose(plot.curves()["test_metric"].getOriginalDataset()[1], 1 - 2.0 / np.arange(1, 11))
    assert legend_names(plot.plot_items()[1]) == ["train R²", "test R²"]
    plot.set_task("multiclass")
    assert plot.metric_name() == "accuracy" and not plot._choice.isVisible()
    with pytest.raises(ValueError):
        plot.set_task("clustering")


def test_log_scale_switch(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.add_rows(history(10))
    assert plot._log.toolTip()
    qtbot.mouseClick(plot._log, Qt.MouseButton.LeftButton)
    assert plot.plot_items()[0].getAxis("left").logMode
    plot.set_log_scale(False)
    assert not plot._log.isChecked() and not plot.plot_items()[0].getAxis("left").logMode


def x_range(plot) -> list[float]:
    return plot.plot_items()[0].getViewBox().viewRange()[0]


def test_while_live_the_axes_grow_in_steps_and_after_it_they_fit_every_epoch(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_live(True)
    plot.add_rows(history(30))
    assert x_range(plot) == pytest.approx([1, 51])
    changes = []
    for vb in (item.getViewBox() for item in plot.plot_items()):
        vb.sigRangeChanged.connect(lambda *args: changes.append(args))
    for start in range(31, 51, 5):  # new epochs inside the range: no axis is touched
        plot.add_rows(history(5, start=start))
    assert changes == [] and x_range(plot) == pytest.approx([1, 51])
    plot.add_rows(history(10, start=51))  # past its end: the epoch axis doubles, once
    assert x_range(plot) == pytest.approx([1, 101])
    plot.set_live(False)  # training ended: every epoch in view, and the axis no longer far beyond them
    low, high = x_range(plot)
    assert low <= 1 and 60 <= high < 66
    x, _ = plot.curves()["loss"].getOriginalDataset()
    assert np.array_equal(x, np.arange(1, 61))
    (_, _), (y0, y1) = plot.plot_items()[0].getViewBox().viewRange()
    assert y0 <= 1 / 60 and y1 >= 1.0  # the whole loss curve fits


def test_a_live_loss_axis_starts_from_the_data_not_from_the_empty_plot(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_live(True)
    plot.add_rows([{"epoch": e, "loss": 5.0 + e} for e in range(1, 4)])
    (_, _), (y0, y1) = plot.plot_items()[0].getViewBox().viewRange()
    assert 4.0 <= y0 <= 6.0 and 8.0 <= y1 <= 9.0


def test_after_the_user_zooms_the_axes_stay_theirs_until_the_auto_button(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.add_rows(history(20))
    loss_item = plot.plot_items()[0]
    vb = loss_item.getViewBox()
    vb.setXRange(5, 10, padding=0)
    vb.sigRangeChangedManually.emit([True, True])  # as a mouse drag or wheel does
    assert not plot.follows_data()
    plot.add_rows(history(20, start=21))
    assert x_range(plot) == pytest.approx([5, 10])
    loss_item.autoBtn.clicked.emit(loss_item.autoBtn)  # the "A" button in the corner
    assert plot.follows_data() and not any(vb.autoRangeEnabled())
    low, high = x_range(plot)
    assert low <= 1 and high >= 40


def test_long_curves_are_drawn_with_about_two_points_per_pixel_column(qtbot):
    plot = shown(qtbot, LossPlot(), size=(500, 400))
    plot.add_rows(history(20000))
    qtbot.wait(50)
    drawn = plot.curves()["loss"].curve.getData()[0]
    width = plot.plot_items()[0].getViewBox().width()
    assert len(drawn) <= 3 * width
    assert len(plot.curves()["loss"].getOriginalDataset()[0]) == 20000


def test_while_live_a_long_curve_is_drawn_from_its_peaks_without_losing_one(qtbot):
    """Ten thousand epochs a second: while live, a frame draws a few thousand points however long the run,
    and every spike (highest and lowest value) stays in the picture."""
    from annstudio.gui.plots.loss import PEAK_BUCKETS

    plot = shown(qtbot, LossPlot())
    plot.set_live(True)
    rng = np.random.default_rng(0)
    values = 1.0 + 0.1 * rng.random(300_000)
    values[123_457] = 9.0     # one spike up
    values[250_001] = 0.001   # and one down
    for start in range(0, len(values), 7_000):  # batches of rows, as reports bring them
        plot.add_rows([{"epoch": e + 1, "loss": float(v)} for e, v in
                       enumerate(values[start:start + 7_000], start=start)])
    x, y = plot.curves()["loss"].getOriginalDataset()
    assert len(x) <= 2 * PEAK_BUCKETS + 2 * 300_000 // PEAK_BUCKETS
    assert y.max() == 9.0 and y.min() == pytest.approx(0.001)
    assert x[0] == 1 and x[-1] == 300_000 and np.all(np.diff(x) >= 0)
    assert plot.row_count() == 300_000
    (_, _), (y0, y1) = plot.plot_items()[0].getViewBox().viewRange()
    assert y0 <= 0.001 and y1 >= 9.0
    assert {curve.opts["pen"].width() for curve in plot.curves().values()} == {1}  # thin lines are fast
    colour = plot.curves()["test_loss"].opts["pen"].color()
    plot.set_live(False)  # training ended: every epoch again, in lines easier to read
    x, y = plot.curves()["loss"].getOriginalDataset()
    assert len(x) == 300_000 and np.array_equal(y, values)
    assert {curve.opts["pen"].width() for curve in plot.curves().values()} == {2}
    assert plot.curves()["test_loss"].opts["pen"].color() == colour


def test_rows_taken_in_are_drawn_when_flushed_and_come_back_as_given(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_task("regression")
    rows = [{"epoch": 1, "loss": 0.5, "mse": 0.5, "rmse": 0.7071, "r2": 0.2},
            {"epoch": 2, "loss": 0.25, "mse": 0.25, "rmse": 0.5, "r2": 0.6, "test_loss": 0.3}]
    plot.append_rows(rows)
    assert plot.has_unshown_rows() and plot.row_count() == 2
    x, _ = plot.curves()["loss"].getOriginalDataset()
    assert x is None or len(x) == 0  # not drawn yet
    plot.flush()
    assert not plot.has_unshown_rows()
    assert list(plot.curves()["loss"].getOriginalDataset()[0]) == [1, 2]
    assert plot.rows() == rows  # extra keys kept, missing ones not invented
    assert "Epoch 2 (newest)" in plot.readout_text()


def test_a_new_read_out_text_does_not_lay_out_the_window_again(qtbot):
    from PySide6.QtCore import QEvent, QObject

    class Count(QObject):
        n = 0

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.LayoutRequest:
                Count.n += 1
            return False

    plot = shown(qtbot, LossPlot())
    plot.add_rows(history(5))
    qtbot.wait(50)
    counter = Count()
    plot.installEventFilter(counter)
    for start in range(6, 40, 3):
        plot.add_rows(history(3, start=start))
        qtbot.wait(5)
    assert "Epoch 41" in plot.readout_text() and Count.n == 0


# ---------------------------------------------------------------------------------------------------
# SurfacePlot

@pytest.fixture
def parabola():
    return generate(DataSpec(kind="parabola", size=200, test_fraction=0.25, seed=3))


def grid(bounds, res=50):
    x0, x1, y0, y1 = bounds
    return np.linspace(x0, x1, res, dtype=np.float32), np.linspace(y0, y1, res, dtype=np.float32)


def test_points_view_and_labels_follow_the_dataset(qtbot, parabola):
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(parabola)
    assert len(plot._train.data) == len(parabola.x_train) == 150
    assert len(plot._test.data) == len(parabola.x_test) == 50
    (x0, x1), (y0, y1) = plot.plot_item().getViewBox().viewRange()
    assert np.allclose((x0, x1, y0, y1), parabola.bounds, atol=1e-6)
    assert plot.plot_item().getAxis("bottom").labelText == "x1"
    colours = {p.brush().color().getRgb()[:3] for p in plot._train.points()}
    assert colours == {style.class_color(0), style.class_color(1)}
    first = plot._train.points()[0]
    assert first.brush().color().getRgb()[:3] == style.class_color(int(parabola.y_train[0]))
    assert plot._test.opts["symbol"] != plot._train.opts["symbol"]  # test points look different


def test_test_points_hidden_by_the_switch(qtbot, parabola):
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(parabola)
    assert plot._test.isVisible() and plot._show_test.toolTip()
    qtbot.mouseClick(plot._show_test, Qt.MouseButton.LeftButton)
    assert not plot.show_test() and not plot._test.isVisible() and plot._train.isVisible()
    plot.set_show_test(True)
    assert plot._test.isVisible()


def test_binary_colours_blend_orange_white_blue():
    rgba = surface_rgba(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    assert tuple(rgba[0, 0, :3]) == style.class_color(0)
    assert tuple(rgba[0, 1, :3]) == (255, 255, 255)
    assert tuple(rgba[0, 2, :3]) == style.class_color(1)
    assert (rgba[..., 3] == HEAT_ALPHA).all() and 0 < HEAT_ALPHA < 255
    quarter = surface_rgba(np.array([[0.75]], dtype=np.float32))[0, 0, :3].astype(int)
    assert np.all(np.abs(quarter - (np.array(style.class_color(1)) + 255) / 2) <= 2)


def test_multiclass_colour_is_the_most_likely_class_and_strength_its_probability():
    sure = np.array([[[0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [1 / 6, 2 / 3, 1 / 6]]], dtype=np.float32)
    rgba = surface_rgba(sure)
    assert tuple(rgba[0, 0, :3]) == style.class_color(2)
    assert tuple(rgba[0, 1, :3]) == (255, 255, 255)  # a pure guess: no colour
    half = rgba[0, 2, :3].astype(int)  # class 1, halfway between a guess and certainty
    assert np.all(np.abs(half - (np.array(style.class_color(1)) + 255) / 2) <= 2)
    flat = surface_rgba(sure, discretize=True)
    assert tuple(flat[0, 2, :3]) == style.class_color(1)


def test_surface_lies_exactly_on_the_grid_and_is_drawn_the_right_way_up(qtbot):
    data = from_points(np.array([[-4.5, -4.5], [4.5, 4.5]]), np.array([0, 1]), "binary")
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(data)
    xs, ys = grid(data.bounds, res=40)
    surface = np.repeat((ys > 0).astype(np.float32)[:, None], len(xs), axis=1)  # class 1 above y = 0
    plot.set_surface(surface, (xs, ys))
    image = plot._image
    assert image.isVisible() and image.image.dtype == np.uint8 and image.image.flags.c_contiguous
    first = image.mapToView(QPointF(0.5, 0.5))  # the centre of pixel (row 0, column 0)
    last = image.mapToView(QPointF(39.5, 39.5))
    assert (first.x(), first.y()) == pytest.approx((xs[0], ys[0]), abs=1e-6)
    assert (last.x(), last.y()) == pytest.approx((xs[-1], ys[-1]), abs=1e-6)
    rect = image.mapRectToView(image.boundingRect())
    x0, x1, y0, y1 = data.bounds
    assert rect.left() <= x0 and rect.right() >= x1 and rect.top() <= y0 and rect.bottom() >= y1
    assert rect.width() - (x1 - x0) == pytest.approx((x1 - x0) / 39, rel=1e-6)  # half a pixel each side
    # what the student sees: blue above y = 0, orange below (heat map over a white background)
    settled_pos(qtbot, plot.view(), plot.plot_item(), 0, 0)
    shot = plot.view().viewport().grab().toImage()
    a = HEAT_ALPHA / 255
    for y, cls in ((2.5, 1), (-2.5, 0)):
        pos = viewport_pos(plot.view(), plot.plot_item(), 0.5, y)
        seen = np.array(shot.pixelColor(pos).getRgb()[:3])
        expected = (1 - a) * 255 + a * np.array(style.class_color(cls))
        assert np.all(np.abs(seen - expected) <= 12), (y, seen, expected)


def test_discretize_switch_changes_the_image(qtbot, parabola):
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(parabola)
    xs, ys = grid(parabola.bounds)
    plot.set_surface(np.full((50, 50), 0.7, dtype=np.float32), (xs, ys))
    soft = plot._image.image.copy()
    assert tuple(soft[10, 10, :3]) != style.class_color(1)
    assert plot._discretize.toolTip()
    qtbot.mouseClick(plot._discretize, Qt.MouseButton.LeftButton)
    assert plot.discretize()
    assert tuple(plot._image.image[10, 10, :3]) == style.class_color(1)
    plot.set_discretize(False)
    assert np.array_equal(plot._image.image, soft)


def test_regression_shows_points_and_the_fitted_curve(qtbot):
    data = generate(DataSpec(kind="sine", size=40, test_fraction=0.25, seed=1))
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(data)
    assert plot.plot_item().getAxis("bottom").labelText == "x"
    assert plot.plot_item().getAxis("left").labelText == "y"
    assert np.allclose(plot._train.data["y"], data.y_train)
    xs = np.linspace(-5.5, 5.5, 100, dtype=np.float32)
    plot.set_surface(2 * np.sin(xs), (xs,))
    x, y = plot._curve.getData()
    assert np.allclose(x, xs) and np.allclose(y, 2 * np.sin(xs), atol=1e-6)
    assert plot._curve.isVisible() and not plot._image.isVisible()


def test_line_segments_cross_the_box_where_the_lines_are():
    kernel = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    bias = np.array([-1.0, -2.0, -100.0, 1.0])  # x+y=1; x=2 (vertical); x=100 (misses); no line at all
    start, end, visible = line_segments(kernel, bias, (-5, 5, -4, 4))
    assert list(visible) == [True, True, False, False]
    assert np.allclose(start[0].sum(), 1) and np.allclose(end[0].sum(), 1)
    assert {tuple(start[0]), tuple(end[0])} == {(-3.0, 4.0), (5.0, -4.0)}
    assert np.allclose([start[1, 0], end[1, 0]], 2) and sorted([start[1, 1], end[1, 1]]) == [-4, 4]


def test_hidden_lines_are_drawn_where_each_neuron_sum_is_zero(qtbot, parabola):
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(parabola)
    assert not plot._hidden.isEnabled()
    kernel = np.array([[1.0, 2.0, 1.0], [-1.0, 0.0, 0.0]], dtype=np.float32)  # x1 = x2; x1 = 1; x1 = 500
    bias = np.array([0.0, -2.0, -500.0], dtype=np.float32)
    plot.set_hidden_lines(kernel, bias)
    assert plot._hidden.isEnabled() and plot._hidden.toolTip()
    assert not plot._hidden_curve.isVisible()
    qtbot.mouseClick(plot._hidden, Qt.MouseButton.LeftButton)
    assert plot._hidden_curve.isVisible()
    segments = plot.hidden_segments()
    assert segments.shape == (2, 2, 2)  # the third line misses the plot
    diagonal, vertical = segments
    assert np.allclose(diagonal[:, 0], diagonal[:, 1])
    assert np.allclose(vertical[:, 0], 1.0) and vertical[:, 1].min() < -4 and vertical[:, 1].max() > 4
    labels = [label for label in plot._line_labels if label.isVisible()]
    assert [label.textItem.toPlainText() for label in labels] == ["1", "2"]
    assert labels[1].pos().x() == pytest.approx(1.0)
    plot.set_hidden_lines(None, None)
    assert not plot._hidden_curve.isVisible() and not any(label.isVisible() for label in plot._line_labels)
    with pytest.raises(ValueError):
        plot.set_hidden_lines(np.zeros((3, 2)), np.zeros(2))


def test_click_in_edit_mode_gives_the_data_point_under_the_mouse(qtbot, parabola):
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(parabola)
    viewport = plot.view().viewport()
    pos = settled_pos(qtbot, plot.view(), plot.plot_item(), 1.5, -2.0)
    with qtbot.assertNotEmitted(plot.point_clicked):
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    plot.set_edit_mode(True)
    with qtbot.waitSignal(plot.point_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    px, py = plot.plot_item().getViewBox().viewPixelSize()
    x, y = blocker.args
    assert abs(x - 1.5) <= 1.5 * px and abs(y + 2.0) <= 1.5 * py
    range_before = plot.plot_item().getViewBox().viewRange()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=pos)  # a drag must not pan while editing
    qtbot.mouseMove(viewport, pos + QPoint(60, 40))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=pos + QPoint(60, 40))
    assert plot.plot_item().getViewBox().viewRange() == range_before


@pytest.mark.parametrize("how", ["right", "shift+left"])
def test_drag_erases_along_the_way(qtbot, parabola, how):
    plot = shown(qtbot, SurfacePlot())
    plot.set_dataset(parabola)
    plot.set_edit_mode(True)
    viewport = plot.view().viewport()
    button, mods = ((Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier) if how == "right"
                    else (Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier))
    erased, clicked = [], []
    plot.erase_requested.connect(lambda *args: erased.append(args))
    plot.point_clicked.connect(lambda *args: clicked.append(args))
    a = settled_pos(qtbot, plot.view(), plot.plot_item(), -2.0, 0.0)
    b = viewport_pos(plot.view(), plot.plot_item(), 2.0, 1.0)
    qtbot.mousePress(viewport, button, mods, a)
    for t in (0.25, 0.5, 0.75, 1.0):
        qtbot.mouseMove(viewport, a + (b - a) * t)
    qtbot.mouseRelease(viewport, button, mods, b)
    assert len(erased) >= 3 and not clicked
    px, py = plot.plot_item().getViewBox().viewPixelSize()
    assert erased[0][:2] == pytest.approx((-2.0, 0.0), abs=2 * max(px, py))
    assert erased[-1][:2] == pytest.approx((2.0, 1.0), abs=2 * max(px, py))
    assert erased[0][2] == pytest.approx(ERASER_PIXELS * (px + py) / 2)
    count = len(erased)
    qtbot.mouseMove(viewport, a)  # the button is up: no more erasing
    assert len(erased) == count


# ---------------------------------------------------------------------------------------------------
# HiddenSpacePlot

def test_hidden_space_explains_itself_without_a_two_neuron_layer(qtbot):
    plot = shown(qtbot, HiddenSpacePlot())
    assert plot.showing_message() and "first hidden layer has 2 neurons and feeds a single neuron" in plot.message()
    plot.update_hidden(np.zeros((5, 3)), None, None)  # 3 hidden neurons: no picture to draw
    assert plot.showing_message()


def test_hidden_space_scatters_activations_with_the_output_line(qtbot):
    plot = shown(qtbot, HiddenSpacePlot())
    y = np.array([0, 1, 1, 0, 1], dtype=np.float32)
    z = np.array([[0.1, 0.9], [0.8, 0.2], [0.9, 0.1], [0.2, 0.7], [0.6, 0.3]])
    plot.set_labels(y)
    kernel, bias = np.array([[2.0], [-1.0]]), np.array([-0.5])  # 2·z1 − z2 − 0.5 = 0
    plot.update_hidden(z, kernel, bias)
    assert not plot.showing_message()
    x_seen, y_seen = plot.points()
    assert np.allclose(x_seen, z[:, 0]) and np.allclose(y_seen, z[:, 1])
    colours = [p.brush().color().getRgb()[:3] for p in plot._points.points()]
    assert colours == [style.class_color(int(c)) for c in y]
    lx, ly = plot.line()
    assert len(lx) == 2 and np.allclose(2 * lx - ly - 0.5, 0)
    x0, x1, y0, y1 = plot.view_range()
    assert x0 < 0 and x1 > 1 and y0 < 0 and y1 > 1 and x1 - x0 < 1.3  # a sigmoid's square, a little padding
    sides = plot.sides_image()
    assert sides is not None and sides.shape[2] == 4
    plot.update_hidden(z * 4 - 1, kernel, bias)  # e.g. ReLU or tanh units: the view takes them all in
    x0, x1, y0, y1 = plot.view_range()
    assert x0 < -0.6 and x1 > 2.6 and y0 < -0.6 and y1 > 2.6
    plot.update_hidden(z, None, None)
    assert len(plot.line()[0]) == 0 and plot.sides_image() is None
    plot.update_hidden(None, None, None)
    assert plot.showing_message()
