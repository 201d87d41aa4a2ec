"""The start-up shortcuts around pyqtgraph's and PySide6's import-time work (annstudio/gui/quickstart.py)."""
import subprocess
import sys

import PySide6.QtCore
import PySide6.QtGui
import PySide6.QtWidgets
import pyqtgraph as pg

import annstudio.gui  # noqa: F401  (installs them, as the app does)


def test_pyqtgraphs_qt_modules_give_pyside6s_names_when_asked():
    assert pg.QtCore.QPointF is PySide6.QtCore.QPointF
    assert pg.QtGui.QPainter is PySide6.QtGui.QPainter
    assert pg.QtWidgets.QGraphicsView is PySide6.QtWidgets.QGraphicsView
    assert pg.QtCore.Signal is PySide6.QtCore.Signal
    assert pg.QtCore.Qt.AlignmentFlag.AlignLeft is PySide6.QtCore.Qt.AlignmentFlag.AlignLeft
    # what pyqtgraph puts on its own modules stays as it put it
    assert pg.QtGui.QFileSystemModel is PySide6.QtWidgets.QFileSystemModel
    assert "QPointF" in dir(pg.QtCore)
    try:
        pg.QtCore.NoSuchThing  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_the_window_starts_without_creating_every_qt_class():
    """pyqtgraph's copy of PySide6's modules used to create all of their ~700 classes and enums."""
    code = ("import annstudio.gui.app, sys, enum, pyqtgraph.Qt.QtCore as m; import PySide6.QtCore as c;"
            "made = sum(1 for v in vars(m).values() if isinstance(v, type));"
            "print(type(m).__name__, made, len(dir(c)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert out.returncode == 0, out.stderr
    kind, made, offered = out.stdout.split()
    assert kind == "_LazyMirror"
    assert int(made) < int(offered) / 4  # only what pyqtgraph and the window used so far
