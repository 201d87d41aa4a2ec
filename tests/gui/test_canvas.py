"""The drawing canvas, the digit reader and the MNIST views, driven the way a student uses them."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from annstudio.core import lessons
from annstudio.core.spec import NetworkSpec, SpecError, dense
from annstudio.gui.canvas import HINT, DigitCanvas, DigitReader, verdict_text
from annstudio.gui.mnist_views import (ConfusionMatrixView, DigitGallery, FirstLayerWeights, MisclassifiedGallery,
                                       confusion_matrix)

MNIST = lessons.get("mnist-mlp").network


def _load_drawings():
    path = Path(__file__).resolve().parents[1] / "core" / "test_digits.py"
    spec = importlib.util.spec_from_file_location("_drawings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


drawings = _load_drawings()


@pytest.fixture(scope="module")
def lecture_weights(mnist_path):
    spec, weights, _ = drawings.train_lecture_network(mnist_path, epochs=2, size=20000)
    return spec, weights


def _uniform_weights(spec=MNIST):
    """A network that answers 0.1 for every digit, whatever is drawn."""
    return (("dense_1", (np.zeros((784, 100), np.float32), np.zeros(100, np.float32))),
            ("dense_2", (np.zeros((100, 10), np.float32), np.zeros(10, np.float32))))


def _shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def drag(qtbot, canvas: DigitCanvas, points) -> None:
    """Press, move through ``points`` and release, with the left button, as a hand with a mouse does."""
    surface = canvas.surface
    points = [QPoint(int(round(x)), int(round(y))) for x, y in points]
    qtbot.mousePress(surface, Qt.MouseButton.LeftButton, pos=points[0])
    for point in points[1:]:
        qtbot.mouseMove(surface, point)
    qtbot.mouseRelease(surface, Qt.MouseButton.LeftButton, pos=points[-1])


def _densify(stroke, step=6.0):
    """Mouse positions along a polyline, about ``step`` pixels apart (a mouse reports many)."""
    out = [stroke[0]]
    for a, b in zip(stroke[:-1], stroke[1:]):
        n = max(1, int(np.hypot(*(b - a)) // step))
        out.extend(a + (b - a) * k / n for k in range(1, n + 1))
    return out


# ---------------------------------------------------------------------------------------------------
# The canvas

def test_a_drag_draws_ink_where_the_mouse_went_and_nowhere_else(qtbot):
    canvas = _shown(qtbot, DigitCanvas(pen_width=20))
    assert canvas.image().shape == (280, 280) and canvas.image().dtype == np.uint8
    assert canvas.is_empty() and not canvas.image().any()
    changes, finished = [], []
    canvas.changed.connect(lambda: changes.append(1))
    canvas.stroke_finished.connect(lambda: finished.append(1))
    drag(qtbot, canvas, [(40, 60), (100, 60), (160, 60), (220, 60), (220, 120), (220, 200)])
    image = canvas.image()
    assert image[60, 40:190].min() == 255 and image[90:201, 220].min() == 255  # along the path
    assert image[59:62, 100].min() == 255 and image[60, 100 - 40:100 + 40].max() == 255
    assert image[150, 100] == 0 and image[30, 100] == 0 and image[60, 250] == 0  # away from it
    assert len(changes) == 7 and len(finished) == 1  # press, 5 moves, release
    assert canvas.stroke_count() == 1


def test_every_mouse_move_changes_the_image_at_once(qtbot):
    canvas = _shown(qtbot, DigitCanvas(pen_width=10))
    seen = []
    canvas.changed.connect(lambda: seen.append(canvas.image()[100, 40:240:20].copy()))
    drag(qtbot, canvas, [(40, 100), (120, 100), (200, 100)])
    assert seen[1][4] == 255 and seen[1][8] == 0  # the first move: inked up to x=120, not yet beyond
    assert seen[2][8] == 255


def test_undo_removes_the_last_stroke_and_ctrl_z_does_too(qtbot):
    canvas = _shown(qtbot, DigitCanvas())
    drag(qtbot, canvas, [(40, 40), (240, 40)])
    first = canvas.image()
    drag(qtbot, canvas, [(40, 200), (240, 200)])
    assert canvas.image()[200, 140] == 255 and canvas.stroke_count() == 2
    qtbot.mouseClick(canvas.undo_button, Qt.MouseButton.LeftButton)
    assert canvas.stroke_count() == 1
    assert canvas.image()[200, 140] == 0 and canvas.image()[40, 140] == 255
    np.testing.assert_array_equal(canvas.image(), first)  # redrawn exactly as it was drawn
    with qtbot.waitActive(canvas):
        canvas.activateWindow()
    canvas.surface.setFocus()
    qtbot.keyClick(canvas.surface, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert canvas.stroke_count() == 0 and not canvas.image().any()
    assert not canvas.undo_button.isEnabled() and not canvas.clear_button.isEnabled()


def test_clear_wipes_everything(qtbot):
    canvas = _shown(qtbot, DigitCanvas())
    drag(qtbot, canvas, [(40, 40), (240, 240)])
    drag(qtbot, canvas, [(40, 240), (240, 40)])
    assert canvas.clear_button.isEnabled()
    with qtbot.waitSignal(canvas.changed):
        qtbot.mouseClick(canvas.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.is_empty() and not canvas.image().any()


@pytest.mark.parametrize("width", [8, 20, 40])
def test_the_pen_slider_sets_the_stroke_width(qtbot, width):
    canvas = _shown(qtbot, DigitCanvas())
    canvas.pen_slider.setValue(width)
    assert canvas.pen_width() == width and canvas.pen_label.text() == f"{width} px"
    drag(qtbot, canvas, [(140, 30), (140, 250)])
    column = canvas.image()[:, 140]
    across = canvas.image()[140].astype(float) / 255
    assert across.sum() == pytest.approx(width, abs=1.5)
    assert column[40:240].min() == 255


def test_the_pen_width_range_is_8_to_40(qtbot):
    canvas = _shown(qtbot, DigitCanvas())
    canvas.set_pen_width(2)
    assert canvas.pen_width() == 8
    canvas.set_pen_width(99)
    assert canvas.pen_width() == 40


def test_strokes_are_smooth_curves_not_corners(qtbot):
    canvas = _shown(qtbot, DigitCanvas(pen_width=8))
    drag(qtbot, canvas, [(40, 200), (140, 60), (240, 200)])  # a sharp corner, mouse-sampled coarsely
    image = canvas.image()
    assert image[55:70, 140].max() < 128  # the curve passes below the corner point …
    assert image[92:98, 140].min() == 255  # … through the middle of the turn


# ---------------------------------------------------------------------------------------------------
# The reader

def test_an_empty_canvas_shows_a_hint_not_a_guess(qtbot):
    reader = _shown(qtbot, DigitReader())
    reader.set_model(MNIST, _uniform_weights())
    assert reader.verdict.line == HINT and reader.verdict.big == ""
    assert reader.probabilities is None and reader.stems.probabilities is None
    assert not any(button.isEnabled() for button in reader.label_buttons)


def test_a_drawn_digit_is_read_with_ten_probabilities(qtbot, lecture_weights):
    reader = _shown(qtbot, DigitReader())
    reader.set_model(*lecture_weights)
    with qtbot.waitSignal(reader.predicted):
        drag(qtbot, reader.canvas, [(140, 30), (142, 250)])
    probabilities = reader.probabilities
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert reader.verdict.big == "1" and "reads a 1" in reader.verdict.line
    assert reader.pixels._image is not None and reader.input28.max() == pytest.approx(1.0)
    assert reader.hidden.values.shape == (100,)
    assert "100 neurons" in reader.hidden_caption.text()


def test_digits_dragged_on_the_real_canvas_are_read(qtbot, lecture_weights):
    reader = _shown(qtbot, DigitReader())
    reader.set_model(*lecture_weights)
    rng = np.random.default_rng(7)
    right = 0
    for digit in range(10):
        for _ in range(2):
            reader.canvas.set_pen_width(int(rng.integers(12, 33)))
            for stroke in drawings.digit_strokes(digit, rng):
                drag(qtbot, reader.canvas, _densify(stroke))
            right += int(reader.verdict.big == str(digit))
            reader.canvas.clear()
    assert right >= 18  # of 20


def test_a_low_top_probability_says_not_sure_with_the_two_candidates(qtbot):
    reader = _shown(qtbot, DigitReader())
    reader.set_model(MNIST, _uniform_weights())
    drag(qtbot, reader.canvas, [(100, 100), (180, 180)])
    assert reader.verdict.big == "?" and reader.verdict.line.startswith("Not sure")
    assert verdict_text(np.array([0.05, 0.4, 0.05, 0.35, 0.03, 0.02, 0.03, 0.03, 0.02, 0.02])) == \
        ("?", "Not sure: a 1 (40 %) or a 3 (35 %)?")
    assert verdict_text(np.eye(10)[7] * 0.9 + 0.01)[0] == "7"


def test_without_a_network_the_reader_says_so(qtbot):
    reader = _shown(qtbot, DigitReader())
    drag(qtbot, reader.canvas, [(100, 100), (180, 180)])
    assert "No trained network" in reader.verdict.line and reader.probabilities is None
    assert reader.pixels._image is not None  # the 28x28 input is shown all the same


def test_networks_that_cannot_read_digits_are_refused(qtbot):
    reader = _shown(qtbot, DigitReader())
    with pytest.raises(SpecError, match="28×28"):
        reader.set_model(NetworkSpec(input_shape=(2,), layers=(dense(10, "softmax"),)), ())
    with pytest.raises(SpecError, match="10 outputs"):
        reader.set_model(NetworkSpec(input_shape=(784,), features=(), layers=(dense(1, "sigmoid"),)), ())


def test_labelling_builds_a_personal_set_with_accuracy_and_confusion(qtbot, lecture_weights):
    reader = _shown(qtbot, DigitReader())
    reader.set_model(*lecture_weights)
    assert "empty" in reader.set_summary.text()
    drag(qtbot, reader.canvas, [(140, 30), (142, 250)])
    with qtbot.waitSignal(reader.personal_set_changed):
        qtbot.mouseClick(reader.label_buttons[1], Qt.MouseButton.LeftButton)
    assert reader.canvas.is_empty()  # ready for the next drawing
    drag(qtbot, reader.canvas, [(140, 30), (142, 250)])
    qtbot.mouseClick(reader.label_buttons[7], Qt.MouseButton.LeftButton)  # a wrong label, on purpose
    x, y = reader.personal_set()
    assert x.shape == (2, 28, 28) and x.dtype == np.float32 and list(y) == [1, 7]
    assert x[0].max() == pytest.approx(1.0)
    assert reader.personal_accuracy() == 0.5
    assert "2 drawings" in reader.set_summary.text() and "1 of 2" in reader.set_summary.text()
    confusion = reader.personal_confusion()
    assert confusion.shape == (10, 10) and confusion[1, 1] == 1 and confusion[7, 1] == 1
    reader.set_personal_set(x[:1], y[:1])
    assert len(reader.personal_set()[1]) == 1 and "1 drawing;" in reader.set_summary.text()
    with pytest.raises(ValueError, match="digits from 0 to 9"):
        reader.set_personal_set(x, np.array([1, 12]))


def test_reading_a_move_takes_milliseconds_not_a_keras_call(qtbot, lecture_weights):
    reader = _shown(qtbot, DigitReader())
    reader.set_model(*lecture_weights)
    drag(qtbot, reader.canvas, [(60, 60), (200, 60), (120, 240)])
    times = []
    for _ in range(30):
        start = time.perf_counter()
        reader.refresh()
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.02  # Keras' predict takes tens of milliseconds for one image


def test_the_canvas_module_does_not_load_tensorflow():
    code = "import sys, annstudio.gui.canvas, annstudio.gui.mnist_views; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


# ---------------------------------------------------------------------------------------------------
# MNIST views

def _digits(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), np.arange(n) % 10


def test_gallery_shows_digits_filters_by_class_and_counts_them(qtbot):
    gallery = _shown(qtbot, DigitGallery())
    images, labels = _digits()
    gallery.set_data(images, labels)
    assert len(gallery.shown) == 60 and "60 digits" in gallery.title.text()
    assert "3: 6" in gallery.counts.text()
    gallery.filter.setCurrentIndex(gallery.filter.findData(3))
    assert list(labels[gallery.shown]) == [3] * 6 and gallery.mosaic.captions[0] == "label 3"
    gallery.show_indices(np.array([3, 13, 4]), "true 3, predicted 3")
    assert list(gallery.shown) == [3, 13] and gallery.title.text().startswith("true 3, predicted 3: 2 digits")


def test_misclassified_gallery_shows_only_the_wrong_ones_with_both_labels(qtbot):
    gallery = _shown(qtbot, MisclassifiedGallery())
    images, labels = _digits(20)
    predicted = labels.copy()
    predicted[[2, 5]] = [7, 6]
    gallery.set_data(images, labels, predicted)
    assert list(gallery.shown) == [2, 5]
    assert gallery.mosaic.captions == ["predicted 7\ntrue 2", "predicted 6\ntrue 5"]


def test_confusion_matrix_counts_and_clicks_name_the_cell(qtbot):
    view = _shown(qtbot, ConfusionMatrixView())
    true = np.array([0, 0, 1, 4, 4, 4, 9])
    predicted = np.array([0, 6, 1, 4, 9, 9, 9])
    view.set_predictions(true, predicted)
    assert view.matrix[4, 9] == 2 and view.matrix.sum() == 7
    np.testing.assert_allclose(view.per_class_accuracy()[[0, 1, 4, 9]], [0.5, 1.0, 1 / 3, 1.0])
    assert np.isnan(view.per_class_accuracy()[2])
    with qtbot.waitSignal(view.cell_clicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.cell_rect(4, 9).center())
    assert blocker.args == [4, 9]
    assert (confusion_matrix(true, predicted) == view.matrix).all()


def test_first_layer_weights_are_tiles_capped_at_100(qtbot):
    view = _shown(qtbot, FirstLayerWeights())
    view.set_kernel(np.random.default_rng(0).normal(size=(784, 128)))
    assert view.shown == 100 and "first 100 of 128" in view.caption.text()
    view.set_kernel(np.random.default_rng(0).normal(size=(784, 16)))
    assert view.shown == 16
    with pytest.raises(ValueError, match="784 inputs"):
        view.set_kernel(np.zeros((100, 10)))
