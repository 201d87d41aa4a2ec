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
