"""One run controller for every workspace: Play, Pause, Step, Stop and where the run stands.

A :class:`RunController` owns a workspace's :class:`~annstudio.gui.worker.TrainingSession` (the training
thread), its :class:`~annstudio.core.control.RunState`, the newest and the drawn report, an action asked for
while a run that only makes the network's picture is going on (Play pressed while TensorFlow loads is never
lost), the "Starting…" indicator and the :class:`~annstudio.gui.pacer.FramePacer` that draws. It emits
``state_changed``, ``status``, ``error`` and ``finished``. A workspace supplies only what differs, as
:class:`RunHooks`: how to make its trainer, why it would refuse to start, how to draw a report.
:class:`RunCommands` gives a workspace the commands the window, the tool bar and the tests call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Signal

from ..core.control import RunState
from ..core.errors import capitalised
from .pacer import FramePacer
from .worker import ReportBatch, RunOutcome, TrainingSession

if TYPE_CHECKING:
    from ..core.engine import EpochReport, Trainer
    from ..core.spec import TrainSpec
    from .plots.loss import LossPlot
    from .training_panel import TrainingPanel

STARTING = "Starting…"


def _nothing(*_args) -> None:
    return None


def _no_refusal() -> str:
    return ""


@dataclass
class RunHooks:
    """What a workspace tells its :class:`RunController`: only what differs between workspaces.

    ``new_trainer(trainer)``: a factory for a new trainer and the epoch it starts at, or None to go on
    training ``trainer`` (it is None when there is none, or when the settings changed since it trained).
    ``refusal()``: why training cannot start now, in a sentence ("" when it can). ``draw_report(report)``:
    the first step of a frame (the controller knows the report is new). ``run_started(epochs, first_epoch)``,
    ``take_batch(batch)`` (after the loss rows are taken in), ``show_state(state)`` (locks, labels),
    ``trained(outcome)`` (a run that trained ended), ``settle()`` (a run ended and nothing was asked for
    meanwhile) and ``reset(keep_weights)`` (after the run is stopped) are optional.
    """

    new_trainer: Callable[["Trainer | None"], "tuple[Callable[[], Trainer], int] | None"]
    train_spec: Callable[[], "TrainSpec"]
    draw_report: Callable[["EpochReport"], None]
    refusal: Callable[[], str] = _no_refusal
    run_started: Callable[[int, int], None] = _nothing
    take_batch: Callable[[ReportBatch], None] = _nothing
    show_state: Callable[[RunState], None] = _nothing
    trained: Callable[[RunOutcome], None] = _nothing
    settle: Callable[[], None] = _nothing
    reset: Callable[[bool], None] = _nothing


class RunController(QObject):
    """A workspace's training: its session, state, reports, queued action, run commands and frames."""

    state_changed = Signal(str)  # a RunState (its value), when it changes
    status = Signal(str)         # a line for the status bar
    error = Signal(str)          # something went wrong, in a sentence
    finished = Signal(object)    # RunOutcome, after the workspace has shown how the run ended

    def __init__(self, hooks: RunHooks, panel: "TrainingPanel", loss: "LossPlot", parent: QObject | None = None,
                 *, loss_every_s: float, loss_after_ms: int = 0, loss_flush_ms: int = 0) -> None:
        """``panel``'s buttons and settings drive the run; ``loss`` takes the history rows, drawn at most every
        ``loss_every_s`` while training (see :meth:`FramePacer.set_slow`)."""
        super().__init__(parent)
        self.hooks, self.panel, self.loss = hooks, panel, loss
        self.session = TrainingSession(self)
        self.pacer = FramePacer(self)
        self.pacer.add_step(self._draw_newest)
        self.pacer.set_slow(loss.flush, loss.has_unshown_rows, loss_every_s, loss_after_ms, loss_flush_ms)
        self.state = RunState.IDLE
        self.latest: EpochReport | None = None   # the newest report
        self.drawn: EpochReport | None = None    # the newest report drawn
        self.rate = 0.0                           # epochs a second, while running
        self.stale = True                         # the session's trainer no longer matches the settings
        self.serial = 0                           # a new number for every run Compare runs tells apart
        self.frames = 0                           # reports drawn so far
        self._queued: Callable[[], None] | None = None  # Play or Step pressed while the picture is made
        self._last_error = ""
        self._settings_version = 0                # counts changes of data or network...
        self._run_version = 0                     # ...and the run going on was started at this one
        panel.play_requested.connect(self.play)
        panel.pause_requested.connect(self.pause)
        panel.step_requested.connect(self.step)
        panel.stop_requested.connect(self.stop)
        panel.reset_requested.connect(self.reset)
        panel.learning_rate_changed.connect(self.session.set_learning_rate)
        panel.batch_size_changed.connect(self.session.set_batch_size)
        panel.speed_changed.connect(self.session.set_speed)
        panel.rules_changed.connect(lambda: self.session.set_rules(self.hooks.train_spec()))
        self.session.reports.connect(self._on_reports)
        self.session.finished.connect(self._on_finished)
        self.session.failed.connect(self._on_failed)

    @property
    def running(self) -> bool:
        return self.state is RunState.RUNNING

    # starting -----------------------------------------------------------------------------------------
    def start(self, epochs: int, step: str = "", edits: tuple = (), starting: bool = False) -> bool:
        """Train ``epochs`` epochs (0: only the picture of the network, with ``edits`` applied), going on from
        the session's trainer or a new one, as the workspace says; ``step`` "epoch"/"batch" pauses after it;
        ``starting`` shows "Starting…" until the first trained report."""
        why = self.hooks.refusal()
        if why:
            self.fail(why)
            return False
        trainer = None if self.stale else self.session.trainer
        made = self.hooks.new_trainer(trainer)
        speed = self.panel.speed()
        if made is None:
            if trainer is None:
                raise ValueError("new_trainer must make a trainer when there is none to go on training")
            train = self.hooks.train_spec()
            first = trainer.epoch
            if hasattr(trainer, "set_rules"):  # stopping rules and schedule as set now (a resumed run too)
                trainer.set_rules(train)
            started = self.session.start(epochs=epochs, step=step, edits=edits, learning_rate=train.learning_rate,
                                         batch_size=train.batch_size, speed=speed)
        else:
            factory, first = made
            self.session.forget()
            started = self.session.start(factory, epochs=epochs, step=step, edits=edits, speed=speed)
        if started:
            self.stale = False
            self._run_version = self._settings_version
            if starting:
                self.set_starting(True)
            self.hooks.run_started(epochs, first)
            if epochs:
                self.set_state(RunState.PAUSED if step else RunState.RUNNING)
        return started

    def set_starting(self, starting: bool) -> None:
        """Play or Step asked for and no epoch (or batch) of it shown yet."""
        self.panel.set_starting(starting)
        if starting:
            self.status.emit(STARTING)

    def is_starting(self) -> bool:
        return self.panel.is_starting()

    def _picture_only(self) -> bool:
        """The run going on only makes the network's picture (state idle or finished): Play waits for it."""
        return self.session.is_running() and self.state in (RunState.IDLE, RunState.FINISHED)

    # commands -----------------------------------------------------------------------------------------
    def play(self) -> None:
        """Play, or go on after a pause. Pressed while the network's picture is being made (at launch, while
        TensorFlow loads), it starts as soon as that is done; the controls say "Starting…" meanwhile."""
        if self._picture_only():
            self._queue(self.play)
        elif self.session.is_running():
            if self.session.is_paused():
                self.session.resume()
                self.set_state(RunState.RUNNING)
        else:
            self.start(self.hooks.train_spec().epochs, starting=True)

    def pause(self) -> None:
        if self.is_starting():  # a second press while it starts must not undo the first
            return
        if self.session.is_running():
            self.session.pause()
            self.set_state(RunState.PAUSED)

    def toggle(self) -> None:
        if self.running:
            self.pause()
        else:
            self.play()

    def step(self) -> None:
        """One more epoch, then pause."""
        self._step("epoch", self.step, self.session.step_epoch)

    def step_batch(self) -> None:
        """One more batch, then pause (backpropagation, one step at a time)."""
        self._step("batch", self.step_batch, self.session.step_batch)

    def _step(self, unit: str, again: Callable[[], None], request: Callable[[], None]) -> None:
        if self._picture_only():
            self._queue(again)
        elif self.session.is_running():
            request()
            self.set_state(RunState.PAUSED)
        else:
            self.start(self.hooks.train_spec().epochs, step=unit, starting=True)

    def stop(self) -> None:
        self.session.stop()

    def reset(self, keep_weights: bool = True) -> None:
        """Stop any run, then the workspace goes back to its untrained network."""
        self.shutdown()
        self.hooks.reset(keep_weights)

    def shutdown(self) -> bool:
        """Stop training and wait for the thread (closing, loading something else); True when it ended."""
        self._queued = None
        self.set_starting(False)
        self.pacer.stop()
        return self.session.shutdown()

    def _queue(self, action: Callable[[], None]) -> None:
        self._queued = action
        self.set_starting(True)

    # the settings -------------------------------------------------------------------------------------
    def forget(self) -> None:
        """The data or the network changed: the trainer and the reports no longer describe it, and a run
        still going on is out of date (its reports are dropped)."""
        self.stale = True
        self.serial += 1
        self._settings_version += 1
        self.latest = self.drawn = None
        self.session.forget()

    def _outdated(self) -> bool:
        return self._run_version != self._settings_version

    # state ----------------------------------------------------------------------------------------------
    def set_state(self, state: RunState | str) -> None:
        state = RunState(state)
        changed = state is not self.state
        self.state = state
        live = state is RunState.RUNNING
        self.loss.set_live(live)  # axes grow in steps while it trains, and fit every epoch after
        self.hooks.show_state(state)
        self.pacer.set_live(live)
        self.panel.set_state(state)
        if changed:
            self.state_changed.emit(state)

    def fail(self, message: str) -> None:
        self._last_error = message
        self.error.emit(message)

    def last_error(self) -> str:
        return self._last_error

    # the session's signals -------------------------------------------------------------------------------
    def _on_reports(self, batch: ReportBatch) -> None:
        if self._outdated():
            return
        if batch.rows or batch.report.batches > 0:  # trained (the untrained picture has no batch)
            self.set_starting(False)
        self.loss.append_rows(batch.rows)  # taken in now, drawn a few times a second
        self.hooks.take_batch(batch)
        self.latest = batch.report
        self.rate = batch.epochs_per_second
        self.panel.set_current_rate(batch.report.learning_rate)
        self.loss.set_current_rate(batch.report.epoch, batch.report.learning_rate)
        if batch.report.message:
            self.fail(batch.report.message)
        self.pacer.request()

    def _draw_newest(self) -> bool:
        report = self.latest
        if report is None or report is self.drawn:
            return False
        self.drawn = report
        self.frames += 1
        self.hooks.draw_report(report)
        return True

    def _on_finished(self, outcome: RunOutcome) -> None:
        queued, self._queued = self._queued, None
        if self._outdated():  # its picture was dropped: go on with the current network
            self.set_state(RunState.IDLE)
        else:
            if outcome.diverged:
                self.fail(outcome.message)
            trained = outcome.trainer is not None and outcome.trainer.epoch > 0  # a whole epoch at least
            result = getattr(outcome.trainer, "result", None)  # where early stopping found its best, where it stopped
            self.loss.set_stop_marks(getattr(result, "best_epoch", None), getattr(result, "stopped_epoch", None))
            self.set_state(RunState.FINISHED if trained else RunState.IDLE)
            if trained:
                self.hooks.trained(outcome)
            if outcome.message and not outcome.diverged:  # stopped, or converged (the perceptron)
                self.status.emit(capitalised(outcome.message))
        self.finished.emit(outcome)
        if queued is not None:
            queued()  # Play (or Step) pressed meanwhile: train the network now shown
        else:
            self.set_starting(False)
            self.hooks.settle()

    def _on_failed(self, message: str) -> None:
        self.stale = True
        self.fail(message)


