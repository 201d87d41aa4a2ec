"""One frame pacer for every workspace: while training, the newest report is drawn at most once a frame.

A frame is a list of steps (the Playground: the data plot, then the view tab in sight), each in its own
event-loop turn a few milliseconds after the one before, so that clicks and keys get through between them;
then the slow part (the loss curves), drawn at most every ``every_s`` seconds: one more epoch hardly shows.
The next frame starts when the last one's steps are done, at most one every ``frame_ms``. Out of training
everything is drawn at once. Rate limits are declared here once, not hand-made with timers in each workspace.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

from .crash import qt_override, report_exception

FRAME_MS = 16  # about one screen refresh


class FramePacer(QObject):
    """Draws in frames while live (training), everything at once otherwise.

    ``add_step(draw, after_ms)``: a step of every frame, ``after_ms`` after the step before; a step that returns
    False (nothing new to draw) ends the frame's steps early. ``set_slow(...)``: what is drawn after the steps
    only when due, and by itself ``flush_ms`` after a request if no frame has drawn it.
    """

    def __init__(self, parent: QObject | None = None, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self.frame_ms = frame_ms
        self._steps: list[tuple[int, Callable[[], object]]] = []
        self._slow: Callable[[], None] = lambda: None
        self._slow_waiting: Callable[[], bool] = lambda: False
        self._slow_every = 0.0
        self._slow_after_ms = 0
        self._slow_drawn = 0.0
        self._flush_ms = 0
        self._live = False
        self._wanted = False        # a request came that no frame has started to draw yet
        self._next = 0              # the step the timer runs next (len(steps): the slow part)
        self._frame_started = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_next)
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.timeout.connect(self._on_flush)

    # what a frame is -------------------------------------------------------------------------------------
    def add_step(self, draw: Callable[[], object], after_ms: int = 0) -> None:
        self._steps.append((after_ms, draw))

    def set_slow(self, draw: Callable[[], None], waiting: Callable[[], bool], every_s: float,
                 after_ms: int = 0, flush_ms: int = 0) -> None:
        """``draw`` at most every ``every_s`` while live, ``after_ms`` after a frame's last step, whenever
        ``waiting()``; ``flush_ms`` after a request by itself (no new report came to start a frame)."""
        self._slow, self._slow_waiting = draw, waiting
        self._slow_every, self._slow_after_ms = every_s, after_ms
        self._flush_ms = flush_ms or int(1000 * every_s)

    # what the workspace says -----------------------------------------------------------------------------
    def request(self) -> None:
        """Something new to draw (a report came)."""
        self._wanted = True
        if not self._live:
            self._next = 0
            self._timer.start(0)
        elif not self._timer.isActive():
            self._schedule()
        if self._slow_waiting() and not self._flush.isActive():
            self._flush.start(self._flush_ms)

    def redraw_from(self, index: int) -> None:
        """Draw step ``index`` and those after it again (a view came into sight): at once when not live, else
        as the next step of the frame."""
        if not self._live:
            for _, draw in self._steps[index:]:
                draw()
        elif not (self._timer.isActive() and self._next <= index):
            self._go(index, self._steps[index][0])

    def set_live(self, live: bool) -> None:
        """Live: paced frames. Not live: what the frames have not drawn yet is drawn now, all of it."""
        self._live = live
        if not live:
            self.stop()
            self.draw_all()

    def is_live(self) -> bool:
        return self._live

    def draw_all(self) -> None:
        self._next, self._wanted = 0, False
        if self._slow_waiting():
            self._draw_slow()
        for _, draw in self._steps:
            draw()

    def stop(self) -> None:
        self._timer.stop()
        self._flush.stop()
        self._next = 0

    def in_progress(self) -> bool:
        return self._timer.isActive()

    # frames ------------------------------------------------------------------------------------------------
    def _go(self, index: int, after_ms: int) -> None:
        self._next = index
        self._timer.start(after_ms)

    def _schedule(self) -> None:
        since = (time.perf_counter() - self._frame_started) * 1000
        self._go(0, max(0, int(self.frame_ms - since)))

    def _slow_due(self) -> bool:
        return self._slow_waiting() and time.perf_counter() - self._slow_drawn >= self._slow_every

    def _draw_slow(self) -> None:
        self._slow_drawn = time.perf_counter()
        self._slow()

    def _run_next(self) -> None:
        if not self._live:
            self.draw_all()
            return
        index, count = self._next, len(self._steps)
        if index < count:
            if index == 0:
                self._frame_started = time.perf_counter()
                self._wanted = False
            drew = self._steps[index][1]() is not False
            following = index + 1 if drew else count
            if following < count:
                self._go(following, self._steps[following][0])
                return
            if self._slow_due():
                self._go(count, self._slow_after_ms if drew else 0)
                return
        elif self._slow_due():
            self._draw_slow()
        self._next = 0
        if self._wanted:  # a report came while this frame was drawn
            self._schedule()

    def _on_flush(self) -> None:
        """What no frame has drawn for a while (no new report came): drawn now, or when it is due."""
        if not self._slow_waiting():
            return
        if not self._slow_due():
            self._flush.start(max(1, int(1000 * (self._slow_every - (time.perf_counter() - self._slow_drawn)))))
        elif not self._timer.isActive():
            self._draw_slow()


class Soon:
    """Calls ``slot`` once at the next turn of the event loop, however often :meth:`start` is called before
    then; :meth:`stop` takes the call back. A queued call, not a 0 ms QTimer: Qt runs timers after the
    window's repaint, which after a change of the network took 0.05-0.2 s before the new picture was even asked
    for. ``owner`` going away takes the call with it. ``after_paint``: at launch, not before the window has
    painted once (see :func:`after_first_paint`)."""

    def __init__(self, owner: QObject, slot: Callable[[], object], after_paint: bool = False) -> None:
        self._owner = owner
        self._slot = slot
        self._after_paint = after_paint  # not before the window's first paint (see after_first_paint)
        self._queued = False

    def start(self) -> None:
        if not self._queued:
            self._queued = True
            QTimer.singleShot(0, self._owner, self._fire)

    def stop(self) -> None:
        self._queued = False

    def isActive(self) -> bool:  # noqa: N802 - as QTimer's
        return self._queued

    def _fire(self) -> None:
        if not self._queued:
            return
        if self._after_paint and not after_first_paint(self._owner, self._fire):
            return  # still asked for: called once the window has painted, unless stopped meanwhile
        self._queued = False
        self._slot()


_PAINTED = "annstudio_painted"  # a window's property: it has painted once


def after_first_paint(widget: QWidget, slot: Callable[[], object], fallback_ms: int = 1000) -> bool:
    """Whether slow work for ``widget`` may start now: its window is hidden (nothing to wait for) or has painted.

    Otherwise False, and ``slot`` is called (queued, dropped if ``widget`` goes) once the window's first paint is
    done, or after ``fallback_ms`` at the latest. At launch the window's first paint comes after the first
    turn of the event loop; the untrained picture, asked for at that turn, started TensorFlow's import (seconds
    of the interpreter lock, in the worker thread) before it, and the window appeared 0.5-1 s later."""
    window = widget.window()
    if not window.isVisible() or has_painted(window):
        return True
    on_first_paint(window, lambda: QTimer.singleShot(0, widget, slot), fallback_ms)
    return False


def has_painted(window: QWidget) -> bool:
    """Whether ``window`` has painted once (what :func:`on_first_paint` waits for)."""
    return bool(window.property(_PAINTED))


def on_first_paint(window: QWidget, slot: Callable[[], object], fallback_ms: int = 1000) -> None:
    """Calls ``slot`` when ``window`` paints for the first time, in that paint event before its children paint
    (at once if it has painted already), or ``fallback_ms`` after this call if it has not painted by then."""
    if has_painted(window):
        slot()
        return
    watcher = window.findChild(_FirstPaint, options=Qt.FindChildOption.FindDirectChildrenOnly)
    if watcher is None:
        watcher = _FirstPaint(window)
    watcher.add(slot, fallback_ms)


class _FirstPaint(QObject):
    """Watches a window (its own events only) until its first paint, then calls what waited for it."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._waiting: list[Callable[[], object]] = []
        self._done = False
        window.installEventFilter(self)

    def add(self, slot: Callable[[], object], fallback_ms: int) -> None:
        self._waiting.append(slot)
        QTimer.singleShot(fallback_ms, self, self._painted)

    @qt_override(default=False)
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._window and event.type() == QEvent.Type.Paint:
            self._painted()
        return False

    def _painted(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._window.removeEventFilter(self)
            self._window.setProperty(_PAINTED, True)
        except RuntimeError:  # the window is being deleted
            return
        waiting, self._waiting = self._waiting, []
        for slot in waiting:
            try:
                slot()
            except Exception as exc:  # noqa: BLE001 - one failing must not keep the others from their turn
                report_exception(exc)
        self.deleteLater()
