"""Unexpected exceptions in the GUI: written to the log file, shown in a dialog, and the app keeps running.

:func:`install_excepthook` replaces ``sys.excepthook`` (which PySide6 calls for an exception raised in a
slot, a timer callback or an event handler) and ``threading.excepthook`` (a Python thread that dies).
Each exception is written with its traceback to the log in the user's app-data folder
(:mod:`annstudio.core.applog`) and shown in one message box, opened with ``open()`` so nothing waits
for it, whose "Show Details..." button reveals the traceback. A second exception while that box is open
is logged and added to the same box instead of stacking another; an exception raised while the box is
being shown is logged and printed, never handled again (no recursion). Exceptions from other threads
reach the box through a queued signal, so widgets are only touched on the GUI thread.
"""
from __future__ import annotations

import functools
import logging
import sys
import threading
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, TypeVar, overload

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ..core import applog
from ..core.errors import sentence

TITLE = "ANN Studio: something went wrong"
KEEP_DETAILS = 20   #: tracebacks kept in an open dialog's details
FULL_REPEATS = 3    #: an identical traceback is logged in full this many times in a row, then in one line


@dataclass(frozen=True)
class Crash:
    """One unexpected exception as the handler saw it."""

    exc_type: str
    sentence: str          # what happened, in one sentence without the final full stop
    message: str           # the dialog's text
    traceback: str
    log_path: Path | None  # None: the log could not be written
    thread: str
    count: int             # unexpected exceptions seen since the hook was installed
    shown: bool            # a dialog shows it (False: no QApplication, or showing failed)


def describe(exc_type: type[BaseException], exc: BaseException | None) -> str:
    """One sentence (no final full stop) saying what happened."""
    if exc is None:
        return f"an unexpected {getattr(exc_type, '__name__', str(exc_type))}"
    return sentence(exc)


def dialog_text(sentence: str, path: Path | None) -> str:
    where = (f"details were written to {path}" if path is not None
             else "the details could not be written to a log file")
    return f"Something went wrong: {sentence}. The app keeps running; {where}."


class _Bridge(QObject):
    """Lives in the GUI thread; a report emitted from any thread is delivered there, to ``deliver``."""

    report = Signal(object)

    def __init__(self, deliver: Callable[[object], None]):
        super().__init__()
        self._deliver_to = deliver
        self.report.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, crash: object) -> None:
        self._deliver_to(crash)


