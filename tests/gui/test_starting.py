"""Play is never lost: pressed while TensorFlow still loads (or the network's picture is being made), the run
starts as soon as it can, the controls say "Starting…", and a second press does not pause it."""
import subprocess
import sys

from PySide6.QtCore import Qt

from annstudio.gui.app import MainWindow

# A fresh process: TensorFlow is not loaded when the window shows. Space is pressed (twice, as an impatient
# student does) while the worker that draws the untrained network is still importing it.
LAUNCH = r"""
import sys, time
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from annstudio.gui.app import MainWindow, make_app

app = make_app([])
window = MainWindow(restore=False)
window.ask_unsaved = lambda text: "discard"  # closing after training must not ask (no one would answer)
window.show()
p = window.playground

def spin(ms=5):
    loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()

def until(predicate, seconds):
    end = time.time() + seconds
    while not predicate():
        if time.time() > end:
            print("timed out; state", p.state(), "starting", p.is_starting(), flush=True); sys.exit(3)
        spin()

until(lambda: p.session.is_running(), 30)  # the picture's worker has started: TensorFlow loads in it
engine = sys.modules.get("annstudio.core.engine")
loading = engine is None or not hasattr(engine, "Trainer")
window.activateWindow()
QTest.keyClick(window, Qt.Key.Key_Space)
starting = p.is_starting() and "Starting" in p.training.play_button.text()
QTest.keyClick(window, Qt.Key.Key_Space)   # "did it work?": must not pause what the first asked for
until(lambda: p.drawn_report() is not None and p.drawn_report().epoch >= 1, 300)
print("loading", loading, "starting", starting, "state", p.state(), "still_starting", p.is_starting(), flush=True)
ok = loading and starting and p.state() in ("running", "finished") and not p.is_starting()
p.shutdown()
window.close()
sys.exit(0 if ok else 4)
"""


def test_play_pressed_while_tensorflow_loads_starts_the_run():
    out = subprocess.run([sys.executable, "-c", LAUNCH], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]


def test_play_during_the_untrained_picture_is_queued_shown_as_starting_and_not_undone(qtbot):
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.show()
    p = window.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    p.training.epochs_spin.setValue(3)
    # a new network: its picture is made (waited for by its start: numpy makes it in milliseconds)
    with qtbot.waitSignal(p.session.state_changed, timeout=5000, check_params_cb=lambda state: state == "running"):
        qtbot.mouseClick(p.builder.add_button, Qt.MouseButton.LeftButton)
    p.play()
    if p.session.is_running() and p.state() == "idle":  # still drawing it: queued
        assert p.is_starting() and p.training.is_starting()
    p.toggle()  # a second press (Space) changes nothing: it does not pause what the first asked for
    assert p.state() != "paused"
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    assert [r["epoch"] for r in p.loss.rows()] == [1, 2, 3] and not p.is_starting()
    assert not p.training.busy.isVisibleTo(p.training) and p.training.play_button.text() == "Play"
    window.close()


def test_another_optimizer_trains_a_new_network(qtbot):
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.show()
    p = window.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    p.training.epochs_spin.setValue(1)
    combo = p.training.optimizer_combo
    combo.setCurrentIndex(combo.findData("sgd"))
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    assert type(p.session.trainer.optimizer).__name__ == "SGD"
    window.close()


def test_a_new_network_s_picture_and_first_epochs_in_the_window_trace_nothing(qtbot):
    """"Add layer", then Play: the untrained picture and the first epochs are numpy's (core/numpy_net), so
    nothing is traced for them: no graph program waits to be built before the student sees the network learn."""
    from annstudio.core import engine, faststart

    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.show()
    p = window.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    engine._POOL.clear()
    with faststart._lock:
        faststart._cache.clear()  # no program of any network traced yet
    p.training.epochs_spin.setValue(3)
    depth = len(p.network_spec().layers)
    qtbot.mouseClick(p.builder.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None
                    and p.latest_report().epoch == 0, timeout=60000)
    assert len(p.network_spec().layers) == depth + 1 and p.drawn_report().surface is not None
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    assert [r["epoch"] for r in p.loss.rows()] == [1, 2, 3]
    assert p.session.trainer._compiled.numpy_net is not None
    traced = [programs.key for programs in faststart._cache.values()
              if any(getattr(programs, name).experimental_get_tracing_count() for name in ("train", "probe", "light"))]
    assert traced == []
    window.close()
