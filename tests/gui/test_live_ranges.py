"""Axis ranges that hold still while a network trains (annstudio.gui.plots.ranges) and the cached axis."""
import pytest
from PySide6.QtWidgets import QGraphicsItem

from annstudio.gui.plots.ranges import (
    CachedAxis,
    live_epoch_range,
    live_value_range,
    nice_ceiling,
)


def test_nice_ceiling_steps_through_1_2_5():
    assert [nice_ceiling(v) for v in (0, 3, 10, 11, 20, 21, 50, 51, 499, 501)] == \
        [10, 10, 10, 20, 20, 50, 50, 100, 500, 1000]


def test_the_epoch_axis_stays_put_until_the_epochs_pass_its_end():
    span = live_epoch_range(1, 7, None)
    assert span == (1, 11)
    assert live_epoch_range(1, 11, span) is span          # still inside: the very same range
    grown = live_epoch_range(1, 12, span)
    assert grown == (1, 21)                                # then the next round number, about double
    assert live_epoch_range(5, 12, grown) == (5, 15)       # a new first epoch starts afresh


def test_a_value_axis_grows_only_when_the_data_leave_it_and_keeps_room_to_spare():
    span = live_value_range(0.2, 0.7, None, floor=0.0)
    assert span[0] == pytest.approx(0.15) and span[1] == pytest.approx(0.75)
    assert live_value_range(0.16, 0.74, span, floor=0.0) is span
    lower = live_value_range(0.1, 0.74, span, floor=0.0)
    assert lower[0] == 0.0 and lower[1] == span[1]         # grown down by a quarter of the span, not below 0
    upper = live_value_range(0.5, 0.99, (0.4, 0.9), ceiling=1.02)
    assert upper == (0.4, 1.02)                            # accuracy: never past 1.02
    assert live_value_range(-3.0, -1.0, None, floor=0.0)[0] < -3.0  # data below the floor are still shown


def test_a_cached_axis_is_drawn_afresh_for_exports(qapp):
    axis = CachedAxis("left")
    assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    axis.setExportMode(True, {})
    assert axis.cacheMode() == QGraphicsItem.CacheMode.NoCache
    axis.setExportMode(False)
    assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache


def test_a_cached_axis_keeps_its_room_when_its_labels_get_narrower(qtbot):
    """Shrinking it moved the plot in its layout: every axis there was laid out and painted again."""
    import pyqtgraph as pg

    from annstudio.gui.plots.ranges import cached_axes

    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.resize(400, 300)
    plot = view.addPlot(axisItems=cached_axes())
    view.show()
    qtbot.waitExposed(view)
    axis = plot.getAxis("left")
    axis.enableAutoSIPrefix(False)
    widths = []
    for low, high in ((0.1234, 0.1236), (0, 2)):  # labels like "0.12345" → "0.5"
        plot.setYRange(low, high, padding=0)
        view.grab()  # painted: the labels measured
        widths.append(axis.maximumWidth())
    assert widths[0] > 30 and widths[1] == widths[0]
