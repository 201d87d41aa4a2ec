"""The dataset, builder and training panels, driven the way a student drives them."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QStyle, QStyleOptionButton

from annstudio.core import lessons
from annstudio.core.spec import NetworkSpec, TrainSpec, DataSpec, dense
from annstudio.gui.builder import BuilderPanel, count_parameters
from annstudio.gui.dataset_panel import DatasetPanel
from annstudio.gui.training_panel import TrainingPanel

LEFT = Qt.MouseButton.LeftButton

# Opening a combo's list on the offscreen platform: harmless notes of the platform, not of ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")


# --- helpers: what a user's hand does ------------------------------------------------------------

def choose(qtbot, combo: QComboBox, data=None, text: str | None = None) -> None:
    """Open the combo's list and click the entry with this data (or text)."""
    index = combo.findData(data) if text is None else combo.findText(text)
    assert index >= 0, f"no entry {data or text!r}"
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    view.scrollTo(combo.model().index(index, 0))
    rect = view.visualRect(combo.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentIndex() == index


def click_check(qtbot, check: QCheckBox) -> None:
    """Click the check box's square, where a user clicks."""
    option = QStyleOptionButton()
    check.initStyleOption(option)
    rect = check.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, check)
    qtbot.mouseClick(check, LEFT, pos=rect.center())


