"""A model with layers the builder cannot show (a convnet) opens in the MNIST tab for prediction only."""
from __future__ import annotations

import keras
import numpy as np
import pytest
from PySide6.QtCore import Qt

from annstudio.gui.app import MainWindow
from annstudio.gui.mnist_views import confusion_matrix
from annstudio.gui.mnist_workspace import TABS
from test_mnist_workspace import drag  # the same strokes as the MNIST tab's tests

SEVEN = [(70, 50), (215, 50), (120, 245)]


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.resize(1500, 900)
    w.show()
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.close()


def convnet(shape=(28, 28, 1), outputs=10, seed=1) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input(shape), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(outputs, activation="softmax")])


def _assert_normal(window):
    m = window.mnist
    assert not m.prediction_only()
    assert not m.prediction_banner.isVisible()
    assert m.builder.isVisible() and not m.model_label.isVisible()
    assert m.training.play_button.isEnabled() and m.training.isVisible() and not m.training_off.isVisible()
    assert m.views.isTabEnabled(TABS.index("Training")) and m.results_tabs.isTabEnabled(2)
    assert type(m.reader.forward).__name__ != "KerasReader"
    assert "prediction only" not in m.reader.hidden_caption.text()


def test_a_convnet_reads_drawings_with_keras_and_nothing_trains(window, qtbot, tmp_path):
    model = convnet()
    model.save(tmp_path / "convnet.keras")
    m = window.mnist
    assert window.files.open_model(str(tmp_path / "convnet.keras"))

    assert window.tabs.currentWidget() is m and m.views.currentIndex() == TABS.index("Draw")
    assert m.prediction_only() and m.keras_name() == "convnet.keras"
    assert m.prediction_banner.isVisible()
    note = m.prediction_note.text()
    assert "for prediction only" in note and "Conv2D layer" in note and "convnet.keras" in note
    assert "prediction only" in window.statusBar().currentMessage()
    assert "Conv2D(4, 3×3, relu)" in m.model_label.text() and m.model_label.isVisible()

    drag(qtbot, m.reader.canvas, SEVEN)
    shown = m.reader.probabilities
    assert shown is not None
    expected = model.predict_on_batch(m.reader.input28.reshape(1, 28, 28, 1))[0]
    np.testing.assert_allclose(shown, expected, atol=1e-5)
    np.testing.assert_allclose(m.reader.stems.probabilities, expected, atol=1e-5)  # what the bars show
    assert m.reader.verdict.big in (str(int(expected.argmax())), "?")

    # what needs the builder's layers is off, with the reason
    assert not m.builder.isVisible()
    assert not m.training.play_button.isEnabled() and not m.training.isEnabled()
    assert m.training_off.isVisible() and "prediction only" in m.training_off.text()
    assert not m.views.isTabEnabled(TABS.index("Training"))
    assert not m.results_tabs.isTabEnabled(2)  # the first layer's weights
    assert not m.reader.hidden.isVisible() and "prediction only" in m.reader.hidden_caption.text()
    assert not m.use_drawings.isEnabled()
    window._on_workspace("toggle")  # Space: nothing trains, a sentence says why
    assert m.state() == "idle" and not m.session.is_running()
    assert "prediction only" in window.last_error()


def test_save_model_keeps_it_as_is_and_a_workspace_is_refused(window, qtbot, tmp_path):
    model = convnet()
    model.save(tmp_path / "convnet.keras")
    assert window.files.open_model(str(tmp_path / "convnet.keras"))
    assert window.files.save_model(str(tmp_path / "copy.keras"))
    copy = keras.models.load_model(tmp_path / "copy.keras")
    assert [type(layer).__name__ for layer in copy.layers] == ["Conv2D", "Flatten", "Dense"]
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(copy.predict_on_batch(x), model.predict_on_batch(x), atol=1e-6)

    assert not window.files.save_workspace(str(tmp_path / "ws.annws"))
    assert "prediction only" in window.last_error() and "Save model" in window.last_error()
    assert not (tmp_path / "ws.annws").exists()
    assert not window.files.export_code(str(tmp_path / "net.py"))
    assert not (tmp_path / "net.py").exists()


