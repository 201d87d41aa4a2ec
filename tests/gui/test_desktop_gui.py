"""Desktop citizenship in the window: the app's icon on every window (and so the task bar), and a workspace
passed on the command line (`annstudio FILE`, as a desktop's double-click does) opens in the window."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
from PySide6.QtCore import QSettings, QSize
from PySide6.QtWidgets import QApplication

from annstudio.core import datasets, lessons
from annstudio.core.workspace import Workspace, save_workspace
from annstudio.gui.app import MainWindow, app_icon, make_app


def test_the_app_and_its_windows_have_the_icon(qapp, qtbot, monkeypatch):
    interval = sys.getswitchinterval()
    monkeypatch.setenv("ANNSTUDIO_TF_THREADS", os.environ.get("ANNSTUDIO_TF_THREADS", ""))  # restored afterwards
    try:
        app = make_app()
    finally:
        sys.setswitchinterval(interval)
    assert app is QApplication.instance() and app.desktopFileName() == "annstudio"
    sizes = app.windowIcon().availableSizes()
    assert QSize(16, 16) in sizes and QSize(256, 256) in sizes
    assert not app_icon().pixmap(48, 48).isNull()
    window = MainWindow(restore=False)
    qtbot.addWidget(window)
    assert window.windowIcon().cacheKey() == app.windowIcon().cacheKey()
    picture = window.windowIcon().pixmap(32, 32).toImage()
    assert picture.pixelColor(16, 16).alpha() == 255  # drawn, not blank


def test_a_workspace_on_the_command_line_opens_in_the_window(tmp_path):
    preset = lessons.get("looking-at-parameters")
    data = replace(preset.data, size=60, test_fraction=0.2)
    path = save_workspace(Workspace(preset.network, preset.train, data, points=datasets.generate(data),
                                    preset=preset.id), tmp_path / "homework.annws")
    settings = tmp_path / "settings.ini"
    env = {**os.environ, "ANNSTUDIO_EXIT_AFTER_SHOW": "1", "ANNSTUDIO_SETTINGS": str(settings),
           "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-m", "annstudio", "homework.annws"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "shown" in out.stdout and "Traceback" not in out.stderr
    # the window is up before TensorFlow starts loading (its import holds the interpreter lock for seconds)
    assert "tensorflow=False" in out.stdout, out.stdout
    recent = QSettings(str(settings), QSettings.Format.IniFormat).value("files/recent")
    assert (recent if isinstance(recent, list) else [recent])[0] == str(path)  # opened, by its full path
