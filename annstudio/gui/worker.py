"""Training off the GUI thread: a QThread worker that drives ``core.engine`` and re-emits its reports.

Rules (see GUIDE.md): one training at a time; the GUI never touches a model that is training; reports
are coalesced (at most ~60 batches a second reach the GUI, each carrying every history row since the
previous one and the newest report); every exception in the thread becomes a ``failed`` sentence; closing
waits for the thread. The thread is adopted by :mod:`.jobs` (the registry of every thread the app starts, and
the garbage-collection pause while one runs).
"""
from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..core.control import FOREGROUND, RunState
from ..core.errors import capitalised, sentence, user_text
from . import jobs
from .jobs import running_threads  # noqa: F401 - where tests and the soak benchmark have always found it

if TYPE_CHECKING:  # the engine imports TensorFlow: only inside the worker thread
    from ..core.control import NeuronEdit
    from ..core.engine import EpochReport, Trainer

log = logging.getLogger(__name__)

_ROWS_AT_LEAST_EVERY = 0.1  # seconds: finished epochs reach the GUI at least this often, pictures or not
_DRAWING_S = 0.25  # after a run's first report, the window draws it: guesses in the background wait that long more


@dataclass(frozen=True)
class ReportBatch:
    """What reaches the GUI at most ~60 times a second: the newest report, the finished epochs' rows and
    their weight histograms, ``((epoch, ((layer name, counts, edges), ...)), ...)`` (every epoch's, also of
    those whose report had no pictures: the Weights view draws every epoch)."""

    report: "EpochReport"
    rows: tuple[dict, ...] = ()
    epochs_per_second: float = 0.0
    histograms: tuple[tuple[int, tuple], ...] = ()
    parameters: tuple[tuple[int, int, tuple], ...] = ()  # (epoch, batches, weights) of each report of a small
    # network, also of those without pictures (the loss landscape's path has a point per epoch)


@dataclass
class RunOutcome:
    trainer: "Trainer | None"
    stopped: bool = False
    diverged: bool = False
    message: str = ""
    history: "Sequence[dict]" = ()  # the run's rows so far (a History snapshot: it does not grow on)


def describe_error(exc: BaseException) -> str:
    """A sentence a student understands; our own errors already are one (:func:`core.errors.sentence`)."""
    if isinstance(exc, MemoryError):
        return "Training ran out of memory. Try a smaller network, a smaller batch size or less data."
    own = user_text(exc)
    if own is not None:
        return capitalised(own)
    return sentence(exc, "Training stopped because of an unexpected problem ({name}: {text})") + "."


