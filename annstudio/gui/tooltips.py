"""Long tool tips wrap: Qt shows a plain-text tip as one line (up to ~1250 px for our longer ones); as rich
text it wraps it at a readable width. One filter on the application rewraps every long plain tip as it is
shown, so widgets keep their plain ``toolTip()`` (and tests can read it as it was set)."""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import Qt  # QtGui's Qt namespace has mightBeRichText
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from .crash import qt_override

WRAP_AT = 70  # characters: a plain tip longer than this is shown wrapped


def wrapped(tip: str) -> str:
    """A plain-text tip as rich text that Qt wraps (line breaks kept); rich text is left as it is."""
    if Qt.mightBeRichText(tip) or len(tip) <= WRAP_AT:
        return tip
    return "<p style='white-space:pre-wrap'>" + html.escape(tip) + "</p>"


class ToolTipWrapper(QObject):
    """The application-wide filter; see the module's docstring."""

    @qt_override(default=False)
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.ToolTip or not isinstance(watched, QWidget):
            return False
        tip = watched.toolTip()
        shown = wrapped(tip)
        if shown == tip:
            return False  # Qt shows it as usual
        QToolTip.showText(event.globalPos(), shown, watched)
        return True


_wrapper: ToolTipWrapper | None = None


def install(app: QApplication | None = None) -> ToolTipWrapper | None:
    """Install the wrapper on the application (once; later calls do nothing)."""
    global _wrapper
    app = app or QApplication.instance()
    if app is None or _wrapper is not None:
        return _wrapper
    _wrapper = ToolTipWrapper(app)
    app.installEventFilter(_wrapper)
    return _wrapper
