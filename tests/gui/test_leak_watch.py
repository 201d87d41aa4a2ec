"""The suite's own rule, tested: a test that leaves a QThread running or a QTimer no widget owns fails."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LEAKY = '''
import time

from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QWidget

kept = []


class Sleeper(QThread):
    def run(self):
        time.sleep(2)


def test_leaves_a_thread(qapp):
    kept.append(Sleeper())
    kept[-1].start()


def test_leaves_a_timer_without_a_parent(qapp):
    kept.append(QTimer())
    kept[-1].start(1000)


def test_leaves_a_single_shot_without_a_context(qapp):
    QTimer.singleShot(60000, lambda: None)


def test_clean(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    timer = QTimer(widget)  # owned by a widget: it dies with it
    timer.start(1000)
    fired = []
    QTimer.singleShot(0, lambda: fired.append(1))  # due at once: fires in the grace period
    QTimer.singleShot(60000, widget, lambda: None)  # with a context object: Qt's own
    thread = Sleeper()
    thread.run = lambda: None
    thread.start()
    kept.append(thread)  # ends on its own within the grace period
'''


def test_leaks_fail_their_test_and_nothing_else(tmp_path):
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    # -rN: no short summary (under CI=true pytest writes it out in full, and every message twice)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rN", "-p", "no:cacheprovider", "-o", "qt_api=pyside6",
                           str(tmp_path / "test_leaky.py")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "4 passed, 3 errors" in out, out  # failed at teardown, each test on its own
    assert "a QThread (Sleeper) still running, started at" in out and "test_leaky.py" in out
    assert out.count("a QTimer that no widget owns still active") == 2
    assert "(60000 ms, single shot)" in out and "(1000 ms)" in out
