"""Every guarded Qt override of the app raises, and the real window is driven and closed:
``python override_faults.py``. Started in a subprocess by tests/gui/test_override_guard.py.

Prints ``hit: NAME`` for each kind of override that raised, ``dialog: yes`` when the crash dialog showed,
and exits 0 when the process survived it all.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSize, Qt, QUrl
from PySide6.QtGui import (QDragEnterEvent, QDropEvent, QHelpEvent, QHideEvent, QKeyEvent, QMouseEvent,
                           QResizeEvent, QShowEvent)
from PySide6.QtWidgets import QApplication, QGraphicsView

import annstudio.gui
from annstudio.gui import crash
from annstudio.gui.app import MainWindow, make_app


def guarded_overrides() -> list[tuple[type, str, object]]:
    found = []
    for info in pkgutil.walk_packages(annstudio.gui.__path__, "annstudio.gui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                found += [(cls, name, attr) for name, attr in vars(cls).items()
                          if getattr(attr, "__qt_override__", False)]
    return found


def mouse(kind: QEvent.Type) -> QMouseEvent:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    return QMouseEvent(kind, QPointF(5, 5), QPointF(5, 5), button, button, Qt.KeyboardModifier.NoModifier)


def drive(name: str, widget) -> None:
    send = QApplication.sendEvent
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/nonexistent/model.keras")])
    if name == "paintEvent":
        widget.grab()
    elif name == "resizeEvent":
        send(widget, QResizeEvent(QSize(300, 200), QSize(200, 100)))
    elif name == "showEvent":
        send(widget, QShowEvent())
    elif name == "hideEvent":
        send(widget, QHideEvent())
    elif name == "mousePressEvent":
        send(widget, mouse(QEvent.Type.MouseButtonPress))
    elif name == "mouseMoveEvent":
        send(widget, mouse(QEvent.Type.MouseMove))
    elif name == "mouseReleaseEvent":
        send(widget, mouse(QEvent.Type.MouseButtonRelease))
    elif name == "keyPressEvent":
        # straight to the widget's event(): the application would not deliver keys to a hidden editor
        widget.setEnabled(True)  # a disabled widget ignores keys (the editor is, until a neuron is chosen)
        widget.event(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier))
    elif name == "dragEnterEvent":
        send(widget, QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                     Qt.KeyboardModifier.NoModifier))
    elif name == "dropEvent":
        widget.event(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    elif name == "eventFilter":
        send(widget._view.viewport(), QEvent(QEvent.Type.Leave))
    elif name == "event":
        send(widget, QEvent(QEvent.Type.LayoutRequest))
    elif name == "viewportEvent":
        send(widget.viewport(), QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), QPoint(5, 5)))
    elif name == "paint":  # a QGraphicsItem's: drawn when its view is
        for view in QApplication.allWidgets():
            if isinstance(view, QGraphicsView):
                view.grab()
    elif name == "closeEvent":
        widget.close()
    else:
        raise SystemExit(f"no way to trigger {name}: teach override_faults.py")


def main() -> int:
    app = make_app([])
    window = MainWindow(restore=False)
    window.ask_unsaved = lambda text: "discard"
    handler = crash.install_excepthook(lambda: window)
    window.show()
    window.tabs.setCurrentIndex(1)  # build the MNIST tab and the compare tab: their widgets are in the test
    window.tabs.setCurrentIndex(2)
    window.tabs.setCurrentIndex(0)
    app.processEvents()

    overrides = guarded_overrides()
    hit: set[str] = set()
    shown = False
    for cls, name, attr in overrides:
        def boom(*args, _name=name, **kwargs):
            hit.add(_name)
            raise RuntimeError(f"injected fault in {_name}")

        instances = [w for w in QApplication.allWidgets() if isinstance(w, cls)]
        if name == "paint":
            instances = [None]
        if not instances:
            # not a widget: an application-wide event filter (wheel, tool tips) sees every event, and a body
            # that raised on each of them would flood the log; the guard is the same one as the widgets'
            continue
        original, attr.__wrapped__ = attr.__wrapped__, boom
        try:
            for widget in instances[:3]:
                if name != "closeEvent":
                    drive(name, widget)
            app.processEvents()
            shown = shown or crash.current_dialog() is not None
        finally:
            attr.__wrapped__ = original
        if name != "closeEvent" and instances:
            print(f"checked: {cls.__name__}.{name}", flush=True)
    # last: closing the window while its first duties raise; the others must still run
    def failing(duty):
        def run():
            duty()
            hit.add("closeEvent")
            raise RuntimeError("injected fault in closeEvent's duties")
        return run

    window.playground.shutdown = failing(window.playground.shutdown)
    window.mnist.shutdown = failing(window.mnist.shutdown)
    window.close()
    app.processEvents()
    window.settings.sync()
    print(f"settings saved: {window.settings.contains('window/geometry')}", flush=True)
    shown = shown or crash.current_dialog() is not None
    for name in sorted(hit):
        print(f"hit: {name}", flush=True)
    print(f"overrides: {len(overrides)} errors: {handler.count}", flush=True)
    print(f"dialog: {'yes' if shown else 'no'}", flush=True)
    print(f"log: {handler.last.log_path if handler.last else ''}", flush=True)
    print(f"window closed: {not window.isVisible()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
