"""File menu paths through the real window: models, workspaces, lessons, exports, drag and drop."""
import os
import stat

import keras
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from annstudio.core import lessons
from annstudio.core.workspace import load_workspace
from annstudio.gui.app import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.close()


def _idle(qtbot, p):
    """Settings changed: wait for the new network's first picture."""
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)


def _train(qtbot, p, epochs=3):
    p.training.epochs_spin.setValue(epochs)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)


def test_saved_model_loads_in_plain_keras_with_the_same_predictions(window, qtbot, tmp_path):
    p = window.playground
    _train(qtbot, p)
    path = tmp_path / "net.keras"
    assert window.files.save_model(str(path))
    model = keras.models.load_model(path)
    report = p.latest_report()
    xs, ys = report.surface_axes
    prediction = model.predict_on_batch(np.array([[xs[50], ys[120]]], dtype="float32"))[0, 0]
    assert prediction == pytest.approx(report.surface[120, 50], abs=1e-5)
    assert window.files.recent()[0] == str(path)


def test_a_plain_keras_model_opens_in_the_builder_and_trains_further(window, qtbot, tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="tanh", name="h"),
                              keras.layers.Dense(1, activation="sigmoid", name="o")])
    model.save(tmp_path / "plain.keras")
    p = window.playground
    assert window.files.open_path(str(tmp_path / "plain.keras"))
    assert p.network_spec().describe() == "Input(2) → Dense(3, tanh) → Dense(1, sigmoid)"
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None
                    and p.latest_report().layer_weights("dense_1")[0].shape == (2, 3), timeout=60000)
    np.testing.assert_allclose(p.latest_report().layer_weights("dense_1")[0], model.get_layer("h").get_weights()[0])
    _train(qtbot, p, epochs=2)
    assert p.latest_report().epoch == 2


def test_a_lambda_model_is_refused_and_nothing_changes(window, tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x + 1), keras.layers.Dense(1)])
    model.save(tmp_path / "evil.keras")
    before = window.playground.network_spec()
    assert not window.files.open_model(str(tmp_path / "evil.keras"))
    assert "contains code" in window.last_error()
    assert window.playground.network_spec() == before


def test_an_mnist_model_opens_on_the_canvas_and_a_misfit_is_refused(window, qtbot, tmp_path):
    from annstudio.core import build

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "reader.keras")
    assert window.files.open_model(str(tmp_path / "reader.keras"))
    assert window.tabs.currentWidget() is window.mnist
    assert window.mnist.network_spec().describe().endswith("Dense(32, relu) → Dense(10, softmax)")
    x = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    probabilities, _ = window.mnist.reader.read(x)  # the canvas reads with the opened model's weights
    np.testing.assert_allclose(probabilities, model.predict_on_batch(x), atol=1e-5)
    build.build_model(lessons.get("xor-hidden").network.__class__(input_shape=(5,), layers=(
        lessons.get("xor-hidden").network.layers[-1],), features=())).save(tmp_path / "five.keras")
    assert not window.files.open_model(str(tmp_path / "five.keras"))
    assert "(5,)" in window.last_error()


def test_workspace_round_trip_with_own_points_weights_and_history(window, qtbot, tmp_path):
    p = window.playground
    panel = p.data_panel
    panel.kind_combo.setCurrentIndex([panel.kind_combo.itemText(i) for i in range(panel.kind_combo.count())]
                                     .index("Your own data"))
    for x, y in ((1, 1), (2, 2), (-1, -2)):
        panel.add_point(float(x), float(y))
    _idle(qtbot, p)
    _train(qtbot, p, epochs=2)
    points = p.dataset().x_train.copy()
    test_points = p.dataset().x_test.copy()
    weights = p.latest_report().layer_weights("dense_1")[0].copy()
    path = tmp_path / "mine.annws"
    assert window.files.save_workspace(str(path))
    ws = load_workspace(path)
    assert ws.user_data and ws.epoch == 2 and len(ws.history) == 2

    window.load_preset("xor-hidden")
    _idle(qtbot, p)
    assert window.files.open_workspace(str(path))
    _idle(qtbot, p)
    d = p.dataset()
    assert len(d.x_train) == len(points)
    both = np.concatenate([d.x_train, d.x_test])
    np.testing.assert_allclose(np.sort(both, axis=0), np.sort(np.concatenate([points, test_points]), axis=0))
    assert [r["epoch"] for r in p.loss.rows()] == [1, 2]
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=60000)
    np.testing.assert_allclose(p.latest_report().layer_weights("dense_1")[0], weights, rtol=1e-6)
    _train(qtbot, p, epochs=1)
    assert [r["epoch"] for r in p.loss.rows()] == [1, 2, 3]  # goes on where it stopped


