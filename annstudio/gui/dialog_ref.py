"""A reference to a dialog that never outlives it.

A ``QMessageBox`` or ``QDialog`` with ``WA_DeleteOnClose`` is deleted by Qt when it closes, whichever way:
a button, its title bar, ``reject()``, ``close()``. A plain Python attribute would keep pointing at the
deleted C++ object, and calling it later (say, ``close()`` while the window closes) raises inside
``closeEvent``, which can crash the process. :class:`DialogRef` forgets the dialog on ``finished`` and on
``destroyed`` and checks that it is still alive before handing it out.
"""
from __future__ import annotations

from typing import Generic, TypeVar

import shiboken6
from PySide6.QtWidgets import QWidget

D = TypeVar("D", bound=QWidget)


def alive(obj: object) -> bool:
    """Whether ``obj`` is a Qt object whose C++ side still exists."""
    try:
        return obj is not None and shiboken6.isValid(obj)
    except TypeError:
        return False


class DialogRef(Generic[D]):
    """Holds at most one dialog while it lives. ``forget_on_finish=False`` keeps a dialog that is only
    hidden when it finishes (one the owner reuses or deletes itself) until it is destroyed."""

    def __init__(self, forget_on_finish: bool = True) -> None:
        self._dialog: D | None = None
        self._forget_on_finish = forget_on_finish

    def set(self, dialog: D | None) -> D | None:
        self._dialog = dialog
        if dialog is not None:
            dialog.destroyed.connect(lambda *_: self._forget(dialog))
            finished = getattr(dialog, "finished", None)
            if self._forget_on_finish and finished is not None:
                finished.connect(lambda *_: self._forget(dialog))
        return dialog

    def get(self) -> D | None:
        """The dialog, or None once it finished or was deleted."""
        if self._dialog is not None and not alive(self._dialog):
            self._dialog = None
        return self._dialog

    def take(self) -> D | None:
        """The dialog (as :meth:`get`), and forget it."""
        dialog, self._dialog = self.get(), None
        return dialog

    def close(self) -> None:
        """Close the dialog if it is still there, and forget it."""
        dialog = self.take()
        if dialog is not None:
            dialog.close()

    def _forget(self, dialog: QWidget) -> None:
        if self._dialog is dialog:
            self._dialog = None
