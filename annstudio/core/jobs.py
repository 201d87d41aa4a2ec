"""Work that runs off the GUI thread, written as plain functions: fetch or load MNIST, read the test digits
with a model. Each takes a :class:`JobState` last, checks it between steps and reports its progress there;
``gui.jobs`` runs them in a thread, but they run (and are tested) just as well without Qt.

The shape follows Orange's ``TaskState`` and superqt's ``abort_requested``: cancelling is a flag the work
checks when it can stop cleanly, never an exception thrown into a thread from outside.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

import numpy as np

from .errors import UserError

if TYPE_CHECKING:
    from .datasets import Dataset


def at_shutdown(fn: Callable[[], None]) -> None:
    """Call ``fn`` when the interpreter shuts down, before every :mod:`atexit` handler.

    A thread still tracing a Keras program at exit must be waited for *before* libraries clean up after
    themselves in their own ``atexit`` handlers: optree (Keras' tree library) empties its registry of node
    types there, and a trace running after that sees a list as a leaf ("'list' object has no attribute
    'ndim'" in Keras' input check). ``atexit`` runs its handlers newest first, and those libraries are often
    imported after the app's modules (in the very thread that is still running), so ``atexit`` alone cannot
    order them; the threading module's exit hooks run before all of them (as ``concurrent.futures`` uses)."""
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        try:
            register(fn)
            return
        except RuntimeError:  # already shutting down
            return
    import atexit  # a Python without the hook: the next best order
    atexit.register(fn)


class Cancelled(UserError):
    """The job stopped early because it was asked to; it has no result."""


class JobState:
    """What a job and whoever started it share: a cancel flag (set from any thread) and a progress report.

    ``on_progress(done, total)`` is called from the job's thread, only when the per-mille done changes (or the
    total is unknown), so a fast loop does not flood a progress bar.
    """

    def __init__(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress
        self._shown = -1

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the job was asked to stop."""
        if self._cancel.is_set():
            raise Cancelled("the job was cancelled")

    def report(self, done: int, total: int) -> bool:
        """``done`` of ``total`` steps (``total`` 0: unknown). Returns False once cancelled, so it can serve
        as a callback that stops its caller (as :func:`core.datasets.download_mnist` expects)."""
        permille = int(done) * 1000 // int(total) if total else -1
        if self._on_progress is not None and (permille != self._shown or not total):
            self._shown = permille
            self._on_progress(int(done), int(total))
        return not self._cancel.is_set()


def load_mnist_job(path: str | Path, download: bool, state: JobState) -> "Dataset":
    """MNIST from ``path``, downloaded there first when ``download`` (progress in bytes); when TensorFlow is
    already loaded, also the images' TensorFlow copy that runs share (see ``engine.share_images``).

    Raises :class:`Cancelled` when cancelled (a half-finished download leaves no file), or the error that
    stopped it (a :class:`~annstudio.core.datasets.DataError` says why in words).
    """
    from . import datasets

    path = Path(path)
    if download:
        try:
            # the module's address and checksum as they are now (not download_mnist's defaults)
            datasets.download_mnist(path, state.report, url=datasets.MNIST_URL, sha256=datasets.MNIST_SHA256)
        except datasets.DownloadCancelled:
            raise Cancelled("the MNIST download was cancelled") from None
    state.check()
    data = datasets.mnist_dataset(path)
    share = getattr(sys.modules.get("annstudio.core.engine"), "share_images", None)
    if share is not None:  # TensorFlow is loaded (never waited for here): the images' copy that runs share
        state.check()
        share(data)
    return data


class DigitReading(Protocol):
    def predict(self, images: np.ndarray) -> np.ndarray: ...


def evaluate_reader(reader: DigitReading, images: np.ndarray, state: JobState, batch: int = 500) -> np.ndarray:
    """The digit ``reader`` reads in each of ``images`` (a convnet takes seconds for 10 000 of them), a batch
    at a time; progress in images. Raises :class:`Cancelled` between batches when cancelled."""
    parts, total = [], len(images)
    state.report(0, total)
    for start in range(0, total, batch):
        state.check()
        parts.append(np.asarray(reader.predict(images[start:start + batch])).argmax(axis=1))
        state.report(min(total, start + batch), total)
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
