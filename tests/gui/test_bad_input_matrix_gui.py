"""The bad-input matrix (issue 7), GUI half: the real window, driven the way a student drives it.

"dialog" means the window's warning dialog and its status bar both show the sentence; "kept" means what the
user had (network, settings, data, the file on disk) is unchanged afterwards; every training test ends with
no training thread left running (tests/conftest.py checks it). The headless half, and the file factories
reused here, are in ``tests/test_bad_input_matrix.py``.

case                                   expected answer                                              test
--------------------------------------------------------------------------------------------------------
**File › Open model…**                 dialog naming the file; the network is kept
model: empty                           "… is empty"                                                 test_open_bad_model[empty]
model: random bytes                    "… is not a Keras model file"                                test_open_bad_model[random-bytes]
model: truncated                       "… is damaged: the file ends too early"                      test_open_bad_model[truncated]
model: zip that is not Keras           "… has no config.json"                                       test_open_bad_model[zip-not-keras]
model: Lambda layer                    "… contains code (a Lambda layer)"                           test_open_bad_model[lambda-layer]
model: custom objects                  "… needs custom code"                                        test_open_bad_model[custom-object]
model: input does not fit the data     "… takes inputs of shape (5,)"                               test_open_model_that_does_not_fit[input-5]
model: 28x28 input, 5 outputs          "… reads 28×28 images but gives 5 outputs"                   test_open_model_that_does_not_fit[mnist-5-outputs]
model: 1 input, 3 class outputs        "… takes one number but gives 3 outputs"; network kept       test_open_a_one_input_model_with_three_class_outputs
not a model nor a workspace (drop)     "… is neither a Keras model (.keras, .h5) nor a workspace"  test_drop_a_file_of_another_kind
**File › Open workspace…**             dialog naming the file; network, settings and data kept
workspace: empty                       "… is empty"                                                 test_open_bad_workspace[empty]
workspace: random bytes                "… not a readable ANN Studio workspace"                      test_open_bad_workspace[random-bytes]
workspace: truncated                   "… not a readable ANN Studio workspace"                      test_open_bad_workspace[truncated]
workspace: corrupt                     "… not a readable ANN Studio workspace (damaged"             test_open_bad_workspace[corrupt]
workspace: newer format version        "… saved by a newer ANN Studio (format 2)"                   test_open_bad_workspace[newer-version]
workspace: missing field               "… lacks the network"                                        test_open_bad_workspace[missing-network]
workspace: 0 units (hand-edited)       "… units must be a whole number ≥ 1"                         test_open_bad_workspace[units-0]
workspace: learning rate 1000          the panel says so; the other settings are used               test_open_workspace_with_learning_rate_1000
**MNIST tab › Open file**              dialog and data label; a loaded MNIST stays loaded
mnist: random bytes                    "… is not a readable MNIST .npz file"                        test_open_bad_mnist_file[random-bytes]
mnist: truncated                       "… is not a readable MNIST .npz file"                        test_open_bad_mnist_file[truncated]
mnist: wrong arrays                    "… it lacks x_train"                                         test_open_bad_mnist_file[wrong-arrays]
mnist: wrong shape                     "… has shape (5, 28, 27)"                                    test_open_bad_mnist_file[wrong-shape]
mnist: wrong dtype                     "… holds float32, not uint8"                                 test_open_bad_mnist_file[wrong-dtype]
**typed into the builder**             the field keeps a valid value (its tooltip gives the range); the network stays valid
0 units                                units stay ≥ 1                                               test_builder_refuses_invalid_values[units-0]
empty units field                      units unchanged                                              test_builder_refuses_invalid_values[units-empty]
dropout 1.5                            rate ≤ 0.95                                                  test_builder_refuses_invalid_values[dropout-1.5]
negative L2 penalty                    L2 ≥ 0                                                       test_builder_refuses_invalid_values[l2-negative]
**typed into the training settings**   red message under the settings; the learning rate in use is kept
negative learning rate                 "“-0.5” is not a learning rate …"                            test_training_settings_refuse_invalid_values[rate-negative]
empty learning rate                    "“” is not a learning rate …"                                test_training_settings_refuse_invalid_values[rate-empty]
learning rate 1000                     "“1000” is not a learning rate: … from 0.00001 to 100"       test_training_settings_refuse_invalid_values[rate-1000]
learning rate "fast"                   "“fast” is not a learning rate …"                            test_training_settings_refuse_invalid_values[rate-text]
batch size 0 / epochs 0                the fields stay ≥ 1                                          test_training_settings_refuse_invalid_values[batch-and-epochs-0]
**training**
divergence (learning rate 100, SGD)    dialog "… diverged … try a smaller learning rate"; the       test_divergence_explains_and_keeps_the_last_good_weights
                                       weights shown are the last good ones, all finite
start twice                            one thread; the second start does nothing                    test_start_twice_runs_one_training
stop during the first epoch            "Stopped after 3 batches, in epoch 1"; weights of batch 3    test_stop_during_the_first_epoch
reset while training                   stops and joins at once; epoch 0, no history, idle           test_reset_while_training
close the window while training        the worker stops and is joined; no hang, no crash           test_close_while_training
**saving** (previous file kept)
save model before there is one         dialog "There is no network to save yet"                     test_save_model_before_there_is_one
model into a read-only folder          dialog "… not saved: … Permission denied"; kept              test_save_model_into_a_read_only_folder
workspace onto a full disk             dialog "… not saved: … No space left on device"; kept        test_save_workspace_onto_a_full_disk
while training                         saved (the report's weights); a failing save while           test_save_while_training
                                       training keeps the previous file
"""
from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from annstudio.core import lessons
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense
from annstudio.core.workspace import Workspace, save_workspace
from annstudio.gui.app import MainWindow
from annstudio.gui.builder import BuilderPanel
from annstudio.gui.training_panel import TrainingPanel
from annstudio.gui.worker import running_threads

