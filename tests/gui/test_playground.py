"""The main window driven like a student drives it: clicks, keys, a real worker thread, real Keras."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from annstudio.gui.app import MainWindow
from annstudio.gui.worker import running_threads


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.close()


def _wait_state(qtbot, p, *states, timeout=60000):
    qtbot.waitUntil(lambda: p.state() in states and not p.session.is_running(), timeout=timeout)


def test_default_workspace_is_the_lectures_looking_at_parameters_ready_to_train(window):
    p = window.playground
    assert p.dataset().name == "parabola" and len(p.dataset().x_train) == 1000
    assert p.network_spec().describe() == "Input(2) → Dense(2, sigmoid) → Dense(1, sigmoid)"
    report = p.latest_report()
    assert report.epoch == 0 and report.surface.shape == (200, 200)  # the untrained network, drawn
    assert p.state() == "idle"


def test_build_by_clicks_train_and_watch(window, qtbot):
    p = window.playground
    qtbot.mouseClick(p.builder.add_button, Qt.MouseButton.LeftButton)  # a Dense(4, relu) hidden layer
    spec = p.network_spec()
    assert [layer.units for layer in spec.layers if layer.kind == "dense"] == [2, 4, 1]
    p.training.epochs_spin.setValue(5)
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    qtbot.mouseClick(p.training.play_button, Qt.MouseButton.LeftButton)
    assert p.state() == "running"
    _wait_state(qtbot, p, "finished")
    rows = p.loss.rows()
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4, 5]
    assert p.latest_report().epoch == 5
    assert "Epoch 5" in window.statusBar().currentMessage()
    assert p.network_view.node_count() >= 2 + 2 + 4 + 1


def test_space_pauses_right_steps_and_learning_rate_changes_mid_run(window, qtbot):
    p = window.playground
    p.training.epochs_spin.setValue(100000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: p.state() == "running" and len(p.loss.rows()) >= 3, timeout=60000)
    combo = p.training.rate_combo
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "0.003")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: p.latest_report().learning_rate == pytest.approx(0.003), timeout=30000)
    window.playground.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert p.state() == "paused"
    qtbot.wait(300)
    epoch = p.latest_report().epoch
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: p.latest_report().epoch == epoch + 1, timeout=30000)
    qtbot.wait(200)
    assert p.latest_report().epoch == epoch + 1 and p.state() == "paused"
    qtbot.mouseClick(p.training.stop_button, Qt.MouseButton.LeftButton)
    _wait_state(qtbot, p, "finished")


def test_click_a_neuron_edit_its_bias_and_see_the_surface_change(window, qtbot):
    p = window.playground
    before = p.latest_report().surface.copy()
    view = p.network_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.node_position("dense_2", 0))
    editor = p.neuron_editor
    assert editor.bias_box.isEnabled()
    editor.bias_box.setValue(8.0)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.latest_report().layer_weights("dense_2")[1][0] == pytest.approx(8.0), timeout=60000)
    after = p.latest_report().surface
    assert after.mean() > before.mean() + 0.2  # a big output bias: everything leans to class 1, at once


def test_reset_keeps_the_same_starting_weights(window, qtbot):
    p = window.playground
    start = p.latest_report().layer_weights("dense_1")[0].copy()
    p.training.epochs_spin.setValue(3)
    p.play()
    _wait_state(qtbot, p, "finished")
    assert not np.allclose(p.latest_report().layer_weights("dense_1")[0], start)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: p.latest_report() is not None and p.latest_report().epoch == 0
                    and not p.session.is_running(), timeout=60000)
    np.testing.assert_allclose(p.latest_report().layer_weights("dense_1")[0], start)
    assert p.loss.rows() == [] and p.state() == "idle"


def test_own_points_by_clicking_in_the_plot(window, qtbot):
    p = window.playground
    panel = p.data_panel
    index = [panel.kind_combo.itemText(i) for i in range(panel.kind_combo.count())].index("Your own data")
    panel.kind_combo.setCurrentIndex(index)
    assert panel.is_own_data() and p.surface.edit_mode()
    n = len(p.dataset().x_train)
    p.surface.point_clicked.emit(1.0, 2.0)
    assert len(p.dataset().x_train) == n + 1


def test_closing_mid_training_stops_and_joins_the_worker(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    p = w.playground
    p.load_preset(__import__("annstudio.core.lessons", fromlist=["get"]).get("overfit-plain"))
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    p.play()
    qtbot.waitUntil(lambda: len(p.loss.rows()) > 5, timeout=60000)
    assert p.session.is_running()
    w.close()
    assert running_threads() == []


def test_stepping_one_batch_shows_the_update_of_the_chosen_neuron(window, qtbot):
    p = window.playground
    view = p.network_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.node_position("dense_1", 1))
    before = p.neuron_editor.bias_box.value()
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # one batch
    qtbot.waitUntil(lambda: p.latest_report() is not None and p.latest_report().batches == 1, timeout=60000)
    qtbot.waitUntil(lambda: "Last update: bias" in p.neuron_editor._update_note.text(), timeout=10000)
    after = p.neuron_editor.bias_box.value()
    assert after != before
    bias = p.latest_report().layer_weights("dense_1")[1][1]
    assert after == pytest.approx(bias, abs=1e-4)
    p.stop()
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=60000)


def test_the_loss_axes_hold_while_training_and_show_every_epoch_after(window, qtbot):
    p = window.playground
    p.training.epochs_spin.setValue(100000)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "running" and len(p.loss.rows()) >= 20, timeout=60000)
    assert p.loss.is_live() and p.weights_plot._live
    qtbot.waitUntil(lambda: len(p.loss.rows()) >= 40, timeout=60000)
    x_range = lambda: p.loss.plot_items()[0].getViewBox().viewRange()[0]  # noqa: E731
    qtbot.waitUntil(lambda: x_range()[0] == 1, timeout=10000)  # drawn at most 4 times a second
    x0, x1 = x_range()
    assert x0 == 1 and x1 in (11, 21, 51, 101, 201, 501, 1001, 2001, 5001)  # a round step, not the last epoch
    p.stop()
    _wait_state(qtbot, p, "finished")
    qtbot.wait(50)
    assert not p.loss.is_live()
    epochs = [r["epoch"] for r in p.loss.rows()]
    last = epochs[-1]
    assert epochs == list(range(1, last + 1)) and last >= p.latest_report().epoch  # every epoch, none held back
    x, _ = p.loss.curves()["loss"].getOriginalDataset()
    assert np.array_equal(x, np.arange(1, last + 1))
    (x0, x1), _ = p.loss.plot_items()[0].getViewBox().viewRange()
    assert x0 <= 1 and last <= x1 <= 1 + 1.25 * (last - 1)  # fits the run: the last epoch is in view


def test_a_view_tab_shows_the_newest_picture_when_it_comes_into_sight(window, qtbot):
    p = window.playground
    p.views.setCurrentIndex(0)  # the network diagram: the Neurons tab is out of sight
    p.builder.add_layer("dense")
    units = [layer.units for layer in p.network_spec().layers if layer.kind == "dense"]
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None
                    and p.latest_report().neuron_maps is not None, timeout=60000)
    qtbot.wait(50)
    p.views.setCurrentIndex(1)  # at once: tiles for the new network, with the newest maps on them
    assert p.neurons.tile_count() == sum(units)
    assert all(image.image is not None for image in p.neurons.tile_images())


def test_after_training_the_weights_tab_shows_every_epoch_up_to_the_last(window, qtbot):
    """At full speed many epochs train per call and only the last has pictures: the weight histograms of
    all of them are drawn, none filled in from an older epoch."""
    from annstudio.core import engine

    p = window.playground
    p.views.setCurrentIndex(3)  # "Weights & gradients", drawn at most 4 times a second while training
    p.training.epochs_spin.setValue(300)
    qtbot.waitUntil(lambda: engine.compiling() == 0, timeout=60000)  # full speed is the compiled program's
    drawn = p.draw_count
    p.play()
    _wait_state(qtbot, p, "finished")
    report = p.latest_report()
    assert report.epoch == 300 and p.draw_count - drawn < 300  # fewer pictures than epochs
    tops = p.weights_plot.gradient_tops()
    for name, norm in report.grad_norms:
        assert tops[name] == pytest.approx(np.log10(norm), abs=1e-6)
    history = p.weights_plot.history("dense_1")
    assert sorted(epoch for epoch, _, _ in history.raw.values()) == list(range(1, 301))
    assert history.stride == 1 and not np.isnan(history.columns[:300]).any()  # no gap
    np.testing.assert_array_equal(history.raw[300][1], report.histograms[0][1])  # the last epoch's own
    image = p.weights_plot._image.mapRectToParent(p.weights_plot._image.boundingRect())
    assert image.left() <= 1 and image.right() >= report.epoch
    assert p.weights_plot._image.image.shape[1] == 300


def test_a_short_run_right_after_loading_a_preset_is_kept(window, qtbot):
    """Loading a preset schedules a picture of the new, untrained network; Play before it comes must not
    have its result thrown away by it (with compiled programs reused, 3 epochs end within that delay)."""
    p = window.playground
    window.load_preset("looking-at-parameters")
    _wait_state(qtbot, p, "idle")
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    for _ in range(2):
        window.load_preset("looking-at-parameters")
        p.training.epochs_spin.setValue(3)
        p.play()  # at once: the refresh of the loaded network is still pending
        qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
        qtbot.wait(400)  # longer than the refresh's delay
        assert p.state() == "finished" and p.session.trainer.epoch == 3
        assert [r["epoch"] for r in p.loss.rows()] == [1, 2, 3]


def test_slow_motion_from_the_speed_box_and_the_bracket_keys(window, qtbot):
    """A small network trains thousands of epochs a second; a student slows it down to watch it."""
    import time

    p = window.playground
    assert p.training.speed() is None and p.training.speed_combo.toolTip()
    p.training.epochs_spin.setValue(100000)
    p.training.speed_combo.setCurrentIndex(p.training.speed_combo.findData(10.0))  # 10 epochs a second
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: p.state() == "running" and p.loss.row_count() >= 1, timeout=60000)
    qtbot.wait(300)
    first, began = p.latest_report().epoch, time.perf_counter()
    qtbot.wait(1000)
    slow = (p.latest_report().epoch - first) / (time.perf_counter() - began)
    assert 4 <= slow <= 20, slow
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)   # faster: 100 a second
    assert p.training.speed() == 100.0
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)   # 1000
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)   # full speed, at once while it trains
    assert p.training.speed() is None
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)   # stays at full speed
    assert p.training.speed() is None

    def fast() -> bool:  # full speed is the compiled program's: it compiles once the run has trained a moment
        first = p.latest_report().epoch
        qtbot.wait(1000)
        return p.latest_report().epoch - first > 100

    qtbot.waitUntil(fast, timeout=240000)
    qtbot.keyClick(window, Qt.Key.Key_BracketLeft)
    assert p.training.speed() == 1000.0
    p.stop()
    _wait_state(qtbot, p, "finished")
    window.save_settings()
    again = MainWindow(settings=window.settings)  # the speed is remembered
    qtbot.addWidget(again)
    assert again.playground.training.speed() == 1000.0
    again.close()


def test_views_out_of_sight_are_made_ready_after_a_runs_first_epoch_not_when_clicked(window, qtbot):
    """The Neurons tab's tiles for a new network are not made while the untrained picture or a run's first
    epoch is under way (they took the window's thread just when the first epoch came), but once the run has
    shown an epoch, before the tab is clicked (made then, they held the window 0.1-0.3 s)."""
    p = window.playground
    p.views.setCurrentIndex(0)  # the Neurons tab is out of sight
    p.training.epochs_spin.setValue(100000)
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=60000)
    p.builder.add_layer("dense")
    p.play()
    assert p.session.is_running() and p.run.drawn is None  # (a new network: nothing of it drawn yet)
    p._prepare_hidden_views()  # the timer's turn before the run has shown an epoch: later
    assert p._neurons_stale and p._tiles_timer.isActive()
    qtbot.waitUntil(lambda: not p._neurons_stale, timeout=60000)  # a later turn of the timer
    assert p.run.drawn.epoch >= 1 and p.session.is_running() and p.views.currentIndex() == 0
    units = sum(layer.units for layer in p.network_spec().layers if layer.kind == "dense")
    assert p.neurons.tile_count() == units
    p.stop()
