"""What a student waits for: launch → first trained epoch, and change the network → see it learn.

    python bench/latency.py [--data ../shared/data/mnist.npz] [--runs 1]

Drives the real window offscreen, as a user does, in a fresh process per run: the window is shown and Space
is pressed at its first event-loop turn (launch → window, launch → first trained epoch *drawn*); then, for
several changes made with the panels' own buttons and boxes (a neuron more, a layer more, another
activation, an extra input feature, a neuron fewer, another data set), each giving an architecture not
seen before in the session: change → the untrained network drawn, and Space → the first trained epoch
drawn (a report with epoch ≥ 1 that reached the data plot). With ``--data``, the MNIST tab too: Play →
the first live report (a batch loss), and Play → the first epoch, Play pressed the moment MNIST is loaded; then
Play → the first live report of a new network (a layer more) after 3 s of looking at it.

Each run is a *first* launch: a new app-data folder, so no traced program is kept from before (see
core/program_store). Then the *next* launch in that folder, launch → first epoch only (``next_launch_*``):
what a student meets every day after the first.

In the same run, the notebook route in a fresh process: ``import tensorflow``, a ``Sequential`` 2-2-1
net, ``compile``, ``fit`` one epoch on the same 1000 points; then a new architecture built, compiled and
fit one epoch; run right before and right after each launch. The ratios put the app's waits against it (a
launch against the mean of the notebook runs around it). Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

NOTEBOOK = r"""
import time, os, sys
t0 = float(sys.argv[1])
import numpy as np
import tensorflow as tf
import keras
t_import = time.time()
sys.path.insert(0, sys.argv[2])
from annstudio.core import lessons, datasets
data = datasets.load(lessons.get("looking-at-parameters").data)
x, y = data.x_train.astype("float32"), data.y_train.astype("float32")
def fit_one(units):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(units, activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
fit_one(2)
t_first = time.time()
fit_one(3)
t_second = time.time()
print(json.dumps({"import_s": t_import - t0, "first_epoch_s": t_first - t0, "new_architecture_s": t_second - t_first}))
""".replace("import time, os, sys", "import time, os, sys, json")


def child(launched: float, mnist: str | None, launch_only: bool = False) -> None:
    """The app, driven as a user drives it; prints one JSON object of waits (``launch_only``: the launch's)."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from annstudio.gui.app import MainWindow, make_app

    out: dict = {}
    app = make_app([])
    window = MainWindow()
    window.ask_unsaved = lambda text: "discard"  # closing after training must not ask (no one would answer)
    window.show()
    p = window.playground
    # When each report was drawn: the moment a student sees it. Timed where it happens, the waits below can
    # look every 10 ms (looking every 2 ms, the bench's own event loops took the interpreter lock from the app's
    # threads: launch → first epoch 0.35 s longer in 3 of 4 alternated pairs).
    drawn_at: dict[int, float] = {}
    hooks = p.run.hooks

    def draw_report(report, draw=hooks.draw_report) -> None:
        draw(report)
        drawn_at[id(report)] = time.time()

    p.run.hooks = dataclasses.replace(hooks, draw_report=draw_report)

    def spin(ms: int = 10) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(predicate, timeout: float = 120.0) -> float:
        """Wait until ``predicate()``; when it became true: the time its report was drawn (``drawn``), else now."""
        end = time.time() + timeout
        while not predicate():
            if time.time() > end:
                raise TimeoutError("waited too long")
            spin()
        return getattr(predicate, "drawn", time.time)()

    def drawn() -> float:
        return drawn_at.get(id(p.drawn_report()), time.time())

    def trained() -> bool:
        report = p.drawn_report()
        return report is not None and report.epoch >= 1 and not report.partial

    def untrained() -> bool:
        report = p.drawn_report()
        return report is not None and report.epoch == 0

    trained.drawn = untrained.drawn = drawn

    def space() -> None:
        window.activateWindow()
        QTest.keyClick(window, Qt.Key.Key_Space)

    spin(0)
    shown = time.time()
    out["launch_to_window_s"] = shown - launched
    space()
    out["launch_to_first_epoch_s"] = until(trained) - launched
    out["play_lost"] = False
    if launch_only:
        print("RESULT " + json.dumps(out), flush=True)
        os._exit(0)  # (as a student closing at once would; the launch is what was measured)

    def halt() -> None:
        if p.state() == "running":
            space()
        p.training.stop_button.click()
        until(lambda: not p.session.is_running())

    row0 = lambda: p.builder.layer_list.itemWidget(p.builder.layer_list.item(0))  # noqa: E731

    def select_first_layer():
        p.builder.layer_list.setCurrentRow(0)

    def activation():
        select_first_layer()
        combo = p.builder.activation_combo
        combo.setCurrentIndex(combo.findText("tanh") if combo.findText("tanh") >= 0 else (combo.currentIndex() + 1) % combo.count())

    def feature():
        p.data_panel.feature_checks["x1^2"].setChecked(True)

    def dataset():
        combo = p.data_panel.kind_combo
        combo.setCurrentIndex(combo.findData("circle") if combo.findData("circle") >= 0 else combo.findData("xor"))

    changes = [("neuron_plus", lambda: row0().plus.click()),
               ("add_layer", lambda: p.builder.add_button.click()),
               ("activation", activation),
               ("feature", feature),
               ("neuron_minus", lambda: row0().minus.click()),
               ("dataset", dataset)]
    results = []
    for name, change in changes:
        halt()
        spin(50)
        before = p.network_spec(), p.dataset().name
        t0 = time.time()
        change()
        if (p.network_spec(), p.dataset().name) == before:
            raise RuntimeError(f"the change {name} changed nothing")
        t_picture = until(untrained)
        t_play = time.time()
        space()
        t_epoch = until(trained)
        results.append({"change": name, "untrained_s": round(t_picture - t0, 3),
                        "play_to_epoch_s": round(t_epoch - t_play, 3), "change_to_epoch_s": round(t_epoch - t0, 3)})
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    halt()
    out["changes"] = results
    if mnist:
        out.update(mnist_waits(window, mnist, until, spin))
    window.close()
    app.processEvents()
    print("RESULT " + json.dumps(out), flush=True)


def mnist_waits(window, path: str, until, spin) -> dict:
    """MNIST tab: Play → first live report, Play → first epoch."""
    from pathlib import Path

    window.tabs.setCurrentIndex(1)
    m = window.mnist
    if m._full is None:
        m._start_loader(Path(path), download=False)
    until(lambda: m._full is not None and not m.is_loading(), 300)
    got = []
    m.session.reports.connect(lambda batch: got.append((time.time(), batch.report)))
    t0 = time.time()
    m.play()
    until(lambda: got, 300)
    first = got[0][0]  # (when the report came: the waits look every 10 ms)
    until(lambda: any(r.epoch >= 1 and not r.partial for _, r in got), 600)
    epoch = next(t for t, r in got if r.epoch >= 1 and not r.partial)
    m.stop()
    until(lambda: not m.session.is_running(), 120)
    out = {"mnist_play_to_first_report_s": round(first - t0, 3), "mnist_play_to_first_epoch_s": round(epoch - t0, 3),
           "mnist_first_report_partial": bool(got[0][1].partial)}
    # a student who looks before pressing Play: a new network (a layer more: its programs are new), 3 s of
    # nothing, then Play
    before = m.network_spec()
    m.builder.add_button.click()
    if m.network_spec() == before:
        raise RuntimeError("the MNIST network did not change")
    pause = time.time() + 3.0
    until(lambda: time.time() >= pause, 10)
    got.clear()
    t0 = time.time()
    m.play()
    until(lambda: got, 300)
    first = got[0][0]
    m.stop()
    until(lambda: not m.session.is_running(), 120)
    out["mnist_idle_play_to_first_report_s"] = round(first - t0, 3)
    return out


def _base_env() -> dict:
    """As an installed app (and a notebook's kernel) runs: with Python's bytecode cache, written to a folder of
    its own so that it works even where PYTHONDONTWRITEBYTECODE is set (as on the machine this was made on;
    without the cache every launch compiles all of annstudio's modules again, see startup.py)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    return env


_PYCACHE = tempfile.mkdtemp(prefix="annstudio-pycache-")


def run_child(mnist: str | None, data_dir: str, launch_only: bool = False) -> dict:
    """One launch of the app, its settings new and its app-data folder ``data_dir`` (where it keeps the programs
    it traced: a new folder is a first launch, see core/program_store)."""
    env = {**_base_env(), "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "ANNSTUDIO_SETTINGS": os.path.join(tempfile.mkdtemp(), "settings.ini"), "TF_CPP_MIN_LOG_LEVEL": "3",
           "ANNSTUDIO_DATA_DIR": data_dir, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    launched = time.time()
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(launched)] + (["--data", mnist] if mnist else [])
    cmd += ["--launch-only"] if launch_only else []
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"the app run gave no result (exit {proc.returncode}): {proc.stderr[-2000:]}")


def run_notebook() -> dict:
    env = {**_base_env(), "TF_CPP_MIN_LOG_LEVEL": "3"}
    launched = time.time()
    proc = subprocess.run([sys.executable, "-c", NOTEBOOK, str(launched), ROOT], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a local mnist.npz: also measure the MNIST tab's first report")
    parser.add_argument("--runs", type=int, default=1, help="app launches (each with all the changes)")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--launch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.data, args.launch_only)
        return
    # warm the file and bytecode caches, as an installed app has them (not counted)
    subprocess.run([sys.executable, "-c", "import tensorflow, keras, annstudio.gui.app, annstudio.core.engine"],
                   capture_output=True, env={**_base_env(), "PYTHONPATH": ROOT}, timeout=300)
    # The notebook route right before and right after each launch, its ratio against their mean: this
    # machine's speed drifts by up to 2x within a minute, and one notebook run put against a launch a minute
    # later moved the ratio by ±0.3.
    apps, notebooks, warm, ratios, next_ratios = [], [], [], [], []
    for i in range(args.runs):
        before = run_notebook()
        data_dir = tempfile.mkdtemp(prefix="annstudio-data-")  # a first launch: no program kept yet
        apps.append(run_child(args.data if i == 0 else None, data_dir))
        between = run_notebook()
        warm.append(run_child(None, data_dir, launch_only=True))  # the next launch finds them kept
        after = run_notebook()
        notebooks += [before, between, after]
        around = [(before["first_epoch_s"] + between["first_epoch_s"]) / 2,
                  (between["first_epoch_s"] + after["first_epoch_s"]) / 2]
        ratios.append(apps[-1]["launch_to_first_epoch_s"] / around[0])
        next_ratios.append(warm[-1]["launch_to_first_epoch_s"] / around[1])
        print(json.dumps({"app": apps[-1], "notebook": [before, between, after], "warm": warm[-1]}), flush=True)
    changes = [c for a in apps for c in a["changes"]]
    med = lambda xs: round(statistics.median(xs), 3)  # noqa: E731
    launch = med([a["launch_to_first_epoch_s"] for a in apps])
    nb_first = med([n["first_epoch_s"] for n in notebooks])
    nb_new = med([n["new_architecture_s"] for n in notebooks])
    change_epoch = [c["change_to_epoch_s"] for c in changes]
    figures = {
        "launch_to_window_s": med([a["launch_to_window_s"] for a in apps]),
        "launch_to_first_epoch_s": launch,
        "notebook_first_epoch_s": nb_first,
        "launch_ratio": med(ratios),
        "next_launch_to_first_epoch_s": med([w["launch_to_first_epoch_s"] for w in warm]),
        "next_launch_ratio": med(next_ratios),
        "untrained_median_s": med([c["untrained_s"] for c in changes]),
        "untrained_max_s": round(max(c["untrained_s"] for c in changes), 3),
        "play_to_epoch_median_s": med([c["play_to_epoch_s"] for c in changes]),
        "play_to_epoch_max_s": round(max(c["play_to_epoch_s"] for c in changes), 3),
        "change_to_epoch_median_s": med(change_epoch),
        "change_to_epoch_max_s": round(max(change_epoch), 3),
        "notebook_new_architecture_s": nb_new,
        "change_ratio": round(statistics.median(change_epoch) / nb_new, 3),
        "changes": len(changes),
    }
    for key in ("mnist_play_to_first_report_s", "mnist_play_to_first_epoch_s", "mnist_idle_play_to_first_report_s"):
        if key in apps[0]:
            figures[key] = apps[0][key]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
