"""Legacy .h5 models in the window: File › Open model offers them, drag and drop and recent files take them,
and a bad one is a dialog with one sentence that leaves everything as it was."""
from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from annstudio.core.spec import NetworkSpec, batchnorm, dense, dropout, flatten
from annstudio.gui.app import MainWindow

from test_bad_input_matrix_gui import _one_window, dialog_says, menu, shared, what_the_user_has  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "h5"
TIMEOUT = 60000


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def _idle(qtbot, p) -> None:
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=TIMEOUT)


def _drop(window, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def test_open_model_offers_h5_and_opens_the_lectures_keras_2_file(window, qtbot, tmp_path, monkeypatch):
    """The lecture's regression network (Dense(input_shape=(1,)), BatchNormalization, Dropout), saved by tf.keras
    2.15: File › Open model offers .h5, and the playground shows the file's network with the file's weights."""
    path = Path(shutil.copyfile(FIXTURES / "k2_regression_bn.h5", tmp_path / "fit.h5"))
    offered = []
    monkeypatch.setattr(window.files, "ask_open", lambda caption, filters: offered.append(filters) or str(path))
    next(a for a in window.file_menu.actions() if a.text().replace("&", "") == "Open model…").trigger()
    p = window.playground
    assert "Opened fit.h5" in window.statusBar().currentMessage()
    _idle(qtbot, p)
    assert "*.h5" in offered[0] and "*.hdf5" in offered[0] and "*.keras" in offered[0]
    assert p.network_spec() == NetworkSpec((1,), (dense(6, "tanh"), batchnorm(), dropout(0.1), dense(1)), ())
    weights = dict(p.latest_report().weights)
    with h5py.File(path) as f:  # Keras 2's names: dense_2/kernel:0, batch_normalization/moving_variance:0
        kernel = np.asarray(f["model_weights/dense_2/dense_2/kernel:0"])
        variance = np.asarray(f["model_weights/batch_normalization/batch_normalization/moving_variance:0"])
    np.testing.assert_array_equal(weights["dense_1"][0], kernel)
    np.testing.assert_array_equal(weights["batchnorm_1"][3], variance)
    assert window.files.recent()[0] == str(path)
    p.shutdown()


def _drag_enter_accepted(window, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(event)
    return event.isAccepted()


def test_an_h5_digit_reader_dropped_on_the_window_opens_in_the_mnist_tab(window, qtbot, tmp_path):
    path = Path(shutil.copyfile(FIXTURES / "k2_mnist_mlp.h5", tmp_path / "digits.h5"))
    assert _drag_enter_accepted(window, path) and _drag_enter_accepted(window, tmp_path / "old.HDF5")
    assert not _drag_enter_accepted(window, tmp_path / "notes.txt")
    _drop(window, path)
    m = window.mnist
    assert window.tabs.currentWidget() is m and not m.prediction_only()
    assert m.network_spec() == NetworkSpec((28, 28), (flatten(), dense(4, "relu"), dense(10, "softmax")), ())
    window.files.open_path(str(FIXTURES / "k3_convnet.h5"))  # a convnet: prediction only, saved as .keras
    assert m.prediction_only() and m.keras_name() == "k3_convnet.h5"
    suggested = []
    window.files.ask_save = lambda caption, filters, name: suggested.append((filters, name)) or ""
    window.files.save_model()
    assert suggested == [("Keras models (*.keras)", "k3_convnet.keras")]
    recent = [a for a in window.files.recent_menu.actions()]
    assert [a.text() for a in recent][:2] == ["k3_convnet.h5", "digits.h5"]
    recent[1].trigger()  # Open recent › digits.h5
    assert not m.prediction_only() and m.network_spec().layers[1] == dense(4, "relu")
    m.shutdown()


@pytest.mark.parametrize("name, words", [
    ("k2_lambda.h5", "was refused: it contains code (a Lambda layer)"),
    ("k2_weights_only.h5", "holds only weights (saved with save_weights), not a whole model"),
    ("k2_imagenet_shape.h5", "takes inputs of shape 224×224×3"),
    ("truncated.h5", "is damaged: the file ends too early"),
])
def test_a_bad_h5_is_one_sentence_and_changes_nothing(name, words, shared, tmp_path, monkeypatch):
    window = shared
    path = tmp_path / name
    if name == "truncated.h5":
        data = (FIXTURES / "k2_lecture_xor.h5").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        shutil.copyfile(FIXTURES / name, path)
    before = what_the_user_has(window)
    menu(window, "Open model…", monkeypatch, path)
    text = dialog_says(window, words)
    assert text.startswith(f"Could not open {name}: ")
    assert what_the_user_has(window) == before
