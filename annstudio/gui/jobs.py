"""Every background thread of the app in one place: the job runner, the thread registry, the GC pause.

:class:`JobRunner` runs one plain function at a time (``fn(*args, state)``, see :mod:`annstudio.core.jobs`)
in a QThread of its own and says how it went in signals, on the GUI thread: ``progress(done, total)``, then
exactly one of ``done(result)``, ``failed(exception)`` or ``cancelled()``, then ``finished()``, always last
(superqt's ``WorkerBase`` signals, Orange's ``ConcurrentMixin`` shape: starting again cancels what ran).

Every QThread the app starts goes through :func:`adopt` (the training thread of ``worker.py`` too), so
:func:`running_threads` knows them all, and Python's automatic garbage collection is paused while any runs:
collected in a worker thread it would finalize the window's Qt objects there, which deadlocks. A job whose
runner is destroyed while it runs (its widget closed) is let go by :class:`_Reaper` when it ends.
"""
from __future__ import annotations

import logging
import weakref
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ..core.control import pause_gc, resume_gc
from ..core.jobs import Cancelled, JobState, at_shutdown

log = logging.getLogger(__name__)

_THREADS: "weakref.WeakSet[QThread]" = weakref.WeakSet()
# threads adopted and not yet let go: each holds a GC pause, and is held here so that its Python wrapper (and
# with it the QThread, which aborts the process if destroyed while running) cannot go while it runs
_HELD: set[QThread] = set()
EXIT_WAIT_MS = 120_000  # at exit, how long a thread that was told to stop may take to end (a compile under load)


def adopt(thread: QThread) -> None:
    """Register a thread about to start and pause automatic garbage collection until :func:`let_go`."""
    _THREADS.add(thread)
    if thread not in _HELD:
        _HELD.add(thread)
        pause_gc()


def let_go(thread: QThread) -> None:
    """Join a thread whose work has returned, delete it later and give back its GC pause (once)."""
    thread.quit()
    thread.wait()
    thread.deleteLater()
    if thread in _HELD:
        _HELD.discard(thread)
        resume_gc()


def running_threads() -> list[QThread]:
    """QThreads the app started that are still running (tests assert there are none)."""
    alive = []
    for thread in list(_THREADS):
        try:
            if thread.isRunning():
                alive.append(thread)
        except RuntimeError:  # the C++ object is gone
            pass
    return alive


def _wait_at_exit() -> None:
    """A window closed while its training was still compiling (the join on close gave up): wait for the thread
    here, before Python frees it, instead of letting Qt abort the process ("Destroyed while thread is still
    running"); and before the libraries' own exit handlers (see :func:`~annstudio.core.jobs.at_shutdown`)."""
    for thread in running_threads():
        if isinstance(thread, _JobThread):
            thread.state.cancel()
        thread.requestInterruption()
        thread.quit()
        if not thread.wait(EXIT_WAIT_MS):
            log.warning("a thread (%s) was still running at exit", thread.objectName())


at_shutdown(_wait_at_exit)


class _Reaper(QObject):
    """Lets go of a job's thread whose runner is gone (its widget destroyed while the job ran): the runner would
    have done it when the job ended, and without it the thread's GC pause would be held for good."""

    @Slot()
    def reap(self) -> None:
        thread = self.sender()
        if not isinstance(thread, _JobThread) or thread not in _HELD:
            return  # (its runner let it go already, the usual case)
        runner = thread.runner() if thread.runner is not None else None
        try:
            owned = runner is not None and shiboken6.isValid(runner) and runner._thread is thread
        except RuntimeError:  # (its runner's C++ object went meanwhile)
            owned = False
        if not owned:
            try:
                let_go(thread)
            except RuntimeError:  # a slot must not raise into Qt; the pause is given back all the same
                if thread in _HELD:
                    _HELD.discard(thread)
                    resume_gc()


_reaper: _Reaper | None = None


