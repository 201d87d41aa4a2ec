"""Requests to a running training from another thread: pause, step, stop, new settings, neuron edits.

Kept apart from the engine so the GUI can hold these without importing TensorFlow.
"""
from __future__ import annotations

import gc
import math
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterator

import numpy as np

from .spec import SpecError

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_due = False  # the last pause ended on another thread: the main thread turns collection back on


def pause_gc() -> None:
    """Python's automatic garbage collection off, until as many :func:`resume_gc` (from any thread).

    A collection runs in whichever thread happens to allocate; run in a training or compiling thread it
    can finalize the window's Qt objects there, which deadlocks. So those threads pause it, and the window
    collects on its own thread meanwhile."""
    global _gc_pauses
    with _gc_lock:
        _gc_pauses += 1
        gc.disable()


def resume_gc() -> None:
    """One pause fewer. The last one turns collection back on, on the main thread; another thread leaves that
    to :func:`enable_gc_if_due` on the main thread (the window calls it every second) whenever Qt is loaded:
    turned on there, the very next allocation of that thread could collect, and so finalize Qt objects, in it."""
    global _gc_pauses, _gc_due
    with _gc_lock:
        _gc_pauses = max(0, _gc_pauses - 1)
        if _gc_pauses:
            return
        if threading.current_thread() is threading.main_thread() or "PySide6.QtCore" not in sys.modules:
            gc.enable()
            _gc_due = False
        else:
            _gc_due = True


def enable_gc_if_due() -> None:
    """On the main thread: collection back on when a thread's last pause ended meanwhile."""
    global _gc_due
    with _gc_lock:
        if _gc_due and _gc_pauses == 0:
            gc.enable()
            _gc_due = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """:func:`pause_gc` while inside."""
    pause_gc()
    try:
        yield
    finally:
        resume_gc()


class Foreground:
    """Whether a student is waiting for something right now (a new network's picture, a run's first report):
    guesses about what comes next (engine: the networks a layer away) wait meanwhile, so that they do not
    take the interpreter lock and the cores from it. ``leave(grace)`` keeps them waiting a moment longer,
    while the window draws what came."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._until = 0.0

    def enter(self) -> None:
        with self._lock:
            self._count += 1

    def leave(self, grace: float = 0.0) -> None:
        with self._lock:
            self._count = max(0, self._count - 1)
            self._until = max(self._until, time.monotonic() + grace)

    def busy(self) -> bool:
        with self._lock:
            return self._count > 0 or time.monotonic() < self._until


#: The process's one: the training worker enters it (see gui.worker), the engine's background thread waits on it.
FOREGROUND = Foreground()


class RunState(StrEnum):
    """Where a workspace's training stands. A ``str``, so ``RunState.RUNNING == "running"``."""

    IDLE = "idle"          # nothing trained yet (or the trainer was let go)
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"  # a run ended after at least one epoch: Play trains on

    @property
    def locked(self) -> bool:
        """A run is going on (running or paused): the data and the network cannot change."""
        return self in (RunState.RUNNING, RunState.PAUSED)


@dataclass(frozen=True)
class NeuronEdit:
    """A user's change to one neuron of a Dense layer, applied between batches.

    ``incoming``/``bias`` set its weights (None: unchanged); ``frozen`` keeps its incoming weights and bias
    fixed while training; ``off`` silences it (its outgoing weights are held at 0), so its effect on the
    output disappears. None leaves a flag as it was.
    """

    layer: str
    unit: int
    incoming: np.ndarray | None = None
    bias: float | None = None
    frozen: bool | None = None
    off: bool | None = None


