import subprocess
import sys

from annstudio.gui.app import MainWindow


def test_main_window_opens_with_a_title_and_quit(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "ANN Studio"
    quit_actions = [a for a in window.menuBar().actions()[0].menu().actions() if "Quit" in a.text()]
    assert quit_actions and quit_actions[0].shortcut().toString() == "Ctrl+Q"
    window.close()  # stops and joins the worker that draws the untrained network


def test_importing_the_gui_does_not_import_tensorflow():
    code = "import sys, annstudio.gui.app, annstudio.cli; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_the_tabs_out_of_sight_are_built_when_first_needed(qtbot):
    from annstudio.gui.compare import Run

    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.show()
    assert window._mnist is None and window._compare is None  # not at start-up: the window shows sooner
    run = Run(name="Dense(2) · 3 epochs", history=[{"epoch": e, "loss": 1 / e} for e in (1, 2, 3)])
    window.playground.run_finished.emit(run)  # a run ends before the compare tab was ever opened
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(2)  # the student clicks "Compare runs"
    assert window.tabs.currentWidget() is window.compare and window.compare.runs() == [run]
    window.tabs.setCurrentIndex(0)
    assert window._mnist is None
    mnist = window.mnist  # anything that needs it builds it, in its place
    assert window.tabs.indexOf(mnist) == 1 and window.tabs.currentIndex() == 0
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == titles
    assert "handwritten digits" in window.tabs.tabToolTip(1)
    window.close()


def test_switching_a_view_tab_repaints_only_that_side_of_the_window(qtbot):
    from PySide6.QtCore import QEvent, QObject, QPoint, QRect

    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    p = window.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    qtbot.wait(100)

    regions = []

    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                regions.append(event.region().boundingRect())
            return False

    spy = Painted()
    p.installEventFilter(spy)
    for index in (0, 1, 3, 2):
        p.views.setCurrentIndex(index)
        qtbot.wait(30)
    views = QRect(p.views.mapTo(p, QPoint(0, 0)), p.views.size())  # where the view tabs lie in p
    assert regions and all(views.adjusted(-8, -8, 8, 8).contains(r) for r in regions)
    window.close()


def test_the_app_keeps_traced_programs_in_its_data_folder(qtbot, tmp_path, monkeypatch):
    """The app (not a test, not a script) keeps its traced programs between launches (core.program_store)."""
    from annstudio.core import program_store
    from annstudio.gui.qapp import make_app

    monkeypatch.setenv("ANNSTUDIO_DATA_DIR", str(tmp_path))
    assert program_store.folder() is None
    make_app([])
    assert program_store.folder() == tmp_path / "programs"