from test_bad_input_matrix import (MNIST_CASES, MODEL_CASES, WORKSPACE_CASES, _edit_json, _layer, _read_only,
                                   _half_saved, _rezip, good_files)
from test_panels import type_into

# Opening a combo's list or a dialog on the offscreen platform: harmless notes of the platform, not of ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")

TIMEOUT = 60000
#: The training tests' experiment: the lecture's 10 regression points and a 1-3-1 network (a 1-D network
#: compiles in a fraction of the time a 2-D one with its decision surface and neuron maps needs).
POINTS = DataSpec("lecture-points")
SMALL_NET = NetworkSpec(input_shape=(1,), layers=(dense(3, "tanh"), dense(1, "linear")), features=())
SLOW_ADAM = TrainSpec("adam", 0.01, 32, 100000, "mse")


# --------------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return good_files(tmp_path_factory)


@pytest.fixture(scope="module")
def _one_window(qapp):
    """One window for the refusals: they must leave it as it was, so each test can start from it."""
    w = MainWindow(restore=False)
    w.show()
    w.playground.shutdown()  # no first picture of the network: refusals need no training thread
    yield w
    w.close()


@pytest.fixture
def shared(_one_window):
    """The refusals' window, with no dialog open and nothing in the status bar."""
    for box in _one_window.findChildren(QMessageBox):
        box.close()
    _one_window.statusBar().clearMessage()
    _one_window.tabs.setCurrentWidget(_one_window.playground)
    return _one_window


@pytest.fixture
def window(qtbot):
    """A window of its own, for tests that train or change what is shown."""
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def _idle(qtbot, p) -> None:
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=TIMEOUT)


def load(qtbot, w, data=POINTS, network=SMALL_NET, train=SLOW_ADAM, wait=True):
    """A small experiment in the playground; ``wait``: until its untrained picture is shown."""
    assert w.load_preset_object(lessons.Preset("matrix", "matrix", data, network, train))
    if wait:
        _idle(qtbot, w.playground)
    return w.playground


