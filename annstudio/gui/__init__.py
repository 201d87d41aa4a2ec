"""The window: PySide6 + pyqtgraph, thin widgets over :mod:`annstudio.core`."""
from .quickstart import prepare as _prepare

_prepare()  # before anything here imports pyqtgraph: see quickstart.py
