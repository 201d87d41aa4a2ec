"""An unexpected exception anywhere in the GUI is logged to the app-data folder, shown in one dialog, and the
app keeps running. Also: where that folder is on each platform, and the log file's rotation."""
from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from annstudio.core import applog
from annstudio.gui import crash


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """A private app-data folder; the hooks are put back and the log file closed after every test."""
    folder = tmp_path / "app-data"
    monkeypatch.setenv("ANNSTUDIO_DATA_DIR", str(folder))
    hooks = sys.excepthook, threading.excepthook
    yield folder
    crash.uninstall_excepthook()
    sys.excepthook, threading.excepthook = hooks
    logger = logging.getLogger(applog.LOGGER_NAME)
    for handler in list(logger.handlers):
        if isinstance(handler, applog._LogFile):
            logger.removeHandler(handler)
            handler.close()


def _crash_dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "crash-dialog" and w.isVisible()]


def _raise_later(exc: BaseException) -> None:
    def boom():
        raise exc

    QTimer.singleShot(0, boom)


# ---------------------------------------------------------------------------------------------------
# the app-data folder and the log file

@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_DATA_HOME": "/xdg/data"}, Path("/xdg/data/annstudio")),
    ("linux", {}, Path("~/.local/share/annstudio").expanduser()),
    ("linux", {"XDG_DATA_HOME": "relative/ignored"}, Path("~/.local/share/annstudio").expanduser()),
    ("win32", {"APPDATA": "C:/Users/s/AppData/Roaming"}, Path("C:/Users/s/AppData/Roaming/ANN Studio")),
    ("darwin", {}, Path("~/Library/Application Support/ANN Studio").expanduser()),
])
def test_app_data_dir_follows_the_platform(monkeypatch, platform, env, expected):
    monkeypatch.delenv("ANNSTUDIO_DATA_DIR")
    for name in ("XDG_DATA_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert applog.app_data_dir() == expected
    assert applog.log_path() == expected / "annstudio.log"


def test_the_override_wins(data_dir, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "/elsewhere")
    assert applog.app_data_dir() == data_dir
    assert applog.log_path().parent == data_dir


def test_setup_logging_is_idempotent_and_writes_the_annstudio_logger(data_dir):
    first = applog.setup_logging()
    second = applog.setup_logging()
    assert first == second == data_dir / "annstudio.log"
    ours = [h for h in logging.getLogger("annstudio").handlers if isinstance(h, applog._LogFile)]
    assert len(ours) == 1 and ours[0].maxBytes == 1_000_000 and ours[0].backupCount == 3
    logging.getLogger("annstudio.gui.worker").warning("a training failed: %s", "because")
    ours[0].flush()
    assert "a training failed: because" in first.read_text(encoding="utf-8")


def test_the_log_rotates_and_keeps_three_old_files(data_dir):
    path = applog.setup_logging()
    logger = logging.getLogger("annstudio")
    line = "x" * 999
    for _ in range(4 * 1100):
        logger.info(line)
    files = sorted(p.name for p in data_dir.iterdir())
    assert files == ["annstudio.log", "annstudio.log.1", "annstudio.log.2", "annstudio.log.3"]
    assert all(p.stat().st_size <= 1_000_000 + 2000 for p in data_dir.iterdir())
    assert path.stat().st_size > 0


def test_log_exception_writes_the_traceback(data_dir):
    try:
        {}["missing key"]
    except KeyError:
        path = applog.log_exception(*sys.exc_info())
    text = path.read_text(encoding="utf-8")
    assert path == data_dir / "annstudio.log"
    assert "Traceback (most recent call last)" in text and "KeyError: 'missing key'" in text
    assert "test_log_exception_writes_the_traceback" in text


def test_an_unwritable_data_folder_falls_back_and_never_raises(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ANNSTUDIO_DATA_DIR", str(blocker / "sub"))
    monkeypatch.setattr(applog.tempfile, "gettempdir", lambda: str(tmp_path / "system-tmp"))
    try:
        raise RuntimeError("nowhere to write")
    except RuntimeError:
        path = applog.log_exception(*sys.exc_info())
    assert path.parent.parent == tmp_path / "system-tmp"
    assert "RuntimeError: nowhere to write" in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# the hook

def test_a_crash_in_a_slot_is_logged_shown_and_the_app_keeps_running(qtbot, data_dir):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    handler = crash.install_excepthook(lambda: window)
    assert sys.excepthook == handler.excepthook and threading.excepthook == handler.threading_excepthook

    _raise_later(ZeroDivisionError("the learning rate was divided by zero"))
    qtbot.waitUntil(lambda: crash.last_crash() is not None and crash.last_crash().shown, timeout=5000)

    got = crash.last_crash()
    log_file = data_dir / "annstudio.log"
    assert got.log_path == log_file and got.exc_type == "ZeroDivisionError" and got.count == 1
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError: the learning rate was divided by zero" in text and "in boom" in text

    (box,) = _crash_dialogs()
    assert box is crash.current_dialog() and box.parent() is window
    assert box.text() == ("Something went wrong: an unexpected ZeroDivisionError (the learning rate was divided by "
                          f"zero). The app keeps running; details were written to {log_file}.")
    assert "ZeroDivisionError: the learning rate was divided by zero" in box.detailedText()
    assert "Traceback" in box.detailedText()
    assert box.windowModality() != Qt.WindowModality.ApplicationModal  # open(), not exec(): the app goes on

    ticks = []
    QTimer.singleShot(0, lambda: ticks.append("still alive"))
    qtbot.waitUntil(lambda: ticks == ["still alive"], timeout=5000)

    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: crash.current_dialog() is None, timeout=5000)


def test_a_second_crash_while_the_dialog_is_open_adds_to_it(qtbot, data_dir):
    crash.install_excepthook()
    _raise_later(ValueError("first problem"))
    qtbot.waitUntil(lambda: crash.last_crash() is not None and crash.last_crash().shown, timeout=5000)
    _raise_later(KeyError("second problem"))
    qtbot.waitUntil(lambda: crash.last_crash().count == 2 and crash.last_crash().shown, timeout=5000)

    (box,) = _crash_dialogs()
    assert "KeyError" in box.text() and "2 problems" in box.text()
    assert "first problem" in box.detailedText() and "second problem" in box.detailedText()
    text = (data_dir / "annstudio.log").read_text(encoding="utf-8")
    assert "ValueError: first problem" in text and "KeyError: 'second problem'" in text

    box.close()
    qtbot.waitUntil(lambda: crash.current_dialog() is None, timeout=5000)
    _raise_later(TypeError("third, after the dialog closed"))
    qtbot.waitUntil(lambda: crash.last_crash().count == 3 and crash.last_crash().shown, timeout=5000)
    (box,) = _crash_dialogs()
    assert "TypeError" in box.text() and "problems" not in box.text()
    assert "first problem" not in box.detailedText()


def test_an_exception_in_every_paint_neither_floods_the_log_nor_the_dialog(qtbot, data_dir):
    crash.install_excepthook()

    def paint():
        raise ValueError("the same problem every frame")

    for _ in range(30):
        QTimer.singleShot(0, paint)
    qtbot.waitUntil(lambda: crash.last_crash() is not None and crash.last_crash().count == 30
                    and crash.last_crash().shown, timeout=5000)
    (box,) = _crash_dialogs()
    assert "30 problems" in box.text()
    assert box.detailedText().count("Traceback (most recent call last)") == crash.KEEP_DETAILS
    text = (data_dir / "annstudio.log").read_text(encoding="utf-8")
    assert text.count("Traceback (most recent call last)") == crash.FULL_REPEATS
    assert "the same unexpected ValueError again (30 times in a row)" in text


def test_a_dialog_that_cannot_be_shown_does_not_recurse(qtbot, data_dir, monkeypatch, capfd):
    calls = []

    def broken(self, _crash):
        calls.append(1)
        raise RuntimeError("the dialog itself is broken")

    monkeypatch.setattr(crash.CrashHandler, "_make_dialog", broken)
    crash.install_excepthook()
    _raise_later(ValueError("the first failure"))
    qtbot.waitUntil(lambda: crash.last_crash() is not None, timeout=5000)
    ticks = []
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=5000)

    assert calls == [1] and not crash.last_crash().shown and _crash_dialogs() == []
    text = (data_dir / "annstudio.log").read_text(encoding="utf-8")
    assert "ValueError: the first failure" in text and "RuntimeError: the dialog itself is broken" in text
    assert "the dialog itself is broken" in capfd.readouterr().err