class TrainingWorker(QObject):
    """Runs ``trainer.run(epochs, control)`` in its thread. Create the Trainer inside the thread with
    ``make_trainer`` the first time (TensorFlow loads there), or hand one in to continue training it."""

    reports = Signal(object)   # ReportBatch
    finished = Signal(object)  # RunOutcome — always emitted last, also after a failure
    failed = Signal(str)

    def __init__(self, make_trainer: Callable[[], "Trainer"] | None, trainer: "Trainer | None", epochs: int | None,
                 control: Any, min_interval: float = 1 / 60, retired: list | None = None):
        super().__init__()
        self._retired = retired if retired is not None else []
        self._make_trainer = make_trainer
        self._trainer = trainer
        self._epochs = epochs
        self._control = control
        self._min_interval = min_interval

    @Slot()
    def run(self) -> None:
        outcome = RunOutcome(self._trainer)
        # Until its first report is out, a student waits for this run: guesses in the background wait too
        FOREGROUND.enter()
        waiting = True
        self._retired.clear()  # old trainers are let go here, off the GUI thread (see TrainingSession.forget)
        try:
            trainer = self._trainer or self._make_trainer()
            outcome.trainer = trainer
            rows: list[dict] = []
            histograms: list[tuple[int, tuple]] = []
            parameters: list[tuple[int, int, tuple]] = []
            latest = None
            drawable = None  # the newest report with pictures (metrics-only reports fill the gaps)
            last_row_epoch = trainer.epoch
            last_emit = 0.0
            window_start, window_epochs = time.perf_counter(), 0
            rate = 0.0
            for report in trainer.run(self._epochs, self._control):
                latest = report
                if report.weights is not None:
                    drawable = report
                if not report.partial and report.epoch > last_row_epoch:
                    rows.append({"epoch": report.epoch, **report.metrics})
                    last_row_epoch = report.epoch
                    window_epochs += 1
                if not report.partial and report.histograms is not None:
                    histograms.append((report.epoch, report.histograms))
                if report.parameters is not None:
                    parameters.append((report.epoch, report.batches, report.parameters))
                now = time.perf_counter()
                if now - window_start >= 0.5:
                    rate = window_epochs / (now - window_start)
                    window_start, window_epochs = now, 0
                # a picture is sent as soon as it is due; epochs without one (the engine trains many per
                # call and only the last has pictures) wait for it, unless it is long in coming
                waited = now - last_emit
                if (report.partial or self._control.paused or waited >= _ROWS_AT_LEAST_EVERY
                        or (waited >= self._min_interval and report.weights is not None)):
                    # a running loss in the middle of an epoch (no pictures) is shown as it is
                    live = report.partial and report.weights is None
                    self.reports.emit(ReportBatch(report if live else drawable or report, tuple(rows), rate,
                                                  tuple(histograms), tuple(parameters)))
                    rows, histograms, parameters, latest, last_emit = [], [], [], None, now
                    if waiting:
                        waiting = False
                        FOREGROUND.leave(grace=_DRAWING_S)
            if latest is not None or rows:
                self.reports.emit(ReportBatch(drawable or latest, tuple(rows), rate, tuple(histograms),
                                              tuple(parameters)))
            result = trainer.result
            outcome.stopped, outcome.diverged = result.stopped, result.diverged
            outcome.message, outcome.history = result.message, result.history.snapshot()
        except Exception as exc:  # noqa: BLE001 - never let an exception vanish in the thread
            log.exception("training failed")
            outcome.message = describe_error(exc)
            self.failed.emit(outcome.message)
        finally:
            if waiting:
                FOREGROUND.leave(grace=_DRAWING_S)
            # This QObject may outlive the run (deleteLater needs an event loop its finished thread no longer
            # has): it must not keep the trainer, whose compiled programs the next trainer may reuse.
            self._trainer = self._make_trainer = None
            self.finished.emit(outcome)
            QThread.currentThread().quit()  # the thread ends as soon as run() returns, even if the GUI is busy


