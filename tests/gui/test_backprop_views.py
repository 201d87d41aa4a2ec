"""The Backprop explorer and the loss landscape in the playground, driven by clicks and keys."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from annstudio.core import backprop as bp
from annstudio.core import lessons
from annstudio.core.landscape import Param
from annstudio.gui.playground import BACKPROP_TAB, LANDSCAPE_TAB, Playground


@pytest.fixture
def playground(qtbot):
    p = Playground(preset=lessons.get("looking-at-parameters"))
    qtbot.addWidget(p)
    p.resize(1400, 800)
    p.show()
    qtbot.waitExposed(p)
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield p
    p.shutdown()


def _click_data_point(qtbot, p, point):
    plot = p.surface._plot.getViewBox()
    view = p.surface._view
    where = view.mapFromScene(plot.mapViewToScene(QPointF(float(point[0]), float(point[1]))))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)


def _weights(report):
    return {name: [np.array(a) for a in arrays] for name, arrays in report.weights}


def test_stepping_while_paused_changes_nothing_until_apply_and_play_goes_on(playground, qtbot):
    p = playground
    p.training.epochs_spin.setValue(3)
    p.step()  # one epoch, then paused
    qtbot.waitUntil(lambda: p.state() == "paused" and p.latest_report().epoch == 1, timeout=60000)
    p.step_batch()  # and two batches: the landscape's path gets a point per batch when stepping batches
    qtbot.waitUntil(lambda: p.latest_report().batches == 33, timeout=60000)
    p.step_batch()
    qtbot.waitUntil(lambda: p.latest_report().batches == 34, timeout=60000)
    assert p.landscape._epochs == [0, 1_000_032, 1_000_033, 1_000_034]  # epoch · 10⁶ + batches
    p.views.setCurrentIndex(BACKPROP_TAB)
    explorer = p.backprop_view
    data = p.dataset()
    _click_data_point(qtbot, p, data.x_train[7])
    assert np.allclose(explorer.sample()[0], data.x_train[7], atol=1e-6)
    before = p.latest_report()
    weights = _weights(before)
    explorer.setFocus()
    for _ in range(explorer.last_stage):
        qtbot.keyClick(explorer, Qt.Key.Key_Right)
    assert explorer.stage == explorer.last_stage and explorer.apply_button.isEnabled()
    qtbot.keyClick(explorer, Qt.Key.Key_Left)
    assert explorer.step_title() == "Backward: layer 1 of 2"
    qtbot.mouseClick(explorer.diagram, Qt.MouseButton.LeftButton,
                     pos=explorer.diagram.link_point(0, 1, 0).toPoint())
    assert explorer.selected == (0, 1, 0)
    qtbot.mouseClick(explorer.diagram, Qt.MouseButton.LeftButton,
                     pos=explorer.diagram.neuron_point(1, 0).toPoint())
    assert explorer.selected == (1, None, 0)  # the output neuron's bias
    assert p.landscape.chosen() == (Param(0, 1, 0), Param(1, None, 0))  # the last two clicked: its axes
    qtbot.mouseClick(explorer.diagram, Qt.MouseButton.LeftButton,
                     pos=explorer.diagram.link_point(0, 1, 0).toPoint())
    assert "The chain rule of the weight you clicked" in explorer.text.toHtml()
    qtbot.keyClick(explorer, Qt.Key.Key_Right)
    qtbot.wait(200)
    assert p.latest_report() is before  # nothing reached the training
    for name, arrays in _weights(p.latest_report()).items():
        for a, b in zip(arrays, weights[name]):
            np.testing.assert_array_equal(a, b)
    result = explorer.result
    rate = p.train_spec().learning_rate
    # the training uses Adam: "Apply" takes Adam's step, from the averages the paused training has gathered
    assert p.train_spec().optimizer == "adam" and explorer.apply_button.text() == "Apply (Adam)"
    expected = {name: kernel for name, (kernel, _) in bp.optimizer_step(result, rate, "adam", before.adam)}
    shown = bp.AdamStep(float(result.layers[0].kernel[1, 0]), float(result.layers[0].grad_kernel[1, 0]), rate,
                        *bp.adam_moments(before.adam, "dense_1", 1, 0)[:2], before.adam[0] + 1)
    assert shown.text() in explorer.text.toPlainText()  # the clicked weight's step, as the update shows it
    assert shown.new_weight == pytest.approx(expected["dense_1"][1, 0])
    qtbot.mouseClick(explorer.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: np.allclose(p.latest_report().layer_weights("dense_1")[0], expected["dense_1"],
                                        atol=1e-6), timeout=60000)
    np.testing.assert_allclose(p.latest_report().layer_weights("dense_2")[0], expected["dense_2"], atol=1e-6)
    assert p.state() == "paused"
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    assert p.latest_report().epoch == 3 and [r["epoch"] for r in p.loss.rows()] == [1, 2, 3]


def test_explorer_and_hover_show_core_numbers_and_adams_own_averages_after_training(playground, qtbot):
    p = playground
    p.views.setCurrentIndex(BACKPROP_TAB)
    explorer = p.backprop_view
    p.pick_point(3)
    spec, report, data = p.network_spec(), p.latest_report(), p.dataset()
    expected = bp.explain(spec, report.weights, data.x_train[3], data.y_train[3], "binary_crossentropy")
    assert explorer.result.loss == pytest.approx(expected.loss)
    np.testing.assert_allclose(explorer.result.layers[0].delta, expected.layers[0].delta)
    explorer.next()
    assert "a(1,1) = b + Σ w·x" in explorer.text.toPlainText()
    text = explorer.text.toPlainText()
    assert "11 multiplications" in text and "27 when every parameter" in text
    # hovering in the network view: the formula with the numbers of now
    view = p.network_view
    p.views.setCurrentIndex(0)
    weight = float(p.latest_report().layer_weights("dense_2")[0][1, 0])
    link = view.hover_text(view.link_item("dense_2", 1, 0))
    assert link.startswith(f"<div style='white-space:pre'>w(2: 2→1) = {weight:.4g}<br>∂ℓ/∂w = δ · input = ")
    neuron = view.hover_text(view.node_item("dense_1", 0))
    assert "a(1,1) = b + Σ w·x = " in neuron and "δ(1,1) = g'(a) · Σ w·δ(above)" in neuron
    p.training.epochs_spin.setValue(1)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    weight = float(p.latest_report().layer_weights("dense_2")[0][1, 0])
    assert f"w(2: 2→1) = {weight:.4g}<br>" in view.hover_text(view.link_item("dense_2", 1, 0))
    # the update step: Adam's next step with the averages training has gathered
    p.views.setCurrentIndex(BACKPROP_TAB)
    while explorer.stage < explorer.last_stage:
        explorer.next()
    explorer.select(1, 0, 0)
    steps, layers = p.latest_report().adam
    m, v = dict(layers)["dense_2"][0]
    assert steps == 32  # 1000 points in batches of 32
    text = explorer.text.toPlainText()
    assert "in its 32 steps so far" in text
    step = bp.AdamStep(float(explorer.result.layers[1].kernel[0, 0]), float(explorer.result.layers[1].grad_kernel[0, 0]),
                       p.train_spec().learning_rate, float(m[0, 0]), float(v[0, 0]), steps + 1)
    assert step.text() in text


def test_landscape_path_has_a_point_per_epoch_and_one_click_overlays_the_other_optimizer(playground, qtbot):
    from annstudio.core.trainers import make_trainer

    p = playground
    p.views.setCurrentIndex(LANDSCAPE_TAB)
    view = p.landscape
    assert [view.first_box.currentText(), view.second_box.currentText()] == ["w(1: 1→1)", "w(1: 2→1)"]
    epochs = 20
    p.training.epochs_spin.setValue(epochs)
    p.play()  # at full speed: many epochs a call, most reports without pictures
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    qtbot.waitUntil(lambda: view.grid_shown() is not None, timeout=10000)
    first, second = view.chosen()
    path = view.path_of(view._path, first, second)
    # exactly the untrained start and a point per epoch, each the weights after that epoch
    reference = make_trainer(p.network_spec(), p.train_spec(), p.dataset())
    expected = [reference.weights_snapshot()] + [r.weights for r in reference.run(epochs)]
    assert len(path) == epochs + 1
    for point, weights in zip(path, expected):
        kernel = dict(weights)["dense_1"][0]
        assert point == pytest.approx([kernel[0, 0], kernel[1, 0]], rel=1e-4, abs=1e-5)
    assert view.grid_shown().shape == (61, 61)
    # one click: the same start again, with SGD; Adam's path stays, and the legend tells them apart
    assert view.compare_button.text() == "Compare: again with SGD"
    qtbot.mouseClick(view.compare_button, Qt.MouseButton.LeftButton)
    assert p.train_spec().optimizer == "sgd"
    qtbot.waitUntil(lambda: len(view._path) == epochs + 1 and p.state() == "finished"
                    and not p.session.is_running(), timeout=60000)
    np.testing.assert_allclose(view.path_of(view._earlier, first, second), path)
    sgd = view.path_of(view._path, first, second)
    assert sgd[0] == pytest.approx(path[0]) and not sgd[-1] == pytest.approx(path[-1])

    def legend():
        return [label.text for _, label in view.plot.plotItem.legend.items]
    rate = p.train_spec().learning_rate
    qtbot.waitUntil(lambda: legend() == ["start", f"this run: SGD, α = {rate:g}", f"earlier run: Adam, α = {rate:g}"],
                    timeout=10000)
    assert view.compare_button.text() == "Compare: again with Adam"


def test_the_logistic_regression_lessons_landscape_over_w1_w2_with_the_trained_bias_is_one_click(playground, qtbot):
    from annstudio.core.backprop import dense_chain
    from annstudio.core.landscape import loss_grid

    p = playground
    p.views.setCurrentIndex(0)
    p.load_preset(lessons.get("logistic-regression"))
    p.training.epochs_spin.setValue(2)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    view = p.landscape
    bar = p.views.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(LANDSCAPE_TAB).center())  # the one click
    assert p.views.currentIndex() == LANDSCAPE_TAB
    qtbot.waitUntil(lambda: view.grid_shown() is not None and view.axes_shown is not None, timeout=10000)
    assert view.chosen() == (Param(0, 0, 0), Param(0, 1, 0))  # w1 and w2 of the one neuron
    # every other parameter (the bias) held at its trained value: the grid is the loss of those weights
    chain = dense_chain(p.network_spec(), p.latest_report().weights)
    xs, ys = view.axes_shown
    expected = loss_grid(chain, view._x, view._y, "binary_crossentropy", Param(0, 0, 0), Param(0, 1, 0), xs, ys)
    np.testing.assert_allclose(view.grid_shown(), np.log10(expected), rtol=1e-6)
    assert "lowest loss here" in view.readout.text() and "white lines join equal losses" in view.info.text()
