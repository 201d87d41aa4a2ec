"""The "working…" bar of a starting run: it moves while shown, at a few frames a second, and stops hidden."""
import pytest
from PySide6.QtWidgets import QWidget

from annstudio.gui import busy
from annstudio.gui.busy import BusyBar


def test_the_block_goes_there_and_back():
    period = busy.PERIOD_S
    assert busy.block_position(0.0) == 0.0
    assert busy.block_position(period / 4) == pytest.approx(0.5)
    assert busy.block_position(period / 2) == pytest.approx(1.0)
    assert busy.block_position(3 * period / 4) == pytest.approx(0.5)
    assert busy.block_position(period) == pytest.approx(0.0)
    assert all(0.0 <= busy.block_position(t / 10) <= 1.0 for t in range(100))


def test_it_moves_while_shown_and_stops_hidden(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    bar = BusyBar(height=8, parent=holder)
    assert not bar.moving()  # made hidden: no timer
    holder.show()
    qtbot.waitExposed(holder)
    assert bar.moving() and bar._timer.interval() == busy.FRAME_MS >= 50  # a few frames a second, not 45
    frames = []
    bar.paintEvent = lambda event: (frames.append(busy.block_position(0.0)), BusyBar.paintEvent(bar, event))
    qtbot.waitUntil(lambda: len(frames) >= 2, timeout=5000)  # it repaints itself
    image = bar.grab().toImage()
    assert not image.isNull() and image.height() == 8
    bar.hide()
    assert not bar.moving()
