"""Soak: many models and many start/stop cycles in one process; memory must level off, no thread may linger.

    python bench/soak.py                      # 30 models, 30 GUI start/stop cycles (a few minutes)
    python bench/soak.py --no-clear-session   # the same without keras.backend.clear_session() between models
    python bench/soak.py --models 10 --cycles 10

(a) Models: each round builds a network through :class:`annstudio.core.engine.Trainer`, trains it a few
epochs on 1000 2-D points, then trains a second one for an epoch with every probe on (decision surface,
activations, gradient norms, histograms, neuron maps), and drops both. The networks alternate between the
lecture's 2-2-1 sigmoid net and a 2-8-8-1 tanh net, so shapes change as they do when a student edits.
(b) GUI worker: :class:`annstudio.gui.worker.TrainingSession` under an offscreen QApplication starts a long
run, lets it train 100-300 ms, stops it and waits for ``finished``; every other cycle starts a fresh trainer
(a new network), the rest continue the last one (as the Train button does).

Resident memory (VmRSS) is printed after every model and every cycle. The last line is JSON:
``memory_growth_after_warmup`` = RSS after the last model / RSS after the first 5 models - 1 (goal <= 0.10),
``gui_memory_growth_after_warmup`` the same for the cycles, ``threads_left`` = QThreads of the worker still
running plus non-daemon Python threads other than the main thread (must be 0), and the RSS figures in MB.

TensorFlow never frees a traced function (nor XLA's code for it): a process that compiled a new training
program for every model grew by ~15 MB per model. The engine therefore hands a discarded Trainer's compiled
programs to the next Trainer of the same architecture (weights and optimizer reset to a fresh build's), so
the rounds above reuse them after the first two. What a *new* architecture still costs is measured apart:
(c) ``--new-architectures`` networks of widths never seen before are trained once each, and
``mb_per_new_architecture`` is their average growth (informative; no goal).

Keras keeps global state per model (layer-name counters, the graph of traced tf.functions); by default
``keras.backend.clear_session()`` is called after each model is dropped. ``--no-clear-session`` shows what
happens without it.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import threading
import time
from dataclasses import replace

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from annstudio.core import datasets, lessons  # noqa: E402
from annstudio.core.spec import DataSpec, NetworkSpec, dense  # noqa: E402

WARMUP = 5
ALL_PROBES = dict(surface=True, resolution=100, activations=True, grad_norms=True, histograms=True,
                  neuron_maps=True)


def rss_mb() -> float:
    """Resident memory now, in MB (VmRSS; ru_maxrss where /proc is missing, which is a peak)."""
    gc.collect()
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def growth(values: list[float]) -> float:
    base = values[min(WARMUP, len(values)) - 1]
    return values[-1] / base - 1


def networks() -> list[NetworkSpec]:
    small = lessons.get("looking-at-parameters").network
    wider = NetworkSpec((2,), (dense(8, "tanh"), dense(8, "tanh"), dense(1, "sigmoid")), ("x1", "x2"))
    return [small, wider]


def soak_models(count: int, epochs: int, clear_session: bool, xla: bool) -> list[float]:
    import keras

    from annstudio.core.engine import Probes, Trainer

    preset = lessons.get("looking-at-parameters")
    data = datasets.generate(DataSpec("parabola", size=1000, seed=1))
    train = replace(preset.train, epochs=epochs)
    shapes = networks()
    values = []
    for i in range(count):
        started = time.perf_counter()
        network = shapes[i % len(shapes)]
        plain = Trainer(network, train, data, xla=xla)
        result = plain.train_to_end()
        loss = result.final["loss"]
        probed = Trainer(network, replace(train, epochs=1, seed=i), data, Probes(**ALL_PROBES), xla=xla)
        reports = list(probed.run())
        assert reports[-1].surface is not None and reports[-1].activations is not None
        del plain, probed, result, reports
        if clear_session:
            keras.backend.clear_session()
        values.append(rss_mb())
        print(f"model {i + 1:3d}/{count}  {network.describe():58s} loss {loss:.3f}  "
              f"{time.perf_counter() - started:5.2f} s  RSS {values[-1]:8.1f} MB", flush=True)
    return values


def soak_gui(cycles: int, clear_session: bool, xla: bool, seed: int = 0) -> list[float]:
    import keras
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from annstudio.core.engine import Trainer
    from annstudio.gui.worker import TrainingSession

    app = QApplication.instance() or QApplication([])
    rng = random.Random(seed)
    preset = lessons.get("looking-at-parameters")
    data = datasets.generate(DataSpec("parabola", size=1000, seed=1))
    shapes = networks()
    session = TrainingSession()
    outcomes = []
    session.finished.connect(outcomes.append)
    reports = []
    session.reports.connect(lambda batch: reports.append(batch.report.epoch))

    def wait(ms: int, until=lambda: False) -> None:
        loop = QEventLoop()
        deadline = time.perf_counter() + ms / 1000
        timer = QTimer()
        timer.timeout.connect(lambda: (until() or time.perf_counter() >= deadline) and loop.quit())
        timer.start(5)
        loop.exec()
        timer.stop()

    values = []
    for i in range(cycles):
        started = time.perf_counter()
        fresh = i % 2 == 0 or session.trainer is None
        if fresh:
            session.forget()
            if clear_session and i:
                keras.backend.clear_session()
            network = shapes[(i // 2) % len(shapes)]
            make = (lambda net=network: Trainer(net, preset.train, data, xla=xla))
            assert session.start(make, epochs=100_000)
        else:
            assert session.start(epochs=100_000)
        before = len(outcomes)
        wait(rng.randint(100, 300))
        session.stop()
        wait(60_000, until=lambda: len(outcomes) > before)
        if len(outcomes) == before:
            raise SystemExit(f"cycle {i + 1}: the worker did not finish within 60 s of stop()")
        outcome = outcomes[-1]
        app.processEvents()
        values.append(rss_mb())
        print(f"cycle {i + 1:3d}/{cycles}  {'new trainer' if fresh else 'continue   '}  stopped={outcome.stopped!s:5s} "
              f"epochs so far {session.trainer.epoch if session.trainer else 0:4d}  "
              f"{time.perf_counter() - started:5.2f} s  RSS {values[-1]:8.1f} MB", flush=True)
    session.shutdown()
    session.forget()
    app.processEvents()
    return values


def soak_new_architectures(count: int, epochs: int, xla: bool) -> list[float]:
    from annstudio.core.engine import Trainer

    preset = lessons.get("looking-at-parameters")
    data = datasets.generate(DataSpec("parabola", size=1000, seed=1))
    train = replace(preset.train, epochs=epochs)
    values = [rss_mb()]
    for i in range(count):
        network = NetworkSpec((2,), (dense(11 + i, "tanh"), dense(1, "sigmoid")), ("x1", "x2"))
        Trainer(network, train, data, xla=xla).train_to_end()
        values.append(rss_mb())
        print(f"new architecture {i + 1}/{count}  {network.describe():44s} RSS {values[-1]:8.1f} MB", flush=True)
    return values


def threads_left() -> int:
    from annstudio.gui.worker import running_threads

    python = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in python:
        print(f"left behind: Python thread {thread.name!r}", flush=True)
    qthreads = running_threads()
    for thread in qthreads:
        print(f"left behind: QThread {thread.objectName()!r}", flush=True)
    return len(python) + len(qthreads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="unused (every bench takes it; the soak needs no MNIST)")
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--new-architectures", type=int, default=4,
                        help="networks never seen before, trained once each after the soak (default 4)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per model (default 3)")
    parser.add_argument("--no-clear-session", dest="clear_session", action="store_false",
                        help="do not call keras.backend.clear_session() between models")
    parser.add_argument("--no-xla", dest="xla", action="store_false",
                        help="Trainer(xla=False): compile without XLA (the app's default is XLA)")
    args = parser.parse_args(argv)
    if args.models < WARMUP or args.cycles < WARMUP:
        parser.error(f"--models and --cycles must be at least {WARMUP} (the warm-up)")

    started = time.perf_counter()
    rss_start = rss_mb()
    models = soak_models(args.models, args.epochs, args.clear_session, args.xla)
    gui = soak_gui(args.cycles, args.clear_session, args.xla)
    fresh = soak_new_architectures(args.new_architectures, args.epochs, args.xla) if args.new_architectures else []
    left = threads_left()
    from annstudio.core import engine
    rss_end = rss_mb()
    result = {
        "memory_growth_after_warmup": round(growth(models), 4),
        "gui_memory_growth_after_warmup": round(growth(gui), 4),
        "threads_left": left,
        "rss_start_mb": round(rss_start, 1),
        "rss_after_warmup_mb": round(models[WARMUP - 1], 1),
        "rss_after_models_mb": round(models[-1], 1),
        "rss_gui_after_warmup_mb": round(gui[WARMUP - 1], 1),
        "rss_after_gui_mb": round(gui[-1], 1),
        "rss_end_mb": round(rss_end, 1),
        "mb_per_model_after_warmup": round((models[-1] - models[WARMUP - 1]) / max(1, len(models) - WARMUP), 2),
        "gui_mb_per_cycle_after_warmup": round((gui[-1] - gui[WARMUP - 1]) / max(1, len(gui) - WARMUP), 2),
        "mb_per_new_architecture": round((fresh[-1] - fresh[0]) / (len(fresh) - 1), 2) if fresh else None,
        "programs_built": engine._POOL.built,
        "programs_reused": engine._POOL.reused,
        "models": args.models,
        "cycles": args.cycles,
        "epochs_per_model": args.epochs,
        "clear_session": args.clear_session,
        "xla": args.xla,
        "seconds": round(time.perf_counter() - started, 1),
        "goal_met": growth(models) <= 0.10 and growth(gui) <= 0.10 and left == 0,
    }
    print(json.dumps(result), flush=True)
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
