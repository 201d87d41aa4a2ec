"""The window's settings: where they are kept, and what is saved on quitting and restored at the next start
(window geometry and docks, the Playground's splitter, speed and last experiment, the teacher's lessons).

A mixin of :class:`~annstudio.gui.app.MainWindow`; it never imports the window (no import cycle).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from ..core import lessons
from ..core.spec import SpecError, data_from_dict, network_from_dict, train_from_dict
from .qapp import APP_NAME, ORG_NAME


def make_settings() -> QSettings:
    """The user's settings; ``$ANNSTUDIO_SETTINGS`` names an .ini file instead (tests, portable use)."""
    path = os.environ.get("ANNSTUDIO_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORG_NAME, APP_NAME)


class WindowSettings:
    """Saving and restoring the main window's settings (``self.settings``)."""

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.playground.splitter.restoreState(splitter)
        try:
            speed = s.value("playground/speed")
            self.playground.training.set_speed(None if speed in (None, "", "full") else float(speed))
        except (TypeError, ValueError):
            pass  # a damaged setting: full speed
        try:
            for item in json.loads(str(s.value("lessons/custom", "[]") or "[]")):
                if Path(item["path"]).is_file():
                    self.lessons.add_custom_lesson(item["title"], "", item["path"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _last_preset(self) -> "lessons.Preset | None":
        """The playground's data, network and settings of the last session (None: the default workspace).

        Read before the playground is built, so that it is set up once, not twice."""
        text = self.settings.value("playground/last")
        if not text:
            return None
        try:
            last = json.loads(str(text))
            data = data_from_dict(last["data"])
            network = network_from_dict(last["network"])
            train = train_from_dict(last["train"])
        except (SpecError, ValueError, KeyError, TypeError):
            return None  # settings from an older or damaged session: start from the default workspace
        if data.kind == "mnist":
            return None
        return lessons.Preset("last", "last session", data, network, train)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.playground.splitter.saveState())
        speed = self.playground.training.speed()
        s.setValue("playground/speed", "full" if speed is None else speed)
        spec = self.playground.data_panel.data_spec()
        if spec is not None:
            last = {"data": spec.to_dict(), "network": self.playground.network_spec().to_dict(),
                    "train": self.playground.train_spec().to_dict()}
            s.setValue("playground/last", json.dumps(last))
        s.sync()

    def _remember_lesson(self, title: str, path: str) -> None:
        try:
            known = json.loads(str(self.settings.value("lessons/custom", "[]") or "[]"))
        except ValueError:
            known = []
        known = [item for item in known if item.get("path") != path] + [{"title": title, "path": path}]
        self.settings.setValue("lessons/custom", json.dumps(known[-20:]))
