"""Fixes from issue 12 that a user meets in the views: hovering a confusion matrix, the neuron editor after
a load, the data-set combo's separator, the builder's output layer."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from annstudio.core.words import plural
from annstudio.gui.app import MainWindow
from annstudio.gui.builder import BuilderPanel
from annstudio.gui.dataset_panel import DatasetPanel
from annstudio.gui.mnist_views import ConfusionMatrixView


def _shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_plural_takes_numpy_integers():
    assert plural(np.int64(1), "digit") == "1 digit"
    assert plural(np.int64(3), "digit") == "3 digits"
    assert plural(np.uint8(0), "drawing") == "0 drawings"


def test_hovering_the_confusion_matrix_names_each_cell(qtbot):
    view = _shown(qtbot, ConfusionMatrixView())
    view.set_predictions(np.array([0, 4, 4, 4, 9]), np.array([0, 4, 9, 9, 9]))
    for (true, predicted), words in {(4, 9): "2 digits that are a 4, read as a 9",
                                     (0, 0): "1 digit that is a 0, read as a 0",
                                     (3, 5): "0 digits that are a 3, read as a 5"}.items():
        qtbot.mouseMove(view, view.cell_rect(true, predicted).center())
        qtbot.waitUntil(lambda words=words: words in view.toolTip(), timeout=2000)
    qtbot.mouseMove(view, QPoint(5, 5))  # the margin, outside every cell: the general tip again
    qtbot.waitUntil(lambda: view.toolTip() == ConfusionMatrixView.TIP, timeout=2000)


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.playground.shutdown()


def _untrained_report(qtbot, p):
    qtbot.waitUntil(lambda: p.latest_report() is not None and not p.session.is_running(), timeout=60000)
    return p.latest_report()


def _click_neuron(qtbot, p, layer: str, unit: int) -> None:
    view = p.network_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.node_position(layer, unit))
    assert p.neuron_editor.shown_neuron() == (layer, unit)


def test_the_neuron_editor_forgets_the_old_network_when_a_preset_is_loaded(window, qtbot):
    p, editor = window.playground, window.playground.neuron_editor
    window.load_preset("xor-hidden")
    _untrained_report(qtbot, p)
    _click_neuron(qtbot, p, "dense_1", 2)
    editor.bias_box.setValue(3.5)               # typed, not applied
    sent = []
    editor.edit_requested.connect(lambda *args: sent.append(args))
    window.load_preset("looking-at-parameters")
    report = _untrained_report(qtbot, p)
    assert editor.shown_neuron() is None and not editor.isEnabled()
    assert editor.bias_box.value() == 0.0 and "Click a neuron" in editor._title.text()
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert sent == [] and p.latest_report() is report
    _click_neuron(qtbot, p, "dense_1", 0)       # the new network's own numbers
    kernel, bias = report.layer_weights("dense_1")[:2]
    assert editor.bias_box.value() == pytest.approx(float(bias[0]), abs=1e-4)


def test_after_apply_switch_off_the_box_stays_checked(window, qtbot):
    p, editor = window.playground, window.playground.neuron_editor
    before = _untrained_report(qtbot, p)
    _click_neuron(qtbot, p, "dense_1", 1)
    editor.off_box.setChecked(True)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    # the edit goes to the network and a new picture of it comes back and is drawn
    qtbot.waitUntil(lambda: p.latest_report() is not before and p.drawn_report() is p.latest_report()
                    and not p.session.is_running(), timeout=60000)
    assert editor.off_box.isChecked() and editor.shown_neuron() == ("dense_1", 1)
    assert ("dense_1", 1) in p._off


def test_choosing_the_data_sets_separator_keeps_the_last_data_set(qtbot):
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    combo = panel.kind_combo
    separators = [i for i in range(combo.count()) if combo.itemData(i) is None]
    assert separators
    combo.setCurrentIndex(combo.findData("xor"))
    for index in separators:
        combo.setCurrentIndex(index)
        assert combo.currentData() == "xor" and panel.data_spec().kind == "xor"
    assert len(panel.dataset().x_train) > 0


@pytest.mark.parametrize("task, classes, wrong, fix, words", [
    ("binary", 2, "softmax", "sigmoid", "always outputs 1"),
    ("multiclass", 4, "sigmoid", "softmax", "do not add up to 1"),
    ("regression", 0, "softmax", "linear", "always says 1"),
])
def test_the_builder_explains_an_output_layer_that_cannot_learn_and_fixes_it_in_one_click(
        qtbot, task, classes, wrong, fix, words):
    builder = BuilderPanel()
    _shown(qtbot, builder)
    builder.set_io((2,) if task != "regression" else (1,), ("x1", "x2") if task != "regression" else (), task,
                   classes)
    assert not builder.output_warning.isVisible() and not builder.output_fix_button.isVisible()
    builder.output_activation_combo.setCurrentText(wrong)
    assert builder.output_warning.isVisible() and words in builder.output_warning.text()
    assert builder.output_advice().cannot_learn and builder.output_fix_button.text() == f"Use {fix}"
    with qtbot.waitSignal(builder.network_changed) as changed:
        qtbot.mouseClick(builder.output_fix_button, Qt.MouseButton.LeftButton)
    assert changed.args[0].layers[-1].activation == fix
    assert not builder.output_warning.isVisible() and not builder.output_fix_button.isVisible()
    assert builder.output_activation_combo.currentText() == fix
