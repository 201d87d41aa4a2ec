"""Data augmentation: does it help, on MNIST's test digits and on drawn digits? And what does it cost?

    python bench/augment.py --data ../shared/data/mnist.npz [--epochs 5] [--size 60000] [--sizes 1000,60000]

The lecture's network (784-100-10, Adam, batch 32) is trained with the app's engine without augmentation and
with it (``--augment``, default the augmentation tab's "Typical": shift 2 px, rotation 10°, scale ±10 %,
thickness 0.3), on the first ``size`` training digits of each of ``--sizes``. For every run: the test accuracy
(10 000 MNIST test digits), the training accuracy, and the accuracy on synthetic drawn digits
(tests/core/test_digits.py's strokes as a student draws them on the canvas, read through the canvas' MNIST
recipe, as bench/canvas_latency.py does), and the seconds per epoch.

The last line is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from annstudio.core import augment, datasets, lessons  # noqa: E402
from annstudio.core.digits import prepare_digit  # noqa: E402
from annstudio.core.forward import NumpyForward  # noqa: E402
from annstudio.core.spec import replace  # noqa: E402


def load_drawings():
    import importlib.util

    spec = importlib.util.spec_from_file_location("drawings", ROOT / "tests" / "core" / "test_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(data, augmentation: augment.Augmentation, epochs: int, drawn: tuple[np.ndarray, np.ndarray]) -> dict:
    from annstudio.core.engine import Trainer

    preset = lessons.get("mnist-mlp").with_epochs(epochs)
    train = replace(preset.train, **augment.fields_of(augmentation))
    started = time.perf_counter()
    trainer = Trainer(preset.network, train, data)
    reports = list(trainer.run())
    seconds = time.perf_counter() - started
    last = reports[-1]
    images, labels = drawn
    read = NumpyForward(preset.network, last.weights).predict(images).argmax(axis=1)
    return {"augmentation": augmentation.describe() or "off",
            "test_accuracy": round(float(last.metrics["test_accuracy"]), 4),
            "train_accuracy": round(float(last.metrics["accuracy"]), 4),
            "drawn_accuracy": round(float((read == labels).mean()), 4),
            "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="a local mnist.npz (default: the Keras cache)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sizes", default="60000", help="training digits, comma-separated (e.g. 1000,60000)")
    parser.add_argument("--augment", default="", help="e.g. shift=2,rotation=10 (default: the tab's Typical)")
    parser.add_argument("--drawings", type=int, default=2000)
    args = parser.parse_args(argv)
    strong = augment.parse(args.augment) if args.augment else augment.TYPICAL
    drawings = load_drawings()
    canvases, labels, _, _ = drawings.synthetic_drawings(args.drawings, seed=1)
    drawn = (np.stack([prepare_digit(c) for c in canvases]), labels)
    figures: dict = {"epochs": args.epochs, "drawings": args.drawings}
    for size in (int(s) for s in args.sizes.split(",")):
        data = datasets.mnist_dataset(args.data, size=size if size < 60000 else None)
        for name, augmentation in (("off", augment.Augmentation()), ("on", strong)):
            row = run(data, augmentation, args.epochs, drawn)
            figures[f"{size}_{name}"] = row
            print(json.dumps({"size": size, **row}), flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
