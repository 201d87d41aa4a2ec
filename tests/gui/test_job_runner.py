"""The job runner: a plain function in a thread of its own, its outcome as signals on the GUI thread."""
from __future__ import annotations

import gc
import threading

import pytest
import shiboken6

from annstudio.core.jobs import JobState
from annstudio.gui import jobs
from annstudio.gui.jobs import JobRunner, running_threads


def _count(n: int, gate: threading.Event, state: JobState) -> int:
    for i in range(n):
        gate.wait(5)
        state.check()
        state.report(i + 1, n)
    return n


@pytest.fixture
def runner(qtbot):
    runner = JobRunner("test")
    yield runner
    assert runner.stop()
    assert running_threads() == []


def _record(runner):
    seen = []
    runner.progress.connect(lambda done, total: seen.append(("progress", done, total)))
    runner.done.connect(lambda value: seen.append(("done", value)))
    runner.failed.connect(lambda exc: seen.append(("failed", type(exc).__name__)))
    runner.cancelled.connect(lambda: seen.append(("cancelled",)))
    runner.finished.connect(lambda: seen.append(("finished",)))
    return seen


def test_a_job_reports_progress_then_its_result_then_finished(runner, qtbot):
    seen = _record(runner)
    gate = threading.Event()  # held shut until the checks below: a job that ends at once is not "running"
    runner.start(_count, 3, gate)
    assert runner.is_running() and len(running_threads()) == 1
    assert not gc.isenabled()  # no collection in a worker thread while it runs
    with qtbot.waitSignal(runner.finished, timeout=10000):
        gate.set()
    assert seen == [("progress", 1, 3), ("progress", 2, 3), ("progress", 3, 3), ("done", 3), ("finished",)]
    assert not runner.is_running() and running_threads() == []
    qtbot.waitUntil(gc.isenabled, timeout=5000)  # collection on again (another pause may end a moment later)


def test_a_failure_is_the_exception_itself(runner, qtbot):
    seen = _record(runner)
    with qtbot.waitSignal(runner.finished, timeout=10000):
        runner.start(lambda state: 1 / 0)
    assert seen == [("failed", "ZeroDivisionError"), ("finished",)]


def test_cancel_stops_the_job_and_drops_its_result(runner, qtbot):
    seen = _record(runner)
    gate = threading.Event()
    runner.start(_count, 100, gate)
    runner.cancel()
    assert runner.is_cancelled()
    gate.set()
    with qtbot.waitSignal(runner.finished, timeout=10000):
        pass
    assert seen == [("cancelled",), ("finished",)]  # no progress once cancelled either

    seen.clear()  # a job that returns although it was cancelled: its result is not delivered
    runner.start(lambda state: (state.cancel(), "result")[1])
    with qtbot.waitSignal(runner.finished, timeout=10000):
        pass
    assert seen == [("cancelled",), ("finished",)]


def test_join_delivers_the_outcome_at_once_and_a_new_start_replaces_the_old_job(runner, qtbot):
    seen = _record(runner)
    gate = threading.Event()
    runner.start(_count, 2, gate)
    gate.set()
    runner.start(lambda state: "second")  # the first is cancelled and joined: its outcome never comes
    assert runner.join(10000)
    assert seen == [("done", "second"), ("finished",)] and not runner.is_running()
    qtbot.wait(50)
    assert seen == [("done", "second"), ("finished",)]


def test_join_gives_up_after_its_timeout(runner):
    gate = threading.Event()
    runner.start(_count, 1, gate)
    assert not runner.join(50) and runner.is_running()
    gate.set()
    assert runner.join(10000) and not runner.is_running()


def test_a_job_whose_owner_is_destroyed_while_it_runs_still_lets_go_of_its_thread(qtbot):
    """A widget closed and deleted while its job ran takes its runner with it: the thread must still be let go
    when it ends, or garbage collection would stay paused for the rest of the session."""
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    runner = JobRunner("orphan", owner)
    gate = threading.Event()
    runner.start(_count, 1, gate)
    assert not gc.isenabled() and len(running_threads()) == 1
    owner.deleteLater()  # the runner goes with it, the job still running
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner), timeout=5000)
    gate.set()
    # its GC pause given back (whether collection is on also depends on other tests' background threads)
    qtbot.waitUntil(lambda: running_threads() == [] and not jobs._HELD, timeout=10000)


EXIT_SCRIPT = """
import time
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from annstudio.gui import jobs

class Slow(QThread):
    def run(self):
        time.sleep(1.5)

app = QApplication([])
thread = Slow()
jobs.adopt(thread)
thread.start()
del thread  # the program ends while it runs (a close whose join gave up)
"""


def test_a_thread_still_running_at_exit_is_waited_for_not_destroyed():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Destroyed while thread" not in done.stderr


# A thread still tracing Keras when the program ends: it must be waited for before the libraries' own exit
# handlers run. optree (Keras' tree library, imported here after the app's modules, as in the app, where the
# training thread imports it) empties its registry of node types in its atexit handler; a trace after that saw
# a list as a leaf and failed ("'list' object has no attribute 'ndim'", the GUI fuzzer, seed 2).
LATE_TRACE_SCRIPT = """
import threading, time
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from annstudio.gui import jobs
import keras

class Tracing(QThread):
    def run(self):
        ended.wait(60)    # the program's last line
        time.sleep(1.0)   # the exit goes on meanwhile
        print("flattened", keras.tree.flatten([[1], [2]]), flush=True)

ended = threading.Event()
app = QApplication([])
thread = Tracing()
jobs.adopt(thread)
thread.start()
del thread
ended.set()
"""


def test_a_thread_running_at_exit_still_has_working_libraries():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", LATE_TRACE_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "flattened [1, 2]" in done.stdout, done.stdout + done.stderr
