"""Nothing is lost without a question: quitting, loading a preset or opening a file over unsaved work asks
Save / Discard / Cancel (issue 12). The question is ``MainWindow.ask_unsaved``; here each test answers it."""
from __future__ import annotations

import types

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from annstudio.gui.app import MainWindow

REAL_QUESTION = MainWindow.ask_unsaved  # taken before conftest's fixture answers it "discard" for every test

class Answers:
    """Stands in for the user in front of the question: gives the next answer, remembers what was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers, self.asked = list(answers), []

    def __call__(self, text: str) -> str:
        self.asked.append(text)
        return self.answers.pop(0)


@pytest.fixture
def window(qtbot):
    """A window closed by this fixture (not qtbot, which closes its widgets before fixtures end), after its
    question is answered "discard" again."""
    w = MainWindow(restore=False)
    w.show()
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.ask_unsaved = lambda text: "discard"
    w.close()
    w.deleteLater()


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


def test_quitting_after_training_asks_and_only_goes_when_saved_or_discarded(window, qtbot, tmp_path):
    p = window.playground
    _train(qtbot, p)
    trained = p.latest_report().layer_weights("dense_1")[0].copy()
    window.ask_unsaved = Answers("cancel", "save", "save", "save")
    window.close()                                     # Cancel: everything stays as it was
    assert window.isVisible() and "trained network" in window.ask_unsaved.asked[0]
    np.testing.assert_array_equal(p.latest_report().layer_weights("dense_1")[0], trained)
    window.files.ask_save = lambda *args: ""          # Save, then the file dialog is cancelled: nothing goes
    window.close()
    assert window.isVisible()
    window.files.ask_save = lambda *args: str(tmp_path / "no such folder" / "mine.annws")
    window.close()                                     # Save fails: the window stays, the error is said
    assert window.isVisible() and "not saved" in window.last_error()
    target = tmp_path / "mine.annws"
    window.files.ask_save = lambda *args: str(target)
    window.close()                                     # Save: saved, then the window closes
    assert target.is_file() and not window.isVisible() and len(window.ask_unsaved.asked) == 4


def test_discard_closes_without_saving(window, qtbot, tmp_path):
    window.unsaved.mark("playground", "edited")
    window.files.ask_save = lambda *args: pytest.fail("Discard must not save")
    window.ask_unsaved = Answers("discard")
    window.close()
    assert not window.isVisible() and "neuron values" in window.ask_unsaved.asked[0]


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


@pytest.mark.parametrize("button, closes", [(QMessageBox.StandardButton.Cancel, False),
                                            (QMessageBox.StandardButton.Discard, True)])
def test_the_question_is_a_save_discard_cancel_box(window, qtbot, button, closes):
    window.ask_unsaved = types.MethodType(REAL_QUESTION, window)
    window.unsaved.mark("playground", "points")
    seen = []

    def answer():
        box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "unsaved-question"
                   and w.isVisible())
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, answer)
    window.close()
    assert seen and "your own points" in seen[0] and "Save it" in seen[0]
    assert window.isVisible() != closes
