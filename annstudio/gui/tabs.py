"""A tab widget that does not repaint every page when something on a page is laid out anew."""
from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget, QWidget

from .crash import qt_override


class QuietTabWidget(QTabWidget):
    """:class:`QTabWidget` repaints itself and all it holds on every layout request from inside it.

    Such requests come often and for little: a page shown by a tab switch, a label given a new text. Every
    one reaches the window's outermost tab widget, which then repainted the whole window (~10 ms, and more
    while a network trains). Here a request only passes the new size constraints on; the tab bar and the
    pages are placed on resizes and tab changes as before.
    """

    @qt_override(default=False)
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
            return QWidget.event(self, event)
        return super().event(event)
