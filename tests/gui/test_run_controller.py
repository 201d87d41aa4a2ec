"""The one run controller both workspaces use, driven through a real Playground and a real MNIST workspace:
its states, a Play pressed while the network's picture is made, Step and Step batch, Stop, and errors."""
from __future__ import annotations

import pytest

from annstudio.core import lessons
from annstudio.core.control import RunState
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense
from annstudio.gui.playground import Playground
from annstudio.gui.run_controller import RunController
from annstudio.gui.worker import running_threads

TIMEOUT = 60000
POINTS = DataSpec("lecture-points")
SMALL_NET = NetworkSpec(input_shape=(1,), layers=(dense(3, "tanh"), dense(1, "linear")), features=())


@pytest.fixture
def playground(qtbot):
    p = Playground(preset=lessons.Preset("controller", "controller", POINTS, SMALL_NET,
                                         TrainSpec("adam", 0.01, 32, 100000, "mse")))
    qtbot.addWidget(p)
    _idle(qtbot, p)
    yield p
    assert p.shutdown()


def _idle(qtbot, p) -> None:
    """Until the untrained picture is made and drawn."""
    qtbot.waitUntil(lambda: not p.session.is_running() and p.drawn_report() is not None, timeout=TIMEOUT)


def test_play_pause_step_step_batch_and_stop_move_through_the_states(playground, qtbot):
    p = playground
    run = p.run
    assert isinstance(run, RunController) and p.session is run.session
    assert p.state() is RunState.IDLE and p.state() == "idle" and not RunState.IDLE.locked
    states, finished = [], []
    p.state_changed.connect(states.append)
    run.finished.connect(finished.append)

    p.step()  # one epoch from the untrained network, then paused; "Starting…" until it is shown
    assert p.state() is RunState.PAUSED and p.is_starting() and p.training.is_starting()
    qtbot.waitUntil(lambda: p.drawn_report() is not None and p.drawn_report().epoch == 1, timeout=TIMEOUT)
    assert p.session.is_paused() and not p.is_starting()
    assert RunState.PAUSED.locked and not p.builder.add_button.isEnabled()  # the network cannot change mid-run

    batches = p.latest_report().batches
    p.step_batch()  # one more batch: a report in the middle of epoch 2
    qtbot.waitUntil(lambda: p.latest_report().batches == batches + 1, timeout=TIMEOUT)
    assert p.latest_report().partial and p.state() is RunState.PAUSED

    p.toggle()  # Play goes on from the pause
    assert p.state() is RunState.RUNNING and not p.session.is_paused()
    qtbot.waitUntil(lambda: p.loss.row_count() >= 3, timeout=TIMEOUT)
    p.toggle()  # and pauses again
    assert p.state() is RunState.PAUSED and p.session.is_paused()
    p.stop()
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=TIMEOUT)
    assert p.state() is RunState.FINISHED and finished and finished[-1].stopped
    assert states == ["paused", "running", "paused", "finished"]  # told once per change, not per command
    assert p.drawn_report() is p.latest_report()  # stopping draws what the frames had not drawn yet
    assert [r["epoch"] for r in p.loss.rows()] == list(range(1, p.latest_report().epoch + 1))
    assert running_threads() == []


def test_play_while_the_picture_is_made_is_queued_and_a_second_press_does_not_undo_it(playground, qtbot):
    p = playground
    p.training.epochs_spin.setValue(2)
    p.builder.add_button.click()  # a new network: its untrained picture is made in the training thread
    qtbot.waitUntil(p.session.is_running, timeout=5000)
    p.play()
    queued = p.session.is_running() and p.state() is RunState.IDLE
    if queued:  # still making the picture: Play waits for it, and says so
        assert p.is_starting()
    p.toggle()  # pressed again while starting: not a pause
    assert p.state() is not RunState.PAUSED
    qtbot.waitUntil(lambda: p.state() is RunState.FINISHED and not p.session.is_running(), timeout=TIMEOUT)
    assert [r["epoch"] for r in p.loss.rows()] == [1, 2] and not p.is_starting()
    assert p.latest_report().epoch == 2 and p.drawn_report() is p.latest_report()


def test_a_diverging_run_is_told_through_the_error_signal(playground, qtbot):
    p = playground
    p.load_preset(lessons.Preset("diverge", "diverge", POINTS, SMALL_NET, TrainSpec("sgd", 100.0, 32, 500, "mse")))
    _idle(qtbot, p)
    errors = []
    p.error.connect(errors.append)
    with qtbot.waitSignal(p.run.finished, timeout=TIMEOUT) as done:
        p.play()
    assert done.args[0].diverged
    assert errors and "diverged" in errors[-1] and p.last_error() == errors[-1]
    assert not p.session.is_running() and p.state() in (RunState.FINISHED, RunState.IDLE)


def test_a_workspace_that_cannot_train_says_why_and_starts_nothing(qtbot):
    from annstudio.gui.mnist_workspace import MnistWorkspace

    ws = MnistWorkspace(train_limit=500)
    qtbot.addWidget(ws)
    errors = []
    ws.error.connect(errors.append)
    for command in (ws.play, ws.step, ws.step_batch):
        command()
        assert ws.state() is RunState.IDLE and not ws.session.is_running() and not ws.is_starting()
    assert len(errors) == 3 and all("Load MNIST first" in e for e in errors)
    assert ws.last_error() == errors[-1]
    assert ws.shutdown()