class TrainingSession(QObject):
    """The GUI's handle on training: owns at most one worker thread and its :class:`TrainControl`."""

    reports = Signal(object)   # ReportBatch
    finished = Signal(object)  # RunOutcome
    failed = Signal(str)
    state_changed = Signal(str)  # a RunState: running, paused, idle

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control = None
        self.trainer: "Trainer | None" = None
        self._retired: list = []
        # Python's cyclic garbage collector runs in whichever thread happens to allocate. Run in the
        # training thread it finalizes the GUI's Qt objects there, which deadlocks. So while training
        # runs, automatic collection is off and this timer collects on the GUI thread instead.
        self._gc_timer = QTimer(self)
        self._gc_timer.setInterval(1000)
        self._gc_timer.timeout.connect(lambda: gc.collect(1))
    # starting -------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._thread is not None

    def is_paused(self) -> bool:
        return self._control is not None and self._control.paused

    def start(self, make_trainer: Callable[[], "Trainer"] | None = None, epochs: int | None = None,
              paused: bool = False, step: str = "", edits: tuple = (), learning_rate: float | None = None,
              batch_size: int | None = None, speed: float | None = None) -> bool:
        """Train ``epochs`` more epochs of the current trainer (or a new one from ``make_trainer``).

        Returns False (and does nothing) while a run is going on: one training at a time.
        ``step`` "epoch"/"batch" starts paused and runs just that much; ``speed`` caps the epochs a second.
        """
        if self._thread is not None:
            return False
        from ..core.control import TrainControl

        control = TrainControl()
        if paused or step:
            control.pause()
        if step == "epoch":
            control.step_epoch()
        elif step == "batch":
            control.step_batch()
        for edit in edits:
            control.request_edit(edit)
        if learning_rate is not None:
            control.set_learning_rate(learning_rate)
        if batch_size is not None:
            control.set_batch_size(batch_size)
        control.set_speed(speed)
        trainer = None if make_trainer is not None else self.trainer
        if trainer is None and make_trainer is None:
            raise ValueError("nothing to train: give make_trainer the first time")
        self._control = control
        thread = QThread()
        thread.setObjectName("annstudio-training")
        retired, self._retired = self._retired, []
        worker = TrainingWorker(make_trainer if trainer is None else None, trainer, epochs, control, retired=retired)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.reports.connect(self.reports)
        worker.failed.connect(self.failed)
        worker.finished.connect(self._on_finished)
        self._thread, self._worker = thread, worker
        jobs.adopt(thread)  # registered, and automatic collection paused until let go
        self._gc_timer.start()
        thread.start()
        self.state_changed.emit(RunState.PAUSED if control.paused else RunState.RUNNING)
        return True

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        thread = self._thread
        if thread is not None:
            jobs.let_go(thread)  # the worker's run() has returned: join the thread, resume collection
        if self._worker is not None:
            self._worker.deleteLater()
        if outcome.trainer is not None:
            if self.trainer is not None and self.trainer is not outcome.trainer:
                self._retired.append(self.trainer)  # freed by the next worker, not here
            self.trainer = outcome.trainer
        self._thread = self._worker = None
        self._control = None
        self._gc_timer.stop()
        self.state_changed.emit(RunState.IDLE)
        self.finished.emit(outcome)
        outcome.trainer = None  # only the session keeps it: no stray reference may free it on this thread

    # requests -------------------------------------------------------------------------------------
    def pause(self) -> None:
        if self._control is not None:
            self._control.pause()
            self.state_changed.emit(RunState.PAUSED)

    def resume(self) -> None:
        if self._control is not None:
            self._control.resume()
            self.state_changed.emit(RunState.RUNNING)

    def step_epoch(self) -> None:
        if self._control is not None:
            self._control.step_epoch()

    def step_batch(self) -> None:
        if self._control is not None:
            self._control.step_batch()

    def stop(self) -> None:
        if self._control is not None:
            self._control.stop()

    def set_learning_rate(self, value: float) -> None:
        if self._control is not None:
            self._control.set_learning_rate(value)

    def set_rules(self, train) -> None:
        """New stopping rules and rate schedule (a TrainSpec's), taken by the run under way at its next epoch."""
        if self._control is not None:
            self._control.set_rules(train)

    def set_batch_size(self, value: int) -> None:
        if self._control is not None:
            self._control.set_batch_size(value)

    def set_speed(self, epochs_per_second: float | None) -> None:
        """At most this many epochs a second from now on (None: as fast as it goes)."""
        if self._control is not None:
            self._control.set_speed(epochs_per_second)

    def request_edit(self, edit: "NeuronEdit") -> bool:
        """Send a neuron edit to the running training; False when nothing runs (start a run with it)."""
        if self._control is None:
            return False
        self._control.request_edit(edit)
        return True

    def forget(self) -> None:
        """Drop the trainer (a reset or a new network). Only when idle.

        The trainer is not freed here: destroying TensorFlow functions on the GUI thread while a worker
        traces new ones can deadlock inside TensorFlow. The next worker frees it in its own thread.
        """
        if self._thread is None and self.trainer is not None:
            self._retired.append(self.trainer)
            self.trainer = None

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop any run and wait for its thread; True when nothing is left running."""
        thread = self._thread
        if thread is None:
            return True
        self.stop()
        finished = thread.wait(timeout_ms)
        if finished:
            # deliver the queued finished signal now, so state is clean before the window goes
            from PySide6.QtCore import QCoreApplication

            QCoreApplication.sendPostedEvents(self)
            QCoreApplication.processEvents()
        return finished