def type_into(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    """Select what the field holds, type ``text`` and press Enter."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


@pytest.fixture
def data_panel(qtbot) -> DatasetPanel:
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def builder(qtbot) -> BuilderPanel:
    panel = BuilderPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def training(qtbot) -> TrainingPanel:
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def all_points(dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([dataset.x_train, dataset.x_test]), np.concatenate([dataset.y_train, dataset.y_test])


# --- dataset panel -------------------------------------------------------------------------------

def test_choosing_a_data_set_emits_it(qtbot, data_panel):
    assert data_panel.dataset().name == "parabola"
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        choose(qtbot, data_panel.kind_combo, "xor")
    assert signal.args[0].name == "xor" and signal.args[0].task == "binary"
    assert data_panel.data_spec().kind == "xor"
    assert data_panel.dataset() is signal.args[0]
    seen = []
    data_panel.dataset_changed.connect(lambda d: seen.append(("dataset", d)))
    data_panel.features_changed.connect(lambda f: seen.append(("features", f)))
    choose(qtbot, data_panel.kind_combo, "sine")
    assert [name for name, _ in seen] == ["dataset", "features"]
    dataset, features = (value for _, value in seen)
    assert dataset.task == "regression" and dataset.x_train.shape[1] == 1
    assert features == () and data_panel.features() == ()
    assert not data_panel.feature_checks["x1"].isEnabled()
    with qtbot.waitSignal(data_panel.features_changed) as back:
        choose(qtbot, data_panel.kind_combo, "circle")
    assert back.args[0] == ("x1", "x2")


def test_size_noise_test_fraction_and_classes_regenerate_the_data(qtbot, data_panel):
    assert not data_panel.classes_spin.isEnabled()
    choose(qtbot, data_panel.kind_combo, "gaussians")
    assert data_panel.classes_spin.isEnabled()
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        type_into(qtbot, data_panel.classes_spin, "4")
    assert signal.args[0].task == "multiclass" and signal.args[0].classes == 4
    assert set(np.unique(signal.args[0].y_train)) == {0, 1, 2, 3}
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        type_into(qtbot, data_panel.size_spin, "200")
    assert len(signal.args[0].x_train) == 200
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        type_into(qtbot, data_panel.test_spin, "0.25")
    assert len(signal.args[0].x_test) == 50 and len(signal.args[0].x_train) == 150
    type_into(qtbot, data_panel.test_spin, "0.95")  # beyond 0.9 cannot be typed
    assert data_panel.data_spec().test_fraction <= 0.9
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        type_into(qtbot, data_panel.noise_spin, "0.5")
    assert data_panel.data_spec() == DataSpec("gaussians", 200, 0.5, 0, data_panel.data_spec().test_fraction, 4)
    choose(qtbot, data_panel.kind_combo, "xor")
    assert not data_panel.classes_spin.isEnabled() and data_panel.data_spec().classes == 2


def test_regenerate_draws_new_points_with_the_next_seed(qtbot, data_panel):
    before = data_panel.dataset().x_train.copy()
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        qtbot.mouseClick(data_panel.regenerate_button, LEFT)
    assert data_panel.data_spec().seed == 1
    assert not np.array_equal(signal.args[0].x_train, before)


def test_feature_checkboxes_and_the_last_one_cannot_be_unchecked(qtbot, data_panel):
    checks = data_panel.feature_checks
    with qtbot.waitSignal(data_panel.features_changed) as signal:
        click_check(qtbot, checks["x1*x2"])
    assert signal.args[0] == ("x1", "x2", "x1*x2")
    click_check(qtbot, checks["x1"])
    click_check(qtbot, checks["x2"])
    assert data_panel.features() == ("x1*x2",)
    with qtbot.assertNotEmitted(data_panel.features_changed):
        click_check(qtbot, checks["x1*x2"])
    assert checks["x1*x2"].isChecked() and data_panel.features() == ("x1*x2",)
    assert "At least one" in data_panel.last_error() and data_panel.message.isVisible()
    with qtbot.waitSignal(data_panel.features_changed):
        click_check(qtbot, checks["sin(x1)"])
    assert data_panel.features() == ("x1*x2", "sin(x1)") and data_panel.last_error() == ""


def test_set_features_and_set_data_spec_for_presets(qtbot, data_panel):
    preset = lessons.get("xor-feature")
    with qtbot.waitSignal(data_panel.dataset_changed):
        assert data_panel.set_data_spec(preset.data)
    assert data_panel.data_spec() == preset.data
    assert len(data_panel.dataset().x_test) == 100
    with qtbot.waitSignal(data_panel.features_changed) as signal:
        data_panel.set_features(preset.network.features)
    assert signal.args[0] == ("x1", "x2", "x1*x2")
    assert not data_panel.set_features(("x3",)) and "x3" in data_panel.last_error()
    assert data_panel.set_data_spec(lessons.get("overfit-plain").data)
    assert data_panel.dataset().x_train.shape == (10, 1) and data_panel.features() == ()
    assert not data_panel.size_spin.isVisible()


def test_unusable_data_specs_are_refused_visibly(qtbot, data_panel):
    with qtbot.assertNotEmitted(data_panel.dataset_changed):
        assert not data_panel.set_data_spec(DataSpec("moons"))
    assert "moons" in data_panel.last_error() and data_panel.message.isVisible()
    assert not data_panel.set_data_spec(lessons.get("mnist-mlp").data)
    assert "MNIST" in data_panel.last_error()
    assert data_panel.dataset().name == "parabola"


def test_own_data_starts_from_the_current_points_and_takes_clicks(qtbot, data_panel):
    choose(qtbot, data_panel.kind_combo, "circle")
    circle = data_panel.dataset()
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        choose(qtbot, data_panel.kind_combo, "own")
    assert data_panel.is_own_data() and data_panel.data_spec() is None
    assert data_panel.own_box.isVisible() and not data_panel.size_spin.isVisible()
    x, y = all_points(signal.args[0])
    assert len(x) == 1000
    assert sorted(map(tuple, x)) == sorted(map(tuple, np.concatenate([circle.x_train, circle.x_test])))
    qtbot.mouseClick(data_panel.clear_button, LEFT)
    assert len(data_panel.dataset().x_train) == 0
    choose(qtbot, data_panel.class_combo, 2)
    with qtbot.waitSignal(data_panel.dataset_changed):
        assert data_panel.add_point(1.0, 2.0)
    data_panel.add_point(-3.0, 0.5)
    choose(qtbot, data_panel.class_combo, 0)
    data_panel.add_point(4.0, 4.0)
    x, y, task = data_panel.own_points()
    assert task == "classification"
    assert x.tolist() == [[1.0, 2.0], [-3.0, 0.5], [4.0, 4.0]] and y.tolist() == [2, 2, 0]
    dataset = data_panel.dataset()
    assert dataset.task == "multiclass" and dataset.classes == 3
    assert sorted(all_points(dataset)[1].tolist()) == [0, 2, 2]
    assert data_panel.own_box.title() == "Your own points (3)"


def test_erasing_removes_only_the_points_near_the_drag(qtbot, data_panel):
    choose(qtbot, data_panel.kind_combo, "own")
    qtbot.mouseClick(data_panel.clear_button, LEFT)
    for point in ((0, 0), (0.3, 0.2), (3, 3), (-4, 1)):
        data_panel.add_point(*point)
    with qtbot.waitSignal(data_panel.dataset_changed):
        assert data_panel.erase_near(0.1, 0.1, 0.5) == 2
    assert data_panel.own_points()[0].tolist() == [[3, 3], [-4, 1]]
    with qtbot.assertNotEmitted(data_panel.dataset_changed):
        assert data_panel.erase_near(10, 10, 1) == 0


def test_own_regression_points_and_test_fraction(qtbot, data_panel):
    choose(qtbot, data_panel.kind_combo, "own")
    with qtbot.waitSignal(data_panel.features_changed) as signal:
        choose(qtbot, data_panel.own_task_combo, "regression")
    assert signal.args[0] == ()
    assert not data_panel.class_combo.isVisible()
    for i in range(8):
        data_panel.add_point(float(i), float(i * i))
    dataset = data_panel.dataset()
    assert dataset.task == "regression" and dataset.x_train.shape == (8, 1)
    with qtbot.waitSignal(data_panel.dataset_changed) as signal:
        type_into(qtbot, data_panel.test_spin, "0.25")
    assert len(signal.args[0].x_test) == 2 and len(signal.args[0].x_train) == 6
    assert data_panel.erase_near(3.0, 9.0, 0.5) == 1  # regression erases in (x, target) space
    assert data_panel.own_points()[0].shape == (7, 1)
    # the classification points are kept apart and come back
    choose(qtbot, data_panel.own_task_combo, "classification")
    assert data_panel.own_points()[2] == "classification" and len(data_panel.own_points()[0]) == 1000


def test_clicks_are_ignored_unless_own_data_is_chosen(qtbot, data_panel):
    with qtbot.assertNotEmitted(data_panel.dataset_changed):
        assert not data_panel.add_point(1, 1)
        assert data_panel.erase_near(0, 0, 100) == 0
    assert len(data_panel.dataset().x_train) == 1000


def test_csv_export_and_import_round_trip(qtbot, data_panel, tmp_path):
    data_panel.set_own_points(np.array([[0.5, 1.5], [2, -1], [3, 3]]), np.array([1, 0, 5]), "classification")
    assert data_panel.is_own_data()
    path = tmp_path / "mine.csv"
    assert data_panel.export_csv(str(path))
    assert path.read_text().startswith("x1,x2,label\n")
    other = DatasetPanel()
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.dataset_changed) as signal:
        assert other.import_csv(str(path))
    assert other.is_own_data() and signal.args[0].classes == 6
    x, y, task = other.own_points()
    assert x.tolist() == [[0.5, 1.5], [2, -1], [3, 3]] and y.tolist() == [1, 0, 5] and task == "classification"
    assert "Imported 3 points" in other.message.text()


def test_exporting_nothing_is_refused(qtbot, data_panel, tmp_path):
    choose(qtbot, data_panel.kind_combo, "own")
    qtbot.mouseClick(data_panel.clear_button, LEFT)
    assert not data_panel.export_csv(str(tmp_path / "none.csv"))
    assert "no points" in data_panel.last_error() and not (tmp_path / "none.csv").exists()


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("x1,x2,label\n1,2,0\n3,text,1\n", "line 3"),
    ("x1,x2,label\n1,2\n", "line 2"),
    ("x1,x2,label\n1,2,1.5\n", "whole number"),
    ("x,target\n1,nan\n", "finite"),
])
def test_bad_csv_files_are_refused_with_a_visible_message(qtbot, data_panel, tmp_path, text, words):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    before = data_panel.dataset()
    with qtbot.assertNotEmitted(data_panel.dataset_changed):
        assert not data_panel.import_csv(str(path))
    assert words in data_panel.last_error()
    assert data_panel.message.isVisible() and words in data_panel.message.text()
    assert data_panel.dataset() is before and not data_panel.is_own_data()


def test_set_own_points_refuses_bad_points(qtbot, data_panel):
    assert not data_panel.set_own_points(np.zeros((3, 2)), np.array([0, 1, 12]), "classification")
    assert "0 to 9" in data_panel.last_error()
    assert not data_panel.set_own_points(np.zeros((3, 2)), np.zeros(3), "regression")
    assert not data_panel.is_own_data()


def test_locked_panel_takes_no_clicks(qtbot, data_panel):
    choose(qtbot, data_panel.kind_combo, "own")
    data_panel.set_locked(True)
    assert not data_panel.add_point(0, 0) and not data_panel.kind_combo.isEnabled()
    data_panel.set_locked(False)
    assert data_panel.add_point(0, 0) and data_panel.kind_combo.isEnabled()


def test_every_dataset_control_explains_itself(data_panel):
    controls = [data_panel.kind_combo, data_panel.size_spin, data_panel.noise_spin, data_panel.test_spin,
                data_panel.seed_spin, data_panel.classes_spin, data_panel.regenerate_button,
                data_panel.own_task_combo, data_panel.class_combo, data_panel.clear_button,
                data_panel.import_button, data_panel.export_button, *data_panel.feature_checks.values()]
    assert all(len(c.toolTip()) > 20 for c in controls)


# --- builder -------------------------------------------------------------------------------------

def hidden(spec: NetworkSpec) -> list:
    return list(spec.layers[:-1])


def test_add_remove_and_move_layers_by_clicking(qtbot, builder):
    assert hidden(builder.network_spec()) == [dense(4, "relu")]
    with qtbot.waitSignal(builder.network_changed) as signal:
        qtbot.mouseClick(builder.add_button, LEFT)
    assert hidden(signal.args[0]) == [dense(4, "relu"), dense(4, "relu")]
    assert builder.layer_list.count() == 2 and builder.layer_list.currentRow() == 1
    type_into(qtbot, builder.units_spin, "7")
    assert hidden(builder.network_spec())[1] == dense(7, "relu")
    assert "7 neurons" in builder._row_widget(1).label.text()
    qtbot.mouseClick(builder.up_button, LEFT)
    assert hidden(builder.network_spec()) == [dense(7, "relu"), dense(4, "relu")]
    assert not builder.up_button.isEnabled() and builder.down_button.isEnabled()
    qtbot.mouseClick(builder.down_button, LEFT)
    assert hidden(builder.network_spec()) == [dense(4, "relu"), dense(7, "relu")]
    with qtbot.waitSignal(builder.network_changed) as signal:
        qtbot.mouseClick(builder.remove_button, LEFT)
    assert hidden(signal.args[0]) == [dense(4, "relu")]
    qtbot.mouseClick(builder.remove_button, LEFT)
    assert hidden(builder.network_spec()) == [] and not builder.remove_button.isEnabled()
    assert builder.network_spec().validate().layers == (dense(1, "sigmoid"),)


def test_other_kinds_of_layer_from_the_add_menu_and_the_editor(qtbot, builder):
    builder.add_actions["dropout"].trigger()
    assert builder.network_spec().layers[1].kind == "dropout"
    assert builder.network_spec().layers[1].rate == 0.2
    type_into(qtbot, builder.rate_spin, "0.99")  # above 0.95 cannot be typed
    rate = builder.network_spec().layers[1].rate
    assert 0 <= rate <= 0.95 and builder.rate_spin.value() <= 0.95
    with qtbot.waitSignal(builder.network_changed) as signal:
        choose(qtbot, builder.kind_combo, "batchnorm")
    assert signal.args[0].layers[1].kind == "batchnorm" and "BatchNormalization" in builder.summary.text()
    assert builder._row_widget(1).label.text() == "Batch normalization"
    choose(qtbot, builder.kind_combo, "activation")
    choose(qtbot, builder.activation_combo, text="tanh")
    assert builder.network_spec().layers[1].describe() == "Activation(tanh)"
    builder.network_spec().validate()


def test_units_cannot_be_zero_or_above_1024(qtbot, builder):
    builder.layer_list.setCurrentRow(0)
    type_into(qtbot, builder.units_spin, "0")
    assert builder.network_spec().layers[0].units >= 1 and builder.units_spin.value() >= 1
    type_into(qtbot, builder.units_spin, "5000")
    assert 1 <= builder.network_spec().layers[0].units <= 1024
    type_into(qtbot, builder.l2_spin, "-1")
    assert builder.network_spec().layers[0].l2 >= 0
    builder.network_spec().validate()


def test_plus_and_minus_buttons_on_a_layer_row(qtbot, builder):
    row = builder._row_widget(0)
    with qtbot.waitSignal(builder.network_changed) as signal:
        qtbot.mouseClick(row.plus, LEFT)
    assert signal.args[0].layers[0].units == 5
    for _ in range(4):
        qtbot.mouseClick(row.minus, LEFT)
    assert builder.network_spec().layers[0].units == 1 and not row.minus.isEnabled()
    assert builder.units_spin.value() == 1


def test_output_layer_follows_the_data(qtbot, builder):
    builder.set_io((2,), ("x1", "x2"), "binary", 2)
    assert builder.network_spec().layers[-1] == dense(1, "sigmoid") and builder.loss() == "binary_crossentropy"
    with qtbot.waitSignal(builder.network_changed) as signal:
        builder.set_io((3,), ("x1", "x2", "x1^2"), "multiclass", 4)
    spec = signal.args[0]
    assert spec.layers[-1] == dense(4, "softmax") and spec.input_shape == (3,)
    assert spec.features == ("x1", "x2", "x1^2") and builder.loss() == "sparse_categorical_crossentropy"
    assert "Input: 3 features" in builder.input_label.text()
    builder.set_io((1,), (), "regression", 0)
    spec = builder.network_spec().validate()
    assert spec.layers[-1] == dense(1, "linear") and spec.input_shape == (1,) and spec.features == ()
    assert builder.loss() == "mse"
    builder.set_io((28, 28), (), "multiclass", 10)
    spec = builder.network_spec().validate()
    assert spec.layers[0].kind == "flatten" and spec.layers[-1] == dense(10, "softmax")
    assert "28×28 image" in builder.input_label.text()


def test_output_activation_can_be_changed_with_a_warning(qtbot, builder):
    builder.set_io((1,), (), "regression", 0)
    with qtbot.waitSignal(builder.network_changed) as signal:
        choose(qtbot, builder.output_activation_combo, text="sigmoid")
    assert signal.args[0].layers[-1] == dense(1, "sigmoid")
    assert builder.output_warning.isVisible() and "linear" in builder.output_warning.text()
    choose(qtbot, builder.output_activation_combo, text="linear")
    assert not builder.output_warning.isVisible()
    builder.set_io((1,), (), "regression", 0)  # same task: the choice stays
    assert builder.network_spec().layers[-1].activation == "linear"


@pytest.mark.parametrize("preset_id", ["overfit-batchnorm", "overfit-dropout", "mnist-mlp", "xor-feature",
                                       "vanishing-gradient"])
def test_a_presets_network_is_shown_exactly(qtbot, builder, preset_id):
    network = lessons.get(preset_id).network
    with qtbot.waitSignal(builder.network_changed):
        assert builder.set_network(network)
    assert builder.network_spec() == network
    assert builder.layer_list.count() == len(network.layers) - 1 - (network.layers[0].kind == "flatten")


def test_loss_follows_a_preset_network_after_its_data(qtbot, builder):
    builder.set_io((1,), (), "regression", 0)
    builder.set_network(lessons.get("overfit-plain").network)
    assert builder.loss() == "mse"
    builder.set_network(lessons.get("mnist-mlp").network)
    assert builder.loss() == "sparse_categorical_crossentropy"


def test_parameter_count_of_the_2_2_1_network(qtbot, builder):
    builder.set_network(lessons.get("looking-at-parameters").network)
    assert count_parameters(builder.network_spec()) == 9
    assert "9 trainable parameters" in builder.summary.text()
    assert "Input(2) → Dense(2, sigmoid) → Dense(1, sigmoid)" in builder.summary.text()
    builder.set_network(lessons.get("mnist-mlp").network)
    assert count_parameters(builder.network_spec()) == 784 * 100 + 100 + 100 * 10 + 10
    builder.set_network(lessons.get("overfit-batchnorm").network)
    assert count_parameters(builder.network_spec()) == (
        60 + 60 + 3100 + 200 + 10100 + 200 + 3030 + 60 + 31)


def test_locked_builder_cannot_be_edited(qtbot, builder):
    builder.set_locked(True)
    with qtbot.assertNotEmitted(builder.network_changed):
        qtbot.mouseClick(builder.add_button, LEFT)
        qtbot.mouseClick(builder._row_widget(0).plus, LEFT)
    assert not builder.editor_box.isEnabled() and not builder.output_activation_combo.isEnabled()
    builder.set_locked(False)
    qtbot.mouseClick(builder.add_button, LEFT)
    assert builder.layer_list.count() == 2


def test_a_network_too_big_for_the_editor_is_clamped_with_a_note(qtbot, builder):
    assert builder.set_network(NetworkSpec((2,), (dense(5000, "relu"), dense(1, "sigmoid"))))
    assert builder.network_spec().layers[0].units == 1024 and "1024" in builder.last_error()
    assert builder.message.isVisible()


def test_every_builder_control_explains_itself(builder):
    controls = [builder.add_button, builder.remove_button, builder.up_button, builder.down_button,
                builder.kind_combo, builder.units_spin, builder.activation_combo, builder.rate_spin,
                builder.l1_spin, builder.l2_spin, builder.output_activation_combo, builder.layer_list,
                builder._row_widget(0).plus, builder._row_widget(0).minus]
    assert all(len(c.toolTip()) > 10 for c in controls)


# --- training panel ------------------------------------------------------------------------------

def test_play_pause_step_stop_follow_the_state(qtbot, training):
    assert training.play_button.text() == "Play" and not training.stop_button.isEnabled()
    with qtbot.waitSignal(training.play_requested):
        qtbot.mouseClick(training.play_button, LEFT)
    training.set_state("running")
    assert training.play_button.text() == "Pause"
    assert not training.step_button.isEnabled() and not training.reset_button.isEnabled()
    assert training.stop_button.isEnabled() and not training.optimizer_combo.isEnabled()
    assert training.rate_combo.isEnabled() and training.batch_spin.isEnabled()
    with qtbot.waitSignal(training.pause_requested), qtbot.assertNotEmitted(training.play_requested):
        qtbot.mouseClick(training.play_button, LEFT)
    training.set_state("paused")
    assert training.play_button.text() == "Play" and training.step_button.isEnabled()
    with qtbot.waitSignal(training.step_requested):
        qtbot.mouseClick(training.step_button, LEFT)
    with qtbot.waitSignal(training.stop_requested):
        qtbot.mouseClick(training.stop_button, LEFT)
    training.set_state("finished")
    assert not training.stop_button.isEnabled() and training.reset_button.isEnabled()
    with qtbot.waitSignal(training.play_requested):
        qtbot.mouseClick(training.play_button, LEFT)
    training.set_state("idle")
    assert training.optimizer_combo.isEnabled() and training.seed_spin.isEnabled()
    training.set_status("Epoch 3 of 10")
    assert training.status_label.text() == "Epoch 3 of 10"
    with pytest.raises(ValueError):
        training.set_state("flying")


def test_play_and_pause_icons_differ(training):
    play = training.play_button.icon().pixmap(16, 16).toImage()
    training.set_state("running")
    pause = training.play_button.icon().pixmap(16, 16).toImage()
    assert play != pause


def test_reset_keeps_or_renews_the_starting_weights(qtbot, training):
    type_into(qtbot, training.seed_spin, "42")
    with qtbot.waitSignal(training.reset_requested) as signal:
        qtbot.mouseClick(training.reset_button, LEFT)
    assert signal.args == [True] and training.train_spec("mse").seed == 42
    click_check(qtbot, training.keep_weights_check)
    assert not training.keep_weights_check.isChecked()
    with qtbot.waitSignal(training.reset_requested) as signal:
        qtbot.mouseClick(training.reset_button, LEFT)
    assert signal.args == [False] and training.train_spec("mse").seed != 42


def test_learning_rate_from_the_list_or_typed(qtbot, training):
    with qtbot.waitSignal(training.learning_rate_changed) as signal:
        choose(qtbot, training.rate_combo, text="0.3")
    assert signal.args == [0.3]
    line = training.rate_combo.lineEdit()
    line.setFocus()
    line.selectAll()
    with qtbot.waitSignal(training.learning_rate_changed) as signal:
        qtbot.keyClicks(line, "0.005")
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert signal.args == [0.005] and training.train_spec("mse").learning_rate == 0.005


@pytest.mark.parametrize("typed", ["abc", "0", "-1", "500", "nan"])
def test_a_learning_rate_that_is_not_one_is_refused_visibly(qtbot, training, typed):
    line = training.rate_combo.lineEdit()
    line.setFocus()
    line.selectAll()
    with qtbot.assertNotEmitted(training.learning_rate_changed):
        qtbot.keyClicks(line, typed)
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert typed in training.last_error() and training.message.isVisible()
    assert training.train_spec("binary_crossentropy").learning_rate == 0.01
    line.selectAll()
    qtbot.keyClicks(line, "0.1")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert training.last_error() == "" and not training.message.isVisible()


def test_batch_size_is_sent_at_once_and_limited(qtbot, training):
    training.set_state("running")
    with qtbot.waitSignal(training.batch_size_changed) as signal:
        type_into(qtbot, training.batch_spin, "64")
    assert signal.args == [64]
    type_into(qtbot, training.batch_spin, "0")
    assert training.train_spec("mse").batch_size >= 1
    type_into(qtbot, training.epochs_spin, "0")
    assert training.train_spec("mse").epochs >= 1


def test_speed_is_offered_in_steps_and_sent_at_once(qtbot, training):
    sent = []
    training.speed_changed.connect(sent.append)
    assert training.speed() is None  # full speed, as a student expects at first
    training.change_speed(-1)
    training.change_speed(-1)
    assert training.speed() == 100.0 and sent == [1000.0, 100.0]
    for _ in range(10):
        training.change_speed(-1)
    assert training.speed() == 1.0  # the slowest there is
    training.set_speed(40)
    assert training.speed() == 10.0 or training.speed() == 100.0
    training.set_speed(900)
    assert training.speed() == 1000.0
    for bad in (None, 0, -5, float("nan"), "fast"):
        training.set_speed(bad)
        assert training.speed() is None
    mnist_panel = TrainingPanel(speed=False)  # an MNIST epoch takes seconds: no speed box there
    qtbot.addWidget(mnist_panel)
    mnist_panel.change_speed(-2)
    assert mnist_panel.speed() is None and not mnist_panel.speed_combo.isVisibleTo(mnist_panel)


def test_set_train_and_train_spec_round_trip(qtbot, training):
    for preset_id in ("logistic-regression", "overfit-plain", "vanishing-gradient", "mnist-mlp"):
        spec = lessons.get(preset_id).train
        with qtbot.assertNotEmitted(training.learning_rate_changed):
            assert training.set_train(spec)
        assert training.train_spec(spec.loss) == spec
    custom = TrainSpec("rmsprop", 0.0003, 7, 123, "mse", seed=99, shuffle=False)
    training.set_train(custom)
    assert training.train_spec("mse") == custom
    assert training.optimizer_combo.currentText() == "RMSprop" and training.rate_combo.currentText() == "0.0003"
    assert "mean squared error" in training.loss_label.text()


def test_training_settings_beyond_the_panel_are_refused_visibly(qtbot, training):
    assert not training.set_train(TrainSpec(optimizer="sgd", learning_rate=500.0, batch_size=7, epochs=3))
    assert "learning rate 500" in training.last_error() and training.message.isVisible()
    taken = training.train_spec("mse")  # the rate is refused; the other settings are taken
    assert taken == TrainSpec(optimizer="sgd", learning_rate=0.01, batch_size=7, epochs=3, loss="mse")
    assert not training.set_train(TrainSpec(optimizer="lbfgs"))  # what the core refuses changes nothing
    assert training.train_spec("mse") == taken
    assert training.set_train(TrainSpec(learning_rate=100.0))  # 100 is taken: divergence is a lesson
    assert training.last_error() == "" and training.train_spec("mse").learning_rate == 100.0


def test_every_training_control_explains_itself(training):
    controls = [training.optimizer_combo, training.rate_combo, training.batch_spin, training.epochs_spin,
                training.seed_spin, training.shuffle_check, training.play_button, training.step_button,
                training.stop_button, training.reset_button, training.keep_weights_check]
    assert all(len(c.toolTip()) > 20 for c in controls)
    assert "too small" in training.rate_combo.toolTip()


def test_every_activation_is_offered_with_its_curve_and_initial_weights_per_layer(qtbot, builder):
    from annstudio.core.spec import ACTIVATIONS

    builder.layer_list.setCurrentRow(0)
    assert [builder.activation_combo.itemText(i) for i in range(builder.activation_combo.count())] == \
        list(ACTIVATIONS)
    choose(qtbot, builder.activation_combo, text="sigmoid")
    assert builder.activation_curve.isVisible() and builder.activation_curve.title() == "sigmoid: g′ ≤ 0.25"
    choose(qtbot, builder.activation_combo, text="sine")
    assert builder.activation_curve.title() == "sine: |g′| ≤ 1"
    assert not builder.init_value_spin.isVisible()  # only for a constant
    with qtbot.waitSignal(builder.network_changed) as signal:
        choose(qtbot, builder.init_combo, data="constant")
    assert signal.args[0].layers[0].initializer == "constant"
    assert builder.init_value_spin.isVisible()
    builder.init_value_spin.setValue(0.5)
    assert builder.network_spec().layers[0] == dense(4, "sine", initializer="constant", init_value=0.5)
    assert "constant 0.5" in builder._row_widget(0).label.text()
    choose(qtbot, builder.output_init_combo, data="zeros")
    assert builder.network_spec().layers[-1].initializer == "zeros"
    builder.set_locked(True)
    assert not builder.output_init_combo.isEnabled()
    builder.set_locked(False)
    builder.set_network(builder.network_spec())  # a preset's network shows its choices again
    assert builder.init_combo.currentData() == "constant" and builder.init_value_spin.value() == 0.5
    builder.activation_curve.grab()  # paints without an error