def test_a_preset_a_builder_model_or_reset_bring_the_tab_back(window, qtbot, tmp_path):
    convnet().save(tmp_path / "convnet.keras")
    mlp = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
                            keras.layers.Dense(10, activation="softmax")])
    mlp.save(tmp_path / "mlp.keras")
    m = window.mnist

    assert window.files.open_model(str(tmp_path / "convnet.keras")) and m.prediction_only()
    assert window.load_preset("mnist-mlp")
    _assert_normal(window)
    assert m.reader.forward is None  # an untrained network: nothing reads the canvas yet

    assert window.files.open_model(str(tmp_path / "convnet.keras")) and m.prediction_only()
    assert window.files.open_model(str(tmp_path / "mlp.keras"))
    _assert_normal(window)
    assert m.network_spec().describe().endswith("Dense(16, relu) → Dense(10, softmax)")
    x = np.random.default_rng(1).random((2, 28, 28)).astype("float32")
    np.testing.assert_allclose(m.reader.read(x)[0], mlp.predict_on_batch(x), atol=1e-5)

    assert window.files.open_model(str(tmp_path / "convnet.keras")) and m.prediction_only()
    window._on_workspace("reset")  # Train › Reset (Ctrl+R)
    _assert_normal(window)

    assert window.files.open_model(str(tmp_path / "convnet.keras")) and m.prediction_only()
    qtbot.mouseClick(m.leave_button, Qt.MouseButton.LeftButton)  # "Build a network instead"
    _assert_normal(window)
    m.play()  # and it trains again (no MNIST here: the sentence asks for the data, not about prediction)
    assert "prediction only" not in window.last_error()


def test_with_mnist_the_results_are_the_convnets_answers_on_the_test_digits(window, qtbot, tmp_path, mnist_path):
    m = window.mnist
    window.tabs.setCurrentWidget(m)
    assert m.set_data_path(str(mnist_path))
    qtbot.waitUntil(lambda: m.data_loaded() and not m.is_loading(), timeout=60000)
    model = convnet(seed=3)
    x = m.dataset().x_train[:512]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[..., None], m.dataset().y_train[:512], epochs=2, batch_size=64, verbose=0)
    model.save(tmp_path / "convnet.keras")

    assert window.files.open_model(str(tmp_path / "convnet.keras"))
    qtbot.waitUntil(lambda: not m.evaluating(), timeout=60000)
    data = m.dataset()
    expected = model.predict(data.x_test[..., None], batch_size=1000, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(m.confusion.matrix, confusion_matrix(data.y_test.astype(int), expected))
    right = int((expected == data.y_test).sum())
    assert f"{right:,}".replace(",", "\u00a0") in m.results_title.text()
    assert "convnet.keras" in m.results_title.text()
    assert "convnet.keras" in window.statusBar().currentMessage()

    # leaving while the test digits are being read stops the reading; its answers never arrive
    assert window.files.open_model(str(tmp_path / "convnet.keras"))
    assert m.evaluating()
    assert window.load_preset("mnist-mlp")
    assert not m.evaluating()
    qtbot.wait(200)
    assert m.confusion.matrix.sum() == 0
    _assert_normal(window)


def test_a_convnet_for_other_pictures_is_refused_with_its_shape(window, tmp_path):
    convnet(shape=(32, 32, 3)).save(tmp_path / "cifar.keras")
    m = window.mnist
    assert not window.files.open_model(str(tmp_path / "cifar.keras"))
    assert "(32, 32, 3)" in window.last_error() and "Conv2D" in window.last_error()
    assert not m.prediction_only()

    convnet(outputs=5).save(tmp_path / "five.keras")
    assert not window.files.open_model(str(tmp_path / "five.keras"))
    assert "(5,)" in window.last_error() and "10" in window.last_error()
    assert not m.prediction_only()


def test_a_builder_network_with_784_inputs_opens_for_prediction_only(window, tmp_path):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "flat.keras")
    m = window.mnist
    assert window.files.open_model(str(tmp_path / "flat.keras"))
    assert m.prediction_only() and "784" in m.prediction_note.text()
    x = np.random.default_rng(2).random((2, 28, 28)).astype("float32")
    np.testing.assert_allclose(m.reader.read(x)[0], model.predict_on_batch(x.reshape(2, 784)), atol=1e-5)