def test_a_workspace_from_a_newer_version_is_refused(window, tmp_path):
    import json
    import zipfile

    path = tmp_path / "new.annws"
    window.files.save_workspace(str(path))
    with zipfile.ZipFile(path) as z:
        doc = json.loads(z.read("workspace.json"))
        arrays = z.read("arrays.npz")
    doc["version"] = 99
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("workspace.json", json.dumps(doc))
        z.writestr("arrays.npz", arrays)
    assert not window.files.open_workspace(str(path))
    assert "newer ANN Studio" in window.last_error()


def test_saving_into_a_read_only_folder_keeps_the_old_file(window, tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    assert window.files.save_model(str(path))
    before = path.read_bytes()
    if os.geteuid() != 0:
        tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    else:  # root may write anywhere: make the folder refuse the way a read-only one does
        import annstudio.core.atomic as atomic

        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    try:
        assert not window.files.save_model(str(path))
        assert "not saved" in window.last_error() and "Permission denied" in window.last_error()
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert path.read_bytes() == before


def test_a_failing_save_keeps_the_old_file(window, tmp_path, monkeypatch):
    path = tmp_path / "w.annws"
    assert window.files.save_workspace(str(path))
    before = path.read_bytes()
    import annstudio.core.workspace as workspace

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workspace.os, "fsync", full_disk)
    assert not window.files.save_workspace(str(path))
    assert "No space left" in window.last_error()
    assert path.read_bytes() == before


def test_saving_while_training(window, qtbot, tmp_path):
    p = window.playground
    p.training.epochs_spin.setValue(100000)
    p.play()
    qtbot.waitUntil(lambda: len(p.loss.rows()) > 5, timeout=60000)
    assert window.files.save_model(str(tmp_path / "live.keras"))
    assert window.files.save_workspace(str(tmp_path / "live.annws"))
    p.stop()
    _idle(qtbot, p)
    assert keras.models.load_model(tmp_path / "live.keras").count_params() == 9
    assert load_workspace(tmp_path / "live.annws").epoch > 0


def test_exports_code_history_and_plot(window, qtbot, tmp_path):
    p = window.playground
    _train(qtbot, p, epochs=2)
    assert window.files.export_code(str(tmp_path / "train.py"))
    assert "model.fit(" in (tmp_path / "train.py").read_text()
    assert window.files.export_history(str(tmp_path / "h.csv"))
    assert (tmp_path / "h.csv").read_text().splitlines()[0].startswith("epoch,")
    assert window.files.export_plot(str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"


def test_dropping_a_file_opens_it(window, qtbot, tmp_path):
    path = tmp_path / "dropped.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="relu"),
                      keras.layers.Dense(1, activation="sigmoid")]).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.playground.network_spec().describe() == "Input(2) → Dense(5, relu) → Dense(1, sigmoid)"


def test_lessons_panel_loads_a_lesson_and_a_teachers_lesson_hides_controls(window, qtbot, tmp_path):
    p = window.playground
    window.lessons.preset_requested.emit("overfit-dropout")
    assert p.dataset().name == "lecture-points"
    _idle(qtbot, p)
    path = tmp_path / "lesson.annws"
    ok = window.save_as_lesson(("Dropout today", "Watch the curve stay smooth.", ["network"]), str(path))
    assert ok, window.last_error()
    window.load_preset("xor-hidden")
    _idle(qtbot, p)
    assert window.files.open_workspace(str(path))
    assert not p.builder.parentWidget().isVisibleTo(window) and p.data_panel.parentWidget().isVisibleTo(window)
    assert ("Dropout today", str(path)) in window.lessons.custom_lessons()
    _idle(qtbot, p)


def test_finished_runs_can_be_compared(window, qtbot):
    p = window.playground
    _train(qtbot, p, epochs=2)
    p.builder.add_layer("dense")
    _idle(qtbot, p)
    _train(qtbot, p, epochs=2)
    assert len(window.compare.runs()) == 2


