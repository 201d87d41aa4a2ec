"""The perceptron in the playground: the same window, controls and views, trained by the perceptron rule."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from annstudio.core import lessons
from annstudio.gui.playground import Playground
from annstudio.gui.worker import running_threads


@pytest.fixture
def playground(qtbot):
    p = Playground(preset=lessons.get("perceptron-rule"))
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=30000)
    yield p
    p.shutdown()
    assert not running_threads()


def _idle(p):
    return not p.session.is_running() and p.state() in ("finished", "idle")


def test_the_preset_shows_a_step_neuron_trained_by_the_rule(playground):
    p = playground
    assert p.network_spec().describe() == "Input(2) → Dense(1, step)"
    assert p.train_spec().optimizer == "perceptron"
    assert p.training.optimizer_combo.currentText() == "Perceptron rule"
    report = p.latest_report()
    assert report.epoch == 0 and set(np.unique(report.surface)) <= {0.0, 1.0}  # the step's 0/1, untrained
    assert len(p.surface.hidden_segments()) == 1  # its line w·x + b = 0


def test_play_converges_by_itself_with_the_line_and_the_last_point_marked(playground, qtbot):
    p = playground
    messages = []
    p.status.connect(messages.append)
    qtbot.mouseClick(p.training.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _idle(p) and p.state() == "finished", timeout=30000)
    report = p.latest_report()
    assert report.metrics["accuracy"] == 1.0 and report.metrics["updates"] == 0
    assert report.epoch < p.train_spec().epochs  # it ended by itself
    assert any("converged" in m.lower() for m in messages)
    rows = p.loss.rows()
    assert rows[-1]["updates"] == 0 and rows[0]["updates"] > 0 and len(rows) == report.epoch
    assert p.loss.metric_name() == "updates"
    # the line moved with the weights, and the point of the last update is ringed on the data plot
    kernel, bias = report.layer_weights("dense_1")
    (segment,) = p.surface.hidden_segments()
    for x1, x2 in segment:
        assert abs(kernel[0, 0] * x1 + kernel[1, 0] * x2 + bias[0]) < 1e-3 * max(1.0, abs(kernel).max())
    marked = p.surface.marked_point()
    assert marked is not None and marked == pytest.approx(report.marked_point)
    assert np.min(np.abs(p.dataset().x_train - np.array(marked)).sum(axis=1)) < 1e-6  # it is a data point
    p.grab().save("/tmp/pshot/perceptron_converged.png")


def test_step_trains_exactly_one_epoch(playground, qtbot):
    p = playground
    qtbot.mouseClick(p.training.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.latest_report() is not None and p.latest_report().epoch == 1, timeout=30000)
    qtbot.wait(200)
    assert p.latest_report().epoch == 1 and p.state() == "paused"
    assert [row["epoch"] for row in p.loss.rows()] == [1]
    p.stop()
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=30000)


def test_the_builder_offers_step_only_for_one_output_neuron_and_says_why(playground, qtbot):
    p = playground
    b = p.builder
    hidden_step = b.activation_combo.model().item(b.activation_combo.findText("step"))
    assert not hidden_step.isEnabled() and "only for a perceptron" in hidden_step.toolTip()
    output_step = b.output_activation_combo.model().item(b.output_activation_combo.findText("step"))
    assert output_step.isEnabled()
    qtbot.mouseClick(b.add_button, Qt.MouseButton.LeftButton)  # a hidden layer: no perceptron any more
    assert b.network_spec().layers[-1].activation == "sigmoid"
    assert "went back to sigmoid" in b.last_error() and "only for a perceptron" in b.last_error()
    assert not output_step.isEnabled() and "hidden layers" in output_step.toolTip()
    assert p.train_spec().optimizer == "adam"  # the training panel follows: gradients for this network
    b.remove_layer()
    b.output_activation_combo.setCurrentText("step")
    assert b.network_spec().layers[-1].activation == "step" and p.train_spec().optimizer == "perceptron"
    assert b.output_advice() is None


def test_a_step_neuron_with_adam_is_refused_in_a_sentence(playground, qtbot):
    p = playground
    p.training.optimizer_combo.setCurrentIndex(p.training.optimizer_combo.findData("adam"))
    p.play()
    qtbot.waitUntil(lambda: not p.session.is_running() and bool(p.last_error()), timeout=30000)
    assert "cannot be trained by adam" in p.last_error() and "perceptron" in p.last_error()
    assert "Traceback" not in p.last_error()


def test_a_saved_perceptron_workspace_opens_with_its_weights_and_goes_on(playground, qtbot, tmp_path):
    from annstudio.core.workspace import load_workspace, save_workspace, workspace_from_training

    p = playground
    p.training.epochs_spin.setValue(3)
    p.play()
    qtbot.waitUntil(lambda: _idle(p) and p.state() == "finished", timeout=30000)
    report = p.latest_report()
    ws = workspace_from_training(p.network_spec(), p.train_spec(), p.data_panel.data_spec(), None, report=report,
                                 history=p.loss.rows())
    back = load_workspace(save_workspace(ws, tmp_path / "perceptron.annws"))
    p.reset()
    assert p.load_state(back.network, back.train, back.data, weights=back.weights, history=back.history)
    qtbot.waitUntil(lambda: _idle(p) and p.latest_report() is not None, timeout=30000)
    kernel = p.latest_report().layer_weights("dense_1")[0]
    assert np.allclose(kernel, report.layer_weights("dense_1")[0])
    assert [row["epoch"] for row in p.loss.rows()] == [1, 2, 3]
