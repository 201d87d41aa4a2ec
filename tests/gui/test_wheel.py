"""Scrolling the left panel never edits: the wheel changes a spin box or a combo box only when it has focus."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from annstudio.gui.app import MainWindow
from annstudio.gui.pacer import has_painted


def wheel(widget, steps: int = -1) -> None:
    """A real wheel event at the widget's centre, delivered as Qt delivers it (with propagation)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_an_unfocused_spin_box_scrolls_the_panel_instead(qtbot):
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: has_painted(window))  # the application's filters (wheel, tool tips) from then on
    panel = window.playground.data_panel
    spin = panel.seed_spin
    combo = window.playground.training.optimizer_combo
    parent = spin.parentWidget()
    while not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    scroll = parent
    scroll.verticalScrollBar().setValue(0)
    before, before_combo = spin.value(), combo.currentIndex()
    window.playground.surface.setFocus()
    wheel(spin, -1)
    wheel(combo, -1)
    assert spin.value() == before and combo.currentIndex() == before_combo
    assert scroll.verticalScrollBar().value() > 0  # the panel scrolled
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, 1)
    assert spin.value() == before + 1  # with the focus, the wheel is the spin box's