class RunCommands:
    """What every workspace offers the window, the tool bar and the tests: the commands and the state of
    its :class:`RunController` ``run``."""

    run: RunController

    def _follow_run(self) -> None:
        """The workspace's own ``status``, ``error`` and ``state_changed`` signals say what the run says."""
        self.run.status.connect(self.status)
        self.run.error.connect(self.error)
        self.run.state_changed.connect(self.state_changed)

    def play(self) -> None:
        self.run.play()

    def pause(self) -> None:
        self.run.pause()

    def toggle(self) -> None:
        self.run.toggle()

    def step(self) -> None:
        self.run.step()

    def step_batch(self) -> None:
        self.run.step_batch()

    def stop(self) -> None:
        self.run.stop()

    def reset(self, keep_weights: bool = True) -> None:
        """Back to an untrained network: the same starting weights (same seed) or new ones (the training
        panel picks a new seed before it asks)."""
        self.run.reset(keep_weights)

    def state(self) -> RunState:
        return self.run.state

    def is_starting(self) -> bool:
        return self.run.is_starting()

    def latest_report(self) -> "EpochReport | None":
        return self.run.latest

    def drawn_report(self) -> "EpochReport | None":
        return self.run.drawn

    def last_error(self) -> str:
        return self.run.last_error()

    @property
    def draw_count(self) -> int:
        """Reports drawn so far (bench/ui_latency.py counts frames with it)."""
        return self.run.frames
