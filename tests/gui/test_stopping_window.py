"""Stopping and the learning-rate schedule in the playground: the validation points, early stopping marked on
the loss plot, Play going on after a stop, a schedule drawn under the loss and edited between runs."""
import os

import pytest
from PySide6.QtCore import Qt

from annstudio.core import lessons, schedules
from annstudio.gui.playground import Playground
from annstudio.gui.worker import running_threads

SHOTS = os.environ.get("ANNSTUDIO_SHOTS", "")  # a folder: save screenshots there to look at


@pytest.fixture
def playground(qtbot):
    p = Playground(preset=lessons.get("early-stopping"))
    qtbot.addWidget(p)
    p.resize(1280, 800)
    p.show()
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=240000)
    yield p
    p.shutdown()
    assert not running_threads()


def _finished(p):
    return not p.session.is_running() and p.state() == "finished"


def _shot(widget, name):
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


def test_early_stopping_in_the_window_stops_marks_and_goes_on(playground, qtbot):
    p = playground
    stopping = p.training.stopping_box
    assert stopping.is_open() and stopping.split_spin.value() == 0.25 and stopping.early_check.isChecked()
    assert stopping.patience_spin.value() == 20 and stopping.restore_check.isChecked()
    train_points = len(p.dataset().x_train)
    assert p.surface.validation_points() == train_points - int(train_points * 0.75)  # the last quarter, hollow
    messages = []
    p.status.connect(messages.append)

    qtbot.mouseClick(p.training.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _finished(p), timeout=240000)
    rows = p.loss.rows()
    stopped = len(rows)
    assert stopped < p.train_spec().epochs and all("val_loss" in row for row in rows)
    best = min(range(stopped), key=lambda i: rows[i]["val_loss"]) + 1
    assert p.loss.stop_marks() == {"best": best, "stopped": stopped}
    assert stopped - best == 20  # patience epochs without a better validation loss
    assert any("early stopping" in m.lower() for m in messages) and any(f"epoch {best}" in m for m in messages)
    kept = p.latest_report()  # the picture of the weights kept: the best epoch's
    assert kept.metrics["val_loss"] == pytest.approx(rows[best - 1]["val_loss"], rel=1e-4)
    _shot(p, "early_stopping.png")

    # a schedule for the next run: drawn under the loss, its rate shown while it trains
    box = p.training.schedule_box
    box.set_open(True)
    box.kind_combo.setCurrentIndex(box.kind_combo.findData("step"))
    box.every_spin.setValue(5)
    assert p.loss.schedule_shown()
    p.training.stopping_box.set_open(True)
    _shot(p.training, "panel.png")
    p.training.stopping_box.patience_spin.setValue(3)  # resumed runs stop sooner
    qtbot.mouseClick(p.training.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _finished(p), timeout=240000)
    rows = p.loss.rows()
    assert rows[stopped]["epoch"] == stopped + 1 and len(rows) > stopped  # Play went on from where it stopped
    last = int(rows[-1]["epoch"])
    train = p.train_spec()
    expected = schedules.rate_at(train, train.learning_rate, last - 1)
    assert float(box.now_label.text()) == pytest.approx(expected, rel=1e-3)
    _shot(p, "schedule.png")

    # a split that leaves no point to train on: one sentence, no crash
    p.data_panel.size_spin.setValue(10)
    p.data_panel.test_spin.setValue(0.9)
    stopping.split_spin.setValue(0.5)
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=240000)
    p.play()
    qtbot.waitUntil(lambda: "leaves none of the 1 training point to train on" in p.last_error(), timeout=240000)
    qtbot.waitUntil(lambda: not p.session.is_running(), timeout=240000)