def _running(qtbot, p) -> None:
    p.play()
    qtbot.waitUntil(lambda: p.latest_report() is not None and p.latest_report().epoch >= 1, timeout=TIMEOUT)
    assert p.session.is_running() and p.state() == "running"


def dialog_says(w, words: str, status: bool = True) -> str:
    """The window's warning dialog is up with ``words`` (and the status bar says the same)."""
    boxes = [box for box in w.findChildren(QMessageBox) if box.isVisible()]
    assert boxes, "no dialog is shown"
    text = boxes[-1].text()
    assert words in text, text
    assert words in w.last_error() and "Traceback" not in text
    if status:
        assert words in w.statusBar().currentMessage()
    return text


def what_the_user_has(w) -> tuple:
    p = w.playground
    return p.network_spec(), p.train_spec(), p.data_panel.data_spec(), w.tabs.currentIndex()


def menu(w, text: str, monkeypatch, path=None):
    """Choose File › ``text``; the file dialog answers ``path``."""
    monkeypatch.setattr(w.files, "ask_open", lambda caption, filters: str(path))
    monkeypatch.setattr(w.files, "ask_save", lambda caption, filters, suggested: str(path))
    action = next(a for a in w.file_menu.actions() if a.text().replace("&", "") == text)
    action.trigger()


def _finite(weights) -> bool:
    return all(np.isfinite(np.asarray(a)).all() for _, arrays in weights for a in arrays)


# --------------------------------------------------------------------------------------------------
# File › Open model…


@pytest.mark.parametrize("case", ["empty", "random-bytes", "truncated", "zip-not-keras", "lambda-layer",
                                  "custom-object"])
def test_open_bad_model(case, shared, files, tmp_path, monkeypatch):
    window = shared
    make, words = MODEL_CASES[case]
    path = tmp_path / f"{case}.keras"
    make(path, files)
    before = what_the_user_has(window)
    menu(window, "Open model…", monkeypatch, path)
    text = dialog_says(window, words)
    assert text.startswith(f"Could not open {path.name}: ")
    if case == "empty":  # the file's name as it is, not capitalised as a sentence would be
        assert f": {path.name} is empty" in text
    assert what_the_user_has(window) == before


def _model(path: Path, input_shape, *layers) -> None:
    keras.Sequential([keras.Input(input_shape), *layers]).save(path)


@pytest.mark.parametrize("case, make, words", [
    pytest.param("input-5", lambda p: _model(p, (5,), keras.layers.Dense(1, activation="sigmoid")),
                 "takes inputs of shape (5,)", id="input-5"),
    pytest.param("mnist-5-outputs", lambda p: _model(p, (28, 28), keras.layers.Flatten(),
                                                     keras.layers.Dense(5, activation="softmax")),
                 "reads 28×28 images but gives 5 outputs", id="mnist-5-outputs"),
])
def test_open_model_that_does_not_fit(case, make, words, shared, tmp_path, monkeypatch):
    window = shared
    path = tmp_path / f"{case}.keras"
    make(path)
    before = what_the_user_has(window)
    menu(window, "Open model…", monkeypatch, path)
    text = dialog_says(window, words)
    assert path.name in text
    assert what_the_user_has(window) == before


