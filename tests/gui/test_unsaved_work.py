"""Nothing is lost without a question: quitting, loading a preset or opening a file over unsaved work asks
Save / Discard / Cancel (issue 12). The question is ``MainWindow.ask_unsaved``; here each test answers it."""
from __future__ import annotations

import numpy as np
import pytest

from annstudio.gui.app import MainWindow


class Answers:
    """Stands in for the user in front of the question: gives the next answer, remembers what was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers, self.asked = list(answers), []

    def __call__(self, text: str) -> str:
        self.asked.append(text)
        return self.answers.pop(0)


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.ask_unsaved = lambda text: "discard"
    w.close()


def _train(qtbot, p, epochs: int = 2) -> None:
    p.training.epochs_spin.setValue(epochs)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)


def test_no_question_when_nothing_is_unsaved(window, qtbot):
    window.ask_unsaved = Answers()  # any question would fail: it has no answer
    assert window.load_preset("xor-hidden")
    qtbot.waitUntil(lambda: window.playground.latest_report() is not None, timeout=60000)
    window.close()
    assert not window.isVisible() and window.ask_unsaved.asked == []


def test_quitting_after_training_asks_and_cancel_keeps_everything(window, qtbot, tmp_path):
    p = window.playground
    _train(qtbot, p)
    trained = p.latest_report().layer_weights("dense_1")[0].copy()
    window.ask_unsaved = Answers("cancel", "save", "save")
    window.close()
    assert window.isVisible() and "trained network" in window.ask_unsaved.asked[0]
    np.testing.assert_array_equal(p.latest_report().layer_weights("dense_1")[0], trained)
    window.files.ask_save = lambda *args: ""          # Save, then the file dialog is cancelled: nothing goes
    window.close()
    assert window.isVisible()
    target = tmp_path / "mine.annws"
    window.files.ask_save = lambda *args: str(target)
    window.close()                                     # Save: saved, then the window closes
    assert target.is_file() and not window.isVisible()


def test_a_failed_save_keeps_the_window_and_discard_closes_it(window, qtbot, tmp_path):
    _train(qtbot, window.playground, epochs=1)
    window.files.ask_save = lambda *args: str(tmp_path / "no such folder" / "mine.annws")
    window.ask_unsaved = Answers("save", "discard")
    window.close()
    assert window.isVisible() and "not saved" in window.last_error()
    window.close()
    assert not window.isVisible() and len(window.ask_unsaved.asked) == 2


def test_loading_a_preset_over_own_points_asks(window, qtbot):
    p = window.playground
    panel = p.data_panel
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("own"))
    assert panel.add_point(1.0, 2.0)
    points = len(p.dataset().x_train) + len(p.dataset().x_test)
    window.ask_unsaved = Answers("cancel", "discard")
    assert not window.load_preset("xor-hidden")
    assert "your own points" in window.ask_unsaved.asked[0]
    assert panel.is_own_data() and len(p.dataset().x_train) + len(p.dataset().x_test) == points
    assert window.load_preset("xor-hidden")
    assert p.dataset().name == "xor" and not window.unsaved.is_dirty()


def test_opening_a_workspace_over_unsaved_work_asks_and_a_save_clears_the_question(window, qtbot, tmp_path):
    p = window.playground
    saved = tmp_path / "before.annws"
    assert window.files.save_workspace(str(saved))
    _train(qtbot, p, epochs=1)
    window.ask_unsaved = Answers("cancel")
    assert not window.files.open_workspace(str(saved))
    assert p.latest_report().epoch == 1
    assert window.files.save_workspace(str(tmp_path / "after.annws"))  # saved: nothing to ask any more
    assert window.files.open_workspace(str(saved)) and window.ask_unsaved.asked[1:] == []
