"""``annstudio shot``: the real main window, offscreen, trains a preset through the same worker and
saves a picture of the whole window after the last epoch."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from ..core.control import RunState
from ..core.errors import UserError


class ShotError(UserError):
    pass


def take_shot(preset_id: str, output: str, epochs: int | None = None, width: int = 1500, height: int = 900,
              timeout_s: float = 600.0, data: str | None = None) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("ANNSTUDIO_SETTINGS", os.path.join(tempfile.mkdtemp(prefix="annstudio-shot-"),
                                                             "settings.ini"))
    target = Path(output)
    if target.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ShotError(f"the picture must be a .png or .jpg file, not {target.name!r}")
    if not target.parent.is_dir():
        raise ShotError(f"cannot save to {target}: the folder {target.parent} does not exist")

    from PySide6.QtCore import QEventLoop, QTimer

    from ..core import lessons
    from .app import MainWindow, make_app

    preset = lessons.get(preset_id)
    if epochs is not None:
        preset = preset.with_epochs(epochs)
    app = make_app([])
    window = MainWindow(restore=False)
    window.ask_unsaved = lambda _text: "discard"  # a picture, not work: closing must not wait for an answer
    window.resize(width, height)
    window.show()
    if not window.load_preset_object(preset):
        raise ShotError(window.last_error() or f"preset {preset_id!r} could not be loaded")
    workspace = window.current_workspace()
    errors: list[str] = []
    workspace.error.connect(errors.append)

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    deadline = time.monotonic() + timeout_s
    if preset.data.kind == "mnist":
        if data:
            workspace.set_data_path(data)
        else:
            workspace.load_mnist()
        while not workspace.data_loaded() and not errors and time.monotonic() < deadline:
            wait(50)
        if not workspace.data_loaded():
            window.close()
            raise ShotError(errors[0] if errors else "MNIST could not be loaded; give a local file with --data")
    while workspace.session.is_running() and time.monotonic() < deadline:  # the untrained picture
        wait(50)
    workspace.play()
    while time.monotonic() < deadline:
        wait(50)
        if not workspace.session.is_running() and workspace.state() in (RunState.FINISHED, RunState.IDLE):
            break
        if errors:
            break
    if errors:
        window.close()
        raise ShotError(errors[0])
    if workspace.session.is_running():
        window.close()
        raise ShotError(f"training did not finish within {timeout_s:.0f} s")
    wait(200)
    picture = window.grab()
    window.close()
    app.processEvents()
    from ..core.atomic import atomic_path

    with atomic_path(target) as tmp:
        if not picture.save(tmp, target.suffix.lstrip(".").upper().replace("JPG", "JPEG")):
            raise ShotError(f"could not write {target}")
    return target