def test_open_a_one_input_model_with_three_class_outputs(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "three.keras"
    _model(path, (1,), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(3, activation="softmax"))
    before = what_the_user_has(window)
    menu(window, "Open model…", monkeypatch, path)
    try:
        assert "three.keras takes one number but gives 3 outputs" in window.last_error()
        assert what_the_user_has(window) == before
    finally:
        window.playground.shutdown()


def test_drop_a_file_of_another_kind(shared, tmp_path):
    window = shared
    path = tmp_path / "notes.txt"
    path.write_text("not a model")
    before = what_the_user_has(window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    dialog_says(window, "notes.txt is neither a Keras model (.keras, .h5) nor a workspace (.annws)")
    assert what_the_user_has(window) == before


# --------------------------------------------------------------------------------------------------
# File › Open workspace…


WORKSPACE_GUI_CASES = {**{case: WORKSPACE_CASES[case][:2] for case in
                          ("empty", "random-bytes", "truncated", "corrupt", "newer-version", "missing-network")},
                       "units-0": (lambda p, g: _rezip(g["workspace"], p, _edit_json(_layer(0, units=0))),
                                   "units must be a whole number ≥ 1, not 0")}


@pytest.mark.parametrize("case", list(WORKSPACE_GUI_CASES))
def test_open_bad_workspace(case, shared, files, tmp_path, monkeypatch):
    window = shared
    make, words = WORKSPACE_GUI_CASES[case]
    path = tmp_path / f"{case}.annws"
    make(path, files)
    before = what_the_user_has(window)
    menu(window, "Open workspace…", monkeypatch, path)
    text = dialog_says(window, words)
    assert text.startswith(f"Could not open {path.name}: ")
    if case == "empty":  # the file's name as it is, not capitalised as a sentence would be
        assert f": {path.name} is empty" in text
    assert what_the_user_has(window) == before


def test_open_workspace_with_learning_rate_1000(window, tmp_path, monkeypatch):
    """A workspace the core accepts (a learning rate > 0) but the panel cannot show (at most 100): the rate
    is refused in words, the workspace's other settings are taken."""
    preset = lessons.get("logistic-regression")
    train = replace(preset.train, optimizer="sgd", learning_rate=1000.0, batch_size=5, epochs=7)
    path = save_workspace(Workspace(preset.network, train, preset.data), tmp_path / "lr100.annws")
    menu(window, "Open workspace…", monkeypatch, path)
    p = window.playground
    assert "learning rate" in p.training.last_error() and p.training.message.isVisibleTo(window)
    shown = p.train_spec()
    assert (shown.optimizer, shown.batch_size, shown.epochs) == ("sgd", 5, 7)


# --------------------------------------------------------------------------------------------------
# MNIST tab › Open file


@pytest.mark.parametrize("case", ["random-bytes", "truncated", "wrong-arrays", "wrong-shape", "wrong-dtype"])
def test_open_bad_mnist_file(case, shared, qtbot, mnist_path, tmp_path, monkeypatch):
    window = shared
    make, words = MNIST_CASES[case]
    path = tmp_path / f"{case}.npz"
    make(path, mnist_path)
    m = window.mnist
    window.tabs.setCurrentWidget(m)
    if case == "truncated":  # the digits the student already has stay loaded
        assert m.set_data_path(str(mnist_path))
        qtbot.waitUntil(m.data_loaded, timeout=TIMEOUT)
    had = m.data_loaded()
    monkeypatch.setattr(m, "_ask_path", lambda: str(path))
    qtbot.mouseClick(m.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not m.is_loading(), timeout=TIMEOUT)
    text = dialog_says(window, words)
    assert path.name in text and words in m.data_label.text()
    assert m.data_loaded() == had


# --------------------------------------------------------------------------------------------------
# invalid values typed into the builder and the training settings


@pytest.fixture
def builder(qtbot) -> BuilderPanel:
    panel = BuilderPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.mark.parametrize("field, typed", [
    pytest.param("units", "0", id="units-0"),
    pytest.param("units", "", id="units-empty"),
    pytest.param("rate", "1.5", id="dropout-1.5"),
    pytest.param("l2", "-1", id="l2-negative"),
])
def test_builder_refuses_invalid_values(field, typed, builder, qtbot):
    if field == "rate":
        builder.add_layer("dropout")
    index = next(i for i, layer in enumerate(builder.network_spec().layers)
                 if layer.kind == ("dropout" if field == "rate" else "dense"))
    builder.layer_list.setCurrentRow(index)
    spin = getattr(builder, f"{field}_spin")
    before = getattr(builder.network_spec().layers[index], field)
    type_into(qtbot, spin, typed)
    after = getattr(builder.network_spec().layers[index], field)
    builder.network_spec().validate()
    assert spin.minimum() <= spin.value() <= spin.maximum() and after == spin.value()
    assert {"units": after >= 1, "rate": 0 <= after <= 0.95, "l2": after >= 0}[field]
    if typed in ("", "0"):
        assert after == before
    assert len(spin.toolTip()) > 20


@pytest.fixture
def training(qtbot) -> TrainingPanel:
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.mark.parametrize("typed", [
    pytest.param("-0.5", id="rate-negative"),
    pytest.param("", id="rate-empty"),
    pytest.param("1000", id="rate-1000"),
    pytest.param("fast", id="rate-text"),
    pytest.param(None, id="batch-and-epochs-0"),
])
def test_training_settings_refuse_invalid_values(typed, training, qtbot):
    if typed is None:
        type_into(qtbot, training.batch_spin, "0")
        type_into(qtbot, training.epochs_spin, "0")
        spec = training.train_spec("mse")
        assert spec.batch_size >= 1 and spec.epochs >= 1
        return
    line = training.rate_combo.lineEdit()
    line.setFocus()
    line.selectAll()
    with qtbot.assertNotEmitted(training.learning_rate_changed):
        if typed:
            qtbot.keyClicks(line, typed)
        else:
            qtbot.keyClick(line, Qt.Key.Key_Delete)
        qtbot.keyClick(line, Qt.Key.Key_Return)
    message = training.last_error()
    assert f"“{typed}” is not a learning rate" in message and "from 0.00001 to 100" in message
    assert training.message.isVisible() and training.message.text() == message
    assert training.train_spec("mse").learning_rate == 0.01


# --------------------------------------------------------------------------------------------------
# training


def test_divergence_explains_and_keeps_the_last_good_weights(window, qtbot):
    """Learning rate 100 (the largest the panel takes) with plain SGD on the lecture's regression points:
    the loss explodes within a few epochs."""
    network = NetworkSpec(input_shape=(1,), layers=(dense(4, "tanh"), dense(1, "linear")), features=())
    p = load(qtbot, window, POINTS, network, TrainSpec("sgd", 0.01, 32, 500, "mse"), wait=False)
    line = p.training.rate_combo.lineEdit()
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "100")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert p.train_spec().learning_rate == 100
    qtbot.mouseClick(p.training.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not p.session.is_running() and p.state() != "running", timeout=TIMEOUT)
    text = dialog_says(window, "diverged", status=False)  # the status bar goes on to the last good epoch's figures
    assert "smaller learning rate" in text and "last good weights" in text
    report = p.latest_report()
    assert report is not None and report.epoch < 500 and _finite(report.weights)
    assert report.surface is None or np.isfinite(report.surface).all()
    model = p.session.trainer.model
    for name, arrays in report.weights:  # what is shown is what the model holds
        for shown, kept in zip(arrays, model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(shown, kept)
    assert all(np.isfinite(row["loss"]) for row in p.loss.rows())


def test_start_twice_runs_one_training(window, qtbot):
    p = load(qtbot, window, wait=False)
    p.play()
    p.play()  # Play again, before the first epoch: a second request, not a second training
    p.training.play_requested.emit()
    assert len(running_threads()) == 1 and p.state() == "running"
    assert not p.session.start(lambda: None), "one training at a time"
    qtbot.waitUntil(lambda: p.latest_report() is not None and p.latest_report().epoch >= 2, timeout=TIMEOUT)
    assert len(running_threads()) == 1
    p.stop()
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=TIMEOUT)


def test_stop_during_the_first_epoch(window, qtbot):
    p = load(qtbot, window, train=replace(SLOW_ADAM, batch_size=1), wait=False)  # 10 batches an epoch
    for batch in (1, 2, 3):
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # Train › Step one batch
        qtbot.waitUntil(lambda n=batch: p.latest_report() is not None and p.latest_report().batches == n,
                        timeout=TIMEOUT)
    partial = p.latest_report()
    assert partial.partial and partial.epoch == 0
    qtbot.keyClick(window, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)  # Train › Stop
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=TIMEOUT)
    assert "Stopped after 3 batches, in epoch 1" in window.statusBar().currentMessage()
    model = p.session.trainer.model
    for name, arrays in partial.weights:  # the model holds the weights after batch 3, nothing half-done
        for shown, kept in zip(arrays, model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(shown, kept)
    assert _finite(partial.weights) and p.state() == "idle"


def test_reset_while_training(window, qtbot):
    p = load(qtbot, window, wait=False)
    _running(qtbot, p)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Train › Reset
    assert running_threads() == [] and p.latest_report() is None  # stopped and joined, the old picture gone
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=TIMEOUT)
    assert p.latest_report().epoch == 0 and _finite(p.latest_report().weights)
    assert p.loss.rows() == [] and p.state() == "idle"


