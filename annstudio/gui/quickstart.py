"""Two shortcuts around import-time work of our Qt libraries that the window does not need.

Run :func:`prepare` before PySide6 or pyqtgraph is imported (``annstudio/gui/__init__.py`` does). Each
shortcut is measured (``python -X importtime``, ``bench/startup.py``) and falls back to the libraries' own
behaviour when they change.

1. **pyqtgraph's mirror modules.** ``pyqtgraph.Qt`` keeps its own ``QtCore``/``QtGui``/``QtWidgets``
   modules and fills them by copying every name of PySide6's (``_copy_attrs``). PySide6 creates its
   classes and enums on first access, so that copy created all ~700 of them, with their Python enums:
   about 0.2 s of a 0.9 s start. Here the mirrors are made first, as modules that take a name from
   PySide6 when it is first asked for; the copy then finds every name "present" and creates nothing.
   Everything pyqtgraph sets on the mirrors itself is kept as it sets it.
2. **PySide6's ``__feature__`` bookkeeping.** After PySide6 is imported, every module imported later has
   its whole source read (``inspect.getsource``) to see whether it mentions PySide6, so that the opt-in
   ``from __feature__ import snake_case`` can be switched per module. We never opt in, so every module is
   taken as one that uses PySide6 (the default, "no features"): the answer is the same, without reading
   ~370 source files (~60 ms).
"""
from __future__ import annotations

import sys
import types

_MIRRORS = ("QtCore", "QtGui", "QtWidgets")


class _LazyMirror(types.ModuleType):
    """A module whose names are PySide6's, each taken when first asked for (and then kept)."""

    def __init__(self, name: str, source: str) -> None:
        super().__init__(name)
        self.__dict__["_source"] = source

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if sys._getframe(1).f_code.co_name == "_copy_attrs":
            return True  # pyqtgraph's copy asks hasattr() for every name: say yes, take nothing yet
        value = getattr(sys.modules[self.__dict__["_source"]], name)
        self.__dict__[name] = value
        return value

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(dir(sys.modules[self.__dict__["_source"]])))


def prepare() -> None:
    """Install both shortcuts, if PySide6 and pyqtgraph are not imported yet."""
    if "pyqtgraph" not in sys.modules:
        import PySide6.QtCore  # noqa: F401
        import PySide6.QtGui  # noqa: F401
        import PySide6.QtWidgets  # noqa: F401

        for name in _MIRRORS:
            sys.modules.setdefault(f"pyqtgraph.Qt.{name}", _LazyMirror(f"pyqtgraph.Qt.{name}", f"PySide6.{name}"))
    _skip_feature_source_scan()


def _skip_feature_source_scan() -> None:
    feature = sys.modules.get("PySide6.support.feature") or sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = lambda module: True
