"""The window at a laptop's 1280×720 and at 1920×1080: run controls, the loss plot, every view tab and the
confusion matrix in sight, and no label of the network diagram over another."""
from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QGraphicsTextItem

from annstudio.gui.app import MainWindow

SIZES = [(1280, 720), (1920, 1080)]


def in_sight(widget, window) -> bool:
    """The whole widget is shown and lies inside every widget around it, up to the window."""
    if not widget.isVisible():
        return False
    parent, rect = widget.parentWidget(), QRect(widget.rect())
    child = widget
    while parent is not None:
        rect.translate(child.pos())
        if not parent.rect().contains(rect):
            return False
        if parent is window:
            return True
        child, parent = parent, parent.parentWidget()
    return False


def tabs_in_sight(tabs) -> bool:
    bar = tabs.tabBar()
    return all(bar.rect().contains(bar.tabRect(i)) for i in range(tabs.count()))


def loss_plot_height(loss) -> float:
    return loss.plot_items()[0].sceneBoundingRect().height()


def overlapping_labels(view) -> list:
    boxes = []
    for item in view.scene().items():
        if isinstance(item, QGraphicsTextItem) and item.isVisible():
            device = item.deviceTransform(view.viewportTransform())
            boxes.append((item.toPlainText(), device.mapRect(item.boundingRect()).adjusted(1, 1, -1, -1)))
    return [(a, b) for (a, ra), (b, rb) in itertools.combinations(boxes, 2) if ra.intersects(rb)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_playground_fits(qtbot, size):
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.width() == size[0]  # nothing forces the window wider than the screen
    bar = window.run_bar
    for control in (bar.play_button, bar.step_button, bar.stop_button, bar.reset_button, bar.speed_combo):
        assert in_sight(control, window)
    p = window.playground
    assert loss_plot_height(p.loss) >= 150 and in_sight(p.loss, window)
    assert tabs_in_sight(p.views)
    window.load_preset("overfit-batchnorm")  # Dense, BatchNorm and Activation layers: the most labels
    qtbot.wait(50)
    p.views.setCurrentIndex(0)
    assert overlapping_labels(p.network_view) == []
    window.load_preset("overfit-dropout")
    qtbot.wait(50)
    assert overlapping_labels(p.network_view) == []
    window.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_mnist_workspace_fits(qtbot, size):
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    m = window.mnist
    window.tabs.setCurrentWidget(m)
    qtbot.wait(50)
    assert window.width() == size[0]
    for control in (window.run_bar.play_button, window.run_bar.step_button, window.run_bar.reset_button):
        assert in_sight(control, window)
    assert tabs_in_sight(m.views)
    m.show_tab("Training")
    qtbot.wait(50)
    assert loss_plot_height(m.loss) >= 150
    m.show_tab("Results")
    qtbot.wait(50)
    assert in_sight(m.confusion, window) and tabs_in_sight(m.results_tabs)
    window.close()


def test_a_new_window_fits_a_small_screen():
    """A first launch opens 1500 x 900, or smaller on a smaller screen (a 1366 x 768 laptop), so that the lessons
    on the right and the status bar are not off the screen; without a real screen (tests, pictures, benchmarks)
    always 1500 x 900."""
    from annstudio.gui.app import first_size

    assert first_size((1366, 738), "xcb") == (1366, 738)
    assert first_size((2560, 1400), "wayland") == (1500, 900)
    assert first_size((1440, 1000), "windows") == (1440, 900)
    assert first_size((800, 800), "offscreen") == (1500, 900)
    assert first_size(None, "xcb") == (1500, 900) and first_size((0, 0), "xcb") == (1500, 900)
