"""The QApplication: its name, icon, style, and the thread settings that keep the window smooth while training.

Its own module so that anything needing a QApplication (the window, a headless report, the benchmarks) gets the
same one without importing the window.
"""
from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..core import threads
from . import style

APP_NAME = "ANN Studio"
ORG_NAME = "ANN Studio"


def make_app(argv: list[str] | None = None) -> QApplication:
    threads.leave_a_core()  # TensorFlow (loaded later, in the worker): the window must stay smooth
    # The training thread and the GUI thread share the GIL. Painting calls back into Python hundreds of
    # times a frame; with the default 5 ms switch interval each call can wait that long for the GIL.
    sys.setswitchinterval(0.0005)
    # traced programs are kept from one launch to the next: the next launch's first epoch waits for no trace
    from ..core import program_store

    if program_store.folder() is None:
        program_store.set_folder(program_store.default_folder())
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setDesktopFileName("annstudio")  # Wayland matches the window to `annstudio install-desktop`'s entry
    app.setWindowIcon(app_icon())  # every window and the task bar
    style.configure_pyqtgraph()
    return app


def app_icon() -> QIcon:
    """The app's icon (resources/icons) in every size there is; an empty icon if the files are missing."""
    from ..core.desktop import icon_files

    icon = QIcon()
    for path in icon_files().values():
        icon.addFile(str(path))
    return icon
