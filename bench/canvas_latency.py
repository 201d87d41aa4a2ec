"""The drawing canvas: how fast the answer follows the mouse, and how well drawings are read.

    python bench/canvas_latency.py --data ../shared/data/mnist.npz [--model mnist.keras]

1. The lecture's network (784-100-10, Adam, 5 epochs) is trained with the app's engine, or loaded.
2. Drawing accuracy: synthetic hand-drawn digits (tests/core/test_digits.py: strokes of every digit in
   several ways people write it, varied size, position, slant, rotation, width and pen width 8-40 px on
   the 280x280 canvas) read through the MNIST recipe (``drawn_accuracy``) and through a plain resize of
   the whole canvas (``plain_resize_accuracy``).
3. Latency: the real :class:`DigitReader`, offscreen, driven by mouse events along those strokes. For
   every mouse move: the time from sending the event to the reader showing its new answer, painted
   (``median_ms``), beside Keras' ``model.predict`` on one image in the same process
   (``keras_predict_ms``).

The last line is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from annstudio.core.digits import plain_resize, prepare_digit  # noqa: E402
from annstudio.core.forward import NumpyForward, model_weights  # noqa: E402


def load_drawings():
    spec = importlib.util.spec_from_file_location("drawings", ROOT / "tests" / "core" / "test_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lecture_network(data: str, model_path: str | None):
    """(spec, weights, keras model, test accuracy or None)."""
    from annstudio.core import build, datasets, lessons, store
    from annstudio.core.engine import Trainer

    if model_path:
        model = store.load_model(model_path)
        return build.spec_from_model(model), model_weights(model), model, None
    preset = lessons.get("mnist-mlp")
    trainer = Trainer(preset.network, preset.train, datasets.mnist_dataset(data))
    report = list(trainer.run())[-1]
    return preset.network, report.weights, trainer.model, report.metrics["test_accuracy"]


def drawing_accuracy(drawings, forward: NumpyForward, n: int, seed: int) -> dict:
    canvases, labels, _, _ = drawings.synthetic_drawings(n, seed=seed)
    recipe = forward.predict(np.stack([prepare_digit(c) for c in canvases])).argmax(axis=1)
    plain = forward.predict(np.stack([plain_resize(c) for c in canvases])).argmax(axis=1)
    per_class = [round(float((recipe[labels == d] == d).mean()), 3) for d in range(10)]
    return {"drawn_accuracy": round(float((recipe == labels).mean()), 4),
            "plain_resize_accuracy": round(float((plain == labels).mean()), 4),
            "drawn_per_class": per_class, "drawings": n}


def _densify(stroke: np.ndarray, step: float) -> list[np.ndarray]:
    out = [stroke[0]]
    for a, b in zip(stroke[:-1], stroke[1:]):
        k = max(1, int(np.hypot(*(b - a)) // step))
        out.extend(a + (b - a) * i / k for i in range(1, k + 1))
    return out


def latency(drawings, spec, weights, strokes_wanted: int, seed: int) -> dict:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from annstudio.gui.canvas import DigitReader

    app = QApplication.instance() or QApplication([])
    reader = DigitReader()
    reader.set_model(spec, weights)
    reader.resize(900, 560)
    reader.show()
    app.processEvents()
    surface = reader.canvas.surface
    left, none, mod = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier

    def send(kind, point, button, buttons):
        QApplication.sendEvent(surface, QMouseEvent(kind, point, point, button, buttons, mod))

    rng = np.random.default_rng(seed)
    times, strokes, stale = [], 0, 0
    while strokes < strokes_wanted:
        digit = int(rng.integers(10))
        reader.canvas.set_pen_width(int(rng.integers(8, 41)))
        for stroke in drawings.digit_strokes(digit, rng):
            path = _densify(stroke, float(rng.uniform(3, 8)))
            points = [QPointF(float(x), float(y)) for k, (x, y) in enumerate(path)
                      if k == 0 or (x, y) != tuple(path[k - 1])]  # a mouse reports a move only when it moves
            send(QEvent.Type.MouseButtonPress, points[0], left, left)
            app.processEvents()
            for point in points[1:]:
                before = reader.updates
                start = time.perf_counter()
                send(QEvent.Type.MouseMove, point, none, left)
                app.processEvents()  # paints the canvas, the 28x28 image, the answer, the bars
                times.append(time.perf_counter() - start)
                stale += reader.updates != before + 1
            send(QEvent.Type.MouseButtonRelease, points[-1], left, none)
            strokes += 1
        reader.canvas.clear()
        app.processEvents()
    times_ms = np.array(times) * 1e3
    reader.close()
    return {"median_ms": round(float(np.median(times_ms)), 3), "p90_ms": round(float(np.percentile(times_ms, 90)), 3),
            "moves": len(times), "strokes": strokes, "moves_without_update": int(stale)}


def keras_timing(model) -> dict:
    image = np.random.default_rng(0).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    image = image.reshape((1,) + tuple(int(n) for n in model.inputs[0].shape[1:]))

    def median_ms(fn, n):
        fn()
        fn()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return round(float(np.median(times)) * 1e3, 3)

    return {"keras_predict_ms": median_ms(lambda: model.predict(image, verbose=0), 30),
            "keras_predict_on_batch_ms": median_ms(lambda: model.predict_on_batch(image), 50)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a local mnist.npz")
    parser.add_argument("--model", help="a trained .keras model instead of training one")
    parser.add_argument("--drawings", type=int, default=2000, help="synthetic drawings for the accuracy")
    parser.add_argument("--strokes", type=int, default=300, help="strokes drawn for the latency")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    drawings = load_drawings()
    started = time.perf_counter()
    spec, weights, model, test_accuracy = lecture_network(args.data, args.model)
    print(f"network ready in {time.perf_counter() - started:.1f} s; MNIST test accuracy {test_accuracy}", flush=True)
    forward = NumpyForward(spec, weights)
    figures: dict = {"mnist_test_accuracy": None if test_accuracy is None else round(float(test_accuracy), 4)}
    figures.update(drawing_accuracy(drawings, forward, args.drawings, args.seed))
    print(f"drawings read right: {figures['drawn_accuracy']:.3f} with the MNIST recipe, "
          f"{figures['plain_resize_accuracy']:.3f} with a plain resize", flush=True)
    figures.update(latency(drawings, spec, weights, args.strokes, args.seed + 1))
    figures.update(keras_timing(model))
    figures["speedup_vs_keras_predict"] = round(figures["keras_predict_ms"] / figures["median_ms"], 1)
    print(f"mouse move -> answer shown: median {figures['median_ms']} ms (90 %: {figures['p90_ms']} ms) over "
          f"{figures['moves']} moves in {figures['strokes']} strokes; Keras model.predict on one image: "
          f"{figures['keras_predict_ms']} ms", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