def test_an_exception_raised_while_handling_one_is_only_logged(qtbot, data_dir, monkeypatch, capfd):
    """The hook re-entered from inside itself (something it calls raises into sys.excepthook)."""
    handler = crash.install_excepthook()
    real_show = crash.CrashHandler._show

    def show_and_crash_again(self, crash_):
        sys.excepthook(OSError, OSError("raised while showing"), None)
        real_show(self, crash_)

    monkeypatch.setattr(crash.CrashHandler, "_show", show_and_crash_again)
    _raise_later(ValueError("outer"))
    qtbot.waitUntil(lambda: crash.last_crash() is not None and crash.last_crash().shown, timeout=5000)
    assert handler.count == 1 and len(_crash_dialogs()) == 1
    assert "outer" in _crash_dialogs()[0].text()
    assert "raised while showing" in (data_dir / "annstudio.log").read_text(encoding="utf-8")
    assert "raised while showing" in capfd.readouterr().err


def test_a_python_thread_that_dies_is_shown_on_the_gui_thread(qtbot, data_dir):
    crash.install_excepthook()
    seen_in = []
    real = crash.CrashHandler._show

    def spy(self, crash_):
        seen_in.append(threading.current_thread() is threading.main_thread())
        real(self, crash_)

    crash.CrashHandler._show = spy
    try:
        thread = threading.Thread(target=lambda: [][1], name="helper")
        thread.start()
        thread.join(5)
        qtbot.waitUntil(lambda: crash.last_crash() is not None and crash.last_crash().shown, timeout=5000)
    finally:
        crash.CrashHandler._show = real
    got = crash.last_crash()
    assert got.thread == "helper" and got.exc_type == "IndexError" and seen_in == [True]
    assert "IndexError: list index out of range" in (data_dir / "annstudio.log").read_text(encoding="utf-8")
    assert len(_crash_dialogs()) == 1