def test_every_playground_plot_offers_png_and_svg_export(window):
    import pyqtgraph as pg

    p = window.playground
    for widget in (p.surface, p.loss, p.hidden_space, p.weights_plot):
        views = widget.findChildren(pg.GraphicsView)
        assert views
        for view in views:
            texts = [action.text() for action in view.scene().contextMenu]
            assert "Export PNG…" in texts and "Export SVG…" in texts
    loss_texts = [a.text() for v in p.loss.findChildren(pg.GraphicsView) for a in v.scene().contextMenu]
    assert "Export loss history CSV…" in loss_texts


def test_an_mnist_workspace_keeps_network_weights_history_and_drawings(window, qtbot, tmp_path, mnist_path):
    m = window.mnist
    window.tabs.setCurrentWidget(m)
    assert m.set_data_path(str(mnist_path))
    qtbot.waitUntil(m.data_loaded, timeout=60000)
    m.training.epochs_spin.setValue(1)
    m.play()
    qtbot.waitUntil(lambda: m.state() == "finished" and not m.session.is_running(), timeout=120000)
    drawing = np.zeros((2, 28, 28), np.float32)
    drawing[:, 4:24, 13:15] = 1.0
    m.reader.set_personal_set(drawing, np.array([1, 1]))
    weights = m.latest_report().layer_weights("dense_1")[0].copy()
    path = tmp_path / "digits.annws"
    assert window.files.save_workspace(str(path))

    window.load_preset("mnist-mlp")  # forget it all
    assert m.loss.rows() == []
    assert window.files.open_workspace(str(path))
    qtbot.waitUntil(lambda: m.data_loaded() and not m.is_loading(), timeout=60000)
    assert [r["epoch"] for r in m.loss.rows()] == [1]
    assert len(m.reader.personal_set()[1]) == 2
    m.play()
    qtbot.waitUntil(lambda: m.state() == "finished" and not m.session.is_running(), timeout=120000)
    rows = m.loss.rows()
    assert [r["epoch"] for r in rows] == [1, 2]  # went on from the saved weights and epoch
    assert not np.allclose(m.latest_report().layer_weights("dense_1")[0], weights)


def test_save_model_saves_the_network_of_the_tab_shown(window, qtbot, tmp_path):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "reader.keras")
    assert window.files.open_model(str(tmp_path / "reader.keras"))
    assert window.tabs.currentWidget() is window.mnist
    assert window.files.save_model(str(tmp_path / "again.keras"))
    again = keras.models.load_model(tmp_path / "again.keras")
    assert tuple(again.inputs[0].shape[1:]) == (28, 28)  # the MNIST tab's network, not the playground's
    x = np.random.default_rng(1).random((2, 28, 28)).astype("float32")
    np.testing.assert_allclose(again.predict_on_batch(x), model.predict_on_batch(x), atol=1e-5)
    window.tabs.setCurrentWidget(window.playground)
    assert window.files.save_model(str(tmp_path / "points.keras"))
    assert tuple(keras.models.load_model(tmp_path / "points.keras").inputs[0].shape[1:]) == (2,)


def test_every_file_action_from_the_playground_leaves_the_mnist_tab_unbuilt(window, qtbot, tmp_path):
    """The file actions ask the window for the workspace on screen (gui/workspace_api.py): the Playground's
    saves and exports never build the MNIST tab as a side effect (it is built when first shown)."""
    from annstudio.gui.workspace_api import Workspace

    p = window.playground
    _train(qtbot, p, epochs=2)
    assert isinstance(p, Workspace)
    files = window.files
    assert files.save_model(str(tmp_path / "m.keras"))
    assert files.save_workspace(str(tmp_path / "w.annws"))
    assert files.export_code(str(tmp_path / "c.py"))
    assert files.export_history(str(tmp_path / "h.csv"))
    assert files.export_plot(str(tmp_path / "p.png"))
    assert files.export_notebook(str(tmp_path / "n.ipynb"))
    assert window._mnist is None
    window.tabs.setCurrentIndex(2)  # the compare tab: the file actions still take the Playground
    assert window.workspace_on_screen() is p and window._mnist is None
    window.tabs.setCurrentIndex(1)
    assert isinstance(window.mnist, Workspace) and window.workspace_on_screen() is window.mnist
