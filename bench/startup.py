"""Start-up time: process launch to the main window shown with its panels, median of several launches.

    python bench/startup.py [--runs 5] [--no-bytecode-cache]

Each launch runs the real entry point (``python -m annstudio gui``) with ANNSTUDIO_EXIT_AFTER_SHOW set, so
the window prints the moment its first event-loop turn after ``show()`` runs, then quits. Also reports
whether TensorFlow was already imported at that moment (it must not be), and, for comparison, a bare
PySide6 + pyqtgraph window and ``import tensorflow`` alone. Last line: one JSON object.

A first launch, not counted, warms the file cache and Python's bytecode cache (written to a temporary
folder, so even where PYTHONDONTWRITEBYTECODE is set), as an installed app has them: without it every
launch compiles all of annstudio's modules again (~0.15-0.25 s here). ``--no-bytecode-cache`` measures
that case.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

BARE = """
import time, sys
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
import pyqtgraph as pg
app = QApplication([]); w = QMainWindow(); w.setCentralWidget(pg.PlotWidget()); w.show()
QTimer.singleShot(0, lambda: (print(f"shown {time.time():.6f} tensorflow=False", flush=True), app.quit()))
app.exec()
"""


def launch(cmd: list[str], env: dict) -> tuple[float, bool]:
    start = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("shown "):
            stamp, tf = line.split()[1:3]
            return float(stamp) - start, tf.endswith("True")
    raise RuntimeError(f"no 'shown' line from {cmd}: {out.stderr[-800:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", help="unused (every bench takes it)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="compile every module at every launch (as with PYTHONDONTWRITEBYTECODE)")
    args = parser.parse_args()
    env = {**os.environ, "ANNSTUDIO_EXIT_AFTER_SHOW": "1", "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "ANNSTUDIO_SETTINGS": os.path.join(tempfile.mkdtemp(), "settings.ini")}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="annstudio-pycache-")
    launch([sys.executable, "-m", "annstudio", "gui"], env)  # warm the file and bytecode caches
    launch([sys.executable, "-c", BARE], env)
    app_times, tf_loaded = [], []
    for _ in range(args.runs):
        seconds, tf = launch([sys.executable, "-m", "annstudio", "gui"], env)
        app_times.append(seconds)
        tf_loaded.append(tf)
        print(f"window shown after {seconds:.3f} s (tensorflow imported: {tf})", flush=True)
    bare = [launch([sys.executable, "-c", BARE], env)[0] for _ in range(args.runs)]
    tf_import = []
    for _ in range(2):
        start = time.time()
        subprocess.run([sys.executable, "-c", "import tensorflow"], env=env, capture_output=True, timeout=120)
        tf_import.append(time.time() - start)
    figures = {"window_s": round(statistics.median(app_times), 3), "window_s_all": [round(t, 3) for t in app_times],
               "tensorflow_loaded_before_window": any(tf_loaded),
               "bare_pyside_pyqtgraph_window_s": round(statistics.median(bare), 3),
               "bytecode_cache": not args.no_bytecode_cache,
               "import_tensorflow_s": round(min(tf_import), 3)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