class TrainControl:
    """Thread-safe requests to a running :class:`Trainer`: pause, resume, step, stop, new settings.

    The engine reads it between chunks of batches, so every request takes effect "between batches".
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._stopped = False
        self._step_epochs = 0
        self._step_batches = 0
        self._epoch_granted = False
        self.pending_learning_rate: float | None = None
        self.pending_batch_size: int | None = None
        self.pending_rules = None  # a TrainSpec whose stopping rules and schedule the run takes next epoch
        self._edits: list[NeuronEdit] = []
        self._speed: float | None = None

    # requests -------------------------------------------------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._step_epochs = self._step_batches = 0
            self._epoch_granted = False
            self._cond.notify_all()

    def step_epoch(self) -> None:
        """Run one more epoch, then pause."""
        with self._cond:
            self._paused = True
            self._step_epochs += 1
            self._cond.notify_all()

    def step_batch(self) -> None:
        """Run one more batch, report, then pause."""
        with self._cond:
            self._paused = True
            self._step_batches += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def set_learning_rate(self, value: float) -> None:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise SpecError(f"learning rate must be a number > 0, not {value!r}")
        with self._cond:
            self.pending_learning_rate = float(value)

    def set_batch_size(self, value: int) -> None:
        if not (isinstance(value, int) and value >= 1):
            raise SpecError(f"batch size must be a whole number ≥ 1, not {value!r}")
        with self._cond:
            self.pending_batch_size = value

    def set_rules(self, train) -> None:
        """New stopping rules and schedule (a TrainSpec's), taken before the next epoch; checked here."""
        train.validate()
        with self._cond:
            self.pending_rules = train

    def take_rules(self):
        """The TrainSpec of :meth:`set_rules` not yet taken, or None."""
        with self._cond:
            rules, self.pending_rules = self.pending_rules, None
            return rules

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Train at most this many epochs a second (None: as fast as it goes), e.g. to watch it slowly."""
        if epochs_per_second is not None and not (isinstance(epochs_per_second, (int, float))
                                                  and math.isfinite(epochs_per_second) and epochs_per_second > 0):
            raise SpecError(f"speed must be a number of epochs a second > 0, not {epochs_per_second!r}")
        with self._cond:
            self._speed = None if epochs_per_second is None else float(epochs_per_second)
            self._cond.notify_all()

    def request_edit(self, edit: NeuronEdit) -> None:
        """Change a neuron; applied before the next batch (at once when paused), followed by a report."""
        with self._cond:
            self._edits.append(edit)
            self._cond.notify_all()

    # state ----------------------------------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def edits_waiting(self) -> bool:
        return bool(self._edits)

    @property
    def speed(self) -> float | None:
        return self._speed

    # used by the engine ---------------------------------------------------------------------------
    def acquire(self, wanted: int) -> int:
        """Block while paused; return how many batches may run now (0: stop; -1: edits are waiting)."""
        with self._cond:
            while True:
                if self._stopped:
                    return 0
                if self._edits:
                    return -1
                if not self._paused:
                    return wanted
                if self._step_batches > 0:
                    self._step_batches -= 1
                    return 1
                if self._epoch_granted:
                    return wanted
                if self._step_epochs > 0:
                    self._step_epochs -= 1
                    self._epoch_granted = True
                    return wanted
                self._cond.wait(0.25)

    def wait_until(self, deadline: float) -> None:
        """Block until ``time.perf_counter()`` reaches ``deadline``, or sooner when a request comes (stop,
        pause, an edit, a new speed)."""
        with self._cond:
            speed = self._speed
            while not (self._stopped or self._paused or self._edits or self._speed != speed):
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    return
                self._cond.wait(min(remaining, 0.25))

    def epoch_finished(self) -> None:
        if self._epoch_granted:  # (only a granted step sets it; most epochs need no lock here)
            with self._cond:
                self._epoch_granted = False

    def take_edits(self) -> list[NeuronEdit]:
        with self._cond:
            edits, self._edits = self._edits, []
            return edits

    def take_settings(self) -> tuple[float | None, int | None]:
        with self._cond:
            lr, bs = self.pending_learning_rate, self.pending_batch_size
            self.pending_learning_rate = self.pending_batch_size = None
            return lr, bs
