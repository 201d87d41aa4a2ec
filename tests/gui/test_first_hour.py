"""What a student meets in the first hour: run controls always in sight with a "Starting…" state, lessons
that follow what is loaded and load with one click, panels a lesson hid coming back."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

from annstudio.gui.app import MainWindow
from annstudio.gui.pacer import has_painted


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: has_painted(w))  # the application's filters (wheel, tool tips) from then on
    yield w
    w.close()


def visible_in_window(widget, window) -> bool:
    """The whole widget lies inside the window and is not scrolled out of its scroll area."""
    if not widget.isVisible():
        return False
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    if not window.rect().contains(rect):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        clip = QRect(widget.mapTo(parent, widget.rect().topLeft()), widget.size())
        if not parent.rect().contains(clip):
            return False
        parent = parent.parentWidget()
    return True


def test_play_is_in_sight_says_starting_and_a_second_press_does_not_pause(qtbot, window):
    p, bar = window.playground, window.run_bar
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=60000)  # the untrained picture
    assert visible_in_window(bar.play_button, window) and bar.play_button.text() == "Play"
    p.training.epochs_spin.setValue(3)
    p.training.set_speed(10.0)  # slow enough that the run is still going when we look
    window._on_workspace("toggle")  # Space
    assert bar.is_starting() and bar.play_button.text() == "Starting…" and bar.busy_shown()
    window._on_workspace("toggle")  # an impatient second press
    qtbot.waitUntil(lambda: not bar.is_starting(), timeout=60000)
    assert p.state() in ("running", "finished") and p.state() != "paused"
    QApplication.processEvents()
    assert not bar.busy_shown() and not bar.busy.moving()  # hidden, it costs nothing
    qtbot.waitUntil(lambda: p.state() == "finished", timeout=60000)
    assert bar.play_button.text() == "Play" and p.latest_report().epoch == 3


def test_the_bar_follows_the_tab_and_its_speed_box_is_the_panels(window):
    bar, p = window.run_bar, window.playground
    bar.speed_combo.setCurrentIndex(3)
    assert p.training.speed() == 10.0
    p.training.change_speed(+1)
    assert bar.speed_combo.currentIndex() == 2
    assert not p.training.play_button.isVisibleTo(p.training)  # the panel no longer repeats the buttons
    window.tabs.setCurrentIndex(2)
    assert not bar.play_button.isEnabled() and not bar.speed_shown()
    window.tabs.setCurrentIndex(1)
    assert bar.play_button.isEnabled() and not bar.speed_shown()


def test_the_lessons_panel_follows_what_is_loaded_and_one_click_loads(qtbot, window):
    lessons = window.lessons
    assert lessons.current_lesson() == "looking-at-parameters" and lessons.loaded_lesson() == lessons.current_lesson()
    item = lessons.item_for("logistic-regression")
    lessons.tree().itemClicked.emit(item, 0)  # what a click on the lesson does
    assert window.playground.builder.network_spec().layers[-1].units == 1
    assert lessons.loaded_lesson() == "logistic-regression" and "Loaded" in window.statusBar().currentMessage()
    window.load_preset("xor-hidden")
    assert lessons.current_lesson() == "perceptron-xor"


def test_a_lesson_that_hid_panels_gives_them_back_and_view_can_show_them(window):
    p = window.playground
    window.apply_hidden_controls(["training", "network"])
    assert not p.training.parentWidget().isVisible() and not p.builder.parentWidget().isVisible()
    assert not window.panel_actions["training"].isChecked()
    window.panel_actions["network"].setChecked(True)  # View › Playground panels › Network builder
    assert p.builder.parentWidget().isVisible()
    window.load_preset("logistic-regression")  # leaving the lesson
    assert p.training.parentWidget().isVisible() and all(a.isChecked() for a in window.panel_actions.values())
    assert window.run_bar.play_button.isVisible()


def test_a_lesson_runs_at_full_speed(window):
    window.playground.training.set_speed(10.0)
    window.load_preset("overfit-dropout")
    assert window.playground.training.speed() is None and window.run_bar.speed_combo.currentIndex() == 0


def test_every_view_tab_is_in_sight_and_named_without_ampersands(window):
    views = window.playground.views
    bar = views.tabBar()
    for i in range(views.count()):
        assert bar.rect().contains(bar.tabRect(i)), views.tabText(i)
    names = [a.text() for a in window.menuBar().actions()[3].menu().actions()]
    assert not any("_" in name for name in names)


def test_epoch_axes_have_whole_numbers_only(qtbot):
    from annstudio.gui.plots.loss import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 400)
    plot.show()
    plot.add_rows([{"epoch": 1, "loss": 0.5, "accuracy": 0.7}, {"epoch": 2, "loss": 0.4, "accuracy": 0.8}])
    axis = plot.plot_items()[0].getAxis("bottom")
    spacings = axis.tickSpacing(0.8, 2.2, 600)
    assert spacings and all(spacing >= 1 for spacing, _ in spacings)


def test_the_data_set_list_drops_down_the_same_way_every_time(window):
    combo = window.playground.data_panel.kind_combo
    assert "combobox-popup: 0" in combo.styleSheet()


def test_clearing_own_points_leaves_no_old_shading_and_no_error(qtbot, window):
    import numpy as np

    p = window.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    x = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 1.0], [2.0, -1.0]])
    assert p.data_panel.set_own_points(x, np.array([0, 1, 0, 1]), "classification")
    qtbot.waitUntil(lambda: not p.session.is_running() and p.surface._surface is not None, timeout=60000)
    errors = []
    p.error.connect(errors.append)
    p.data_panel.clear_points()
    qtbot.wait(400)  # the refresh of the untrained picture would come now
    assert not p.session.is_running() and errors == []
    assert p.surface._surface is None and "No points yet" in window.statusBar().currentMessage()


def test_long_tool_tips_are_shown_wrapped(qtbot, window):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from annstudio.gui.tooltips import wrapped

    combo = window.playground.training.rate_combo
    assert len(combo.toolTip()) > 150 and "white-space:pre-wrap" in wrapped(combo.toolTip())
    assert wrapped("Short tip.") == "Short tip."
    centre = combo.rect().center()
    QApplication.sendEvent(combo, QHelpEvent(QHelpEvent.Type.ToolTip, centre, combo.mapToGlobal(centre)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert "white-space:pre-wrap" in QToolTip.text()
    label = next(w for w in QApplication.topLevelWidgets() if w.inherits("QTipLabel"))
    assert label.width() < 700  # wrapped, not one ~1250-px line
    QToolTip.hideText()
    assert combo.toolTip().startswith("How big a step")  # the widget keeps its plain tip


def test_the_lessons_panel_gets_its_room_back_when_the_window_grows(qtbot, window):
    from annstudio.gui.app import lessons_width

    window.resize(1280, 720)
    qtbot.wait(50)
    narrow = window.lessons_dock.width()
    window.resize(1900, 1000)
    qtbot.waitUntil(lambda: window.lessons_dock.width() >= lessons_width(1900) - 8, timeout=3000)
    assert window.lessons_dock.width() > narrow


def test_opening_a_workspace_shows_the_lesson_of_its_experiment(qtbot, window, tmp_path):
    p = window.playground
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=60000)
    path = str(tmp_path / "parabola.annws")
    assert window.files.save_workspace(path)
    window.load_preset("logistic-regression")
    assert window.lessons.current_lesson() == "logistic-regression"
    assert window.files.open_workspace(path)
    assert window.lessons.current_lesson() == "looking-at-parameters"