def _the_reaper() -> _Reaper:
    global _reaper
    if _reaper is None or not shiboken6.isValid(_reaper):
        _reaper = _Reaper()  # (made by a JobRunner: on the GUI thread, where it must live)
    return _reaper


class _JobThread(QThread):
    """Calls the function in ``run()`` and sends its outcome, tagged with the job's serial number."""

    progress = Signal(int, int, int)   # serial, done, total
    ended = Signal(int, str, object)   # serial, "done" / "failed" / "cancelled", result or exception

    def __init__(self, serial: int, fn: Callable[..., Any], args: tuple) -> None:
        super().__init__()
        self.serial, self._fn, self._args = serial, fn, args
        self.runner: "weakref.ref[JobRunner] | None" = None  # (set by the runner that starts it)
        me = weakref.ref(self)  # the state must not keep the thread alive (no cycle to collect later)

        def report(done: int, total: int) -> None:
            thread = me()
            if thread is not None:
                thread.progress.emit(serial, done, total)

        self.state = JobState(report)

    def run(self) -> None:
        kind, value = "done", None
        try:
            value = self._fn(*self._args, self.state)
        except Exception as exc:  # noqa: BLE001 - never let an exception vanish in the thread
            kind, value = "failed", exc
        finally:
            self._fn = self._args = None
            if self.state.cancelled or isinstance(value, Cancelled):
                kind, value = "cancelled", None  # a cancelled job never delivers a result, whatever it returned
            self.ended.emit(self.serial, kind, value)


class JobRunner(QObject):
    """Runs at most one job at a time off the GUI thread (one runner per kind of job, owned by its widget)."""

    progress = Signal(int, int)   # done, total: only while the job is not cancelled
    done = Signal(object)         # what the function returned
    failed = Signal(object)       # the exception it raised
    cancelled = Signal()
    finished = Signal()           # after any of the three

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._serial = 0
        self._thread: _JobThread | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    def is_cancelled(self) -> bool:
        return self._thread is not None and self._thread.state.cancelled

    def start(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args, state)`` in a new thread. A job still running is cancelled and joined first; its
        outcome is never delivered."""
        self.cancel()
        self._release()
        self._serial += 1
        thread = _JobThread(self._serial, fn, args)
        thread.setObjectName(f"annstudio-{self._name}")
        thread.progress.connect(self._on_progress)
        thread.ended.connect(self._on_ended)
        thread.runner = weakref.ref(self)
        thread.finished.connect(_the_reaper().reap)  # (after ``ended``: only a thread whose runner is gone)
        self._thread = thread
        adopt(thread)
        thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next check; it ends with ``cancelled``, its result (if any) dropped."""
        if self._thread is not None:
            self._thread.state.cancel()

    def join(self, timeout_ms: int = 30000) -> bool:
        """Wait for the job's thread and deliver its outcome now; False if it is still running after the wait."""
        thread = self._thread
        if thread is None:
            return True
        if not thread.wait(timeout_ms):
            return False
        QCoreApplication.sendPostedEvents(self)  # the outcome, queued for this object
        if self._thread is thread:  # not delivered after all (no event for it): close it quietly
            self._release()
        return True

    def stop(self) -> bool:
        """Cancel and join (closing, switching data)."""
        self.cancel()
        return self.join()

    @Slot(int, int, int)
    def _on_progress(self, serial: int, done: int, total: int) -> None:
        if self._thread is not None and serial == self._thread.serial and not self._thread.state.cancelled:
            self.progress.emit(done, total)

    @Slot(int, str, object)
    def _on_ended(self, serial: int, kind: str, value: object) -> None:
        if self._thread is None or serial != self._thread.serial:
            return  # a job that was replaced: its outcome no longer applies
        self._release()
        if kind == "done":
            self.done.emit(value)
        elif kind == "failed":
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.finished.emit()

    def _release(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.progress.disconnect(self._on_progress)
            thread.ended.disconnect(self._on_ended)
            let_go(thread)
