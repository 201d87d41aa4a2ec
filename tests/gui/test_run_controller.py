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
    p.step_batch()  # one more batch (ten points: a batch is an epoch here), then paused again
    qtbot.waitUntil(lambda: p.latest_report().batches == batches + 1, timeout=TIMEOUT)
    assert p.state() is RunState.PAUSED and p.session.is_paused()

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
    # new data: a new untrained picture. Waited for by its start (numpy makes the picture of a small network in
    # milliseconds: looking every few, its run could come and go unseen)
    with qtbot.waitSignal(p.session.state_changed, timeout=5000, check_params_cb=lambda state: state == "running"):
        p.data_panel.seed_spin.setValue(p.data_panel.seed_spin.value() + 1)
    p.play()  # no event was handled since the picture's run started: it is still going on, so Play waits
    assert p.session.is_running() and p.state() is RunState.IDLE and p.is_starting()
    p.toggle()  # pressed again while starting: not a pause
    assert p.state() is not RunState.PAUSED
    qtbot.waitUntil(lambda: p.state() is RunState.FINISHED and not p.session.is_running(), timeout=TIMEOUT)
    assert [r["epoch"] for r in p.loss.rows()] == [1, 2] and not p.is_starting()
    assert p.latest_report().epoch == 2 and p.drawn_report() is p.latest_report()


def test_a_run_that_fails_in_its_thread_says_why_and_the_next_start_makes_a_new_trainer(qtbot):
    """A step neuron cannot be trained by Adam: the trainer refuses in the training thread (the perceptron
    rule needs no TensorFlow, so this is quick); the error signal says why, and Play after a fix trains."""
    p = Playground(preset=lessons.get("perceptron-rule"))
    qtbot.addWidget(p)
    _idle(qtbot, p)
    errors, lines = [], []
    p.error.connect(errors.append)
    p.status.connect(lines.append)
    combo = p.training.optimizer_combo
    combo.setCurrentIndex(combo.findData("adam"))
    with qtbot.waitSignal(p.run.finished, timeout=TIMEOUT) as done:
        p.play()
    assert errors and "cannot be trained by adam" in errors[-1] and p.last_error() == errors[-1]
    assert "Traceback" not in errors[-1] and done.args[0].message == errors[-1]
    assert p.state() is RunState.IDLE and p.run.stale and not p.is_starting()
    combo.setCurrentIndex(combo.findData("perceptron"))
    with qtbot.waitSignal(p.run.finished, timeout=TIMEOUT):
        p.play()
    assert p.state() is RunState.FINISHED and not p.run.stale and p.latest_report().epoch >= 1
    assert any(line.startswith("Converged in epoch") for line in lines)  # how the run ended, as a status line
    assert p.shutdown()


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