def test_close_while_training(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    p = load(qtbot, w, wait=False)
    _running(qtbot, p)
    w.close()
    assert running_threads() == [] and not p.session.is_running()
    assert not p.isEnabled()  # nothing can start a new run while the window goes


# --------------------------------------------------------------------------------------------------
# saving


def test_save_model_before_there_is_one(shared, tmp_path, monkeypatch):
    window = shared
    path = tmp_path / "early.keras"
    path.write_bytes(b"an older model")
    assert window.playground.latest_report() is None  # the window has just opened: no network made yet
    menu(window, "Save model…", monkeypatch, path)
    dialog_says(window, "There is no network to save yet")
    assert path.read_bytes() == b"an older model"


def test_save_model_into_a_read_only_folder(window, qtbot, tmp_path, monkeypatch):
    load(qtbot, window)
    folder = tmp_path / "handed-in"
    folder.mkdir()
    path = folder / "mine.keras"
    assert window.files.save_model(str(path))
    before = path.read_bytes()
    _read_only(folder, monkeypatch)
    try:
        menu(window, "Save model…", monkeypatch, path)
    finally:
        folder.chmod(stat.S_IRWXU)
    text = dialog_says(window, "Permission denied")
    assert text.startswith("The model was not saved: ")
    assert path.read_bytes() == before and os.listdir(folder) == ["mine.keras"]


def test_save_workspace_onto_a_full_disk(shared, tmp_path, monkeypatch):
    window = shared
    path = tmp_path / "mine.annws"
    menu(window, "Save workspace…", monkeypatch, path)
    before = path.read_bytes()
    from annstudio.core import workspace

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workspace.os, "fsync", full_disk)
    menu(window, "Save workspace…", monkeypatch, path)
    text = dialog_says(window, "No space left on device")
    assert text.startswith("The workspace was not saved: ")
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["mine.annws"]


def test_save_while_training(window, qtbot, tmp_path, monkeypatch):
    p = load(qtbot, window, wait=False)
    _running(qtbot, p)
    path = tmp_path / "live.keras"
    menu(window, "Save model…", monkeypatch, path)
    assert window.statusBar().currentMessage().startswith("Saved the model (epoch ")
    assert p.session.is_running()
    saved = path.read_bytes()
    assert keras.models.load_model(path).count_params() == 10
    monkeypatch.setattr(keras.Model, "save", _half_saved)  # the disk fills up half-way through the next save
    menu(window, "Save model…", monkeypatch, path)
    dialog_says(window, "No space left on device")
    assert path.read_bytes() == saved and os.listdir(tmp_path) == ["live.keras"]
    assert p.session.is_running()  # the failed save did not disturb the training
    p.stop()
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=TIMEOUT)
