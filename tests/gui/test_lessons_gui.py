"""Every lesson of the lecture loads through the Lessons panel and trains a few epochs in the window."""
import pytest

from annstudio.core.lesson_texts import LESSONS, lesson_text
from annstudio.core import lessons
from annstudio.gui.app import MainWindow

CASES = [(lesson.id, preset) for lesson in LESSONS for preset in lesson.presets]


@pytest.fixture(scope="module")
def window(qapp):
    w = MainWindow(restore=False)
    w.show()
    yield w
    w.close()


def test_every_preset_has_a_lesson_with_a_text():
    covered = {preset for _, preset in CASES}
    assert covered == set(lessons.ids())
    for lesson in LESSONS:
        assert len(lesson_text(lesson.id)) > 400


@pytest.mark.parametrize("lesson_id, preset_id", CASES)
def test_lesson_loads_and_trains(window, qtbot, mnist_path, lesson_id, preset_id):
    window.lessons.select_lesson(lesson_id)
    assert window.lessons.current_lesson() == lesson_id
    window.lessons.preset_requested.emit(preset_id)
    preset = lessons.get(preset_id)
    workspace = window.current_workspace()
    if preset.data.kind == "mnist":
        assert workspace is window.mnist
        if not workspace.data_loaded():
            assert workspace.set_data_path(str(mnist_path))
            qtbot.waitUntil(workspace.data_loaded, timeout=60000)
        epochs = 1
    else:
        assert workspace is window.playground
        assert workspace.network_spec() == preset.network
        epochs = 3
    qtbot.waitUntil(lambda: not workspace.session.is_running(), timeout=60000)
    workspace.training.epochs_spin.setValue(epochs)
    workspace.play()
    qtbot.waitUntil(lambda: workspace.state() == "finished" and not workspace.session.is_running(), timeout=120000)
    rows = workspace.loss.rows()
    assert rows and rows[-1]["epoch"] == epochs and rows[-1]["loss"] > 0
    assert workspace.last_error() == ""
