"""Test set-up: headless Qt, quiet TensorFlow, a private Keras cache, and no QThread left running."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app does (annstudio.cli.main)

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"


@pytest.fixture(autouse=True)
def _private_keras_home(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's ~/.keras."""
    home = tmp_path_factory.getbasetemp() / "keras-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("ANNSTUDIO_SETTINGS", str(tmp_path_factory.getbasetemp() / "settings.ini"))
    monkeypatch.setenv("ANNSTUDIO_DATA_DIR", str(tmp_path_factory.getbasetemp() / "app-data"))
    yield


@pytest.fixture(autouse=True)
def _unsaved_work_is_discarded(monkeypatch):
    """Quitting or loading over unsaved work asks Save / Discard / Cancel in a modal box, which would wait
    forever in a test: here it answers "discard". A test about the question replaces ``ask_unsaved`` itself."""
    app = sys.modules.get("annstudio.gui.app")  # every test that makes a window imports it at module level
    if app is not None:
        monkeypatch.setattr(app.MainWindow, "ask_unsaved", lambda self, text: "discard")
    yield


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    if not SHARED_MNIST.is_file():
        pytest.skip(f"the shared MNIST file is not at {SHARED_MNIST}")
    return SHARED_MNIST


@pytest.fixture(autouse=True)
def _no_qthread_left_behind():
    """Fail any test that leaves a training QThread running (the napari rule).

    Every QThread the app starts is registered in ``annstudio.gui.worker``; none may outlive a test.
    """
    yield
    worker = sys.modules.get("annstudio.gui.worker")
    if worker is None:
        return
    left = worker.running_threads()
    if left:
        for thread in left:
            thread.requestInterruption()
            thread.quit()
            thread.wait(5000)
        pytest.fail(f"{len(left)} QThread(s) left running by this test")