def test_our_own_errors_read_as_their_sentence():
    from annstudio.core.spec import SpecError

    assert crash.describe(SpecError, SpecError("the learning rate must be a number > 0, not -1.")) == \
        "the learning rate must be a number > 0, not -1"
    assert crash.describe(MemoryError, MemoryError()) == "the computer ran out of memory"
    assert crash.describe(RuntimeError, RuntimeError("x" * 500)).endswith("x…)")
    assert crash.dialog_text("it broke", None).endswith("the details could not be written to a log file.")


def test_uninstall_restores_the_previous_hooks(data_dir):
    before = sys.excepthook, threading.excepthook
    crash.install_excepthook()
    crash.install_excepthook()  # again: still the hooks from before the first
    crash.uninstall_excepthook()
    assert (sys.excepthook, threading.excepthook) == before
    assert crash.last_crash() is None


def test_without_a_window_the_hook_logs_and_prints(data_dir, capfd, monkeypatch):
    monkeypatch.setattr(crash.QApplication, "instance", staticmethod(lambda: None))
    handler = crash.install_excepthook()
    handler.excepthook(ValueError, ValueError("before the window"), None)
    assert crash.last_crash().exc_type == "ValueError" and not crash.last_crash().shown
    assert "before the window" in capfd.readouterr().err
    assert "before the window" in (data_dir / "annstudio.log").read_text(encoding="utf-8")