class CrashHandler:
    """What :func:`install_excepthook` installs; see the module's docstring."""

    def __init__(self, parent_getter: Callable[[], QWidget | None] | None = None):
        self.parent_getter = parent_getter
        self.original_excepthook = sys.excepthook
        self.original_threading_excepthook = threading.excepthook
        self.count = 0
        self.last: Crash | None = None
        self.dialog: QMessageBox | None = None
        self._tracebacks: list[str] = []
        self._since_open = 0
        self._previous = ""
        self._repeats = 0
        self._lock = threading.RLock()
        self._busy = threading.local()
        self._bridge: _Bridge | None = None

    # hooks ----------------------------------------------------------------------------------------
    def excepthook(self, exc_type: type[BaseException], exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.original_excepthook(exc_type, exc, tb)
            return
        self.handle(exc_type, exc, tb, threading.current_thread().name)

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # as threading's own hook: a thread may end itself this way
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, name)

    # the work -------------------------------------------------------------------------------------
    def handle(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
               thread: str) -> Crash:
        """Log ``exc`` and show it (on the GUI thread); never raises."""
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        if getattr(self._busy, "active", False):
            # An exception while handling one (e.g. the dialog failed): log it, print it, nothing more.
            self._log_quietly(exc_type, exc, tb)
            self._print(text)
            return self.last  # type: ignore[return-value]
        self._busy.active = True
        try:
            path = self._log_once(exc_type, exc, tb, text)
            sentence = describe(exc_type, exc)
            with self._lock:
                self.count += 1
                crash = Crash(getattr(exc_type, "__name__", str(exc_type)), sentence, dialog_text(sentence, path),
                              text, path, thread, self.count, shown=False)
                self.last = crash
            app = QApplication.instance()
            if app is None:
                self._print(text)
                return crash
            if QThread.currentThread() == app.thread():
                self._show(crash)
            else:
                self._bridge_for(app).report.emit(crash)
            return self.last or crash
        except BaseException:  # noqa: BLE001 - the handler itself must never fail
            self._print(text)
            return self.last  # type: ignore[return-value]
        finally:
            self._busy.active = False

    def _bridge_for(self, app: QApplication) -> _Bridge:
        with self._lock:
            if self._bridge is None:
                bridge = _Bridge(self._show_from_thread)
                if bridge.thread() != app.thread():
                    bridge.moveToThread(app.thread())
                self._bridge = bridge
            return self._bridge

    def _show_from_thread(self, crash: Crash) -> None:
        self._busy.active = True
        try:
            self._show(crash)
        except BaseException:  # noqa: BLE001
            self._print(crash.traceback)
        finally:
            self._busy.active = False

    def _show(self, crash: Crash) -> None:
        """On the GUI thread: open the dialog, or add to the one already open."""
        try:
            box = self.dialog
            if box is not None and _alive(box) and box.isVisible():
                self._since_open += 1
                self._tracebacks = (self._tracebacks + [crash.traceback])[-KEEP_DETAILS:]
                box.setText(crash.message + f"\n\n({self._since_open} problems since this message opened.)")
                box.setDetailedText("\n".join(self._tracebacks))
            else:
                self._tracebacks = [crash.traceback]
                self._since_open = 1
                box = self._make_dialog(crash)
                self.dialog = box
                box.open()
            self._mark_shown(crash)
        except BaseException as exc:  # noqa: BLE001 - showing failed: log it once, never handle it again
            self._log_quietly(type(exc), exc, exc.__traceback__)
            self._print("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))

    def _make_dialog(self, crash: Crash) -> QMessageBox:
        parent = None
        if self.parent_getter is not None:
            try:
                parent = self.parent_getter()
            except Exception:  # noqa: BLE001 - a broken window must not stop the report
                parent = None
        if parent is None:
            parent = QApplication.activeWindow()
        box = QMessageBox(parent)
        box.setObjectName("crash-dialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(TITLE)
        box.setText(crash.message)
        box.setDetailedText(crash.traceback)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.finished.connect(self._dialog_closed)
        return box

    def _dialog_closed(self, _result: int = 0) -> None:
        self.dialog = None
        self._tracebacks = []
        self._since_open = 0

    def _mark_shown(self, crash: Crash) -> None:
        with self._lock:
            last = self.last
            if last is not None and last.count == crash.count:
                self.last = replace(last, shown=True)

    # helpers --------------------------------------------------------------------------------------
    def _log_once(self, exc_type, exc, tb, text: str) -> Path | None:
        """Log in full, except an exception repeating itself (say, in every paint): then one line each."""
        with self._lock:
            self._repeats = self._repeats + 1 if text == self._previous else 1
            self._previous = text
            repeats = self._repeats
        if repeats <= FULL_REPEATS:
            return self._log_quietly(exc_type, exc, tb)
        try:
            name = getattr(exc_type, "__name__", str(exc_type))
            path = applog.setup_logging()
            logging.getLogger(applog.LOGGER_NAME).error("the same unexpected %s again (%d times in a row): %s",
                                                        name, repeats, exc)
            return path
        except BaseException:  # noqa: BLE001
            return None

    @staticmethod
    def _log_quietly(exc_type, exc, tb) -> Path | None:
        try:
            return applog.log_exception(exc_type, exc, tb)
        except BaseException:  # noqa: BLE001 - no log file: the dialog says so
            return None

    def _print(self, text: str) -> None:
        try:
            stream = sys.__stderr__ or sys.stderr
            if stream is not None:
                stream.write(text)
                stream.flush()
        except BaseException:  # noqa: BLE001
            pass

    def uninstall(self) -> None:
        """Put the hooks back as they were and close the dialog."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self.original_excepthook
        if threading.excepthook == self.threading_excepthook:
            threading.excepthook = self.original_threading_excepthook
        box, self.dialog = self.dialog, None
        if box is not None and _alive(box):
            box.close()
        bridge, self._bridge = self._bridge, None
        if bridge is not None and _alive(bridge):
            bridge.deleteLater()


def _alive(obj: QObject) -> bool:
    try:
        import shiboken6

        return shiboken6.isValid(obj)
    except ImportError:  # pragma: no cover - shiboken6 comes with PySide6
        return True


_handler: CrashHandler | None = None


def install_excepthook(parent_getter: Callable[[], QWidget | None] | None = None) -> CrashHandler:
    """Log and show every unexpected exception from now on; the installed handler.

    ``parent_getter`` returns the window the dialog belongs to (default: the active window). Installing
    again replaces the previous handler but keeps the hooks that were there before the first one.
    """
    global _handler
    applog.setup_logging()
    previous = _handler
    handler = CrashHandler(parent_getter)
    if previous is not None:
        handler.original_excepthook = previous.original_excepthook
        handler.original_threading_excepthook = previous.original_threading_excepthook
        previous.uninstall()
    app = QApplication.instance()
    if app is not None:
        handler._bridge_for(app)  # made here, on the GUI thread, before any other thread needs it
    sys.excepthook = handler.excepthook
    threading.excepthook = handler.threading_excepthook
    _handler = handler
    return handler


def uninstall_excepthook() -> None:
    """Restore the hooks that were there before :func:`install_excepthook`."""
    global _handler
    handler, _handler = _handler, None
    if handler is not None:
        handler.uninstall()


def last_crash() -> Crash | None:
    """The most recent exception the installed handler saw (None: none, or no handler)."""
    return _handler.last if _handler is not None else None


def current_dialog() -> QMessageBox | None:
    """The crash dialog that is open now, if any."""
    if _handler is None or _handler.dialog is None or not _alive(_handler.dialog):
        return None
    return _handler.dialog


# Qt's virtual overrides ------------------------------------------------------------------------------

def report_exception(exc: BaseException) -> None:
    """Hand ``exc`` to ``sys.excepthook`` (the crash dialog and the log once :func:`install_excepthook` ran;
    pytest-qt's check in tests); never raises."""
    try:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    except BaseException:  # noqa: BLE001 - a broken hook must not take the override down with it
        try:
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.__stderr__)
        except BaseException:  # noqa: BLE001
            pass


F = TypeVar("F", bound=Callable[..., Any])


@overload
def qt_override(function: F) -> F: ...
@overload
def qt_override(*, default: Any = None) -> Callable[[F], F]: ...


def qt_override(function: Callable[..., Any] | None = None, *, default: Any = None):
    """Guard a Qt virtual override (``paintEvent``, ``closeEvent``, ``eventFilter``, ``paint``, …).

    With the PySide6 we ship, an exception leaving a virtual method called by C++ can take the whole
    process down. The guarded method reports any exception (log and crash dialog, see
    :func:`report_exception`) and returns ``default`` instead: ``None`` for the ``*Event`` handlers,
    ``False`` for ``eventFilter`` / ``event`` ("not handled").

    Use as ``@qt_override`` or ``@qt_override(default=False)``.
    """

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return guarded.__wrapped__(*args, **kwargs)  # looked up each call: a test may swap the body
            except Exception as exc:  # noqa: BLE001 - the point of the guard
                report_exception(exc)
                return default

        guarded.__qt_override__ = True  # type: ignore[attr-defined] - a test finds every guarded override
        return guarded

    return wrap(function) if function is not None else wrap


def run_all(*duties: Callable[[], object]) -> bool:
    """Run every duty even when one raises (each error is reported); True when none raised.

    For ``closeEvent`` and the like, where stopping one thread must not keep the next from stopping."""
    ok = True
    for duty in duties:
        try:
            duty()
        except Exception as exc:  # noqa: BLE001
            report_exception(exc)
            ok = False
    return ok


__all__ = ["Crash", "CrashHandler", "current_dialog", "describe", "dialog_text", "install_excepthook",
           "last_crash", "qt_override", "report_exception", "run_all", "uninstall_excepthook"]
