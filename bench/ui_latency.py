"""How responsive the window stays while it trains: the largest event-loop stall, and frames drawn per second.

    python bench/ui_latency.py --data ../shared/data/mnist.npz

A 5 ms QTimer on the GUI thread records when it fires; the largest gap beyond its interval is a stall
(`max_stall_ms`). Measured (a) while the playground trains a 2-D network with every live view drawing
(the tabs are cycled so each view takes its turn), counting frames drawn per second (`fps`), and (b) while
the MNIST MLP trains through the same worker. Runs offscreen; last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ANNSTUDIO_SETTINGS", os.path.join(tempfile.mkdtemp(), "settings.ini"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from annstudio.core import lessons  # noqa: E402
from annstudio.gui.app import MainWindow, make_app  # noqa: E402

INTERVAL_MS = 5


class StallMeter:
    def __init__(self):
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self):
        self.ticks.clear()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:])]
        return max(0.0, (max(gaps) * 1000 - INTERVAL_MS)) if gaps else float("nan")


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(predicate, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < end:
        wait(20)


def measure_2d(window: MainWindow, seconds: float) -> dict:
    p = window.playground
    p.load_preset(lessons.get("xor-hidden").with_epochs(1_000_000))
    wait_until(lambda: not p.session.is_running(), 120)
    p.play()
    wait_until(lambda: p.loss.row_count() > 50, 120)  # running
    from annstudio.core import engine

    def on_compiled_program() -> bool:
        """The run trains on its compiled program (its first epochs do not, and its compile starts only once it
        has trained for a moment, so "nothing compiling" alone can come before it): well over 1000 epochs a
        second (without it, one epoch a call, 100-300) and nothing compiling."""
        before = p.loss.row_count()
        wait(500)
        return p.loss.row_count() - before > 500 and engine.compiling() == 0

    wait_until(on_compiled_program, 120)
    meter = StallMeter()
    draws0, epochs0, t0 = getattr(p, "draw_count", 0), p.loss.row_count(), time.perf_counter()
    meter.start()
    tabs = p.views.count()
    for i in range(int(seconds * 2)):
        p.views.setCurrentIndex(i % tabs)
        wait(500)
    stall = meter.stop()
    elapsed = time.perf_counter() - t0
    fps = (getattr(p, "draw_count", 0) - draws0) / elapsed
    rate = (p.loss.row_count() - epochs0) / elapsed
    p.stop()
    wait_until(lambda: not p.session.is_running(), 60)
    return {"max_stall_ms_2d": round(stall, 1), "fps": round(fps, 1), "epochs_per_s_2d": round(rate, 1)}


def measure_mnist(window: MainWindow, path: str, seconds: float) -> dict:
    from annstudio.core import datasets
    from annstudio.gui.worker import TrainingSession

    preset = lessons.get("mnist-mlp")
    data = datasets.mnist_dataset(path)

    def make():
        from annstudio.core.engine import Trainer
        return Trainer(preset.network, preset.train, data)

    session = TrainingSession()
    batches = []
    session.reports.connect(batches.append)
    session.start(make, epochs=100)
    wait_until(lambda: batches, 120)  # first epoch done: compiled
    meter = StallMeter()
    meter.start()
    wait(int(seconds * 1000))
    stall = meter.stop()
    session.shutdown()
    return {"max_stall_ms_mnist": round(stall, 1), "mnist_epochs_seen": len(batches)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a local mnist.npz (without it the MNIST part is skipped)")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    app = make_app([])
    window = MainWindow(restore=False)
    window.ask_unsaved = lambda text: "discard"  # what it trained is not wanted: no question at the end
    window.resize(1500, 900)
    window.show()
    figures = measure_2d(window, args.seconds)
    print(json.dumps(figures), flush=True)
    if args.data:
        figures.update(measure_mnist(window, args.data, args.seconds))
    figures["max_stall_ms"] = max(v for k, v in figures.items() if k.startswith("max_stall_ms_"))
    window.close()
    app.processEvents()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
