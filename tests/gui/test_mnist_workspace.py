"""The MNIST workspace driven the way a student uses it: load the digits, train, look, draw, teach."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

from annstudio.core import datasets, lessons
from annstudio.gui.mnist_workspace import MnistWorkspace
from annstudio.gui.worker import running_threads

LIMIT = 3000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(qtbot):
    ws = MnistWorkspace(train_limit=LIMIT)
    qtbot.addWidget(ws)
    ws.resize(1500, 850)
    ws.show()
    qtbot.waitExposed(ws)
    yield ws
    assert ws.shutdown()


@pytest.fixture
def cache():
    """The (test-private) Keras cache file; whatever a test puts there is removed afterwards."""
    path = datasets.mnist_cache_path()
    assert not path.exists()
    yield path
    for leftover in path.parent.glob("*mnist*"):
        leftover.unlink()


def _loaded(qtbot, ws, path):
    assert ws.set_data_path(path)
    assert ws.is_loading() and "loading" in ws.data_label.text()
    qtbot.waitUntil(ws.data_loaded, timeout=30000)


def _train(qtbot, ws, epochs=1):
    ws.training.epochs_spin.setValue(epochs)
    qtbot.mouseClick(ws.training.play_button, Qt.MouseButton.LeftButton)
    assert ws.state() == "running" and ws.loss.is_live()  # the loss axes grow in steps while it trains
    qtbot.waitUntil(lambda: ws.state() == "finished" and not ws.session.is_running(), timeout=120000)
    assert not ws.loss.is_live()  # and fit every epoch after


def drag(qtbot, canvas, points, step=6.0):
    """Press, move through the polyline ``points`` about ``step`` pixels at a time, release."""
    points = [np.asarray(p, float) for p in points]
    dense = [points[0]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(1, int(np.hypot(*(b - a)) // step))
        dense.extend(a + (b - a) * k / n for k in range(1, n + 1))
    surface = canvas.surface
    at = [QPoint(round(x), round(y)) for x, y in dense]
    qtbot.mousePress(surface, Qt.MouseButton.LeftButton, pos=at[0])
    for point in at[1:]:
        qtbot.mouseMove(surface, point)
    qtbot.mouseRelease(surface, Qt.MouseButton.LeftButton, pos=at[-1])


ONE = [(150, 40), (138, 240)]
SEVEN = [(70, 50), (215, 50), (120, 245)]


def test_importing_the_workspace_does_not_load_tensorflow():
    code = ("import sys, annstudio.gui.mnist_workspace; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120, check=False).returncode == 0


# ---------------------------------------------------------------------------------------------------
# Getting the data

def test_not_loaded_by_default_with_a_hint_and_play_says_what_to_do(workspace):
    ws = workspace
    assert not ws.data_loaded() and not ws.is_loading()  # the test's Keras cache is empty
    text = ws.data_label.text()
    assert "not loaded" in text and "downloads it once" in text and "Open file" in text
    assert ws.load_button.isEnabled() and ws.open_button.isEnabled()
    errors = []
    ws.error.connect(errors.append)
    ws.play()
    assert ws.state() == "idle" and not ws.session.is_running()
    assert errors and "Load MNIST first" in errors[-1]


def test_the_lecture_network_is_the_default(workspace):
    ws = workspace
    assert ws.network_spec().describe() == "Input(28x28) → Flatten → Dense(100, relu) → Dense(10, softmax)"
    train = ws.train_spec()
    assert (train.optimizer, train.learning_rate, train.batch_size, train.epochs) == ("adam", 0.001, 32, 5)
    assert train.loss == "sparse_categorical_crossentropy"
    assert not ws.load_preset(lessons.get("perceptron-xor"))  # 2-D presets belong to the playground
    assert "playground" in ws.last_error()


def test_a_damaged_file_is_refused_in_a_sentence_and_the_workspace_stays_usable(workspace, qtbot, tmp_path,
                                                                                   mnist_path, monkeypatch):
    ws = workspace
    errors = []
    ws.error.connect(errors.append)
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(mnist_path.read_bytes()[:100_000])  # a download that broke off
    monkeypatch.setattr(ws, "_ask_path", lambda: str(damaged))
    qtbot.mouseClick(ws.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ws.is_loading(), timeout=30000)
    assert not ws.data_loaded()
    assert errors and "mnist.npz is not a readable MNIST .npz file" in errors[-1]
    assert errors[-1] in ws.data_label.text() and ws.open_button.property("highlighted")

    wrong = tmp_path / "points.npz"
    np.savez(wrong, x=np.zeros(3))
    assert ws.set_data_path(wrong)
    qtbot.waitUntil(lambda: not ws.is_loading(), timeout=30000)
    assert "points.npz is not an MNIST file: it lacks x_train" in errors[-1]
    assert not ws.set_data_path(tmp_path / "missing.npz")
    assert "does not exist" in errors[-1]

    _loaded(qtbot, ws, mnist_path)  # still usable
    assert "60\u00a0000 training and 10\u00a0000 test digits" in ws.data_label.text()
    assert not ws.open_button.property("highlighted")


def test_loading_happens_in_the_background_and_shows_the_class_counts(workspace, qtbot, mnist_path):
    ws = workspace
    started = time.perf_counter()
    assert ws.set_data_path(mnist_path)
    assert time.perf_counter() - started < 0.5  # the window does not wait for the file
    assert ws.is_loading() and not ws.load_button.isEnabled() and not ws.open_button.isEnabled()
    qtbot.waitUntil(ws.data_loaded, timeout=30000)
    # the loading thread is done (the next run's programs may still be made ready, see below)
    assert {thread.objectName() for thread in running_threads()} <= {"annstudio-mnist-prepare"}
    text = ws.data_label.text()
    assert str(mnist_path) in text and "training on the first 3\u00a0000" in text
    assert ws.dataset().x_train.shape == (LIMIT, 28, 28) and ws.dataset().x_test.shape == (10000, 28, 28)
    labels = ws.dataset().y_train.astype(int)
    counts = np.bincount(labels, minlength=10)
    assert ws.gallery.counts.text() == "Digits per class:  " + "   ".join(f"{d}: {counts[d]}" for d in range(10))
    ws.gallery.filter.setCurrentIndex(ws.gallery.filter.findData(3))  # only the 3s
    assert len(ws.gallery.shown) == min(counts[3], ws.gallery.LIMIT)
    assert (labels[ws.gallery.shown] == 3).all()
    assert not ws.load_button.isEnabled() and ws.open_button.isEnabled()


# ---------------------------------------------------------------------------------------------------
# Training, results, drawing

def test_train_look_at_the_results_draw_and_teach_it_your_handwriting(workspace, qtbot, mnist_path):
    ws = workspace
    _loaded(qtbot, ws, mnist_path)
    states = []
    ws.state_changed.connect(states.append)
    runs = []
    ws.run_finished.connect(runs.append)
    _train(qtbot, ws, epochs=1)
    assert states[0] == "running" and states[-1] == "finished"
    assert ws.views.tabText(ws.views.currentIndex()) == "Training"  # Play left the gallery for the curves
    rows = ws.loss.rows()
    first = dict(rows[0])
    assert [r["epoch"] for r in rows] == [1]
    assert rows[0]["loss"] > 0 and rows[0]["test_accuracy"] > 0.8
    assert ws.training_size() == LIMIT
    assert runs and runs[-1].history == rows

    # results: the confusion matrix on the whole test set, as the engine measured it
    matrix = ws.confusion.matrix
    assert matrix.sum() == 10000
    assert np.trace(matrix) / 10000 == pytest.approx(rows[0]["test_accuracy"], abs=1e-3)
    assert "Hardest digits" in ws.per_class_label.text()
    wrong = int(matrix.sum() - np.trace(matrix))
    assert len(ws.misclassified.shown) == min(wrong, ws.misclassified.LIMIT)
    assert (ws.misclassified.predicted[ws.misclassified.shown] != ws.misclassified.labels[ws.misclassified.shown]).all()
    assert ws.first_layer.units == 100

    ws.views.setCurrentIndex(2)
    off = np.array(matrix, float)
    np.fill_diagonal(off, -1)
    true, predicted = np.unravel_index(int(off.argmax()), off.shape)  # the most common mix-up
    qtbot.mouseClick(ws.confusion, Qt.MouseButton.LeftButton, pos=ws.confusion.cell_rect(true, predicted).center())
    gallery = ws.cell_gallery
    assert ws.results_tabs.currentWidget() is gallery
    assert len(gallery.shown) == min(matrix[true, predicted], gallery.LIMIT) > 0
    assert (gallery.labels[gallery.shown] == true).all() and (gallery.predicted[gallery.shown] == predicted).all()
    assert f"{true}s read as {predicted}" in gallery.title.text()

    # the canvas reads with the trained network
    ws.views.setCurrentIndex(3)
    reader = ws.reader
    assert reader.forward is not None
    drag(qtbot, reader.canvas, ONE)
    assert reader.probabilities is not None and int(reader.probabilities.argmax()) == 1

    # your own drawings, labelled, then added to the training data
    qtbot.mouseClick(reader.label_buttons[1], Qt.MouseButton.LeftButton)
    drag(qtbot, reader.canvas, SEVEN)
    qtbot.mouseClick(reader.label_buttons[7], Qt.MouseButton.LeftButton)
    drag(qtbot, reader.canvas, [(80, 150), (200, 150)])  # a bar, said to be a 4: something to learn
    qtbot.mouseClick(reader.label_buttons[4], Qt.MouseButton.LeftButton)
    assert len(reader.personal_set()[1]) == 3
    assert "Check the box" in ws.drawings_note.text()
    box = ws.use_drawings
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(10, box.height() // 2))  # on its box
    assert ws.use_drawings.isChecked() and "each 20 times" in ws.drawings_note.text()
    before = ws.latest_report().weights
    _train(qtbot, ws, epochs=1)
    assert ws.training_size() == LIMIT + 3 * 20
    assert [r["epoch"] for r in ws.loss.rows()] == [1, 2]  # the numbering goes on
    assert ws.latest_report().epoch == 2
    assert not np.array_equal(before[0][1][0], ws.latest_report().weights[0][1][0])
    assert reader.personal_accuracy() is not None
    assert "the network reads" in reader.set_summary.text()
    assert reader.personal_confusion().sum() == 3
    assert ws.confusion.matrix.sum() == 10000  # the results follow the new weights

    # the drawings stay in: Play again continues the same trainer
    _train(qtbot, ws, epochs=1)
    assert [r["epoch"] for r in ws.loss.rows()] == [1, 2, 3] and ws.training_size() == LIMIT + 60

    ws.reset()
    assert ws.state() == "idle" and ws.loss.rows() == [] and reader.forward is None
    assert ws.confusion.matrix.sum() == 0 and ws.latest_report() is None

    # Reset with the same seed starts from the same weights: the same first epoch (drawings left out)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(10, box.height() // 2))
    assert not box.isChecked()
    _train(qtbot, ws, epochs=1)
    assert ws.training_size() == LIMIT
    again = ws.loss.rows()[0]
    assert again["epoch"] == 1 and again["loss"] == pytest.approx(first["loss"], rel=1e-4)
    assert again["test_accuracy"] == pytest.approx(first["test_accuracy"], abs=2e-3)


def test_shutdown_mid_training_joins_every_thread(workspace, qtbot, mnist_path):
    ws = workspace
    _loaded(qtbot, ws, mnist_path)
    ws.training.epochs_spin.setValue(1000)
    ws.play()
    # a whole epoch trained (its first reports are of batches): stopped now, the run has trained
    qtbot.waitUntil(lambda: ws.latest_report() is not None and ws.latest_report().epoch >= 1, timeout=120000)
    assert ws.state() == "running" and not ws.builder.add_button.isEnabled()
    assert not ws.open_button.isEnabled() and not ws.use_drawings.isEnabled()
    qtbot.mouseClick(ws.training.play_button, Qt.MouseButton.LeftButton)  # now it says Pause
    assert ws.state() == "paused" and ws.session.is_paused() and "Paused" in ws.progress_label.text()
    ws.play()
    assert ws.state() == "running" and not ws.session.is_paused()
    assert ws.shutdown()
    assert not running_threads() and not ws.session.is_running()
    assert ws.state() == "finished"
    # loading and shutting down at once: the loader thread is joined too
    assert ws.set_data_path(mnist_path)
    assert ws.shutdown()
    assert not running_threads() and not ws.is_loading()


# ---------------------------------------------------------------------------------------------------
# Downloading into the Keras cache

@pytest.fixture
def local_server(monkeypatch, mnist_path):
    """MNIST "downloaded" from the shared file (its checksum differs from Keras' file)."""
    monkeypatch.setattr(datasets, "MNIST_URL", mnist_path.as_uri())
    monkeypatch.setattr(datasets, "MNIST_SHA256", None)


def _answer_download(qtbot, ws):
    qtbot.mouseClick(ws.load_button, Qt.MouseButton.LeftButton)
    box = ws.download_question
    assert box is not None and "not on this computer" in box.text()
    qtbot.mouseClick(box.defaultButton(), Qt.MouseButton.LeftButton)
    assert ws.download_question is None and ws.is_loading()
    assert ws.progress_dialog is not None and ws.progress_dialog.isVisible()


def test_a_download_fills_the_keras_cache_and_then_loads(workspace, qtbot, cache, local_server):
    ws = workspace
    _answer_download(qtbot, ws)
    assert "downloading" in ws.data_label.text()
    qtbot.waitUntil(ws.data_loaded, timeout=60000)
    assert cache.is_file() and cache.stat().st_size > 10_000_000
    assert ws.progress_dialog is None
    assert str(cache) in ws.data_label.text()
    assert datasets.read_mnist_file(cache)[0].shape == (60000, 28, 28)


def test_cancelling_the_download_leaves_no_file(workspace, qtbot, cache, local_server, monkeypatch):
    real = urllib.request.urlopen

    class Slow:  # a slow line: about 50 ms for each 64 kB
        def __init__(self, response):
            self._response, self.headers = response, response.headers

        def read(self, n):
            time.sleep(0.05)
            return self._response.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._response.close()

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: Slow(real(*a, **k)))
    ws = workspace
    _answer_download(qtbot, ws)
    dialog = ws.progress_dialog
    qtbot.waitUntil(lambda: dialog.value() > 0, timeout=30000)  # the first progress
    assert "MB" in dialog.labelText()
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)  # Cancel
    qtbot.waitUntil(lambda: not ws.is_loading(), timeout=30000)
    assert not ws.data_loaded() and "Download cancelled" in ws.data_label.text()
    assert not cache.exists() and not list(cache.parent.glob("*mnist*"))  # not even a partial file
    assert ws.load_button.isEnabled()


