"""The training worker: a real QThread driving the real engine, observed through its signals."""
import numpy as np
import pytest

from annstudio.core import datasets, lessons
from annstudio.gui.worker import TrainingSession, describe_error, running_threads


def _factory(pid="looking-at-parameters", **probes):
    from annstudio.core.engine import Probes, Trainer

    preset = lessons.get(pid)
    data = datasets.load(preset.data)
    return lambda: Trainer(preset.network, preset.train, data, Probes(**probes))


def _collect(session):
    batches = []
    session.reports.connect(batches.append)
    return batches


def test_a_run_reports_every_epoch_and_the_trainer_continues(qtbot):
    session = TrainingSession()
    batches = _collect(session)
    with qtbot.waitSignal(session.finished, timeout=60000) as done:
        assert session.start(_factory(surface=True, resolution=40), epochs=5)
        assert session.is_running()
        assert not session.start(_factory(), epochs=5), "one training at a time"
    assert not done.args[0].stopped and not session.is_running()
    rows = [row for b in batches for row in b.rows]
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4, 5]
    assert batches[-1].report.epoch == 5 and batches[-1].report.surface.shape == (40, 40)
    with qtbot.waitSignal(session.finished, timeout=60000):
        session.start(epochs=2)  # same trainer, two more epochs
    assert [r["epoch"] for b in batches for r in b.rows][-2:] == [6, 7]
    assert running_threads() == []


def test_pause_step_and_stop(qtbot):
    session = TrainingSession()
    batches = _collect(session)
    states = []
    session.state_changed.connect(states.append)
    session.start(_factory(), epochs=100, step="epoch")
    qtbot.waitUntil(lambda: any(b.rows for b in batches), timeout=60000)
    assert session.is_paused() and batches[-1].report.epoch == 1
    session.step_batch()
    qtbot.waitUntil(lambda: batches[-1].report.partial, timeout=30000)
    assert batches[-1].report.batches == 33
    with qtbot.waitSignal(session.finished, timeout=30000) as done:
        session.stop()
    assert done.args[0].stopped
    assert states[0] == "paused" and states[-1] == "idle"


def test_a_failure_becomes_a_sentence_and_the_thread_ends(qtbot):
    from annstudio.core.engine import Trainer
    from annstudio.core.spec import NetworkSpec, TrainSpec, dense

    data = datasets.generate(lessons.get("perceptron-xor").data)
    bad = lambda: Trainer(NetworkSpec((2,), (dense(3, "softmax"),)), TrainSpec(), data)  # noqa: E731
    session = TrainingSession()
    messages = []
    session.failed.connect(messages.append)
    with qtbot.waitSignal(session.finished, timeout=60000):
        session.start(bad, epochs=1)
    (message,) = messages
    assert message.startswith("Binary cross-entropy needs 1 output unit")
    assert not session.is_running() and running_threads() == []


def test_edit_when_idle_gives_a_report_at_once(qtbot):
    from annstudio.core.control import NeuronEdit

    session = TrainingSession()
    batches = _collect(session)
    with qtbot.waitSignal(session.finished, timeout=60000):
        session.start(_factory(surface=True, resolution=20), epochs=0)
    with qtbot.waitSignal(session.finished, timeout=60000):
        session.start(epochs=0, edits=(NeuronEdit("dense_2", 0, bias=-6.0),))
    report = batches[-1].report
    assert report.layer_weights("dense_2")[1][0] == pytest.approx(-6.0)
    assert report.surface.mean() < 0.1


def test_shutdown_mid_training_joins_the_thread(qtbot):
    session = TrainingSession()
    session.start(_factory("overfit-plain"), epochs=5000)
    qtbot.wait(300)
    assert session.shutdown(30000)
    assert running_threads() == []


def test_unexpected_errors_are_described_in_words():
    assert "unexpected problem (KeyError" in describe_error(KeyError("x"))
    assert describe_error(MemoryError()).startswith("Training ran out of memory")
    assert np.isfinite(1.0)


def test_a_new_trainer_after_forget_reuses_the_old_ones_compiled_programs(qtbot):
    """Reset (forget + a new trainer) must not compile again: nothing may keep the old trainer alive
    (a finished worker object among them), or its programs could not be handed on."""
    from annstudio.core import engine

    session = TrainingSession()
    make = _factory(surface=True, resolution=30, grad_norms=True)
    for step in range(3):
        with qtbot.waitSignal(session.finished, timeout=60000):
            assert session.start(make if step != 1 else None, epochs=2)  # new, continue, new
        if step == 0:
            first_model = session.trainer.model
            built, reused = engine._POOL.built, engine._POOL.reused
        if step == 1:
            session.forget()
    assert session.trainer.model is first_model
    assert (engine._POOL.built, engine._POOL.reused) == (built, reused + 1)
    assert session.trainer.epoch == 2
