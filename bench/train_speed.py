"""Training speed of the app's engine against plain Keras ``compile`` + ``fit``, in one process.

    python bench/train_speed.py --data ../shared/data/mnist.npz

Two measurements, each against a plain-Keras baseline run here and now:

* MNIST 784-100-10 (Adam, batch 32, 5 epochs): seconds per epoch of ``fit`` and of the engine, steady
  state (epochs 2..5), and both test accuracies after 5 epochs.
* The lecture's 2-2-1 "looking at parameters" net on its 1000 points with the 200x200 decision surface
  computed after every epoch: ``fit`` with a callback doing ``predict_on_batch`` on the grid, against the
  engine with its in-graph surface probe.
* The same net watched as the window watches it: every epoch's metrics, and the decision surface (with
  the other pictures) at most 60 times a second. ``fit`` with a callback that predicts the grid at most
  60 times a second, against the engine with ``probe_interval=1/60`` (many epochs per call).

Each side runs as its user gets it: the engine with the window's thread setting (TensorFlow may use every core
but one, ``core/threads.py``), plain Keras in a fresh process with TensorFlow's defaults, as in a notebook, run
first and in the same run. ``--one-process`` runs both here with TensorFlow's defaults (this bench's figures
before 2026-12-04): the engine's epoch is then slower on a 2-core machine, and so is ``fit``'s.

The last line is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from annstudio.core import threads  # noqa: E402

if not {"--keras-only", "--one-process"} & set(sys.argv):  # the engine as the window runs it: set before
    threads.leave_a_core()                                 # TensorFlow loads

import numpy as np  # noqa: E402

from annstudio.core import build, datasets, lessons  # noqa: E402
from annstudio.core.engine import Probes, Trainer, grid_axes  # noqa: E402

import keras  # noqa: E402


class EpochTimes(keras.callbacks.Callback):
    def __init__(self, grid=None):
        super().__init__()
        self.grid = grid
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self.grid is not None:
            self.model.predict_on_batch(self.grid)
        self.times.append(time.perf_counter() - self._t)


def _mnist_data(path: str):
    preset = lessons.get("mnist-mlp")
    return preset, datasets.load(preset.data.__class__(**{**preset.data.to_dict(), "path": path}))


def keras_mnist(path: str, epochs: int) -> dict:
    preset, data = _mnist_data(path)
    train = preset.train
    model = build.build_model(preset.network, seed=train.seed)
    build.compile_like_lecture(model, train)
    timer = EpochTimes()
    model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=train.batch_size, verbose=0, callbacks=[timer])
    _, fit_acc = model.evaluate(data.x_test, data.y_test, verbose=0)
    return {"fit_s_per_epoch": round(float(np.median(timer.times[1:])), 3), "fit_first_epoch_s": round(timer.times[0], 3),
            "fit_test_accuracy": round(float(fit_acc), 4)}


def app_mnist(path: str, epochs: int) -> dict:
    preset, data = _mnist_data(path)
    trainer = Trainer(preset.network, preset.train, data)
    times, last = [], time.perf_counter()
    for report in trainer.run(epochs):
        now = time.perf_counter()
        times.append(now - last)
        last = now
    return {"app_s_per_epoch": round(float(np.median(times[1:])), 3), "app_first_epoch_s": round(times[0], 3),
            "app_test_accuracy": round(float(report.metrics["test_accuracy"]), 4)}


def _lecture_2d():
    """The lecture's "looking at parameters" preset, its data, and the 200x200 grid of its decision surface."""
    preset = lessons.get("looking-at-parameters")
    data = datasets.load(preset.data)
    xs, ys = grid_axes(data.bounds, 200)
    gx, gy = np.meshgrid(xs, ys)
    return preset, data, np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def keras_live2d(epochs: int) -> dict:
    preset, data, grid = _lecture_2d()
    train = preset.train
    model = build.build_model(preset.network, seed=train.seed)
    build.compile_like_lecture(model, train)
    timer = EpochTimes(grid)
    model.fit(data.x_train, data.y_train, epochs=max(20, epochs // 10), batch_size=train.batch_size, verbose=0,
              callbacks=[timer])
    return {"fit_live2d_epochs_per_s": round(1.0 / float(np.median(timer.times[2:])), 1)}


def app_live2d(epochs: int) -> dict:
    preset, data, _ = _lecture_2d()
    trainer = Trainer(preset.network, preset.train, data, Probes(surface=True, resolution=200))
    for _ in trainer.run(2):  # compile
        pass
    start = time.perf_counter()
    count = 0
    for report in trainer.run(epochs):
        assert report.surface is not None and report.surface.shape == (200, 200)
        count += 1
    return {"live2d_epochs_per_s": round(count / (time.perf_counter() - start), 1)}


def keras_watched() -> dict:
    """``fit``, predicting the decision surface at most 60 times a second."""
    preset, data, grid = _lecture_2d()
    train = preset.train

    class Paced(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.last, self.ends = 0.0, []

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            if now - self.last >= 1 / 60:
                self.model.predict_on_batch(grid)
                self.last = now
            self.ends.append(time.perf_counter())

    model = build.build_model(preset.network, seed=train.seed)
    build.compile_like_lecture(model, train)
    paced = Paced()
    model.fit(data.x_train, data.y_train, epochs=40, batch_size=train.batch_size, verbose=0, callbacks=[paced])
    return {"fit_watched_epochs_per_s": round((len(paced.ends) - 5) / (paced.ends[-1] - paced.ends[4]), 1)}


def app_watched(seconds: float) -> dict:
    """Epochs a second with pictures at most 60 times a second, as the window trains."""
    preset, data, _ = _lecture_2d()
    probes = Probes(surface=True, resolution=200, activations=True, grad_norms=True, histograms=True,
                    neuron_maps=True, neuron_resolution=40)  # all the playground's pictures
    trainer = Trainer(preset.network, preset.train, data, probes, probe_interval=1 / 60)
    for _ in trainer.run(300):  # compile, and learn an epoch's time
        pass
    from annstudio.core import engine

    while engine.compiling():  # the first epochs train while the XLA program compiles: steady state after it
        time.sleep(0.05)
    for _ in trainer.run(300):
        pass
    count = pictures = 0
    start = time.perf_counter()
    for report in trainer.run(10_000_000):
        count += 1
        pictures += report.surface is not None
        if time.perf_counter() - start >= seconds:
            break
    elapsed = time.perf_counter() - start
    return {"watched_epochs_per_s": round(count / elapsed, 1), "watched_pictures_per_s": round(pictures / elapsed, 1)}


def keras_figures(args) -> dict:
    """Plain Keras's figures: here (``--keras-only``, ``--one-process``) or from a fresh process."""
    if args.keras_only or args.one_process:
        figures = {**keras_live2d(args.live_epochs), **keras_watched()}
        if not args.skip_mnist:
            figures.update(keras_mnist(args.data, args.mnist_epochs))
        return figures
    command = [sys.executable, os.path.abspath(__file__), "--keras-only", "--live-epochs", str(args.live_epochs),
               "--mnist-epochs", str(args.mnist_epochs)]
    command += ["--skip-mnist"] if args.skip_mnist else ["--data", args.data] if args.data else []
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        sys.exit(f"plain Keras's run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="a local mnist.npz (default: the Keras cache)")
    parser.add_argument("--mnist-epochs", type=int, default=5)
    parser.add_argument("--live-epochs", type=int, default=1000)
    parser.add_argument("--watched-seconds", type=float, default=5.0)
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--one-process", action="store_true",
                        help="plain Keras in this process, both with TensorFlow's default threads")
    parser.add_argument("--keras-only", action="store_true", help=argparse.SUPPRESS)  # the fresh process's part
    args = parser.parse_args()
    figures = keras_figures(args)  # first: the two never share the cores
    if args.keras_only:
        print(json.dumps(figures))
        return
    figures["tf_threads"] = threads.requested() or os.cpu_count()
    figures.update(app_live2d(args.live_epochs))
    figures["live2d_ratio"] = round(figures["live2d_epochs_per_s"] / figures["fit_live2d_epochs_per_s"], 1)
    figures.update(app_watched(args.watched_seconds))
    figures["watched_ratio"] = round(figures["watched_epochs_per_s"] / figures["fit_watched_epochs_per_s"], 1)
    print(json.dumps(figures), flush=True)
    if not args.skip_mnist:
        figures.update(app_mnist(args.data, args.mnist_epochs))
        figures["mnist_epoch_ratio"] = round(figures["app_s_per_epoch"] / figures["fit_s_per_epoch"], 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
