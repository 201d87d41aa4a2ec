"""Scrolling never edits: spin boxes and combo boxes take the mouse wheel only when they have the
keyboard focus (a click or Tab gives it to them); otherwise the wheel scrolls the panel they sit in.

One event filter on the application does it for every such widget, present and future: when Qt polishes
one it gets ``Qt.StrongFocus`` (the wheel no longer gives it the focus), and a wheel event that reaches one
without the focus goes to the scroll area it sits in instead.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (QAbstractItemView, QAbstractScrollArea, QAbstractSpinBox, QApplication,
                               QComboBox)

from .crash import qt_override

_GUARDED = (QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """The application-wide filter; see the module's docstring."""

    @qt_override(default=False)
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, _GUARDED):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and isinstance(watched, _GUARDED) and not watched.hasFocus():
            area = _scroll_area(watched)
            if area is not None:  # the panel scrolls, whoever sent the event (Qt propagates only real ones)
                QApplication.sendEvent(area.viewport(), event)
                return True
            event.ignore()
            return True
        return False


def _scroll_area(widget) -> QAbstractScrollArea | None:
    """The scroll area the widget sits in (not a combo box's own list), or None."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QAbstractItemView):
            return parent
        parent = parent.parentWidget()
    return None


_guard: WheelGuard | None = None


def install(app: QApplication | None = None) -> WheelGuard | None:
    """Install the guard on the application (once; later calls do nothing)."""
    global _guard
    app = app or QApplication.instance()
    if app is None or _guard is not None:
        return _guard
    _guard = WheelGuard(app)
    app.installEventFilter(_guard)
    for widget in app.allWidgets():  # those polished before (the window installs it at its first paint)
        if isinstance(widget, _GUARDED) and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return _guard