def test_offline_says_so_and_points_to_open_file(workspace, qtbot, cache, monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "MNIST_URL", (tmp_path / "no-network" / "mnist.npz").as_uri())
    ws = workspace
    errors = []
    ws.error.connect(errors.append)
    _answer_download(qtbot, ws)
    qtbot.waitUntil(lambda: not ws.is_loading(), timeout=30000)
    assert errors and "Could not download MNIST" in errors[-1] and "offline" in errors[-1]
    assert "Open a local mnist.npz" in ws.data_label.text()
    assert ws.open_button.property("highlighted") and ws.open_button.isEnabled()
    assert not cache.exists()


def test_an_opened_trained_network_shows_its_results_without_play(workspace, qtbot, mnist_path):
    """Opening a trained digit reader fills Results at once: the test digits read with its weights."""
    from annstudio.core import lessons

    ws = workspace
    _loaded(qtbot, ws, mnist_path)
    spec = lessons.get("mnist-mlp").network
    rng = np.random.default_rng(0)
    weights = (("dense_1", (rng.normal(0, 0.05, (784, 100)).astype(np.float32), np.zeros(100, np.float32))),
               ("dense_2", (rng.normal(0, 0.05, (100, 10)).astype(np.float32), np.zeros(10, np.float32))))
    assert ws.confusion.matrix.sum() == 0
    assert ws.load_state(spec, lessons.get("mnist-mlp").train, weights, data_path=str(mnist_path))
    assert ws.confusion.matrix.sum() == len(ws._full.x_test) and ws.state() == "idle"
    assert "opened network" in ws.results_title.text()


