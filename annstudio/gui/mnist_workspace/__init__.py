"""The MNIST workspace, a package of single-purpose modules composed by :mod:`.workspace`:

- :mod:`.common`      constants, sentences and small widgets the others share;
- :mod:`.layout`      the tabs and their wiring;
- :mod:`.data_bar`    getting MNIST (load, download, open) in a job thread;
- :mod:`.prediction`  a model the builder cannot show, for prediction only;
- :mod:`.results`     confusion matrix, galleries, the student's drawings;
- :mod:`.workspace`   :class:`MnistWorkspace`: presets, training through the run controller, the workspace
  interface the window and the File menu use.
"""
from .common import DOWNLOAD_MB, PERSONAL_REPEAT, PRESET, TABS, count  # noqa: F401 - tests and the window use them
from .workspace import MnistWorkspace

__all__ = ["DOWNLOAD_MB", "PERSONAL_REPEAT", "PRESET", "TABS", "MnistWorkspace", "count"]
