"""The frame pacer both workspaces draw with: frames in steps while live, the slow part when due, all at once
otherwise. No training here: requests come from a timer as fast as reports could."""
from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from annstudio.gui.pacer import FramePacer


def _pacer(calls: list, waiting: list, every_s: float = 0.1) -> FramePacer:
    pacer = FramePacer(frame_ms=16)
    pacer.add_step(lambda: calls.append(("plot", time.perf_counter())))
    pacer.add_step(lambda: calls.append(("tab", time.perf_counter())), after_ms=4)

    def slow() -> None:
        waiting.clear()
        calls.append(("loss", time.perf_counter()))

    pacer.set_slow(slow, lambda: bool(waiting), every_s, after_ms=9)
    return pacer


def test_live_frames_come_in_steps_at_most_once_a_frame_and_the_slow_part_when_due(qtbot):
    calls, waiting = [], []
    pacer = _pacer(calls, waiting)
    pacer.set_live(True)
    calls.clear()

    def report() -> None:
        waiting.append(1)
        pacer.request()

    source = QTimer()
    source.timeout.connect(report)
    source.start(1)  # a report every millisecond: far more than a screen shows
    began = time.monotonic()
    qtbot.wait(600)
    source.stop()
    ms = 1000 * (time.monotonic() - began)  # a loaded machine waits longer than asked
    qtbot.waitUntil(lambda: not pacer.in_progress(), timeout=2000)
    names = [name for name, _ in calls]
    plots = [t for name, t in calls if name == "plot"]
    # about one frame per screen refresh, not one per report (Qt may fire the 16 ms timer a little early: a
    # clean CI run drew 41 frames 15.8 ms apart in 619 ms)
    assert 5 <= len(plots) <= ms / 15 + 2
    assert all(b - a >= 0.012 for a, b in zip(plots, plots[1:]))  # (Qt may fire a timer a little early)
    for i, name in enumerate(names):  # each frame: the plot, then its tab, in turns of their own
        if name == "plot":
            assert names[i + 1] == "tab"
    losses = [t for name, t in calls if name == "loss"]
    assert 2 <= len(losses) <= ms / 100 + 2 and all(b - a >= 0.099 for a, b in zip(losses, losses[1:]))
    pacer.set_live(False)  # what no frame drew yet: now, at once
    assert not waiting and not pacer.in_progress()


def test_out_of_training_a_request_draws_everything_at_once(qtbot):
    calls, waiting = [], [1]
    pacer = _pacer(calls, waiting, every_s=10.0)
    pacer.request()
    qtbot.waitUntil(lambda: len(calls) == 3, timeout=2000)
    assert [name for name, _ in calls] == ["loss", "plot", "tab"]  # the slow part too: not live, never throttled
    calls.clear()
    pacer.redraw_from(1)  # a tab came into sight
    assert [name for name, _ in calls] == ["tab"]


def test_soon_calls_once_at_the_next_turn_and_can_be_taken_back(qtbot):
    """The untrained picture after a change is asked for with Soon: however many changes one action makes,
    one call, at the next turn of the event loop, before a timer that was started first."""
    import shiboken6
    from PySide6.QtCore import QObject

    from annstudio.gui.pacer import Soon

    owner = QObject()
    calls = []
    soon = Soon(owner, lambda: calls.append("soon"))
    QTimer.singleShot(0, owner, lambda: calls.append("timer"))
    timer = QTimer(owner)
    timer.setInterval(0)
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: calls.append("zero timer"))
    timer.start()
    soon.start()
    soon.start()
    assert soon.isActive()
    qtbot.waitUntil(lambda: "zero timer" in calls, timeout=2000)
    assert calls.count("soon") == 1 and calls.index("soon") < calls.index("zero timer") and not soon.isActive()

    calls.clear()
    soon.start()
    soon.stop()  # taken back
    qtbot.wait(20)
    assert calls == []
    soon.start()
    shiboken6.delete(owner)  # its owner gone (a closed workspace): no call
    qtbot.wait(20)
    assert calls == []


def test_soon_after_paint_waits_for_a_shown_windows_first_paint(qtbot):
    """At launch the untrained picture (whose worker starts TensorFlow's import) is asked for at the first turn
    of the event loop, before the window's first paint: with ``after_paint`` it comes after that paint; taken
    back meanwhile (Play pressed first) it does not come. A hidden window has nothing to wait for."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QLabel, QMainWindow

    from annstudio.gui.pacer import Soon

    hidden = QLabel("not shown")
    qtbot.addWidget(hidden)
    calls = []
    Soon(hidden, lambda: calls.append("hidden"), after_paint=True).start()
    qtbot.waitUntil(lambda: calls == ["hidden"], timeout=2000)

    events = []

    class Painted(QObject):
        def eventFilter(self, watched, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                events.append("paint")
            return False

    window = QMainWindow()
    qtbot.addWidget(window)
    label = QLabel("the playground")
    window.setCentralWidget(label)
    spy = Painted(window)
    window.installEventFilter(spy)
    soon = Soon(label, lambda: events.append("soon"), after_paint=True)
    taken_back = Soon(label, lambda: events.append("taken back"), after_paint=True)
    soon.start()
    taken_back.start()
    window.show()
    QTimer.singleShot(0, window, taken_back.stop)  # the first turn: before the paint, after both asked
    qtbot.waitUntil(lambda: "soon" in events, timeout=3000)
    qtbot.wait(30)
    assert events.index("paint") < events.index("soon") and "taken back" not in events
    assert events.count("soon") == 1

    events.clear()  # painted once: at once from now on
    soon.start()
    qtbot.waitUntil(lambda: "soon" in events, timeout=2000)
