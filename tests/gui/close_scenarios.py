"""Run the real window, do what a user does, close it: ``python close_scenarios.py SCENARIO...``.

Started in a subprocess by tests/gui/test_close_scenarios.py, which checks the exit code (a crash in
``closeEvent`` kills the process with SIGSEGV). Exit code 3: an unexpected exception reached the crash
handler; 4: a scenario could not be played out.
"""
from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from annstudio.gui import crash
from annstudio.gui.app import MainWindow, make_app


def wait_until(condition, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            print("timed out waiting", flush=True)
            sys.exit(4)
        QApplication.processEvents()
        time.sleep(0.01)


def question(window: MainWindow):
    window.tabs.setCurrentIndex(1)
    ws = window.mnist
    ws.load_button.click()
    box = ws.download_question
    if box is None:
        print("no download question (is MNIST in the Keras cache?)", flush=True)
        sys.exit(4)
    return ws, box


def scenario(window: MainWindow, name: str, mnist: str) -> None:
    if name.startswith("question-"):
        ws, box = question(window)
        how = name.removeprefix("question-")
        if how == "download":  # the download fails at once (no such file): an error message, no crash
            from annstudio.core import datasets

            datasets.MNIST_URL = "file:///nonexistent/mnist.npz"
            box.defaultButton().click()
            wait_until(lambda: not ws.is_loading())
        elif how == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        elif how == "titlebar":  # the title bar's close button sends a close event
            box.close()
        elif how == "reject":
            box.reject()
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # a closed box is deleted now
        QApplication.processEvents()
    elif name == "train-playground":
        p = window.playground
        p.training.epochs_spin.setValue(p.training.epochs_spin.maximum())  # 100 epochs can end before it is seen
        p.play()
        wait_until(lambda: p.latest_report() is not None and p.state() == "running")
    elif name == "train-mnist":
        window.tabs.setCurrentIndex(1)
        ws = window.mnist
        ws.set_data_path(mnist)
        wait_until(ws.data_loaded)
        ws.play()
        wait_until(lambda: ws.state() == "running" and ws.latest_report() is not None, 120)
    else:
        raise SystemExit(f"unknown scenario {name}")


def main() -> int:
    names, mnist = sys.argv[1].split(","), (sys.argv[2] if len(sys.argv) > 2 else "")
    app = make_app([])
    for name in names:
        window = MainWindow(restore=False)
        window.ask_unsaved = lambda text: "discard"  # closing mid-training: the work is not wanted
        handler = crash.install_excepthook(lambda: window)
        window.show()
        scenario(window, name, mnist)
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)
        app.exec()
        if window.isVisible():
            print(f"{name}: the window did not close", flush=True)
            return 4
        if handler.count:
            print(f"{name}: unexpected exception:\n{handler.last.traceback}", flush=True)
            return 3
        print(f"{name}: closed cleanly", flush=True)
        window.deleteLater()
        QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