def test_while_idle_the_next_run_is_made_ready_and_play_uses_it(workspace, qtbot, mnist_path):
    """While MNIST loads (on a stand-in of its layout), after it has loaded and after the network changes, the
    next run's model and first programs are made in a thread: Play then builds no model and traces nothing
    before its first running loss."""
    from annstudio.core import engine, faststart

    assert workspace.set_data_path(mnist_path)
    assert workspace.is_loading() and workspace._preparer.is_running()  # not waiting for the images
    qtbot.waitUntil(workspace.data_loaded, timeout=30000)
    qtbot.waitUntil(lambda: not workspace._preparer.is_running() and engine.compiling() == 0, timeout=120000)
    warm = [programs for programs in faststart._cache.values() if programs.flatten]
    assert any({"train", "probe", "light"} <= programs._warm for programs in warm)
    made = engine._POOL.built
    qtbot.wait(700)  # the idle preparation after loading: the same network, nothing made again
    assert not workspace._preparer.is_running() and engine._POOL.built == made

    def images_copied():  # the images' TensorFlow copy, made as they loaded, which the run shares
        return next((t for ref, _, t in engine._shared.values() if ref() is workspace._full.x_train), None)

    copied = images_copied()  # (a run of all of them takes it: test_shared_data; this one trains on LIMIT)
    assert copied is not None and copied.shape[0] == len(workspace._full.x_train)
    built = engine._POOL.built
    workspace.training.epochs_spin.setValue(1)
    qtbot.mouseClick(workspace.training.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: workspace.state() == "finished" and not workspace.session.is_running(), timeout=120000)
    assert engine._POOL.built == built  # the run took the model made ready
