"""Guard against a Qt binding that leaks references to Python's singletons.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every void Qt call (and to True on every
signal emit); after a minute of live drawing the interpreter aborts with 'none_dealloc'. pyproject
excludes that release; this test fails if an installed binding does it again.
"""
import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class _Emitter(QObject):
    ping = Signal(object)


def test_void_calls_and_emits_do_not_leak_references_to_none_or_true(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    emitter = _Emitter()
    emitter.ping.connect(lambda value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        widget.update()
        widget.setToolTip("x")
        emitter.ping.emit(1)
    assert sys.getrefcount(None) >= none_before - 50
    assert sys.getrefcount(True) >= true_before - 50
