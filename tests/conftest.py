"""Test set-up: headless Qt, quiet TensorFlow, a private Keras cache, and no QThread or QTimer left running."""
from __future__ import annotations

import os
import sys
import time
import traceback
import weakref
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app does (annstudio.cli.main)

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
GRACE_S = 1.0  # how long a thread may take to end, and a single-shot timer to fire, after a test


@pytest.fixture(autouse=True)
def _private_keras_home(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's ~/.keras."""
    home = tmp_path_factory.getbasetemp() / "keras-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("ANNSTUDIO_SETTINGS", str(tmp_path_factory.getbasetemp() / "settings.ini"))
    monkeypatch.setenv("ANNSTUDIO_DATA_DIR", str(tmp_path_factory.getbasetemp() / "app-data"))
    # no programs kept between tests (a test counts traces), even after one made the app's QApplication
    from annstudio.core import program_store

    monkeypatch.setattr(program_store, "_folder", None)
    yield


@pytest.fixture(autouse=True, scope="session")
def _unsaved_work_is_discarded():
    """Quitting or loading over unsaved work asks Save / Discard / Cancel in a modal box, which would wait
    forever in a test: here it answers "discard", for the whole session (module-scoped windows close after
    function-scoped patches are gone). A test about the question sets ``window.ask_unsaved`` itself."""
    app = sys.modules.get("annstudio.gui.app")  # collected first: every test that makes a window imports it
    if app is None:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app.MainWindow, "ask_unsaved", lambda self, text: "discard")
        yield


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    if not SHARED_MNIST.is_file():
        pytest.skip(f"the shared MNIST file is not at {SHARED_MNIST}")
    return SHARED_MNIST


def _alive(obj) -> bool:
    try:
        obj.objectName()
        return True
    except RuntimeError:  # the C++ object is gone
        return False


def _root(obj):
    """The top of an object's parent chain (itself when it has no parent)."""
    while True:
        parent = obj.parent()
        if parent is None:
            return obj
        obj = parent


class _Watch:
    """Every QThread and QTimer started during one test, as napari's conftest does it: ``QThread.start`` and
    ``QTimer.start`` are patched to remember what they start, not only what the app registered; a
    ``QTimer.singleShot`` without a context object becomes a timer of its own, so a pending one can be seen."""

    def __init__(self, patch: pytest.MonkeyPatch) -> None:
        from PySide6.QtCore import QObject, Qt, QThread, QTimer

        self.threads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.timers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.shots: list = []  # (timer, where): the context-free single shots of this test
        thread_start, timer_start, single_shot = QThread.start, QTimer.start, QTimer.singleShot

        def start_thread(thread, *args):
            self.threads[thread] = _where()
            return thread_start(thread, *args)

        def start_timer(timer, *args):
            self.timers[timer] = _where()
            return timer_start(timer, *args)

        def shot(msec, *rest):
            args = list(rest)
            kind = args.pop(0) if args and isinstance(args[0], Qt.TimerType) else None
            if len(args) != 1 or isinstance(args[0], QObject):  # with a context object: Qt's own, which
                return single_shot(msec, *rest)                  # dies with the context, as it should
            timer = QTimer()
            timer.setSingleShot(True)
            if kind is not None:
                timer.setTimerType(kind)
            timer.timeout.connect(args[0])
            self.shots.append((timer, _where()))  # kept (not freed while it fires) until the test ends
            timer_start(timer, msec)

        patch.setattr(QThread, "start", start_thread)
        patch.setattr(QTimer, "start", start_timer)
        patch.setattr(QTimer, "singleShot", staticmethod(shot))

    def running_threads(self) -> list:
        return [(t, where) for t, where in list(self.threads.items()) if _alive(t) and t.isRunning()]

    def leaked_timers(self) -> list:
        """Active timers that no widget owns: a timer in a widget's tree dies with it; one without a parent
        (or under a QObject that is not a widget) fires on after the test, into whatever it still holds."""
        from PySide6.QtWidgets import QWidget

        left = [(t, where) for t, where in list(self.timers.items())
                if _alive(t) and t.isActive() and not isinstance(_root(t), QWidget)]
        left += [(t, where) for t, where in self.shots if _alive(t) and t.isActive()]
        return left


def _where() -> traceback.StackSummary:
    """Where something was started (cheap: the source lines are read only if a test fails)."""
    return traceback.StackSummary.extract(traceback.walk_stack(sys._getframe(2)), limit=8, lookup_lines=False)


def _stack(where: traceback.StackSummary) -> str:
    frames = [f for f in reversed(where) if "_pytest" not in f.filename and "pluggy" not in f.filename]
    return "".join(traceback.StackSummary.from_list(frames).format())


@pytest.fixture(autouse=True)
def _no_qthread_or_qtimer_left_behind():
    """Fail any test that leaves a QThread running or a QTimer that no widget owns ticking (the napari rule).

    A thread gets a short grace period to end (joined with a timeout), a single-shot timer due soon the
    chance to fire; then what is left is stopped, so that the next test starts clean, and the test fails.
    """
    if "PySide6.QtCore" not in sys.modules:  # a core test: no Qt, nothing to watch
        yield
        return
    from PySide6.QtCore import QCoreApplication

    with pytest.MonkeyPatch.context() as patch:
        watch = _Watch(patch)
        yield
        deadline = time.monotonic() + GRACE_S
        for thread, _ in watch.running_threads():
            thread.wait(max(1, int(1000 * (deadline - time.monotonic()))))
        while time.monotonic() < deadline and any(
                t.isSingleShot() and t.remainingTime() < 1000 * GRACE_S for t, _ in watch.leaked_timers()):
            if QCoreApplication.instance() is not None:
                QCoreApplication.processEvents()
            time.sleep(0.01)
        threads, timers = watch.running_threads(), watch.leaked_timers()
        worker = sys.modules.get("annstudio.gui.jobs")
        registered = [t for t in (worker.running_threads() if worker else []) if t not in watch.threads]
        for thread in [t for t, _ in threads] + registered:
            thread.requestInterruption()
            thread.quit()
            thread.wait(5000)
        for timer, _ in timers:
            timer.stop()
        watch.shots.clear()
        problems = [f"a QThread ({t.objectName() or type(t).__name__}) still running, started at\n{_stack(where)}"
                    for t, where in threads]
        problems += [f"a QThread ({t.objectName()}) still running" for t in registered]
        problems += [f"a QTimer that no widget owns still active ({t.interval()} ms"
                     f"{', single shot' if t.isSingleShot() else ''}), started at\n{_stack(where)}"
                     for t, where in timers]
        if problems:
            pytest.fail("left behind by this test:\n" + "\n".join(problems), pytrace=False)
